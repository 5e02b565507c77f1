#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Boundary tests: each test names the section of RULES.md it checks and sits exactly on
//! the edge of a rule (the day before and the day of a date, one month in or out of a
//! window, one yuan under or at a ratio of the average wage).

use chrono::NaiveDate;
use jifen_rules::{Context, Evaluation, Finding, ItemId, Lang, Profile, QualificationFailure, RuleBook, Warning};
use serde_json::{Value, json};

// ---------------------------------------------------------------- helpers

fn date(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

/// The fields of `extra` set over those of `base` (both JSON objects).
fn merge(mut base: Value, extra: Value) -> Value {
    let (Value::Object(map), Value::Object(extra)) = (&mut base, extra) else {
        panic!("merging JSON objects");
    };
    map.extend(extra);
    base
}

/// A profile evaluated on `as_of`: `extra` is merged over a neutral person born 1990-01-01.
fn profile(as_of: &str, extra: Value) -> Value {
    merge(json!({ "as_of": as_of, "birth_date": "1990-01-01" }), extra)
}

fn try_evaluate(value: Value) -> Result<Evaluation<'static>, jifen_rules::ProfileError> {
    let parsed = Profile::from_value(value.clone()).unwrap_or_else(|e| panic!("{value}: {e}"));
    let today = date("2026-01-15");
    RuleBook::embedded().unwrap().evaluate(&parsed, &Context::on(today))
}

fn evaluate(as_of: &str, extra: Value) -> Evaluation<'static> {
    let value = profile(as_of, extra);
    try_evaluate(value.clone()).unwrap_or_else(|e| panic!("{value}: {e}"))
}

fn points(as_of: &str, extra: Value, id: ItemId) -> i64 {
    evaluate(as_of, extra).item(id).points
}

/// A month range `(from, to, base)` of qualifying social insurance.
type Range = (&'static str, &'static str, u64);

/// Social insurance from month ranges, all qualifying.
fn insurance(ranges: &[Range]) -> Value {
    let list: Vec<Value> =
        ranges.iter().map(|(from, to, base)| json!({ "from": from, "to": to, "base": base })).collect();
    json!({ "social_insurance": list })
}

/// si_base points on 2025-06-30 (window of 48 months: 2021-07 … 2025-06).
fn si_base(ranges: &[Range]) -> i64 {
    points("2025-06-30", insurance(ranges), ItemId::SiBase)
}

fn si_years(social_insurance: Value) -> i64 {
    points("2025-06-30", json!({ "social_insurance": social_insurance }), ItemId::SiYears)
}

// ---------------------------------------------------------------- §3.1 age

fn age_points(birth_date: &str, as_of: &str) -> i64 {
    points(as_of, json!({ "birth_date": birth_date }), ItemId::Age)
}

#[test]
fn rules_3_1_age_points_at_each_band_edge() {
    // Born on the as_of day and month: exactly `age` full years.
    for (age, expected) in [(43, 30), (44, 29), (50, 17), (55, 7), (56, 5), (60, 5), (61, 0)] {
        let birth = format!("{}-06-30", 2025 - age);
        assert_eq!(age_points(&birth, "2025-06-30"), expected, "age {age}");
    }
}

#[test]
fn rules_3_1_age_is_reached_on_the_birthday_not_the_day_before() {
    // 44th birthday on 2025-07-01.
    assert_eq!(age_points("1981-07-01", "2025-06-30"), 30);
    assert_eq!(age_points("1981-07-01", "2025-07-01"), 29);
    // 61st birthday on 2025-07-01.
    assert_eq!(age_points("1964-07-01", "2025-06-30"), 5);
    assert_eq!(age_points("1964-07-01", "2025-07-01"), 0);
    // Over 60: no points, with a warning.
    let old = evaluate("2025-07-01", json!({ "birth_date": "1964-07-01" }));
    assert!(old.warnings.contains(&Warning::NoAgePoints { age: 61 }), "{:?}", old.warnings);
}

#[test]
fn rules_3_1_a_29_february_birthday() {
    // 2024 is a leap year: the 44th birthday is 29 February itself.
    assert_eq!(age_points("1980-02-29", "2024-02-28"), 30);
    assert_eq!(age_points("1980-02-29", "2024-02-29"), 29);
    assert_eq!(age_points("1980-02-29", "2024-03-01"), 29);
    // 2025 is a common year: the 45th birthday is reached on 1 March, not 28 February.
    assert_eq!(age_points("1980-02-29", "2025-02-28"), 29);
    assert_eq!(age_points("1980-02-29", "2025-03-01"), 27);
    // The same at the 60 → 61 edge (5 → 0).
    assert_eq!(age_points("1964-02-29", "2025-02-28"), 5);
    assert_eq!(age_points("1964-02-29", "2025-03-01"), 0);
}

