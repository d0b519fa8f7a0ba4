//! The repository's own settings: `.mlops-canvas.toml` at the scanned root, or `--config FILE`.
//! In: the file's text. Out: validated settings; unknown keys are errors naming the file, line
//! and column, so a typo never silently changes a result.
//!
//! ```toml
//! exclude = ["vendor/", "third_party/"]   # globs relative to the root, left out of the scan
//!
//! level = "strategic"                    # target maturity level of `gaps` and `scan`
//! profile = "ml-ops.org"                  # maturity profile: a built-in name or a .toml path
//! detectors = ["tools/detectors"]         # extra detector directories (relative to this file)
//!
//! [dora]
//! deploy_tag = "^prod-\\d+"               # regex: which tags are deployments
//!
//! [[waiver]]                              # a capability the team accepts as not needed
//! capability = "feature_store"
//! reason = "one model, features computed in the request"
//! expires = "2027-06-30"                  # optional: the row counts again after this date
//! ```

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
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
    /// Target maturity level.
    pub level: Option<String>,
    /// Maturity profile: a built-in name or a path (relative to the config file).
    pub profile: Option<String>,
    /// Extra detector directories (relative to the config file).
    #[serde(default)]
    pub detectors: Vec<PathBuf>,
    /// Capabilities accepted as not needed.
    #[serde(default, rename = "waiver")]
    waivers_raw: Vec<WaiverFile>,
    /// The validated waivers, with their line in the file.
    #[serde(skip)]
    pub waivers: Vec<Waiver>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct WaiverFile {
    capability: toml::Spanned<String>,
    block: Option<toml::Spanned<String>>,
    reason: toml::Spanned<String>,
    expires: Option<toml::Spanned<String>>,
}

/// A capability a team accepts as not needed: its gap rows show as waived.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Waiver {
    pub capability: String,
    /// Only rows of this block (default: every block).
    pub block: Option<String>,
    pub reason: String,
    /// `YYYY-MM-DD`; from the day after, the waiver no longer applies.
    pub expires: Option<String>,
    /// Where it is written: `file:line`.
    pub at: String,
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

fn validate_waivers(text: &str, file: &str, raw: &[WaiverFile]) -> Result<Vec<Waiver>> {
    let capabilities = crate::detect::capabilities();
    let mut out = Vec::new();
    for w in raw {
        let at = |span: std::ops::Range<usize>| format!("{file}:{}", line_of(text, span.start));
        let cap = w.capability.get_ref();
        if !capabilities.contains_key(cap) {
            bail!(
                "{}: unknown capability `{cap}` in a waiver (`mlops-canvas detectors list` shows the capabilities)",
                at(w.capability.span())
            );
        }
        if let Some(b) = &w.block {
            if crate::canvas::Block::from_id(b.get_ref()).is_none() {
                bail!(
                    "{}: unknown block `{}` in a waiver",
                    at(b.span()),
                    b.get_ref()
                );
            }
        }
        if w.reason.get_ref().trim().is_empty() {
            bail!("{}: a waiver needs a reason", at(w.reason.span()));
        }
        if let Some(e) = &w.expires {
            let d = e.get_ref();
            if d.len() != 10 || crate::git::time::parse_utc(d).is_none() {
                bail!(
                    "{}: waiver expiry `{d}` is not a date (YYYY-MM-DD)",
                    at(e.span())
                );
            }
        }
        out.push(Waiver {
            capability: cap.clone(),
            block: w.block.as_ref().map(|b| b.get_ref().clone()),
            reason: w.reason.get_ref().clone(),
            expires: w.expires.as_ref().map(|e| e.get_ref().clone()),
            at: at(w.capability.span()),
        });
    }
    Ok(out)
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
    let mut cfg: Config =
        toml::from_str(&text).with_context(|| format!("invalid config {}", path.display()))?;
    cfg.waivers = validate_waivers(&text, &path.display().to_string(), &cfg.waivers_raw)
        .with_context(|| format!("invalid config {}", path.display()))?;
    // Paths in the file are relative to the file.
    let base = path.parent().unwrap_or(Path::new(".")).to_path_buf();
    for d in &mut cfg.detectors {
        if d.is_relative() {
            *d = base.join(&*d);
        }
    }
    if let Some(p) = &mut cfg.profile {
        if p.ends_with(".toml") && Path::new(p).is_relative() {
            *p = base.join(&*p).display().to_string();
        }
    }
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
    fn waivers_are_checked_and_located() {
        let dir = tempfile::tempdir().unwrap();
        let cases = [
            (
                "[[waiver]]\ncapability = 'feature_stor'\nreason = 'r'\n",
                "unknown capability `feature_stor`",
            ),
            (
                "level = 'strategic'\n[[waiver]]\ncapability = 'ci'\nreason = ''\n",
                "needs a reason",
            ),
            (
                "[[waiver]]\ncapability = 'ci'\nreason = 'r'\nexpires = 'soon'\n",
                "not a date",
            ),
            (
                "[[waiver]]\ncapability = 'ci'\nblock = 'nope'\nreason = 'r'\n",
                "unknown block",
            ),
        ];
        for (text, want) in cases {
            std::fs::write(dir.path().join(FILE_NAME), text).unwrap();
            let msg = format!("{:#}", load(dir.path(), None).unwrap_err());
            assert!(
                msg.contains(want) && msg.contains(&format!("{FILE_NAME}:")),
                "{msg}"
            );
        }
        std::fs::write(
            dir.path().join(FILE_NAME),
            "level = 'strategic'\n\n[[waiver]]\ncapability = 'feature_store'\nreason = 'one model'\nexpires = '2027-06-30'\n",
        )
        .unwrap();
        let (cfg, _) = load(dir.path(), None).unwrap();
        assert_eq!(cfg.level.as_deref(), Some("strategic"));
        assert_eq!(cfg.waivers.len(), 1);
        assert!(cfg.waivers[0].at.ends_with(":4"), "{}", cfg.waivers[0].at);
    }

    #[test]
    fn missing_default_file_is_fine_missing_explicit_is_not() {
        let dir = tempfile::tempdir().unwrap();
        assert!(load(dir.path(), None).unwrap().1.is_none());
        assert!(load(dir.path(), Some(&dir.path().join("nope.toml"))).is_err());
    }
}
