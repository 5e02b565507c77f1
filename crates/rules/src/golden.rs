//! Golden cases (`testdata/cases`, the product owner's shared cases): a profile and the
//! result it must score. One comparison, used by the engine's, the CLI's and the HTTP API's
//! tests alike, so that each checks the same things: total, flags and every item's points.

use serde_json::Value;

/// The flags a case's `expect` states besides the total and the items.
const FLAGS: [&str; 3] = ["vetoed", "reaches_standard", "eligible_to_apply"];

/// How `result` (a result document as JSON) differs from a case's `expect`; empty when it
/// scores exactly. Each line names the field, what was got and what was expected.
pub fn mismatches(result: &Value, expect: &Value) -> Vec<String> {
    let mut found = Vec::new();
    let mut check = |what: &str, got: &Value, want: &Value| {
        if got != want {
            found.push(format!("{what} is {got}, expected {want}"));
        }
    };
    check("total", &result["total"], &expect["total"]);
    for flag in FLAGS {
        check(flag, &result[flag], &expect[flag]);
    }
    let items = result["items"].as_array().map(Vec::as_slice).unwrap_or_default();
    let Some(expected_items) = expect["items"].as_object() else {
        found.push("the case lists no items".into());
        return found;
    };
    for (id, want) in expected_items {
        let got = items.iter().find(|item| item["id"] == id.as_str()).map_or(&Value::Null, |item| &item["points"]);
        check(&format!("items.{id}"), got, want);
    }
    if items.len() != expected_items.len() {
        found.push(format!("{} items, expected {}", items.len(), expected_items.len()));
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_difference_in_any_checked_field_is_named() {
        let expect = json!({ "total": 30, "vetoed": false, "reaches_standard": false, "eligible_to_apply": true,
                             "items": { "age": 30 } });
        let exact = json!({ "total": 30, "vetoed": false, "reaches_standard": false, "eligible_to_apply": true,
                            "items": [{ "id": "age", "points": 30 }] });
        assert!(mismatches(&exact, &expect).is_empty());
        let mut wrong = exact.clone();
        wrong["items"][0]["points"] = json!(29);
        wrong["eligible_to_apply"] = json!(false);
        let found = mismatches(&wrong, &expect);
        assert_eq!(found, ["eligible_to_apply is false, expected true", "items.age is 29, expected 30"]);
        wrong["items"] = json!([]);
        assert!(mismatches(&wrong, &expect).iter().any(|line| line.contains("0 items, expected 1")));
    }
}
