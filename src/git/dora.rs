//! DORA delivery metrics, estimated from history alone: pure functions of a [`History`], a
//! deployment rule and a window. The definitions are the reference of the DORA issue (#4) and
//! DESIGN.md §6; every figure carries its sample size, and a figure without samples is `None`
//! ("insufficient data"), never zero. The clock is never read: the window end is an input.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use regex::{Regex, RegexBuilder};
use serde::{Deserialize, Serialize};

use super::history::History;
use super::time::format_utc;

/// Seven days: the hotfix horizon of failure rule (b).
const HOTFIX_WINDOW_SECS: i64 = 604_800;
const DAY: i64 = 86_400;

fn release_patterns() -> &'static [Regex; 2] {
    static RE: OnceLock<[Regex; 2]> = OnceLock::new();
    RE.get_or_init(|| {
        let ci = |p: &str| {
            RegexBuilder::new(p)
                .case_insensitive(true)
                .build()
                .expect("valid release pattern")
        };
        [
            ci(r"^(?:[A-Za-z0-9_.-]+@)?v?\d+(?:\.\d+){1,2}$"),
            ci(r"^release[-_/]?\d{4}[-.]?\d{2}[-.]?\d{2}$"),
        ]
    })
}

fn hotfix_regex() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        RegexBuilder::new(r"\b(hotfix|fix|fixes|fixed|rollback|revert)\b")
            .case_insensitive(true)
            .build()
            .expect("valid hotfix pattern")
    })
}

/// Whether a tag name looks like a release under the default rule.
pub fn is_release_tag(name: &str) -> bool {
    release_patterns().iter().any(|r| r.is_match(name))
}

/// `(major, minor, patch)` of a tag of the first release pattern (`name@` and `v` ignored,
/// a missing patch is 0).
pub fn version_of(name: &str) -> Option<(u64, u64, u64)> {
    if !release_patterns()[0].is_match(name) {
        return None;
    }
    let v = name.rsplit('@').next().unwrap_or(name);
    let v = v.trim_start_matches(['v', 'V']);
    let mut it = v.split('.').map(|p| p.parse::<u64>().ok());
    let major = it.next()??;
    let minor = it.next()??;
    let patch = it.next().unwrap_or(Some(0))?;
    Some((major, minor, patch))
}

/// How deployments are recognised.
#[derive(Debug, Clone)]
pub enum DeployRule {
    /// Release-looking tags (the default).
    ReleaseTags,
    /// Tags matching a user regex (a search, case-sensitive).
    TagRegex(Regex),
}

/// One deployment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Deployment {
    /// Tag name, or the short commit id for first-parent deployments.
    pub name: String,
    pub commit: String,
    pub time: String,
    #[serde(skip)]
    pub time_secs: i64,
    #[serde(skip)]
    pub commit_index: usize,
}

/// Lists the deployments of a history, sorted by time then name, and the method used.
pub fn deployments(hist: &History, rule: &DeployRule) -> (Vec<Deployment>, String) {
    let matches = |name: &str| match rule {
        DeployRule::ReleaseTags => is_release_tag(name),
        DeployRule::TagRegex(re) => re.is_match(name),
    };
    // Several tags on one commit: keep the earliest (time, then name).
    let mut by_commit: BTreeMap<usize, &super::history::Tag> = BTreeMap::new();
    for t in hist.tags.iter().filter(|t| matches(&t.name)) {
        let keep = by_commit
            .get(&t.commit)
            .is_none_or(|prev| (t.time, &t.name) < (prev.time, &prev.name));
        if keep {
            by_commit.insert(t.commit, t);
        }
    }
    let mut deps: Vec<Deployment> = by_commit
        .values()
        .map(|t| Deployment {
            name: t.name.clone(),
            commit: hist.commits[t.commit].id.clone(),
            time: format_utc(t.time),
            time_secs: t.time,
            commit_index: t.commit,
        })
        .collect();
    let method = match rule {
        DeployRule::ReleaseTags => {
            "release tags (v1.2.3, 1.2, name@v1.2.3, release-YYYY-MM-DD; pre-releases excluded), at tag time".to_string()
        }
        DeployRule::TagRegex(re) => format!("tags matching --deploy-tag /{}/, at tag time", re.as_str()),
    };
    if deps.is_empty() {
        deps = hist
            .first_parent_chain()
            .into_iter()
            .map(|i| {
                let c = &hist.commits[i];
                Deployment {
                    name: c.id[..c.id.len().min(12)].to_string(),
                    commit: c.id.clone(),
                    time: format_utc(c.committer_time),
                    time_secs: c.committer_time,
                    commit_index: i,
                }
            })
            .collect();
        deps.sort_by(|a, b| (a.time_secs, &a.name).cmp(&(b.time_secs, &b.name)));
        return (
            deps,
            "first-parent commits of HEAD (assumes continuous deployment; no release tags found)"
                .to_string(),
        );
    }
    deps.sort_by(|a, b| (a.time_secs, &a.name).cmp(&(b.time_secs, &b.name)));
    (deps, method)
}

