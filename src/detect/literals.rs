//! Which of many short literals occur in a text, ignoring ASCII case: the automaton a gate
//! family runs over each file before any regex does.
//!
//! It is a plain Aho-Corasick automaton made deterministic: a trie of the literals whose
//! missing transitions are filled from the failure links, one row of next states per state,
//! indexed by byte class. Built directly as a dense table, it costs a few instructions per
//! table entry, a tenth of a general-purpose builder's cost, which is what lets a scan build
//! its automata on first need instead of searching literal by literal until one pays off.
//! The table has a fixed power-of-two size and is indexed through a mask, which spares the
//! loop a bounds check per byte; a literal set too large for it is split across several
//! automata. The mask also drops the top bit of a state, which marks the states that are no
//! match: one `and` of four lanes' states tells whether any of them matched.

/// A state, premultiplied by the number of byte classes: the index of its row, with
/// [`NO_MATCH`] set if no literal ends there.
pub(crate) type State = u32;

/// The bit of a [`State`] that says no literal ends there; above every table index.
const NO_MATCH: State = 1 << 31;

/// A trie entry with no child yet.
const NONE: u32 = u32::MAX;

/// Files at least this long are searched as [`LANES`] interleaved stretches.
const LANED: usize = 4096;

/// Stretches of a file one search walks at once. Each step waits for the load of its next
/// state; walking four independent stretches in one loop overlaps those waits.
const LANES: usize = 4;

/// Entries of an automaton's table: 4 MiB of address space, of which only the rows in use are
/// ever touched.
const TABLE: usize = 1 << 20;

/// Longest literal looked for whole: its states times at most 231 byte classes (256 bytes less
/// 26 folded letters, plus the class of the rest) fit one table.
const LONGEST: usize = 4096;

pub(crate) struct Literals {
    /// One automaton, or several over disjoint parts of a literal set too large for one.
    parts: Vec<Part>,
    /// Length of the longest literal.
    longest: usize,
    /// Literals that are empty, and so occur everywhere.
    empty: Vec<u32>,
}

struct Part {
    /// Byte -> class: each byte that occurs in a literal (either case of a letter) has its
    /// own class, every other byte shares class 0.
    classes: [u8; 256],
    /// Number of classes: the length of a row.
    stride: usize,
    /// Row-major next states, premultiplied; rows past the last state are unused.
    trans: Box<[State; TABLE]>,
    start: State,
    /// Match state `s / stride` -> the literals that end there: `outputs[ends[i]..ends[i+1]]`.
    ends: Vec<u32>,
    outputs: Vec<u32>,
}

impl Literals {
    /// Builds the automaton of `literals` (matched ignoring ASCII case). A literal longer than
    /// [`LONGEST`] is looked for by its prefix of that length.
    pub(crate) fn new<'a>(literals: impl IntoIterator<Item = &'a [u8]>) -> Literals {
        let mut empty = Vec::new();
        let mut longest = 0;
        let mut rest = Vec::new();
        for (id, lit) in literals.into_iter().enumerate() {
            if lit.is_empty() {
                empty.push(id as u32);
            } else {
                let lit = &lit[..lit.len().min(LONGEST)];
                longest = longest.max(lit.len());
                rest.push((id as u32, lit));
            }
        }
        let mut parts = Vec::new();
        Part::build(&rest, &mut parts);
        Literals {
            parts,
            longest,
            empty,
        }
    }

    /// Marks in `found` (indexed as the literals were given) every literal that occurs in
    /// `hay`.
    pub(crate) fn search(&self, hay: &[u8], found: &mut [bool]) {
        for &e in &self.empty {
            found[e as usize] = true;
        }
        for part in &self.parts {
            part.search(hay, self.longest, found);
        }
    }
}

