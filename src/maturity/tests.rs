//! The assessment on hand-built capability sets: each level boundary, recommended vs required
//! rows, partial evidence, questions for a person, and waivers with their expiry.

use super::profile::{self, Profile};
use super::*;
use crate::detect::Evidence;

fn caps() -> BTreeMap<String, crate::detect::Capability> {
    crate::detect::capabilities().clone()
}

fn mlops() -> Profile {
    profile::load("ml-ops.org", &caps()).unwrap()
}

/// A small profile: two levels, one block each, a recommended row and an any-of row.
fn small() -> Profile {
    profile::parse(
        r#"
id = "small"
name = "Small"
source = "tests"
levels = ["one", "two"]
[[rule]]
block = "foundations"
level = "one"
capabilities = ["version_control"]
next_step = "use git"
[[rule]]
block = "foundations"
level = "one"
capabilities = ["code_quality"]
required = false
next_step = "lint"
[[rule]]
block = "prediction_serving"
level = "two"
capabilities = ["online_serving", "batch_serving"]
partial = ["model_packaging"]
next_step = "serve it"
[[rule.hint]]
found = "model_packaging"
text = "serve the model saved in {path} ({tool})"
"#,
        &caps(),
        None,
    )
    .unwrap()
}

fn finding(capability: &str, tool: &str, confidence: Confidence) -> Finding {
    Finding {
        tool: tool.to_string(),
        tool_name: tool.to_uppercase(),
        capability: capability.to_string(),
        block: Block::Foundations,
        confidence,
        evidence: vec![Evidence {
            path: format!("src/{tool}.py"),
            line: Some(3),
            snippet: String::new(),
        }],
        evidence_total: 1,
    }
}

fn high(capabilities: &[&str]) -> Vec<Finding> {
    capabilities
        .iter()
        .map(|c| finding(c, "tool", Confidence::High))
        .collect()
}

struct Case<'a> {
    findings: Vec<Finding>,
    dv: u8,
    waivers: Vec<Waiver>,
    today: Option<&'a str>,
    answers: BTreeMap<String, String>,
}

impl Case<'_> {
    fn new(findings: Vec<Finding>) -> Self {
        Case {
            findings,
            dv: 0,
            waivers: Vec::new(),
            today: None,
            answers: BTreeMap::new(),
        }
    }

    fn run(&self, p: &Profile, target: Option<&str>) -> (Maturity, Vec<Warning>) {
        let inp = Inputs {
            findings: &self.findings,
            data_versioning: (self.dv, "why".to_string(), "dvc.yaml".to_string()),
            waivers: &self.waivers,
            today: self.today,
            answers: &self.answers,
        };
        let t = target.map(|t| p.level_index(t).unwrap());
        assess(p, &inp, t)
    }
}

fn row<'m>(m: &'m Maturity, capability: &str) -> &'m Gap {
    m.gaps
        .iter()
        .find(|g| g.capability == capability)
        .unwrap_or_else(|| panic!("no row {capability}: {:#?}", m.gaps))
}

#[test]
fn nothing_found_is_below_the_first_level_and_targets_it() {
    let (m, _) = Case::new(vec![]).run(&small(), None);
    assert_eq!(m.inferred_level, BELOW);
    assert_eq!(m.target_level, "one");
    assert_eq!(row(&m, "version_control").status, GapStatus::Missing);
    assert_eq!(
        row(&m, "version_control").next_step.as_deref(),
        Some("use git")
    );
    assert!(m.verdict.starts_with("Below level one"), "{}", m.verdict);
    // Rows above the target are not in the table.
    assert!(m.gaps.iter().all(|g| g.level == "one"));
}

#[test]
fn the_first_level_met_targets_the_next_and_shows_its_rows() {
    let (m, _) = Case::new(high(&["version_control"])).run(&small(), None);
    assert_eq!(m.inferred_level, "one");
    assert_eq!(m.target_level, "two");
    assert_eq!(
        row(&m, "online_serving|batch_serving").status,
        GapStatus::Missing
    );
    assert_eq!(m.blocks.get(Block::Foundations).unwrap().level, "two");
    assert_eq!(m.blocks.get(Block::PredictionServing).unwrap().level, "one");
    assert_eq!(
        m.blocks.get(Block::PredictionServing).unwrap().status,
        BlockStatus::Missing
    );
}

