//! ZenML pipelines read from Python code importing `zenml`: `@pipeline` and `@step` functions,
//! schedules (`Schedule(cron_expression=...)` in words, or an interval), the step operators
//! and experiment trackers steps name, GPU requests (`ResourceSettings(gpu_count=...)`) and
//! orchestrator or step-operator settings classes (`KubernetesOrchestratorSettings`,
//! `SagemakerStepOperatorSettings`...), which say where steps run.
//!
//! A cron or interval schedule credits continuous training (a one-off `run_once_start_time`
//! does not); a GPU request credits GPU training; the fact's `compute` feeds the
//! training-location answer.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use regex::Regex;
use serde_json::json;

use super::pysrc::{int, kwarg, PySource};
use super::{cron, Fact, ParseOut, ParsedHit};
use crate::canvas::Block;
use crate::detect::redact::snippet;
use crate::detect::spec::Confidence;

struct Res {
    schedule: Regex,
    resources: Regex,
    settings: Regex,
}

fn res() -> &'static Res {
    static RE: OnceLock<Res> = OnceLock::new();
    RE.get_or_init(|| Res {
        schedule: Regex::new(r"(?:^|[^\w.])Schedule\s*\(").expect("valid"),
        resources: Regex::new(r"\bResourceSettings\s*\(").expect("valid"),
        settings: Regex::new(r"\b([A-Z]\w*?)(Orchestrator|StepOperator)Settings\s*\(")
            .expect("valid"),
    })
}

/// The pipeline a `Schedule(` call is given to: `p.with_options(schedule=Schedule(...))`, or
/// `s = Schedule(...)` then `p.with_options(schedule=s)`.
fn scheduled_pipeline<'a>(src: &PySource<'a>, at: usize) -> Option<&'a str> {
    static WITH: OnceLock<Regex> = OnceLock::new();
    let with =
        WITH.get_or_init(|| Regex::new(r"([A-Za-z_]\w*)\.with_options\s*\(").expect("valid"));
    // Inside the arguments of a with_options call.
    for c in with.captures_iter(&src.code[..at]) {
        let (Some(all), Some(name)) = (c.get(0), c.get(1)) else {
            continue;
        };
        if src
            .call_args(all.end() - 1)
            .is_some_and(|r| r.contains(&at))
        {
            return Some(name.as_str());
        }
    }
    let var = super::pysrc::assigned_name(src.code, at)?;
    with.captures_iter(src.code).find_map(|c| {
        let (all, name) = (c.get(0)?, c.get(1)?);
        let args = src.call_args(all.end() - 1)?;
        let sched = kwarg(&src.args(args), "schedule")?.value;
        (sched == var).then_some(name.as_str())
    })
}

