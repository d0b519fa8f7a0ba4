//! `scan`, `gaps` and `dora`: resolve settings, then walk, detect and read git in one pass,
//! assess maturity, and render. Several paths are scanned in parallel into an inventory.

use std::io::Write;
use std::path::Path;

use anyhow::{anyhow, Context, Result};
use regex::Regex;

use crate::cli::{CommonArgs, FailOn, PathArgs, ScanArgs};
use crate::detect::{self, Catalog};
use crate::git::{self, time::parse_utc, GitOptions};
use crate::report::{self, Format, RepoInfo, Report, Stats};
use crate::{config, walk, ExitStatus};

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

/// Assesses a report's findings against the settings' profile and target level.
fn assess(report: &mut Report, catalog: &Catalog, settings: &Settings) -> Result<()> {
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
    let answers = std::collections::BTreeMap::new();
    let (maturity, warnings) = crate::maturity::assess(
        &profile,
        &crate::maturity::Inputs {
            findings: &findings,
            data_versioning: dv,
            waivers: &settings.waivers,
            today: Some(&today),
            answers: &answers,
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

/// Scans one repository into a report. History is read alongside the walk.
pub fn scan_repo(path: &Path, catalog: &Catalog, common: &CommonArgs) -> Result<Report> {
    std::fs::metadata(path).with_context(|| format!("cannot read {}", path.display()))?;
    let settings = settings(path, common)?;
    // Detector directories named in the repository's config extend the catalogue.
    let extended;
    let catalog = if settings.detectors.is_empty() {
        catalog
    } else {
        let mut dirs = common.detectors.clone();
        dirs.extend(settings.detectors.iter().cloned());
        extended = Catalog::load(&dirs)?;
        &extended
    };
    let (inventory, git_out) = rayon::join(
        || walk::walk(path, &settings.exclude),
        || (!common.no_git).then(|| git::analyse(path, &settings.git)),
    );
    let inventory = inventory?;
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
    let mut report = Report::build(
        repo,
        findings,
        detection.facts,
        &languages,
        catalog,
        git_out.dora,
        warnings,
        stats,
    );
    assess(&mut report, catalog, &settings)?;
    Ok(report)
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
        }
        Ok(())
    })?;
    Ok(ExitStatus::Success)
}
