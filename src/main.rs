//! The `mlops-canvas` binary: parse arguments, call [`mlops_canvas::run`], turn the result into
//! an exit code. The only place that writes to the terminal.

use std::io::{self, Write};
use std::process;

use clap::Parser;
use mlops_canvas::{cli::Cli, ExitStatus};

/// A closed pipe (`| head`) ends the output early; that is success, not an error. The io error
/// may sit inside a serializer's error.
fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|c| {
        c.downcast_ref::<io::Error>()
            .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
            || c.downcast_ref::<serde_json::Error>()
                .is_some_and(|e| e.io_error_kind() == Some(io::ErrorKind::BrokenPipe))
    })
}

fn main() {
    let cli = Cli::parse();
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let status = match mlops_canvas::run(&cli, &mut out) {
        Ok(status) => status,
        Err(err) if is_broken_pipe(&err) => ExitStatus::Success,
        Err(err) => {
            let _ = out.flush();
            eprintln!("error: {err:#}");
            ExitStatus::Error
        }
    };
    if let Err(e) = out.flush() {
        if e.kind() != io::ErrorKind::BrokenPipe {
            eprintln!("error: cannot write output: {e}");
            process::exit(ExitStatus::Error.code());
        }
    }
    process::exit(status.code());
}