/// For each deployment in order, the commits it ships: reachable from it and from no earlier
/// deployment. Works for any order because the union of ancestor sets is closed under ancestry.
pub fn shipped_commits(hist: &History, tips: &[usize]) -> Vec<Vec<usize>> {
    let mut seen = vec![false; hist.commits.len()];
    let mut out = Vec::with_capacity(tips.len());
    for &tip in tips {
        let mut shipped = Vec::new();
        let mut stack = vec![tip];
        while let Some(i) = stack.pop() {
            if seen[i] {
                continue;
            }
            seen[i] = true;
            shipped.push(i);
            stack.extend(hist.commits[i].parents.iter().copied());
        }
        shipped.sort_unstable();
        out.push(shipped);
    }
    out
}

/// Median (mean of the two middle values for even n) of sorted values.
pub fn median(sorted: &[i64]) -> Option<f64> {
    let n = sorted.len();
    if n == 0 {
        return None;
    }
    Some(if n % 2 == 1 {
        sorted[n / 2] as f64
    } else {
        f64::midpoint(sorted[n / 2 - 1] as f64, sorted[n / 2] as f64)
    })
}

/// Nearest-rank p90 of sorted values: `sorted[ceil(0.9·n) − 1]`.
pub fn p90(sorted: &[i64]) -> Option<i64> {
    let n = sorted.len();
    if n == 0 {
        return None;
    }
    let rank = (9 * n).div_ceil(10);
    Some(sorted[rank - 1])
}

/// The analysis window, in seconds since the epoch (both ends inclusive).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub since: i64,
    pub until: i64,
}

/// The default window end: the later of the newest commit reachable from HEAD (committer
/// time) and the newest deployment.
pub fn default_until(hist: &History, deps: &[Deployment]) -> Option<i64> {
    let newest_commit = hist
        .head
        .map(|h| {
            let mut seen = vec![false; hist.commits.len()];
            let mut stack = vec![h];
            let mut best = i64::MIN;
            while let Some(i) = stack.pop() {
                if std::mem::replace(&mut seen[i], true) {
                    continue;
                }
                best = best.max(hist.commits[i].committer_time);
                stack.extend(hist.commits[i].parents.iter().copied());
            }
            best
        })
        .filter(|t| *t != i64::MIN);
    let newest_dep = deps.iter().map(|d| d.time_secs).max();
    newest_commit.into_iter().chain(newest_dep).max()
}

/// Performance band of one metric.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Band {
    Elite,
    High,
    Medium,
    Low,
}

/// Band thresholds, from the data file `data/dora-bands.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bands {
    pub source: String,
    pub deployment_frequency_per_week: Thresholds,
    pub lead_time_seconds: Thresholds,
    pub change_failure_rate: Thresholds,
    pub time_to_restore_seconds: Thresholds,
}

/// Elite / high / medium limits of one metric.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Thresholds {
    pub elite: f64,
    pub high: f64,
    pub medium: f64,
}

impl Bands {
    /// The embedded bands.
    pub fn embedded() -> Bands {
        toml::from_str(include_str!("../../data/dora-bands.toml"))
            .expect("data/dora-bands.toml is valid")
    }

    fn at_least(t: &Thresholds, v: f64) -> Band {
        if v >= t.elite {
            Band::Elite
        } else if v >= t.high {
            Band::High
        } else if v >= t.medium {
            Band::Medium
        } else {
            Band::Low
        }
    }

