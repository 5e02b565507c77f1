//! The planner end to end: timelines pinned to dates on the shared cases, the deadline
//! search, every reported plan re-scored by the engine, threats, the age-60 horizon,
//! assumptions, plan documents, ranking and the JSON document.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{Datelike, NaiveDate};
use jifen_planner::{
    Action, AssumptionNote, Assumptions, Catalogue, Change, Plan, PlanRequest, Scenario, Timeline, add_months, plan,
};
use jifen_rules::{Context, Evaluation, ItemId, Lang, Month, Profile, RuleBook};
use serde_json::{Value, json};
use std::path::PathBuf;

// ---------------------------------------------------------------- helpers

fn book() -> &'static RuleBook {
    RuleBook::embedded().expect("embedded rule data loads")
}

fn catalogue() -> &'static Catalogue {
    Catalogue::embedded().expect("embedded catalogue loads")
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_else(|| panic!("bad date {y}-{m}-{d}"))
}

fn month(y: i32, m: u32) -> Month {
    Month::new(y, m).unwrap()
}

/// Stands in for a missing `as_of`; every profile here has one.
fn today() -> NaiveDate {
    date(2025, 7, 1)
}

fn case_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/cases").join(name)
}

fn case_names() -> Vec<String> {
    let dir = case_path("");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".json"))
        .collect();
    names.sort();
    names
}

/// A golden case read as a plan request (default assumptions and horizon).
fn case(name: &str) -> PlanRequest {
    let bytes = std::fs::read(case_path(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    PlanRequest::from_document_slice(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn case_with_deadline(name: &str, deadline: NaiveDate) -> PlanRequest {
    let mut request = case(name);
    request.deadline = Some(deadline);
    request
}

/// A plan document given as JSON.
fn request(document: Value) -> PlanRequest {
    PlanRequest::from_document_slice(document.to_string().as_bytes()).unwrap_or_else(|e| panic!("{e}: {document}"))
}

fn run<'c>(request: &PlanRequest, catalogue: &'c Catalogue) -> Plan<'static, 'c> {
    plan(book(), catalogue, request, today()).unwrap_or_else(|e| panic!("plan fails: {e}"))
}

/// The request's profile with the evaluation date the plan used.
fn profile_as_of(request: &PlanRequest, plan: &Plan) -> Profile {
    let mut profile = request.profile.clone();
    profile.as_of = Some(plan.as_of);
    profile
}

/// The scenario the planner builds for `actions`, rebuilt from the request.
fn scenario(request: &PlanRequest, plan: &Plan, actions: &[&Action]) -> Scenario {
    Scenario::new(book(), &profile_as_of(request, plan), &request.assumptions, actions, plan.until)
}

/// The engine's score of the projected profile with `actions` on `on`, computed directly.
fn score(request: &PlanRequest, plan: &Plan, actions: &[&Action], on: NaiveDate) -> Evaluation<'static> {
    let mut scenario = scenario(request, plan, actions);
    book().evaluate(scenario.profile_on(on), &Context::on(on)).unwrap_or_else(|e| panic!("scoring {on}: {e}"))
}

/// Every change of `item` on the timeline, with its date.
fn changes_of<'r>(timeline: &Timeline<'r>, item: ItemId) -> Vec<(NaiveDate, Change<'r>)> {
    timeline
        .steps
        .iter()
        .flat_map(|step| step.changes.iter().filter(|c| c.item.id == item).map(move |c| (step.date, *c)))
        .collect()
}

fn change_on<'r>(timeline: &Timeline<'r>, item: ItemId, on: NaiveDate) -> Change<'r> {
    changes_of(timeline, item)
        .into_iter()
        .find(|(d, _)| *d == on)
        .map(|(_, change)| change)
        .unwrap_or_else(|| panic!("no {} change on {on}: {:?}", item.as_str(), dates_of(timeline, item)))
}

fn dates_of(timeline: &Timeline, item: ItemId) -> Vec<NaiveDate> {
    changes_of(timeline, item).into_iter().map(|(d, _)| d).collect()
}

fn action_ids(actions: &[&Action]) -> Vec<String> {
    actions.iter().map(|action| action.id.clone()).collect()
}

