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

#[tokio::test]
async fn an_upload_from_the_form_keeps_its_unsaved_edits_and_saves_confirm() {
    let app = common::spawn().await;
    app.user("clerk", jifen_domain::Role::Clerk, Some(jifen_domain::District::Pudong), None, false).await;
    let hr = common::employer(&app, "91350100M000100Y43", "hr-a").await;
    let (zhang, id, csrf) = common::applicant_with_application(&app, &hr).await;
    let path = format!("/applications/{id}");
    let page = zhang.get(format!("{}{path}", app.base)).send().await.unwrap().text().await.unwrap();
    // The upload is a button of the form itself, so it sends what the form holds.
    assert!(page.contains("form=\"application-form\"") && page.contains("formenctype=\"multipart/form-data\""));
    assert!(page.contains("data-warn-unsaved"), "leaving with unsaved changes warns");
    let version = common::version_on(&page);
    let fields = [
        ("csrf", csrf.as_str()),
        ("version", version.as_str()),
        ("spouse_married_on", "2018-03-01"),
        ("address", "浦东新区 1 号"),
    ];
    let form = common::form_with_file(&fields, "id_card", "身份证.pdf", b"%PDF-1.4 scan");
    let uploaded = zhang.post(format!("{}{path}/materials/id_card", app.base)).multipart(form).send().await.unwrap();
    assert_eq!(uploaded.status(), StatusCode::SEE_OTHER);
    assert_eq!(common::location(&uploaded), format!("{path}?done=uploaded#materials"));
    let stored = jifen_store::ApplicationStore::application(&app.store, id).await.unwrap().unwrap();
    assert_eq!(stored.fields.get("spouse_married_on"), "2018-03-01", "the unsaved edit was kept");
    assert_eq!(stored.fields.get("address"), "浦东新区 1 号");
    let page = zhang.get(format!("{}{path}?done=uploaded", app.base)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("身份证.pdf") && page.contains("文件已上传，表单中填写的内容也已一并保存"), "{page}");

    // The scan opens in the browser, with the download's safe headers; others get a 404.
    let view_path = page.split("href=\"/materials/").nth(1).and_then(|rest| rest.split('"').next()).unwrap();
    assert!(view_path.ends_with("/view"), "{view_path}");
    let shown = zhang.get(format!("{}/materials/{view_path}", app.base)).send().await.unwrap();
    assert_eq!(shown.status(), StatusCode::OK);
    assert_eq!(shown.headers()["content-type"], "application/pdf");
    assert!(shown.headers()["content-disposition"].to_str().unwrap().starts_with("inline;"));
    assert!(shown.headers()["cache-control"].to_str().unwrap().contains("no-store"));
    assert_eq!(shown.headers()["x-content-type-options"], "nosniff");
    let stranger = common::browser().get(format!("{}/materials/{view_path}", app.base)).send().await.unwrap();
    assert_eq!(common::location(&stranger), "/login", "not signed in: not shown");
    let other_hr = common::employer(&app, "91110000802100433B", "hr-b").await;
    let refused = other_hr.get(format!("{}/materials/{view_path}", app.base)).send().await.unwrap();
    assert_eq!(refused.status(), StatusCode::NOT_FOUND, "another employer: it does not exist");
    // The checklist says where each material stands; the stamped form has no upload.
    assert!(page.contains("data-material=\"id_card\" data-status=\"uploaded\""), "{page}");
    assert!(page.contains("data-material=\"residence_permit\" data-status=\"missing\""));
    assert!(page.contains("data-material=\"application_form\" data-status=\"at_counter\""));
    assert!(!page.contains("name=\"file_application_form\""));

    // A plain save confirms.
    let version = common::version_on(&page);
    let saved = app
        .post(
            &zhang,
            &path,
            &[("csrf", &csrf), ("version", &version), ("intent", "save"), ("address", "浦东新区 2 号")],
        )
        .await;
    assert_eq!(common::location(&saved), format!("{path}?done=saved"));
    let page = zhang.get(format!("{}{path}?done=saved", app.base)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("草稿已保存"));

    // The applicant's home says where the application stands.
    let home = zhang.get(format!("{}/home", app.base)).send().await.unwrap().text().await.unwrap();
    assert!(home.contains("id=\"my-application\"") && home.contains("个人填报中"), "{home}");
}

#[tokio::test]
async fn an_employer_decision_is_told_by_sms_and_a_rejection_takes_a_reason_and_a_confirmation() {
    employer_decisions(&common::spawn().await).await;
}

