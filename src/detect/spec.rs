//! Detector files: the serde shape of `detectors/<id>.toml` and its validation.
//!
//! One loader serves the embedded catalogue, `--detectors DIR` and `detectors check FILE`, so a
//! user sees the same messages we do. In: a file name and its TOML text. Out: a validated
//! [`Detector`] whose globs and regexes are known to compile, or an error naming the file and
//! the field.

use std::collections::BTreeMap;
use std::fmt;

use anyhow::{anyhow, bail, Context, Result};
use regex::bytes::Regex;
use serde::{Deserialize, Serialize};

use crate::canvas::Block;

/// How a tool is obtained: the canvas's "tooling" dilemma.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ToolKind {
    /// Open-source software the team runs itself.
    OpenSource,
    /// A cloud provider's managed service.
    Managed,
    /// A commercial hosted product.
    Saas,
    /// A habit or convention rather than a product (CODEOWNERS, model cards).
    Practice,
}

impl fmt::Display for ToolKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ToolKind::OpenSource => "open-source",
            ToolKind::Managed => "managed",
            ToolKind::Saas => "saas",
            ToolKind::Practice => "practice",
        })
    }
}

/// How strongly one piece of evidence proves a capability.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    Low,
    Medium,
    High,
}

impl fmt::Display for Confidence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Confidence::Low => "low",
            Confidence::Medium => "medium",
            Confidence::High => "high",
        })
    }
}

/// Package ecosystems whose manifests are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Ecosystem {
    Python,
    Npm,
    Go,
}

impl fmt::Display for Ecosystem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Ecosystem::Python => "python",
            Ecosystem::Npm => "npm",
            Ecosystem::Go => "go",
        })
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDetector {
    id: String,
    name: String,
    homepage: String,
    kind: ToolKind,
    description: String,
    #[serde(default)]
    aliases: Vec<String>,
    #[serde(default)]
    signals: Vec<RawSignal>,
}

