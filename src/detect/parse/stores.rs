//! Feature stores and MLflow projects: Feast `feature_store.yaml` (project, provider, registry,
//! online and offline store types) and the entities, feature views and feature services its
//! repository code defines; MLflow `MLproject` entry points and environment. (Terraform and
//! the other infrastructure code are read in `iac.rs`.)

use std::collections::BTreeSet;
use std::sync::OnceLock;

use regex::Regex;
use serde_json::json;

use super::{Fact, ParseOut, PySource};
use crate::canvas::Block;
use crate::detect::redact::redact;
use crate::yaml::Value;

fn store_type(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => Some(s.clone()),
        m @ Value::Mapping(_) => m.get("type").and_then(Value::as_str).map(str::to_string),
        _ => None,
    }
}

/// Parses Feast's `feature_store.yaml`.
pub(crate) fn parse_feast_config(path: &str, text: &str) -> ParseOut {
    let mut out = ParseOut::default();
    let Some(doc) = super::yaml_or_warn(text, &mut out) else {
        return out;
    };
    let registry = match doc.get("registry") {
        Some(Value::String(s)) => Some(redact(s)),
        Some(m) => m
            .get("path")
            .and_then(Value::as_str)
            .map(redact)
            .or_else(|| store_type(Some(m))),
        None => None,
    };
    out.facts.push(Fact {
        block: Block::FeatureStore,
        key: "feast",
        value: json!({
            "path": path,
            "project": doc.get("project").and_then(Value::as_str),
            "provider": doc.get("provider").and_then(Value::as_str),
            "registry": registry,
            "online_store": store_type(doc.get("online_store")),
            "offline_store": store_type(doc.get("offline_store")),
        }),
    });
    out
}

fn feast_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r#"\b(Entity|FeatureView|BatchFeatureView|StreamFeatureView|OnDemandFeatureView|FeatureService)\(\s*(?:name\s*=\s*)?(?:["']([\w-]+)["'])?"#)
            .expect("valid feast pattern")
    })
}

/// Counts Feast objects defined in a feature repository's Python code.
pub(crate) fn parse_feast_repo(path: &str, src: &PySource) -> ParseOut {
    let mut out = ParseOut::default();
    if !src.imports_any(&["feast"]) {
        return out;
    }
    let code = src.no_comments;
    let mut entities = BTreeSet::new();
    let mut views = BTreeSet::new();
    let mut services = BTreeSet::new();
    for c in feast_re().captures_iter(code) {
        let name = c
            .get(2)
            .map_or_else(|| "(unnamed)".to_string(), |m| m.as_str().to_string());
        match &c[1] {
            "Entity" => entities.insert(name),
            "FeatureService" => services.insert(name),
            _ => views.insert(name),
        };
    }
    if entities.is_empty() && views.is_empty() && services.is_empty() {
        return out;
    }
    out.facts.push(Fact {
        block: Block::FeatureStore,
        key: "feast_definitions",
        value: json!({
            "path": path,
            "entities": entities,
            "feature_views": views,
            "feature_services": services,
        }),
    });
    out
}

/// Parses an MLflow `MLproject` file.
pub(crate) fn parse_mlproject(path: &str, text: &str) -> ParseOut {
    let mut out = ParseOut::default();
    let Some(doc) = super::yaml_or_warn(text, &mut out) else {
        return out;
    };
    let entry_points: Vec<_> = doc
        .get("entry_points")
        .and_then(Value::as_mapping)
        .map(|m| {
            m.iter()
                .map(|(k, v)| {
                    let params: Vec<&str> = v
                        .get("parameters")
                        .and_then(Value::as_mapping)
                        .map(|p| p.keys().filter_map(Value::as_str).collect())
                        .unwrap_or_default();
                    json!({"name": k.as_str(), "parameters": params})
                })
                .collect()
        })
        .unwrap_or_default();
    let env = ["python_env", "conda_env", "docker_env"]
        .into_iter()
        .find(|k| doc.get(*k).is_some());
    out.facts.push(Fact {
        block: Block::ExperimentManagement,
        key: "mlflow_project",
        value: json!({
            "path": path,
            "name": doc.get("name").and_then(Value::as_str),
            "entry_points": entry_points,
            "environment": env,
        }),
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn feast_config_and_definitions() {
        let y = "project: churn\nprovider: gcp\nregistry: gs://bucket/registry.db\nonline_store:\n  type: redis\n  connection_string: redis://u:pw@host\noffline_store:\n  type: bigquery\n";
        let v = &parse_feast_config("feature_repo/feature_store.yaml", y).facts[0].value;
        assert_eq!(v["online_store"], "redis");
        assert_eq!(v["offline_store"], "bigquery");
        let code = "from feast import Entity, FeatureView\ncustomer = Entity(name=\"customer\")\nstats = FeatureView(\n    name='customer_stats', entities=[customer])\n";
        let out = crate::detect::parse::pysrc::with_source(code, |s| {
            parse_feast_repo("feature_repo/defs.py", s)
        });
        let v = &out.facts[0].value;
        assert_eq!(v["entities"][0], "customer");
        assert_eq!(v["feature_views"][0], "customer_stats");
    }

    #[test]
    fn mlproject() {
        let mp = "name: churn\npython_env: python_env.yaml\nentry_points:\n  main:\n    parameters:\n      alpha: {type: float, default: 0.1}\n    command: python train.py\n";
        let v = &parse_mlproject("MLproject", mp).facts[0].value;
        assert_eq!(v["entry_points"][0]["parameters"][0], "alpha");
        assert_eq!(v["environment"], "python_env");
    }
}
