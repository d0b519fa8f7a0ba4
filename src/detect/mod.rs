//! Detection: the detector catalogue and the pass that turns an inventory into findings.
//!
//! In: the walk's inventory and a [`Catalog`] (embedded detectors plus the user's). Out:
//! findings merged per (tool, capability, block), sorted, with evidence, and the warnings met
//! on the way. Files are scanned in parallel with rayon; results are sorted so output is stable.

pub(crate) mod gate;
pub(crate) mod globs;
pub(crate) mod literals;
pub(crate) mod manifest;
pub mod parse;
pub(crate) mod python;
pub(crate) mod redact;
pub(crate) mod signals;
pub mod spec;
pub(crate) mod text;

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use rayon::prelude::*;
use serde::Serialize;

use crate::canvas::Block;
use crate::report::Warning;
use crate::walk::Inventory;
pub use spec::{Capability, Confidence, Detector, ToolKind};

include!(concat!(env!("OUT_DIR"), "/embedded.rs"));

/// The capability catalogue, embedded.
pub(crate) const CAPABILITIES: &str = include_str!("../../detectors/capabilities.toml");

/// The embedded capability catalogue, parsed once per process (the registry tests prove it
/// parses, so an error here is a build defect and yields an empty catalogue).
pub(crate) fn capabilities() -> &'static BTreeMap<String, Capability> {
    static CAPS: std::sync::OnceLock<BTreeMap<String, Capability>> = std::sync::OnceLock::new();
    CAPS.get_or_init(|| spec::parse_capabilities(CAPABILITIES).unwrap_or_default())
}

/// Evidence kept per finding; the total is reported beside it.
const MAX_EVIDENCE: usize = 10;

/// One place in the repository that proves a finding.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Evidence {
    pub path: String,
    /// 1-based line; `null` when the file's existence is the evidence.
    pub line: Option<u32>,
    pub snippet: String,
}

/// A tool (or practice) proving a capability in a block.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub tool: String,
    pub tool_name: String,
    pub capability: String,
    #[serde(skip)]
    pub block: Block,
    pub confidence: Confidence,
    pub evidence: Vec<Evidence>,
    /// How many pieces of evidence exist; `evidence` keeps the first few in path order.
    pub evidence_total: usize,
}

/// The detectors and capabilities a scan uses.
#[derive(Debug, Clone)]
pub struct Catalog {
    pub detectors: Vec<Detector>,
    pub capabilities: BTreeMap<String, Capability>,
}

impl Catalog {
    /// The built-in catalogue plus every `*.toml` in `user_dirs`. Any invalid file is a fatal
    /// error naming the file; a user detector may not reuse a built-in id.
    pub fn load(user_dirs: &[PathBuf]) -> Result<Catalog> {
        let capabilities = capabilities().clone();
        if capabilities.is_empty() {
            // Parse again for the error: a broken catalogue stops the run, saying why.
            spec::parse_capabilities(CAPABILITIES)?;
        }
        // Parsing and checking ~180 files is most of the start-up: spread it over the cores.
        let mut detectors = EMBEDDED_DETECTORS
            .par_iter()
            .zip(EMBEDDED_DETECTORS_JSON)
            .map(|((name, text), json)| {
                spec::parse_builtin_json(name, json, &capabilities)
                    .unwrap_or_else(|| spec::parse_detector(name, text, "built-in", &capabilities))
                    .with_context(|| format!("built-in detector detectors/{name}"))
            })
            .collect::<Result<Vec<_>>>()?;
        for dir in user_dirs {
            for path in toml_files_in(dir)? {
                detectors.push(load_user_file(&path, &capabilities)?);
            }
        }
        let mut seen: BTreeMap<&str, &str> = BTreeMap::new();
        for d in &detectors {
            for id in std::iter::once(&d.id).chain(&d.aliases) {
                if let Some(prev) = seen.insert(id, &d.source) {
                    bail!(
                        "detector id `{id}` is defined twice ({prev} and {})",
                        d.source
                    );
                }
            }
        }
        detectors.sort_by(|a, b| a.id.cmp(&b.id));
        spec::share_compiled(&mut detectors);
        Ok(Catalog {
            detectors,
            capabilities,
        })
    }

    /// Finds a detector by id or alias.
    pub fn get(&self, id: &str) -> Option<&Detector> {
        self.detectors
            .iter()
            .find(|d| d.id == id || d.aliases.iter().any(|a| a == id))
    }
}

fn toml_files_in(dir: &Path) -> Result<Vec<PathBuf>> {
    let rd = std::fs::read_dir(dir)
        .with_context(|| format!("cannot read detector directory {}", dir.display()))?;
    let mut files: Vec<PathBuf> = rd
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml") && p.is_file())
        .collect();
    files.sort();
    Ok(files)
}

