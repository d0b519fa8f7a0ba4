//! Dagster definitions read from Python code importing `dagster`: assets (`@asset`,
//! `@multi_asset`, `@graph_asset`), ops, graphs and jobs (`@job`, `define_asset_job`), and
//! what runs them by itself: schedules (`ScheduleDefinition`, `@schedule`,
//! `build_schedule_from_partitioned_job`) with their cron in words, sensors (`@sensor`,
//! `@asset_sensor`, `@multi_asset_sensor`, `@run_status_sensor`, `SensorDefinition`) as event
//! triggers, and declarative automation (`AutomationCondition.on_cron(...)`, `.eager()`,
//! `AutoMaterializePolicy.eager()`).
//!
//! Every schedule, sensor and automation condition credits continuous training, as the Dagster
//! detector does; each fact says whether its target reads as training (`train`, `model`,
//! `fit`... in the job, its selection or the asset), at high confidence, or not, at medium.
//! A run-failure sensor is alerting, not a trigger.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use regex::Regex;
use serde_json::{json, Value as Json};

use super::pysrc::{assigned_name, kwarg, positional, Arg, PySource};
use super::{cron, Fact, ParseOut, ParsedHit};
use crate::canvas::Block;
use crate::detect::redact::snippet;
use crate::detect::spec::Confidence;

struct Res {
    calls: Regex,
    training: Regex,
}

fn res() -> &'static Res {
    static RE: OnceLock<Res> = OnceLock::new();
    RE.get_or_init(|| Res {
        calls: Regex::new(r"\b(define_asset_job|ScheduleDefinition|SensorDefinition|build_schedule_from_partitioned_job|AutomationCondition\.on_cron|AutomationCondition\.eager|AutoMaterializePolicy\.eager)\s*\(").expect("valid"),
        training: Regex::new(r"(?i)train|model|fit|learn|tun(e|ing)").expect("valid"),
    })
}

/// A cron string (or a list of them) in words; a warning when a literal is no cron.
fn read_cron(src: &PySource, value: &str, warnings: &mut Vec<String>, line: u32) -> (Json, String) {
    let items: Vec<&str> = if value.starts_with('[') {
        value
            .trim_matches(|c| c == '[' || c == ']')
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect()
    } else {
        vec![value]
    };
    let mut exprs = Vec::new();
    let mut reads = Vec::new();
    for item in items {
        let Some(c) = src.string(item) else {
            exprs.push(src.text_of(item));
            reads.push("set in code".to_string());
            continue;
        };
        let r = match c.trim() {
            "@hourly" | "@daily" | "@weekly" | "@monthly" | "@yearly" | "@annually" => {
                c.trim().trim_start_matches('@').to_string()
            }
            e if e.split_whitespace().count() == 5 => cron::describe(e),
            e => {
                warnings.push(format!(
                    "line {line}: `{}` is not a five-field cron expression",
                    snippet(e)
                ));
                format!("invalid cron {}", snippet(e))
            }
        };
        exprs.push(snippet(c));
        reads.push(r);
    }
    let expr = if exprs.len() == 1 {
        json!(exprs[0])
    } else {
        json!(exprs)
    };
    (expr, reads.join("; "))
}

/// The job, asset selection or target a schedule or sensor runs, as written.
fn target_of(src: &PySource, args: &[Arg]) -> Option<String> {
    [
        "job",
        "job_name",
        "target",
        "jobs",
        "request_job",
        "request_jobs",
        "asset_selection",
    ]
    .into_iter()
    .find_map(|k| kwarg(args, k))
    .map(|a| {
        src.string(a.value)
            .map_or_else(|| snippet(a.value), snippet)
    })
}

const SENSORS: [&str; 5] = [
    "sensor",
    "asset_sensor",
    "multi_asset_sensor",
    "run_status_sensor",
    "run_failure_sensor",
];

struct Trigger {
    kind: &'static str,
    name: String,
    target: Option<String>,
    line: u32,
    detail: Json,
    reads: String,
}

