//! Every golden case of `testdata/cases` (copied from the product owner's shared cases) must
//! score exactly: total, flags and every item.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use jifen_rules::{Context, ItemId, Lang, Profile, RuleBook, golden};
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
    assert!(cases().len() >= 17, "testdata/cases should hold the shared cases and those of I-11");
}

#[test]
fn every_golden_case_scores_exactly() {
    let book = RuleBook::embedded().unwrap();
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 26).unwrap();
    let mut failures = Vec::new();
    for (name, case) in cases() {
        let profile = Profile::from_value(case["profile"].clone()).unwrap_or_else(|e| panic!("{name}: {e}"));
        let evaluation = book.evaluate(&profile, &Context::on(today)).unwrap_or_else(|e| panic!("{name}: {e}"));
        for lang in [Lang::Zh, Lang::En] {
            let result = serde_json::to_value(evaluation.to_result(lang)).unwrap();
            let found = golden::mismatches(&result, &case["expect"]);
            failures.extend(found.into_iter().map(|line| format!("{name} ({lang:?}): {line}")));
        }
        // The contract: total is the sum of the counted items, every id appears once.
        let sum: i64 = evaluation.items.iter().filter(|item| item.counted).map(|item| item.points).sum();
        if sum != evaluation.total {
            failures.push(format!("{name}: counted items sum to {sum}, total is {}", evaluation.total));
        }
        let ids: std::collections::HashSet<ItemId> = evaluation.items.iter().map(|item| item.id).collect();
        if ids.len() != 17 || case["expect"]["items"].as_object().map(|items| items.len()) != Some(17) {
            failures.push(format!("{name}: every one of the 17 items, once, in the result and the case"));
        }
    }
    assert!(failures.is_empty(), "{} mismatches:\n{}", failures.len(), failures.join("\n"));
}
