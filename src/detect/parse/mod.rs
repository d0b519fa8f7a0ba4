//! Structured parsers: Rust readers for formats whose structure matters (CI workflows, ...).
//! Each parser names the files it reads by glob and turns one file's text into **facts**
//! (structured details for the canvas blocks), **hits** (capabilities it can prove, credited to
//! a catalogue detector) and warnings. Parsers run inside the single walk: the engine reads a
//! file once and hands the same text to every signal and parser that targets it.
//!
//! Python parsers get the file as [`PySource`]: the masks and imports the engine computed
//! once for every signal, so no parser masks a file again. Each parser first checks cheaply
//! (an import, a byte string) whether the file can concern it, and returns nothing otherwise.
//!
//! Adding a parser: one file here, one entry in [`PARSERS`], a fixture and its snapshot.

pub(crate) mod ci;
pub(crate) mod cron;
pub(crate) mod dagster;
pub(crate) mod docker;
pub(crate) mod dvc;
pub(crate) mod iac;
pub(crate) mod k8s;
pub(crate) mod kedro;
pub(crate) mod metaflow;
pub(crate) mod mlflow;
pub(crate) mod pipelines;
pub(crate) mod pysrc;
pub(crate) mod readme;
pub(crate) mod sagemaker;
pub(crate) mod stores;
pub(crate) mod zenml;

use serde::Serialize;

use crate::canvas::Block;
use crate::detect::spec::Confidence;
pub(crate) use pysrc::PySource;

/// A structured detail extracted from a file, shown under `blocks.<id>.facts.<key>`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Fact {
    #[serde(skip)]
    pub block: Block,
    #[serde(skip)]
    pub key: &'static str,
    /// The fact's value; always carries the `path` it came from.
    pub value: serde_json::Value,
}

/// A capability a parser proves, credited to a catalogue detector.
#[derive(Debug, Clone)]
pub(crate) struct ParsedHit {
    /// Detector id (must exist in the catalogue; hits for a missing detector are dropped).
    pub tool: &'static str,
    pub capability: &'static str,
    pub block: Block,
    pub confidence: Confidence,
    pub line: Option<u32>,
    pub snippet: String,
}

/// What a parser produced for one file.
#[derive(Debug, Default)]
pub(crate) struct ParseOut {
    pub facts: Vec<Fact>,
    pub hits: Vec<ParsedHit>,
    /// Reasons the file could not be (fully) read.
    pub warnings: Vec<String>,
}

/// How a parser reads a file.
#[derive(Clone, Copy)]
pub(crate) enum ParseFn {
    /// The file's text as read.
    Text(fn(path: &str, text: &str) -> ParseOut),
    /// Python source (a `.py` file or a notebook's code cells) with the engine's masks.
    Python(fn(path: &str, src: &PySource) -> ParseOut),
}

/// A registered parser.
pub(crate) struct Parser {
    pub name: &'static str,
    /// Globs, with the same rules as detector globs. A [`ParseFn::Python`] parser only ever
    /// sees `.py` files and notebooks among them.
    pub globs: &'static [&'static str],
    pub parse: ParseFn,
}

