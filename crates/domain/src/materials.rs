//! The materials checklist (积分申请材料清单): which documents an application needs, by what
//! it claims. The mapping is data (`data/materials.toml`); each entry's condition is one of
//! a closed set of named facts about the form, checked here, so a typo in the data stops the
//! server at start-up instead of silently dropping a document from everyone's list.

use crate::application::{FAMILY_ROWS, Relation};
use crate::form::Fields;
use jifen_rules::Text;
use serde::Deserialize;
use std::collections::BTreeSet;
use std::sync::LazyLock;

pub const EMBEDDED_MATERIALS: &str = include_str!("../data/materials.toml");

/// When a material is required: always, or when the form claims something.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Condition {
    Always,
    Education,
    Degree,
    PartTimeEducation,
    ForeignEducation,
    Title,
    Skill,
    ShortageMajor,
    Spouse,
    Child,
    Award,
    InvestmentTax,
    InvestmentHires,
    StartupTalent,
    IntermediaryTalent,
    Lingang,
    RemoteArea,
    PublicService,
}

impl Condition {
    /// Whether the form claims what this condition names.
    pub fn holds(self, fields: &Fields) -> bool {
        let filled = |name: &str| !fields.get(name).is_empty();
        let positive = |name: &str| fields.get(name).parse::<u64>().is_ok_and(|n| n > 0);
        let level = fields.get("edu_level");
        match self {
            Self::Always => true,
            Self::Education => filled("edu_level"),
            Self::Degree => {
                (level == "bachelor" && fields.checked("edu_degree")) || matches!(level, "master" | "doctor")
            }
            Self::PartTimeEducation => filled("edu_level") && fields.checked("edu_part_time"),
            Self::ForeignEducation => filled("edu_level") && fields.checked("edu_foreign"),
            Self::Title => fields.get("qual").starts_with("title_"),
            Self::Skill => fields.get("qual").starts_with("skill_"),
            Self::ShortageMajor => fields.checked("edu_shortage"),
            Self::Spouse => fields.checked("spouse_hukou") && filled("spouse_married_on"),
            Self::Child => (0..FAMILY_ROWS)
                .any(|row| Relation::parse(fields.get(&format!("family_relation_{row}"))) == Some(Relation::Child)),
            Self::Award => filled("award"),
            Self::InvestmentTax => positive("tax"),
            Self::InvestmentHires => positive("hires"),
            Self::StartupTalent => fields.checked("startup"),
            Self::IntermediaryTalent => fields.checked("intermediary"),
            Self::Lingang => filled("lingang_since"),
            Self::RemoteArea => positive("remote_years"),
            Self::PublicService => positive("public_years"),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Material {
    pub id: String,
    pub when: Condition,
    pub title: Text,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct MaterialsFile {
    material: Vec<Material>,
}

/// Every material an application may need, in the order the checklist shows them.
#[derive(Debug, Clone)]
pub struct Catalogue {
    pub materials: Vec<Material>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("materials catalogue: {0}")]
pub struct CatalogueError(pub String);

static EMBEDDED: LazyLock<Result<Catalogue, CatalogueError>> = LazyLock::new(|| Catalogue::parse(EMBEDDED_MATERIALS));

impl Catalogue {
    pub fn embedded() -> Result<&'static Catalogue, CatalogueError> {
        EMBEDDED.as_ref().map_err(Clone::clone)
    }

    pub fn parse(text: &str) -> Result<Self, CatalogueError> {
        let file: MaterialsFile = toml::from_str(text).map_err(|e| CatalogueError(e.to_string()))?;
        let mut ids = BTreeSet::new();
        for material in &file.material {
            let valid_id = !material.id.is_empty()
                && material.id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
            if !valid_id {
                return Err(CatalogueError(format!(
                    "material id {:?} must be lower-case letters, digits and _",
                    material.id
                )));
            }
            if !ids.insert(material.id.as_str()) {
                return Err(CatalogueError(format!("material {} is listed twice", material.id)));
            }
        }
        Ok(Self { materials: file.material })
    }

    pub fn material(&self, id: &str) -> Option<&Material> {
        self.materials.iter().find(|material| material.id == id)
    }

    /// The materials the form needs.
    pub fn checklist(&self, fields: &Fields) -> Vec<&Material> {
        self.materials.iter().filter(|material| material.when.holds(fields)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(pairs: &[(&str, &str)]) -> Fields {
        Fields::new(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect())
    }

    fn ids(fields: &Fields) -> Vec<String> {
        Catalogue::embedded().unwrap().checklist(fields).iter().map(|m| m.id.clone()).collect()
    }

    #[test]
    fn an_empty_claim_needs_the_four_basic_documents() {
        assert_eq!(ids(&Fields::default()), ["id_card", "residence_permit", "labour_contract", "application_form"]);
    }

    #[test]
    fn each_claimed_item_adds_its_documents() {
        let claimed = fields(&[
            ("edu_level", "bachelor"),
            ("edu_degree", "on"),
            ("edu_part_time", "on"),
            ("qual", "title_intermediate"),
            ("spouse_hukou", "on"),
            ("spouse_married_on", "2018-01-01"),
            ("family_relation_1", "child"),
            ("family_name_1", "张小明"),
            ("tax", "0"),
            ("hires", "12"),
        ]);
        let needed = ids(&claimed);
        for id in [
            "diploma",
            "degree_certificate",
            "study_record",
            "title_certificate",
            "appointment_letter",
            "marriage_certificate",
            "spouse_hukou_book",
            "child_birth_certificate",
            "local_hires_records",
        ] {
            assert!(needed.iter().any(|n| n == id), "{id} missing from {needed:?}");
        }
        for id in ["skill_certificate", "foreign_degree_certification", "tax_certificates", "award_certificate"] {
            assert!(!needed.iter().any(|n| n == id), "{id} should not be needed");
        }
        // A bachelor's diploma without the degree needs no degree certificate.
        assert!(!ids(&fields(&[("edu_level", "bachelor")])).iter().any(|n| n == "degree_certificate"));
    }

    #[test]
    fn a_broken_catalogue_is_refused() {
        let unknown = EMBEDDED_MATERIALS.replacen("when = \"award\"", "when = \"awrd\"", 1);
        assert!(Catalogue::parse(&unknown).unwrap_err().to_string().contains("unknown variant"));
        let twice = EMBEDDED_MATERIALS.replacen("id = \"diploma\"", "id = \"id_card\"", 1);
        assert!(Catalogue::parse(&twice).unwrap_err().to_string().contains("listed twice"));
        let bad_id = EMBEDDED_MATERIALS.replacen("id = \"diploma\"", "id = \"../x\"", 1);
        assert!(Catalogue::parse(&bad_id).is_err());
    }
}
