//! The canvas as one Markdown page: an overview laid out like the canvas (data and code
//! management | value proposition | model management, metadata management below), then each
//! block with its answers (tool and evidence link), open questions and maturity status, then
//! the three dilemmas and the DORA summary.
//!
//! Every text that comes from the repository or the team is escaped, so it renders as written
//! and never as markup. Evidence links are relative to the repository root.

use std::io::Write;

use anyhow::Result;

use super::page::{self, Segment};
use super::{Answer, BlockReport, Report};
use crate::canvas::dilemmas::{dilemmas, kind_title};
use crate::canvas::{Area, Block};

/// Where a line would open a Markdown block (heading, list item, thematic break, setext
/// underline), the byte offset of the character to escape.
fn block_marker(line: &str) -> Option<usize> {
    let spaced = |rest: &str| rest.is_empty() || rest.starts_with([' ', '\t']);
    let hashes = line.bytes().take_while(|b| *b == b'#').count();
    if (1..=6).contains(&hashes) && spaced(&line[hashes..]) {
        return Some(0);
    }
    if line.starts_with(['-', '+']) && spaced(&line[1..]) {
        return Some(0);
    }
    let t = line.trim_end();
    if t.len() >= 2 && (t.bytes().all(|b| b == b'-') || t.bytes().all(|b| b == b'=')) {
        return Some(0);
    }
    let digits = line.bytes().take_while(u8::is_ascii_digit).count();
    if (1..=9).contains(&digits)
        && line[digits..].starts_with(['.', ')'])
        && spaced(&line[digits + 1..])
    {
        return Some(digits);
    }
    None
}

/// Escapes inline text: Markdown punctuation gets a backslash, a line that would open a block
/// is defused, and line breaks become hard breaks inside a list item.
fn md(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for (i, line) in s.split('\n').filter(|l| !l.trim().is_empty()).enumerate() {
        if i > 0 {
            out.push_str("\\\n  ");
        }
        let line = line.trim_start();
        let marker = block_marker(line);
        for (pos, c) in line.char_indices() {
            if Some(pos) == marker
                || matches!(
                    c,
                    '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '~' | '&' | '$'
                )
            {
                out.push('\\');
            }
            match c {
                '\r' | '\t' => out.push(' '),
                c if c.is_control() => {}
                c => out.push(c),
            }
        }
    }
    out
}

/// Answer text with its evidence locations as links.
fn linked(text: &str, evidence: &[String]) -> String {
    page::segments(text, evidence)
        .into_iter()
        .map(|s| match s {
            Segment::Text(t) => md(t),
            Segment::Location { text, path, line } => {
                format!("[{}]({})", md(text), page::href(path, line))
            }
        })
        .collect()
}

fn block_line(report: &Report, b: &BlockReport) -> String {
    let (done, total) = page::answered(b);
    let (_, status) = page::status(report, b.block);
    format!("{done}/{total} answered · {status}")
}

fn overview_cell(report: &Report, block: Block) -> String {
    let b = report.blocks.get(block);
    format!("**{}**<br>{}", block.title(), block_line(report, b))
}

/// Writes the canvas page.
pub(crate) fn render(report: &Report, out: &mut dyn Write) -> Result<()> {
    writeln!(out, "# MLOps Stack Canvas: {}", md(&report.repo.path))?;
    writeln!(out)?;
    let (scan, team, open, flagged) = page::totals(report);
    let head = page::head(report);
    let head = if head.is_empty() {
        String::new()
    } else {
        format!(" at {head}")
    };
    writeln!(
        out,
        "Pre-filled by mlops-canvas {} from the repository{head}: {scan} questions answered by the scan, {team} by the team, {open} open{}. Evidence links are relative to the repository root. The team answers in `mlops-canvas.yaml` (`mlops-canvas canvas --format yaml` writes it); later runs keep those answers.",
        report.tool_version,
        if flagged > 0 {
            format!(", {flagged} flagged for a look")
        } else {
            String::new()
        }
    )?;
    writeln!(out)?;
    if let Some(m) = page::maturity_line(report) {
        writeln!(out, "{}", md(&m))?;
        writeln!(out)?;
    }

    // The canvas at a glance, laid out as the canvas is.
    writeln!(
        out,
        "| {} | {} | {} |",
        Area::DataAndCode.title(),
        Area::ValueProposition.title(),
        Area::Model.title()
    )?;
    writeln!(out, "|---|---|---|")?;
    let left: Vec<Block> = Area::DataAndCode.blocks().collect();
    let right: Vec<Block> = Area::Model.blocks().collect();
    for row in 0..left.len().max(right.len()) {
        let cell = |blocks: &[Block]| {
            blocks
                .get(row)
                .map_or_else(String::new, |b| overview_cell(report, *b))
        };
        let middle = if row == 0 {
            overview_cell(report, Block::ValueProposition)
        } else {
            String::new()
        };
        writeln!(out, "| {} | {middle} | {} |", cell(&left), cell(&right))?;
    }
    let meta: Vec<String> = Area::Metadata
        .blocks()
        .map(|b| overview_cell(report, b))
        .collect();
    writeln!(
        out,
        "| | *{}*<br>{} | |",
        Area::Metadata.title(),
        meta.join("<br>")
    )?;

    for area in Area::ALL {
        writeln!(out)?;
        if area == Area::ValueProposition {
            render_block(report, report.blocks.get(Block::ValueProposition), 2, out)?;
            continue;
        }
        writeln!(out, "## {}", area.title())?;
        for block in area.blocks() {
            writeln!(out)?;
            render_block(report, report.blocks.get(block), 3, out)?;
        }
    }

    writeln!(out)?;
    render_dilemmas(report, out)?;
    writeln!(out)?;
    render_dora(report, out)?;
    Ok(())
}

