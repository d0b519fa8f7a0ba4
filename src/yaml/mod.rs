//! The one place that reads YAML. `serde_yaml` is archived upstream; keeping it behind this
//! module lets us swap it without touching parsers. In: YAML text. Out: a value tree, or a
//! one-line reason it is not YAML.
//!
//! Plain block YAML (nearly every workflow, manifest and compiled pipeline) is read by the
//! quick reader in `block`, which builds the same tree in a third of the time; whatever it
//! does not handle, and every error, goes to `serde_yaml`.

pub(crate) use serde_yaml::Value;

mod block;

/// Parses a single YAML document.
pub(crate) fn parse(text: &str) -> Result<Value, String> {
    // Plain block YAML is read by the quick reader; the rest, and every error, by the full one.
    if let Some(mut docs) = block::documents(text) {
        if docs.len() == 1 {
            return Ok(docs.swap_remove(0));
        }
    }
    serde_yaml::from_str(text).map_err(|e| format!("invalid YAML: {e}"))
}

/// Parses every document of a multi-document YAML stream (`---` separated).
pub(crate) fn parse_all(text: &str) -> Result<Vec<Value>, String> {
    use serde::Deserialize;
    if let Some(docs) = block::documents(text) {
        return Ok(docs.into_iter().filter(|v| !v.is_null()).collect());
    }
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
