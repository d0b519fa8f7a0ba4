//! Literal gates: for each regex signal, a few literals of which every match must contain one.
//! One Aho-Corasick pass over a file tells which signals can possibly match, so a file is
//! scanned once for all gates instead of once per pattern. Patterns without a usable literal
//! (shorter than three bytes, or under a `*`) have no gate and always run.
//!
//! Literals are compared ASCII case-insensitively: a gate may pass a file the pattern then
//! rejects, never the reverse.

use regex_syntax::hir::{Class, Hir, HirKind};

/// Shortest literal worth gating on.
const MIN_LEN: usize = 3;

/// A set of alternative literals, one of which every match contains.
type Alts = Vec<Vec<u8>>;

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

fn shortest(alts: &Alts) -> usize {
    alts.iter().map(Vec::len).min().unwrap_or(0)
}

/// Literals one of which every match of `h` contains, or `None` when there are none usable.
fn required(h: &Hir) -> Option<Alts> {
    match h.kind() {
        HirKind::Literal(l) => {
            let lit: Vec<u8> = l.0.iter().map(u8::to_ascii_lowercase).collect();
            (lit.len() >= MIN_LEN).then(|| vec![lit])
        }
        HirKind::Capture(c) => required(&c.sub),
        HirKind::Repetition(r) if r.min >= 1 => required(&r.sub),
        HirKind::Alternation(branches) => {
            let mut all = Vec::new();
            for b in branches {
                all.extend(required(b)?);
            }
            Some(all)
        }
        HirKind::Concat(items) => {
            let mut best: Option<Alts> = None;
            let mut run: Vec<u8> = Vec::new();
            let consider = |cand: Alts, best: &mut Option<Alts>| {
                if shortest(&cand) >= MIN_LEN
                    && best.as_ref().is_none_or(|b| shortest(&cand) > shortest(b))
                {
                    *best = Some(cand);
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
                if !run.is_empty() {
                    consider(vec![std::mem::take(&mut run)], &mut best);
                }
                if let Some(sub) = required(item) {
                    consider(sub, &mut best);
                }
            }
            if !run.is_empty() {
                consider(vec![run], &mut best);
            }
            best
        }
        _ => None,
    }
}

/// The gate of a parsed pattern: lowercased literals, one of which every match contains.
pub(crate) fn literals_of(hir: &Hir) -> Option<Vec<Vec<u8>>> {
    let mut alts = required(hir)?;
    alts.sort();
    alts.dedup();
    // Too many alternatives make the gate slower than the pattern.
    (alts.len() <= 64).then_some(alts)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn literals(pattern: &str) -> Option<Vec<Vec<u8>>> {
        let hir = regex_syntax::ParserBuilder::new()
            .unicode(false)
            .utf8(false)
            .multi_line(true)
            .build()
            .parse(pattern)
            .ok()?;
        literals_of(&hir)
    }

    fn lits(p: &str) -> Option<Vec<String>> {
        literals(p).map(|v| {
            v.into_iter()
                .map(|l| String::from_utf8(l).unwrap())
                .collect()
        })
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
            Some(vec![".to(".into(), "torch.cuda".into()])
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
