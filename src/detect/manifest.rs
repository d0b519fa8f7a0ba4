//! Dependency manifests: which packages a repository declares, with the line that declares them.
//!
//! In: a manifest's path and text. Out: normalised package names with 1-based lines, `-r`/`-c`
//! includes to follow, or a reason the file could not be parsed. Files are parsed, never
//! executed: `setup.py` is read for literal lists only. Lock files are deliberately not read:
//! they list transitive packages, which are not a team's choice.

use serde_json::Value as Json;
use toml::Value as Toml;

use super::spec::Ecosystem;
use crate::yaml;

/// The manifest formats we read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ManifestKind {
    Requirements,
    Pyproject,
    SetupPy,
    SetupCfg,
    Pipfile,
    Conda,
    PackageJson,
    GoMod,
}

/// One declared dependency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Dependency {
    pub ecosystem: Ecosystem,
    /// Normalised name (see [`normalize`]).
    pub name: String,
    pub line: u32,
    pub snippet: String,
}

/// What a manifest declares.
#[derive(Debug, Default)]
pub(crate) struct Parsed {
    pub deps: Vec<Dependency>,
    /// Paths named by `-r`/`-c` in a requirements file, relative to that file's directory.
    pub includes: Vec<String>,
}

/// Which manifest kind a repository path is, if any.
pub(crate) fn kind_of(path: &str) -> Option<ManifestKind> {
    let (dir, name) = match path.rsplit_once('/') {
        Some((d, n)) => (d, n),
        None => ("", path),
    };
    let parent = dir.rsplit('/').next().unwrap_or("");
    let lower = name.to_ascii_lowercase();
    match name {
        "pyproject.toml" => return Some(ManifestKind::Pyproject),
        "setup.py" => return Some(ManifestKind::SetupPy),
        "setup.cfg" => return Some(ManifestKind::SetupCfg),
        "Pipfile" => return Some(ManifestKind::Pipfile),
        "package.json" => return Some(ManifestKind::PackageJson),
        "go.mod" => return Some(ManifestKind::GoMod),
        _ => {}
    }
    let ext_txt = lower.ends_with(".txt");
    let ext_in = lower.ends_with(".in");
    if (ext_txt || ext_in)
        && (lower.contains("requirements")
            || lower.starts_with("constraints")
            || matches!(parent, "requirements" | "reqs" | "requirement"))
    {
        return Some(ManifestKind::Requirements);
    }
    let yaml = lower.ends_with(".yml") || lower.ends_with(".yaml");
    // Azure ML projects name theirs `conda_dependencies.yml` and `ci_dependencies.yml`.
    if yaml
        && (lower.starts_with("environment")
            || lower.starts_with("conda")
            || lower.ends_with("_dependencies.yml")
            || lower.ends_with("_dependencies.yaml"))
        && !lower.contains("lock")
    {
        return Some(ManifestKind::Conda);
    }
    None
}

/// Normalises a package name: Python names as PEP 503 does (lowercase, runs of `-_.` become
/// `-`); npm names lowercase; Go module paths unchanged.
pub(crate) fn normalize(ecosystem: Ecosystem, name: &str) -> String {
    match ecosystem {
        Ecosystem::Python => {
            let mut out = String::with_capacity(name.len());
            let mut sep = false;
            for c in name.trim().chars() {
                if matches!(c, '-' | '_' | '.') {
                    sep = true;
                } else {
                    if sep && !out.is_empty() {
                        out.push('-');
                    }
                    sep = false;
                    out.extend(c.to_lowercase());
                }
            }
            out
        }
        Ecosystem::Npm => name.trim().to_ascii_lowercase(),
        Ecosystem::Go => name.trim().to_string(),
    }
}

/// The distribution name at the start of a PEP 508 requirement (`ray[tune]~=2.7` → `ray`).
pub(crate) fn pep508_name(req: &str) -> Option<&str> {
    let s = req.trim_start();
    let end = s
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')))
        .unwrap_or(s.len());
    let name = &s[..end];
    let name = name.trim_end_matches(['.', '-', '_']);
    if name.is_empty() || !name.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        None
    } else {
        Some(name)
    }
}