impl Part {
    /// Adds to `parts` the automata of `literals` (number, non-empty text): one, or, when
    /// its table would not fit, those of each half.
    fn build(literals: &[(u32, &[u8])], parts: &mut Vec<Part>) {
        if literals.is_empty() {
            return;
        }
        match Part::new(literals) {
            Some(part) => parts.push(part),
            None => {
                let (a, b) = literals.split_at(literals.len() / 2);
                Part::build(a, parts);
                Part::build(b, parts);
            }
        }
    }

    /// The automaton of `literals`; `None` if its table exceeds [`TABLE`] entries (more than
    /// one literal then).
    fn new(literals: &[(u32, &[u8])]) -> Option<Part> {
        let mut classes = [0u8; 256];
        let mut next_class = 1usize;
        for &b in literals.iter().flat_map(|(_, l)| l.iter()) {
            let b = b.to_ascii_lowercase();
            // Case folding leaves at most 230 distinct bytes: the count fits a `u8`.
            if classes[usize::from(b)] == 0 {
                classes[usize::from(b)] = next_class as u8;
                classes[usize::from(b.to_ascii_uppercase())] = next_class as u8;
                next_class += 1;
            }
        }
        let stride = next_class;
        let bytes: usize = literals.iter().map(|(_, l)| l.len()).sum();
        // One literal always fits (see `LONGEST`).
        if (bytes + 1) * stride > TABLE && literals.len() > 1 {
            return None;
        }
        // The trie, dense: node n's row is trans[n * stride..][..stride].
        let mut trans: Vec<u32> = vec![NONE; stride];
        let mut terminal: Vec<Vec<u32>> = vec![Vec::new()];
        for &(id, lit) in literals {
            let mut node = 0usize;
            for &b in lit {
                let at = node * stride + usize::from(classes[usize::from(b)]);
                node = if trans[at] == NONE {
                    let fresh = terminal.len();
                    trans[at] = fresh as u32;
                    trans.resize(trans.len() + stride, NONE);
                    terminal.push(Vec::new());
                    fresh
                } else {
                    trans[at] as usize
                };
            }
            terminal[node].push(id);
        }
        let nodes = terminal.len();
        // Failure links in breadth-first order; each row's missing entries are filled from
        // its failure state's row, which is complete by then.
        let mut fail = vec![0u32; nodes];
        let mut order: Vec<u32> = Vec::with_capacity(nodes);
        for entry in &mut trans[..stride] {
            match *entry {
                NONE => *entry = 0,
                child => {
                    fail[child as usize] = 0;
                    order.push(child);
                }
            }
        }
        let mut head = 0;
        while head < order.len() {
            let u = order[head] as usize;
            head += 1;
            let f = fail[u] as usize;
            for c in 0..stride {
                let via_fail = trans[f * stride + c];
                match trans[u * stride + c] {
                    NONE => trans[u * stride + c] = via_fail,
                    child => {
                        fail[child as usize] = via_fail;
                        order.push(child);
                    }
                }
            }
        }
        // A state's matches: its own literals and those of its failure chain. Parents come
        // before children in `order`, and a failure state is shallower, so it is done first.
        let mut out: Vec<Vec<u32>> = terminal;
        for &u in &order {
            let f = fail[u as usize] as usize;
            if f != 0 && !out[f].is_empty() {
                let inherited = out[f].clone();
                out[u as usize].extend(inherited);
            }
        }
        // Match states first.
        let mut new_id = vec![0u32; nodes];
        let mut ends = vec![0u32];
        let mut outputs = Vec::new();
        let mut next = 0u32;
        for (n, o) in out.iter().enumerate() {
            if !o.is_empty() {
                new_id[n] = next;
                next += 1;
                outputs.extend_from_slice(o);
                ends.push(outputs.len() as u32);
            }
        }
        let matches = next;
        for (n, o) in out.iter().enumerate() {
            if o.is_empty() {
                new_id[n] = next;
                next += 1;
            }
        }
        // Zeroed memory comes from the system untouched: only the rows written cost pages.
        let mut table: Box<[State; TABLE]> = vec![0 as State; TABLE]
            .into_boxed_slice()
            .try_into()
            .expect("a boxed slice of TABLE entries");
        let state = |n: usize| {
            let flag = if new_id[n] < matches { 0 } else { NO_MATCH };
            (new_id[n] * stride as u32) | flag
        };
        for (n, row) in trans.chunks_exact(stride).enumerate() {
            let at = new_id[n] as usize * stride;
            for (to, &from) in table[at..at + stride].iter_mut().zip(row) {
                *to = state(from as usize);
            }
        }
        Some(Part {
            classes,
            stride,
            trans: table,
            start: state(0),
            ends,
            outputs,
        })
    }

