//! The team's answers file, `mlops-canvas.yaml`: every canvas question with the scan's answer
//! beside room for the team's own.
//!
//! In: the file's text (if there is one), this scan's detected answers and the detector
//! catalogue's tool names. Out: the merged answers — the team's kept verbatim, detections
//! refreshed, earlier detections whose evidence is gone flagged `stale`, team answers that
//! disagree with a detection flagged `contradicted` — and the file's new text.
//!
//! The file belongs to the team. A rewrite edits only the fields the tool owns (`question`,
//! `status`, `detected`, `evidence`, `flag`), line by line, and inserts new questions, so the
//! team's answers, comments and layout stay byte for byte. The new text is parsed back and
//! compared with what was meant before anyone writes it. Only when a layout is too far from ours
//! to edit in place is the file written afresh: answers verbatim, the old comments gathered at
//! the top. Nothing here reads or writes files.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::{self, Write as _};

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::Deserialize;

use super::answers::{questions, Question};
use super::{AnswerStatus, Block};
use crate::detect::{Catalog, ToolKind};
use crate::report::{Answer, Report};

/// Where the file lives by default, relative to the repository root.
pub const FILE_NAME: &str = "mlops-canvas.yaml";

/// The file format version this build writes and reads.
pub const VERSION: u32 = 1;

/// The fields mlops-canvas owns and rewrites on every run, in the order it writes them.
const TOOL_KEYS: [&str; 5] = ["question", "status", "detected", "evidence", "flag"];

/// What the file says on top. Kept as written once the file exists.
const HEADER: &str = "\
# MLOps Stack Canvas: this repository's answers, kept by mlops-canvas.
# `mlops-canvas canvas --format yaml` updates this file; `scan` and `canvas` read it.
#
# Write your answer after `answer:` (for several lines: `answer: |` then indented lines).
# Your answers are kept exactly as written and shown instead of what the scan detected.
# mlops-canvas rewrites only `question`, `status`, `detected`, `evidence` and `flag`;
# your answers and comments stay where they are. Question ids never change.
#   status  open | detected | answered | stale | contradicted | retired
#   stale         the evidence behind `detected` is gone: check the answer, then delete
#                 `detected` and `evidence` to clear the flag
#   contradicted  your answer says no, or names other tools than the scan found: check
#                 which is right; an answer that names the detected tool clears the flag";

/// A note written above the comments rescued from a file that could not be edited in place.
const RESCUED: &str = "# Comments kept from the previous version of this file:";

/// One question as the file holds it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// Stable question id (`data/questions.toml`).
    pub id: String,
    #[serde(default)]
    pub question: Option<String>,
    /// Read leniently: the tool rewrites it on every run.
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub detected: Option<String>,
    #[serde(default)]
    pub evidence: Option<Vec<String>>,
    #[serde(default)]
    pub flag: Option<String>,
    /// The team's answer, verbatim.
    #[serde(default)]
    pub answer: Option<String>,
}

impl Entry {
    /// The team wrote something here.
    pub fn has_answer(&self) -> bool {
        self.answer.as_deref().is_some_and(|a| !a.trim().is_empty())
    }

    fn evidence(&self) -> &[String] {
        self.evidence.as_deref().unwrap_or_default()
    }
}

/// A parsed answers file: blocks and their entries in file order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AnswersFile {
    pub version: u32,
    pub blocks: Vec<(Block, Vec<Entry>)>,
}

impl AnswersFile {
    /// Every entry with its block, in file order.
    pub fn entries(&self) -> impl Iterator<Item = (Block, &Entry)> {
        self.blocks
            .iter()
            .flat_map(|(b, es)| es.iter().map(move |e| (*b, e)))
    }
}

/// Why a file could not be read, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// 1-based line and column, when known.
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.column) {
            (Some(l), Some(c)) => write!(f, "line {l}, column {c}: {}", self.message),
            (Some(l), None) => write!(f, "line {l}: {}", self.message),
            _ => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for ParseError {}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    version: Option<u32>,
    #[serde(default)]
    blocks: Option<RawBlocks>,
}

/// The `blocks` map, in file order, with typed entries (so errors inside an entry keep their
/// line and column).
struct RawBlocks(Vec<(Block, Vec<Entry>)>);

impl<'de> Deserialize<'de> for RawBlocks {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawBlocks;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a map from block id to a list of questions")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<RawBlocks, A::Error> {
                let mut out: Vec<(Block, Vec<Entry>)> = Vec::new();
                while let Some(key) = m.next_key::<String>()? {
                    let Some(block) = Block::from_id(&key) else {
                        let ids: Vec<&str> = Block::ALL.iter().map(|b| b.id()).collect();
                        return Err(de::Error::custom(format!(
                            "unknown block `{key}`, expected one of {}",
                            ids.join(", ")
                        )));
                    };
                    if out.iter().any(|(b, _)| *b == block) {
                        return Err(de::Error::custom(format!("block `{key}` appears twice")));
                    }
                    let entries: Option<Vec<Entry>> = m.next_value()?;
                    out.push((block, entries.unwrap_or_default()));
                }
                Ok(RawBlocks(out))
            }
        }
        d.deserialize_map(V)
    }
}

/// Parses an answers file. Empty text (or only comments) is a file without entries.
pub fn parse(text: &str) -> Result<AnswersFile, ParseError> {
    if text
        .lines()
        .all(|l| l.trim().is_empty() || l.trim_start().starts_with('#'))
    {
        return Ok(AnswersFile {
            version: VERSION,
            blocks: Vec::new(),
        });
    }
    let raw: RawFile = serde_yaml::from_str(text).map_err(|e| {
        let loc = e.location();
        let msg = e.to_string();
        // serde_yaml appends " at line L column C"; the location is given on its own.
        let msg = match msg.find(" at line ") {
            Some(i) if loc.is_some() => msg[..i].to_string(),
            _ => msg,
        };
        // The classic slip: an unquoted answer with ": " in it.
        let msg = if msg.contains("mapping values are not allowed") {
            format!("{msg} (an answer containing \": \" needs quotes, or `answer: |` with the text on the next lines)")
        } else {
            msg
        };
        ParseError {
            line: loc.as_ref().map(serde_yaml::Location::line),
            column: loc.as_ref().map(serde_yaml::Location::column),
            message: msg,
        }
    })?;
    let version = raw.version.unwrap_or(VERSION);
    if version > VERSION {
        return Err(ParseError {
            line: None,
            column: None,
            message: format!(
                "written by a newer mlops-canvas (file version {version}, this build reads {VERSION}); upgrade mlops-canvas"
            ),
        });
    }
    let file = AnswersFile {
        version,
        blocks: raw.blocks.map(|b| b.0).unwrap_or_default(),
    };
    let mut seen = BTreeSet::new();
    for (_, e) in file.entries() {
        if !seen.insert(e.id.as_str()) {
            return Err(ParseError {
                line: line_of_id(text, &e.id, 2),
                column: None,
                message: format!(
                    "question id `{}` appears twice; keep one entry per question",
                    e.id
                ),
            });
        }
    }
    Ok(file)
}

