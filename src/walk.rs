//! The one walk of a repository: a parallel `ignore` walk that yields the sorted file inventory
//! and, like a search tool, visits each file on the walker's own thread as soon as it is found,
//! so reading and scanning overlap with listing directories.
//!
//! In: the root, extra exclude globs, paths to leave out, and the visit. Out: every file
//! (relative `/`-separated path, symlink flag) with what the visit returned for it, and a
//! warning for each entry that could not be walked. Walker defaults are set
//! on purpose: hidden files are kept (we need `.github/`, `.dvc/`), `.git/` is pruned,
//! `.gitignore` applies even outside a git checkout (fixtures and exported trees have none), the
//! user's global gitignore does not (results must not depend on the machine), and links are
//! never followed, so nothing outside the root is read.

use std::path::Path;
use std::sync::mpsc;

use anyhow::{bail, Context, Result};
use globset::{GlobSet, GlobSetBuilder};
use ignore::{WalkBuilder, WalkState};

use crate::report::{Warning, WarningKind};

/// Directory names never worth scanning: tool caches and vendored environments. They are
/// usually gitignored; this keeps a repository without a `.gitignore` from being judged by its
/// virtualenv's site-packages.
const PRUNED_DIRS: &[&str] = &[
    ".git",
    ".hg",
    ".svn",
    "node_modules",
    ".venv",
    "venv",
    "site-packages",
    "__pycache__",
    ".tox",
    ".nox",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    ".ipynb_checkpoints",
    ".terraform",
];

/// One file of the inventory.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct FileEntry {
    /// Path relative to the root, `/`-separated.
    pub path: String,
    /// The entry is a symbolic link; its target is never read.
    pub symlink: bool,
    /// The file's real location, exact even when its name is not UTF-8 (then `path` is lossy).
    pub fs_path: std::path::PathBuf,
}

/// The sorted result of a walk.
#[derive(Debug, Default)]
pub struct Inventory {
    pub files: Vec<FileEntry>,
    pub warnings: Vec<Warning>,
}

enum Item<T> {
    File(FileEntry, T),
    Warn(Warning),
}

fn relative(root: &Path, path: &Path) -> (String, bool) {
    let rel = path.strip_prefix(root).unwrap_or(path);
    // The walker joins names with `/` on Unix: a UTF-8 path is already in our form.
    if cfg!(unix) {
        if let Some(s) = rel.to_str() {
            return (s.to_string(), false);
        }
    }
    let mut lossy = false;
    let parts: Vec<String> = rel
        .components()
        .map(|c| {
            let os = c.as_os_str();
            match os.to_str() {
                Some(s) => s.to_string(),
                None => {
                    lossy = true;
                    os.to_string_lossy().into_owned()
                }
            }
        })
        .collect();
    (parts.join("/"), lossy)
}

fn excludes_set(excludes: &[String]) -> Result<GlobSet> {
    let mut b = GlobSetBuilder::new();
    for e in excludes {
        b.add(crate::detect::signals::compile_glob(
            e.trim_end_matches('/'),
        )?);
        b.add(crate::detect::signals::compile_glob(&format!(
            "{}/**",
            e.trim_end_matches('/')
        ))?);
    }
    Ok(b.build()?)
}

