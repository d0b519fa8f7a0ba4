//! Pre-filled answers to the canvas questions, and the questions left open.
//!
//! In: every finding, the parsers' facts (already placed in their blocks), the DORA figures
//! and the language counts of the inventory. Out: per block, `answers` (question, answer,
//! source) and `open_questions`. The questions and their stable ids live in
//! `data/questions.toml`; a question answers from the capabilities it names, or from one of the
//! derived answers below (retraining trigger, serving pattern, data versioning level, ...).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::sync::OnceLock;

use serde::Deserialize;
use serde_json::Value;

use super::{AnswerStatus, Block};
use crate::detect::{Evidence, Finding};
use crate::git::dora::Dora;
use crate::report::dora::human_duration;
use crate::report::{Answer, BlockReport};

/// One canvas question.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Question {
    pub id: String,
    pub block: String,
    pub text: String,
    #[serde(default)]
    pub capabilities: Vec<String>,
    pub derive: Option<String>,
}

#[derive(Deserialize)]
struct QuestionFile {
    question: Vec<Question>,
}

/// Every canvas question, in canvas order.
pub fn questions() -> &'static [Question] {
    static Q: OnceLock<Vec<Question>> = OnceLock::new();
    Q.get_or_init(|| {
        toml::from_str::<QuestionFile>(include_str!("../../data/questions.toml"))
            .expect("data/questions.toml is valid")
            .question
    })
}

/// Everything an answer may draw on.
pub struct Inputs<'a> {
    pub findings: &'a [Finding],
    pub dora: Option<&'a Dora>,
    /// File counts per language name.
    pub languages: &'a BTreeMap<String, usize>,
}

fn loc(e: &Evidence) -> String {
    match e.line {
        Some(l) => format!("{}:{l}", e.path),
        None => e.path.clone(),
    }
}

fn with_cap<'a>(inp: &'a Inputs, caps: &[&str]) -> Vec<&'a Finding> {
    inp.findings
        .iter()
        .filter(|f| caps.contains(&f.capability.as_str()))
        .collect()
}

/// "MLflow (src/train.py:12), DVC (dvc.yaml)" for the tools behind findings, one per tool.
fn tools_list(found: &[&Finding]) -> (String, String) {
    let mut seen = BTreeSet::new();
    let mut parts = Vec::new();
    let mut first = None;
    for f in found {
        if seen.insert(f.tool.as_str()) {
            let e = f.evidence.first();
            parts.push(match e {
                Some(e) => format!("{} ({})", f.tool_name, loc(e)),
                None => f.tool_name.clone(),
            });
            if first.is_none() {
                first = e.map(loc);
            }
        }
    }
    (parts.join(", "), first.unwrap_or_default())
}

fn tools_of(found: &[&Finding]) -> Vec<String> {
    let set: BTreeSet<&str> = found.iter().map(|f| f.tool_name.as_str()).collect();
    set.into_iter().map(str::to_string).collect()
}

/// Evidence locations kept per answer: enough to say what disappeared, short enough to read.
const ANSWER_EVIDENCE: usize = 6;

/// A detected answer; `found` are the findings it rests on (their first evidence and tools are
/// kept beside the text, so a later scan can tell when that evidence is gone).
fn detected(question: &Question, answer: String, source: String, found: &[&Finding]) -> Answer {
    let mut evidence: Vec<String> = Vec::new();
    if !source.is_empty() {
        evidence.push(source.clone());
    }
    let mut tools: Vec<String> = Vec::new();
    for f in found {
        if !tools.contains(&f.tool) {
            tools.push(f.tool.clone());
            if let Some(e) = f.evidence.first() {
                let l = loc(e);
                if !evidence.contains(&l) {
                    evidence.push(l);
                }
            }
        }
    }
    evidence.truncate(ANSWER_EVIDENCE);
    tools.sort();
    Answer {
        id: question.id.clone(),
        question: question.text.clone(),
        answer,
        source: if source.is_empty() {
            "detected".to_string()
        } else {
            format!("detected: {source}")
        },
        status: AnswerStatus::Detected,
        evidence,
        tools,
        detected: None,
        flag: None,
    }
}

