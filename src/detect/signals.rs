//! The signal engine: every detector signal compiled once into shared matchers, then applied
//! to each file of the inventory in parallel.
//!
//! In: the catalogue and one inventory entry. Out: hits (signal + evidence) and warnings for
//! that file. A file is read only when some signal needs its contents, and at most once.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use anyhow::Result;
use globset::{Glob, GlobBuilder};

use super::globs::Globs;
use super::literals::Literals;
use super::manifest::{self, ManifestKind};
use super::parse::{ParseFn, PySource};
use super::python;
use super::redact::snippet;
use super::spec::{Detector, Ecosystem, LazyRegex, Matcher};
use super::text;
use super::Evidence;
use crate::report::{Warning, WarningKind};
use crate::walk::FileEntry;

/// Identifies one signal: (detector index, signal index).
pub(crate) type SigRef = (u32, u32);

/// Matches of one signal in one file, at most this many lines each.
const MAX_LINES_PER_FILE: usize = 3;

/// Compiles a detector glob: without `/` it matches a file name at any depth; with `/` it is
/// anchored at the root. `*` never crosses `/`.
pub(crate) fn compile_glob(glob: &str) -> Result<Glob> {
    let pattern = if glob.contains('/') {
        glob.to_string()
    } else {
        format!("**/{glob}")
    };
    Ok(GlobBuilder::new(&pattern)
        .literal_separator(true)
        .backslash_escape(true)
        .build()?)
}

#[derive(Debug, Clone, Copy)]
enum GlobUse {
    Path,
    Regex,
    Parser(usize),
}

/// A plan's key: whether the file is Python, and the globs its path matches (which select
/// its regex signals).
type PlanKey = (bool, Vec<usize>);

/// One evidence-bearing match of a signal.
#[derive(Debug, Clone)]
pub(crate) struct Hit {
    pub sig: SigRef,
    pub evidence: Evidence,
}

/// What scanning one file produced.
#[derive(Debug, Default)]
pub(crate) struct FileResult {
    pub hits: Vec<Hit>,
    pub warnings: Vec<Warning>,
    /// `-r`/`-c` includes of a requirements file, resolved relative to the root.
    pub includes: Vec<String>,
    /// The file's contents were read.
    pub read: bool,
    /// Facts and capability hits from structured parsers, with the file's path.
    pub facts: Vec<super::parse::Fact>,
    pub parsed: Vec<(String, super::parse::ParsedHit)>,
}

/// All signals of a catalogue, compiled.
pub(crate) struct Engine<'d> {
    detectors: &'d [Detector],
    /// Each distinct glob once (detectors share `*.py`, `*.yml`...).
    globs: Globs,
    /// Distinct glob index -> the signals and parsers it feeds.
    glob_targets: Vec<Vec<(SigRef, GlobUse)>>,
    deps: HashMap<(Ecosystem, String), Vec<SigRef>>,
    go_prefixes: Vec<(String, SigRef)>,
    imports: HashMap<String, Vec<SigRef>>,
    /// The gate plan of each set of regex signals met so far (one per kind of file, roughly),
    /// by whether the file is Python.
    plans: Mutex<HashMap<PlanKey, Arc<OnceLock<Plan>>>>,
    /// The automaton family of each (Python, extension or extensionless name).
    families: Mutex<Families>,
    gates: OnceLock<Gates>,
    max_bytes: u64,
    /// Benchmark only: files are read and nothing else is done with them (see `new`).
    read_only: bool,
}

/// Every gate literal of the catalogue's regex signals, numbered once so that plans share
/// them.
struct Gates {
    /// The gate literals, cut to [`MAX_LITERAL`] bytes.
    literals: Vec<Vec<u8>>,
    /// Gate literal -> the number of its cut form.
    index: HashMap<Vec<u8>, usize>,
    /// Module of an import-only pattern -> its number.
    modules: HashMap<String, usize>,
    /// Each regex signal's gate, outside Python and in Python.
    signals: HashMap<SigRef, [Gated; 2]>,
}

