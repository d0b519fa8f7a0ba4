//! CI workflows: GitHub Actions and GitLab CI. Extracts triggers (push, pull request, tags,
//! schedules with their cron in words, manual, path filters) and classifies each job from its
//! steps as lint / test / build / train / evaluate / deploy / release / docs. From those:
//! a scheduled or data-triggered training job proves `continuous_training`; training or
//! evaluation on pushes and pull requests proves `pipeline_ci`; a deploy job on the main branch
//! or on tags proves `automated_deployment`.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use regex::bytes::{Regex as BytesRegex, RegexBuilder as BytesRegexBuilder};
use serde_json::{json, Value as Json};

use super::{cron, find_line, Fact, ParseOut, ParsedHit};
use crate::canvas::Block;
use crate::detect::redact::snippet;
use crate::detect::spec::Confidence;
use crate::yaml::{strings, Value};

/// Job kinds, in report order.
const KINDS: [&str; 8] = [
    "lint", "test", "build", "train", "evaluate", "deploy", "release", "docs",
];

/// Step patterns per job kind, matched against lowercased steps. Byte regexes with ASCII
/// classes and no case folding: Unicode-aware, case-insensitive `\b` and `\w` made these
/// automata cost more to build than all the workflows of a large repository took to read.
fn kind_patterns() -> &'static [(&'static str, BytesRegex)] {
    static P: OnceLock<Vec<(&'static str, BytesRegex)>> = OnceLock::new();
    P.get_or_init(|| {
        let ci = |p: &str| {
            debug_assert_eq!(p, p.to_ascii_lowercase(), "patterns see lowercased text");
            BytesRegexBuilder::new(p)
                .unicode(false)
                .build()
                .expect("valid job pattern")
        };
        vec![
            ("lint", ci(r"\bruff\b|\bflake8\b|\bblack\b.*--check|\bmypy\b|\bpylint\b|pre-commit(\s+run|/action)|\bisort\b.*--check|\blint\b")),
            ("test", ci(r"\bpytest\b|\btox\b|\bnox\b|\bunittest\b|make\s+test|npm\s+(run\s+)?test|go\s+test|cargo\s+test")),
            ("build", ci(r"docker\s+(build|buildx)|docker/build-push-action|python3?\s+-m\s+build|poetry\s+build|pip\s+wheel|bentoml\s+build|mlflow\s+models\s+build-docker|langgraph\s+build")),
            ("train", ci(r"python3?\s+(-m\s+)?[\w./-]*train[\w./-]*|dvc\s+(repro|exp\s+run)|make\s+(re)?train|kedro\s+run|mlflow\s+run|zenml\s+pipeline\s+run|\btrain\.sh\b|sagemaker.*(fit|start_pipeline_execution|start-pipeline-execution)|aiplatform.*(customjob|pipelinejob)|az\s+ml\s+job\s+create|anyscale\s+jobs?\s+submit")),
            ("evaluate", ci(r"\bevaluate\b|\beval(uation)?\.py\b|dvc\s+(metrics|plots)|\bcml\s+(comment|send-comment|publish)|cml-send-comment")),
            ("deploy", ci(r"kubectl\s+(apply|rollout|set\s+image|create)|helm\s+(upgrade|install)|terraform\s+apply|sam\s+deploy|(serverless|sls)\s+deploy|gcloud\s+(run|app|functions)\s+deploy|gcloud\s+ai\s+endpoints\s+deploy|az\s+ml\s+online-(deployment|endpoint)|az\s+webapp\s+(up|deploy)|aws\s+sagemaker\s+(create|update)-endpoint|cdk\s+deploy|pulumi\s+up|argocd\s+app\s+sync|flyctl\s+deploy|bentoml\s+deploy|aws-actions/amazon-ecs-deploy|azure/webapps-deploy|google-github-actions/deploy|anyscale\s+services?\s+(rollout|deploy)|modal\s+deploy|aws\s+lambda\s+(update-function-code|create-function|publish-version)|aws\s+ecs\s+update-service|aws\s+apprunner\s+start-deployment|langgraph\s+deploy")),
            ("release", ci(r"gh\s+release|twine\s+upload|gh-action-pypi-publish|docker\s+push|semantic-release|action-gh-release|push:\s*true|poetry\s+publish|gh-ecr-push")),
            ("docs", ci(r"\bmkdocs\b|\bsphinx|\bdocs?\b.*(build|deploy)|gh-pages")),
        ]
    })
}

fn name_kinds(name: &str) -> Vec<&'static str> {
    // ASCII classes: a Unicode `[^a-z]` under `(?i)` is a large automaton to build.
    static P: OnceLock<Vec<(&'static str, BytesRegex)>> = OnceLock::new();
    let pats = P.get_or_init(|| {
        [
            ("train", r"(?i)(^|[^a-z])(re)?train(ing)?([^a-z]|$)"),
            ("deploy", r"(?i)(^|[^a-z])deploy(ment)?([^a-z]|$)"),
            ("evaluate", r"(?i)(^|[^a-z])eval(uate|uation)?([^a-z]|$)"),
            ("release", r"(?i)(^|[^a-z])(release|publish)([^a-z]|$)"),
            ("lint", r"(?i)(^|[^a-z])lint([^a-z]|$)"),
            ("test", r"(?i)(^|[^a-z])tests?([^a-z]|$)"),
            ("docs", r"(?i)(^|[^a-z])docs?([^a-z]|$)"),
            ("build", r"(?i)(^|[^a-z])build([^a-z]|$)"),
        ]
        .into_iter()
        .map(|(k, p)| {
            let re = BytesRegexBuilder::new(p)
                .unicode(false)
                .build()
                .expect("valid name pattern");
            (k, re)
        })
        .collect()
    });
    pats.iter()
        .filter(|(_, r)| r.is_match(name.as_bytes()))
        .map(|(k, _)| *k)
        .collect()
}

/// Kinds of a job from its name and the text of its steps.
pub(crate) fn classify(name: &str, steps: &str) -> Vec<&'static str> {
    let by_name = name_kinds(name);
    let steps = steps.to_ascii_lowercase();
    let by_steps: BTreeSet<&'static str> = kind_patterns()
        .iter()
        .filter(|(_, r)| r.is_match(steps.as_bytes()))
        .map(|(k, _)| *k)
        .collect();
    let mut kinds: BTreeSet<&'static str> = by_name
        .iter()
        .copied()
        .chain(by_steps.iter().copied())
        .collect();
    // A job named "deploy" whose steps only publish documentation (mkdocs gh-deploy, Sphinx
    // to GitHub Pages) deploys a site, not a model.
    if kinds.contains("docs") && !by_steps.contains("deploy") {
        kinds.remove("deploy");
    }
    // A test job that merely runs test_train.py is not training.
    if kinds.contains("train") && kinds.contains("test") && !by_name.contains(&"train") {
        let only_tests = steps
            .lines()
            .filter(|l| kind_patterns()[3].1.is_match(l.as_bytes()))
            .all(|l| kind_patterns()[1].1.is_match(l.as_bytes()));
        if only_tests {
            kinds.remove("train");
        }
    }
    KINDS
        .iter()
        .copied()
        .filter(|k| kinds.contains(k))
        .collect()
}