fn snippet_of(line: &str) -> String {
    line.trim().to_string()
}

/// 1-based line of the first line containing `needle`, or 1.
fn line_containing(text: &str, needle: &str) -> (u32, String) {
    for (i, l) in text.lines().enumerate() {
        if l.contains(needle) {
            return ((i + 1) as u32, snippet_of(l));
        }
    }
    (1, needle.to_string())
}

fn push_python(out: &mut Parsed, text: &str, req: &str) {
    if let Some(name) = pep508_name(req) {
        let (line, snippet) = line_containing(text, req.trim());
        out.deps.push(Dependency {
            ecosystem: Ecosystem::Python,
            name: normalize(Ecosystem::Python, name),
            line,
            snippet,
        });
    }
}

fn push_key(out: &mut Parsed, text: &str, eco: Ecosystem, key: &str) {
    let quoted_json = format!("\"{key}\"");
    let (line, snippet) = match eco {
        Ecosystem::Npm => line_containing(text, &quoted_json),
        _ => {
            // TOML keys: `name = ...` or `"name" = ...` at the start of a line.
            let found = text.lines().enumerate().find(|(_, l)| {
                let t = l.trim_start().trim_start_matches('"');
                t.starts_with(key)
                    && t[key.len()..]
                        .trim_start_matches('"')
                        .trim_start()
                        .starts_with('=')
            });
            found.map_or_else(
                || (1, key.to_string()),
                |(i, l)| ((i + 1) as u32, snippet_of(l)),
            )
        }
    };
    out.deps.push(Dependency {
        ecosystem: eco,
        name: normalize(eco, key),
        line,
        snippet,
    });
}

/// Parses one manifest. An `Err` carries the reason the file could not be read as one.
pub(crate) fn parse(kind: ManifestKind, text: &str) -> Result<Parsed, String> {
    match kind {
        ManifestKind::Requirements => Ok(parse_requirements(text)),
        ManifestKind::Pyproject => parse_pyproject(text),
        ManifestKind::SetupPy => Ok(parse_setup_py(text)),
        ManifestKind::SetupCfg => Ok(parse_setup_cfg(text)),
        ManifestKind::Pipfile => parse_pipfile(text),
        ManifestKind::Conda => parse_conda(text),
        ManifestKind::PackageJson => parse_package_json(text),
        ManifestKind::GoMod => Ok(parse_go_mod(text)),
    }
}

fn strip_req_comment(line: &str) -> &str {
    // pip: a comment starts at `#` at line start or after whitespace (URLs keep `#egg=`).
    let b = line.as_bytes();
    for i in 0..b.len() {
        if b[i] == b'#' && (i == 0 || b[i - 1].is_ascii_whitespace()) {
            return &line[..i];
        }
    }
    line
}

fn egg_name(s: &str) -> Option<&str> {
    let idx = s.find("#egg=")?;
    let rest = &s[idx + 5..];
    let end = rest.find(['&', ' ', '[']).unwrap_or(rest.len());
    Some(&rest[..end]).filter(|n| !n.is_empty())
}

