//! Literal gates: for each regex signal, groups of literals such that every match contains a
//! literal of each group. A signal whose pattern and `also` patterns all have their groups met
//! in a file can possibly match; the others are skipped without running (the engine finds the
//! literals of a whole kind of file in one automaton pass, see `signals`). A run of small pieces
//! expands into its strings (`["']k6`, `@(app|bp)\.get\(`) when there are at most 64 of them.
//! Patterns without a usable literal (shorter than three bytes, or under a `*`) have no group
//! and always run.
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
pub(crate) fn group_strength(alts: &Alts) -> usize {
    alts.iter().map(|l| strength(l)).min().unwrap_or(0)
}

fn shortest(alts: &Alts) -> usize {
    alts.iter().map(Vec::len).min().unwrap_or(0)
}

/// Most strings a run of exact pieces may expand to: `@(app|bp)\.(get|post)\(` becomes four
/// literals (`@app.get(`...), each far more selective than `get` alone.
const MAX_EXACT: usize = 64;

/// Distinct bytes a class may match and still count as a few alternative literals.
const MAX_CLASS_BYTES: usize = 4;

/// The bytes of a small class, lowercased and deduplicated (`["']` is two bytes, `[Mm]` one).
fn small_class(h: &Hir) -> Option<Vec<u8>> {
    let ranges: Vec<(u32, u32)> = match h.kind() {
        HirKind::Class(Class::Bytes(c)) => c
            .ranges()
            .iter()
            .map(|r| (u32::from(r.start()), u32::from(r.end())))
            .collect(),
        HirKind::Class(Class::Unicode(c)) => c
            .ranges()
            .iter()
            .map(|r| (u32::from(r.start()), u32::from(r.end())))
            .collect(),
        _ => return None,
    };
    if ranges.iter().map(|&(a, b)| b - a + 1).sum::<u32>() > 2 * MAX_CLASS_BYTES as u32 {
        return None;
    }
    let mut bytes: Vec<u8> = Vec::new();
    for (a, b) in ranges {
        for c in a..=b {
            let c = u8::try_from(c).ok().filter(u8::is_ascii)?;
            bytes.push(c.to_ascii_lowercase());
        }
    }
    bytes.sort_unstable();
    bytes.dedup();
    (bytes.len() <= MAX_CLASS_BYTES).then_some(bytes)
}

/// Every string `h` can match, lowercased, when they are few: literals, small classes, and
/// alternations and concatenations of them. Zero-width assertions match the empty string.
fn exact(h: &Hir) -> Option<Vec<Vec<u8>>> {
    let set = match h.kind() {
        HirKind::Empty | HirKind::Look(_) => vec![Vec::new()],
        HirKind::Literal(l) => vec![l.0.iter().map(u8::to_ascii_lowercase).collect()],
        HirKind::Class(_) => small_class(h)?.into_iter().map(|b| vec![b]).collect(),
        HirKind::Capture(c) => exact(&c.sub)?,
        HirKind::Repetition(r) if r.min == 1 && r.max == Some(1) => exact(&r.sub)?,
        // `a?`: without it, or with it.
        HirKind::Repetition(r) if r.min == 0 && r.max == Some(1) => {
            let mut set = exact(&r.sub)?;
            set.push(Vec::new());
            set
        }
        HirKind::Alternation(branches) => {
            let mut all = Vec::new();
            for b in branches {
                all.extend(exact(b)?);
                if all.len() > MAX_EXACT {
                    return None;
                }
            }
            all
        }
        HirKind::Concat(items) => {
            let mut run = vec![Vec::new()];
            for item in items {
                run = cross(&run, &exact(item)?)?;
            }
            run
        }
        HirKind::Repetition(_) => return None,
    };
    let mut set = set;
    set.sort();
    set.dedup();
    Some(set)
}

/// Every string of `a` followed by every string of `b`, if there are at most [`MAX_EXACT`].
fn cross(a: &[Vec<u8>], b: &[Vec<u8>]) -> Option<Vec<Vec<u8>>> {
    if a.len() * b.len() > MAX_EXACT {
        return None;
    }
    Some(
        a.iter()
            .flat_map(|x| {
                b.iter().map(move |y| {
                    let mut s = x.clone();
                    s.extend_from_slice(y);
                    s
                })
            })
            .collect(),
    )
}

