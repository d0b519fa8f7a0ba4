//! One small function per subcommand. Each takes its parsed arguments and a writer, and
//! returns the exit status; nothing here prints directly.

pub(crate) mod detectors;
pub(crate) mod scan;

use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result};

/// Sends rendered output to `-o FILE` or to `out`.
pub(crate) fn write_output(
    output: Option<&Path>,
    out: &mut dyn Write,
    render: impl FnOnce(&mut dyn Write) -> Result<()>,
) -> Result<()> {
    match output {
        Some(path) => {
            let mut buf = Vec::new();
            render(&mut buf)?;
            std::fs::write(path, buf).with_context(|| format!("cannot write {}", path.display()))
        }
        None => render(out),
    }
}
