//! Metaflow flows read from Python code: each `FlowSpec` subclass (with `FlowSpec` imported from
//! `metaflow`), its `@step` methods, where steps run (`@kubernetes`, `@batch`) and the GPUs they
//! ask for (`gpu=` on `@resources`, `@kubernetes`, `@batch`), and what starts the flow by
//! itself: `@schedule` (daily by default, `hourly`, `weekly` or a `cron` in words) and
//! `@trigger` / `@trigger_on_finish` events.
//!
//! A schedule or trigger credits continuous training; a GPU request credits GPU training; the
//! fact's `compute` feeds the training-location answer. A class that merely calls its base
//! `FlowSpec` without importing it from Metaflow is not a flow.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use regex::Regex;
use serde_json::json;

use super::pysrc::{int, kwarg, Decorator, PySource, TargetKind};
use super::{cron, Fact, ParseOut, ParsedHit};
use crate::canvas::Block;
use crate::detect::redact::snippet;
use crate::detect::spec::Confidence;

fn class_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"(?m)^([ \t]*)class[ \t]+([A-Za-z_]\w*)[ \t]*\(([^)]*)\)[ \t]*:")
            .expect("valid")
    })
}

/// The byte range of a class body: up to the first non-blank line indented no deeper than
/// the `class` keyword.
fn body_end(code: &str, from: usize, indent: usize) -> usize {
    let mut pos = from;
    for line in code[from..].split_inclusive('\n') {
        let t = line.trim_start_matches([' ', '\t']);
        let depth = line.len() - t.len();
        if pos > from && !t.trim().is_empty() && depth <= indent {
            return pos;
        }
        pos += line.len();
    }
    code.len()
}

/// What `@schedule(...)` means.
fn schedule_reads(
    src: &PySource,
    d: &Decorator,
    warnings: &mut Vec<String>,
) -> (String, Option<String>) {
    let args = d.args.clone().map(|r| src.args(r)).unwrap_or_default();
    let on = |k: &str| kwarg(&args, k).is_some_and(|a| a.value == "True");
    if let Some(a) = kwarg(&args, "cron") {
        return match src.string(a.value) {
            Some(c) => {
                // Five fields on Argo Workflows, six (EventBridge) on Step Functions.
                let fields = c.split_whitespace().count();
                if fields != 5 && fields != 6 {
                    warnings.push(format!(
                        "line {}: `{}` has {fields} fields; @schedule(cron=...) takes 5 (Argo) or 6 (Step Functions)",
                        src.line(d.at),
                        snippet(c)
                    ));
                }
                (cron::describe_aws(c), Some(c.to_string()))
            }
            None => ("set in code".to_string(), Some(src.text_of(a.value))),
        };
    }
    let reads = if on("hourly") {
        "hourly"
    } else if on("weekly") {
        "weekly"
    } else {
        // `@schedule` with no cadence runs daily.
        "daily"
    };
    (reads.to_string(), None)
}

/// GPUs a step decorator asks for, if any.
fn gpus(src: &PySource, d: &Decorator) -> Option<String> {
    if !matches!(d.short(), "resources" | "kubernetes" | "batch") {
        return None;
    }
    let args = d.args.clone().map(|r| src.args(r)).unwrap_or_default();
    let v = kwarg(&args, "gpu")?.value;
    match int(v).or_else(|| src.string(v).and_then(int)) {
        Some(0) => None,
        Some(n) => Some(n.to_string()),
        None => Some(src.text_of(v)),
    }
}

