//! The projection of future insurance (docs/PLAN.md, "Projected insurance"): who counts as
//! currently insured, which months are assumed and at what base, that listed months are never
//! replaced, what the plan says when recent insurance earns no points, and the action that
//! has the contract's unit pay. Ends with a property test over random profiles: the projected
//! profile is valid for the engine's strict parser, and `reaches_on` is the first day on
//! which the engine scores it at the standard.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{Datelike, Days, NaiveDate};
use jifen_planner::{Action, AssumptionNote, Assumptions, Catalogue, Plan, PlanRequest, Scenario, plan};
use jifen_rules::{Context, InsurancePeriod, Lang, Month, Profile, RuleBook};
use proptest::prelude::*;
use std::path::PathBuf;

fn book() -> &'static RuleBook {
    RuleBook::embedded().expect("embedded rule data loads")
}

fn catalogue() -> &'static Catalogue {
    Catalogue::embedded().expect("embedded catalogue loads")
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn month(y: i32, m: u32) -> Month {
    Month::new(y, m).unwrap()
}

/// Stands in for a missing `as_of`; every profile here has one.
fn today() -> NaiveDate {
    date(2025, 7, 1)
}

/// A planner case from `testdata/plan-cases/`, read as `jifen plan` reads it.
fn plan_case(name: &str) -> PlanRequest {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/plan-cases").join(name);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    PlanRequest::from_document_slice(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn run<'c>(request: &PlanRequest, catalogue: &'c Catalogue) -> Plan<'static, 'c> {
    plan(book(), catalogue, request, today()).unwrap_or_else(|e| panic!("plan fails: {e}"))
}

/// The scenario the planner builds for `actions`.
fn scenario(request: &PlanRequest, plan: &Plan, actions: &[&Action]) -> Scenario {
    let mut profile = request.profile.clone();
    profile.as_of = Some(plan.as_of);
    Scenario::new(book(), &profile, &request.assumptions, actions, plan.until)
}

/// The listed months of `periods` as (month, base, earns points), one entry per month.
fn months(periods: &[InsurancePeriod]) -> Vec<(Month, u64, bool)> {
    let mut months: Vec<(Month, u64, bool)> = periods
        .iter()
        .flat_map(|period| {
            (0..=period.from.until(period.to)).map(|i| (period.from.plus(i), period.base, period.qualifies()))
        })
        .collect();
    months.sort_by_key(|(month, _, _)| *month);
    months
}

/// The months the projection added to the profile.
fn assumed(request: &PlanRequest, scenario: &Scenario) -> Vec<(Month, u64, bool)> {
    let listed = months(&request.profile.social_insurance);
    months(&scenario.profile.social_insurance).into_iter().filter(|month| !listed.contains(month)).collect()
}

/// The projected profile as JSON, read back by the engine's strict parser.
fn reparsed(scenario: &Scenario) -> Result<Profile, String> {
    let json = serde_json::to_vec(&scenario.profile).map_err(|e| e.to_string())?;
    Profile::from_json_slice(&json).map_err(|e| format!("{e}: {}", String::from_utf8_lossy(&json)))
}

fn action(id: &str) -> &'static Action {
    catalogue().get(id).unwrap_or_else(|| panic!("no action {id}"))
}

// ---------------------------------------------------------------- the rules, case by case

#[test]
fn listed_months_are_never_replaced_and_no_month_is_listed_twice() {
    // Insured to 2025-06, then 2025-07…09 listed as paid by another unit.
    let request = plan_case("overlap.json");
    let plan = run(&request, catalogue());
    let projected = scenario(&request, &plan, &[]);
    let listed = months(&request.profile.social_insurance);
    let all = months(&projected.profile.social_insurance);
    for month in &listed {
        assert!(all.contains(month), "listed {month:?} is gone");
    }
    let other_unit: Vec<Month> = all.iter().filter(|(_, _, earns)| !earns).map(|(m, _, _)| *m).collect();
    assert_eq!(other_unit, [month(2025, 7), month(2025, 8), month(2025, 9)], "kept as listed");
    let assumed = assumed(&request, &projected);
    assert_eq!(assumed.first(), Some(&(month(2025, 10), 5000, true)), "assumed from the first unlisted month");
    assert!(all.windows(2).all(|pair| pair[0].0 < pair[1].0), "a month appears twice");
    reparsed(&projected).unwrap();
    // 115 months earn points by 2025-06; the 120th is assumed in 2026-02.
    assert_eq!(plan.baseline.reaches_on, Some(date(2026, 2, 1)));
}

#[test]
fn a_listed_future_month_does_not_make_a_person_currently_insured() {
    // Insured to 2025-02, nothing in 2025-04…06, and 2025-09 listed.
    let request = plan_case("future-only.json");
    let plan = run(&request, catalogue());
    let projected = scenario(&request, &plan, &[]);
    assert!(assumed(&request, &projected).is_empty(), "{:?}", assumed(&request, &projected));
    assert_eq!(plan.scenario_notes, [AssumptionNote::NotInsured { from: month(2025, 4), to: month(2025, 6) }]);
    assert_eq!(plan.baseline.reaches_on, None);
}

