//! What real use found (issue #11), over HTTP: the simulator keeps its form through a
//! language switch and names every wrong field in plain words; the application form keeps
//! unsaved edits through an upload; materials are part of the process; employer onboarding
//! tells the contact, takes a reason for a rejection and shows who is signed in.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use reqwest::StatusCode;

const PROFILE: &str =
    "as_of=2025-06-30&birth_date=1991-09-09&edu_level=associate&si_from_0=2024-07&si_to_0=2025-06&si_base_0=7000";

async fn post_form(base: &str, path: &str, body: &str) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("{base}{path}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body.to_string())
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_language_switch_keeps_the_simulators_form_and_result() {
    let app = common::spawn().await;
    let page = common::browser().get(format!("{}/", app.base)).send().await.unwrap().text().await.unwrap();
    // The switch is a button of the form (it re-sends what was typed), not a bare link.
    assert!(page.contains("form=\"simulator\"") && page.contains("formaction=\"?lang=en\""), "{page}");
    let english = post_form(&app.base, "/?lang=en", &format!("{PROFILE}&language_switch=en")).await;
    assert_eq!(english.status(), StatusCode::OK);
    let html = english.text().await.unwrap();
    assert!(html.contains("lang=\"en\""));
    assert!(html.contains("value=\"1991-09-09\"") && html.contains("value=\"7000\""), "the input is kept");
    assert!(html.contains("id=\"total\">83<"), "and the result, in English: {html}");
    // A switch before anything is typed shows the empty form, with no error.
    let empty = post_form(&app.base, "/?lang=en", "as_of=2025-06-30&language_switch=en").await.text().await.unwrap();
    assert!(!empty.contains("role=\"alert\""), "no error for an empty form");
    assert!(empty.contains("value=\"2025-06-30\""));
}

#[tokio::test]
async fn every_wrong_field_is_named_beside_it_in_plain_words_and_amounts_read_as_written() {
    let app = common::spawn().await;
    let form = "birth_date=1991-09-09&si_from_0=2024-07&si_base_0=-5&si_from_1=2023-01&si_base_1=&tax=lots&hires=3.5";
    let html = post_form(&app.base, "/", form).await.text().await.unwrap();
    for field in ["si_base_0", "si_base_1", "tax", "hires"] {
        assert!(html.contains(&format!("id=\"{field}-error\"")), "{field} is marked: {html}");
    }
    assert!(html.contains("不能为负数") && html.contains("应为整数"), "{html}");
    assert!(!html.contains("invalid type") && !html.contains("u64") && !html.contains("social_insurance["), "{html}");
    let english = post_form(&app.base, "/?lang=en", form).await.text().await.unwrap();
    assert!(english.contains("cannot be negative") && english.contains("Monthly base (CNY) (1)"), "{english}");
    // "15,000" and "15000元" are 15 000.
    for base in ["15,000", "15000元", "15000"] {
        let body = format!("as_of=2025-06-30&birth_date=1991-09-09&si_from_0=2022-07&si_to_0=2025-06&si_base_0={base}");
        let html = post_form(&app.base, "/", &body).await.text().await.unwrap();
        assert!(!html.contains("role=\"alert\""), "{base}: {html}");
        assert!(html.contains("id=\"total\">"), "{base} scores");
    }
    let a = post_form(
        &app.base,
        "/",
        "as_of=2025-06-30&birth_date=1991-09-09&si_from_0=2022-07&si_to_0=2025-06&si_base_0=15,000",
    )
    .await
    .text()
    .await
    .unwrap();
    let b = post_form(
        &app.base,
        "/",
        "as_of=2025-06-30&birth_date=1991-09-09&si_from_0=2022-07&si_to_0=2025-06&si_base_0=15000",
    )
    .await
    .text()
    .await
    .unwrap();
    let total =
        |html: &str| html.split("id=\"total\">").nth(1).and_then(|rest| rest.split('<').next()).map(str::to_string);
    assert_eq!(total(&a), total(&b), "the same score either way");
}
