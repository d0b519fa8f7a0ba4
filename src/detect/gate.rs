//! Literal gates: for each regex signal, groups of literals such that every match contains a
//! literal of each group. A signal whose pattern and `also` patterns all have their groups met
//! in a file can possibly match; the others are skipped without running. One Aho-Corasick pass
//! over a file meets the groups of every signal at once. Patterns without a usable literal
//! (shorter than three bytes, or under a `*`) have no group and always run.
//!
//! Literals are compared ASCII case-insensitively: a gate may pass a file the pattern then
//! rejects, never the reverse.

use regex_syntax::hir::{Class, Hir, HirKind};

/// Shortest literal worth gating on.
const MIN_LEN: usize = 3;

/// A set of alternative literals, one of which every match contains.
pub(crate) type Alts = Vec<Vec<u8>>;

/// Groups kept per pattern: the strongest few gate nearly as well as all of them, and each
/// group's literals cost a little on every file scanned.
const MAX_GROUPS: usize = 3;

/// Weakest strength of a group kept beside the strongest: shorter literals and common words
/// (`def`, `from`, `://`) occur in nearly every file and only slow the search down.
const MIN_EXTRA_LEN: usize = 5;

/// The single byte a node matches, lowercased, if it matches exactly one letter (in either
/// case) or one byte.
fn single_byte(h: &Hir) -> Option<u8> {
    match h.kind() {
        HirKind::Literal(l) if l.0.len() == 1 => Some(l.0[0].to_ascii_lowercase()),
        HirKind::Class(Class::Bytes(c)) => {
            let ranges: Vec<(u8, u8)> = c.ranges().iter().map(|r| (r.start(), r.end())).collect();
            byte_set(&ranges)
        }
        HirKind::Class(Class::Unicode(c)) => {
            let ranges: Vec<(u8, u8)> = c
                .ranges()
                .iter()
                .map(|r| {
                    (
                        u8::try_from(u32::from(r.start())).ok(),
                        u8::try_from(u32::from(r.end())).ok(),
                    )
                })
                .map(|(a, b)| Some((a?, b?)))
                .collect::<Option<Vec<_>>>()?;
            byte_set(&ranges)
        }
        _ => None,
    }
}

/// One byte, or one ASCII letter in both cases.
fn byte_set(ranges: &[(u8, u8)]) -> Option<u8> {
    let bytes: Vec<u8> = ranges
        .iter()
        .flat_map(|&(a, b)| (a..=b).collect::<Vec<_>>())
        .collect();
    match bytes.as_slice() {
        [b] => Some(b.to_ascii_lowercase()),
        [a, b] if a.eq_ignore_ascii_case(b) => Some(a.to_ascii_lowercase()),
        _ => None,
    }
}

/// Words nearly every source or configuration file contains: as a gate they let almost every
/// file through, so a group made of one ranks below any other.
const COMMON: &[&str] = &[
    "and",
    "class",
    "config",
    "create",
    "data",
    "def",
    "env",
    "false",
    "file",
    "for",
    "from",
    "get",
    "http",
    "https",
    "image",
    "import",
    "init",
    "input",
    "job",
    "jobs",
    "kind",
    "list",
    "load",
    "main",
    "model",
    "models",
    "name",
    "none",
    "null",
    "open",
    "output",
    "path",
    "pipeline",
    "pipelines",
    "put",
    "read",
    "require",
    "return",
    "run",
    "save",
    "self",
    "set",
    "spec",
    "step",
    "steps",
    "string",
    "test",
    "the",
    "train",
    "true",
    "type",
    "uses",
    "value",
    "version",
    "with",
    "write",
];

