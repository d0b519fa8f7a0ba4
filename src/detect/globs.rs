//! Matching every file path against every detector glob at once.
//!
//! Most detector globs are file names (`Dockerfile`), extensions (`*.py`) or a name with one
//! `*` (`requirements*.txt`): those are answered by hash lookups and two string comparisons on
//! the file name. The others (`.github/workflows/*.yml`, `**/serving/**/*.py`, `*model*.pkl`)
//! are tried only when the path holds the glob's longest literal piece (one automaton pass over
//! the path finds which pieces it holds): those made of plain segments, `*` and `**` by a
//! segment matcher, the rest (brackets, braces) by a glob compiled on first need.
//! The answers are those of a `globset::GlobSet` of the same globs (see the tests).

use std::collections::HashMap;
use std::sync::OnceLock;

use anyhow::Result;
use globset::{Glob, GlobMatcher};

use super::literals::Literals;
use super::signals::compile_glob;

/// Detector globs, numbered in the order given.
pub(crate) struct Globs {
    /// File name -> globs that are exactly that name.
    names: HashMap<String, Vec<usize>>,
    /// `.ext` -> globs `*.ext`.
    extensions: HashMap<String, Vec<usize>>,
    /// `prefix*suffix` globs on the file name.
    affixes: Vec<(String, String, usize)>,
    /// The rest.
    others: Vec<Other>,
    /// The pieces of the others that have one, in that order (ASCII case aside: a superset).
    pieces: Literals,
    /// Piece number -> the other it belongs to.
    piece_of: Vec<usize>,
    /// The others without a piece: tried on every path.
    pieceless: Vec<usize>,
}

/// A glob tried only on paths that hold its longest literal piece. One made of plain
/// segments, `*` and `**` is matched segment by segment; any other is compiled when a path
/// first holds its piece.
struct Other {
    /// The `.ext` every path it matches ends with (`**/serving/**/*.py`), if any.
    extension: Option<String>,
    glob: Glob,
    matcher: OnceLock<Matcher>,
    index: usize,
}

enum Matcher {
    Segments(Vec<Segment>),
    Compiled(GlobMatcher),
}

/// One `/`-separated part of a glob without brackets, braces, `?` or escapes.
#[derive(Debug, PartialEq)]
enum Segment {
    /// `**`: any number of directories (at the end: anything below, at least one part).
    Any,
    /// Plain text with `*` wildcards, cut at the `*`s (one part when there is none).
    Parts(Vec<String>),
}

/// The segments of a compiled glob's pattern (`Glob::glob`, which `compile_glob` has given its
/// `**/` when it had no `/`), when every segment is `**` or text with `*` wildcards; `None` for
/// any other glob.
fn segments(pattern: &str) -> Option<Vec<Segment>> {
    if pattern.contains(['?', '[', ']', '{', '}', '\\']) || pattern.is_empty() {
        return None;
    }
    pattern
        .split('/')
        .map(|seg| match seg {
            "**" => Some(Segment::Any),
            // `**` inside a segment, or an empty segment, has rules of its own: leave it to
            // the compiled glob.
            s if s.is_empty() || s.contains("**") => None,
            s => Some(Segment::Parts(s.split('*').map(str::to_string).collect())),
        })
        .collect()
}

/// Whether the path parts `path` match `segs`.
fn segments_match(segs: &[Segment], path: &[&str]) -> bool {
    match segs.split_first() {
        None => path.is_empty(),
        Some((Segment::Any, [])) => !path.is_empty(),
        Some((Segment::Any, rest)) => {
            (0..=path.len()).any(|skip| segments_match(rest, &path[skip..]))
        }
        Some((Segment::Parts(parts), rest)) => match path.split_first() {
            Some((first, tail)) => part_matches(parts, first) && segments_match(rest, tail),
            None => false,
        },
    }
}

/// Whether `name` matches text cut at `*` wildcards (none of which crosses a `/`; `name` holds
/// none).
fn part_matches(parts: &[String], name: &str) -> bool {
    let [first, middle @ .., last] = parts else {
        return parts.first().is_some_and(|p| p == name);
    };
    if name.len() < first.len() + last.len() || !name.starts_with(first.as_str()) {
        return false;
    }
    if !name.ends_with(last.as_str()) {
        return false;
    }
    let mut rest = &name[first.len()..name.len() - last.len()];
    for m in middle {
        match rest.find(m.as_str()) {
            Some(at) => rest = &rest[at + m.len()..],
            None => return false,
        }
    }
    true
}

/// Characters with a meaning in a glob.
const SPECIAL: &[char] = &['*', '?', '[', ']', '{', '}', '\\'];

