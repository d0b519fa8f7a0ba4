//! SageMaker Pipelines written with the Python SDK (`sagemaker.workflow`, or
//! `sagemaker.mlops.workflow` in SDK v3), in `.py` files and notebooks: pipeline names, the
//! step classes used and how often (`TrainingStep`, `ProcessingStep`, `TuningStep`,
//! `ModelStep`, `RegisterModel`, ... and `@step` function steps), pipeline parameters, the
//! instance types named, the model package groups models are registered to, and
//! `PipelineSchedule` triggers read in words.
//!
//! A `RegisterModel` step, or a `ModelStep` whose arguments come from `model.register(...)`,
//! proves a model registry (credited to SageMaker Model Registry); a schedule proves continuous
//! training. Training and tuning steps run as SageMaker jobs, which the training-location
//! answer reads from the fact's `compute`.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use regex::Regex;
use serde_json::json;

use super::pysrc::{kwarg, positional, PySource};
use super::{cron, Fact, ParseOut, ParsedHit};
use crate::canvas::Block;
use crate::detect::redact::snippet;
use crate::detect::spec::Confidence;

struct Res {
    step: Regex,
    pipeline: Regex,
    schedule: Regex,
    parameter: Regex,
    instance: Regex,
    group: Regex,
}

fn res() -> &'static Res {
    static RE: OnceLock<Res> = OnceLock::new();
    RE.get_or_init(|| Res {
        step: Regex::new(r"\b(TrainingStep|ProcessingStep|TuningStep|ModelStep|RegisterModel|CreateModelStep|TransformStep|ConditionStep|LambdaStep|CallbackStep|FailStep|QualityCheckStep|ClarifyCheckStep|EMRStep|EMRServerlessStep|NotebookJobStep|AutoMLStep)\s*\(").expect("valid"),
        pipeline: Regex::new(r"(?:^|[^\w.])((?:[A-Za-z_]\w*\.)*)Pipeline\s*\(").expect("valid"),
        schedule: Regex::new(r"\bPipelineSchedule\s*\(").expect("valid"),
        parameter: Regex::new(r"\bParameter(?:String|Integer|Float|Boolean)\s*\(").expect("valid"),
        instance: Regex::new(r#"\b(?:instance_type|default_value)\s*=\s*["'](ml\.[a-z0-9-]+\.[a-z0-9]+)["']"#).expect("valid"),
        group: Regex::new(r"\bmodel_package_group_name\s*=").expect("valid"),
    })
}

/// Whether a `ModelStep` registers a model: its `step_args` come from `.register(...)`,
/// directly or through a variable assigned from it.
fn model_step_registers(src: &PySource, step_args: &str) -> bool {
    if step_args.contains(".register(") {
        return true;
    }
    if !step_args.chars().all(|c| c.is_alphanumeric() || c == '_') || step_args.is_empty() {
        return false;
    }
    Regex::new(&format!(
        r"\b{}\s*=\s*[\w.]+\.register\s*\(",
        regex::escape(step_args)
    ))
    .is_ok_and(|re| re.is_match(src.code))
}

