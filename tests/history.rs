//! Delivery metrics on histories built by the test itself (fixtures/*/history.toml, fixed
//! dates), with expected figures worked out by hand, and history edge cases that must never
//! panic.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use git2::{Repository, Signature, Time};
use mlops_canvas::git::fixture;
use serde_json::Value;

fn history_repo(name: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let spec = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name)
        .join("history.toml");
    fixture::build(&std::fs::read_to_string(spec).unwrap(), dir.path()).unwrap();
    dir
}

fn dora_json(path: &Path, extra: &[&str]) -> Value {
    let out = Command::cargo_bin("mlops-canvas")
        .unwrap()
        .args(["dora", "--format", "json"])
        .args(extra)
        .arg(path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn releases_fixture_gives_hand_computed_figures() {
    let repo = history_repo("dora-releases");
    let v = dora_json(repo.path(), &[]);
    let d = &v["dora"];
    // Deployments: v1.0.0, v1.1.0, v1.1.1, v1.2.0 (model@v1.2.0 is later on the same commit),
    // v1.3.0; v1.1.0-rc1 is a pre-release.
    assert_eq!(d["deployments"], 5);
    assert_eq!(d["window"]["until"], "2024-02-01T09:00:00Z");
    assert_eq!(d["window"]["since"], "2023-02-01T09:00:00Z");
    assert_eq!(d["deployment_frequency_per_week"], 0.0959);
    // Lead times (s): 0, 10800, 86400, 86400, 90000, 172800, 176400, 432000; the merge is skipped.
    assert_eq!(d["lead_time_seconds"]["samples"], 8);
    assert_eq!(d["lead_time_seconds"]["median"], 88_200.0);
    assert_eq!(d["lead_time_seconds"]["p90"], 432_000);
    // v1.1.0 failed by hotfix (v1.1.1 a day later ships "Fix crash…"); v1.2.0 by the revert of f1.
    assert_eq!(d["failed_deployments"], 2);
    assert_eq!(d["change_failure_rate"], 0.4);
    assert_eq!(d["failures"][0]["deployment"], "v1.1.0");
    assert_eq!(d["failures"][0]["reasons"][0], "hotfix");
    assert_eq!(d["failures"][0]["time_to_restore_seconds"], 97_200);
    assert_eq!(d["failures"][1]["deployment"], "v1.2.0");
    assert_eq!(d["failures"][1]["reasons"][0], "revert");
    assert_eq!(d["failures"][1]["restored_by"], "v1.3.0");
    assert_eq!(d["failures"][1]["time_to_restore_seconds"], 1_292_400);
    assert_eq!(d["time_to_restore_seconds"]["median"], 694_800.0);
    assert_eq!(d["bands"]["deployment_frequency"], "low");
    assert_eq!(d["bands"]["lead_time"], "high");
    assert_eq!(d["bands"]["change_failure_rate"], "low");
    assert_eq!(d["bands"]["time_to_restore"], "low");
    // Practice: 8 trunk commits, 1 merge, the feature branch lived 2 days, 2 authors.
    let p = &d["practice"];
    assert_eq!(p["first_parent_commits"], 8);
    assert_eq!(p["merges"], 1);
    assert_eq!(p["merge_share"], 0.125);
    assert_eq!(p["median_branch_life_seconds"], 172_800.0);
    assert_eq!(p["contributors"], 2);
    // 8 trunk commits are fewer than the 10 a trunk-based verdict needs.
    assert!(p["trunk_based"].is_null());
    assert_eq!(d["partial"], false);
}

#[test]
fn window_flags_restrict_deployments() {
    let repo = history_repo("dora-releases");
    let v = dora_json(
        repo.path(),
        &["--since", "2024-01-05", "--until", "2024-01-10T10:00:00Z"],
    );
    let d = &v["dora"];
    assert_eq!(d["deployments"], 3, "{d}");
    assert_eq!(d["failed_deployments"], 2);
    assert_eq!(d["change_failure_rate"], 0.6667);
}

#[test]
fn deploy_tag_regex_replaces_the_release_patterns() {
    let repo = history_repo("dora-releases");
    let d = dora_json(repo.path(), &["--deploy-tag", "^model@"])["dora"].clone();
    assert_eq!(d["deployments"], 1);
    assert_eq!(d["lead_time_seconds"]["samples"], 7);
    assert!(d["method"].as_str().unwrap().contains("--deploy-tag"));
}

#[test]
fn no_matching_tag_falls_back_to_first_parent_commits() {
    let repo = history_repo("dora-releases");
    let d = dora_json(repo.path(), &["--deploy-tag", "^nothing-matches$"])["dora"].clone();
    assert_eq!(d["deployments"], 8);
    assert!(d["method"].as_str().unwrap().contains("first-parent"));
    // The merge deployment ships f1 and f2 with it; every non-merge commit is a sample.
    assert_eq!(d["lead_time_seconds"]["samples"], 9);
}

#[test]
fn config_file_sets_the_deploy_tag() {
    let repo = history_repo("dora-releases");
    std::fs::write(
        repo.path().join(".mlops-canvas.toml"),
        "[dora]\ndeploy_tag = '^model@'\n",
    )
    .unwrap();
    let d = dora_json(repo.path(), &[])["dora"].clone();
    assert_eq!(d["deployments"], 1);
}

#[test]
fn scan_carries_dora_in_the_report_and_foundations() {
    let repo = history_repo("dora-releases");
    let out = Command::cargo_bin("mlops-canvas")
        .unwrap()
        .args(["scan", "--format", "json"])
        .arg(repo.path())
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["dora"]["deployments"], 5);
    assert_eq!(
        v["blocks"]["foundations"]["facts"]["dora"]["deployments"],
        5
    );
    let caps: Vec<&str> = v["blocks"]["foundations"]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["capability"].as_str().unwrap())
        .collect();
    assert!(caps.contains(&"version_control"), "{caps:?}");
    assert!(v["repo"]["head"].as_str().unwrap().len() == 40);
    assert_eq!(v["repo"]["default_branch"], "main");
}

