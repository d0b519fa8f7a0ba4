//! `canvas` end to end: the Markdown and YAML of the built-in example (snapshots), the HTML
//! page's self-containment, and the answers-file round trip a team lives with: fill answers,
//! rescan, answers kept; remove a file, answer marked stale; contradict the scan, flagged;
//! break the file, a clear error and nothing overwritten.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use mlops_canvas::git::fixture;
use serde_json::Value;

fn bin() -> Command {
    Command::cargo_bin("mlops-canvas").unwrap()
}

/// The built-in example (as `demo` builds it: files and a year of history) in `dir/churn-model`.
fn example_in(dir: &Path) -> PathBuf {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/churn-model");
    let root = dir.join("churn-model");
    copy_dir(&src, &root);
    std::fs::remove_file(root.join("EXPECT.toml")).unwrap();
    let history = std::fs::read_to_string(root.join("history.toml")).unwrap();
    std::fs::remove_file(root.join("history.toml")).unwrap();
    fixture::build(&history, &root).unwrap();
    root
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dest = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &dest);
        } else {
            std::fs::copy(e.path(), dest).unwrap();
        }
    }
}

/// Runs the binary in `cwd`; asserts success; returns stdout.
fn run_in(cwd: &Path, args: &[&str]) -> String {
    let out = bin().current_dir(cwd).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Replaces entry `id`'s empty `answer:` line with the lines of `with`, each indented like it.
fn answer(text: &str, id: &str, with: &str) -> String {
    let mut out = String::new();
    let mut inside = false;
    let mut done = false;
    for line in text.split_inclusive('\n') {
        if let Some(rest) = line.trim_start().strip_prefix("- id: ") {
            inside = rest.trim() == id;
        }
        if inside && !done && line.trim() == "answer:" {
            let pad = &line[..line.len() - line.trim_start().len()];
            for l in with.lines() {
                out.push_str(pad);
                out.push_str(l);
                out.push('\n');
            }
            done = true;
            continue;
        }
        out.push_str(line);
    }
    assert!(done, "no empty answer for {id}");
    out
}

/// The JSON report's answer to question `id`.
fn json_answer(report: &Value, id: &str) -> Value {
    report["blocks"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|b| b["answers"].as_array().unwrap().iter())
        .find(|a| a["id"] == id)
        .cloned()
        .unwrap_or(Value::Null)
}

#[test]
fn example_canvas_markdown() {
    let dir = tempfile::tempdir().unwrap();
    example_in(dir.path());
    let md = run_in(dir.path(), &["canvas", "churn-model"]);
    insta::assert_snapshot!("example_markdown", md);
}

#[test]
fn example_answers_file_yaml() {
    let dir = tempfile::tempdir().unwrap();
    let root = example_in(dir.path());
    let yaml = run_in(
        dir.path(),
        &["canvas", "-f", "yaml", "-o", "-", "churn-model"],
    );
    assert!(
        !root.join("mlops-canvas.yaml").exists(),
        "-o - must not write the file"
    );
    insta::assert_snapshot!("example_yaml", yaml);
}

#[test]
fn html_page_is_self_contained_and_escapes_the_repository() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(
        root.join("README.md"),
        "# <script>alert(1)</script> model\n\nPredicts churn <img src=x onerror=alert(2)> for the \"retention\" team & friends.\n",
    )
    .unwrap();
    std::fs::write(root.join("train.py"), "import mlflow\nimport torch\n").unwrap();
    let html = run_in(root, &["canvas", "--no-git", "-f", "html", "."]);
    assert!(html.starts_with("<!DOCTYPE html>"));
    for bad in ["@import", "url(", "http://", "https://"] {
        assert!(!html.contains(bad), "page holds `{bad}`");
    }
    // Only the page's own tags: nothing from the repository became markup.
    let allowed = [
        "!DOCTYPE", "html", "head", "meta", "title", "style", "body", "header", "h1", "h2", "h3",
        "span", "ul", "li", "main", "section", "div", "article", "p", "strong", "details",
        "summary", "table", "tr", "td", "th", "a", "code", "br",
    ];
    for tag in html.split('<').skip(1) {
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '!')
            .collect();
        assert!(allowed.contains(&name.as_str()), "unexpected tag <{name}");
    }
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    for block in [
        "value_proposition",
        "data_versioning",
        "experiment_management",
        "feature_store",
        "foundations",
        "ml_pipelines",
        "model_registry",
        "model_deployment",
        "prediction_serving",
        "monitoring",
        "metadata_store",
    ] {
        assert!(
            html.contains(&format!("id=\"{block}\"")),
            "no block {block}"
        );
    }
    assert!(html.contains("st-not-assessed"));
    assert!(html.contains("@page { size: landscape"));
}

