//! The one place that reads YAML. `serde_yaml` is archived upstream; keeping it behind this
//! module lets us swap it without touching parsers. In: YAML text. Out: a value tree, or a
//! one-line reason it is not YAML.

pub(crate) use serde_yaml::Value;

/// Parses a single YAML document.
pub(crate) fn parse(text: &str) -> Result<Value, String> {
    serde_yaml::from_str(text).map_err(|e| format!("invalid YAML: {e}"))
}
