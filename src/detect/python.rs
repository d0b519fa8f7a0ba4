//! Python source as the detectors see it: comments and strings masked, imports listed, and
//! notebooks reduced to their code cells.
//!
//! Masking replaces bytes with spaces and keeps every newline, so byte offsets and line numbers
//! of the masked text equal those of the source. Nothing here executes or imports anything.

use serde_json::Value;

/// Python source with comments masked (`no_comments`) and with comments and string contents
/// masked (`code_only`). Both have the byte length and line structure of the input.
pub(crate) struct Masked {
    pub no_comments: String,
    pub code_only: String,
}

/// Masks comments and strings of Python source. Handles string prefixes, triple quotes and
/// escapes; an unterminated single-quoted string ends at the end of its line.
pub(crate) fn mask(src: &str) -> Masked {
    let b = src.as_bytes();
    let n = b.len();
    let mut nc = b.to_vec();
    let mut co = b.to_vec();
    let mut i = 0;
    // Jump from one byte that can start a comment or a string to the next.
    while let Some(at) = memchr::memchr3(b'#', b'\'', b'"', &b[i..]) {
        i += at;
        match b[i] {
            b'#' => {
                let end = memchr::memchr(b'\n', &b[i..]).map_or(n, |e| i + e);
                nc[i..end].fill(b' ');
                co[i..end].fill(b' ');
                i = end;
            }
            q => {
                // A quote right after an identifier character that is not a string prefix
                // cannot start a string in valid Python; treat it as a string anyway, which
                // is the safe side for masking.
                let triple = i + 2 < n && b[i + 1] == q && b[i + 2] == q;
                let qlen = if triple { 3 } else { 1 };
                let start = i + qlen;
                let mut j = start;
                let mut end = n;
                let mut closed = false;
                loop {
                    // The next quote, escape or (in a one-line string) line end.
                    let next = if triple {
                        memchr::memchr2(q, b'\\', b.get(j..).unwrap_or_default())
                    } else {
                        memchr::memchr3(q, b'\\', b'\n', b.get(j..).unwrap_or_default())
                    };
                    let Some(k) = next else {
                        break;
                    };
                    j += k;
                    if b[j] == b'\\' {
                        j += 2;
                        continue;
                    }
                    if b[j] == b'\n' {
                        end = j;
                        break;
                    }
                    if !triple || (j + 2 < n && b[j + 1] == q && b[j + 2] == q) {
                        end = j;
                        closed = true;
                        break;
                    }
                    j += 1;
                }
                let end = end.min(n);
                // A docstring is prose: out of both masks.
                let docstring = triple && is_docstring(&nc, i);
                blank_keeping_lines(&mut co[start.min(end)..end]);
                if docstring {
                    blank_keeping_lines(&mut nc[start.min(end)..end]);
                }
                i = if closed { end + qlen } else { end };
            }
        }
        if i >= n {
            break;
        }
    }
    // Only ASCII bytes were replaced, and only whole characters (multi-byte sequences never
    // contain ASCII bytes), so both vectors are still valid UTF-8.
    Masked {
        no_comments: String::from_utf8(nc).unwrap_or_default(),
        code_only: String::from_utf8(co).unwrap_or_default(),
    }
}

/// Blanks every byte of `text` but its line feeds, a run between two of them at a time.
fn blank_keeping_lines(mut text: &mut [u8]) {
    while let Some(nl) = memchr::memchr(b'\n', text) {
        text[..nl].fill(b' ');
        text = &mut std::mem::take(&mut text)[nl + 1..];
    }
    text.fill(b' ');
}

