//! The real binary on fixtures and odd inputs: exit codes, stdout, stderr.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

fn bin() -> Command {
    Command::cargo_bin("mlops-canvas").unwrap()
}

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/churn-model")
}

fn stdout_of(args: &[&str]) -> String {
    let out = bin().args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn scan_prints_all_eleven_blocks_for_the_example() {
    let ex = example();
    let out = stdout_of(&["scan", "--no-git", ex.to_str().unwrap()]);
    for title in [
        "Value proposition",
        "Data sources & data versioning",
        "Data analysis & experiment management",
        "Feature store & workflows",
        "Foundations (DevOps)",
        "CI / CT / CD: ML pipeline orchestration",
        "Model registry & versioning",
        "Model deployment",
        "Prediction serving",
        "Model, data & system monitoring",
        "Metadata store",
    ] {
        assert!(out.contains(title), "missing block {title}:\n{out}");
    }
    assert!(out.contains("MLflow"));
    assert!(out.contains("dvc.yaml"));
}

#[test]
fn json_has_the_contract_fields_and_is_deterministic() {
    let ex = example();
    let a = stdout_of(&["scan", "--no-git", "--format", "json", ex.to_str().unwrap()]);
    let b = stdout_of(&["scan", "--no-git", "--format", "json", ex.to_str().unwrap()]);
    assert_eq!(a, b, "two scans of the same tree differ");
    let v: serde_json::Value = serde_json::from_str(&a).unwrap();
    assert_eq!(v["schema_version"], 1);
    assert!(v["tool_version"].is_string());
    assert!(v["repo"]["path"].is_string());
    assert!(v["repo"].get("head").is_some());
    assert!(v["repo"].get("default_branch").is_some());
    let blocks = v["blocks"].as_object().unwrap();
    assert_eq!(blocks.len(), 11);
    let f = &v["blocks"]["model_registry"]["findings"][0];
    for key in ["tool", "capability", "confidence", "evidence"] {
        assert!(f.get(key).is_some(), "finding lacks {key}: {f}");
    }
    let e = &f["evidence"][0];
    for key in ["path", "line", "snippet"] {
        assert!(e.get(key).is_some(), "evidence lacks {key}: {e}");
    }
    let tool = &v["tools"][0];
    for key in ["id", "name", "kind", "blocks", "capabilities"] {
        assert!(tool.get(key).is_some(), "tool lacks {key}: {tool}");
    }
    assert!(v["warnings"].is_array());
}

#[test]
fn output_file_receives_the_report() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("stack.json");
    let ex = example();
    bin()
        .args(["scan", "--no-git", "-f", "json", "-o"])
        .arg(&file)
        .arg(&ex)
        .assert()
        .success()
        .stdout("");
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert_eq!(v["schema_version"], 1);
}