#[tokio::test]
#[ignore = "needs PostgreSQL: set JIFEN_TEST_POSTGRES_URL and run with --ignored (.ci/run does)"]
async fn employer_decisions_on_postgres() {
    common::on_postgres("decisions", async |app| employer_decisions(app).await).await;
}

async fn employer_decisions(app: &common::App) {
    use jifen_store::EmployerStatus;
    use jifen_store::prelude::*;
    app.user("clerk", jifen_domain::Role::Clerk, Some(jifen_domain::District::Pudong), None, false).await;
    assert_eq!(app.register_employer("91350100M000100Y43", "pudong", "hr-a").await.status(), StatusCode::CREATED);
    let employer =
        app.store.employers_in_district(jifen_domain::District::Pudong, EmployerStatus::Pending).await.unwrap()[0]
            .clone();
    let clerk = app.signed_in("clerk").await;
    let csrf = app.csrf(&clerk, "/home").await;
    let path = format!("/employers/{}/decision", employer.id);

    // The header says who is signed in and offers to sign out; no "sign in" link.
    let home = clerk.get(format!("{}/home", app.base)).send().await.unwrap().text().await.unwrap();
    assert!(home.contains("id=\"signed-in-as\"") && home.contains("action=\"/logout\""), "{home}");
    assert!(!home.contains("href=\"/login\""), "a signed-in user is not asked to sign in");

    // Reject: first a page that asks for the reason and a confirmation; nothing is decided.
    let asked = app.post(&clerk, &path, &[("decision", "reject"), ("csrf", &csrf)]).await;
    assert_eq!(asked.status(), StatusCode::OK);
    let page = asked.text().await.unwrap();
    assert!(page.contains("上海示例科技有限公司") && page.contains("name=\"reason\"") && page.contains("确认不予通过"));
    let no_reason = app
        .post(&clerk, &path, &[("decision", "reject"), ("confirmed", "yes"), ("reason", " "), ("csrf", &csrf)])
        .await;
    assert_eq!(no_reason.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(no_reason.text().await.unwrap().contains("id=\"reason-error\""));
    assert_eq!(app.store.employer(employer.id).await.unwrap().unwrap().status, EmployerStatus::Pending);
    assert!(app.store.messages_to("13800000000").await.unwrap().is_empty(), "nothing sent yet");

    let reason = "营业执照名称与注册名称不一致";
    let rejected = app
        .post(&clerk, &path, &[("decision", "reject"), ("confirmed", "yes"), ("reason", reason), ("csrf", &csrf)])
        .await;
    assert_eq!(common::location(&rejected), "/home?done=rejected");
    assert_eq!(app.store.employer(employer.id).await.unwrap().unwrap().status, EmployerStatus::Rejected);
    let told = app.store.messages_to("13800000000").await.unwrap();
    assert_eq!(told.len(), 1);
    assert!(told[0].body.contains("未通过") && told[0].body.contains(reason), "{}", told[0].body);
    let audited = app.store.audit_of(&format!("employer:{}", employer.id)).await.unwrap();
    assert!(audited.iter().any(|e| e.action == "employer_reject" && e.details["reason"] == reason), "{audited:?}");

    // A verification tells the contact too.
    assert_eq!(app.register_employer("91110000802100433B", "pudong", "hr-b").await.status(), StatusCode::CREATED);
    let second =
        app.store.employers_in_district(jifen_domain::District::Pudong, EmployerStatus::Pending).await.unwrap()[0]
            .clone();
    let verified = app
        .post(&clerk, &format!("/employers/{}/decision", second.id), &[("decision", "verify"), ("csrf", &csrf)])
        .await;
    assert_eq!(common::location(&verified), "/home?done=verified");
    let told = app.store.messages_to("13800000000").await.unwrap();
    assert!(told.iter().any(|m| m.body.contains("已通过") && m.body.contains("上海示例科技有限公司")), "{told:?}");
}

#[tokio::test]
async fn a_wrong_check_digit_says_the_number_is_invalid_and_suggests_no_digit() {
    let app = common::spawn().await;
    let refused = app.register_employer("91350100M000100Y44", "pudong", "hr-a").await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = refused.text().await.unwrap();
    assert!(page.contains("无效") && page.contains("校验码不符"), "{page}");
    assert!(!page.contains("应为 3") && !page.contains("91350100M000100Y43"), "no valid code is suggested: {page}");
}
