//! `demo`: the built-in example. Writes the embedded churn-model repository and its year of
//! history into a temporary directory, scans it like any repository, and removes it.

use std::io::Write;

use anyhow::{Context, Result};

use crate::cli::CommonArgs;
use crate::detect::Catalog;
use crate::report;
use crate::ExitStatus;

include!(concat!(env!("OUT_DIR"), "/example.rs"));

/// Runs `demo`.
pub(crate) fn run(common: &CommonArgs, out: &mut dyn Write) -> Result<ExitStatus> {
    let dir = tempfile::Builder::new()
        .prefix("mlops-canvas-demo-")
        .tempdir()
        .context("cannot create a temporary directory for the example")?;
    let root = dir.path().join("churn-model");
    let mut history = None;
    for (rel, text) in EXAMPLE_FILES {
        match *rel {
            "EXPECT.toml" => continue,
            "history.toml" => {
                history = Some(*text);
                continue;
            }
            _ => {}
        }
        let path = root.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&path, text)?;
    }
    if let Some(h) = history {
        crate::git::fixture::build(h, &root).context("cannot build the example's history")?;
    }
    let catalog = Catalog::load(&common.detectors)?;
    let mut rep = crate::scan_repo(&root, &catalog, common)?;
    rep.repo.path = "built-in example: churn-model".to_string();
    super::write_output(common.output.as_deref(), out, |w| {
        report::render(&rep, common.format, w)
    })?;
    Ok(super::scan::gate_status(&rep, common))
}