/// The 1-based line of the `nth` `id: <id>` in `text`, for error messages.
fn line_of_id(text: &str, id: &str, nth: usize) -> Option<usize> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| {
            let t = l.trim_start().trim_start_matches('-').trim_start();
            t.strip_prefix("id:")
                .and_then(|v| serde_yaml::from_str::<String>(v.trim()).ok())
                .is_some_and(|v| v == id)
        })
        .nth(nth - 1)
        .map(|(i, _)| i + 1)
}

// ---------------------------------------------------------------------------------------------
// Tool names: how a person's answer is compared with a detection.

/// Names of the catalogue's tools as people write them, and which tools could answer each
/// question. Built from the catalogue; the merge reads it.
#[derive(Debug, Clone, Default)]
pub struct Vocabulary {
    /// Tool id -> (display name, lowercase forms a person may write).
    tools: BTreeMap<String, (String, Vec<String>)>,
    /// Question id -> ids of the tools that prove one of its capabilities.
    by_question: BTreeMap<String, Vec<String>>,
}

/// Extra spellings people use for some tools.
const SYNONYMS: &[(&str, &[&str])] = &[
    ("wandb", &["w&b", "weights and biases"]),
    ("scikit-learn", &["sklearn"]),
    ("pytorch", &["torch"]),
    ("kubernetes", &["k8s"]),
    ("huggingface-hub", &["hugging face", "hf hub"]),
    ("github-actions", &["github workflows", "gh actions"]),
];

/// Tool names that are also everyday words: a person's answer names the tool only when it is
/// written with the tool's own capitalisation.
const COMMON_WORDS: &[&str] = &["aim", "black", "comet", "flux", "ray", "just", "make"];

impl Vocabulary {
    /// The vocabulary of `catalog`.
    pub fn new(catalog: &Catalog) -> Vocabulary {
        let mut tools = BTreeMap::new();
        for d in &catalog.detectors {
            let mut forms: Vec<String> = vec![d.id.to_lowercase(), d.name.to_lowercase()];
            forms.extend(d.aliases.iter().map(|a| a.to_lowercase()));
            // "Serialized model artifacts (pickle, joblib)" -> also "serialized model artifacts";
            // "ONNX / ONNX Runtime" -> also "onnx" and "onnx runtime".
            let base = d.name.split(" (").next().unwrap_or(&d.name).to_lowercase();
            forms.extend(base.split(" / ").map(|p| p.trim().to_string()));
            forms.push(base);
            forms.push(d.id.replace('-', " "));
            if let Some((_, extra)) = SYNONYMS.iter().find(|(id, _)| *id == d.id) {
                forms.extend(extra.iter().map(|s| (*s).to_string()));
            }
            forms.retain(|f| f.chars().count() >= 2);
            forms.sort();
            forms.dedup();
            tools.insert(d.id.clone(), (d.name.clone(), forms));
        }
        let mut by_question = BTreeMap::new();
        for q in questions() {
            let ids: Vec<String> = catalog
                .detectors
                .iter()
                // Practices (CODEOWNERS, model cards) are not chosen instead of a tool.
                .filter(|d| d.kind != ToolKind::Practice)
                .filter(|d| {
                    d.signals
                        .iter()
                        .any(|s| q.capabilities.contains(&s.capability))
                })
                .map(|d| d.id.clone())
                .collect();
            by_question.insert(q.id.clone(), ids);
        }
        Vocabulary { tools, by_question }
    }

    /// Does `answer` name tool `id`? Case-insensitive, on word boundaries; everyday words
    /// only with the tool's capitalisation when `strict`.
    fn names(&self, answer: &str, lower: &str, id: &str, strict: bool) -> bool {
        let Some((name, forms)) = self.tools.get(id) else {
            return false;
        };
        forms.iter().any(|f| {
            if strict && COMMON_WORDS.contains(&f.as_str()) {
                mentions(answer, name)
            } else {
                mentions(lower, f)
            }
        })
    }

    fn display(&self, id: &str) -> String {
        self.tools
            .get(id)
            .map_or_else(|| id.to_string(), |(n, _)| n.clone())
    }
}

/// `needle` occurs in `haystack` with no letter or digit right before or after it.
fn mentions(haystack: &str, needle: &str) -> bool {
    if needle.is_empty() {
        return false;
    }
    let mut from = 0;
    while let Some(i) = haystack[from..].find(needle) {
        let start = from + i;
        let end = start + needle.len();
        let before = haystack[..start].chars().next_back();
        let after = haystack[end..].chars().next();
        if !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric) {
            return true;
        }
        from = start + haystack[start..].chars().next().map_or(1, char::len_utf8);
    }
    false
}

/// Does the answer (lowercased) open with a denial ("No", "none", "n/a", "we don't")?
pub(crate) fn is_denial(lower: &str) -> bool {
    let t = lower.trim_start();
    let first: String = t
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '/' || *c == '\'')
        .collect();
    matches!(
        first.as_str(),
        "no" | "none" | "not" | "never" | "nothing" | "n/a" | "na" | "nope" | "without"
    ) || [
        "we don't",
        "we do not",
        "there is no",
        "there are no",
        "not yet",
    ]
    .iter()
    .any(|p| t.starts_with(p))
}

/// Why the team's `answer` contradicts the detection `fresh`, if it does: it opens with a
/// denial, or it names other tools that answer the question and none of the detected ones.
fn contradiction(
    answer: &str,
    fresh: &Answer,
    question: &str,
    vocab: &Vocabulary,
) -> Option<String> {
    let lower = answer.to_lowercase();
    let found = format!("the scan found: {}", fresh.answer);
    if is_denial(&lower) {
        return Some(format!(
            "your answer says no, but {found}. Your answer is kept; once checked, an answer that does not open with \"no\" clears this flag"
        ));
    }
    if fresh
        .tools
        .iter()
        .any(|t| vocab.names(answer, &lower, t, false))
    {
        return None;
    }
    let others: Vec<String> = vocab
        .by_question
        .get(question)
        .into_iter()
        .flatten()
        .filter(|t| !fresh.tools.contains(t))
        .filter(|t| vocab.names(answer, &lower, t, true))
        .map(|t| vocab.display(t))
        .collect();
    if others.is_empty() {
        return None;
    }
    Some(format!(
        "your answer names {}, but {found}. Your answer is kept; check which is right (an answer that names the detected tool clears this flag)",
        others.join(", ")
    ))
}