#[test]
fn rules_3_1_under_18_is_an_error_on_birth_date() {
    let error = try_evaluate(profile("2025-06-30", json!({ "birth_date": "2007-07-01" }))).expect_err("17 years old");
    assert_eq!(error.path, "birth_date");
    assert_eq!(error.code(), "under_minimum_age");
    assert!(error.message(Lang::En).contains("18"), "{}", error.message(Lang::En));
    // The 18th birthday itself is fine.
    assert_eq!(age_points("2007-06-30", "2025-06-30"), 30);
}

// ---------------------------------------------------------------- §4.1 si_base

#[test]
fn rules_4_1_thirty_six_months_at_1x_in_the_48_month_window() {
    // 13000 is ≥ 1 × and < 2 × the points reference (10338) from 2021-07 on.
    assert_eq!(si_base(&[("2022-07", "2025-06", 13000)]), 50);
    assert_eq!(si_base(&[("2022-08", "2025-06", 13000)]), 0, "35 months");
}

#[test]
fn rules_4_1_the_48_month_window_starts_47_months_before_the_as_of_month() {
    // 2021-07 is the first month of the window; 2021-06 (the 49th month back) is outside.
    assert_eq!(si_base(&[("2021-07", "2024-06", 13000)]), 50);
    assert_eq!(si_base(&[("2021-06", "2024-05", 13000)]), 0);
    assert_eq!(si_base(&[("2021-07", "2021-07", 13000), ("2022-08", "2025-06", 13000)]), 50);
    assert_eq!(si_base(&[("2021-06", "2021-06", 13000), ("2022-08", "2025-06", 13000)]), 0);
}

/// 35 months at `filler` (2021-08 … 2024-06) and the boundary month 2025-06 (points
/// reference 10338) at `boundary`.
fn one_boundary_month(filler: u64, boundary: u64) -> i64 {
    si_base(&[("2021-08", "2024-06", filler), ("2025-06", "2025-06", boundary)])
}

#[test]
fn rules_4_1_exact_ratio_boundaries_with_the_points_reference() {
    // 0.8 × 10338 = 8270.4: base × 10 ≥ 8 × avg.
    assert_eq!(one_boundary_month(15000, 8271), 25);
    assert_eq!(one_boundary_month(15000, 8270), 0);
    // 1 × 10338.
    assert_eq!(one_boundary_month(15000, 10338), 50);
    assert_eq!(one_boundary_month(15000, 10337), 25);
    // 2 × 10338 = 20676; 30000 is ≥ 2 × and < 3 × (31014).
    assert_eq!(one_boundary_month(30000, 20676), 100);
    assert_eq!(one_boundary_month(30000, 20675), 50);
}

#[test]
fn rules_4_1_each_month_uses_the_average_wage_in_force_that_month() {
    // On 2022-06-30 the 48-month window 2018-07 … 2022-06 spans four figures. The boundary
    // month moves through them; 35 other months at 12000 (≥ 1 × and < 2 × each of them).
    let cases: [(&str, u64, &[Range]); 3] = [
        ("2018-07", 7132, &[("2018-08", "2021-06", 12000)]),
        ("2020-07", 9339, &[("2018-07", "2020-06", 12000), ("2020-08", "2021-06", 12000)]),
        ("2022-06", 10338, &[("2019-07", "2022-05", 12000)]),
    ];
    for (month, wage, fillers) in cases {
        let with =
            |base: u64| points("2022-06-30", insurance(&[fillers, &[(month, month, base)]].concat()), ItemId::SiBase);
        assert_eq!(with(wage), 50, "{month}: base {wage} is 1 ×");
        assert_eq!(with(wage - 1), 25, "{month}: base {} is under 1 ×", wage - 1);
        // 0.8 × is base × 10 ≥ 8 × avg.
        let ceil_08 = (8 * wage).div_ceil(10);
        assert_eq!(with(ceil_08), 25, "{month}: base {ceil_08} is ≥ 0.8 ×");
        assert_eq!(with(ceil_08 - 1), 0, "{month}: base {} is < 0.8 ×", ceil_08 - 1);
    }
}

#[test]
fn rules_5_i_11_from_2022_07_bases_are_compared_with_the_2021_standard() {
    // Each year from 2022-07 on, the boundary month at 10338 is 1 ×, though that year's
    // insurance-base figure (second column) is higher; 35 other months at 15000.
    let cases: [(&str, u64, &[Range]); 3] = [
        ("2022-07", 11396, &[("2022-08", "2025-06", 15000)]),
        ("2023-07", 12183, &[("2021-07", "2023-06", 15000), ("2023-08", "2024-06", 15000)]),
        ("2024-07", 12307, &[("2021-08", "2024-06", 15000)]),
    ];
    for (month, insurance_base, fillers) in cases {
        let with = |base: u64| si_base(&[fillers, &[(month, month, base)]].concat());
        assert_eq!(with(10338), 50, "{month}: 10338 is 1 × the points reference");
        assert_eq!(with(10337), 25, "{month}: 10337 is under it");
        assert_eq!(
            with(insurance_base - 1),
            50,
            "{month}: under the insurance-base figure {insurance_base}, still 1 ×"
        );
    }
}

