//! Infrastructure as code: Terraform, CloudFormation (YAML and JSON templates, SAM, and the
//! `resources.Resources` section of Serverless Framework files), the AWS CDK (Python and
//! TypeScript constructs) and Azure Bicep. Every reader gives the same fact shape under
//! `blocks.foundations.facts.<terraform|cloudformation|aws_cdk|bicep>`: `path`, `providers`,
//! `resources` (how many are declared), `ml_resources` (`<type>.<name>` of the ones an ML
//! platform is built from: SageMaker, Vertex AI, Azure ML, buckets, registries, clusters,
//! functions...) and `managed_endpoints` (model endpoints a managed ML service hosts, which the
//! deployment-target answer reads).
//!
//! CloudFormation's short-form tags (`!Ref`, `!Sub`, `!GetAtt`, `!If`...) are ordinary YAML
//! tags, kept as tagged values. A template that does not parse is still listed from its
//! `Type: AWS::...` lines, with a warning saying the list may be partial.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use regex::Regex;
use serde_json::json;

use super::pysrc::{kwarg, positional, PySource};
use super::{has, Fact, ParseOut, ParsedHit};
use crate::canvas::Block;
use crate::detect::redact::snippet;
use crate::detect::spec::Confidence;
use crate::detect::text::{mask_comment_lines, CommentStyle};
use crate::yaml::{self, Value};

/// A resource type lowercased with separators removed, so `aws_s3_bucket`, `AWS::S3::Bucket`,
/// `aws_s3.Bucket` and `Microsoft.Storage/storageAccounts` compare alike.
fn normal(kind: &str) -> String {
    kind.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Resource types that matter to an ML platform, in any IaC dialect.
pub(crate) fn ml_relevant(kind: &str) -> bool {
    let n = normal(kind);
    [
        "sagemaker",
        "vertexai",
        "machinelearning",
        "mlengine",
        "bigquery",
        "s3bucket",
        "storagebucket",
        "storageaccount",
        "storagecontainer",
        "ecrrepository",
        "artifactregistry",
        "containerregistry",
        "ekscluster",
        "containercluster",
        "kubernetescluster",
        "managedclusters",
        "databricks",
        "redshift",
        "feature",
        "lambdafunction",
        "serverlessfunction",
        "dockerimagefunction",
        "cloudrun",
        "kinesis",
        "pubsub",
        "dataflow",
        "glue",
        "emr",
        "stepfunctions",
    ]
    .iter()
    .any(|k| n.contains(k))
}

/// Model endpoints hosted by a managed ML service: SageMaker endpoints and inference
/// components, Vertex AI endpoints, Azure ML online/batch endpoints and inference clusters,
/// Databricks model serving.
pub(crate) fn managed_endpoint(kind: &str) -> bool {
    let n = normal(kind);
    (n.contains("sagemaker") && (n.ends_with("endpoint") || n.ends_with("inferencecomponent")))
        || (n.contains("vertexai") && n.ends_with("endpoint") && !n.contains("indexendpoint"))
        || (n.contains("machinelearning")
            && (n.ends_with("onlineendpoints")
                || n.ends_with("batchendpoints")
                || n.ends_with("inferencecluster")))
        || n.contains("modelserving")
}

/// The common IaC fact.
fn iac_fact(
    key: &'static str,
    path: &str,
    providers: &BTreeSet<String>,
    declared: &[(String, String)],
    extra: serde_json::Value,
) -> Fact {
    let ml: Vec<String> = declared
        .iter()
        .filter(|(t, _)| ml_relevant(t))
        .map(|(t, n)| format!("{t}.{n}"))
        .collect();
    let endpoints: Vec<String> = declared
        .iter()
        .filter(|(t, _)| managed_endpoint(t))
        .map(|(t, n)| format!("{t}.{n}"))
        .collect();
    let mut value = json!({
        "path": path,
        "providers": providers,
        "resources": declared.len(),
        "ml_resources": ml,
        "managed_endpoints": endpoints,
    });
    if let (Some(m), serde_json::Value::Object(e)) = (value.as_object_mut(), extra) {
        m.extend(e);
    }
    Fact {
        block: Block::Foundations,
        key,
        value,
    }
}

fn tf_re() -> &'static (Regex, Regex) {
    static RE: OnceLock<(Regex, Regex)> = OnceLock::new();
    RE.get_or_init(|| {
        (
            Regex::new(r#"(?m)^\s*provider\s+"([\w-]+)""#).expect("valid"),
            Regex::new(r#"(?m)^\s*resource\s+"([\w-]+)"\s+"([\w-]+)""#).expect("valid"),
        )
    })
}

/// Parses a Terraform file: providers and ML-relevant resources.
pub(crate) fn parse_terraform(path: &str, text: &str) -> ParseOut {
    let mut out = ParseOut::default();
    let (prov, res) = tf_re();
    let providers: BTreeSet<String> = prov.captures_iter(text).map(|c| c[1].to_string()).collect();
    let declared: Vec<(String, String)> = res
        .captures_iter(text)
        .map(|c| (c[1].to_string(), c[2].to_string()))
        .collect();
    if providers.is_empty() && declared.is_empty() {
        return out;
    }
    out.facts.push(iac_fact(
        "terraform",
        path,
        &providers,
        &declared,
        json!({}),
    ));
    out
}

fn cfn_type_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r#"(?m)^[ \t]*["']?Type["']?[ \t]*:[ \t]*["']?((?:AWS|Alexa)::\w+::[\w:]+|Custom::[\w-]+)"#)
            .expect("valid")
    })
}

