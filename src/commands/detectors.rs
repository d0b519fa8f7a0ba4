//! `detectors list | explain | check`: the catalogue as users see it. Every text comes from
//! the detector files themselves.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::io::Write;
use std::path::PathBuf;

use anyhow::{anyhow, Result};
use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::Table;
use serde::Serialize;

use crate::canvas::Block;
use crate::cli::DetectorsCommand;
use crate::detect::spec::Matcher;
use crate::detect::{self, Catalog, Detector};
use crate::report::Format;
use crate::ExitStatus;

#[derive(Serialize)]
struct ListEntry<'a> {
    id: &'a str,
    name: &'a str,
    kind: String,
    homepage: &'a str,
    blocks: Vec<&'static str>,
    capabilities: Vec<&'a str>,
}

fn entry(d: &Detector) -> ListEntry<'_> {
    let blocks: BTreeSet<Block> = d.signals.iter().map(|s| s.block).collect();
    let caps: BTreeSet<&str> = d.signals.iter().map(|s| s.capability.as_str()).collect();
    ListEntry {
        id: &d.id,
        name: &d.name,
        kind: d.kind.to_string(),
        homepage: &d.homepage,
        blocks: blocks.into_iter().map(Block::id).collect(),
        capabilities: caps.into_iter().collect(),
    }
}

fn describe(m: &Matcher) -> String {
    match m {
        Matcher::Path { globs } => format!("file exists: {}", globs.join(", ")),
        Matcher::Dependency {
            packages,
            ecosystem,
        } => {
            let eco = ecosystem.map_or_else(|| "any".to_string(), |e| e.to_string());
            format!("dependency ({eco}): {}", packages.join(", "))
        }
        Matcher::Import { modules } => format!("python import: {}", modules.join(", ")),
        Matcher::Regex {
            files,
            pattern,
            also,
        } => {
            let mut s = format!("pattern /{}/ in {}", pattern.as_str(), files.join(", "));
            for a in also {
                let _ = write!(s, " and the file also matches /{}/", a.as_str());
            }
            s
        }
    }
}

/// Runs a `detectors` subcommand.
pub(crate) fn run(cmd: &DetectorsCommand, out: &mut dyn Write) -> Result<ExitStatus> {
    match cmd {
        DetectorsCommand::List { format, detectors } => {
            list(&Catalog::load(detectors)?, *format, out)
        }
        DetectorsCommand::Explain { id, detectors } => explain(&Catalog::load(detectors)?, id, out),
        DetectorsCommand::Check { files } => check(files, out),
    }
}

fn list(catalog: &Catalog, format: Format, out: &mut dyn Write) -> Result<ExitStatus> {
    let entries: Vec<ListEntry> = catalog.detectors.iter().map(entry).collect();
    match format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut *out, &entries)?;
            writeln!(out)?;
        }
        Format::Yaml => out.write_all(serde_yaml::to_string(&entries)?.as_bytes())?,
        Format::Table | Format::Sarif => {
            let mut t = Table::new();
            t.load_preset(UTF8_FULL_CONDENSED).set_header(vec![
                "Id",
                "Name",
                "Kind",
                "Blocks",
                "Capabilities",
            ]);
            for e in &entries {
                t.add_row(vec![
                    e.id.to_string(),
                    e.name.to_string(),
                    e.kind.clone(),
                    e.blocks.join(", "),
                    e.capabilities.join(", "),
                ]);
            }
            writeln!(out, "{t}")?;
            writeln!(out, "{} detectors", entries.len())?;
        }
        Format::Markdown | Format::Html => {
            return Err(anyhow!("`detectors list` writes table, json or yaml"));
        }
    }
    Ok(ExitStatus::Success)
}

fn explain(catalog: &Catalog, id: &str, out: &mut dyn Write) -> Result<ExitStatus> {
    let d = catalog.get(id).ok_or_else(|| {
        anyhow!("no detector `{id}`; `mlops-canvas detectors list` shows the catalogue")
    })?;
    writeln!(out, "{} ({})", d.name, d.id)?;
    writeln!(
        out,
        "kind: {}    homepage: {}    source: {}",
        d.kind, d.homepage, d.source
    )?;
    if !d.aliases.is_empty() {
        writeln!(out, "aliases: {}", d.aliases.join(", "))?;
    }
    writeln!(out, "\n{}\n\nSignals:", d.description)?;
    for (i, s) in d.signals.iter().enumerate() {
        writeln!(
            out,
            "  {}. {} -> {} in {} ({})",
            i + 1,
            describe(&s.matcher),
            s.capability,
            s.block.id(),
            s.confidence
        )?;
    }
    Ok(ExitStatus::Success)
}

fn check(files: &[PathBuf], out: &mut dyn Write) -> Result<ExitStatus> {
    let caps = detect::capabilities();
    let mut failed = false;
    for f in files {
        match detect::load_user_file(f, caps) {
            Ok(d) => writeln!(
                out,
                "ok: {} ({}, {} signals)",
                f.display(),
                d.id,
                d.signals.len()
            )?,
            Err(e) => {
                failed = true;
                writeln!(out, "error: {e:#}")?;
            }
        }
    }
    Ok(if failed {
        ExitStatus::GateFailed
    } else {
        ExitStatus::Success
    })
}
