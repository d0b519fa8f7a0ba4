//! `scan`, `gaps` and `dora`: resolve settings, then walk, detect and read git in one pass,
//! merge the team's canvas answers file, assess maturity, and render. Several paths are scanned
//! in parallel into an inventory.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, Context, Result};
use regex::Regex;

use crate::canvas::answers_file::{self, AnswersFile, Merged, Vocabulary};
use crate::cli::{CommonArgs, FailOn, PathArgs, ScanArgs};
use crate::detect::{self, Catalog};
use crate::git::{self, time::parse_utc, GitOptions};
use crate::report::{self, Format, RepoInfo, Report, Stats};
use crate::{config, ExitStatus};

/// Settings resolved from the command line and the repository's config file.
#[derive(Debug)]
pub struct Settings {
    pub exclude: Vec<String>,
    pub git: GitOptions,
    /// Target maturity level, if asked for.
    pub level: Option<String>,
    /// Maturity profile name or file.
    pub profile: String,
    pub waivers: Vec<config::Waiver>,
    /// Detector directories from the config file (added to `--detectors`).
    pub detectors: Vec<std::path::PathBuf>,
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
        level: common.maturity.level.clone().or(cfg.level),
        profile: common
            .maturity
            .profile
            .clone()
            .or(cfg.profile)
            .unwrap_or_else(|| crate::maturity::profile::DEFAULT_PROFILE.to_string()),
        waivers: cfg.waivers,
        detectors: cfg.detectors,
    })
}

/// Today's date (UTC), for waiver expiry: the only clock read of a scan.
fn today() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
    crate::git::time::format_utc(secs)[..10].to_string()
}

/// Assesses a report's findings against the settings' profile and target level; `answers`
/// are the team's, by question id.
fn assess(
    report: &mut Report,
    catalog: &Catalog,
    settings: &Settings,
    answers: &std::collections::BTreeMap<String, String>,
) -> Result<()> {
    let profile = crate::maturity::profile::load(&settings.profile, &catalog.capabilities)?;
    let target = settings
        .level
        .as_deref()
        .map(|l| profile.level_index(l))
        .transpose()?;
    let findings: Vec<crate::detect::Finding> = report
        .blocks
        .0
        .iter()
        .flat_map(|b| b.findings.iter().cloned())
        .collect();
    let languages = std::collections::BTreeMap::new();
    let dv = crate::canvas::answers::data_versioning_level(&crate::canvas::answers::Inputs {
        findings: &findings,
        dora: None,
        languages: &languages,
    });
    let today = today();
    let (maturity, warnings) = crate::maturity::assess(
        &profile,
        &crate::maturity::Inputs {
            findings: &findings,
            data_versioning: dv,
            waivers: &settings.waivers,
            today: Some(&today),
            answers,
        },
        target,
    );
    report.maturity = Some(maturity);
    report.warnings.extend(warnings);
    report.warnings.sort();
    Ok(())
}

