//! What changed between two scans of a repository: the model of `diff` and its views.
//!
//! In: two JSON reports as written by `scan --format json` (read as plain JSON, so reports of
//! older tool versions compare too; a report lacking a section just has nothing to compare).
//! Out: a [`Diff`]: tools added or removed per block, capabilities gained or lost, the maturity
//! level of the repository and of each block, gap rows whose status changed, and DORA
//! movement. A **regression** is a capability lost or a level dropped; DORA figures move with
//! every release, so they are reported but never a regression.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;

use anyhow::{bail, Result};
use serde::Serialize;
use serde_json::Value;

/// A value before and after.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change<T> {
    pub old: T,
    pub new: T,
}

/// Whether a change is for the better.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Improved,
    Regressed,
    Unchanged,
}

/// Changes in one block.
#[derive(Debug, Clone, Serialize)]
pub struct BlockDiff {
    pub block: String,
    pub tools_added: Vec<String>,
    pub tools_removed: Vec<String>,
    pub capabilities_gained: Vec<String>,
    pub capabilities_lost: Vec<String>,
    /// The block's maturity level, when it changed.
    pub level: Option<Change<String>>,
    pub level_direction: Direction,
}

/// A gap-table row whose status changed.
#[derive(Debug, Clone, Serialize)]
pub struct GapChange {
    pub block: String,
    pub capability: String,
    pub status: Change<String>,
}

/// One DORA figure before and after.
#[derive(Debug, Clone, Serialize)]
pub struct MetricChange {
    pub metric: &'static str,
    pub old: Option<f64>,
    pub new: Option<f64>,
    pub direction: Direction,
}

/// The comparison of two reports of one repository.
#[derive(Debug, Clone, Serialize)]
pub struct Diff {
    pub repo: String,
    pub head: Change<Option<String>>,
    pub capabilities_gained: Vec<String>,
    pub capabilities_lost: Vec<String>,
    pub level: Option<Change<String>>,
    pub level_direction: Direction,
    pub blocks: Vec<BlockDiff>,
    pub gaps: Vec<GapChange>,
    pub dora: Vec<MetricChange>,
    /// Why this is a regression (empty when it is not).
    pub regressions: Vec<String>,
    pub notes: Vec<String>,
}

fn strings(v: &Value) -> impl Iterator<Item = &str> {
    v.as_array().into_iter().flatten().filter_map(Value::as_str)
}

/// (block id → (tool names, capabilities)) of a report.
fn inventory(r: &Value) -> BTreeMap<String, (BTreeSet<String>, BTreeSet<String>)> {
    let mut out: BTreeMap<String, (BTreeSet<String>, BTreeSet<String>)> = BTreeMap::new();
    if let Some(blocks) = r["blocks"].as_object() {
        for (id, b) in blocks {
            let e = out.entry(id.clone()).or_default();
            for f in b["findings"].as_array().into_iter().flatten() {
                if let Some(t) = f["tool_name"].as_str().or(f["tool"].as_str()) {
                    e.0.insert(t.to_string());
                }
                if let Some(c) = f["capability"].as_str() {
                    e.1.insert(c.to_string());
                }
            }
        }
    }
    out
}

fn minus(a: &BTreeSet<String>, b: &BTreeSet<String>) -> Vec<String> {
    a.difference(b).cloned().collect()
}

/// Compares levels by their rank in `levels` (`none` is below every level).
fn direction(levels: &[&str], old: &str, new: &str) -> Direction {
    let rank = |l: &str| {
        levels
            .iter()
            .position(|x| *x == l)
            .map_or(-1, |i| i64::try_from(i).unwrap_or(0))
    };
    match rank(new).cmp(&rank(old)) {
        std::cmp::Ordering::Greater => Direction::Improved,
        std::cmp::Ordering::Less => Direction::Regressed,
        std::cmp::Ordering::Equal => Direction::Unchanged,
    }
}

fn metric(
    old: &Value,
    new: &Value,
    name: &'static str,
    path: &[&str],
    higher_better: bool,
) -> Option<MetricChange> {
    let get = |v: &Value| {
        let mut cur = &v["dora"];
        for p in path {
            cur = &cur[*p];
        }
        cur.as_f64()
    };
    let (o, n) = (get(old), get(new));
    if o.is_none() && n.is_none() {
        return None;
    }
    let direction = match (o, n) {
        (Some(o), Some(n)) if (n - o).abs() > f64::EPSILON => {
            if (n > o) == higher_better {
                Direction::Improved
            } else {
                Direction::Regressed
            }
        }
        _ => Direction::Unchanged,
    };
    Some(MetricChange {
        metric: name,
        old: o,
        new: n,
        direction,
    })
}