/// An answer estimated from git history; its evidence is the history itself.
fn from_history(question: &Question, answer: String, source: &str) -> Answer {
    Answer {
        id: question.id.clone(),
        question: question.text.clone(),
        answer,
        source: source.to_string(),
        status: AnswerStatus::Detected,
        evidence: vec![".git".to_string()],
        tools: vec!["git".to_string()],
        detected: None,
        flag: None,
    }
}

/// Fills answers and open questions of every block.
pub fn fill(blocks: &mut [BlockReport], inp: &Inputs) {
    let facts: BTreeMap<Block, BTreeMap<String, Value>> =
        blocks.iter().map(|b| (b.block, b.facts.clone())).collect();
    for q in questions() {
        let Some(block) = Block::from_id(&q.block) else {
            continue;
        };
        let answer = match q.derive.as_deref() {
            Some(kind) => derive(kind, q, inp, &facts),
            None if !q.capabilities.is_empty() => {
                let caps: Vec<&str> = q.capabilities.iter().map(String::as_str).collect();
                let found = with_cap(inp, &caps);
                if found.is_empty() {
                    None
                } else {
                    let (list, src) = tools_list(&found);
                    Some(detected(q, list, src, &found))
                }
            }
            None => None,
        };
        let Some(b) = blocks.iter_mut().find(|b| b.block == block) else {
            continue;
        };
        match answer {
            Some(a) => b.answers.push(a),
            None => b.open_questions.push(q.text.clone()),
        }
    }
}

fn fact_items<'a>(
    facts: &'a BTreeMap<Block, BTreeMap<String, Value>>,
    block: Block,
    key: &str,
) -> Vec<&'a Value> {
    facts
        .get(&block)
        .and_then(|f| f.get(key))
        .and_then(Value::as_array)
        .map(|a| a.iter().collect())
        .unwrap_or_default()
}

fn derive(
    kind: &str,
    q: &Question,
    inp: &Inputs,
    facts: &BTreeMap<Block, BTreeMap<String, Value>>,
) -> Option<Answer> {
    match kind {
        "retraining_trigger" => retraining_trigger(q, inp),
        "serving_pattern" => serving_pattern(q, inp),
        "data_versioning_level" => {
            let (level, why, src) = data_versioning_level(inp);
            let found = with_cap(inp, &["data_versioning"]);
            Some(detected(q, format!("level {level}: {why}"), src, &found))
        }
        "data_storage" => {
            let mut parts = Vec::new();
            let mut src = String::new();
            for r in fact_items(facts, Block::DataVersioning, "dvc_remotes") {
                for remote in r["remotes"].as_array().into_iter().flatten() {
                    parts.push(format!(
                        "DVC remote `{}` on {} ({})",
                        remote["name"].as_str().unwrap_or(""),
                        remote["type"].as_str().unwrap_or(""),
                        remote["url"].as_str().unwrap_or("")
                    ));
                    src = r["path"].as_str().unwrap_or("").to_string();
                }
            }
            for c in fact_items(facts, Block::DataVersioning, "kedro_catalog") {
                let counts: Vec<String> = c["storage"]
                    .as_object()
                    .into_iter()
                    .flatten()
                    .map(|(kind, n)| format!("{kind} {n}"))
                    .collect();
                if counts.is_empty() {
                    continue;
                }
                let path = c["path"].as_str().unwrap_or("");
                parts.push(format!(
                    "Kedro catalog {path}: {} (datasets per storage)",
                    counts.join(", ")
                ));
                if src.is_empty() {
                    src = path.to_string();
                }
            }
            let found = with_cap(inp, &["data_source_inventory"]);
            if !found.is_empty() {
                let (list, s) = tools_list(&found);
                parts.push(format!("clients: {list}"));
                if src.is_empty() {
                    src = s;
                }
            }
            (!parts.is_empty()).then(|| detected(q, parts.join("; "), src, &found))
        }
        "languages" => {
            let total: usize = inp.languages.values().sum();
            if total == 0 {
                return None;
            }
            let mut langs: Vec<(&String, &usize)> = inp.languages.iter().collect();
            langs.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
            let list: Vec<String> = langs
                .iter()
                .take(5)
                .map(|(l, n)| format!("{l} {:.0} %", **n as f64 * 100.0 / total as f64))
                .collect();
            Some(detected(
                q,
                format!("{} (share of {total} source files)", list.join(", ")),
                String::new(),
                &[],
            ))
        }
        "training_where" => training_where(q, inp, facts),
        "version_control" => {
            let d = inp.dora?;
            let p = &d.practice;
            let trunk = match p.trunk_based {
                Some(true) => "trunk-based",
                Some(false) => "not trunk-based",
                None => "too little history to judge trunk-based development",
            };
            let life = p.median_branch_life_seconds.map_or_else(
                || "no merged branches".to_string(),
                |l| format!("median branch life {}", human_duration(l)),
            );
            Some(from_history(
                q,
                format!(
                    "git; {trunk} ({life}, {} contributor{} in the window)",
                    p.contributors,
                    if p.contributors == 1 { "" } else { "s" }
                ),
                "detected: .git",
            ))
        }
        "dora" => {
            let d = inp.dora?;
            let freq = d.deployment_frequency_per_week.map_or_else(
                || "insufficient data".to_string(),
                |f| format!("{f:.2} deployments/week"),
            );
            let lead = d
                .lead_time_seconds
                .median
                .map_or_else(|| "insufficient data".to_string(), human_duration);
            Some(from_history(
                q,
                format!(
                    "not tracked in the repository; estimated from git: {freq}, median lead time {lead} ({})",
                    d.method
                ),
                "estimated from git history",
            ))
        }
        "delivery_format" => delivery_format(q, inp),
        "deployment_target" => deployment_target(q, inp, facts),
        "deployment_automation" => {
            let found = with_cap(inp, &["automated_deployment"]);
            let lead = inp
                .dora
                .and_then(|d| d.lead_time_seconds.median)
                .map(|l| format!("; estimated median lead time {}", human_duration(l)));
            if found.is_empty() && lead.is_none() {
                return None;
            }
            let (list, src) = tools_list(&found);
            let auto = if found.is_empty() {
                "no automated deployment found".to_string()
            } else {
                format!("automated: {list}")
            };
            let mut a = detected(
                q,
                format!("{auto}{}", lead.unwrap_or_default()),
                src,
                &found,
            );
            if found.is_empty() {
                // Only the lead time answers: the history is the evidence.
                a.evidence = vec![".git".to_string()];
                a.tools = vec!["git".to_string()];
            }
            Some(a)
        }
        _ => None,
    }
}

