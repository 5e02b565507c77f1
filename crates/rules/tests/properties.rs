#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Properties of the engine over arbitrary well-formed profiles (RULES.md §2–§6 and the
//! result contract), and a fuzz of the profile parser.

use chrono::{Days, Months, NaiveDate, TimeDelta};
use jifen_rules::{
    Award, AwardLevel, Category, Context, Crime, Education, EducationLevel, Evaluation, Explain, Finding, Grade,
    InsurancePeriod, Interpretation, Investment, ItemId, Lang, Lingang, Month, Profile, Qualification,
    QualificationKind, Records, RuleBook, Spouse, TitleLevel,
};
use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;
use proptest::sample::select;
use serde_json::{Map, Value};
use std::collections::BTreeSet;

// ---------------------------------------------------------------- helpers

fn date(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).unwrap()
}

fn today() -> NaiveDate {
    date(2026, 1, 15)
}

fn shift(day: NaiveDate, days: i64) -> NaiveDate {
    day.checked_add_signed(TimeDelta::days(days)).unwrap()
}

fn try_score(profile: &Profile) -> Result<Evaluation<'static>, jifen_rules::ProfileError> {
    RuleBook::embedded().unwrap().evaluate(profile, &Context::on(today()))
}

fn score(profile: &Profile) -> Evaluation<'static> {
    try_score(profile).unwrap_or_else(|e| panic!("{e}\n{}", serde_json::to_string(profile).unwrap()))
}

fn as_of_month(profile: &Profile) -> Month {
    Month::of(profile.as_of.unwrap())
}

// ---------------------------------------------------------------- profile strategy

/// A date from `before` days before `as_of` to `after` days after it.
fn near(as_of: NaiveDate, before: i64, after: i64) -> impl Strategy<Value = NaiveDate> {
    (-before..=after).prop_map(move |days| shift(as_of, days))
}

fn years(n: i64) -> i64 {
    n * 366
}

fn education(as_of: NaiveDate) -> impl Strategy<Value = Education> {
    let level = select(vec![
        EducationLevel::Associate,
        EducationLevel::Bachelor,
        EducationLevel::Master,
        EducationLevel::Doctor,
    ]);
    let flags = (any::<bool>(), any::<bool>(), any::<bool>(), any::<bool>(), any::<bool>());
    (level, flags, option::of(near(as_of, years(30), years(2)))).prop_map(
        |(level, (degree, full_time, recognized, shortage_major, post_match), graduated_on)| Education {
            degree,
            full_time,
            graduated_on,
            recognized,
            shortage_major,
            post_match,
            ..Education::new(level)
        },
    )
}

fn qualification(as_of: NaiveDate) -> impl Strategy<Value = Qualification> {
    let title = select(vec![TitleLevel::Junior, TitleLevel::Intermediate, TitleLevel::Senior])
        .prop_map(|level| (QualificationKind::Title, Grade::Title(level)));
    let skill = (1u8..=5).prop_map(|level| (QualificationKind::Skill, Grade::Skill(level)));
    let flags = (prop::bool::weighted(0.8), prop::bool::weighted(0.8), prop::bool::weighted(0.8));
    (prop_oneof![title, skill], flags, option::of(near(as_of, years(30), years(1)))).prop_map(
        |((kind, level), (obtained_in_shanghai, post_match, registered), obtained_on)| Qualification {
            obtained_on,
            obtained_in_shanghai,
            post_match,
            registered,
            ..Qualification::new(kind, level)
        },
    )
}

/// Up to 5 ranges laid end to end with gaps (never overlapping), starting up to 25 years
/// before the as_of month and possibly running past it; sometimes listed out of order.
fn insurance(as_of: NaiveDate) -> impl Strategy<Value = Vec<InsurancePeriod>> {
    let range = (0i32..=24, 1i32..=60, 0u64..=60_000, prop::bool::weighted(0.15), prop::bool::weighted(0.85));
    (-300i32..=6, vec(range, 0..=5), any::<bool>()).prop_map(move |(start, ranges, reverse)| {
        let mut cursor = Month::of(as_of).plus(start);
        let mut periods: Vec<InsurancePeriod> = ranges
            .into_iter()
            .map(|(gap, length, base, back_paid, unit_matches_contract)| {
                let from = cursor.plus(gap);
                let to = from.plus(length - 1);
                cursor = to.plus(1);
                InsurancePeriod { back_paid, unit_matches_contract, ..InsurancePeriod::new(from, to, base) }
            })
            .collect();
        if reverse {
            periods.reverse();
        }
        periods
    })
}