#[test]
fn team_answers_survive_rescans_verbatim() {
    let dir = tempfile::tempdir().unwrap();
    let root = example_in(dir.path());
    let file = root.join("mlops-canvas.yaml");
    let first = run_in(dir.path(), &["canvas", "-f", "yaml", "churn-model"]);
    assert!(
        first.starts_with("Wrote churn-model/mlops-canvas.yaml: 47 questions"),
        "{first}"
    );
    let text = std::fs::read_to_string(&file).unwrap();
    let mut filled = answer(
        &text,
        "vp.users",
        "answer: |\n  Retention agents: they call customers at risk.\n    (and their team leads)\n  # not a comment: part of the answer\n",
    );
    filled = answer(
        &filled,
        "em.metrics",
        "answer: \"Recall@10 ≥ 0.6; churn −5 % \\\"per quarter\\\"\"",
    );
    filled = answer(
        &filled,
        "ps.fallback",
        "answer: Serve the last good model # the team's own YAML comment",
    );
    filled = filled.replace(
        "  feature_store:",
        "  # Ask the data platform team about Feast.\n  feature_store:",
    );
    std::fs::write(&file, &filled).unwrap();

    let second = run_in(dir.path(), &["canvas", "-f", "yaml", "churn-model"]);
    assert!(second.contains("3 by the team"), "{second}");
    let after = std::fs::read_to_string(&file).unwrap();
    // Every line the team wrote is still there, byte for byte and in order.
    let mut rest = after.as_str();
    for line in filled.lines().filter(|l| {
        let t = l.trim_start();
        !t.starts_with("status:") && !t.starts_with("question:")
    }) {
        let at = rest
            .find(&format!("{line}\n"))
            .unwrap_or_else(|| panic!("lost or moved: {line:?}\n{after}"));
        rest = &rest[at + line.len() + 1..];
    }
    // A third run changes nothing.
    let third = run_in(dir.path(), &["canvas", "-f", "yaml", "churn-model"]);
    assert!(third.starts_with("Unchanged"), "{third}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), after);

    // scan reads the file: the team's answers, exactly, with source "human".
    let json: Value =
        serde_json::from_str(&run_in(dir.path(), &["scan", "-f", "json", "churn-model"])).unwrap();
    let users = json_answer(&json, "vp.users");
    assert_eq!(users["source"], "human");
    assert_eq!(users["status"], "answered");
    assert_eq!(
        users["answer"],
        "Retention agents: they call customers at risk.\n  (and their team leads)\n# not a comment: part of the answer\n"
    );
    assert_eq!(
        json_answer(&json, "em.metrics")["answer"],
        "Recall@10 ≥ 0.6; churn −5 % \"per quarter\""
    );
    assert_eq!(
        json_answer(&json, "ps.fallback")["answer"],
        "Serve the last good model"
    );
    // The question, answer and source names of the JSON contract stay.
    for key in ["question", "answer", "source"] {
        assert!(users.get(key).is_some());
    }
    let md = run_in(dir.path(), &["canvas", "churn-model"]);
    assert!(
        md.contains("Retention agents: they call customers at risk."),
        "{md}"
    );
    assert!(md.contains("*(team)*"));
}

#[test]
fn an_answer_whose_evidence_is_removed_is_marked_stale() {
    let dir = tempfile::tempdir().unwrap();
    let root = example_in(dir.path());
    let file = root.join("mlops-canvas.yaml");
    run_in(dir.path(), &["canvas", "-f", "yaml", "churn-model"]);
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(
        &file,
        answer(
            &text,
            "vp.model_card",
            "answer: MODEL_CARD.md, reviewed each release",
        ),
    )
    .unwrap();
    std::fs::remove_file(root.join("MODEL_CARD.md")).unwrap();
    let out = run_in(dir.path(), &["canvas", "-f", "yaml", "churn-model"]);
    assert!(out.contains("stale"), "{out}");
    let after = std::fs::read_to_string(&file).unwrap();
    let entry: String = after
        .split("- id: ")
        .find(|e| e.starts_with("vp.model_card"))
        .unwrap()
        .to_string();
    assert!(entry.contains("status: stale"), "{entry}");
    assert!(entry.contains("flag: "), "{entry}");
    assert!(entry.contains("MODEL_CARD.md"), "{entry}");
    assert!(
        entry.contains("answer: MODEL_CARD.md, reviewed each release"),
        "{entry}"
    );
    let json: Value =
        serde_json::from_str(&run_in(dir.path(), &["scan", "-f", "json", "churn-model"])).unwrap();
    let a = json_answer(&json, "vp.model_card");
    assert_eq!(a["status"], "stale");
    assert_eq!(a["answer"], "MODEL_CARD.md, reviewed each release");
    // The documentation-as-code detection nobody answered is stale too, its text kept.
    let docs = json_answer(&json, "ms.docs");
    assert_eq!(docs["status"], "stale");
    assert!(docs["answer"].as_str().unwrap().contains("Model card"));
}

#[test]
fn an_answer_contradicting_the_scan_is_flagged_and_kept() {
    let dir = tempfile::tempdir().unwrap();
    let root = example_in(dir.path());
    let file = root.join("mlops-canvas.yaml");
    run_in(dir.path(), &["canvas", "-f", "yaml", "churn-model"]);
    let text = std::fs::read_to_string(&file).unwrap();
    let text = answer(
        &text,
        "mr.registry",
        "answer: We register models in Weights & Biases",
    );
    let text = answer(&text, "mo.ops", "answer: none yet");
    std::fs::write(&file, &text).unwrap();
    let out = run_in(dir.path(), &["canvas", "-f", "yaml", "churn-model"]);
    assert!(out.contains("2 contradicting the scan"), "{out}");
    let json: Value =
        serde_json::from_str(&run_in(dir.path(), &["scan", "-f", "json", "churn-model"])).unwrap();
    let a = json_answer(&json, "mr.registry");
    assert_eq!(a["status"], "contradicted");
    assert_eq!(a["answer"], "We register models in Weights & Biases");
    assert!(a["detected"].as_str().unwrap().contains("MLflow"));
    assert!(a["flag"].as_str().unwrap().contains("Weights & Biases"));
    assert_eq!(json_answer(&json, "mo.ops")["status"], "contradicted");
    let table = run_in(dir.path(), &["scan", "churn-model"]);
    assert!(table.contains("[team, contradicts the scan]"), "{table}");
}

#[test]
fn a_malformed_answers_file_is_an_error_with_line_and_column_and_stays_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let root = example_in(dir.path());
    let file = root.join("mlops-canvas.yaml");
    run_in(dir.path(), &["canvas", "-f", "yaml", "churn-model"]);
    let text = std::fs::read_to_string(&file).unwrap();
    // The classic slip: an unquoted answer with ": " in it.
    let broken = answer(&text, "vp.users", "answer: Agents: the ones who call");
    std::fs::write(&file, &broken).unwrap();
    let line = broken
        .lines()
        .position(|l| l.contains("Agents: the ones"))
        .unwrap()
        + 1;
    for cmd in [
        &["canvas", "-f", "yaml", "churn-model"][..],
        &["scan", "churn-model"],
        &["canvas", "churn-model"],
    ] {
        let out = bin().current_dir(dir.path()).args(cmd).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{cmd:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("mlops-canvas.yaml") && err.contains(&format!("line {line}, column")),
            "{cmd:?}: {err}"
        );
        assert!(err.contains("needs quotes"), "{err}");
        assert_eq!(
            std::fs::read_to_string(&file).unwrap(),
            broken,
            "{cmd:?} touched the file"
        );
    }
    // A typo in a key is named too.
    let typo = text.replacen("      answer:\n", "      anwser: x\n", 1);
    std::fs::write(&file, &typo).unwrap();
    let out = bin()
        .current_dir(dir.path())
        .args(["canvas", "-f", "yaml", "churn-model"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("anwser"));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), typo);
}