#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
enum SignalType {
    Path,
    Dependency,
    Import,
    Regex,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSignal {
    #[serde(rename = "type")]
    kind: SignalType,
    capability: String,
    confidence: Confidence,
    block: Option<String>,
    globs: Option<Vec<String>>,
    packages: Option<Vec<String>>,
    ecosystem: Option<Ecosystem>,
    modules: Option<Vec<String>>,
    files: Option<Vec<String>>,
    pattern: Option<String>,
    also: Option<Vec<String>>,
}

/// What a signal looks at.
#[derive(Debug, Clone)]
pub enum Matcher {
    /// A file whose path matches one of the globs exists.
    Path { globs: Vec<String> },
    /// A manifest declares one of the packages (names normalised per ecosystem).
    Dependency {
        packages: Vec<String>,
        ecosystem: Option<Ecosystem>,
    },
    /// A Python file or notebook imports one of the modules.
    Import { modules: Vec<String> },
    /// A line of a file matching `files` matches `pattern`, and the file matches every `also`.
    Regex {
        files: Vec<String>,
        pattern: LazyRegex,
        also: Vec<LazyRegex>,
    },
}

/// A signal pattern, syntax-checked at load and compiled on first use: most patterns of a
/// catalogue never meet a file that could match them, and compiling hundreds of automata up
/// front would cost more than a whole scan.
#[derive(Debug, Clone)]
pub struct LazyRegex {
    source: String,
    /// Shared by every signal with the same pattern (see [`share_compiled`]).
    compiled: std::sync::Arc<std::sync::OnceLock<Option<Regex>>>,
    /// Literal groups every match meets (see `gate`), found by the same parse that checks the
    /// syntax.
    gate: Vec<crate::detect::gate::Alts>,
    /// For a pattern that only matches an import statement (`^\s*(?:import|from)\s+mod\b`),
    /// the modules it names: in Python, a file that imports none of them cannot match.
    imports: Option<Vec<String>>,
}

impl LazyRegex {
    /// Checks the syntax now; `eager` also compiles (user files, `detectors check`). The
    /// built-in catalogue's patterns were checked, and their gates found, when the binary was
    /// built (see `build.rs`).
    fn new(source: &str, eager: bool) -> Result<LazyRegex> {
        let (gate, imports) = match precomputed_gate(source) {
            Some(known) => known,
            None => {
                let hir = regex_syntax::ParserBuilder::new()
                    .unicode(false)
                    .utf8(false)
                    .multi_line(true)
                    .build()
                    .parse(source)
                    .map_err(|e| anyhow!("{e}"))?;
                (
                    crate::detect::gate::groups_of(&hir),
                    crate::detect::gate::import_modules(source),
                )
            }
        };
        let lazy = LazyRegex {
            source: source.to_string(),
            compiled: std::sync::Arc::default(),
            gate,
            imports,
        };
        if eager {
            let re = compile_regex(source)?;
            let _ = lazy.compiled.set(Some(re));
        }
        Ok(lazy)
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// The gate: groups of lowercased literals, every match containing one of each group.
    /// Empty when the pattern has no usable literal.
    pub(crate) fn gate(&self) -> &[crate::detect::gate::Alts] {
        &self.gate
    }

    /// The modules an import-only pattern names (see the field).
    pub(crate) fn imports(&self) -> Option<&[String]> {
        self.imports.as_deref()
    }

    /// The compiled automaton; `None` if it exceeds the size limit (the signal never fires;
    /// the registry tests compile every built-in pattern, so this is for user files only).
    pub fn regex(&self) -> Option<&Regex> {
        self.compiled
            .get_or_init(|| compile_regex(&self.source).ok())
            .as_ref()
    }
}

/// Makes the signals that share a pattern (CI detectors all look for `kubectl apply`...)
/// share its compiled automaton: it is compiled once, on first use by any of them.
pub(crate) fn share_compiled(detectors: &mut [Detector]) {
    use std::collections::HashMap;
    use std::sync::{Arc, OnceLock};
    let mut by_source: HashMap<String, Arc<OnceLock<Option<Regex>>>> = HashMap::new();
    for d in detectors {
        for s in &mut d.signals {
            let Matcher::Regex { pattern, also, .. } = &mut s.matcher else {
                continue;
            };
            for p in std::iter::once(pattern).chain(also.iter_mut()) {
                let shared = by_source
                    .entry(p.source.clone())
                    .or_insert_with(|| Arc::clone(&p.compiled));
                p.compiled = Arc::clone(shared);
            }
        }
    }
}

include!(concat!(env!("OUT_DIR"), "/gates.rs"));

/// The gate and import modules `build.rs` found for a pattern of the built-in catalogue.
fn precomputed_gate(source: &str) -> Option<(Vec<crate::detect::gate::Alts>, Option<Vec<String>>)> {
    let i = PRECOMPUTED_GATES
        .binary_search_by(|(p, _, _)| (*p).cmp(source))
        .ok()?;
    let (_, groups, imports) = PRECOMPUTED_GATES[i];
    Some((
        groups
            .iter()
            .map(|g| g.iter().map(|l| l.to_vec()).collect())
            .collect(),
        imports.map(|m| m.iter().map(|s| (*s).to_string()).collect()),
    ))
}

/// One validated signal of a detector.
#[derive(Debug, Clone)]
pub struct Signal {
    pub matcher: Matcher,
    pub capability: String,
    pub block: Block,
    pub confidence: Confidence,
}

/// One validated detector.
#[derive(Debug, Clone)]
pub struct Detector {
    pub id: String,
    pub name: String,
    pub homepage: String,
    pub kind: ToolKind,
    pub description: String,
    pub aliases: Vec<String>,
    pub signals: Vec<Signal>,
    /// Where it came from: `built-in` or the user's file path.
    pub source: String,
}

/// A capability of the catalogue (`detectors/capabilities.toml`).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Capability {
    /// Home block id.
    pub block: String,
    pub description: String,
}

/// Parses the capability catalogue and checks that every home block exists.
pub fn parse_capabilities(text: &str) -> Result<BTreeMap<String, Capability>> {
    let caps: BTreeMap<String, Capability> =
        toml::from_str(text).context("detectors/capabilities.toml is invalid")?;
    for (id, cap) in &caps {
        if Block::from_id(&cap.block).is_none() {
            bail!("capability `{id}`: unknown block `{}`", cap.block);
        }
    }
    Ok(caps)
}

fn is_kebab_id(id: &str) -> bool {
    !id.is_empty()
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !id.starts_with('-')
        && !id.ends_with('-')
}

/// Checks that a glob is a relative path; `compile` also compiles it under the rules of the
/// scan (user files: errors name the file; built-in globs are compiled by the engine anyway,
/// and the registry tests build it).
fn check_glob(glob: &str, compile: bool) -> Result<()> {
    if glob.is_empty() || glob.starts_with('/') || glob.contains('\\') {
        bail!("glob `{glob}` must be a relative path with `/` separators");
    }
    if compile {
        crate::detect::signals::compile_glob(glob)?;
    }
    Ok(())
}

/// Compiles a signal pattern. Matching is byte-oriented with ASCII classes (`\w`, `\s`, `\d`):
/// source code is ASCII where it matters, and ASCII classes keep every pattern's automaton small
/// and literal prefilters effective, which is most of the scan's speed.
fn compile_regex(pattern: &str) -> Result<Regex> {
    regex::bytes::RegexBuilder::new(pattern)
        .unicode(false)
        .multi_line(true)
        .size_limit(1 << 22)
        .build()
        .map_err(|e| anyhow!("{e}"))
}

fn required<T>(v: Option<T>, field: &str, kind: &str) -> Result<T> {
    v.ok_or_else(|| anyhow!("a `{kind}` signal needs `{field}`"))
}

fn non_empty(v: Vec<String>, field: &str) -> Result<Vec<String>> {
    if v.is_empty() || v.iter().any(String::is_empty) {
        bail!("`{field}` must list at least one non-empty value");
    }
    Ok(v)
}

fn forbid(present: bool, field: &str, kind: &str) -> Result<()> {
    if present {
        bail!("`{field}` does not belong in a `{kind}` signal");
    }
    Ok(())
}

fn validate_signal(
    raw: RawSignal,
    caps: &BTreeMap<String, Capability>,
    eager: bool,
) -> Result<Signal> {
    let Some(cap) = caps.get(&raw.capability) else {
        bail!(
            "unknown capability `{}` (see detectors/capabilities.toml)",
            raw.capability
        );
    };
    let block_id = raw.block.as_deref().unwrap_or(&cap.block);
    let block = Block::from_id(block_id).ok_or_else(|| anyhow!("unknown block `{block_id}`"))?;
    let t = match raw.kind {
        SignalType::Path => "path",
        SignalType::Dependency => "dependency",
        SignalType::Import => "import",
        SignalType::Regex => "regex",
    };
    let matcher = match raw.kind {
        SignalType::Path => {
            forbid(raw.packages.is_some(), "packages", t)?;
            forbid(raw.modules.is_some(), "modules", t)?;
            forbid(raw.files.is_some(), "files", t)?;
            forbid(raw.pattern.is_some(), "pattern", t)?;
            forbid(raw.also.is_some(), "also", t)?;
            forbid(raw.ecosystem.is_some(), "ecosystem", t)?;
            let globs = non_empty(required(raw.globs, "globs", t)?, "globs")?;
            for g in &globs {
                check_glob(g, eager)?;
            }
            Matcher::Path { globs }
        }
        SignalType::Dependency => {
            forbid(raw.globs.is_some(), "globs", t)?;
            forbid(raw.modules.is_some(), "modules", t)?;
            forbid(raw.files.is_some(), "files", t)?;
            forbid(raw.pattern.is_some(), "pattern", t)?;
            forbid(raw.also.is_some(), "also", t)?;
            let packages = non_empty(required(raw.packages, "packages", t)?, "packages")?;
            Matcher::Dependency {
                packages,
                ecosystem: raw.ecosystem,
            }
        }
        SignalType::Import => {
            forbid(raw.globs.is_some(), "globs", t)?;
            forbid(raw.packages.is_some(), "packages", t)?;
            forbid(raw.files.is_some(), "files", t)?;
            forbid(raw.pattern.is_some(), "pattern", t)?;
            forbid(raw.also.is_some(), "also", t)?;
            forbid(raw.ecosystem.is_some(), "ecosystem", t)?;
            let modules = non_empty(required(raw.modules, "modules", t)?, "modules")?;
            for m in &modules {
                if !m.split('.').all(|part| {
                    !part.is_empty() && part.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
                }) {
                    bail!("module `{m}` is not a dotted Python module name");
                }
            }
            Matcher::Import { modules }
        }
        SignalType::Regex => {
            forbid(raw.globs.is_some(), "globs", t)?;
            forbid(raw.packages.is_some(), "packages", t)?;
            forbid(raw.modules.is_some(), "modules", t)?;
            forbid(raw.ecosystem.is_some(), "ecosystem", t)?;
            let files = non_empty(required(raw.files, "files", t)?, "files")?;
            for g in &files {
                check_glob(g, eager)?;
            }
            let pattern_text = required(raw.pattern, "pattern", t)?;
            let pattern = LazyRegex::new(&pattern_text, eager)
                .with_context(|| format!("`pattern` does not compile: {pattern_text}"))?;
            let also = raw
                .also
                .unwrap_or_default()
                .iter()
                .map(|p| {
                    LazyRegex::new(p, eager)
                        .with_context(|| format!("`also` does not compile: {p}"))
                })
                .collect::<Result<Vec<_>>>()?;
            Matcher::Regex {
                files,
                pattern,
                also,
            }
        }
    };
    Ok(Signal {
        matcher,
        capability: raw.capability,
        block,
        confidence: raw.confidence,
    })
}

/// Parses and validates one detector file. `file_name` is used in messages and must have the
/// detector id as its stem; `source` says where it came from (`built-in` or a path).
pub fn parse_detector(
    file_name: &str,
    text: &str,
    source: &str,
    caps: &BTreeMap<String, Capability>,
) -> Result<Detector> {
    let raw: RawDetector = toml::from_str(text).map_err(|e| anyhow!("{e}"))?;
    from_raw(file_name, raw, source, caps)
}

/// A built-in detector from the JSON form `build.rs` made of its TOML file; `None` if that
/// does not read (the TOML text then gives the error).
pub(crate) fn parse_builtin_json(
    file_name: &str,
    json: &str,
    caps: &BTreeMap<String, Capability>,
) -> Option<Result<Detector>> {
    let raw: RawDetector = serde_json::from_str(json).ok()?;
    Some(from_raw(file_name, raw, "built-in", caps))
}

/// Checks a deserialised detector file and compiles its signals.
fn from_raw(
    file_name: &str,
    raw: RawDetector,
    source: &str,
    caps: &BTreeMap<String, Capability>,
) -> Result<Detector> {
    let stem = std::path::Path::new(file_name)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    if !is_kebab_id(&raw.id) {
        bail!("`id` = {:?} must be kebab-case (a-z, 0-9, -)", raw.id);
    }
    if raw.id != stem {
        bail!(
            "`id` = {:?} must equal the file name stem {:?}",
            raw.id,
            stem
        );
    }
    for (field, value) in [
        ("name", &raw.name),
        ("homepage", &raw.homepage),
        ("description", &raw.description),
    ] {
        if value.trim().is_empty() {
            bail!("`{field}` must not be empty");
        }
    }
    if raw.signals.is_empty() {
        bail!("a detector needs at least one [[signals]] entry");
    }
    let signals = raw
        .signals
        .into_iter()
        .enumerate()
        .map(|(i, s)| {
            validate_signal(s, caps, source != "built-in")
                .with_context(|| format!("signal {}", i + 1))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Detector {
        id: raw.id,
        name: raw.name,
        homepage: raw.homepage,
        kind: raw.kind,
        description: raw.description.trim().to_string(),
        aliases: raw.aliases,
        signals,
        source: source.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caps() -> BTreeMap<String, Capability> {
        parse_capabilities(crate::detect::CAPABILITIES).unwrap()
    }

    const GOOD: &str = r#"
id = "demo"
name = "Demo"
homepage = "https://example.org"
kind = "open-source"
description = "A demo."
[[signals]]
type = "regex"
files = ["**/*.py"]
pattern = 'demo\.run\('
capability = "experiment_tracking"
confidence = "high"
"#;

    #[test]
    fn built_in_json_reads_as_its_toml() {
        let json = crate::detect::EMBEDDED_DETECTORS_JSON;
        assert_eq!(json.len(), crate::detect::EMBEDDED_DETECTORS.len());
        for ((name, text), json) in crate::detect::EMBEDDED_DETECTORS.iter().zip(json) {
            let from_toml = parse_detector(name, text, "built-in", &caps()).unwrap();
            let from_json = parse_builtin_json(name, json, &caps())
                .expect("build.rs wrote JSON for every built-in detector")
                .unwrap();
            assert_eq!(format!("{from_json:?}"), format!("{from_toml:?}"), "{name}");
        }
    }

    #[test]
    fn every_built_in_pattern_has_its_gate_found_at_build_time() {
        let mut checked = 0;
        for (name, text) in crate::detect::EMBEDDED_DETECTORS {
            let d = parse_detector(name, text, "built-in", &caps()).unwrap();
            for s in &d.signals {
                let Matcher::Regex { pattern, also, .. } = &s.matcher else {
                    continue;
                };
                for p in std::iter::once(pattern).chain(also) {
                    let hir = regex_syntax::ParserBuilder::new()
                        .unicode(false)
                        .utf8(false)
                        .multi_line(true)
                        .build()
                        .parse(p.as_str())
                        .unwrap();
                    let known = precomputed_gate(p.as_str());
                    assert_eq!(
                        known,
                        Some((
                            crate::detect::gate::groups_of(&hir),
                            crate::detect::gate::import_modules(p.as_str())
                        )),
                        "{name}: {}",
                        p.as_str()
                    );
                    checked += 1;
                }
            }
        }
        assert!(checked > 500, "only {checked} patterns");
    }

    #[test]
    fn recognises_import_only_patterns() {
        let mods = |p: &str| crate::detect::gate::import_modules(p);
        assert_eq!(
            mods(r"^[ \t]*(?:from|import)\s+bentoml\b"),
            Some(vec!["bentoml".to_string()])
        );
        assert_eq!(
            mods(r"^\s*(?:import|from)\s+(?:lightning|pytorch_lightning)\b"),
            Some(vec!["lightning".to_string(), "pytorch_lightning".into()])
        );
        assert_eq!(
            mods(r"^(?:from|import)\s+azure\.ai\.ml\b"),
            Some(vec!["azure.ai.ml".to_string()])
        );
        assert_eq!(
            mods(r"^[ \t]*(import|from)\s+(hopsworks|hsml)\b"),
            Some(vec!["hopsworks".to_string(), "hsml".into()])
        );
        // Anything more than an import statement is not a module list.
        assert_eq!(
            mods(r"^\s*(?:import|from)\s+mlflow\b|MLFLOW_TRACKING_URI"),
            None
        );
        assert_eq!(
            mods(r"^\s*from\s+sagemaker\s+import\s[^\n]*\bTransformer\b"),
            None
        );
        assert_eq!(mods(r"^[ \t]*(?:from|import)\s+azure(?:ml)?\b"), None);
        assert_eq!(mods(r"^[ \t]*(?:from|import)\s+ts\."), None);
    }

    #[test]
    fn parses_a_valid_detector() {
        let d = parse_detector("demo.toml", GOOD, "test", &caps()).unwrap();
        assert_eq!(d.signals.len(), 1);
        assert_eq!(d.signals[0].block, Block::ExperimentManagement);
    }

    #[test]
    fn rejects_id_that_differs_from_file_stem() {
        let err = parse_detector("other.toml", GOOD, "test", &caps()).unwrap_err();
        assert!(format!("{err:#}").contains("file name stem"), "{err:#}");
    }

    #[test]
    fn rejects_unknown_fields_and_capabilities() {
        let bad = GOOD.replace("confidence = \"high\"", "confidence = \"high\"\ncolour = 1");
        let err = parse_detector("demo.toml", &bad, "test", &caps()).unwrap_err();
        assert!(format!("{err:#}").contains("colour"), "{err:#}");
        let bad = GOOD.replace("experiment_tracking", "time_travel");
        let err = parse_detector("demo.toml", &bad, "test", &caps()).unwrap_err();
        assert!(format!("{err:#}").contains("time_travel"), "{err:#}");
    }

    #[test]
    fn rejects_bad_regex_and_misplaced_fields() {
        let bad = GOOD.replace(r"demo\.run\(", "demo(");
        let err = parse_detector("demo.toml", &bad, "test", &caps()).unwrap_err();
        assert!(format!("{err:#}").contains("does not compile"), "{err:#}");
        let bad = GOOD.replace("type = \"regex\"", "type = \"path\"");
        let err = parse_detector("demo.toml", &bad, "test", &caps()).unwrap_err();
        assert!(format!("{err:#}").contains("does not belong"), "{err:#}");
    }
}