/// Whether the triple-quoted string opening at `i` is a docstring: the first thing on its line
/// (after a string prefix), at the start of the module, right after a `def` or `class` line
/// (the last line of its signature, when that runs over several), or right below an attribute
/// at its indentation. `nc` is the source with the comments before `i` blanked.
fn is_docstring(nc: &[u8], i: usize) -> bool {
    let line_start = memchr::memrchr(b'\n', &nc[..i]).map_or(0, |p| p + 1);
    let lead = &nc[line_start..i];
    let prefix = lead
        .iter()
        .rev()
        .take_while(|c| matches!(c, b'r' | b'R' | b'u' | b'U' | b'b' | b'B'))
        .count();
    if prefix > 2
        || !lead[..lead.len() - prefix]
            .iter()
            .all(|c| matches!(c, b' ' | b'\t'))
    {
        return false;
    }
    let Some(last) = nc[..line_start]
        .iter()
        .rposition(|c| !c.is_ascii_whitespace())
    else {
        // Nothing but blanks and comments above: the module's docstring.
        return true;
    };
    let above_start = memchr::memrchr(b'\n', &nc[..last]).map_or(0, |p| p + 1);
    let above = &nc[above_start..last];
    if nc[last] == b':' {
        let opener = above.trim_ascii_start();
        return opener.starts_with(b"def ")
            || opener.starts_with(b"async def ")
            || opener.starts_with(b"class ")
            || opener.starts_with(b")");
    }
    // An attribute's docstring: the string right below a one-line `name = ...` or
    // `name: T` statement, at its indentation.
    let indent = above
        .iter()
        .take_while(|c| matches!(c, b' ' | b'\t'))
        .count();
    let statement = &above[indent..];
    let name = statement
        .iter()
        .take_while(|c| c.is_ascii_alphanumeric() || **c == b'_')
        .count();
    indent == lead.len() - prefix
        && statement
            .first()
            .is_some_and(|c| c.is_ascii_alphabetic() || *c == b'_')
        && matches!(
            statement[name..].trim_ascii_start().first(),
            Some(b':' | b'=')
        )
        && (nc[last].is_ascii_alphanumeric()
            || matches!(nc[last], b')' | b']' | b'}' | b'"' | b'\''))
}

/// One imported module: `import a.b` gives `a.b`; `from a import b, c` gives `a`, `a.b`, `a.c`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Import {
    pub module: String,
    /// 1-based line in the masked text.
    pub line: u32,
}

fn module_token(s: &str) -> Option<&str> {
    let s = s.trim().trim_start_matches('(').trim();
    let end = s
        .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.'))
        .unwrap_or(s.len());
    let m = &s[..end];
    if m.is_empty() || m.starts_with('.') || m.ends_with('.') {
        None
    } else {
        Some(m)
    }
}

fn starts_with_keyword<'a>(s: &'a str, kw: &str) -> Option<&'a str> {
    let rest = s.strip_prefix(kw)?;
    if rest.starts_with(|c: char| c.is_whitespace() || c == '(') {
        Some(rest)
    } else {
        None
    }
}

fn push_names(module: &str, names: &str, line: u32, out: &mut Vec<Import>) {
    for item in names.split(',') {
        if let Some(name) = module_token(item) {
            if !name.contains('.') && name != "*" {
                out.push(Import {
                    module: format!("{module}.{name}"),
                    line,
                });
            }
        }
    }
}

/// Lists the imports of masked Python code (`Masked::code_only`). A parenthesised name list
/// may span lines (`from a import (\n    b,\n    c,\n)`); its names are given the line of
/// the `from`, so one statement is one piece of evidence.
pub(crate) fn imports(code_only: &str) -> Vec<Import> {
    static IMPORT: std::sync::OnceLock<memchr::memmem::Finder<'static>> =
        std::sync::OnceLock::new();
    let finder = IMPORT.get_or_init(|| memchr::memmem::Finder::new("import"));
    let mut out = Vec::new();
    let bytes = code_only.as_bytes();
    // Every import statement holds the word `import`: only its lines are read, and the lines
    // of a parenthesised name list after it. `line_no` is the line starting at `counted`.
    let (mut line_no, mut counted, mut next) = (1u32, 0usize, 0usize);
    while let Some(i) = finder.find(&bytes[next..]).map(|i| next + i) {
        let start = memchr::memrchr(b'\n', &bytes[..i]).map_or(0, |p| p + 1);
        line_no += memchr::memchr_iter(b'\n', &bytes[counted..start]).count() as u32;
        counted = start;
        // The module and line of a `from m import (` whose parenthesis is still open.
        let mut open: Option<(String, u32)> = None;
        let mut at = start;
        loop {
            let end = memchr::memchr(b'\n', &bytes[at..]).map_or(bytes.len(), |e| at + e);
            import_line(
                code_only[at..end].trim_end_matches('\r'),
                line_no,
                &mut open,
                &mut out,
            );
            at = end + 1;
            if open.is_none() || at >= bytes.len() {
                break;
            }
            line_no += 1;
            counted = at;
        }
        next = at.min(bytes.len());
    }
    out
}

