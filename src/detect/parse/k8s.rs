//! Kubernetes manifests, Helm charts, Kustomize, KServe, Seldon, Istio and Argo Rollouts:
//! kinds, images, GPU requests, replicas and autoscaling bounds, and traffic-splitting settings
//! (KServe `canaryTrafficPercent`, Seldon shadows and traffic, Istio weights and mirrors, Argo
//! Rollouts canary steps). Multi-document files are read whole; Helm templates (`{{ }}`) are
//! not YAML until rendered, so they are listed, not parsed.

use serde_json::json;

use super::{find_line, find_line_from, has, Fact, ParseOut, ParsedHit};
use crate::canvas::Block;
use crate::detect::spec::Confidence;
use crate::yaml::{self, Value};

fn walk<'a>(v: &'a Value, f: &mut dyn FnMut(&str, &'a Value)) {
    match v {
        Value::Mapping(m) => {
            for (k, child) in m {
                if let Some(k) = k.as_str() {
                    f(k, child);
                }
                walk(child, f);
            }
        }
        Value::Sequence(items) => items.iter().for_each(|i| walk(i, f)),
        Value::Tagged(t) => walk(&t.value, f),
        _ => {}
    }
}

fn as_i64(v: &Value) -> Option<i64> {
    v.as_i64()
        .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
}

fn hit(
    tool: &'static str,
    capability: &'static str,
    block: Block,
    line: Option<u32>,
    text: String,
) -> ParsedHit {
    ParsedHit {
        tool,
        capability,
        block,
        confidence: Confidence::High,
        line,
        snippet: crate::detect::redact::snippet(&text),
    }
}

/// The documents of a manifest file. A CustomResourceDefinition is an API schema, often
/// megabytes of OpenAPI that say nothing about the stack: its document is not parsed, only
/// its `apiVersion`, `kind` and `metadata.name` lines are read.
fn parse_documents(text: &str) -> Result<Vec<Value>, String> {
    const CRD: &str = "\nkind: CustomResourceDefinition";
    if !has(text, CRD) && !text.starts_with(&CRD[1..]) {
        return yaml::parse_all(text);
    }
    let mut docs = Vec::new();
    for doc in split_documents(text) {
        let top = |key: &str| {
            doc.lines()
                .find_map(|l| l.strip_prefix(key))
                .map(|v| v.trim().trim_matches(|c| c == '"' || c == '\''))
        };
        if top("kind:") == Some("CustomResourceDefinition") {
            let name = doc
                .lines()
                .skip_while(|l| !l.starts_with("metadata:"))
                .skip(1)
                .take_while(|l| l.starts_with(' ') || l.trim().is_empty())
                .find_map(|l| l.strip_prefix("  name:"))
                .map(|v| v.trim().trim_matches(|c| c == '"' || c == '\''));
            let mut m = serde_yaml::Mapping::new();
            m.insert("kind".into(), "CustomResourceDefinition".into());
            if let Some(api) = top("apiVersion:") {
                m.insert("apiVersion".into(), api.into());
            }
            if let Some(name) = name {
                let mut meta = serde_yaml::Mapping::new();
                meta.insert("name".into(), name.into());
                m.insert("metadata".into(), Value::Mapping(meta));
            }
            docs.push(Value::Mapping(m));
        } else {
            docs.extend(yaml::parse_all(doc)?);
        }
    }
    Ok(docs)
}

/// A YAML stream cut at its `---` document markers.
fn split_documents(text: &str) -> Vec<&str> {
    let mut docs = Vec::new();
    let mut start = 0;
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        let marker = line.trim_end();
        if marker == "---" || marker.starts_with("--- ") {
            docs.push(&text[start..at]);
            start = at;
        }
        at += line.len();
    }
    docs.push(&text[start..]);
    docs
}