fn actions_toml(actions: &[(&str, &str, u32, u32, &str)]) -> String {
    actions
        .iter()
        .map(|(id, group, effort, min_months, effect)| {
            format!(
                "[[action]]\nid = \"{id}\"\ngroup = \"{group}\"\neffort = {effort}\nmin_months = {min_months}\n\
                 effect = {effect}\ntitle = {{ zh = \"{id}\", en = \"{id}\" }}\n\n"
            )
        })
        .collect()
}

const SKILL_3: &str = "{ qualification = { kind = \"skill\", level = 3 } }";
const LINGANG: &str = "{ area = \"lingang\" }";

/// A profile insured from `from` to June 2025 at `base`, evaluated on 2025-06-30.
fn insured_profile(birth_date: &str, periods: Value) -> Value {
    json!({
        "as_of": "2025-06-30",
        "birth_date": birth_date,
        "education": [{"level": "associate"}],
        "social_insurance": periods,
    })
}

// ---------------------------------------------------------------- 1. timeline events

#[test]
fn associate_14y_gains_si_years_and_loses_age_points_on_the_exact_dates() {
    let request = case("associate-14y.json");
    let plan = run(&request, catalogue());
    let baseline = &plan.baseline;
    assert_eq!(plan.as_of, date(2025, 6, 30));
    assert_eq!(baseline.start.total, 122);

    let si = change_on(baseline, ItemId::SiYears, date(2026, 6, 1));
    assert_eq!((si.before, si.after, si.delta()), (42, 45, 3));
    match si.item.finding {
        jifen_rules::Finding::SiYears { months, .. } => assert_eq!(months, 180, "qualifying months on 2026-06-01"),
        other => panic!("si_years finding is {other:?}"),
    }
    // Nothing happens to si_years earlier: 168..179 months are still 14 blocks.
    assert_eq!(dates_of(baseline, ItemId::SiYears)[0], date(2026, 6, 1));

    let age44 = change_on(baseline, ItemId::Age, date(2032, 8, 8));
    assert_eq!((age44.before, age44.after, age44.delta()), (30, 29, -1));
    let age45 = change_on(baseline, ItemId::Age, date(2033, 8, 8));
    assert_eq!((age45.before, age45.after, age45.delta()), (29, 27, -2));
    assert_eq!(dates_of(baseline, ItemId::Age)[..2], [date(2032, 8, 8), date(2033, 8, 8)]);
    // The day before the 44th birthday still scores 30 for age.
    let eve = score(&request, &plan, &[], date(2032, 8, 7));
    assert_eq!(eve.item(ItemId::Age).points, 30);
}

#[test]
fn spouse_7_years_reaches_the_standard_on_the_anniversary() {
    let plan = run(&case("spouse-7-years.json"), catalogue());
    let baseline = &plan.baseline;
    assert_eq!(baseline.start.total, 111);
    assert_eq!(baseline.reaches_on, Some(date(2027, 3, 1)));
    assert_eq!(baseline.total_on(date(2027, 3, 1)), 122);
    assert!(baseline.total_on(date(2027, 2, 28)) < 120);

    let first = &baseline.steps[0];
    assert_eq!(first.date, date(2026, 3, 1));
    assert_eq!(first.changes.len(), 1, "{:?}", first.changes);
    let spouse = first.changes[0];
    assert_eq!((spouse.item.id, spouse.before, spouse.after), (ItemId::Spouse, 28, 32));

    let reach = baseline.steps.iter().find(|step| step.date == date(2027, 3, 1)).unwrap();
    assert!(reach.reaches_standard);
    assert_eq!(reach.total, 122);
    assert!(reach.changes.iter().any(|c| c.item.id == ItemId::Spouse && c.delta() == 4));
}

// ---------------------------------------------------------------- 2. deadline mode

