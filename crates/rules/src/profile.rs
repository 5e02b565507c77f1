//! The profile: a person's facts, as CONTRACT.md defines them. Parsing is strict (unknown
//! fields, impossible dates, wrong types and inconsistent facts are errors that name the
//! field path), so that a typo can never silently score 0.

use crate::calendar::{Month, date_format, date_list_format, option_date_format};
use crate::error::{ProfileError, ProfileErrorKind};
use crate::names::named_enum;
use crate::rulebook::QualificationLevel;
use chrono::NaiveDate;
use jifen_ids::ResidentIdNumber;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

fn yes() -> bool {
    true
}

fn is_true(value: &bool) -> bool {
    *value
}

fn is_false(value: &bool) -> bool {
    !*value
}

fn is_zero(value: &u32) -> bool {
    *value == 0
}

/// Upper bound for counts of years: no working life is longer.
pub const MAX_YEARS: u32 = 100;

/// A person's facts (CONTRACT.md). `birth_date` or `id_number` is required; every other field
/// is optional and means "none" when absent. Unknown fields are an error.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// The evaluation date; the caller's today (Asia/Shanghai) when absent.
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::optional_date))]
    #[serde(default, with = "option_date_format", skip_serializing_if = "Option::is_none")]
    pub as_of: Option<NaiveDate>,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::optional_date))]
    #[serde(default, with = "option_date_format", skip_serializing_if = "Option::is_none")]
    pub birth_date: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::id_number))]
    pub id_number: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub education: Vec<Education>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub qualifications: Vec<Qualification>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub social_insurance: Vec<InsurancePeriod>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spouse: Option<Spouse>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub awards: Vec<Award>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub investment: Option<Investment>,
    #[serde(default, skip_serializing_if = "is_zero")]
    #[cfg_attr(feature = "openapi", schema(maximum = 100))]
    pub public_service_years: u32,
    #[serde(default, skip_serializing_if = "is_zero")]
    #[cfg_attr(feature = "openapi", schema(maximum = 100))]
    pub remote_key_area_years: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lingang: Option<Lingang>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub startup_talent: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    pub intermediary_talent: bool,
    #[serde(default, skip_serializing_if = "Records::is_empty")]
    pub records: Records,
    /// Forces a rule set (an id `GET /api/v1/rule-sets` lists); by default the one in force on `as_of`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(examples("sh-2023", "sh-2018")))]
    pub rule_set: Option<String>,
    /// Eligibility gate (RULES.md §7): holds a valid residence permit. Assumed in a simulation.
    #[cfg_attr(feature = "openapi", schema(default = true))]
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub holds_residence_permit: bool,
    /// Eligibility gate: employed by an eligible Shanghai employer. Assumed in a simulation.
    #[cfg_attr(feature = "openapi", schema(default = true))]
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub employer_eligible: bool,
}

named_enum!(
    /// Highest education (教育背景).
    EducationLevel, "level" {
        Associate = "associate",
        Bachelor = "bachelor",
        Master = "master",
        Doctor = "doctor",
    }
);

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Education {
    pub level: EducationLevel,
    /// The bachelor's degree (学士学位); matters for `bachelor` only.
    #[serde(default, skip_serializing_if = "is_false")]
    pub degree: bool,
    #[cfg_attr(feature = "openapi", schema(default = true))]
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub full_time: bool,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::optional_date))]
    #[serde(default, with = "option_date_format", skip_serializing_if = "Option::is_none")]
    pub graduated_on: Option<NaiveDate>,
    #[cfg_attr(feature = "openapi", schema(default = true))]
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub recognized: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    pub shortage_major: bool,
    #[cfg_attr(feature = "openapi", schema(default = true))]
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub post_match: bool,
}

impl Education {
    pub fn new(level: EducationLevel) -> Self {
        Self {
            level,
            degree: false,
            full_time: true,
            graduated_on: None,
            recognized: true,
            shortage_major: false,
            post_match: true,
        }
    }
}

named_enum!(
    QualificationKind, "kind" {
        Title = "title",
        Skill = "skill",
    }
);

named_enum!(
    TitleLevel, "title level" {
        Junior = "junior",
        Intermediate = "intermediate",
        Senior = "senior",
    }
);