/// The case of issue #11: 10500 a month since 2022-07.
#[test]
fn rules_5_i_11_is_named_where_the_value_rests_on_it_and_the_figure_is_explained() {
    let evaluation = evaluate("2025-06-30", insurance(&[("2022-07", "2025-06", 10500)]));
    let item = evaluation.item(ItemId::SiBase);
    assert_eq!(item.points, 50);
    assert!(item.interpretations.contains(11), "the insurance-base figures would give 25");
    let Finding::SiBase { alternative, .. } = item.finding else { panic!("{:?}", item.finding) };
    assert_eq!(alternative, Some(25));
    for (lang, needles) in [
        (Lang::Zh, ["10338 元", "2021 年度标准", "I-11", "则为 25 分"]),
        (Lang::En, ["CNY 10338", "2021 standard", "I-11", "would be 25"]),
    ] {
        let result = evaluation.to_result(lang);
        let si_base = result.item(ItemId::SiBase).unwrap();
        assert_eq!(si_base.interpretations, ["I-11"]);
        for needle in needles {
            assert!(si_base.explanation.contains(needle), "{lang:?}: {needle:?} in {}", si_base.explanation);
        }
    }
    // A base that scores the same under either figure does not rest on I-11.
    let high = evaluate("2025-06-30", insurance(&[("2022-07", "2025-06", 15000)]));
    assert_eq!(high.item(ItemId::SiBase).points, 50);
    assert!(!high.item(ItemId::SiBase).interpretations.contains(11));
    assert!(
        high.to_result(Lang::Zh).item(ItemId::SiBase).unwrap().explanation.contains("10338 元"),
        "the figure is still named"
    );
    // Neither does a window entirely before 2022-07.
    let early = evaluate("2022-06-30", insurance(&[("2019-07", "2022-06", 10500)]));
    assert!(!early.item(ItemId::SiBase).interpretations.contains(11));
}

#[test]
fn rules_5_a_warning_when_the_evaluation_date_is_over_12_months_after_the_last_figure() {
    // The last points-reference entry is 2025-07: 2026-07 is 12 months on, 2026-08 is 13.
    let warned = |as_of: &str| {
        evaluate(as_of, json!({})).warnings.iter().any(|warning| matches!(warning, Warning::WageNotYetPublished { .. }))
    };
    assert!(!warned("2026-07-31"));
    assert!(warned("2026-08-01"));
    let result = evaluate("2026-08-01", json!({})).to_result(Lang::En);
    assert!(result.warnings.iter().any(|w| w.contains("2025-07") && w.contains("12 months")), "{:?}", result.warnings);
}

/// 3 × tier: 36-month window 2022-07 … 2025-06, 24 months needed. `filler` covers
/// 2021-07 … 2023-07 at ≥ 2 × (30000 is < 3 × 10338) except for one month; the
/// 23 months 2023-08 … 2025-06 are at 40000 (≥ 3 ×).
fn three_x(filler: &[Range], month: &'static str, base: u64) -> i64 {
    si_base(&[filler, &[(month, month, base), ("2023-08", "2025-06", 40000)]].concat())
}

#[test]
fn rules_4_1_the_3x_tier_needs_24_months_in_a_36_month_window() {
    let around_2022_07 = [("2021-07", "2022-06", 30000), ("2022-08", "2023-07", 30000)];
    // 3 × 10338 (the points reference of 2022-07, the first month of the window) = 31014.
    assert_eq!(three_x(&around_2022_07, "2022-07", 31014), 120);
    assert_eq!(three_x(&around_2022_07, "2022-07", 31013), 100);
    // 2022-06 is the 37th month back: outside the 3 × window, so 23 months only.
    let around_2022_06 = [("2021-07", "2022-05", 30000), ("2022-07", "2023-07", 30000)];
    assert_eq!(three_x(&around_2022_06, "2022-06", 40000), 100);
    let evaluation = evaluate("2025-06-30", insurance(&[("2022-07", "2025-06", 40000)]));
    assert_eq!(evaluation.item(ItemId::SiBase).points, 120);
    assert!(evaluation.item(ItemId::SiBase).interpretations.contains(10), "I-10");
}