/// Compares two reports of one repository.
pub fn compare(old: &Value, new: &Value) -> Result<Diff> {
    for (which, r) in [("old", old), ("new", new)] {
        if r["schema_version"].as_u64().is_none() {
            bail!("the {which} file is not an mlops-canvas JSON report (no schema_version)");
        }
    }
    let mut notes = Vec::new();
    if old["repo"]["path"] != new["repo"]["path"] {
        notes.push(format!(
            "the reports are of different paths: {} and {}",
            old["repo"]["path"], new["repo"]["path"]
        ));
    }
    let (io, inew) = (inventory(old), inventory(new));
    let all = |inv: &BTreeMap<String, (BTreeSet<String>, BTreeSet<String>)>| -> BTreeSet<String> {
        inv.values().flat_map(|(_, c)| c.iter().cloned()).collect()
    };
    let (co, cn) = (all(&io), all(&inew));
    let capabilities_gained = minus(&cn, &co);
    let capabilities_lost = minus(&co, &cn);

    let (mo, mn) = (&old["maturity"], &new["maturity"]);
    let same_profile = mo["profile"] == mn["profile"];
    if !mo.is_null() && !mn.is_null() && !same_profile {
        notes.push(format!(
            "maturity profiles differ ({} and {}): levels are not compared",
            mo["profile"], mn["profile"]
        ));
    }
    let levels: Vec<&str> = strings(&mn["levels"]).collect();
    let compare_levels = same_profile && !levels.is_empty();
    let level_change = |o: &Value, n: &Value| -> (Option<Change<String>>, Direction) {
        match (o.as_str(), n.as_str()) {
            (Some(o), Some(n)) if compare_levels && o != n => (
                Some(Change {
                    old: o.to_string(),
                    new: n.to_string(),
                }),
                direction(&levels, o, n),
            ),
            _ => (None, Direction::Unchanged),
        }
    };
    let (level, level_direction) = level_change(&mo["inferred_level"], &mn["inferred_level"]);

    let ids: BTreeSet<&String> = io.keys().chain(inew.keys()).collect();
    let empty = (BTreeSet::new(), BTreeSet::new());
    let mut blocks = Vec::new();
    // Canvas order where the block is known, else alphabetical after.
    let mut ids: Vec<&String> = ids.into_iter().collect();
    ids.sort_by_key(|id| {
        let b = crate::canvas::Block::from_id(id);
        (b.is_none(), b, (*id).clone())
    });
    for id in ids {
        let (to, capo) = io.get(id).unwrap_or(&empty);
        let (tn, capn) = inew.get(id).unwrap_or(&empty);
        let (lvl, dir) = level_change(&mo["blocks"][id]["level"], &mn["blocks"][id]["level"]);
        let d = BlockDiff {
            block: id.clone(),
            tools_added: minus(tn, to),
            tools_removed: minus(to, tn),
            capabilities_gained: minus(capn, capo),
            capabilities_lost: minus(capo, capn),
            level: lvl,
            level_direction: dir,
        };
        if !(d.tools_added.is_empty()
            && d.tools_removed.is_empty()
            && d.capabilities_gained.is_empty()
            && d.capabilities_lost.is_empty()
            && d.level.is_none())
        {
            blocks.push(d);
        }
    }

    let mut gaps = Vec::new();
    if same_profile {
        let rows = |m: &Value| -> BTreeMap<(String, String), String> {
            m["gaps"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|g| {
                    Some((
                        (
                            g["block"].as_str()?.to_string(),
                            g["capability"].as_str()?.to_string(),
                        ),
                        g["status"].as_str()?.to_string(),
                    ))
                })
                .collect()
        };
        let (ro, rn) = (rows(mo), rows(mn));
        for (key, new_status) in &rn {
            if let Some(old_status) = ro.get(key) {
                if old_status != new_status {
                    gaps.push(GapChange {
                        block: key.0.clone(),
                        capability: key.1.clone(),
                        status: Change {
                            old: old_status.clone(),
                            new: new_status.clone(),
                        },
                    });
                }
            }
        }
    }

    let dora = [
        metric(
            old,
            new,
            "deployment_frequency_per_week",
            &["deployment_frequency_per_week"],
            true,
        ),
        metric(
            old,
            new,
            "lead_time_median_seconds",
            &["lead_time_seconds", "median"],
            false,
        ),
        metric(
            old,
            new,
            "change_failure_rate",
            &["change_failure_rate"],
            false,
        ),
        metric(
            old,
            new,
            "time_to_restore_median_seconds",
            &["time_to_restore_seconds", "median"],
            false,
        ),
    ]
    .into_iter()
    .flatten()
    .collect();

    let mut regressions: Vec<String> = capabilities_lost
        .iter()
        .map(|c| format!("capability lost: {c}"))
        .collect();
    if let (Some(l), Direction::Regressed) = (&level, level_direction) {
        regressions.push(format!("level dropped: {} → {}", l.old, l.new));
    }
    for b in &blocks {
        if let (Some(l), Direction::Regressed) = (&b.level, b.level_direction) {
            regressions.push(format!("{} level dropped: {} → {}", b.block, l.old, l.new));
        }
    }
    Ok(Diff {
        repo: new["repo"]["path"].as_str().unwrap_or_default().to_string(),
        head: Change {
            old: old["repo"]["head"].as_str().map(str::to_string),
            new: new["repo"]["head"].as_str().map(str::to_string),
        },
        capabilities_gained,
        capabilities_lost,
        level,
        level_direction,
        blocks,
        gaps,
        dora,
        regressions,
        notes,
    })
}

