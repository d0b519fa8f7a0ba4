//! Python source as parsers see it: the masks and the import list the engine already computed
//! for the file (so no parser masks a file a second time), and small readers for calls and
//! decorators that work on the masked text.
//!
//! Structure (parentheses, decorators, names) is read from `code` (comments and string
//! contents blanked), so nothing inside a string or comment is ever taken for code. Values
//! (a pipeline's name, a cron string) are read at the same byte offsets from `no_comments`,
//! where strings are intact. Offsets map to lines of the file, through the notebook line map
//! when the source is a notebook's code cells.

use std::cell::RefCell;
use std::ops::Range;
use std::sync::OnceLock;

use regex::Regex;

use crate::detect::python::{self, Import, Masked};
use crate::detect::redact::snippet;

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
    lines: RefCell<Option<python::LineIndex<'a>>>,
}

/// One argument of a call: `name=value` or a positional `value`.
#[derive(Debug, Clone)]
pub(crate) struct Arg<'a> {
    pub name: Option<&'a str>,
    /// The value's text, comments masked, trimmed.
    pub value: &'a str,
    /// Byte offset of the value in the source.
    pub start: usize,
}

/// What a decorator decorates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TargetKind {
    Def,
    Class,
}

/// A decorator, with its arguments and the `def` or `class` it decorates.
#[derive(Debug, Clone)]
pub(crate) struct Decorator<'a> {
    /// The decorator's name as written, e.g. `step`, `dagster.asset`, `dg.schedule`.
    pub name: &'a str,
    /// Byte offset of the `@`.
    pub at: usize,
    /// Byte range inside the parentheses, when the decorator is called.
    pub args: Option<Range<usize>>,
    /// The decorated `def`/`class`: kind, name and the offset of its keyword.
    pub target: Option<(TargetKind, &'a str, usize)>,
    /// The decorator's parentheses never close (a syntax error or a truncated file).
    pub unclosed: bool,
}

impl Decorator<'_> {
    /// The last segment of the name: `dagster.asset` -> `asset`.
    pub(crate) fn short(&self) -> &str {
        self.name.rsplit('.').next().unwrap_or(self.name)
    }
}

fn decorator_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"(?m)^[ \t]*@[ \t]*([A-Za-z_][\w.]*)").expect("valid"))
}