/// Parses a YAML file that may hold Kubernetes objects.
pub(crate) fn parse_manifests(path: &str, text: &str) -> ParseOut {
    let mut out = ParseOut::default();
    if !(has(text, "apiVersion:") && has(text, "kind:")) {
        return out;
    }
    if has(text, "{{") {
        out.facts.push(Fact {
            block: Block::ModelDeployment,
            key: "helm_templates",
            value: json!({"path": path}),
        });
        return out;
    }
    let docs = match parse_documents(text) {
        Ok(d) => d,
        Err(e) => {
            out.warnings.push(e);
            return out;
        }
    };
    let mut cursor = 0;
    for doc in &docs {
        let (Some(kind), Some(api)) = (
            doc.get("kind").and_then(Value::as_str),
            doc.get("apiVersion").and_then(Value::as_str),
        ) else {
            continue;
        };
        let name = doc
            .get("metadata")
            .and_then(|m| m.get("name"))
            .and_then(Value::as_str)
            .unwrap_or("");
        let mut images = Vec::new();
        let mut gpus = 0i64;
        let mut canary = None;
        let mut weights = Vec::new();
        let mut mirror = false;
        let mut shadow = false;
        let mut steps = 0usize;
        walk(doc, &mut |k, v| match k {
            "image" | "storageUri" => {
                if let Some(s) = v.as_str() {
                    images.push(s.to_string());
                }
            }
            "nvidia.com/gpu" | "amd.com/gpu" => gpus = gpus.max(as_i64(v).unwrap_or(1)),
            "canaryTrafficPercent" => canary = as_i64(v),
            "weight" => weights.extend(as_i64(v)),
            "mirror" => mirror = true,
            "shadow" => shadow |= v.as_bool().unwrap_or(false),
            "steps" => steps += v.as_sequence().map_or(0, Vec::len),
            _ => {}
        });
        images.sort();
        images.dedup();
        let spec = doc.get("spec");
        let replicas = spec.and_then(|s| s.get("replicas")).and_then(as_i64);
        let min = spec.and_then(|s| s.get("minReplicas")).and_then(as_i64);
        let max = spec.and_then(|s| s.get("maxReplicas")).and_then(as_i64);
        out.facts.push(Fact {
            block: Block::ModelDeployment,
            key: "kubernetes_objects",
            value: json!({
                "path": path, "kind": kind, "api_version": api, "name": name,
                "images": images, "replicas": replicas, "gpu_requests": gpus,
                "min_replicas": min, "max_replicas": max,
            }),
        });
        // Each object's own `kind:` line: the next one after the previous object's.
        let needle = format!("kind: {kind}");
        let kind_line = match find_line_from(text, &needle, cursor) {
            Some((line, end)) => {
                cursor = end;
                Some(line)
            }
            None => find_line(text, &needle),
        };
        if kind == "HorizontalPodAutoscaler" || (min.is_some() && max.is_some()) {
            out.hits.push(hit(
                "kubernetes",
                "scalable_serving",
                Block::PredictionServing,
                kind_line,
                format!(
                    "{kind} {name}: {} to {} replicas",
                    min.unwrap_or(1),
                    max.unwrap_or(0)
                ),
            ));
        }
        if gpus > 0 {
            out.facts.push(Fact {
                block: Block::PredictionServing,
                key: "accelerators",
                value: json!({"path": path, "kind": kind, "name": name, "gpus": gpus}),
            });
        }
        let split = weights.iter().any(|w| *w > 0 && *w < 100);
        let (tool, strategy) = if let Some(p) = canary.filter(|p| *p < 100) {
            (
                "kserve",
                format!("canary {p}% (KServe canaryTrafficPercent)"),
            )
        } else if kind == "Rollout" && steps > 0 {
            ("argo-rollouts", format!("Argo Rollouts with {steps} steps"))
        } else if api.contains("istio") && (split || mirror) {
            (
                "istio",
                if mirror {
                    "traffic mirroring (shadow)".to_string()
                } else {
                    format!("weighted split {weights:?}")
                },
            )
        } else if api.contains("seldon") && (shadow || split) {
            (
                "seldon",
                if shadow {
                    "shadow deployment".to_string()
                } else {
                    format!("traffic split {weights:?}")
                },
            )
        } else {
            continue;
        };
        out.facts.push(Fact {
            block: Block::ModelDeployment,
            key: "release_strategies",
            value: json!({"path": path, "kind": kind, "name": name, "strategy": strategy}),
        });
        out.hits.push(hit(
            tool,
            "progressive_delivery",
            Block::ModelDeployment,
            kind_line,
            format!("{kind} {name}: {strategy}"),
        ));
    }
    out
}

