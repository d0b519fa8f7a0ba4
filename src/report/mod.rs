//! The report: one serialisable model of a scan, and the renderers that show it.
//!
//! In: the outputs of walk, detect and git. Out: a [`Report`] with a `schema_version`, written
//! by a renderer into any `io::Write`. JSON and YAML are serde dumps of the model; the table is
//! a view of it. Every collection is sorted so the same repository gives the same bytes.

pub mod diff;
pub(crate) mod dora;
pub(crate) mod gaps;
pub(crate) mod html;
pub(crate) mod markdown;
pub(crate) mod page;
pub mod sarif;
pub(crate) mod table;

use std::collections::BTreeMap;
use std::io::Write;

use anyhow::Result;
use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

use crate::canvas::{AnswerStatus, Block};
use crate::detect::{Catalog, Finding, ToolKind};

/// Version of the JSON/YAML report schema. Fields only ever get added; a removal or a change
/// of meaning bumps it.
pub const SCHEMA_VERSION: u32 = 1;

/// What kind of problem a warning reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WarningKind {
    Unreadable,
    TooLarge,
    Binary,
    InvalidUtf8,
    Malformed,
    BrokenSymlink,
    NonUtf8Path,
    Git,
    Config,
}

/// A problem with one input that did not stop the scan.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Warning {
    /// Path relative to the scanned root (`.` for the repository as a whole).
    pub path: String,
    pub message: String,
    pub kind: WarningKind,
}

impl Warning {
    /// A warning about `path`.
    pub fn new(path: &str, kind: WarningKind, message: &str) -> Warning {
        Warning {
            path: if path.is_empty() {
                ".".to_string()
            } else {
                path.to_string()
            },
            message: message.to_string(),
            kind,
        }
    }
}

/// Where the scanned repository is and what its history says about it.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RepoInfo {
    /// The path as the user gave it.
    pub path: String,
    /// Commit id of HEAD, if the path is in a git repository with commits.
    pub head: Option<String>,
    /// The default branch (origin's HEAD, else the current branch).
    pub default_branch: Option<String>,
}

/// A human-readable answer to one canvas question: detected by the scan, or written by the
/// team in the answers file (`mlops-canvas.yaml`).
#[derive(Debug, Clone, Serialize)]
pub struct Answer {
    /// Stable question id (`data/questions.toml`).
    pub id: String,
    pub question: String,
    pub answer: String,
    /// `detected: <path:line>`, `estimated from git history`, or `human`.
    pub source: String,
    /// Where the answer stands: detected, answered (by a person), stale, contradicted, retired.
    pub status: AnswerStatus,
    /// `path:line` locations behind the detection (kept for a person's answer too).
    pub evidence: Vec<String>,
    /// Detector ids behind the detection.
    pub tools: Vec<String>,
    /// What the scan found, when a person's answer is shown instead.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detected: Option<String>,
    /// Why the answer needs a look: evidence that disappeared, a contradiction.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flag: Option<String>,
}

/// One canvas block of the report.
#[derive(Debug, Clone, Serialize)]
pub struct BlockReport {
    #[serde(skip)]
    pub block: Block,
    pub title: &'static str,
    pub findings: Vec<Finding>,
    pub facts: BTreeMap<String, serde_json::Value>,
    pub answers: Vec<Answer>,
    pub open_questions: Vec<String>,
}

/// The 11 blocks, serialised as a map keyed by block id in canvas order.
#[derive(Debug, Clone)]
pub struct Blocks(pub Vec<BlockReport>);

impl Serialize for Blocks {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for b in &self.0 {
            m.serialize_entry(b.block.id(), b)?;
        }
        m.end()
    }
}

impl Blocks {
    /// The report of one block.
    pub fn get(&self, block: Block) -> &BlockReport {
        &self.0[Block::ALL.iter().position(|b| *b == block).unwrap_or(0)]
    }
}