    fn below(t: &Thresholds, v: f64) -> Band {
        if v < t.elite {
            Band::Elite
        } else if v < t.high {
            Band::High
        } else if v < t.medium {
            Band::Medium
        } else {
            Band::Low
        }
    }

    fn at_most(t: &Thresholds, v: f64) -> Band {
        if v <= t.elite {
            Band::Elite
        } else if v <= t.high {
            Band::High
        } else if v <= t.medium {
            Band::Medium
        } else {
            Band::Low
        }
    }
}

/// Window as reported.
#[derive(Debug, Clone, Serialize)]
pub struct WindowOut {
    pub since: String,
    pub until: String,
    pub days: f64,
}

/// Median, p90 and sample count of lead times.
#[derive(Debug, Clone, Serialize)]
pub struct LeadTime {
    pub median: Option<f64>,
    pub p90: Option<i64>,
    pub samples: usize,
}

/// Median and sample count of restore times.
#[derive(Debug, Clone, Serialize)]
pub struct Restore {
    pub median: Option<f64>,
    pub samples: usize,
}

/// Bands per metric; `None` for a figure with insufficient data.
#[derive(Debug, Clone, Serialize)]
pub struct BandsOut {
    pub source: String,
    pub deployment_frequency: Option<Band>,
    pub lead_time: Option<Band>,
    pub change_failure_rate: Option<Band>,
    pub time_to_restore: Option<Band>,
}

/// A commit cited as evidence of a failure.
#[derive(Debug, Clone, Serialize)]
pub struct CommitRef {
    pub commit: String,
    pub subject: String,
}

/// One failed deployment and why.
#[derive(Debug, Clone, Serialize)]
pub struct Failure {
    pub deployment: String,
    pub time: String,
    /// `revert` (rule a) or `hotfix` (rule b), or both.
    pub reasons: Vec<String>,
    /// The deployment that shipped the remediation.
    pub restored_by: Option<String>,
    pub time_to_restore_seconds: Option<i64>,
    pub evidence: Vec<CommitRef>,
}

/// Development practice figures for the foundations block.
#[derive(Debug, Clone, Serialize)]
pub struct Practice {
    pub first_parent_commits: usize,
    pub merges: usize,
    pub merge_share: Option<f64>,
    pub merged_branches: usize,
    pub median_branch_life_seconds: Option<f64>,
    pub contributors: usize,
    pub trunk_based: Option<bool>,
    pub trunk_rule: String,
}

/// The `dora` object of the report.
#[derive(Debug, Clone, Serialize)]
pub struct Dora {
    pub method: String,
    pub window: WindowOut,
    pub deployments: usize,
    pub deployment_frequency_per_week: Option<f64>,
    pub lead_time_seconds: LeadTime,
    pub change_failure_rate: Option<f64>,
    pub failed_deployments: usize,
    pub time_to_restore_seconds: Restore,
    pub bands: BandsOut,
    pub failures: Vec<Failure>,
    pub practice: Practice,
    /// History is shallow or has missing objects: figures may be partial.
    pub partial: bool,
    /// How far history reaches back (oldest commit time read).
    pub history_since: Option<String>,
    pub commits_read: usize,
    pub notes: Vec<String>,
}

fn short(id: &str) -> String {
    id[..id.len().min(12)].to_string()
}

fn round(v: f64, places: i32) -> f64 {
    let f = 10f64.powi(places);
    (v * f).round() / f
}