/// How a piece of continuous-training evidence starts a run, from what its snippet says
/// (parsers phrase theirs: "schedule nightly: daily at 01:00 UTC", "sensor x (event: ...)").
fn trigger_kind(snippet: &str) -> Option<&'static str> {
    let s = snippet.to_ascii_lowercase();
    let has = |words: &[&str]| words.iter().any(|w| s.contains(w));
    if has(&[
        "event",
        "sensor",
        "@trigger",
        "push to",
        "data-aware",
        "dataset",
        "finishes",
    ]) {
        Some("event-based")
    } else if has(&[
        "schedule",
        "cron",
        "daily",
        "hourly",
        "weekly",
        "monthly",
        "every ",
        "rate(",
        "timetable",
    ]) {
        Some("scheduled")
    } else {
        None
    }
}

/// Evidence that names training comes first: a schedule that runs `retrain_job` says more
/// about retraining than one that refreshes a report.
fn training_first(evidence: &[Evidence]) -> Vec<&Evidence> {
    let mentions_training = |e: &Evidence| {
        let s = e.snippet.to_ascii_lowercase();
        ["train", "model", "fit", "learn"]
            .iter()
            .any(|w| s.contains(w))
    };
    let mut v: Vec<&Evidence> = evidence.iter().collect();
    v.sort_by_key(|e| !mentions_training(e));
    v
}

