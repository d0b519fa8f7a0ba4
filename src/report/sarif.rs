//! The gap table as SARIF 2.1.0, so code scanning (GitHub, GitLab) shows what the target level
//! still needs.
//!
//! In: a report with its maturity assessment. Out: one SARIF run with a rule per gap-table
//! capability and a result per row that is not met: `error` for a missing required capability,
//! `warning` for a partial one or one that needs an answer, `note` for a recommendation.
//! Waived rows stay as results with an external suppression that carries the reason. A result's
//! location is the most relevant file: the evidence of a partial finding, else the README that
//! states the problem, else the repository root.

use std::fmt::Write as _;
use std::io::Write;

use anyhow::Result;
use serde_json::{json, Value};

use super::Report;
use crate::maturity::{Gap, GapStatus};

/// The SARIF version written.
pub const SARIF_VERSION: &str = "2.1.0";
const SARIF_SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

fn level(g: &Gap) -> &'static str {
    match (g.status, g.required) {
        (_, false) => "note",
        (GapStatus::Missing, true) => "error",
        _ => "warning",
    }
}

/// `path` and 1-based line of the most relevant place for a row.
fn location(g: &Gap, report: &Report) -> (String, Option<u32>) {
    if let Some(f) = g.found.first() {
        let (path, line) = match f.evidence.rsplit_once(':') {
            Some((p, l)) if l.chars().all(|c| c.is_ascii_digit()) => (p, l.parse().ok()),
            _ => (f.evidence.as_str(), None),
        };
        if !path.is_empty() && path != ".git" {
            return (path.to_string(), line);
        }
    }
    let readme = report
        .blocks
        .0
        .iter()
        .flat_map(|b| &b.findings)
        .find(|f| f.capability == "problem_statement")
        .and_then(|f| f.evidence.first())
        .map(|e| e.path.clone());
    (readme.unwrap_or_else(|| ".".to_string()), None)
}

fn message(g: &Gap) -> String {
    let mut m = format!(
        "{} `{}` for level {} ({}): {}.",
        if g.required {
            "Required"
        } else {
            "Recommended"
        },
        g.capability.replace('|', "` or `"),
        g.level,
        g.block.id(),
        g.status.label()
    );
    if let Some(d) = &g.detail {
        let _ = write!(m, " {d}.");
    }
    if let Some(s) = &g.next_step {
        let _ = write!(m, " Next step: {s}");
    }
    m
}

/// The SARIF document of a report's gaps (an empty run when there is no assessment).
pub fn document(report: &Report) -> Value {
    let caps = crate::detect::capabilities();
    let gaps: Vec<&Gap> = report
        .maturity
        .iter()
        .flat_map(|m| &m.gaps)
        .filter(|g| g.status != GapStatus::Met)
        .collect();
    let mut rule_ids: Vec<&str> = gaps.iter().map(|g| g.capability.as_str()).collect();
    rule_ids.sort_unstable();
    rule_ids.dedup();
    let rules: Vec<Value> = rule_ids
        .iter()
        .map(|id| {
            let text: Vec<&str> = id
                .split('|')
                .filter_map(|c| caps.get(c).map(|c| c.description.as_str()))
                .collect();
            let g = gaps.iter().find(|g| g.capability == *id);
            json!({
                "id": id,
                "name": id.replace('|', "_or_"),
                "shortDescription": { "text": format!("MLOps capability: {}", id.replace('|', " or ")) },
                "fullDescription": { "text": text.join(" Or: ") },
                "help": { "text": g.and_then(|g| g.next_step.clone()).unwrap_or_default() },
                "properties": { "tags": ["mlops", g.map_or("", |g| g.block.id())] },
            })
        })
        .collect();
    let results: Vec<Value> = gaps
        .iter()
        .map(|g| {
            let (path, line) = location(g, report);
            let mut physical = json!({ "artifactLocation": { "uri": path } });
            if let Some(l) = line {
                physical["region"] = json!({ "startLine": l });
            }
            let mut r = json!({
                "ruleId": g.capability,
                "ruleIndex": rule_ids.iter().position(|id| *id == g.capability).unwrap_or(0),
                "level": level(g),
                "message": { "text": message(g) },
                "locations": [{ "physicalLocation": physical }],
                "properties": {
                    "block": g.block.id(),
                    "maturity_level": g.level,
                    "status": g.status,
                    "required": g.required,
                },
            });
            if g.status == GapStatus::Waived {
                r["suppressions"] = json!([{
                    "kind": "external",
                    "justification": g.detail.clone().unwrap_or_default(),
                }]);
            }
            r
        })
        .collect();
    let m = report.maturity.as_ref();
    json!({
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [{
            "tool": { "driver": {
                "name": "mlops-canvas",
                "version": report.tool_version,
                "informationUri": "https://ml-ops.org/content/mlops-stack-canvas",
                "rules": rules,
            }},
            "automationDetails": { "id": format!(
                "mlops-canvas/{}/{}",
                m.map_or("", |m| m.profile.as_str()),
                m.map_or("", |m| m.target_level.as_str())
            )},
            "results": results,
            "properties": {
                "inferred_level": m.map(|m| m.inferred_level.clone()),
                "target_level": m.map(|m| m.target_level.clone()),
                "verdict": m.map(|m| m.verdict.clone()),
            },
        }],
    })
}

/// Writes the SARIF document.
pub(crate) fn render(report: &Report, out: &mut dyn Write) -> Result<()> {
    serde_json::to_writer_pretty(&mut *out, &document(report))?;
    writeln!(out)?;
    Ok(())
}