// ---------------------------------------------------------------------------------------------
// The merge.

/// One question after merging the file with this scan.
#[derive(Debug, Clone)]
pub struct Merged {
    pub block: Block,
    pub id: String,
    /// The fields the tool writes.
    pub question: Option<String>,
    pub status: AnswerStatus,
    pub detected: Option<String>,
    pub evidence: Vec<String>,
    pub flag: Option<String>,
    /// The team's answer, verbatim (`None` where the file has none).
    pub answer: Option<String>,
    /// This scan's answer, if it found one.
    pub fresh: Option<Answer>,
    /// A retired entry without an answer of the team's: it is dropped from the file.
    pub drop: bool,
}

/// Merges the file (if any) with this scan's detected answers (`report`'s, before any merge).
/// `history_read` is false with `--no-git`: detections that rest on history alone are then
/// kept as they were rather than called stale.
pub fn merge(
    old: Option<&AnswersFile>,
    report: &Report,
    vocab: &Vocabulary,
    history_read: bool,
) -> Vec<Merged> {
    let fresh: BTreeMap<&str, &Answer> = report
        .blocks
        .0
        .iter()
        .flat_map(|b| b.answers.iter())
        .map(|a| (a.id.as_str(), a))
        .collect();
    let old_entries: BTreeMap<&str, &Entry> = old
        .map(|f| f.entries().map(|(_, e)| (e.id.as_str(), e)).collect())
        .unwrap_or_default();
    let known: BTreeSet<&str> = questions().iter().map(|q| q.id.as_str()).collect();
    let mut out = Vec::new();
    for block in Block::ALL {
        for q in questions().iter().filter(|q| q.block == block.id()) {
            out.push(merge_one(
                block,
                q,
                old_entries.get(q.id.as_str()).copied(),
                fresh.get(q.id.as_str()).copied(),
                vocab,
                history_read,
            ));
        }
        // Entries for questions the canvas no longer asks: the team's text stays.
        for (b, e) in old.into_iter().flat_map(AnswersFile::entries) {
            if b != block || known.contains(e.id.as_str()) {
                continue;
            }
            out.push(Merged {
                block,
                id: e.id.clone(),
                question: e.question.clone(),
                status: AnswerStatus::Retired,
                detected: e.detected.clone(),
                evidence: e.evidence().to_vec(),
                flag: Some(format!(
                    "`{}` is no longer a canvas question; move your answer to the question it belongs to, then delete this entry",
                    e.id
                )),
                answer: e.answer.clone(),
                fresh: None,
                drop: !e.has_answer(),
            });
        }
    }
    out
}

fn merge_one(
    block: Block,
    q: &Question,
    old: Option<&Entry>,
    fresh: Option<&Answer>,
    vocab: &Vocabulary,
    history_read: bool,
) -> Merged {
    let answer = old.and_then(|e| e.answer.clone());
    let human = old.is_some_and(Entry::has_answer);
    let mut m = Merged {
        block,
        id: q.id.clone(),
        question: Some(q.text.clone()),
        status: AnswerStatus::Open,
        detected: None,
        evidence: Vec::new(),
        flag: None,
        answer,
        fresh: fresh.cloned(),
        drop: false,
    };
    if let Some(f) = fresh {
        m.detected = Some(f.answer.clone());
        m.evidence.clone_from(&f.evidence);
        m.status = AnswerStatus::Detected;
        if human {
            let text = m.answer.as_deref().unwrap_or_default();
            m.status = AnswerStatus::Answered;
            if let Some(why) = contradiction(text, f, &q.id, vocab) {
                m.status = AnswerStatus::Contradicted;
                m.flag = Some(why);
            }
        }
        return m;
    }
    let previous = old
        .and_then(|e| e.detected.clone())
        .filter(|d| !d.trim().is_empty());
    if let (Some(prev), Some(e)) = (previous, old) {
        m.detected = Some(prev);
        m.evidence = e.evidence().to_vec();
        let from_history = !m.evidence.is_empty() && m.evidence.iter().all(|l| l == ".git");
        if from_history && !history_read {
            m.status = if human {
                AnswerStatus::Answered
            } else {
                AnswerStatus::Detected
            };
            m.flag = Some("not re-checked: git history was not read this time".to_string());
        } else {
            m.status = AnswerStatus::Stale;
            let was = if m.evidence.is_empty() {
                String::new()
            } else {
                format!(" (evidence was: {})", m.evidence.join(", "))
            };
            m.flag = Some(format!(
                "no longer found by the scan{was}; check the answer, then delete `detected` and `evidence` to clear this flag"
            ));
        }
        return m;
    }
    if human {
        m.status = AnswerStatus::Answered;
    }
    m
}

/// Puts the merged answers into the report: the team's answers (source `human`), flags, and
/// the questions still open.
pub fn apply(report: &mut Report, merged: &[Merged]) {
    for b in &mut report.blocks.0 {
        b.answers.clear();
        b.open_questions.clear();
        for m in merged.iter().filter(|m| m.block == b.block && !m.drop) {
            let question = m.question.clone().unwrap_or_else(|| m.id.clone());
            if m.status == AnswerStatus::Open {
                b.open_questions.push(question);
                continue;
            }
            let human = m.answer.as_deref().filter(|a| !a.trim().is_empty());
            let answer = match (human, &m.fresh) {
                (None, Some(f)) => Answer {
                    status: m.status,
                    flag: m.flag.clone(),
                    ..f.clone()
                },
                (None, None) => Answer {
                    id: m.id.clone(),
                    question,
                    answer: m.detected.clone().unwrap_or_default(),
                    source: "detected (earlier scan)".to_string(),
                    status: m.status,
                    evidence: m.evidence.clone(),
                    tools: Vec::new(),
                    detected: None,
                    flag: m.flag.clone(),
                },
                (Some(h), fresh) => Answer {
                    id: m.id.clone(),
                    question,
                    answer: h.to_string(),
                    source: "human".to_string(),
                    status: m.status,
                    evidence: m.evidence.clone(),
                    tools: fresh.as_ref().map(|f| f.tools.clone()).unwrap_or_default(),
                    detected: m.detected.clone(),
                    flag: m.flag.clone(),
                },
            };
            b.answers.push(answer);
        }
    }
}

/// How many questions stand where, for summaries.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub total: usize,
    pub detected: usize,
    pub answered: usize,
    pub stale: usize,
    pub contradicted: usize,
    pub open: usize,
}