/// Two single actions that each reach 120 by the deadline for spouse-7-years: skill level 3
/// (60 > the diploma's 50, ready 2026-06-30) and Lin-gang (first full year on 2026-07-01).
fn two_action_plan(skill_effort: u32, lingang_effort: u32) -> (Vec<String>, bool, u32) {
    let catalogue = Catalogue::parse(&actions_toml(&[
        ("skill_3", "qualification", skill_effort, 12, SKILL_3),
        ("lingang", "area", lingang_effort, 1, LINGANG),
    ]))
    .unwrap();
    let deadline = date(2026, 9, 1);
    let request = case_with_deadline("spouse-7-years.json", deadline);
    let plan = run(&request, &catalogue);
    // The premise: each alone reaches the standard by the deadline.
    for outcome in &plan.actions {
        assert!(
            outcome.reaches_on.is_some_and(|d| d <= deadline),
            "{} alone reaches on {:?}",
            outcome.action.id,
            outcome.reaches_on
        );
    }
    let chosen = plan.deadline.expect("a deadline plan");
    assert!(chosen.reaches_on.is_some_and(|d| d <= deadline));
    (action_ids(&chosen.actions), chosen.met, chosen.effort)
}

#[test]
fn deadline_picks_the_cheaper_of_two_plans_that_meet_it() {
    assert_eq!(two_action_plan(4, 6), (vec!["skill_3".to_string()], true, 4));
    // Not the catalogue order: with the efforts swapped the other plan wins.
    assert_eq!(two_action_plan(7, 3), (vec!["lingang".to_string()], true, 3));
}

#[test]
fn embedded_catalogue_meets_a_deadline_for_spouse_7_years() {
    let deadline = date(2026, 9, 1);
    let plan = run(&case_with_deadline("spouse-7-years.json", deadline), catalogue());
    assert_eq!(plan.baseline.reaches_on, Some(date(2027, 3, 1)), "the baseline alone is too late");
    let chosen = plan.deadline.expect("a deadline plan");
    assert!(chosen.met);
    assert_eq!(chosen.deadline, deadline);
    // Skill level 3 (effort 4, ready 2026-06-30) is the cheapest way there.
    assert_eq!((action_ids(&chosen.actions), chosen.effort), (vec!["skill_3".to_string()], 4));
    assert_eq!(chosen.reaches_on, Some(date(2026, 6, 30)));
    let reached = chosen.reaches_on.expect("reaches_on when met");
    assert!(reached <= deadline);
    assert!(chosen.timeline.total_on(reached) >= 120);
    assert_eq!(chosen.effort, chosen.actions.iter().map(|a| a.effort).sum::<u32>());
    // No single catalogue action that meets the deadline is cheaper than the plan.
    let cheapest_single = plan
        .actions
        .iter()
        .filter(|o| o.reaches_on.is_some_and(|d| d <= deadline) && o.ready_on <= deadline)
        .map(|o| o.action.effort)
        .min()
        .expect("some single action meets the deadline");
    assert!(chosen.effort <= cheapest_single, "plan effort {} > single action {cheapest_single}", chosen.effort);
}

// ---------------------------------------------------------------- 3. engine agrees

/// Checks that the engine scores `actions` at the standard on `on`, and (when after the
/// start) not on the day before, so that `on` is the first such date; returns what is wrong.
fn first_reach_error(request: &PlanRequest, plan: &Plan, actions: &[&Action], on: NaiveDate) -> Option<String> {
    let evaluation = score(request, plan, actions, on);
    if !evaluation.reaches_standard {
        return Some(format!("reported {on}, but the engine scores {} that day", evaluation.total));
    }
    let eve = on.pred_opt().unwrap();
    (on > plan.as_of && score(request, plan, actions, eve).reaches_standard)
        .then(|| format!("reported {on}, but the engine already reaches the standard on {eve}"))
}

