//! The repository's README: its title and opening summary (the canvas's value proposition
//! starts there) and whether its opening prose states what the model is for. Only the root
//! README is read, and only its opening prose: code blocks, badges, HTML and later sections
//! (install steps, "drift detected through monitoring" in a how-to) say nothing about purpose.

use std::sync::OnceLock;

use regex::bytes::{Regex, RegexBuilder};
use serde_json::json;

use super::{Fact, ParseOut, ParsedHit};
use crate::canvas::Block;
use crate::detect::redact::snippet;
use crate::detect::spec::Confidence;

/// A pattern over ASCII classes, matched against lowercased text: in Unicode mode
/// `[^.]{0,120}` alone, and case folding of the word lists, made these patterns cost more to
/// build than reading every README of a large repository.
fn ascii_pattern(p: &str) -> Regex {
    debug_assert_eq!(p, p.to_ascii_lowercase(), "patterns see lowercased text");
    RegexBuilder::new(p)
        .unicode(false)
        .build()
        .expect("valid README pattern")
}

/// Prose lines of the opening read for a purpose statement.
const OPENING_LINES: usize = 25;

fn statement() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        ascii_pattern(r"\b(predict|classif|forecast|detect|recommend|estimat|identif|segment|scor|rank|flag|translat|summari[sz]|generat|transcrib|recogni[sz]|answer)[a-z]*\b[^.]{0,120}?\b(questions?|churn|fraud|demand|risk|prices?|sales|patients?|transactions?|customers?|users?|products?|reviews?|sentiment|defects?|anomal[a-z]*|loans?|claims?|credit|spam|tickets?|leads?|images?|texts?|documents?|speech|objects?|faces?|diseases?|failures?|outcomes?|labels?|categor[a-z]*|intent|toxicity|emails?|messages?|tags?|topics?|subscribers?|accounts?|clients?|orders?|members?|cancel[a-z]*|employees?|visitors?|events?)\b")
    })
}

/// The opening paragraph speaks of machine learning: it says what the project's models are
/// for, if not as a prediction task on a named object.
fn purpose() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        ascii_pattern(r"\b(models?|training|train|fine-?tun[a-z]*|neural|deep learning|machine learning|ml|mlops|llms?|gpts?|inference|predictions?|classifiers?|forecasting|chatbots?|rag|retrieval-augmented|language models?|ai (?:agents?|assistants?))\b")
    })
}

/// `text` without its inline code spans: `train.py` names a file, not a purpose.
fn without_code(text: &str) -> String {
    text.split('`').step_by(2).collect::<Vec<_>>().join(" ")
}

fn is_prose(line: &str) -> bool {
    // An indented block is code, whatever it says.
    if line.starts_with("    ") || line.starts_with('\t') {
        return false;
    }
    let t = line.trim();
    !(t.is_empty()
        || t.starts_with('#')
        || t.starts_with('<')
        || t.starts_with("[![")
        || t.starts_with("![")
        || t.starts_with('|')
        || t.starts_with("---")
        || t.starts_with("===")
        || t.starts_with(".. ")
        || t.starts_with(':'))
}