/// A qualification's level: a title level word, or a skill level number 1 (highest) to 5.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grade {
    Title(TitleLevel),
    Skill(u8),
}

impl Serialize for Grade {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Title(level) => level.serialize(serializer),
            Self::Skill(level) => serializer.serialize_u8(*level),
        }
    }
}

impl<'de> Deserialize<'de> for Grade {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw<'a> {
            Number(i64),
            #[serde(borrow)]
            Word(std::borrow::Cow<'a, str>),
        }
        let expected = "expected junior, intermediate or senior for a title, or 1 to 5 for a skill";
        match Raw::deserialize(deserializer) {
            Ok(Raw::Number(n)) if (1..=5).contains(&n) => Ok(Self::Skill(n as u8)),
            Ok(Raw::Number(n)) => Err(serde::de::Error::custom(format!("unknown level {n}; {expected}"))),
            Ok(Raw::Word(word)) => TitleLevel::parse(&word)
                .map(Self::Title)
                .ok_or_else(|| serde::de::Error::custom(format!("unknown level \"{word}\"; {expected}"))),
            Err(_) => Err(serde::de::Error::custom(format!("level must be a word or a number; {expected}"))),
        }
    }
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Qualification {
    pub kind: QualificationKind,
    pub level: Grade,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::optional_date))]
    #[serde(default, with = "option_date_format", skip_serializing_if = "Option::is_none")]
    pub obtained_on: Option<NaiveDate>,
    #[cfg_attr(feature = "openapi", schema(default = true))]
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub obtained_in_shanghai: bool,
    #[cfg_attr(feature = "openapi", schema(default = true))]
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub post_match: bool,
    #[cfg_attr(feature = "openapi", schema(default = true))]
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub registered: bool,
}

impl Qualification {
    pub fn new(kind: QualificationKind, level: Grade) -> Self {
        Self { kind, level, obtained_on: None, obtained_in_shanghai: true, post_match: true, registered: true }
    }

    /// The level as rule data names it; `None` when kind and level disagree.
    pub fn rule_level(&self) -> Option<QualificationLevel> {
        use QualificationLevel as L;
        match (self.kind, self.level) {
            (QualificationKind::Title, Grade::Title(TitleLevel::Junior)) => Some(L::TitleJunior),
            (QualificationKind::Title, Grade::Title(TitleLevel::Intermediate)) => Some(L::TitleIntermediate),
            (QualificationKind::Title, Grade::Title(TitleLevel::Senior)) => Some(L::TitleSenior),
            (QualificationKind::Skill, Grade::Skill(5)) => Some(L::Skill5),
            (QualificationKind::Skill, Grade::Skill(4)) => Some(L::Skill4),
            (QualificationKind::Skill, Grade::Skill(3)) => Some(L::Skill3),
            (QualificationKind::Skill, Grade::Skill(2)) => Some(L::Skill2),
            (QualificationKind::Skill, Grade::Skill(1)) => Some(L::Skill1),
            _ => None,
        }
    }
}

/// Months `from..=to` of Shanghai employee social insurance at a monthly base in CNY.
///
/// An **open** range (no `to` in JSON: "still insured", CONTRACT.md v1.1) runs up to and
/// including the evaluation month. Its `to` is the month of the profile's `as_of` once the
/// profile is validated, or `from` while the evaluation month is not known; the engine reads
/// [`InsurancePeriod::last_month`], and [`Profile::close_open_insurance`] ends it for good.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(from = "InsuranceRange", into = "InsuranceRange")]
pub struct InsurancePeriod {
    pub from: Month,
    pub to: Month,
    /// Still insured: the range runs up to the evaluation month.
    pub open: bool,
    pub base: u64,
    /// Paid afterwards (补缴): does not qualify.
    pub back_paid: bool,
    /// The paying unit is the labour-contract unit: otherwise it does not qualify.
    pub unit_matches_contract: bool,
}

/// An insurance period as JSON writes it, with `to` optional.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct InsuranceRange {
    from: Month,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    to: Option<Month>,
    base: u64,
    #[serde(default, skip_serializing_if = "is_false")]
    back_paid: bool,
    #[cfg_attr(feature = "openapi", schema(default = true))]
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    unit_matches_contract: bool,
}

