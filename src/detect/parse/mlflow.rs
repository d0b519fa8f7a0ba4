//! Where MLflow keeps runs: tracking (and registry) URIs set in code
//! (`mlflow.set_tracking_uri(...)`, `mlflow.set_registry_uri(...)`,
//! `MlflowClient(tracking_uri=...)`, `os.environ["MLFLOW_TRACKING_URI"] = ...` and the defaults
//! of `os.environ.get` / `os.getenv`) and in configuration (`MLFLOW_TRACKING_URI=` in `.env`
//! files, compose and CI YAML, Kubernetes `env` entries, Dockerfile `ENV`, shell scripts and
//! Makefiles). Each URI is redacted (user-info, tokens) and classified: local file store,
//! SQLite, SQL database, local or remote tracking server, Databricks, Azure ML, SageMaker
//! managed MLflow, or a variable/secret resolved at run time. A scheme MLflow does not know is
//! a warning. Reading the variable (`$MLFLOW_TRACKING_URI`) is not setting it.

use std::sync::OnceLock;

use regex::Regex;
use serde_json::{json, Value as Json};

use super::pysrc::{kwarg, positional, PySource};
use super::{has, Fact, ParseOut};
use crate::canvas::Block;
use crate::detect::redact::snippet;

/// What kind of store a tracking URI names, or `Err` with the unknown scheme.
fn uri_kind(uri: &str) -> Result<String, String> {
    let u = uri.trim();
    let lower = u.to_ascii_lowercase();
    if u.is_empty() {
        return Ok("empty (to be filled in)".to_string());
    }
    if u.contains("${{") || u.contains("{{") || u.starts_with('$') || u.contains("${") {
        return Ok("from a variable or secret at run time".to_string());
    }
    if lower.starts_with("arn:aws:sagemaker") {
        return Ok("SageMaker managed MLflow".to_string());
    }
    if lower == "databricks" || lower == "databricks-uc" {
        return Ok("Databricks workspace".to_string());
    }
    let Some((scheme, rest)) = lower.split_once(':') else {
        return Ok("local file store".to_string());
    };
    // A Windows drive letter (`C:\mlruns`) is a path, not a scheme.
    if scheme.len() == 1 && rest.starts_with('\\') {
        return Ok("local file store".to_string());
    }
    let dialect = scheme.split('+').next().unwrap_or(scheme);
    Ok(match dialect {
        "file" => "local file store".to_string(),
        "sqlite" => "SQLite database".to_string(),
        "postgresql" | "postgres" | "mysql" | "mssql" | "oracle" => {
            format!("SQL database ({dialect})")
        }
        "http" | "https" => {
            let host = rest
                .trim_start_matches("//")
                .rsplit_once('@')
                .map_or(rest.trim_start_matches("//"), |(_, h)| h);
            if ["localhost", "127.0.0.1", "0.0.0.0"]
                .iter()
                .any(|l| host.starts_with(l))
            {
                "local tracking server".to_string()
            } else {
                "tracking server".to_string()
            }
        }
        "databricks" | "databricks-uc" => "Databricks workspace".to_string(),
        "azureml" => "Azure ML workspace".to_string(),
        "uc" => "Unity Catalog".to_string(),
        s => return Err(s.to_string()),
    })
}

/// One URI setting, as a fact entry; an unknown scheme adds a warning.
fn entry(uri: &str, via: &str, line: u32, warnings: &mut Vec<String>) -> Json {
    let shown = snippet(uri);
    let kind = uri_kind(uri).unwrap_or_else(|scheme| {
        warnings.push(format!(
            "line {line}: `{shown}` is not a URI MLflow can track to (unknown scheme `{scheme}`)"
        ));
        format!("unknown scheme {scheme}")
    });
    json!({"uri": shown, "kind": kind, "via": via, "line": line})
}