#[test]
fn a_gap_before_a_listed_future_month_is_assumed() {
    // Insured to 2025-06, 2025-07 not listed, 2025-08 listed.
    let request = plan_case("future-gap.json");
    let plan = run(&request, catalogue());
    let assumed = assumed(&request, &scenario(&request, &plan, &[]));
    assert_eq!(assumed[0], (month(2025, 7), 5000, true));
    assert_eq!(assumed[1], (month(2025, 9), 5000, true), "2025-08 stays as listed");
    assert!(plan.scenario_notes.contains(&AssumptionNote::InsuredAt { from: month(2025, 7), base: 5000 }));
}

#[test]
fn the_assumed_base_is_the_latest_listed_month_that_earns_points() {
    // 2025-05 earns points at 5 000; 2025-06 is back-paid at 13 000.
    let request = plan_case("base-nonqual.json");
    let plan = run(&request, catalogue());
    let assumed = assumed(&request, &scenario(&request, &plan, &[]));
    assert!(!assumed.is_empty() && assumed.iter().all(|&(_, base, earns)| base == 5000 && earns), "{assumed:?}");

    // A listed future month that earns points sets the base, for the gap before it too.
    let mut later = plan_case("future-gap.json");
    later.profile.social_insurance[1].base = 9000;
    let plan = run(&later, catalogue());
    let assumed = self::assumed(&later, &scenario(&later, &plan, &[]));
    assert_eq!(&assumed[..2], [(month(2025, 7), 9000, true), (month(2025, 9), 9000, true)]);
}

#[test]
fn recent_insurance_without_points_is_named_and_an_action_shows_the_remedy() {
    // 2025-04…06 are back-paid: insured, but no month of the window earns points.
    let request = plan_case("nonqual-recent.json");
    let plan = run(&request, catalogue());
    let note = AssumptionNote::InsuredWithoutPoints {
        from: month(2025, 4),
        to: month(2025, 6),
        back_paid: true,
        other_unit: false,
    };
    assert_eq!(plan.scenario_notes, std::slice::from_ref(&note));
    assert!(assumed(&request, &scenario(&request, &plan, &[])).is_empty());
    let remedy = action("contract_unit_pays");
    for lang in [Lang::Zh, Lang::En] {
        let document = plan.to_document(lang);
        let text = document.notes.join("\n");
        assert!(text.starts_with(&jifen_planner::note_text(&note, lang)), "{text}");
        assert!(text.contains(remedy.title.get(lang)), "{text}");
        let not_insured = AssumptionNote::NotInsured { from: month(2025, 4), to: month(2025, 6) };
        assert!(!text.contains(&jifen_planner::note_text(&not_insured, lang)), "{text}");
    }
    // With the contract's unit paying from 2025-07: 112 months earn points by 2025-03, the
    // 120th is 2026-02.
    let outcome = plan.actions.iter().find(|outcome| outcome.action.id == remedy.id).unwrap();
    assert_eq!((plan.baseline.reaches_on, outcome.reaches_on), (None, Some(date(2026, 2, 1))));
}

#[test]
fn the_contract_unit_action_makes_listed_later_months_earn_points() {
    let request = plan_case("overlap.json");
    let plan = run(&request, catalogue());
    let projected = scenario(&request, &plan, &[action("contract_unit_pays")]);
    reparsed(&projected).unwrap();
    let all = months(&projected.profile.social_insurance);
    assert!(all.iter().all(|(_, _, earns)| *earns), "{all:?}");
    assert!(all.windows(2).all(|pair| pair[0].0 < pair[1].0), "a month appears twice");
    // 115 months by 2025-06 and every later month earns: the 120th is 2025-11.
    let outcome = plan.actions.iter().find(|outcome| outcome.action.id == "contract_unit_pays").unwrap();
    assert_eq!(outcome.reaches_on, Some(date(2025, 11, 1)));
    assert_eq!(outcome.months_earlier, Some(3));
}

// ---------------------------------------------------------------- the property

/// A random insurance history around the evaluation month: ranges with gaps, some
/// back-paid or paid by another unit, some after the evaluation month.
fn insurance(as_of_month: Month) -> impl Strategy<Value = Vec<InsurancePeriod>> {
    let range = (0..4i32, 1..30i32, prop::sample::select(vec![3000u64, 5000, 8270, 8271, 10338, 20676, 31014, 40000]))
        .prop_flat_map(|(gap, length, base)| {
            (Just(gap), Just(length), Just(base), prop::bool::weighted(0.15), prop::bool::weighted(0.85))
        });
    (0..160i32, prop::collection::vec(range, 0..8), prop::bool::weighted(0.3)).prop_map(move |(back, ranges, open)| {
        let mut periods = Vec::new();
        let mut next = as_of_month.plus(-back);
        for (gap, length, base, back_paid, unit_matches_contract) in ranges {
            let from = next.plus(gap);
            let to = from.plus(length - 1);
            let mut period = InsurancePeriod::new(from, to, base);
            period.back_paid = back_paid;
            period.unit_matches_contract = unit_matches_contract;
            periods.push(period);
            next = to.plus(1);
        }
        // "Still insured": the last range starting by the evaluation month, when no other range
        // has a month between its start and the evaluation month.
        let latest = periods.iter().rposition(|period| period.from <= as_of_month);
        if let Some(i) = latest.filter(|&i| open && periods.get(i + 1).is_none_or(|next| next.from > as_of_month)) {
            periods[i].open = true;
            periods[i].to = as_of_month;
        }
        periods
    })
}