/// Counts the merged questions (retired entries are not questions).
pub fn counts(merged: &[Merged]) -> Counts {
    let mut c = Counts::default();
    for m in merged {
        match m.status {
            AnswerStatus::Retired => continue,
            AnswerStatus::Open => c.open += 1,
            AnswerStatus::Detected => c.detected += 1,
            AnswerStatus::Answered => c.answered += 1,
            AnswerStatus::Stale => c.stale += 1,
            AnswerStatus::Contradicted => c.contradicted += 1,
        }
        c.total += 1;
    }
    c
}

// ---------------------------------------------------------------------------------------------
// Writing YAML scalars.

/// A scalar YAML reads back as exactly `s` without quotes.
fn plain_ok(s: &str) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    if s != s.trim()
        || "-?:,[]{}#&*!|>'\"%@`".contains(first)
        || first.is_ascii_digit()
        || first == '+'
        || (first == '.' && !s[1..].starts_with(|c: char| c.is_ascii_alphabetic()))
        || s.contains(": ")
        || s.contains(" #")
        || s.ends_with(':')
        || s.chars().any(special_char)
    {
        return false;
    }
    !matches!(
        s.to_ascii_lowercase().as_str(),
        "true" | "false" | "yes" | "no" | "on" | "off" | "y" | "n" | "null" | "~" | ".inf" | ".nan"
    )
}

/// Characters that never appear raw in what we write: controls, YAML's extra line breaks, BOM
/// and non-characters.
fn special_char(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{2028}' | '\u{2029}' | '\u{feff}' | '\u{fffe}' | '\u{ffff}'
        )
}

/// A double-quoted YAML scalar; exact for any string.
fn quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\u{2028}' => out.push_str("\\L"),
            '\u{2029}' => out.push_str("\\P"),
            c if (c as u32) <= 0xff && special_char(c) => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if special_char(c) => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A one-line scalar: plain when safe, else double-quoted.
fn scalar(s: &str) -> String {
    if plain_ok(s) {
        s.to_string()
    } else {
        quoted(s)
    }
}

/// `key: value` for the team's text: a literal block for several lines where that reads back
/// exactly, else a one-line scalar. Lines are joined by `eol`.
fn text_field(key: &str, value: &str, indent: usize, eol: &str) -> String {
    let pad = " ".repeat(indent);
    let body = value.trim_end_matches('\n');
    let trailing = value.len() - body.len();
    let literal_ok = value.contains('\n')
        && !body.is_empty()
        && !body.starts_with([' ', '\n'])
        && !value.chars().any(|c| c != '\n' && special_char(c));
    if !literal_ok {
        return format!("{pad}{key}: {}", scalar(value));
    }
    let chomp = match trailing {
        0 => "|-",
        1 => "|",
        _ => "|+",
    };
    let mut out = format!("{pad}{key}: {chomp}");
    for line in body.split('\n') {
        out.push_str(eol);
        if !line.is_empty() {
            let _ = write!(out, "{pad}  {line}");
        }
    }
    for _ in 1..trailing {
        out.push_str(eol);
    }
    out
}

/// The tool-owned fields of `m`, one line each (evidence as a list), at `indent`.
fn tool_fields(m: &Merged, indent: usize) -> Vec<String> {
    let pad = " ".repeat(indent);
    let mut lines = Vec::new();
    if let Some(q) = &m.question {
        lines.push(format!("{pad}question: {}", scalar(q)));
    }
    lines.push(format!("{pad}status: {}", m.status.as_str()));
    if let Some(d) = &m.detected {
        lines.push(format!("{pad}detected: {}", scalar(d)));
    }
    if !m.evidence.is_empty() {
        lines.push(format!("{pad}evidence:"));
        for e in &m.evidence {
            lines.push(format!("{pad}  - {}", scalar(e)));
        }
    }
    if let Some(f) = &m.flag {
        lines.push(format!("{pad}flag: {}", scalar(f)));
    }
    lines
}

/// A whole entry at sequence indent `dash`, ending with the team's answer.
fn entry_lines(m: &Merged, dash: usize, eol: &str) -> Vec<String> {
    let mut lines = vec![format!("{}- id: {}", " ".repeat(dash), scalar(&m.id))];
    lines.extend(tool_fields(m, dash + 2));
    lines.push(match &m.answer {
        None => format!("{}answer:", " ".repeat(dash + 2)),
        Some(a) => text_field("answer", a, dash + 2, eol),
    });
    lines
}

// ---------------------------------------------------------------------------------------------
// Writing the file.

/// The new text of the answers file, and whether it had to be rewritten rather than edited.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub text: String,
    /// The old file's layout could not be edited in place: answers were kept, comments were
    /// gathered at the top, its layout was not.
    pub rewritten: bool,
}

/// Renders the file for `merged`: an edit of `old` (its text and parse) when there is one.
pub fn render(merged: &[Merged], old: Option<(&str, &AnswersFile)>) -> Result<Rendered, String> {
    let Some((text, parsed)) = old.filter(|(t, _)| !t.trim().is_empty()) else {
        let out = canonical(merged, &[], "\n");
        verify(&out, merged)?;
        return Ok(Rendered {
            text: out,
            rewritten: false,
        });
    };
    if let Some(out) = in_place(text, parsed, merged) {
        if verify(&out, merged).is_ok() {
            return Ok(Rendered {
                text: out,
                rewritten: false,
            });
        }
    }
    let eol = if text.contains("\r\n") { "\r\n" } else { "\n" };
    let header: BTreeSet<&str> = HEADER.lines().chain([RESCUED]).collect();
    let comments: Vec<&str> = text
        .lines()
        .map(|l| l.trim_end_matches('\r'))
        .filter(|l| l.trim_start().starts_with('#') && !header.contains(l.trim()))
        .collect();
    let out = canonical(merged, &comments, eol);
    verify(&out, merged)?;
    Ok(Rendered {
        text: out,
        rewritten: true,
    })
}

/// The file in our own layout.
fn canonical(merged: &[Merged], comments: &[&str], eol: &str) -> String {
    let mut lines: Vec<String> = HEADER.lines().map(str::to_string).collect();
    if !comments.is_empty() {
        lines.push(String::new());
        lines.push(RESCUED.to_string());
        lines.extend(comments.iter().map(|c| (*c).to_string()));
    }
    lines.push(String::new());
    lines.push(format!("version: {VERSION}"));
    lines.push("blocks:".to_string());
    for block in Block::ALL {
        let entries: Vec<&Merged> = merged
            .iter()
            .filter(|m| m.block == block && !m.drop)
            .collect();
        if entries.is_empty() {
            continue;
        }
        lines.push(String::new());
        lines.push(format!("  {}:  # {}", block.id(), block.title()));
        for (i, m) in entries.iter().enumerate() {
            if i > 0 {
                lines.push(String::new());
            }
            lines.extend(entry_lines(m, 4, eol));
        }
    }
    let mut out = lines.join(eol);
    out.push_str(eol);
    out
}