impl From<InsuranceRange> for InsurancePeriod {
    fn from(range: InsuranceRange) -> Self {
        let InsuranceRange { from, to, base, back_paid, unit_matches_contract } = range;
        Self { from, to: to.unwrap_or(from), open: to.is_none(), base, back_paid, unit_matches_contract }
    }
}

impl From<InsurancePeriod> for InsuranceRange {
    fn from(period: InsurancePeriod) -> Self {
        let InsurancePeriod { from, to, open, base, back_paid, unit_matches_contract } = period;
        Self { from, to: (!open).then_some(to), base, back_paid, unit_matches_contract }
    }
}

impl InsurancePeriod {
    pub fn new(from: Month, to: Month, base: u64) -> Self {
        Self { from, to, open: false, base, back_paid: false, unit_matches_contract: true }
    }

    /// A range that is still running ("still insured").
    pub fn open_from(from: Month, base: u64) -> Self {
        Self { open: true, ..Self::new(from, from, base) }
    }

    pub fn qualifies(&self) -> bool {
        !self.back_paid && self.unit_matches_contract
    }

    /// The last month of the range when evaluated in `evaluation_month`.
    pub fn last_month(&self, evaluation_month: Month) -> Month {
        if self.open { evaluation_month } else { self.to }
    }
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Spouse {
    pub shanghai_hukou: bool,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::date))]
    #[serde(with = "date_format")]
    pub married_on: NaiveDate,
}

named_enum!(
    AwardLevel, "award level" {
        MunicipalSpecial = "municipal_special",
        MunicipalComprehensive = "municipal_comprehensive",
        National = "national",
    }
);

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Award {
    pub level: AwardLevel,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::optional_date))]
    #[serde(default, with = "option_date_format", skip_serializing_if = "Option::is_none")]
    pub obtained_on: Option<NaiveDate>,
    #[cfg_attr(feature = "openapi", schema(default = true))]
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub obtained_in_shanghai: bool,
}

fn hundred() -> u8 {
    100
}

fn is_hundred(value: &u8) -> bool {
    *value == 100
}

/// Over the last 3 years: average annual tax of the person's own enterprise (CNY) and the
/// average number of Shanghai-hukou employees.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Investment {
    #[serde(default)]
    pub avg_annual_tax: u64,
    #[serde(default)]
    pub avg_local_hires: u64,
    /// The person's share of the enterprise in percent; the tax is pro-rated by it.
    #[serde(default = "hundred", skip_serializing_if = "is_hundred")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 100, default = 100))]
    pub share_percent: u8,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lingang {
    /// Working and living in the Lin-gang Special Area since this date.
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::date))]
    #[serde(with = "date_format")]
    pub since: NaiveDate,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Crime {
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::date))]
    #[serde(with = "date_format")]
    pub on: NaiveDate,
    #[serde(default, skip_serializing_if = "is_false")]
    pub serious: bool,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Records {
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::date_list))]
    #[serde(default, with = "date_list_format", skip_serializing_if = "Vec::is_empty")]
    pub false_materials: Vec<NaiveDate>,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::date_list))]
    #[serde(default, with = "date_list_format", skip_serializing_if = "Vec::is_empty")]
    pub detentions: Vec<NaiveDate>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub crimes: Vec<Crime>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub family_planning_violation: bool,
}

impl Records {
    pub fn is_empty(&self) -> bool {
        self.false_materials.is_empty()
            && self.detentions.is_empty()
            && self.crimes.is_empty()
            && !self.family_planning_violation
    }
}

fn not_an_object() -> ProfileError {
    ProfileError::new("", ProfileErrorKind::Invalid("a profile is a JSON object, not an array".into()))
}

impl Profile {
    /// Parses and validates a profile from JSON text.
    pub fn from_json(text: &str) -> Result<Self, ProfileError> {
        Self::from_json_slice(text.as_bytes())
    }

    /// Parses and validates a profile from JSON bytes (any bytes: invalid UTF-8 is an error).
    pub fn from_json_slice(bytes: &[u8]) -> Result<Self, ProfileError> {
        // A plainly written profile is read without serde, with the same outcome.
        match crate::profile_reader::read_plain(bytes) {
            Some(mut profile) => {
                profile.validate()?;
                Ok(profile)
            }
            None => Self::from_json_slice_by_serde(bytes),
        }
    }

