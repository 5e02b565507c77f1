//! The district centre through the JSON API, as another system drives it: a filed
//! application is in the clerk's queue; the counter asks for a correction with its marks; the
//! employer's agent answers it; the counter accepts; the reviewer requests the personnel file,
//! records its arrival and verifies item by item (months found back-paid lower the score);
//! a supervisor grants. And the refusals: another district's clerk sees nothing, a reviewer
//! cannot decide, a stale version is a conflict, a cookie or no token is not a session.
//! Runs on SQLite here and on PostgreSQL with `--ignored`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{App, PASSWORD, employer, on_postgres, spawn};
use jifen_applications::{Actor, Service};
use jifen_domain::form::Fields;
use jifen_domain::{District, Role};
use jifen_store::prelude::*;
use jifen_web::routes::REFUSED_HEADER;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::collections::BTreeMap;

const ZHANG_ID: &str = "310101199005120016";
const ZHANG_MOBILE: &str = "13900000009";

struct Api<'a> {
    app: &'a App,
    client: reqwest::Client,
}

impl Api<'_> {
    fn url(&self, path: &str) -> String {
        format!("{}/api/v1{path}", self.app.base)
    }

    async fn get(&self, token: &str, path: &str) -> (StatusCode, Value) {
        let response = self.client.get(self.url(path)).bearer_auth(token).send().await.unwrap();
        (response.status(), response.json().await.unwrap())
    }

    async fn act(&self, token: &str, id: ApplicationId, body: Value) -> (StatusCode, Value) {
        let url = self.url(&format!("/applications/{id}/actions"));
        let response = self.client.post(url).bearer_auth(token).json(&body).send().await.unwrap();
        (response.status(), response.json().await.unwrap())
    }

    /// A move that must succeed: the new version.
    async fn moved(&self, token: &str, id: ApplicationId, body: Value, to: &str) -> i64 {
        let (status, answer) = self.act(token, id, body.clone()).await;
        assert_eq!((status, answer["state"].as_str()), (StatusCode::OK, Some(to)), "{body} → {answer}");
        answer["version"].as_i64().unwrap()
    }
}

fn code(answer: &Value) -> &str {
    answer["error"]["code"].as_str().unwrap_or("")
}

