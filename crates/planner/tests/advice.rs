//! A planner for everyone (issue #11): at or above the standard the plan says until when it
//! holds, what brings the total below and what keeps it; actions already done, changing
//! nothing or lowering the score are not proposed; an action that gains nothing says why;
//! the ranked list and the deadline plan agree. Every figure is checked against the engine.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::NaiveDate;
use jifen_planner::{
    Action, Catalogue, Effect, NoGain, NotProposed, Plan, PlanRequest, Scenario, Timeline, add_months, plan,
};
use jifen_rules::{Context, ItemId, Lang, Month, QualificationKind, RuleBook};
use serde_json::{Value, json};
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

fn today() -> NaiveDate {
    date(2025, 7, 1)
}

fn request(document: Value) -> PlanRequest {
    PlanRequest::from_document_slice(document.to_string().as_bytes()).unwrap_or_else(|e| panic!("{e}: {document}"))
}

fn case(name: &str) -> PlanRequest {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/cases").join(name);
    PlanRequest::from_document_slice(&std::fs::read(&path).unwrap()).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn case_names() -> Vec<String> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/cases");
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".json"))
        .collect();
    names.sort();
    names
}

fn run(request: &PlanRequest) -> Plan<'static, 'static> {
    plan(book(), catalogue(), request, today()).unwrap_or_else(|e| panic!("plan fails: {e}"))
}

fn action(id: &str) -> &'static Action {
    catalogue().get(id).unwrap_or_else(|| panic!("no action {id}"))
}

fn scenario(request: &PlanRequest, plan: &Plan, actions: &[&Action]) -> Scenario {
    let mut profile = request.profile.clone();
    profile.as_of = Some(plan.as_of);
    Scenario::new(book(), &profile, &request.assumptions, actions, plan.until)
}

/// The engine's verdict on the projection with `actions` on `on`.
fn reaches(request: &PlanRequest, plan: &Plan, actions: &[&Action], on: NaiveDate) -> bool {
    let mut scenario = scenario(request, plan, actions);
    book().evaluate(scenario.profile_on(on), &Context::on(on)).unwrap().reaches_standard
}

fn not_proposed<'p>(plan: &'p Plan, id: &str) -> Option<&'p NotProposed> {
    plan.not_proposed.iter().find(|(action, _)| action.id == id).map(|(_, reason)| reason)
}

/// 48 months at 30 000 (above 2 × the average wage) to 2025-05, then 5 000: 100 points for
/// the base until those months leave the 48-month window.
fn high_base_then_low() -> PlanRequest {
    request(json!({"profile": {
        "as_of": "2025-06-30",
        "birth_date": "1990-05-05",
        "education": [{"level": "associate"}],
        "social_insurance": [
            {"from": "2021-06", "to": "2025-05", "base": 30000},
            {"from": "2025-06", "to": "2025-06", "base": 5000},
        ],
    }}))
}

/// A bachelor's diploma without the degree (60) and a base below the average wage.
fn bachelor_low_base() -> PlanRequest {
    request(json!({"profile": {
        "as_of": "2025-06-30",
        "birth_date": "1995-05-05",
        "education": [{"level": "bachelor"}],
        "social_insurance": [{"from": "2019-01", "to": "2025-06", "base": 6000}],
    }}))
}

// ---------------------------------------------------------------- at or above the standard

#[test]
fn above_the_standard_the_plan_says_until_when_what_brings_it_below_and_what_keeps_it() {
    let request = high_base_then_low();
    let plan = run(&request);
    assert!(plan.baseline.start.reaches_standard, "the premise: {}", plan.baseline.start.total);
    let standing = plan.standing.as_ref().expect("standing when the standard is reached");
    assert_eq!(standing.from, plan.as_of);
    let falls_on = standing.falls_on.expect("the total falls below the standard within the horizon");
    // Day by day, the engine agrees that `falls_on` is the first day below the standard.
    let mut day = plan.as_of;
    while day < falls_on {
        assert!(reaches(&request, &plan, &[], day), "below the standard already on {day}");
        day = day.succ_opt().unwrap();
    }
    assert!(!reaches(&request, &plan, &[], falls_on));
    // The months at 2 × leave the window: that is what brings it below.
    let base_fall = standing.falls.iter().find(|(on, change)| *on == falls_on && change.item.id == ItemId::SiBase);
    assert!(base_fall.is_some_and(|(_, change)| change.delta() < 0), "{:?}", standing.falls);
    assert!(standing.falls.iter().all(|(on, change)| change.delta() < 0 && *on > standing.from && *on <= falls_on));

    // Paying at 2 × keeps the base points; every kept action holds the standard on that day.
    let keeps: Vec<&str> = standing.keeps.iter().map(|action| action.id.as_str()).collect();
    assert!(keeps.contains(&"base_2x"), "{keeps:?}");
    for kept in &standing.keeps {
        assert!(reaches(&request, &plan, &[kept], falls_on), "{} does not hold the standard", kept.id);
    }
    // What keeps the standard comes first in the ranked list.
    let first: Vec<&str> = plan.actions[..keeps.len()].iter().map(|o| o.action.id.as_str()).collect();
    let mut sorted_first = first.clone();
    sorted_first.sort_unstable();
    let mut sorted_keeps = keeps.clone();
    sorted_keeps.sort_unstable();
    assert_eq!(sorted_first, sorted_keeps);

    let document = plan.to_document(Lang::Zh);
    let worded = document.standing.expect("standing in the document");
    assert_eq!(worded.until, falls_on.pred_opt().unwrap());
    assert!(worded.text.contains(&falls_on.to_string()), "{}", worded.text);
    assert_eq!(worded.falls.len(), standing.falls.len());
}