fn parse_requirements(text: &str) -> Parsed {
    let mut out = Parsed::default();
    let lines: Vec<&str> = text.lines().collect();
    // pip-compile output, known by its header or by its `# via` annotations.
    let compiled =
        text.contains("pip-compile") || text.contains("uv pip compile") || text.contains("# via");
    for (i, raw) in lines.iter().enumerate() {
        let line = strip_req_comment(raw).trim();
        if line.is_empty() {
            continue;
        }
        let name = if let Some(rest) = ["--requirement", "--constraint", "-r", "-c"]
            .iter()
            .find_map(|p| line.strip_prefix(p))
        {
            let path = rest.trim_start_matches('=').trim();
            if !path.is_empty() {
                out.includes.push(path.to_string());
            }
            continue;
        } else if let Some(rest) = line
            .strip_prefix("--editable")
            .or_else(|| line.strip_prefix("-e"))
        {
            match egg_name(rest) {
                Some(n) => n,
                None => continue,
            }
        } else if line.starts_with('-') {
            continue;
        } else if line.contains("://") && !line.contains(" @ ") && !line.contains("@ ") {
            match egg_name(line) {
                Some(n) => n,
                None => continue,
            }
        } else if line.starts_with('.') || line.starts_with('/') {
            continue;
        } else {
            match pep508_name(line) {
                Some(n) => n,
                None => continue,
            }
        };
        if compiled && is_transitive(&lines, i) {
            continue;
        }
        out.deps.push(Dependency {
            ecosystem: Ecosystem::Python,
            name: normalize(Ecosystem::Python, name),
            line: (i + 1) as u32,
            snippet: snippet_of(raw),
        });
    }
    if !compiled && is_frozen(&out.deps) {
        // A `pip freeze` of an environment is a lock file by another name: it lists every
        // package installed, most of them pulled in by others.
        out.deps.clear();
    }
    out
}

/// Packages nearly every Python environment holds and few teams ask for by name: a file that
/// pins several of them among dozens of others is an environment dump.
const FREEZE_MARKERS: &[&str] = &[
    "certifi",
    "idna",
    "urllib3",
    "charset-normalizer",
    "chardet",
    "six",
    "python-dateutil",
    "pytz",
    "tzdata",
    "pyparsing",
    "markupsafe",
    "typing-extensions",
    "packaging",
];

/// Whether requirements read like `pip freeze` output: at least 30 entries, nine in ten pinned
/// with `==`, and at least four of [`FREEZE_MARKERS`] among them.
fn is_frozen(deps: &[Dependency]) -> bool {
    let pinned = deps.iter().filter(|d| d.snippet.contains("==")).count();
    let markers = deps
        .iter()
        .filter(|d| FREEZE_MARKERS.contains(&d.name.as_str()))
        .count();
    deps.len() >= 30 && pinned * 10 >= deps.len() * 9 && markers >= 4
}

/// In a `pip-compile` output, a requirement is transitive when its `# via` annotation names
/// only other packages, not a `-r`/`-c` input file.
fn is_transitive(lines: &[&str], i: usize) -> bool {
    let mut vias: Vec<String> = Vec::new();
    if let Some(idx) = lines[i].find("# via") {
        vias.push(lines[i][idx + 5..].trim().to_string());
    }
    for l in &lines[i + 1..] {
        let t = l.trim();
        let Some(c) = t.strip_prefix('#') else { break };
        let c = c.trim();
        let c = c.strip_prefix("via").map_or(c, str::trim);
        if !c.is_empty() {
            vias.push(c.to_string());
        }
    }
    let vias: Vec<&String> = vias.iter().filter(|v| !v.is_empty()).collect();
    !vias.is_empty()
        && !vias.iter().any(|v| {
            v.starts_with("-r") || v.starts_with("-c") || v.contains(".in") || v.contains(".toml")
        })
}

fn toml_strings(v: Option<&Toml>) -> Vec<&str> {
    match v {
        Some(Toml::Array(items)) => items.iter().filter_map(Toml::as_str).collect(),
        _ => Vec::new(),
    }
}

fn toml_table_keys(v: Option<&Toml>) -> Vec<&str> {
    match v {
        Some(Toml::Table(t)) => t.keys().map(String::as_str).collect(),
        _ => Vec::new(),
    }
}