/// Parses Python source that may define ZenML pipelines.
pub(crate) fn parse_zenml(path: &str, src: &PySource) -> ParseOut {
    let mut out = ParseOut::default();
    if !src.imports_any(&["zenml"]) {
        return out;
    }
    let re = res();
    let mut pipelines = BTreeSet::new();
    let mut steps = BTreeSet::new();
    let mut step_operators = BTreeSet::new();
    let mut trackers = BTreeSet::new();
    for d in src.decorators() {
        if d.unclosed {
            out.warnings.push(src.unclosed_warning(d.name, d.at));
            continue;
        }
        let short = d.short();
        // `@step` from zenml (bare or `zenml.step`); a Metaflow `@step` in the same file is not.
        let ours = match d.name.rsplit_once('.') {
            Some((prefix, _)) => prefix == "zenml",
            None => {
                src.imports_name_from("zenml", short)
                    || src.imports_name_from("zenml.steps", short)
                    || src.imports_name_from("zenml.pipelines", short)
            }
        };
        if !ours || !matches!(short, "pipeline" | "step") {
            continue;
        }
        let args = d.args.clone().map(|r| src.args(r)).unwrap_or_default();
        let Some(name) = kwarg(&args, "name")
            .and_then(|a| src.string(a.value))
            .map(str::to_string)
            .or_else(|| d.target.map(|t| t.1.to_string()))
        else {
            continue;
        };
        if short == "pipeline" {
            pipelines.insert(name);
            continue;
        }
        if let Some(a) = kwarg(&args, "step_operator") {
            step_operators.insert(if a.value == "True" {
                "the stack's step operator".to_string()
            } else {
                src.text_of(a.value)
            });
        }
        if let Some(a) = kwarg(&args, "experiment_tracker") {
            trackers.insert(src.text_of(a.value));
        }
        steps.insert(name);
    }

    let mut schedules = Vec::new();
    let zenml_schedule = src.imports_name_from("zenml", "Schedule");
    for m in re.schedule.find_iter(src.code).filter(|_| zenml_schedule) {
        let open = m.end() - 1;
        let Some(range) = src.call_args(open) else {
            out.warnings.push(src.unclosed_warning("Schedule", open));
            break;
        };
        let args = src.args(range);
        let line = src.line(open);
        let (expr, reads, recurring) = if let Some(a) = kwarg(&args, "cron_expression") {
            match src.string(a.value) {
                Some(c) if c.split_whitespace().count() == 5 => {
                    (c.to_string(), cron::describe(c), true)
                }
                Some(c) => {
                    out.warnings.push(format!(
                        "line {line}: `{}` is not a five-field cron expression",
                        snippet(c)
                    ));
                    (c.to_string(), format!("invalid cron {}", snippet(c)), true)
                }
                None => (src.text_of(a.value), "set in code".to_string(), true),
            }
        } else if let Some(a) = kwarg(&args, "interval_second") {
            let reads = match int(a.value) {
                Some(86_400) => "daily".to_string(),
                Some(3_600) => "hourly".to_string(),
                Some(s) if s > 0 && s % 86_400 == 0 => format!("every {} days", s / 86_400),
                Some(s) if s > 0 && s % 3_600 == 0 => format!("every {} hours", s / 3_600),
                Some(s) => format!("every {s} seconds"),
                None => format!("every {}", src.text_of(a.value)),
            };
            let expr = match int(a.value) {
                Some(s) => format!("interval_second={s}"),
                None => src.text_of(a.value),
            };
            (expr, reads, true)
        } else if kwarg(&args, "run_once_start_time").is_some() {
            (String::new(), "once, at a set time".to_string(), false)
        } else {
            continue;
        };
        let runs = scheduled_pipeline(src, m.start());
        if recurring {
            let what = runs.map(|p| format!(", runs {p}")).unwrap_or_default();
            out.hits.push(ParsedHit {
                tool: "zenml",
                capability: "continuous_training",
                block: Block::MlPipelines,
                confidence: Confidence::High,
                line: Some(line),
                snippet: snippet(&format!("ZenML schedule: {reads}{what}")),
            });
        }
        schedules.push(json!({"expr": expr, "reads": reads, "pipeline": runs, "line": line}));
    }

    let mut gpu = Vec::new();
    for m in re.resources.find_iter(src.code) {
        let open = m.end() - 1;
        let Some(range) = src.call_args(open) else {
            out.warnings
                .push(src.unclosed_warning("ResourceSettings", open));
            break;
        };
        let args = src.args(range);
        let Some(n) = kwarg(&args, "gpu_count").and_then(|a| int(a.value)) else {
            continue;
        };
        if n <= 0 {
            continue;
        }
        let line = src.line(open);
        out.hits.push(ParsedHit {
            tool: "zenml",
            capability: "gpu_training",
            block: Block::ExperimentManagement,
            confidence: Confidence::High,
            line: Some(line),
            snippet: snippet(&format!("ZenML step resources ask for {n} GPU")),
        });
        gpu.push(json!({"gpu_count": n, "line": line}));
    }
    let mut compute: BTreeSet<String> = re
        .settings
        .captures_iter(src.code)
        .map(|c| {
            let what = if &c[2] == "Orchestrator" {
                "orchestrator"
            } else {
                "step operator"
            };
            format!("{} {what} (ZenML)", &c[1])
        })
        .collect();
    compute.extend(
        step_operators
            .iter()
            .map(|s| format!("step operator {s} (ZenML)")),
    );

    if pipelines.is_empty() && steps.is_empty() && schedules.is_empty() && gpu.is_empty() {
        return out;
    }
    out.facts.push(Fact {
        block: Block::MlPipelines,
        key: "zenml_pipelines",
        value: json!({
            "path": path,
            "pipelines": pipelines,
            "steps": steps,
            "step_count": steps.len(),
            "schedules": schedules,
            "step_operators": step_operators,
            "experiment_trackers": trackers,
            "gpu": gpu,
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
        with_source(text, |s| parse_zenml("run.py", s))
    }

    #[test]
    fn pipelines_steps_schedules_and_gpus() {
        let src = "from zenml import pipeline, step\nfrom zenml.config import ResourceSettings\nfrom zenml.config.schedule import Schedule\n\n@step(experiment_tracker=\"mlflow_tracker\", step_operator=\"sagemaker\", settings={\"resources\": ResourceSettings(gpu_count=2)})\ndef train(df): ...\n\n@step\ndef load(): ...\n\n@pipeline(name=\"churn_training\")\ndef training():\n    train(load())\n\ntraining.with_options(schedule=Schedule(cron_expression=\"0 4 * * 0\"))()\nother = Schedule(interval_second=7200)\nonce = Schedule(run_once_start_time=start)\n";
        let out = parse(src);
        let v = &out.facts[0].value;
        assert_eq!(v["pipelines"][0], "churn_training");
        assert_eq!(v["steps"], json!(["load", "train"]));
        assert_eq!(v["schedules"][0]["reads"], "weekly on Sunday at 04:00 UTC");
        assert_eq!(v["schedules"][0]["pipeline"], "training");
        assert_eq!(v["schedules"][1]["reads"], "every 2 hours");
        assert_eq!(v["experiment_trackers"][0], "mlflow_tracker");
        assert_eq!(v["compute"][0], "step operator sagemaker (ZenML)");
        let caps: Vec<&str> = out.hits.iter().map(|h| h.capability).collect();
        assert_eq!(
            caps,
            vec!["continuous_training", "continuous_training", "gpu_training"]
        );
    }

    #[test]
    fn other_steps_and_schedules_are_not_zenml() {
        let src = "import zenml\nfrom metaflow import step\nfrom apscheduler import Schedule\n\n@step\ndef start(self): ...\n\ns = Schedule(cron_expression=\"0 1 * * *\")\n";
        let out = parse(src);
        assert!(
            out.facts.is_empty() && out.hits.is_empty(),
            "{:?}",
            out.facts
        );
    }
}
