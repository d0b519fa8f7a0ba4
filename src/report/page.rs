//! What the two page views of the canvas (Markdown and HTML) share: the header line, a block's
//! counts and maturity status, and answer text cut into plain text and evidence locations so
//! each view can turn locations into links. In: the report. Out: plain strings and segments;
//! no escaping here — each view escapes for its own format.

use std::fmt::Write as _;

use super::{block_status, BlockReport, Report};
use crate::canvas::{AnswerStatus, Block};

/// A piece of answer text: plain, or an evidence location (`path` or `path:line`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Segment<'a> {
    Text(&'a str),
    Location {
        text: &'a str,
        path: &'a str,
        line: Option<u32>,
    },
}

/// Splits `loc` (`path:line` or `path`) into its path and line.
pub(crate) fn split_location(loc: &str) -> (&str, Option<u32>) {
    match loc.rsplit_once(':') {
        Some((p, l)) if !p.is_empty() && l.bytes().all(|b| b.is_ascii_digit()) => {
            (p, l.parse().ok())
        }
        _ => (loc, None),
    }
}

fn path_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '/' | '.' | '_' | '-')
}

/// Cuts `text` at every occurrence of one of `locations` that stands on its own (not inside a
/// longer path or line number). The history pseudo-location `.git` is never a link.
pub(crate) fn segments<'a>(text: &'a str, locations: &'a [String]) -> Vec<Segment<'a>> {
    let mut locs: Vec<&str> = locations
        .iter()
        .map(String::as_str)
        .filter(|l| !l.is_empty() && *l != ".git")
        .collect();
    locs.sort_by_key(|l| std::cmp::Reverse(l.len()));
    let mut out = Vec::new();
    let mut plain = 0;
    let mut i = 0;
    while i < text.len() {
        let before = text[..i].chars().next_back();
        let hit = (!before.is_some_and(path_char))
            .then(|| {
                locs.iter().find(|l| {
                    text[i..].starts_with(**l)
                        && !text[i + l.len()..]
                            .chars()
                            .next()
                            .is_some_and(|c| c.is_alphanumeric() || c == '/' || c == '_')
                })
            })
            .flatten();
        if let Some(l) = hit {
            if plain < i {
                out.push(Segment::Text(&text[plain..i]));
            }
            let (path, line) = split_location(l);
            out.push(Segment::Location {
                text: &text[i..i + l.len()],
                path,
                line,
            });
            i += l.len();
            plain = i;
        } else {
            i += text[i..].chars().next().map_or(1, char::len_utf8);
        }
    }
    if plain < text.len() {
        out.push(Segment::Text(&text[plain..]));
    }
    out
}

/// A relative URL for a repository path: `./` first (so no path reads as a scheme such as
/// `javascript:`), every byte outside the unreserved and sub-delimiter set percent-encoded,
/// then `#L<line>` (how GitHub and GitLab address a line).
pub(crate) fn href(path: &str, line: Option<u32>) -> String {
    let mut out = String::from("./");
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~!$&'*+,;=:@".contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    if let Some(l) = line {
        let _ = write!(out, "#L{l}");
    }
    out
}

/// Questions of a block answered (by the scan or the team) and asked.
pub(crate) fn answered(b: &BlockReport) -> (usize, usize) {
    let current = b
        .answers
        .iter()
        .filter(|a| a.status != AnswerStatus::Retired)
        .count();
    (current, current + b.open_questions.len())
}

/// The maturity status of a block as (css class, label): `met`, `partial`, `missing` or
/// `not-assessed`.
pub(crate) fn status(report: &Report, block: Block) -> (&'static str, String) {
    match block_status(report, block) {
        Some((level, status)) => {
            let class = match status.as_str() {
                "met" => "met",
                "partial" => "partial",
                "missing" => "missing",
                _ => "not-assessed",
            };
            (class, format!("{level} · {status}"))
        }
        None => ("not-assessed", "not assessed".to_string()),
    }
}

