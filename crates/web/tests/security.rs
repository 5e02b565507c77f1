//! The attacks that once worked against the running server, each repeated here: concurrent
//! password guesses, a stranger locking the owner out, an employer claiming a person, a
//! sign-up squatting a person's ID number, NUL bytes and walls of text, misleading upload
//! names, cached personal pages, and a failing SMS sender that health checks did not see.
//! The ones that touch the database run on SQLite here and on PostgreSQL with `--ignored`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{App, PASSWORD, browser, employer, location, on_postgres, spawn};
use jifen_domain::{District, Role};
use jifen_store::NewMessage;
use jifen_store::prelude::*;
use reqwest::StatusCode;

const PERSON_ID: &str = "310101199005120016";
const PERSON_MOBILE: &str = "13900000009";

async fn text(app: &App, client: &reqwest::Client, path: &str) -> (StatusCode, String) {
    let response = client.get(format!("{}{path}", app.base)).send().await.unwrap();
    (response.status(), response.text().await.unwrap())
}

/// A verified employer in Pudong (its clerk too) that opened the person's account; its HR
/// agent, signed in.
async fn employer_with_person(app: &App) -> reqwest::Client {
    app.user("clerk", Role::Clerk, Some(District::Pudong), None, false).await;
    let hr = employer(app, "91350100M000100Y43", "hr-a").await;
    let csrf = app.csrf(&hr, "/applicants").await;
    let form = [("name", "王真名"), ("id_number", PERSON_ID), ("mobile", PERSON_MOBILE), ("csrf", csrf.as_str())];
    assert_eq!(location(&app.post(&hr, "/applicants", &form).await), "/applicants?done=created");
    hr
}

