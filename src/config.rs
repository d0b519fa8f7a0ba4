//! The repository's own settings: `.mlops-canvas.toml` at the scanned root, or `--config FILE`.
//! In: the file's text. Out: validated settings; unknown keys are errors naming the file, line
//! and column, so a typo never silently changes a result.
//!
//! ```toml
//! exclude = ["vendor/", "third_party/"]   # globs relative to the root, left out of the scan
//!
//! [dora]
//! deploy_tag = "^prod-\\d+"               # regex: which tags are deployments
//! ```

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::Deserialize;

/// Default file name, looked up at the scanned root.
pub const FILE_NAME: &str = ".mlops-canvas.toml";

/// Settings read from the config file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Globs (relative to the root) to leave out of the scan.
    #[serde(default)]
    pub exclude: Vec<String>,
    /// Delivery metrics settings.
    #[serde(default)]
    pub dora: DoraConfig,
}

/// `[dora]` settings.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DoraConfig {
    /// Regex selecting deployment tags (replaces the release-tag patterns).
    pub deploy_tag: Option<String>,
}

/// Loads `explicit` if given (it must exist), else `<root>/.mlops-canvas.toml` if present.
pub fn load(root: &Path, explicit: Option<&Path>) -> Result<(Config, Option<PathBuf>)> {
    let path = match explicit {
        Some(p) => p.to_path_buf(),
        None => {
            let p = root.join(FILE_NAME);
            if !p.is_file() {
                return Ok((Config::default(), None));
            }
            p
        }
    };
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read config {}", path.display()))?;
    let cfg: Config =
        toml::from_str(&text).with_context(|| format!("invalid config {}", path.display()))?;
    Ok((cfg, Some(path)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_keys_are_errors_with_location() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(FILE_NAME), "[dora]\ndeploy_tags = 'x'\n").unwrap();
        let err = load(dir.path(), None).unwrap_err();
        let msg = format!("{err:#}");
        assert!(
            msg.contains(FILE_NAME) && msg.contains("deploy_tags") && msg.contains("line 2"),
            "{msg}"
        );
    }

    #[test]
    fn missing_default_file_is_fine_missing_explicit_is_not() {
        let dir = tempfile::tempdir().unwrap();
        assert!(load(dir.path(), None).unwrap().1.is_none());
        assert!(load(dir.path(), Some(&dir.path().join("nope.toml"))).is_err());
    }
}