impl Gates {
    fn new(detectors: &[Detector]) -> Gates {
        let mut index: HashMap<Vec<u8>, usize> = HashMap::new();
        let mut short_index: HashMap<Vec<u8>, usize> = HashMap::new();
        let mut literals: Vec<Vec<u8>> = Vec::new();
        let mut modules: HashMap<String, usize> = HashMap::new();
        for d in detectors {
            for s in &d.signals {
                let Matcher::Regex { pattern, also, .. } = &s.matcher else {
                    continue;
                };
                for m in std::iter::once(pattern)
                    .chain(also)
                    .filter_map(LazyRegex::imports)
                    .flatten()
                {
                    let next = modules.len();
                    modules.entry(m.clone()).or_insert(next);
                }
                for l in std::iter::once(pattern)
                    .chain(also)
                    .flat_map(LazyRegex::gate)
                    .flatten()
                {
                    if !index.contains_key(l) {
                        // A literal's prefix occurs wherever it does: a shorter one gates
                        // nearly as well and makes the automata smaller and quicker to build.
                        let short = &l[..l.len().min(MAX_LITERAL)];
                        let id = match short_index.get(short) {
                            Some(&id) => id,
                            None => {
                                short_index.insert(short.to_vec(), literals.len());
                                literals.push(short.to_vec());
                                literals.len() - 1
                            }
                        };
                        index.insert(l.clone(), id);
                    }
                }
            }
        }
        let mut gates = Gates {
            literals,
            index,
            modules,
            signals: HashMap::new(),
        };
        for (di, d) in detectors.iter().enumerate() {
            for (si, s) in d.signals.iter().enumerate() {
                if let Matcher::Regex { pattern, also, .. } = &s.matcher {
                    let r = (di as u32, si as u32);
                    let both = [false, true].map(|py| gate_signal(&gates, r, pattern, also, py));
                    gates.signals.insert(r, both);
                }
            }
        }
        gates
    }
}

/// Longest literal a gate looks for (see `Gates::new`).
const MAX_LITERAL: usize = 12;

/// Plans with at most this many primary literals look for each one on its own in the
/// lowercased file (a vectorised substring search) instead of running an automaton over it.
const SMALL_PLAN: usize = 16;

/// How a plan looks for its literals in one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route {
    /// Each literal on its own, in the lowercased file, when a signal needs it.
    Substrings,
    /// One pass of the family's automaton; literals it does not hold are looked for one at a
    /// time, when a signal needs them.
    Automaton,
}

/// The files of one extension (Python or not) share an automaton over the literals of that
/// extension's plain plan (those of signals not gated by imports): a plan for a special path
/// (a CI workflow) finds most of its literals there, and looks for the rest one at a time.
struct Family {
    /// Literal numbers, in the automaton's pattern order.
    literals: Vec<usize>,
    /// Built by the first file that needs it: a few instructions per table entry (see
    /// `literals`), less than searching a large file for each literal on its own.
    automaton: OnceLock<Literals>,
}

/// The families met so far, by kind of file and by literals.
#[derive(Default)]
struct Families {
    by_kind: HashMap<(bool, String), Arc<Family>>,
    by_literals: HashMap<Vec<usize>, Arc<Family>>,
}

impl Family {
    fn new(literals: Vec<usize>) -> Family {
        Family {
            literals,
            automaton: OnceLock::new(),
        }
    }

    /// The automaton over the family's literals.
    fn automaton(&self, gates: &Gates) -> &Literals {
        self.automaton.get_or_init(|| {
            Literals::new(self.literals.iter().map(|&l| gates.literals[l].as_slice()))
        })
    }
}