/// Computes every figure for a window (`None` = the default window).
pub fn compute(
    hist: &History,
    rule: &DeployRule,
    since: Option<i64>,
    until: Option<i64>,
    bands: &Bands,
) -> Dora {
    let (deps, method) = deployments(hist, rule);
    let until = until.or_else(|| default_until(hist, &deps)).unwrap_or(0);
    let since = since.unwrap_or(until - 365 * DAY);
    let window = Window { since, until };
    let in_window = |t: i64| window.since <= t && t <= window.until;
    let days = (window.until - window.since) as f64 / DAY as f64;
    let tips: Vec<usize> = deps.iter().map(|d| d.commit_index).collect();
    let shipped = shipped_commits(hist, &tips);
    // Which deployment ships each commit.
    let mut shipped_by = vec![usize::MAX; hist.commits.len()];
    for (di, commits) in shipped.iter().enumerate() {
        for &c in commits {
            shipped_by[c] = di;
        }
    }
    let win: Vec<usize> = (0..deps.len())
        .filter(|&i| in_window(deps[i].time_secs))
        .collect();

    // Lead time over shipped non-merge commits of deployments in the window.
    let mut leads: Vec<i64> = win
        .iter()
        .flat_map(|&di| {
            let t = deps[di].time_secs;
            shipped[di]
                .iter()
                .filter(|&&c| hist.commits[c].parent_count <= 1)
                .map(move |&c| (t - hist.commits[c].author_time).max(0))
        })
        .collect();
    leads.sort_unstable();

    // (revert commit, reverted commit) pairs, by id prefix.
    let revert_pairs: Vec<(usize, usize)> = hist
        .commits
        .iter()
        .enumerate()
        .filter(|(_, c)| !c.reverts.is_empty())
        .flat_map(|(ri, c)| {
            hist.commits.iter().enumerate().filter_map(move |(ti, t)| {
                c.reverts
                    .iter()
                    .any(|p| t.id.starts_with(p.as_str()))
                    .then_some((ri, ti))
            })
        })
        .collect();

    // Failures.
    let mut failures = Vec::new();
    let mut restore: Vec<i64> = Vec::new();
    for &di in &win {
        let d = &deps[di];
        let mut reasons = Vec::new();
        let mut evidence = Vec::new();
        let mut best: Option<(i64, usize)> = None;
        // (a) a later deployment ships a commit that reverts one of ours.
        for &(revert, target) in &revert_pairs {
            let by = shipped_by[revert];
            if shipped_by[target] != di || by == usize::MAX || by <= di {
                continue;
            }
            if !reasons.contains(&"revert".to_string()) {
                reasons.push("revert".to_string());
            }
            let c = &hist.commits[revert];
            evidence.push(CommitRef {
                commit: short(&c.id),
                subject: c.subject.clone(),
            });
            let ttr = deps[by].time_secs - d.time_secs;
            if best.is_none_or(|(t, _)| ttr < t) {
                best = Some((ttr, by));
            }
        }
        // (b) a patch bump within 7 days that ships a fix.
        if let Some(next) = deps.get(di + 1) {
            let gap = next.time_secs - d.time_secs;
            let bump = match (version_of(&d.name), version_of(&next.name)) {
                (Some(a), Some(b)) => a.0 == b.0 && a.1 == b.1 && b.2 > a.2,
                _ => false,
            };
            if gap <= HOTFIX_WINDOW_SECS && bump {
                let fixes: Vec<usize> = shipped[di + 1]
                    .iter()
                    .copied()
                    .filter(|&c| hotfix_regex().is_match(&hist.commits[c].subject))
                    .collect();
                if !fixes.is_empty() {
                    reasons.push("hotfix".to_string());
                    for c in fixes {
                        evidence.push(CommitRef {
                            commit: short(&hist.commits[c].id),
                            subject: hist.commits[c].subject.clone(),
                        });
                    }
                    if best.is_none_or(|(t, _)| gap < t) {
                        best = Some((gap, di + 1));
                    }
                }
            }
        }
        if !reasons.is_empty() {
            evidence.sort_by(|a, b| a.commit.cmp(&b.commit));
            evidence.dedup_by(|a, b| a.commit == b.commit);
            if let Some((t, _)) = best {
                restore.push(t);
            }
            failures.push(Failure {
                deployment: d.name.clone(),
                time: d.time.clone(),
                reasons,
                restored_by: best.map(|(_, by)| deps[by].name.clone()),
                time_to_restore_seconds: best.map(|(t, _)| t),
                evidence,
            });
        }
    }
    restore.sort_unstable();

    let n = win.len();
    let freq = (days > 0.0 && !hist.commits.is_empty()).then(|| round(n as f64 / (days / 7.0), 4));
    let cfr = (n > 0).then(|| round(failures.len() as f64 / n as f64, 4));
    let lead_median = median(&leads);
    let ttr_median = median(&restore);
    let practice = practice(hist, window);
    let oldest = hist.commits.iter().map(|c| c.committer_time).min();
    let mut notes = Vec::new();
    if hist.shallow {
        notes.push(format!(
            "shallow clone: history reaches back to {}; figures are partial",
            oldest.map_or_else(|| "nothing".to_string(), format_utc)
        ));
    }
    if hist.missing_objects > 0 {
        notes.push(format!(
            "{} objects could not be read; figures may be partial",
            hist.missing_objects
        ));
    }
    if !hist.non_commit_tags.is_empty() {
        notes.push(format!(
            "{} tags point at trees or blobs, not commits, and are ignored",
            hist.non_commit_tags.len()
        ));
    }
    Dora {
        method,
        window: WindowOut {
            since: format_utc(window.since),
            until: format_utc(window.until),
            days: round(days, 2),
        },
        deployments: n,
        deployment_frequency_per_week: freq,
        lead_time_seconds: LeadTime {
            median: lead_median,
            p90: p90(&leads),
            samples: leads.len(),
        },
        change_failure_rate: cfr,
        failed_deployments: failures.len(),
        time_to_restore_seconds: Restore {
            median: ttr_median,
            samples: restore.len(),
        },
        bands: BandsOut {
            source: bands.source.clone(),
            deployment_frequency: freq
                .map(|v| Bands::at_least(&bands.deployment_frequency_per_week, v)),
            lead_time: lead_median.map(|v| Bands::below(&bands.lead_time_seconds, v)),
            change_failure_rate: cfr.map(|v| Bands::at_most(&bands.change_failure_rate, v)),
            time_to_restore: ttr_median.map(|v| Bands::below(&bands.time_to_restore_seconds, v)),
        },
        failures,
        practice,
        partial: hist.shallow || hist.missing_objects > 0,
        history_since: oldest.map(format_utc),
        commits_read: hist.commits.len(),
        notes,
    }
}