#[test]
fn every_reported_plan_is_scored_at_the_standard_by_the_engine() {
    let mut checked = 0;
    let mut failures = Vec::new();
    for name in case_names() {
        let as_of = case(&name).profile.as_of.unwrap();
        for months in [12, 36] {
            let deadline = add_months(as_of, months);
            let request = case_with_deadline(&name, deadline);
            let plan = run(&request, catalogue());
            let mut check = |what: String, actions: &[&Action], on: NaiveDate| {
                checked += 1;
                if let Some(error) = first_reach_error(&request, &plan, actions, on) {
                    failures.push(format!("{name}, deadline {deadline}, {what}: {error}"));
                }
            };
            if let Some(on) = plan.baseline.reaches_on {
                check("baseline".into(), &[], on);
            }
            let chosen = plan.deadline.as_ref().unwrap();
            if chosen.met {
                let on = chosen.reaches_on.unwrap();
                assert!(on <= chosen.deadline, "{name}: met but reaches on {on}");
                check(format!("deadline plan {:?}", action_ids(&chosen.actions)), &chosen.actions, on);
            }
            for outcome in &plan.actions {
                if let Some(on) = outcome.reaches_on {
                    check(format!("action {}", outcome.action.id), &[outcome.action], on);
                }
            }
            // The search agrees with the single actions: a met plan is no dearer than any
            // single action that meets the deadline, and an unmet one means none does.
            let meeting: Vec<u32> = plan
                .actions
                .iter()
                .filter(|o| o.ready_on <= deadline && o.reaches_on.is_some_and(|d| d <= deadline))
                .map(|o| o.action.effort)
                .collect();
            match (chosen.met, meeting.iter().min()) {
                (true, Some(&cheapest)) if chosen.effort > cheapest => failures.push(format!(
                    "{name}, deadline {deadline}: plan effort {} > single action effort {cheapest}",
                    chosen.effort
                )),
                (false, Some(_)) => {
                    failures.push(format!("{name}, deadline {deadline}: unmet, yet {meeting:?} meet it"))
                }
                _ => {}
            }
            if plan.baseline.reaches_on.is_some_and(|d| d <= deadline) && !(chosen.met && chosen.effort == 0) {
                failures
                    .push(format!("{name}, deadline {deadline}: the baseline meets it, yet effort {}", chosen.effort));
            }
        }
    }
    assert!(checked > 100, "only {checked} reach dates were checked");
    assert!(failures.is_empty(), "{} disagreements with the engine:\n{}", failures.len(), failures.join("\n"));
}

/// sh-2023 drops the family-planning veto (I-9): the vetoed 2021 case reaches the standard
/// on 2023-01-01 without any item changing that day.
#[test]
fn a_veto_lifted_by_a_new_rule_set_is_a_reach_date() {
    let name = "family-planning-2018-veto.json";
    let request = case(name);
    let plan = run(&request, catalogue());
    let lifted = date(2023, 1, 1);
    let engine = score(&request, &plan, &[], lifted);
    assert!(engine.reaches_standard && engine.rule_set.id == "sh-2023", "the premise: {}", engine.total);
    assert!(!score(&request, &plan, &[], date(2022, 12, 31)).reaches_standard, "the premise");
    assert_eq!(plan.baseline.reaches_on, Some(lifted));
}

#[test]
fn a_deadline_after_a_veto_lifts_needs_no_action() {
    let lifted = date(2023, 1, 1);
    let deadline = date(2023, 3, 1);
    let plan = run(&case_with_deadline("family-planning-2018-veto.json", deadline), catalogue());
    let chosen = plan.deadline.unwrap();
    assert!(chosen.met, "not met; closest {} with {:?}", chosen.best_total, action_ids(&chosen.actions));
    assert_eq!((chosen.effort, chosen.reaches_on), (0, Some(lifted)));
}

/// The current total of every shared case (each insured up to its evaluation month) is the
/// engine's score of the profile.
#[test]
fn the_current_total_is_the_engines_score_of_each_case() {
    for name in case_names() {
        let request = case(&name);
        let plan = run(&request, catalogue());
        let engine = book().evaluate(&request.profile, &Context::on(today())).unwrap();
        assert_eq!(plan.baseline.start.total, engine.total, "{name}: current total");
        assert_eq!(plan.to_document(Lang::En).current.total, engine.total, "{name}: document");
    }
}

/// `assumptions.base` defaults to the latest insured month's base (docs/PLAN.md), so giving
/// that base explicitly must not change the plan, here for a person whose insurance record
/// ends two months before the evaluation month (still "currently insured").
#[test]
fn giving_the_default_base_explicitly_changes_nothing() {
    // Insured until April 2025 at 8 000 (22 months), evaluated on 2025-06-30.
    let lagging = insured_profile("1990-01-01", json!([{"from": "2023-07", "to": "2025-04", "base": 8000}]));
    let implicit = run(&request(json!({"profile": lagging})), catalogue());
    let explicit = run(&request(json!({"profile": lagging, "assumptions": {"base": 8000}})), catalogue());
    let totals = |plan: &Plan| plan.baseline.monthly();
    assert_eq!(
        (implicit.baseline.start.total, implicit.baseline.reaches_on),
        (explicit.baseline.start.total, explicit.baseline.reaches_on),
        "current total and reach date without / with the default base"
    );
    assert_eq!(totals(&implicit), totals(&explicit));
}

