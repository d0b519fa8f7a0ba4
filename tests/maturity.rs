//! Maturity verdict, gap table, CI gates, waivers, diff, SARIF and the multi-repository
//! inventory, through the real binary.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

fn bin() -> Command {
    Command::cargo_bin("mlops-canvas").unwrap()
}

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/churn-model")
}

/// Runs the binary; returns (exit code, stdout, stderr).
fn run(args: &[&str]) -> (i32, String, String) {
    let out = bin().args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A sparse repository: a README and a training script, nothing else.
fn sparse() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("README.md"),
        "# Price model\n\nPredicts the resale price of used bikes for our shop's buyers.\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("train.py"),
        "import pandas as pd\nfrom sklearn.linear_model import Ridge\n\nRidge().fit([[0]], [0])\n",
    )
    .unwrap();
    dir
}

#[test]
fn json_has_the_maturity_contract() {
    let ex = example();
    let (code, out, err) = run(&["scan", "--no-git", "-f", "json", ex.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let m = &v["maturity"];
    assert_eq!(m["profile"], "ml-ops.org");
    for key in [
        "inferred_level",
        "target_level",
        "verdict",
        "levels",
        "next_steps",
    ] {
        assert!(m.get(key).is_some(), "maturity lacks {key}");
    }
    assert_eq!(m["blocks"].as_object().unwrap().len(), 11);
    for key in ["level", "status"] {
        assert!(m["blocks"]["foundations"].get(key).is_some());
    }
    let gap = &m["gaps"][0];
    for key in [
        "block",
        "capability",
        "level",
        "status",
        "found",
        "next_step",
    ] {
        assert!(gap.get(key).is_some(), "gap lacks {key}: {gap}");
    }
}

#[test]
fn gap_table_of_the_built_in_example() {
    let (code, out, err) = run(&["demo"]);
    assert_eq!(code, 0, "{err}");
    let section = &out[out.find("Maturity:").expect("a maturity section")..];
    insta::assert_snapshot!("example_gaps", section);
}

#[test]
fn sarif_of_the_built_in_example() {
    let (code, out, err) = run(&["demo", "--format", "sarif"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["version"], "2.1.0");
    let results = v["runs"][0]["results"].as_array().unwrap();
    assert!(!results.is_empty());
    for r in results {
        assert!(["error", "warning", "note"].contains(&r["level"].as_str().unwrap()));
        assert!(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].is_string());
    }
    insta::assert_snapshot!("example_sarif", out);
}

#[test]
fn gaps_target_the_next_level_and_fail_on_missing() {
    let dir = sparse();
    let p = dir.path().to_str().unwrap();
    let (code, out, err) = run(&["gaps", "--no-git", p]);
    assert_eq!(code, 0, "no gate asked: {err}");
    assert!(
        out.contains("inferred level: none · target: tactical"),
        "{out}"
    );
    assert!(out.contains("version_control"), "{out}");
    let (code, _, _) = run(&["gaps", "--no-git", "--fail-on", "missing", p]);
    assert_eq!(code, 1, "version control is missing");
    let ex = example();
    let ex = ex.to_str().unwrap();
    let (code, out, err) = run(&["gaps", "--level", "strategic", "--fail-on", "missing", ex]);
    assert_eq!(code, 0, "{out}{err}");
    let (code, _, _) = run(&[
        "gaps",
        "--level",
        "transformational",
        "--fail-on",
        "partial",
        ex,
    ]);
    assert_eq!(code, 1, "feature store and IaC are partial");
    let (code, _, _) = run(&[
        "scan",
        "--level",
        "transformational",
        "--fail-on",
        "missing",
        ex,
    ]);
    assert_eq!(code, 0, "nothing required is missing outright");
}

#[test]
fn unknown_levels_and_profiles_are_usage_errors() {
    let ex = example();
    let ex = ex.to_str().unwrap();
    let (code, _, err) = run(&["gaps", "--level", "expert", ex]);
    assert_eq!(code, 2);
    assert!(
        err.contains("tactical, strategic, transformational"),
        "{err}"
    );
    let (code, _, err) = run(&["gaps", "--profile", "nope", ex]);
    assert_eq!(code, 2);
    assert!(err.contains("google") && err.contains("microsoft"), "{err}");
    let (code, out, err) = run(&["gaps", "--profile", "microsoft", "--level", "4", ex]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("Microsoft MLOps maturity model"), "{out}");
    let (code, out, _) = run(&["gaps", "--profile", "google", "-f", "json", ex]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["maturity"]["levels"], serde_json::json!(["0", "1", "2"]));
}

#[test]
fn waivers_show_as_waived_and_expired_ones_warn() {
    let ex = example();
    let ex = ex.to_str().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("canvas.toml");
    std::fs::write(
        &cfg,
        "level = \"transformational\"\n\n[[waiver]]\ncapability = \"feature_store\"\nreason = \"one model; features are computed per request\"\nexpires = \"2999-01-01\"\n\n[[waiver]]\ncapability = \"infrastructure_as_code\"\nreason = \"the platform team owns the cluster\"\n",
    )
    .unwrap();
    let c = cfg.to_str().unwrap();
    let (code, out, err) = run(&[
        "gaps",
        "--no-git",
        "--config",
        c,
        "--fail-on",
        "partial",
        ex,
    ]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("waived"), "{out}");
    assert!(out.contains("features are computed per request"), "{out}");

    std::fs::write(
        &cfg,
        "[[waiver]]\ncapability = \"feature_store\"\nreason = \"r\"\nexpires = \"2001-01-01\"\n",
    )
    .unwrap();
    let (_, out, _) = run(&["scan", "--no-git", "--config", c, "-f", "json", ex]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let warned = v["warnings"].as_array().unwrap().iter().any(|w| {
        w["message"]
            .as_str()
            .unwrap()
            .contains("expired on 2001-01-01")
    });
    assert!(warned, "{}", v["warnings"]);

    std::fs::write(
        &cfg,
        "[[waiver]]\ncapability = \"featurestore\"\nreason = \"r\"\n",
    )
    .unwrap();
    let (code, _, err) = run(&["gaps", "--no-git", "--config", c, ex]);
    assert_eq!(code, 2);
    assert!(
        err.contains("canvas.toml:2") && err.contains("featurestore"),
        "{err}"
    );
}

fn copy_dir(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

#[test]
fn diff_reports_lost_capabilities_and_gates_on_regression() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    std::fs::create_dir_all(&repo).unwrap();
    copy_dir(&example(), &repo);
    let r = repo.to_str().unwrap();
    let old = dir.path().join("old.json");
    let new = dir.path().join("new.json");
    let scan_to = |report: &Path| {
        let (code, _, err) = run(&[
            "scan",
            "--no-git",
            "-f",
            "json",
            "-o",
            report.to_str().unwrap(),
            r,
        ]);
        assert_eq!(code, 0, "{err}");
    };
    scan_to(&old);
    std::fs::remove_dir_all(repo.join("monitoring")).unwrap();
    scan_to(&new);
    let (o, n) = (old.to_str().unwrap(), new.to_str().unwrap());

    let (code, out, _) = run(&["diff", o, n]);
    assert_eq!(code, 0, "no gate asked");
    // The Prometheus alert rules lived in monitoring/; Evidently is still a dependency.
    assert!(out.contains("capabilities lost:   alerting"), "{out}");
    assert!(
        out.contains("monitoring level dropped: transformational → strategic"),
        "{out}"
    );
    assert!(
        out.contains("gap monitoring / alerting: met → needs_answer"),
        "{out}"
    );
    let (code, _, _) = run(&["diff", "--fail-on", "regression", o, n]);
    assert_eq!(code, 1);
    let (code, out, _) = run(&["diff", "--fail-on", "regression", n, o]);
    assert_eq!(code, 0, "gaining is not a regression: {out}");
    assert!(out.contains("capabilities gained: alerting"), "{out}");
    let (code, out, _) = run(&["diff", "-f", "json", o, o]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v[0]["regressions"], serde_json::json!([]));
    let (code, _, err) = run(&["diff", o, dir.path().join("none.json").to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains("none.json"), "{err}");
}

#[test]
fn several_paths_make_an_inventory() {
    let ex = example();
    let ex = ex.to_str().unwrap();
    let dir = sparse();
    let sp = dir.path().to_str().unwrap();
    let (code, out, err) = run(&["scan", "--no-git", ex, sp]);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("Inventory of 2 repositories"), "{out}");
    assert!(
        out.contains("experiment_management [tactical]: scikit-learn"),
        "{out}"
    );
    let (code, out, _) = run(&["scan", "--no-git", "-f", "json", ex, sp]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 2);
    assert_eq!(v[1]["repo"]["path"], sp);
    assert!(v[0]["maturity"].is_object());

    let list = dir.path().join("repos.txt");
    std::fs::write(
        &list,
        format!("# fleet\n{ex}\n\n{sp}  # the sparse one\n/no/such/repo\n"),
    )
    .unwrap();
    let (code, out, _) = run(&["scan", "--no-git", "--repos-file", list.to_str().unwrap()]);
    assert_eq!(code, 2, "one repository could not be scanned");
    assert!(
        out.contains("Inventory of 3 repositories") && out.contains("/no/such/repo"),
        "{out}"
    );
    let (code, _, _) = run(&["scan", "--no-git", "--fail-on", "missing", ex, sp]);
    assert_eq!(
        code, 1,
        "the sparse repository misses required capabilities"
    );
}

#[test]
fn every_profile_capability_is_produced_by_a_detector_or_parser() {
    let catalog = mlops_canvas::detect::Catalog::load(&[]).unwrap();
    let mut produced: Vec<String> = catalog
        .detectors
        .iter()
        .flat_map(|d| d.signals.iter().map(|s| s.capability.clone()))
        .collect();
    // Parsers and git history credit capabilities in code.
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut sources = vec![root.join("commands/mod.rs")];
    for e in std::fs::read_dir(root.join("detect/parse")).unwrap() {
        sources.push(e.unwrap().path());
    }
    for s in sources {
        let text = std::fs::read_to_string(s).unwrap();
        for part in text.split('"').skip(1).step_by(2) {
            produced.push(part.to_string());
        }
    }
    for name in mlops_canvas::maturity::profile::builtin_names() {
        let p = mlops_canvas::maturity::profile::load(name, &catalog.capabilities).unwrap();
        for r in &p.rules {
            for c in r.capabilities.iter().chain(&r.partial) {
                assert!(
                    produced.contains(c),
                    "profile {name}: nothing produces `{c}`"
                );
            }
        }
    }
}
