//! `canvas`: the canvas draft. Markdown and HTML pages (and the table and JSON of `scan`) go to
//! standard output or `-o FILE`. YAML is the team's answers file: merged with this scan, then
//! written atomically (a temporary file renamed over the old one) to where it lives, so a
//! crash or a full disk never leaves half a file, and nothing the team wrote is lost.

use std::fmt::Write as _;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};

use super::scan::{answers_source, scan_canvas};
use crate::canvas::answers_file::{self, Counts};
use crate::cli::PathArgs;
use crate::detect::Catalog;
use crate::report::{self, Format};
use crate::ExitStatus;

/// Runs `canvas`.
pub(crate) fn run(args: &PathArgs, out: &mut dyn Write) -> Result<ExitStatus> {
    let common = &args.common;
    let catalog = Catalog::load(&common.detectors)?;
    if common.format != Format::Yaml {
        let source = answers_source(&args.path, common)?;
        let scan = scan_canvas(&args.path, &catalog, common, source.as_deref(), &[])?;
        super::write_output(common.output.as_deref(), out, |w| {
            report::render(&scan.report, common.format, w)
        })?;
        return Ok(super::scan::gate_status(&scan.report, common));
    }
    std::fs::metadata(&args.path)
        .with_context(|| format!("cannot read {}", args.path.display()))?;
    let default = args.path.join(answers_file::FILE_NAME);
    let to_stdout = common.output.as_deref() == Some(Path::new("-"));
    // Where the file goes: -o FILE, else --answers FILE, else <root>/mlops-canvas.yaml.
    let target: Option<PathBuf> = (!to_stdout).then(|| {
        common
            .output
            .clone()
            .or_else(|| common.answers.clone())
            .unwrap_or_else(|| default.clone())
    });
    // What it merges: --answers FILE, else the target if it exists, else the default file.
    let source: Option<PathBuf> = match (&common.answers, &target) {
        (Some(a), t) => {
            if !a.is_file() && t.as_deref() != Some(a.as_path()) {
                bail!("cannot read answers file {}: no such file", a.display());
            }
            Some(a.clone())
        }
        (None, Some(t)) if t.is_file() => Some(t.clone()),
        (None, _) => default.is_file().then(|| default.clone()),
    };
    if let (Some(t), Some(s)) = (&target, &source) {
        if t.exists() && !same_file(t, s) {
            bail!(
                "{} exists and is not the answers file being merged ({}); nothing was written: remove it, or pass it as --answers",
                t.display(),
                s.display()
            );
        }
    }
    let skip: Vec<&Path> = target.iter().map(PathBuf::as_path).collect();
    let scan = scan_canvas(&args.path, &catalog, common, source.as_deref(), &skip)?;
    let old = scan.answers.as_ref().map(|l| (l.text.as_str(), &l.file));
    let rendered = answers_file::render(&scan.merged, old).map_err(|e| {
        anyhow!("cannot update the answers file without losing text ({e}); nothing was written")
    })?;
    let status = super::scan::gate_status(&scan.report, common);
    let Some(target) = target else {
        out.write_all(rendered.text.as_bytes())?;
        return Ok(status);
    };
    let unchanged = scan
        .answers
        .as_ref()
        .is_some_and(|l| l.text == rendered.text && same_file(&l.path, &target));
    let verb = if unchanged {
        "Unchanged"
    } else if target.exists() {
        "Updated"
    } else {
        "Wrote"
    };
    if verb != "Unchanged" {
        write_atomic(&target, rendered.text.as_bytes())?;
    }
    if !common.quiet {
        let c = answers_file::counts(&scan.merged);
        writeln!(out, "{verb} {}: {}", target.display(), summary(c))?;
        if rendered.rewritten {
            writeln!(
                out,
                "Its layout could not be edited line by line, so it was rewritten: every answer is kept as written, and its comments are gathered at the top."
            )?;
        }
        if c.answered + c.contradicted == 0 {
            writeln!(
                out,
                "Write the team's answers after `answer:`; `mlops-canvas canvas` and `scan` keep them from now on."
            )?;
        }
    }
    Ok(status)
}

/// "47 questions: 29 answered by the scan, 2 by the team, ..., 16 open".
fn summary(c: Counts) -> String {
    let mut s = format!(
        "{} questions: {} answered by the scan, {} by the team",
        c.total, c.detected, c.answered
    );
    if c.stale > 0 {
        let _ = write!(s, ", {} stale", c.stale);
    }
    if c.contradicted > 0 {
        let _ = write!(s, ", {} contradicting the scan", c.contradicted);
    }
    let _ = write!(s, ", {} open", c.open);
    s
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    }
}

/// Writes `bytes` to `path` through a temporary file in the same directory, renamed over it:
/// readers see the old file or the new one, never half of one. A symlink is written through,
/// and an existing file keeps its permissions.
fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let path = if path.exists() {
        std::fs::canonicalize(path).with_context(|| format!("cannot resolve {}", path.display()))?
    } else {
        path.to_path_buf()
    };
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut tmp = tempfile::Builder::new()
        .prefix(".mlops-canvas-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .with_context(|| format!("cannot write in {}", dir.display()))?;
    tmp.write_all(bytes)
        .and_then(|()| tmp.as_file().sync_all())
        .with_context(|| format!("cannot write {}", path.display()))?;
    let perms = match std::fs::metadata(&path) {
        Ok(m) => Some(m.permissions()),
        Err(_) => default_permissions(),
    };
    if let Some(p) = perms {
        std::fs::set_permissions(tmp.path(), p)
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    tmp.persist(&path)
        .map_err(|e| e.error)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// A new file is readable by everyone, like one an editor creates (the temporary file starts
/// private).
#[cfg(unix)]
#[allow(clippy::unnecessary_wraps)] // None on other platforms
fn default_permissions() -> Option<std::fs::Permissions> {
    use std::os::unix::fs::PermissionsExt;
    Some(std::fs::Permissions::from_mode(0o644))
}

#[cfg(not(unix))]
fn default_permissions() -> Option<std::fs::Permissions> {
    None
}
