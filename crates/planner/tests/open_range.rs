//! CONTRACT v1.1: a profile whose latest insurance range has no `to` ("still insured") plans
//! exactly as the same profile with that range ending in the evaluation month; the open
//! range never runs on into the months the planner assumes.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::NaiveDate;
use jifen_planner::{Catalogue, PlanRequest, plan};
use jifen_rules::{Lang, Profile, RuleBook};
use serde_json::{Value, json};

fn plan_document(profile: Value, today: NaiveDate) -> Value {
    let book = RuleBook::embedded().expect("embedded rule data loads");
    let catalogue = Catalogue::embedded().expect("embedded catalogue loads");
    let request = PlanRequest::for_profile(Profile::from_value(profile).unwrap());
    serde_json::to_value(plan(book, catalogue, &request, today).unwrap().to_document(Lang::En)).unwrap()
}

#[test]
fn an_open_range_plans_as_the_range_ending_in_the_evaluation_month() {
    let today = NaiveDate::from_ymd_opt(2025, 7, 1).unwrap();
    for as_of in [Some("2025-06-30"), None] {
        let profile = |to: Option<&str>| {
            let mut latest = json!({ "from": "2021-01", "base": 9000 });
            if let Some(to) = to {
                latest["to"] = json!(to);
            }
            let mut profile = json!({
                "birth_date": "1990-03-01",
                "education": [{ "level": "bachelor" }],
                "social_insurance": [{ "from": "2016-01", "to": "2020-06", "base": 8000 }, latest],
            });
            if let Some(as_of) = as_of {
                profile["as_of"] = json!(as_of);
            }
            profile
        };
        let evaluation_month = if as_of.is_some() { "2025-06" } else { "2025-07" };
        let open = plan_document(profile(None), today);
        let closed = plan_document(profile(Some(evaluation_month)), today);
        assert_eq!(open, closed, "as_of {as_of:?}");
        assert!(open["reaches_on"].is_string(), "the projection goes on after the evaluation month: {open}");
    }
}
