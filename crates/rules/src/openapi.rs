//! OpenAPI schemas of the profile and result types (feature `openapi`): what the parser
//! enforces, said as JSON Schema. The web server's document is built from these; the engine
//! itself never needs them.

use crate::calendar::Month;
use crate::item::{Ineligibility, Veto, Warning};
use crate::profile::{Grade, InsurancePeriod, TitleLevel};
use std::borrow::Cow;
use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, OneOfBuilder, Schema, SchemaFormat, SchemaType, Type};
use utoipa::openapi::{KnownFormat, RefOr};
use utoipa::{PartialSchema, ToSchema};

/// A strict `YYYY-MM-DD` (the day is checked against the month too, which a pattern cannot say).
pub const DATE_PATTERN: &str = "^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$";
/// A strict `YYYY-MM`.
pub const MONTH_PATTERN: &str = "^[0-9]{4}-(0[1-9]|1[0-2])$";
/// A resident ID number as written: 17 digits and a check character (digit or X). The
/// region, the birth date and the GB 11643 check character are checked beyond the pattern.
pub const ID_NUMBER_PATTERN: &str = "^[0-9]{17}[0-9Xx]$";

fn date_builder() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Date)))
        .pattern(Some(DATE_PATTERN))
        .examples(["2025-06-30"])
}

/// A date, `YYYY-MM-DD`.
pub fn date() -> Schema {
    date_builder().build().into()
}

/// A date or `null`.
pub fn optional_date() -> Schema {
    date_builder().schema_type(SchemaType::from_iter([Type::String, Type::Null])).build().into()
}

/// A list of dates.
pub fn date_list() -> Schema {
    list(date())
}

/// A resident ID number.
pub fn id_number() -> Schema {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(ID_NUMBER_PATTERN))
        .examples(["310101199005120016"])
        .description(Some(
            "Resident ID number (GB 11643): 18 characters, a valid region and birth date, and the check \
             character; it must agree with birth_date when both are given.",
        ))
        .build()
        .into()
}

fn list(items: Schema) -> Schema {
    ArrayBuilder::new().items(RefOr::T(items)).build().into()
}

fn words(words: &[&'static str], description: &str) -> Schema {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(words.iter().copied()))
        .description(Some(description))
        .build()
        .into()
}

/// Every veto code of a compact result.
pub const VETO_CODES: [&str; 2] = ["serious_crime", "family_planning_violation"];
/// Every eligibility code of a compact result.
pub const INELIGIBILITY_CODES: [&str; 3] = ["no_residence_permit", "employer_not_eligible", "too_few_insurance_months"];
/// Every warning code of a compact result.
pub const WARNING_CODES: [&str; 6] = [
    "no_age_points",
    "provisional_rule_set",
    "forced_rule_set",
    "wage_before_table",
    "wage_not_yet_published",
    "future_insurance_ignored",
];

/// The lists above name every variant: adding one fails to compile here until it is listed.
#[allow(dead_code)]
fn listed(veto: &Veto, ineligibility: &Ineligibility, warning: &Warning) -> [usize; 3] {
    let veto = match veto {
        Veto::SeriousCrime { .. } => 0,
        Veto::FamilyPlanning => 1,
    };
    let ineligibility = match ineligibility {
        Ineligibility::NoResidencePermit => 0,
        Ineligibility::EmployerNotEligible => 1,
        Ineligibility::TooFewInsuranceMonths { .. } => 2,
    };
    let warning = match warning {
        Warning::NoAgePoints { .. } => 0,
        Warning::Provisional { .. } => 1,
        Warning::ForcedRuleSet { .. } => 2,
        Warning::WageBeforeTable { .. } => 3,
        Warning::WageNotYetPublished { .. } => 4,
        Warning::FutureInsuranceIgnored { .. } => 5,
    };
    [veto, ineligibility, warning]
}

pub fn veto_codes() -> Schema {
    list(words(&VETO_CODES, "why the result is vetoed"))
}

pub fn ineligibility_codes() -> Schema {
    list(words(&INELIGIBILITY_CODES, "why the person cannot apply yet"))
}

pub fn warning_codes() -> Schema {
    list(words(&WARNING_CODES, "what the reader should know"))
}

/// The ids of interpretations (RULES.md §9).
pub fn interpretation_ids() -> Schema {
    let ids = &crate::item::INTERPRETATION_IDS[1..];
    list(words(ids, "an interpretation of RULES.md §9"))
}

impl PartialSchema for Month {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .pattern(Some(MONTH_PATTERN))
            .examples(["2024-07"])
            .description(Some("a month, YYYY-MM"))
            .build()
            .into()
    }
}

impl ToSchema for Month {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("Month")
    }
}

impl PartialSchema for Grade {
    fn schema() -> RefOr<Schema> {
        let levels = OneOfBuilder::new()
            .item(words(TitleLevel::WORDS, "a title's level (kind title)"))
            .item(
                ObjectBuilder::new()
                    .schema_type(Type::Integer)
                    .minimum(Some(1))
                    .maximum(Some(5))
                    .description(Some("a skill level, 1 the highest (kind skill)")),
            )
            .description(Some("junior, intermediate or senior for a title; 1 to 5 for a skill"))
            .build();
        RefOr::T(Schema::OneOf(levels))
    }
}

impl ToSchema for Grade {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("Grade")
    }
}

impl PartialSchema for InsurancePeriod {
    fn schema() -> RefOr<Schema> {
        crate::profile::InsuranceRange::schema()
    }
}

impl ToSchema for InsurancePeriod {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("InsurancePeriod")
    }

    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        <crate::profile::InsuranceRange as ToSchema>::schemas(schemas);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    #[test]
    fn every_code_is_listed() {
        let day = NaiveDate::MIN;
        for veto in [Veto::SeriousCrime { on: day }, Veto::FamilyPlanning] {
            assert!(VETO_CODES.contains(&veto.code()));
        }
        for reason in [
            Ineligibility::NoResidencePermit,
            Ineligibility::EmployerNotEligible,
            Ineligibility::TooFewInsuranceMonths { months: 0, min_months: 0, window_months: 0 },
        ] {
            assert!(INELIGIBILITY_CODES.contains(&reason.code()));
        }
        let month = Month::of(day);
        for warning in [
            Warning::NoAgePoints { age: 0 },
            Warning::Provisional { inherits: None },
            Warning::ForcedRuleSet { in_force: None },
            Warning::WageBeforeTable { first: month },
            Warning::WageNotYetPublished { last: month, after_months: 0 },
            Warning::FutureInsuranceIgnored { months: 0 },
        ] {
            assert!(WARNING_CODES.contains(&warning.code()));
        }
    }

    #[test]
    fn the_patterns_take_what_the_parser_takes() {
        assert!(crate::calendar::parse_date("2025-06-30").is_ok());
        assert!(Month::parse("2024-07").is_ok());
    }
}