fn retraining_trigger(q: &Question, inp: &Inputs) -> Option<Answer> {
    let ct = with_cap(inp, &["continuous_training"]);
    if let Some(f) = ct.first() {
        let mut parts: Vec<String> = Vec::new();
        let kinds: BTreeSet<&str> = ct
            .iter()
            .flat_map(|f| f.evidence.iter().filter_map(|e| trigger_kind(&e.snippet)))
            .collect();
        for f in &ct {
            for e in training_first(&f.evidence).into_iter().take(2) {
                // A line of code says less than the tool's name; readers' sentences ("schedule
                // 0 3 * * 1 (weekly ...) runs train") and config lines say more.
                let code = [".py", ".ipynb"].iter().any(|x| e.path.ends_with(x))
                    && !e.snippet.contains("schedule");
                parts.push(format!(
                    "{} ({})",
                    if e.snippet.is_empty() || code {
                        &f.tool_name
                    } else {
                        &e.snippet
                    },
                    loc(e)
                ));
            }
        }
        parts.dedup();
        let src = training_first(&f.evidence)
            .first()
            .map(|e| loc(e))
            .unwrap_or_default();
        let how = if kinds.is_empty() {
            "automatic".to_string()
        } else {
            format!(
                "automatic ({})",
                kinds.into_iter().rev().collect::<Vec<_>>().join(" and ")
            )
        };
        return Some(detected(
            q,
            format!("{how}: {}", parts.join("; ")),
            src,
            &ct,
        ));
    }
    let pipelines = with_cap(inp, &["orchestrated_training_pipeline", "pipeline_ci"]);
    if !pipelines.is_empty() {
        let (list, src) = tools_list(&pipelines);
        return Some(detected(
            q,
            format!(
                "ad hoc: a pipeline exists ({list}) but no schedule or event trigger was found"
            ),
            src,
            &pipelines,
        ));
    }
    let code = with_cap(inp, &["experiment_code"]);
    if !code.is_empty() {
        return Some(detected(
            q,
            "ad hoc: training code is run by hand (no pipeline, schedule or trigger found)"
                .to_string(),
            String::new(),
            &code,
        ));
    }
    None
}

fn serving_pattern(q: &Question, inp: &Inputs) -> Option<Answer> {
    let online = with_cap(inp, &["online_serving"]);
    let batch = with_cap(inp, &["batch_serving"]);
    let (mode, pattern) = match (online.is_empty(), batch.is_empty()) {
        (false, false) => (
            "online and batch",
            "hybrid (a model service and precomputed predictions)",
        ),
        (false, true) => (
            "online",
            "model-as-service (the model behind an HTTP/gRPC API or model server)",
        ),
        (true, false) => (
            "batch",
            "precompute (a batch job writes predictions to storage)",
        ),
        (true, true) => return None,
    };
    let mut all = online.clone();
    all.extend(batch);
    let (list, src) = tools_list(&all);
    Some(detected(
        q,
        format!("{mode}; pattern: {pattern}; evidence: {list}"),
        src,
        &all,
    ))
}

/// Tools whose `data_versioning` finding is a dedicated data versioning system (level 3).
const DEDICATED: &[&str] = &[
    "dvc",
    "lakefs",
    "delta-lake",
    "pachyderm",
    "wandb",
    "clearml",
    "iceberg",
    "dolt",
];

/// The data versioning level of DESIGN.md §5, why, and where.
pub fn data_versioning_level(inp: &Inputs) -> (u8, String, String) {
    let dv = with_cap(inp, &["data_versioning"]);
    let dedicated = of_tools(&dv, DEDICATED);
    if !dedicated.is_empty() {
        let (list, src) = tools_list(&dedicated);
        return (
            3,
            format!("a dedicated data versioning system: {list}"),
            src,
        );
    }
    if !dv.is_empty() {
        let (list, src) = tools_list(&dv);
        return (2, format!("data versioned with the code: {list}"), src);
    }
    let sources = with_cap(inp, &["data_source_inventory"]);
    let pinned = sources.iter().find_map(|f| {
        f.evidence.iter().find(|e| {
            let s = e.snippet.to_ascii_lowercase();
            s.contains("snapshot")
                || s.contains("version")
                || s.contains("sha256")
                || s.contains("md5")
                || s.as_bytes().windows(10).any(|w| {
                    w[4] == b'-'
                        && w[7] == b'-'
                        && w.iter()
                            .enumerate()
                            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
                })
        })
    });
    if let Some(e) = pinned {
        return (
            1,
            format!("data snapshots pinned by scripts ({})", e.snippet),
            loc(e),
        );
    }
    (0, "no data versioning found".to_string(), String::new())
}

/// The findings of `found` made by one of `tools`.
fn of_tools<'f>(found: &[&'f Finding], tools: &[&str]) -> Vec<&'f Finding> {
    found
        .iter()
        .copied()
        .filter(|f| tools.contains(&f.tool.as_str()))
        .collect()
}

