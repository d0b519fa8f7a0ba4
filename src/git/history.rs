//! Reads a repository's history through git2 into plain owned values: commits reachable from
//! HEAD and from tags, and the tags themselves. Everything after this module is a pure function
//! of these values, so DORA can be tested on hand-built vectors.

use std::collections::HashMap;
use std::path::Path;

use git2::{ObjectType, Oid, Repository};
use regex::Regex;

/// One commit, reduced to what the metrics need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Commit {
    /// Full hex id.
    pub id: String,
    /// Indices into [`History::commits`] of parents that are present (missing ones are dropped).
    pub parents: Vec<usize>,
    /// Number of parents recorded in the commit, present or not (merges have ≥ 2).
    pub parent_count: usize,
    pub author_time: i64,
    pub committer_time: i64,
    pub author_email: String,
    pub subject: String,
    /// Commit id prefixes (≥ 7 hex chars) named by `This reverts commit <sha>`.
    pub reverts: Vec<String>,
}

/// A tag that peels to a commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tag {
    pub name: String,
    /// Index into [`History::commits`].
    pub commit: usize,
    /// Tagger time for annotated tags, else the commit's committer time.
    pub time: i64,
}

/// The history of one repository.
#[derive(Debug, Clone, Default)]
pub struct History {
    pub commits: Vec<Commit>,
    /// Index of the HEAD commit.
    pub head: Option<usize>,
    pub tags: Vec<Tag>,
    /// The clone is shallow: history stops before the first commit.
    pub shallow: bool,
    /// Parent or tag objects that could not be read.
    pub missing_objects: usize,
    /// Tags that point at something other than a commit (trees, blobs).
    pub non_commit_tags: Vec<String>,
}

impl History {
    /// The first-parent chain from HEAD, newest first.
    pub fn first_parent_chain(&self) -> Vec<usize> {
        let mut out = Vec::new();
        let mut seen = vec![false; self.commits.len()];
        let mut cur = self.head;
        while let Some(i) = cur {
            if seen[i] {
                break;
            }
            seen[i] = true;
            out.push(i);
            // The first parent is the first recorded one, when present.
            cur = if self.commits[i].parent_count > 0 {
                self.commits[i].parents.first().copied()
            } else {
                None
            };
        }
        out
    }
}

fn revert_regex() -> &'static Regex {
    static RE: std::sync::OnceLock<Regex> = std::sync::OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"This reverts commit ([0-9a-fA-F]{7,40})").expect("valid revert pattern")
    })
}

/// Commit ids named as reverted in a commit message.
pub fn reverted_ids(message: &str) -> Vec<String> {
    revert_regex()
        .captures_iter(message)
        .map(|c| c[1].to_ascii_lowercase())
        .collect()
}

/// Why history could not be read at all.
#[derive(Debug)]
pub enum HistoryError {
    NotARepository(String),
    Empty,
    Unreadable(String),
}

impl std::fmt::Display for HistoryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HistoryError::NotARepository(m) => write!(f, "not a git repository ({m})"),
            HistoryError::Empty => f.write_str("the repository has no commits"),
            HistoryError::Unreadable(m) => write!(f, "history cannot be read: {m}"),
        }
    }
}

/// Reads the history of the repository enclosing `path`.
pub fn read(path: &Path) -> Result<History, HistoryError> {
    let repo = Repository::discover(path)
        .map_err(|e| HistoryError::NotARepository(e.message().to_string()))?;
    read_repo(&repo)
}