/// Totals over the canvas: (answered by the scan, answered by the team, open, needing a look).
pub(crate) fn totals(report: &Report) -> (usize, usize, usize, usize) {
    let (mut scan, mut team, mut open, mut flagged) = (0, 0, 0, 0);
    for b in &report.blocks.0 {
        open += b.open_questions.len();
        for a in &b.answers {
            match a.status {
                AnswerStatus::Detected => scan += 1,
                AnswerStatus::Answered => team += 1,
                AnswerStatus::Stale | AnswerStatus::Contradicted => {
                    flagged += 1;
                    if a.source == "human" {
                        team += 1;
                    } else {
                        scan += 1;
                    }
                }
                AnswerStatus::Open | AnswerStatus::Retired => {}
            }
        }
    }
    (scan, team, open, flagged)
}

/// The README's title and summary, and its path, for the value proposition: what the
/// repository says it is for.
pub(crate) fn readme(report: &Report) -> Option<(String, String, String)> {
    let r = report
        .blocks
        .get(Block::ValueProposition)
        .facts
        .get("readme")?
        .as_array()?
        .first()?;
    let text = |k: &str| r[k].as_str().unwrap_or_default().to_string();
    let (title, summary) = (text("title"), text("summary"));
    (!title.is_empty() || !summary.is_empty()).then(|| (title, summary, text("path")))
}

/// "Maturity (ml-ops.org): inferred strategic, target transformational. <verdict>", when the
/// report was assessed.
pub(crate) fn maturity_line(report: &Report) -> Option<String> {
    let m = report.maturity.as_ref()?;
    Some(format!(
        "Maturity ({}): inferred {}, target {}; each block shows its level and its status against the target. {}",
        m.profile, m.inferred_level, m.target_level, m.verdict
    ))
}

/// The first `n` items joined by "; ", and how many more there are.
pub(crate) fn capped(items: &[String], n: usize) -> String {
    let mut s = items.iter().take(n).cloned().collect::<Vec<_>>().join("; ");
    if items.len() > n {
        let _ = write!(s, "; +{} more", items.len() - n);
    }
    s
}

/// "HEAD 1a2b3c4d5e6f on main", or nothing without history.
pub(crate) fn head(report: &Report) -> String {
    match (&report.repo.head, &report.repo.default_branch) {
        (Some(h), Some(b)) => format!("HEAD {} on {b}", &h[..h.len().min(12)]),
        (Some(h), None) => format!("HEAD {}", &h[..h.len().min(12)]),
        _ => String::new(),
    }
}

/// A label for an answer's status, for answers that are not plain detections.
pub(crate) fn answer_label(status: AnswerStatus, source: &str) -> Option<&'static str> {
    match status {
        AnswerStatus::Detected | AnswerStatus::Open => None,
        AnswerStatus::Answered => Some("team"),
        AnswerStatus::Stale if source == "human" => Some("team, stale"),
        AnswerStatus::Stale => Some("stale"),
        AnswerStatus::Contradicted => Some("team, contradicts the scan"),
        AnswerStatus::Retired => Some("retired question"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_find_whole_locations_only() {
        let locs = vec![
            "requirements.txt:3".to_string(),
            "dev/requirements.txt:3".to_string(),
            ".git".to_string(),
        ];
        let s = segments(
            "A (requirements.txt:3), B (requirements.txt:30), C (dev/requirements.txt:3), .git",
            &locs,
        );
        let found: Vec<&str> = s
            .iter()
            .filter_map(|s| match s {
                Segment::Location { text, .. } => Some(*text),
                Segment::Text(_) => None,
            })
            .collect();
        assert_eq!(found, ["requirements.txt:3", "dev/requirements.txt:3"]);
        let joined: String = s
            .iter()
            .map(|s| match s {
                Segment::Text(t) | Segment::Location { text: t, .. } => *t,
            })
            .collect();
        assert!(joined.ends_with(".git"));
    }

    #[test]
    fn hrefs_escape_what_a_url_cannot_hold() {
        assert_eq!(href("src/a b(1).py", Some(3)), "./src/a%20b%281%29.py#L3");
        assert_eq!(href("x\"><script>", None), "./x%22%3E%3Cscript%3E");
        assert_eq!(
            href("javascript:alert(1)", None),
            "./javascript:alert%281%29"
        );
        assert_eq!(split_location("a:b/c.py:12"), ("a:b/c.py", Some(12)));
        assert_eq!(split_location("MODEL_CARD.md"), ("MODEL_CARD.md", None));
    }
}