impl Globs {
    pub(crate) fn new(globs: &[&str]) -> Result<Globs> {
        let mut g = Globs {
            names: HashMap::new(),
            extensions: HashMap::new(),
            affixes: Vec::new(),
            others: Vec::new(),
            pieces: Literals::new([]),
            piece_of: Vec::new(),
            pieceless: Vec::new(),
        };
        let mut pieces: Vec<String> = Vec::new();
        for (i, &glob) in globs.iter().enumerate() {
            // Only globs with special characters can be malformed, and all of them go here;
            // a plain name, `*.ext` or `prefix*suffix` needs no parse.
            let mut other = |g: &mut Globs| -> Result<()> {
                let parsed = compile_glob(glob)?;
                let piece = required_piece(glob);
                if piece.is_empty() {
                    g.pieceless.push(g.others.len());
                } else {
                    g.piece_of.push(g.others.len());
                    pieces.push(piece);
                }
                g.others.push(Other {
                    extension: glob
                        .rsplit_once('*')
                        .map(|(_, e)| e)
                        .filter(|e| e.starts_with('.') && !e.contains(SPECIAL) && !e.contains('/'))
                        .map(str::to_string),
                    glob: parsed,
                    matcher: OnceLock::new(),
                    index: i,
                });
                Ok(())
            };
            // `**/name` is what a glob without `/` means anyway: match it on the file name.
            let glob = match glob.strip_prefix("**/") {
                Some(name) if !name.contains('/') && !name.contains("**") => name,
                _ => glob,
            };
            if glob.contains('/') {
                other(&mut g)?;
                continue;
            }
            let stars = glob.matches('*').count();
            let specials = glob.matches(SPECIAL).count();
            if specials == 0 {
                g.names.entry(glob.to_string()).or_default().push(i);
            } else if let Some(ext) = glob
                .strip_prefix('*')
                .filter(|e| e.starts_with('.') && !e.contains(SPECIAL))
            {
                g.extensions.entry(ext.to_string()).or_default().push(i);
            } else if stars == 1 && specials == 1 {
                let (prefix, suffix) = glob.split_once('*').unwrap_or((glob, ""));
                g.affixes.push((prefix.to_string(), suffix.to_string(), i));
            } else {
                other(&mut g)?;
            }
        }
        g.pieces = Literals::new(pieces.iter().map(String::as_bytes));
        Ok(g)
    }

