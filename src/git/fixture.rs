//! Builds a git repository from a `history.toml` description: commits with fixed author and
//! committer times, branches, merges, reverts and tags (annotated or not). Tests use it to get
//! reproducible histories; `demo` uses it to give the built-in example a history.
//!
//! ```toml
//! [[commits]]
//! id = "c1"                          # a label, used by parents/reverts/tags
//! message = "Add training pipeline"
//! time = "2024-03-01T10:00:00Z"      # author time
//! committer_time = "2024-03-01T12:00:00Z"   # optional, default = time
//! branch = "main"                    # optional, default "main"
//! parents = ["c0"]                   # optional, default: the branch tip (or main's tip)
//! author = "Ana <ana@example.com>"   # optional
//! reverts = "c0"                     # optional: appends "This reverts commit <sha>."
//!
//! [[tags]]
//! name = "v1.0.0"
//! commit = "c1"
//! annotated = true                   # optional; tagger time = `time`
//! time = "2024-03-02T09:00:00Z"
//! ```

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::Path;

use anyhow::{anyhow, bail, Context, Result};
use git2::{Oid, Repository, Signature, Time};
use serde::Deserialize;

use super::time::parse_utc;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Spec {
    #[serde(default)]
    commits: Vec<CommitSpec>,
    #[serde(default)]
    tags: Vec<TagSpec>,
    /// Branch HEAD points at; default "main".
    head: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CommitSpec {
    id: String,
    message: String,
    time: String,
    committer_time: Option<String>,
    branch: Option<String>,
    parents: Option<Vec<String>>,
    author: Option<String>,
    reverts: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TagSpec {
    name: String,
    commit: String,
    #[serde(default)]
    annotated: bool,
    time: Option<String>,
}

fn when(text: &str) -> Result<i64> {
    parse_utc(text).ok_or_else(|| anyhow!("`{text}` is not an ISO date"))
}

fn signature(author: Option<&str>, secs: i64) -> Result<Signature<'static>> {
    let (name, email) = match author {
        Some(a) => {
            let (n, rest) = a
                .split_once('<')
                .ok_or_else(|| anyhow!("author `{a}` needs <email>"))?;
            (
                n.trim().to_string(),
                rest.trim_end_matches('>').trim().to_string(),
            )
        }
        None => ("Dev".to_string(), "dev@example.com".to_string()),
    };
    Ok(Signature::new(&name, &email, &Time::new(secs, 0))?)
}

/// Creates a repository at `dir` (which must exist) with the history described by `toml_text`.
pub fn build(toml_text: &str, dir: &Path) -> Result<Repository> {
    let spec: Spec = toml::from_str(toml_text).context("invalid history.toml")?;
    let repo = Repository::init(dir)?;
    let mut ids: HashMap<String, Oid> = HashMap::new();
    let mut tips: HashMap<String, Oid> = HashMap::new();
    for c in &spec.commits {
        let branch = c.branch.clone().unwrap_or_else(|| "main".to_string());
        let parents: Vec<Oid> = match &c.parents {
            Some(ps) => ps
                .iter()
                .map(|p| {
                    ids.get(p)
                        .copied()
                        .ok_or_else(|| anyhow!("commit {}: unknown parent {p}", c.id))
                })
                .collect::<Result<_>>()?,
            None => tips
                .get(&branch)
                .or_else(|| tips.get("main"))
                .copied()
                .into_iter()
                .collect(),
        };
        let author_time = when(&c.time)?;
        let committer_time = c.committer_time.as_deref().map_or(Ok(author_time), when)?;
        let mut message = c.message.clone();
        if let Some(r) = &c.reverts {
            let target = ids
                .get(r)
                .ok_or_else(|| anyhow!("commit {}: unknown revert target {r}", c.id))?;
            let _ = write!(message, "\n\nThis reverts commit {target}.\n");
        }
        // A tree with one file whose content names the commit, so every tree differs.
        let blob = repo.blob(format!("{}\n", c.id).as_bytes())?;
        let mut tb = repo.treebuilder(None)?;
        tb.insert("HISTORY", blob, 0o100_644)?;
        let tree = repo.find_tree(tb.write()?)?;
        let parent_commits = parents
            .iter()
            .map(|p| repo.find_commit(*p))
            .collect::<Result<Vec<_>, _>>()?;
        let refs: Vec<&git2::Commit> = parent_commits.iter().collect();
        let oid = repo.commit(
            None,
            &signature(c.author.as_deref(), author_time)?,
            &signature(c.author.as_deref(), committer_time)?,
            &message,
            &tree,
            &refs,
        )?;
        if ids.insert(c.id.clone(), oid).is_some() {
            bail!("commit id `{}` is used twice", c.id);
        }
        tips.insert(branch.clone(), oid);
        repo.reference(&format!("refs/heads/{branch}"), oid, true, "history.toml")?;
    }
    for t in &spec.tags {
        let oid = ids
            .get(&t.commit)
            .ok_or_else(|| anyhow!("tag {}: unknown commit {}", t.name, t.commit))?;
        let obj = repo.find_object(*oid, None)?;
        if t.annotated {
            let secs = t.time.as_deref().map_or_else(
                || Ok(repo.find_commit(*oid)?.committer().when().seconds()),
                when,
            )?;
            repo.tag(&t.name, &obj, &signature(None, secs)?, &t.name, false)?;
        } else {
            repo.tag_lightweight(&t.name, &obj, false)?;
        }
    }
    let head = spec.head.unwrap_or_else(|| "main".to_string());
    repo.set_head(&format!("refs/heads/{head}"))?;
    Ok(repo)
}