fn sig(t: i64) -> Signature<'static> {
    Signature::new("Dev", "dev@example.com", &Time::new(t, 0)).unwrap()
}

fn commit(repo: &Repository, parents: &[git2::Oid], t: i64, msg: &str) -> git2::Oid {
    let blob = repo.blob(msg.as_bytes()).unwrap();
    let mut tb = repo.treebuilder(None).unwrap();
    tb.insert("f", blob, 0o100_644).unwrap();
    let tree = repo.find_tree(tb.write().unwrap()).unwrap();
    let ps: Vec<git2::Commit> = parents
        .iter()
        .map(|p| repo.find_commit(*p).unwrap())
        .collect();
    let refs: Vec<&git2::Commit> = ps.iter().collect();
    repo.commit(Some("HEAD"), &sig(t), &sig(t), msg, &tree, &refs)
        .unwrap()
}

fn run_ok(path: &Path) -> Value {
    dora_json(path, &[])
}

#[test]
fn odd_histories_never_panic() {
    // Not a repository at all.
    let plain = tempfile::tempdir().unwrap();
    let v = run_ok(plain.path());
    assert!(v["dora"].is_null());
    assert!(v["warnings"][0]["message"]
        .as_str()
        .unwrap()
        .contains("not a git repository"));

    // Empty repository.
    let empty = tempfile::tempdir().unwrap();
    Repository::init(empty.path()).unwrap();
    let v = run_ok(empty.path());
    assert!(v["dora"].is_null());

    // Single commit, clock skew, octopus merge, tags at a tree and a blob, detached HEAD.
    let odd = tempfile::tempdir().unwrap();
    let repo = Repository::init(odd.path()).unwrap();
    let a = commit(&repo, &[], 1_700_000_000, "a");
    let v = run_ok(odd.path());
    assert_eq!(v["dora"]["deployments"], 1);
    let b = commit(&repo, &[a], 1_600_000_000, "b, dated before its parent");
    let c = repo
        .commit(
            None,
            &sig(1_700_100_000),
            &sig(1_700_100_000),
            "side",
            &repo.find_commit(a).unwrap().tree().unwrap(),
            &[&repo.find_commit(a).unwrap()],
        )
        .unwrap();
    let d = repo
        .commit(
            None,
            &sig(1_700_200_000),
            &sig(1_700_200_000),
            "side2",
            &repo.find_commit(a).unwrap().tree().unwrap(),
            &[&repo.find_commit(a).unwrap()],
        )
        .unwrap();
    let _octo = commit(&repo, &[b, c, d], 1_700_300_000, "octopus");
    let tree = repo.find_commit(a).unwrap().tree().unwrap();
    repo.tag_lightweight("v9.9.9", tree.as_object(), false)
        .unwrap();
    let blob = repo.find_object(repo.blob(b"x").unwrap(), None).unwrap();
    repo.tag_lightweight("v9.9.8", &blob, false).unwrap();
    repo.set_head_detached(b).unwrap();
    let v = run_ok(odd.path());
    assert!(!v["dora"].is_null());
    assert!(v["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|w| w["message"].as_str().unwrap().contains("trees or blobs")));

    // A path inside a repository uses the enclosing one.
    let sub = odd.path().join("sub/dir");
    std::fs::create_dir_all(&sub).unwrap();
    assert!(!run_ok(&sub)["dora"].is_null());
}

#[test]
fn bare_shallow_and_damaged_repositories_are_partial_not_fatal() {
    let dir = history_repo("dora-releases");
    // Bare clone of the same history.
    let bare_dir = tempfile::tempdir().unwrap();
    let bare = Repository::init_bare(bare_dir.path()).unwrap();
    let src = Repository::open(dir.path()).unwrap();
    let mut remote = bare.remote_anonymous(dir.path().to_str().unwrap()).unwrap();
    remote
        .fetch(
            &["+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*"],
            None,
            None,
        )
        .unwrap();
    bare.set_head("refs/heads/main").unwrap();
    assert_eq!(run_ok(bare_dir.path())["dora"]["deployments"], 5);

    // Mark as shallow at c5 and remove the loose objects of c1: figures are partial.
    let head = src.head().unwrap().peel_to_commit().unwrap();
    let mut c = head.clone();
    let mut chain = vec![c.id()];
    while let Ok(p) = c.parent(0) {
        chain.push(p.id());
        c = p;
    }
    let oldest = *chain.last().unwrap();
    std::fs::write(
        dir.path().join(".git/shallow"),
        format!("{}\n", chain[chain.len() - 2]),
    )
    .unwrap();
    let hex = oldest.to_string();
    let obj: PathBuf = dir
        .path()
        .join(".git/objects")
        .join(&hex[..2])
        .join(&hex[2..]);
    std::fs::remove_file(obj).unwrap();
    let v = run_ok(dir.path());
    assert_eq!(v["dora"]["partial"], true, "{v}");
    assert!(v["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|w| w["message"].as_str().unwrap().contains("shallow")));
}