fn profile() -> impl Strategy<Value = Profile> {
    // Evaluation dates from 2019 to 2026; facts obtained up to two years either side of it.
    (0u64..2900)
        .prop_flat_map(|offset| {
            let as_of = date(2019, 1, 1) + Days::new(offset);
            (
                Just(as_of),
                18..60i32,
                0..365u64,
                prop::option::of((
                    prop::sample::select(vec!["associate", "bachelor", "bachelor+", "master"]),
                    0..1460u64,
                )),
                prop::option::of((
                    prop::sample::select(vec![
                        r#"{"kind":"skill","level":3}"#,
                        r#"{"kind":"skill","level":2}"#,
                        r#"{"kind":"title","level":"intermediate"}"#,
                    ]),
                    0..1460u64,
                )),
                insurance(Month::of(as_of)),
                prop::option::of(0..3000u64),
            )
        })
        .prop_map(|(as_of, age, day, education, qualification, social_insurance, married_days_ago)| {
            let birth_date = date(as_of.year() - age - 1, 1, 1) + Days::new(day);
            let around = |days: u64| (as_of - Days::new(730) + Days::new(days)).to_string();
            let mut document = serde_json::json!({
                "as_of": as_of.to_string(),
                "birth_date": birth_date.to_string(),
            });
            if let Some((level, days)) = education {
                let (level, degree) = level.strip_suffix('+').map_or((level, false), |level| (level, true));
                document["education"] =
                    serde_json::json!([{"level": level, "degree": degree, "graduated_on": around(days)}]);
            }
            if let Some((qualification, days)) = qualification {
                let mut qualification: serde_json::Value = serde_json::from_str(qualification).unwrap();
                qualification["obtained_on"] = around(days).into();
                document["qualifications"] = serde_json::json!([qualification]);
            }
            if let Some(days) = married_days_ago {
                let married_on = as_of - Days::new(days);
                document["spouse"] = serde_json::json!({"shanghai_hukou": true, "married_on": married_on.to_string()});
            }
            let mut profile = Profile::from_value(document).unwrap();
            profile.social_insurance = social_insurance;
            profile
        })
}

fn assumptions() -> impl Strategy<Value = Assumptions> {
    (prop::bool::weighted(0.8), prop::option::weighted(0.2, prop::sample::select(vec![6000u64, 12000, 25000])), 0..6u32)
        .prop_map(|(keeps_insured, base, base_growth_percent)| Assumptions {
            keeps_insured,
            base,
            base_growth_percent,
            changes: Vec::new(),
        })
}

/// At most one insurance action, as the catalogue's groups allow.
fn insurance_actions() -> impl Strategy<Value = Vec<&'static str>> {
    prop::sample::select(vec![
        vec![],
        vec!["contract_unit_pays"],
        vec!["base_1x"],
        vec!["contract_unit_pays", "base_2x"],
    ])
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn the_projection_is_a_valid_profile_and_reaches_on_is_the_engines_first_day(
        profile in profile(),
        assumptions in assumptions(),
        action_ids in insurance_actions(),
        horizon_years in 1..5u32,
    ) {
        let request = PlanRequest { profile, assumptions, horizon_years, deadline: None };
        let plan = run(&request, catalogue());
        let actions: Vec<&Action> = action_ids.iter().map(|id| action(id)).collect();

        // Valid for the strict parser (no month twice), with and without actions.
        for with in [&[][..], &actions[..]] {
            let projected = scenario(&request, &plan, with);
            prop_assert!(reparsed(&projected).is_ok(), "{}", reparsed(&projected).unwrap_err());
        }
        // Without actions, every listed month is kept as listed.
        let projected = scenario(&request, &plan, &[]);
        let all = months(&projected.profile.social_insurance);
        for month in months(&request.profile.social_insurance) {
            prop_assert!(all.contains(&month), "listed {:?} replaced", month);
        }

        // `reaches_on` is the first day the engine scores the reparsed projection at the standard.
        let projected = reparsed(&projected).unwrap();
        let mut first = None;
        let mut day = plan.as_of;
        while day <= plan.until {
            let mut on_day = projected.clone();
            on_day.as_of = Some(day);
            let evaluation = book().evaluate(&on_day, &Context::on(day)).unwrap();
            if evaluation.reaches_standard {
                first = Some(day);
                break;
            }
            day = day.succ_opt().unwrap();
        }
        prop_assert_eq!(plan.baseline.reaches_on, first);
    }
}
