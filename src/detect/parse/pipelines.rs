//! Pipeline code read as text (never imported): Airflow DAGs (dag ids, schedules including
//! presets, cron, timetables and datasets, operators, task count), the schedules of Prefect
//! deployments, and Kubeflow/Vertex compiled pipeline specs (Dagster has its own reader in
//! `dagster.rs`). Jinja templating inside DAG files is plain text here and does no harm.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use regex::Regex;
use serde_json::json;

use super::{cron, has, Fact, ParseOut, ParsedHit, PySource};
use crate::canvas::Block;
use crate::detect::redact::snippet;
use crate::detect::spec::Confidence;
use crate::yaml::Value;

struct AirflowRe {
    dag_id: Regex,
    schedule: Regex,
    operator: Regex,
    task_decorator: Regex,
}

fn airflow_re() -> &'static AirflowRe {
    static RE: OnceLock<AirflowRe> = OnceLock::new();
    RE.get_or_init(|| AirflowRe {
        dag_id: Regex::new(r#"(?:DAG\(\s*(?:dag_id\s*=\s*)?|@dag\(\s*(?:dag_id\s*=\s*)?|dag_id\s*=\s*)["']([\w.-]+)["']"#).expect("valid"),
        schedule: Regex::new(r"\b(?:schedule|schedule_interval|timetable)\s*=\s*([^,\n)]+(?:\([^)]*\))?)").expect("valid"),
        operator: Regex::new(r"\b([A-Z][A-Za-z0-9]*(?:Operator|Sensor))\s*\(").expect("valid"),
        task_decorator: Regex::new(r"@task\b").expect("valid"),
    })
}

/// What a schedule expression means.
fn read_schedule(expr: &str) -> (String, bool) {
    let e = expr.trim().trim_matches(|c| c == '"' || c == '\'');
    match e {
        "None" | "null" | "" => ("none (triggered manually or externally)".to_string(), false),
        "@once" => ("once".to_string(), false),
        "@hourly" | "@daily" | "@weekly" | "@monthly" | "@yearly" | "@annually" | "@continuous" => {
            (e.trim_start_matches('@').to_string(), true)
        }
        _ if e.split_whitespace().count() == 5 && !e.contains('(') => (cron::describe(e), true),
        _ if e.starts_with('[') || e.contains("Dataset") || e.contains("Asset") => {
            (format!("data-aware: {}", snippet(e)), true)
        }
        _ if e.contains("Timetable") || e.contains("timedelta") || e.contains("CronTrigger") => {
            (format!("timetable: {}", snippet(e)), true)
        }
        _ => (format!("set in code: {}", snippet(e)), true),
    }
}

/// Parses a Python file that may define Airflow DAGs.
pub(crate) fn parse_airflow(path: &str, src: &PySource) -> ParseOut {
    let mut out = ParseOut::default();
    if !src.imports_any(&["airflow"]) || !(has(src.code, "DAG(") || has(src.code, "@dag")) {
        return out;
    }
    // Match on code with strings kept (ids and schedules are strings), but only where the
    // match starts in code, not inside a string or docstring.
    let bare = src.code.as_bytes();
    let in_code = |pos: usize| bare.get(pos).is_some_and(|b| *b != b' ');
    let code = src.no_comments;
    let re = airflow_re();
    let dag_ids: BTreeSet<String> = re
        .dag_id
        .captures_iter(code)
        .filter(|c| in_code(c.get(0).map_or(0, |m| m.start())))
        .map(|c| c[1].to_string())
        .collect();
    let mut schedules = Vec::new();
    for c in re
        .schedule
        .captures_iter(code)
        .filter(|c| in_code(c.get(0).map_or(0, |m| m.start())))
    {
        let m = c.get(1).expect("group 1");
        let (reads, automatic) = read_schedule(m.as_str());
        let line = src.line(m.start());
        schedules.push(json!({"expr": snippet(m.as_str()), "reads": reads, "line": line}));
        if automatic {
            out.hits.push(ParsedHit {
                tool: "airflow",
                capability: "continuous_training",
                block: Block::MlPipelines,
                confidence: Confidence::Medium,
                line: Some(line),
                snippet: snippet(&format!("DAG schedule {}: {reads}", m.as_str().trim())),
            });
        }
    }
    let operators: BTreeSet<String> = re
        .operator
        .captures_iter(src.code)
        .map(|c| c[1].to_string())
        .collect();
    let tasks =
        re.operator.find_iter(src.code).count() + re.task_decorator.find_iter(src.code).count();
    out.facts.push(Fact {
        block: Block::MlPipelines,
        key: "airflow_dags",
        value: json!({
            "path": path,
            "dag_ids": dag_ids,
            "schedules": schedules,
            "operators": operators,
            "tasks": tasks,
        }),
    });
    out
}

