//! `diff OLD.json NEW.json`: what appeared, disappeared, improved or regressed between two
//! scans; `--fail-on regression` turns it into the gate of a scheduled inventory job.

use std::io::Write;

use anyhow::{anyhow, Context, Result};

use crate::cli::{DiffArgs, DiffGate};
use crate::report::{diff, Format};
use crate::ExitStatus;

fn read(path: &std::path::Path) -> Result<serde_json::Value> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read report {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("{} is not valid JSON", path.display()))
}

/// Runs `diff`.
pub(crate) fn run(args: &DiffArgs, out: &mut dyn Write) -> Result<ExitStatus> {
    let diffs = diff::compare_files(&read(&args.old)?, &read(&args.new)?)?;
    super::write_output(args.output.as_deref(), out, |w| {
        match args.format {
            Format::Table => diff::render_table(&diffs, w)?,
            Format::Json => {
                serde_json::to_writer_pretty(&mut *w, &diffs)?;
                writeln!(w)?;
            }
            Format::Yaml => w.write_all(serde_yaml::to_string(&diffs)?.as_bytes())?,
            Format::Sarif | Format::Markdown | Format::Html => {
                return Err(anyhow!("diff is written as table, json or yaml"))
            }
        }
        Ok(())
    })?;
    let regressed = diffs.iter().any(|d| !d.regressions.is_empty());
    Ok(match args.fail_on {
        Some(DiffGate::Regression) if regressed => ExitStatus::GateFailed,
        _ => ExitStatus::Success,
    })
}
