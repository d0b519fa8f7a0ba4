//! Maturity profiles: which capabilities each level needs in each canvas block.
//!
//! In: a profile file (`detectors/profiles/<id>.toml`, embedded, or a user's file given with
//! `--profile FILE`). Out: a validated [`Profile`] whose rules name known blocks, levels,
//! capabilities and canvas questions. A rule without its own `next_step` takes the step and
//! hints of the default profile's rule for the same capability, so a team's own profile can be
//! a short list of rows.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{anyhow, bail, Context, Result};
use serde::Deserialize;

use crate::canvas::Block;
use crate::detect::Capability;

include!(concat!(env!("OUT_DIR"), "/profiles.rs"));

/// The profile used when none is chosen.
pub const DEFAULT_PROFILE: &str = "ml-ops.org";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProfileFile {
    id: String,
    name: String,
    source: String,
    levels: Vec<String>,
    #[serde(default)]
    descriptions: BTreeMap<String, String>,
    rule: Vec<RuleFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    block: String,
    level: String,
    capabilities: Vec<String>,
    #[serde(default = "yes")]
    required: bool,
    #[serde(default)]
    partial: Vec<String>,
    ask: Option<String>,
    data_versioning_level: Option<u8>,
    #[serde(default)]
    only_if_tools: Vec<String>,
    next_step: Option<String>,
    #[serde(default)]
    hint: Vec<Hint>,
}

fn yes() -> bool {
    true
}

/// A sharper next step, used when a related capability was found.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Hint {
    /// The capability whose finding makes this hint apply.
    pub found: String,
    /// Only when that finding comes from this detector.
    pub tool: Option<String>,
    /// The step; `{tool}` and `{path}` name the finding.
    pub text: String,
}

/// One level of a profile.
#[derive(Debug, Clone)]
pub struct Level {
    pub id: String,
    pub description: String,
}

/// One row of the gap table: a block needs one of some capabilities at a level.
#[derive(Debug, Clone)]
pub struct Rule {
    pub block: Block,
    /// Index into [`Profile::levels`].
    pub level: usize,
    /// Met when any of these is found.
    pub capabilities: Vec<String>,
    /// Required for the level, or only recommended.
    pub required: bool,
    /// Capabilities that show progress towards the row.
    pub partial: Vec<String>,
    /// Canvas question a person answers when the scan cannot see the capability.
    pub ask: Option<String>,
    /// Minimum data versioning level (DESIGN.md §5), for data versioning rows.
    pub data_versioning_level: Option<u8>,
    /// The row applies only when one of these detectors fired.
    pub only_if_tools: Vec<String>,
    pub next_step: String,
    pub hints: Vec<Hint>,
}

impl Rule {
    /// The row's capability id as reports and SARIF name it: alternatives joined by `|`.
    pub fn capability_id(&self) -> String {
        self.capabilities.join("|")
    }
}

/// A validated maturity profile.
#[derive(Debug, Clone)]
pub struct Profile {
    pub id: String,
    pub name: String,
    pub source: String,
    pub levels: Vec<Level>,
    pub rules: Vec<Rule>,
}

impl Profile {
    /// Index of a level id, with an error listing the valid ones.
    pub fn level_index(&self, id: &str) -> Result<usize> {
        self.levels.iter().position(|l| l.id == id).ok_or_else(|| {
            anyhow!(
                "unknown level `{id}` for profile {}: use one of {}",
                self.id,
                self.level_ids().join(", ")
            )
        })
    }

    /// The level ids, lowest first.
    pub fn level_ids(&self) -> Vec<&str> {
        self.levels.iter().map(|l| l.id.as_str()).collect()
    }
}

/// Names of the built-in profiles.
pub fn builtin_names() -> Vec<&'static str> {
    EMBEDDED_PROFILES
        .iter()
        .map(|(name, _)| name.trim_end_matches(".toml"))
        .collect()
}

fn builtin_text(name: &str) -> Option<&'static str> {
    EMBEDDED_PROFILES
        .iter()
        .find(|(file, _)| file.trim_end_matches(".toml") == name)
        .map(|(_, text)| *text)
}

/// Loads a built-in profile by name, or a user's profile file by path.
pub fn load(name_or_path: &str, capabilities: &BTreeMap<String, Capability>) -> Result<Profile> {
    let default = parse(
        builtin_text(DEFAULT_PROFILE).unwrap_or_default(),
        capabilities,
        None,
    )
    .context("built-in profile ml-ops.org")?;
    if name_or_path == DEFAULT_PROFILE {
        return Ok(default);
    }
    if let Some(text) = builtin_text(name_or_path) {
        return parse(text, capabilities, Some(&default))
            .with_context(|| format!("built-in profile {name_or_path}"));
    }
    let path = Path::new(name_or_path);
    if path.extension().is_some_and(|e| e == "toml") || path.exists() {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read profile {}", path.display()))?;
        return parse(&text, capabilities, Some(&default))
            .with_context(|| format!("invalid profile {}", path.display()));
    }
    bail!(
        "unknown profile `{name_or_path}`: use one of {} or a path to a profile .toml file",
        builtin_names().join(", ")
    )
}