/// Parses Python source that may hold Dagster definitions.
pub(crate) fn parse_dagster(path: &str, src: &PySource) -> ParseOut {
    let mut out = ParseOut::default();
    if !src.imports_any(&["dagster"]) {
        return out;
    }
    let re = res();
    let mut assets = BTreeSet::new();
    let mut ops = BTreeSet::new();
    let mut graphs = BTreeSet::new();
    // Job name -> its asset selection, when defined with define_asset_job; variables too.
    let mut jobs: BTreeMap<String, Option<String>> = BTreeMap::new();
    let mut job_vars: BTreeMap<String, String> = BTreeMap::new();
    let mut triggers: Vec<Trigger> = Vec::new();
    let decorators = src.decorators();
    for d in &decorators {
        // `@dagster.asset`, `@dg.asset` or a bare `@asset`; `@app.schedule` is somebody else's.
        if let Some((prefix, _)) = d.name.rsplit_once('.') {
            if prefix != "dagster" && prefix != "dg" {
                continue;
            }
        }
        if d.unclosed {
            out.warnings.push(src.unclosed_warning(d.name, d.at));
            continue;
        }
        let args = d.args.clone().map(|r| src.args(r)).unwrap_or_default();
        let def = d.target.map(|t| t.1.to_string());
        let name = kwarg(&args, "name")
            .and_then(|a| src.string(a.value))
            .map(str::to_string)
            .or(def);
        let Some(name) = name else { continue };
        let line = src.line(d.at);
        match d.short() {
            "asset" | "multi_asset" | "graph_asset" | "graph_multi_asset" => {
                assets.insert(name);
            }
            "op" => {
                ops.insert(name);
            }
            "graph" => {
                graphs.insert(name);
            }
            "job" => {
                jobs.insert(name, None);
            }
            "schedule" => {
                let (expr, reads) = match kwarg(&args, "cron_schedule") {
                    Some(a) => read_cron(src, a.value, &mut out.warnings, line),
                    None => (Json::Null, "set in code".to_string()),
                };
                triggers.push(Trigger {
                    kind: "schedule",
                    name,
                    target: target_of(src, &args),
                    line,
                    detail: json!({"cron": expr}),
                    reads,
                });
            }
            short @ ("sensor" | "asset_sensor" | "multi_asset_sensor" | "run_status_sensor"
            | "run_failure_sensor") => {
                let k = SENSORS
                    .iter()
                    .copied()
                    .find(|s| *s == short)
                    .unwrap_or("sensor");
                let watches = kwarg(&args, "asset_key")
                    .or_else(|| kwarg(&args, "monitored_assets"))
                    .or_else(|| kwarg(&args, "monitored_jobs"))
                    .map(|a| snippet(a.value));
                let reads = match k {
                    "sensor" => "event: a sensor decides when to run".to_string(),
                    "asset_sensor" | "multi_asset_sensor" => format!(
                        "event: when {} materializes",
                        watches.clone().unwrap_or_else(|| "an asset".to_string())
                    ),
                    "run_status_sensor" => "event: when another run finishes".to_string(),
                    _ => "on run failure (alerting, not a trigger)".to_string(),
                };
                triggers.push(Trigger {
                    kind: k,
                    name,
                    target: target_of(src, &args),
                    line,
                    detail: json!({"watches": watches}),
                    reads,
                });
            }
            _ => {}
        }
    }

    for c in re.calls.captures_iter(src.code) {
        let (Some(call), Some(all)) = (c.get(1), c.get(0)) else {
            continue;
        };
        let open = all.end() - 1;
        let Some(range) = src.call_args(open) else {
            out.warnings.push(src.unclosed_warning(call.as_str(), open));
            break;
        };
        let args = src.args(range.clone());
        let line = src.line(call.start());
        let var = assigned_name(src.code, call.start()).map(str::to_string);
        let name = kwarg(&args, "name")
            .and_then(|a| src.string(a.value))
            .map(str::to_string);
        match call.as_str() {
            "define_asset_job" => {
                let Some(job) = name.or_else(|| {
                    positional(&args, 0)
                        .and_then(|a| src.string(a.value))
                        .map(str::to_string)
                }) else {
                    continue;
                };
                let selection = kwarg(&args, "selection")
                    .or_else(|| positional(&args, 1))
                    .map(|a| {
                        src.string(a.value)
                            .map_or_else(|| snippet(a.value), snippet)
                    });
                if let Some(v) = var {
                    job_vars.insert(v, job.clone());
                }
                jobs.insert(job, selection);
            }
            "ScheduleDefinition" | "build_schedule_from_partitioned_job" => {
                let (detail, reads) = if call.as_str() == "ScheduleDefinition" {
                    let (expr, reads) = match kwarg(&args, "cron_schedule") {
                        Some(a) => read_cron(src, a.value, &mut out.warnings, line),
                        None => (Json::Null, "set in code".to_string()),
                    };
                    (json!({"cron": expr}), reads)
                } else {
                    (
                        json!({"partitioned": true}),
                        "on the cadence of the job's partitions".to_string(),
                    )
                };
                let target = target_of(src, &args)
                    .or_else(|| positional(&args, 0).map(|a| snippet(a.value)));
                triggers.push(Trigger {
                    kind: "schedule",
                    name: name.or(var).unwrap_or_else(|| "(unnamed)".to_string()),
                    target,
                    line,
                    detail,
                    reads,
                });
            }
            "SensorDefinition" => triggers.push(Trigger {
                kind: "sensor",
                name: name.or(var).unwrap_or_else(|| "(unnamed)".to_string()),
                target: target_of(src, &args),
                line,
                detail: json!({"watches": null}),
                reads: "event: a sensor decides when to run".to_string(),
            }),
            automation => {
                // The asset whose decorator holds this condition, if any.
                let asset = decorators
                    .iter()
                    .find(|d| d.args.as_ref().is_some_and(|r| r.contains(&call.start())))
                    .and_then(|d| d.target.map(|t| t.1.to_string()));
                let (kind, detail, reads) = if automation.ends_with("on_cron") {
                    let (expr, reads) =
                        match positional(&args, 0).or_else(|| kwarg(&args, "cron_schedule")) {
                            Some(a) => read_cron(src, a.value, &mut out.warnings, line),
                            None => (Json::Null, "set in code".to_string()),
                        };
                    ("automation_on_cron", json!({"cron": expr}), reads)
                } else {
                    (
                        "automation_eager",
                        json!({}),
                        "event: when upstream data changes".to_string(),
                    )
                };
                triggers.push(Trigger {
                    kind,
                    name: asset
                        .clone()
                        .unwrap_or_else(|| "(assets using it)".to_string()),
                    target: asset,
                    line,
                    detail,
                    reads,
                });
            }
        }
    }

    if assets.is_empty()
        && ops.is_empty()
        && jobs.is_empty()
        && graphs.is_empty()
        && triggers.is_empty()
    {
        return out;
    }
    // Whether a target reads as training: its name, or the job it names and that job's
    // selection; a job over every asset runs training when an asset here is a model.
    let training_asset = assets.iter().any(|a| re.training.is_match(a));
    let is_training = |target: &str| {
        let job = job_vars.get(target).map_or(target, String::as_str);
        let selection = jobs.get(job).cloned().flatten().unwrap_or_default();
        re.training.is_match(target)
            || re.training.is_match(job)
            || re.training.is_match(&selection)
            || (training_asset && (selection == "*" || selection.contains("AssetSelection.all")))
    };
    let mut schedules = Vec::new();
    let mut sensors = Vec::new();
    for t in &triggers {
        let training =
            t.target.as_deref().is_some_and(is_training) || re.training.is_match(&t.name);
        let mut v = json!({
            "name": t.name,
            "kind": t.kind,
            "target": t.target,
            "reads": t.reads,
            "training": training,
            "line": t.line,
        });
        if let (Json::Object(m), Json::Object(d)) = (&mut v, &t.detail) {
            m.extend(d.clone());
        }
        if t.kind.contains("sensor") {
            sensors.push(v);
        } else {
            schedules.push(v);
        }
        if t.kind == "run_failure_sensor" {
            continue;
        }
        let runs = t
            .target
            .as_deref()
            .map(|x| format!(", runs {x}"))
            .unwrap_or_default();
        let what = match t.kind {
            "schedule" => format!("schedule {}: {}{runs}", t.name, t.reads),
            "automation_on_cron" | "automation_eager" => {
                format!(
                    "asset {} materializes {}",
                    t.name,
                    t.reads.trim_start_matches("event: ")
                )
            }
            _ => format!("sensor {} ({}){runs}", t.name, t.reads),
        };
        out.hits.push(ParsedHit {
            tool: "dagster",
            capability: "continuous_training",
            block: Block::MlPipelines,
            confidence: if training {
                Confidence::High
            } else {
                Confidence::Medium
            },
            line: Some(t.line),
            snippet: snippet(&what),
        });
    }
    let jobs: Vec<Json> = jobs
        .into_iter()
        .map(|(name, selection)| json!({"name": name, "selection": selection}))
        .collect();
    out.facts.push(Fact {
        block: Block::MlPipelines,
        key: "dagster",
        value: json!({
            "path": path,
            "assets": assets,
            "ops": ops,
            "graphs": graphs,
            "jobs": jobs,
            "schedules": schedules,
            "sensors": sensors,
        }),
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::parse::pysrc::with_source;

    fn parse(text: &str) -> ParseOut {
        with_source(text, |s| parse_dagster("defs.py", s))
    }

    #[test]
    fn schedules_jobs_and_training_targets() {
        let src = "from dagster import ScheduleDefinition, define_asset_job, asset\n\n@asset\ndef churn_model(): ...\n\nretrain = define_asset_job(\"retrain_churn\", selection=\"*\")\nexport = define_asset_job(name=\"export_report\", selection=[\"report\"])\nnightly = ScheduleDefinition(job=retrain, cron_schedule=\"0 1 * * *\")\nreport = ScheduleDefinition(name=\"weekly_report\", job=export, cron_schedule=[\"0 6 * * 1\", \"@daily\"])\n";
        let out = parse(src);
        let v = &out.facts[0].value;
        assert_eq!(v["assets"][0], "churn_model");
        assert_eq!(v["jobs"].as_array().unwrap().len(), 2);
        assert_eq!(v["schedules"][0]["name"], "nightly");
        assert_eq!(v["schedules"][0]["reads"], "daily at 01:00 UTC");
        assert_eq!(v["schedules"][0]["training"], true);
        assert_eq!(
            v["schedules"][1]["reads"],
            "weekly on Monday at 06:00 UTC; daily"
        );
        assert_eq!(v["schedules"][1]["training"], false);
        assert_eq!(out.hits[0].confidence, Confidence::High);
        assert_eq!(out.hits[1].confidence, Confidence::Medium);
        assert_eq!(out.hits[0].line, Some(8));
    }

    #[test]
    fn decorated_schedules_sensors_and_automation() {
        let src = "import dagster as dg\n\n@dg.schedule(cron_schedule=\"0 3 * * 0\", job_name=\"train_job\")\ndef weekly(context):\n    return dg.RunRequest()\n\n@dg.asset_sensor(asset_key=dg.AssetKey(\"raw_events\"), job=train_job)\ndef new_events(context, event): ...\n\n@dg.run_failure_sensor\ndef alert(context): ...\n\n@dg.asset(automation_condition=dg.AutomationCondition.on_cron(\"0 */4 * * *\"))\ndef features(): ...\n";
        let out = parse(src);
        let v = &out.facts[0].value;
        assert_eq!(v["schedules"][0]["reads"], "weekly on Sunday at 03:00 UTC");
        assert_eq!(v["schedules"][1]["kind"], "automation_on_cron");
        assert_eq!(v["schedules"][1]["target"], "features");
        assert_eq!(
            v["sensors"][0]["reads"],
            "event: when dg.AssetKey(\"raw_events\") materializes"
        );
        assert_eq!(v["sensors"][1]["kind"], "run_failure_sensor");
        // schedule, asset sensor, automation; not the failure sensor.
        assert_eq!(out.hits.len(), 3, "{:?}", out.hits);
    }

    #[test]
    fn other_libraries_schedules_and_bad_crons() {
        let src = "from dagster import asset\nfrom app import app\n\n@app.schedule(cron_schedule='x')\ndef nope(): ...\n";
        let out = parse(src);
        assert!(out.facts.is_empty() && out.hits.is_empty());
        let bad = "from dagster import ScheduleDefinition\ns = ScheduleDefinition(job=j, cron_schedule='0 1 * *')\n";
        let out = parse(bad);
        assert!(
            out.warnings[0].contains("not a five-field cron"),
            "{:?}",
            out.warnings
        );
        assert!(
            parse("import os\n@schedule(cron_schedule='0 1 * * *')\ndef f(): ...\n")
                .facts
                .is_empty()
        );
    }
}