fn py_res() -> &'static (Regex, Regex, Regex) {
    static RE: OnceLock<(Regex, Regex, Regex)> = OnceLock::new();
    RE.get_or_init(|| {
        (
            Regex::new(r"\b(set_tracking_uri|set_registry_uri|MlflowClient)\s*\(").expect("valid"),
            Regex::new(r#"\benviron\s*\[\s*["']MLFLOW_(TRACKING|REGISTRY)_URI["']\s*\]\s*="#)
                .expect("valid"),
            Regex::new(r#"\b(?:getenv|environ\.get|environ\.setdefault)\s*\(\s*["']MLFLOW_(TRACKING|REGISTRY)_URI["']\s*,"#)
                .expect("valid"),
        )
    })
}

/// The file's tracking URIs as one `mlflow_tracking` fact, when it names any.
fn push_tracking(path: &str, uris: Vec<serde_json::Value>, out: &mut ParseOut) {
    if !uris.is_empty() {
        out.facts.push(Fact {
            block: Block::ExperimentManagement,
            key: "mlflow_tracking",
            value: json!({"path": path, "uris": uris}),
        });
    }
}

/// Parses Python source (or a notebook's code) for MLflow tracking URIs.
pub(crate) fn parse_tracking_python(path: &str, src: &PySource) -> ParseOut {
    let mut out = ParseOut::default();
    let mentions_env =
        has(src.no_comments, "MLFLOW_TRACKING_URI") || has(src.no_comments, "MLFLOW_REGISTRY_URI");
    if !src.imports_any(&["mlflow"]) && !mentions_env {
        return out;
    }
    let (calls, assign, default) = py_res();
    let in_code = |pos: usize| src.code.as_bytes().get(pos).is_some_and(|b| *b != b' ');
    let mut uris = Vec::new();
    let mut read = |value: &str, via: &str, at: usize, out: &mut ParseOut| {
        let line = src.line(at);
        match src.string(value) {
            Some(u) => uris.push(entry(u, via, line, &mut out.warnings)),
            None if value.contains("environ") || value.contains("getenv") => {}
            None => uris.push(json!({
                "uri": src.text_of(value),
                "kind": "set in code",
                "via": via,
                "line": line,
            })),
        }
    };
    if src.imports_any(&["mlflow"]) {
        for c in calls.captures_iter(src.code) {
            let (Some(name), Some(all)) = (c.get(1), c.get(0)) else {
                continue;
            };
            let open = all.end() - 1;
            let Some(range) = src.call_args(open) else {
                out.warnings.push(src.unclosed_warning(name.as_str(), open));
                break;
            };
            let args = src.args(range);
            let pairs: Vec<(&str, &str)> = match name.as_str() {
                "set_tracking_uri" => vec![("uri", "set_tracking_uri")],
                "set_registry_uri" => vec![("uri", "set_registry_uri")],
                _ => vec![
                    ("tracking_uri", "MlflowClient tracking_uri"),
                    ("registry_uri", "MlflowClient registry_uri"),
                ],
            };
            for (key, via) in pairs {
                let arg = kwarg(&args, key).or_else(|| {
                    (key == "uri" || key == "tracking_uri")
                        .then(|| positional(&args, 0))
                        .flatten()
                });
                if let Some(a) = arg {
                    read(a.value, via, a.start, &mut out);
                }
            }
        }
    }
    if mentions_env {
        for (re, set) in [(assign, true), (default, false)] {
            for c in re.captures_iter(src.no_comments) {
                let Some(all) = c.get(0) else { continue };
                if !in_code(all.start()) || src.no_comments[all.end()..].starts_with('=') {
                    continue;
                }
                let value = src.value_at(all.end());
                let via = if set {
                    format!("MLFLOW_{}_URI set in code", &c[1])
                } else {
                    format!("default when MLFLOW_{}_URI is unset", &c[1])
                };
                read(value, &via, all.end(), &mut out);
            }
        }
    }
    push_tracking(path, uris, &mut out);
    out
}

fn text_res() -> &'static (Regex, Regex, Regex) {
    static RE: OnceLock<(Regex, Regex, Regex)> = OnceLock::new();
    RE.get_or_init(|| {
        (
            // NAME=value, NAME: value, NAME = value (Makefile).
            Regex::new(r#"(?:^|[^\w$])MLFLOW_(TRACKING|REGISTRY)_URI["']?\s*[:=]\s*(.*)$"#)
                .expect("valid"),
            // Kubernetes: `- name: MLFLOW_TRACKING_URI`, its value on a following line.
            Regex::new(r#"^\s*-?\s*name:\s*["']?MLFLOW_(TRACKING|REGISTRY)_URI["']?\s*$"#)
                .expect("valid"),
            // Dockerfile's legacy `ENV NAME value`.
            Regex::new(r"^\s*ENV\s+MLFLOW_(TRACKING|REGISTRY)_URI\s+(\S.*)$").expect("valid"),
        )
    })
}

/// The value text of a config line: quotes removed, a trailing ` # comment` dropped; in
/// shell-like files the first word.
fn config_value(raw: &str) -> &str {
    let v = raw.trim();
    for q in ['"', '\''] {
        if let Some(inner) = v.strip_prefix(q) {
            return inner.split(q).next().unwrap_or(inner);
        }
    }
    // A template (`${{ secrets.X }}`, `{{ .Values.x }}`) runs to its closing braces.
    if v.starts_with("${{") || v.starts_with("{{") {
        return v.find("}}").map_or(v, |end| &v[..end + 2]);
    }
    let v = v.split(" #").next().unwrap_or(v);
    v.split_whitespace().next().unwrap_or("")
}

/// Parses configuration (`.env`, YAML, Dockerfiles, scripts, Makefiles) for tracking URIs.
pub(crate) fn parse_tracking_config(path: &str, text: &str) -> ParseOut {
    // Most files named here never mention MLflow: one vectorised search turns them away.
    static MLFLOW: std::sync::OnceLock<memchr::memmem::Finder<'static>> =
        std::sync::OnceLock::new();
    let mut out = ParseOut::default();
    let mlflow = MLFLOW.get_or_init(|| memchr::memmem::Finder::new("MLFLOW_"));
    if mlflow.find(text.as_bytes()).is_none()
        || !text.contains("MLFLOW_TRACKING_URI") && !text.contains("MLFLOW_REGISTRY_URI")
    {
        return out;
    }
    let (setting, k8s_name, docker_env) = text_res();
    let lines: Vec<&str> = text.lines().collect();
    let mut uris = Vec::new();
    for (i, raw) in lines.iter().enumerate() {
        let line = raw.trim_end_matches('\r');
        let t = line.trim_start();
        if t.starts_with('#') || t.starts_with("//") {
            continue;
        }
        let line_no = (i + 1) as u32;
        let which = |c: &regex::Captures| format!("MLFLOW_{}_URI", &c[1]);
        if let Some(c) = k8s_name.captures(line) {
            let via = which(&c);
            // The entry's value or valueFrom follows within the next few lines.
            for next in lines.iter().skip(i + 1).take(3) {
                let n = next.trim();
                if let Some(v) = n.strip_prefix("value:") {
                    uris.push(entry(config_value(v), &via, line_no, &mut out.warnings));
                    break;
                }
                if n.starts_with("valueFrom:") {
                    uris.push(json!({"uri": null, "kind": "from a Kubernetes secret or config map", "via": via, "line": line_no}));
                    break;
                }
            }
            continue;
        }
        let Some(c) = docker_env.captures(line).or_else(|| setting.captures(line)) else {
            continue;
        };
        // `${MLFLOW_TRACKING_URI:-x}` reads the variable, it does not set it.
        let name_at = c.get(1).map_or(0, |m| m.start()) - "MLFLOW_".len();
        if line[..name_at].ends_with("${") {
            continue;
        }
        let value = config_value(&c[2]);
        uris.push(entry(value, &which(&c), line_no, &mut out.warnings));
    }
    push_tracking(path, uris, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::parse::pysrc::with_source;

    fn py(text: &str) -> ParseOut {
        with_source(text, |s| parse_tracking_python("t.py", s))
    }

    #[test]
    fn kinds_of_uris() {
        let k = |u: &str| uri_kind(u).unwrap();
        assert_eq!(k("./mlruns"), "local file store");
        assert_eq!(k("file:///tmp/mlruns"), "local file store");
        assert_eq!(k("sqlite:///mlflow.db"), "SQLite database");
        assert_eq!(
            k("postgresql+psycopg2://u:p@db/mlflow"),
            "SQL database (postgresql)"
        );
        assert_eq!(k("http://localhost:5000"), "local tracking server");
        assert_eq!(k("https://mlflow.acme.io"), "tracking server");
        assert_eq!(k("databricks"), "Databricks workspace");
        assert_eq!(k("databricks://prod"), "Databricks workspace");
        assert_eq!(
            k("${{ secrets.URI }}"),
            "from a variable or secret at run time"
        );
        assert_eq!(k(r"C:\mlruns"), "local file store");
        assert_eq!(uri_kind("htp://x"), Err("htp".to_string()));
    }

    #[test]
    fn python_calls_env_and_redaction() {
        let src = "import os\nimport mlflow\nfrom mlflow import MlflowClient\n\n# mlflow.set_tracking_uri('http://old:5000')\nmlflow.set_tracking_uri(os.environ.get(\"MLFLOW_TRACKING_URI\", \"sqlite:///mlflow.db\"))\nclient = MlflowClient(tracking_uri=\"https://bob:hunter2@mlflow.acme.io\", registry_uri=\"databricks-uc\")\nos.environ[\"MLFLOW_TRACKING_URI\"] = TRACKING\nTRACKING = 'file:./mlruns'\nprint(\"MLFLOW_TRACKING_URI\")\nif os.environ[\"MLFLOW_TRACKING_URI\"] == \"x\": pass\n";
        let out = py(src);
        let uris = &out.facts[0].value["uris"];
        let kinds: Vec<&str> = uris
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["kind"].as_str().unwrap())
            .collect();
        assert_eq!(
            kinds,
            vec![
                "tracking server",
                "Databricks workspace",
                "local file store",
                "SQLite database"
            ],
            "{uris}"
        );
        assert_eq!(uris[0]["uri"], "https://***@mlflow.acme.io");
        assert!(!uris.to_string().contains("hunter2"));
    }

    #[test]
    fn config_lines_k8s_and_reads() {
        let t = "# MLFLOW_TRACKING_URI=http://old\r\nMLFLOW_TRACKING_URI: ${{ secrets.URI }}\nMLFLOW_TRACKING_URI=postgresql://mlflow:pa55@db:5432/mlflow  # prod\r\nenv:\n  - name: MLFLOW_TRACKING_URI\n    valueFrom:\n      secretKeyRef: {name: mlflow, key: uri}\n  - name: MLFLOW_REGISTRY_URI\n    value: \"databricks\"\nENV MLFLOW_TRACKING_URI http://mlflow:5000\necho \"using ${MLFLOW_TRACKING_URI:-none}\"\nURI=$MLFLOW_TRACKING_URI\nMLFLOW_TRACKING_URI: htp://typo:5000\n";
        let out = parse_tracking_config(".env", t);
        let uris = out.facts[0].value["uris"].as_array().unwrap().clone();
        assert_eq!(uris.len(), 6, "{uris:?}");
        assert_eq!(uris[0]["uri"], "${{ secrets.URI }}");
        assert_eq!(uris[1]["uri"], "postgresql://***@db:5432/mlflow");
        assert_eq!(uris[1]["line"], 3);
        assert_eq!(uris[2]["kind"], "from a Kubernetes secret or config map");
        assert_eq!(uris[3]["kind"], "Databricks workspace");
        assert_eq!(uris[4]["kind"], "tracking server");
        assert_eq!(out.warnings.len(), 1);
        assert!(out.warnings[0].contains("unknown scheme `htp`"));
    }
}