/// The regex signals that target one kind of file, with what a file must contain before their
/// patterns run.
struct Plan {
    signals: Vec<Gated>,
    /// Each of the plan's literals (by number, sorted) with its substring searcher; none when
    /// no signal has a literal group.
    finders: Vec<(usize, OnceLock<memchr::memmem::Finder<'static>>)>,
    /// The strongest group of each signal not gated by imports: every file searched needs
    /// these. The other groups are looked for only in files that meet them.
    primary: Vec<usize>,
    family: Arc<Family>,
}

/// Whether a file whose imported modules are `have` (by number) meets every module group of
/// a signal.
fn imports_met(g: &Gated, have: &[bool]) -> bool {
    g.imports.iter().all(|mods| mods.iter().any(|&m| have[m]))
}

/// A signal and what a file must contain before their patterns run.
#[derive(Clone)]
struct Gated {
    sig: SigRef,
    /// Literal groups (literal numbers), strongest first: one literal of each must occur.
    groups: Vec<Vec<usize>>,
    /// Python only: module groups (module numbers), one of each must be imported.
    imports: Vec<Vec<usize>>,
}

/// The strongest literal group of each signal not gated by imports, as sorted literal numbers.
fn primary_of(signals: &[Gated]) -> Vec<usize> {
    let mut primary: Vec<usize> = signals
        .iter()
        .filter(|g| g.imports.is_empty())
        .filter_map(|g| g.groups.first())
        .flatten()
        .copied()
        .collect();
    primary.sort_unstable();
    primary.dedup();
    primary
}

/// Which gate modules (by number) a file imports: each imported module and its parents
/// (`import a.b.c` also imports `a` and `a.b`).
fn modules_met(gates: &Gates, imports: &[python::Import]) -> Vec<bool> {
    let mut have = vec![false; gates.modules.len()];
    for imp in imports {
        let m = imp.module.as_str();
        let parents = m
            .char_indices()
            .filter(|&(_, c)| c == '.')
            .map(|(i, _)| &m[..i]);
        for name in std::iter::once(m).chain(parents) {
            if let Some(&i) = gates.modules.get(name) {
                have[i] = true;
            }
        }
    }
    have
}

/// The regex signals of `targets` with their gates. `python`: the file's imports are known,
/// so import-only `also` patterns gate by them.
fn gated(gates: &Gates, targets: &[SigRef], python: bool) -> Vec<Gated> {
    targets
        .iter()
        .filter_map(|r| gates.signals.get(r))
        .map(|g| g[usize::from(python)].clone())
        .collect()
}

/// A regex signal's gate, with its literals and modules numbered.
fn gate_signal(
    gates: &Gates,
    r: SigRef,
    pattern: &LazyRegex,
    also: &[LazyRegex],
    python: bool,
) -> Gated {
    let mut imports = Vec::new();
    let mut groups = Vec::new();
    for p in std::iter::once(pattern).chain(also) {
        if let (true, Some(mods)) = (python, p.imports()) {
            imports.push(mods.iter().map(|m| gates.modules[m]).collect());
            continue;
        }
        for alts in p.gate() {
            let ids = alts
                .iter()
                .filter_map(|l| gates.index.get(l).copied())
                .collect::<Vec<usize>>();
            groups.push((super::gate::group_strength(alts), ids));
        }
    }
    // Strongest first, across the pattern and its `also` patterns.
    groups.sort_by_key(|(strength, _)| std::cmp::Reverse(*strength));
    Gated {
        sig: r,
        groups: groups.into_iter().map(|(_, ids)| ids).collect(),
        imports,
    }
}

impl Plan {
    fn new(signals: Vec<Gated>, family: Arc<Family>) -> Plan {
        let mut local: Vec<usize> = signals
            .iter()
            .flat_map(|g| g.groups.iter().flatten().copied())
            .collect();
        local.sort_unstable();
        local.dedup();
        // A searcher is built when a file first needs its literal: most of a plan's literals
        // are settled by the family automaton and never need one.
        let finders = local.into_iter().map(|l| (l, OnceLock::new())).collect();
        let primary = primary_of(&signals);
        Plan {
            signals,
            finders,
            primary,
            family,
        }
    }

    /// The cheaper way to search a file for this plan's literals.
    fn route(&self) -> Route {
        if self.primary.len() <= SMALL_PLAN {
            Route::Substrings
        } else {
            Route::Automaton
        }
    }