/// Resource types of a template that does not parse, from its `Type:` lines; each is named
/// after the nearest less-indented `Name:` line above it (its logical id), or numbered.
fn cfn_types_by_line(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut last_key: Option<(usize, &str)> = None;
    for line in text.lines() {
        let t = line.trim_start();
        let indent = line.len() - t.len();
        if let Some(c) = cfn_type_re().captures(line) {
            let name = match last_key {
                Some((depth, key)) if depth < indent => key.to_string(),
                _ => format!("resource{}", out.len() + 1),
            };
            out.push((c[1].to_string(), name));
            continue;
        }
        let t = t.trim_end();
        if let Some(key) = t.strip_suffix(':') {
            if !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric()) {
                last_key = Some((indent, key));
            }
        }
    }
    out
}

/// A CloudFormation resource type: `AWS::Service::Resource` or `Custom::Name`.
fn cfn_type(t: &str) -> bool {
    let parts: Vec<&str> = t.split("::").collect();
    (parts.len() >= 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric())))
        || (parts.len() == 2 && parts[0] == "Custom" && !parts[1].is_empty())
}

fn cfn_providers(declared: &[(String, String)]) -> BTreeSet<String> {
    declared
        .iter()
        .filter_map(|(t, _)| t.split("::").next())
        .filter(|p| *p != "Custom")
        .map(str::to_ascii_lowercase)
        .collect()
}

/// Parses a YAML or JSON file that may be a CloudFormation template.
pub(crate) fn parse_cloudformation(path: &str, text: &str) -> ParseOut {
    let mut out = ParseOut::default();
    let versioned = has(text, "AWSTemplateFormatVersion");
    if !(versioned || (has(text, "Resources") && has(text, "AWS::"))) {
        return out;
    }
    let is_json = path.ends_with(".json") || text.trim_start().starts_with('{');
    let doc = if is_json {
        serde_json::from_str::<serde_json::Value>(text)
            .map_err(|e| format!("invalid JSON: {e}"))
            .and_then(|v| serde_yaml::to_value(v).map_err(|e| e.to_string()))
    } else {
        yaml::parse(text)
    };
    let format = if is_json { "json" } else { "yaml" };
    let doc = match doc {
        Ok(d) => d,
        Err(e) => {
            // Only a file that reads as a template deserves a warning; then list what its
            // `Type:` lines declare.
            let types = cfn_types_by_line(text);
            if versioned || !types.is_empty() {
                out.warnings.push(format!(
                    "{e}; resource types read line by line, the list may be partial"
                ));
                out.facts.push(iac_fact(
                    "cloudformation",
                    path,
                    &cfn_providers(&types),
                    &types,
                    json!({"format": format, "partial": true}),
                ));
            }
            return out;
        }
    };
    // SAM and plain templates keep resources at the top; the Serverless Framework nests
    // CloudFormation under `resources.Resources`.
    let resources = doc
        .get("Resources")
        .or_else(|| doc.get("resources").and_then(|r| r.get("Resources")));
    let mut declared = Vec::new();
    for (id, res) in resources.and_then(Value::as_mapping).into_iter().flatten() {
        let (Some(id), Some(t)) = (id.as_str(), res.get("Type").and_then(Value::as_str)) else {
            continue;
        };
        if cfn_type(t) {
            declared.push((t.to_string(), id.to_string()));
        }
    }
    if declared.is_empty() && !versioned {
        return out;
    }
    let mut types: BTreeMap<&str, usize> = BTreeMap::new();
    for (t, _) in &declared {
        *types.entry(t.as_str()).or_default() += 1;
    }
    let transform = yaml::strings(doc.get("Transform"));
    let parameters = doc
        .get("Parameters")
        .and_then(Value::as_mapping)
        .map_or(0, serde_yaml::Mapping::len);
    out.facts.push(iac_fact(
        "cloudformation",
        path,
        &cfn_providers(&declared),
        &declared,
        json!({
            "format": format,
            "transform": transform,
            "parameters": parameters,
            "resource_types": types,
        }),
    ));
    out
}