fn awards(as_of: NaiveDate) -> impl Strategy<Value = Vec<Award>> {
    let level = select(vec![AwardLevel::MunicipalSpecial, AwardLevel::MunicipalComprehensive, AwardLevel::National]);
    let award = (level, option::of(near(as_of, years(20), years(1))), prop::bool::weighted(0.8))
        .prop_map(|(level, obtained_on, obtained_in_shanghai)| Award { level, obtained_on, obtained_in_shanghai });
    vec(award, 0..=3)
}

fn records(as_of: NaiveDate) -> impl Strategy<Value = Records> {
    let day = move || near(as_of, years(8), years(1));
    let crime = (day(), prop::bool::weighted(0.1)).prop_map(|(on, serious)| Crime { on, serious });
    (vec(day(), 0..=2), vec(day(), 0..=2), vec(crime, 0..=2), prop::bool::weighted(0.1)).prop_map(
        |(false_materials, detentions, crimes, family_planning_violation)| Records {
            false_materials,
            detentions,
            crimes,
            family_planning_violation,
        },
    )
}

/// The additional indicators, records and gate flags, in an otherwise empty profile.
fn additional(as_of: NaiveDate) -> impl Strategy<Value = Profile> {
    let spouse = (any::<bool>(), near(as_of, years(40), years(1)))
        .prop_map(|(shanghai_hukou, married_on)| Spouse { shanghai_hukou, married_on });
    let investment =
        (0u64..=2_000_000_000, 0u64..=2_000, 1u8..=100).prop_map(|(avg_annual_tax, avg_local_hires, share_percent)| {
            Investment { avg_annual_tax, avg_local_hires, share_percent }
        });
    let lingang = near(as_of, years(20), years(1)).prop_map(|since| Lingang { since });
    let years_in = (0u32..=40, 0u32..=40, option::of(lingang));
    let flags = (any::<bool>(), any::<bool>(), prop::bool::weighted(0.9), prop::bool::weighted(0.9));
    let parts = (awards(as_of), option::of(spouse), option::of(investment), years_in, flags, records(as_of));
    parts.prop_map(|(awards, spouse, investment, (public_service, remote, lingang), flags, records)| {
        let (startup_talent, intermediary_talent, holds_residence_permit, employer_eligible) = flags;
        Profile {
            awards,
            spouse,
            investment,
            public_service_years: public_service,
            remote_key_area_years: remote,
            lingang,
            startup_talent,
            intermediary_talent,
            records,
            holds_residence_permit,
            employer_eligible,
            ..Profile::default()
        }
    })
}

/// Born 18 to 80 full years before `as_of`.
fn birth_date(as_of: NaiveDate) -> impl Strategy<Value = NaiveDate> {
    (18u32..=80, 0u64..=364).prop_map(move |(age, days)| {
        as_of.checked_sub_months(Months::new(12 * age)).unwrap().checked_sub_days(Days::new(days)).unwrap()
    })
}

/// As of a day between 2013-07-01 and 2030-12-31, with every kind of fact.
fn profiles() -> impl Strategy<Value = Profile> {
    let first = date(2013, 7, 1);
    let span = (date(2030, 12, 31) - first).num_days();
    (0..=span).prop_map(move |days| shift(first, days)).prop_flat_map(|as_of| {
        let basic = (birth_date(as_of), vec(education(as_of), 0..=3), vec(qualification(as_of), 0..=3));
        (basic, insurance(as_of), additional(as_of)).prop_map(
            move |((birth, education, qualifications), social_insurance, rest)| Profile {
                as_of: Some(as_of),
                birth_date: Some(birth),
                education,
                qualifications,
                social_insurance,
                ..rest
            },
        )
    })
}

/// The first month at or before the as_of month that no range lists.
fn free_month(profile: &Profile) -> Month {
    let mut month = as_of_month(profile);
    while profile.social_insurance.iter().any(|period| period.from <= month && month <= period.to) {
        month = month.plus(-1);
    }
    month
}

// ---------------------------------------------------------------- properties

