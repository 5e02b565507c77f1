//! The catalogue of actions a person controls, kept as data (`data/actions.toml`).

use jifen_rules::{EducationLevel, Grade, QualificationKind, Text};
use serde::{Deserialize, Serialize};
use std::sync::LazyLock;

pub const EMBEDDED_ACTIONS: &str = include_str!("../data/actions.toml");

/// Where an area action moves work and home to.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Area {
    Lingang,
    RemoteKeyArea,
}

/// What an action changes in a person's future.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Effect {
    Qualification {
        kind: QualificationKind,
        level: Grade,
    },
    Education {
        level: EducationLevel,
        degree: bool,
    },
    /// Insurance at `ratio_tenths / 10` × the average wage from the month after the plan starts.
    Base {
        ratio_tenths: u64,
    },
    /// The labour contract's unit pays the insurance in its own name, on time, from the month
    /// after the plan starts (listed later months included).
    ContractUnitPays,
    Area(Area),
    PublicService(bool),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Action {
    pub id: String,
    /// At most one action of a group goes into a plan.
    pub group: String,
    /// The stated effort measure: 1–10, summed over a plan.
    pub effort: u32,
    /// Typical minimum months from starting to the fact the action produces.
    pub min_months: u32,
    pub effect: Effect,
    pub title: Text,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogueFile {
    action: Vec<Action>,
}

#[derive(Debug, thiserror::Error)]
pub enum CatalogueError {
    #[error("actions: {0}")]
    Invalid(String),
}

/// All actions, in catalogue order.
#[derive(Debug, Clone)]
pub struct Catalogue {
    pub actions: Vec<Action>,
}

static EMBEDDED: LazyLock<Result<Catalogue, String>> =
    LazyLock::new(|| Catalogue::parse(EMBEDDED_ACTIONS).map_err(|e| e.to_string()));

impl Catalogue {
    pub fn embedded() -> Result<&'static Catalogue, CatalogueError> {
        EMBEDDED.as_ref().map_err(|message| CatalogueError::Invalid(message.clone()))
    }

    pub fn parse(text: &str) -> Result<Self, CatalogueError> {
        let file: CatalogueFile = toml::from_str(text).map_err(|e| CatalogueError::Invalid(e.to_string()))?;
        let mut seen = std::collections::BTreeSet::new();
        for action in &file.action {
            if !seen.insert(action.id.as_str()) {
                return Err(CatalogueError::Invalid(format!("action {} appears twice", action.id)));
            }
            if !(1..=10).contains(&action.effort) || action.min_months == 0 {
                return Err(CatalogueError::Invalid(format!("action {}: effort 1–10 and min_months ≥ 1", action.id)));
            }
            if let Effect::Qualification { kind, level } = &action.effect {
                let mut probe = jifen_rules::Qualification::new(*kind, *level);
                probe.obtained_on = None;
                if probe.rule_level().is_none() {
                    return Err(CatalogueError::Invalid(format!("action {}: kind and level disagree", action.id)));
                }
            }
        }
        Ok(Self { actions: file.action })
    }

    pub fn get(&self, id: &str) -> Option<&Action> {
        self.actions.iter().find(|action| action.id == id)
    }

    /// The groups in catalogue order, each with its actions.
    pub fn groups(&self) -> Vec<Vec<&Action>> {
        let mut groups: Vec<Vec<&Action>> = Vec::new();
        for action in &self.actions {
            match groups.iter_mut().find(|group| group[0].group == action.group) {
                Some(group) => group.push(action),
                None => groups.push(vec![action]),
            }
        }
        groups
    }
}
