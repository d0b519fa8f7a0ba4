//! The terminal view of a report: one table of the 11 canvas blocks with tools, capabilities,
//! confidence and evidence, then the warnings.

use std::io::Write;

use anyhow::Result;
use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{ContentArrangement, Table};

use super::Report;
use crate::detect::Evidence;

/// Evidence locations shown per finding in the table.
const SHOWN_EVIDENCE: usize = 2;

fn location(e: &Evidence) -> String {
    match e.line {
        Some(l) => format!("{}:{l}", e.path),
        None => e.path.clone(),
    }
}

/// Writes the canvas table.
pub(crate) fn render(report: &Report, out: &mut dyn Write) -> Result<()> {
    let head = match (&report.repo.head, &report.repo.default_branch) {
        (Some(h), Some(b)) => format!(" (HEAD {} on {b})", &h[..h.len().min(12)]),
        (Some(h), None) => format!(" (HEAD {})", &h[..h.len().min(12)]),
        _ => String::new(),
    };
    writeln!(out, "MLOps Stack Canvas for {}{head}", report.repo.path)?;
    writeln!(
        out,
        "{} tools, {} files ({} read), {} detectors, {} warnings",
        report.tools.len(),
        report.stats.files,
        report.stats.files_read,
        report.stats.detectors,
        report.warnings.len()
    )?;
    let mut table = Table::new();
    table
        .load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Disabled)
        .set_header(vec!["Block", "Tool", "Capability", "Conf.", "Evidence"]);
    for b in &report.blocks.0 {
        if b.findings.is_empty() {
            table.add_row(vec![b.title, "—", "nothing found", "", ""]);
            continue;
        }
        for (i, f) in b.findings.iter().enumerate() {
            let mut ev: Vec<String> = f
                .evidence
                .iter()
                .take(SHOWN_EVIDENCE)
                .map(location)
                .collect();
            if f.evidence_total > SHOWN_EVIDENCE {
                ev.push(format!("+{} more", f.evidence_total - SHOWN_EVIDENCE));
            }
            table.add_row(vec![
                if i == 0 { b.title } else { "" },
                f.tool_name.as_str(),
                f.capability.as_str(),
                &f.confidence.to_string(),
                &ev.join(", "),
            ]);
        }
    }
    writeln!(out, "{table}")?;
    render_answers(report, out)?;
    if !report.warnings.is_empty() {
        writeln!(out, "\nWarnings:")?;
        for w in report.warnings.iter().take(20) {
            writeln!(out, "  {}: {}", w.path, w.message)?;
        }
        if report.warnings.len() > 20 {
            writeln!(
                out,
                "  … {} more (see --format json)",
                report.warnings.len() - 20
            )?;
        }
    }
    Ok(())
}

/// The pre-filled answers per block, and how many questions remain for the team.
fn render_answers(report: &Report, out: &mut dyn Write) -> Result<()> {
    writeln!(
        out,
        "\nCanvas answers (detected, or the team's from mlops-canvas.yaml; open questions are for the team)"
    )?;
    let mut answered = 0;
    let mut open = 0;
    for b in &report.blocks.0 {
        answered += b.answers.len();
        open += b.open_questions.len();
        if b.answers.is_empty() && b.open_questions.is_empty() {
            continue;
        }
        writeln!(out, "  {}", b.title)?;
        for a in &b.answers {
            let label = super::page::answer_label(a.status, &a.source)
                .map(|l| format!(" [{l}]"))
                .unwrap_or_default();
            let text = a.answer.trim_end().replace('\n', "\n        ");
            writeln!(out, "    - {} {text}{label}", a.question)?;
            if let Some(f) = &a.flag {
                writeln!(out, "      ! {f}")?;
            }
        }
        if !b.open_questions.is_empty() {
            writeln!(out, "    ? open: {}", b.open_questions.join(" | "))?;
        }
    }
    writeln!(out, "  {answered} questions answered, {open} open")?;
    Ok(())
}
