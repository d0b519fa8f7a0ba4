//! Evidence snippets: one trimmed, bounded line with credentials removed.
//!
//! Every snippet in every report passes through [`snippet`], so secrets in scanned files never
//! reach a report: URL user-info, key-value secrets, and well-known token shapes.

use std::sync::OnceLock;

use regex::Regex;

/// Longest snippet, in characters.
pub(crate) const MAX_SNIPPET: usize = 120;

/// Each credential shape and what replaces it.
const RULES: &[(&str, &str)] = &[
    // scheme://user:password@host -> scheme://***@host
    (r"(?i)\b([a-z][a-z0-9+.-]*://)[^/\s@]+@", "${1}***@"),
    (
        r#"(?i)\b([a-z0-9_.-]*(?:password|passwd|pwd|secret|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key|credentials?)[a-z0-9_]*)(["']?\s*[:=]\s*["']?)([^\s"',;)]{3,})"#,
        "$1$2***",
    ),
    (r"\bAKIA[0-9A-Z]{16}\b", "AKIA***"),
    (r"\bgh[pousr]_[A-Za-z0-9]{20,}", "gh*_***"),
    (r"\bglpat-[A-Za-z0-9_-]{20,}", "glpat-***"),
    (r"\bxox[abprs]-[A-Za-z0-9-]{10,}", "xox*-***"),
    (r"\bsk-[A-Za-z0-9_-]{20,}", "sk-***"),
    (r"\bhf_[A-Za-z0-9]{20,}", "hf_***"),
    (r"(?i)\bbearer\s+[A-Za-z0-9._~+/=-]{8,}", "Bearer ***"),
    (r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*", "[private key]"),
];

fn rules() -> &'static [(Regex, &'static str)] {
    static COMPILED: OnceLock<Vec<(Regex, &'static str)>> = OnceLock::new();
    COMPILED.get_or_init(|| {
        RULES
            .iter()
            .map(|&(p, r)| (Regex::new(p).expect("redaction patterns are valid"), r))
            .collect()
    })
}

/// Every rule at once: most lines hold no credential, and one search tells.
fn any_rule() -> &'static Regex {
    static ANY: OnceLock<Regex> = OnceLock::new();
    ANY.get_or_init(|| {
        let alternation: Vec<String> = RULES.iter().map(|(p, _)| format!("(?:{p})")).collect();
        Regex::new(&alternation.join("|")).expect("redaction patterns are valid")
    })
}

/// Removes credentials from a line of text.
pub(crate) fn redact(line: &str) -> String {
    let mut s = line.to_string();
    if !any_rule().is_match(&s) {
        return s;
    }
    for (re, rep) in rules() {
        if re.is_match(&s) {
            s = re.replace_all(&s, *rep).into_owned();
        }
    }
    s
}

/// A report snippet: trimmed, redacted, at most [`MAX_SNIPPET`] characters.
pub(crate) fn snippet(line: &str) -> String {
    let s = redact(line.trim());
    if s.chars().count() <= MAX_SNIPPET {
        s
    } else {
        let mut t: String = s.chars().take(MAX_SNIPPET - 1).collect();
        t.push('…');
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_url_userinfo_and_key_values() {
        assert_eq!(
            snippet("uri = 'postgresql://admin:hunter2@db:5432/mlflow'"),
            "uri = 'postgresql://***@db:5432/mlflow'"
        );
        assert_eq!(
            snippet("MLFLOW_TRACKING_PASSWORD=s3cr3t!"),
            "MLFLOW_TRACKING_PASSWORD=***"
        );
        assert_eq!(snippet("  api_key: \"abcd1234\""), "api_key: \"***\"");
        assert_eq!(
            snippet("aws_access_key_id = AKIAABCDEFGHIJKLMNOP"),
            "aws_access_key_id = ***"
        );
        assert_eq!(snippet("key AKIAABCDEFGHIJKLMNOP"), "key AKIA***");
        assert_eq!(
            snippet("token ghp_0123456789abcdefghijABCDEFGHIJ012345"),
            "token ghp_0123456789abcdefghijABCDEFGHIJ012345"
                .replace("ghp_0123456789abcdefghijABCDEFGHIJ012345", "gh*_***")
        );
    }

    #[test]
    fn keeps_ordinary_code_and_bounds_length() {
        assert_eq!(snippet("  import mlflow  "), "import mlflow");
        assert_eq!(snippet("s3://bucket/data.csv"), "s3://bucket/data.csv");
        let long = "x".repeat(300);
        assert_eq!(snippet(&long).chars().count(), MAX_SNIPPET);
    }
}