/// Whether a report fails a `--fail-on` gate: a required row of the target level (or below)
/// that is missing, or (with `partial`) not fully met. Waived rows never fail.
pub(crate) fn gate_fails(report: &Report, fail_on: Option<FailOn>) -> bool {
    let (Some(gate), Some(m)) = (fail_on, &report.maturity) else {
        return false;
    };
    m.gaps.iter().filter(|g| g.required).any(|g| {
        use crate::maturity::GapStatus as S;
        match gate {
            FailOn::Missing => g.status == S::Missing,
            FailOn::Partial => matches!(g.status, S::Missing | S::Partial | S::NeedsAnswer),
        }
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
    let (mut report, settings, extended) = scan_files(path, catalog, common, answers, also_skip)?;
    let catalog = extended.as_ref().unwrap_or(catalog);
    let history_read = report.dora.is_some();
    let merged = answers_file::merge(
        loaded.as_ref().map(|l| &l.file),
        &report,
        &Vocabulary::new(catalog),
        history_read,
    );
    answers_file::apply(&mut report, &merged);
    // The team's answers count for the maturity rows only people can settle.
    let human: std::collections::BTreeMap<String, String> = merged
        .iter()
        .filter(|m| m.status != crate::canvas::AnswerStatus::Retired)
        .filter_map(|m| {
            let a = m.answer.as_deref()?;
            (!a.trim().is_empty()).then(|| (m.id.clone(), a.to_string()))
        })
        .collect();
    assess(&mut report, catalog, &settings, &human)?;
    Ok(CanvasScan {
        report,
        merged,
        answers: loaded,
    })
}

/// Walk, detection and history: the report before answers and maturity, the settings, and
/// the catalogue extended by the config's detector directories (if it names any).
fn scan_files(
    path: &Path,
    catalog: &Catalog,
    common: &CommonArgs,
    answers: Option<&Path>,
    also_skip: &[&Path],
) -> Result<(Report, Settings, Option<Catalog>)> {
    std::fs::metadata(path).with_context(|| format!("cannot read {}", path.display()))?;
    let settings = settings(path, common)?;
    // Detector directories named in the repository's config extend the catalogue.
    let extended = if settings.detectors.is_empty() {
        None
    } else {
        let mut dirs = common.detectors.clone();
        dirs.extend(settings.detectors.iter().cloned());
        Some(Catalog::load(&dirs)?)
    };
    let catalog = extended.as_ref().unwrap_or(catalog);
    let mut skip = vec![answers_file::FILE_NAME.to_string()];
    skip.extend(
        answers
            .into_iter()
            .chain(also_skip.iter().copied())
            .filter_map(|p| relative_to(path, p)),
    );
    let (detected, git_out) = rayon::join(
        || {
            detect::detect(
                path,
                &settings.exclude,
                &skip,
                catalog,
                common.max_file_size,
            )
        },
        || (!common.no_git).then(|| git::analyse(path, &settings.git)),
    );
    let (inventory, detection) = detected?;
    let git_out = git_out.unwrap_or_default();
    let repo = RepoInfo {
        path: path.display().to_string(),
        ..git_out.info
    };
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
    let report = Report::build(
        repo,
        findings,
        detection.facts,
        &languages,
        catalog,
        git_out.dora,
        warnings,
        stats,
    );
    Ok((report, settings, extended))
}

/// The paths `scan` was given: arguments, then the lines of `--repos-file`; `.` when none.
fn scan_paths(args: &ScanArgs) -> Result<Vec<std::path::PathBuf>> {
    let mut paths = args.paths.clone();
    if let Some(file) = &args.repos_file {
        let text = std::fs::read_to_string(file)
            .with_context(|| format!("cannot read repos file {}", file.display()))?;
        paths.extend(
            text.lines()
                .map(|l| l.split('#').next().unwrap_or_default().trim())
                .filter(|l| !l.is_empty())
                .map(std::path::PathBuf::from),
        );
        if paths.is_empty() {
            return Err(anyhow!("repos file {} lists no paths", file.display()));
        }
    }
    if paths.is_empty() {
        paths.push(".".into());
    }
    Ok(paths)
}

/// Runs `scan`.
pub(crate) fn run(args: &ScanArgs, out: &mut dyn Write) -> Result<ExitStatus> {
    let catalog = Catalog::load(&args.common.detectors)?;
    let paths = scan_paths(args)?;
    if paths.len() > 1 {
        return super::inventory::run(&paths, &catalog, &args.common, out);
    }
    let report = scan_repo(&paths[0], &catalog, &args.common)?;
    super::write_output(args.common.output.as_deref(), out, |w| {
        report::render(&report, args.common.format, w)
    })?;
    Ok(gate_status(&report, &args.common))
}

/// The exit status of a finished scan: the `--fail-on` gate.
pub(crate) fn gate_status(report: &Report, common: &CommonArgs) -> ExitStatus {
    if gate_fails(report, common.maturity.fail_on) {
        ExitStatus::GateFailed
    } else {
        ExitStatus::Success
    }
}

/// Runs `gaps`: the scan, shown as the maturity assessment only.
pub(crate) fn run_gaps(args: &PathArgs, out: &mut dyn Write) -> Result<ExitStatus> {
    let catalog = Catalog::load(&args.common.detectors)?;
    let report = scan_repo(&args.path, &catalog, &args.common)?;
    super::write_output(args.common.output.as_deref(), out, |w| {
        report::render_gaps(&report, args.common.format, w)
    })?;
    Ok(gate_status(&report, &args.common))
}

/// Runs `dora`: history only, no walk.
pub(crate) fn run_dora(args: &PathArgs, out: &mut dyn Write) -> Result<ExitStatus> {
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
            Format::Sarif => {
                return Err(anyhow!(
                    "dora has no SARIF output: use --format table, json or yaml"
                ))
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