/// Reads the history of an open repository.
pub fn read_repo(repo: &Repository) -> Result<History, HistoryError> {
    // Reading only: re-hashing every object on read (libgit2's default) costs a tenth of the
    // run and protects nothing we write.
    git2::opts::strict_hash_verification(false);
    // Each commit is read exactly once, so libgit2's object cache only costs allocations.
    git2::opts::enable_caching(false);
    let head_oid = repo
        .head()
        .ok()
        .and_then(|h| h.peel_to_commit().ok())
        .map(|c| c.id());
    let mut hist = History {
        shallow: repo.is_shallow(),
        ..History::default()
    };
    // Tags first, to seed the walk with their commits too.
    let mut tag_targets: Vec<(String, Oid, Option<i64>)> = Vec::new();
    let names = repo
        .tag_names(None)
        .map_err(|e| HistoryError::Unreadable(e.message().to_string()))?;
    for name in names.iter().flatten() {
        let Ok(reference) = repo.find_reference(&format!("refs/tags/{name}")) else {
            hist.missing_objects += 1;
            continue;
        };
        let Ok(obj) = reference.peel(ObjectType::Any) else {
            hist.missing_objects += 1;
            continue;
        };
        // Tagger time of the outermost annotated tag, if any.
        let tagger_time = reference
            .target()
            .and_then(|oid| repo.find_tag(oid).ok())
            .and_then(|t| t.tagger().map(|s| s.when().seconds()));
        match obj.kind() {
            Some(ObjectType::Commit) => tag_targets.push((name.to_string(), obj.id(), tagger_time)),
            _ => hist.non_commit_tags.push(name.to_string()),
        }
    }
    if head_oid.is_none() && tag_targets.is_empty() {
        return Err(HistoryError::Empty);
    }
    // Our own walk rather than a revwalk: a revwalk parses each commit for itself and
    // `find_commit` then inflates it again; here every commit object is read once.
    let mut stack: Vec<Oid> = head_oid.into_iter().collect();
    stack.extend(tag_targets.iter().map(|(_, oid, _)| *oid));
    let mut index: HashMap<Oid, usize> = HashMap::new();
    let mut seen: std::collections::HashSet<Oid> = std::collections::HashSet::new();
    let mut raw_parents: Vec<Vec<Oid>> = Vec::new();
    while let Some(oid) = stack.pop() {
        if !seen.insert(oid) {
            continue;
        }
        let Ok(c) = repo.find_commit(oid) else {
            // A parent beyond a shallow boundary is expected to be absent.
            if !hist.shallow {
                hist.missing_objects += 1;
            }
            continue;
        };
        let message = String::from_utf8_lossy(c.message_bytes());
        let subject = message.lines().next().unwrap_or("").trim().to_string();
        index.insert(oid, hist.commits.len());
        let parents: Vec<Oid> = c.parent_ids().collect();
        stack.extend(parents.iter().copied());
        raw_parents.push(parents);
        let author = c.author();
        hist.commits.push(Commit {
            id: oid.to_string(),
            parents: Vec::new(),
            parent_count: c.parent_count(),
            author_time: author.when().seconds(),
            committer_time: c.committer().when().seconds(),
            author_email: String::from_utf8_lossy(author.email_bytes()).to_lowercase(),
            reverts: if message.contains("This reverts commit") {
                reverted_ids(&message)
            } else {
                Vec::new()
            },
            subject,
        });
    }
    for (i, parents) in raw_parents.into_iter().enumerate() {
        let mut present = Vec::with_capacity(parents.len());
        for p in parents {
            match index.get(&p) {
                Some(&j) => present.push(j),
                None if hist.shallow => {}
                None => {} // counted when the walk failed to read it
            }
        }
        hist.commits[i].parents = present;
    }
    hist.head = head_oid.and_then(|h| index.get(&h).copied());
    for (name, oid, tagger_time) in tag_targets {
        if let Some(&ci) = index.get(&oid) {
            let time = tagger_time.unwrap_or(hist.commits[ci].committer_time);
            hist.tags.push(Tag {
                name,
                commit: ci,
                time,
            });
        }
    }
    hist.tags
        .sort_by(|a, b| (a.time, &a.name).cmp(&(b.time, &b.name)));
    Ok(hist)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_reverted_ids_anywhere_in_the_message() {
        let m = "Revert \"Add feature\"\n\nThis reverts commit 0123abcDEF4567.\nAlso This reverts commit abc12.";
        assert_eq!(reverted_ids(m), vec!["0123abcdef4567"]);
    }
}
