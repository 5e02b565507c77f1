//! Rule sets as data: one TOML file per rule set plus the dated average-wage table, embedded
//! in the crate and loadable from other text (an administrator's published corrections).
//! Every value is a [`Cited`] value: the number, the instrument it comes from, the provision
//! and a confidence grade.

use crate::calendar::{date_format, option_date_format};
use crate::lang::{Lang, Text};
use crate::wages::{AverageWageTable, AverageWages};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::LazyLock;

/// The rule data shipped with the crate.
pub const EMBEDDED_RULE_SETS: [(&str, &str); 4] = [
    ("sh-2013.toml", include_str!("../data/sh-2013.toml")),
    ("sh-2015.toml", include_str!("../data/sh-2015.toml")),
    ("sh-2018.toml", include_str!("../data/sh-2018.toml")),
    ("sh-2023.toml", include_str!("../data/sh-2023.toml")),
];
pub const EMBEDDED_AVERAGE_WAGE: &str = include_str!("../data/average-wage.toml");

/// Keys that describe a rule set itself and are never inherited from its parent.
const IDENTITY_KEYS: [&str; 7] =
    ["id", "title", "effective_from", "effective_to", "provisional", "confidence", "inherits"];

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    High,
    Medium,
    Low,
}

impl Confidence {
    pub fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Self::High, Lang::Zh) => "高",
            (Self::Medium, Lang::Zh) => "中",
            (Self::Low, Lang::Zh) => "低",
            (Self::High, Lang::En) => "high",
            (Self::Medium, Lang::En) => "medium",
            (Self::Low, Lang::En) => "low",
        }
    }
}

/// An instrument that rule values are taken from.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    pub title: Text,
    /// Document number or date of effect, e.g. `沪府发〔2017〕98号`.
    pub reference: String,
}

/// A rule value with its citation.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cited<T> {
    pub value: T,
    /// Key of the instrument in the rule set's `sources`.
    pub source: String,
    pub provision: Text,
    pub confidence: Confidence,
    /// The citation as people read it, filled in when the rule book is loaded.
    #[serde(default, skip_deserializing)]
    pub citation: Option<Text>,
}

impl<T> Cited<T> {
    pub fn citation(&self, lang: Lang) -> &str {
        self.citation.as_ref().map_or("", |text| text.get(lang))
    }
}

/// `points = base + step × (reference − age)` for an age in `from..=to`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgeBand {
    pub from: u32,
    pub to: u32,
    pub base: i64,
    pub step: i64,
    pub reference: u32,
}