/// One tool of the flat inventory.
#[derive(Debug, Clone, Serialize)]
pub struct ToolEntry {
    pub id: String,
    pub name: String,
    pub kind: ToolKind,
    pub homepage: String,
    pub blocks: Vec<Block>,
    pub capabilities: Vec<String>,
}

/// Counts that describe the scan itself (no timings: output must be reproducible).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Stats {
    pub files: usize,
    pub files_read: usize,
    pub detectors: usize,
}

/// The whole report of one repository.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub schema_version: u32,
    pub tool_version: &'static str,
    pub repo: RepoInfo,
    pub blocks: Blocks,
    pub tools: Vec<ToolEntry>,
    /// Delivery metrics; `null` with `--no-git` or when history is unavailable.
    pub dora: Option<crate::git::dora::Dora>,
    /// Maturity verdict and gap table (DESIGN.md §7).
    pub maturity: Option<crate::maturity::Maturity>,
    pub warnings: Vec<Warning>,
    pub stats: Stats,
}

impl Report {
    /// Assembles a report from findings, sorted by (block, tool, capability).
    #[allow(clippy::too_many_arguments)] // one call site; each argument is one pipeline stage's output
    pub fn build(
        repo: RepoInfo,
        mut findings: Vec<Finding>,
        facts: Vec<crate::detect::parse::Fact>,
        languages: &BTreeMap<String, usize>,
        catalog: &Catalog,
        dora: Option<crate::git::dora::Dora>,
        mut warnings: Vec<Warning>,
        stats: Stats,
    ) -> Report {
        findings.sort_by(|a, b| {
            (a.block, &a.tool, &a.capability).cmp(&(b.block, &b.tool, &b.capability))
        });
        // Findings of one tool and capability from several sources (files, history) merge.
        findings.dedup_by(|next, kept| {
            if (next.block, &next.tool, &next.capability)
                != (kept.block, &kept.tool, &kept.capability)
            {
                return false;
            }
            kept.confidence = kept.confidence.max(next.confidence);
            kept.evidence_total += next.evidence_total;
            kept.evidence.append(&mut next.evidence);
            kept.evidence.sort();
            kept.evidence.dedup();
            true
        });
        let mut tools: BTreeMap<&str, (Vec<Block>, Vec<String>)> = BTreeMap::new();
        for f in &findings {
            let e = tools.entry(f.tool.as_str()).or_default();
            if !e.0.contains(&f.block) {
                e.0.push(f.block);
            }
            if !e.1.contains(&f.capability) {
                e.1.push(f.capability.clone());
            }
        }
        let tools = tools
            .into_iter()
            .filter_map(|(id, (mut blocks, mut caps))| {
                let d = catalog.get(id)?;
                blocks.sort();
                caps.sort();
                Some(ToolEntry {
                    id: id.to_string(),
                    name: d.name.clone(),
                    kind: d.kind,
                    homepage: d.homepage.clone(),
                    blocks,
                    capabilities: caps,
                })
            })
            .collect();
        let mut blocks: Vec<BlockReport> = Block::ALL
            .iter()
            .map(|&block| BlockReport {
                block,
                title: block.title(),
                findings: findings
                    .iter()
                    .filter(|f| f.block == block)
                    .cloned()
                    .collect(),
                facts: BTreeMap::new(),
                answers: Vec::new(),
                open_questions: Vec::new(),
            })
            .collect();
        for f in facts {
            if let Some(b) = blocks.iter_mut().find(|b| b.block == f.block) {
                let entry = b
                    .facts
                    .entry(f.key.to_string())
                    .or_insert_with(|| serde_json::Value::Array(Vec::new()));
                if let serde_json::Value::Array(items) = entry {
                    items.push(f.value);
                }
            }
        }
        if let Some(d) = &dora {
            if let Some(foundations) = blocks.iter_mut().find(|b| b.block == Block::Foundations) {
                foundations
                    .facts
                    .insert("dora".to_string(), self::dora::summary_fact(d));
                if let Ok(v) = serde_json::to_value(&d.practice) {
                    foundations.facts.insert("practice".to_string(), v);
                }
            }
        }
        crate::canvas::answers::fill(
            &mut blocks,
            &crate::canvas::answers::Inputs {
                findings: &findings,
                dora: dora.as_ref(),
                languages,
            },
        );
        warnings.sort();
        warnings.dedup();
        Report {
            schema_version: SCHEMA_VERSION,
            tool_version: env!("CARGO_PKG_VERSION"),
            repo,
            blocks: Blocks(blocks),
            tools,
            dora,
            maturity: None,
            warnings,
            stats,
        }
    }
}

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// A table for the terminal.
    Table,
    /// The versioned JSON report (schema_version).
    Json,
    /// The same model as YAML (`canvas`: the team's answers file).
    Yaml,
    /// The one-page canvas as Markdown.
    Markdown,
    /// The one-page canvas as a self-contained HTML page.
    Html,
    /// The gap table as SARIF 2.1.0 results, for code scanning.
    Sarif,
}