/// The imports of one line, `line_no`, given the statement still open above it.
fn import_line(line: &str, line_no: u32, open: &mut Option<(String, u32)>, out: &mut Vec<Import>) {
    if let Some((module, from_line)) = open.as_ref() {
        let (names, closed) = match line.split_once(')') {
            Some((names, _)) => (names, true),
            None => (line, false),
        };
        push_names(module, names, *from_line, out);
        if closed {
            *open = None;
        }
        return;
    }
    for stmt in line.split(';') {
        let stmt = stmt.trim_start();
        if let Some(rest) = starts_with_keyword(stmt, "import") {
            for item in rest.split(',') {
                if let Some(m) = module_token(item) {
                    out.push(Import {
                        module: m.to_string(),
                        line: line_no,
                    });
                }
            }
        } else if let Some(rest) = starts_with_keyword(stmt, "from") {
            let rest = rest.trim_start();
            let Some(module) = module_token(rest) else {
                continue;
            };
            if rest.starts_with('.') {
                continue;
            }
            out.push(Import {
                module: module.to_string(),
                line: line_no,
            });
            let after = rest[module.len()..].trim_start();
            if let Some(names) = starts_with_keyword(after, "import") {
                push_names(module, names, line_no, out);
                if names.trim_start().starts_with('(') && !names.contains(')') {
                    *open = Some((module.to_string(), line_no));
                }
            }
        }
    }
}

/// The code cells of a notebook as one Python text, with a map from each of its lines to the
/// line of the `.ipynb` file where that source line is stored.
pub(crate) struct NotebookCode {
    pub code: String,
    /// `line_map[i]` is the 1-based raw line of virtual line `i + 1`.
    pub line_map: Vec<u32>,
}

fn cell_source(cell: &Value, key: &str) -> Vec<String> {
    match cell.get(key) {
        Some(Value::Array(parts)) => {
            // nbformat stores a list of lines, each keeping its "\n"; join then split so a
            // part holding several lines is handled too.
            let joined: String = parts.iter().filter_map(Value::as_str).collect();
            joined.lines().map(str::to_string).collect()
        }
        Some(Value::String(s)) => s.lines().map(str::to_string).collect(),
        _ => Vec::new(),
    }
}

/// Extracts the code cells of a notebook. IPython magics and shell escapes (`%`, `!`) are
/// dropped: `!pip install x` is not an import. Errors describe why the JSON is not a notebook.
pub(crate) fn notebook_code(raw: &str) -> Result<NotebookCode, String> {
    let doc: Value =
        serde_json::from_str(raw).map_err(|e| format!("invalid notebook JSON: {e}"))?;
    let mut cells: Vec<&Value> = Vec::new();
    if let Some(list) = doc.get("cells").and_then(Value::as_array) {
        cells.extend(list.iter());
    } else if let Some(sheets) = doc.get("worksheets").and_then(Value::as_array) {
        for sheet in sheets {
            if let Some(list) = sheet.get("cells").and_then(Value::as_array) {
                cells.extend(list.iter());
            }
        }
    } else {
        return Err("not a notebook: no `cells`".to_string());
    }
    let mut lines = LineIndex::new(raw);
    let mut cursor = 0usize;
    let mut code = String::new();
    let mut line_map = Vec::new();
    for cell in cells {
        if cell.get("cell_type").and_then(Value::as_str) != Some("code") {
            continue;
        }
        let key = if cell.get("source").is_some() {
            "source"
        } else {
            "input"
        };
        for line in cell_source(cell, key) {
            // Find where the line is stored, to point evidence at a real line of the file.
            let needle = serde_json::to_string(&line).unwrap_or_default();
            let needle = needle.trim_end_matches('"');
            let raw_line = if line.trim().is_empty() {
                None
            } else {
                raw[cursor..].find(needle).map(|off| {
                    cursor += off + needle.len();
                    lines.line_of(cursor - needle.len())
                })
            };
            let last = line_map.last().copied().unwrap_or(1);
            line_map.push(raw_line.unwrap_or(last));
            let t = line.trim_start();
            if t.starts_with('%') || t.starts_with('!') {
                code.push('\n');
            } else {
                code.push_str(&line);
                code.push('\n');
            }
        }
        // Cells are separate units: close any string left open.
        code.push('\n');
        line_map.push(line_map.last().copied().unwrap_or(1));
    }
    Ok(NotebookCode { code, line_map })
}

/// Line numbers and line spans of a text, its table of line starts built only as far as
/// asked: evidence most often sits near the top of a file (imports), and a long file need not
/// be read to its end for it.
pub(crate) struct LineIndex<'a> {
    text: &'a [u8],
    /// Starts of lines 1..=starts.len(), each found.
    starts: Vec<usize>,
    /// The table covers every line break before this offset.
    done: usize,
}