/// The trunk-based rule, stated in the report.
pub const TRUNK_RULE: &str = "trunk-based when work reaches the trunk within a day: fewer than 10 % of trunk commits are merges (changes land as single commits, directly or squash-merged, whose branch life git cannot show), or the median life of merged branches is at most 24 h; needs at least 10 trunk commits in the window";

/// Below this share of merges among trunk commits, changes land on the trunk as single commits.
const TRUNK_MERGE_SHARE: f64 = 0.1;

/// Fewer trunk commits than this in the window give no trunk-based verdict.
const MIN_TRUNK_SAMPLE: usize = 10;

/// Merge share, branch life and contributors for the first-parent line in the window.
pub fn practice(hist: &History, window: Window) -> Practice {
    // The whole trunk, oldest first: each commit introduces itself and, for a merge, the
    // branch commits not already on the trunk.
    let mut trunk = hist.first_parent_chain();
    trunk.reverse();
    let introduced = shipped_commits(hist, &trunk);
    let in_window = |i: usize| {
        let t = hist.commits[i].committer_time;
        window.since <= t && t <= window.until
    };
    let fp = trunk.iter().filter(|&&i| in_window(i)).count();
    let mut merges = 0;
    let mut lives: Vec<i64> = Vec::new();
    for (&i, added) in trunk.iter().zip(&introduced) {
        let c = &hist.commits[i];
        if !in_window(i) || c.parent_count < 2 {
            continue;
        }
        merges += 1;
        let first = added
            .iter()
            .filter(|&&b| b != i)
            .map(|&b| hist.commits[b].author_time)
            .min();
        if let Some(first) = first {
            lives.push((c.committer_time - first).max(0));
        }
    }
    lives.sort_unstable();
    let contributors: std::collections::BTreeSet<&str> = hist
        .commits
        .iter()
        .filter(|c| window.since <= c.author_time && c.author_time <= window.until)
        .map(|c| c.author_email.as_str())
        .collect();
    let life = median(&lives);
    let trunk = if fp < MIN_TRUNK_SAMPLE {
        None
    } else if (merges as f64) < TRUNK_MERGE_SHARE * fp as f64 {
        // Work lands on the trunk as single commits (direct or squash-merged).
        Some(true)
    } else {
        life.map(|l| l <= DAY as f64)
    };
    Practice {
        first_parent_commits: fp,
        merges,
        merge_share: (fp > 0).then(|| round(merges as f64 / fp as f64, 4)),
        merged_branches: lives.len(),
        median_branch_life_seconds: life,
        contributors: contributors.len(),
        trunk_based: trunk,
        trunk_rule: TRUNK_RULE.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::git::history::Commit;

    #[test]
    fn release_tags_follow_the_reference_patterns() {
        for ok in [
            "v1.2.3",
            "1.2",
            "model@v1.2.3",
            "release-2024-05-01",
            "RELEASE_20240501",
            "V2.0",
        ] {
            assert!(is_release_tag(ok), "{ok}");
        }
        for no in [
            "v1.2.3-rc1",
            "v1.0-beta",
            "1.2.3.dev0",
            "v1",
            "nightly",
            "v1.2.3.4",
        ] {
            assert!(!is_release_tag(no), "{no}");
        }
        assert_eq!(version_of("model@v1.2"), Some((1, 2, 0)));
        assert_eq!(version_of("release-2024-05-01"), None);
    }

    #[test]
    fn percentiles_follow_the_definitions() {
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[5]), Some(5.0));
        assert_eq!(median(&[1, 2, 3, 10]), Some(2.5));
        assert_eq!(p90(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]), Some(9));
        assert_eq!(p90(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]), Some(10));
        assert_eq!(p90(&[7]), Some(7));
    }

    fn commit(id: &str, parents: &[usize], t: i64, subject: &str) -> Commit {
        Commit {
            id: id.to_string(),
            parents: parents.to_vec(),
            parent_count: parents.len(),
            author_time: t,
            committer_time: t,
            author_email: "a@x".to_string(),
            subject: subject.to_string(),
            reverts: crate::git::history::reverted_ids(subject),
        }
    }

    #[test]
    fn hand_built_history_gives_hand_computed_figures() {
        // c0 - c1 - c2 - c3(hotfix) - c4 ; tags v1.0.0@c1 (day 1), v1.0.1@c3 (day 3), v1.1.0@c4 (day 20)
        let d = DAY;
        let hist = History {
            commits: vec![
                commit("aaaaaaa0", &[], 0, "init"),
                commit("aaaaaaa1", &[0], d / 2, "feature"),
                commit("aaaaaaa2", &[1], 2 * d, "more"),
                commit("aaaaaaa3", &[2], 3 * d - 3600, "Hotfix crash"),
                commit("aaaaaaa4", &[3], 19 * d, "next"),
            ],
            head: Some(4),
            tags: vec![
                crate::git::history::Tag {
                    name: "v1.0.0".into(),
                    commit: 1,
                    time: d,
                },
                crate::git::history::Tag {
                    name: "v1.0.1".into(),
                    commit: 3,
                    time: 3 * d,
                },
                crate::git::history::Tag {
                    name: "v1.1.0".into(),
                    commit: 4,
                    time: 20 * d,
                },
            ],
            ..History::default()
        };
        let bands = Bands::embedded();
        let r = compute(&hist, &DeployRule::ReleaseTags, None, None, &bands);
        assert_eq!(r.deployments, 3);
        // until = day 20, since = day 20 - 365.
        assert_eq!(r.window.until, format_utc(20 * d));
        // Leads: v1.0.0 ships c0 (1d), c1 (0.5d); v1.0.1 ships c2 (1d), c3 (1h); v1.1.0 ships c4 (1d).
        assert_eq!(r.lead_time_seconds.samples, 5);
        assert_eq!(r.lead_time_seconds.median, Some(d as f64));
        assert_eq!(r.lead_time_seconds.p90, Some(d));
        assert_eq!(r.failed_deployments, 1);
        assert_eq!(r.failures[0].deployment, "v1.0.0");
        assert_eq!(r.time_to_restore_seconds.median, Some(2.0 * d as f64));
        assert_eq!(r.change_failure_rate, Some(0.3333));
        assert_eq!(r.bands.change_failure_rate, Some(Band::Low));
        assert_eq!(r.bands.time_to_restore, Some(Band::Medium));
    }

    #[test]
    fn no_history_gives_insufficient_data_not_zero() {
        let r = compute(
            &History::default(),
            &DeployRule::ReleaseTags,
            None,
            None,
            &Bands::embedded(),
        );
        assert_eq!(r.deployment_frequency_per_week, None);
        assert_eq!(r.lead_time_seconds.median, None);
        assert_eq!(r.change_failure_rate, None);
        assert_eq!(r.bands.deployment_frequency, None);
    }
}