fn target_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"(?m)^[ \t]*(?:async[ \t]+)?(def|class)[ \t]+([A-Za-z_]\w*)").expect("valid")
    })
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
            lines: RefCell::new(None),
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

    /// `name` is imported from `module` or one of its submodules (`from module.x import name`).
    pub(crate) fn imports_name_from(&self, module: &str, name: &str) -> bool {
        self.imports.iter().any(|i| {
            i.module
                .strip_suffix(name)
                .and_then(|m| m.strip_suffix('.'))
                .is_some_and(|m| {
                    m == module
                        || (m.starts_with(module) && m.as_bytes().get(module.len()) == Some(&b'.'))
                })
        })
    }

    /// 1-based line in the file of a byte offset of `text`.
    pub(crate) fn line(&self, offset: usize) -> u32 {
        let virtual_line = self
            .lines
            .borrow_mut()
            .get_or_insert_with(|| python::LineIndex::new(self.text))
            .line_of(offset);
        match self.line_map {
            Some(map) => map
                .get(virtual_line as usize - 1)
                .copied()
                .unwrap_or(virtual_line),
            None => virtual_line,
        }
    }

    /// The warning for a call or decorator whose parentheses never close.
    pub(crate) fn unclosed_warning(&self, what: &str, at: usize) -> String {
        format!(
            "unclosed `{what}(` at line {} (a syntax error or a truncated file)",
            self.line(at)
        )
    }

    /// The byte range inside a bracket pair, given the offset of its `(`, `[` or `{`: a call's
    /// arguments or a list's items. `None` when it never closes (a syntax error or a truncated
    /// file).
    pub(crate) fn call_args(&self, open: usize) -> Option<Range<usize>> {
        let b = self.code.as_bytes();
        if !matches!(b.get(open), Some(b'(' | b'[' | b'{')) {
            return None;
        }
        let mut depth = 0usize;
        for (i, c) in b.iter().enumerate().skip(open) {
            match c {
                b'(' | b'[' | b'{' => depth += 1,
                b')' | b']' | b'}' => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        return Some(open + 1..i);
                    }
                }
                _ => {}
            }
        }
        None
    }

    /// The arguments in `range` (from [`Self::call_args`]), split at top-level commas.
    pub(crate) fn args(&self, range: Range<usize>) -> Vec<Arg<'a>> {
        let code = self.code.as_bytes();
        let mut parts = Vec::new();
        let mut depth = 0usize;
        let mut start = range.start;
        for i in range.clone() {
            match code[i] {
                b'(' | b'[' | b'{' => depth += 1,
                b')' | b']' | b'}' => depth = depth.saturating_sub(1),
                b',' if depth == 0 => {
                    parts.push(start..i);
                    start = i + 1;
                }
                _ => {}
            }
        }
        parts.push(start..range.end);
        parts.into_iter().filter_map(|r| self.arg(r)).collect()
    }

    fn arg(&self, r: Range<usize>) -> Option<Arg<'a>> {
        let code = &self.code[r.clone()];
        let lead = code.len() - code.trim_start().len();
        let trimmed = code.trim();
        if trimmed.is_empty() {
            return None;
        }
        let ident_end = trimmed
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(trimmed.len());
        let after = trimmed[ident_end..].trim_start();
        let (name, value_at) =
            if ident_end > 0 && after.starts_with('=') && !after.starts_with("==") {
                let eq = r.start + lead + trimmed.len() - after.len();
                (
                    Some(&self.code[r.start + lead..r.start + lead + ident_end]),
                    eq + 1,
                )
            } else {
                (None, r.start + lead)
            };
        let raw = &self.no_comments[value_at..r.end];
        let value_lead = raw.len() - raw.trim_start().len();
        Some(Arg {
            name,
            value: raw.trim(),
            start: value_at + value_lead,
        })
    }

    /// The expression that starts at `pos` (after a `=`), up to the next comma or closing
    /// bracket at its own level, or the end of its line.
    pub(crate) fn value_at(&self, pos: usize) -> &'a str {
        let b = self.code.as_bytes();
        let mut depth = 0usize;
        let mut end = b.len();
        for (i, c) in b.iter().enumerate().skip(pos) {
            match c {
                b'(' | b'[' | b'{' => depth += 1,
                b')' | b']' | b'}' | b',' | b'\n' | b';' if depth == 0 => {
                    end = i;
                    break;
                }
                b')' | b']' | b'}' => depth -= 1,
                _ => {}
            }
        }
        self.no_comments[pos..end].trim()
    }

    /// A value for a fact: a string literal's contents, the literal a module-level constant
    /// holds (`GROUP = "churn"` ... `name=GROUP`), or the expression marked as set in code.
    pub(crate) fn text_of(&self, value: &str) -> String {
        match self.string(value) {
            Some(s) => snippet(s),
            None => format!("set in code: {}", snippet(value.trim())),
        }
    }

    /// A string literal's contents, or the literal a module-level constant of that name holds.
    pub(crate) fn string<'v>(&self, value: &'v str) -> Option<&'v str>
    where
        'a: 'v,
    {
        let value = value.trim();
        literal(value).or_else(|| self.constant(value))
    }

    /// The string literal assigned to `name` at module level, if any.
    fn constant(&self, name: &str) -> Option<&'a str> {
        if name.is_empty() || !name.chars().all(|c| c.is_alphanumeric() || c == '_') {
            return None;
        }
        let b = self.code.as_bytes();
        for (i, _) in self.code.match_indices(name) {
            if i > 0 && b[i - 1] != b'\n' {
                continue;
            }
            let rest = &self.code[i + name.len()..];
            let rest_t = rest.trim_start_matches([' ', '\t']);
            // An annotation (`GROUP: str = ...`) may sit between the name and `=`.
            let rest_t = match rest_t.strip_prefix(':') {
                Some(r) => &r[r.find('=').unwrap_or(r.len())..],
                None => rest_t,
            };
            if rest_t.starts_with('=') && !rest_t.starts_with("==") {
                let at = self.code.len() - rest_t.len() + 1;
                return literal(self.value_at(at));
            }
        }
        None
    }

    /// Every decorator of the file, with its arguments and what it decorates. A decorator
    /// whose parentheses never close is returned without arguments or target.
    pub(crate) fn decorators(&self) -> Vec<Decorator<'a>> {
        let mut out = Vec::new();
        for c in decorator_re().captures_iter(self.code) {
            let (Some(all), Some(name)) = (c.get(0), c.get(1)) else {
                continue;
            };
            let at = all.start() + all.as_str().find('@').unwrap_or(0);
            let mut after = name.end();
            let rest = &self.code[after..];
            let ws = rest.len() - rest.trim_start_matches([' ', '\t']).len();
            let mut args = None;
            if rest[ws..].starts_with('(') {
                let Some(r) = self.call_args(after + ws) else {
                    out.push(Decorator {
                        name: name.as_str(),
                        at,
                        args: None,
                        target: None,
                        unclosed: true,
                    });
                    continue;
                };
                after = r.end + 1;
                args = Some(r);
            }
            // Decorators sit right above what they decorate (possibly below other
            // decorators), so the next `def` or `class` is the target.
            let target = target_re().captures(&self.code[after..]).and_then(|t| {
                let kind = if &t[1] == "def" {
                    TargetKind::Def
                } else {
                    TargetKind::Class
                };
                let (k, n) = (t.get(1)?, t.get(2)?);
                Some((
                    kind,
                    &self.code[after + n.start()..after + n.end()],
                    after + k.start(),
                ))
            });
            out.push(Decorator {
                name: name.as_str(),
                at,
                args,
                target,
                unclosed: false,
            });
        }
        out
    }
}

