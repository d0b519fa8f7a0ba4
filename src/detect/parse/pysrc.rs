//! Python source as parsers see it: the masks and the import list the engine already computed
//! for the file, so no parser masks a file a second time.
//!
//! Structure is read from `code` (comments and string contents blanked), so nothing inside a
//! string or comment is ever taken for code. Values are read at the same byte offsets from
//! `no_comments`, where strings are intact. Offsets map to lines of the file, through the
//! notebook line map when the source is a notebook's code cells.

use std::cell::OnceCell;

use crate::detect::python::{self, Import, Masked};

/// One Python file (or a notebook's code cells) handed to a Python parser.
pub(crate) struct PySource<'a> {
    /// The Python text (for a notebook: its code cells, joined).
    pub text: &'a str,
    /// Comments masked, strings kept.
    pub no_comments: &'a str,
    /// Comments and string contents masked.
    pub code: &'a str,
    pub imports: &'a [Import],
    /// For notebooks: the file line of each line of `text`.
    line_map: Option<&'a [u32]>,
    starts: OnceCell<Vec<usize>>,
}

impl<'a> PySource<'a> {
    /// A source over the engine's masks; `line_map` for notebooks.
    pub(crate) fn new(
        text: &'a str,
        masked: &'a Masked,
        imports: &'a [Import],
        line_map: Option<&'a [u32]>,
    ) -> Self {
        PySource {
            text,
            no_comments: &masked.no_comments,
            code: &masked.code_only,
            imports,
            line_map,
            starts: OnceCell::new(),
        }
    }

    /// The file imports one of `modules` (or a submodule of one).
    pub(crate) fn imports_any(&self, modules: &[&str]) -> bool {
        self.imports.iter().any(|i| {
            modules.iter().any(|m| {
                i.module == *m
                    || (i.module.starts_with(m) && i.module.as_bytes().get(m.len()) == Some(&b'.'))
            })
        })
    }

    /// 1-based line in the file of a byte offset of `text`.
    pub(crate) fn line(&self, offset: usize) -> u32 {
        let starts = self.starts.get_or_init(|| python::line_starts(self.text));
        let virtual_line = python::line_of(starts, offset);
        match self.line_map {
            Some(map) => map
                .get(virtual_line as usize - 1)
                .copied()
                .unwrap_or(virtual_line),
            None => virtual_line,
        }
    }
}

/// Builds a source from text, for unit tests of Python parsers.
#[cfg(test)]
pub(crate) fn with_source<R>(text: &str, f: impl FnOnce(&PySource) -> R) -> R {
    let masked = python::mask(text);
    let imports = python::imports(&masked.code_only);
    let src = PySource::new(text, &masked, &imports, None);
    f(&src)
}
