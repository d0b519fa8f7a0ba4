//! Maturity: from the capabilities a scan found to a level per block, an overall verdict and
//! the gap table against a target level.
//!
//! In: a [`profile::Profile`] (level → block → capability rules), the report's findings, the
//! data versioning level, the team's waivers and human answers, and today's date (passed in,
//! never read here). Out: a [`Maturity`]: for every rule a row with its status (met, partial,
//! missing, needs a human answer, waived), what was found and the next step; the inferred level
//! per block (the highest level whose required rows, and those of every lower level, are met)
//! and overall (the lowest block level); the target level (asked for, or the next one up).

pub mod profile;

use std::collections::BTreeMap;

use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

use crate::canvas::Block;
use crate::config::Waiver;
use crate::detect::{Confidence, Finding};
use crate::report::{Warning, WarningKind};
use profile::{Profile, Rule};

/// The level label of a block (or repository) that does not meet the lowest level.
pub const BELOW: &str = "none";

/// Where one gap-table row stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GapStatus {
    /// Found with medium or high confidence (or answered by a person).
    Met,
    /// Accepted as not needed by a waiver in the repository's config.
    Waived,
    /// Only weak or related evidence: a low-confidence finding or a stepping-stone capability.
    Partial,
    /// The scan cannot see it; a person has to answer the canvas question.
    NeedsAnswer,
    /// Nothing found.
    Missing,
}

impl GapStatus {
    /// The word the table shows.
    pub fn label(self) -> &'static str {
        match self {
            GapStatus::Met => "met",
            GapStatus::Waived => "waived",
            GapStatus::Partial => "partial",
            GapStatus::NeedsAnswer => "needs answer",
            GapStatus::Missing => "missing",
        }
    }

    fn counts_as_met(self) -> bool {
        matches!(self, GapStatus::Met | GapStatus::Waived)
    }
}

/// How a block stands against the target level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BlockStatus {
    /// Every required row up to the target is met or waived.
    Met,
    /// Some are.
    Partial,
    /// None is.
    Missing,
}

/// One finding behind a row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Found {
    pub tool: String,
    pub tool_name: String,
    pub capability: String,
    pub confidence: Confidence,
    /// `path:line` of the first piece of evidence.
    pub evidence: String,
}

/// One row of the gap table.
#[derive(Debug, Clone, Serialize)]
pub struct Gap {
    pub block: Block,
    /// The capability id; alternatives are joined by `|` (`online_serving|batch_serving`).
    pub capability: String,
    /// The alternatives, any of which meets the row.
    pub capabilities: Vec<String>,
    /// The level the row belongs to.
    pub level: String,
    /// Required for the level (`false`: recommended only).
    pub required: bool,
    pub status: GapStatus,
    pub found: Vec<Found>,
    /// What to do; `null` when met or waived.
    pub next_step: Option<String>,
    /// Why the status, when more than the findings say (data versioning level, a person's
    /// answer, a waiver's reason).
    pub detail: Option<String>,
    /// The canvas question a person answers for this row.
    pub question: Option<String>,
}

/// One block's level and its status against the target.
#[derive(Debug, Clone, Serialize)]
pub struct BlockMaturity {
    pub level: String,
    pub status: BlockStatus,
}

/// Blocks in canvas order, serialised as a map keyed by block id.
#[derive(Debug, Clone, Default)]
pub struct BlockLevels(pub Vec<(Block, BlockMaturity)>);

impl Serialize for BlockLevels {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (b, v) in &self.0 {
            m.serialize_entry(b.id(), v)?;
        }
        m.end()
    }
}

impl BlockLevels {
    /// The maturity of one block.
    pub fn get(&self, block: Block) -> Option<&BlockMaturity> {
        self.0.iter().find(|(b, _)| *b == block).map(|(_, m)| m)
    }
}

/// The maturity verdict and gap table of one repository.
#[derive(Debug, Clone, Serialize)]
pub struct Maturity {
    /// Profile id (`ml-ops.org`, `google`, `microsoft` or a user's).
    pub profile: String,
    pub profile_name: String,
    /// Where the profile's levels come from.
    pub profile_source: String,
    /// The profile's levels, lowest first.
    pub levels: Vec<String>,
    /// The highest level met in every block, or `none`.
    pub inferred_level: String,
    pub target_level: String,
    /// One line a person reads.
    pub verdict: String,
    pub blocks: BlockLevels,
    /// Every row up to the target level, in canvas order, lowest level first.
    pub gaps: Vec<Gap>,
    /// The next three things to build, most urgent first.
    pub next_steps: Vec<String>,
}