fn render_block(report: &Report, b: &BlockReport, level: usize, out: &mut dyn Write) -> Result<()> {
    writeln!(out, "{} {}", "#".repeat(level), b.block.title())?;
    writeln!(out)?;
    writeln!(out, "*{}*", block_line(report, b))?;
    writeln!(out)?;
    if b.block == Block::ValueProposition {
        if let Some((title, summary, path)) = page::readme(report) {
            let title = if title.trim().is_empty() {
                String::new()
            } else {
                format!("**{}** ", md(&title))
            };
            writeln!(
                out,
                "> {title}{} ([{}]({}))",
                md(&summary),
                md(&path),
                page::href(&path, None)
            )?;
            writeln!(out)?;
        }
    }
    for a in &b.answers {
        render_answer(a, out)?;
    }
    for q in &b.open_questions {
        writeln!(out, "- [ ] {}", md(q))?;
    }
    if b.answers.is_empty() && b.open_questions.is_empty() {
        writeln!(out, "- no questions")?;
    }
    Ok(())
}

fn render_answer(a: &Answer, out: &mut dyn Write) -> Result<()> {
    let human = a.source == "human";
    let text = if human {
        md(&a.answer)
    } else {
        linked(&a.answer, &a.evidence)
    };
    let label = page::answer_label(a.status, &a.source)
        .map(|l| format!(" *({l})*"))
        .unwrap_or_default();
    writeln!(out, "- **{}** {text}{label}", md(&a.question))?;
    if let Some(d) = a.detected.as_deref().filter(|_| human) {
        writeln!(out, "  - scan: {}", linked(d, &a.evidence))?;
    }
    if let Some(f) = &a.flag {
        writeln!(out, "  - ⚠ {}", md(f))?;
    }
    Ok(())
}

fn list(names: &[String]) -> String {
    if names.is_empty() {
        "none found".to_string()
    } else {
        names.iter().map(|n| md(n)).collect::<Vec<_>>().join(", ")
    }
}

fn render_dilemmas(report: &Report, out: &mut dyn Write) -> Result<()> {
    let d = dilemmas(report);
    writeln!(out, "## Dilemmas")?;
    writeln!(out)?;
    writeln!(out, "**Tooling**: which tools are run by the team, bought as a cloud service, or rented as SaaS.")?;
    writeln!(out)?;
    for (kind, names) in &d.tooling {
        writeln!(
            out,
            "- {} ({}): {}",
            kind_title(*kind),
            names.len(),
            list(names)
        )?;
    }
    writeln!(out)?;
    writeln!(out, "**Platforms**: {}.", md(&d.platform_verdict()))?;
    if !d.platforms.is_empty() {
        writeln!(out)?;
        for p in &d.platforms {
            writeln!(out, "- {}: {}", p.name, md(&page::capped(&p.evidence, 4)))?;
        }
    }
    writeln!(out)?;
    writeln!(out, "**Skills**: what the team must know.")?;
    writeln!(out)?;
    writeln!(
        out,
        "- languages: {}",
        d.languages
            .as_deref()
            .map_or_else(|| "none found".to_string(), md)
    )?;
    writeln!(
        out,
        "- ML frameworks and notebooks: {}",
        list(&d.frameworks)
    )?;
    writeln!(out, "- infrastructure: {}", list(&d.infrastructure))?;
    Ok(())
}

fn render_dora(report: &Report, out: &mut dyn Write) -> Result<()> {
    writeln!(out, "## Delivery (DORA, estimated from git history)")?;
    writeln!(out)?;
    let Some(d) = &report.dora else {
        writeln!(
            out,
            "Not estimated: the history was not read (`--no-git`, or not a git repository)."
        )?;
        return Ok(());
    };
    writeln!(out, "| Metric | Value | Band | Detail |")?;
    writeln!(out, "|---|---|---|---|")?;
    for r in super::dora::summary_rows(d) {
        writeln!(
            out,
            "| {} | {} | {} | {} |",
            r.metric,
            md(&r.value),
            r.band,
            md(&r.detail)
        )?;
    }
    writeln!(out)?;
    writeln!(
        out,
        "Method: {}. Window {} to {} ({:.0} days){}. Bands: {}.",
        md(&d.method),
        md(&d.window.since),
        md(&d.window.until),
        d.window.days,
        if d.partial { ", partial history" } else { "" },
        md(&d.bands.source)
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repository_text_never_becomes_markup() {
        assert_eq!(
            md("a *b* [c](d) <e> | f_g"),
            "a \\*b\\* \\[c\\](d) \\<e\\> \\| f\\_g"
        );
        assert_eq!(md("# title"), "\\# title");
        assert_eq!(md("- item\n12. next"), "\\- item\\\n  12\\. next");
        assert_eq!(md("costs $5 & $6"), "costs \\$5 \\& \\$6");
        assert_eq!(md("0.17/week"), "0.17/week");
        assert_eq!(md("#hashtag -flag"), "#hashtag -flag");
        assert_eq!(md("a\n---"), "a\\\n  \\---");
    }

    #[test]
    fn evidence_locations_become_links() {
        let ev = vec!["src/train.py:20".to_string()];
        assert_eq!(
            linked("MLflow (src/train.py:20)", &ev),
            "MLflow ([src/train.py:20](./src/train.py#L20))"
        );
    }
}
