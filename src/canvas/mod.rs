//! The MLOps Stack Canvas: its 11 blocks in canvas order, with stable ids and titles.
//!
//! Block ids are part of the JSON contract (DESIGN.md §2): they appear in detector files,
//! profiles, configs and reports, and never change.

pub mod answers;
pub mod answers_file;
pub mod dilemmas;

use serde::{Deserialize, Serialize, Serializer};

/// One of the 11 canvas blocks, in the order the canvas shows them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Block {
    ValueProposition,
    DataVersioning,
    ExperimentManagement,
    FeatureStore,
    Foundations,
    MlPipelines,
    ModelRegistry,
    ModelDeployment,
    PredictionServing,
    Monitoring,
    MetadataStore,
}

impl Block {
    /// Every block in canvas order.
    pub const ALL: [Block; 11] = [
        Block::ValueProposition,
        Block::DataVersioning,
        Block::ExperimentManagement,
        Block::FeatureStore,
        Block::Foundations,
        Block::MlPipelines,
        Block::ModelRegistry,
        Block::ModelDeployment,
        Block::PredictionServing,
        Block::Monitoring,
        Block::MetadataStore,
    ];

    /// The stable snake_case id.
    pub fn id(self) -> &'static str {
        match self {
            Block::ValueProposition => "value_proposition",
            Block::DataVersioning => "data_versioning",
            Block::ExperimentManagement => "experiment_management",
            Block::FeatureStore => "feature_store",
            Block::Foundations => "foundations",
            Block::MlPipelines => "ml_pipelines",
            Block::ModelRegistry => "model_registry",
            Block::ModelDeployment => "model_deployment",
            Block::PredictionServing => "prediction_serving",
            Block::Monitoring => "monitoring",
            Block::MetadataStore => "metadata_store",
        }
    }

    /// The title a person reads.
    pub fn title(self) -> &'static str {
        match self {
            Block::ValueProposition => "Value proposition",
            Block::DataVersioning => "Data sources & data versioning",
            Block::ExperimentManagement => "Data analysis & experiment management",
            Block::FeatureStore => "Feature store & workflows",
            Block::Foundations => "Foundations (DevOps)",
            Block::MlPipelines => "CI / CT / CD: ML pipeline orchestration",
            Block::ModelRegistry => "Model registry & versioning",
            Block::ModelDeployment => "Model deployment",
            Block::PredictionServing => "Prediction serving",
            Block::Monitoring => "Model, data & system monitoring",
            Block::MetadataStore => "Metadata store",
        }
    }

    /// The area of the canvas the block belongs to, as the article groups them.
    pub fn area(self) -> Area {
        match self {
            Block::ValueProposition => Area::ValueProposition,
            Block::DataVersioning
            | Block::ExperimentManagement
            | Block::FeatureStore
            | Block::Foundations => Area::DataAndCode,
            Block::MlPipelines
            | Block::ModelRegistry
            | Block::ModelDeployment
            | Block::PredictionServing
            | Block::Monitoring => Area::Model,
            Block::MetadataStore => Area::Metadata,
        }
    }

    /// Parses a block id.
    pub fn from_id(id: &str) -> Option<Block> {
        Block::ALL.into_iter().find(|b| b.id() == id)
    }
}

/// Where the answer to one canvas question stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AnswerStatus {
    /// Nobody has answered yet: neither the scan nor the team.
    Open,
    /// The scan answered; the team has not written an answer.
    Detected,
    /// The team answered (agreeing with the scan, or where the scan found nothing).
    Answered,
    /// The evidence behind an earlier detection is gone.
    Stale,
    /// The team's answer disagrees with what the scan found.
    Contradicted,
    /// An answer to a question id the canvas no longer asks; kept so no text is lost.
    Retired,
}

impl AnswerStatus {
    /// The lowercase name used in files and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            AnswerStatus::Open => "open",
            AnswerStatus::Detected => "detected",
            AnswerStatus::Answered => "answered",
            AnswerStatus::Stale => "stale",
            AnswerStatus::Contradicted => "contradicted",
            AnswerStatus::Retired => "retired",
        }
    }
}

/// The areas of the canvas page: the value proposition in the middle, data and code
/// management on one side, model management on the other, metadata management below.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Area {
    ValueProposition,
    DataAndCode,
    Model,
    Metadata,
}

impl Area {
    /// Every area, in reading order.
    pub const ALL: [Area; 4] = [
        Area::ValueProposition,
        Area::DataAndCode,
        Area::Model,
        Area::Metadata,
    ];

    /// The heading a person reads.
    pub fn title(self) -> &'static str {
        match self {
            Area::ValueProposition => "Value proposition",
            Area::DataAndCode => "Data and code management",
            Area::Model => "Model management",
            Area::Metadata => "Metadata management",
        }
    }

    /// The blocks of this area, in canvas order.
    pub fn blocks(self) -> impl Iterator<Item = Block> {
        Block::ALL.into_iter().filter(move |b| b.area() == self)
    }
}

impl Serialize for Block {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.id())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_are_unique() {
        let mut ids: Vec<_> = Block::ALL.iter().map(|b| b.id()).collect();
        for b in Block::ALL {
            assert_eq!(Block::from_id(b.id()), Some(b));
        }
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), 11);
    }
}