    /// The signals that can match `hay`: those whose every literal group occurs in it and,
    /// in Python, whose every module group is imported (`have`, by module number).
    fn open<'p>(
        &'p self,
        gates: &'p Gates,
        hay: &'p [u8],
        have: &'p [bool],
    ) -> impl Iterator<Item = SigRef> + 'p {
        let route = self.needs_search(have).then(|| self.route());
        self.open_by(route, gates, hay, have)
    }

    /// Whether some signal with a literal group has its imports met: otherwise no signal
    /// can open on literals and the file need not be searched.
    fn needs_search(&self, have: &[bool]) -> bool {
        !self.finders.is_empty()
            && self
                .signals
                .iter()
                .any(|g| !g.groups.is_empty() && imports_met(g, have))
    }

    /// [`Plan::open`] with the search done by `route`; `None` when no search is needed.
    fn open_by<'p>(
        &'p self,
        route: Option<Route>,
        gates: &'p Gates,
        hay: &'p [u8],
        have: &'p [bool],
    ) -> impl Iterator<Item = SigRef> + 'p {
        // Per literal: whether it occurs, once known.
        let mut known: Vec<Option<bool>> = vec![None; gates.literals.len()];
        if route == Some(Route::Automaton) {
            let family = &self.family;
            if !family.literals.is_empty() {
                let mut found = vec![false; family.literals.len()];
                family.automaton(gates).search(hay, &mut found);
                for (&l, f) in family.literals.iter().zip(found) {
                    known[l] = Some(f);
                }
            }
        }
        let mut lower: Option<Vec<u8>> = None;
        // Literals not known yet are looked for in the lowercased file when a signal needs
        // them: after its stronger groups are met.
        let mut occurs = move |l: usize| -> bool {
            if let Some(k) = known[l] {
                return k;
            }
            let lower = lower.get_or_insert_with(|| hay.to_ascii_lowercase());
            let k = self
                .finders
                .binary_search_by_key(&l, |(id, _)| *id)
                .is_ok_and(|i| {
                    self.finders[i]
                        .1
                        .get_or_init(|| {
                            memchr::memmem::Finder::new(&gates.literals[l]).into_owned()
                        })
                        .find(lower)
                        .is_some()
                });
            known[l] = Some(k);
            k
        };
        self.signals.iter().filter_map(move |g| {
            // Without a search (route `None`) only signals without literal groups can open.
            let open = imports_met(g, have)
                && (route.is_some() || g.groups.is_empty())
                && g.groups.iter().all(|ls| ls.iter().any(|&l| occurs(l)));
            open.then_some(g.sig)
        })
    }
}

