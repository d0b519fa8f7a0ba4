//! The canvas's three organisational dilemmas, pre-filled from a report: **tooling** (each
//! tool as open source, a managed cloud service or commercial SaaS), **platforms** (which clouds
//! and ML platforms appear: one, or a hybrid) and **skills** (the languages and frameworks the
//! team must know).
//!
//! In: a built report (its tool inventory, block facts and answers). Out: plain data the page
//! views (Markdown, HTML) lay out. Nothing here is a new detection: platforms are read from
//! tools the catalogue already found and from facts the parsers extracted (DVC remote types,
//! Terraform providers, Feast providers, container registries).

use std::collections::BTreeMap;

use serde_json::Value;

use super::Block;
use crate::detect::ToolKind;
use crate::report::Report;

/// Tool ids (a trailing `-` matches a prefix) that put a platform in the picture.
const PLATFORM_TOOLS: &[(&str, &str)] = &[
    ("aws-", "AWS"),
    ("sagemaker-", "AWS"),
    ("cloudformation", "AWS"),
    ("azure-", "Azure"),
    ("bicep", "Azure"),
    ("vertex-", "Google Cloud"),
    ("bigquery", "Google Cloud"),
    ("cloud-build", "Google Cloud"),
    ("cloud-run", "Google Cloud"),
    ("google-cloud-", "Google Cloud"),
    ("databricks-", "Databricks"),
    ("snowflake", "Snowflake"),
    ("huggingface-hub", "Hugging Face"),
    ("huggingface-datasets", "Hugging Face"),
    ("anyscale", "Anyscale"),
];

/// DVC remote types, Feast and Terraform providers, and URL schemes, by platform.
const PLATFORM_WORDS: &[(&str, &str)] = &[
    ("s3", "AWS"),
    ("aws", "AWS"),
    ("gs", "Google Cloud"),
    ("gcs", "Google Cloud"),
    ("gcp", "Google Cloud"),
    ("google", "Google Cloud"),
    ("google-beta", "Google Cloud"),
    ("azure", "Azure"),
    ("azurerm", "Azure"),
    ("azuread", "Azure"),
    ("databricks", "Databricks"),
    ("snowflake", "Snowflake"),
];

/// Container registries, by platform (substring of the image reference).
const REGISTRIES: &[(&str, &str)] = &[
    (".amazonaws.com/", "AWS"),
    ("public.ecr.aws/", "AWS"),
    ("gcr.io/", "Google Cloud"),
    ("-docker.pkg.dev/", "Google Cloud"),
    (".azurecr.io/", "Azure"),
    ("mcr.microsoft.com/azureml", "Azure"),
];

/// One platform and what shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Platform {
    pub name: &'static str,
    /// Tool names and `path (detail)` facts, sorted.
    pub evidence: Vec<String>,
}

/// The three dilemmas as far as the repository answers them.
#[derive(Debug, Clone, Default)]
pub struct Dilemmas {
    /// Tool names per kind, in the order open source, managed, SaaS, practice.
    pub tooling: Vec<(ToolKind, Vec<String>)>,
    pub platforms: Vec<Platform>,
    /// The analysis-language answer ("Python 88 %, ..."), if any.
    pub languages: Option<String>,
    /// ML frameworks and notebook tooling in use.
    pub frameworks: Vec<String>,
    /// Infrastructure the team operates: containers, deployment manifests, IaC.
    pub infrastructure: Vec<String>,
}

impl Dilemmas {
    /// "one platform: AWS", "hybrid: AWS, Databricks", or that none was found.
    pub fn platform_verdict(&self) -> String {
        let names: Vec<&str> = self.platforms.iter().map(|p| p.name).collect();
        match names.len() {
            0 => "no cloud or ML platform found in the repository (local, on-premises, or not declared)"
                .to_string(),
            1 => format!("one platform: {}", names[0]),
            _ => format!("hybrid: {}", names.join(", ")),
        }
    }
}