proptest! {
    // 256 cases by default; PROPTEST_CASES raises it for a longer hunt.
    #[test]
    fn generated_profiles_are_valid_and_round_trip_through_json(profile in profiles()) {
        let mut validated = profile.clone();
        prop_assert!(validated.validate().is_ok(), "{:?}", validated.validate());
        prop_assert_eq!(&validated, &profile);
        let text = serde_json::to_vec(&profile).unwrap();
        let parsed = Profile::from_json_slice(&text);
        let evaluation = score(&profile);
        let Finding::Age { age, .. } = evaluation.item(ItemId::Age).finding else {
            panic!("the age item explains the age");
        };
        prop_assert!((18..=80).contains(&age), "age {}", age);
        prop_assert_eq!(parsed.as_ref().ok(), Some(&profile), "{:?}", parsed.as_ref().err());
    }

    /// CONTRACT v1.1: a range without `to` scores as the same range ending in the as_of
    /// month, whatever else the profile holds.
    #[test]
    fn an_open_range_scores_as_if_it_ended_in_the_as_of_month(profile in profiles()) {
        let as_of_month = as_of_month(&profile);
        let latest = profile.social_insurance.iter().enumerate().max_by_key(|(_, period)| period.from).map(|(i, _)| i);
        if let Some(latest) = latest.filter(|&i| profile.social_insurance[i].from <= as_of_month) {
            let mut closed = profile.clone();
            closed.social_insurance[latest].to = as_of_month;
            let mut open = closed.clone();
            open.social_insurance[latest].open = true;
            let reparsed = Profile::from_json_slice(&serde_json::to_vec(&open).unwrap());
            prop_assert!(reparsed.is_ok(), "{:?}", reparsed.err());
            let (open, closed) = (score(&reparsed.unwrap()), score(&closed));
            prop_assert_eq!(open.total, closed.total);
            for id in ItemId::ALL {
                prop_assert_eq!(open.item(id).points, closed.item(id).points, "{:?}", id);
            }
        }
    }

    #[test]
    fn total_is_the_sum_of_the_counted_items(profile in profiles()) {
        let evaluation = try_score(&profile);
        prop_assert!(evaluation.is_ok(), "{:?}", evaluation.err());
        let evaluation = evaluation.unwrap();
        let sum: i64 = evaluation.items.iter().filter(|item| item.counted).map(|item| item.points).sum();
        prop_assert_eq!(evaluation.total, sum);
        // Only education or qualification may be left out, never anything else (§2).
        for item in &evaluation.items {
            if !matches!(item.id, ItemId::Education | ItemId::Qualification) {
                prop_assert!(item.counted, "{:?} not counted", item.id);
            }
        }
    }

    #[test]
    fn exactly_one_of_education_and_qualification_counts_i_2(profile in profiles()) {
        let evaluation = score(&profile);
        let education = evaluation.item(ItemId::Education);
        let qualification = evaluation.item(ItemId::Qualification);
        prop_assert!(education.counted != qualification.counted);
        let (winner, loser) = if education.counted { (education, qualification) } else { (qualification, education) };
        prop_assert!(winner.points >= loser.points, "{} < {}", winner.points, loser.points);
        prop_assert_eq!(loser.superseded_by, Some(winner.id));
    }

    #[test]
    fn items_respect_their_caps_and_signs(profile in profiles()) {
        let evaluation = score(&profile);
        let rules = evaluation.rule_set;
        let caps = [
            (ItemId::Age, 30),
            (ItemId::Education, 110),
            (ItemId::Qualification, 140),
            (ItemId::SiBase, 120),
            (ItemId::Investment, rules.investment.cap.value),
            (ItemId::RemoteArea, 20),
            (ItemId::Awards, 110),
            (ItemId::Spouse, 40),
            (ItemId::ShortageMajor, 30),
            (ItemId::FreshGraduate, 10),
            (ItemId::StartupTalent, 120),
            (ItemId::IntermediaryTalent, 120),
        ];
        for (id, cap) in caps {
            prop_assert!(evaluation.item(id).points <= cap, "{:?} {} > {}", id, evaluation.item(id).points, cap);
        }
        prop_assert!(rules.investment.cap.value <= 120);
        for item in &evaluation.items {
            match item.id.category() {
                Category::Basic | Category::Additional => prop_assert!(item.points >= 0, "{:?} {}", item.id, item.points),
                Category::Deduction => prop_assert!(item.points <= 0, "{:?} {}", item.id, item.points),
            }
        }
    }

    #[test]
    fn one_year_older_never_raises_the_age_item(profile in profiles()) {
        let mut older = profile.clone();
        older.birth_date = older.birth_date.and_then(|birth| birth.checked_sub_months(Months::new(12)));
        let (young, old) = (score(&profile), score(&older));
        prop_assert!(
            old.item(ItemId::Age).points <= young.item(ItemId::Age).points,
            "{} > {}", old.item(ItemId::Age).points, young.item(ItemId::Age).points
        );
    }

    #[test]
    fn one_more_qualifying_month_never_lowers_si_years_or_si_base(
        profile in profiles(),
        base in 0u64..=60_000,
        extend in any::<bool>(),
    ) {
        let mut more = profile.clone();
        let month = free_month(&profile);
        // Extend the range that ends just before the free month, when it qualifies;
        // otherwise add the month as a range of its own.
        let before = more.social_insurance.iter_mut().find(|p| p.to.plus(1) == month && p.qualifies());
        match before {
            Some(period) if extend => period.to = month,
            _ => more.social_insurance.push(InsurancePeriod::new(month, month, base)),
        }
        prop_assert!(more.validate().is_ok(), "{:?}", more.validate());
        let (fewer, more) = (score(&profile), score(&more));
        let (a, b) = (fewer.item(ItemId::SiYears).points, more.item(ItemId::SiYears).points);
        prop_assert!(b == a || b == a + 3, "si_years {} → {}", a, b);
        let (a, b) = (fewer.item(ItemId::SiBase).points, more.item(ItemId::SiBase).points);
        prop_assert!(b >= a, "si_base {} → {}", a, b);
    }

    #[test]
    fn reaches_standard_exactly_when_not_vetoed_and_at_least_120(profile in profiles()) {
        let evaluation = score(&profile);
        prop_assert_eq!(evaluation.standard, 120);
        prop_assert_eq!(
            evaluation.reaches_standard,
            !evaluation.vetoed() && evaluation.total >= 120
        );
    }

    #[test]
    fn the_result_json_lists_17_distinct_items(profile in profiles()) {
        let evaluation = score(&profile);
        let json = serde_json::to_value(evaluation.to_result(Lang::En)).unwrap();
        let items = json["items"].as_array().unwrap();
        prop_assert_eq!(items.len(), 17);
        let ids: BTreeSet<&str> = items.iter().map(|item| item["id"].as_str().unwrap()).collect();
        prop_assert_eq!(ids.len(), 17);
        prop_assert!(ids.iter().all(|id| ItemId::parse(id).is_some()), "{:?}", ids);
        let sum: i64 = items
            .iter()
            .filter(|item| item["counted"] == Value::Bool(true))
            .map(|item| item["points"].as_i64().unwrap())
            .sum();
        prop_assert_eq!(json["total"].as_i64(), Some(sum));
    }

    /// Issue #15 (CONTRACT v1.1): the compact result is the full result without the words:
    /// items without explanation and citation, reasons and warnings as one code each.
    #[test]
    fn the_compact_result_is_the_full_one_without_words(profile in profiles()) {
        let evaluation = score(&profile);
        let mut full = serde_json::to_value(evaluation.to_result(Lang::Zh)).unwrap();
        let compact = serde_json::to_value(evaluation.to_compact_result(Lang::Zh)).unwrap();
        for item in full["items"].as_array_mut().unwrap() {
            let item = item.as_object_mut().unwrap();
            prop_assert!(item.remove("explanation").is_some() && item.remove("citation").is_some());
        }
        for words in ["warnings", "veto_reasons", "eligibility_reasons"] {
            prop_assert_eq!(full[words].as_array().map(Vec::len), compact[words].as_array().map(Vec::len));
            let codes = compact[words].as_array().unwrap();
            prop_assert!(codes.iter().all(|code| code.as_str().is_some_and(|c| c.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'))), "{:?}", codes);
            full[words] = compact[words].clone();
        }
        prop_assert_eq!(full, compact);
    }

    /// The batch writes results with `Evaluation::write_json`: exactly the bytes serde_json
    /// writes for the documents, full and compact, in both languages.
    #[test]
    fn write_json_writes_what_serde_json_writes(profile in profiles()) {
        let evaluation = score(&profile);
        for lang in [Lang::Zh, Lang::En] {
            let mut full = Vec::new();
            evaluation.write_json(lang, Explain::Full, &mut full);
            prop_assert_eq!(String::from_utf8(full).unwrap(), serde_json::to_string(&evaluation.to_result(lang)).unwrap());
            let mut compact = Vec::new();
            evaluation.write_json(lang, Explain::None, &mut compact);
            prop_assert_eq!(
                String::from_utf8(compact).unwrap(),
                serde_json::to_string(&evaluation.to_compact_result(lang)).unwrap()
            );
        }
    }

    /// Issue #11: explanations name things as a person would, never input paths or field
    /// names, and word every interpretation the item rests on instead of a bare id.
    #[test]
    fn explanations_use_words_not_input_paths(profile in profiles()) {
        let evaluation = score(&profile);
        for lang in [Lang::Zh, Lang::En] {
            let result = evaluation.to_result(lang);
            for item in &result.items {
                let text = &item.explanation;
                for path in ["education[", "qualifications[", "awards[", "social_insurance[", "recognized:", "_"] {
                    prop_assert!(!text.contains(path), "{:?}: {:?} in {}", item.id, path, text);
                }
                for id in &item.interpretations {
                    let interpretation = Interpretation::get(id).unwrap();
                    prop_assert!(text.contains(&interpretation.short_note(lang)), "{:?}: {} unworded in {}", item.id, id, text);
                }
            }
        }
    }
}

// ---------------------------------------------------------------- parser fuzz

/// The profile's own fields.
const TOP_FIELDS: &[&str] = &[
    "as_of",
    "birth_date",
    "id_number",
    "education",
    "qualifications",
    "social_insurance",
    "spouse",
    "awards",
    "investment",
    "public_service_years",
    "remote_key_area_years",
    "lingang",
    "startup_talent",
    "intermediary_talent",
    "records",
    "rule_set",
    "holds_residence_permit",
    "employer_eligible",
];

/// Fields of the nested objects, and a few that belong nowhere.
const NESTED_FIELDS: &[&str] = &[
    "level",
    "degree",
    "full_time",
    "graduated_on",
    "recognized",
    "shortage_major",
    "post_match",
    "kind",
    "obtained_on",
    "obtained_in_shanghai",
    "registered",
    "from",
    "to",
    "base",
    "back_paid",
    "unit_matches_contract",
    "shanghai_hukou",
    "married_on",
    "avg_annual_tax",
    "avg_local_hires",
    "share_percent",
    "since",
    "false_materials",
    "detentions",
    "crimes",
    "on",
    "serious",
    "family_planning_violation",
    "name",
    "profile",
    "expect",
    "as_of",
];

const DATES: &[&str] = &[
    "2025-06-30",
    "2024-02-29",
    "2013-07-01",
    "1990-05-12",
    "1964-02-29",
    "2030-12-31",
    "0000-01-01",
    "9999-12-31",
    "2013-06-30",
    "2007-07-01",
];

const WORDS: &[&str] = &[
    "2025-02-29",
    "2025-06",
    "2021-07",
    "0000-01",
    "9999-12",
    "2025-13",
    "associate",
    "bachelor",
    "master",
    "doctor",
    "title",
    "skill",
    "junior",
    "intermediate",
    "senior",
    "municipal_special",
    "national",
    "sh-2013",
    "sh-2023",
    "sh-1999",
    "310101199005120016",
    "31010119900512001X",
    "３１０１０１１９９００５１２００１６",
    "",
    "null",
];

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        (-3i64..=120).prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        select(DATES).prop_map(Value::from),
        select(WORDS).prop_map(Value::from),
        "\\PC{0,12}".prop_map(Value::from),
    ]
}

fn object(
    fields: &'static [&'static str],
    value: impl Strategy<Value = Value>,
    max: usize,
) -> impl Strategy<Value = Value> {
    vec((select(fields), value), 0..=max)
        .prop_map(|pairs| Value::Object(pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()))
}