/// Pipeline services of a cloud provider: training they orchestrate runs on the provider's
/// compute.
const CLOUD_PIPELINES: &[&str] = &[
    "sagemaker-pipelines",
    "vertex-pipelines",
    "azure-ml-pipelines",
    "databricks-jobs",
];

/// Tools whose `experiment_code` finding is training run as jobs on a managed platform.
const MANAGED_TRAINING: &[&str] = &[
    "sagemaker-training",
    "vertex-training",
    "azure-ml-jobs",
    "databricks-notebooks",
];

/// Tools whose `experiment_code` finding is training submitted to a cluster's batch scheduler.
const CLUSTER_TRAINING: &[&str] = &["slurm"];

fn training_where(
    q: &Question,
    inp: &Inputs,
    facts: &BTreeMap<Block, BTreeMap<String, Value>>,
) -> Option<Answer> {
    let code = with_cap(inp, &["experiment_code"]);
    let orchestrated = with_cap(inp, &["orchestrated_training_pipeline"]);
    let ci = with_cap(inp, &["pipeline_ci", "continuous_training"]);
    let dist = with_cap(inp, &["distributed_training", "distributed_processing"]);
    let gpu = with_cap(inp, &["gpu_training"]);
    if code.is_empty() && orchestrated.is_empty() {
        return None;
    }
    let cloud = of_tools(&orchestrated, CLOUD_PIPELINES);
    // Training code launched as jobs on a managed platform (or written for its notebooks), or
    // submitted to a cluster's scheduler.
    let managed = of_tools(&code, MANAGED_TRAINING);
    let cluster = of_tools(&code, CLUSTER_TRAINING);
    let mut parts = Vec::new();
    if !cloud.is_empty() {
        parts.push(format!("cloud service: {}", tools_of(&cloud).join(", ")));
    }
    if !managed.is_empty() {
        parts.push(format!(
            "managed training: {}",
            tools_of(&managed).join(", ")
        ));
    }
    if !cluster.is_empty() {
        parts.push(format!(
            "batch jobs on a cluster: {}",
            tools_of(&cluster).join(", ")
        ));
    }
    let local_orch: Vec<&Finding> = orchestrated
        .iter()
        .copied()
        .filter(|f| !cloud.iter().any(|c| c.tool == f.tool))
        .collect();
    if !local_orch.is_empty() {
        parts.push(format!(
            "orchestrator: {}",
            tools_of(&local_orch).join(", ")
        ));
    }
    // Where pipeline steps run, as the pipeline readers found it (`compute` in their facts).
    let compute: BTreeSet<&str> = facts
        .get(&Block::MlPipelines)
        .into_iter()
        .flat_map(BTreeMap::values)
        .filter_map(Value::as_array)
        .flatten()
        .filter_map(|item| item.get("compute").and_then(Value::as_array))
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    if !compute.is_empty() {
        parts.push(format!(
            "steps run on {}",
            compute.into_iter().collect::<Vec<_>>().join(", ")
        ));
    }
    // Only CI systems run training "in CI": an orchestrator's own schedule, or a pipeline
    // service started from a cloud function, is not CI.
    let ci_systems = with_cap(inp, &["ci"]);
    let ci: Vec<&Finding> = ci
        .into_iter()
        .filter(|f| !orchestrated.iter().any(|o| o.tool == f.tool))
        .filter(|f| ci_systems.iter().any(|c| c.tool == f.tool))
        .collect();
    if !ci.is_empty() {
        parts.push(format!("CI: {}", tools_of(&ci).join(", ")));
    }
    if parts.is_empty() {
        parts.push("local scripts and notebooks".to_string());
    }
    parts.push(if dist.is_empty() {
        "not distributed".to_string()
    } else {
        format!("distributed ({})", tools_of(&dist).join(", "))
    });
    parts.push(if gpu.is_empty() {
        "no GPU use found".to_string()
    } else {
        format!("GPU ({})", tools_of(&gpu).join(", "))
    });
    let src = orchestrated
        .first()
        .or(managed.first())
        .or(cluster.first())
        .or(code.first())
        .and_then(|f| f.evidence.first())
        .map(loc)
        .unwrap_or_default();
    let mut used = orchestrated.clone();
    used.extend(
        managed
            .iter()
            .chain(&cluster)
            .chain(&ci)
            .chain(&dist)
            .chain(&gpu),
    );
    if used.is_empty() {
        used.clone_from(&code);
    }
    Some(detected(q, parts.join("; "), src, &used))
}