/// Parses Python source that may define SageMaker pipelines.
pub(crate) fn parse_sagemaker_pipelines(path: &str, src: &PySource) -> ParseOut {
    let mut out = ParseOut::default();
    if !src.imports_any(&["sagemaker.workflow", "sagemaker.mlops.workflow"]) {
        return out;
    }
    let re = res();
    let sklearn_pipeline = src.imports_name_from("sklearn", "Pipeline");
    let sagemaker_pipeline = src.imports_name_from("sagemaker", "Pipeline");
    let mut pipelines = Vec::new();
    for c in re.pipeline.captures_iter(src.code) {
        let (Some(qual), Some(all)) = (c.get(1), c.get(0)) else {
            continue;
        };
        let q = qual.as_str();
        if !(q.contains("sagemaker")
            || q.contains("workflow")
            || (q.is_empty() && sagemaker_pipeline))
        {
            continue;
        }
        let open = all.end() - 1;
        let Some(range) = src.call_args(open) else {
            out.warnings.push(src.unclosed_warning("Pipeline", open));
            break;
        };
        let args = src.args(range);
        let name = kwarg(&args, "name").or_else(|| positional(&args, 0));
        // scikit-learn's Pipeline(steps=[...]) takes no name: with both imported, only a
        // named pipeline is SageMaker's.
        if q.is_empty() && sklearn_pipeline && kwarg(&args, "name").is_none() {
            continue;
        }
        let steps_listed = kwarg(&args, "steps")
            .filter(|a| a.value.starts_with('['))
            .and_then(|a| src.call_args(a.start))
            .map(|r| src.args(r).len());
        pipelines.push(json!({
            "name": name.map(|a| src.text_of(a.value)),
            "line": src.line(qual.start()),
            "steps_listed": steps_listed,
        }));
    }

    let mut steps = Vec::new();
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    let mut groups = BTreeSet::new();
    for g in re.group.find_iter(src.code) {
        let v = src.value_at(g.end());
        if !v.is_empty() {
            groups.insert(src.text_of(v));
        }
    }
    let group_text = || {
        groups
            .iter()
            .next()
            .map(|g| format!(" in model package group {g}"))
            .unwrap_or_default()
    };
    for c in re.step.captures_iter(src.code) {
        let (Some(class), Some(all)) = (c.get(1), c.get(0)) else {
            continue;
        };
        let open = all.end() - 1;
        let Some(range) = src.call_args(open) else {
            out.warnings
                .push(src.unclosed_warning(class.as_str(), open));
            break;
        };
        let args = src.args(range);
        let name = kwarg(&args, "name")
            .or_else(|| positional(&args, 0))
            .map(|a| src.text_of(a.value));
        let line = src.line(class.start());
        let registers = match class.as_str() {
            "RegisterModel" => true,
            "ModelStep" => {
                kwarg(&args, "step_args").is_some_and(|a| model_step_registers(src, a.value))
            }
            _ => false,
        };
        if registers {
            out.hits.push(ParsedHit {
                tool: "sagemaker-model-registry",
                capability: "model_registry",
                block: Block::ModelRegistry,
                confidence: Confidence::High,
                line: Some(line),
                snippet: snippet(&format!(
                    "pipeline step {} {} registers the model{}",
                    class.as_str(),
                    name.as_deref().unwrap_or("(unnamed)"),
                    group_text()
                )),
            });
        }
        *counts.entry(class.as_str().to_string()).or_default() += 1;
        steps.push(json!({"class": class.as_str(), "name": name, "line": line, "registers_model": registers}));
    }
    // `@step` function steps (SDK 2.190+): a decorated function runs as a SageMaker job.
    if src.imports_name_from("sagemaker.workflow.function_step", "step")
        || src.imports_name_from("sagemaker.mlops.workflow.function_step", "step")
    {
        for d in src.decorators().iter().filter(|d| d.short() == "step") {
            let args = d.args.clone().map(|r| src.args(r)).unwrap_or_default();
            let name = kwarg(&args, "name")
                .map(|a| src.text_of(a.value))
                .or_else(|| d.target.map(|t| t.1.to_string()));
            *counts.entry("@step".to_string()).or_default() += 1;
            steps.push(json!({"class": "@step", "name": name, "line": src.line(d.at), "registers_model": false}));
        }
    }

    let mut schedules = Vec::new();
    for m in re.schedule.find_iter(src.code) {
        let open = m.end() - 1;
        let Some(range) = src.call_args(open) else {
            out.warnings
                .push(src.unclosed_warning("PipelineSchedule", open));
            break;
        };
        let args = src.args(range);
        let name = kwarg(&args, "name").map(|a| src.text_of(a.value));
        let line = src.line(m.start());
        let (expr, reads) = if let Some(a) = kwarg(&args, "cron") {
            match src.string(a.value) {
                Some(c) => {
                    // EventBridge cron has six fields (the last is the year); a crontab-style
                    // five-field expression is rejected when the schedule is created.
                    let inner = c.trim().trim_start_matches("cron(").trim_end_matches(')');
                    let fields = inner.split_whitespace().count();
                    if fields != 6 {
                        out.warnings.push(format!(
                            "line {line}: `{}` has {fields} fields; an EventBridge cron needs 6 (minutes hours day-of-month month day-of-week year)",
                            snippet(c)
                        ));
                    }
                    (c.to_string(), cron::describe_aws(c))
                }
                None => (src.text_of(a.value), "set in code".to_string()),
            }
        } else if let Some(a) = kwarg(&args, "rate") {
            match src.string(a.value) {
                Some(r) => (r.to_string(), format!("every {r}")),
                None => (src.text_of(a.value), "set in code".to_string()),
            }
        } else if let Some(a) = kwarg(&args, "at") {
            (src.text_of(a.value), "once, at a set time".to_string())
        } else {
            (String::new(), "set in code".to_string())
        };
        let label = name.clone().unwrap_or_else(|| "(unnamed)".to_string());
        if kwarg(&args, "at").is_none() {
            out.hits.push(ParsedHit {
                tool: "sagemaker-pipelines",
                capability: "continuous_training",
                block: Block::MlPipelines,
                confidence: Confidence::High,
                line: Some(line),
                snippet: snippet(&format!("pipeline schedule {label}: {reads}")),
            });
        }
        schedules.push(json!({"name": name, "expr": expr, "reads": reads, "line": line}));
    }

    if pipelines.is_empty() && steps.is_empty() && schedules.is_empty() {
        return out;
    }
    let instance_types: BTreeSet<&str> = re
        .instance
        .captures_iter(src.no_comments)
        .filter(|c| {
            c.get(0)
                .is_some_and(|m| src.code.as_bytes().get(m.start()) != Some(&b' '))
        })
        .filter_map(|c| c.get(1).map(|m| m.as_str()))
        .collect();
    let training: Vec<&str> = ["TrainingStep", "TuningStep", "@step"]
        .into_iter()
        .filter(|k| counts.contains_key(*k))
        .collect();
    let compute: Vec<&str> = if training.is_empty() {
        Vec::new()
    } else {
        vec!["SageMaker training jobs"]
    };
    out.facts.push(Fact {
        block: Block::MlPipelines,
        key: "sagemaker_pipelines",
        value: json!({
            "path": path,
            "pipelines": pipelines,
            "steps": steps,
            "step_counts": counts,
            "parameters": re.parameter.find_iter(src.code).count(),
            "schedules": schedules,
            "model_package_groups": groups,
            "instance_types": instance_types,
            "compute": compute,
        }),
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::parse::pysrc::with_source;

    fn parse(text: &str) -> ParseOut {
        with_source(text, |s| parse_sagemaker_pipelines("p.py", s))
    }

    const PIPE: &str = r#"from sagemaker.workflow.pipeline import Pipeline
from sagemaker.workflow.steps import ProcessingStep, TrainingStep
from sagemaker.workflow.model_step import ModelStep
from sagemaker.workflow.parameters import ParameterString

instance = ParameterString(name="TrainInstance", default_value="ml.g5.2xlarge")
prep = ProcessingStep(name="Prep", processor=proc)
train = TrainingStep(
    name="Train",  # the (main) step
    estimator=est,
)
register_args = model.register(model_package_group_name="churn-models")
reg = ModelStep(name="Register", step_args=register_args)
create = ModelStep(name="Create", step_args=model.create(instance_type="ml.m5.large"))
pipeline = Pipeline(name=f"{prefix}-churn", parameters=[instance], steps=[prep, train, reg])
"#;

    #[test]
    fn reads_pipeline_steps_and_registration() {
        let out = parse(PIPE);
        let v = &out.facts[0].value;
        assert_eq!(
            v["pipelines"][0]["name"],
            "set in code: f\"{prefix}-churn\""
        );
        assert_eq!(v["pipelines"][0]["steps_listed"], 3);
        assert_eq!(v["step_counts"]["ModelStep"], 2);
        assert_eq!(v["steps"][1]["name"], "Train");
        assert_eq!(v["steps"][1]["line"], 8);
        assert_eq!(v["model_package_groups"][0], "churn-models");
        assert_eq!(v["instance_types"][0], "ml.g5.2xlarge");
        assert_eq!(v["parameters"], 1);
        assert_eq!(v["compute"][0], "SageMaker training jobs");
        assert_eq!(out.hits.len(), 1, "{:?}", out.hits);
        assert_eq!(out.hits[0].line, Some(13));
        assert!(out.hits[0].snippet.contains("churn-models"));
    }

    #[test]
    fn schedules_in_words() {
        let src = "from sagemaker.workflow.triggers import PipelineSchedule\ns = PipelineSchedule(name='weekly', cron='0 2 ? * MON *')\n";
        let out = parse(src);
        assert_eq!(
            out.facts[0].value["schedules"][0]["reads"],
            "weekly on Monday at 02:00 UTC"
        );
        assert_eq!(out.hits[0].capability, "continuous_training");
        assert!(out.warnings.is_empty());
        let five = parse("from sagemaker.workflow.triggers import PipelineSchedule\ns = PipelineSchedule(cron='0 2 * * 1')\n");
        assert!(
            five.warnings[0].contains("has 5 fields"),
            "{:?}",
            five.warnings
        );
    }

    #[test]
    fn sklearn_pipeline_and_plain_jobs_are_not_pipelines() {
        let src = "from sklearn.pipeline import Pipeline\nimport sagemaker.workflow\np = Pipeline(steps=[('s', s)])\n";
        assert!(parse(src).facts.is_empty());
        assert!(parse("import sagemaker\nest.fit()\n").facts.is_empty());
    }

    #[test]
    fn docstring_and_comment_pipelines_do_not_count() {
        let src = "\"\"\"\nPipeline(name='x', steps=[TrainingStep(name='t')])\n\"\"\"\nimport sagemaker.workflow\n# RegisterModel(name='r')\n";
        let out = parse(src);
        assert!(out.facts.is_empty() && out.hits.is_empty());
    }

    #[test]
    fn unclosed_call_is_a_warning() {
        let out = parse(
            "from sagemaker.workflow.steps import TrainingStep\nt = TrainingStep(name='x',\n",
        );
        assert_eq!(out.warnings.len(), 1);
        assert!(out.warnings[0].contains("line 2"), "{:?}", out.warnings);
    }
}