/// Everything the assessment draws on.
pub struct Inputs<'a> {
    pub findings: &'a [Finding],
    /// Data versioning level (DESIGN.md §5), why, and where.
    pub data_versioning: (u8, String, String),
    pub waivers: &'a [Waiver],
    /// Today as `YYYY-MM-DD`, for waiver expiry; `None` keeps every waiver.
    pub today: Option<&'a str>,
    /// A person's answers to canvas questions, by question id.
    pub answers: &'a BTreeMap<String, String>,
}

fn found_of(f: &Finding) -> Found {
    Found {
        tool: f.tool.clone(),
        tool_name: f.tool_name.clone(),
        capability: f.capability.clone(),
        confidence: f.confidence,
        evidence: f
            .evidence
            .first()
            .map_or_else(String::new, |e| match e.line {
                Some(l) => format!("{}:{l}", e.path),
                None => e.path.clone(),
            }),
    }
}

fn with_caps<'a>(findings: &'a [Finding], caps: &[String]) -> Vec<&'a Finding> {
    findings
        .iter()
        .filter(|f| caps.contains(&f.capability))
        .collect()
}

/// A person's answer that says the capability is absent ("no", "none", "n/a", "not yet"),
/// judged as the answers file judges a contradiction.
fn answer_denies(answer: &str) -> bool {
    let a = answer.trim().to_ascii_lowercase();
    a.is_empty() || a == "-" || crate::canvas::answers_file::is_denial(&a)
}

fn active_waiver<'a>(
    rule: &Rule,
    waivers: &'a [Waiver],
    today: Option<&str>,
) -> (Option<&'a Waiver>, Vec<&'a Waiver>) {
    let mut expired = Vec::new();
    for w in waivers {
        if !rule.capabilities.contains(&w.capability)
            || w.block.as_deref().is_some_and(|b| b != rule.block.id())
        {
            continue;
        }
        // ISO dates compare as strings; the expiry day itself is still covered.
        match (today, w.expires.as_deref()) {
            (Some(t), Some(e)) if t > e => expired.push(w),
            _ => return (Some(w), expired),
        }
    }
    (None, expired)
}

fn next_step(rule: &Rule, findings: &[Finding]) -> String {
    for h in &rule.hints {
        let hit = findings
            .iter()
            .find(|f| f.capability == h.found && h.tool.as_deref().is_none_or(|t| t == f.tool));
        if let Some(f) = hit {
            let path = f
                .evidence
                .first()
                .map_or("the repository", |e| e.path.as_str());
            return h
                .text
                .replace("{tool}", &f.tool_name)
                .replace("{path}", path);
        }
    }
    rule.next_step.clone()
}

