//! mlops-canvas: audit a machine-learning repository and fill the MLOps Stack Canvas.
//!
//! Data flows one way: [`walk`] (the file inventory) → [`detect`] (findings from declarative
//! detectors) → [`git`] (repository facts) → [`canvas`] (the 11 blocks) → [`maturity`]
//! (levels and gaps) → [`report`] (one serialisable model and its renderers). [`run`] is the
//! entry point the binary calls; it writes only to the writer it is given.

pub mod canvas;
pub mod cli;
pub mod commands;
pub mod config;
pub mod detect;
pub mod git;
pub mod maturity;
pub mod report;
pub mod walk;
pub(crate) mod yaml;

use std::io::Write;

use anyhow::Result;

pub use commands::scan::scan_repo;

/// How the process ends: the exit code contract of `--help`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// 0: everything ran.
    Success,
    /// 1: a requested gate failed.
    GateFailed,
    /// 2: usage or fatal error.
    Error,
}

impl ExitStatus {
    /// The process exit code.
    pub fn code(self) -> i32 {
        match self {
            ExitStatus::Success => 0,
            ExitStatus::GateFailed => 1,
            ExitStatus::Error => 2,
        }
    }
}

/// Runs a parsed command line, writing its output to `out`.
pub fn run(cli: &cli::Cli, out: &mut dyn Write) -> Result<ExitStatus> {
    match &cli.command {
        cli::Command::Scan(args) => commands::scan::run(args, out),
        cli::Command::Canvas(args) => commands::canvas::run(args, out),
        cli::Command::Demo(common) => commands::demo::run(common, out),
        cli::Command::Dora(args) => commands::scan::run_dora(args, out),
        cli::Command::Gaps(args) => commands::scan::run_gaps(args, out),
        cli::Command::Diff(args) => commands::diff::run(args, out),
        cli::Command::Detectors(cmd) => commands::detectors::run(cmd, out),
    }
}