/// Compares two files: single reports, or inventories (arrays of reports) paired by path.
pub fn compare_files(old: &Value, new: &Value) -> Result<Vec<Diff>> {
    match (old, new) {
        (Value::Array(o), Value::Array(n)) => {
            let path = |r: &Value| r["repo"]["path"].as_str().unwrap_or_default().to_string();
            let mut out = Vec::new();
            for rn in n {
                match o.iter().find(|ro| path(ro) == path(rn)) {
                    Some(ro) if ro.get("error").is_none() && rn.get("error").is_none() => {
                        out.push(compare(ro, rn)?);
                    }
                    _ => {}
                }
            }
            Ok(out)
        }
        (Value::Object(_), Value::Object(_)) => Ok(vec![compare(old, new)?]),
        _ => bail!("compare a report with a report, or an inventory (array) with an inventory"),
    }
}

fn list(items: &[String]) -> String {
    if items.is_empty() {
        "—".to_string()
    } else {
        items.join(", ")
    }
}

fn fmt_metric(m: &MetricChange) -> String {
    let show = |v: Option<f64>| match v {
        None => "insufficient data".to_string(),
        Some(x) if m.metric.ends_with("_seconds") => super::dora::human_duration(x),
        Some(x) if m.metric == "change_failure_rate" => format!("{:.1} %", x * 100.0),
        Some(x) => format!("{x:.2}/week"),
    };
    let arrow = match m.direction {
        Direction::Improved => " (better)",
        Direction::Regressed => " (worse)",
        Direction::Unchanged => "",
    };
    format!("{}: {} → {}{arrow}", m.metric, show(m.old), show(m.new))
}

/// Writes the diffs for a person.
pub fn render_table(diffs: &[Diff], out: &mut dyn Write) -> Result<()> {
    if diffs.is_empty() {
        writeln!(out, "No repository appears in both inventories.")?;
    }
    for d in diffs {
        let short = |h: &Option<String>| {
            h.as_deref()
                .map_or_else(|| "?".to_string(), |h| h[..h.len().min(12)].to_string())
        };
        writeln!(
            out,
            "Changes in {} ({} → {})",
            d.repo,
            short(&d.head.old),
            short(&d.head.new)
        )?;
        match &d.level {
            Some(l) => writeln!(
                out,
                "  level: {} → {} ({:?})",
                l.old, l.new, d.level_direction
            )?,
            None => writeln!(out, "  level: unchanged")?,
        }
        writeln!(
            out,
            "  capabilities gained: {}",
            list(&d.capabilities_gained)
        )?;
        writeln!(out, "  capabilities lost:   {}", list(&d.capabilities_lost))?;
        for b in &d.blocks {
            writeln!(out, "  {}:", b.block)?;
            if !b.tools_added.is_empty() {
                writeln!(out, "    + tools {}", b.tools_added.join(", "))?;
            }
            if !b.tools_removed.is_empty() {
                writeln!(out, "    - tools {}", b.tools_removed.join(", "))?;
            }
            if !b.capabilities_gained.is_empty() {
                writeln!(out, "    + {}", b.capabilities_gained.join(", "))?;
            }
            if !b.capabilities_lost.is_empty() {
                writeln!(out, "    - {}", b.capabilities_lost.join(", "))?;
            }
            if let Some(l) = &b.level {
                writeln!(out, "    level {} → {}", l.old, l.new)?;
            }
        }
        for g in &d.gaps {
            writeln!(
                out,
                "  gap {} / {}: {} → {}",
                g.block, g.capability, g.status.old, g.status.new
            )?;
        }
        for m in &d.dora {
            writeln!(out, "  {}", fmt_metric(m))?;
        }
        for n in &d.notes {
            writeln!(out, "  note: {n}")?;
        }
        if d.regressions.is_empty() {
            writeln!(out, "  No regression.")?;
        } else {
            writeln!(out, "  REGRESSION: {}", d.regressions.join("; "))?;
        }
    }
    Ok(())
}
