//! `scan` and `dora`: resolve settings, then walk, detect and read git in one pass, and render.

use std::io::Write;
use std::path::Path;

use anyhow::{anyhow, Context, Result};
use regex::Regex;

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

/// Scans one repository into a report. History is read alongside the walk.
pub fn scan_repo(path: &Path, catalog: &Catalog, common: &CommonArgs) -> Result<Report> {
    let settings = settings(path, common)?;
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