#[test]
fn rules_4_1_insurance_after_as_of_is_ignored() {
    // 35 months up to 2025-06 and six later months: still 35 in the window.
    assert_eq!(si_base(&[("2022-08", "2025-12", 13000)]), 0);
    assert_eq!(si_base(&[("2022-07", "2025-12", 13000)]), 50);
    let later = evaluate("2025-06-30", insurance(&[("2022-07", "2025-12", 13000)]));
    assert!(later.warnings.contains(&Warning::FutureInsuranceIgnored { months: 6 }), "{:?}", later.warnings);
    // The as_of month counts whole even on its first day.
    let early = points("2025-06-01", insurance(&[("2022-07", "2025-06", 13000)]), ItemId::SiBase);
    assert_eq!(early, 50);
}

#[test]
fn rules_4_1_only_qualifying_months_count_for_the_base() {
    // 36 months at 1 ×, one of them back-paid or paid by another unit: 35 qualifying months.
    for flag in [json!({ "back_paid": true }), json!({ "unit_matches_contract": false })] {
        let odd = merge(json!({ "from": "2025-06", "to": "2025-06", "base": 13000 }), flag.clone());
        let social_insurance = json!([{ "from": "2022-07", "to": "2025-05", "base": 13000 }, odd]);
        let extra = json!({ "social_insurance": social_insurance });
        assert_eq!(points("2025-06-30", extra, ItemId::SiBase), 0, "{flag}");
    }
}

// ---------------------------------------------------------------- §3.4 si_years

fn range(from: &str, to: &str) -> Value {
    json!({ "from": from, "to": to, "base": 8000 })
}

#[test]
fn rules_3_4_three_points_per_full_twelve_qualifying_months() {
    let cases = [
        ("2024-08", "2025-06", 0), // 11 months
        ("2024-07", "2025-06", 3), // 12 months
        ("2023-08", "2025-06", 3), // 23 months
        ("2023-07", "2025-06", 6), // 24 months
        ("2024-08", "2025-12", 0), // 11 months up to as_of; later months are ignored
        ("2024-07", "2026-12", 3), // 12 months up to as_of
    ];
    for (from, to, expected) in cases {
        assert_eq!(si_years(json!([range(from, to)])), expected, "{from} … {to}");
    }
}

#[test]
fn rules_3_4_back_paid_and_other_unit_months_do_not_qualify() {
    for flag in [json!({ "back_paid": true }), json!({ "unit_matches_contract": false })] {
        // 11 good months plus one that does not qualify.
        let odd = merge(range("2024-06", "2024-06"), flag.clone());
        assert_eq!(si_years(json!([range("2024-07", "2025-05"), odd])), 0, "{flag}");
        // Years of them.
        let long = merge(range("2015-01", "2025-06"), flag.clone());
        assert_eq!(si_years(json!([long])), 0, "{flag}");
    }
}

#[test]
fn rules_3_4_gaps_do_not_reset_i_3() {
    let social_insurance = json!([range("2020-01", "2020-06"), range("2024-01", "2024-06")]);
    let evaluation = evaluate("2025-06-30", json!({ "social_insurance": social_insurance }));
    let item = evaluation.item(ItemId::SiYears);
    assert_eq!(item.points, 3);
    assert!(item.interpretations.contains(3));
    let result = evaluation.to_result(Lang::En);
    let listed = &result.item(ItemId::SiYears).unwrap().interpretations;
    assert!(listed.iter().any(|id| id == "I-3"), "{listed:?}");
}

// ---------------------------------------------------------------- CONTRACT v1.1 open ranges

/// `social_insurance` as given, evaluated on `as_of` (its own `as_of`, or `today` when `None`).
fn with_insurance(
    as_of: Option<&str>,
    social_insurance: Value,
) -> Result<Evaluation<'static>, jifen_rules::ProfileError> {
    let mut value = json!({ "birth_date": "1990-01-01", "social_insurance": social_insurance });
    if let Some(as_of) = as_of {
        value["as_of"] = json!(as_of);
    }
    try_evaluate(value)
}