/// Evaluates one rule: its status, what was found and why.
fn evaluate(rule: &Rule, inp: &Inputs) -> (GapStatus, Vec<Found>, Option<String>) {
    let direct = with_caps(inp.findings, &rule.capabilities);
    let strong: Vec<&Finding> = direct
        .iter()
        .copied()
        .filter(|f| f.confidence >= Confidence::Medium)
        .collect();
    let partial = with_caps(inp.findings, &rule.partial);
    let (mut status, found, mut detail) = if let Some(min) = rule.data_versioning_level {
        let (level, why, _) = &inp.data_versioning;
        let detail = Some(format!("Data versioning level {level}: {why}"));
        let found: Vec<Found> = direct.iter().map(|f| found_of(f)).collect();
        let status = if *level >= min {
            GapStatus::Met
        } else if *level >= 1 {
            GapStatus::Partial
        } else {
            GapStatus::Missing
        };
        (status, found, detail)
    } else if !strong.is_empty() {
        (
            GapStatus::Met,
            strong.iter().map(|f| found_of(f)).collect(),
            None,
        )
    } else if !direct.is_empty() {
        (
            GapStatus::Partial,
            direct.iter().map(|f| found_of(f)).collect(),
            Some("Only low-confidence evidence".to_string()),
        )
    } else if !partial.is_empty() {
        (
            GapStatus::Partial,
            partial.iter().map(|f| found_of(f)).collect(),
            Some(format!(
                "A step towards it: {}",
                partial
                    .iter()
                    .map(|f| f.capability.as_str())
                    .collect::<std::collections::BTreeSet<_>>()
                    .into_iter()
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        )
    } else {
        (GapStatus::Missing, Vec::new(), None)
    };
    if status == GapStatus::Missing {
        if let Some(q) = &rule.ask {
            match inp.answers.get(q) {
                Some(a) if !answer_denies(a) => {
                    status = GapStatus::Met;
                    detail = Some(format!("Answered by the team: {}", a.trim()));
                }
                Some(a) => detail = Some(format!("The team answered: {}", a.trim())),
                None => status = GapStatus::NeedsAnswer,
            }
        }
    }
    (status, found, detail)
}

fn applies(rule: &Rule, findings: &[Finding]) -> bool {
    rule.only_if_tools.is_empty()
        || findings
            .iter()
            .any(|f| rule.only_if_tools.contains(&f.tool))
}

fn level_name(profile: &Profile, level: Option<usize>) -> String {
    level.map_or_else(|| BELOW.to_string(), |l| profile.levels[l].id.clone())
}

/// Assesses a repository's findings against a profile. `target` is a level index; `None`
/// means the level above the inferred one. Expired waivers come back as warnings.
pub fn assess(profile: &Profile, inp: &Inputs, target: Option<usize>) -> (Maturity, Vec<Warning>) {
    let mut warnings = Vec::new();
    // Every applicable rule, evaluated once.
    let mut rows: Vec<(&Rule, Gap)> = Vec::new();
    for rule in profile.rules.iter().filter(|r| applies(r, inp.findings)) {
        let (waiver, expired) = active_waiver(rule, inp.waivers, inp.today);
        for w in expired {
            warnings.push(Warning::new(
                w.at.rsplit_once(':').map_or(&w.at, |(p, _)| p),
                WarningKind::Config,
                &format!(
                    "waiver for `{}` ({}) expired on {}: the row counts again",
                    w.capability,
                    w.at,
                    w.expires.as_deref().unwrap_or_default()
                ),
            ));
        }
        let (mut status, found, mut detail) = evaluate(rule, inp);
        if let Some(w) = waiver {
            if !status.counts_as_met() {
                status = GapStatus::Waived;
                detail = Some(format!(
                    "Waived ({}): {}{}",
                    w.at,
                    w.reason,
                    w.expires
                        .as_deref()
                        .map(|e| format!(", until {e}"))
                        .unwrap_or_default()
                ));
            }
        }
        let next = (!status.counts_as_met()).then(|| next_step(rule, inp.findings));
        rows.push((
            rule,
            Gap {
                block: rule.block,
                capability: rule.capability_id(),
                capabilities: rule.capabilities.clone(),
                level: profile.levels[rule.level].id.clone(),
                required: rule.required,
                status,
                found,
                next_step: next,
                detail,
                question: rule.ask.clone(),
            },
        ));
    }

    // The level of each block: the highest level whose required rows (and every lower
    // level's) are met.
    let top = profile.levels.len();
    let block_level = |block: Block| -> Option<usize> {
        let mut level = None;
        for l in 0..top {
            let ok = rows.iter().all(|(r, g)| {
                r.block != block || !r.required || r.level != l || g.status.counts_as_met()
            });
            if !ok {
                break;
            }
            level = Some(l);
        }
        level
    };
    let levels: Vec<(Block, Option<usize>)> =
        Block::ALL.iter().map(|&b| (b, block_level(b))).collect();
    let inferred = levels
        .iter()
        .map(|(_, l)| *l)
        .min_by_key(|l| l.map_or(-1, |x| i64::try_from(x).unwrap_or(i64::MAX)))
        .flatten();
    let target = target.unwrap_or_else(|| inferred.map_or(0, |l| (l + 1).min(top - 1)));

    let blocks = BlockLevels(
        levels
            .iter()
            .map(|&(block, level)| {
                let req: Vec<GapStatus> = rows
                    .iter()
                    .filter(|(r, _)| r.block == block && r.required && r.level <= target)
                    .map(|(_, g)| g.status)
                    .collect();
                let met = req.iter().filter(|s| s.counts_as_met()).count();
                let some = req
                    .iter()
                    .filter(|s| s.counts_as_met() || **s == GapStatus::Partial)
                    .count();
                let status = if met == req.len() {
                    BlockStatus::Met
                } else if some == 0 {
                    BlockStatus::Missing
                } else {
                    BlockStatus::Partial
                };
                (
                    block,
                    BlockMaturity {
                        level: level_name(profile, level),
                        status,
                    },
                )
            })
            .collect(),
    );

    // The gap table: rows up to the target; a capability named at several levels shows once,
    // at the highest of them (a recommendation that becomes a requirement).
    let mut gaps: Vec<(usize, Gap)> = Vec::new();
    for (rule, gap) in rows.iter().filter(|(r, _)| r.level <= target) {
        if let Some(i) = gaps
            .iter()
            .position(|(_, g)| g.block == rule.block && g.capability == gap.capability)
        {
            if rule.level >= gaps[i].0 {
                gaps[i] = (rule.level, gap.clone());
            }
            continue;
        }
        gaps.push((rule.level, gap.clone()));
    }
    gaps.sort_by_key(|(level, g)| (g.block, *level, !g.required));
    let gaps: Vec<Gap> = gaps.into_iter().map(|(_, g)| g).collect();

    // The next three steps: required rows first, lowest level first, then canvas order.
    let mut todo: Vec<&Gap> = gaps
        .iter()
        .filter(|g| matches!(g.status, GapStatus::Missing | GapStatus::Partial))
        .collect();
    todo.sort_by_key(|g| {
        (
            !g.required,
            profile.level_index(&g.level).unwrap_or(0),
            g.block,
        )
    });
    let next_steps = todo
        .iter()
        .take(3)
        .filter_map(|g| {
            g.next_step
                .as_ref()
                .map(|s| format!("{} ({}): {s}", g.block.id(), g.capability))
        })
        .collect();

    let verdict = verdict(profile, &blocks, inferred, target, &gaps);
    (
        Maturity {
            profile: profile.id.clone(),
            profile_name: profile.name.clone(),
            profile_source: profile.source.clone(),
            levels: profile.levels.iter().map(|l| l.id.clone()).collect(),
            inferred_level: level_name(profile, inferred),
            target_level: profile.levels[target].id.clone(),
            verdict,
            blocks,
            gaps,
            next_steps,
        },
        warnings,
    )
}

fn verdict(
    profile: &Profile,
    blocks: &BlockLevels,
    inferred: Option<usize>,
    target: usize,
    gaps: &[Gap],
) -> String {
    let inferred_name = level_name(profile, inferred);
    let lowest: Vec<&str> = blocks
        .0
        .iter()
        .filter(|(_, m)| m.level == inferred_name)
        .map(|(b, _)| b.id())
        .collect();
    let head = match inferred {
        Some(l) if l + 1 == profile.levels.len() => {
            format!("Level {} in every block", profile.levels[l].id)
        }
        Some(l) => format!(
            "Level {} ({}); held back by {}",
            profile.levels[l].id,
            profile.levels[l].description,
            lowest.join(", ")
        ),
        None => format!(
            "Below level {}; missing in {}",
            profile.levels[0].id,
            lowest.join(", ")
        ),
    };
    let req: Vec<&Gap> = gaps.iter().filter(|g| g.required).collect();
    let count = |s: GapStatus| req.iter().filter(|g| g.status == s).count();
    let mut parts = vec![format!(
        "{}/{} required capabilities met",
        count(GapStatus::Met) + count(GapStatus::Waived),
        req.len()
    )];
    for (s, word) in [
        (GapStatus::Partial, "partial"),
        (GapStatus::Missing, "missing"),
        (GapStatus::NeedsAnswer, "need an answer"),
        (GapStatus::Waived, "waived"),
    ] {
        let n = count(s);
        if n > 0 {
            parts.push(format!("{n} {word}"));
        }
    }
    format!(
        "{head}. Against level {}: {}.",
        profile.levels[target].id,
        parts.join(", ")
    )
}

#[cfg(test)]
mod tests;
