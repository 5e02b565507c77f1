//! The result document of CONTRACT.md, rendered from an [`Evaluation`] in one language.

use crate::calendar::date_format;
use crate::engine::Evaluation;
use crate::explain;
use crate::item::{Category, Ineligibility, ItemId, Veto, Warning};
use crate::lang::Lang;
use crate::rulebook::Confidence;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoreResult<'r> {
    pub rule_set: RuleSetSummary<'r>,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::date))]
    #[serde(with = "date_format")]
    pub as_of: NaiveDate,
    pub standard: i64,
    pub total: i64,
    pub reaches_standard: bool,
    pub vetoed: bool,
    pub veto_reasons: Vec<String>,
    pub eligible_to_apply: bool,
    pub eligibility_reasons: Vec<String>,
    #[cfg_attr(feature = "openapi", schema(min_items = 17, max_items = 17))]
    pub items: Vec<ResultItem<'r>>,
    pub warnings: Vec<String>,
    /// Every interpretation of RULES.md §9 the result rests on.
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::interpretation_ids))]
    pub interpretations: Vec<Cow<'static, str>>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleSetSummary<'r> {
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub id: Cow<'r, str>,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub title: Cow<'r, str>,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::date))]
    #[serde(with = "date_format")]
    pub effective_from: NaiveDate,
    pub provisional: bool,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResultItem<'r> {
    pub id: ItemId,
    pub category: Category,
    pub points: i64,
    pub counted: bool,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub explanation: Cow<'r, str>,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub citation: Cow<'r, str>,
    pub confidence: Confidence,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::interpretation_ids))]
    pub interpretations: Vec<Cow<'static, str>>,
}

impl<'r> ScoreResult<'r> {
    pub fn item(&self, id: ItemId) -> Option<&ResultItem<'r>> {
        self.items.iter().find(|item| item.id == id)
    }
}

/// How much of a result is worded: everything (the default), or nothing (a compact result
/// for machines: `--explain none`, `?explain=none`).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Explain {
    #[default]
    Full,
    None,
}

impl Explain {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "full" => Some(Self::Full),
            "none" => Some(Self::None),
            _ => None,
        }
    }
}

/// The result document without words, for machines (CONTRACT.md v1.1): the same fields as
/// [`ScoreResult`] in the same order, except that items carry no `explanation` and
/// `citation`, and `veto_reasons`, `eligibility_reasons` and `warnings` hold stable codes.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize)]
// Only serialized: deny_unknown_fields changes nothing but the schema (additionalProperties:
// false), which tells a compact result from a full one.
#[serde(deny_unknown_fields)]
pub struct CompactResult<'r> {
    pub rule_set: RuleSetSummary<'r>,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::date))]
    #[serde(with = "date_format")]
    pub as_of: NaiveDate,
    pub standard: i64,
    pub total: i64,
    pub reaches_standard: bool,
    pub vetoed: bool,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::veto_codes))]
    pub veto_reasons: Vec<&'static str>,
    pub eligible_to_apply: bool,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::ineligibility_codes))]
    pub eligibility_reasons: Vec<&'static str>,
    #[cfg_attr(feature = "openapi", schema(min_items = 17, max_items = 17))]
    pub items: Vec<CompactItem>,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::warning_codes))]
    pub warnings: Vec<&'static str>,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::interpretation_ids))]
    pub interpretations: Vec<&'static str>,
}

/// An item of a [`CompactResult`]: a [`ResultItem`] without its words.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CompactItem {
    pub id: ItemId,
    pub category: Category,
    pub points: i64,
    pub counted: bool,
    pub confidence: Confidence,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::interpretation_ids))]
    pub interpretations: Vec<&'static str>,
}

impl<'r> Evaluation<'r> {
    fn rule_set_summary(&self, lang: Lang) -> RuleSetSummary<'r> {
        let rules = self.rule_set;
        RuleSetSummary {
            id: Cow::Borrowed(&rules.id),
            title: Cow::Borrowed(rules.title.get(lang)),
            effective_from: rules.effective_from,
            provisional: rules.provisional,
        }
    }

    /// The result document in `lang`.
    pub fn to_result(&self, lang: Lang) -> ScoreResult<'r> {
        let rules = self.rule_set;
        let ids = |set: crate::item::Interpretations| set.ids().map(Cow::Borrowed).collect();
        ScoreResult {
            rule_set: self.rule_set_summary(lang),
            as_of: self.as_of,
            standard: self.standard,
            total: self.total,
            reaches_standard: self.reaches_standard,
            vetoed: self.vetoed(),
            veto_reasons: self.vetoes.iter().map(|veto| explain::veto(veto, lang)).collect(),
            eligible_to_apply: self.eligible_to_apply(),
            eligibility_reasons: self
                .ineligibilities
                .iter()
                .map(|reason| explain::ineligibility(reason, lang))
                .collect(),
            items: self
                .items
                .iter()
                .map(|item| ResultItem {
                    id: item.id,
                    category: item.id.category(),
                    points: item.points,
                    counted: item.counted,
                    explanation: explain::explain(item, rules, lang),
                    citation: Cow::Borrowed(item.reference.text(lang)),
                    confidence: item.reference.confidence,
                    interpretations: ids(item.interpretations),
                })
                .collect(),
            warnings: self.warnings.iter().map(|warning| explain::warning(warning, lang)).collect(),
            interpretations: ids(self.interpretations),
        }
    }

    /// The compact result document: nothing is worded, so nothing is formatted. The rule
    /// set's title is the one text it keeps, in `lang`, as in the full document.
    pub fn to_compact_result(&self, lang: Lang) -> CompactResult<'r> {
        CompactResult {
            rule_set: self.rule_set_summary(lang),
            as_of: self.as_of,
            standard: self.standard,
            total: self.total,
            reaches_standard: self.reaches_standard,
            vetoed: self.vetoed(),
            veto_reasons: self.vetoes.iter().map(Veto::code).collect(),
            eligible_to_apply: self.eligible_to_apply(),
            eligibility_reasons: self.ineligibilities.iter().map(Ineligibility::code).collect(),
            items: self
                .items
                .iter()
                .map(|item| CompactItem {
                    id: item.id,
                    category: item.id.category(),
                    points: item.points,
                    counted: item.counted,
                    confidence: item.reference.confidence,
                    interpretations: item.interpretations.ids().collect(),
                })
                .collect(),
            warnings: self.warnings.iter().map(Warning::code).collect(),
            interpretations: self.interpretations.ids().collect(),
        }
    }
}
