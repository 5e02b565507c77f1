//! The named interpretations of RULES.md §9 as data: for each id, the question, what was
//! decided, a short form for explanations and the reading not taken, in Chinese and English.
//! The decisions themselves are the engine's behaviour; these are the words for them, kept
//! in `data/interpretations.toml` so they can be corrected without touching code.

use crate::item::{INTERPRETATION_IDS, Interpretations};
use crate::lang::{Lang, Text};
use crate::rulebook::{RuleDataError, invalid};
use serde::{Deserialize, Serialize};
use std::sync::LazyLock;

pub const EMBEDDED_INTERPRETATIONS: &str = include_str!("../data/interpretations.toml");

/// One interpretation: where sources disagree, what jifen decided.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Interpretation {
    /// `I-1` … `I-11`.
    pub id: String,
    pub question: Text,
    /// The sentence saying what was decided.
    pub decision: Text,
    /// What an explanation says beside an item whose value rests on it.
    pub short: Text,
    /// The reading not taken.
    pub alternative: Text,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct InterpretationFile {
    interpretation: Vec<Interpretation>,
}

static EMBEDDED: LazyLock<Result<Vec<Interpretation>, String>> =
    LazyLock::new(|| Interpretation::load(EMBEDDED_INTERPRETATIONS).map_err(|error| error.to_string()));

impl Interpretation {
    /// Every interpretation, I-1 … I-11 in order. Empty only if the embedded data is
    /// broken, which [`crate::RuleBook::load`] reports (and a test forbids).
    pub fn all() -> &'static [Interpretation] {
        EMBEDDED.as_deref().unwrap_or_default()
    }

    /// The interpretation with this id (`I-2`).
    pub fn get(id: &str) -> Option<&'static Interpretation> {
        Self::all().iter().find(|interpretation| interpretation.id == id)
    }

    /// `I-2：学历与职称（技能等级）只计较高的一项` / `I-2: education and title or skill: …`
    pub fn short_note(&self, lang: Lang) -> String {
        let mut note = String::new();
        // Writing to a String cannot fail.
        self.write_short_note(lang, &mut note).unwrap_or_default();
        note
    }

    /// Writes [`Self::short_note`] to `out`.
    pub fn write_short_note(&self, lang: Lang, out: &mut dyn std::fmt::Write) -> std::fmt::Result {
        match lang {
            Lang::Zh => write!(out, "解释 {}：{}", self.id, self.short.zh),
            Lang::En => write!(out, "interpretation {}: {}", self.id, self.short.en),
        }
    }

    /// Loads interpretation data: exactly the ids a result can name, in order, each with
    /// every text in both languages.
    pub fn load(text: &str) -> Result<Vec<Interpretation>, RuleDataError> {
        let file = "interpretations.toml";
        let parsed: InterpretationFile = toml::from_str(text).map_err(|e| invalid(file, e.to_string()))?;
        let ids: Vec<&str> = parsed.interpretation.iter().map(|interpretation| interpretation.id.as_str()).collect();
        if ids != INTERPRETATION_IDS[1..] {
            return Err(invalid(
                file,
                format!("expected {}, found {}", INTERPRETATION_IDS[1..].join(", "), ids.join(", ")),
            ));
        }
        for interpretation in &parsed.interpretation {
            let texts = [
                &interpretation.question,
                &interpretation.decision,
                &interpretation.short,
                &interpretation.alternative,
            ];
            if texts.iter().any(|text| text.zh.trim().is_empty() || text.en.trim().is_empty()) {
                return Err(invalid(file, format!("{}: every text in both languages", interpretation.id)));
            }
        }
        Ok(parsed.interpretation)
    }

    /// Reports broken embedded data (called when a rule book is loaded).
    pub(crate) fn check_embedded() -> Result<(), RuleDataError> {
        EMBEDDED.as_ref().map(|_| ()).map_err(|message| invalid("interpretations.toml", message.clone()))
    }
}

impl Interpretations {
    /// The interpretations of the set, with their words, in order.
    pub fn described(self) -> impl Iterator<Item = &'static Interpretation> {
        self.ids().filter_map(Interpretation::get)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_interpretation_has_its_words_in_both_languages() {
        let all = Interpretation::all();
        assert_eq!(all.len(), 11);
        assert_eq!(all[10].id, "I-11");
        assert!(Interpretation::get("I-11").unwrap().decision.zh.contains("10338"));
        let set = Interpretations::NONE.with(2).with(11);
        let ids: Vec<&str> = set.described().map(|interpretation| interpretation.id.as_str()).collect();
        assert_eq!(ids, ["I-2", "I-11"]);
        assert_eq!(
            Interpretation::get("I-2").unwrap().short_note(Lang::Zh),
            "解释 I-2：学历与职称（技能等级）只计较高的一项"
        );
    }

    #[test]
    fn broken_interpretation_data_is_rejected() {
        let missing = EMBEDDED_INTERPRETATIONS.replacen("id = \"I-4\"", "id = \"I-44\"", 1);
        assert!(Interpretation::load(&missing).unwrap_err().to_string().contains("I-44"));
        let blank = EMBEDDED_INTERPRETATIONS.replacen(
            "short = { zh = \"缴费年限累计计算，中断不清零\"",
            "short = { zh = \" \"",
            1,
        );
        assert!(Interpretation::load(&blank).unwrap_err().to_string().contains("I-3"));
    }
}