/// Walks `root` in parallel and returns the inventory sorted by path, with what `visit`
/// returned for each file at the same index. `visit` runs on the walker's threads. Files whose
/// relative path is in `skip` are neither listed nor visited.
pub fn walk<T: Send>(
    root: &Path,
    excludes: &[String],
    skip: &[String],
    visit: &(dyn Fn(&FileEntry) -> T + Sync),
) -> Result<(Inventory, Vec<T>)> {
    let meta =
        std::fs::metadata(root).with_context(|| format!("cannot read {}", root.display()))?;
    if !meta.is_dir() {
        bail!("{} is not a directory", root.display());
    }
    let excl = excludes_set(excludes).context("invalid exclude glob")?;
    let (tx, rx) = mpsc::channel::<Item<T>>();
    let root_buf = root.to_path_buf();
    let mut builder = WalkBuilder::new(root);
    builder
        .hidden(false)
        .parents(false)
        .ignore(true)
        .git_ignore(true)
        .git_global(false)
        .git_exclude(true)
        .require_git(false)
        .follow_links(false)
        .threads(std::thread::available_parallelism().map_or(2, |n| n.get().min(8)));
    let filter_root = root_buf.clone();
    let filter_excl = excl.clone();
    builder.filter_entry(move |e| {
        let name = e.file_name().to_string_lossy();
        if e.file_type().is_some_and(|t| t.is_dir()) && PRUNED_DIRS.contains(&name.as_ref()) {
            return false;
        }
        if filter_excl.is_empty() || e.depth() == 0 {
            return true;
        }
        let (rel, _) = relative(&filter_root, e.path());
        !filter_excl.is_match(&rel)
    });
    builder.build_parallel().run(|| {
        let tx = tx.clone();
        let root = root_buf.clone();
        Box::new(move |result| {
            match result {
                Ok(entry) => {
                    let Some(ft) = entry.file_type() else {
                        return WalkState::Continue;
                    };
                    if ft.is_dir() {
                        return WalkState::Continue;
                    }
                    let (rel, lossy) = relative(&root, entry.path());
                    if skip.contains(&rel) {
                        return WalkState::Continue;
                    }
                    if lossy {
                        let _ = tx.send(Item::Warn(Warning::new(
                            &rel,
                            WarningKind::NonUtf8Path,
                            "file name is not valid UTF-8; shown with replacement characters",
                        )));
                    }
                    if ft.is_symlink() && std::fs::metadata(entry.path()).is_err() {
                        let _ = tx.send(Item::Warn(Warning::new(
                            &rel,
                            WarningKind::BrokenSymlink,
                            "symbolic link whose target does not exist",
                        )));
                    }
                    if ft.is_symlink() || ft.is_file() {
                        let file = FileEntry {
                            path: rel,
                            symlink: ft.is_symlink(),
                            fs_path: entry.path().to_path_buf(),
                        };
                        let out = visit(&file);
                        let _ = tx.send(Item::File(file, out));
                    }
                }
                Err(err) => {
                    let path = walk_error_path(&err)
                        .map(|p| relative(&root, p).0)
                        .unwrap_or_default();
                    let _ = tx.send(Item::Warn(Warning::new(
                        &path,
                        WarningKind::Unreadable,
                        &walk_error_message(&err),
                    )));
                }
            }
            WalkState::Continue
        })
    });
    drop(tx);
    let mut inv = Inventory::default();
    let mut files: Vec<(FileEntry, T)> = Vec::new();
    for item in rx {
        match item {
            Item::File(f, out) => files.push((f, out)),
            Item::Warn(w) => inv.warnings.push(w),
        }
    }
    files.sort_by(|a, b| a.0.cmp(&b.0));
    let (entries, outs): (Vec<FileEntry>, Vec<T>) = files.into_iter().unzip();
    inv.files = entries;
    inv.warnings.sort();
    inv.warnings.dedup();
    Ok((inv, outs))
}

fn walk_error_path(err: &ignore::Error) -> Option<&Path> {
    match err {
        ignore::Error::WithPath { path, .. } => Some(path),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            walk_error_path(err)
        }
        ignore::Error::Loop { child, .. } => Some(child),
        _ => None,
    }
}

fn walk_error_message(err: &ignore::Error) -> String {
    match err {
        ignore::Error::WithPath { err, .. }
        | ignore::Error::WithDepth { err, .. }
        | ignore::Error::WithLineNumber { err, .. } => walk_error_message(err),
        ignore::Error::Loop { .. } => "symbolic link loop; not followed".to_string(),
        other => format!("cannot be walked: {other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_dot_config_dirs_prunes_git_and_respects_gitignore() {
        let dir = tempfile::tempdir().unwrap();
        let r = dir.path();
        for (p, c) in [
            (".github/workflows/ci.yml", "on: push"),
            (".git/config", "[core]"),
            (".gitignore", "data/\n"),
            ("data/big.csv", "a,b"),
            ("node_modules/x/package.json", "{}"),
            ("src/train.py", "import torch"),
        ] {
            let path = r.join(p);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, c).unwrap();
        }
        let (inv, lens) = walk(r, &["src".to_string()], &[".gitignore".to_string()], &|f| {
            std::fs::read(&f.fs_path).map_or(0, |b| b.len())
        })
        .unwrap();
        let paths: Vec<_> = inv.files.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(paths, vec![".github/workflows/ci.yml"]);
        // Each file's visit result sits at its index.
        assert_eq!(lens, vec![8]);
    }

    #[test]
    fn missing_root_is_an_error() {
        assert!(walk(Path::new("/no/such/dir/anywhere"), &[], &[], &|_| ()).is_err());
    }
}