#[test]
fn below_the_standard_the_plan_has_no_standing_until_it_is_reached() {
    let plan = run(&case("age-50-associate-no-insurance.json"));
    assert_eq!((plan.baseline.reaches_on, plan.standing.is_some()), (None, false));
    let plan = run(&case("spouse-7-years.json"));
    let standing = plan.standing.expect("reached in 2027");
    assert_eq!(Some(standing.from), plan.baseline.reaches_on);
}

// ---------------------------------------------------------------- not proposed

#[test]
fn what_the_person_already_has_or_does_is_not_proposed() {
    // An intermediate title, a bachelor's diploma, and a base at about 1.2 × the average wage.
    let request = case("intermediate-title-1x.json");
    let plan = run(&request);
    assert_eq!(not_proposed(&plan, "title_intermediate"), Some(&NotProposed::AlreadyHolds));
    assert_eq!(not_proposed(&plan, "bachelor"), Some(&NotProposed::AlreadyHolds));
    for id in ["base_0_8x", "base_1x"] {
        assert_eq!(not_proposed(&plan, id), Some(&NotProposed::ChangesNothing), "{id}");
        // Every assumed month is already at that multiple of the average wage.
        let Effect::Base { ratio_tenths } = action(id).effect else { panic!("{id} is a base action") };
        let projected = scenario(&request, &plan, &[]);
        let as_of_month = Month::of(plan.as_of);
        let wages = book().wages();
        for period in projected.profile.social_insurance.iter().filter(|period| period.to > as_of_month) {
            assert!(period.base * 10 >= ratio_tenths * wages.in_force(period.to), "{id}: {period:?}");
        }
    }
    // Holding a title does not make a higher one, or a skill level, "already held".
    for id in ["title_senior", "skill_1"] {
        assert!(plan.actions.iter().any(|o| o.action.id == id), "{id} is proposed");
    }
    assert_partition(&plan, "intermediate-title-1x");
}

/// Every action is either ranked or not proposed, never both, and no ranked action lowers
/// the total on any date (checked on both timelines' dates).
fn assert_partition(plan: &Plan, what: &str) {
    for listed in &catalogue().actions {
        let ranked = plan.actions.iter().filter(|o| o.action.id == listed.id).count();
        let skipped = plan.not_proposed.iter().filter(|(a, _)| a.id == listed.id).count();
        assert_eq!(ranked + skipped, 1, "{what}: {} ranked {ranked}, not proposed {skipped}", listed.id);
    }
    for outcome in &plan.actions {
        assert_eq!(outcome.gain == 0, outcome.no_gain.is_some(), "{what}: {}", outcome.action.id);
    }
}

#[test]
fn ranked_actions_never_lower_the_total() {
    for name in ["spouse-7-years.json", "intermediate-title-1x.json", "associate-14y.json"] {
        let request = case(name);
        let plan = run(&request);
        assert_partition(&plan, name);
        let baseline = Timeline::build(book(), &mut scenario(&request, &plan, &[]), plan.until, false).unwrap();
        for outcome in &plan.actions {
            let with =
                Timeline::build(book(), &mut scenario(&request, &plan, &[outcome.action]), plan.until, false).unwrap();
            for on in baseline.dates().chain(with.dates()) {
                assert!(with.total_on(on) >= baseline.total_on(on), "{name}: {} lowers on {on}", outcome.action.id);
            }
        }
    }
}

#[test]
fn moving_where_one_already_works_is_not_proposed() {
    let request = request(json!({"profile": {
        "as_of": "2025-06-30",
        "birth_date": "1990-05-05",
        "education": [{"level": "associate"}],
        "social_insurance": [{"from": "2020-01", "to": "2025-06", "base": 8000}],
        "lingang": {"since": "2022-03-01"},
        "public_service_years": 6,
    }}));
    let plan = run(&request);
    assert_eq!(not_proposed(&plan, "lingang"), Some(&NotProposed::ChangesNothing));
    assert_eq!(not_proposed(&plan, "public_service"), Some(&NotProposed::ChangesNothing));
    let document = plan.to_document(Lang::En);
    let lingang = document.not_proposed.iter().find(|a| a.id == "lingang").unwrap();
    assert_eq!(lingang.code, "changes_nothing");
    assert!(lingang.text.contains("Lin-gang"), "{}", lingang.text);
}

// ---------------------------------------------------------------- no gain, and why

