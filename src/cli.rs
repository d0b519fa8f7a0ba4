//! Command-line arguments (clap derive). Field doc comments are the help text.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::report::Format;

const AFTER_HELP: &str = "\
Examples:
  mlops-canvas demo                                the built-in example repository
  mlops-canvas scan .                              canvas table of the current repository
  mlops-canvas scan --format json -o stack.json .  the versioned JSON report, to a file
  mlops-canvas scan repo-a repo-b                  an inventory table across repositories
  mlops-canvas gaps --level strategic .            the gap table against a target level
  mlops-canvas gaps --fail-on missing .            exit 1 when a required capability is missing
  mlops-canvas scan --format sarif -o gaps.sarif . the gaps as SARIF, for code scanning
  mlops-canvas diff last.json now.json --fail-on regression   exit 1 when the stack regressed
  mlops-canvas canvas -f yaml .                    the canvas answers file for the team
  mlops-canvas dora --since 2024-01-01 .           delivery metrics for a window
  mlops-canvas detectors list                      the detector catalogue
  mlops-canvas detectors explain mlflow            what one detector looks for

Exit codes:
  0  success
  1  a requested gate failed (--fail-on)
  2  usage error or fatal error (bad arguments, missing path, invalid detector file)";

const CANVAS_HELP: &str = "\
Formats:
  markdown  the one-page canvas (default); evidence links are relative to the repository root
  html      the same page, self-contained (no script, no network); prints landscape
  yaml      the answers file: every question, the scan's answer with its evidence, and an
            empty `answer:` for the team. Written to mlops-canvas.yaml at the repository root
            (or --answers FILE, or -o FILE). An existing file is updated in place: the team's
            answers and comments are kept byte for byte, detections are refreshed, a detection
            whose evidence is gone is marked stale, an answer that contradicts the scan is
            flagged; a one-line summary says so (not with --quiet). `scan` and `canvas` read
            the file and show the team's answers.
  table, json, sarif  as `scan`, with the team's answers merged in

Examples:
  mlops-canvas canvas .                             the canvas as Markdown
  mlops-canvas canvas -f html -o canvas.html .      the canvas as a page to open or print
  mlops-canvas canvas -f yaml .                     create or update ./mlops-canvas.yaml
  mlops-canvas canvas -f yaml -o - .                the merged answers file on standard output

Exit codes:
  0  success
  1  a requested gate failed (--fail-on)
  2  usage error or fatal error (missing path, malformed answers file: nothing is written)";

/// Audit a machine-learning repository: which MLOps stack it really has, with the file that
/// proves each claim, filled into the 11 blocks of the MLOps Stack Canvas.
#[derive(Debug, Parser)]
#[command(name = "mlops-canvas", version, after_help = AFTER_HELP, term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scan a repository and print its canvas (tools, capabilities and evidence per block),
    /// delivery metrics, maturity verdict and gap table. Several paths: an inventory table.
    #[command(after_help = AFTER_HELP)]
    Scan(ScanArgs),
    /// Scan the built-in example (a churn-prediction repository with a year of git history):
    /// no ML repository of your own needed.
    Demo(CommonArgs),
    /// The canvas draft: the one-page MLOps Stack Canvas pre-filled from the repository
    /// (markdown, html), or the team's answers file to complete and keep in the repository
    /// (yaml).
    #[command(
        after_help = CANVAS_HELP,
        mut_arg("format", |a| a.default_value("markdown")),
        mut_arg("output", |a| a.help(
            "Write to FILE (markdown, html: instead of standard output; yaml: instead of the \
             answers file, `-` for standard output)"
        )),
    )]
    Canvas(PathArgs),
    /// Delivery metrics (DORA) estimated from git history: deployment frequency, lead time,
    /// change failure rate, time to restore, with the method and sample sizes.
    #[command(after_help = AFTER_HELP)]
    Dora(PathArgs),
    /// The maturity verdict and the gap table against a target level, with next steps.
    #[command(after_help = AFTER_HELP)]
    Gaps(PathArgs),
    /// Compare two JSON reports: tools and capabilities gained or lost, level and DORA changes.
    #[command(after_help = AFTER_HELP)]
    Diff(DiffArgs),
    /// List, explain or check detectors.
    #[command(subcommand)]
    Detectors(DetectorsCommand),
}