/// Zhang's application, filed by the employer with every upload (through the service, as
/// the pages would): a master's degree, the child, insurance open to date.
async fn filed_application(app: &App) -> (ApplicationId, Fields) {
    let service = Service::new(app.store.clone()).unwrap();
    let actor = |user: jifen_store::User| Actor::from(&user);
    let agent = actor(app.store.user_by_username("hr-a").await.unwrap().unwrap());
    service.register_applicant(&agent, "张伟明", ZHANG_ID, ZHANG_MOBILE).await.unwrap();
    let zhang = actor(app.store.user_by_username(ZHANG_ID).await.unwrap().unwrap());
    let application = service.start_application(&zhang, false).await.unwrap();
    let form = Fields::new(
        [
            ("name", "张伟明"),
            ("permit_number", "SH2024000123"),
            ("mobile", ZHANG_MOBILE),
            ("address", "上海市浦东新区世纪大道 100 号"),
            ("post", "软件工程师"),
            ("contract_from", "2020-01-01"),
            ("edu_level", "master"),
            ("edu_degree", "on"),
            ("si_from_0", "2019-01"),
            ("si_base_0", "12000"),
            ("family_relation_0", "child"),
            ("family_name_0", "张小明"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect(),
    );
    let draft = service.save_draft(&zhang, application.id, application.version, form).await.unwrap();
    let view = service.view(&zhang, application.id).await.unwrap();
    for (material, _) in view.checklist.iter().filter(|(m, _)| !m.at_counter) {
        service
            .upload_material(&zhang, application.id, &material.id, "scan.pdf", b"%PDF-1.4 s".to_vec())
            .await
            .unwrap();
    }
    let mut version = draft.version;
    for (actor, action) in [(&zhang, "submit"), (&agent, "approve"), (&agent, "file")] {
        version = service.act(actor, application.id, version, action, "", BTreeMap::new()).await.unwrap().version;
    }
    let filed = app.store.application(application.id).await.unwrap().unwrap();
    assert_eq!(filed.state, "filed");
    (filed.id, filed.fields)
}

async fn the_centre_s_whole_path(app: &App) {
    app.user("clerk", Role::Clerk, Some(District::Pudong), None, false).await;
    app.user("clerk-xh", Role::Clerk, Some(District::Xuhui), None, false).await;
    app.user("reviewer", Role::Reviewer, Some(District::Pudong), None, false).await;
    app.user("supervisor", Role::Supervisor, Some(District::Pudong), None, false).await;
    let hr_browser = employer(app, "91350100M000100Y43", "hr-a").await;
    let (id, claimed_fields) = filed_application(app).await;
    let api = Api { app, client: reqwest::Client::new() };

    // Signing in: the applicant with an initial password is sent to a browser; a wrong
    // password is refused; staff get a token with their role.
    let sign_in = |username: &'static str, password: &'static str| {
        let body = json!({ "username": username, "password": password });
        api.client.post(api.url("/sessions")).json(&body).send()
    };
    let wrong = sign_in("clerk", "not the password 1").await.unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(code(&wrong.json().await.unwrap()), "sign_in_failed");
    // A name with a NUL is no account's: a wrong sign-in, never an outage (PostgreSQL
    // refuses a NUL in text, so it is not looked up).
    let odd = json!({ "username": "clerk\u{0}", "password": PASSWORD });
    let odd = api.client.post(api.url("/sessions")).json(&odd).send().await.unwrap();
    assert_eq!(odd.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(code(&odd.json().await.unwrap()), "sign_in_failed");
    let signed = sign_in("clerk", PASSWORD).await.unwrap();
    assert_eq!(signed.status(), StatusCode::CREATED);
    let signed: Value = signed.json().await.unwrap();
    assert_eq!(signed["role"], "clerk");
    assert!(signed["expires_at"].as_str().unwrap().ends_with("+08:00"), "{signed}");
    let clerk = signed["token"].as_str().unwrap().to_string();
    let clerk_id = app.store.user_by_username("clerk").await.unwrap().unwrap().id;
    let audited = app.store.audit_of(&format!("user:{clerk_id}")).await.unwrap();
    assert!(audited.iter().any(|e| e.action == "sign_in"), "the sign-in is audited");
    let initial = app.store.messages_to(ZHANG_MOBILE).await.unwrap()[0].body.clone();
    let initial = initial.split("初始密码：").nth(1).unwrap().split('。').next().unwrap().to_string();
    let body = json!({ "username": ZHANG_ID, "password": initial });
    let newcomer = api.client.post(api.url("/sessions")).json(&body).send().await.unwrap();
    assert_eq!(newcomer.status(), StatusCode::FORBIDDEN);
    assert_eq!(code(&newcomer.json().await.unwrap()), "password_change_required");
    let (reviewer, supervisor) =
        (app.api_token("reviewer", PASSWORD).await, app.api_token("supervisor", PASSWORD).await);
    let (hr, clerk_xh) = (app.api_token("hr-a", PASSWORD).await, app.api_token("clerk-xh", PASSWORD).await);

    // The queue: the filed application with its due date, the ID number masked.
    let (status, queue) = api.get(&clerk, "/centre/queue").await;
    assert_eq!(status, StatusCode::OK, "{queue}");
    let row =
        queue["applications"].as_array().unwrap().iter().find(|r| r["id"] == id.get()).expect("in the queue").clone();
    assert_eq!((row["state"].as_str(), row["applicant_name"].as_str()), (Some("filed"), Some("张伟明")));
    assert_eq!(row["id_number"], "310***********0016");
    assert!(row["due"].is_string() && row["overdue"] == false && row["employer_deadline"] == false, "{row}");
    assert!(row["state_title"].as_str().is_some_and(|t| !t.is_empty() && t != "filed"), "{row}");
    let (_, narrowed) = api.get(&clerk, "/centre/queue?state=accepted").await;
    assert_eq!(narrowed["applications"], json!([]), "another state only");
    let (_, found) = api.get(&clerk, "/centre/queue?q=%E5%BC%A0%E4%BC%9F%E6%98%8E&overdue=false").await;
    assert_eq!(found["applications"].as_array().unwrap().len(), 1, "{found}");
    let (status, odd) = api.get(&clerk, "/centre/queue?q=%E5%BC%A0%00").await;
    assert_eq!(
        (status, code(&odd), odd["error"]["path"].as_str()),
        (StatusCode::BAD_REQUEST, "invalid_query", Some("q"))
    );
    let (_, overdue) = api.get(&clerk, "/centre/queue?overdue=true").await;
    assert_eq!(overdue["applications"], json!([]), "nothing is overdue yet");
    let (status, bad) = api.get(&clerk, "/centre/queue?state=draft").await;
    assert_eq!(
        (status, code(&bad), bad["error"]["path"].as_str()),
        (StatusCode::BAD_REQUEST, "invalid_query", Some("state"))
    );
    let (status, refused) = api.get(&hr, "/centre/queue").await;
    assert_eq!((status, code(&refused)), (StatusCode::FORBIDDEN, "forbidden"), "the queue is the centre's");

    // The application as the clerk sees it: the counter's moves and the checklist to mark.
    let (status, seen) = api.get(&clerk, &format!("/applications/{id}")).await;
    assert_eq!(status, StatusCode::OK, "{seen}");
    assert_eq!((seen["state"].as_str(), seen["waiting_for"].as_str()), (Some("filed"), Some("clerk")));
    let actions: Vec<&str> = seen["actions"].as_array().unwrap().iter().map(|a| a["id"].as_str().unwrap()).collect();
    assert!(actions.contains(&"accept") && actions.contains(&"ask_correction"), "{actions:?}");
    assert!(seen["actions"].as_array().unwrap().iter().all(|a| a["counter"] == true), "both carry the marks");
    let claimed = seen["claimed_total"].as_i64().expect("the claim's total");
    let materials: Vec<String> =
        seen["checklist"].as_array().unwrap().iter().map(|m| m["material"].as_str().unwrap().to_string()).collect();
    assert!(materials.iter().any(|m| m == "child_birth_certificate"), "{materials:?}");
    let mut version = seen["version"].as_i64().unwrap();
    // A comment with a NUL or a control character is refused before anything moves (forms
    // are checked on the way in; the API's JSON is checked by the process).
    for comment in ["缺件\u{0}", "\u{1b}[31m"] {
        let body = json!({ "action": "ask_correction", "version": version, "comment": comment });
        let (status, refused) = api.act(&clerk, id, body).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    }
    let (_, unmoved) = api.get(&clerk, &format!("/applications/{id}")).await;
    assert_eq!((unmoved["state"].as_str(), unmoved["version"].as_i64()), (Some("filed"), Some(version)));

    // Another district's clerk: no such application, to look at or to move.
    let (status, hidden) = api.get(&clerk_xh, &format!("/applications/{id}")).await;
    assert_eq!((status, code(&hidden)), (StatusCode::NOT_FOUND, "not_found"));
    let all = |mark: &str| -> serde_json::Map<String, Value> {
        materials.iter().map(|m| (m.clone(), json!({ "mark": mark }))).collect()
    };
    let accept = json!({ "action": "accept", "version": version, "counter": all("original") });
    let (status, hidden) = api.act(&clerk_xh, id, accept).await;
    assert_eq!((status, code(&hidden)), (StatusCode::NOT_FOUND, "not_found"));

    // No session, a cookie's session, a made-up token: 401, by the guard, and nothing moves.
    let url = api.url(&format!("/applications/{id}/actions"));
    let move_body = json!({ "action": "accept", "version": version, "counter": all("original") });
    let anonymous = api.client.post(&url).json(&move_body).send().await.unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(anonymous.headers()[REFUSED_HEADER], "sign-in");
    assert_eq!(anonymous.headers()["www-authenticate"], "Bearer");
    assert_eq!(code(&anonymous.json().await.unwrap()), "sign_in_required");
    let cookie_browser = app.signed_in("clerk").await;
    assert_eq!(
        cookie_browser.get(format!("{}/centre", app.base)).send().await.unwrap().status(),
        StatusCode::OK,
        "the cookie is a live session for the pages"
    );
    let with_cookie = cookie_browser.post(&url).json(&move_body).send().await.unwrap();
    assert_eq!(with_cookie.status(), StatusCode::UNAUTHORIZED, "a cookie does not authorize the API");
    assert_eq!(with_cookie.headers()[REFUSED_HEADER], "sign-in");
    let forged = api.client.post(&url).bearer_auth("not-a-session").json(&move_body).send().await.unwrap();
    assert_eq!(forged.status(), StatusCode::UNAUTHORIZED);
    let hr_cookie = hr_browser.get(api.url(&format!("/applications/{id}"))).send().await.unwrap();
    assert_eq!(hr_cookie.status(), StatusCode::UNAUTHORIZED, "nor reads");
    assert_eq!(app.store.application(id).await.unwrap().unwrap().state, "filed");

    // The counter: what it lacks goes on one correction notice, each mark checked.
    let mut lacking = all("original");
    lacking.insert("child_birth_certificate".into(), json!({ "mark": "missing" }));
    lacking.insert("labour_contract".into(), json!({ "mark": "defective" }));
    let body = json!({ "action": "ask_correction", "version": version, "counter": lacking });
    let (status, refused) = api.act(&clerk, id, body).await;
    assert_eq!((status, code(&refused)), (StatusCode::CONFLICT, "reason_required"), "a defective mark needs a reason");
    lacking.insert("labour_contract".into(), json!({ "mark": "defective", "reason": "缺少第 3 页" }));
    let (status, refused) =
        api.act(&clerk, id, json!({ "action": "accept", "version": version, "counter": lacking })).await;
    assert_eq!((status, code(&refused)), (StatusCode::CONFLICT, "materials_incomplete"));
    let (status, refused) = api
        .act(
            &clerk,
            id,
            json!({ "action": "accept", "version": version, "counter": { "id_card": { "mark": "seen" } } }),
        )
        .await;
    assert_eq!((status, code(&refused)), (StatusCode::UNPROCESSABLE_ENTITY, "invalid_request"), "an unknown mark");
    let body = json!({ "action": "ask_correction", "version": version, "counter": lacking });
    version = api.moved(&clerk, id, body, "correction").await;

    // The employer's agent sees the deadline and the notice, and answers it.
    let (status, at_employer) = api.get(&hr, &format!("/applications/{id}")).await;
    assert_eq!(status, StatusCode::OK, "{at_employer}");
    assert_eq!(at_employer["waiting_for"], "hr_agent");
    assert!(at_employer["due"].is_string() && at_employer["employer_deadline"] == true, "{at_employer}");
    assert_eq!(at_employer["verification"], Value::Null);
    let notice = at_employer["documents"].as_array().unwrap().iter().find(|d| d["kind"] == "correction").unwrap();
    let pdf = api.client.get(format!("{}{}", app.base, notice["url"].as_str().unwrap())).bearer_auth(&hr).send();
    let pdf = pdf.await.unwrap();
    assert_eq!((pdf.status(), pdf.headers()["content-type"].to_str().unwrap()), (StatusCode::OK, "application/pdf"));
    assert!(pdf.bytes().await.unwrap().starts_with(b"%PDF"));
    let (status, none) = api.get(&hr, &format!("/applications/{id}/documents/receipt")).await;
    assert_eq!((status, code(&none)), (StatusCode::NOT_FOUND, "not_found"), "no receipt issued yet");
    version = api.moved(&hr, id, json!({ "action": "corrected", "version": version }), "filed").await;

    // The counter accepts; the reviewer requests the file, where it is held, and it arrives.
    let body = json!({ "action": "accept", "version": version, "counter": all("original") });
    version = api.moved(&clerk, id, body, "accepted").await;
    let (status, refused) = api.act(&reviewer, id, json!({ "action": "request_file", "version": version })).await;
    assert_eq!((status, code(&refused)), (StatusCode::CONFLICT, "comment_required"), "where the file is held");
    let body = json!({ "action": "request_file", "version": version, "comment": "浦东新区人才服务中心档案室" });
    version = api.moved(&reviewer, id, body, "file_requested").await;
    version = api.moved(&reviewer, id, json!({ "action": "file_arrived", "version": version }), "in_review").await;

    // The verification: the last 14 months were back-paid; the facts change, the engine scores.
    let (_, in_review) = api.get(&reviewer, &format!("/applications/{id}")).await;
    let checks: serde_json::Map<String, Value> = in_review["checks_needed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["id"].as_str().unwrap().to_string(), json!({ "result": "passed" })))
        .collect();
    assert!(checks.contains_key("social_insurance"), "{checks:?}");
    let mut facts: serde_json::Map<String, Value> =
        claimed_fields.iter().map(|(name, value)| (name.to_string(), json!(value))).collect();
    for (name, value) in [
        ("si_to_0", "2025-08"),
        ("si_from_1", "2025-09"),
        ("si_to_1", "2026-10"),
        ("si_base_1", "12000"),
        ("si_backpaid_1", "on"),
    ] {
        facts.insert(name.into(), json!(value));
    }
    let verdicts = |si: &str| {
        json!({
            "age": { "verdict": "confirmed" }, "education": { "verdict": "confirmed" },
            "si_years": { "verdict": si, "reason": "back_paid" }, "si_base": { "verdict": si, "reason": "back_paid" },
        })
    };
    let verify = |version: i64, si: &str| {
        json!({ "action": "record_verification", "version": version,
            "verification": { "fields": facts, "items": verdicts(si), "checks": checks } })
    };
    let (status, refused) = api.act(&reviewer, id, verify(version, "confirmed")).await;
    assert_eq!((status, code(&refused)), (StatusCode::CONFLICT, "correction_unexplained"), "{refused}");
    // A verified fact with a NUL is refused, naming the field, never stored (PostgreSQL would
    // refuse it in the event's JSONB).
    let mut odd = verify(version, "corrected");
    odd["verification"]["fields"]["address"] = json!("浦东\u{0}新区");
    let (status, refused) = api.act(&reviewer, id, odd).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert!(refused.to_string().contains("address"), "{refused}");
    let before_verification = version;
    version = api.moved(&reviewer, id, verify(version, "corrected"), "in_review").await;
    let (_, verified) = api.get(&reviewer, &format!("/applications/{id}")).await;
    let verification = &verified["verification"];
    let total = verification["total"].as_i64().unwrap();
    assert!(total < claimed && total >= 120, "verified {total}, claimed {claimed}");
    assert_eq!(verification["reaches_standard"], true);
    let si_base = verification["items"].as_array().unwrap().iter().find(|i| i["item"] == "si_base").unwrap();
    assert!(si_base["corrected"] == true && si_base["verified_points"].as_i64() < si_base["claimed_points"].as_i64());
    assert_eq!(verification["fields"]["si_backpaid_1"], "on", "staff see the verified facts");
    assert!(verification["checks"].as_array().unwrap().iter().all(|c| c["passed"] == true));

    // A move on the version before the verification: someone changed it meanwhile.
    let (status, stale) =
        api.act(&reviewer, id, json!({ "action": "finish_review", "version": before_verification })).await;
    assert_eq!((status, code(&stale)), (StatusCode::CONFLICT, "changed_meanwhile"), "{stale}");
    version = api.moved(&reviewer, id, json!({ "action": "finish_review", "version": version }), "reviewed").await;

    // Four eyes: the reviewer may not decide; the supervisor grants at the verified score.
    let (status, refused) = api.act(&reviewer, id, json!({ "action": "grant", "version": version })).await;
    assert_eq!((status, code(&refused)), (StatusCode::FORBIDDEN, "forbidden"));
    let (status, answer) = api.act(&supervisor, id, json!({ "action": "grant", "version": version })).await;
    assert_eq!(
        (status, answer["state"].as_str(), answer["open"].as_bool()),
        (StatusCode::OK, Some("granted"), Some(false))
    );
    assert_eq!(answer["version"].as_i64(), Some(version + 1));

    // Decided: the employer sees the verified score too (not the reviewer's notes of facts);
    // the history has every move, with who made it.
    let (_, decided) = api.get(&hr, &format!("/applications/{id}")).await;
    assert_eq!(decided["verification"]["total"].as_i64(), Some(total));
    assert_eq!(decided["verification"]["fields"], json!({}));
    assert_eq!(decided["actions"], json!([]));
    let history: Vec<&str> =
        decided["history"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    for action in
        ["ask_correction", "corrected", "accept", "request_file", "file_arrived", "record_verification", "grant"]
    {
        assert!(history.contains(&action), "{action} in {history:?}");
    }
    let grant = decided["history"].as_array().unwrap().iter().rev().find(|e| e["action"] == "grant").unwrap();
    assert_eq!(grant["by"], "supervisor");
    let kinds: Vec<&str> =
        decided["documents"].as_array().unwrap().iter().map(|d| d["kind"].as_str().unwrap()).collect();
    assert!(kinds.contains(&"receipt") && kinds.contains(&"transfer"), "{kinds:?}");
    let audited: Vec<String> =
        app.store.audit_of(&format!("application:{id}")).await.unwrap().into_iter().map(|e| e.action).collect();
    assert!(audited.iter().any(|a| a == "application_grant"), "{audited:?}");
    // Decided, it leaves the queue of open work; the filter for granted ones lists it.
    let listed =
        |queue: &serde_json::Value| queue["applications"].as_array().unwrap().iter().any(|r| r["id"] == id.get());
    let (_, open) = api.get(&clerk, "/centre/queue").await;
    assert!(!listed(&open), "{open}");
    let (status, granted) = api.get(&clerk, "/centre/queue?state=granted&q=%E5%BC%A0").await;
    assert_eq!(status, StatusCode::OK, "{granted}");
    assert!(listed(&granted), "{granted}");

    // Signing out ends the token's session.
    let out = api.client.delete(api.url("/sessions/current")).bearer_auth(&clerk).send().await.unwrap();
    assert_eq!(out.status(), StatusCode::NO_CONTENT);
    let (status, after) = api.get(&clerk, "/centre/queue").await;
    assert_eq!((status, code(&after)), (StatusCode::UNAUTHORIZED, "sign_in_required"));
}

#[tokio::test]
async fn the_centre_s_whole_path_through_the_api_on_sqlite() {
    the_centre_s_whole_path(&spawn().await).await;
}

#[tokio::test]
#[ignore = "needs PostgreSQL: JIFEN_TEST_POSTGRES_URL"]
async fn the_centre_s_whole_path_through_the_api_on_postgres() {
    on_postgres("centre_api", the_centre_s_whole_path).await;
}