/// Every parser, in the order they run on a file.
pub(crate) static PARSERS: &[Parser] = &[
    Parser {
        name: "github-actions",
        globs: &[".github/workflows/*.yml", ".github/workflows/*.yaml"],
        parse: ParseFn::Text(ci::parse_github_actions),
    },
    Parser {
        name: "dockerfile",
        globs: &[
            "Dockerfile",
            "Dockerfile.*",
            "Dockerfile-*",
            "Dockerfile_*",
            "*.Dockerfile",
            "*.dockerfile",
            "Containerfile",
        ],
        parse: ParseFn::Text(docker::parse_dockerfile),
    },
    Parser {
        name: "compose",
        globs: &[
            "docker-compose.yml",
            "docker-compose.yaml",
            "docker-compose.*.yml",
            "docker-compose.*.yaml",
            "compose.yml",
            "compose.yaml",
        ],
        parse: ParseFn::Text(docker::parse_compose),
    },
    Parser {
        name: "dvc.yaml",
        globs: &["dvc.yaml"],
        parse: ParseFn::Text(dvc::parse_dvc_yaml),
    },
    Parser {
        name: "dvc-config",
        globs: &[".dvc/config"],
        parse: ParseFn::Text(dvc::parse_dvc_config),
    },
    Parser {
        name: "dvc-file",
        globs: &["*.dvc"],
        parse: ParseFn::Text(dvc::parse_dvc_file),
    },
    Parser {
        name: "dvc.lock",
        globs: &["dvc.lock"],
        parse: ParseFn::Text(dvc::parse_dvc_lock),
    },
    Parser {
        name: "kubernetes",
        globs: &["*.yaml", "*.yml"],
        parse: ParseFn::Text(k8s::parse_manifests),
    },
    Parser {
        name: "helm-chart",
        globs: &["Chart.yaml"],
        parse: ParseFn::Text(k8s::parse_chart),
    },
    Parser {
        name: "airflow",
        globs: &["*.py"],
        parse: ParseFn::Python(pipelines::parse_airflow),
    },
    Parser {
        name: "sagemaker-pipelines",
        globs: &["*.py", "*.ipynb"],
        parse: ParseFn::Python(sagemaker::parse_sagemaker_pipelines),
    },
    Parser {
        name: "dagster",
        globs: &["*.py"],
        parse: ParseFn::Python(dagster::parse_dagster),
    },
    Parser {
        name: "metaflow",
        globs: &["*.py"],
        parse: ParseFn::Python(metaflow::parse_metaflow),
    },
    Parser {
        name: "zenml",
        globs: &["*.py", "*.ipynb"],
        parse: ParseFn::Python(zenml::parse_zenml),
    },
    Parser {
        name: "kedro",
        globs: &["*.py"],
        parse: ParseFn::Python(kedro::parse_kedro_pipeline),
    },
    Parser {
        name: "kedro-catalog",
        globs: &[
            "**/conf/*/catalog*.yml",
            "**/conf/*/catalog*.yaml",
            "**/conf/*/catalog/**/*.yml",
            "**/conf/*/catalog/**/*.yaml",
        ],
        parse: ParseFn::Text(kedro::parse_kedro_catalog),
    },
    Parser {
        name: "prefect",
        globs: &["prefect.yaml", "prefect.yml"],
        parse: ParseFn::Text(pipelines::parse_prefect_yaml),
    },
    Parser {
        name: "pipeline-spec",
        // Compiled specs are conventionally named after the pipeline; reading every JSON file
        // of a repository for them would cost more than it finds.
        globs: &["*pipeline*.json", "*pipeline*.yaml", "*pipeline*.yml"],
        parse: ParseFn::Text(pipelines::parse_pipeline_spec),
    },
    Parser {
        name: "feast",
        globs: &["feature_store.yaml", "feature_store.yml"],
        parse: ParseFn::Text(stores::parse_feast_config),
    },
    Parser {
        name: "feast-repo",
        globs: &["*.py"],
        parse: ParseFn::Python(stores::parse_feast_repo),
    },
    Parser {
        name: "mlproject",
        globs: &["MLproject"],
        parse: ParseFn::Text(stores::parse_mlproject),
    },
    Parser {
        name: "mlflow-tracking",
        globs: &["*.py", "*.ipynb"],
        parse: ParseFn::Python(mlflow::parse_tracking_python),
    },
    Parser {
        name: "mlflow-tracking",
        globs: &[
            ".env",
            "*.env",
            ".env.*",
            "*.yml",
            "*.yaml",
            "Dockerfile",
            "Dockerfile.*",
            "Dockerfile-*",
            "Dockerfile_*",
            "*.Dockerfile",
            "*.dockerfile",
            "Containerfile",
            "*.sh",
            "*.bash",
            "Makefile",
            "*.mk",
            "justfile",
            "Procfile",
            "*.toml",
            "*.cfg",
            "*.ini",
        ],
        parse: ParseFn::Text(mlflow::parse_tracking_config),
    },
    Parser {
        name: "terraform",
        globs: &["*.tf"],
        parse: ParseFn::Text(iac::parse_terraform),
    },
    Parser {
        name: "cloudformation",
        globs: &["*.yaml", "*.yml", "*.json", "*.template"],
        parse: ParseFn::Text(iac::parse_cloudformation),
    },
    Parser {
        name: "aws-cdk",
        globs: &["*.py"],
        parse: ParseFn::Python(iac::parse_cdk_python),
    },
    Parser {
        name: "aws-cdk",
        globs: &["*.ts"],
        parse: ParseFn::Text(iac::parse_cdk_typescript),
    },
    Parser {
        name: "bicep",
        globs: &["*.bicep"],
        parse: ParseFn::Text(iac::parse_bicep),
    },
    Parser {
        name: "readme",
        globs: &[
            "README.md",
            "README.rst",
            "README.txt",
            "README",
            "readme.md",
            "Readme.md",
            "README.markdown",
        ],
        parse: ParseFn::Text(readme::parse_readme),
    },
    Parser {
        name: "gitlab-ci",
        globs: &[".gitlab-ci.yml", ".gitlab/ci/*.yml", ".gitlab/ci/*.yaml"],
        parse: ParseFn::Text(ci::parse_gitlab_ci),
    },
];