#[test]
fn a_recommended_row_never_blocks_a_level() {
    let (m, _) = Case::new(high(&["version_control", "batch_serving"])).run(&small(), None);
    assert_eq!(row(&m, "code_quality").status, GapStatus::Missing);
    assert!(!row(&m, "code_quality").required);
    assert_eq!(m.inferred_level, "two");
    assert_eq!(m.target_level, "two", "the top level stays the target");
    assert!(
        m.verdict.starts_with("Level two in every block"),
        "{}",
        m.verdict
    );
}

#[test]
fn any_of_rows_are_met_by_either_capability() {
    for cap in ["online_serving", "batch_serving"] {
        let (m, _) = Case::new(high(&["version_control", cap])).run(&small(), Some("two"));
        let r = row(&m, "online_serving|batch_serving");
        assert_eq!(r.status, GapStatus::Met, "{cap}");
        assert_eq!(r.found[0].capability, cap);
        assert_eq!(r.next_step, None);
    }
}

#[test]
fn low_confidence_or_a_stepping_stone_is_partial_with_a_sharper_step() {
    let mut f = high(&["version_control"]);
    f.push(finding("online_serving", "flask", Confidence::Low));
    let (m, _) = Case::new(f).run(&small(), Some("two"));
    assert_eq!(
        row(&m, "online_serving|batch_serving").status,
        GapStatus::Partial
    );
    assert_eq!(m.inferred_level, "one", "partial does not meet a level");

    let mut f = high(&["version_control"]);
    f.push(finding("model_packaging", "joblib", Confidence::High));
    let (m, _) = Case::new(f).run(&small(), Some("two"));
    let r = row(&m, "online_serving|batch_serving");
    assert_eq!(r.status, GapStatus::Partial);
    assert_eq!(
        r.next_step.as_deref(),
        Some("serve the model saved in src/joblib.py (JOBLIB)")
    );
    assert_eq!(
        m.blocks.get(Block::PredictionServing).unwrap().status,
        BlockStatus::Partial
    );
}

#[test]
fn the_level_of_a_block_needs_every_lower_level_too() {
    // Strategic rows met in foundations, but the tactical one (version control) is not.
    let f = high(&[
        "ci",
        "automated_tests",
        "containerization",
        "dependency_pinning",
    ]);
    let (m, _) = Case::new(f).run(&mlops(), None);
    assert_eq!(m.blocks.get(Block::Foundations).unwrap().level, BELOW);
}

#[test]
fn mlops_profile_boundaries() {
    let tactical = ["problem_statement", "experiment_code", "version_control"];
    let (m, _) = Case::new(high(&tactical)).run(&mlops(), None);
    assert_eq!(m.inferred_level, "tactical");
    assert_eq!(m.target_level, "strategic");

    let mut strategic: Vec<&str> = tactical.to_vec();
    strategic.extend([
        "experiment_tracking",
        "ci",
        "automated_tests",
        "containerization",
        "dependency_pinning",
        "orchestrated_training_pipeline",
        "model_versioning",
        "model_packaging",
        "online_serving",
        "operational_monitoring",
        "run_metadata",
        "model_ownership",
    ]);
    // Data versioning level 0 holds the data block (and so the repository) at tactical.
    let mut case = Case::new(high(&strategic));
    let (m, _) = case.run(&mlops(), None);
    assert_eq!(m.inferred_level, "tactical");
    assert_eq!(
        m.blocks.get(Block::DataVersioning).unwrap().level,
        "tactical"
    );
    case.dv = 1;
    let (m, _) = case.run(&mlops(), None);
    assert_eq!(m.inferred_level, "strategic", "{}", m.verdict);
    assert_eq!(m.target_level, "transformational");
    // Level 1 is partial progress towards the transformational level 3.
    let dv = m
        .gaps
        .iter()
        .find(|g| g.capability == "data_versioning" && g.level == "transformational")
        .unwrap();
    assert_eq!(dv.status, GapStatus::Partial);
    assert!(dv.detail.as_deref().unwrap().contains("level 1"));
}

