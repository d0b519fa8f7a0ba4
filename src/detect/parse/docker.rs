//! Dockerfiles (any name pattern) and compose files: base images (GPU/CUDA flagged), stages,
//! exposed ports, and what the container runs. A container whose command starts a model server
//! (uvicorn, gunicorn, bentoml serve, torchserve, mlflow models serve, tensorflow_model_server,
//! tritonserver, ray serve) is evidence of online serving.

use std::sync::OnceLock;

use regex::Regex;
use serde_json::json;

use super::{Fact, ParseOut, ParsedHit};
use crate::canvas::Block;
use crate::detect::redact::snippet;
use crate::detect::spec::Confidence;
use crate::yaml::Value;

fn server_regex() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"(?i)\b(uvicorn|gunicorn|hypercorn|bentoml\s+serve|torchserve|mlflow\s+models\s+serve|tensorflow_model_server|tritonserver|serve\s+run|streamlit\s+run|flask\s+run|mlserver\s+start|seldon-core-microservice|litserve)\b")
            .expect("valid server pattern")
    })
}

fn is_gpu_image(image: &str) -> bool {
    let i = image.to_ascii_lowercase();
    i.contains("cuda")
        || i.contains("nvidia/")
        || i.contains("nvcr.io")
        || i.contains("-gpu")
        || i.contains(":gpu")
        || i.contains("rocm")
}

/// Joins backslash-continued lines; returns (first line number, logical line).
fn logical_lines(text: &str) -> Vec<(u32, String)> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut start = 0u32;
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim_end_matches('\r');
        let t = line.trim_start();
        if cur.is_empty() {
            if t.starts_with('#') || t.is_empty() {
                continue;
            }
            start = (i + 1) as u32;
        } else if t.starts_with('#') {
            continue;
        }
        if let Some(stripped) = line.trim_end().strip_suffix('\\') {
            cur.push_str(stripped);
            cur.push(' ');
        } else {
            cur.push_str(line);
            out.push((start, std::mem::take(&mut cur)));
        }
    }
    if !cur.is_empty() {
        out.push((start, cur));
    }
    out
}

/// Parses a Dockerfile.
pub(crate) fn parse_dockerfile(path: &str, text: &str) -> ParseOut {
    let mut out = ParseOut::default();
    let mut stages = Vec::new();
    let mut ports = Vec::new();
    let mut runs: Option<(u32, String)> = None;
    let mut gpu = false;
    let mut args: std::collections::BTreeMap<String, String> = std::collections::BTreeMap::new();
    for (line, l) in logical_lines(text) {
        let t = l.trim();
        let (instr, rest) = t.split_once(char::is_whitespace).unwrap_or((t, ""));
        let rest = rest.trim();
        match instr.to_ascii_uppercase().as_str() {
            "ARG" => {
                if let Some((k, v)) = rest.split_once('=') {
                    args.insert(k.trim().to_string(), v.trim().trim_matches('"').to_string());
                }
            }
            "FROM" => {
                let mut parts = rest.split_whitespace().filter(|p| !p.starts_with("--"));
                let mut image = parts.next().unwrap_or("").to_string();
                // Resolve ${ARG} / $ARG defaults declared above.
                for (k, v) in &args {
                    image = image
                        .replace(&format!("${{{k}}}"), v)
                        .replace(&format!("${k}"), v);
                }
                let alias = match (parts.next(), parts.next()) {
                    (Some(a), Some(name)) if a.eq_ignore_ascii_case("as") => Some(name.to_string()),
                    _ => None,
                };
                let is_gpu = is_gpu_image(&image);
                gpu |= is_gpu;
                stages.push(json!({"image": image, "as": alias, "gpu": is_gpu, "line": line}));
            }
            "EXPOSE" => ports.extend(rest.split_whitespace().map(str::to_string)),
            "CMD" | "ENTRYPOINT" => runs = Some((line, rest.to_string())),
            _ => {}
        }
    }
    if stages.is_empty() {
        // Only a file named exactly like a Dockerfile is expected to be one.
        let name = path.rsplit('/').next().unwrap_or(path);
        if name == "Dockerfile" || name == "Containerfile" {
            out.warnings
                .push("no FROM instruction; not a Dockerfile".to_string());
        }
        return out;
    }
    let serves = runs
        .as_ref()
        .and_then(|(_, cmd)| server_regex().find(cmd).map(|m| m.as_str().to_string()));
    out.facts.push(Fact {
        block: Block::Foundations,
        key: "containers",
        value: json!({
            "path": path,
            "base_images": stages.iter().map(|s| s["image"].clone()).collect::<Vec<_>>(),
            "stages": stages.len(),
            "multi_stage": stages.len() > 1,
            "gpu": gpu,
            "exposed_ports": ports,
            "runs": runs.as_ref().map(|(_, c)| snippet(c)),
            "model_server": serves,
        }),
    });
    if let (Some(server), Some((line, cmd))) = (&serves, &runs) {
        out.hits.push(ParsedHit {
            tool: "docker",
            capability: "online_serving",
            block: Block::PredictionServing,
            confidence: Confidence::Medium,
            line: Some(*line),
            snippet: snippet(&format!("container runs {server}: {cmd}")),
        });
    }
    if gpu {
        if let Some(s) = stages.iter().find(|s| s["gpu"] == true) {
            out.hits.push(ParsedHit {
                tool: "docker",
                capability: "gpu_training",
                block: Block::ExperimentManagement,
                confidence: Confidence::Low,
                line: s["line"].as_u64().map(|l| l as u32),
                snippet: snippet(&format!(
                    "GPU base image {}",
                    s["image"].as_str().unwrap_or("")
                )),
            });
        }
    }
    out
}