// ---------------------------------------------------------------- 4. unreachable deadline

#[test]
fn an_unreachable_deadline_reports_the_closest_total() {
    let name = "age-50-associate-no-insurance.json";
    let deadline = add_months(date(2025, 6, 30), 1);
    let plan = run(&case_with_deadline(name, deadline), catalogue());
    let current = plan.baseline.start.total;
    assert_eq!(current, 67);
    let chosen = plan.deadline.expect("a deadline plan");
    assert!(!chosen.met);
    assert_eq!(chosen.reaches_on, None);
    assert!(chosen.best_total >= current, "best {} < current {current}", chosen.best_total);
    assert!(chosen.best_total < 120);
    assert!(chosen.best_on >= plan.as_of && chosen.best_on <= deadline);
    assert_eq!(chosen.timeline.best_until(deadline).0, chosen.best_total);
    assert!(chosen.plans_scored > 1, "an unmet deadline searches every set");
}

// ---------------------------------------------------------------- 5. threats

#[test]
fn a_stopped_high_base_shows_as_a_falling_si_base_threat() {
    // 48 months at 30 000 (over 2 × the average), then 5 000 from the as_of month on.
    let profile = insured_profile(
        "1990-05-05",
        json!([
            {"from": "2021-06", "to": "2025-05", "base": 30000},
            {"from": "2025-06", "to": "2025-06", "base": 5000},
        ]),
    );
    let plan = run(&request(json!({"profile": profile, "assumptions": {"keeps_insured": true}})), catalogue());
    assert_eq!(plan.baseline.start.item(ItemId::SiBase).points, 100);
    let threat_end = add_months(plan.as_of, 36);
    let falls: Vec<_> = plan.threats.iter().filter(|(_, change)| change.item.id == ItemId::SiBase).collect();
    assert!(!falls.is_empty(), "threats: {:?}", plan.threats);
    for (on, change) in &falls {
        assert!(change.delta() < 0 && *on <= threat_end && *on > plan.as_of, "{on}: {change:?}");
    }
    // The 36th month at 2 × leaves the 48-month window in June 2026.
    assert_eq!(falls[0].0, date(2026, 6, 1));
    assert_eq!((falls[0].1.before, falls[0].1.after), (100, 0));
    assert!(plan.threats.iter().all(|(_, change)| change.delta() < 0));
}

#[test]
fn a_43_year_old_sees_the_coming_birthday_as_a_threat() {
    let profile = insured_profile("1982-01-10", json!([{"from": "2015-07", "to": "2025-06", "base": 8000}]));
    let plan = run(&request(json!({"profile": profile})), catalogue());
    assert_eq!(plan.baseline.start.item(ItemId::Age).points, 30);
    let age: Vec<_> = plan.threats.iter().filter(|(_, change)| change.item.id == ItemId::Age).collect();
    assert!(!age.is_empty(), "threats: {:?}", plan.threats);
    assert_eq!(age[0].0, date(2026, 1, 10));
    assert_eq!((age[0].1.before, age[0].1.after), (30, 29));
    // Within 36 months: 44, 45 and 46.
    let dates: Vec<NaiveDate> = age.iter().map(|(d, _)| *d).collect();
    assert_eq!(dates, [date(2026, 1, 10), date(2027, 1, 10), date(2028, 1, 10)]);
}

// ---------------------------------------------------------------- 6. horizon

#[test]
fn the_horizon_stops_before_the_61st_birthday() {
    let profile = insured_profile("1967-03-15", json!([{"from": "2015-07", "to": "2025-06", "base": 8000}]));
    let last_day = date(2028, 3, 14);
    let plan = run(&request(json!({"profile": profile, "horizon_years": 10})), catalogue());
    assert_eq!(plan.until, last_day);
    assert_eq!(plan.baseline.until, last_day);
    assert!(plan.baseline.steps.iter().all(|step| step.date <= last_day));
    assert_eq!(plan.baseline.monthly().last().unwrap().0, date(2028, 3, 1));

    // A deadline past the 61st birthday is cut to the same day.
    let late = run(&request(json!({"profile": profile, "deadline": "2030-01-01"})), catalogue());
    assert_eq!(late.until, last_day);
    assert_eq!(late.deadline.unwrap().deadline, last_day);
}