    /// [`Profile::from_json_slice`] with serde alone: the reference that the faster reader
    /// for plainly written profiles must agree with (a property test compares them).
    #[doc(hidden)]
    pub fn from_json_slice_by_serde(bytes: &[u8]) -> Result<Self, ProfileError> {
        // Plain serde. Only a failing document is parsed again with path tracking,
        // which costs about a third of the parse, to name the field.
        // serde would also read a struct from a JSON array; a profile is an object.
        if bytes.iter().find(|b| !b.is_ascii_whitespace()).is_some_and(|&b| b == b'[') {
            return Err(not_an_object());
        }
        let mut profile: Profile = match serde_json::from_slice(bytes) {
            Ok(profile) => profile,
            Err(_) => return Err(Self::locate_error(bytes)),
        };
        profile.validate()?;
        Ok(profile)
    }

    /// The error of a document that failed to parse, with its field path.
    fn locate_error(bytes: &[u8]) -> ProfileError {
        let mut deserializer = serde_json::Deserializer::from_slice(bytes);
        let parsed: Result<Profile, _> = serde_path_to_error::deserialize(&mut deserializer);
        match parsed.map_err(ProfileError::from_serde).and_then(|_| {
            deserializer
                .end()
                .map_err(|e| ProfileError::new("", ProfileErrorKind::Syntax(crate::error::strip_position(&e))))
        }) {
            Err(error) => error,
            // Unreachable in practice: the fast path failed, so this parse fails too.
            Ok(()) => ProfileError::new("", ProfileErrorKind::Syntax("unreadable document".into())),
        }
    }

