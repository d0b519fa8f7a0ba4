//! Git access: the repository that holds the scanned path, read through git2 and converted to
//! plain owned values at once. In: a path. Out: HEAD and the default branch, or a warning
//! saying why history is unavailable. Nothing here writes to the repository.

use std::path::Path;

use git2::Repository;

use crate::report::{RepoInfo, Warning, WarningKind};

/// Fills `head` and `default_branch` of `info` from the repository enclosing `path`.
pub fn repo_info(path: &Path, info: &mut RepoInfo) -> Option<Warning> {
    let repo = match Repository::discover(path) {
        Ok(r) => r,
        Err(e) => {
            return Some(Warning::new(
                ".",
                WarningKind::Git,
                &format!("not a git repository, history unavailable: {}", e.message()),
            ))
        }
    };
    info.head = repo
        .head()
        .ok()
        .and_then(|h| h.peel_to_commit().ok())
        .map(|c| c.id().to_string());
    info.default_branch = default_branch(&repo);
    if info.head.is_none() {
        return Some(Warning::new(
            ".",
            WarningKind::Git,
            "the repository has no commits yet",
        ));
    }
    None
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