fn text_of(v: &Value, out: &mut String) {
    match v {
        Value::String(s) => {
            out.push_str(s);
            out.push('\n');
        }
        Value::Sequence(items) => items.iter().for_each(|i| text_of(i, out)),
        Value::Mapping(m) => m.values().for_each(|i| text_of(i, out)),
        Value::Tagged(t) => text_of(&t.value, out),
        Value::Bool(_) | Value::Number(_) | Value::Null => {}
    }
}

/// Paths that mean "new data arrived" when a push touches them.
fn is_data_path(p: &str) -> bool {
    let p = p.trim_start_matches('!');
    p.starts_with("data")
        || p.contains("/data/")
        || p.contains(".dvc")
        || p.contains("dvc.lock")
        || p.contains("params.yaml")
        || p.contains("dataset")
}

struct Workflow {
    triggers: Vec<String>,
    schedules: Vec<(String, String)>,
    branches: Vec<String>,
    tags: bool,
    paths: Vec<String>,
    manual: bool,
    push: bool,
    pull_request: bool,
    release: bool,
}

fn gha_triggers(on: &Value) -> Workflow {
    let mut w = Workflow {
        triggers: Vec::new(),
        schedules: Vec::new(),
        branches: Vec::new(),
        tags: false,
        paths: Vec::new(),
        manual: false,
        push: false,
        pull_request: false,
        release: false,
    };
    let add = |name: &str, cfg: Option<&Value>, w: &mut Workflow| {
        w.triggers.push(name.to_string());
        match name {
            "push" => {
                w.push = true;
                if let Some(c) = cfg {
                    w.branches.extend(strings(c.get("branches")));
                    let tags = strings(c.get("tags"));
                    w.tags |= !tags.is_empty();
                    w.paths.extend(strings(c.get("paths")));
                }
            }
            "pull_request" | "pull_request_target" => w.pull_request = true,
            "workflow_dispatch" => w.manual = true,
            "release" => w.release = true,
            "schedule" => {
                if let Some(Value::Sequence(items)) = cfg {
                    for i in items {
                        if let Some(c) = i.get("cron").and_then(Value::as_str) {
                            w.schedules.push((c.to_string(), cron::describe(c)));
                        }
                    }
                }
            }
            _ => {}
        }
    };
    match on {
        Value::String(s) => add(s, None, &mut w),
        Value::Sequence(items) => {
            for i in items.iter().filter_map(Value::as_str) {
                add(i, None, &mut w);
            }
        }
        Value::Mapping(m) => {
            for (k, v) in m {
                if let Some(k) = k.as_str() {
                    add(k, Some(v), &mut w);
                }
            }
        }
        _ => {}
    }
    w.triggers.sort();
    w.triggers.dedup();
    w
}