/// Parses a root README.
pub(crate) fn parse_readme(path: &str, text: &str) -> ParseOut {
    let mut out = ParseOut::default();
    if path.contains('/') {
        return out;
    }
    let mut title = None;
    let mut prose: Vec<(u32, &str)> = Vec::new();
    let mut fenced = false;
    let lines: Vec<&str> = text.lines().collect();
    for (i, raw) in lines.iter().enumerate() {
        let t = raw.trim();
        if t.starts_with("```") || t.starts_with("~~~") {
            fenced = !fenced;
            continue;
        }
        if fenced {
            continue;
        }
        if title.is_none() {
            if let Some(h) = t.strip_prefix("# ") {
                title = Some(h.trim().to_string());
                continue;
            }
            // reStructuredText / setext titles: a line underlined by === or ---.
            if let Some(next) = lines.get(i + 1) {
                let n = next.trim();
                if !t.is_empty() && n.len() >= 3 && n.chars().all(|c| c == '=' || c == '-') {
                    title = Some(t.to_string());
                    continue;
                }
            }
        }
        if is_prose(raw) && prose.len() < OPENING_LINES {
            prose.push(((i + 1) as u32, t));
        }
    }
    // The summary: the first paragraph of prose.
    let mut summary = String::new();
    let mut last = 0;
    for (line, t) in &prose {
        if !summary.is_empty() && *line != last + 1 {
            break;
        }
        if !summary.is_empty() {
            summary.push(' ');
        }
        summary.push_str(t);
        last = *line;
        if summary.len() > 400 {
            break;
        }
    }
    out.facts.push(Fact {
        block: Block::ValueProposition,
        key: "readme",
        value: json!({"path": path, "title": title, "summary": snippet(&summary)}),
    });
    let stated = prose
        .iter()
        .find(|(_, t)| statement().is_match(t.to_ascii_lowercase().as_bytes()))
        .map(|(line, t)| (*line, *t, Confidence::High))
        .or_else(|| {
            // Else the opening two paragraphs (the first is often a notice), if they describe
            // the project in ML terms (medium).
            let mut breaks = 0;
            prose
                .iter()
                .enumerate()
                .take_while(|(i, (line, _))| {
                    if *i > 0 && *line != prose[i - 1].0 + 1 {
                        breaks += 1;
                    }
                    breaks < 2
                })
                .map(|(_, p)| p)
                .find(|(_, t)| purpose().is_match(without_code(t).to_ascii_lowercase().as_bytes()))
                .map(|(line, t)| (*line, *t, Confidence::Medium))
        });
    if let Some((line, t, confidence)) = stated {
        out.hits.push(ParsedHit {
            tool: "readme-problem-statement",
            capability: "problem_statement",
            block: Block::ValueProposition,
            confidence,
            line: Some(line),
            snippet: snippet(t),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opening_statement_counts_later_prose_does_not() {
        let r = "# Churn model\n[![ci](x)](y)\n\nPredicts which subscribers will cancel in the next 30 days.\n\n## Install\n```\npip install churn\n```\n";
        let out = parse_readme("README.md", r);
        assert_eq!(out.hits[0].line, Some(4));
        assert_eq!(out.facts[0].value["title"], "Churn model");
        assert!(out.facts[0].value["summary"]
            .as_str()
            .unwrap()
            .starts_with("Predicts"));
        let later = format!(
            "# Tool\n\nA CLI.\n{}\nWe detect drift in users via monitoring.\n",
            "\nMore text.\n".repeat(30)
        );
        assert!(parse_readme("README.md", &later).hits.is_empty());
    }

    #[test]
    fn an_opening_paragraph_about_models_counts_with_medium_confidence() {
        let r = "# tinyGPT\n\nThe smallest repository for training medium-sized GPTs.\n\nMore.\n";
        let out = parse_readme("README.md", r);
        assert_eq!(out.hits[0].confidence, Confidence::Medium);
        assert_eq!(out.hits[0].line, Some(3));
        // Only the opening paragraph: a later mention of models is not a purpose.
        let r = "# tool\n\nA command-line helper.\n\nSee below.\n\nIt can also load models.\n";
        assert!(parse_readme("README.md", r).hits.is_empty());
    }

    #[test]
    fn an_assistant_that_answers_questions_states_its_purpose() {
        let r = "# Docs bot\n\nThis is a documentation assistant that helps answer questions about our API.\n";
        let out = parse_readme("README.md", r);
        assert_eq!(out.hits[0].confidence, Confidence::High);
        let r = "# Helpdesk\n\nA retrieval-augmented chatbot over the support knowledge base.\n";
        assert_eq!(
            parse_readme("README.md", r).hits[0].confidence,
            Confidence::Medium
        );
        // An agent of a build system is not an AI agent.
        let r = "# Runner\n\nThe build agent that picks up CI jobs.\n";
        assert!(parse_readme("README.md", r).hits.is_empty());
    }

    #[test]
    fn only_the_root_readme() {
        let r = "# X\n\nClassifies support tickets by intent.\n";
        assert!(parse_readme("vendor/lib/README.md", r).facts.is_empty());
        assert_eq!(parse_readme("README.md", r).hits.len(), 1);
    }
}