#[test]
fn answers_file_locations_and_refusals() {
    let dir = tempfile::tempdir().unwrap();
    let root = example_in(dir.path());
    // -o FILE writes there; the next run with the same -o merges it.
    let elsewhere = dir.path().join("canvas.yaml");
    run_in(
        dir.path(),
        &[
            "canvas",
            "--no-git",
            "-f",
            "yaml",
            "-o",
            "canvas.yaml",
            "churn-model",
        ],
    );
    assert!(!root.join("mlops-canvas.yaml").exists());
    let text = std::fs::read_to_string(&elsewhere).unwrap();
    std::fs::write(&elsewhere, answer(&text, "vp.users", "answer: agents")).unwrap();
    run_in(
        dir.path(),
        &[
            "canvas",
            "--no-git",
            "-f",
            "yaml",
            "-o",
            "canvas.yaml",
            "churn-model",
        ],
    );
    assert!(std::fs::read_to_string(&elsewhere)
        .unwrap()
        .contains("answer: agents"));
    // scan finds it with --answers.
    let json: Value = serde_json::from_str(&run_in(
        dir.path(),
        &[
            "scan",
            "--no-git",
            "-f",
            "json",
            "--answers",
            "canvas.yaml",
            "churn-model",
        ],
    ))
    .unwrap();
    assert_eq!(json_answer(&json, "vp.users")["answer"], "agents");
    // -o onto some other existing file is refused, and the file is left alone.
    std::fs::write(dir.path().join("notes.yaml"), "mine: true\n").unwrap();
    let out = bin()
        .current_dir(dir.path())
        .args([
            "canvas",
            "--no-git",
            "-f",
            "yaml",
            "--answers",
            "canvas.yaml",
            "-o",
            "notes.yaml",
            "churn-model",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("notes.yaml")).unwrap(),
        "mine: true\n"
    );
    // A missing --answers file is an error for scan.
    let out = bin()
        .current_dir(dir.path())
        .args(["scan", "--answers", "nope.yaml", "churn-model"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn the_answers_file_is_never_evidence_for_itself() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(
        root.join("README.md"),
        "# Scoring\n\nScores leads for sales.\n",
    )
    .unwrap();
    run_in(root, &["canvas", "--no-git", "-f", "yaml", "."]);
    let file = root.join("mlops-canvas.yaml");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(
        &file,
        answer(
            &text,
            "mr.registry",
            "answer: \"mlflow.register_model(uri) into models:/scoring/Production, kind: Deployment\"",
        ),
    )
    .unwrap();
    let json: Value =
        serde_json::from_str(&run_in(root, &["scan", "--no-git", "-f", "json", "."])).unwrap();
    assert_eq!(
        json["tools"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|t| t["id"] == "mlflow" || t["id"] == "kubernetes")
            .count(),
        0,
        "{}",
        json["tools"]
    );
}

#[test]
fn canvas_help_says_where_the_answers_file_goes() {
    let help = run_in(Path::new(env!("CARGO_MANIFEST_DIR")), &["canvas", "--help"]);
    insta::assert_snapshot!("canvas_help", help);
}

#[test]
fn a_team_answer_settles_the_maturity_row_only_people_can_answer() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(
        root.join("README.md"),
        "# Scoring\n\nScores sales leads so the sales team calls the warm ones first.\n",
    )
    .unwrap();
    std::fs::write(root.join("train.py"), "import sklearn\nimport mlflow\n").unwrap();
    let row = |json: &Value| {
        json["maturity"]["gaps"]
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["capability"] == "model_ownership")
            .cloned()
            .unwrap()
    };
    let scan = || -> Value {
        serde_json::from_str(&run_in(
            root,
            &[
                "scan",
                "--no-git",
                "-f",
                "json",
                "--level",
                "strategic",
                ".",
            ],
        ))
        .unwrap()
    };
    assert_eq!(row(&scan())["status"], "needs_answer");
    run_in(root, &["canvas", "--no-git", "-f", "yaml", "."]);
    let file = root.join("mlops-canvas.yaml");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(
        &file,
        answer(&text, "vp.owner", "answer: The sales-ops ML team (Ana)"),
    )
    .unwrap();
    let after = row(&scan());
    assert_eq!(after["status"], "met", "{after}");
    assert!(after["detail"]
        .as_str()
        .unwrap()
        .contains("sales-ops ML team"));
    // The page shows each block's maturity status.
    let md = run_in(root, &["canvas", "--no-git", "--level", "strategic", "."]);
    assert!(md.contains("Maturity (ml-ops.org)"), "{md}");
    assert!(!md.contains("not assessed"), "{md}");
}