impl AgeBand {
    pub fn points(&self, age: u32) -> i64 {
        self.base + self.step * (i64::from(self.reference) - i64::from(age))
    }
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgeRules {
    pub minimum: Cited<u32>,
    pub bands: Cited<Vec<AgeBand>>,
    pub cap: Cited<i64>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EducationPoints {
    pub associate: i64,
    pub bachelor: i64,
    pub bachelor_with_degree: i64,
    pub master: i64,
    pub doctor: i64,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EducationRules {
    pub points: Cited<EducationPoints>,
    pub cap: Cited<i64>,
}

/// Every title and skill level, as named in rule data.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QualificationLevel {
    #[serde(rename = "skill_5")]
    Skill5,
    #[serde(rename = "skill_4")]
    Skill4,
    #[serde(rename = "skill_3")]
    Skill3,
    #[serde(rename = "skill_2")]
    Skill2,
    #[serde(rename = "skill_1")]
    Skill1,
    TitleJunior,
    TitleIntermediate,
    TitleSenior,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QualificationPoints {
    pub skill_5: i64,
    pub skill_4: i64,
    pub skill_3: i64,
    pub skill_2: i64,
    pub skill_1: i64,
    pub title_junior: i64,
    pub title_intermediate: i64,
    pub title_senior: i64,
}

impl QualificationPoints {
    pub fn of(&self, level: QualificationLevel) -> i64 {
        use QualificationLevel::*;
        match level {
            Skill5 => self.skill_5,
            Skill4 => self.skill_4,
            Skill3 => self.skill_3,
            Skill2 => self.skill_2,
            Skill1 => self.skill_1,
            TitleJunior => self.title_junior,
            TitleIntermediate => self.title_intermediate,
            TitleSenior => self.title_senior,
        }
    }
}

/// Recent insurance a high title or skill level needs: `min_months` of the last
/// `window_months` at a base of at least `ratio_tenths / 10` × the average wage.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BaseCondition {
    pub levels: Vec<QualificationLevel>,
    pub window_months: u32,
    pub min_months: u32,
    pub ratio_tenths: u64,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QualificationRules {
    pub points: Cited<QualificationPoints>,
    pub cap: Cited<i64>,
    pub base_condition: Cited<BaseCondition>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiYearsRule {
    pub points_per_block: i64,
    pub months_per_block: u32,
}

/// At least `min_months` of the last `window_months` at `ratio_tenths / 10` × the average wage.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BaseTier {
    pub ratio_tenths: u64,
    pub window_months: u32,
    pub min_months: u32,
    pub points: i64,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiBaseRules {
    pub tiers: Cited<Vec<BaseTier>>,
    pub cap: Cited<i64>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InvestmentRule {
    pub points_per_unit: i64,
    /// CNY of average annual tax per unit.
    pub tax_unit: u64,
    /// Shanghai-hukou employees per unit.
    pub hires_unit: u64,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InvestmentRules {
    pub rule: Cited<InvestmentRule>,
    pub cap: Cited<i64>,
}

/// `points_per_year × years`, once `min_years` full years are reached.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct YearsRule {
    pub min_years: u32,
    pub points_per_year: i64,
}

impl YearsRule {
    pub fn points(&self, years: u32) -> i64 {
        if years >= self.min_years { self.points_per_year * i64::from(years) } else { 0 }
    }
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RemoteAreaRules {
    pub rule: Cited<YearsRule>,
    pub cap: Cited<i64>,
}

/// The Lin-gang rule in force from `from` (by evaluation date).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LingangPhase {
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::date))]
    #[serde(with = "date_format")]
    pub from: NaiveDate,
    pub min_years: u32,
    pub points_per_year: i64,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LingangRules {
    pub phases: Cited<Vec<LingangPhase>>,
    pub cap: Cited<i64>,
}

impl LingangRules {
    /// The phase in force on `date` (the first phase for earlier dates).
    pub fn phase_on(&self, date: NaiveDate) -> Option<&LingangPhase> {
        let phases = &self.phases.value;
        phases.iter().rev().find(|phase| phase.from <= date).or(phases.first())
    }
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TalentRule {
    pub available: bool,
    pub points: i64,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AwardPoints {
    pub municipal_special: i64,
    pub municipal_comprehensive: i64,
    pub national: i64,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AwardRules {
    pub points: Cited<AwardPoints>,
    pub cap: Cited<i64>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpouseRule {
    pub points_per_year: i64,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpouseRules {
    pub rule: Cited<SpouseRule>,
    pub cap: Cited<i64>,
}

/// `points` (negative) for each record dated within `lookback_years` before the evaluation date.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Deduction {
    pub lookback_years: u32,
    pub points: i64,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeductionRules {
    pub false_materials: Cited<Deduction>,
    pub detention: Cited<Deduction>,
    pub crime: Cited<Deduction>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VetoRules {
    pub serious_crime: Cited<bool>,
    pub family_planning: Cited<bool>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EligibilityRule {
    pub window_months: u32,
    pub min_months: u32,
}

/// One version of the rules, in force from `effective_from` to `effective_to` inclusive.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSet {
    pub id: String,
    pub title: Text,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::date))]
    #[serde(with = "date_format")]
    pub effective_from: NaiveDate,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::optional_date))]
    #[serde(default, with = "option_date_format", skip_serializing_if = "Option::is_none")]
    pub effective_to: Option<NaiveDate>,
    /// Values not set by this rule set's own file are inherited from `inherits`.
    pub provisional: bool,
    pub confidence: Confidence,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inherits: Option<String>,
    pub sources: BTreeMap<String, Source>,
    pub standard_score: Cited<i64>,
    pub age: AgeRules,
    pub education: EducationRules,
    pub qualification: QualificationRules,
    pub si_years: Cited<SiYearsRule>,
    pub si_base: SiBaseRules,
    pub shortage_major: Cited<i64>,
    pub investment: InvestmentRules,
    pub public_service: Cited<YearsRule>,
    pub remote_area: RemoteAreaRules,
    pub lingang: LingangRules,
    pub startup_talent: Cited<TalentRule>,
    pub intermediary_talent: Cited<TalentRule>,
    pub fresh_graduate: Cited<i64>,
    pub awards: AwardRules,
    pub spouse: SpouseRules,
    pub deductions: DeductionRules,
    pub vetoes: VetoRules,
    pub eligibility: Cited<EligibilityRule>,
}

impl RuleSet {
    pub fn in_force_on(&self, date: NaiveDate) -> bool {
        self.effective_from <= date && self.effective_to.is_none_or(|to| date <= to)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RuleDataError {
    #[error("{file}: {message}")]
    Invalid { file: String, message: String },
}

pub(crate) fn invalid(file: &str, message: impl Into<String>) -> RuleDataError {
    RuleDataError::Invalid { file: file.to_string(), message: message.into() }
}

/// All rule sets and the average-wage data.
#[derive(Debug, Clone)]
pub struct RuleBook {
    rule_sets: Vec<RuleSet>,
    wages: AverageWages,
}

static EMBEDDED: LazyLock<Result<RuleBook, String>> =
    LazyLock::new(|| RuleBook::load(&EMBEDDED_RULE_SETS, EMBEDDED_AVERAGE_WAGE).map_err(|error| error.to_string()));

impl RuleBook {
    /// The rule data embedded in the crate, loaded once.
    pub fn embedded() -> Result<&'static RuleBook, RuleDataError> {
        EMBEDDED.as_ref().map_err(|message| invalid("embedded rule data", message.clone()))
    }

    /// Loads rule sets (file name, TOML text) and the wage data, resolving inheritance and
    /// checking that the data is complete and consistent.
    pub fn load(files: &[(&str, &str)], average_wage: &str) -> Result<Self, RuleDataError> {
        let mut tables = BTreeMap::new();
        for (name, text) in files {
            let table: toml::Table = toml::from_str(text).map_err(|e| invalid(name, e.to_string()))?;
            let id = table.get("id").and_then(|v| v.as_str()).ok_or_else(|| invalid(name, "missing id"))?.to_string();
            if let Some((other, _)) = tables.get(&id) {
                return Err(invalid(name, format!("the id \"{id}\" is already that of {other}")));
            }
            tables.insert(id, ((*name).to_string(), table));
        }
        let mut rule_sets = Vec::new();
        for (id, (name, _)) in &tables {
            let merged = resolve_inheritance(&tables, id, 0)?;
            check_sources(name, &merged)?;
            let mut rule_set: RuleSet =
                toml::Value::Table(merged).try_into().map_err(|e: toml::de::Error| invalid(name, e.to_string()))?;
            render_citations(&mut rule_set);
            check_rule_set(name, &rule_set)?;
            rule_sets.push(rule_set);
        }
        rule_sets.sort_by_key(|rule_set| rule_set.effective_from);
        for pair in rule_sets.windows(2) {
            let (earlier, later) = (&pair[0], &pair[1]);
            if earlier.effective_to.is_none_or(|to| to >= later.effective_from) {
                return Err(invalid(&later.id, format!("overlaps {}", earlier.id)));
            }
        }
        let wages = AverageWages::load(average_wage)?;
        crate::interpretation::Interpretation::check_embedded()?;
        Ok(Self { rule_sets, wages })
    }

    /// Rule sets, oldest first.
    pub fn rule_sets(&self) -> &[RuleSet] {
        &self.rule_sets
    }

    pub fn rule_set(&self, id: &str) -> Option<&RuleSet> {
        self.rule_sets.iter().find(|rule_set| rule_set.id == id)
    }

    pub fn in_force_on(&self, date: NaiveDate) -> Option<&RuleSet> {
        self.rule_sets.iter().find(|rule_set| rule_set.in_force_on(date))
    }

    /// The average wage used for points (RULES.md §5): the series insurance bases are
    /// compared with, frozen at the 2021 standard from 2022-07 (I-11).
    pub fn wages(&self) -> &AverageWageTable {
        &self.wages.points_reference
    }

    /// The yearly social-insurance base figures, kept beside the points reference.
    pub fn insurance_base_figures(&self) -> &AverageWageTable {
        &self.wages.insurance_base
    }

    /// The named interpretations of RULES.md §9 with their words (I-1 … I-11).
    pub fn interpretations(&self) -> &'static [crate::interpretation::Interpretation] {
        crate::interpretation::Interpretation::all()
    }

    /// Both wage series with their sources, as published.
    pub fn average_wages(&self) -> &AverageWages {
        &self.wages
    }

    /// The ids of all rule sets, for messages.
    pub fn ids(&self) -> Vec<&str> {
        self.rule_sets.iter().map(|rule_set| rule_set.id.as_str()).collect()
    }
}

fn resolve_inheritance(
    tables: &BTreeMap<String, (String, toml::Table)>,
    id: &str,
    depth: usize,
) -> Result<toml::Table, RuleDataError> {
    let Some((name, table)) = tables.get(id) else {
        return Err(invalid(id, "inherits from a rule set that does not exist"));
    };
    if depth > tables.len() {
        return Err(invalid(name, "inheritance loops"));
    }
    let Some(parent_id) = table.get("inherits").and_then(|v| v.as_str()) else {
        return Ok(table.clone());
    };
    let mut merged = resolve_inheritance(tables, parent_id, depth + 1)?;
    for key in IDENTITY_KEYS {
        merged.remove(key);
    }
    merge_into(&mut merged, table);
    Ok(merged)
}

/// Deep merge: tables merge key by key, anything else in `overlay` replaces.
fn merge_into(base: &mut toml::Table, overlay: &toml::Table) {
    for (key, value) in overlay {
        match (base.get_mut(key), value) {
            (Some(toml::Value::Table(base_table)), toml::Value::Table(overlay_table))
                if !overlay_table.contains_key("value") =>
            {
                merge_into(base_table, overlay_table)
            }
            _ => {
                base.insert(key.clone(), value.clone());
            }
        }
    }
}

/// Every `source` named by a value must be one of the rule set's sources.
fn check_sources(name: &str, table: &toml::Table) -> Result<(), RuleDataError> {
    let sources = table.get("sources").and_then(|v| v.as_table()).ok_or_else(|| invalid(name, "no sources"))?;
    fn walk(name: &str, path: &str, table: &toml::Table, sources: &toml::Table) -> Result<(), RuleDataError> {
        for (key, value) in table {
            let Some(inner) = value.as_table() else {
                continue;
            };
            let here = if path.is_empty() { key.clone() } else { format!("{path}.{key}") };
            if let Some(source) = inner.get("source").and_then(|v| v.as_str()) {
                if !sources.contains_key(source) {
                    return Err(invalid(name, format!("{here}: unknown source \"{source}\"")));
                }
            } else if key != "sources" {
                walk(name, &here, inner, sources)?;
            }
        }
        Ok(())
    }
    walk(name, "", table, sources)
}

pub(crate) fn citation_text(source: Option<&Source>, provision: &Text) -> Text {
    let (title_zh, title_en, reference) = match source {
        Some(s) => (s.title.zh.as_str(), s.title.en.as_str(), s.reference.as_str()),
        None => ("", "", ""),
    };
    Text {
        zh: format!("《{title_zh}》（{reference}）：{}", provision.zh),
        en: format!("{title_en} ({reference}): {}", provision.en),
    }
}

/// Fills in every value's readable citation. A test walks the serialized rule sets and
/// fails if a value was left without one, so this list cannot fall behind the struct.
fn render_citations(rule_set: &mut RuleSet) {
    fn fill<T>(cited: &mut Cited<T>, sources: &BTreeMap<String, Source>) {
        cited.citation = Some(citation_text(sources.get(&cited.source), &cited.provision));
    }
    let s = rule_set.sources.clone();
    fill(&mut rule_set.standard_score, &s);
    fill(&mut rule_set.age.minimum, &s);
    fill(&mut rule_set.age.bands, &s);
    fill(&mut rule_set.age.cap, &s);
    fill(&mut rule_set.education.points, &s);
    fill(&mut rule_set.education.cap, &s);
    fill(&mut rule_set.qualification.points, &s);
    fill(&mut rule_set.qualification.cap, &s);
    fill(&mut rule_set.qualification.base_condition, &s);
    fill(&mut rule_set.si_years, &s);
    fill(&mut rule_set.si_base.tiers, &s);
    fill(&mut rule_set.si_base.cap, &s);
    fill(&mut rule_set.shortage_major, &s);
    fill(&mut rule_set.investment.rule, &s);
    fill(&mut rule_set.investment.cap, &s);
    fill(&mut rule_set.public_service, &s);
    fill(&mut rule_set.remote_area.rule, &s);
    fill(&mut rule_set.remote_area.cap, &s);
    fill(&mut rule_set.lingang.phases, &s);
    fill(&mut rule_set.lingang.cap, &s);
    fill(&mut rule_set.startup_talent, &s);
    fill(&mut rule_set.intermediary_talent, &s);
    fill(&mut rule_set.fresh_graduate, &s);
    fill(&mut rule_set.awards.points, &s);
    fill(&mut rule_set.awards.cap, &s);
    fill(&mut rule_set.spouse.rule, &s);
    fill(&mut rule_set.spouse.cap, &s);
    fill(&mut rule_set.deductions.false_materials, &s);
    fill(&mut rule_set.deductions.detention, &s);
    fill(&mut rule_set.deductions.crime, &s);
    fill(&mut rule_set.vetoes.serious_crime, &s);
    fill(&mut rule_set.vetoes.family_planning, &s);
    fill(&mut rule_set.eligibility, &s);
}

/// Checks the shape of the values that the engine relies on.
fn check_rule_set(name: &str, rule_set: &RuleSet) -> Result<(), RuleDataError> {
    let bands = &rule_set.age.bands.value;
    let mut next_age = rule_set.age.minimum.value;
    for band in bands {
        if band.from != next_age || band.to < band.from {
            return Err(invalid(name, format!("age.bands: expected a band from age {next_age}")));
        }
        next_age = band.to + 1;
    }
    if next_age <= 150 {
        return Err(invalid(name, "age.bands: the last band must reach age 150"));
    }
    let tiers = &rule_set.si_base.tiers.value;
    if tiers.is_empty() || tiers.len() > crate::item::MAX_BASE_TIERS {
        return Err(invalid(name, format!("si_base.tiers: 1 to {} tiers", crate::item::MAX_BASE_TIERS)));
    }
    let window_ok = |window: u32, min: u32| (1..=240).contains(&window) && min <= window;
    if !tiers.iter().all(|tier| window_ok(tier.window_months, tier.min_months) && tier.ratio_tenths > 0) {
        return Err(invalid(name, "si_base.tiers: each window 1 to 240 months, min_months within it"));
    }
    if !tiers.windows(2).all(|pair| pair[0].points <= pair[1].points) {
        return Err(invalid(name, "si_base.tiers: tiers must be in increasing order of points"));
    }
    let condition = &rule_set.qualification.base_condition.value;
    let eligibility = &rule_set.eligibility.value;
    if !window_ok(condition.window_months, condition.min_months)
        || !window_ok(eligibility.window_months, eligibility.min_months)
    {
        return Err(invalid(name, "windows must be 1 to 240 months with min_months within them"));
    }
    let phases = &rule_set.lingang.phases.value;
    if phases.is_empty() || !phases.windows(2).all(|pair| pair[0].from < pair[1].from) {
        return Err(invalid(name, "lingang.phases: at least one, in date order"));
    }
    let deductions = &rule_set.deductions;
    for deduction in [&deductions.false_materials, &deductions.detention, &deductions.crime] {
        if deduction.value.points > 0 {
            return Err(invalid(name, "deductions: points must not be positive"));
        }
    }
    let units = &rule_set.investment.rule.value;
    if units.tax_unit == 0 || units.hires_unit == 0 || rule_set.si_years.value.months_per_block == 0 {
        return Err(invalid(name, "units must be positive"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn embedded_text(id: &str) -> String {
        EMBEDDED_RULE_SETS.iter().find(|(name, _)| name.starts_with(id)).map(|(_, text)| text.to_string()).unwrap()
    }

    fn load_with(id: &str, text: &str) -> Result<RuleBook, RuleDataError> {
        let files: Vec<(&str, String)> = EMBEDDED_RULE_SETS
            .iter()
            .map(|(name, original)| (*name, if name.starts_with(id) { text.to_string() } else { original.to_string() }))
            .collect();
        let borrowed: Vec<(&str, &str)> = files.iter().map(|(name, text)| (*name, text.as_str())).collect();
        RuleBook::load(&borrowed, EMBEDDED_AVERAGE_WAGE)
    }

    /// Walks the serialized rule sets: every object holding a `value` is a cited value and
    /// must carry a citation in both languages and a confidence grade.
    #[test]
    fn every_value_of_every_rule_set_is_cited() {
        fn walk(node: &serde_json::Value, path: &str, count: &mut usize) {
            let serde_json::Value::Object(map) = node else {
                return;
            };
            if map.contains_key("value") {
                let citation = &map["citation"];
                for lang in ["zh", "en"] {
                    let text = citation[lang].as_str().unwrap_or("");
                    assert!(text.len() > 10 && !text.starts_with("《》"), "{path}: citation {lang} is {text:?}");
                }
                assert!(map["confidence"].is_string(), "{path}: no confidence");
                *count += 1;
                return;
            }
            for (key, child) in map {
                walk(child, &format!("{path}.{key}"), count);
            }
        }
        let book = RuleBook::embedded().unwrap();
        assert_eq!(book.ids(), ["sh-2013", "sh-2015", "sh-2018", "sh-2023"]);
        for rule_set in book.rule_sets() {
            let mut count = 0;
            walk(&serde_json::to_value(rule_set).unwrap(), &rule_set.id, &mut count);
            assert!(count >= 33, "{}: only {count} cited values", rule_set.id);
        }
        let wages = book.average_wages();
        let mut series = wages.points_reference.entries.iter().chain(&wages.insurance_base.entries);
        assert!(series.all(|entry| entry.citation.is_some()), "every wage figure is cited");
    }

    #[test]
    fn provisional_rule_sets_inherit_what_they_do_not_list() {
        let book = RuleBook::embedded().unwrap();
        let trial = book.rule_set("sh-2013").unwrap();
        assert!(trial.provisional);
        assert_eq!(trial.investment.cap.value, 100);
        assert!(!trial.startup_talent.value.available);
        assert_eq!(trial.age.cap.value, 30, "inherited from sh-2018");
        assert_eq!(trial.effective_to, NaiveDate::from_ymd_opt(2015, 6, 30), "identity is never inherited");
        assert!(book.rule_set("sh-2015").unwrap().startup_talent.value.available);
        assert!(!book.rule_set("sh-2023").unwrap().vetoes.family_planning.value);
    }

    #[test]
    fn rule_sets_are_found_by_date() {
        let book = RuleBook::embedded().unwrap();
        let on = |y, m, d| book.in_force_on(NaiveDate::from_ymd_opt(y, m, d).unwrap()).map(|r| r.id.as_str());
        assert_eq!(on(2013, 6, 30), None);
        assert_eq!(on(2013, 7, 1), Some("sh-2013"));
        assert_eq!(on(2017, 12, 31), Some("sh-2015"));
        assert_eq!(on(2018, 1, 1), Some("sh-2018"));
        assert_eq!(on(2099, 1, 1), Some("sh-2023"));
    }

    #[test]
    fn broken_rule_data_is_rejected_with_the_file_and_reason() {
        let sh2018 = embedded_text("sh-2018");
        let cases = [
            (sh2018.replacen("source = \"rules-2017\"", "source = \"nowhere\"", 1), "unknown source"),
            (sh2018.replacen("{ from = 44, to = 55", "{ from = 45, to = 55", 1), "age.bands"),
            (sh2018.replacen("effective_to = \"2022-12-31\"", "effective_to = \"2023-06-30\"", 1), "overlaps"),
            (
                sh2018.replacen("[shortage_major]\nvalue = 30", "[shortage_major]\nvalue = \"thirty\"", 1),
                "shortage_major.value",
            ),
            (sh2018.replacen("points = -150 }", "points = 150 }", 1), "deductions"),
        ];
        for (text, needle) in cases {
            let error = load_with("sh-2018", &text).unwrap_err().to_string();
            assert!(error.contains(needle), "expected {needle:?} in {error}");
        }
        let looped = embedded_text("sh-2015").replace("inherits = \"sh-2018\"", "inherits = \"sh-2015\"");
        assert!(load_with("sh-2015", &looped).unwrap_err().to_string().contains("loops"));
    }

    #[test]
    fn the_wage_in_force_is_the_latest_entry_on_or_before_the_month() {
        use crate::calendar::Month;
        let book = RuleBook::embedded().unwrap();
        let month = |text| Month::parse(text).unwrap();
        let base = book.insurance_base_figures();
        assert_eq!(base.in_force(month("2024-06")), 12183);
        assert_eq!(base.in_force(month("2024-07")), 12307);
        assert_eq!(base.in_force(month("2030-01")), 12434);
        assert_eq!(base.in_force(month("2000-01")), 3896, "before the table: the first entry");
        let mut stretches = Vec::new();
        base.for_each_stretch(month("2023-05"), month("2024-08"), |months, entry| {
            stretches.push((months, entry.monthly))
        });
        assert_eq!(stretches, [(2, 11396), (12, 12183), (2, 12307)]);
    }

    /// RULES.md §5 and I-11: the points reference stays at the 2021 standard from 2022-07
    /// while the insurance-base figures rise; each frozen entry says so and is cited.
    #[test]
    fn the_points_reference_is_frozen_at_the_2021_standard_i_11() {
        use crate::calendar::Month;
        let book = RuleBook::embedded().unwrap();
        let month = |text| Month::parse(text).unwrap();
        let points = book.wages();
        assert_eq!(points.in_force(month("2021-06")), 9339);
        for text in ["2021-07", "2022-07", "2023-07", "2024-07", "2025-07", "2030-01"] {
            assert_eq!(points.in_force(month(text)), 10338, "{text}");
        }
        assert_eq!(points.last_month(), book.insurance_base_figures().last_month(), "both series published together");
        for entry in &points.entries {
            let frozen = entry.from >= month("2022-07");
            assert_eq!(entry.interpretation.as_deref(), frozen.then_some("I-11"), "{}", entry.from);
            assert_eq!(entry.interpretations.contains(11), frozen, "{}", entry.from);
            assert_eq!(entry.keeps, frozen.then(|| month("2021-07")), "{}", entry.from);
            assert!(entry.citation.as_ref().is_some_and(|c| c.zh.contains("》") && !c.en.is_empty()));
        }
        assert!(points.entries.iter().any(|e| e.citation.as_ref().is_some_and(|c| c.zh.contains("人才特殊支持举措"))));
    }

    #[test]
    fn broken_wage_data_is_rejected_with_the_series_and_reason() {
        let cases = [
            (EMBEDDED_AVERAGE_WAGE.replacen("keeps = \"2021-07\"", "keeps = \"2020-07\"", 1), "keeps 2020-07"),
            (EMBEDDED_AVERAGE_WAGE.replacen("interpretation = \"I-11\"", "interpretation = \"I-99\"", 1), "I-99"),
            (EMBEDDED_AVERAGE_WAGE.replacen("source = \"talent-support-2022\"", "source = \"nowhere\"", 1), "nowhere"),
            (EMBEDDED_AVERAGE_WAGE.replacen("monthly = 12434", "monthly = 0", 1), "insurance_base 2025-07"),
            (EMBEDDED_AVERAGE_WAGE.replacen("from = \"2012-04\"", "from = \"2010-04\"", 1), "increasing order"),
        ];
        for (text, needle) in cases {
            let error = RuleBook::load(&EMBEDDED_RULE_SETS, &text).unwrap_err().to_string();
            assert!(error.contains(needle), "expected {needle:?} in {error}");
        }
    }
}