/// A CDK service module name from an import path: `aws-cdk-lib/aws-s3` or `@aws-cdk/aws-s3`
/// -> `aws_s3`; the library root -> `None`.
fn cdk_service(module: &str) -> Option<String> {
    if matches!(module, "aws_cdk" | "aws-cdk-lib") {
        return None;
    }
    let s = module.rsplit(['/', '.']).next()?.replace('-', "_");
    s.starts_with("aws_").then_some(s)
}

/// Names a CDK file binds: service module aliases (`s3` -> `aws_s3`), construct classes
/// imported directly (`Bucket` -> `aws_s3`) and aliases of the library root (`cdk`).
#[derive(Default)]
struct CdkNames {
    modules: BTreeMap<String, String>,
    classes: BTreeMap<String, String>,
    roots: BTreeSet<String>,
}

impl CdkNames {
    /// The service and class a dotted call resolves to, if it is a CDK construct class.
    fn resolve(&self, dotted: &str) -> Option<(String, String)> {
        let (qual, class) = match dotted.rsplit_once('.') {
            Some((q, c)) => (Some(q), c),
            None => (None, dotted),
        };
        if !class.starts_with(|c: char| c.is_ascii_uppercase()) {
            return None;
        }
        let service = match qual {
            None => self.classes.get(class)?.clone(),
            Some(q) => match q.split_once('.') {
                None => self.modules.get(q)?.clone(),
                Some((root, svc)) if self.roots.contains(root) && svc.starts_with("aws_") => {
                    svc.to_string()
                }
                _ => return None,
            },
        };
        Some((service, class.to_string()))
    }
}

fn py_cdk_names(code: &str) -> CdkNames {
    static RE: OnceLock<(Regex, Regex)> = OnceLock::new();
    let (from, import) = RE.get_or_init(|| {
        (
            Regex::new(
                r"(?m)^[ \t]*from[ \t]+(aws_cdk(?:\.\w+)?)[ \t]+import[ \t]+(\([^)]*\)|[^\n]*)",
            )
            .expect("valid"),
            Regex::new(r"(?m)^[ \t]*import[ \t]+(aws_cdk(?:\.\w+)?)(?:[ \t]+as[ \t]+(\w+))?")
                .expect("valid"),
        )
    });
    let mut names = CdkNames::default();
    for c in from.captures_iter(code) {
        let module = &c[1];
        for item in c[2].trim_matches(|ch| ch == '(' || ch == ')').split(',') {
            let mut words = item.split_whitespace();
            let (Some(name), alias) = (words.next(), words.nth(1)) else {
                continue;
            };
            let alias = alias.unwrap_or(name).to_string();
            match cdk_service(module) {
                // from aws_cdk.aws_s3 import Bucket
                Some(svc) => {
                    names.classes.insert(alias, svc);
                }
                // from aws_cdk import aws_s3 as s3
                None if name.starts_with("aws_") => {
                    names.modules.insert(alias, name.to_string());
                }
                None => {}
            }
        }
    }
    for c in import.captures_iter(code) {
        let module = &c[1];
        let alias = c.get(2).map_or(module, |m| m.as_str()).to_string();
        match cdk_service(module) {
            Some(svc) => {
                names.modules.insert(alias, svc);
            }
            None => {
                names.roots.insert(alias);
            }
        }
    }
    names
}