fn delivery_format(q: &Question, inp: &Inputs) -> Option<Answer> {
    let mut packaging = with_cap(inp, &["model_packaging"]);
    let mut formats = BTreeSet::new();
    let mut src = String::new();
    for f in &packaging {
        for e in &f.evidence {
            let s = format!("{} {} {}", f.tool, e.snippet, e.path).to_ascii_lowercase();
            let before = formats.len();
            for (needle, name) in [
                ("onnx", "ONNX"),
                ("torch.jit", "TorchScript"),
                ("torchscript", "TorchScript"),
                ("saved_model", "TensorFlow SavedModel"),
                ("savedmodel", "TensorFlow SavedModel"),
                ("mlflow", "MLflow model"),
                ("bentoml", "Bento"),
                ("joblib", "joblib pickle"),
                ("pickle", "pickle"),
                (".pkl", "pickle"),
                ("save_pretrained", "Hugging Face format"),
                (".mar", "TorchServe archive"),
                ("torch.save", "PyTorch state dict"),
                ("save_model", "library-native model file"),
                (".keras", "Keras file"),
                (".h5", "Keras HDF5"),
            ] {
                if s.contains(needle) {
                    formats.insert(name);
                }
            }
            if formats.len() > before && src.is_empty() {
                src = loc(e);
            }
        }
    }
    let containers = with_cap(inp, &["containerization"]);
    if !containers.is_empty()
        && !with_cap(inp, &["online_serving", "deployment_manifest"]).is_empty()
    {
        formats.insert("container image");
        packaging.extend(containers);
    }
    if formats.is_empty() {
        return None;
    }
    Some(detected(
        q,
        formats.into_iter().collect::<Vec<_>>().join(", "),
        src,
        &packaging,
    ))
}