fn json_value() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(3, 40, 6, |inner| {
        prop_oneof![vec(inner.clone(), 0..4).prop_map(Value::Array), object(NESTED_FIELDS, inner, 5)]
    })
}

/// Objects built from the profile's field names, usually with a birth date and as_of so
/// that parsing gets past the first checks.
fn json_profiles() -> impl Strategy<Value = Value> {
    let anchors = (option::weighted(0.9, select(DATES)), option::weighted(0.9, select(DATES)));
    (anchors, object(TOP_FIELDS, json_value(), 4)).prop_map(|((birth, as_of), extra)| {
        let mut map = Map::new();
        if let Some(birth) = birth {
            map.insert("birth_date".into(), birth.into());
        }
        if let Some(as_of) = as_of {
            map.insert("as_of".into(), as_of.into());
        }
        if let Value::Object(extra) = extra {
            map.extend(extra);
        }
        Value::Object(map)
    })
}

/// JSON pointers to every value inside `value`, the root included.
fn pointers(value: &Value, here: String, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => map.iter().for_each(|(key, inner)| pointers(inner, format!("{here}/{key}"), out)),
        Value::Array(list) => {
            list.iter().enumerate().for_each(|(i, inner)| pointers(inner, format!("{here}/{i}"), out))
        }
        _ => {}
    }
    out.push(here);
}

