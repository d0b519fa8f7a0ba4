//! Comment masking for files other than Python: full-line comments become blank lines, so
//! regex signals never see them while line numbers stay exact.

/// Which full-line comment markers a file type has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CommentStyle {
    None,
    Hash,
    Slash,
    HashAndSlash,
}

/// The comment style of a path, from its name and extension.
pub(crate) fn style_of(path: &str) -> CommentStyle {
    let name = path.rsplit('/').next().unwrap_or(path);
    let lower = name.to_ascii_lowercase();
    let ext = lower.rsplit_once('.').map_or("", |(_, e)| e);
    if lower == "jenkinsfile" || lower.starts_with("jenkinsfile.") {
        return CommentStyle::Slash;
    }
    if lower == "dockerfile"
        || lower.starts_with("dockerfile.")
        || lower.starts_with("dockerfile-")
        || lower.starts_with("dockerfile_")
        || lower.ends_with(".dockerfile")
        || lower == "makefile"
        || lower == "justfile"
        || lower == "procfile"
        || lower == "pipfile"
        || lower == ".gitattributes"
        || lower == ".gitignore"
        || lower == "codeowners"
        || lower == "mlproject"
    {
        return CommentStyle::Hash;
    }
    match ext {
        "yml" | "yaml" | "toml" | "sh" | "bash" | "cfg" | "ini" | "conf" | "properties" | "env"
        | "r" | "mk" | "in" | "txt" | "pbtxt" | "dockerignore" | "bicepparam" | "mak" => {
            CommentStyle::Hash
        }
        "tf" | "hcl" | "tfvars" => CommentStyle::HashAndSlash,
        "js" | "mjs" | "cjs" | "ts" | "tsx" | "jsx" | "go" | "groovy" | "java" | "scala" | "kt"
        | "rs" | "c" | "cc" | "cpp" | "h" | "proto" | "bicep" | "cs" | "swift" => {
            CommentStyle::Slash
        }
        _ => CommentStyle::None,
    }
}

/// Blanks fenced code blocks of Markdown (keeping newlines): an install command or a CLI
/// example in a README is not a statement of what the project does.
pub(crate) fn mask_markdown_code(text: &str) -> Option<String> {
    if !text.contains("```") && !text.contains("~~~") {
        return None;
    }
    let mut out = String::with_capacity(text.len());
    let mut fence: Option<&str> = None;
    for line in text.split_inclusive('\n') {
        let t = line.trim_start();
        let marker = if t.starts_with("```") {
            Some("```")
        } else if t.starts_with("~~~") {
            Some("~~~")
        } else {
            None
        };
        let blank = match (fence, marker) {
            (None, Some(m)) => {
                fence = Some(m);
                true
            }
            (Some(f), Some(m)) if f == m => {
                fence = None;
                true
            }
            (Some(_), _) => true,
            (None, None) => false,
        };
        if blank {
            let body = line.trim_end_matches('\n');
            push_spaces(&mut out, body.len());
            if body.len() < line.len() {
                out.push('\n');
            }
        } else {
            out.push_str(line);
        }
    }
    Some(out)
}

/// Appends `n` spaces.
fn push_spaces(out: &mut String, mut n: usize) {
    const SPACES: &str = "                                                                ";
    while n > 0 {
        let k = n.min(SPACES.len());
        out.push_str(&SPACES[..k]);
        n -= k;
    }
}