#[test]
fn a_29_february_birth_date_ends_the_horizon_on_28_february() {
    let profile = insured_profile("1968-02-29", json!([{"from": "2015-07", "to": "2025-06", "base": 8000}]));
    let plan = run(&request(json!({"profile": profile})), catalogue());
    // Aged 57; the 61st birthday falls in a common year and is reached on 1 March 2029.
    assert_eq!(plan.until, date(2029, 2, 28));
}

// ---------------------------------------------------------------- 7. assumptions

#[test]
fn no_insurance_is_noted_and_projects_no_si_years() {
    let plan = run(&case("age-50-associate-no-insurance.json"), catalogue());
    // The evaluation month (2025-06) and the two before it.
    let note = AssumptionNote::NotInsured { from: month(2025, 4), to: month(2025, 6) };
    assert!(plan.scenario_notes.contains(&note), "{:?}", plan.scenario_notes);
    assert!(dates_of(&plan.baseline, ItemId::SiYears).is_empty());
    let document = plan.to_document(Lang::Zh);
    assert!(document.notes.contains(&jifen_planner::note_text(&note, Lang::Zh)));
    assert_eq!(plan.baseline.reaches_on, None);
}

#[test]
fn base_growth_raises_the_projected_base_each_january() {
    let profile = request(json!({"profile": insured_profile(
        "1990-05-05",
        json!([{"from": "2020-07", "to": "2025-06", "base": 10000}]),
    )}))
    .profile;
    let assumptions: Assumptions = serde_json::from_value(json!({"base_growth_percent": 10})).unwrap();
    let scenario = Scenario::new(book(), &profile, &assumptions, &[], date(2027, 6, 30));
    let projected: Vec<(Month, Month, u64)> = scenario
        .profile
        .social_insurance
        .iter()
        .filter(|period| period.from > month(2025, 6))
        .map(|period| (period.from, period.to, period.base))
        .collect();
    assert_eq!(
        projected,
        [
            (month(2025, 7), month(2025, 12), 10000),
            (month(2026, 1), month(2026, 12), 11000),
            (month(2027, 1), month(2027, 6), 12100),
        ]
    );
    assert!(scenario.notes.contains(&AssumptionNote::InsuredAt { from: month(2025, 7), base: 10000 }));
}

#[test]
fn insurance_stopping_ends_the_si_years_events() {
    // 18 months by June 2025: the 24th month is December 2025, the 36th December 2026.
    let profile = insured_profile("1990-05-05", json!([{"from": "2024-01", "to": "2025-06", "base": 8000}]));
    let going_on = run(&request(json!({"profile": profile})), catalogue());
    let stopping = run(
        &request(json!({"profile": profile, "assumptions": {"changes": [{"from": "2026-01", "insured": false}]}})),
        catalogue(),
    );
    let stop = date(2026, 1, 1);
    assert!(dates_of(&going_on.baseline, ItemId::SiYears).iter().any(|d| *d > stop), "the premise");
    assert_eq!(dates_of(&stopping.baseline, ItemId::SiYears), [date(2025, 12, 1)]);
    assert_eq!(stopping.baseline.total_on(date(2030, 1, 1)), stopping.baseline.total_on(stop));
}

// ---------------------------------------------------------------- 8. plan documents