/// Parses and validates a profile. `default` lends steps to rules that have none.
pub fn parse(
    text: &str,
    capabilities: &BTreeMap<String, Capability>,
    default: Option<&Profile>,
) -> Result<Profile> {
    let file: ProfileFile = toml::from_str(text)?;
    if file.levels.is_empty() {
        bail!("`levels` is empty");
    }
    for (i, l) in file.levels.iter().enumerate() {
        if file.levels[..i].contains(l) || l == "none" {
            bail!("level `{l}` is repeated or reserved");
        }
    }
    for key in file.descriptions.keys() {
        if !file.levels.contains(key) {
            bail!("description for unknown level `{key}`");
        }
    }
    let questions = crate::canvas::answers::questions();
    let known_cap = |c: &str, what: &str, row: usize| -> Result<()> {
        if capabilities.contains_key(c) {
            Ok(())
        } else {
            Err(anyhow!("rule {row}: unknown capability `{c}` in {what}"))
        }
    };
    let mut rules = Vec::new();
    for (i, r) in file.rule.into_iter().enumerate() {
        let row = i + 1;
        let block = Block::from_id(&r.block)
            .ok_or_else(|| anyhow!("rule {row}: unknown block `{}`", r.block))?;
        let level = file
            .levels
            .iter()
            .position(|l| *l == r.level)
            .ok_or_else(|| anyhow!("rule {row}: unknown level `{}`", r.level))?;
        if r.capabilities.is_empty() {
            bail!("rule {row}: `capabilities` is empty");
        }
        for c in &r.capabilities {
            known_cap(c, "capabilities", row)?;
        }
        for c in &r.partial {
            known_cap(c, "partial", row)?;
        }
        for h in &r.hint {
            known_cap(&h.found, "hint.found", row)?;
        }
        if let Some(q) = &r.ask {
            if !questions.iter().any(|x| x.id == *q) {
                bail!("rule {row}: unknown canvas question `{q}` in ask");
            }
        }
        if r.data_versioning_level.is_some_and(|l| l > 3) {
            bail!("rule {row}: data_versioning_level goes from 0 to 3");
        }
        let (next_step, hints, ask) = match r.next_step {
            Some(s) => (s, r.hint, r.ask),
            None => {
                let lent = default.and_then(|d| {
                    d.rules
                        .iter()
                        .rev()
                        .find(|x| x.capabilities[0] == r.capabilities[0])
                });
                match lent {
                    Some(x) => (
                        x.next_step.clone(),
                        if r.hint.is_empty() {
                            x.hints.clone()
                        } else {
                            r.hint
                        },
                        r.ask.or_else(|| x.ask.clone()),
                    ),
                    None => bail!("rule {row}: `next_step` is missing"),
                }
            }
        };
        rules.push(Rule {
            block,
            level,
            capabilities: r.capabilities,
            required: r.required,
            partial: r.partial,
            ask,
            data_versioning_level: r.data_versioning_level,
            only_if_tools: r.only_if_tools,
            next_step,
            hints,
        });
    }
    let levels = file
        .levels
        .iter()
        .map(|id| Level {
            id: id.clone(),
            description: file.descriptions.get(id).cloned().unwrap_or_default(),
        })
        .collect();
    Ok(Profile {
        id: file.id,
        name: file.name,
        source: file.source,
        levels,
        rules,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caps() -> BTreeMap<String, Capability> {
        crate::detect::capabilities().clone()
    }

    #[test]
    fn every_builtin_profile_loads() {
        let names = builtin_names();
        assert!(names.contains(&"ml-ops.org") && names.contains(&"google"));
        for name in names {
            let p = load(name, &caps()).unwrap();
            assert_eq!(p.id, name, "a profile's id is its file name");
            assert!(!p.rules.is_empty());
        }
    }

    #[test]
    fn rules_without_a_step_borrow_the_default_one() {
        let p = load("google", &caps()).unwrap();
        let r = p
            .rules
            .iter()
            .find(|r| r.capabilities == ["model_registry"])
            .unwrap();
        assert!(r.next_step.contains("registry"), "{}", r.next_step);
        assert!(!r.hints.is_empty());
    }

    #[test]
    fn unknown_names_are_errors_that_say_what_is_wrong() {
        let c = caps();
        let base = "id='x'\nname='x'\nsource='s'\nlevels=['a','b']\n";
        let bad = [
            ("[[rule]]\nblock='nope'\nlevel='a'\ncapabilities=['ci']\nnext_step='s'", "block"),
            ("[[rule]]\nblock='foundations'\nlevel='c'\ncapabilities=['ci']\nnext_step='s'", "level"),
            ("[[rule]]\nblock='foundations'\nlevel='a'\ncapabilities=['cii']\nnext_step='s'", "capability `cii`"),
            ("[[rule]]\nblock='foundations'\nlevel='a'\ncapabilities=['ci']\nask='zz'\nnext_step='s'", "question"),
            ("[[rule]]\nblock='foundations'\nlevel='a'\ncapabilities=['ci']\nnext_stp='s'", "next_stp"),
            ("[[rule]]\nblock='foundations'\nlevel='a'\ncapabilities=['ci']", "next_step"),
        ];
        for (rules, want) in bad {
            let err = parse(&format!("{base}{rules}\n"), &c, None).unwrap_err();
            assert!(format!("{err:#}").contains(want), "{want}: {err:#}");
        }
        assert!(load("no-such-profile", &c).is_err());
    }
}