/// Human name of a tool kind, plural, for the tooling dilemma.
pub fn kind_title(kind: ToolKind) -> &'static str {
    match kind {
        ToolKind::OpenSource => "open source (run by the team)",
        ToolKind::Managed => "managed cloud services",
        ToolKind::Saas => "commercial SaaS",
        ToolKind::Practice => "practices",
    }
}

fn platform_of_tool(id: &str) -> Option<&'static str> {
    PLATFORM_TOOLS.iter().find_map(|(pat, name)| {
        let hit = match pat.strip_suffix('-') {
            Some(prefix) => id.starts_with(prefix) && id[prefix.len()..].starts_with('-'),
            None => id == *pat,
        };
        hit.then_some(*name)
    })
}

fn platform_of_word(word: &str) -> Option<&'static str> {
    let w = word.to_ascii_lowercase();
    PLATFORM_WORDS
        .iter()
        .find(|(k, _)| *k == w)
        .map(|(_, name)| *name)
}

/// Facts of every block under `key`.
fn facts<'a>(report: &'a Report, key: &str) -> impl Iterator<Item = &'a Value> {
    let key = key.to_string();
    report
        .blocks
        .0
        .iter()
        .filter_map(move |b| b.facts.get(&key))
        .filter_map(Value::as_array)
        .flatten()
}