/// 60 wrong passwords for one account at the same instant: at most five are checked, and
/// the right password sent after them no longer signs in.
async fn concurrent_guesses_are_each_counted(app: &App) {
    app.user("target", Role::Admin, None, None, false).await;
    let client = browser();
    let csrf = app.csrf(&client, "/login").await;
    let guesses: Vec<_> = (0..60)
        .map(|i| {
            let (client, base, csrf) = (client.clone(), app.base.clone(), csrf.clone());
            tokio::spawn(async move {
                let form = [("username", "target".to_string()), ("password", format!("guess {i} x")), ("csrf", csrf)];
                client.post(format!("{base}/login")).form(&form).send().await.unwrap().status()
            })
        })
        .collect();
    let mut statuses = Vec::new();
    for guess in guesses {
        statuses.push(guess.await.unwrap());
    }
    let checked = statuses.iter().filter(|s| **s == StatusCode::UNAUTHORIZED).count();
    let refused = statuses.iter().filter(|s| **s == StatusCode::TOO_MANY_REQUESTS).count();
    assert!(checked <= 5, "{checked} guesses were checked; the limit is 5");
    assert_eq!(checked + refused, 60, "{statuses:?}");
    assert_eq!(app.login(&client, "target", PASSWORD).await.status(), StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn sqlite_counts_concurrent_guesses() {
    concurrent_guesses_are_each_counted(&spawn().await).await;
}

#[tokio::test]
#[ignore = "needs PostgreSQL: set JIFEN_TEST_POSTGRES_URL and run with --ignored (.ci/run does)"]
async fn postgres_counts_concurrent_guesses() {
    on_postgres("guesses", concurrent_guesses_are_each_counted).await;
}

#[tokio::test]
async fn a_stranger_cannot_lock_the_owner_out_and_the_owner_is_told() {
    let app = spawn().await;
    app.user("clerk", Role::Clerk, Some(District::Pudong), None, false).await;
    let owner = employer(&app, "91350100M000100Y43", "hr-owner").await;
    // The owner's browser has signed in before: it holds a device cookie.
    let csrf = app.csrf(&owner, "/home").await;
    app.post(&owner, "/logout", &[("csrf", &csrf)]).await;

    // A stranger guesses from browsers that never signed in, until refused.
    let mut refused = false;
    for i in 0..30 {
        let stranger = browser();
        let status = app.login(&stranger, "hr-owner", &format!("guess {i} x")).await.status();
        refused |= status == StatusCode::TOO_MANY_REQUESTS;
    }
    assert!(refused, "the stranger is stopped");
    assert_eq!(app.login(&browser(), "hr-owner", PASSWORD).await.status(), StatusCode::TOO_MANY_REQUESTS);
    // The owner, on their own browser, still signs in at once.
    let response = app.login(&owner, "hr-owner", PASSWORD).await;
    assert_eq!((response.status(), location(&response)), (StatusCode::SEE_OTHER, "/home"));
    // And was told by SMS, once, at the employer contact's mobile.
    let alerts: Vec<_> = app
        .store
        .messages_to("13800000000")
        .await
        .unwrap()
        .into_iter()
        .filter(|m| m.idempotency_key.starts_with("sign-in-alert"))
        .collect();
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    assert!(alerts[0].body.contains("多次密码错误"), "{}", alerts[0].body);
}

/// Employer B types a person's ID number with a made-up name and mobile: B learns nothing,
/// the SMS goes to the mobile on file, and nothing can be filed under B until the person
/// consents in their own account; the person can end the link.
async fn an_employer_gets_nothing_without_consent(app: &App) {
    app.user("clerk", Role::Clerk, Some(District::Pudong), None, false).await;
    let hr_a = employer(app, "91350100M000100Y43", "hr-a").await;
    let hr_b = employer(app, "91110000802100433B", "hr-b").await;
    let csrf = app.csrf(&hr_a, "/applicants").await;
    let form = [("name", "王真名"), ("id_number", PERSON_ID), ("mobile", PERSON_MOBILE), ("csrf", csrf.as_str())];
    assert_eq!(location(&app.post(&hr_a, "/applicants", &form).await), "/applicants?done=created");

    let csrf_b = app.csrf(&hr_b, "/applicants").await;
    let claim = [("name", "编造"), ("id_number", PERSON_ID), ("mobile", "13700000000"), ("csrf", csrf_b.as_str())];
    assert_eq!(location(&app.post(&hr_b, "/applicants", &claim).await), "/applicants?done=linked");
    let (_, list) = text(app, &hr_b, "/applicants").await;
    assert!(!list.contains("王真名") && !list.contains(PERSON_ID) && list.contains("待本人确认"), "{list}");
    assert!(app.store.messages_to("13700000000").await.unwrap().is_empty(), "nothing to the typed mobile");
    let asked = app.store.messages_to(PERSON_MOBILE).await.unwrap();
    assert!(asked.iter().any(|m| m.body.contains("hr-b") || m.body.contains("确认")), "{asked:?}");

    // The person signs in, starts an application: it is A's, not B's.
    let person = common::first_sign_in(app, PERSON_ID, PERSON_MOBILE).await;
    let csrf_p = app.csrf(&person, "/applications").await;
    let started = app.post(&person, "/applications", &[("csrf", &csrf_p)]).await;
    let id: jifen_store::ApplicationId = location(&started).rsplit('/').next().unwrap().parse().unwrap();
    let employer_a = app.store.user_by_username("hr-a").await.unwrap().unwrap().employer_id.unwrap();
    let employer_b = app.store.user_by_username("hr-b").await.unwrap().unwrap().employer_id.unwrap();
    assert_eq!(app.store.application(id).await.unwrap().unwrap().employer_id, employer_a);

    // The person sees the request and accepts it; then B sees the person, and can be ended.
    let (_, mine) = text(app, &person, "/account/employers").await;
    assert!(mine.contains("待您确认"), "{mine}");
    let accept = app
        .post(&person, &format!("/account/employers/{employer_b}"), &[("decision", "accept"), ("csrf", &csrf_p)])
        .await;
    assert_eq!(location(&accept), "/account/employers");
    let (_, list) = text(app, &hr_b, "/applicants").await;
    assert!(list.contains("王真名"), "after consent B sees the name");
    app.post(&person, &format!("/account/employers/{employer_b}"), &[("decision", "end"), ("csrf", &csrf_p)]).await;
    let (_, list) = text(app, &hr_b, "/applicants").await;
    assert!(!list.contains("王真名"), "an ended link shows nothing again");
    // A person who ends a link takes their application out of that employer's sight too.
    let path = format!("/applications/{id}");
    assert_eq!(hr_a.get(format!("{}{path}", app.base)).send().await.unwrap().status(), StatusCode::OK);
    app.post(&person, &format!("/account/employers/{employer_a}"), &[("decision", "end"), ("csrf", &csrf_p)]).await;
    assert_eq!(hr_a.get(format!("{}{path}", app.base)).send().await.unwrap().status(), StatusCode::NOT_FOUND);
    let (_, listed) = text(app, &hr_a, "/applications").await;
    assert!(!listed.contains(&path), "not listed either");
    // Nobody else decides a person's links.
    let forged = app
        .post(&hr_b, &format!("/account/employers/{employer_b}"), &[("decision", "accept"), ("csrf", &csrf_b)])
        .await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn sqlite_linking_needs_consent() {
    an_employer_gets_nothing_without_consent(&spawn().await).await;
}

#[tokio::test]
#[ignore = "needs PostgreSQL: set JIFEN_TEST_POSTGRES_URL and run with --ignored (.ci/run does)"]
async fn postgres_linking_needs_consent() {
    on_postgres("consent", an_employer_gets_nothing_without_consent).await;
}

#[tokio::test]
async fn sign_up_reserves_no_id_number_tells_nothing_and_is_rate_limited() {
    let app = spawn().await;
    employer_with_person(&app).await;

    // An ID number as the agent's username is refused, in the same words whether or not the
    // person has an account.
    let with_account = app.register_employer("91110000802100433B", "pudong", PERSON_ID).await;
    let without_account = app.register_employer("91110000802100433B", "pudong", "11010519491231002X").await;
    assert_eq!(with_account.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(without_account.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let (a, b) = (with_account.text().await.unwrap(), without_account.text().await.unwrap());
    let problem =
        |page: &str| page.split("field-error\">").nth(1).and_then(|r| r.split('<').next()).map(str::to_string);
    assert_eq!(problem(&a), problem(&b));
    assert!(problem(&a).unwrap().contains("不能是身份证号码"), "{a}");

    // Ten sign-ups an hour from one address (the one above and the employer's count too).
    let mut last = StatusCode::OK;
    for i in 0..12 {
        last = app.register_employer("91110000802100433B", "xuhui", &format!("agent-{i}")).await.status();
    }
    assert_eq!(last, StatusCode::TOO_MANY_REQUESTS);
}

/// NUL bytes, control characters and walls of text are refused with a 4xx naming the field,
/// on the anonymous sign-in too, and nothing reaches the database.
async fn odd_text_is_refused_naming_the_field(app: &App) {
    let client = browser();
    let csrf = app.csrf(&client, "/login").await;
    let nul = app.post(&client, "/login", &[("username", "a\u{0}b"), ("password", "x"), ("csrf", &csrf)]).await;
    assert_eq!(nul.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = nul.text().await.unwrap();
    assert!(page.contains("“用户名”一栏含有不能保存的字符（U+0000）"), "named by its label: {page}");

    let csrf = app.csrf(&client, "/employers/register").await;
    let long_name = "a".repeat(60_000);
    let form = [
        ("name", "上海示例科技有限公司"),
        ("credit_code", "91350100M000100Y43"),
        ("district", "pudong"),
        ("contact_name", long_name.as_str()),
        ("contact_phone", "13800000000"),
        ("username", "agent"),
        ("password", PASSWORD),
        ("csrf", &csrf),
    ];
    let response = app.post(&client, "/employers/register", &form).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = response.text().await.unwrap();
    assert!(page.contains("“联系人”一栏") && page.contains("4000"), "{}", &page[..page.len().min(2000)]);
    let short_but_long = "张".repeat(51);
    let form = [("contact_name", short_but_long.as_str()), ("credit_code", "91350100M000100Y43"), ("csrf", &csrf)];
    let page = app.post(&client, "/employers/register", &form).await.text().await.unwrap();
    assert!(page.contains("最多 50 个字"), "the field's own limit");
    let emoji = [("name", "示例😀公司\u{7}"), ("csrf", csrf.as_str())];
    assert_eq!(app.post(&client, "/employers/register", &emoji).await.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(app.store.user_by_username("agent").await.unwrap().is_none(), "nothing was saved");
}

#[tokio::test]
async fn sqlite_refuses_odd_text() {
    odd_text_is_refused_naming_the_field(&spawn().await).await;
}

#[tokio::test]
#[ignore = "needs PostgreSQL: set JIFEN_TEST_POSTGRES_URL and run with --ignored (.ci/run does)"]
async fn postgres_refuses_odd_text() {
    on_postgres("oddtext", odd_text_is_refused_naming_the_field).await;
}

#[tokio::test]
async fn uploads_are_named_by_what_they_are_and_take_exactly_the_stated_size() {
    let app = spawn().await;
    employer_with_person(&app).await;
    let person = common::first_sign_in(&app, PERSON_ID, PERSON_MOBILE).await;
    let csrf = app.csrf(&person, "/applications").await;
    let started = app.post(&person, "/applications", &[("csrf", &csrf)]).await;
    let path = location(&started).to_string();
    let upload = |bytes: Vec<u8>, name: &'static str| {
        let form = reqwest::multipart::Form::new()
            .text("csrf", csrf.clone())
            .part("file", reqwest::multipart::Part::bytes(bytes).file_name(name));
        person.post(format!("{}{path}/materials/id_card", app.base)).multipart(form).send()
    };
    let mut pdf = b"%PDF-1.4 ".to_vec();
    pdf.resize(jifen_applications::MAX_UPLOAD_BYTES, b' ');
    assert_eq!(
        upload(pdf.clone(), "scan\u{202e}lmth.html").await.unwrap().status(),
        StatusCode::SEE_OTHER,
        "exactly 5 MiB"
    );
    pdf.push(b' ');
    assert_eq!(upload(pdf, "big.pdf").await.unwrap().status(), StatusCode::PAYLOAD_TOO_LARGE, "one byte more");

    let id: jifen_store::ApplicationId = path.rsplit('/').next().unwrap().parse().unwrap();
    let stored = app.store.uploads(id).await.unwrap();
    assert_eq!(stored[0].filename, "scanlmth.pdf", "no override character, and the extension of a PDF");
    let download = person.get(format!("{}/materials/{}", app.base, stored[0].id)).send().await.unwrap();
    let disposition = download.headers()["content-disposition"].to_str().unwrap().to_string();
    assert!(disposition.ends_with(".pdf"), "{disposition}");
    assert_eq!(download.headers()["cache-control"], "no-store");
}

#[tokio::test]
async fn personal_pages_are_never_cached_and_cookies_are_secure_behind_https() {
    let app = spawn().await;
    app.user("admin", Role::Admin, None, None, false).await;
    let client = app.signed_in("admin").await;
    let home = client.get(format!("{}/home", app.base)).send().await.unwrap();
    assert_eq!(home.headers()["cache-control"], "no-store");
    let asset = client.get(format!("{}/assets/app.css", app.base)).send().await.unwrap();
    assert!(asset.headers().get("cache-control").is_none_or(|v| v != "no-store"), "assets may be cached");
    let plain = browser().get(format!("{}/login", app.base)).send().await.unwrap();
    assert!(plain.headers().get_all("set-cookie").iter().all(|c| !c.to_str().unwrap().contains("Secure")));

    // Behind an HTTPS address every cookie is Secure, the session's included.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let state = jifen_web::AppState::new(app.store.clone()).unwrap().with_public_url(Some("https://jifen.example"));
    tokio::spawn(jifen_web::serve(listener, state));
    let secure = App { base, store: app.store.clone() };
    let client = browser();
    let response = secure.login(&client, "admin", PASSWORD).await;
    let cookies: Vec<String> =
        response.headers().get_all("set-cookie").iter().map(|c| c.to_str().unwrap().to_string()).collect();
    assert!(cookies.iter().any(|c| c.starts_with("jifen_session=")), "{cookies:?}");
    assert!(cookies.iter().all(|c| c.contains("; Secure")), "{cookies:?}");
}

#[tokio::test]
async fn health_says_degraded_while_sms_keep_failing() {
    let app = spawn().await;
    let health = || async { browser().get(format!("{}/healthz", app.base)).send().await.unwrap() };
    assert_eq!(health().await.text().await.unwrap(), "ok");
    let message = NewMessage {
        idempotency_key: "k".into(),
        channel: "sms".into(),
        recipient: PERSON_MOBILE.into(),
        body: "x".into(),
        body_after_send: None,
    };
    app.store.enqueue_messages(&[message], 0).await.unwrap();
    for attempt in 0..3 {
        let claimed = app.store.claim_messages("w", attempt, 1, 10).await.unwrap();
        app.store.mark_failed(claimed[0].id, "w", "gateway down", attempt + 1, false).await.unwrap();
    }
    let degraded = health().await;
    assert_eq!(degraded.status(), StatusCode::OK);
    assert!(degraded.text().await.unwrap().starts_with("degraded"));
    let metrics = browser().get(format!("{}/metrics", app.base)).send().await.unwrap().text().await.unwrap();
    assert!(metrics.contains("jifen_sms_messages{state=\"failing\"} 1"), "{metrics}");
    assert!(metrics.contains("jifen_database_errors_total{kind=\"disk_full\"}"), "{metrics}");
    assert!(metrics.contains("jifen_calendar_days_left "), "{metrics}");
}

/// A database that stops answering is an outage, not a sign-out: the signed-in person gets
/// a 503 in their language that keeps their session, and `/healthz` says so within a second.
#[tokio::test]
async fn a_database_outage_answers_503_and_signs_nobody_out() {
    let app = spawn().await;
    app.user("admin", Role::Admin, None, None, false).await;
    let client = app.signed_in("admin").await;
    let token = app.api_token("admin", common::PASSWORD).await;
    app.store.close().await;
    let response = client.get(format!("{}/home?lang=en", app.base)).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE, "not a redirect to /login");
    assert!(response.headers().get_all("set-cookie").iter().all(|c| !c.to_str().unwrap().starts_with("jifen_session")));
    assert_eq!(response.headers()["retry-after"], "5", "when to try again");
    assert!(response.text().await.unwrap().contains("nothing was saved"));
    // The JSON API answers an outage the same way: 503, its error code, and Retry-After.
    let api = reqwest::Client::new()
        .get(format!("{}/api/v1/centre/queue?lang=en", app.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(api.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(api.headers()["retry-after"], "5");
    let body: serde_json::Value = api.json().await.unwrap();
    assert_eq!(body["error"]["code"], "unavailable", "{body}");
    let started = std::time::Instant::now();
    let health = browser().get(format!("{}/healthz", app.base)).send().await.unwrap();
    assert_eq!(health.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(started.elapsed() < std::time::Duration::from_millis(1500), "{:?}", started.elapsed());
}

/// Behind a trusted proxy, each visitor is counted by the address the proxy forwards: one
/// visitor's guesses do not lock out the others, and nobody else can forge the header.
#[tokio::test]
async fn behind_a_trusted_proxy_visitors_are_counted_apart() {
    let store = common::temp_sqlite().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let proxy: std::net::IpAddr = "127.0.0.1".parse().unwrap();
    let state = jifen_web::AppState::new(store.clone()).unwrap().with_trusted_proxies(vec![proxy]);
    tokio::spawn(jifen_web::serve(listener, state));
    let app = App { base, store };
    app.user("owner", Role::Admin, None, None, false).await;
    let login_from = |forwarded: &'static str, username: String, password: &'static str| {
        let app = &app;
        async move {
            let client = browser();
            let csrf = app.csrf(&client, "/login").await;
            let form = [("username", username.as_str()), ("password", password), ("csrf", csrf.as_str())];
            let request = client.post(format!("{}/login", app.base)).header("x-forwarded-for", forwarded).form(&form);
            request.send().await.unwrap().status()
        }
    };
    let mut last = StatusCode::OK;
    for i in 0..35 {
        last = login_from("198.51.100.66", format!("nobody-{i}"), "wrong password 1").await;
    }
    assert_eq!(last, StatusCode::TOO_MANY_REQUESTS, "the guessing address is stopped");
    assert_eq!(
        login_from("203.0.113.7", "owner".into(), PASSWORD).await,
        StatusCode::SEE_OTHER,
        "another visitor is not"
    );
}
