//! What the district centre verifies (积分审核), as data (`data/verification.toml`): the
//! checks an application needs, generated from its claim like the materials checklist, and
//! the reasons a reviewer may give for correcting a claimed fact. Conditions and item ids are
//! checked when the file is read, so a typo stops the server at start-up.

use crate::form::Fields;
use crate::materials::Condition;
use jifen_rules::{ItemId, Text};
use serde::Deserialize;
use std::collections::BTreeSet;
use std::sync::LazyLock;

const EMBEDDED_VERIFICATION: &str = include_str!("../data/verification.toml");

/// One check, and where its answer comes from.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Check {
    pub id: String,
    pub when: Condition,
    #[serde(default)]
    pub only_with_family_planning_veto: bool,
    pub title: Text,
    pub source: Text,
}

/// A reason for correcting a claimed fact, and the items it can correct.
#[derive(Debug, Clone)]
pub struct CorrectionReason {
    pub id: String,
    /// Empty: any item.
    pub items: Vec<ItemId>,
    /// The reviewer must say more in a note.
    pub note_required: bool,
    pub title: Text,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReasonEntry {
    id: String,
    items: Vec<String>,
    #[serde(default)]
    note_required: bool,
    title: Text,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VerificationFile {
    check: Vec<Check>,
    reason: Vec<ReasonEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("verification catalogue: {0}")]
pub struct VerificationError(pub String);

/// Every check and every correction reason, in the order pages show them.
#[derive(Debug, Clone)]
pub struct VerificationCatalogue {
    pub checks: Vec<Check>,
    pub reasons: Vec<CorrectionReason>,
}

static EMBEDDED: LazyLock<Result<VerificationCatalogue, VerificationError>> =
    LazyLock::new(|| VerificationCatalogue::parse(EMBEDDED_VERIFICATION));

impl VerificationCatalogue {
    pub fn embedded() -> Result<&'static Self, VerificationError> {
        EMBEDDED.as_ref().map_err(Clone::clone)
    }

    pub fn parse(text: &str) -> Result<Self, VerificationError> {
        let file: VerificationFile = toml::from_str(text).map_err(|e| VerificationError(e.to_string()))?;
        let mut ids = BTreeSet::new();
        for id in file.check.iter().map(|c| &c.id).chain(file.reason.iter().map(|r| &r.id)) {
            if id.is_empty() || !id.bytes().all(|b| b.is_ascii_lowercase() || b == b'_') {
                return Err(VerificationError(format!("id {id:?} must be lower-case letters and _")));
            }
            if !ids.insert(id.as_str()) {
                return Err(VerificationError(format!("{id} is listed twice")));
            }
        }
        let mut reasons = Vec::with_capacity(file.reason.len());
        for entry in file.reason {
            let items = entry
                .items
                .iter()
                .map(|item| {
                    ItemId::parse(item)
                        .ok_or_else(|| VerificationError(format!("reason {}: no item {item:?}", entry.id)))
                })
                .collect::<Result<Vec<_>, _>>()?;
            if items.is_empty() && !entry.note_required {
                return Err(VerificationError(format!("reason {}: one for any item needs a note", entry.id)));
            }
            reasons.push(CorrectionReason {
                id: entry.id,
                items,
                note_required: entry.note_required,
                title: entry.title,
            });
        }
        Ok(Self { checks: file.check, reasons })
    }

    /// The checks an application's claim needs; `family_planning_veto` says whether the rule
    /// set in force on its date still has that veto.
    pub fn checks_for(&self, fields: &Fields, family_planning_veto: bool) -> Vec<&Check> {
        self.checks
            .iter()
            .filter(|check| check.when.holds(fields) && (family_planning_veto || !check.only_with_family_planning_veto))
            .collect()
    }

    /// The reasons a reviewer may give for correcting `item`.
    pub fn reasons_for(&self, item: ItemId) -> Vec<&CorrectionReason> {
        self.reasons.iter().filter(|reason| reason.items.is_empty() || reason.items.contains(&item)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(pairs: &[(&str, &str)]) -> Fields {
        Fields::new(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect())
    }

    fn ids<'a>(checks: impl IntoIterator<Item = &'a Check>) -> Vec<&'a str> {
        checks.into_iter().map(|check| check.id.as_str()).collect()
    }

    #[test]
    fn the_checks_follow_the_claim_and_the_rule_set() {
        let catalogue = VerificationCatalogue::embedded().unwrap();
        let bare = fields(&[]);
        assert_eq!(
            ids(catalogue.checks_for(&bare, false)),
            ["social_insurance", "tax", "public_security", "personnel_file"]
        );
        let claimed = fields(&[
            ("edu_level", "bachelor"),
            ("qual", "title_intermediate"),
            ("spouse_hukou", "on"),
            ("spouse_married_on", "2018-01-01"),
        ]);
        let checks = ids(catalogue.checks_for(&claimed, true));
        for expected in ["education", "title", "civil_affairs", "family_planning"] {
            assert!(checks.contains(&expected), "{expected} in {checks:?}");
        }
        assert!(!checks.contains(&"skill"));
        assert!(!ids(catalogue.checks_for(&claimed, false)).contains(&"family_planning"), "no veto, no check (I-9)");
    }

    #[test]
    fn reasons_are_offered_for_the_items_they_can_correct() {
        let catalogue = VerificationCatalogue::embedded().unwrap();
        let for_base: Vec<&str> = catalogue.reasons_for(ItemId::SiBase).iter().map(|r| r.id.as_str()).collect();
        assert_eq!(for_base, ["back_paid", "unit_not_contract", "base_lower", "other"]);
        let other = catalogue.reasons.iter().find(|r| r.id == "other").unwrap();
        assert!(other.note_required && other.items.is_empty());
    }

    #[test]
    fn a_typo_in_the_catalogue_is_refused() {
        let text = |check_when: &str, reason_items: &str| {
            format!(
                "[[check]]\nid = \"c\"\nwhen = \"{check_when}\"\ntitle = {{ zh = \"a\", en = \"a\" }}\nsource = {{ zh = \"s\", en = \"s\" }}\n\n\
                 [[reason]]\nid = \"r\"\nitems = [{reason_items}]\ntitle = {{ zh = \"b\", en = \"b\" }}\n"
            )
        };
        assert!(VerificationCatalogue::parse(&text("always", "\"si_base\"")).is_ok());
        assert!(VerificationCatalogue::parse(&text("sometimes", "\"si_base\"")).is_err(), "unknown condition");
        let unknown_item = VerificationCatalogue::parse(&text("always", "\"salary\"")).unwrap_err();
        assert!(unknown_item.0.contains("salary"), "{unknown_item}");
        assert!(VerificationCatalogue::parse(&text("always", "")).is_err(), "any item without a note");
    }
}