/// The groups every match of an alternation meets, whichever branch it takes: the j-th is the
/// union of each branch's j-th strongest group (its weakest, when it has fewer). For
/// `MLFLOW_TRACKING_URI|mlflow\s+server` that is `{mlflow_tracking_uri, server}` and
/// `{mlflow_tracking_uri, mlflow}`: a file with `server` and no `mlflow` stays shut. None when
/// some branch has no group.
fn alternation_groups(branches: &[Hir]) -> Vec<Alts> {
    let mut per: Vec<Vec<Alts>> = Vec::new();
    for b in branches {
        let mut gs = groups(b);
        if gs.is_empty() {
            return Vec::new();
        }
        // Of equally strong groups, the later one first (the pattern's more specific tail).
        gs.reverse();
        gs.sort_by_key(|g| (std::cmp::Reverse(group_strength(g)), g.len()));
        per.push(gs);
    }
    let most = per.iter().map(Vec::len).max().unwrap_or(0).min(MAX_GROUPS);
    (0..most)
        .map(|j| {
            per.iter()
                .flat_map(|gs| gs[j.min(gs.len() - 1)].iter().cloned())
                .collect()
        })
        .collect()
}

/// Every literal group a match of `h` must meet: all of a concatenation's literal runs, and
/// an alternation's groups (see [`alternation_groups`]).
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
        HirKind::Alternation(branches) => alternation_groups(branches),
        HirKind::Concat(items) => {
            // Runs of exact pieces are expanded into their strings; any other piece ends the
            // run and adds its own groups.
            let mut out: Vec<Alts> = Vec::new();
            let mut run: Alts = vec![Vec::new()];
            let flush = |run: &mut Alts, out: &mut Vec<Alts>| {
                let g = std::mem::replace(run, vec![Vec::new()]);
                if usable(&g) {
                    out.push(g);
                }
            };
            for item in items {
                if let Some(set) = exact(item) {
                    if let Some(longer) = cross(&run, &set) {
                        run = longer;
                        continue;
                    }
                    flush(&mut run, &mut out);
                    run = set;
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
            lits(r"(?i)\bDataDrift(Preset|Table)"),
            Some(vec!["datadriftpreset".into(), "datadrifttable".into()])
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
            vec![vec!["\"k6lib".to_string(), "'k6lib".into()]]
        );
        assert_eq!(
            all(r"^\s*(?:from|import)\s+sagemaker\b.*\bEstimatorX\("),
            vec![vec!["estimatorx(".to_string()], vec!["sagemaker".into()]]
        );
        assert_eq!(
            all(r"kind: (?:Seldon|Model)\n+apiVersion: v1"),
            vec![
                vec!["apiversion: v1".to_string()],
                vec!["kind: model".into(), "kind: seldon".into()]
            ]
        );
        assert!(all(r"a|bc").is_empty());
    }

    #[test]
    fn an_alternation_keeps_a_group_per_rank_of_its_branches_groups() {
        assert_eq!(
            all(r#"MLFLOW_TRACKING_URI|\bmlflow["',\s]+server\b"#),
            vec![
                vec!["mlflow_tracking_uri".to_string(), "server".into()],
                vec!["mlflow".to_string(), "mlflow_tracking_uri".into()],
            ]
        );
        // A branch with one group gives it to every rank.
        assert_eq!(
            all(r"kubeflow|pipelines\.kubeflow\.org/\w+ sdk_version"),
            vec![
                vec!["kubeflow".to_string(), "pipelines.kubeflow.org/".into()],
                vec![" sdk_version".to_string(), "kubeflow".into()],
            ]
        );
    }

    #[test]
    fn small_alternations_expand_into_longer_literals() {
        assert_eq!(
            lits(r"@(app|bp)\.(get|put)\("),
            Some(vec![
                "@app.get(".to_string(),
                "@app.put(".into(),
                "@bp.get(".into(),
                "@bp.put(".into()
            ])
        );
        assert_eq!(
            lits(r#"["']models:/[\w.-]+"#),
            Some(vec!["\"models:/".to_string(), "'models:/".into()])
        );
        // Too many strings: the run ends and the next piece starts a new one.
        let many = format!("(?:{})(?:{})x", "a|b|c|d|e|f|g|h|i", "k|l|m|n|o|p|q|r|s");
        assert_eq!(lits(&many), None);
        assert_eq!(
            lits(r"\bv(?:1|2)beta\b"),
            Some(vec!["v1beta".to_string(), "v2beta".into()])
        );
        // An optional piece is there or not.
        assert_eq!(
            lits(r"\bs3a?://[a-z0-9]"),
            Some(vec!["s3://".to_string(), "s3a://".into()])
        );
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