fn parse_pyproject(text: &str) -> Result<Parsed, String> {
    let doc: toml::Table = text
        .parse()
        .map_err(|e: toml::de::Error| format!("invalid TOML: {e}"))?;
    let mut out = Parsed::default();
    let mut reqs: Vec<&str> = Vec::new();
    if let Some(project) = doc.get("project") {
        reqs.extend(toml_strings(project.get("dependencies")));
        if let Some(Toml::Table(opt)) = project.get("optional-dependencies") {
            for v in opt.values() {
                reqs.extend(toml_strings(Some(v)));
            }
        }
    }
    if let Some(Toml::Table(groups)) = doc.get("dependency-groups") {
        for v in groups.values() {
            reqs.extend(toml_strings(Some(v)));
        }
    }
    let tool = doc.get("tool");
    if let Some(pdm) = tool.and_then(|t| t.get("pdm")) {
        if let Some(Toml::Table(groups)) = pdm.get("dev-dependencies") {
            for v in groups.values() {
                reqs.extend(toml_strings(Some(v)));
            }
        }
    }
    if let Some(uv) = tool.and_then(|t| t.get("uv")) {
        reqs.extend(toml_strings(uv.get("dev-dependencies")));
    }
    for r in reqs {
        push_python(&mut out, text, r);
    }
    if let Some(poetry) = tool.and_then(|t| t.get("poetry")) {
        let mut keys = toml_table_keys(poetry.get("dependencies"));
        keys.extend(toml_table_keys(poetry.get("dev-dependencies")));
        if let Some(Toml::Table(groups)) = poetry.get("group") {
            for g in groups.values() {
                keys.extend(toml_table_keys(g.get("dependencies")));
            }
        }
        for k in keys {
            if k != "python" {
                push_key(&mut out, text, Ecosystem::Python, k);
            }
        }
    }
    Ok(out)
}

fn parse_pipfile(text: &str) -> Result<Parsed, String> {
    let doc: toml::Table = text
        .parse()
        .map_err(|e: toml::de::Error| format!("invalid TOML: {e}"))?;
    let mut out = Parsed::default();
    for section in ["packages", "dev-packages"] {
        for k in toml_table_keys(doc.get(section)) {
            push_key(&mut out, text, Ecosystem::Python, k);
        }
    }
    Ok(out)
}

fn parse_setup_py(text: &str) -> Parsed {
    let mut out = Parsed::default();
    let masked = super::python::mask(text).no_comments;
    for key in ["install_requires", "extras_require", "tests_require"] {
        let mut from = 0;
        while let Some(pos) = masked[from..].find(key) {
            let start = from + pos + key.len();
            from = start;
            let rest = &masked[start..];
            let Some(eq) = rest.find(|c: char| !c.is_whitespace()) else {
                break;
            };
            if !rest[eq..].starts_with('=') && !rest[eq..].starts_with(':') {
                continue;
            }
            let Some(open) = rest.find(['[', '{', '(']) else {
                break;
            };
            // Balanced region of the literal list or dict.
            let bytes = rest.as_bytes();
            let mut depth = 0i32;
            let mut end = rest.len();
            for (k, &c) in bytes.iter().enumerate().skip(open) {
                match c {
                    b'[' | b'{' | b'(' => depth += 1,
                    b']' | b'}' | b')' => {
                        depth -= 1;
                        if depth == 0 {
                            end = k;
                            break;
                        }
                    }
                    _ => {}
                }
            }
            let region = &rest[open..end];
            for (lit, is_key) in string_literals(region) {
                if !is_key {
                    push_python(&mut out, text, lit);
                }
            }
        }
    }
    out
}

/// String literals of a Python expression, each with whether it is a dict key.
fn string_literals(region: &str) -> Vec<(&str, bool)> {
    let mut out = Vec::new();
    let b = region.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let q = b[i];
        if q == b'"' || q == b'\'' {
            if let Some(len) = region[i + 1..].find(q as char) {
                let lit = &region[i + 1..i + 1 + len];
                let after = region[i + 2 + len..].trim_start();
                out.push((lit, after.starts_with(':')));
                i += len + 2;
                continue;
            }
        }
        i += 1;
    }
    out
}

