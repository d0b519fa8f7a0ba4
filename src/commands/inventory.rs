//! `scan PATH1 PATH2 …`: many repositories scanned in parallel into one inventory.
//!
//! In: the paths and the shared options. Out: an inventory table (one row per repository: its
//! level, its open gaps, the tools of each block), or, with `--format json|yaml`, an array of
//! full reports in the order the paths were given, or one SARIF document with a run per
//! repository. A repository that cannot be scanned becomes a row with its error and the exit
//! status is 2; the others are still reported.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::PathBuf;

use anyhow::{anyhow, Result};
use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{ContentArrangement, Table};
use rayon::prelude::*;
use serde_json::{json, Value};

use crate::cli::CommonArgs;
use crate::detect::Catalog;
use crate::maturity::GapStatus;
use crate::report::{self, Format, Report};
use crate::ExitStatus;

fn tools_cell(r: &Report) -> String {
    let mut lines = Vec::new();
    for b in &r.blocks.0 {
        let tools: BTreeSet<&str> = b.findings.iter().map(|f| f.tool_name.as_str()).collect();
        let level = r
            .maturity
            .as_ref()
            .and_then(|m| m.blocks.get(b.block))
            .map(|m| format!(" [{}]", m.level))
            .unwrap_or_default();
        let list = if tools.is_empty() {
            "—".to_string()
        } else {
            tools.into_iter().collect::<Vec<_>>().join(", ")
        };
        lines.push(format!("{}{level}: {list}", b.block.id()));
    }
    lines.join("\n")
}

fn gaps_cell(r: &Report) -> String {
    let Some(m) = &r.maturity else {
        return String::new();
    };
    let count = |s: GapStatus| {
        m.gaps
            .iter()
            .filter(|g| g.required && g.status == s)
            .count()
    };
    format!(
        "{} missing\n{} partial\n{} need answer",
        count(GapStatus::Missing),
        count(GapStatus::Partial),
        count(GapStatus::NeedsAnswer)
    )
}

fn render_table(results: &[(PathBuf, Result<Report>)], out: &mut dyn Write) -> Result<()> {
    writeln!(out, "Inventory of {} repositories", results.len())?;
    let mut table = Table::new();
    table
        .load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Disabled)
        .set_header(vec![
            "Repository",
            "Level",
            "Required gaps",
            "Tools per block [level]",
        ]);
    for (path, r) in results {
        match r {
            Ok(r) => {
                let level = r.maturity.as_ref().map_or_else(String::new, |m| {
                    format!(
                        "{}\n→ {}\n({})",
                        m.inferred_level, m.target_level, m.profile
                    )
                });
                table.add_row(vec![
                    path.display().to_string(),
                    level,
                    gaps_cell(r),
                    tools_cell(r),
                ]);
            }
            Err(e) => {
                table.add_row(vec![
                    path.display().to_string(),
                    "error".to_string(),
                    String::new(),
                    format!("{e:#}"),
                ]);
            }
        }
    }
    writeln!(out, "{table}")?;
    Ok(())
}

fn report_value(path: &std::path::Path, r: &Result<Report>) -> Result<Value> {
    Ok(match r {
        Ok(r) => serde_json::to_value(r)?,
        Err(e) => {
            json!({ "repo": { "path": path.display().to_string() }, "error": format!("{e:#}") })
        }
    })
}

/// One SARIF document with a run per repository; locations are prefixed with its path.
fn sarif(results: &[(PathBuf, Result<Report>)]) -> Value {
    let mut doc = Value::Null;
    let mut runs = Vec::new();
    for (path, r) in results {
        let Ok(r) = r else { continue };
        let mut d = report::sarif::document(r);
        let prefix = path.display().to_string();
        if let Some(run) = d["runs"].get_mut(0) {
            if let Some(results) = run["results"].as_array_mut() {
                for res in results {
                    if let Some(uri) =
                        res["locations"][0]["physicalLocation"]["artifactLocation"].get_mut("uri")
                    {
                        let joined = format!(
                            "{}/{}",
                            prefix.trim_end_matches('/'),
                            uri.as_str().unwrap_or(".")
                        );
                        *uri = Value::String(joined.trim_end_matches("/.").to_string());
                    }
                }
            }
            run["automationDetails"]["id"] = json!(format!(
                "{}/{prefix}",
                run["automationDetails"]["id"]
                    .as_str()
                    .unwrap_or("mlops-canvas")
            ));
            runs.push(run.take());
        }
        if doc.is_null() {
            doc = d;
        }
    }
    if doc.is_null() {
        doc = json!({ "version": report::sarif::SARIF_VERSION });
    }
    doc["runs"] = Value::Array(runs);
    doc
}

/// Scans every path in parallel and writes the inventory.
pub(crate) fn run(
    paths: &[PathBuf],
    catalog: &Catalog,
    common: &CommonArgs,
    out: &mut dyn Write,
) -> Result<ExitStatus> {
    let results: Vec<(PathBuf, Result<Report>)> = paths
        .par_iter()
        .map(|p| (p.clone(), crate::scan_repo(p, catalog, common)))
        .collect();
    super::write_output(common.output.as_deref(), out, |w| {
        match common.format {
            Format::Table => render_table(&results, w)?,
            Format::Json | Format::Yaml => {
                let all = results
                    .iter()
                    .map(|(p, r)| report_value(p, r))
                    .collect::<Result<Vec<_>>>()?;
                if common.format == Format::Json {
                    serde_json::to_writer_pretty(&mut *w, &all)?;
                    writeln!(w)?;
                } else {
                    w.write_all(serde_yaml::to_string(&all)?.as_bytes())?;
                }
            }
            Format::Sarif => {
                serde_json::to_writer_pretty(&mut *w, &sarif(&results))?;
                writeln!(w)?;
            }
            Format::Markdown | Format::Html => {
                return Err(anyhow!(
                    "an inventory of several repositories is written as table, json, yaml or sarif; `canvas` draws one repository"
                ));
            }
        }
        Ok(())
    })?;
    if results.iter().any(|(_, r)| r.is_err()) {
        return Ok(ExitStatus::Error);
    }
    let gate = results.iter().any(|(_, r)| {
        r.as_ref()
            .is_ok_and(|r| super::scan::gate_fails(r, common.maturity.fail_on))
    });
    Ok(if gate {
        ExitStatus::GateFailed
    } else {
        ExitStatus::Success
    })
}