/// A valid profile with one value anywhere inside it replaced: by a value of the same kind
/// (a number, a date, the other boolean) or by an arbitrary value.
fn mutated_profiles() -> impl Strategy<Value = Value> {
    let number = prop_oneof![0u64..=200, any::<u64>()];
    let replacement = (any::<bool>(), json_value(), number, select(DATES));
    (profiles(), any::<prop::sample::Index>(), replacement).prop_map(
        |(profile, at, (same_kind, value, number, day))| {
            let mut json = serde_json::to_value(profile).unwrap();
            let mut all = Vec::new();
            pointers(&json, String::new(), &mut all);
            let pointer = at.get(&all).clone();
            let target = json.pointer_mut(&pointer).unwrap();
            *target = match (same_kind, &*target) {
                (true, Value::Number(_)) => Value::from(number),
                (true, Value::String(_)) => Value::from(day),
                (true, Value::Bool(flag)) => Value::Bool(!flag),
                _ => value,
            };
            json
        },
    )
}

/// Parses `bytes`; a profile must score without panicking, an error must say something,
/// and the reader for plainly written profiles must agree with serde on the outcome.
fn check_parse(bytes: &[u8]) -> Result<(), TestCaseError> {
    let parsed = Profile::from_json_slice(bytes);
    prop_assert_eq!(&parsed, &Profile::from_json_slice_by_serde(bytes), "the readers disagree");
    match parsed {
        Ok(profile) => {
            if let Err(error) = try_score(&profile) {
                prop_assert!(!error.message(Lang::En).is_empty());
                prop_assert!(!error.code().is_empty());
            }
        }
        Err(error) => {
            prop_assert!(!error.message(Lang::En).is_empty());
            prop_assert!(!error.message(Lang::Zh).is_empty());
            prop_assert!(!error.code().is_empty());
        }
    }
    Ok(())
}

