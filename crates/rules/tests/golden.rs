//! Every golden case of `testdata/cases` (copied from the product owner's shared cases) must
//! score exactly: total, flags and every item.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use jifen_rules::{Context, ItemId, Lang, Profile, RuleBook};
use serde_json::Value;
use std::path::PathBuf;

fn cases() -> Vec<(String, Value)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/cases");
    let mut cases: Vec<(String, Value)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .map(|path| {
            let text = std::fs::read_to_string(&path).unwrap();
            (path.file_name().unwrap().to_string_lossy().into_owned(), serde_json::from_str(&text).unwrap())
        })
        .collect();
    cases.sort_by(|a, b| a.0.cmp(&b.0));
    cases
}

#[test]
fn there_are_golden_cases() {
    assert!(cases().len() >= 13, "testdata/cases should hold the shared cases");
}

#[test]
fn every_golden_case_scores_exactly() {
    let book = RuleBook::embedded().unwrap();
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 26).unwrap();
    let mut failures = Vec::new();
    for (name, case) in cases() {
        let profile = Profile::from_value(case["profile"].clone()).unwrap_or_else(|e| panic!("{name}: {e}"));
        let evaluation = book.evaluate(&profile, &Context::on(today)).unwrap_or_else(|e| panic!("{name}: {e}"));
        let result = evaluation.to_result(Lang::Zh);
        let expect = &case["expect"];
        let mut check = |what: &str, got: Value, want: &Value| {
            if &got != want {
                failures.push(format!("{name}: {what} is {got}, expected {want}"));
            }
        };
        check("total", result.total.into(), &expect["total"]);
        check("vetoed", result.vetoed.into(), &expect["vetoed"]);
        check("reaches_standard", result.reaches_standard.into(), &expect["reaches_standard"]);
        check("eligible_to_apply", result.eligible_to_apply.into(), &expect["eligible_to_apply"]);
        let items = expect["items"].as_object().unwrap();
        assert_eq!(items.len(), 17, "{name}: the case lists every item");
        for (id, want) in items {
            let id = ItemId::parse(id).unwrap_or_else(|| panic!("{name}: unknown item {id}"));
            let item = result.item(id).unwrap();
            check(id.as_str(), item.points.into(), want);
        }
        // The contract: total is the sum of the counted items, every id appears once.
        let sum: i64 = result.items.iter().filter(|item| item.counted).map(|item| item.points).sum();
        check("sum of counted items", sum.into(), &expect["total"]);
        check("item count", result.items.len().into(), &Value::from(17));
    }
    assert!(failures.is_empty(), "{} mismatches:\n{}", failures.len(), failures.join("\n"));
}