/// Parses a compose file: services, images, GPU reservations, ports, commands.
pub(crate) fn parse_compose(path: &str, text: &str) -> ParseOut {
    let mut out = ParseOut::default();
    let Some(doc) = super::yaml_or_warn(text, &mut out) else {
        return out;
    };
    let Some(services) = doc.get("services").and_then(Value::as_mapping) else {
        return out;
    };
    let mut list = Vec::new();
    for (name, svc) in services {
        let name = name.as_str().unwrap_or_default();
        let image = svc.get("image").and_then(Value::as_str).unwrap_or("");
        let mut cmd = String::new();
        for key in ["command", "entrypoint"] {
            match svc.get(key) {
                Some(Value::String(s)) => cmd.push_str(s),
                Some(Value::Sequence(items)) => {
                    for i in items.iter().filter_map(Value::as_str) {
                        cmd.push_str(i);
                        cmd.push(' ');
                    }
                }
                _ => {}
            }
        }
        let gpu = is_gpu_image(image)
            || serde_yaml::to_string(svc)
                .is_ok_and(|s| s.contains("driver: nvidia") || s.contains("nvidia.com/gpu"));
        let server = server_regex().find(&cmd).map(|m| m.as_str().to_string());
        if let Some(s) = &server {
            out.hits.push(ParsedHit {
                tool: "docker-compose",
                capability: "online_serving",
                block: Block::PredictionServing,
                confidence: Confidence::Medium,
                line: super::find_line(text, &format!("{name}:")),
                snippet: snippet(&format!("service {name} runs {s}")),
            });
        }
        list.push(json!({"service": name, "image": image, "gpu": gpu, "model_server": server}));
    }
    out.facts.push(Fact {
        block: Block::Foundations,
        key: "compose_services",
        value: json!({"path": path, "services": list}),
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_stages_gpu_ports_and_server() {
        let df = "ARG BASE=nvidia/cuda:12.1.0-runtime-ubuntu22.04\nFROM python:3.11 AS build\nRUN pip wheel . \\\n  -w /w\nFROM ${BASE}\nEXPOSE 8080\nCMD [\"uvicorn\", \"app:app\"]\r\n";
        let out = parse_dockerfile("Dockerfile", df);
        let v = &out.facts[0].value;
        assert_eq!(v["stages"], 2);
        assert_eq!(v["gpu"], true);
        assert_eq!(
            v["base_images"][1],
            "nvidia/cuda:12.1.0-runtime-ubuntu22.04"
        );
        assert_eq!(v["exposed_ports"][0], "8080");
        let caps: Vec<&str> = out.hits.iter().map(|h| h.capability).collect();
        assert_eq!(caps, vec!["online_serving", "gpu_training"]);
        assert_eq!(out.hits[0].line, Some(7));
    }

    #[test]
    fn not_a_dockerfile_is_a_warning() {
        assert!(!parse_dockerfile("Dockerfile", "hello").warnings.is_empty());
        assert!(parse_dockerfile("docs/Dockerfile.md", "hello")
            .warnings
            .is_empty());
    }

    #[test]
    fn compose_services_and_servers() {
        let c = "services:\n  api:\n    image: churn:latest\n    command: gunicorn -k uvicorn.workers.UvicornWorker app:app\n  db:\n    image: postgres:16\n";
        let out = parse_compose("docker-compose.yml", c);
        assert_eq!(out.hits.len(), 1);
        assert_eq!(out.hits[0].line, Some(2));
    }
}