/// The workflow runs by itself on pushes (to any branch: a push to `develop` that deploys to
/// a dev environment is still automated deployment).
fn on_push(w: &Workflow) -> bool {
    w.push
}

fn hit(
    capability: &'static str,
    block: Block,
    confidence: Confidence,
    tool: &'static str,
    line: Option<u32>,
    text: String,
) -> ParsedHit {
    ParsedHit {
        tool,
        capability,
        block,
        confidence,
        line,
        snippet: snippet(&text),
    }
}

/// Parses a GitHub Actions workflow.
pub(crate) fn parse_github_actions(path: &str, text: &str) -> ParseOut {
    let mut out = ParseOut::default();
    let Some(doc) = super::yaml_or_warn(text, &mut out) else {
        return out;
    };
    // YAML 1.1 readers turn `on` into `true`; accept both spellings.
    let on = doc
        .get("on")
        .or_else(|| doc.as_mapping().and_then(|m| m.get(Value::Bool(true))));
    let Some(on) = on else {
        out.warnings
            .push("workflow has no `on:` trigger".to_string());
        return out;
    };
    let w = gha_triggers(on);
    let mut jobs = Vec::new();
    if let Some(Value::Mapping(m)) = doc.get("jobs") {
        for (id, job) in m {
            let id = id.as_str().unwrap_or_default().to_string();
            let name = job
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or(&id)
                .to_string();
            let mut steps = String::new();
            if let Some(s) = job.get("steps") {
                text_of(s, &mut steps);
            }
            if let Some(u) = job.get("uses").and_then(Value::as_str) {
                steps.push_str(u);
            }
            let kinds = classify(&format!("{id} {name}"), &steps);
            jobs.push((id, kinds, steps));
        }
    }
    jobs.sort_by(|a, b| a.0.cmp(&b.0));
    emit(path, text, "github-actions", &w, &jobs, &jobs, &mut out);
    out
}

