//! Every planner case in `testdata/plan-cases/`: the plan document made under the default
//! assumptions (what `jifen plan --format json` prints) gives the expected `reaches_on` and
//! `until`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use jifen_planner::{Catalogue, PlanRequest, plan};
use jifen_rules::{Lang, RuleBook};
use serde_json::Value;
use std::path::PathBuf;

fn cases_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/plan-cases")
}

/// The fields of the plan document a case pins, as JSON values (`null` for never).
fn expected(case: &Value) -> [(&'static str, Value); 2] {
    ["reaches_on", "until"].map(|key| (key, case["expect"][key].clone()))
}

#[test]
fn every_plan_case_gives_the_expected_dates() {
    let book = RuleBook::embedded().expect("embedded rule data loads");
    let catalogue = Catalogue::embedded().expect("embedded catalogue loads");
    // Stands in for a missing `as_of`; every case has one.
    let today = chrono::NaiveDate::from_ymd_opt(2025, 7, 1).unwrap();
    let mut paths: Vec<PathBuf> = std::fs::read_dir(cases_dir())
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .collect();
    paths.sort();
    assert!(paths.len() >= 5, "plan cases found: {paths:?}");
    let mut failures = Vec::new();
    for path in &paths {
        let bytes = std::fs::read(path).unwrap();
        let case: Value = serde_json::from_slice(&bytes).unwrap();
        let name = case["name"].as_str().unwrap_or_default().to_string();
        let request = PlanRequest::from_document_slice(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        let plan = plan(book, catalogue, &request, today).unwrap_or_else(|e| panic!("{name}: {e}"));
        let document = serde_json::to_value(plan.to_document(Lang::En)).unwrap();
        for (key, want) in expected(&case) {
            assert!(!want.is_null() || key == "reaches_on", "{name}: expect.{key} is missing");
            if document[key] != want {
                failures.push(format!("{name}: {key} is {}, expected {want} ({})", document[key], case["description"]));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