/// The dilemmas of `report`.
pub fn dilemmas(report: &Report) -> Dilemmas {
    let mut tooling: Vec<(ToolKind, Vec<String>)> = Vec::new();
    for kind in [
        ToolKind::OpenSource,
        ToolKind::Managed,
        ToolKind::Saas,
        ToolKind::Practice,
    ] {
        let mut names: Vec<String> = report
            .tools
            .iter()
            .filter(|t| t.kind == kind)
            .map(|t| t.name.clone())
            .collect();
        names.sort_by_key(|n| n.to_lowercase());
        tooling.push((kind, names));
    }

    let mut platforms: BTreeMap<&'static str, Vec<String>> = BTreeMap::new();
    for t in &report.tools {
        if let Some(p) = platform_of_tool(&t.id) {
            platforms.entry(p).or_default().push(t.name.clone());
        }
    }
    for r in facts(report, "dvc_remotes") {
        let path = r["path"].as_str().unwrap_or_default();
        for remote in r["remotes"].as_array().into_iter().flatten() {
            let ty = remote["type"].as_str().unwrap_or_default();
            if let Some(p) = platform_of_word(ty) {
                let name = remote["name"].as_str().unwrap_or_default();
                platforms
                    .entry(p)
                    .or_default()
                    .push(format!("DVC remote `{name}` on {ty} ({path})"));
            }
        }
    }
    // The infrastructure readers share one fact shape: `providers` per file.
    for (key, label) in [
        ("terraform", "Terraform"),
        ("cloudformation", "CloudFormation"),
        ("aws_cdk", "AWS CDK"),
        ("bicep", "Bicep"),
    ] {
        for t in facts(report, key) {
            let path = t["path"].as_str().unwrap_or_default();
            for prov in t["providers"].as_array().into_iter().flatten() {
                let prov = prov.as_str().unwrap_or_default();
                if let Some(p) = platform_of_word(prov) {
                    platforms
                        .entry(p)
                        .or_default()
                        .push(format!("{label} provider {prov} ({path})"));
                }
            }
        }
    }
    for f in facts(report, "feast") {
        let path = f["path"].as_str().unwrap_or_default();
        if let Some(prov) = f["provider"].as_str() {
            if let Some(p) = platform_of_word(prov) {
                platforms
                    .entry(p)
                    .or_default()
                    .push(format!("Feast provider {prov} ({path})"));
            }
        }
    }
    // (image, path) from a fact kind that lists images under `field`.
    let images_of = |key: &str, field: &'static str| {
        facts(report, key).flat_map(move |c| {
            let path = c["path"].as_str().unwrap_or_default().to_string();
            c[field]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(move |i| (i.to_string(), path.clone()))
                .collect::<Vec<_>>()
        })
    };
    let images =
        images_of("containers", "base_images").chain(images_of("kubernetes_objects", "images"));
    for (image, path) in images {
        if let Some((_, p)) = REGISTRIES.iter().find(|(r, _)| image.contains(r)) {
            platforms
                .entry(p)
                .or_default()
                .push(format!("image {image} ({path})"));
        }
    }
    let platforms = platforms
        .into_iter()
        .map(|(name, mut evidence)| {
            evidence.sort();
            evidence.dedup();
            Platform { name, evidence }
        })
        .collect();

    let tools_with = |caps: &[&str]| -> Vec<String> {
        let mut names: Vec<String> = report
            .tools
            .iter()
            .filter(|t| t.capabilities.iter().any(|c| caps.contains(&c.as_str())))
            .map(|t| t.name.clone())
            .collect();
        names.sort_by_key(|n| n.to_lowercase());
        names
    };
    let languages = report
        .blocks
        .get(Block::ExperimentManagement)
        .answers
        .iter()
        .find(|a| a.id == "em.language")
        .map(|a| a.answer.clone());
    Dilemmas {
        tooling,
        platforms,
        languages,
        frameworks: tools_with(&["experiment_code"]),
        infrastructure: tools_with(&[
            "containerization",
            "deployment_manifest",
            "infrastructure_as_code",
        ]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn platform_tools_match_ids_and_prefixes() {
        assert_eq!(platform_of_tool("aws-s3"), Some("AWS"));
        assert_eq!(platform_of_tool("sagemaker-endpoint"), Some("AWS"));
        assert_eq!(platform_of_tool("cloud-run"), Some("Google Cloud"));
        assert_eq!(platform_of_tool("azure-ml-pipelines"), Some("Azure"));
        assert_eq!(platform_of_tool("awsome"), None);
        assert_eq!(platform_of_tool("mlflow"), None);
    }

    #[test]
    fn the_example_runs_on_aws_with_open_source_tools() {
        let catalog = crate::detect::Catalog::load(&[]).unwrap();
        let args = crate::cli::CommonArgs {
            no_git: true,
            ..crate::cli::CommonArgs::default()
        };
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/churn-model");
        let report = crate::scan_repo(&dir, &catalog, &args).unwrap();
        let d = dilemmas(&report);
        assert_eq!(d.platform_verdict(), "one platform: AWS");
        assert!(d.platforms[0].evidence[0].contains("DVC remote"));
        let open = &d.tooling[0];
        assert_eq!(open.0, ToolKind::OpenSource);
        assert!(open.1.contains(&"MLflow".to_string()));
        assert!(d.frameworks.contains(&"XGBoost".to_string()));
        assert!(d.infrastructure.contains(&"Kubernetes".to_string()));
        assert!(d.languages.unwrap().starts_with("Python"));
    }

    #[test]
    fn infrastructure_code_names_its_cloud() {
        let catalog = crate::detect::Catalog::load(&[]).unwrap();
        let args = crate::cli::CommonArgs {
            no_git: true,
            ..crate::cli::CommonArgs::default()
        };
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
        for (fixture, platform, label) in [
            ("parse-bicep", "Azure", "Bicep provider"),
            ("parse-cloudformation", "AWS", "CloudFormation provider"),
        ] {
            let report = crate::scan_repo(&root.join(fixture), &catalog, &args).unwrap();
            let d = dilemmas(&report);
            let p = d.platforms.iter().find(|p| p.name == platform);
            assert!(
                p.is_some_and(|p| p.evidence.iter().any(|e| e.starts_with(label))),
                "{fixture}: {:?}",
                d.platforms
            );
        }
    }
}