fn ts_cdk_names(code: &str) -> CdkNames {
    static RE: OnceLock<(Regex, Regex)> = OnceLock::new();
    let (star, braces) = RE.get_or_init(|| {
        (
            Regex::new(r#"import\s+\*\s+as\s+(\w+)\s+from\s+['"]((?:aws-cdk-lib|@aws-cdk)(?:/[\w-]+)?)['"]"#)
                .expect("valid"),
            Regex::new(r#"import\s*\{([^}]*)\}\s*from\s*['"]((?:aws-cdk-lib|@aws-cdk)(?:/[\w-]+)?)['"]"#)
                .expect("valid"),
        )
    });
    let mut names = CdkNames::default();
    for c in star.captures_iter(code) {
        match cdk_service(&c[2]) {
            Some(svc) => {
                names.modules.insert(c[1].to_string(), svc);
            }
            None => {
                names.roots.insert(c[1].to_string());
            }
        }
    }
    for c in braces.captures_iter(code) {
        let service = cdk_service(&c[2]);
        for item in c[1].split(',') {
            let mut words = item.split_whitespace();
            let (Some(name), alias) = (words.next(), words.nth(1)) else {
                continue;
            };
            let alias = alias.unwrap_or(name).to_string();
            match &service {
                Some(svc) => {
                    names.classes.insert(alias, svc.clone());
                }
                None if name.starts_with("aws_") => {
                    names.modules.insert(alias, name.to_string());
                }
                None => {}
            }
        }
    }
    names
}

fn cdk_fact(path: &str, language: &str, declared: &[(String, String)]) -> Fact {
    let mut constructs: BTreeMap<&str, usize> = BTreeMap::new();
    for (t, _) in declared {
        *constructs.entry(t.as_str()).or_default() += 1;
    }
    let providers: BTreeSet<String> = std::iter::once("aws".to_string()).collect();
    iac_fact(
        "aws_cdk",
        path,
        &providers,
        declared,
        json!({"language": language, "constructs": constructs}),
    )
}

fn cdk_call_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"(?:^|[^\w.])((?:[A-Za-z_]\w*\.)*[A-Z]\w*)\s*\(").expect("valid"))
}

fn cdk_import_open_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"(?m)^[ \t]*from[ \t]+aws_cdk(?:\.\w+)?[ \t]+import[ \t]*\(").expect("valid")
    })
}

fn ts_new_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r#"\bnew\s+((?:[A-Za-z_$][\w$]*\.)*[A-Z][\w$]*)\s*\(\s*[\w$.]+\s*,\s*(?:'([^'\n]*)'|"([^"\n]*)"|`([^`\n]*)`)"#)
            .expect("valid")
    })
}

fn bicep_re() -> &'static (Regex, Regex) {
    static RE: OnceLock<(Regex, Regex)> = OnceLock::new();
    RE.get_or_init(|| {
        (
            Regex::new(r"^([ \t]*)resource[ \t]+(\w+)[ \t]+'([^']*)'([ \t]+existing)?")
                .expect("valid"),
            Regex::new(r"^[ \t]*module[ \t]+(\w+)[ \t]+'([^']*)'").expect("valid"),
        )
    })
}

/// Parses Python CDK code: constructs instantiated from `aws_cdk` service modules.
pub(crate) fn parse_cdk_python(path: &str, src: &PySource) -> ParseOut {
    let mut out = ParseOut::default();
    if !src.imports_any(&["aws_cdk"]) {
        return out;
    }
    let call = cdk_call_re();
    // An import list that never closes hides the names it binds.
    for m in cdk_import_open_re().find_iter(src.code) {
        if src.call_args(m.end() - 1).is_none() {
            out.warnings.push(format!(
                "line {}: the import list of `from aws_cdk ... import (` never closes (a syntax error); the constructs read from this file may be wrong",
                src.line(m.start())
            ));
        }
    }
    let names = py_cdk_names(src.code);
    let mut declared = Vec::new();
    for c in call.captures_iter(src.code) {
        let (Some(dotted), Some(all)) = (c.get(1), c.get(0)) else {
            continue;
        };
        let Some((service, class)) = names.resolve(dotted.as_str()) else {
            continue;
        };
        let open = all.end() - 1;
        let Some(range) = src.call_args(open) else {
            out.warnings
                .push(src.unclosed_warning(dotted.as_str(), open));
            break;
        };
        // A construct takes (scope, "Id", ...); props structs take keywords only.
        let args = src.args(range);
        let id = kwarg(&args, "id")
            .or_else(|| positional(&args, 1))
            .and_then(|a| src.string(a.value));
        if let Some(id) = id {
            declared.push((format!("{service}.{class}"), id.to_string()));
        }
    }
    if declared.is_empty() {
        return out;
    }
    out.facts.push(cdk_fact(path, "python", &declared));
    out
}