    /// [`Literals::search`] with this part's literals; `longest` is that of every part.
    /// Kept out of line: inlined into a large caller, its loop runs short of registers.
    #[inline(never)]
    fn search(&self, hay: &[u8], longest: usize, found: &mut [bool]) {
        if hay.len() < LANED {
            self.walk(self.start, hay, found);
            return;
        }
        // Lane k starts `longest - 1` bytes before its stretch: a literal that starts in one
        // stretch and ends in the next is then whole in one lane.
        let chunk = hay.len() / LANES;
        let lane = |k: usize| {
            let from = (k * chunk).saturating_sub(if k == 0 { 0 } else { longest - 1 });
            let to = if k + 1 == LANES {
                hay.len()
            } else {
                (k + 1) * chunk
            };
            &hay[from..to]
        };
        let lanes: [&[u8]; LANES] = std::array::from_fn(lane);
        let common = lanes.iter().map(|l| l.len()).min().unwrap_or(0);
        let [l0, l1, l2, l3] = lanes.map(|l| &l[..common]);
        let (mut s0, mut s1, mut s2, mut s3) = (self.start, self.start, self.start, self.start);
        for i in 0..common {
            s0 = self.next(s0, l0[i]);
            s1 = self.next(s1, l1[i]);
            s2 = self.next(s2, l2[i]);
            s3 = self.next(s3, l3[i]);
            // Unless every lane is in a state that is no match, some lane matched.
            if s0 & s1 & s2 & s3 & NO_MATCH == 0 {
                for s in [s0, s1, s2, s3] {
                    self.mark(s, found);
                }
            }
        }
        for (k, s) in [s0, s1, s2, s3].into_iter().enumerate() {
            self.walk(s, &lanes[k][common..], found);
        }
    }

    #[inline]
    fn next(&self, sid: State, b: u8) -> State {
        // Always inside the rows in use; the mask only tells the compiler so.
        self.trans[(sid as usize + usize::from(self.classes[usize::from(b)])) & (TABLE - 1)]
    }

    /// [`Part::search`] of one stretch, from state `sid`.
    fn walk(&self, mut sid: State, hay: &[u8], found: &mut [bool]) {
        for &b in hay {
            sid = self.next(sid, b);
            if sid & NO_MATCH == 0 {
                self.mark(sid, found);
            }
        }
    }

