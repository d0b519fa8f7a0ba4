//! Kedro projects: pipelines built in Python from `node(...)`s (node count, names and the
//! functions they run, namespaces of modular pipelines), and the data catalog
//! (`conf/<env>/catalog*.yml`): each dataset's type, where it is stored (local, s3, gcs,
//! azure, a database...), whether it is versioned and whether it needs credentials. Credential
//! names and values are never copied; locations pass through redaction. A catalog templated
//! with Jinja (`{% for %}`) is not YAML until rendered: it becomes a warning.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use regex::Regex;
use serde_json::json;

use super::pysrc::{kwarg, positional, PySource};
use super::{Fact, ParseOut};
use crate::canvas::Block;
use crate::detect::redact::snippet;
use crate::yaml::Value;

struct Res {
    node: Regex,
    pipeline: Regex,
}

fn res() -> &'static Res {
    static RE: OnceLock<Res> = OnceLock::new();
    RE.get_or_init(|| Res {
        node: Regex::new(r"(?:^|[^\w.])node\s*\(").expect("valid"),
        pipeline: Regex::new(r"(?:^|[^\w.])(pipeline|Pipeline)\s*\(").expect("valid"),
    })
}

/// Parses Python source that may build Kedro pipelines.
pub(crate) fn parse_kedro_pipeline(path: &str, src: &PySource) -> ParseOut {
    let mut out = ParseOut::default();
    if !src.imports_any(&["kedro"]) {
        return out;
    }
    let re = res();
    let mut nodes = 0usize;
    let mut names = BTreeSet::new();
    let mut functions = BTreeSet::new();
    if src.imports_name_from("kedro", "node") {
        for m in re.node.find_iter(src.code) {
            let open = m.end() - 1;
            let Some(range) = src.call_args(open) else {
                out.warnings.push(src.unclosed_warning("node", open));
                break;
            };
            let args = src.args(range);
            nodes += 1;
            if let Some(f) = kwarg(&args, "func").or_else(|| positional(&args, 0)) {
                functions.insert(snippet(f.value));
            }
            if let Some(n) = kwarg(&args, "name").or_else(|| positional(&args, 3)) {
                names.insert(src.text_of(n.value));
            }
        }
    }
    let mut pipelines = 0usize;
    let mut namespaces = BTreeSet::new();
    for c in re.pipeline.captures_iter(src.code) {
        let (Some(which), Some(all)) = (c.get(1), c.get(0)) else {
            continue;
        };
        if !src.imports_name_from("kedro", which.as_str()) {
            continue;
        }
        let open = all.end() - 1;
        let Some(range) = src.call_args(open) else {
            out.warnings
                .push(src.unclosed_warning(which.as_str(), open));
            break;
        };
        pipelines += 1;
        if let Some(ns) = kwarg(&src.args(range), "namespace") {
            namespaces.insert(src.text_of(ns.value));
        }
    }
    if nodes == 0 && pipelines == 0 {
        return out;
    }
    out.facts.push(Fact {
        block: Block::MlPipelines,
        key: "kedro_pipelines",
        value: json!({
            "path": path,
            "pipelines": pipelines,
            "namespaces": namespaces,
            "nodes": nodes,
            "node_names": names,
            "functions": functions,
        }),
    });
    out
}

/// Where a catalog location points: a storage kind from its scheme.
fn storage_of(location: &str) -> &'static str {
    let l = location.trim().to_ascii_lowercase();
    let scheme = l.split_once("://").map(|(s, _)| s);
    match scheme {
        Some("s3" | "s3a" | "s3n") => "s3",
        Some("gs" | "gcs") => "gcs",
        Some("abfs" | "abfss" | "az" | "adl" | "wasb" | "wasbs") => "azure",
        Some("hdfs") => "hdfs",
        Some("http" | "https") => "http",
        Some("dbfs") => "databricks",
        Some(s) if s.contains("sql") || s.starts_with("postgres") || s.starts_with("mysql") => {
            "database"
        }
        Some(_) => "other",
        None if l.starts_with("dbfs:") => "databricks",
        None if l.starts_with("${") || l.starts_with('{') => "templated",
        None => "local",
    }
}