/// Parses `text` back and checks it says exactly what `merged` means: every entry, every
/// tool-owned field, and every answer of the team's byte for byte.
fn verify(text: &str, merged: &[Merged]) -> Result<(), String> {
    let parsed = parse(text).map_err(|e| format!("the new file does not parse: {e}"))?;
    let got: BTreeMap<&str, &Entry> = parsed.entries().map(|(_, e)| (e.id.as_str(), e)).collect();
    let want: Vec<&Merged> = merged.iter().filter(|m| !m.drop).collect();
    if got.len() != want.len() {
        return Err(format!(
            "the new file holds {} entries, expected {}",
            got.len(),
            want.len()
        ));
    }
    for m in want {
        let Some(e) = got.get(m.id.as_str()) else {
            return Err(format!("the new file lacks `{}`", m.id));
        };
        let same = e.question == m.question
            && e.status.as_deref() == Some(m.status.as_str())
            && e.detected == m.detected
            && e.evidence() == m.evidence.as_slice()
            && e.flag == m.flag
            && e.answer == m.answer;
        if !same {
            return Err(format!("the new file misstates `{}`", m.id));
        }
    }
    Ok(())
}

/// One line of the old file.
struct Line<'a> {
    text: &'a str,
    indent: usize,
    blank: bool,
    comment: bool,
}

impl Line<'_> {
    fn content(&self) -> bool {
        !self.blank && !self.comment
    }
}

/// One key of an entry: where its lines are.
struct Field {
    key: String,
    /// First line (the `key:` line) and one past its last non-blank, non-comment line.
    start: usize,
    end: usize,
}

/// One entry of the old file.
struct FileEntry {
    id: String,
    /// The `- ` line, and one past its last content line.
    start: usize,
    end: usize,
    key_indent: usize,
    fields: Vec<Field>,
}

/// One block of the old file.
struct FileBlock {
    block: Block,
    /// The block's key line, and one past its last content line.
    key_line: usize,
    end: usize,
    dash_indent: Option<usize>,
    entries: Vec<FileEntry>,
}

/// The value after `key:` on a line, parsed as a YAML scalar.
fn inline_value(rest: &str) -> Option<String> {
    serde_yaml::from_str::<Option<String>>(rest.trim())
        .ok()
        .flatten()
}

/// `key: rest` at the start of `s`, for simple keys.
fn split_key(s: &str) -> Option<(&str, &str)> {
    let (k, rest) = s.split_once(':')?;
    let ok = !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    (ok && (rest.is_empty() || rest.starts_with(' '))).then_some((k, rest))
}

/// Reads the layout of the old file, if it is one we can edit line by line.
fn layout(lines: &[Line]) -> Option<(usize, Vec<FileBlock>)> {
    let blocks_line = lines
        .iter()
        .position(|l| l.content() && l.indent == 0 && split_key(l.text) == Some(("blocks", "")))
        .or_else(|| {
            lines.iter().position(|l| {
                l.content()
                    && l.indent == 0
                    && split_key(l.text)
                        .is_some_and(|(k, r)| k == "blocks" && r.trim_start().starts_with('#'))
            })
        })?;
    let section_end = (blocks_line + 1..lines.len())
        .find(|&i| lines[i].content() && lines[i].indent == 0)
        .unwrap_or(lines.len());
    let key_indent = (blocks_line + 1..section_end)
        .find(|&i| lines[i].content())
        .map(|i| lines[i].indent);
    let mut blocks: Vec<FileBlock> = Vec::new();
    let Some(bi) = key_indent else {
        return Some((blocks_line, blocks));
    };
    for (i, l) in lines
        .iter()
        .enumerate()
        .take(section_end)
        .skip(blocks_line + 1)
    {
        if !l.content() {
            continue;
        }
        let body = &l.text[l.indent..];
        if l.indent < bi {
            return None;
        }
        if l.indent == bi && !body.starts_with('-') {
            let (k, rest) = split_key(body)?;
            let rest = rest.trim();
            if !(rest.is_empty() || rest.starts_with('#')) {
                return None; // a flow or null value: not our layout
            }
            blocks.push(FileBlock {
                block: Block::from_id(k)?,
                key_line: i,
                end: i + 1,
                dash_indent: None,
                entries: Vec::new(),
            });
            continue;
        }
        let b = blocks.last_mut()?;
        b.end = i + 1;
        let dash = *b.dash_indent.get_or_insert(l.indent);
        if l.indent == dash && (body == "-" || body.starts_with("- ")) {
            let after = body[1..].trim_start_matches(' ');
            if after.is_empty() {
                return None;
            }
            let key_indent = l.text.len() - after.len();
            let (k, rest) = split_key(after)?;
            if TOOL_KEYS.contains(&k) {
                return None; // we would have to rewrite the `- ` line itself
            }
            let id = if k == "id" {
                inline_value(rest)?
            } else {
                String::new()
            };
            b.entries.push(FileEntry {
                id,
                start: i,
                end: i + 1,
                key_indent,
                fields: vec![Field {
                    key: k.to_string(),
                    start: i,
                    end: i + 1,
                }],
            });
            continue;
        }
        let e = b.entries.last_mut()?;
        e.end = i + 1;
        match l.indent.cmp(&e.key_indent) {
            std::cmp::Ordering::Equal => {
                let (k, rest) = split_key(body)?;
                if k == "id" {
                    e.id = inline_value(rest)?;
                }
                e.fields.push(Field {
                    key: k.to_string(),
                    start: i,
                    end: i + 1,
                });
            }
            std::cmp::Ordering::Greater => e.fields.last_mut()?.end = i + 1,
            std::cmp::Ordering::Less => return None,
        }
    }
    Some((blocks_line, blocks))
}