/// Writes `report` in `format`.
pub fn render(report: &Report, format: Format, out: &mut dyn Write) -> Result<()> {
    match format {
        Format::Table => {
            table::render(report, out)?;
            if let Some(d) = &report.dora {
                writeln!(out)?;
                dora::render_table(d, out)?;
            }
            if let Some(m) = &report.maturity {
                writeln!(out)?;
                gaps::render(m, out)?;
            }
        }
        Format::Sarif => sarif::render(report, out)?,
        Format::Json => {
            serde_json::to_writer_pretty(&mut *out, report)?;
            writeln!(out)?;
        }
        Format::Yaml => {
            let text = serde_yaml::to_string(report)?;
            out.write_all(text.as_bytes())?;
        }
        Format::Markdown => markdown::render(report, out)?,
        Format::Html => html::render(report, out)?,
    }
    Ok(())
}

/// Writes only the maturity assessment of `report` (the `gaps` command).
pub fn render_gaps(report: &Report, format: Format, out: &mut dyn Write) -> Result<()> {
    let Some(m) = &report.maturity else {
        return Ok(());
    };
    match format {
        Format::Table => {
            writeln!(out, "Gaps for {}", report.repo.path)?;
            gaps::render(m, out)?;
            if !report.warnings.is_empty() {
                writeln!(
                    out,
                    "{} warnings (see `scan` or --format json)",
                    report.warnings.len()
                )?;
            }
        }
        Format::Json | Format::Yaml => {
            let v = serde_json::json!({
                "schema_version": SCHEMA_VERSION,
                "tool_version": report.tool_version,
                "repo": report.repo,
                "maturity": m,
                "warnings": report.warnings,
            });
            if format == Format::Json {
                serde_json::to_writer_pretty(&mut *out, &v)?;
                writeln!(out)?;
            } else {
                out.write_all(serde_yaml::to_string(&v)?.as_bytes())?;
            }
        }
        Format::Sarif => sarif::render(report, out)?,
        Format::Markdown | Format::Html => {
            anyhow::bail!("`gaps` writes table, json, yaml or sarif; `canvas` writes the pages")
        }
    }
    Ok(())
}

/// A block's maturity `(level, status)`, status one of met / partial / missing against the
/// target level; `None` when the block is not assessed. The page views ask only this.
pub(crate) fn block_status(report: &Report, block: Block) -> Option<(String, String)> {
    use crate::maturity::BlockStatus;
    let m = report.maturity.as_ref()?;
    let (_, b) = m.blocks.0.iter().find(|(b, _)| *b == block)?;
    let status = match b.status {
        BlockStatus::Met => "met",
        BlockStatus::Partial => "partial",
        BlockStatus::Missing => "missing",
    };
    Some((b.level.clone(), status.to_string()))
}