/// Options shared by commands that scan.
#[derive(Debug, Args, Clone)]
pub struct CommonArgs {
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Write the output to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Extra detector files: every *.toml in DIR is added to the built-in catalogue.
    #[arg(long = "detectors", value_name = "DIR")]
    pub detectors: Vec<PathBuf>,
    /// Do not read git history.
    #[arg(long)]
    pub no_git: bool,
    /// Print nothing on standard error (warnings stay in the report).
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// Files larger than this many bytes are not read (a warning says so).
    #[arg(long, value_name = "BYTES", default_value_t = crate::detect::DEFAULT_MAX_BYTES)]
    pub max_file_size: u64,
    /// Paths (globs, relative to the repository root) to leave out of the scan.
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// Settings file (default: .mlops-canvas.toml at the repository root, if present).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// The team's canvas answers file, merged into the report (default: mlops-canvas.yaml at
    /// the repository root, if present).
    #[arg(long, value_name = "FILE")]
    pub answers: Option<PathBuf>,
    #[command(flatten)]
    pub history: HistoryArgs,
    #[command(flatten)]
    pub maturity: MaturityArgs,
}

/// Options of the maturity assessment.
#[derive(Debug, Args, Clone, Default)]
#[command(next_help_heading = "Maturity")]
pub struct MaturityArgs {
    /// Target level of the gap table (default: the config's `level`, else the level above the
    /// inferred one).
    #[arg(long, value_name = "LEVEL")]
    pub level: Option<String>,
    /// Maturity profile: ml-ops.org (default), google, microsoft, or a profile .toml file.
    #[arg(long, value_name = "NAME|FILE")]
    pub profile: Option<String>,
    /// Exit 1 when a required capability of the target level is missing (`missing`), or is
    /// missing, partial or unanswered (`partial`). Waived rows never fail.
    #[arg(long, value_enum, value_name = "SEVERITY")]
    pub fail_on: Option<FailOn>,
}

/// Which gaps fail a `--fail-on` gate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FailOn {
    /// A required capability is missing.
    Missing,
    /// A required capability is missing, partial or needs an answer.
    Partial,
}

/// Options of the delivery metrics (DORA).
#[derive(Debug, Args, Clone, Default)]
pub struct HistoryArgs {
    /// Window start for delivery metrics: an ISO date (00:00 UTC) or date-time.
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,
    /// Window end (default: the newest commit or deployment, whichever is later).
    #[arg(long, value_name = "DATE")]
    pub until: Option<String>,
    /// Regex selecting deployment tags; replaces the release-tag patterns.
    #[arg(long, value_name = "REGEX")]
    pub deploy_tag: Option<String>,
}

/// `scan` arguments.
#[derive(Debug, Args)]
pub struct ScanArgs {
    /// The repositories (or any directories) to scan; default `.`. Several paths are scanned in
    /// parallel into an inventory (JSON: an array of reports).
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Read more paths from FILE, one per line (`#` starts a comment).
    #[arg(long, value_name = "FILE")]
    pub repos_file: Option<PathBuf>,
    #[command(flatten)]
    pub common: CommonArgs,
}

/// Arguments of commands that read one repository.
#[derive(Debug, Args)]
pub struct PathArgs {
    /// The repository (or any directory).
    #[arg(default_value = ".")]
    pub path: PathBuf,
    #[command(flatten)]
    pub common: CommonArgs,
}

/// `diff` arguments.
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The older JSON report (`scan --format json`).
    pub old: PathBuf,
    /// The newer JSON report.
    pub new: PathBuf,
    /// Output format (table, json or yaml).
    #[arg(long, short = 'f', value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Write the output to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Exit 1 on a regression: a capability lost or a maturity level dropped.
    #[arg(long, value_enum, value_name = "WHAT")]
    pub fail_on: Option<DiffGate>,
}

/// What fails a `diff` gate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DiffGate {
    /// A capability was lost or a level dropped.
    Regression,
}

/// `detectors` subcommands.
#[derive(Debug, Subcommand)]
pub enum DetectorsCommand {
    /// Print the catalogue: id, name, kind, blocks and capabilities of every detector.
    List {
        /// Output format (table or json).
        #[arg(long, short = 'f', value_enum, default_value_t = Format::Table)]
        format: Format,
        /// Extra detector directories to include.
        #[arg(long = "detectors", value_name = "DIR")]
        detectors: Vec<PathBuf>,
    },
    /// Print one detector's description and signals.
    Explain {
        /// Detector id (or alias).
        id: String,
        /// Extra detector directories to include.
        #[arg(long = "detectors", value_name = "DIR")]
        detectors: Vec<PathBuf>,
    },
    /// Validate detector files; prints each file's errors with the field at fault.
    Check {
        /// Detector files to validate.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
}

impl Default for CommonArgs {
    fn default() -> Self {
        CommonArgs {
            format: Format::Table,
            output: None,
            detectors: Vec::new(),
            no_git: false,
            quiet: false,
            max_file_size: crate::detect::DEFAULT_MAX_BYTES,
            exclude: Vec::new(),
            config: None,
            answers: None,
            history: HistoryArgs::default(),
            maturity: MaturityArgs::default(),
        }
    }
}