#[test]
fn contract_1_1_an_open_range_runs_up_to_and_including_the_as_of_month() {
    let open = json!([{ "from": "2022-07", "base": 10500 }]);
    let closed = json!([{ "from": "2022-07", "to": "2025-06", "base": 10500 }]);
    let (open, closed) =
        (with_insurance(Some("2025-06-30"), open).unwrap(), with_insurance(Some("2025-06-30"), closed).unwrap());
    assert_eq!(open.total, closed.total);
    for id in ItemId::ALL {
        assert_eq!(open.item(id).points, closed.item(id).points, "{id:?}");
    }
    assert_eq!(open.item(ItemId::SiYears).points, 9, "36 months to 2025-06");
    assert_eq!(open.item(ItemId::SiBase).points, 50);
    assert!(open.warnings.iter().all(|w| !matches!(w, Warning::FutureInsuranceIgnored { .. })));
    // Without as_of the evaluation date is today (2026-01-15 in these tests): 43 months.
    let today = with_insurance(None, json!([{ "from": "2022-07", "base": 10500 }])).unwrap();
    assert_eq!(today.item(ItemId::SiYears).points, 9);
    let thirty_six = with_insurance(None, json!([{ "from": "2023-02", "base": 10500 }])).unwrap();
    assert_eq!(thirty_six.item(ItemId::SiYears).points, 9, "2023-02 … 2026-01 is 36 months");
    let thirty_five = with_insurance(None, json!([{ "from": "2023-03", "base": 10500 }])).unwrap();
    assert_eq!(thirty_five.item(ItemId::SiYears).points, 6);
    // Earlier closed ranges and an open one after them; the open range may start in the as_of month.
    let both = json!([{ "from": "2015-01", "to": "2019-12", "base": 9000 }, { "from": "2025-06", "base": 9000 }]);
    assert_eq!(with_insurance(Some("2025-06-30"), both).unwrap().item(ItemId::SiYears).points, 15, "61 months");
    // A range after the as_of month does not overlap the open range, whose months end there.
    let later = json!([{ "from": "2024-07", "base": 9000 }, { "from": "2026-01", "to": "2026-06", "base": 9000 }]);
    let evaluation = with_insurance(Some("2025-06-30"), later).unwrap();
    assert_eq!(evaluation.item(ItemId::SiYears).points, 3);
    assert!(evaluation.warnings.contains(&Warning::FutureInsuranceIgnored { months: 6 }));
}

#[test]
fn contract_1_1_one_open_range_at_most_and_nothing_overlapping_it() {
    let error = |as_of: Option<&str>, social_insurance: Value| {
        let error = match Profile::from_value(
            json!({ "birth_date": "1990-01-01", "as_of": as_of, "social_insurance": social_insurance }),
        ) {
            Err(error) => error,
            Ok(profile) => {
                let today = date("2026-01-15");
                RuleBook::embedded().unwrap().evaluate(&profile, &Context::on(today)).err().unwrap()
            }
        };
        (error.code(), error.path.clone(), error.message(Lang::En), error.message(Lang::Zh))
    };
    let (code, path, en, zh) =
        error(Some("2025-06-30"), json!([{ "from": "2020-01", "base": 9000 }, { "from": "2024-01", "base": 9000 }]));
    assert_eq!((code, path.as_str()), ("insurance_second_open_range", "social_insurance[1].to"));
    assert!(en.contains("social_insurance[0] is already open") && zh.contains("只能有一段"), "{en} / {zh}");

    let (code, path, en, zh) = error(
        Some("2025-06-30"),
        json!([{ "from": "2020-01", "base": 9000 }, { "from": "2018-01", "to": "2020-03", "base": 9000 }]),
    );
    assert_eq!((code, path.as_str()), ("insurance_overlaps_open_range", "social_insurance[1]"));
    assert!(en.contains("month 2020-01 is also in social_insurance[0]") && zh.contains("2020-01"), "{en} / {zh}");
    // Inside the open range, up to the as_of month; without as_of, up to today's month.
    let inside = json!([{ "from": "2020-01", "base": 9000 }, { "from": "2025-06", "to": "2025-08", "base": 9000 }]);
    assert_eq!(error(Some("2025-06-30"), inside.clone()).0, "insurance_overlaps_open_range");
    assert_eq!(error(None, inside).0, "insurance_overlaps_open_range");

    let (code, path, en, _) = error(Some("2025-06-30"), json!([{ "from": "2025-07", "base": 9000 }]));
    assert_eq!((code, path.as_str()), ("insurance_open_range_after_as_of", "social_insurance[0].from"));
    assert!(en.contains("2025-07") && en.contains("2025-06"), "{en}");
    // A closed range still must not end before it starts, and `to` is still checked.
    assert_eq!(
        error(None, json!([{ "from": "2020-01", "to": "2019-12", "base": 9000 }])).0,
        "insurance_range_reversed"
    );
    assert_eq!(error(None, json!([{ "from": "2020-01", "to": "2020-13", "base": 9000 }])).0, "invalid_field");
}

