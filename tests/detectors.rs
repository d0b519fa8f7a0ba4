//! Detector fixtures and registry meta-tests.
//!
//! Every directory under `fixtures/` is a tiny repository with an `EXPECT.toml` saying which
//! detectors must fire there and which must stay silent. Each fixture's findings are also
//! snapshotted (`tests/snapshots/detectors__<fixture>.snap`), so any change in what a detector
//! finds shows up in review.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use mlops_canvas::canvas::Block;
use mlops_canvas::cli::CommonArgs;
use mlops_canvas::detect::Catalog;
use mlops_canvas::report::Report;
use serde::Deserialize;

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct Expect {
    #[serde(default)]
    fires: Vec<String>,
    #[serde(default)]
    capabilities: Vec<String>,
    #[serde(default)]
    silent: Vec<String>,
    /// tool:capability pairs that must not be found (near misses of parsers).
    #[serde(default)]
    not_capabilities: Vec<String>,
    /// block:key facts that parsers must extract here.
    #[serde(default)]
    facts: Vec<String>,
    /// block:key facts that must not appear (near misses of parsers).
    #[serde(default)]
    no_facts: Vec<String>,
    /// Paths that must carry a warning (malformed inputs).
    #[serde(default)]
    warnings: Vec<String>,
}

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

fn fixture_names() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(fixtures_dir())
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.path().join("EXPECT.toml").is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn scan(path: &Path, catalog: &Catalog) -> Report {
    let args = CommonArgs {
        no_git: true,
        ..CommonArgs::default()
    };
    mlops_canvas::scan_repo(path, catalog, &args).unwrap()
}

/// A compact, reviewable rendering of a fixture's findings and warnings.
fn summary(report: &Report) -> String {
    let mut s = String::new();
    for b in &report.blocks.0 {
        for f in &b.findings {
            let ev: Vec<String> = f
                .evidence
                .iter()
                .map(|e| match e.line {
                    Some(l) => format!("{}:{l}", e.path),
                    None => e.path.clone(),
                })
                .collect();
            writeln!(
                s,
                "{} | {} | {} | {} | {}",
                b.block.id(),
                f.tool,
                f.capability,
                f.confidence,
                ev.join(", ")
            )
            .unwrap();
        }
    }
    for b in &report.blocks.0 {
        for (key, value) in &b.facts {
            if key == "dora" || key == "practice" {
                continue;
            }
            for item in value.as_array().into_iter().flatten() {
                writeln!(s, "fact | {} | {key} | {item}", b.block.id()).unwrap();
            }
        }
    }
    for w in &report.warnings {
        writeln!(s, "warning | {} | {}", w.path, w.message).unwrap();
    }
    s
}