fn emit(
    path: &str,
    text: &str,
    tool: &'static str,
    w: &Workflow,
    all_jobs: &[(String, Vec<&'static str>, String)],
    jobs: &[(String, Vec<&'static str>, String)],
    out: &mut ParseOut,
) {
    let has = |k: &str| jobs.iter().any(|(_, kinds, _)| kinds.contains(&k));
    let schedules: Vec<Json> = w
        .schedules
        .iter()
        .map(|(c, h)| json!({"cron": c, "reads": h}))
        .collect();
    out.facts.push(Fact {
        block: Block::Foundations,
        key: "ci_workflows",
        value: json!({
            "path": path,
            "system": tool,
            "triggers": w.triggers,
            "schedules": schedules,
            "branches": w.branches,
            "path_filters": w.paths,
            "jobs": all_jobs.iter().map(|(id, kinds, _)| json!({"id": id, "kinds": kinds})).collect::<Vec<_>>(),
        }),
    });
    let train_jobs: Vec<&str> = jobs
        .iter()
        .filter(|(_, k, _)| k.contains(&"train"))
        .map(|(id, _, _)| id.as_str())
        .collect();
    if !train_jobs.is_empty() {
        let mut triggers = Vec::new();
        for (c, h) in &w.schedules {
            triggers.push(json!({"kind": "scheduled", "cadence": h, "cron": c, "runs_per_week": cron::runs_per_week(c)}));
            let line = find_line(text, c);
            out.hits.push(hit(
                "continuous_training",
                Block::MlPipelines,
                Confidence::High,
                tool,
                line,
                format!("schedule {c} ({h}) runs {}", train_jobs.join(", ")),
            ));
        }
        let data_paths: Vec<&String> = w.paths.iter().filter(|p| is_data_path(p)).collect();
        if w.push && !data_paths.is_empty() {
            let first = data_paths[0];
            triggers.push(json!({"kind": "event", "event": format!("push touching {}", data_paths.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", "))}));
            out.hits.push(hit(
                "continuous_training",
                Block::MlPipelines,
                Confidence::High,
                tool,
                find_line(text, first),
                format!("push to {first} runs {}", train_jobs.join(", ")),
            ));
        }
        if w.manual {
            triggers.push(json!({"kind": "manual"}));
        }
        if w.push || w.pull_request {
            triggers.push(json!({"kind": "ci", "event": if w.pull_request { "pull request" } else { "push" }}));
            let line = train_jobs
                .first()
                .and_then(|j| find_line(text, &format!("{j}:")));
            out.hits.push(hit(
                "pipeline_ci",
                Block::MlPipelines,
                Confidence::Medium,
                tool,
                line,
                format!(
                    "training job {} runs on {}",
                    train_jobs.join(", "),
                    w.triggers.join(", ")
                ),
            ));
        }
        out.facts.push(Fact {
            block: Block::MlPipelines,
            key: "training_triggers",
            value: json!({"path": path, "jobs": train_jobs, "triggers": triggers}),
        });
    } else if has("evaluate") && (w.push || w.pull_request) {
        let (id, _, _) = jobs
            .iter()
            .find(|(_, k, _)| k.contains(&"evaluate"))
            .expect("has evaluate");
        out.hits.push(hit(
            "pipeline_ci",
            Block::MlPipelines,
            Confidence::Medium,
            tool,
            find_line(text, &format!("{id}:")),
            format!("evaluation job {id} runs on {}", w.triggers.join(", ")),
        ));
    }
    for (id, kinds, _) in jobs.iter().filter(|(_, k, _)| k.contains(&"deploy")) {
        let automatic = on_push(w) || w.tags || w.release;
        let line = find_line(text, &format!("{id}:"));
        let when = if w.tags {
            "on tags".to_string()
        } else if w.release {
            "on releases".to_string()
        } else if automatic && !w.branches.is_empty() {
            format!("on pushes to {}", w.branches.join(", "))
        } else if automatic {
            "on every push".to_string()
        } else if w.manual {
            "manually".to_string()
        } else {
            "on other triggers".to_string()
        };
        out.facts.push(Fact {
            block: Block::ModelDeployment,
            key: "deploy_jobs",
            value: json!({"path": path, "job": id, "kinds": kinds, "runs": when}),
        });
        if automatic {
            out.hits.push(hit(
                "automated_deployment",
                Block::ModelDeployment,
                Confidence::High,
                tool,
                line,
                format!("deploy job {id} runs {when}"),
            ));
        }
    }
}

fn gitlab_reserved(key: &str) -> bool {
    matches!(
        key,
        "stages"
            | "variables"
            | "include"
            | "default"
            | "workflow"
            | "image"
            | "services"
            | "before_script"
            | "after_script"
            | "cache"
            | "types"
            | "pages:deploy"
    ) || key.starts_with('.')
}

/// Parses a GitLab CI file. Anchors, aliases and `<<` merge keys are resolved; `extends`
/// pulls in the steps of templates defined in the same file; `include:` is listed, not followed.
pub(crate) fn parse_gitlab_ci(path: &str, text: &str) -> ParseOut {
    let mut out = ParseOut::default();
    let Some(mut doc) = super::yaml_or_warn(text, &mut out) else {
        return out;
    };
    if let Err(e) = doc.apply_merge() {
        out.warnings.push(format!("YAML merge keys: {e}"));
    }
    let Some(map) = doc.as_mapping() else {
        out.warnings.push("not a mapping of jobs".to_string());
        return out;
    };
    let job_text = |job: &Value| -> String {
        let mut s = String::new();
        for key in [
            "script",
            "before_script",
            "after_script",
            "image",
            "trigger",
            "stage",
        ] {
            if let Some(v) = job.get(key) {
                text_of(v, &mut s);
            }
        }
        s
    };
    let mut w = Workflow {
        triggers: Vec::new(),
        schedules: Vec::new(),
        branches: Vec::new(),
        tags: false,
        paths: Vec::new(),
        manual: false,
        push: true,
        pull_request: false,
        release: false,
    };
    let mut jobs = Vec::new();
    let mut scheduled_jobs = Vec::new();
    for (k, job) in map {
        let Some(id) = k.as_str() else { continue };
        if gitlab_reserved(id) || !job.is_mapping() {
            continue;
        }
        let mut steps = job_text(job);
        for parent in strings(job.get("extends")) {
            if let Some(t) = map.get(parent.as_str()) {
                steps.push_str(&job_text(t));
            }
        }
        let mut rules = String::new();
        for key in ["rules", "only", "except", "when"] {
            if let Some(v) = job.get(key) {
                text_of(v, &mut rules);
            }
        }
        if rules.contains("schedule") {
            scheduled_jobs.push(id.to_string());
        }
        if rules.contains("CI_COMMIT_TAG") || strings(job.get("only")).iter().any(|s| s == "tags") {
            w.tags = true;
        }
        if rules.contains("merge_request") {
            w.pull_request = true;
        }
        if rules.contains("manual") {
            w.manual = true;
        }
        for b in strings(job.get("only")) {
            if !matches!(
                b.as_str(),
                "tags" | "schedules" | "merge_requests" | "branches"
            ) {
                w.branches.push(b);
            }
        }
        if let Some(changes) = job.get("rules").and_then(Value::as_sequence) {
            for r in changes {
                w.paths.extend(strings(r.get("changes")));
            }
        }
        let stage = job.get("stage").and_then(Value::as_str).unwrap_or("");
        let kinds = classify(&format!("{id} {stage}"), &steps);
        jobs.push((id.to_string(), kinds, steps));
    }
    jobs.sort_by(|a, b| a.0.cmp(&b.0));
    w.triggers.push("push".to_string());
    if w.pull_request {
        w.triggers.push("merge_request".to_string());
    }
    if !scheduled_jobs.is_empty() {
        w.triggers.push("schedule".to_string());
    }
    if w.tags {
        w.triggers.push("tag".to_string());
    }
    if w.manual {
        w.triggers.push("manual".to_string());
    }
    w.branches.sort();
    w.branches.dedup();
    // GitLab keeps the cron of a schedule in project settings, not in the file.
    let train_scheduled: Vec<&String> = scheduled_jobs
        .iter()
        .filter(|id| {
            jobs.iter()
                .any(|(j, k, _)| j == *id && k.contains(&"train"))
        })
        .collect();
    for id in &train_scheduled {
        out.hits.push(hit(
            "continuous_training",
            Block::MlPipelines,
            Confidence::High,
            "gitlab-ci",
            find_line(text, &format!("{id}:")),
            format!("training job {id} runs on pipeline schedules (cadence set in GitLab)"),
        ));
    }
    // `include:` is a string, a list of strings, or a list of {local|file|project|remote|template}.
    let mut includes = strings(doc.get("include"));
    for item in doc
        .get("include")
        .and_then(Value::as_sequence)
        .into_iter()
        .flatten()
    {
        for key in ["local", "file", "remote", "template", "project"] {
            includes.extend(strings(item.get(key)));
        }
    }
    if !includes.is_empty() || doc.get("include").is_some() {
        out.facts.push(Fact {
            block: Block::Foundations,
            key: "ci_includes",
            value: json!({"path": path, "note": "included CI files are not followed", "include": includes}),
        });
    }
    // Jobs with `only: schedules` must not also count as push-triggered training.
    let push_jobs: Vec<(String, Vec<&'static str>, String)> = jobs
        .iter()
        .filter(|(id, _, _)| !scheduled_jobs.contains(id))
        .cloned()
        .collect();
    emit(path, text, "gitlab-ci", &w, &jobs, &push_jobs, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_jobs_from_steps() {
        assert_eq!(
            classify("test", "pip install -r r.txt\npytest tests/test_train.py\n"),
            vec!["test"]
        );
        assert_eq!(classify("retrain", "dvc repro\n"), vec!["train"]);
        assert_eq!(
            classify(
                "ship",
                "docker build -t x .\ndocker push x\nkubectl apply -f k8s/\n"
            ),
            vec!["build", "deploy", "release"]
        );
        assert_eq!(classify("lint", "ruff check .\n"), vec!["lint"]);
        // A "deploy" job that publishes the docs site deploys no model.
        assert_eq!(
            classify("deploy", "pip install mkdocs\nmkdocs gh-deploy --force\n"),
            vec!["docs"]
        );
        assert_eq!(
            classify("deploy", "mkdocs build\nkubectl apply -f k8s/\n"),
            vec!["deploy", "docs"]
        );
    }

    #[test]
    fn scheduled_training_is_continuous_training() {
        let wf = "on:\n  schedule:\n    - cron: '0 3 * * 1'\n  workflow_dispatch:\njobs:\n  train:\n    runs-on: ubuntu-latest\n    steps:\n      - run: python src/train.py\n";
        let out = parse_github_actions(".github/workflows/train.yml", wf);
        let caps: Vec<&str> = out.hits.iter().map(|h| h.capability).collect();
        assert_eq!(caps, vec!["continuous_training"]);
        assert_eq!(out.hits[0].line, Some(3));
        assert!(out.hits[0].snippet.contains("weekly on Monday"));
    }

    #[test]
    fn deploy_on_tags_is_automated_deployment_manual_is_not() {
        let wf = "on:\n  push:\n    tags: ['v*']\njobs:\n  deploy:\n    steps:\n      - run: kubectl apply -f k8s/\n";
        let out = parse_github_actions("d.yml", wf);
        assert_eq!(out.hits[0].capability, "automated_deployment");
        let manual = wf.replace("push:\n    tags: ['v*']", "workflow_dispatch:");
        assert!(parse_github_actions("d.yml", &manual).hits.is_empty());
    }

    #[test]
    fn yaml_1_1_on_key_and_malformed_yaml() {
        let out = parse_github_actions("w.yml", "true:\n  push:\njobs: {}\n");
        assert!(out.warnings.is_empty());
        assert!(!parse_github_actions("w.yml", "on: [push\n")
            .warnings
            .is_empty());
    }

    #[test]
    fn gitlab_schedules_anchors_and_extends() {
        let ci = ".py: &py\n  image: python:3.11\n.train_tpl:\n  script:\n    - python train.py\nstages: [train, deploy]\ntrain:\n  <<: *py\n  extends: .train_tpl\n  rules:\n    - if: '$CI_PIPELINE_SOURCE == \"schedule\"'\ndeploy:\n  stage: deploy\n  script: [helm upgrade --install churn chart/]\n  only: [main]\ninclude:\n  - local: ci/common.yml\n";
        let out = parse_gitlab_ci(".gitlab-ci.yml", ci);
        let caps: Vec<&str> = out.hits.iter().map(|h| h.capability).collect();
        assert!(caps.contains(&"continuous_training"), "{caps:?}");
        assert!(caps.contains(&"automated_deployment"), "{caps:?}");
        assert!(out.facts.iter().any(|f| f.key == "ci_includes"));
    }
}
