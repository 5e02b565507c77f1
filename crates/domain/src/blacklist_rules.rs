//! The blacklist's periods, as rule data (`data/blacklist.toml`): how long the named may
//! respond, and how long a confirmed entry bars a person from applying and an employer from
//! filing.

use serde::Deserialize;
use std::sync::LazyLock;

const EMBEDDED: &str = include_str!("../data/blacklist.toml");

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BlacklistRules {
    /// Calendar days the named have to respond to a finding.
    pub response_days: u32,
    /// Calendar days after a confirmation within which the named may appeal it.
    pub appeal_days: u32,
    pub person_bar_years: u32,
    pub employer_bar_years: u32,
    pub source: String,
    pub confidence: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("blacklist rules: {0}")]
pub struct BlacklistRulesError(pub String);

static RULES: LazyLock<Result<BlacklistRules, BlacklistRulesError>> = LazyLock::new(|| BlacklistRules::parse(EMBEDDED));

impl BlacklistRules {
    pub fn embedded() -> Result<&'static Self, BlacklistRulesError> {
        RULES.as_ref().map_err(Clone::clone)
    }

    pub fn parse(text: &str) -> Result<Self, BlacklistRulesError> {
        let rules: Self = toml::from_str(text).map_err(|e| BlacklistRulesError(e.to_string()))?;
        if rules.response_days == 0
            || rules.appeal_days == 0
            || rules.person_bar_years == 0
            || rules.employer_bar_years == 0
        {
            return Err(BlacklistRulesError("every period must be at least 1".into()));
        }
        if rules.source.trim().is_empty() {
            return Err(BlacklistRulesError("a source is required".into()));
        }
        Ok(rules)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_rules_read_and_bad_ones_are_refused() {
        let rules = BlacklistRules::embedded().unwrap();
        assert_eq!((rules.response_days, rules.person_bar_years), (10, 3));
        assert!(BlacklistRules::parse(&EMBEDDED.replace("response_days = 10", "response_days = 0")).is_err());
        assert!(BlacklistRules::parse(&EMBEDDED.replace("confidence = \"medium\"", "")).is_err());
    }
}
