//! The administrator's staff pages over HTTP: a member of staff is made with a one-time
//! password by SMS, reset, switched off (their session ends at once) and on; the last
//! administrator stays; nobody else may use the pages; every change is audited.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{App, browser, location, spawn};
use jifen_domain::{District, Role};
use jifen_store::prelude::*;
use reqwest::StatusCode;

const CLERK_MOBILE: &str = "13900000077";

async fn one_time_password(app: &App, mobile: &str, nth: usize) -> String {
    let messages = app.store.messages_to(mobile).await.unwrap();
    let text = &messages.get(nth).expect("an SMS with a one-time password").body;
    text.split("密码：").nth(1).and_then(|rest| rest.split('。').next()).expect("a password in the SMS").to_string()
}

#[tokio::test]
async fn an_administrator_runs_staff_from_the_browser() {
    let app = spawn().await;
    app.user("admin", Role::Admin, None, None, false).await;
    let admin = app.signed_in("admin").await;
    let csrf = app.csrf(&admin, "/admin/staff").await;

    // A form with problems names each field and makes nothing.
    let bad = app
        .post(
            &admin,
            "/admin/staff",
            &[("username", "310101199005120016"), ("role", "clerk"), ("mobile", "12"), ("csrf", &csrf)],
        )
        .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = bad.text().await.unwrap();
    assert!(page.contains("不能是身份证号码") && page.contains("须选择所在区") && page.contains("11 位数字"), "{page}");

    let form = [
        ("username", "clerk-wang"),
        ("display_name", "王受理"),
        ("role", "clerk"),
        ("district", "pudong"),
        ("mobile", CLERK_MOBILE),
        ("csrf", &csrf),
    ];
    assert_eq!(location(&app.post(&admin, "/admin/staff", &form).await), "/admin/staff?done=created");
    let clerk_user = app.store.user_by_username("clerk-wang").await.unwrap().unwrap();
    assert_eq!((clerk_user.role, clerk_user.district), (Role::Clerk, Some(District::Pudong)));
    let list = app_get(&app, &admin, "/admin/staff").await;
    assert!(list.contains("王受理") && list.contains("139****0077") && list.contains("从未"), "{list}");

    // The clerk signs in with the one-time password and must change it.
    let clerk = browser();
    let first = one_time_password(&app, CLERK_MOBILE, 0).await;
    assert_eq!(location(&app.login(&clerk, "clerk-wang", &first).await), "/account/password");
    let csrf_c = app.csrf(&clerk, "/account/password").await;
    let changed = app
        .post(
            &clerk,
            "/account/password",
            &[("current", &first), ("new", "clerk password 5"), ("confirm", "clerk password 5"), ("csrf", &csrf_c)],
        )
        .await;
    assert_eq!(location(&changed), "/home");
    // Nobody but an administrator uses the staff pages.
    assert_eq!(clerk.get(format!("{}/admin/staff", app.base)).send().await.unwrap().status(), StatusCode::FORBIDDEN);

    // A reset sends a new one-time password and ends the clerk's session at once.
    let target = format!("/admin/staff/{}", clerk_user.id);
    assert_eq!(
        location(&app.post(&admin, &target, &[("action", "reset"), ("csrf", &csrf)]).await),
        "/admin/staff?done=reset"
    );
    assert_eq!(location(&clerk.get(format!("{}/home", app.base)).send().await.unwrap()), "/login");
    let second = one_time_password(&app, CLERK_MOBILE, 1).await;
    assert_ne!(first, second);
    assert_eq!(location(&app.login(&clerk, "clerk-wang", &second).await), "/account/password");

    // Switched off: the session ends and signing in fails; switched on: it works again.
    app.post(&admin, &target, &[("action", "disable"), ("csrf", &csrf)]).await;
    assert_eq!(location(&clerk.get(format!("{}/home", app.base)).send().await.unwrap()), "/login");
    assert_eq!(app.login(&browser(), "clerk-wang", &second).await.status(), StatusCode::UNAUTHORIZED);
    app.post(&admin, &target, &[("action", "enable"), ("csrf", &csrf)]).await;
    assert_eq!(location(&app.login(&browser(), "clerk-wang", &second).await), "/account/password");

    // The last administrator cannot switch themselves off.
    let admin_id = app.store.user_by_username("admin").await.unwrap().unwrap().id;
    let last = app.post(&admin, &format!("/admin/staff/{admin_id}"), &[("action", "disable"), ("csrf", &csrf)]).await;
    assert_eq!(last.status(), StatusCode::CONFLICT);
    assert!(last.text().await.unwrap().contains("最后一位"));

    // Every change is in the audit log.
    let actions: Vec<String> =
        app.store.audit_of(&format!("user:{}", clerk_user.id)).await.unwrap().into_iter().map(|e| e.action).collect();
    for action in ["staff_create", "staff_password_reset", "staff_disable", "staff_enable"] {
        assert!(actions.iter().any(|a| a == action), "{action} in {actions:?}");
    }

    // The administrator finds them on the audit page, and exports them for a spreadsheet.
    let page = app_get(&app, &admin, "/admin/audit?person=clerk-wang&staff=admin").await;
    let rows = log_rows(&page);
    assert!(rows.contains("staff_disable") && rows.contains("staff_create") && !rows.contains(">sign_in<"), "{page}");
    // Each entry is named in words (with its stored word beside), and the search offers
    // every event by name, the workflow's moves among them.
    assert!(rows.contains("停用工作人员账号") && rows.contains("新增工作人员"), "{rows}");
    assert!(page.contains(r#"<option value="staff_disable">停用工作人员账号</option>"#), "{page}");
    assert!(page.contains(r#"<option value="application_grant">申请："#), "{page}");
    let csv = admin.get(format!("{}/admin/audit.csv?person=clerk-wang", app.base)).send().await.unwrap();
    assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
    let text = csv.text().await.unwrap();
    assert!(text.starts_with('\u{feff}') && text.contains("staff_password_reset"), "{text}");
    let searches = app.store.audit_of(&format!("user:{}", clerk_user.id)).await.unwrap();
    assert!(searches.iter().any(|e| e.action == "audit_search"), "a search for a person is audited");
    let bad = admin.get(format!("{}/admin/audit?from=yesterday&person=nobody", app.base)).send().await.unwrap();
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // The event filter takes what a link may carry: NUL is refused, a word no release wrote
    // (emoji, markup) is kept as asked and shown escaped, and matches nothing.
    let nul = admin.get(format!("{}/admin/audit?action=sign_in%00", app.base)).send().await.unwrap();
    assert_eq!(nul.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let odd = app_get(&app, &admin, "/admin/audit?action=%3Cb%3E%F0%9F%98%80").await;
    assert!(odd.contains("&lt;b&gt;😀") && !odd.contains("<b>😀"), "{odd}");
    assert!(!log_rows(&odd).contains("<td"), "nothing matches a word no release wrote");
    // A district's supervisor sees what its staff did, not the administrator's work.
    app.user("supervisor", Role::Supervisor, Some(District::Pudong), None, false).await;
    let supervisor = app.signed_in("supervisor").await;
    let district_log = app_get(&app, &supervisor, "/admin/audit").await;
    let district_rows = log_rows(&district_log);
    assert!(district_rows.contains("clerk-wang") && district_rows.contains("sign_in"), "{district_log}");
    assert!(!district_rows.contains("staff_create"), "not the administrator's changes");
    app.user("reviewer", Role::Reviewer, Some(District::Pudong), None, false).await;
    let reviewer = app.signed_in("reviewer").await;
    let refused = reviewer.get(format!("{}/admin/audit.csv?person=admin", app.base)).send().await.unwrap();
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
}

/// The audit page's entries (its table's body), without the search form above them.
fn log_rows(page: &str) -> &str {
    let start = page.find("<tbody>").unwrap_or_else(|| panic!("the log has a table: {page}"));
    let end = page[start..].find("</tbody>").map_or(page.len(), |end| start + end);
    &page[start..end]
}

async fn app_get(app: &App, client: &reqwest::Client, path: &str) -> String {
    client.get(format!("{}{path}", app.base)).send().await.unwrap().text().await.unwrap()
}

/// Only administrators: every other role is refused the list and every change.
#[tokio::test]
async fn nobody_else_administers_staff() {
    let app = spawn().await;
    app.user("admin", Role::Admin, None, None, false).await;
    let admin_id = app.store.user_by_username("admin").await.unwrap().unwrap().id;
    for (name, role, district) in [
        ("clerk", Role::Clerk, Some(District::Pudong)),
        ("reviewer", Role::Reviewer, Some(District::Pudong)),
        ("supervisor", Role::Supervisor, Some(District::Pudong)),
        ("applicant", Role::Applicant, None),
    ] {
        app.user(name, role, district, None, false).await;
        let client = app.signed_in(name).await;
        assert_eq!(
            client.get(format!("{}/admin/staff", app.base)).send().await.unwrap().status(),
            StatusCode::FORBIDDEN
        );
        let csrf = app.csrf(&client, "/home").await;
        let switch_off =
            app.post(&client, &format!("/admin/staff/{admin_id}"), &[("action", "disable"), ("csrf", &csrf)]).await;
        assert_eq!(switch_off.status(), StatusCode::FORBIDDEN, "{name}");
        let made =
            app.post(&client, "/admin/staff", &[("username", "x-admin"), ("role", "admin"), ("csrf", &csrf)]).await;
        assert_eq!(made.status(), StatusCode::FORBIDDEN, "{name}");
    }
    assert!(app.store.user_by_username("x-admin").await.unwrap().is_none());
    assert!(!app.store.user_by_id(admin_id).await.unwrap().unwrap().disabled);
    assert_eq!(location(&browser().get(format!("{}/admin/staff", app.base)).send().await.unwrap()), "/login");
}