proptest! {
    // 256 cases by default; PROPTEST_CASES raises it for a longer hunt.
    #[test]
    fn arbitrary_bytes_never_panic_the_parser(bytes in vec(any::<u8>(), 0..400)) {
        check_parse(&bytes)?;
    }

    #[test]
    fn json_built_from_field_names_never_panics(value in json_profiles()) {
        check_parse(&serde_json::to_vec(&value).unwrap())?;
    }

    #[test]
    fn a_mutated_profile_never_panics(value in mutated_profiles()) {
        check_parse(&serde_json::to_vec(&value).unwrap())?;
    }

    /// Byte-level damage (a byte removed, replaced or added anywhere) to a profile written
    /// compactly or pretty-printed: whatever either reader makes of it, they agree.
    #[test]
    fn a_damaged_profile_reads_the_same_with_either_reader(
        profile in profiles(),
        pretty in any::<bool>(),
        at in any::<prop::sample::Index>(),
        edit in 0u8..3,
        byte in prop_oneof![select(b" \t\r\n{}[]\":,0123456789-.eEtruefalsn\\\x00\x7f".to_vec()), any::<u8>()],
    ) {
        let mut bytes =
            if pretty { serde_json::to_vec_pretty(&profile).unwrap() } else { serde_json::to_vec(&profile).unwrap() };
        check_parse(&bytes)?;
        let at = at.index(bytes.len());
        match edit {
            0 => {
                bytes.remove(at);
            }
            1 => bytes[at] = byte,
            _ => bytes.insert(at, byte),
        }
        check_parse(&bytes)?;
    }

    #[test]
    fn truncated_profiles_never_panic(profile in profiles(), cut in any::<prop::sample::Index>()) {
        let bytes = serde_json::to_vec(&profile).unwrap();
        check_parse(&bytes[..cut.index(bytes.len() + 1)])?;
    }
}
