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
    /// The form fields (by prefix) this condition reads: a renewal or a change that leaves
    /// them as the centre verified them needs no new evidence for its materials.
    pub fn reads(self) -> &'static [&'static str] {
        match self {
            Self::Always => &[],
            Self::Education => &["edu_"],
            Self::Degree => &["edu_level", "edu_degree"],
            Self::PartTimeEducation => &["edu_level", "edu_part_time"],
            Self::ForeignEducation => &["edu_level", "edu_foreign"],
            Self::Title | Self::Skill => &["qual"],
            Self::ShortageMajor => &["edu_shortage"],
            Self::Spouse => &["spouse_"],
            Self::Child => &["family_"],
            Self::Award => &["award"],
            Self::InvestmentTax => &["tax"],
            Self::InvestmentHires => &["hires"],
            Self::StartupTalent => &["startup"],
            Self::IntermediaryTalent => &["intermediary"],
            Self::Lingang => &["lingang_"],
            Self::RemoteArea => &["remote_years"],
            Self::PublicService => &["public_years"],
        }
    }

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
    /// The workflow actions that cannot be taken until a file for it is uploaded.
    #[serde(default)]
    pub required_for: Vec<String>,
    /// Brought to the district centre's counter, never uploaded (the form the employer
    /// stamps exists only once it is approved and printed).
    #[serde(default)]
    pub at_counter: bool,
    /// The district centre keeps the original while it verifies it, and hands it back
    /// against a signature.
    #[serde(default)]
    pub original_kept: bool,
}

/// Where one material of an application's checklist stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MaterialStatus {
    /// A file is uploaded.
    Uploaded,
    /// Missing, and a move that can be taken now needs it.
    Missing,
    /// Not uploaded, and not needed for any move that can be taken now.
    NotNeededYet,
    /// Brought to the district centre's counter, not uploaded.
    AtCounter,
    /// A renewal or a change that leaves what it proves unchanged: the centre verified it
    /// for the last notice, so no new evidence is needed.
    VerifiedBefore,
}

