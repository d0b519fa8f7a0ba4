//! `scan`: walk, detect and read git in one pass, then render the report.

use std::io::Write;
use std::path::Path;

use anyhow::Result;

use crate::cli::{CommonArgs, ScanArgs};
use crate::detect::{self, Catalog};
use crate::report::{self, RepoInfo, Report, Stats};
use crate::{git, walk, ExitStatus};

/// Scans one repository into a report. History is read alongside the walk.
pub fn scan_repo(path: &Path, catalog: &Catalog, common: &CommonArgs) -> Result<Report> {
    let mut repo = RepoInfo {
        path: path.display().to_string(),
        ..RepoInfo::default()
    };
    let (inventory, git_warning) = rayon::join(
        || walk::walk(path, &common.exclude),
        || {
            if common.no_git {
                (RepoInfo::default(), None)
            } else {
                let mut info = RepoInfo::default();
                let w = git::repo_info(path, &mut info);
                (info, w)
            }
        },
    );
    let inventory = inventory?;
    let (info, git_warning) = git_warning;
    repo.head = info.head;
    repo.default_branch = info.default_branch;
    let detection = detect::detect(path, &inventory, catalog, common.max_file_size)?;
    let mut warnings = inventory.warnings;
    warnings.extend(detection.warnings);
    warnings.extend(git_warning);
    let stats = Stats {
        files: inventory.files.len(),
        files_read: detection.files_read,
        detectors: catalog.detectors.len(),
    };
    Ok(Report::build(
        repo,
        detection.findings,
        catalog,
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