impl<'d> Engine<'d> {
    /// Compiles every signal of `detectors`. Files larger than `max_bytes` are not read.
    pub(crate) fn new(detectors: &'d [Detector], max_bytes: u64) -> Result<Self> {
        let mut glob_list: Vec<&'d str> = Vec::new();
        let mut glob_targets: Vec<Vec<(SigRef, GlobUse)>> = Vec::new();
        let mut glob_index: HashMap<&str, usize> = HashMap::new();
        let mut add_glob = |g: &'d str, target: (SigRef, GlobUse)| {
            let next = glob_index.len();
            let i = *glob_index.entry(g).or_insert(next);
            if i == next {
                glob_list.push(g);
                glob_targets.push(Vec::new());
            }
            glob_targets[i].push(target);
        };
        let mut deps: HashMap<(Ecosystem, String), Vec<SigRef>> = HashMap::new();
        let mut go_prefixes = Vec::new();
        let mut imports: HashMap<String, Vec<SigRef>> = HashMap::new();
        for (di, d) in detectors.iter().enumerate() {
            for (si, s) in d.signals.iter().enumerate() {
                let r: SigRef = (di as u32, si as u32);
                match &s.matcher {
                    Matcher::Path { globs } => {
                        for g in globs {
                            add_glob(g, (r, GlobUse::Path));
                        }
                    }
                    Matcher::Regex { files, .. } => {
                        for g in files {
                            add_glob(g, (r, GlobUse::Regex));
                        }
                    }
                    Matcher::Dependency {
                        packages,
                        ecosystem,
                    } => {
                        let ecos = match ecosystem {
                            Some(e) => vec![*e],
                            None => vec![Ecosystem::Python, Ecosystem::Npm, Ecosystem::Go],
                        };
                        for p in packages {
                            for &e in &ecos {
                                let name = manifest::normalize(e, p);
                                if e == Ecosystem::Go {
                                    go_prefixes.push((name.clone(), r));
                                }
                                deps.entry((e, name)).or_default().push(r);
                            }
                        }
                    }
                    Matcher::Import { modules } => {
                        for m in modules {
                            imports.entry(m.clone()).or_default().push(r);
                        }
                    }
                }
            }
        }
        // The benchmark script measures what the structured readers add by scanning once with
        // them and once without, and the floor of a scan by walking and reading the same files
        // without looking at them (`read_only`); nothing else sets these.
        let parsers = if std::env::var_os("MLOPS_CANVAS_BENCH_NO_PARSERS").is_some() {
            &[][..]
        } else {
            super::parse::PARSERS
        };
        for (pi, parser) in parsers.iter().enumerate() {
            for g in parser.globs {
                add_glob(g, ((u32::MAX, u32::MAX), GlobUse::Parser(pi)));
            }
        }
        Ok(Engine {
            plans: Mutex::new(HashMap::new()),
            families: Mutex::new(Families::default()),
            gates: OnceLock::new(),
            detectors,
            globs: Globs::new(&glob_list)?,
            glob_targets,
            deps,
            go_prefixes,
            imports,
            max_bytes,
            read_only: std::env::var_os("MLOPS_CANVAS_BENCH_READ_ONLY").is_some(),
        })
    }

    fn gates(&self) -> &Gates {
        self.gates.get_or_init(|| Gates::new(self.detectors))
    }

    /// The regex signals the matched globs select, sorted.
    fn regex_targets(&self, matched: &[usize]) -> Vec<SigRef> {
        let mut t: Vec<SigRef> = matched
            .iter()
            .flat_map(|&i| &self.glob_targets[i])
            .filter(|(_, u)| matches!(u, GlobUse::Regex))
            .map(|(r, _)| *r)
            .collect();
        t.sort_unstable();
        t.dedup();
        t
    }

    /// The gate plan of the regex signals of a file at `path` that matched `matched` globs,
    /// built on first use.
    fn plan(&self, path: &str, matched: Vec<usize>, python: bool) -> Arc<OnceLock<Plan>> {
        let key = (python, matched);
        let cell = {
            let mut plans = self
                .plans
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            Arc::clone(plans.entry(key.clone()).or_default())
        };
        // Built outside the map's lock: a thread needing another plan does not wait.
        cell.get_or_init(|| {
            let targets = self.regex_targets(&key.1);
            let signals = gated(self.gates(), &targets, python);
            Plan::new(signals, self.family(path, python))
        });
        cell
    }

    /// The family of a file: the files of its extension (or, without one, of its name),
    /// whose automaton holds the primary literals of a plain file of that kind.
    fn family(&self, path: &str, python: bool) -> Arc<Family> {
        let name = path.rsplit('/').next().unwrap_or(path);
        let probe = match name.rsplit_once('.') {
            Some((_, ext)) if !ext.is_empty() => format!("x.{}", ext.to_ascii_lowercase()),
            _ => name.to_string(),
        };
        let mut families = self
            .families
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let key = (python, probe);
        if let Some(f) = families.by_kind.get(&key) {
            return Arc::clone(f);
        }
        let targets = self.regex_targets(&self.globs.matches(&key.1));
        let signals = gated(self.gates(), &targets, python);
        // Every group, not only the strongest: a group met in many files (a YAML key) would
        // otherwise send each of them to look for the next group on its own.
        let mut literals: Vec<usize> = signals
            .iter()
            .filter(|g| g.imports.is_empty())
            .flat_map(|g| g.groups.iter().flatten().copied())
            .collect();
        literals.sort_unstable();
        literals.dedup();
        // `.yml` and `.yaml` files hold the same literals: one automaton serves both.
        let family = Arc::clone(
            families
                .by_literals
                .entry(literals)
                .or_insert_with_key(|l| Arc::new(Family::new(l.clone()))),
        );
        families.by_kind.insert(key, Arc::clone(&family));
        family
    }

    fn matcher(&self, r: SigRef) -> &Matcher {
        &self.detectors[r.0 as usize].signals[r.1 as usize].matcher
    }

    /// Scans one file of the inventory.
    pub(crate) fn scan_file(&self, entry: &FileEntry) -> FileResult {
        let mut res = FileResult::default();
        let mut has_regex = false;
        let mut parsers: Vec<usize> = Vec::new();
        let matched = self.globs.matches(&entry.path);
        for &(r, usage) in matched.iter().flat_map(|&idx| &self.glob_targets[idx]) {
            match usage {
                GlobUse::Path => res.hits.push(Hit {
                    sig: r,
                    evidence: Evidence {
                        path: entry.path.clone(),
                        line: None,
                        snippet: String::new(),
                    },
                }),
                GlobUse::Regex => has_regex = true,
                GlobUse::Parser(p) => parsers.push(p),
            }
        }
        let lower = entry.path.to_ascii_lowercase();
        let is_py = lower.ends_with(".py") || lower.ends_with(".pyw");
        let is_nb = lower.ends_with(".ipynb");
        let wants_imports = (is_py || is_nb) && !self.imports.is_empty();
        let manifest = manifest::kind_of(&entry.path);
        parsers.sort_unstable();
        parsers.dedup();
        if !has_regex && !wants_imports && manifest.is_none() && parsers.is_empty() {
            return res;
        }
        if entry.symlink {
            return res;
        }
        let Some(raw) = read_text(entry, self.max_bytes, &mut res.warnings) else {
            return res;
        };
        res.read = true;
        if self.read_only {
            return res;
        }
        // Python gets both masks, notebooks their code cells, others comment lines blanked.
        let nb = if is_nb {
            match python::notebook_code(&raw) {
                Ok(nb) => Some(nb),
                Err(why) => {
                    res.warnings
                        .push(Warning::new(&entry.path, WarningKind::Malformed, &why));
                    return res;
                }
            }
        } else {
            None
        };
        let source: &str = nb.as_ref().map_or(raw.as_str(), |n| n.code.as_str());
        let masked = if is_py || is_nb {
            Some(python::mask(source))
        } else {
            None
        };
        let is_md = lower.ends_with(".md") || lower.ends_with(".markdown");
        // Regex signals search the text without comments (Markdown: without code blocks).
        // Outside Python it is made only once some signal's gate opens on the raw text: a mask
        // only blanks bytes, so a gate met in the masked text is met in the raw text too.
        let commentless = std::cell::OnceCell::new();
        let searchable = || -> &str {
            match &masked {
                Some(m) => &m.no_comments,
                None => commentless
                    .get_or_init(|| {
                        if is_md {
                            text::mask_markdown_code(source)
                        } else {
                            text::mask_comment_lines(source, text::style_of(&entry.path))
                        }
                    })
                    .as_deref()
                    .unwrap_or(source),
            }
        };
        // The line table is built only as far as evidence needs it.
        // Masks keep every byte's place, so the source's line table cuts the masked text too.
        let lines = std::cell::RefCell::new(python::LineIndex::new(source));
        let raw_line = |virtual_line: u32| -> u32 {
            match &nb {
                Some(n) => n
                    .line_map
                    .get(virtual_line as usize - 1)
                    .copied()
                    .unwrap_or(1),
                None => virtual_line,
            }
        };
        let evidence = |line: u32| {
            let span = lines.borrow_mut().span(line);
            let text = source.get(span).unwrap_or("");
            Evidence {
                path: entry.path.clone(),
                line: Some(raw_line(line)),
                snippet: snippet(text.trim_end_matches(['\n', '\r'])),
            }
        };

        // Imports are listed once, for the gates, import signals and Python parsers alike.
        let imports: Vec<python::Import> = masked
            .as_ref()
            .map(|m| python::imports(&m.code_only))
            .unwrap_or_default();
        if has_regex {
            let gate_hay = masked
                .as_ref()
                .map_or(source, |m| m.no_comments.as_str())
                .as_bytes();
            let have = modules_met(self.gates(), &imports);
            let plan = self.plan(&entry.path, matched, masked.is_some());
            let plan = plan.get().expect("initialised by Engine::plan");
            for r in plan.open(self.gates(), gate_hay, &have) {
                let hay = searchable().as_bytes();
                let Matcher::Regex { pattern, also, .. } = self.matcher(r) else {
                    continue;
                };
                let (Some(pattern), Some(also)) = (
                    pattern.regex(),
                    also.iter()
                        .map(super::spec::LazyRegex::regex)
                        .collect::<Option<Vec<_>>>(),
                ) else {
                    continue;
                };
                // The first match runs the pattern's literal prefilter over the file; `also`
                // is checked only when the pattern matched.
                let mut matches = pattern.find_iter(hay).peekable();
                if matches.peek().is_none() || !also.iter().all(|a| a.is_match(hay)) {
                    continue;
                }
                let mut last_line = 0;
                let mut n = 0;
                for m in matches {
                    // A leading `\s*` may start the match on a blank line above: count the
                    // line from the first non-blank byte.
                    let lead = m
                        .as_bytes()
                        .iter()
                        .take_while(|b| b.is_ascii_whitespace())
                        .count();
                    let line = lines.borrow_mut().line_of((m.start() + lead).min(m.end()));
                    if line == last_line {
                        continue;
                    }
                    last_line = line;
                    res.hits.push(Hit {
                        sig: r,
                        evidence: evidence(line),
                    });
                    n += 1;
                    if n == MAX_LINES_PER_FILE {
                        break;
                    }
                }
            }
        }

        if wants_imports {
            let mut seen: Vec<SigRef> = Vec::new();
            for imp in &imports {
                // `a.b.c` is also an import of `a` and `a.b`.
                let mut prefixes = vec![imp.module.as_str()];
                for (i, c) in imp.module.char_indices() {
                    if c == '.' {
                        prefixes.push(&imp.module[..i]);
                    }
                }
                for p in prefixes {
                    if let Some(sigs) = self.imports.get(p) {
                        for &r in sigs {
                            let count = seen.iter().filter(|s| **s == r).count();
                            if count < MAX_LINES_PER_FILE {
                                seen.push(r);
                                res.hits.push(Hit {
                                    sig: r,
                                    evidence: evidence(imp.line),
                                });
                            }
                        }
                    }
                }
            }
        }

        if let Some(kind) = manifest {
            self.scan_manifest(kind, entry, &raw, &mut res);
        }
        for p in parsers {
            let parser = &super::parse::PARSERS[p];
            let out = match (parser.parse, &masked) {
                (ParseFn::Text(parse), _) => parse(&entry.path, &raw),
                (ParseFn::Python(parse), Some(m)) => {
                    let line_map = nb.as_ref().map(|n| n.line_map.as_slice());
                    parse(&entry.path, &PySource::new(source, m, &imports, line_map))
                }
                (ParseFn::Python(_), None) => continue,
            };
            res.facts.extend(out.facts);
            res.parsed
                .extend(out.hits.into_iter().map(|h| (entry.path.clone(), h)));
            for w in out.warnings {
                res.warnings.push(Warning::new(
                    &entry.path,
                    WarningKind::Malformed,
                    &format!("{}: {w}", parser.name),
                ));
            }
        }
        res
    }

    fn scan_manifest(
        &self,
        kind: ManifestKind,
        entry: &FileEntry,
        raw: &str,
        res: &mut FileResult,
    ) {
        match manifest::parse(kind, raw) {
            Ok(parsed) => {
                for dep in parsed.deps {
                    let mut sigs: Vec<SigRef> = self
                        .deps
                        .get(&(dep.ecosystem, dep.name.clone()))
                        .cloned()
                        .unwrap_or_default();
                    if dep.ecosystem == Ecosystem::Go {
                        for (prefix, r) in &self.go_prefixes {
                            if dep.name.starts_with(prefix.as_str())
                                && dep.name.as_bytes().get(prefix.len()) == Some(&b'/')
                            {
                                sigs.push(*r);
                            }
                        }
                    }
                    for r in sigs {
                        res.hits.push(Hit {
                            sig: r,
                            evidence: Evidence {
                                path: entry.path.clone(),
                                line: Some(dep.line),
                                snippet: snippet(&dep.snippet),
                            },
                        });
                    }
                }
                let dir = entry.path.rsplit_once('/').map_or("", |(d, _)| d);
                for inc in parsed.includes {
                    if let Some(p) = join_relative(dir, &inc) {
                        res.includes.push(p);
                    }
                }
            }
            Err(why) => res
                .warnings
                .push(Warning::new(&entry.path, WarningKind::Malformed, &why)),
        }
    }

    /// Scans a file named by a `-r` include as a requirements file, whatever its name.
    pub(crate) fn scan_included_requirements(&self, entry: &FileEntry) -> FileResult {
        let mut res = FileResult::default();
        if entry.symlink {
            return res;
        }
        if let Some(raw) = read_text(entry, self.max_bytes, &mut res.warnings) {
            res.read = true;
            self.scan_manifest(ManifestKind::Requirements, entry, &raw, &mut res);
        }
        res
    }
}