fn parse_setup_cfg(text: &str) -> Parsed {
    let mut out = Parsed::default();
    let mut section = String::new();
    let mut in_list = false;
    for (i, raw) in text.lines().enumerate() {
        let trimmed = raw.trim();
        if trimmed.starts_with('[') && trimmed.ends_with(']') {
            section = trimmed[1..trimmed.len() - 1].trim().to_string();
            in_list = false;
            continue;
        }
        if trimmed.is_empty() || trimmed.starts_with('#') || trimmed.starts_with(';') {
            continue;
        }
        let indented = raw.starts_with([' ', '\t']);
        let value = if indented && in_list {
            trimmed
        } else if let Some((k, v)) = trimmed.split_once('=') {
            let k = k.trim();
            in_list = (section == "options" && matches!(k, "install_requires" | "tests_require"))
                || section == "options.extras_require";
            if !in_list {
                continue;
            }
            v.trim()
        } else {
            continue;
        };
        if let Some(part) = value.split(';').next() {
            if let Some(name) = pep508_name(part) {
                out.deps.push(Dependency {
                    ecosystem: Ecosystem::Python,
                    name: normalize(Ecosystem::Python, name),
                    line: (i + 1) as u32,
                    snippet: snippet_of(raw),
                });
            }
        }
    }
    out
}

fn parse_conda(text: &str) -> Result<Parsed, String> {
    let doc = yaml::parse(text)?;
    let mut out = Parsed::default();
    let Some(deps) = doc.get("dependencies").and_then(|d| d.as_sequence()) else {
        return Ok(out);
    };
    // `conda env export` writes the environment's `prefix:` and every package with its build
    // string (`zlib=1.3.1=hb9d3cd8_2`): an export of all that is installed, a lock file.
    let built = deps
        .iter()
        .filter_map(|d| d.as_str())
        .filter(|d| d.matches('=').count() >= 2 && !d.contains("=="))
        .count();
    if doc.get("prefix").is_some() || (built >= 30 && built * 10 >= deps.len() * 9) {
        return Ok(out);
    }
    for item in deps {
        if let Some(spec) = item.as_str() {
            let spec = spec.rsplit("::").next().unwrap_or(spec);
            let end = spec
                .find(['=', '<', '>', '!', ' ', '[', '~'])
                .unwrap_or(spec.len());
            let name = &spec[..end];
            if !name.is_empty() && name != "python" && name != "pip" {
                let (line, snippet) = line_containing(text, spec);
                out.deps.push(Dependency {
                    ecosystem: Ecosystem::Python,
                    name: normalize(Ecosystem::Python, name),
                    line,
                    snippet,
                });
            }
        } else if let Some(pip) = item.get("pip").and_then(|p| p.as_sequence()) {
            for req in pip.iter().filter_map(|r| r.as_str()) {
                if !req.starts_with('-') {
                    push_python(&mut out, text, req);
                }
            }
        }
    }
    Ok(out)
}

fn parse_package_json(text: &str) -> Result<Parsed, String> {
    let doc: Json = serde_json::from_str(text).map_err(|e| format!("invalid JSON: {e}"))?;
    let mut out = Parsed::default();
    for section in [
        "dependencies",
        "devDependencies",
        "peerDependencies",
        "optionalDependencies",
    ] {
        if let Some(obj) = doc.get(section).and_then(Json::as_object) {
            for k in obj.keys() {
                push_key(&mut out, text, Ecosystem::Npm, k);
            }
        }
    }
    Ok(out)
}