impl<'a> LineIndex<'a> {
    pub(crate) fn new(text: &'a str) -> LineIndex<'a> {
        LineIndex {
            text: text.as_bytes(),
            starts: vec![0],
            done: 0,
        }
    }

    /// Extends the table until it knows `lines` line starts or the text ends.
    fn extend_to_line(&mut self, lines: usize) {
        while self.starts.len() < lines && self.done < self.text.len() {
            match memchr::memchr(b'\n', &self.text[self.done..]) {
                Some(i) => {
                    self.done += i + 1;
                    self.starts.push(self.done);
                }
                None => self.done = self.text.len(),
            }
        }
    }

    /// Extends the table past `offset`.
    fn extend_past(&mut self, offset: usize) {
        let end = self.text.len().min(offset.saturating_add(1));
        if self.done < end {
            let from = self.done;
            self.starts
                .extend(memchr::memchr_iter(b'\n', &self.text[from..end]).map(|i| from + i + 1));
            self.done = end;
        }
    }

    /// 1-based line of a byte offset (past the end: the last line).
    pub(crate) fn line_of(&mut self, offset: usize) -> u32 {
        self.extend_past(offset);
        line_of(&self.starts, offset)
    }

    /// Byte range of 1-based line `line`, its line break included (empty past the end).
    pub(crate) fn span(&mut self, line: u32) -> std::ops::Range<usize> {
        let at = line as usize;
        self.extend_to_line(at + 1);
        match self.starts.get(at - 1) {
            Some(&a) => a..self.starts.get(at).map_or(self.text.len(), |&b| b),
            None => 0..0,
        }
    }
}

/// 1-based line of a byte offset, given the offsets at which lines start.
pub(crate) fn line_of(starts: &[usize], offset: usize) -> u32 {
    match starts.binary_search(&offset) {
        Ok(i) => (i + 1) as u32,
        Err(i) => i as u32,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Byte offsets at which each line starts: the whole table, the reference for `LineIndex`.
    fn line_starts(text: &str) -> Vec<usize> {
        let mut starts = vec![0];
        starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1));
        starts
    }

    #[test]
    fn line_index_answers_as_the_full_table() {
        for text in ["", "a", "\n", "ab\ncd\n\nef", "x\r\ny\n", "\n\n\n"] {
            let full = line_starts(text);
            let mut lazy = LineIndex::new(text);
            // Asked out of order, as matches of several patterns are.
            let mut offsets: Vec<usize> = (0..=text.len() + 1).collect();
            offsets.reverse();
            let half = offsets.len() / 2;
            offsets.rotate_left(half);
            for o in offsets {
                assert_eq!(lazy.line_of(o), line_of(&full, o), "{text:?} @ {o}");
            }
            for line in 1..=full.len() as u32 + 1 {
                let mut fresh = LineIndex::new(text);
                let want = full.get(line as usize - 1).map_or(0..0, |&a| {
                    a..full.get(line as usize).map_or(text.len(), |&b| b)
                });
                assert_eq!(fresh.span(line), want, "{text:?} line {line}");
            }
        }
    }

    #[test]
    fn blanking_keeps_every_line_feed_in_place() {
        for (text, want) in [
            ("", ""),
            ("abc", "   "),
            ("\n", "\n"),
            ("a\nbc\r\n\nd", " \n   \n\n "),
            ("\n\nx\n", "\n\n \n"),
        ] {
            let mut bytes = text.as_bytes().to_vec();
            blank_keeping_lines(&mut bytes);
            assert_eq!(String::from_utf8(bytes).unwrap(), want, "{text:?}");
        }
    }