/// Edits the old text: tool-owned fields replaced, new questions inserted, everything else
/// untouched. `None` when the layout is not one we can edit this way.
fn in_place(text: &str, parsed: &AnswersFile, merged: &[Merged]) -> Option<String> {
    let eol = if text.contains("\r\n") { "\r\n" } else { "\n" };
    let raw: Vec<&str> = text.split('\n').collect();
    let lines: Vec<Line> = raw
        .iter()
        .map(|r| {
            let t = r.strip_suffix('\r').unwrap_or(r);
            let trimmed = t.trim_start_matches(' ');
            Line {
                text: t,
                indent: t.len() - trimmed.len(),
                blank: trimmed.trim().is_empty(),
                comment: trimmed.starts_with('#'),
            }
        })
        .collect();
    let (blocks_line, blocks) = layout(&lines)?;
    // The line scan must see the same blocks and entries as the parser.
    let scanned: Vec<(Block, &str)> = blocks
        .iter()
        .flat_map(|b| b.entries.iter().map(move |e| (b.block, e.id.as_str())))
        .collect();
    let parsed_ids: Vec<(Block, &str)> =
        parsed.entries().map(|(b, e)| (b, e.id.as_str())).collect();
    if scanned != parsed_ids || blocks.len() != parsed.blocks.len() {
        return None;
    }
    let by_id: BTreeMap<&str, &Merged> = merged.iter().map(|m| (m.id.as_str(), m)).collect();
    let mut dropped = vec![false; lines.len()];
    // Insertions before line index i (lines.len() = at the end).
    let mut inserts: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    let default_dash = blocks
        .iter()
        .find_map(|b| b.dash_indent)
        .or_else(|| blocks.first().map(|b| lines[b.key_line].indent + 2))
        .unwrap_or(4);
    let present: BTreeSet<&str> = scanned.iter().map(|(_, id)| *id).collect();
    for b in &blocks {
        for e in &b.entries {
            let m = by_id.get(e.id.as_str())?;
            if m.drop {
                for (i, d) in dropped.iter_mut().enumerate().take(e.end).skip(e.start) {
                    *d = lines[i].content();
                }
                continue;
            }
            for f in e
                .fields
                .iter()
                .filter(|f| TOOL_KEYS.contains(&f.key.as_str()))
            {
                for (i, d) in dropped.iter_mut().enumerate().take(f.end).skip(f.start) {
                    *d = lines[i].content();
                }
            }
            let id_field = e.fields.iter().find(|f| f.key == "id")?;
            inserts
                .entry(id_field.end)
                .or_default()
                .extend(tool_fields(m, e.key_indent));
        }
        // New questions of this block go after the entry of the question before them.
        let dash = b.dash_indent.unwrap_or(default_dash);
        let mut anchor = b.entries.first().map_or(b.key_line + 1, |e| e.start);
        let mut first = true;
        for m in merged.iter().filter(|m| m.block == b.block && !m.drop) {
            if let Some(e) = b.entries.iter().find(|e| e.id == m.id) {
                anchor = e.end;
                first = false;
                continue;
            }
            if present.contains(m.id.as_str()) {
                continue; // the team keeps it in another block
            }
            let mut new = entry_lines(m, dash, eol);
            if !first && !b.entries.is_empty() {
                new.insert(0, String::new());
            } else if !b.entries.is_empty() {
                new.push(String::new());
            }
            inserts.entry(anchor).or_default().extend(new);
        }
    }
    // Blocks missing from the file go after the block before them, or first.
    let section_end = blocks.last().map_or(blocks_line + 1, |b| b.end);
    for block in Block::ALL {
        if blocks.iter().any(|b| b.block == block) {
            continue;
        }
        let entries: Vec<&Merged> = merged
            .iter()
            .filter(|m| m.block == block && !m.drop && !present.contains(m.id.as_str()))
            .collect();
        if entries.is_empty() {
            continue;
        }
        let anchor = blocks
            .iter()
            .filter(|b| b.block < block)
            .map(|b| b.end)
            .max()
            .unwrap_or_else(|| {
                blocks
                    .iter()
                    .map(|b| b.key_line)
                    .min()
                    .unwrap_or(section_end)
            });
        let key_pad = blocks.first().map_or(2, |b| lines[b.key_line].indent);
        let mut new = vec![
            String::new(),
            format!(
                "{}{}:  # {}",
                " ".repeat(key_pad),
                block.id(),
                block.title()
            ),
        ];
        for (i, m) in entries.iter().enumerate() {
            if i > 0 {
                new.push(String::new());
            }
            new.extend(entry_lines(m, default_dash.max(key_pad + 2), eol));
        }
        inserts.entry(anchor).or_default().extend(new);
    }
    let mut out: Vec<String> = Vec::with_capacity(lines.len() + 64);
    for (i, l) in lines.iter().enumerate() {
        if let Some(ins) = inserts.get(&i) {
            out.extend(ins.iter().cloned());
        }
        if !dropped[i] {
            out.push(l.text.to_string());
        }
    }
    if let Some(ins) = inserts.get(&lines.len()) {
        // The text ends without a newline after its last line: keep it that way only when
        // nothing is appended.
        out.extend(ins.iter().cloned());
        out.push(String::new());
    }
    Some(out.join(eol))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::CommonArgs;

    fn report_of(dir: &std::path::Path) -> Report {
        let catalog = Catalog::load(&[]).unwrap();
        let args = CommonArgs {
            no_git: true,
            ..CommonArgs::default()
        };
        crate::scan_repo(dir, &catalog, &args).unwrap()
    }

    fn example() -> std::path::PathBuf {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/churn-model")
    }

    fn vocab() -> Vocabulary {
        Vocabulary::new(&Catalog::load(&[]).unwrap())
    }

    /// Merges `old_text` with a scan of `report` and renders the file.
    fn round(report: &Report, old_text: Option<&str>) -> (Vec<Merged>, Rendered) {
        let parsed = old_text.map(|t| parse(t).unwrap());
        let merged = merge(parsed.as_ref(), report, &vocab(), true);
        let rendered = render(&merged, old_text.zip(parsed.as_ref())).unwrap();
        (merged, rendered)
    }

    fn entry<'a>(file: &'a AnswersFile, id: &str) -> &'a Entry {
        file.entries().find(|(_, e)| e.id == id).unwrap().1
    }

    /// Replaces the `answer:` line of entry `id` with `with` (already YAML).
    fn fill(text: &str, id: &str, with: &str) -> String {
        let mut out = String::new();
        let mut inside = false;
        let mut done = false;
        for line in text.split_inclusive('\n') {
            if line.trim_start().starts_with("- id: ") {
                inside = line.trim_start()[6..].trim() == id;
            }
            if inside && !done && line.trim() == "answer:" {
                let pad = &line[..line.len() - line.trim_start().len()];
                out.push_str(pad);
                out.push_str(with);
                out.push('\n');
                done = true;
                continue;
            }
            out.push_str(line);
        }
        assert!(done, "no answer line for {id}");
        out
    }

    #[test]
    fn a_fresh_file_lists_every_question_with_detections_and_empty_answers() {
        let report = report_of(&example());
        let (merged, r) = round(&report, None);
        assert_eq!(merged.len(), questions().len());
        let file = parse(&r.text).unwrap();
        assert_eq!(file.entries().count(), questions().len());
        let reg = entry(&file, "mr.registry");
        assert_eq!(reg.status.as_deref(), Some("detected"));
        assert!(reg.detected.as_deref().unwrap().contains("MLflow"));
        assert_eq!(reg.evidence(), ["dvc.lock:10", "src/churn/train.py:20"]);
        assert_eq!(reg.answer, None);
        let open = entry(&file, "vp.users");
        assert_eq!(open.status.as_deref(), Some("open"));
        assert_eq!(open.detected, None);
    }

    #[test]
    fn team_answers_survive_a_rescan_byte_for_byte() {
        let report = report_of(&example());
        let (_, first) = round(&report, None);
        let tricky = [
            ("vp.users", "answer: Retention agents - they call at-risk customers # a YAML comment, kept as a line"),
            ("dv.required", "answer: \"yes: audits need it\\ttabbed, \\\"quoted\\\", trailing  \""),
            ("em.metrics", "answer: |\n        Recall@top-10% ≥ 0.6 (ML)\n\n          indented line\n        # hash line\n        churn cut by 5 % — business\n"),
            ("fs.needed", "answer: 'no'"),
            ("ps.fallback", "answer: >-\n        folded\n        text"),
        ];
        let mut text = first.text.clone();
        for (id, with) in tricky {
            text = fill(&text, id, with);
        }
        text = text.replace("version: 1\n", "# our own comment\nversion: 1\n");
        let before = parse(&text).unwrap();
        let (merged, second) = round(&report, Some(&text));
        assert!(!second.rewritten);
        // Edited in place: the team's lines are all still there, in order.
        let kept: Vec<&str> = second.text.lines().collect();
        let mut at = 0;
        for line in text.lines() {
            if ["question:", "status:", "detected:", "evidence:", "- "]
                .iter()
                .any(|p| line.trim_start().starts_with(p) && !line.contains("- id:"))
            {
                continue;
            }
            let pos = kept[at..].iter().position(|l| *l == line);
            assert!(pos.is_some(), "line lost: {line:?}");
            at += pos.unwrap() + 1;
        }
        let after = parse(&second.text).unwrap();
        for (id, _) in tricky {
            assert_eq!(entry(&after, id).answer, entry(&before, id).answer, "{id}");
        }
        assert_eq!(
            entry(&after, "em.metrics").answer.as_deref(),
            Some("Recall@top-10% ≥ 0.6 (ML)\n\n  indented line\n# hash line\nchurn cut by 5 % — business\n")
        );
        let users = merged.iter().find(|m| m.id == "vp.users").unwrap();
        assert_eq!(users.status, AnswerStatus::Answered);
        // A third run changes nothing.
        let (_, third) = round(&report, Some(&second.text));
        assert_eq!(third.text, second.text);
    }

    #[test]
    fn an_answer_whose_evidence_disappeared_is_stale_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("train.py"),
            "import mlflow\nmlflow.register_model('runs:/1/m', 'churn')\n",
        )
        .unwrap();
        let (_, first) = round(&report_of(dir.path()), None);
        assert!(first.text.contains("train.py:2"), "{}", first.text);
        let text = fill(
            &first.text,
            "mr.registry",
            "answer: MLflow registry on the shared server",
        );
        std::fs::write(dir.path().join("train.py"), "print('registry moved')\n").unwrap();
        let report = report_of(dir.path());
        let (merged, second) = round(&report, Some(&text));
        let m = merged.iter().find(|m| m.id == "mr.registry").unwrap();
        assert_eq!(m.status, AnswerStatus::Stale);
        assert!(m.flag.as_deref().unwrap().contains("train.py:2"), "{m:?}");
        let after = parse(&second.text).unwrap();
        let e = entry(&after, "mr.registry");
        assert_eq!(
            e.answer.as_deref(),
            Some("MLflow registry on the shared server")
        );
        assert_eq!(e.status.as_deref(), Some("stale"));
        assert!(e.detected.as_deref().unwrap().contains("MLflow"));
        // A detection nobody answered is stale too, and keeps its text.
        let tracking = merged.iter().find(|m| m.id == "em.tracking").unwrap();
        assert_eq!(tracking.status, AnswerStatus::Stale);
        // Deleting `detected` and `evidence` clears the flag; the answer stays.
        let cleared: String = second
            .text
            .split_inclusive('\n')
            .scan(false, |inside, l| {
                if l.trim_start().starts_with("- id: ") {
                    *inside = l.contains("mr.registry");
                }
                let drop = *inside
                    && (l.trim_start().starts_with("detected:")
                        || l.trim_start().starts_with("evidence:")
                        || l.trim_start().starts_with("- train.py"));
                Some(if drop { String::new() } else { l.to_string() })
            })
            .collect();
        let (merged, _) = round(&report, Some(&cleared));
        let m = merged.iter().find(|m| m.id == "mr.registry").unwrap();
        assert_eq!(m.status, AnswerStatus::Answered);
        assert_eq!(m.flag, None);
    }

    #[test]
    fn an_answer_that_contradicts_a_detection_is_flagged_not_overwritten() {
        let report = report_of(&example());
        let (_, first) = round(&report, None);
        let mut text = fill(
            &first.text,
            "mr.registry",
            "answer: We keep models in Weights & Biases",
        );
        text = fill(&text, "vp.model_card", "answer: No model card yet");
        text = fill(
            &text,
            "mo.decay",
            "answer: Evidently reports, reviewed weekly",
        );
        let (merged, second) = round(&report, Some(&text));
        let get = |id: &str| merged.iter().find(|m| m.id == id).unwrap();
        assert_eq!(get("mr.registry").status, AnswerStatus::Contradicted);
        assert!(get("mr.registry")
            .flag
            .as_deref()
            .unwrap()
            .contains("Weights & Biases"));
        assert_eq!(get("vp.model_card").status, AnswerStatus::Contradicted);
        assert_eq!(get("mo.decay").status, AnswerStatus::Answered);
        let after = parse(&second.text).unwrap();
        assert_eq!(
            entry(&after, "mr.registry").answer.as_deref(),
            Some("We keep models in Weights & Biases")
        );
        assert_eq!(
            entry(&after, "mr.registry").status.as_deref(),
            Some("contradicted")
        );
        // Naming the detected tool clears it.
        let text = second.text.replace(
            "answer: We keep models in Weights & Biases",
            "answer: W&B now; the MLflow call is legacy",
        );
        let (merged, _) = round(&report, Some(&text));
        assert_eq!(
            merged
                .iter()
                .find(|m| m.id == "mr.registry")
                .unwrap()
                .status,
            AnswerStatus::Answered
        );
    }

    #[test]
    fn apply_puts_team_answers_and_flags_in_the_report() {
        let mut report = report_of(&example());
        let (_, first) = round(&report, None);
        let text = fill(&first.text, "vp.users", "answer: The retention team");
        let text = fill(&text, "mr.registry", "answer: none");
        let (merged, _) = round(&report, Some(&text));
        apply(&mut report, &merged);
        let vp = report.blocks.get(Block::ValueProposition);
        let users = vp.answers.iter().find(|a| a.id == "vp.users").unwrap();
        assert_eq!(users.source, "human");
        assert_eq!(users.answer, "The retention team");
        assert!(!vp.open_questions.iter().any(|q| q.contains("end users")));
        let reg = report.blocks.get(Block::ModelRegistry);
        let a = reg.answers.iter().find(|a| a.id == "mr.registry").unwrap();
        assert_eq!(a.status, AnswerStatus::Contradicted);
        assert!(a.detected.as_deref().unwrap().contains("MLflow"));
        let c = counts(&merged);
        assert_eq!(c.total, questions().len());
        assert_eq!(c.answered, 1);
        assert_eq!(c.contradicted, 1);
    }

    #[test]
    fn malformed_files_name_line_and_column() {
        let e = parse(
            "version: 1\nblocks:\n  value_proposition:\n    - id: vp.users\n      anwser: x\n",
        )
        .unwrap_err();
        assert_eq!((e.line, e.column), (Some(5), Some(7)), "{e}");
        assert!(e.message.contains("anwser"), "{e}");
        let e = parse("blocks:\n  value_proposition:\n    - id: vp.users\n      answer: \"open\n")
            .unwrap_err();
        assert!(e.line.is_some(), "{e}");
        let e = parse("blocks:\n  modle_registry: []\n").unwrap_err();
        assert!(
            e.message.contains("modle_registry") && e.line == Some(2),
            "{e}"
        );
        let e = parse("blocks:\n  value_proposition:\n    - id: vp.users\n      answer: [a, b]\n")
            .unwrap_err();
        assert_eq!(e.line, Some(4), "{e}");
        let e = parse("blocks:\n  value_proposition:\n    - id: vp.users\n  model_registry:\n    - id: vp.users\n").unwrap_err();
        assert_eq!(e.line, Some(5), "{e}");
        assert!(parse("version: 9\nblocks: {}\n").is_err());
        assert_eq!(parse("# nothing yet\n").unwrap().entries().count(), 0);
    }

    #[test]
    fn unknown_layouts_are_rewritten_with_answers_and_comments_kept() {
        let report = report_of(&example());
        let text = "# team notes: ask Dana\nblocks: {value_proposition: [{id: vp.users, answer: \"Agents\\nand managers\"}, {id: vp.gone, answer: kept}, {id: vp.old}]}\n";
        let (merged, r) = round(&report, Some(text));
        assert!(r.rewritten);
        assert!(r.text.contains("# team notes: ask Dana"));
        let after = parse(&r.text).unwrap();
        assert_eq!(
            entry(&after, "vp.users").answer.as_deref(),
            Some("Agents\nand managers")
        );
        assert_eq!(entry(&after, "vp.gone").answer.as_deref(), Some("kept"));
        assert_eq!(entry(&after, "vp.gone").status.as_deref(), Some("retired"));
        assert!(!after.entries().any(|(_, e)| e.id == "vp.old"));
        assert!(merged.iter().any(|m| m.id == "vp.old" && m.drop));
    }

    #[test]
    fn new_questions_are_inserted_where_they_belong() {
        let report = report_of(&example());
        let (_, first) = round(&report, None);
        // Drop two entries (as if the file came from an older version).
        let mut text = String::new();
        let mut skip = false;
        for line in first.text.split_inclusive('\n') {
            if line.trim_start().starts_with("- id: ") {
                skip = line.contains("vp.owner") || line.contains("ms.governance");
            } else if !line.starts_with("      ") {
                skip = false;
            }
            if !skip {
                text.push_str(line);
            }
        }
        let text = fill(&text, "vp.users", "answer: agents");
        let (_, second) = round(&report, Some(&text));
        assert!(!second.rewritten);
        let ids: Vec<String> = parse(&second.text)
            .unwrap()
            .entries()
            .map(|(_, e)| e.id.clone())
            .collect();
        let expected: Vec<String> = questions().iter().map(|q| q.id.clone()).collect();
        assert_eq!(ids, expected);
    }

    #[test]
    fn scalars_read_back_exactly() {
        for s in [
            "plain text",
            "yes",
            "No",
            "42",
            "-1",
            "a: b",
            "x #y",
            "ends:",
            " lead",
            "tab\there",
            "nel\u{85}x",
            "ls\u{2028}x",
            "bom\u{feff}",
            "quote\"back\\slash",
            ".github/x",
            ".5",
            ".inf",
            ".",
            "@at",
            "~",
            "",
            "ünïcode ✓",
        ] {
            let y = format!("k: {}\n", scalar(s));
            let v: BTreeMap<String, String> = serde_yaml::from_str(&y).unwrap();
            assert_eq!(v["k"], s, "{y}");
        }
        for s in [
            "a\nb",
            "a\nb\n",
            "a\n\nb\n\n\n",
            "a\n  b\n#c",
            "x\r\ny",
            " a\nb",
        ] {
            let y = format!("{}\n", text_field("k", s, 0, "\n"));
            let v: BTreeMap<String, String> = serde_yaml::from_str(&y).unwrap();
            assert_eq!(v["k"], s, "{y}");
        }
    }

    #[test]
    fn windows_line_endings_and_reordered_keys_are_edited_in_place() {
        let report = report_of(&example());
        let (_, first) = round(&report, None);
        // The team's editor wrote CRLF, put `answer` first and quoted an id.
        let text = fill(&first.text, "mr.registry", "answer: MLflow, promoted by hand")
            .replace(
                "    - id: vp.users\n      question: Who are the end users of the predictions, and which persona is served?\n      status: open\n      answer:\n",
                "    - answer: agents\n      id: \"vp.users\"\n",
            )
            .replace('\n', "\r\n");
        let (merged, second) = round(&report, Some(&text));
        assert!(!second.rewritten);
        assert!(
            !second.text.replace("\r\n", "").contains('\n'),
            "mixed line endings"
        );
        assert!(second
            .text
            .contains("    - answer: agents\r\n      id: \"vp.users\"\r\n      question: "));
        let after = parse(&second.text).unwrap();
        assert_eq!(entry(&after, "vp.users").answer.as_deref(), Some("agents"));
        assert_eq!(
            entry(&after, "mr.registry").status.as_deref(),
            Some("answered")
        );
        assert_eq!(
            merged.iter().find(|m| m.id == "vp.users").unwrap().status,
            AnswerStatus::Answered
        );
    }

    #[test]
    fn mentions_respects_word_boundaries() {
        assert!(mentions("we use mlflow.", "mlflow"));
        assert!(!mentions("mlflowish", "mlflow"));
        assert!(mentions("w&b now", "w&b"));
        assert!(!mentions("an array of", "ray"));
        assert!(is_denial("no, not yet"));
        assert!(is_denial("n/a"));
        assert!(!is_denial("notebooks are stripped"));
    }
}