#[test]
fn a_title_that_needs_a_higher_base_says_so_and_names_the_base_action() {
    let request = bachelor_low_base();
    let plan = run(&request);
    let title = plan.actions.iter().find(|o| o.action.id == "title_intermediate").unwrap();
    assert_eq!(title.gain, 0);
    assert_eq!(title.no_gain, Some(NoGain::NeedsBase { min_months: 6, window_months: 12, ratio_tenths: 10 }));
    let partner = title.with.expect("a base action makes the title count");
    assert_eq!(partner.action.id, "base_1x", "the least-effort base action at ≥ 1 ×");
    // Together, the title (100) replaces the diploma (60): 40 more than the base action alone.
    let rules = plan.baseline.start.rule_set;
    let worth = rules.qualification.points.value.title_intermediate - rules.education.points.value.bachelor;
    assert_eq!(partner.gain, worth);
    let on = partner.gain_on.unwrap();
    let total = |actions: &[&Action]| {
        let mut scenario = scenario(&request, &plan, actions);
        book().evaluate(scenario.profile_on(on), &Context::on(on)).unwrap().total
    };
    assert_eq!(total(&[title.action, partner.action]) - total(&[partner.action]), worth);

    let document = plan.to_document(Lang::Zh);
    let worded = document.actions.iter().find(|a| a.id == "title_intermediate").unwrap();
    let no_gain = worded.no_gain.as_ref().unwrap();
    assert_eq!(no_gain.code, "needs_base");
    assert!(no_gain.text.starts_with("需近 12 个月内有 6 个月按不低于 1 倍社平缴费"), "{}", no_gain.text);
    assert!(no_gain.text.contains(partner.action.title.get(Lang::Zh)), "{}", no_gain.text);

    // A skill level below the diploma's points: only the higher of the two counts.
    let skill = plan.actions.iter().find(|o| o.action.id == "skill_3").unwrap();
    assert_eq!(skill.no_gain, Some(NoGain::HigherAlternative { item: ItemId::Education, points: 60 }));
    assert_eq!(not_proposed(&plan, "bachelor"), Some(&NotProposed::AlreadyHolds));
}

#[test]
fn a_qualification_of_another_kind_worth_no_more_is_already_counted() {
    // The intermediate title scores 100; a skill level 2 would score the same.
    let plan = run(&case("intermediate-title-1x.json"));
    let skill = plan.actions.iter().find(|o| o.action.id == "skill_2").unwrap();
    assert_eq!(skill.no_gain, Some(NoGain::AlreadyCounted { item: ItemId::Qualification, points: 100 }));
    let Effect::Qualification { kind, .. } = skill.action.effect else { panic!("a qualification") };
    assert_eq!(kind, QualificationKind::Skill);
}

// ---------------------------------------------------------------- the deadline plan agrees

#[test]
fn the_deadline_plan_relies_on_a_title_only_with_the_base_it_needs() {
    let mut request = bachelor_low_base();
    request.deadline = Some(date(2026, 12, 31));
    let plan = run(&request);
    let chosen = plan.deadline.as_ref().expect("a deadline plan");
    assert!(chosen.met);
    let ids: Vec<&str> = chosen.actions.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(ids, ["title_intermediate", "base_1x"]);
    // Each action adds something within the plan, and the ranked list says why the title
    // alone does not.
    for (action, (gain, _)) in chosen.actions.iter().zip(&chosen.contributions) {
        assert!(*gain > 0, "{} adds nothing in the plan", action.id);
    }
    let title = plan.actions.iter().find(|o| o.action.id == "title_intermediate").unwrap();
    assert!(title.no_gain.is_some() && title.with.is_some_and(|p| ids.contains(&p.action.id.as_str())));
    let document = plan.to_document(Lang::Zh);
    let gains: Vec<i64> = document.deadline.unwrap().actions.iter().map(|a| a.gain).collect();
    assert_eq!(gains, chosen.contributions.iter().map(|(gain, _)| *gain).collect::<Vec<_>>());
}

#[test]
fn deadline_plans_use_only_proposed_actions_each_adding_something() {
    let mut checked = 0;
    for name in case_names() {
        let as_of = case(&name).profile.as_of.unwrap();
        for months in [12, 36] {
            let mut request = case(&name);
            request.deadline = Some(add_months(as_of, months));
            let plan = run(&request);
            assert_partition(&plan, &name);
            let chosen = plan.deadline.as_ref().unwrap();
            assert_eq!(chosen.contributions.len(), chosen.actions.len());
            for (action, (gain, on)) in chosen.actions.iter().zip(&chosen.contributions) {
                checked += 1;
                assert!(plan.actions.iter().any(|o| o.action.id == action.id), "{name}: {} not proposed", action.id);
                if chosen.met {
                    assert!(*gain > 0, "{name}: {} adds nothing to the plan", action.id);
                    assert!(on.is_some_and(|on| on <= chosen.deadline), "{name}: {} on {on:?}", action.id);
                }
            }
        }
    }
    assert!(checked > 5, "only {checked} deadline actions were checked");
}
