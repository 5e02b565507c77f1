//! Accounts over HTTP: sign-in with a forced password change, throttling, CSRF, employer
//! sign-up and its verification by a clerk of the same district, and which role may use
//! which route.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{App, PASSWORD, browser, location, spawn};
use jifen_domain::{District, Role};
use jifen_store::Store;
use jifen_store::prelude::*;
use reqwest::StatusCode;

#[tokio::test]
async fn first_login_forces_a_password_change_then_a_clerk_verifies_an_employer_whose_agent_can_then_sign_in() {
    let app = spawn().await;
    app.user("clerk", Role::Clerk, Some(District::Pudong), None, true).await;
    let clerk = browser();
    let first = app.login(&clerk, "clerk", PASSWORD).await;
    assert_eq!(location(&first), "/account/password", "forced change at first login");
    let home = clerk.get(format!("{}/home", app.base)).send().await.unwrap();
    assert_eq!(location(&home), "/account/password", "nothing else until the password is changed");
    let csrf = app.csrf(&clerk, "/account/password").await;
    let weak = app
        .post(
            &clerk,
            "/account/password",
            &[("current", PASSWORD), ("new", "short"), ("confirm", "short"), ("csrf", &csrf)],
        )
        .await;
    assert_eq!(weak.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let new_password = "a new password 2";
    let changed = app
        .post(
            &clerk,
            "/account/password",
            &[("current", PASSWORD), ("new", new_password), ("confirm", new_password), ("csrf", &csrf)],
        )
        .await;
    assert_eq!(location(&changed), "/home");
    assert!(!app.store.user_by_username("clerk").await.unwrap().unwrap().must_change_password);

    let registered = app.register_employer("91350100M000100Y43", "pudong", "hr-agent").await;
    assert_eq!(registered.status(), StatusCode::CREATED);
    let agent = browser();
    let pending = app.login(&agent, "hr-agent", PASSWORD).await;
    assert_eq!(pending.status(), StatusCode::FORBIDDEN, "pending employers' agents cannot sign in");
    assert!(pending.text().await.unwrap().contains("尚未通过"));

    let home = clerk.get(format!("{}/home", app.base)).send().await.unwrap().text().await.unwrap();
    assert!(home.contains("上海示例科技有限公司") && home.contains("91350100M000100Y43"), "the clerk sees the sign-up");
    let employer =
        app.store.employers_in_district(District::Pudong, jifen_store::EmployerStatus::Pending).await.unwrap()[0]
            .clone();
    let csrf = app.csrf(&clerk, "/home").await;
    let path = format!("/employers/{}/decision", employer.id);
    let verified = app.post(&clerk, &path, &[("decision", "verify"), ("csrf", &csrf)]).await;
    assert_eq!(location(&verified), "/home?done=verified");
    let twice = app
        .post(&clerk, &path, &[("decision", "reject"), ("confirmed", "yes"), ("reason", "重复"), ("csrf", &csrf)])
        .await;
    assert_eq!(twice.status(), StatusCode::CONFLICT);

    let signed_in = app.login(&agent, "hr-agent", PASSWORD).await;
    assert_eq!(location(&signed_in), "/home", "the agent signs in once verified");
    let agent_home = agent.get(format!("{}/home", app.base)).send().await.unwrap().text().await.unwrap();
    assert!(agent_home.contains("上海示例科技有限公司"));
    let actions: Vec<String> = app.store.audit_log(20).await.unwrap().into_iter().map(|entry| entry.action).collect();
    let expected = ["sign_in", "employer_verify", "employer_register", "sign_in", "password_change", "sign_in"];
    assert!(actions.starts_with(&expected.map(String::from)), "{actions:?}");
}

#[tokio::test]
async fn signing_in_starts_a_new_session_and_signing_out_ends_it() {
    let app = spawn().await;
    app.user("admin", Role::Admin, None, None, false).await;
    let first = app.signed_in("admin").await;
    let second = app.signed_in("admin").await;
    for client in [&first, &second] {
        assert_eq!(client.get(format!("{}/home", app.base)).send().await.unwrap().status(), StatusCode::OK);
    }
    let csrf = app.csrf(&first, "/home").await;
    let out = app.post(&first, "/logout", &[("csrf", &csrf)]).await;
    assert_eq!(location(&out), "/");
    assert_eq!(location(&first.get(format!("{}/home", app.base)).send().await.unwrap()), "/login", "signed out");
    assert_eq!(
        second.get(format!("{}/home", app.base)).send().await.unwrap().status(),
        StatusCode::OK,
        "the other session lives on"
    );
}

#[tokio::test]
async fn sign_in_is_throttled_per_account() {
    let app = spawn().await;
    app.user("target", Role::Admin, None, None, false).await;
    let client = browser();
    for _ in 0..5 {
        assert_eq!(app.login(&client, "target", "wrong password 9").await.status(), StatusCode::UNAUTHORIZED);
    }
    let blocked = app.login(&client, "target", PASSWORD).await;
    assert_eq!(blocked.status(), StatusCode::TOO_MANY_REQUESTS, "even the right password waits");
    let unknown = app.login(&client, "nobody", PASSWORD).await;
    assert_eq!(unknown.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn forms_without_their_csrf_token_or_from_elsewhere_are_refused() {
    let app = spawn().await;
    app.user("admin", Role::Admin, None, None, false).await;
    let client = browser();
    let no_cookie =
        app.post(&client, "/login", &[("username", "admin"), ("password", PASSWORD), ("csrf", "forged")]).await;
    assert_eq!(no_cookie.status(), StatusCode::FORBIDDEN);
    let csrf = app.csrf(&client, "/login").await;
    let cross = client
        .post(format!("{}/login", app.base))
        .header("origin", "https://evil.example")
        .form(&[("username", "admin"), ("password", PASSWORD), ("csrf", &csrf)])
        .send()
        .await
        .unwrap();
    assert_eq!(cross.status(), StatusCode::FORBIDDEN);
    let signed = app.signed_in("admin").await;
    let forged = app.post(&signed, "/logout", &[("csrf", "not the token")]).await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        signed.get(format!("{}/home", app.base)).send().await.unwrap().status(),
        StatusCode::OK,
        "still signed in"
    );
}

#[tokio::test]
async fn employer_sign_up_checks_the_credit_code_and_refuses_duplicates() {
    let app = spawn().await;
    let bad = app.register_employer("91350100M000100Y44", "pudong", "agent-a").await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text().await.unwrap().contains("校验码"));
    assert_eq!(app.register_employer("91350100M000100Y43", "pudong", "agent-a").await.status(), StatusCode::CREATED);
    let again = app.register_employer("91350100M000100Y43", "xuhui", "agent-b").await;
    assert_eq!(again.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(again.text().await.unwrap().contains("已注册"));
}

/// Who may decide an employer's sign-up: a clerk of its district, and nobody else.
#[tokio::test]
async fn each_route_refuses_the_roles_that_must_not_use_it() {
    let app = spawn().await;
    assert_eq!(app.register_employer("91350100M000100Y43", "pudong", "agent").await.status(), StatusCode::CREATED);
    let employer =
        app.store.employers_in_district(District::Pudong, jifen_store::EmployerStatus::Pending).await.unwrap()[0]
            .clone();
    app.user("admin", Role::Admin, None, None, false).await;
    app.user("clerk-xuhui", Role::Clerk, Some(District::Xuhui), None, false).await;
    app.user("reviewer", Role::Reviewer, Some(District::Pudong), None, false).await;
    app.user("supervisor", Role::Supervisor, Some(District::Pudong), None, false).await;
    app.user("applicant", Role::Applicant, None, None, false).await;
    app.user("clerk-pudong", Role::Clerk, Some(District::Pudong), None, false).await;
    let path = format!("/employers/{}/decision", employer.id);
    for refused in ["admin", "clerk-xuhui", "reviewer", "supervisor", "applicant"] {
        let client = app.signed_in(refused).await;
        assert_eq!(
            client.get(format!("{}/home", app.base)).send().await.unwrap().status(),
            StatusCode::OK,
            "{refused} has a home"
        );
        let csrf = app.csrf(&client, "/home").await;
        let response = app.post(&client, &path, &[("decision", "verify"), ("csrf", &csrf)]).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{refused} may not decide");
    }
    let anonymous = browser();
    assert_eq!(location(&app.post(&anonymous, &path, &[("decision", "verify")]).await), "/login");
    assert_eq!(location(&anonymous.get(format!("{}/home", app.base)).send().await.unwrap()), "/login");
    let unchanged = app.store.employer(employer.id).await.unwrap().unwrap();
    assert_eq!(unchanged.status, jifen_store::EmployerStatus::Pending, "no refused request changed anything");
    let clerk = app.signed_in("clerk-pudong").await;
    let csrf = app.csrf(&clerk, "/home").await;
    assert_eq!(
        location(&app.post(&clerk, &path, &[("decision", "verify"), ("csrf", &csrf)]).await),
        "/home?done=verified"
    );
}

/// Two servers on one PostgreSQL database: a session started on one is valid on the other,
/// and failed sign-ins count across both (nothing that matters lives in one process).
#[tokio::test]
#[ignore = "needs PostgreSQL: set JIFEN_TEST_POSTGRES_URL and run with --ignored (.ci/run does)"]
async fn two_servers_share_sessions_and_throttling_on_postgres() {
    let database = jifen_store::testing::TestDatabase::create("web").await.expect("PostgreSQL must be reachable");
    let mut apps = Vec::new();
    for _ in 0..2 {
        let store = Store::open(&database.url).await.unwrap();
        apps.push(App { base: common::serve(store.clone()).await, store });
    }
    let (a, b) = (&apps[0], &apps[1]);
    a.user("shared", Role::Admin, None, None, false).await;
    let client = a.signed_in("shared").await;
    // The cookie jar sends 127.0.0.1's cookies to either port, as a browser would behind a
    // load balancer.
    assert_eq!(client.get(format!("{}/home", b.base)).send().await.unwrap().status(), StatusCode::OK);
    let attacker = browser();
    for app in [a, b, a, b, a] {
        assert_eq!(app.login(&attacker, "shared", "wrong password 9").await.status(), StatusCode::UNAUTHORIZED);
    }
    assert_eq!(b.login(&attacker, "shared", PASSWORD).await.status(), StatusCode::TOO_MANY_REQUESTS);
    for app in &apps {
        app.store.close().await;
    }
    database.drop_database().await.unwrap();
}