/// Parses a Helm `Chart.yaml`.
pub(crate) fn parse_chart(path: &str, text: &str) -> ParseOut {
    let mut out = ParseOut::default();
    match yaml::parse(text) {
        Ok(doc) => out.facts.push(Fact {
            block: Block::ModelDeployment,
            key: "helm_charts",
            value: json!({
                "path": path,
                "name": doc.get("name").and_then(Value::as_str),
                "version": doc.get("version").and_then(Value::as_str),
                "dependencies": doc.get("dependencies").and_then(Value::as_sequence).map_or(0, Vec::len),
            }),
        }),
        Err(e) => out.warnings.push(e),
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multi_document_with_hpa_gpu_and_canary() {
        let y = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api}\nspec:\n  replicas: 2\n  template:\n    spec:\n      containers:\n        - image: churn:1\n          resources:\n            limits:\n              nvidia.com/gpu: 1\n---\napiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: api}\nspec: {minReplicas: 2, maxReplicas: 8}\n---\napiVersion: serving.kserve.io/v1beta1\nkind: InferenceService\nmetadata: {name: churn}\nspec:\n  predictor:\n    canaryTrafficPercent: 10\n    model: {storageUri: 's3://m/churn'}\n";
        let out = parse_manifests("k8s/all.yaml", y);
        let caps: Vec<&str> = out.hits.iter().map(|h| h.capability).collect();
        assert_eq!(caps, vec!["scalable_serving", "progressive_delivery"]);
        assert!(out.facts.iter().any(|f| f.key == "accelerators"));
        assert_eq!(out.hits[1].tool, "kserve");
    }

    #[test]
    fn each_object_points_at_its_own_kind_line() {
        let y = "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: a}\nspec: {minReplicas: 1, maxReplicas: 3}\n---\napiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: b}\nspec: {minReplicas: 2, maxReplicas: 9}\n";
        let lines: Vec<_> = parse_manifests("hpa.yaml", y)
            .hits
            .iter()
            .map(|h| (h.line, h.snippet.clone()))
            .collect();
        assert_eq!(
            lines,
            vec![
                (
                    Some(2),
                    "HorizontalPodAutoscaler a: 1 to 3 replicas".to_string()
                ),
                (
                    Some(7),
                    "HorizontalPodAutoscaler b: 2 to 9 replicas".to_string()
                ),
            ]
        );
    }

    #[test]
    fn custom_resource_definitions_are_listed_from_their_header() {
        // The schema is not parsed: its `image` property and the unbalanced `{` below it
        // would otherwise show up as an image or a warning.
        let y = "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  annotations: {a: b}\n  name: stores.example.dev\nspec:\n  versions:\n    - schema:\n        properties:\n          image: {type: string}\n          x: {\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api}\nspec:\n  replicas: 2\n  template: {spec: {containers: [{image: 'api:1'}]}}\n";
        let out = parse_manifests("install.yaml", y);
        assert!(out.warnings.is_empty(), "{:?}", out.warnings);
        let objects: Vec<_> = out.facts.iter().map(|f| &f.value).collect();
        assert_eq!(objects.len(), 2);
        assert_eq!(objects[0]["kind"], "CustomResourceDefinition");
        assert_eq!(objects[0]["name"], "stores.example.dev");
        assert_eq!(objects[0]["api_version"], "apiextensions.k8s.io/v1");
        assert_eq!(objects[0]["images"], serde_json::json!([]));
        assert_eq!(objects[1]["kind"], "Deployment");
        assert_eq!(objects[1]["images"], serde_json::json!(["api:1"]));
        assert_eq!(objects[1]["replicas"], 2);
    }

    #[test]
    fn helm_templates_are_listed_not_parsed() {
        let t =
            "apiVersion: apps/v1\nkind: Deployment\nspec:\n  replicas: {{ .Values.replicas }}\n";
        let out = parse_manifests("chart/templates/d.yaml", t);
        assert!(out.warnings.is_empty());
        assert_eq!(out.facts[0].key, "helm_templates");
    }

    #[test]
    fn anchors_aliases_and_bad_yaml() {
        let y = "apiVersion: v1\nkind: ConfigMap\nmetadata: &m {name: x}\nother: *m\n";
        assert!(parse_manifests("a.yaml", y).warnings.is_empty());
        assert!(!parse_manifests("a.yaml", "apiVersion: v1\nkind: [\n")
            .warnings
            .is_empty());
    }
}