fn parse_go_mod(text: &str) -> Parsed {
    let mut out = Parsed::default();
    let mut in_block = false;
    for (i, raw) in text.lines().enumerate() {
        let line = raw.split("//").next().unwrap_or("").trim();
        let module = if in_block {
            if line.starts_with(')') {
                in_block = false;
                continue;
            }
            line.split_whitespace().next()
        } else if let Some(rest) = line.strip_prefix("require") {
            let rest = rest.trim();
            if rest.starts_with('(') {
                in_block = true;
                continue;
            }
            rest.split_whitespace().next()
        } else {
            None
        };
        if let Some(m) = module.filter(|m| !m.is_empty()) {
            out.deps.push(Dependency {
                ecosystem: Ecosystem::Go,
                name: m.to_string(),
                line: (i + 1) as u32,
                snippet: snippet_of(raw),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(p: &Parsed) -> Vec<&str> {
        p.deps.iter().map(|d| d.name.as_str()).collect()
    }

    #[test]
    fn normalises_like_pep_503() {
        assert_eq!(normalize(Ecosystem::Python, "Scikit_Learn"), "scikit-learn");
        assert_eq!(normalize(Ecosystem::Python, "ruamel.yaml"), "ruamel-yaml");
        assert_eq!(normalize(Ecosystem::Python, "A__b-.C"), "a-b-c");
    }

    #[test]
    fn parses_specifiers_extras_markers_and_includes() {
        let txt = "# top\nray[tune]~=2.7\nmlflow>=2; python_version>'3.8'\n-r base.txt\n--constraint=c.txt\n-e git+https://x/y.git#egg=my_pkg\nhttps://x/z.whl\ntorch @ https://download/torch.whl\n  # pandas\n--index-url https://pypi\n";
        let p = parse_requirements(txt);
        assert_eq!(names(&p), vec!["ray", "mlflow", "my-pkg", "torch"]);
        assert_eq!(p.deps[0].line, 2);
        assert_eq!(p.includes, vec!["base.txt", "c.txt"]);
    }

    #[test]
    fn a_conda_env_export_declares_nothing() {
        let export = "name: train\nchannels:\n  - conda-forge\ndependencies:\n  - tensorboard=2.18.0=pyhd8ed1ab_0\n  - pip:\n    - prometheus-client==0.21.0\nprefix: /opt/conda/envs/train\n";
        assert!(parse(ManifestKind::Conda, export).unwrap().deps.is_empty());
        let pinned: String = std::iter::once("name: train\ndependencies:\n".to_string())
            .chain((0..40).map(|i| format!("  - pkg{i}=1.0={i}_0\n")))
            .collect();
        assert!(parse(ManifestKind::Conda, &pinned).unwrap().deps.is_empty());
        let hand = "name: train\ndependencies:\n  - python=3.11\n  - pytorch=2.5\n  - pip:\n    - mlflow==2.17\n";
        assert_eq!(parse(ManifestKind::Conda, hand).unwrap().deps.len(), 2);
    }

    #[test]
    fn a_pip_freeze_of_an_environment_declares_nothing() {
        let mut frozen: Vec<String> = ["certifi==2024.8.30", "idna==3.10", "urllib3==2.2.3"]
            .iter()
            .map(|s| (*s).to_string())
            .collect();
        frozen.push("six==1.16.0".to_string());
        frozen.push("torch==2.4.1".to_string());
        frozen.extend((0..30).map(|i| format!("pkg{i}==1.0.{i}")));
        let text = frozen.join("\n");
        assert!(parse(ManifestKind::Requirements, &text)
            .unwrap()
            .deps
            .is_empty());
        // A hand-written list of pinned direct dependencies is read.
        let direct: Vec<String> = (0..40).map(|i| format!("lib{i}==1.{i}")).collect();
        let parsed = parse(ManifestKind::Requirements, &direct.join("\n")).unwrap();
        assert_eq!(parsed.deps.len(), 40);
        // So is a short file that happens to pin certifi and friends.
        let short = "requests==2.32.3\ncertifi==2024.8.30\nidna==3.10\nurllib3==2.2.3\nsix==1.16\n";
        assert_eq!(
            parse(ManifestKind::Requirements, short).unwrap().deps.len(),
            5
        );
    }

    #[test]
    fn skips_transitive_packages_of_pip_compile() {
        let txt = "# This file is autogenerated by pip-compile\nflask==3.0\n    # via mlflow\nmlflow==2.9\n    # via -r requirements.in\nnumpy==1.26\n    # via\n    #   -r requirements.in\n    #   pandas\n";
        assert_eq!(names(&parse_requirements(txt)), vec!["mlflow", "numpy"]);
    }

    #[test]
    fn reads_pyproject_pep621_poetry_pdm_uv_and_groups() {
        let txt = r#"
[project]
dependencies = ["mlflow>=2", "Scikit-Learn"]
[project.optional-dependencies]
serve = ["fastapi[all]"]
[dependency-groups]
dev = ["pytest", {include-group = "lint"}]
[tool.poetry.dependencies]
python = "^3.11"
torch = "^2"
[tool.poetry.group.dev.dependencies]
"ruff" = "*"
[tool.pdm.dev-dependencies]
lint = ["mypy"]
[tool.uv]
dev-dependencies = ["black"]
"#;
        let p = parse_pyproject(txt).unwrap();
        let mut n = names(&p);
        n.sort_unstable();
        assert_eq!(
            n,
            vec![
                "black",
                "fastapi",
                "mlflow",
                "mypy",
                "pytest",
                "ruff",
                "scikit-learn",
                "torch"
            ]
        );
        let torch = p.deps.iter().find(|d| d.name == "torch").unwrap();
        assert_eq!(torch.line, 10);
    }

    #[test]
    fn reads_setup_py_literals_without_dict_keys() {
        let txt = "from setuptools import setup\n# install_requires=['nope']\nsetup(\n    install_requires=[\"pandas>=2\", 'xgboost'],\n    extras_require={'serve': ['bentoml']},\n)\n";
        assert_eq!(
            names(&parse_setup_py(txt)),
            vec!["pandas", "xgboost", "bentoml"]
        );
    }

    #[test]
    fn reads_setup_cfg_conda_package_json_and_go_mod() {
        let cfg = "[options]\ninstall_requires =\n    evidently>=0.4\n    numpy\n[options.extras_require]\ndev = pytest\n[flake8]\nmax-line-length = 88\n";
        assert_eq!(
            names(&parse_setup_cfg(cfg)),
            vec!["evidently", "numpy", "pytest"]
        );
        let env = "name: x\ndependencies:\n  - python=3.11\n  - conda-forge::lightgbm=4\n  - pip\n  - pip:\n    - wandb==0.16\n";
        let p = parse_conda(env).unwrap();
        assert_eq!(names(&p), vec!["lightgbm", "wandb"]);
        assert_eq!(p.deps[1].line, 7);
        let pkg = r#"{"dependencies": {"@tensorflow/tfjs": "^4"}, "devDependencies": {"k6": "1"}}"#;
        assert_eq!(
            names(&parse_package_json(pkg).unwrap()),
            vec!["@tensorflow/tfjs", "k6"]
        );
        let gomod = "module x\nrequire github.com/a/b v1\nrequire (\n\tgithub.com/kubeflow/pipelines v2 // indirect\n)\n";
        assert_eq!(
            names(&parse_go_mod(gomod)),
            vec!["github.com/a/b", "github.com/kubeflow/pipelines"]
        );
    }

    #[test]
    fn malformed_manifests_are_errors() {
        assert!(parse_pyproject("[project\n").is_err());
        assert!(parse_package_json("{").is_err());
        assert!(parse_conda("dependencies: [a, b").is_err());
    }

    #[test]
    fn recognises_manifest_names() {
        assert_eq!(
            kind_of("requirements-dev.txt"),
            Some(ManifestKind::Requirements)
        );
        assert_eq!(
            kind_of("requirements/base.txt"),
            Some(ManifestKind::Requirements)
        );
        assert_eq!(
            kind_of("svc/requirements.in"),
            Some(ManifestKind::Requirements)
        );
        assert_eq!(kind_of("environment.yml"), Some(ManifestKind::Conda));
        assert_eq!(kind_of("conda-lock.yml"), None);
        assert_eq!(kind_of("ml/ci_dependencies.yml"), Some(ManifestKind::Conda));
        assert_eq!(kind_of("dependencies.yml"), None);
        assert_eq!(kind_of("notes.txt"), None);
    }
}
