//! DVC: pipeline stages (`dvc.yaml`), model declarations (`artifacts:`), remotes and their
//! storage type (`.dvc/config`, credentials redacted), tracked data (`*.dvc`) and the lock file
//! that records lineage (`dvc.lock`).

use serde_json::json;

use super::{find_line, Fact, ParseOut, ParsedHit};
use crate::canvas::Block;
use crate::detect::redact::{redact, snippet};
use crate::detect::spec::Confidence;
use crate::yaml::{self, Value};

fn names(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::Sequence(items)) => items
            .iter()
            .filter_map(|i| match i {
                Value::String(s) => Some(s.clone()),
                // `- metrics.json: {cache: false}` and `- params.yaml: [train]`
                Value::Mapping(m) => m.keys().next().and_then(|k| k.as_str().map(str::to_string)),
                _ => None,
            })
            .collect(),
        Some(Value::String(s)) => vec![s.clone()],
        _ => Vec::new(),
    }
}

/// Parses `dvc.yaml`.
pub(crate) fn parse_dvc_yaml(path: &str, text: &str) -> ParseOut {
    let mut out = ParseOut::default();
    let Some(doc) = super::yaml_or_warn(text, &mut out) else {
        return out;
    };
    let mut stages = Vec::new();
    if let Some(m) = doc.get("stages").and_then(Value::as_mapping) {
        for (name, st) in m {
            let name = name.as_str().unwrap_or_default();
            let cmd = match st.get("cmd") {
                Some(Value::String(s)) => s.clone(),
                Some(Value::Sequence(items)) => items
                    .iter()
                    .filter_map(Value::as_str)
                    .collect::<Vec<_>>()
                    .join(" && "),
                _ => String::new(),
            };
            let foreach = st.get("foreach").is_some() || st.get("matrix").is_some();
            let body = st.get("do").unwrap_or(st);
            stages.push(json!({
                "name": name,
                "cmd": snippet(&cmd),
                "deps": names(body.get("deps")),
                "outs": names(body.get("outs")),
                "params": names(body.get("params")),
                "metrics": names(body.get("metrics")),
                "plots": names(body.get("plots")),
                "templated": foreach,
            }));
        }
    }
    let has_metrics = stages
        .iter()
        .any(|s| s["metrics"].as_array().is_some_and(|a| !a.is_empty()));
    let has_params = stages
        .iter()
        .any(|s| s["params"].as_array().is_some_and(|a| !a.is_empty()));
    out.facts.push(Fact {
        block: Block::MlPipelines,
        key: "dvc_pipeline",
        value: json!({"path": path, "stages": stages}),
    });
    if has_metrics && has_params {
        out.hits.push(ParsedHit {
            tool: "dvc",
            capability: "tracked_pipeline_runs",
            block: Block::ExperimentManagement,
            confidence: Confidence::High,
            line: find_line(text, "metrics:"),
            snippet: "pipeline stages record params and metrics".to_string(),
        });
    }
    if let Some(m) = doc.get("artifacts").and_then(Value::as_mapping) {
        let arts: Vec<_> = m
            .iter()
            .map(|(k, v)| {
                json!({
                    "name": k.as_str().unwrap_or_default(),
                    "path": v.get("path").and_then(Value::as_str),
                    "type": v.get("type").and_then(Value::as_str),
                })
            })
            .collect();
        out.facts.push(Fact {
            block: Block::ModelRegistry,
            key: "dvc_artifacts",
            value: json!({"path": path, "artifacts": arts}),
        });
    }
    out
}

/// The storage type of a DVC remote URL.
pub(crate) fn storage_type(url: &str) -> &'static str {
    let scheme = url.split_once("://").map_or("", |(s, _)| s);
    match scheme.to_ascii_lowercase().as_str() {
        "s3" => "s3",
        "gs" | "gcs" => "gcs",
        "azure" | "az" | "abfs" | "abfss" | "wasb" | "wasbs" => "azure",
        "ssh" | "sftp" => "ssh",
        "http" | "https" => "http",
        "hdfs" | "webhdfs" => "hdfs",
        "webdav" | "webdavs" => "webdav",
        "oss" => "oss",
        "gdrive" => "gdrive",
        "" => "local",
        _ => "other",
    }
}

