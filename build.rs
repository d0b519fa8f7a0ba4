//! Embeds the detector catalogue (`detectors/*.toml`) into the
//! binary: writes `$OUT_DIR/embedded.rs` holding a sorted static slice of
//! `(relative file name, contents)` pairs, each an `include_str!` of the absolute path.

use std::fmt::Write as _;
use std::path::Path;
use std::{env, fs};

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

fn main() {
    let manifest_dir = env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let root = Path::new(&manifest_dir);
    let detectors = root.join("detectors");
    println!("cargo:rerun-if-changed={}", detectors.display());

    let mut out = String::from("/// (file name relative to `detectors/`, contents), sorted.\n");
    out.push_str("pub(crate) static EMBEDDED_DETECTORS: &[(&str, &str)] = &[\n");
    for path in toml_files(&detectors) {
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
    let dest = Path::new(&env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("embedded.rs");
    fs::write(dest, out).expect("write embedded.rs");
}