impl MaterialStatus {
    pub fn name(self, lang: jifen_rules::Lang) -> &'static str {
        use jifen_rules::Lang::{En, Zh};
        match (self, lang) {
            (Self::Uploaded, Zh) => "已上传",
            (Self::Uploaded, En) => "uploaded",
            (Self::Missing, Zh) => "缺少",
            (Self::Missing, En) => "missing",
            (Self::NotNeededYet, Zh) => "此步暂不需要",
            (Self::NotNeededYet, En) => "not needed at this step",
            (Self::AtCounter, Zh) => "盖章后带到窗口，无需上传",
            (Self::AtCounter, En) => "stamped, then brought to the counter; not uploaded",
            (Self::VerifiedBefore, Zh) => "上次核定时已查验，未变化无需再交",
            (Self::VerifiedBefore, En) => "verified for the last notice and unchanged: not needed again",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Uploaded => "uploaded",
            Self::Missing => "missing",
            Self::NotNeededYet => "not_needed_yet",
            Self::AtCounter => "at_counter",
            Self::VerifiedBefore => "verified_before",
        }
    }
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

    /// Checks the catalogue against the workflow: each `required_for` names one of its
    /// actions, and nothing brought to the counter is required as an upload.
    pub fn check_against(&self, workflow: &crate::workflow::Workflow) -> Result<(), CatalogueError> {
        for material in &self.materials {
            if let Some(unknown) =
                material.required_for.iter().find(|id| !workflow.actions.iter().any(|a| &a.id == *id))
            {
                return Err(CatalogueError(format!(
                    "material {} is required for action {unknown}, which the workflow does not define",
                    material.id
                )));
            }
            if material.at_counter && !material.required_for.is_empty() {
                return Err(CatalogueError(format!(
                    "material {} is brought to the counter, so no move can wait for its upload",
                    material.id
                )));
            }
        }
        Ok(())
    }

    /// Whether any material, on any form, waits for a file before `action`: a move for which
    /// none does need not look at the application's files.
    pub fn waits_for(&self, action: &str) -> bool {
        self.materials.iter().any(|m| m.required_for.iter().any(|a| a == action))
    }

    /// The materials the form needs that `action` waits for and that have no file among
    /// `uploaded` (material ids).
    pub fn missing_for<'a>(&'a self, fields: &Fields, action: &str, uploaded: &[&str]) -> Vec<&'a Material> {
        self.checklist(fields)
            .into_iter()
            .filter(|m| m.required_for.iter().any(|a| a == action) && !uploaded.contains(&m.id.as_str()))
            .collect()
    }

    /// Whether a renewal or a change that changed `changed` (field names) needs new evidence
    /// of `material`: always for the basic documents, otherwise only when a field its
    /// condition reads changed.
    pub fn needed_again(material: &Material, changed: &[&str]) -> bool {
        let reads = material.when.reads();
        material.when == Condition::Always
            || changed.iter().any(|field| reads.iter().any(|prefix| field.starts_with(prefix)))
    }

    /// Each material the form needs with where it stands, when `possible` are the actions
    /// that can be taken now and `uploaded` the materials with a file.
    pub fn statuses<'a>(
        &'a self,
        fields: &Fields,
        possible: &[&str],
        uploaded: &[&str],
    ) -> Vec<(&'a Material, MaterialStatus)> {
        self.checklist(fields)
            .into_iter()
            .map(|material| {
                let status = if material.at_counter {
                    MaterialStatus::AtCounter
                } else if uploaded.contains(&material.id.as_str()) {
                    MaterialStatus::Uploaded
                } else if material.required_for.iter().any(|a| possible.contains(&a.as_str())) {
                    MaterialStatus::Missing
                } else {
                    MaterialStatus::NotNeededYet
                };
                (material, status)
            })
            .collect()
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
    fn the_catalogue_names_real_actions_and_the_stamped_form_is_not_uploaded() {
        let workflow = crate::workflow::Workflow::embedded().unwrap();
        let catalogue = Catalogue::embedded().unwrap();
        catalogue.check_against(workflow).unwrap();
        assert!(catalogue.material("application_form").unwrap().at_counter);
        let typo = Catalogue::parse(&EMBEDDED_MATERIALS.replacen("\"file\"]", "\"fiel\"]", 1)).unwrap();
        assert!(typo.check_against(workflow).unwrap_err().to_string().contains("fiel"));
        let counter = Catalogue::parse(&EMBEDDED_MATERIALS.replacen(
            "\nat_counter = true\n",
            "\nat_counter = true\nrequired_for = [\"file\"]\n",
            1,
        ))
        .unwrap();
        assert!(counter.check_against(workflow).is_err());
    }

    #[test]
    fn statuses_say_uploaded_missing_not_needed_yet_or_at_the_counter() {
        let catalogue = Catalogue::embedded().unwrap();
        let claimed = fields(&[("edu_level", "bachelor")]);
        let status = |possible: &[&str], uploaded: &[&str], id: &str| {
            catalogue.statuses(&claimed, possible, uploaded).into_iter().find(|(m, _)| m.id == id).unwrap().1
        };
        // While the applicant fills the form, only the basic documents are needed now.
        assert_eq!(status(&["submit"], &[], "id_card"), MaterialStatus::Missing);
        assert_eq!(status(&["submit"], &[], "diploma"), MaterialStatus::NotNeededYet);
        assert_eq!(status(&["submit"], &["id_card"], "id_card"), MaterialStatus::Uploaded);
        assert_eq!(status(&["file"], &[], "diploma"), MaterialStatus::Missing);
        assert_eq!(status(&["file"], &[], "application_form"), MaterialStatus::AtCounter);
        let missing: Vec<&str> =
            catalogue.missing_for(&claimed, "file", &["id_card"]).iter().map(|m| m.id.as_str()).collect();
        assert_eq!(missing, ["residence_permit", "labour_contract", "diploma"]);
    }

    #[test]
    fn only_the_submission_and_the_filing_wait_for_files() {
        let catalogue = Catalogue::embedded().unwrap();
        assert!(catalogue.waits_for("submit"));
        assert!(catalogue.waits_for("file"));
        for action in ["approve", "return", "accept", "review", "decide", "no such action"] {
            assert!(!catalogue.waits_for(action), "{action}");
        }
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
