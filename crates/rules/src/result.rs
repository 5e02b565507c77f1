//! The result document of CONTRACT.md, rendered from an [`Evaluation`] in one language.

use crate::calendar::date_format;
use crate::engine::Evaluation;
use crate::explain;
use crate::item::{Category, ItemId};
use crate::lang::Lang;
use crate::rulebook::Confidence;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoreResult<'r> {
    pub rule_set: RuleSetSummary<'r>,
    #[serde(with = "date_format")]
    pub as_of: NaiveDate,
    pub standard: i64,
    pub total: i64,
    pub reaches_standard: bool,
    pub vetoed: bool,
    pub veto_reasons: Vec<String>,
    pub eligible_to_apply: bool,
    pub eligibility_reasons: Vec<String>,
    pub items: Vec<ResultItem<'r>>,
    pub warnings: Vec<String>,
    /// Every interpretation of RULES.md §9 the result rests on.
    pub interpretations: Vec<Cow<'static, str>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleSetSummary<'r> {
    pub id: Cow<'r, str>,
    pub title: Cow<'r, str>,
    #[serde(with = "date_format")]
    pub effective_from: NaiveDate,
    pub provisional: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResultItem<'r> {
    pub id: ItemId,
    pub category: Category,
    pub points: i64,
    pub counted: bool,
    pub explanation: Cow<'r, str>,
    pub citation: Cow<'r, str>,
    pub confidence: Confidence,
    pub interpretations: Vec<Cow<'static, str>>,
}

impl<'r> ScoreResult<'r> {
    pub fn item(&self, id: ItemId) -> Option<&ResultItem<'r>> {
        self.items.iter().find(|item| item.id == id)
    }
}

impl<'r> Evaluation<'r> {
    /// The result document in `lang`.
    pub fn to_result(&self, lang: Lang) -> ScoreResult<'r> {
        let rules = self.rule_set;
        let ids = |set: crate::item::Interpretations| set.ids().map(Cow::Borrowed).collect();
        ScoreResult {
            rule_set: RuleSetSummary {
                id: Cow::Borrowed(&rules.id),
                title: Cow::Borrowed(rules.title.get(lang)),
                effective_from: rules.effective_from,
                provisional: rules.provisional,
            },
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
}