fn deployment_target(
    q: &Question,
    inp: &Inputs,
    facts: &BTreeMap<Block, BTreeMap<String, Value>>,
) -> Option<Answer> {
    let manifests = with_cap(inp, &["deployment_manifest"]);
    let mut used = manifests.clone();
    let mut targets = BTreeSet::new();
    // Model endpoints the infrastructure code declares, as its readers found them.
    let mut declared_in = None;
    for (key, name) in [
        ("terraform", "Terraform"),
        ("cloudformation", "CloudFormation"),
        ("aws_cdk", "AWS CDK"),
        ("bicep", "Bicep"),
    ] {
        for item in fact_items(facts, Block::Foundations, key) {
            let endpoints: Vec<&str> = item["managed_endpoints"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect();
            if let Some(first) = endpoints.first() {
                let more = match endpoints.len() {
                    1 => String::new(),
                    n => format!(" and {} more", n - 1),
                };
                targets.insert(format!(
                    "managed endpoint declared in {name} ({first}{more})"
                ));
                declared_in.get_or_insert_with(|| item["path"].as_str().unwrap_or("").to_string());
            }
        }
    }
    for f in &manifests {
        let t = match f.tool.as_str() {
            "kubernetes" | "helm" | "kustomize" | "kserve" | "seldon" | "argo-rollouts"
            | "argocd" | "flux" | "istio" => "Kubernetes",
            "serverless" | "cloud-run" => "serverless",
            "sagemaker-endpoint" | "vertex-endpoint" | "azure-ml-endpoint" | "pulumi" => {
                "managed endpoint"
            }
            "anyscale" => "managed platform",
            "mlflow" => "MLflow model server",
            // The IaC facts above already name what these declare.
            "terraform" | "cloudformation" | "aws-cdk" | "bicep" if declared_in.is_some() => {
                continue;
            }
            "terraform" | "cloudformation" | "aws-cdk" | "bicep" => {
                "declared in infrastructure code"
            }
            _ => "other",
        };
        let at = f.evidence.first().map(loc).unwrap_or_default();
        targets.insert(match (f.tool_name == t, at.is_empty()) {
            (true, true) => t.to_string(),
            (true, false) => format!("{t} ({at})"),
            (false, true) => format!("{t} ({})", f.tool_name),
            (false, false) => format!("{t} ({}, {at})", f.tool_name),
        });
    }
    let batch = with_cap(inp, &["batch_serving"]);
    if !batch.is_empty() {
        targets.insert("batch job".to_string());
        used.extend(batch);
    }
    let containers = with_cap(inp, &["containerization"]);
    if targets.is_empty()
        && !containers.is_empty()
        && !with_cap(inp, &["online_serving"]).is_empty()
    {
        targets.insert("a container (target platform not declared in the repository)".to_string());
        used.extend(containers);
    }
    if targets.is_empty() {
        return None;
    }
    let mut answer = targets.into_iter().collect::<Vec<_>>().join(", ");
    let strategies: Vec<String> = fact_items(facts, Block::ModelDeployment, "release_strategies")
        .iter()
        .filter_map(|v| v["strategy"].as_str().map(str::to_string))
        .collect();
    if !strategies.is_empty() {
        let _ = write!(answer, "; release strategy: {}", strategies.join(", "));
    }
    let src = manifests
        .first()
        .and_then(|f| f.evidence.first())
        .map(loc)
        .or(declared_in)
        .unwrap_or_default();
    Some(detected(q, answer, src, &used))
}

/// Language of a file, by extension, for the analysis-language answer.
pub fn language_of(path: &str) -> Option<&'static str> {
    let ext = path.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase())?;
    Some(match ext.as_str() {
        "py" | "pyw" | "pyi" => "Python",
        "ipynb" => "Jupyter notebooks",
        "r" | "rmd" => "R",
        "sql" => "SQL",
        "scala" | "sc" => "Scala",
        "java" => "Java",
        "kt" => "Kotlin",
        "go" => "Go",
        "rs" => "Rust",
        "jl" => "Julia",
        "js" | "mjs" | "jsx" => "JavaScript",
        "ts" | "tsx" => "TypeScript",
        "cpp" | "cc" | "cxx" | "hpp" | "c" | "h" | "cu" => "C/C++/CUDA",
        "sh" | "bash" => "Shell",
        "m" => "MATLAB",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::Confidence;

    static NO_LANGUAGES: BTreeMap<String, usize> = BTreeMap::new();

    /// The inputs of a scan that found `findings`, without history or language counts.
    fn scanned(findings: &[Finding]) -> Inputs<'_> {
        Inputs {
            findings,
            dora: None,
            languages: &NO_LANGUAGES,
        }
    }

    fn finding(tool: &str, capability: &str, evidence: &[(&str, u32, &str)]) -> Finding {
        Finding {
            tool: tool.to_string(),
            tool_name: tool.to_string(),
            capability: capability.to_string(),
            block: Block::MlPipelines,
            confidence: Confidence::High,
            evidence: evidence
                .iter()
                .map(|(p, l, s)| Evidence {
                    path: (*p).to_string(),
                    line: Some(*l),
                    snippet: (*s).to_string(),
                })
                .collect(),
            evidence_total: evidence.len(),
        }
    }

    fn question(derive: &str) -> Question {
        Question {
            id: "x".to_string(),
            block: "ml_pipelines".to_string(),
            text: "?".to_string(),
            capabilities: Vec::new(),
            derive: Some(derive.to_string()),
        }
    }

    #[test]
    fn retraining_trigger_names_kinds_and_puts_training_first() {
        let findings = vec![finding(
            "dagster",
            "continuous_training",
            &[
                (
                    "a.py",
                    3,
                    "schedule report: weekly on Monday at 07:00 UTC, runs report_job",
                ),
                (
                    "b.py",
                    9,
                    "schedule nightly: daily at 02:30 UTC, runs retrain_job",
                ),
                (
                    "c.py",
                    7,
                    "sensor new_labels (event: a sensor decides when to run), runs retrain_job",
                ),
            ],
        )];
        let inp = scanned(&findings);
        let a = retraining_trigger(&question("retraining_trigger"), &inp).unwrap();
        assert!(
            a.answer
                .starts_with("automatic (scheduled and event-based): schedule nightly"),
            "{}",
            a.answer
        );
        assert!(!a.answer.contains("report_job"), "{}", a.answer);
        assert_eq!(a.source, "detected: b.py:9");
    }

    #[test]
    fn training_where_reads_compute_and_keeps_orchestrators_out_of_ci() {
        let findings = vec![
            finding(
                "metaflow",
                "orchestrated_training_pipeline",
                &[("f.py", 1, "")],
            ),
            finding("metaflow", "continuous_training", &[("f.py", 4, "")]),
        ];
        let inp = scanned(&findings);
        let mut facts = BTreeMap::new();
        facts.insert(
            Block::MlPipelines,
            BTreeMap::from([(
                "metaflow_flows".to_string(),
                serde_json::json!([{"compute": ["Kubernetes (Metaflow @kubernetes)"]}]),
            )]),
        );
        let a = training_where(&question("training_where"), &inp, &facts).unwrap();
        assert_eq!(
            a.answer,
            "orchestrator: metaflow; steps run on Kubernetes (Metaflow @kubernetes); not distributed; no GPU use found"
        );
    }

    #[test]
    fn training_where_names_managed_training_jobs() {
        let findings = vec![
            finding(
                "sagemaker-training",
                "experiment_code",
                &[("launch.py", 7, "")],
            ),
            finding("xgboost", "experiment_code", &[("train.py", 1, "")]),
        ];
        let inp = scanned(&findings);
        let a = training_where(&question("training_where"), &inp, &BTreeMap::new()).unwrap();
        assert_eq!(
            a.answer,
            "managed training: sagemaker-training; not distributed; no GPU use found"
        );
    }

    #[test]
    fn training_in_ci_needs_a_ci_system() {
        // A pipeline service started from a cloud function retrains, but not in CI.
        let mut findings = vec![
            finding(
                "kubeflow-pipelines",
                "orchestrated_training_pipeline",
                &[("p.py", 1, "")],
            ),
            finding(
                "vertex-pipelines",
                "continuous_training",
                &[("trigger/main.py", 9, "")],
            ),
            finding(
                "github-actions",
                "continuous_training",
                &[(".github/workflows/t.yml", 3, "")],
            ),
        ];
        let answer = |findings: &[Finding]| {
            let inp = scanned(findings);
            training_where(&question("training_where"), &inp, &BTreeMap::new())
                .unwrap()
                .answer
        };
        assert!(!answer(&findings).contains("CI:"), "{}", answer(&findings));
        findings.push(finding(
            "github-actions",
            "ci",
            &[(".github/workflows/t.yml", 1, "")],
        ));
        assert!(
            answer(&findings).contains("CI: github-actions"),
            "{}",
            answer(&findings)
        );
        assert!(
            !answer(&findings).contains("vertex"),
            "{}",
            answer(&findings)
        );
    }

    #[test]
    fn deployment_target_names_endpoints_declared_in_iac() {
        let mut f = finding(
            "cloudformation",
            "deployment_manifest",
            &[("infra/endpoint.yaml", 29, "")],
        );
        f.block = Block::ModelDeployment;
        let mut g = f.clone();
        g.tool = "sagemaker-endpoint".to_string();
        g.tool_name = "SageMaker".to_string();
        let findings = vec![f, g];
        let inp = scanned(&findings);
        let mut facts = BTreeMap::new();
        facts.insert(
            Block::Foundations,
            BTreeMap::from([(
                "cloudformation".to_string(),
                serde_json::json!([{"path": "infra/endpoint.yaml", "managed_endpoints": ["AWS::SageMaker::Endpoint.Churn"]}]),
            )]),
        );
        let a = deployment_target(&question("deployment_target"), &inp, &facts).unwrap();
        assert_eq!(
            a.answer,
            "managed endpoint (SageMaker, infra/endpoint.yaml:29), managed endpoint declared in CloudFormation (AWS::SageMaker::Endpoint.Churn)"
        );
        let a = deployment_target(&question("deployment_target"), &inp, &BTreeMap::new()).unwrap();
        assert_eq!(
            a.answer,
            "declared in infrastructure code (cloudformation, infra/endpoint.yaml:29), managed endpoint (SageMaker, infra/endpoint.yaml:29)"
        );
    }

    #[test]
    fn trigger_kinds_from_snippets() {
        assert_eq!(
            trigger_kind("push to data/** runs train"),
            Some("event-based")
        );
        assert_eq!(
            trigger_kind("DAG schedule [Dataset(x)]: data-aware: x"),
            Some("event-based")
        );
        assert_eq!(
            trigger_kind("schedule 0 3 * * 1 (weekly on Monday) runs train"),
            Some("scheduled")
        );
        assert_eq!(trigger_kind("pipeline.start(parameters=params)"), None);
    }
}