/// A Python string literal's contents (`"x"`, `'x'`, `r"x"`, triple quotes), or `None` for
/// anything else: f-strings, concatenations, names, calls.
pub(crate) fn literal(value: &str) -> Option<&str> {
    let v = value.trim();
    let body = v.trim_start_matches(['r', 'R', 'u', 'U', 'b', 'B']);
    if body.len() + 2 < v.len() {
        return None;
    }
    for q in ["\"\"\"", "'''", "\"", "'"] {
        if let Some(inner) = body.strip_prefix(q).and_then(|s| s.strip_suffix(q)) {
            if inner.contains(q) {
                return None;
            }
            return Some(inner);
        }
    }
    None
}

/// An integer literal (`1`, `2`), or `None`.
pub(crate) fn int(value: &str) -> Option<i64> {
    value.trim().replace('_', "").parse().ok()
}

/// Looks up a keyword argument.
pub(crate) fn kwarg<'a, 'b>(args: &'b [Arg<'a>], name: &str) -> Option<&'b Arg<'a>> {
    args.iter().find(|a| a.name == Some(name))
}

/// The `n`-th positional argument.
pub(crate) fn positional<'a, 'b>(args: &'b [Arg<'a>], n: usize) -> Option<&'b Arg<'a>> {
    args.iter().filter(|a| a.name.is_none()).nth(n)
}

/// The variable a call is assigned to: `nightly = ScheduleDefinition(` -> `nightly`.
pub(crate) fn assigned_name(code: &str, call_start: usize) -> Option<&str> {
    let line_start = code[..call_start].rfind('\n').map_or(0, |i| i + 1);
    let before = code[line_start..call_start].trim_end();
    let lhs = before.strip_suffix('=')?;
    if lhs.ends_with(['=', '!', '<', '>']) {
        return None;
    }
    let lhs = lhs.trim();
    let lhs = lhs.split(':').next().unwrap_or(lhs).trim();
    (!lhs.is_empty() && lhs.chars().all(|c| c.is_alphanumeric() || c == '_')).then_some(lhs)
}