    #[test]
    fn masks_edge_cases_at_line_and_file_ends() {
        let cases = [
            // (source, code_only, no_comments)
            ("x = 'a#b' # c\n", "x = '   '    \n", "x = 'a#b'    \n"),
            (
                "s = '''it's\n# not\n''' # real",
                "s = '''    \n     \n'''       ",
                "s = '''it's\n# not\n'''       ",
            ),
            (
                "t = 'open\nimport os",
                "t = '    \nimport os",
                "t = 'open\nimport os",
            ),
            (
                r#"e = 'a\'b' + "\\""#,
                r#"e = '    ' + "  ""#,
                r#"e = 'a\'b' + "\\""#,
            ),
            (r"end = 'x\", "end = '  ", r"end = 'x\"),
            (r#"q = """"#, r#"q = """"#, r#"q = """"#),
            ("#", " ", " "),
        ];
        for (src, code, nc) in cases {
            let m = mask(src);
            assert_eq!(m.code_only, code, "code_only of {src:?}");
            assert_eq!(m.no_comments, nc, "no_comments of {src:?}");
        }
    }

    fn mods(src: &str) -> Vec<String> {
        imports(&mask(src).code_only)
            .into_iter()
            .map(|i| i.module)
            .collect()
    }

    #[test]
    fn finds_plain_from_and_aliased_imports() {
        let src = "import os, mlflow.sklearn as ms\nfrom torch import nn, optim\n  from sklearn.model_selection import (\n    train_test_split)\n";
        assert_eq!(
            mods(src),
            vec![
                "os",
                "mlflow.sklearn",
                "torch",
                "torch.nn",
                "torch.optim",
                "sklearn.model_selection",
                "sklearn.model_selection.train_test_split"
            ]
        );
    }

    #[test]
    fn parenthesised_names_span_lines() {
        let src = "from metaflow import (\n    FlowSpec,  # base\n    step, card\n)\nimport os\n";
        let found = imports(&mask(src).code_only);
        let names: Vec<(&str, u32)> = found.iter().map(|i| (i.module.as_str(), i.line)).collect();
        assert_eq!(
            names,
            vec![
                ("metaflow", 1),
                ("metaflow.FlowSpec", 1),
                ("metaflow.step", 1),
                ("metaflow.card", 1),
                ("os", 5)
            ]
        );
    }

    #[test]
    fn ignores_comments_strings_docstrings_and_relative_imports() {
        let src = "# import mlflow\nx = \"import wandb\"\n\"\"\"\nimport optuna\n\"\"\"\nfrom . import features\nfrom .features import build\ny = 'a' # import ray\n";
        assert!(mods(src).is_empty(), "{:?}", mods(src));
    }

    #[test]
    fn docstrings_are_prose_to_the_regex_signals() {
        let src = r#""""Trains with mlflow.start_run()."""
import mlflow


def train(
    x,
) -> None:
    r"""Example: mlflow.register_model(...)."""
    mlflow.start_run()


class Config:
    """Set MLFLOW_TRACKING_URI first."""

    uri: str = "http://mlflow:5000"
    """Point at models:/churn/Production."""
    cmd = run(
        """nvidia-smi"""
    )
    query = """SELECT * FROM s3_table"""
    parts = (
        "a"
        """CUDA_VISIBLE_DEVICES"""
    )
    table = {
        "k":
        """dvc.api.open"""
    }
"#;
        let m = mask(src);
        assert_eq!(m.no_comments.len(), src.len());
        for prose in [
            "Trains with",
            "register_model",
            "MLFLOW_TRACKING_URI",
            "models:/",
        ] {
            assert!(!m.no_comments.contains(prose), "{prose} kept");
        }
        for code in [
            "    mlflow.start_run()",
            "http://mlflow:5000",
            "nvidia-smi",
            "SELECT * FROM s3_table",
            "CUDA_VISIBLE_DEVICES",
            "dvc.api.open",
        ] {
            assert!(m.no_comments.contains(code), "{code} masked");
        }
    }

    #[test]
    fn masking_keeps_length_and_lines() {
        let src = "a = 'é#' # comment ü\nb = \"\"\"x\ny\"\"\"\n";
        let m = mask(src);
        assert_eq!(m.no_comments.len(), src.len());
        assert_eq!(m.code_only.len(), src.len());
        assert_eq!(m.no_comments.lines().count(), src.lines().count());
        assert!(m.no_comments.contains("'é#'"));
        assert!(!m.no_comments.contains("comment"));
        assert!(!m.code_only.contains('x'));
    }

    #[test]
    fn notebook_code_cells_only_with_raw_lines() {
        let nb = r#"{
 "cells": [
  {"cell_type": "markdown", "source": ["import wandb\n"]},
  {"cell_type": "code", "source": [
    "!pip install mlflow\n",
    "import mlflow\n",
    "mlflow.start_run()"
  ]}
 ],
 "nbformat": 4
}"#;
        let code = notebook_code(nb).unwrap();
        let found = imports(&mask(&code.code).code_only);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].module, "mlflow");
        assert_eq!(code.line_map[(found[0].line - 1) as usize], 6);
    }

    #[test]
    fn malformed_notebook_is_an_error_not_a_panic() {
        assert!(notebook_code("{\"cells\": [").is_err());
        assert!(notebook_code("[1,2]").is_err());
    }
}
