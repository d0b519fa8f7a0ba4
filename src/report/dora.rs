//! Views of the delivery metrics: the terminal section and the compact fact the foundations
//! block carries.

use std::io::Write;

use anyhow::Result;
use serde_json::json;

use crate::git::dora::{Band, Dora};

/// A duration a person reads at a glance.
pub(crate) fn human_duration(secs: f64) -> String {
    if secs < 3600.0 {
        format!("{:.0} min", secs / 60.0)
    } else if secs < 86_400.0 {
        format!("{:.1} h", secs / 3600.0)
    } else {
        format!("{:.1} days", secs / 86_400.0)
    }
}

fn band(b: Option<Band>) -> &'static str {
    match b {
        Some(Band::Elite) => "elite",
        Some(Band::High) => "high",
        Some(Band::Medium) => "medium",
        Some(Band::Low) => "low",
        None => "-",
    }
}

const NO_DATA: &str = "insufficient data";

/// The compact DORA fact of the foundations block.
pub(crate) fn summary_fact(d: &Dora) -> serde_json::Value {
    json!({
        "method": d.method,
        "deployments": d.deployments,
        "deployment_frequency_per_week": d.deployment_frequency_per_week,
        "lead_time_median_seconds": d.lead_time_seconds.median,
        "change_failure_rate": d.change_failure_rate,
        "time_to_restore_median_seconds": d.time_to_restore_seconds.median,
        "partial": d.partial,
    })
}

/// One line of the DORA summary the page views show: metric, figure, band, detail.
pub(crate) struct SummaryRow {
    pub metric: &'static str,
    pub value: String,
    pub band: &'static str,
    pub detail: String,
}

/// The four DORA figures, each with its band and sample size.
pub(crate) fn summary_rows(d: &Dora) -> Vec<SummaryRow> {
    let lt = &d.lead_time_seconds;
    vec![
        SummaryRow {
            metric: "Deployment frequency",
            value: d
                .deployment_frequency_per_week
                .map_or_else(|| NO_DATA.to_string(), |f| format!("{f:.2}/week")),
            band: band(d.bands.deployment_frequency),
            detail: format!("{} deployments in the window", d.deployments),
        },
        SummaryRow {
            metric: "Lead time for changes (median)",
            value: lt
                .median
                .map_or_else(|| NO_DATA.to_string(), human_duration),
            band: band(d.bands.lead_time),
            detail: match lt.p90 {
                Some(p) => format!("p90 {}, {} commits", human_duration(p as f64), lt.samples),
                None => format!("{} commits", lt.samples),
            },
        },
        SummaryRow {
            metric: "Change failure rate",
            value: d
                .change_failure_rate
                .map_or_else(|| NO_DATA.to_string(), |r| format!("{:.1} %", r * 100.0)),
            band: band(d.bands.change_failure_rate),
            detail: format!(
                "{} of {} deployments failed",
                d.failed_deployments, d.deployments
            ),
        },
        SummaryRow {
            metric: "Time to restore (median)",
            value: d
                .time_to_restore_seconds
                .median
                .map_or_else(|| NO_DATA.to_string(), human_duration),
            band: band(d.bands.time_to_restore),
            detail: format!("{} samples", d.time_to_restore_seconds.samples),
        },
    ]
}

/// Writes the delivery metrics section.
pub(crate) fn render_table(d: &Dora, out: &mut dyn Write) -> Result<()> {
    writeln!(out, "Delivery metrics (DORA, estimated from git history)")?;
    writeln!(out, "  method: {}", d.method)?;
    writeln!(
        out,
        "  window: {} .. {} ({} days){}",
        d.window.since,
        d.window.until,
        d.window.days,
        if d.partial { ", PARTIAL history" } else { "" }
    )?;
    let freq = d
        .deployment_frequency_per_week
        .map_or_else(|| NO_DATA.to_string(), |f| format!("{f:.2}/week"));
    writeln!(
        out,
        "  {:<22} {:<18} {:<7} {} deployments in window",
        "deployment frequency",
        freq,
        band(d.bands.deployment_frequency),
        d.deployments
    )?;
    let lt = &d.lead_time_seconds;
    let lead = lt
        .median
        .map_or_else(|| NO_DATA.to_string(), human_duration);
    let p90 = lt.p90.map_or_else(String::new, |p| {
        format!("p90 {}, ", human_duration(p as f64))
    });
    writeln!(
        out,
        "  {:<22} {:<18} {:<7} {p90}{} commits",
        "lead time (median)",
        lead,
        band(d.bands.lead_time),
        lt.samples
    )?;
    let cfr = d
        .change_failure_rate
        .map_or_else(|| NO_DATA.to_string(), |r| format!("{:.1} %", r * 100.0));
    writeln!(
        out,
        "  {:<22} {:<18} {:<7} {} of {} deployments failed",
        "change failure rate",
        cfr,
        band(d.bands.change_failure_rate),
        d.failed_deployments,
        d.deployments
    )?;
    let ttr = d
        .time_to_restore_seconds
        .median
        .map_or_else(|| NO_DATA.to_string(), human_duration);
    writeln!(
        out,
        "  {:<22} {:<18} {:<7} {} samples",
        "time to restore",
        ttr,
        band(d.bands.time_to_restore),
        d.time_to_restore_seconds.samples
    )?;
    writeln!(out, "  bands: {}", d.bands.source)?;
    if !d.failures.is_empty() {
        writeln!(out, "  failed deployments:")?;
        for f in d.failures.iter().take(10) {
            let restored = match (&f.restored_by, f.time_to_restore_seconds) {
                (Some(by), Some(t)) => {
                    format!("; restored by {by} after {}", human_duration(t as f64))
                }
                _ => String::new(),
            };
            let ev: Vec<String> = f
                .evidence
                .iter()
                .take(3)
                .map(|c| format!("{} \"{}\"", c.commit, c.subject))
                .collect();
            writeln!(
                out,
                "    {} ({}): {} — {}{restored}",
                f.deployment,
                &f.time[..10.min(f.time.len())],
                f.reasons.join("+"),
                ev.join(", ")
            )?;
        }
        if d.failures.len() > 10 {
            writeln!(
                out,
                "    … {} more (see --format json)",
                d.failures.len() - 10
            )?;
        }
    }
    let p = &d.practice;
    let share = p
        .merge_share
        .map_or_else(|| NO_DATA.to_string(), |s| format!("{:.0} %", s * 100.0));
    let life = p
        .median_branch_life_seconds
        .map_or_else(|| NO_DATA.to_string(), human_duration);
    let trunk = match p.trunk_based {
        Some(true) => "yes",
        Some(false) => "no",
        None => NO_DATA,
    };
    writeln!(
        out,
        "  practice: merges {share} of {} trunk commits; median branch life {life} ({} branches); {} contributors; trunk-based: {trunk}",
        p.first_parent_commits, p.merged_branches, p.contributors
    )?;
    Ok(())
}