#[test]
fn a_capability_at_two_levels_shows_once_at_the_higher() {
    let (m, _) = Case::new(vec![]).run(&mlops(), Some("transformational"));
    let alerting: Vec<&Gap> = m
        .gaps
        .iter()
        .filter(|g| g.capability == "alerting")
        .collect();
    assert_eq!(alerting.len(), 1);
    assert_eq!(alerting[0].level, "transformational");
    assert!(alerting[0].required);
}

#[test]
fn rows_for_notebooks_apply_only_when_there_are_notebooks() {
    let (m, _) = Case::new(vec![]).run(&mlops(), Some("transformational"));
    assert!(m.gaps.iter().all(|g| g.capability != "notebook_hygiene"));
    let (m, _) = Case::new(vec![finding(
        "experiment_code",
        "jupyter",
        Confidence::High,
    )])
    .run(&mlops(), Some("transformational"));
    assert_eq!(row(&m, "notebook_hygiene").status, GapStatus::Missing);
}

#[test]
fn unseen_ownership_needs_an_answer_and_an_answer_settles_it() {
    let mut case = Case::new(high(&[
        "problem_statement",
        "experiment_code",
        "version_control",
    ]));
    let (m, _) = case.run(&mlops(), None);
    let r = row(&m, "model_ownership");
    assert_eq!(r.status, GapStatus::NeedsAnswer);
    assert_eq!(r.question.as_deref(), Some("vp.owner"));
    case.answers
        .insert("vp.owner".to_string(), "The churn team (Ana)".to_string());
    let (m, _) = case.run(&mlops(), None);
    assert_eq!(row(&m, "model_ownership").status, GapStatus::Met);
    case.answers
        .insert("vp.owner".to_string(), "none yet".to_string());
    let (m, _) = case.run(&mlops(), None);
    assert_eq!(row(&m, "model_ownership").status, GapStatus::Missing);
}

fn waiver(capability: &str, expires: Option<&str>) -> Waiver {
    Waiver {
        capability: capability.to_string(),
        block: None,
        reason: "one model, no feature reuse".to_string(),
        expires: expires.map(str::to_string),
        at: ".mlops-canvas.toml:3".to_string(),
    }
}

#[test]
fn waivers_count_as_met_until_they_expire() {
    let mut case = Case::new(high(&["version_control"]));
    case.waivers = vec![waiver("online_serving", Some("2027-06-30"))];
    case.today = Some("2027-06-30");
    let (m, w) = case.run(&small(), Some("two"));
    let r = row(&m, "online_serving|batch_serving");
    assert_eq!(r.status, GapStatus::Waived);
    assert!(r.detail.as_deref().unwrap().contains("no feature reuse"));
    assert_eq!(m.inferred_level, "two", "a waived row meets its level");
    assert!(w.is_empty());

    case.today = Some("2027-07-01");
    let (m, w) = case.run(&small(), Some("two"));
    assert_eq!(
        row(&m, "online_serving|batch_serving").status,
        GapStatus::Missing
    );
    assert_eq!(w.len(), 1);
    assert!(
        w[0].message.contains("expired on 2027-06-30"),
        "{}",
        w[0].message
    );
    assert_eq!(w[0].path, ".mlops-canvas.toml");
}

#[test]
fn a_waiver_never_hides_a_met_row_and_respects_its_block() {
    let mut case = Case::new(high(&["version_control"]));
    case.waivers = vec![waiver("version_control", None)];
    let (m, _) = case.run(&small(), None);
    assert_eq!(row(&m, "version_control").status, GapStatus::Met);
    let mut w = waiver("online_serving", None);
    w.block = Some("monitoring".to_string());
    case.waivers = vec![w];
    let (m, _) = case.run(&small(), Some("two"));
    assert_eq!(
        row(&m, "online_serving|batch_serving").status,
        GapStatus::Missing
    );
}

#[test]
fn next_steps_put_required_lower_levels_first() {
    let (m, _) = Case::new(vec![]).run(&mlops(), Some("strategic"));
    assert_eq!(m.next_steps.len(), 3);
    assert!(
        m.next_steps[0].starts_with("value_proposition (problem_statement)"),
        "{:?}",
        m.next_steps
    );
    assert!(m
        .next_steps
        .iter()
        .all(|s| !s.contains("data_source_inventory")));
}