#[test]
fn missing_path_is_a_fatal_error_with_exit_2() {
    let out = bin().args(["scan", "/no/such/repo"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("/no/such/repo"), "{err}");
}

#[test]
fn bad_usage_exits_2() {
    let out = bin().args(["scan", "--format", "pdf"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn detectors_list_and_explain() {
    let list = stdout_of(&["detectors", "list"]);
    assert!(list.contains("mlflow") && list.contains("experiment_tracking"));
    let json = stdout_of(&["detectors", "list", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert!(v.as_array().unwrap().len() >= 90);
    let explain = stdout_of(&["detectors", "explain", "dvc"]);
    assert!(explain.contains("Signals:"), "{explain}");
    let out = bin()
        .args(["detectors", "explain", "no-such-tool"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

const USER_DETECTOR: &str = r#"
id = "acme-platform"
name = "ACME ML platform client"
homepage = "https://example.org/acme"
kind = "saas"
description = "Our in-house platform client."
[[signals]]
type = "import"
modules = ["acme_ml"]
capability = "experiment_tracking"
confidence = "high"
"#;

#[test]
fn user_detectors_add_to_the_catalogue_and_fire() {
    let dir = tempfile::tempdir().unwrap();
    let det = dir.path().join("detectors");
    std::fs::create_dir(&det).unwrap();
    std::fs::write(det.join("acme-platform.toml"), USER_DETECTOR).unwrap();
    let repo = dir.path().join("repo");
    std::fs::create_dir(&repo).unwrap();
    std::fs::write(repo.join("train.py"), "from acme_ml import track\n").unwrap();
    let out = bin()
        .args(["scan", "--no-git", "-f", "json", "--detectors"])
        .arg(&det)
        .arg(&repo)
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["tools"][0]["id"], "acme-platform");
    assert_eq!(v["tools"][0]["kind"], "saas");
}

#[test]
fn detectors_check_names_the_file_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("acme-platform.toml");
    std::fs::write(&good, USER_DETECTOR).unwrap();
    bin()
        .args(["detectors", "check"])
        .arg(&good)
        .assert()
        .success();
    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        USER_DETECTOR
            .replace("acme-platform", "bad")
            .replace("experiment_tracking", "teleportation"),
    )
    .unwrap();
    let out = bin()
        .args(["detectors", "check"])
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("bad.toml") && text.contains("teleportation"),
        "{text}"
    );
    // An invalid user detector is fatal for a scan.
    let out = bin()
        .args(["scan", "--no-git", "--detectors"])
        .arg(dir.path())
        .arg(example())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn help_lists_subcommands_and_exit_codes() {
    let help = stdout_of(&["--help"]);
    insta::assert_snapshot!("help", help);
    let scan_help = stdout_of(&["scan", "--help"]);
    insta::assert_snapshot!("scan_help", scan_help);
}

#[cfg(unix)]
#[test]
fn bad_inputs_become_warnings_and_the_scan_goes_on() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().unwrap();
    let r = dir.path();
    std::fs::write(r.join("requirements.txt"), "mlflow==2.0\n").unwrap();
    std::fs::write(r.join("pyproject.toml"), "[project\nname=").unwrap();
    std::fs::write(r.join("package.json"), "{\"dependencies\": ").unwrap();
    std::fs::write(r.join("environment.yml"), "dependencies: [a, b").unwrap();
    std::fs::write(r.join("nb.ipynb"), "{\"cells\": [").unwrap();
    std::fs::write(r.join("binary.py"), b"import torch\0\x01\x02").unwrap();
    std::fs::write(r.join("latin1.py"), b"# caf\xe9\nimport wandb\n").unwrap();
    std::fs::write(r.join("big.py"), "import optuna\n".repeat(1000)).unwrap();
    std::os::unix::fs::symlink(r.join("nowhere"), r.join("dangling.py")).unwrap();
    std::fs::create_dir(r.join("loop")).unwrap();
    std::os::unix::fs::symlink(r, r.join("loop/back")).unwrap();
    let odd = std::ffi::OsStr::from_bytes(b"odd-\xff.py");
    std::fs::write(r.join(odd), "import xgboost\n").unwrap();
    let out = bin()
        .args(["scan", "--no-git", "-f", "json", "--max-file-size", "4096"])
        .arg(r)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let warnings: Vec<String> = v["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| {
            format!(
                "{} {}",
                w["path"].as_str().unwrap(),
                w["kind"].as_str().unwrap()
            )
        })
        .collect();
    for expected in [
        "pyproject.toml malformed",
        "package.json malformed",
        "environment.yml malformed",
        "nb.ipynb malformed",
        "binary.py binary",
        "latin1.py invalid_utf8",
        "big.py too_large",
        "dangling.py broken_symlink",
    ] {
        assert!(
            warnings.iter().any(|w| w == expected),
            "no `{expected}` in {warnings:?}"
        );
    }
    assert!(
        warnings.iter().any(|w| w.ends_with("non_utf8_path")),
        "{warnings:?}"
    );
    let tools: Vec<&str> = v["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    assert!(tools.contains(&"mlflow"), "{tools:?}");
    assert!(tools.contains(&"wandb"), "{tools:?}");
    assert!(tools.contains(&"xgboost"), "{tools:?}");
}

#[test]
fn snippets_never_leak_credentials() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("train.py"),
        "import mlflow\nmlflow.set_tracking_uri(\"https://bob:hunter2@mlflow.acme.io\")\nuri = \"models:/churn/1\"  # token=abc\n",
    )
    .unwrap();
    let out = stdout_of(&[
        "scan",
        "--no-git",
        "-f",
        "json",
        dir.path().to_str().unwrap(),
    ]);
    assert!(!out.contains("hunter2"), "{out}");
}