    /// Marks the literals that end at `sid`, if it is a match state.
    fn mark(&self, sid: State, found: &mut [bool]) {
        if sid & NO_MATCH == 0 {
            let i = sid as usize / self.stride;
            for &l in &self.outputs[self.ends[i] as usize..self.ends[i + 1] as usize] {
                found[l as usize] = true;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The literals of `lits` found in `hay`, the slow way.
    fn naive(lits: &[&[u8]], hay: &[u8]) -> Vec<bool> {
        let hay = hay.to_ascii_lowercase();
        lits.iter()
            .map(|l| {
                let l = l.to_ascii_lowercase();
                l.is_empty() || hay.windows(l.len()).any(|w| w == l.as_slice())
            })
            .collect()
    }

    fn found(lits: &[&[u8]], hay: &[u8]) -> Vec<bool> {
        let dfa = Literals::new(lits.iter().copied());
        let mut f = vec![false; lits.len()];
        dfa.search(hay, &mut f);
        f
    }

    #[test]
    fn finds_overlapping_nested_and_case_folded_literals() {
        let lits: [&[u8]; 7] = [b"he", b"she", b"his", b"hers", b"mlflow", b"flow", b"x"];
        assert_eq!(
            found(&lits, b"uSHErs and MLflow"),
            vec![true, true, false, true, true, true, false]
        );
        assert_eq!(found(&lits, b""), vec![false; 7]);
        assert_eq!(found(&[b"", b"a"], b"b"), vec![true, false]);
    }

    #[test]
    fn agrees_with_a_naive_search_on_random_texts_long_and_short() {
        // A small alphabet makes overlaps, failure chains and lane seams common.
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut rand = move |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        let alphabet = b"abcAB.-_ \n\x80";
        for round in 0..200 {
            let lits: Vec<Vec<u8>> = (0..=rand(30))
                .map(|_| {
                    (0..=rand(6))
                        .map(|_| alphabet[rand(alphabet.len() as u64) as usize])
                        .collect()
                })
                .collect();
            let refs: Vec<&[u8]> = lits.iter().map(Vec::as_slice).collect();
            let len = if round % 4 == 0 {
                5000 + rand(9000)
            } else {
                rand(300)
            };
            let hay: Vec<u8> = (0..len)
                .map(|_| alphabet[rand(alphabet.len() as u64) as usize])
                .collect();
            assert_eq!(found(&refs, &hay), naive(&refs, &hay), "round {round}");
        }
    }

    #[test]
    fn a_literal_set_too_large_for_one_table_is_split_and_still_found() {
        let mut seed = 7u64;
        let mut rand = move |n: u64| {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            (seed >> 33) % n
        };
        // 6,000 literals of 12 bytes from 180 byte values: about 72K states by 157 classes.
        let lits: Vec<Vec<u8>> = (0..6000)
            .map(|_| (0..12).map(|_| 60 + rand(180) as u8).collect())
            .collect();
        let refs: Vec<&[u8]> = lits.iter().map(Vec::as_slice).collect();
        assert!(Literals::new(refs.iter().copied()).parts.len() > 1);
        let mut hay: Vec<u8> = (0..20_000).map(|_| 60 + rand(180) as u8).collect();
        for (i, at) in [(17usize, 100usize), (2999, 9_000), (5999, 19_980)] {
            hay[at..at + 12].copy_from_slice(&lits[i]);
        }
        let got = found(&refs, &hay);
        assert_eq!(got, naive(&refs, &hay));
        assert!(got[17] && got[2999] && got[5999]);
        // A literal longer than LONGEST is looked for by its prefix.
        let long = vec![b'a'; LONGEST + 10];
        assert_eq!(found(&[&long], &vec![b'a'; LONGEST]), vec![true]);
    }

    #[test]
    fn laned_search_finds_literals_across_stretch_boundaries() {
        let lits: [&[u8]; 3] = [b"mlflow.log_m", b"kind: deploy", b"s3://"];
        let dfa = Literals::new(lits);
        for len in [LANED, LANED * 3 + 7] {
            let chunk = len / LANES;
            for (i, lit) in lits.iter().enumerate() {
                // Every placement that touches a boundary between two stretches, and the end.
                let ats = (1..LANES)
                    .flat_map(|k| (0..=lit.len()).map(move |back| k * chunk - back))
                    .chain([len - lit.len()]);
                for at in ats {
                    let mut hay = vec![b'x'; len];
                    hay[at..at + lit.len()].copy_from_slice(lit);
                    let mut found = vec![false; lits.len()];
                    dfa.search(&hay, &mut found);
                    let expect: Vec<bool> = (0..lits.len()).map(|j| j == i).collect();
                    assert_eq!(found, expect, "literal {i} at {at} of {len}");
                }
            }
        }
    }
}