    /// Parses a document that is either a profile or a golden case (`name`, `description`,
    /// `profile`, `expect`, as in `testdata/cases`), and validates the profile. Paths in
    /// errors about a case's profile start with `profile.`.
    pub fn from_document_slice(bytes: &[u8]) -> Result<Self, ProfileError> {
        let value: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| ProfileError::syntax(&e))?;
        Self::from_document(value)
    }

    /// [`Profile::from_document_slice`] for a parsed JSON value.
    pub fn from_document(value: serde_json::Value) -> Result<Self, ProfileError> {
        let serde_json::Value::Object(mut map) = value else {
            return Self::from_value(value);
        };
        let Some(profile) = map.remove("profile") else {
            return Self::from_value(serde_json::Value::Object(map));
        };
        if let Some(key) = map.keys().find(|key| !["name", "description", "expect"].contains(&key.as_str())) {
            let message =
                format!("unknown field `{key}` in a case document, expected name, description, profile or expect");
            return Err(ProfileError::new(key.clone(), ProfileErrorKind::Invalid(message)));
        }
        Self::from_value(profile).map_err(|mut error| {
            error.path = if error.path.is_empty() { "profile".into() } else { format!("profile.{}", error.path) };
            error
        })
    }

    /// Parses and validates a profile from a JSON value.
    pub fn from_value(value: serde_json::Value) -> Result<Self, ProfileError> {
        if value.is_array() {
            return Err(not_an_object());
        }
        let mut profile: Profile = serde_path_to_error::deserialize(value).map_err(ProfileError::from_serde)?;
        profile.validate()?;
        Ok(profile)
    }

    /// Checks the facts that do not depend on the evaluation date, and fills `birth_date`
    /// from the ID number when only the number is given.
    pub fn validate(&mut self) -> Result<(), ProfileError> {
        match (&self.id_number, self.birth_date) {
            (None, None) => {
                return Err(ProfileError::new("birth_date", ProfileErrorKind::BirthDateMissing));
            }
            (Some(text), given) => {
                let id = ResidentIdNumber::parse(text)
                    .map_err(|e| ProfileError::new("id_number", ProfileErrorKind::IdNumber(e)))?;
                match given {
                    Some(given) if given != id.birth_date() => {
                        return Err(ProfileError::new(
                            "id_number",
                            ProfileErrorKind::BirthDateMismatch { in_id: id.birth_date(), given },
                        ));
                    }
                    _ => self.birth_date = Some(id.birth_date()),
                }
                self.id_number = Some(id.as_str().to_string());
            }
            (None, Some(_)) => {}
        }
        for (i, qualification) in self.qualifications.iter().enumerate() {
            if qualification.rule_level().is_none() {
                return Err(ProfileError::new(
                    format!("qualifications[{i}].level"),
                    ProfileErrorKind::LevelMismatch { kind: qualification.kind },
                ));
            }
        }
        self.check_insurance()?;
        if let Some(as_of) = self.as_of {
            let as_of_month = Month::of(as_of);
            for period in self.social_insurance.iter_mut().filter(|period| period.open) {
                period.to = as_of_month.max(period.from);
            }
        }
        for (path, years) in
            [("public_service_years", self.public_service_years), ("remote_key_area_years", self.remote_key_area_years)]
        {
            if years > MAX_YEARS {
                return Err(ProfileError::new(path, ProfileErrorKind::TooLarge { max: u64::from(MAX_YEARS) }));
            }
        }
        if let Some(investment) = &self.investment
            && !(1..=100).contains(&investment.share_percent)
        {
            return Err(ProfileError::new("investment.share_percent", ProfileErrorKind::Percent));
        }
        Ok(())
    }

    /// Closed ranges must run forwards, at most one range may be open, and no month may be
    /// listed twice among the closed ranges. An open range's months depend on the evaluation
    /// date, so [`Profile::check_open_insurance`] checks them when it is known.
    fn check_insurance(&self) -> Result<(), ProfileError> {
        let periods = &self.social_insurance;
        let mut open: Option<usize> = None;
        for (i, period) in periods.iter().enumerate() {
            if period.open {
                if let Some(first) = open {
                    return Err(ProfileError::new(
                        format!("social_insurance[{i}].to"),
                        ProfileErrorKind::SecondOpenRange { first },
                    ));
                }
                open = Some(i);
            } else if period.to < period.from {
                return Err(ProfileError::new(
                    format!("social_insurance[{i}].to"),
                    ProfileErrorKind::RangeReversed { from: period.from, to: period.to },
                ));
            }
        }
        // The usual input lists closed periods in order: check that without allocating.
        let closed = periods.iter().filter(|period| !period.open);
        if closed.clone().zip(closed.skip(1)).all(|(earlier, later)| earlier.to < later.from) {
            return Ok(());
        }
        let mut order: Vec<usize> = (0..periods.len()).filter(|&i| !periods[i].open).collect();
        order.sort_by_key(|&i| periods[i].from);
        for pair in order.windows(2) {
            let (earlier, later) = (&periods[pair[0]], &periods[pair[1]]);
            if later.from <= earlier.to {
                let (first, second) = (pair[0].min(pair[1]), pair[0].max(pair[1]));
                return Err(ProfileError::new(
                    format!("social_insurance[{second}]"),
                    ProfileErrorKind::OverlappingMonths { month: later.from, other: first },
                ));
            }
        }
        Ok(())
    }

    /// The open range, evaluated in `evaluation_month`, must start by then, and no other
    /// range may have a month in it.
    pub fn check_open_insurance(&self, evaluation_month: Month) -> Result<(), ProfileError> {
        let periods = &self.social_insurance;
        let Some(open) = periods.iter().position(|period| period.open) else {
            return Ok(());
        };
        let start = periods[open].from;
        if start > evaluation_month {
            return Err(ProfileError::new(
                format!("social_insurance[{open}].from"),
                ProfileErrorKind::OpenRangeAfterEvaluation { from: start, evaluation_month },
            ));
        }
        let overlapping = periods
            .iter()
            .enumerate()
            .find(|(i, period)| *i != open && period.from <= evaluation_month && period.to >= start);
        match overlapping {
            Some((i, period)) => Err(ProfileError::new(
                format!("social_insurance[{i}]"),
                ProfileErrorKind::OverlapsOpenRange { month: period.from.max(start), open },
            )),
            None => Ok(()),
        }
    }

    /// Ends the open range, if any, with `month` (at least its first month): from then on it
    /// is an ordinary range. The planner does this at the evaluation date before assuming
    /// later months.
    pub fn close_open_insurance(&mut self, month: Month) {
        for period in self.social_insurance.iter_mut().filter(|period| period.open) {
            period.to = month.max(period.from);
            period.open = false;
        }
    }
}