/// Parses YAML, or records why not in `out` and returns `None`.
pub(crate) fn yaml_or_warn(text: &str, out: &mut ParseOut) -> Option<crate::yaml::Value> {
    match crate::yaml::parse(text) {
        Ok(v) => Some(v),
        Err(e) => {
            out.warnings.push(e);
            None
        }
    }
}

/// Whether `text` holds `needle`: a vectorised search, for the whole-file checks that decide
/// whether a reader has anything to do.
pub(crate) fn has(text: &str, needle: &str) -> bool {
    memchr::memmem::find(text.as_bytes(), needle.as_bytes()).is_some()
}

/// 1-based line of the first line containing `needle`, if any (never, for a needle that
/// spans lines).
pub(crate) fn find_line(text: &str, needle: &str) -> Option<u32> {
    if needle.contains('\n') {
        return None;
    }
    find_line_from(text, needle, 0).map(|(line, _)| line)
}

/// The 1-based line of the first occurrence of `needle` (which holds no line break) at or
/// after byte `from`, and the byte just past it.
pub(crate) fn find_line_from(text: &str, needle: &str, from: usize) -> Option<(u32, usize)> {
    let at = from + memchr::memmem::find(text.as_bytes().get(from..)?, needle.as_bytes())?;
    let line = memchr::memchr_iter(b'\n', &text.as_bytes()[..at]).count() + 1;
    Some((line as u32, at + needle.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Odd inputs every reader must survive: unbalanced brackets and quotes, decorators and
    /// calls at the end of the file, non-ASCII text in strings and comments, CRLF, NUL-free
    /// binary-ish noise. Each parser sees each input under each of its own globs' shapes.
    const ODD: &[&str] = &[
        "",
        "(",
        "@",
        "@step(",
        "import mlflow\nmlflow.set_tracking_uri(",
        "from metaflow import FlowSpec, step\nclass F(FlowSpec):\n    @step\n",
        "from dagster import asset, ScheduleDefinition\n@asset(\ndef x(): ...\nScheduleDefinition(cron_schedule='é ü',\n",
        "from sagemaker.workflow.steps import TrainingStep\nTrainingStep(name=\"é\", x=\"ü\"  # ( [ {\r\n)\r\n",
        "from zenml.config.schedule import Schedule\nSchedule(cron_expression=\"\u{1F600}\")\nSchedule(interval_second=",
        "from kedro.pipeline import node, pipeline\npipeline([node(f, 'a', 'b', name='ñ'), node(",
        "from aws_cdk import aws_s3 as s3\ns3.Bucket(self, 'ß'\n",
        "MLFLOW_TRACKING_URI=\nMLFLOW_TRACKING_URI=${\nname: MLFLOW_TRACKING_URI\n",
        "AWSTemplateFormatVersion: x\nResources:\n  A:\n    Type: AWS::S3::Bucket\n  B: [\n",
        "{\"AWSTemplateFormatVersion\": \"x\", \"Resources\": {\"A\": {\"Type\": 3}}}",
        "resource x 'Microsoft.Foo/bar@1' = {\n  resource y '\n",
        "import * as s3 from 'aws-cdk-lib/aws-s3';\nnew s3.Bucket(this, 'é",
        "{% for x in y %}\na: [\n",
        "\u{FEFF}\u{0}\u{7}\u{1b}[31m",
    ];

    #[test]
    fn every_parser_survives_odd_input() {
        for text in ODD {
            let masked = crate::detect::python::mask(text);
            let imports = crate::detect::python::imports(&masked.code_only);
            for p in PARSERS {
                for path in [
                    "x.py",
                    "conf/base/catalog.yml",
                    "t.json",
                    "main.bicep",
                    "s.ts",
                    ".env",
                ] {
                    let _ = match p.parse {
                        ParseFn::Text(f) => f(path, text),
                        ParseFn::Python(f) => {
                            f(path, &PySource::new(text, &masked, &imports, None))
                        }
                    };
                }
            }
        }
    }
}
