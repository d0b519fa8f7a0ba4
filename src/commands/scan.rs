//! `scan` and `dora`: resolve settings, then walk, detect and read git in one pass, merge the
//! team's canvas answers file, and render.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, Context, Result};
use regex::Regex;

use crate::canvas::answers_file::{self, AnswersFile, Merged, Vocabulary};
use crate::cli::{CommonArgs, ScanArgs};
use crate::detect::{self, Catalog};
use crate::git::{self, time::parse_utc, GitOptions};
use crate::report::{self, Format, RepoInfo, Report, Stats};
use crate::{config, walk, ExitStatus};

/// Settings resolved from the command line and the repository's config file.
#[derive(Debug)]
pub struct Settings {
    pub exclude: Vec<String>,
    pub git: GitOptions,
}

fn parse_date(flag: &str, value: Option<&str>) -> Result<Option<i64>> {
    value
        .map(|v| {
            parse_utc(v).ok_or_else(|| {
                anyhow!("{flag} `{v}` is not a date: use YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ")
            })
        })
        .transpose()
}

/// Reads the config (explicit or at the root) and merges it under the command line.
pub fn settings(path: &Path, common: &CommonArgs) -> Result<Settings> {
    let (cfg, _) = config::load(path, common.config.as_deref())?;
    let mut exclude = cfg.exclude;
    exclude.extend(common.exclude.iter().cloned());
    let tag = common.history.deploy_tag.clone().or(cfg.dora.deploy_tag);
    let deploy_tag = tag
        .map(|t| Regex::new(&t).with_context(|| format!("invalid deploy tag regex `{t}`")))
        .transpose()?;
    let since = parse_date("--since", common.history.since.as_deref())?;
    let until = parse_date("--until", common.history.until.as_deref())?;
    if let (Some(s), Some(u)) = (since, until) {
        if s > u {
            return Err(anyhow!("--since is after --until"));
        }
    }
    Ok(Settings {
        exclude,
        git: GitOptions {
            deploy_tag,
            since,
            until,
        },
    })
}

/// The team's answers file as read from disk.
#[derive(Debug)]
pub struct LoadedAnswers {
    pub path: PathBuf,
    /// The text as it was, for an in-place update.
    pub text: String,
    pub file: AnswersFile,
}

/// A scan with the team's answers merged in.
#[derive(Debug)]
pub struct CanvasScan {
    /// The report, its block answers already merged.
    pub report: Report,
    /// Every question after the merge (what the answers file will say).
    pub merged: Vec<Merged>,
    /// The answers file that was read, if any.
    pub answers: Option<LoadedAnswers>,
}

/// The answers file a scan reads: `--answers FILE` (which must exist), else
/// `<root>/mlops-canvas.yaml` when present.
pub fn answers_source(root: &Path, common: &CommonArgs) -> Result<Option<PathBuf>> {
    match &common.answers {
        Some(p) => {
            std::fs::metadata(p)
                .with_context(|| format!("cannot read answers file {}", p.display()))?;
            Ok(Some(p.clone()))
        }
        None => {
            let p = root.join(answers_file::FILE_NAME);
            Ok(p.is_file().then_some(p))
        }
    }
}

/// Reads and parses an answers file; a malformed one is a fatal error naming line and column.
pub fn load_answers(path: &Path) -> Result<LoadedAnswers> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read answers file {}", path.display()))?;
    let file = answers_file::parse(&text).map_err(|e| {
        anyhow!(
            "invalid answers file {}: {e}; the file was left as it is",
            path.display()
        )
    })?;
    Ok(LoadedAnswers {
        path: path.to_path_buf(),
        text,
        file,
    })
}

/// `file` relative to `root` with `/` separators, when it lies inside it.
fn relative_to(root: &Path, file: &Path) -> Option<String> {
    let root = std::fs::canonicalize(root).ok()?;
    let dir = std::fs::canonicalize(file.parent()?).ok()?;
    let rel = dir.join(file.file_name()?);
    let rel = rel.strip_prefix(&root).ok()?;
    Some(
        rel.components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/"),
    )
}

/// Scans one repository into a report. History is read alongside the walk. The team's
/// answers file (see [`answers_source`]) is merged into the block answers.
pub fn scan_repo(path: &Path, catalog: &Catalog, common: &CommonArgs) -> Result<Report> {
    let source = answers_source(path, common)?;
    Ok(scan_canvas(path, catalog, common, source.as_deref(), &[])?.report)
}

