//! One small function per subcommand. Each takes its parsed arguments and a writer, and
//! returns the exit status; nothing here prints directly.

pub(crate) mod canvas;
pub(crate) mod demo;
pub(crate) mod detectors;
pub(crate) mod diff;
pub(crate) mod inventory;
pub(crate) mod scan;

use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result};

use crate::canvas::Block;
use crate::detect::{Confidence, Evidence, Finding};
use crate::git::dora::Dora;
use crate::report::dora::human_duration;

/// Findings that come from history rather than files: version control, and trunk-based
/// development when the practice figures meet the stated rule.
pub(crate) fn history_findings(head: Option<&str>, d: &Dora) -> Vec<Finding> {
    let mut out = Vec::new();
    let finding = |capability: &str, snippet: String| Finding {
        tool: "git".to_string(),
        tool_name: "Git".to_string(),
        capability: capability.to_string(),
        block: Block::Foundations,
        confidence: Confidence::High,
        evidence: vec![Evidence {
            path: ".git".to_string(),
            line: None,
            snippet,
        }],
        evidence_total: 1,
    };
    if let Some(h) = head {
        out.push(finding(
            "version_control",
            format!(
                "HEAD {}, {} commits read",
                &h[..h.len().min(12)],
                d.commits_read
            ),
        ));
    }
    if d.practice.trunk_based == Some(true) {
        let life = d.practice.median_branch_life_seconds.map_or_else(
            || "no merges".to_string(),
            |l| format!("median branch life {}", human_duration(l)),
        );
        out.push(finding(
            "trunk_based_development",
            format!(
                "{life} over {} trunk commits",
                d.practice.first_parent_commits
            ),
        ));
    }
    out
}

/// Sends rendered output to `-o FILE` or to `out`.
pub(crate) fn write_output(
    output: Option<&Path>,
    out: &mut dyn Write,
    render: impl FnOnce(&mut dyn Write) -> Result<()>,
) -> Result<()> {
    match output {
        Some(path) => {
            let mut buf = Vec::new();
            render(&mut buf)?;
            std::fs::write(path, buf).with_context(|| format!("cannot write {}", path.display()))
        }
        None => render(out),
    }
}