/// Parses TypeScript CDK code: `new <module>.<Construct>(scope, 'Id', ...)`.
pub(crate) fn parse_cdk_typescript(path: &str, text: &str) -> ParseOut {
    let mut out = ParseOut::default();
    if path.ends_with(".d.ts") || !(has(text, "aws-cdk-lib") || has(text, "@aws-cdk/")) {
        return out;
    }
    let new = ts_new_re();
    let masked = mask_comment_lines(text, CommentStyle::Slash);
    let code = masked.as_deref().unwrap_or(text);
    let names = ts_cdk_names(code);
    let mut declared = Vec::new();
    for c in new.captures_iter(code) {
        let Some((service, class)) = names.resolve(&c[1]) else {
            continue;
        };
        let id = c
            .get(2)
            .or(c.get(3))
            .or(c.get(4))
            .map_or("", |m| m.as_str());
        declared.push((format!("{service}.{class}"), id.to_string()));
    }
    if declared.is_empty() {
        return out;
    }
    out.facts.push(cdk_fact(path, "typescript", &declared));
    out
}

/// Parses a Bicep file: declared resources (child resources get their parent's type
/// prefixed), referenced `existing` resources and modules.
pub(crate) fn parse_bicep(path: &str, text: &str) -> ParseOut {
    let mut out = ParseOut::default();
    if !has(text, "resource") && !has(text, "module") {
        return out;
    }
    let (resource, module) = bicep_re();
    let masked = mask_comment_lines(text, CommentStyle::Slash);
    let code = masked.as_deref().unwrap_or(text);
    let mut declared = Vec::new();
    let mut existing = Vec::new();
    let mut modules = Vec::new();
    // Enclosing resources, by indentation, for child types written relative to a parent.
    let mut parents: Vec<(usize, String)> = Vec::new();
    for (i, line) in code.lines().enumerate() {
        let line_no = i + 1;
        if let Some(c) = module.captures(line) {
            modules.push(json!({"name": &c[1], "source": &c[2]}));
            continue;
        }
        let t = line.trim_start();
        if !(t.starts_with("resource ") || t.starts_with("resource\t")) {
            continue;
        }
        let Some(c) = resource.captures(line) else {
            out.warnings.push(format!(
                "line {line_no}: a resource declaration without a quoted type"
            ));
            continue;
        };
        let indent = c[1].len();
        let kind = match c[3].split_once('@') {
            Some((k, _)) => k.to_string(),
            None => {
                out.warnings.push(format!(
                    "line {line_no}: resource `{}` has no API version (`'{}@<version>'`)",
                    &c[2], &c[3]
                ));
                c[3].to_string()
            }
        };
        parents.retain(|(depth, _)| *depth < indent);
        let full = if kind.contains('/') || kind.contains('.') {
            kind
        } else {
            match parents.last() {
                Some((_, parent)) => format!("{parent}/{kind}"),
                None => kind,
            }
        };
        parents.push((indent, full.clone()));
        if c.get(4).is_some() {
            existing.push(full);
            continue;
        }
        // A child endpoint (`resource ep 'onlineEndpoints@...'` inside a workspace) is what the
        // detectors' patterns, which look for the full type on one line, cannot see.
        if managed_endpoint(&full) {
            let what = format!("Bicep declares {full} `{}`", &c[2]);
            for (tool, confidence) in [
                ("azure-ml-endpoint", Confidence::High),
                ("bicep", Confidence::Medium),
            ] {
                out.hits.push(ParsedHit {
                    tool,
                    capability: "deployment_manifest",
                    block: Block::ModelDeployment,
                    confidence,
                    line: Some(line_no as u32),
                    snippet: snippet(&what),
                });
            }
        }
        declared.push((full, c[2].to_string()));
    }
    if declared.is_empty() && existing.is_empty() && modules.is_empty() {
        return out;
    }
    let providers: BTreeSet<String> = std::iter::once("azure".to_string()).collect();
    let mut types: BTreeMap<&str, usize> = BTreeMap::new();
    for (t, _) in &declared {
        *types.entry(t.as_str()).or_default() += 1;
    }
    out.facts.push(iac_fact(
        "bicep",
        path,
        &providers,
        &declared,
        json!({"resource_types": types, "existing": existing, "modules": modules}),
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::parse::pysrc::with_source;

    #[test]
    fn relevance_and_endpoints_read_alike_across_dialects() {
        for t in [
            "aws_s3_bucket",
            "AWS::S3::Bucket",
            "aws_s3.Bucket",
            "Microsoft.Storage/storageAccounts",
            "AWS::Serverless::Function",
        ] {
            assert!(ml_relevant(t), "{t}");
        }
        assert!(!ml_relevant("AWS::IAM::Role"));
        for t in [
            "aws_sagemaker_endpoint",
            "AWS::SageMaker::Endpoint",
            "aws_sagemaker.CfnEndpoint",
            "Microsoft.MachineLearningServices/workspaces/onlineEndpoints",
            "google_vertex_ai_endpoint",
        ] {
            assert!(managed_endpoint(t), "{t}");
        }
        for t in [
            "AWS::SageMaker::EndpointConfig",
            "aws_sagemaker_endpoint_configuration",
            "google_vertex_ai_index_endpoint",
        ] {
            assert!(!managed_endpoint(t), "{t}");
        }
    }

    #[test]
    fn cloudformation_short_form_tags_parse() {
        let t = "AWSTemplateFormatVersion: '2010-09-09'\nParameters:\n  Env: {Type: String}\nConditions:\n  IsProd: !Equals [!Ref Env, prod]\nResources:\n  Bucket:\n    Type: AWS::S3::Bucket\n    Properties:\n      BucketName: !Sub '${AWS::StackName}-models'\n  Endpoint:\n    Type: AWS::SageMaker::Endpoint\n    Condition: IsProd\n    Properties:\n      EndpointConfigName: !GetAtt Config.EndpointConfigName\n      Tags: !If [IsProd, [{Key: a, Value: !Ref Env}], !Ref AWS::NoValue]\n  Role:\n    Type: AWS::IAM::Role\n";
        let out = parse_cloudformation("t.yaml", t);
        assert!(out.warnings.is_empty(), "{:?}", out.warnings);
        let v = &out.facts[0].value;
        assert_eq!(v["resources"], 3);
        assert_eq!(v["providers"][0], "aws");
        assert_eq!(
            v["ml_resources"],
            json!([
                "AWS::S3::Bucket.Bucket",
                "AWS::SageMaker::Endpoint.Endpoint"
            ])
        );
        assert_eq!(
            v["managed_endpoints"][0],
            "AWS::SageMaker::Endpoint.Endpoint"
        );
        assert_eq!(v["parameters"], 1);
    }

    #[test]
    fn cloudformation_json_broken_and_near_misses() {
        let j = r#"{"Resources": {"Fn": {"Type": "AWS::Lambda::Function", "Properties": {}}}}"#;
        let v = &parse_cloudformation("t.json", j).facts[0].value;
        assert_eq!(v["format"], "json");
        assert_eq!(v["ml_resources"][0], "AWS::Lambda::Function.Fn");
        let broken = "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  Model:\n    Type: AWS::SageMaker::Model\n   Properties: [\n";
        let out = parse_cloudformation("b.yaml", broken);
        assert!(out.warnings[0].contains("partial"), "{:?}", out.warnings);
        assert_eq!(
            out.facts[0].value["ml_resources"][0],
            "AWS::SageMaker::Model.Model"
        );
        // `Resources:` in an unrelated config, with AWS named in a comment.
        let game = "# not AWS::anything\nResources:\n  Gold: 10\n  Wood:\n    Type: timber\n";
        let out = parse_cloudformation("game.yaml", game);
        assert!(out.facts.is_empty() && out.warnings.is_empty());
    }

    #[test]
    fn cdk_python_and_typescript_constructs() {
        let py = "from aws_cdk import (\n    Stack,\n    aws_s3 as s3,\n    aws_sagemaker as sagemaker,\n)\nfrom aws_cdk.aws_ecr import Repository\n\nclass S(Stack):\n    def __init__(self, scope, id):\n        super().__init__(scope, id)\n        b = s3.Bucket(self, \"Models\", versioned=True)\n        rule = s3.LifecycleRule(expiration=None)\n        Repository(self, 'Images')\n        sagemaker.CfnEndpoint(self, \"ChurnEndpoint\", endpoint_config_name=\"c\")\n";
        let out = with_source(py, |s| parse_cdk_python("app.py", s));
        let v = &out.facts[0].value;
        assert_eq!(v["resources"], 3);
        assert_eq!(v["constructs"]["aws_s3.Bucket"], 1);
        assert_eq!(
            v["managed_endpoints"][0],
            "aws_sagemaker.CfnEndpoint.ChurnEndpoint"
        );
        assert!(out.warnings.is_empty());
        let open = with_source("from aws_cdk import (\n    aws_s3 as s3,\n\nx = 1\n", |s| {
            parse_cdk_python("app.py", s)
        });
        assert!(
            open.warnings[0].contains("never closes"),
            "{:?}",
            open.warnings
        );
        let ts = "import * as cdk from 'aws-cdk-lib';\nimport { aws_sagemaker as sagemaker } from 'aws-cdk-lib';\nimport * as s3 from 'aws-cdk-lib/aws-s3';\n// new s3.Bucket(this, 'Commented');\nnew s3.Bucket(this, 'Data', { versioned: true });\nnew sagemaker.CfnModel(this, 'Model', {});\nnew cdk.aws_ecr.Repository(this, `Repo`);\nnew cdk.App();\n";
        let v = &parse_cdk_typescript("lib/stack.ts", ts).facts[0].value;
        assert_eq!(v["resources"], 3, "{v}");
        assert_eq!(v["ml_resources"][2], "aws_ecr.Repository.Repo");
    }

    #[test]
    fn bicep_resources_children_and_bad_declarations() {
        let b = "param location string = resourceGroup().location\nresource ws 'Microsoft.MachineLearningServices/workspaces@2024-04-01' = {\n  name: 'mlw'\n  location: location\n  resource ep 'onlineEndpoints@2024-04-01' = {\n    name: 'churn'\n  }\n}\nresource kv 'Microsoft.KeyVault/vaults@2023-07-01' existing = {\n  name: 'kv'\n}\n// resource commented 'Microsoft.Storage/storageAccounts@2023-01-01' = {}\nresource sa 'Microsoft.Storage/storageAccounts' = {\n}\nmodule net './network.bicep' = {\n  name: 'net'\n}\n";
        let out = parse_bicep("main.bicep", b);
        let v = &out.facts[0].value;
        assert_eq!(v["resources"], 3);
        assert_eq!(
            v["managed_endpoints"][0],
            "Microsoft.MachineLearningServices/workspaces/onlineEndpoints.ep"
        );
        assert_eq!(v["existing"][0], "Microsoft.KeyVault/vaults");
        assert_eq!(v["modules"][0]["source"], "./network.bicep");
        assert_eq!(out.warnings.len(), 1);
        assert!(
            out.warnings[0].contains("no API version"),
            "{:?}",
            out.warnings
        );
    }

    #[test]
    fn terraform_shape() {
        let tf = "provider \"aws\" {}\nresource \"aws_sagemaker_endpoint\" \"churn\" {}\nresource \"aws_iam_role\" \"r\" {}\n";
        let v = &parse_terraform("infra/main.tf", tf).facts[0].value;
        assert_eq!(v["ml_resources"][0], "aws_sagemaker_endpoint.churn");
        assert_eq!(v["managed_endpoints"][0], "aws_sagemaker_endpoint.churn");
        assert_eq!(v["providers"][0], "aws");
        assert_eq!(v["resources"], 2);
    }
}