/// Parses a Kedro data catalog.
pub(crate) fn parse_kedro_catalog(path: &str, text: &str) -> ParseOut {
    let mut out = ParseOut::default();
    if text.contains("{%") {
        out.warnings.push(
            "templated with Jinja (`{% ... %}`); Kedro renders it at run time, so it is not read"
                .to_string(),
        );
        return out;
    }
    let Some(mut doc) = super::yaml_or_warn(text, &mut out) else {
        return out;
    };
    if let Err(e) = doc.apply_merge() {
        out.warnings.push(format!("YAML merge keys: {e}"));
    }
    let Some(map) = doc.as_mapping() else {
        if !doc.is_null() {
            out.warnings
                .push("not a mapping of dataset names to definitions".to_string());
        }
        return out;
    };
    let mut datasets = Vec::new();
    let mut storage: BTreeMap<&str, usize> = BTreeMap::new();
    let mut versioned = 0usize;
    for (k, entry) in map {
        let Some(name) = k.as_str() else { continue };
        // `_name` entries are YAML anchors for reuse, not datasets.
        if name.starts_with('_') || !entry.is_mapping() {
            continue;
        }
        let kind = entry.get("type").and_then(Value::as_str).or_else(|| {
            entry
                .get("dataset")
                .and_then(|d| d.get("type").or(Some(d)))
                .and_then(Value::as_str)
        });
        let location = ["filepath", "path", "filename"]
            .into_iter()
            .find_map(|f| entry.get(f).and_then(Value::as_str));
        let is_db = entry.get("table_name").is_some()
            || entry.get("sql").is_some()
            || entry.get("con").is_some()
            || entry
                .get("load_args")
                .is_some_and(|l| l.get("con").is_some() || l.get("sql").is_some());
        let where_ = match location {
            Some(l) => storage_of(l),
            None if is_db => "database",
            None if kind.is_some_and(|t| t.contains("Memory")) => "memory",
            None => "unknown",
        };
        *storage.entry(where_).or_default() += 1;
        let is_versioned = entry.get("versioned").and_then(Value::as_bool) == Some(true);
        versioned += usize::from(is_versioned);
        datasets.push(json!({
            "name": name,
            "type": kind,
            "storage": where_,
            "location": location.map(snippet),
            "versioned": is_versioned,
            "credentials": entry.get("credentials").is_some(),
            "factory": name.contains('{'),
        }));
    }
    if datasets.is_empty() {
        return out;
    }
    out.facts.push(Fact {
        block: Block::DataVersioning,
        key: "kedro_catalog",
        value: json!({
            "path": path,
            "datasets": datasets,
            "storage": storage,
            "versioned": versioned,
        }),
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::parse::pysrc::with_source;

    #[test]
    fn counts_nodes_and_pipelines() {
        let src = "from kedro.pipeline import Pipeline, node, pipeline\nfrom sklearn.pipeline import make_pipeline\n\ndef create_pipeline(**kwargs) -> Pipeline:\n    base = pipeline([\n        node(split_data, [\"model_input\", \"params:split\"], [\"X_train\", \"y_train\"], name=\"split\"),\n        node(func=train_model, inputs=[\"X_train\", \"y_train\"], outputs=\"regressor\", name=\"train_model_node\"),\n    ])\n    return pipeline(base, namespace=\"active\")\n";
        let out = with_source(src, |s| parse_kedro_pipeline("p.py", s));
        let v = &out.facts[0].value;
        assert_eq!(v["nodes"], 2);
        assert_eq!(v["pipelines"], 2);
        assert_eq!(v["namespaces"][0], "active");
        assert_eq!(v["functions"], json!(["split_data", "train_model"]));
        assert_eq!(v["node_names"], json!(["split", "train_model_node"]));
    }

    #[test]
    fn transformers_pipeline_is_not_kedro() {
        let src = "import kedro\nfrom transformers import pipeline\nclf = pipeline(\"sentiment-analysis\")\n";
        assert!(with_source(src, |s| parse_kedro_pipeline("p.py", s))
            .facts
            .is_empty());
    }

    #[test]
    fn catalog_types_storage_and_redaction() {
        let y = "_csv: &csv\n  type: pandas.CSVDataset\ncompanies:\n  <<: *csv\n  filepath: data/01_raw/companies.csv\nreviews:\n  type: pandas.CSVDataset\n  filepath: s3://user:hunter2@bucket/reviews.csv\n  credentials: dev_s3\nregressor:\n  type: pickle.PickleDataset\n  filepath: data/06_models/regressor.pickle\n  versioned: true\nshuttles_table:\n  type: pandas.SQLTableDataset\n  table_name: shuttles\n  credentials: db\n";
        let out = parse_kedro_catalog("conf/base/catalog.yml", y);
        let v = &out.facts[0].value;
        assert_eq!(v["datasets"].as_array().unwrap().len(), 4);
        assert_eq!(v["datasets"][0]["type"], "pandas.CSVDataset");
        assert_eq!(v["storage"]["local"], 2);
        assert_eq!(v["storage"]["s3"], 1);
        assert_eq!(v["storage"]["database"], 1);
        assert_eq!(v["versioned"], 1);
        assert!(!v.to_string().contains("hunter2"));
        assert!(!v.to_string().contains("dev_s3"));
    }

    #[test]
    fn jinja_and_broken_catalogs_are_warnings() {
        let j =
            "{% for s in ['a', 'b'] %}\n{{ s }}_data:\n  type: pandas.CSVDataset\n{% endfor %}\n";
        assert!(parse_kedro_catalog("c.yml", j).warnings[0].contains("Jinja"));
        assert!(!parse_kedro_catalog("c.yml", "a: [\n").warnings.is_empty());
        assert!(parse_kedro_catalog("c.yml", "").warnings.is_empty());
    }
}