/// Loads one user detector file with the same validation as the built-in ones.
pub fn load_user_file(path: &Path, caps: &BTreeMap<String, Capability>) -> Result<Detector> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read detector file {}", path.display()))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    spec::parse_detector(&name, &text, &path.display().to_string(), caps)
        .with_context(|| format!("invalid detector file {}", path.display()))
}

/// What detection produced for one repository.
#[derive(Debug, Default)]
pub struct Detection {
    pub findings: Vec<Finding>,
    /// Facts from structured parsers, sorted by (block, key, value).
    pub facts: Vec<parse::Fact>,
    pub warnings: Vec<Warning>,
    pub files_read: usize,
}

/// Per-file read cap, in bytes.
pub const DEFAULT_MAX_BYTES: u64 = 4 * 1024 * 1024;

/// Evidence ordered by place: (path, line, from a signal rather than a parser, snippet).
type Placed = (String, Option<u32>, bool, String);

/// Walks `root` (see [`crate::walk::walk`]) and runs every detector over each file as the
/// walk finds it: the inventory, and what detection produced.
pub fn detect(
    root: &Path,
    excludes: &[String],
    skip: &[String],
    catalog: &Catalog,
    max_bytes: u64,
) -> Result<(Inventory, Detection)> {
    let engine = signals::Engine::new(&catalog.detectors, max_bytes)?;
    let (inventory, mut results) =
        crate::walk::walk(root, excludes, skip, &|f| engine.scan_file(f))?;
    // Requirements files reached only through `-r`/`-c` includes.
    let scanned: HashSet<&str> = inventory
        .files
        .iter()
        .filter(|f| manifest::kind_of(&f.path).is_some())
        .map(|f| f.path.as_str())
        .collect();
    let wanted: BTreeSet<String> = results
        .iter()
        .flat_map(|r| r.includes.iter().cloned())
        .filter(|p| !scanned.contains(p.as_str()))
        .collect();
    let extra: Vec<signals::FileResult> = inventory
        .files
        .iter()
        .filter(|f| wanted.contains(&f.path))
        .map(|f| engine.scan_included_requirements(f))
        .collect();
    results.extend(extra);

    // Evidence is kept ordered by place (path, line); at one place a parser's snippet, which
    // says what was read ("schedule nightly: daily at 01:00 UTC"), sorts before the raw line
    // a signal matched there, and is the one kept.
    let mut merged: BTreeMap<(Block, &str, &str), (Confidence, BTreeSet<Placed>)> = BTreeMap::new();
    let mut det = Detection::default();
    for r in results {
        det.files_read += usize::from(r.read);
        det.warnings.extend(r.warnings);
        det.facts.extend(r.facts);
        for (path, h) in r.parsed {
            let Some(d) = catalog.get(h.tool) else {
                continue;
            };
            let e = merged
                .entry((h.block, d.id.as_str(), h.capability))
                .or_insert((h.confidence, BTreeSet::new()));
            e.0 = e.0.max(h.confidence);
            e.1.insert((path, h.line, false, h.snippet));
        }
        for hit in r.hits {
            let d = &catalog.detectors[hit.sig.0 as usize];
            let s = &d.signals[hit.sig.1 as usize];
            let e = merged
                .entry((s.block, d.id.as_str(), s.capability.as_str()))
                .or_insert((s.confidence, BTreeSet::new()));
            e.0 = e.0.max(s.confidence);
            let ev = hit.evidence;
            e.1.insert((ev.path, ev.line, true, ev.snippet));
        }
    }
    for ((block, tool, capability), (confidence, evidence)) in merged {
        let name = catalog.get(tool).map_or(tool, |d| d.name.as_str());
        // One piece of evidence per line: two signals matching the same line say the same.
        let mut evidence: Vec<Evidence> = evidence
            .into_iter()
            .map(|(path, line, _, snippet)| Evidence {
                path,
                line,
                snippet,
            })
            .collect();
        evidence.dedup_by(|b, a| a.path == b.path && a.line == b.line && a.line.is_some());
        let total = evidence.len();
        det.findings.push(Finding {
            tool: tool.to_string(),
            tool_name: name.to_string(),
            capability: capability.to_string(),
            block,
            confidence,
            evidence: evidence.into_iter().take(MAX_EVIDENCE).collect(),
            evidence_total: total,
        });
    }
    det.warnings.sort();
    det.warnings.dedup();
    // Each fact's value is written out once, not at every comparison.
    det.facts
        .sort_by_cached_key(|f| (f.block, f.key, f.value.to_string()));
    Ok((inventory, det))
}