/// Parses `prefect.yaml`: deployments and their schedules.
pub(crate) fn parse_prefect_yaml(path: &str, text: &str) -> ParseOut {
    let mut out = ParseOut::default();
    let Some(doc) = super::yaml_or_warn(text, &mut out) else {
        return out;
    };
    let mut deps = Vec::new();
    for d in doc
        .get("deployments")
        .and_then(Value::as_sequence)
        .into_iter()
        .flatten()
    {
        let name = d.get("name").and_then(Value::as_str).unwrap_or("");
        let mut crons = Vec::new();
        let mut collect = |s: &Value| {
            if let Some(c) = s.get("cron").and_then(Value::as_str) {
                crons.push(json!({"cron": c, "reads": cron::describe(c)}));
            } else if let Some(i) = s.get("interval") {
                crons.push(json!({"interval_seconds": i.as_f64()}));
            }
        };
        if let Some(s) = d.get("schedule") {
            collect(s);
        }
        for s in d
            .get("schedules")
            .and_then(Value::as_sequence)
            .into_iter()
            .flatten()
        {
            collect(s);
        }
        if !crons.is_empty() {
            out.hits.push(ParsedHit {
                tool: "prefect",
                capability: "continuous_training",
                block: Block::MlPipelines,
                confidence: Confidence::Medium,
                line: super::find_line(text, &format!("name: {name}")),
                snippet: snippet(&format!("deployment {name} runs on a schedule")),
            });
        }
        deps.push(json!({"name": name, "schedules": crons}));
    }
    out.facts.push(Fact {
        block: Block::MlPipelines,
        key: "prefect_deployments",
        value: json!({"path": path, "deployments": deps}),
    });
    out
}

/// Parses a compiled Kubeflow / Vertex pipeline spec (YAML or JSON): name and components.
pub(crate) fn parse_pipeline_spec(path: &str, text: &str) -> ParseOut {
    let mut out = ParseOut::default();
    if !has(text, "pipelineInfo") {
        return out;
    }
    let found = if path.ends_with(".json") {
        match serde_json::from_str::<SpecJson>(text) {
            Ok(doc) => match doc.pipeline_spec {
                Some(spec) => spec_summary(spec.pipeline_info, spec.components),
                None => spec_summary(doc.pipeline_info, doc.components),
            },
            Err(e) => {
                out.warnings.push(format!("invalid JSON: {e}"));
                return out;
            }
        }
    } else {
        spec_outline(text)
    };
    if let Some((name, components)) = found {
        out.facts.push(Fact {
            block: Block::MlPipelines,
            key: "compiled_pipelines",
            value: json!({ "path": path, "name": name, "components": components }),
        });
    }
    out
}

/// A compiled JSON spec, read only as far as the report needs: the pipeline's name and how
/// many components it defines. Executors and component bodies (most of a spec's megabytes) are
/// skipped without being built. The spec stands at the top or under `pipelineSpec` (a v1
/// pipeline job).
#[derive(serde::Deserialize)]
struct SpecJson {
    #[serde(rename = "pipelineSpec")]
    pipeline_spec: Option<SpecBody>,
    #[serde(rename = "pipelineInfo")]
    pipeline_info: Option<serde_json::Value>,
    #[serde(default)]
    components: EntryCount,
}

#[derive(serde::Deserialize)]
struct SpecBody {
    #[serde(rename = "pipelineInfo")]
    pipeline_info: Option<serde_json::Value>,
    #[serde(default)]
    components: EntryCount,
}

/// The pipeline's name (when it is a string) and component count, if the spec has a
/// `pipelineInfo`.
fn spec_summary(
    info: Option<serde_json::Value>,
    components: EntryCount,
) -> Option<(Option<String>, usize)> {
    let name = info?
        .get("name")
        .and_then(serde_json::Value::as_str)
        .map(str::to_string);
    Some((name, components.0))
}

