//! The one place that reads YAML. `serde_yaml` is archived upstream; keeping it behind this
//! module lets us swap it without touching parsers. In: YAML text. Out: a value tree, or a
//! one-line reason it is not YAML.

pub(crate) use serde_yaml::Value;

/// Parses a single YAML document.
pub(crate) fn parse(text: &str) -> Result<Value, String> {
    serde_yaml::from_str(text).map_err(|e| format!("invalid YAML: {e}"))
}

/// Parses every document of a multi-document YAML stream (`---` separated).
pub(crate) fn parse_all(text: &str) -> Result<Vec<Value>, String> {
    use serde::Deserialize;
    let mut docs = Vec::new();
    for de in serde_yaml::Deserializer::from_str(text) {
        let v = Value::deserialize(de).map_err(|e| format!("invalid YAML: {e}"))?;
        if !v.is_null() {
            docs.push(v);
        }
    }
    Ok(docs)
}

/// A value written as one string or a list of strings (`branches: main`, `branches: [a, b]`),
/// as a list; anything else is empty.
pub(crate) fn strings(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Sequence(items)) => items
            .iter()
            .filter_map(|i| i.as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    }
}