/// How selective a literal is: its length, or 1 for a common word (whatever punctuation
/// surrounds it).
fn strength(l: &[u8]) -> usize {
    let core: &[u8] = {
        let start = l
            .iter()
            .position(u8::is_ascii_alphanumeric)
            .unwrap_or(l.len());
        let end = l
            .iter()
            .rposition(u8::is_ascii_alphanumeric)
            .map_or(start, |i| i + 1);
        &l[start..end.max(start)]
    };
    if core.is_empty() || COMMON.iter().any(|w| w.as_bytes() == core) {
        1
    } else {
        l.len()
    }
}

/// A group is as selective as its weakest literal.
fn group_strength(alts: &Alts) -> usize {
    alts.iter().map(|l| strength(l)).min().unwrap_or(0)
}

fn shortest(alts: &Alts) -> usize {
    alts.iter().map(Vec::len).min().unwrap_or(0)
}

/// Literals one of which every match of `h` contains, or `None` when there are none usable.
fn required(h: &Hir) -> Option<Alts> {
    match h.kind() {
        HirKind::Alternation(branches) => {
            let mut all = Vec::new();
            for b in branches {
                all.extend(required(b)?);
            }
            Some(all)
        }
        _ => strongest(groups(h)),
    }
}

/// The group whose weakest literal is strongest: the most selective single gate.
fn strongest(groups: Vec<Alts>) -> Option<Alts> {
    groups
        .into_iter()
        .max_by_key(|g| (group_strength(g), std::cmp::Reverse(g.len())))
}

/// Every literal group a match of `h` must meet: all of a concatenation's literal runs, each
/// branch's strongest group for an alternation.
fn groups(h: &Hir) -> Vec<Alts> {
    let usable = |g: &Alts| shortest(g) >= MIN_LEN;
    match h.kind() {
        HirKind::Literal(l) => {
            let lit: Vec<u8> = l.0.iter().map(u8::to_ascii_lowercase).collect();
            let g = vec![lit];
            if usable(&g) {
                vec![g]
            } else {
                Vec::new()
            }
        }
        HirKind::Capture(c) => groups(&c.sub),
        HirKind::Repetition(r) if r.min >= 1 => groups(&r.sub),
        HirKind::Alternation(_) => required(h).into_iter().collect(),
        HirKind::Concat(items) => {
            let mut out: Vec<Alts> = Vec::new();
            let mut run: Vec<u8> = Vec::new();
            let flush = |run: &mut Vec<u8>, out: &mut Vec<Alts>| {
                let g = vec![std::mem::take(run)];
                if usable(&g) {
                    out.push(g);
                }
            };
            for item in items {
                if let Some(b) = single_byte(item) {
                    run.push(b);
                    continue;
                }
                if let HirKind::Literal(l) = item.kind() {
                    run.extend(l.0.iter().map(u8::to_ascii_lowercase));
                    continue;
                }
                flush(&mut run, &mut out);
                out.extend(groups(item));
            }
            flush(&mut run, &mut out);
            out
        }
        _ => Vec::new(),
    }
}

/// The gate of a parsed pattern: up to [`MAX_GROUPS`] groups of lowercased literals, every
/// match containing one literal of each group, strongest first. Empty when there is none.
pub(crate) fn groups_of(hir: &Hir) -> Vec<Alts> {
    let mut gs: Vec<Alts> = groups(hir)
        .into_iter()
        .map(|mut g| {
            g.sort();
            g.dedup();
            g
        })
        // Too many alternatives make the gate slower than the pattern.
        .filter(|g| g.len() <= 64)
        .collect();
    gs.sort_by_key(|g| (std::cmp::Reverse(group_strength(g)), g.len()));
    gs.dedup();
    let mut kept: Vec<Alts> = Vec::new();
    for g in gs {
        if kept.is_empty() || (group_strength(&g) >= MIN_EXTRA_LEN && kept.len() < MAX_GROUPS) {
            kept.push(g);
        }
    }
    kept
}