    /// The numbers of the globs `path` (relative, `/`-separated) matches, sorted.
    pub(crate) fn matches(&self, path: &str) -> Vec<usize> {
        let name = path.rsplit('/').next().unwrap_or(path);
        let mut out: Vec<usize> = Vec::new();
        if let Some(ids) = self.names.get(name) {
            out.extend(ids);
        }
        // `*.ext` matches a name ending in `.ext`, whatever comes before (even nothing).
        for (at, _) in name.match_indices('.') {
            if let Some(ids) = self.extensions.get(&name[at..]) {
                out.extend(ids);
            }
        }
        for (prefix, suffix, i) in &self.affixes {
            if name.len() >= prefix.len() + suffix.len()
                && name.starts_with(prefix.as_str())
                && name.ends_with(suffix.as_str())
            {
                out.push(*i);
            }
        }
        let mut held = vec![false; self.piece_of.len()];
        self.pieces.search(path.as_bytes(), &mut held);
        let candidates = held
            .iter()
            .zip(&self.piece_of)
            .filter_map(|(&h, &o)| h.then_some(o))
            .chain(self.pieceless.iter().copied());
        let mut parts: Vec<&str> = Vec::new();
        for o in candidates.map(|o| &self.others[o]) {
            if o.extension
                .as_ref()
                .is_none_or(|e| name.ends_with(e.as_str()))
                && match o.matcher.get_or_init(|| {
                    segments(o.glob.glob()).map_or_else(
                        || Matcher::Compiled(o.glob.compile_matcher()),
                        Matcher::Segments,
                    )
                }) {
                    Matcher::Segments(segs) => {
                        if parts.is_empty() {
                            parts.extend(path.split('/'));
                        }
                        segments_match(segs, &parts)
                    }
                    Matcher::Compiled(m) => m.is_match(path),
                }
            {
                out.push(o.index);
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }
}

/// The longest run of plain characters of a glob: every path it matches contains it. Bracket
/// and brace groups count as wildcards, and `/` ends a run (`**/` may match nothing).
fn required_piece(glob: &str) -> String {
    let mut pieces: Vec<String> = vec![String::new()];
    let mut depth = 0usize;
    for c in glob.chars() {
        match c {
            '[' | '{' => {
                depth += 1;
                pieces.push(String::new());
            }
            ']' | '}' => {
                depth = depth.saturating_sub(1);
                pieces.push(String::new());
            }
            '*' | '?' | '/' | '\\' => pieces.push(String::new()),
            _ if depth > 0 => {}
            _ => {
                if let Some(last) = pieces.last_mut() {
                    last.push(c);
                }
            }
        }
    }
    // A backslash escape could make a special character plain: no piece is then trusted.
    if glob.contains('\\') {
        return String::new();
    }
    pieces
        .into_iter()
        .max_by_key(String::len)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use globset::GlobSetBuilder;

    /// Paths made from each glob (wildcards filled in several ways) and near misses of them.
    fn probes(globs: &[&str]) -> Vec<String> {
        let mut out = Vec::new();
        for g in globs {
            for star in ["", "x", "a.b", "model_v2"] {
                for deep in ["", "a/", "a/b/", "serving/", "x/models/"] {
                    let filled = g
                        .replace("**/", deep)
                        .replace('*', star)
                        .replace('?', "q")
                        .replace("[0-9]", "7")
                        .replace("[-_]", "_")
                        .replace("[-_.]", ".");
                    let filled = match (filled.find('{'), filled.find('}')) {
                        (Some(a), Some(b)) if a < b => {
                            let first = filled[a + 1..b].split(',').next().unwrap_or("");
                            format!("{}{first}{}", &filled[..a], &filled[b + 1..])
                        }
                        _ => filled,
                    };
                    out.push(filled.clone());
                    out.push(format!("{deep}{filled}"));
                    out.push(format!("{filled}.bak"));
                    out.push(format!("x{filled}"));
                    out.push(filled.to_uppercase());
                }
            }
        }
        out.sort();
        out.dedup();
        out
    }

    #[test]
    fn answers_as_a_globset_does() {
        let catalog = crate::detect::Catalog::load(&[]).unwrap();
        let mut globs: Vec<&str> = Vec::new();
        for d in &catalog.detectors {
            for s in &d.signals {
                match &s.matcher {
                    crate::detect::spec::Matcher::Path { globs: g }
                    | crate::detect::spec::Matcher::Regex { files: g, .. } => {
                        globs.extend(g.iter().map(String::as_str));
                    }
                    _ => {}
                }
            }
        }
        for p in crate::detect::parse::PARSERS {
            globs.extend(p.globs);
        }
        globs.sort_unstable();
        globs.dedup();
        let fast = Globs::new(&globs).unwrap();
        let mut b = GlobSetBuilder::new();
        for g in &globs {
            b.add(compile_glob(g).unwrap());
        }
        let set = b.build().unwrap();
        let mut paths = probes(&globs);
        for e in ignore::WalkBuilder::new("fixtures").hidden(false).build() {
            let e = e.unwrap();
            if let Ok(rel) = e.path().strip_prefix("fixtures") {
                paths.push(rel.to_string_lossy().replace('\\', "/"));
            }
        }
        let mut matched = 0;
        for p in &paths {
            let want = set.matches(p.as_str());
            assert_eq!(fast.matches(p), want, "{p}");
            matched += usize::from(!want.is_empty());
        }
        assert!(
            matched > 1000,
            "only {matched} of {} paths matched",
            paths.len()
        );
    }

    #[test]
    fn plain_globs_match_segment_by_segment() {
        let m = |g: &str, p: &str| {
            let segs = segments(compile_glob(g).unwrap().glob()).unwrap();
            segments_match(&segs, &p.split('/').collect::<Vec<_>>())
        };
        assert!(m("*pipeline*.yml", "a/b/my_pipeline_v2.yml"));
        assert!(m("*pipeline*.yml", "pipeline.yml"));
        assert!(!m("*pipeline*.yml", "pipeline/x.yml"));
        assert!(m("**/api/**/*.py", "api/x.py"));
        assert!(m("**/api/**/*.py", "src/api/v1/x.py"));
        assert!(!m("**/api/**/*.py", "src/apis/x.py"));
        assert!(m("conf/**", "conf/a/b"));
        assert!(!m("conf/**", "conf"));
        assert!(m(".github/workflows/*.yml", ".github/workflows/ci.yml"));
        assert!(!m(".github/workflows/*.yml", ".github/workflows/a/ci.yml"));
        assert!(m("*_robust*_test.py", "x_robust_test.py"));
        assert!(!m("a*a", "a"));
        let pattern = |g: &str| compile_glob(g).unwrap().glob().to_string();
        assert_eq!(segments(&pattern("models/v[0-9]*/*.pkl")), None);
        assert_eq!(segments(&pattern("a/**b/c")), None);
    }

    #[test]
    fn pieces_every_match_contains() {
        assert_eq!(required_piece("**/serving/**/*.py"), "serving");
        assert_eq!(required_piece(".github/workflows/*.yml"), "workflows");
        assert_eq!(required_piece("*model*[-_.]v[0-9]*.{pkl,onnx}"), "model");
        assert_eq!(required_piece("a\\*b"), "");
    }
}