/// Scans one repository and merges the answers file at `answers` (if given and present).
/// Neither that file, `<root>/mlops-canvas.yaml`, nor any of `also_skip` is scanned: the
/// answers file repeats evidence, and must not prove itself.
pub fn scan_canvas(
    path: &Path,
    catalog: &Catalog,
    common: &CommonArgs,
    answers: Option<&Path>,
    also_skip: &[&Path],
) -> Result<CanvasScan> {
    let loaded = answers
        .filter(|p| p.is_file())
        .map(load_answers)
        .transpose()?;
    let mut report = scan_files(path, catalog, common, answers, also_skip)?;
    let history_read = report.dora.is_some();
    let merged = answers_file::merge(
        loaded.as_ref().map(|l| &l.file),
        &report,
        &Vocabulary::new(catalog),
        history_read,
    );
    answers_file::apply(&mut report, &merged);
    Ok(CanvasScan {
        report,
        merged,
        answers: loaded,
    })
}

fn scan_files(
    path: &Path,
    catalog: &Catalog,
    common: &CommonArgs,
    answers: Option<&Path>,
    also_skip: &[&Path],
) -> Result<Report> {
    let settings = settings(path, common)?;
    let (inventory, git_out) = rayon::join(
        || walk::walk(path, &settings.exclude),
        || (!common.no_git).then(|| git::analyse(path, &settings.git)),
    );
    let mut inventory = inventory?;
    let mut skip = vec![answers_file::FILE_NAME.to_string()];
    skip.extend(
        answers
            .into_iter()
            .chain(also_skip.iter().copied())
            .filter_map(|p| relative_to(path, p)),
    );
    inventory.files.retain(|f| !skip.contains(&f.path));
    let git_out = git_out.unwrap_or_default();
    let repo = RepoInfo {
        path: path.display().to_string(),
        ..git_out.info
    };
    let detection = detect::detect(&inventory, catalog, common.max_file_size)?;
    let mut warnings = inventory.warnings;
    warnings.extend(detection.warnings);
    warnings.extend(git_out.warnings);
    let stats = Stats {
        files: inventory.files.len(),
        files_read: detection.files_read,
        detectors: catalog.detectors.len(),
    };
    let mut findings = detection.findings;
    if let Some(d) = &git_out.dora {
        findings.extend(crate::commands::history_findings(repo.head.as_deref(), d));
    }
    let mut languages = std::collections::BTreeMap::new();
    for f in &inventory.files {
        if let Some(l) = crate::canvas::answers::language_of(&f.path) {
            *languages.entry(l.to_string()).or_insert(0) += 1;
        }
    }
    Ok(Report::build(
        repo,
        findings,
        detection.facts,
        &languages,
        catalog,
        git_out.dora,
        warnings,
        stats,
    ))
}

/// Runs `scan`.
pub(crate) fn run(args: &ScanArgs, out: &mut dyn Write) -> Result<ExitStatus> {
    let catalog = Catalog::load(&args.common.detectors)?;
    let report = scan_repo(&args.path, &catalog, &args.common)?;
    super::write_output(args.common.output.as_deref(), out, |w| {
        report::render(&report, args.common.format, w)
    })?;
    Ok(ExitStatus::Success)
}

/// Runs `dora`: history only, no walk.
pub(crate) fn run_dora(args: &ScanArgs, out: &mut dyn Write) -> Result<ExitStatus> {
    let path = &args.path;
    std::fs::metadata(path).with_context(|| format!("cannot read {}", path.display()))?;
    let settings = settings(path, &args.common)?;
    let g = if args.common.no_git {
        git::GitOutcome {
            warnings: vec![crate::report::Warning::new(
                ".",
                crate::report::WarningKind::Git,
                "history not read (--no-git)",
            )],
            ..git::GitOutcome::default()
        }
    } else {
        git::analyse(path, &settings.git)
    };
    super::write_output(args.common.output.as_deref(), out, |w| {
        match args.common.format {
            Format::Json => {
                let v = serde_json::json!({
                    "schema_version": report::SCHEMA_VERSION,
                    "tool_version": env!("CARGO_PKG_VERSION"),
                    "repo": RepoInfo { path: path.display().to_string(), ..g.info.clone() },
                    "dora": g.dora,
                    "warnings": g.warnings,
                });
                serde_json::to_writer_pretty(&mut *w, &v)?;
                writeln!(w)?;
            }
            Format::Yaml => {
                let v = serde_json::json!({ "dora": g.dora, "warnings": g.warnings });
                w.write_all(serde_yaml::to_string(&v)?.as_bytes())?;
            }
            Format::Table => {
                writeln!(w, "Repository: {}", path.display())?;
                match &g.dora {
                    Some(d) => report::dora::render_table(d, w)?,
                    None => writeln!(w, "Delivery metrics: history unavailable")?,
                }
                for warning in &g.warnings {
                    writeln!(w, "warning: {}", warning.message)?;
                }
            }
            Format::Markdown | Format::Html => {
                return Err(anyhow!(
                    "`dora` writes table, json or yaml; `canvas` writes markdown and html pages"
                ));
            }
        }
        Ok(())
    })?;
    Ok(ExitStatus::Success)
}
