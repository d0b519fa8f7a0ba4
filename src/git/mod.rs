//! Git access: the repository that holds the scanned path, read through git2 and converted to
//! plain owned values at once ([`history`]), then the delivery metrics computed from those
//! values ([`dora`]). In: a path and options. Out: repository facts, DORA figures, or a warning
//! saying why history is unavailable. Nothing here writes to the scanned repository.

pub mod dora;
pub mod fixture;
pub mod history;
pub mod time;

use std::path::Path;

use git2::Repository;
use regex::Regex;

use crate::report::{RepoInfo, Warning, WarningKind};

/// What the git side of a scan produced.
#[derive(Debug, Default)]
pub struct GitOutcome {
    pub info: RepoInfo,
    pub dora: Option<dora::Dora>,
    pub warnings: Vec<Warning>,
}

/// Options for reading history.
#[derive(Debug, Clone, Default)]
pub struct GitOptions {
    pub deploy_tag: Option<Regex>,
    pub since: Option<i64>,
    pub until: Option<i64>,
}

fn git_warning(message: &str) -> Warning {
    Warning::new(".", WarningKind::Git, message)
}

/// Reads repository facts and DORA figures for the repository enclosing `path`.
pub fn analyse(path: &Path, opts: &GitOptions) -> GitOutcome {
    let mut out = GitOutcome::default();
    let repo = match Repository::discover(path) {
        Ok(r) => r,
        Err(e) => {
            out.warnings.push(git_warning(&format!(
                "not a git repository, history unavailable: {}",
                e.message()
            )));
            return out;
        }
    };
    out.info.head = repo
        .head()
        .ok()
        .and_then(|h| h.peel_to_commit().ok())
        .map(|c| c.id().to_string());
    out.info.default_branch = default_branch(&repo);
    let hist = match history::read_repo(&repo) {
        Ok(h) => h,
        Err(e) => {
            out.warnings
                .push(git_warning(&format!("{e}; delivery metrics unavailable")));
            return out;
        }
    };
    let rule = opts
        .deploy_tag
        .clone()
        .map_or(dora::DeployRule::ReleaseTags, dora::DeployRule::TagRegex);
    let d = dora::compute(
        &hist,
        &rule,
        opts.since,
        opts.until,
        &dora::Bands::embedded(),
    );
    for n in &d.notes {
        out.warnings.push(git_warning(n));
    }
    out.dora = Some(d);
    out
}

fn default_branch(repo: &Repository) -> Option<String> {
    if let Ok(r) = repo.find_reference("refs/remotes/origin/HEAD") {
        if let Some(target) = r.symbolic_target() {
            return Some(
                target
                    .trim_start_matches("refs/remotes/origin/")
                    .to_string(),
            );
        }
    }
    if let Ok(head) = repo.head() {
        if head.is_branch() {
            return head.shorthand().map(str::to_string);
        }
    }
    // Detached HEAD or unborn branch: name what HEAD points at symbolically, if anything.
    repo.find_reference("HEAD").ok().and_then(|r| {
        r.symbolic_target()
            .map(|t| t.trim_start_matches("refs/heads/").to_string())
    })
}