#[test]
fn every_fixture_meets_its_expectations_and_snapshot() {
    let catalog = Catalog::load(&[]).unwrap();
    let mut failures = Vec::new();
    for name in fixture_names() {
        let dir = fixtures_dir().join(&name);
        let expect: Expect =
            toml::from_str(&std::fs::read_to_string(dir.join("EXPECT.toml")).unwrap())
                .unwrap_or_else(|e| panic!("fixtures/{name}/EXPECT.toml: {e}"));
        let report = scan(&dir, &catalog);
        let fired: BTreeSet<&str> = report.tools.iter().map(|t| t.id.as_str()).collect();
        let pairs: BTreeSet<String> = report
            .blocks
            .0
            .iter()
            .flat_map(|b| {
                b.findings
                    .iter()
                    .map(|f| format!("{}:{}", f.tool, f.capability))
            })
            .collect();
        for id in &expect.fires {
            if catalog.get(id).is_none() {
                failures.push(format!("{name}: EXPECT names unknown detector `{id}`"));
            } else if !fired.contains(id.as_str()) {
                failures.push(format!("{name}: `{id}` should fire but did not"));
            }
        }
        for pair in &expect.capabilities {
            if !pairs.contains(pair) {
                failures.push(format!("{name}: `{pair}` should be found but was not"));
            }
        }
        for pair in &expect.not_capabilities {
            if pairs.contains(pair) {
                failures.push(format!("{name}: `{pair}` must not be found but was"));
            }
        }
        let facts: BTreeSet<String> = report
            .blocks
            .0
            .iter()
            .flat_map(|b| b.facts.keys().map(|k| format!("{}:{k}", b.block.id())))
            .collect();
        for f in &expect.facts {
            if !facts.contains(f) {
                failures.push(format!(
                    "{name}: fact `{f}` should be extracted but was not"
                ));
            }
        }
        for f in &expect.no_facts {
            if facts.contains(f) {
                failures.push(format!("{name}: fact `{f}` must not be extracted but was"));
            }
        }
        for path in &expect.warnings {
            if !report.warnings.iter().any(|w| &w.path == path) {
                failures.push(format!("{name}: `{path}` should carry a warning"));
            }
        }
        for id in &expect.silent {
            if fired.contains(id.as_str()) {
                failures.push(format!("{name}: `{id}` must stay silent but fired"));
            }
        }
        insta::with_settings!({ snapshot_suffix => name.clone(), prepend_module_to_snapshot => false, omit_expression => true }, {
            insta::assert_snapshot!("fixture", summary(&report));
        });
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn every_fixture_snapshot_has_its_fixture() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots");
    let names: BTreeSet<String> = fixture_names().into_iter().collect();
    for e in std::fs::read_dir(dir).unwrap().filter_map(Result::ok) {
        let file = e.file_name().to_string_lossy().into_owned();
        if let Some(name) = file
            .strip_prefix("fixture@")
            .and_then(|f| f.strip_suffix(".snap"))
        {
            assert!(
                names.contains(name),
                "snapshot {file} has no fixtures/{name}/"
            );
        }
    }
}

#[test]
fn catalog_loads_with_unique_ids_and_enough_detectors() {
    let catalog = Catalog::load(&[]).unwrap();
    assert!(
        catalog.detectors.len() >= 90,
        "only {} detectors",
        catalog.detectors.len()
    );
    let ids: BTreeSet<&str> = catalog.detectors.iter().map(|d| d.id.as_str()).collect();
    assert_eq!(ids.len(), catalog.detectors.len());
}

#[test]
fn every_block_is_covered_by_several_detectors() {
    let catalog = Catalog::load(&[]).unwrap();
    for block in Block::ALL {
        let n = catalog
            .detectors
            .iter()
            .filter(|d| d.signals.iter().any(|s| s.block == block))
            .count();
        assert!(n >= 3, "block {} has only {n} detectors", block.id());
    }
}

#[test]
fn every_detector_has_a_firing_fixture() {
    let catalog = Catalog::load(&[]).unwrap();
    let mut missing = Vec::new();
    for d in &catalog.detectors {
        let expect = fixtures_dir().join(&d.id).join("EXPECT.toml");
        let ok = std::fs::read_to_string(&expect)
            .ok()
            .and_then(|t| toml::from_str::<Expect>(&t).ok())
            .is_some_and(|e| e.fires.contains(&d.id));
        if !ok {
            missing.push(d.id.clone());
        }
    }
    assert!(missing.is_empty(), "no fixtures/<id>/ firing: {missing:?}");
}

#[test]
fn every_absent_fixture_names_a_detector_it_silences() {
    let catalog = Catalog::load(&[]).unwrap();
    for name in fixture_names() {
        if let Some(id) = name.strip_suffix("-absent") {
            assert!(
                catalog.get(id).is_some(),
                "fixtures/{name}: no detector `{id}`"
            );
            let t =
                std::fs::read_to_string(fixtures_dir().join(&name).join("EXPECT.toml")).unwrap();
            let e: Expect = toml::from_str(&t).unwrap();
            assert!(
                e.silent.iter().any(|s| s == id),
                "fixtures/{name} must list `{id}` as silent"
            );
        }
    }
}

#[test]
fn every_capability_is_proved_by_some_detector_or_left_to_history() {
    // trunk_based_development and version_control come from git history, not files.
    let from_history = ["trunk_based_development", "version_control"];
    let catalog = Catalog::load(&[]).unwrap();
    let used: BTreeSet<&str> = catalog
        .detectors
        .iter()
        .flat_map(|d| d.signals.iter().map(|s| s.capability.as_str()))
        .collect();
    let unused: Vec<&String> = catalog
        .capabilities
        .keys()
        .filter(|c| !used.contains(c.as_str()) && !from_history.contains(&c.as_str()))
        .collect();
    assert!(
        unused.is_empty(),
        "capabilities no detector proves: {unused:?}"
    );
}