/// The modules of a pattern that matches only an import statement of them, as detectors write
/// it: `^[ \t]*(?:from|import)\s+mod\b` or `^\s*(?:import|from)\s+(?:a|b\.c)\b`.
pub(crate) fn import_modules(pattern: &str) -> Option<Vec<String>> {
    let rest = pattern.strip_prefix('^')?;
    let rest = rest
        .strip_prefix(r"\s*")
        .or_else(|| rest.strip_prefix(r"[ \t]*"))
        .unwrap_or(rest);
    let rest = [
        "(?:from|import)",
        "(?:import|from)",
        "(from|import)",
        "(import|from)",
    ]
    .iter()
    .find_map(|k| rest.strip_prefix(k))?;
    let rest = rest.strip_prefix(r"\s+")?.strip_suffix(r"\b")?;
    // A list of names needs its group: `\s+a|b\b` would be a different pattern.
    let names = match rest.strip_prefix("(?:").or_else(|| rest.strip_prefix('(')) {
        Some(inner) => inner.strip_suffix(')')?,
        None if rest.contains('|') => return None,
        None => rest,
    };
    let module = |n: &str| -> Option<String> {
        let dotted = n.replace(r"\.", ".");
        let ok = !dotted.is_empty()
            && dotted.split('.').all(|p| {
                !p.is_empty() && p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
            });
        ok.then_some(dotted)
    };
    names.split('|').map(module).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(p: &str) -> Vec<Vec<String>> {
        let hir = regex_syntax::ParserBuilder::new()
            .unicode(false)
            .utf8(false)
            .multi_line(true)
            .build()
            .parse(p)
            .unwrap();
        groups_of(&hir)
            .into_iter()
            .map(|g| {
                g.into_iter()
                    .map(|l| String::from_utf8(l).unwrap())
                    .collect()
            })
            .collect()
    }

    /// The strongest group alone.
    fn lits(p: &str) -> Option<Vec<String>> {
        all(p).into_iter().next()
    }

    #[test]
    fn finds_required_literals() {
        assert_eq!(
            lits(r"mlflow\.register_model\("),
            Some(vec!["mlflow.register_model(".into()])
        );
        assert_eq!(
            lits(r"^[ \t]*(?:import|from)\s+mlflow\b"),
            Some(vec!["mlflow".into()])
        );
        assert_eq!(
            lits(r#"["']models:/[\w.-]+"#),
            Some(vec!["models:/".into()])
        );
        assert_eq!(
            lits(r"(?i)\bDataDrift(Preset|Table)"),
            Some(vec!["datadrift".into()])
        );
        assert_eq!(
            lits(r"torch\.cuda|\.to\(.cuda"),
            Some(vec!["cuda".into(), "torch.cuda".into()])
        );
    }

    #[test]
    fn every_required_run_is_a_group() {
        assert_eq!(
            all(r#"^[ \t]*import\b.*\bfrom\s+["']k6lib\b"#),
            vec![vec!["k6lib".to_string()]]
        );
        assert_eq!(
            all(r"^\s*(?:from|import)\s+sagemaker\b.*\bEstimatorX\("),
            vec![vec!["estimatorx(".to_string()], vec!["sagemaker".into()]]
        );
        assert_eq!(
            all(r"kind: (?:Seldon|Model)\n+apiVersion: v1"),
            vec![vec!["apiversion: v1".to_string()]]
        );
        assert!(all(r"a|bc").is_empty());
    }

    #[test]
    fn common_words_rank_below_rarer_literals() {
        assert_eq!(
            lits(r#"\brequire\(\s*(?:"k6|'k6)"#),
            Some(vec!["\"k6".to_string(), "'k6".into()])
        );
        assert_eq!(
            lits(r"\bimport\s+(?:x|y)\b"),
            Some(vec!["import".to_string()])
        );
    }

    #[test]
    fn no_gate_without_a_required_literal() {
        assert_eq!(lits(r"\w+\.predict\("), Some(vec![".predict(".into()]));
        assert_eq!(lits(r"a|bc"), None);
        assert_eq!(lits(r"(?:foo)?\d+"), None);
        assert_eq!(lits(r"x*"), None);
    }
}
