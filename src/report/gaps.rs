//! The terminal view of the maturity assessment: the verdict, then the gap table grouped by
//! block (each block with its level and its status against the target), each row with its
//! level, status and what was found, and the next step under every row that is not met; then
//! the next three steps. Plain aligned text: it stays readable at 100 columns, in a CI log and
//! in a diff.

use std::io::Write;

use anyhow::Result;

use crate::maturity::{BlockStatus, Gap, Maturity};

/// Lines wrap at this width.
const WIDTH: usize = 100;
const CAP_COL: usize = 36;
const LEVEL_COL: usize = 24;
const STATUS_COL: usize = 13;

/// Greedy word wrap of `text` into lines of at most `width` characters after `indent`.
pub(crate) fn wrap(text: &str, indent: usize, width: usize) -> Vec<String> {
    let room = width.saturating_sub(indent).max(20);
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > room {
            lines.push(format!("{}{line}", " ".repeat(indent)));
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(format!("{}{line}", " ".repeat(indent)));
    }
    lines
}

fn found_text(g: &Gap) -> String {
    let mut parts: Vec<String> = g
        .found
        .iter()
        .take(1)
        .map(|f| format!("{} ({})", f.tool_name, f.evidence))
        .collect();
    if g.found.len() > 1 {
        parts.push(format!("+{} more", g.found.len() - 1));
    }
    if parts.is_empty() {
        "—".to_string()
    } else {
        parts.join(" ")
    }
}

fn pad(s: &str, n: usize) -> String {
    let len = s.chars().count();
    if len >= n {
        format!("{s} ")
    } else {
        format!("{s}{}", " ".repeat(n - len))
    }
}

/// Writes the maturity section.
pub(crate) fn render(m: &Maturity, out: &mut dyn Write) -> Result<()> {
    writeln!(
        out,
        "Maturity: {} ({})",
        m.profile_name,
        m.levels.join(" < ")
    )?;
    writeln!(
        out,
        "  inferred level: {} · target: {}",
        m.inferred_level, m.target_level
    )?;
    for l in wrap(&m.verdict, 2, WIDTH) {
        writeln!(out, "{l}")?;
    }
    writeln!(out)?;
    writeln!(
        out,
        "  {}{}{}FOUND",
        pad("BLOCK / CAPABILITY", CAP_COL),
        pad("LEVEL", LEVEL_COL),
        pad("STATUS", STATUS_COL)
    )?;
    let mut last = None;
    for g in &m.gaps {
        if last != Some(g.block) {
            last = Some(g.block);
            let (level, status) = m.blocks.get(g.block).map_or(("?", ""), |b| {
                (
                    b.level.as_str(),
                    match b.status {
                        BlockStatus::Met => "target met",
                        BlockStatus::Partial => "target partly met",
                        BlockStatus::Missing => "target not met",
                    },
                )
            });
            writeln!(out, "  {} — level {level}, {status}", g.block.id())?;
        }
        let level = if g.required {
            g.level.clone()
        } else {
            format!("{} (rec.)", g.level)
        };
        let capability = g.capability.replace('|', " or ");
        let capability = if capability.chars().count() >= CAP_COL - 2 {
            // Alternatives too long for the column go on a line of their own.
            writeln!(out, "    {capability}")?;
            String::new()
        } else {
            capability
        };
        writeln!(
            out,
            "    {}{}{}{}",
            pad(&capability, CAP_COL - 2),
            pad(&level, LEVEL_COL),
            pad(g.status.label(), STATUS_COL),
            found_text(g)
        )?;
        if let Some(d) = &g.detail {
            for l in wrap(&format!("· {d}"), 8, WIDTH) {
                writeln!(out, "{l}")?;
            }
        }
        if let Some(s) = &g.next_step {
            for l in wrap(&format!("→ {s}"), 8, WIDTH) {
                writeln!(out, "{l}")?;
            }
        }
    }
    if !m.next_steps.is_empty() {
        writeln!(out, "\nNext steps:")?;
        for (i, s) in m.next_steps.iter().enumerate() {
            for (j, l) in wrap(s, 5, WIDTH).into_iter().enumerate() {
                if j == 0 {
                    writeln!(out, "  {}. {}", i + 1, l.trim_start())?;
                } else {
                    writeln!(out, "{l}")?;
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::wrap;

    #[test]
    fn wraps_words_within_the_width() {
        let lines = wrap("aaa bbb ccc ddd eee", 2, 22 + 2);
        assert!(lines.iter().all(|l| l.len() <= 24));
        assert_eq!(lines.join(" ").split_whitespace().count(), 5);
        assert_eq!(wrap("", 2, 10), Vec::<String>::new());
    }
}
