//! Embeds the detector catalogue (`detectors/*.toml`) and the maturity profiles
//! (`detectors/profiles/*.toml`) into the binary, with the built-in example repository (`fixtures/churn-model`) for `demo`: writes `$OUT_DIR/embedded.rs` holding a sorted static slice of
//! `(relative file name, contents)` pairs, each an `include_str!` of the absolute path.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;
use std::{env, fs};

// The gate of a pattern is found by the same code at build time and at run time.
#[path = "src/detect/gate.rs"]
#[allow(dead_code)]
mod gate;

/// `gates.rs`: for every regex pattern of the built-in detectors, the literal groups of its
/// gate and the modules of an import-only pattern, sorted by pattern. Parsing ~800 patterns
/// was most of a run's start-up; a pattern that does not parse is left out and reported by
/// the run-time check as before.
fn gates(tables: &[Option<toml::Table>]) -> String {
    let mut found: BTreeMap<String, (Vec<gate::Alts>, Option<Vec<String>>)> = BTreeMap::new();
    for table in tables.iter().flatten() {
        let signals = table.get("signals").and_then(toml::Value::as_array);
        for s in signals.into_iter().flatten() {
            if s.get("type").and_then(toml::Value::as_str) != Some("regex") {
                continue;
            }
            let also = s.get("also").and_then(toml::Value::as_array);
            let patterns = s
                .get("pattern")
                .into_iter()
                .chain(also.into_iter().flatten())
                .filter_map(toml::Value::as_str);
            for p in patterns {
                let parsed = regex_syntax::ParserBuilder::new()
                    .unicode(false)
                    .utf8(false)
                    .multi_line(true)
                    .build()
                    .parse(p);
                if let Ok(hir) = parsed {
                    found.insert(
                        p.to_string(),
                        (gate::groups_of(&hir), gate::import_modules(p)),
                    );
                }
            }
        }
    }
    let mut out = String::from(
        "/// (pattern, gate literal groups, import-only modules) of every built-in pattern, sorted.\n",
    );
    out.push_str("#[allow(clippy::type_complexity)]\n");
    out.push_str("static PRECOMPUTED_GATES: &[(&str, &[&[&[u8]]], Option<&[&str]>)] = &[\n");
    for (pattern, (groups, imports)) in found {
        let groups: Vec<String> = groups
            .iter()
            .map(|g| {
                let lits: Vec<String> = g.iter().map(|l| format!("&{l:?}")).collect();
                format!("&[{}]", lits.join(", "))
            })
            .collect();
        let imports = imports.map_or("None".to_string(), |m| format!("Some(&{m:?})"));
        writeln!(
            out,
            "    ({pattern:?}, &[{}], {imports}),",
            groups.join(", ")
        )
        .unwrap();
    }
    out.push_str("];\n");
    out
}

fn toml_files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "toml"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

fn collect(root: &Path, dir: &Path, out: &mut Vec<(String, std::path::PathBuf)>) {
    let Ok(rd) = fs::read_dir(dir) else { return };
    for e in rd.filter_map(Result::ok) {
        let p = e.path();
        if p.is_dir() {
            println!("cargo:rerun-if-changed={}", p.display());
            collect(root, &p, out);
        } else if p.is_file() {
            let rel = p
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            out.push((rel, p));
        }
    }
}

fn main() {
    let manifest_dir = env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let root = Path::new(&manifest_dir);
    let detectors = root.join("detectors");
    println!("cargo:rerun-if-changed={}", detectors.display());

    // capabilities.toml is the capability catalogue, embedded on its own by src/detect.
    let detector_files: Vec<_> = toml_files(&detectors)
        .into_iter()
        .filter(|p| !p.ends_with("capabilities.toml"))
        .collect();
    // Each file parsed once, for its JSON form and its patterns' gates; `None` if it does not
    // parse (the run-time check reports it).
    let tables: Vec<Option<toml::Table>> = detector_files
        .iter()
        .map(|p| fs::read_to_string(p).ok()?.parse::<toml::Table>().ok())
        .collect();

    let mut out = String::from("/// (file name relative to `detectors/`, contents), sorted.\n");
    out.push_str("pub(crate) static EMBEDDED_DETECTORS: &[(&str, &str)] = &[\n");
    for path in &detector_files {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        println!("cargo:rerun-if-changed={}", path.display());
        writeln!(
            out,
            "    ({name:?}, include_str!({:?})),",
            path.display().to_string()
        )
        .unwrap();
    }
    out.push_str("];\n");
    // The same files as JSON, in the same order: the catalogue is parsed at every start, and
    // a JSON parse takes a fraction of a TOML one. A file that does not parse gets "" and is
    // read (and its error reported) from the TOML text at run time.
    out.push_str("/// The built-in detectors as JSON, in the order of `EMBEDDED_DETECTORS`.\n");
    out.push_str("pub(crate) static EMBEDDED_DETECTORS_JSON: &[&str] = &[\n");
    for table in &tables {
        let json = table
            .as_ref()
            .and_then(|t| serde_json::to_string(t).ok())
            .unwrap_or_default();
        writeln!(out, "    {json:?},").unwrap();
    }
    out.push_str("];\n");

    // Maturity profiles: detectors/profiles/*.toml.
    let profiles = detectors.join("profiles");
    println!("cargo:rerun-if-changed={}", profiles.display());
    let mut prof =
        String::from("/// (file name relative to `detectors/profiles/`, contents), sorted.\n");
    prof.push_str("pub(crate) static EMBEDDED_PROFILES: &[(&str, &str)] = &[\n");
    for path in toml_files(&profiles) {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        println!("cargo:rerun-if-changed={}", path.display());
        writeln!(
            prof,
            "    ({name:?}, include_str!({:?})),",
            path.display().to_string()
        )
        .unwrap();
    }
    prof.push_str("];\n");

    // The built-in example for `demo`: every file of fixtures/churn-model, sorted.
    let example = root.join("fixtures").join("churn-model");
    println!("cargo:rerun-if-changed={}", example.display());
    let mut files = Vec::new();
    collect(&example, &example, &mut files);
    files.sort();
    let mut ex = String::from("/// (path relative to the example root, contents), sorted.\n");
    ex.push_str("pub(crate) static EXAMPLE_FILES: &[(&str, &str)] = &[\n");
    for (rel, path) in files {
        println!("cargo:rerun-if-changed={}", path.display());
        writeln!(
            ex,
            "    ({rel:?}, include_str!({:?})),",
            path.display().to_string()
        )
        .unwrap();
    }
    ex.push_str("];\n");
    let out_dir = env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    println!("cargo:rerun-if-changed=src/detect/gate.rs");
    fs::write(Path::new(&out_dir).join("gates.rs"), gates(&tables)).expect("write gates.rs");
    fs::write(Path::new(&out_dir).join("example.rs"), ex).expect("write example.rs");
    fs::write(Path::new(&out_dir).join("profiles.rs"), prof).expect("write profiles.rs");
    let dest = Path::new(&env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("embedded.rs");
    fs::write(dest, out).expect("write embedded.rs");
}