/// How many entries a JSON object has; any other value counts none. Entries are skipped
/// unbuilt.
#[derive(Default)]
struct EntryCount(usize);

impl<'de> serde::Deserialize<'de> for EntryCount {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Counter;
        impl<'de> serde::de::Visitor<'de> for Counter {
            type Value = EntryCount;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut m: A,
            ) -> Result<EntryCount, A::Error> {
                let mut n = 0;
                while m
                    .next_entry::<serde::de::IgnoredAny, serde::de::IgnoredAny>()?
                    .is_some()
                {
                    n += 1;
                }
                Ok(EntryCount(n))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut s: A,
            ) -> Result<EntryCount, A::Error> {
                while s.next_element::<serde::de::IgnoredAny>()?.is_some() {}
                Ok(EntryCount(0))
            }
            fn visit_bool<E>(self, _: bool) -> Result<EntryCount, E> {
                Ok(EntryCount(0))
            }
            fn visit_i64<E>(self, _: i64) -> Result<EntryCount, E> {
                Ok(EntryCount(0))
            }
            fn visit_u64<E>(self, _: u64) -> Result<EntryCount, E> {
                Ok(EntryCount(0))
            }
            fn visit_f64<E>(self, _: f64) -> Result<EntryCount, E> {
                Ok(EntryCount(0))
            }
            fn visit_str<E>(self, _: &str) -> Result<EntryCount, E> {
                Ok(EntryCount(0))
            }
            fn visit_unit<E>(self) -> Result<EntryCount, E> {
                Ok(EntryCount(0))
            }
        }
        d.deserialize_any(Counter)
    }
}