/// Joins a relative include path to a directory, refusing to leave the root.
fn join_relative(dir: &str, rel: &str) -> Option<String> {
    if rel.starts_with('/') || rel.contains("://") {
        return None;
    }
    let mut parts: Vec<&str> = if dir.is_empty() {
        Vec::new()
    } else {
        dir.split('/').collect()
    };
    for p in rel.split('/') {
        match p {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    Some(parts.join("/"))
}

/// Reads a file as text. Files over `max_bytes`, binary files (a NUL byte early on) and
/// unreadable files become warnings; invalid UTF-8 is decoded lossily with a warning.
fn read_text(entry: &FileEntry, max_bytes: u64, warnings: &mut Vec<Warning>) -> Option<String> {
    use std::io::Read;
    let unreadable = |e: std::io::Error| {
        Warning::new(
            &entry.path,
            WarningKind::Unreadable,
            &format!("cannot be read: {e}"),
        )
    };
    // The size comes from the open file: the walk does not stat files it may never read.
    let read = std::fs::File::open(&entry.fs_path).and_then(|mut f| {
        let size = f.metadata()?.len();
        if size > max_bytes {
            return Ok(Err(size));
        }
        let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0) + 1);
        f.read_to_end(&mut bytes)?;
        Ok(Ok(bytes))
    });
    let bytes = match read {
        Ok(Ok(b)) => b,
        Ok(Err(size)) => {
            warnings.push(Warning::new(
                &entry.path,
                WarningKind::TooLarge,
                &format!("{size} bytes, over the {max_bytes} byte read cap; not read"),
            ));
            return None;
        }
        Err(e) => {
            warnings.push(unreadable(e));
            return None;
        }
    };
    let head = &bytes[..bytes.len().min(8192)];
    if head.contains(&0) {
        warnings.push(Warning::new(
            &entry.path,
            WarningKind::Binary,
            "binary content where text was expected; not scanned",
        ));
        return None;
    }
    match String::from_utf8(bytes) {
        Ok(s) => Some(s),
        Err(e) => {
            warnings.push(Warning::new(
                &entry.path,
                WarningKind::InvalidUtf8,
                "not valid UTF-8; scanned with replacement characters",
            ));
            Some(String::from_utf8_lossy(e.as_bytes()).into_owned())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_without_slash_match_at_any_depth() {
        let g = compile_glob("dvc.yaml").unwrap().compile_matcher();
        assert!(g.is_match("dvc.yaml"));
        assert!(g.is_match("a/b/dvc.yaml"));
        let g = compile_glob(".github/workflows/*.yml")
            .unwrap()
            .compile_matcher();
        assert!(g.is_match(".github/workflows/ci.yml"));
        assert!(!g.is_match("x/.github/workflows/ci.yml"));
        assert!(!g.is_match(".github/workflows/sub/ci.yml"));
    }

    #[test]
    fn substring_search_opens_what_the_automaton_opens() {
        let catalog = crate::detect::Catalog::load(&[]).unwrap();
        let engine = Engine::new(&catalog.detectors, super::super::DEFAULT_MAX_BYTES).unwrap();
        let gates = engine.gates();
        let (mut small, mut big, mut python) = (0, 0, 0);
        // Every fixture file, against the plan of its own path, searched both ways; Python
        // files also with their imports known, as scans do.
        for entry in ignore::WalkBuilder::new("fixtures").hidden(false).build() {
            let entry = entry.unwrap();
            if !entry.file_type().is_some_and(|t| t.is_file()) {
                continue;
            }
            let path = entry.path().to_string_lossy().replace('\\', "/");
            let Ok(text) = std::fs::read_to_string(entry.path()) else {
                continue;
            };
            let is_py = path.ends_with(".py");
            let imports = if is_py {
                python::imports(&python::mask(&text).code_only)
            } else {
                Vec::new()
            };
            let have = modules_met(gates, &imports);
            let targets = engine.regex_targets(&engine.globs.matches(&path));
            let modes: &[bool] = if is_py { &[false, true] } else { &[false] };
            for &py in modes {
                let signals = gated(gates, &targets, py);
                // The family automaton a scan would share, which may lack some literals.
                let plan = Plan::new(signals, engine.family(&path, py));
                if plan.finders.is_empty() {
                    continue;
                }
                let hay = text.as_bytes();
                let a: Vec<SigRef> = plan
                    .open_by(Some(Route::Substrings), gates, hay, &have)
                    .collect();
                let b: Vec<SigRef> = plan
                    .open_by(Some(Route::Automaton), gates, hay, &have)
                    .collect();
                assert_eq!(a, b, "{path}");
                if py {
                    python += usize::from(!a.is_empty());
                } else if plan.finders.len() <= SMALL_PLAN {
                    small += 1;
                } else {
                    big += 1;
                }
            }
        }
        assert!(
            small > 20 && big > 20 && python > 20,
            "compared {small} small, {big} big, {python} Python"
        );
    }

    #[test]
    fn includes_stay_inside_the_root() {
        assert_eq!(
            join_relative("reqs", "base.txt").as_deref(),
            Some("reqs/base.txt")
        );
        assert_eq!(
            join_relative("reqs", "../base.txt").as_deref(),
            Some("base.txt")
        );
        assert_eq!(join_relative("", "../../etc/passwd"), None);
        assert_eq!(join_relative("", "/etc/passwd"), None);
    }
}