#[test]
fn a_plan_document_is_read_with_assumptions_deadline_and_horizon() {
    let profile = insured_profile("1990-05-05", json!([{"from": "2024-01", "to": "2025-06", "base": 8000}]));
    let request = request(json!({
        "profile": profile,
        "assumptions": {"keeps_insured": false, "base": 9000, "base_growth_percent": 3,
                        "changes": [{"from": "2026-01", "base": 12000}]},
        "deadline": "2027-01-01",
        "horizon_years": 5,
    }));
    assert_eq!(request.deadline, Some(date(2027, 1, 1)));
    assert_eq!(request.horizon_years, 5);
    assert_eq!(request.profile.as_of, Some(date(2025, 6, 30)));
    assert!(!request.assumptions.keeps_insured);
    assert_eq!(request.assumptions.base, Some(9000));
    assert_eq!(request.assumptions.base_growth_percent, 3);
    assert_eq!(request.assumptions.changes.len(), 1);
    assert_eq!(request.assumptions.changes[0].from, month(2026, 1));
    assert_eq!(request.assumptions.changes[0].base, Some(12000));
    let plan = run(&request, catalogue());
    assert_eq!(plan.until, date(2030, 6, 30));
    assert!(plan.deadline.is_some());

    // A golden case (name, description, profile, expect) reads with the defaults.
    let golden = case("spouse-7-years.json");
    assert_eq!(golden.assumptions, Assumptions::default());
    assert_eq!((golden.deadline, golden.horizon_years), (None, jifen_planner::DEFAULT_HORIZON_YEARS));
}

fn document_error(document: Value) -> jifen_rules::ProfileError {
    match PlanRequest::from_document_slice(document.to_string().as_bytes()) {
        Ok(request) => panic!("accepted {document}: {request:?}"),
        Err(error) => error,
    }
}

#[test]
fn plan_document_errors_name_the_field() {
    let profile = insured_profile("1990-05-05", json!([{"from": "2024-01", "to": "2025-06", "base": 8000}]));
    let growth = document_error(json!({"profile": profile, "assumptions": {"base_growth_percent": -3}}));
    assert!(growth.path.starts_with("assumptions.base_growth_percent"), "path {:?}: {growth}", growth.path);

    let deadline = document_error(json!({"profile": profile, "deadline": "2027-02-30"}));
    assert!(deadline.path.starts_with("deadline"), "path {:?}: {deadline}", deadline.path);
    assert!(deadline.message(Lang::En).contains("2027-02-30"), "{deadline}");

    let horizon = document_error(json!({"profile": profile, "horizon_years": "ten"}));
    assert!(horizon.path.starts_with("horizon_years"), "path {:?}: {horizon}", horizon.path);

    let unknown = document_error(json!({"profile": profile, "assumptions": {"grows": 3}}));
    assert!(unknown.path.starts_with("assumptions"), "path {:?}: {unknown}", unknown.path);
}

#[test]
fn a_deadline_before_the_start_or_a_bad_horizon_is_refused() {
    let mut early = case_with_deadline("spouse-7-years.json", date(2025, 6, 29));
    match plan(book(), catalogue(), &early, today()) {
        Err(jifen_planner::PlanError::DeadlineBeforeStart { deadline, as_of }) => {
            assert_eq!((deadline, as_of), (date(2025, 6, 29), date(2025, 6, 30)));
        }
        other => panic!("expected DeadlineBeforeStart, got {:?}", other.map(|p| p.until)),
    }
    early.deadline = None;
    for years in [0, 41] {
        early.horizon_years = years;
        let result = plan(book(), catalogue(), &early, today());
        assert!(matches!(result, Err(jifen_planner::PlanError::Horizon(y)) if y == years), "horizon {years}");
    }
}

// ---------------------------------------------------------------- 9. ranking

fn assert_ranked(plan: &Plan, what: &str) {
    // Earliest to reach, then the standard held longest, then gaining before not, then effort.
    let key = |i: usize| {
        let outcome = &plan.actions[i];
        (
            outcome.reaches_on.unwrap_or(NaiveDate::MAX),
            std::cmp::Reverse(outcome.falls_on.unwrap_or(NaiveDate::MAX)),
            outcome.no_gain.is_some(),
            outcome.action.effort,
        )
    };
    for i in 1..plan.actions.len() {
        assert!(
            key(i - 1) <= key(i),
            "{what}: {} ({:?}) ranked before {} ({:?})",
            plan.actions[i - 1].action.id,
            key(i - 1),
            plan.actions[i].action.id,
            key(i)
        );
    }
}