/// Parses `.dvc/config` (INI): remotes with their type, and the default remote.
pub(crate) fn parse_dvc_config(path: &str, text: &str) -> ParseOut {
    let mut out = ParseOut::default();
    let mut section = String::new();
    let mut default = None;
    let mut remotes: Vec<(String, String)> = Vec::new();
    for raw in text.lines() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if line.starts_with('[') {
            section = line
                .trim_matches(|c| c == '[' || c == ']')
                .replace(['\'', '"'], "");
            continue;
        }
        let Some((k, v)) = line.split_once('=') else {
            out.warnings
                .push(format!("unreadable line: {}", snippet(line)));
            continue;
        };
        let (k, v) = (k.trim(), v.trim());
        if section == "core" && k == "remote" {
            default = Some(v.to_string());
        } else if let Some(name) = section.strip_prefix("remote ") {
            if k == "url" {
                remotes.push((name.trim().to_string(), v.to_string()));
            }
        }
    }
    let list: Vec<_> = remotes
        .iter()
        .map(|(n, u)| {
            json!({
                "name": n,
                "type": storage_type(u),
                "url": redact(u),
                "default": default.as_deref() == Some(n.as_str()),
            })
        })
        .collect();
    out.facts.push(Fact {
        block: Block::DataVersioning,
        key: "dvc_remotes",
        value: json!({"path": path, "remotes": list}),
    });
    out
}

/// Parses a `*.dvc` file: which data it tracks.
pub(crate) fn parse_dvc_file(path: &str, text: &str) -> ParseOut {
    let mut out = ParseOut::default();
    let Some(doc) = super::yaml_or_warn(text, &mut out) else {
        return out;
    };
    let outs: Vec<String> = doc
        .get("outs")
        .and_then(Value::as_sequence)
        .map(|items| {
            items
                .iter()
                .filter_map(|o| o.get("path").and_then(Value::as_str).map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    let imported = doc.get("deps").is_some();
    out.facts.push(Fact {
        block: Block::DataVersioning,
        key: "dvc_tracked",
        value: json!({"path": path, "outs": outs, "imported": imported}),
    });
    out
}

/// Parses `dvc.lock`: how many stages have recorded hashes (lineage).
pub(crate) fn parse_dvc_lock(path: &str, text: &str) -> ParseOut {
    let mut out = ParseOut::default();
    match yaml::parse(text) {
        Ok(doc) => {
            let n = doc
                .get("stages")
                .and_then(Value::as_mapping)
                .map_or(0, serde_yaml::Mapping::len);
            out.facts.push(Fact {
                block: Block::MetadataStore,
                key: "dvc_lock",
                value: json!({"path": path, "stages_locked": n}),
            });
        }
        Err(e) => out.warnings.push(e),
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_stages_params_metrics_and_artifacts() {
        let y = "stages:\n  train:\n    cmd: python train.py\n    deps: [data]\n    params:\n      - train\n    metrics:\n      - metrics.json:\n          cache: false\nartifacts:\n  churn:\n    path: models/m.pkl\n    type: model\n";
        let out = parse_dvc_yaml("dvc.yaml", y);
        assert_eq!(
            out.facts[0].value["stages"][0]["metrics"][0],
            "metrics.json"
        );
        assert_eq!(out.facts[1].value["artifacts"][0]["type"], "model");
        assert_eq!(out.hits[0].capability, "tracked_pipeline_runs");
    }

    #[test]
    fn remotes_have_types_and_redacted_urls() {
        let c = "[core]\n    remote = storage\n['remote \"storage\"']\n    url = s3://bucket/path\n['remote \"web\"']\n    url = https://user:pw@host/x\n";
        let out = parse_dvc_config(".dvc/config", c);
        let r = &out.facts[0].value["remotes"];
        assert_eq!(r[0]["type"], "s3");
        assert_eq!(r[0]["default"], true);
        assert_eq!(r[1]["url"], "https://***@host/x");
    }

    #[test]
    fn malformed_yaml_is_a_warning() {
        assert!(!parse_dvc_yaml("dvc.yaml", "stages: [").warnings.is_empty());
    }
}