#[test]
fn contract_1_1_an_open_range_is_written_back_without_to_and_closes_on_request() {
    let text =
        r#"{"as_of":"2025-06-30","birth_date":"1990-01-01","social_insurance":[{"from":"2024-07","base":9000}]}"#;
    let mut profile = Profile::from_json(text).unwrap();
    let period = &profile.social_insurance[0];
    assert!(period.open);
    assert_eq!(period.to.to_string(), "2025-06", "the as_of month once validated");
    assert_eq!(serde_json::to_string(&profile).unwrap(), text);
    profile.close_open_insurance(jifen_rules::Month::parse("2025-06").unwrap());
    assert!(!profile.social_insurance[0].open);
    assert!(serde_json::to_string(&profile).unwrap().contains(r#""to":"2025-06""#));
    // `"to": null` means the same as no `to` (what a form with an empty end month sends).
    let null = Profile::from_json(&text.replace(r#""base":9000"#, r#""to":null,"base":9000"#)).unwrap();
    assert!(null.social_insurance[0].open);
}

// ---------------------------------------------------------------- §3.3 qualification

/// A bachelor without the degree (60) and the given qualification, insured at `base` in the
/// months `from` … 2025-06 (the 12-month window is 2024-07 … 2025-06, points reference 10338).
fn with_qualification(qualification: Value, from: &str, base: u64) -> Evaluation<'static> {
    let extra = json!({
        "education": [{ "level": "bachelor" }],
        "qualifications": [qualification],
        "social_insurance": [{ "from": from, "to": "2025-06", "base": base }],
    });
    evaluate("2025-06-30", extra)
}

fn intermediate() -> Value {
    json!({ "kind": "title", "level": "intermediate" })
}

#[test]
fn rules_3_3_intermediate_title_needs_6_of_12_months_at_1x() {
    let passes = with_qualification(intermediate(), "2025-01", 10338);
    let qualification = passes.item(ItemId::Qualification);
    assert_eq!(qualification.points, 100);
    assert!(qualification.counted);
    assert!(!passes.item(ItemId::Education).counted);
    // 10338 meets the points reference but not that year's insurance-base figure (12307).
    assert!(qualification.interpretations.contains(11), "the value rests on I-11");
    let explained = passes.to_result(Lang::En);
    let explanation = &explained.item(ItemId::Qualification).unwrap().explanation;
    assert!(explanation.contains("6 of the last 12 months") && explanation.contains("CNY 10338"), "{explanation}");

    let fails = with_qualification(intermediate(), "2025-02", 10338);
    let qualification = fails.item(ItemId::Qualification);
    assert_eq!(qualification.points, 0);
    assert!(!qualification.counted, "education (60) counts instead");
    assert!(fails.item(ItemId::Education).counted);
    let Finding::QualificationFailed { failure, .. } = qualification.finding else {
        panic!("expected a failed condition, got {:?}", qualification.finding);
    };
    let QualificationFailure::BaseTooLow { months, min_months, window_months, ratio_tenths } = failure else {
        panic!("expected the base condition, got {failure:?}");
    };
    assert_eq!((months, min_months, window_months, ratio_tenths), (5, 6, 12, 10));
    let result = fails.to_result(Lang::En);
    let explanation = &result.item(ItemId::Qualification).unwrap().explanation;
    assert!(explanation.contains("only 5 of the last 12 months"), "{explanation}");
    assert!(explanation.contains("CNY 10338") && explanation.contains("I-11"), "{explanation}");
}

#[test]
fn rules_3_3_the_base_condition_is_exact_and_ends_with_the_as_of_month() {
    // Six months at one yuan under 1 × the average wage.
    assert_eq!(with_qualification(intermediate(), "2025-01", 10337).item(ItemId::Qualification).points, 0);
    // Six months, but 2024-06 is outside the 12-month window.
    let extra = json!({
        "qualifications": [intermediate()],
        "social_insurance": [{ "from": "2024-06", "to": "2024-06", "base": 20000 },
                             { "from": "2025-02", "to": "2025-06", "base": 20000 }],
    });
    assert_eq!(points("2025-06-30", extra, ItemId::Qualification), 0);
}

#[test]
fn rules_3_3_skill_level_3_needs_no_base_condition_but_level_2_does() {
    let skill = |level: u8| json!({ "kind": "skill", "level": level });
    let extra = json!({ "qualifications": [skill(3)] });
    assert_eq!(points("2025-06-30", extra, ItemId::Qualification), 60);
    assert_eq!(with_qualification(skill(3), "2025-02", 5000).item(ItemId::Qualification).points, 60);
    assert_eq!(with_qualification(skill(2), "2025-02", 10338).item(ItemId::Qualification).points, 0);
    assert_eq!(with_qualification(skill(2), "2025-01", 10338).item(ItemId::Qualification).points, 100);
}

// ---------------------------------------------------------------- §6 deductions

fn records(as_of: &str, records: Value) -> Evaluation<'static> {
    evaluate(as_of, json!({ "records": records }))
}

#[test]
fn rules_6_false_materials_look_back_3_years() {
    let on = |day: &str| records("2025-06-30", json!({ "false_materials": [day] })).item(ItemId::FalseMaterials).points;
    assert_eq!(on("2022-06-30"), -150);
    assert_eq!(on("2022-06-29"), 0);
    assert_eq!(on("2025-06-30"), -150);
    assert_eq!(on("2025-07-01"), 0, "after as_of");
    let two = records("2025-06-30", json!({ "false_materials": ["2023-01-01", "2024-01-01"] }));
    assert_eq!(two.item(ItemId::FalseMaterials).points, -300);
}

#[test]
fn rules_6_detentions_and_crimes_look_back_5_years() {
    let detention = |day: &str| records("2025-06-30", json!({ "detentions": [day] })).item(ItemId::Detention).points;
    assert_eq!(detention("2020-06-30"), -50);
    assert_eq!(detention("2020-06-29"), 0);
    assert_eq!(detention("2025-07-01"), 0, "after as_of");
    let crime = |day: &str| records("2025-06-30", json!({ "crimes": [{ "on": day }] })).item(ItemId::Crime).points;
    assert_eq!(crime("2020-06-30"), -150);
    assert_eq!(crime("2020-06-29"), 0);
    assert_eq!(crime("2025-07-01"), 0, "after as_of");
}

#[test]
fn rules_6_look_back_from_a_29_february() {
    let false_materials =
        |day: &str| records("2024-02-29", json!({ "false_materials": [day] })).item(ItemId::FalseMaterials).points;
    assert_eq!(false_materials("2021-02-28"), -150);
    assert_eq!(false_materials("2021-02-27"), 0);
    let detention = |day: &str| records("2024-02-29", json!({ "detentions": [day] })).item(ItemId::Detention).points;
    assert_eq!(detention("2019-02-28"), -50);
    assert_eq!(detention("2019-02-27"), 0);
}

#[test]
fn rules_6_deductions_lower_the_total() {
    let clean = records("2025-06-30", json!({}));
    let marked = records("2025-06-30", json!({ "false_materials": ["2024-01-01"], "detentions": ["2024-01-01"] }));
    assert_eq!(marked.total, clean.total - 200);
}

// ---------------------------------------------------------------- §4.7 Lin-gang and §4.5

fn lingang(since: &str, as_of: &str) -> i64 {
    evaluate(as_of, json!({ "lingang": { "since": since } })).item(ItemId::RemoteArea).points
}

#[test]
fn rules_4_7_lingang_switch_on_2024_08_21() {
    // One full year: not enough before the switch (needs 3), enough from it.
    assert_eq!(lingang("2023-01-01", "2024-08-20"), 0);
    assert_eq!(lingang("2023-01-01", "2024-08-21"), 2);
    // Before the switch, 3 full years count.
    assert_eq!(lingang("2021-08-20", "2024-08-20"), 6);
    assert_eq!(lingang("2021-08-21", "2024-08-20"), 0);
    // After: the first full year.
    assert_eq!(lingang("2024-08-21", "2025-08-20"), 0);
    assert_eq!(lingang("2024-08-21", "2025-08-21"), 2);
}

#[test]
fn rules_4_7_lingang_cap_20() {
    assert_eq!(lingang("2015-01-01", "2025-06-30"), 20, "10 years");
    assert_eq!(lingang("2013-01-01", "2025-06-30"), 20, "12 years");
    assert_eq!(lingang("2016-01-01", "2025-06-30"), 18, "9 years");
}

#[test]
fn rules_4_7_lingang_and_remote_area_the_higher_counts_i_7() {
    // Lin-gang 2 years = 4; remote 6 years = 12 → 12, not 16.
    let extra = json!({ "lingang": { "since": "2023-01-01" }, "remote_key_area_years": 6 });
    let evaluation = evaluate("2025-06-30", extra);
    let item = evaluation.item(ItemId::RemoteArea);
    assert_eq!(item.points, 12);
    assert!(item.interpretations.contains(7));
    // Lin-gang 7 years = 14; remote 5 years = 10 → 14, not 24.
    let extra = json!({ "lingang": { "since": "2018-01-01" }, "remote_key_area_years": 5 });
    assert_eq!(evaluate("2025-06-30", extra).item(ItemId::RemoteArea).points, 14);
}

#[test]
fn rules_4_5_remote_area_from_5_years_cap_20() {
    let years = |n: u32| evaluate("2025-06-30", json!({ "remote_key_area_years": n })).item(ItemId::RemoteArea).points;
    assert_eq!(years(4), 0);
    assert_eq!(years(5), 10);
    assert_eq!(years(10), 20);
    assert_eq!(years(11), 20);
}

// ---------------------------------------------------------------- §4.8 fresh graduate

#[test]
fn rules_4_8_fresh_graduate_in_the_calendar_year_of_as_of_i_8() {
    let education = json!({ "education": [{ "level": "bachelor", "degree": true, "graduated_on": "2025-07-01" }] });
    let same_year = evaluate("2025-12-31", education.clone());
    let item = same_year.item(ItemId::FreshGraduate);
    assert_eq!(item.points, 10);
    assert!(item.interpretations.contains(8));
    let next_year = evaluate("2026-01-01", education);
    let item = next_year.item(ItemId::FreshGraduate);
    assert_eq!(item.points, 0);
    assert!(item.interpretations.contains(8), "within 12 months but another calendar year");
}

// ---------------------------------------------------------------- §4.10 spouse

fn spouse(married_on: &str, as_of: &str) -> i64 {
    let extra = json!({ "spouse": { "shanghai_hukou": true, "married_on": married_on } });
    points(as_of, extra, ItemId::Spouse)
}

#[test]
fn rules_4_10_spouse_four_points_per_full_year_cap_40() {
    assert_eq!(spouse("2018-07-01", "2025-06-30"), 24, "6 full years");
    assert_eq!(spouse("2018-07-01", "2025-07-01"), 28, "7 full years");
    assert_eq!(spouse("2015-06-30", "2025-06-30"), 40, "10 full years");
    assert_eq!(spouse("2010-01-01", "2025-06-30"), 40, "15 full years, capped");
    let no_hukou = json!({ "spouse": { "shanghai_hukou": false, "married_on": "2010-01-01" } });
    assert_eq!(points("2025-06-30", no_hukou, ItemId::Spouse), 0);
}

// ---------------------------------------------------------------- §1 rule sets

fn rule_set_id(as_of: &str) -> String {
    evaluate(as_of, json!({})).rule_set.id.clone()
}

#[test]
fn rules_1_rule_set_in_force_on_as_of() {
    assert_eq!(rule_set_id("2013-07-01"), "sh-2013");
    assert_eq!(rule_set_id("2015-06-30"), "sh-2013");
    assert_eq!(rule_set_id("2015-07-01"), "sh-2015");
    assert_eq!(rule_set_id("2017-12-31"), "sh-2015");
    assert_eq!(rule_set_id("2018-01-01"), "sh-2018");
    assert_eq!(rule_set_id("2022-12-31"), "sh-2018");
    assert_eq!(rule_set_id("2023-01-01"), "sh-2023");
    let error = try_evaluate(profile("2013-06-30", json!({}))).expect_err("before sh-2013");
    assert_eq!((error.path.as_str(), error.code()), ("as_of", "no_rule_set_in_force"));
}

#[test]
fn rules_1_sh_2013_caps_investment_at_100_and_has_no_talent_items() {
    let extra =
        json!({ "investment": { "avg_local_hires": 150 }, "startup_talent": true, "intermediary_talent": true });
    let old = evaluate("2014-06-30", extra.clone());
    assert_eq!(old.rule_set.id, "sh-2013");
    assert_eq!(old.item(ItemId::Investment).points, 100);
    assert_eq!(old.item(ItemId::StartupTalent).points, 0);
    assert_eq!(old.item(ItemId::IntermediaryTalent).points, 0);
    let new = evaluate("2025-06-30", extra.clone());
    assert_eq!(new.item(ItemId::Investment).points, 120);
    assert_eq!(new.item(ItemId::StartupTalent).points, 120);
    let sh_2015 = evaluate("2015-07-01", extra);
    assert_eq!(sh_2015.item(ItemId::Investment).points, 120);
    assert_eq!(sh_2015.item(ItemId::StartupTalent).points, 120);
}

// ---------------------------------------------------------------- §4.3 investment

fn investment(value: Value) -> Evaluation<'static> {
    evaluate("2025-06-30", json!({ "investment": value }))
}

#[test]
fn rules_4_3_tax_and_hires_the_higher_counts_i_5() {
    // Tax 250 000 → 20; 35 hires → 30: 30, not 50.
    let both = investment(json!({ "avg_annual_tax": 250000, "avg_local_hires": 35 }));
    let item = both.item(ItemId::Investment);
    assert_eq!(item.points, 30);
    assert!(item.interpretations.contains(5));
    let tax_higher = investment(json!({ "avg_annual_tax": 999999, "avg_local_hires": 19 }));
    assert_eq!(tax_higher.item(ItemId::Investment).points, 90);
}

#[test]
fn rules_4_3_full_units_and_share() {
    let points_for = |value: Value| investment(value).item(ItemId::Investment).points;
    assert_eq!(points_for(json!({ "avg_annual_tax": 99999 })), 0);
    assert_eq!(points_for(json!({ "avg_annual_tax": 100000 })), 10);
    assert_eq!(points_for(json!({ "avg_local_hires": 9 })), 0);
    assert_eq!(points_for(json!({ "avg_local_hires": 10 })), 10);
    // The tax is pro-rated by the person's share: 250 000 × 40 % = 100 000.
    assert_eq!(points_for(json!({ "avg_annual_tax": 250000, "share_percent": 40 })), 10);
    assert_eq!(points_for(json!({ "avg_annual_tax": 250000, "share_percent": 39 })), 0);
}