#[test]
fn actions_are_ranked_by_reach_date_then_effort() {
    for name in ["spouse-7-years.json", "age-50-associate-no-insurance.json", "deductions-windows.json"] {
        let plan = run(&case(name), catalogue());
        assert_eq!(
            plan.actions.len() + plan.not_proposed.len(),
            catalogue().actions.len(),
            "{name}: each action proposed or not"
        );
        assert_ranked(&plan, name);
    }
    // The mix the ordering is about: some actions reach, some never do (None last).
    let plan = run(&case("age-50-associate-no-insurance.json"), catalogue());
    let reaching = plan.actions.iter().filter(|o| o.reaches_on.is_some()).count();
    assert!(reaching > 0 && reaching < plan.actions.len(), "{reaching} of {}", plan.actions.len());
}

#[test]
fn gains_are_the_largest_difference_from_the_baseline() {
    for name in ["spouse-7-years.json", "age-50-associate-no-insurance.json"] {
        let request = case(name);
        let plan = run(&request, catalogue());
        for id in ["skill_3", "bachelor_degree", "base_2x", "lingang", "public_service"] {
            let outcome = plan.actions.iter().find(|o| o.action.id == id).unwrap();
            let with =
                Timeline::build(book(), &mut scenario(&request, &plan, &[outcome.action]), plan.until, false).unwrap();
            let without = Timeline::build(book(), &mut scenario(&request, &plan, &[]), plan.until, false).unwrap();
            let mut dates: Vec<NaiveDate> = with.dates().chain(without.dates()).collect();
            dates.sort_unstable();
            let (gain, on) = dates
                .iter()
                .map(|d| (with.total_on(*d) - without.total_on(*d), *d))
                .fold((i64::MIN, None), |best, (g, d)| if g > best.0 { (g, Some(d)) } else { best });
            assert_eq!(outcome.gain, gain, "{name}: {id}");
            if gain > 0 {
                assert_eq!(outcome.gain_on, on, "{name}: {id}");
                // Cross-check the total on that date with the engine directly.
                let scored = score(&request, &plan, &[outcome.action], on.unwrap()).total;
                assert_eq!(scored - without.total_on(on.unwrap()), gain, "{name}: {id}");
            }
        }
    }
}

// ---------------------------------------------------------------- 10. the JSON document

#[test]
fn the_plan_document_has_the_documented_keys_and_a_monthly_series() {
    let request = case_with_deadline("spouse-7-years.json", date(2026, 9, 1));
    let plan = run(&request, catalogue());
    let value = serde_json::to_value(plan.to_document(Lang::En)).unwrap();
    let object = value.as_object().unwrap();
    let mut keys: Vec<&str> = object.keys().map(String::as_str).collect();
    keys.sort_unstable();
    let mut expected = [
        "as_of",
        "until",
        "standard",
        "assumptions",
        "notes",
        "current",
        "reaches_on",
        "events",
        "threats",
        "series",
        "standing",
        "actions",
        "not_proposed",
        "deadline",
    ];
    expected.sort_unstable();
    assert_eq!(keys, expected);
    assert_eq!(value["as_of"], "2025-06-30");
    assert_eq!(value["standard"], 120);
    assert_eq!(value["reaches_on"], "2027-03-01");
    assert_eq!(value["current"]["total"], 111);
    assert_eq!(value["deadline"]["met"], true);
    assert_eq!(value["events"][0]["date"], "2026-03-01");
    assert_eq!(value["events"][0]["item"], "spouse");

    let series = value["series"].as_array().unwrap();
    let points: Vec<(NaiveDate, i64)> = series
        .iter()
        .map(|p| {
            (jifen_rules::calendar::parse_date(p["date"].as_str().unwrap()).unwrap(), p["total"].as_i64().unwrap())
        })
        .collect();
    assert_eq!(points[0], (plan.as_of, 111));
    for (i, (on, total)) in points.iter().enumerate().skip(1) {
        assert_eq!(*on, month(2025, 7).plus(i as i32 - 1).first_day().unwrap(), "point {i}");
        assert_eq!(*total, plan.baseline.total_on(*on), "point {i}");
    }
    let last = points.last().unwrap().0;
    assert!(last <= plan.until && Month::of(last).plus(1).first_day().unwrap() > plan.until);
    assert_eq!(points.len() as i32, Month::of(plan.as_of).until(Month::of(plan.until)) + 1);
    assert_eq!(points.iter().find(|(on, _)| *on == date(2027, 3, 1)).unwrap().1, 122);
    assert!(points.iter().all(|(on, _)| on.day() == 1 || *on == plan.as_of));
}