/// Parses Python source that may define Metaflow flows.
pub(crate) fn parse_metaflow(path: &str, src: &PySource) -> ParseOut {
    let mut out = ParseOut::default();
    if !src.imports_any(&["metaflow"]) {
        return out;
    }
    let bare_flowspec = src.imports_name_from("metaflow", "FlowSpec");
    let decorators = src.decorators();
    for d in decorators.iter().filter(|d| d.unclosed) {
        out.warnings.push(src.unclosed_warning(d.name, d.at));
    }
    for c in class_re().captures_iter(src.code) {
        let (Some(all), Some(indent), Some(name), Some(bases)) =
            (c.get(0), c.get(1), c.get(2), c.get(3))
        else {
            continue;
        };
        let is_flow = bases
            .as_str()
            .split(',')
            .map(str::trim)
            .any(|b| b == "metaflow.FlowSpec" || (b == "FlowSpec" && bare_flowspec));
        if !is_flow {
            continue;
        }
        let body = all.end()..body_end(src.code, all.end(), indent.as_str().len());
        let class_at = all.start() + indent.len();
        let flow_decos: Vec<&Decorator> = decorators
            .iter()
            .filter(|d| {
                d.target
                    .is_some_and(|t| t.0 == TargetKind::Class && t.2 == class_at)
            })
            .collect();
        let mut steps = Vec::new();
        let mut compute = BTreeSet::new();
        let mut gpu_steps = Vec::new();
        // Step decorators, grouped by the method they decorate.
        let mut methods: Vec<(&str, Vec<&Decorator>)> = Vec::new();
        for d in decorators.iter().filter(|d| body.contains(&d.at)) {
            let Some((TargetKind::Def, m, _)) = d.target else {
                continue;
            };
            match methods.iter_mut().find(|(n, _)| *n == m) {
                Some((_, ds)) => ds.push(d),
                None => methods.push((m, vec![d])),
            }
        }
        for (method, ds) in &methods {
            if !ds.iter().any(|d| d.short() == "step") {
                continue;
            }
            steps.push(*method);
            for d in ds {
                match d.short() {
                    "kubernetes" => {
                        compute.insert("Kubernetes (Metaflow @kubernetes)");
                    }
                    "batch" => {
                        compute.insert("AWS Batch (Metaflow @batch)");
                    }
                    _ => {}
                }
                if let Some(n) = gpus(src, d) {
                    let line = src.line(d.at);
                    out.hits.push(ParsedHit {
                        tool: "metaflow",
                        capability: "gpu_training",
                        block: Block::ExperimentManagement,
                        confidence: Confidence::High,
                        line: Some(line),
                        snippet: snippet(&format!(
                            "step {method} of {} asks for {n} GPU (@{})",
                            name.as_str(),
                            d.short()
                        )),
                    });
                    gpu_steps
                        .push(json!({"step": method, "gpu": n, "via": d.short(), "line": line}));
                }
            }
        }
        let flow = name.as_str();
        let mut schedule = None;
        let mut triggers = Vec::new();
        let mut project = None;
        for d in &flow_decos {
            let line = src.line(d.at);
            let args = d.args.clone().map(|r| src.args(r)).unwrap_or_default();
            let reads = match d.short() {
                "schedule" => {
                    let (reads, expr) = schedule_reads(src, d, &mut out.warnings);
                    schedule = Some(json!({"reads": reads, "cron": expr, "line": line}));
                    reads
                }
                "trigger" => {
                    let ev = kwarg(&args, "event")
                        .or_else(|| kwarg(&args, "events"))
                        .map_or_else(|| "an event".to_string(), |a| src.text_of(a.value));
                    triggers.push(json!({"kind": "event", "on": ev, "line": line}));
                    format!("on event {ev}")
                }
                "trigger_on_finish" => {
                    let f = kwarg(&args, "flow")
                        .or_else(|| kwarg(&args, "flows"))
                        .map_or_else(|| "another flow".to_string(), |a| src.text_of(a.value));
                    triggers.push(json!({"kind": "flow finished", "on": f, "line": line}));
                    format!("when {f} finishes")
                }
                "project" => {
                    project = kwarg(&args, "name").map(|a| src.text_of(a.value));
                    continue;
                }
                _ => continue,
            };
            out.hits.push(ParsedHit {
                tool: "metaflow",
                capability: "continuous_training",
                block: Block::MlPipelines,
                confidence: Confidence::High,
                line: Some(line),
                snippet: snippet(&format!("flow {flow} runs {reads} (@{})", d.short())),
            });
        }
        out.facts.push(Fact {
            block: Block::MlPipelines,
            key: "metaflow_flows",
            value: json!({
                "path": path,
                "flow": flow,
                "line": src.line(class_at),
                "project": project,
                "steps": steps,
                "step_count": steps.len(),
                "schedule": schedule,
                "triggers": triggers,
                "gpu_steps": gpu_steps,
                "compute": compute,
            }),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::parse::pysrc::with_source;

    fn parse(text: &str) -> ParseOut {
        with_source(text, |s| parse_metaflow("flow.py", s))
    }

    const FLOW: &str = "from metaflow import FlowSpec, step, schedule, kubernetes, resources, trigger\n\n@trigger(event='labels_ready')\n@schedule(weekly=True)\nclass ChurnFlow(FlowSpec):\n    \"\"\"Trains the churn model.\"\"\"\n\n    @step\n    def start(self):\n        self.next(self.train)\n\n    @kubernetes(gpu=1, memory=16000)\n    @step\n    def train(self):\n        self.next(self.end)\n\n    def helper(self):\n        pass\n\n    @resources(gpu=0)\n    @step\n    def end(self):\n        pass\n\n\n@step\ndef not_in_flow():\n    pass\n";

    #[test]
    fn reads_flow_steps_schedule_trigger_and_gpus() {
        let out = parse(FLOW);
        assert_eq!(out.facts.len(), 1);
        let v = &out.facts[0].value;
        assert_eq!(v["flow"], "ChurnFlow");
        assert_eq!(v["steps"], json!(["start", "train", "end"]));
        assert_eq!(v["schedule"]["reads"], "weekly");
        assert_eq!(v["triggers"][0]["on"], "labels_ready");
        assert_eq!(v["gpu_steps"][0]["step"], "train");
        assert_eq!(v["compute"][0], "Kubernetes (Metaflow @kubernetes)");
        let caps: Vec<&str> = out.hits.iter().map(|h| h.capability).collect();
        assert_eq!(
            caps,
            vec!["gpu_training", "continuous_training", "continuous_training"]
        );
        assert_eq!(out.hits[0].line, Some(12));
    }

    #[test]
    fn crlf_and_cron_schedules() {
        let src = "from metaflow import FlowSpec, step, schedule\r\n@schedule(cron='0 6 ? * MON-FRI *', timezone='Europe/Paris')\r\nclass Nightly(FlowSpec):\r\n    @step\r\n    def start(self):\r\n        pass\r\n";
        let out = parse(src);
        let v = &out.facts[0].value;
        assert_eq!(v["schedule"]["reads"], "on Monday to Friday at 06:00 UTC");
        assert_eq!(v["steps"][0], "start");
        assert!(out.warnings.is_empty());
        let bad = parse(&src.replace("0 6 ? * MON-FRI *", "0 6 *"));
        assert!(
            bad.warnings[0].contains("has 3 fields"),
            "{:?}",
            bad.warnings
        );
    }

    #[test]
    fn a_local_flowspec_is_not_metaflow() {
        let src = "from metaflow import Flow\n\nclass FlowSpec:\n    pass\n\nclass Report(FlowSpec):\n    @step\n    def start(self): ...\n";
        assert!(parse(src).facts.is_empty());
        assert!(parse("class X(FlowSpec):\n    pass\n").facts.is_empty());
    }
}