/// The pipeline name and component count of a compiled YAML spec, read from its outline.
/// Compiled specs are machine-written (block style, two-space indent) and often megabytes of
/// executor definitions: a full YAML parse of each cost more than the rest of a scan.
fn spec_outline(text: &str) -> Option<(Option<String>, usize)> {
    let indent = |l: &str| l.bytes().take_while(|b| matches!(b, b' ' | b'\t')).count();
    // Only the outline matters: keys at most two levels down (indent 4 at most). Dropping the
    // deeper lines first keeps the rest of this cheap on a spec of many megabytes.
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| {
            let n = indent(l);
            n <= 4 && {
                let rest = l[n..].trim_end();
                !rest.is_empty() && !rest.starts_with('#')
            }
        })
        .collect();
    // `pipelineInfo:` at the top, or one level down under `pipelineSpec:`.
    let (at, base) = lines.iter().enumerate().find_map(|(i, l)| {
        let n = indent(l);
        (n <= 2 && l.trim() == "pipelineInfo:").then_some((i, n))
    })?;
    let children = |start: usize| {
        lines[start + 1..]
            .iter()
            .take_while(move |l| indent(l) > base)
            .copied()
    };
    let name = children(at)
        .filter(|l| indent(l) == base + 2)
        .find_map(|l| l.trim().strip_prefix("name:"))
        .map(|v| v.trim().trim_matches(|c| c == '"' || c == '\'').to_string());
    let components = lines
        .iter()
        .position(|l| indent(l) == base && l.trim_end().ends_with("components:"))
        .map_or(0, |c| {
            children(c)
                .filter(|l| indent(l) == base + 2 && l.trim_end().ends_with(':'))
                .count()
        });
    Some((name, components))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::parse::pysrc::with_source;

    fn parse_airflow(path: &str, text: &str) -> ParseOut {
        with_source(text, |s| super::parse_airflow(path, s))
    }

    #[test]
    fn compiled_spec_outline_top_level_and_nested() {
        let top = "# PIPELINE DEFINITION\ncomponents:\n  comp-a:\n    executorLabel: exec-a\n  comp-b:\n    executorLabel: exec-b\npipelineInfo:\n  name: 'fraud-training'\nroot:\n  dag: {}\n";
        assert_eq!(
            spec_outline(top),
            Some((Some("fraud-training".to_string()), 2))
        );
        let nested = "displayName: x\npipelineSpec:\n  components:\n    comp-a:\n      x: 1\n  pipelineInfo:\n    name: nested\n";
        assert_eq!(spec_outline(nested), Some((Some("nested".to_string()), 1)));
        // The word in a string or a deeper key is not a spec.
        assert_eq!(spec_outline("doc: \"pipelineInfo: x\"\n"), None);
        assert_eq!(
            spec_outline("a:\n  b:\n    c:\n      pipelineInfo:\n"),
            None
        );
    }

    #[test]
    fn compiled_json_spec_name_and_component_count() {
        let facts = |text: &str| {
            let out = parse_pipeline_spec("p/pipeline.json", text);
            (out.facts.first().map(|f| f.value.clone()), out.warnings)
        };
        let top = r#"{"components": {"comp-a": {"executorLabel": "a", "x": [1, {"y": null}]}, "comp-b": {}},
                      "deploymentSpec": {"executors": {"exec-a": {"container": {"image": "i"}}}},
                      "pipelineInfo": {"name": "fraud-training"}, "schemaVersion": "2.1.0"}"#;
        let (v, w) = facts(top);
        assert!(w.is_empty());
        assert_eq!(v.unwrap()["components"], 2);
        // A v1 pipeline job nests the spec; a top-level `components` does not count then.
        let nested = r#"{"components": {"x": 1}, "pipelineSpec": {"pipelineInfo": {"name": "n"}, "components": {"a": 1, "b": 2, "c": 3}}}"#;
        let v = facts(nested).0.unwrap();
        assert_eq!(
            (v["name"].as_str(), v["components"].as_u64()),
            (Some("n"), Some(3))
        );
        // Odd shapes read without a warning: a non-string name, components that are no map.
        let odd = r#"{"pipelineInfo": {"name": 7}, "components": [1, 2]}"#;
        let v = facts(odd).0.unwrap();
        assert_eq!(
            (v["name"].is_null(), v["components"].as_u64()),
            (true, Some(0))
        );
        // No `pipelineInfo` under the nested spec: not a spec. Broken JSON: a warning.
        assert_eq!(facts(r#"{"pipelineSpec": {}, "pipelineInfo": {}}"#).0, None);
        let (v, w) = facts(r#"{"pipelineInfo": {"name": "x"}"#);
        assert!(v.is_none() && w[0].starts_with("invalid JSON"), "{w:?}");
    }

    #[test]
    fn airflow_dag_ids_schedules_operators() {
        let dag = "from airflow import DAG\nfrom airflow.operators.bash import BashOperator\n# schedule=None\nwith DAG(\"retrain_churn\", schedule=\"0 2 * * *\", catchup=False) as dag:\n    t = BashOperator(task_id='train', bash_command='python train.py {{ ds }}')\n    k = KubernetesPodOperator(task_id='score')\n";
        let out = parse_airflow("dags/retrain.py", dag);
        let v = &out.facts[0].value;
        assert_eq!(v["dag_ids"][0], "retrain_churn");
        assert_eq!(v["schedules"][0]["reads"], "daily at 02:00 UTC");
        assert_eq!(v["tasks"], 2);
        assert_eq!(out.hits.len(), 1);
        assert_eq!(out.hits[0].line, Some(4));
    }

    #[test]
    fn docstring_dags_do_not_count() {
        let src = "\"\"\"\nfrom airflow import DAG\nwith DAG(dag_id='x', schedule='@daily'): ...\n\"\"\"\nimport airflow_helpers\n";
        let out = parse_airflow("train.py", src);
        assert!(out.facts.is_empty() && out.hits.is_empty());
    }

    #[test]
    fn unscheduled_dag_is_not_continuous_training() {
        let dag = "import airflow\nfrom airflow.decorators import dag, task\n@dag(dag_id='adhoc', schedule=None)\ndef f():\n    pass\n";
        let out = parse_airflow("dags/a.py", dag);
        assert!(out.hits.is_empty());
        assert_eq!(out.facts[0].value["dag_ids"][0], "adhoc");
    }

    #[test]
    fn prefect_deployments_with_cron() {
        let y = "deployments:\n  - name: nightly-train\n    schedule:\n      cron: '0 1 * * *'\n";
        let out = parse_prefect_yaml("prefect.yaml", y);
        assert_eq!(out.hits.len(), 1);
        assert!(!parse_prefect_yaml("prefect.yaml", "deployments: [")
            .warnings
            .is_empty());
    }
}