/// Builds a source from text, for unit tests of Python parsers.
#[cfg(test)]
pub(crate) fn with_source<R>(text: &str, f: impl FnOnce(&PySource) -> R) -> R {
    let masked = python::mask(text);
    let imports = python::imports(&masked.code_only);
    let src = PySource::new(text, &masked, &imports, None);
    f(&src)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_call_arguments_at_top_level_commas() {
        let t = "x = Step(name=\"a,b\", steps=[s1, s2], 3)  # (not code\n";
        with_source(t, |s| {
            let open = t.find('(').unwrap();
            let r = s.call_args(open).unwrap();
            let args = s.args(r);
            assert_eq!(args.len(), 3);
            assert_eq!(args[0].name, Some("name"));
            assert_eq!(literal(args[0].value), Some("a,b"));
            assert_eq!(args[1].value, "[s1, s2]");
            assert_eq!(positional(&args, 0).unwrap().value, "3");
            assert_eq!(assigned_name(s.code, open - 4), Some("x"));
        });
    }

    #[test]
    fn values_resolve_module_constants() {
        let t = "GROUP: str = \"churn-models\"\nOTHER = make()\ndef f():\n    LOCAL = 'x'\n";
        with_source(t, |s| {
            assert_eq!(s.text_of("GROUP"), "churn-models");
            assert_eq!(s.text_of("'lit'"), "lit");
            assert_eq!(s.text_of("OTHER"), "set in code: OTHER");
            assert_eq!(s.text_of("LOCAL"), "set in code: LOCAL");
            assert_eq!(s.text_of("f\"{p}\""), "set in code: f\"{p}\"");
        });
    }

    #[test]
    fn unclosed_call_has_no_arguments() {
        with_source("Pipeline(name='x',\n", |s| {
            assert!(s.call_args(8).is_none());
        });
    }

    #[test]
    fn decorators_know_their_target_and_arguments() {
        let t = "from dagster import asset\n\n@asset(\n    group_name=\"ml\",  # a comment (\n)\n@other\ndef model():\n    pass\n\nclass A:\n    @step\n    async def go(self): ...\n";
        with_source(t, |s| {
            let d = s.decorators();
            assert_eq!(d.len(), 3);
            assert_eq!(d[0].name, "asset");
            assert_eq!(d[0].target.unwrap().1, "model");
            let args = s.args(d[0].args.clone().unwrap());
            assert_eq!(
                literal(kwarg(&args, "group_name").unwrap().value),
                Some("ml")
            );
            assert_eq!(d[1].target.unwrap().1, "model");
            assert_eq!(d[2].target.unwrap().1, "go");
            assert_eq!(s.line(d[2].at), 11);
        });
    }

    #[test]
    fn decorators_in_strings_do_not_count() {
        with_source("x = '''\n@asset\ndef f(): ...\n'''\n", |s| {
            assert!(s.decorators().is_empty());
        });
    }

    #[test]
    fn literals_and_imports() {
        assert_eq!(literal("'a'"), Some("a"));
        assert_eq!(literal("r\"a\""), Some("a"));
        assert_eq!(literal("f\"{x}-a\""), None);
        assert_eq!(literal("\"a\" \"b\""), None);
        assert_eq!(literal("name"), None);
        with_source(
            "from metaflow import FlowSpec, step\nimport dagster.core\n",
            |s| {
                assert!(s.imports_name_from("metaflow", "FlowSpec"));
                assert!(!s.imports_name_from("meta", "FlowSpec"));
                assert!(s.imports_any(&["dagster"]));
                assert!(!s.imports_any(&["dag"]));
            },
        );
    }
}