/// Blanks full-line comments (keeping the newline) for the given style.
pub(crate) fn mask_comment_lines(text: &str, style: CommentStyle) -> Option<String> {
    if style == CommentStyle::None {
        return None;
    }
    // Most files have no comment line: copy nothing until the first one. Only lines holding a
    // comment marker are looked at: long machine-written files have few.
    let bytes = text.as_bytes();
    let mut out: Option<String> = None;
    // Start of the text not yet copied to `out`.
    let mut copied = 0;
    // Markers before this offset sit on a line already looked at.
    let mut seen = 0;
    let markers: Box<dyn Iterator<Item = usize>> = match style {
        CommentStyle::Hash => Box::new(memchr::memchr_iter(b'#', bytes)),
        CommentStyle::Slash => Box::new(memchr::memchr2_iter(b'/', b'*', bytes)),
        _ => Box::new(memchr::memchr2_iter(b'#', b'/', bytes)),
    };
    for at in markers {
        if at < seen {
            continue;
        }
        let start = memchr::memrchr(b'\n', &bytes[..at]).map_or(0, |i| i + 1);
        let end = memchr::memchr(b'\n', &bytes[at..]).map_or(bytes.len(), |i| at + i);
        seen = end;
        if !bytes[start..at].iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let first = &bytes[at..end];
        let is_comment = match style {
            // Batch-scheduler directives (`#SBATCH --gres=gpu:8`, `#PBS -l nodes=2`) look like
            // comments to the shell but configure the job: they stay.
            CommentStyle::Hash => {
                first.starts_with(b"#")
                    && !first.starts_with(b"#SBATCH")
                    && !first.starts_with(b"#PBS")
            }
            CommentStyle::Slash => {
                first.starts_with(b"//") || first.starts_with(b"/*") || first.starts_with(b"*")
            }
            CommentStyle::HashAndSlash => {
                first.starts_with(b"#") || first.starts_with(b"//") || first.starts_with(b"/*")
            }
            CommentStyle::None => false,
        };
        if is_comment {
            let o = out.get_or_insert_with(|| String::with_capacity(text.len()));
            // Lines are cut at `\n`, so both ends are character boundaries.
            o.push_str(&text[copied..start]);
            push_spaces(o, end - start);
            copied = end;
        }
    }
    if let Some(o) = out.as_mut() {
        o.push_str(&text[copied..]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every line whose first non-blank characters are a comment marker of `style`, blanked;
    /// the plain line-by-line reading the marker search must agree with.
    fn reference(text: &str, style: CommentStyle) -> Option<String> {
        let mut any = false;
        let masked: Vec<String> = text
            .split('\n')
            .map(|line| {
                let first = line.trim_start_matches(|c: char| c.is_ascii_whitespace());
                let comment = match style {
                    CommentStyle::Hash => first.starts_with('#'),
                    CommentStyle::Slash => ["//", "/*", "*"].iter().any(|m| first.starts_with(m)),
                    CommentStyle::HashAndSlash => {
                        ["#", "//", "/*"].iter().any(|m| first.starts_with(m))
                    }
                    CommentStyle::None => false,
                };
                any |= comment;
                if comment {
                    " ".repeat(line.len())
                } else {
                    line.to_string()
                }
            })
            .collect();
        any.then(|| masked.join("\n"))
    }

    #[test]
    fn comment_lines_are_found_from_their_markers() {
        let texts = [
            "a: 1 # not a line comment\n  # mlflow\r\nb: '#'\n#\n\t# tab\n",
            "x = 1; // trailing\n  // line\n/* block\n * star\n */ end\nurl = \"http://a\"\n",
            "resource \"a\" {} # x\n# top\n  // slash\n/x\n*/\n",
            "no comments at all\n",
            "#",
            "",
            "  \n#a#b#\n//\n",
        ];
        for text in texts {
            for style in [
                CommentStyle::Hash,
                CommentStyle::Slash,
                CommentStyle::HashAndSlash,
            ] {
                assert_eq!(
                    mask_comment_lines(text, style),
                    reference(text, style),
                    "{style:?} {text:?}"
                );
            }
        }
    }

    #[test]
    fn masks_hash_comment_lines_only() {
        let t = "a: 1\n  # mlflow: yes\nb: 'x # y'\n";
        let m = mask_comment_lines(t, style_of("ci.yml")).unwrap();
        assert_eq!(m.len(), t.len());
        assert!(!m.contains("mlflow"));
        assert!(m.contains("'x # y'"));
    }

    #[test]
    fn keeps_batch_scheduler_directives() {
        let t = "#!/bin/bash\n#SBATCH --gres=gpu:8\n# srun python train.py\n#PBS -l nodes=2\n";
        let m = mask_comment_lines(t, style_of("launch.sh")).unwrap();
        assert!(m.contains("#SBATCH --gres=gpu:8") && m.contains("#PBS -l nodes=2"));
        assert!(!m.contains("srun") && !m.contains("#!/bin/bash"));
    }

    #[test]
    fn masks_markdown_code_fences() {
        let t = "# Churn\nPredicts churn.\n```bash\npip install mlflow\n```\nDone.\n";
        let m = mask_markdown_code(t).unwrap();
        assert_eq!(m.len(), t.len());
        assert!(m.contains("Predicts churn.") && m.contains("Done."));
        assert!(!m.contains("mlflow"));
    }

    #[test]
    fn styles_by_name() {
        assert_eq!(style_of("docker/Dockerfile.gpu"), CommentStyle::Hash);
        assert_eq!(style_of("infra/main.tf"), CommentStyle::HashAndSlash);
        assert_eq!(style_of("Jenkinsfile"), CommentStyle::Slash);
        assert_eq!(style_of("README.md"), CommentStyle::None);
    }
}
