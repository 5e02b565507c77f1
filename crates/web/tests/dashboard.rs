//! The dashboards over HTTP: a supervisor sees their district's, with its charts and a CSV of
//! each table; an administrator the city's or any district's; nobody else (the role × route
//! test refuses every other role from the route table).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{browser, location, spawn};
use jifen_domain::{District, Role};
use reqwest::StatusCode;

#[tokio::test]
async fn a_supervisor_and_an_administrator_see_the_dashboards_and_their_csv() {
    let app = spawn().await;
    app.user("supervisor", Role::Supervisor, Some(District::Pudong), None, false).await;
    app.user("admin", Role::Admin, None, None, false).await;
    app.user("applicant", Role::Applicant, None, None, false).await;
    let get = |client: &reqwest::Client, path: &str| client.get(format!("{}{path}", app.base)).send();

    let supervisor = app.signed_in("supervisor").await;
    let home = get(&supervisor, "/home").await.unwrap().text().await.unwrap();
    assert!(home.contains("href=\"/dashboard\""), "the supervisor's home links the dashboard");
    let response = get(&supervisor, "/dashboard").await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let html = response.text().await.unwrap();
    assert!(html.contains("统计看板 · 浦东新区"), "{html}");
    assert!(html.contains("<svg") && html.contains("各状态申请数"), "a chart drawn on the server");
    assert!(html.contains("/dashboard.csv?table=states&amp;district=pudong"), "{html}");

    let csv = get(&supervisor, "/dashboard.csv?table=states").await.unwrap();
    assert_eq!(csv.status(), StatusCode::OK);
    assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
    let text = csv.text().await.unwrap();
    assert!(text.starts_with("\u{feff}state,applications\n"), "{text}");
    assert!(text.contains("\nfiled,0\n") && text.contains("\ngranted,0\n"), "{text}");
    let rates = get(&supervisor, "/dashboard.csv?table=rates").await.unwrap().text().await.unwrap();
    assert!(rates.starts_with("\u{feff}rate,count,of,percent,from,to\n") && rates.contains("approval,0,0,"), "{rates}");
    assert_eq!(get(&supervisor, "/dashboard.csv?table=nothing").await.unwrap().status(), StatusCode::NOT_FOUND);
    // The period of the rates and times: 90 days unless another offered one is chosen; the
    // page's links keep the choice.
    assert!(html.contains("近 90 天") && html.contains("<option value=\"365\""), "{html}");
    let year = get(&supervisor, "/dashboard?days=365").await.unwrap();
    assert_eq!(year.status(), StatusCode::OK);
    let year = year.text().await.unwrap();
    assert!(year.contains("（近一年）") && year.contains("table=rates&amp;district=pudong&amp;days=365"), "{year}");
    for days in ["7", "-1", "365000", "90x", "%F0%9F%98%80"] {
        let status = get(&supervisor, &format!("/dashboard?days={days}")).await.unwrap().status();
        assert_eq!(status, StatusCode::NOT_FOUND, "days={days}");
    }
    let english = get(&supervisor, "/dashboard?lang=en&days=30").await.unwrap().text().await.unwrap();
    assert!(english.contains("Times and rates cover ") && english.contains(" (Last 30 days)"), "{english}");
    assert!(english.contains("<option value=\"365\">Last year</option>"), "{english}");
    let nul = get(&supervisor, "/dashboard?days=%00").await.unwrap().status();
    assert_eq!(nul, StatusCode::UNPROCESSABLE_ENTITY, "a control character is refused as every query's is");
    // Another district's, or the city's, is not a supervisor's to see.
    assert_eq!(get(&supervisor, "/dashboard?district=xuhui").await.unwrap().status(), StatusCode::FORBIDDEN);
    assert_eq!(
        get(&supervisor, "/dashboard.csv?table=states&district=xuhui").await.unwrap().status(),
        StatusCode::FORBIDDEN
    );

    let admin = app.signed_in("admin").await;
    let home = get(&admin, "/home").await.unwrap().text().await.unwrap();
    assert!(home.contains("href=\"/dashboard\""), "the administrator's home links the dashboard");
    let city = get(&admin, "/dashboard").await.unwrap();
    assert_eq!(city.status(), StatusCode::OK);
    assert!(city.text().await.unwrap().contains("统计看板 · 全市"));
    let xuhui = get(&admin, "/dashboard?district=xuhui").await.unwrap().text().await.unwrap();
    assert!(xuhui.contains("统计看板 · 徐汇区"), "{xuhui}");
    assert_eq!(get(&admin, "/dashboard?district=atlantis").await.unwrap().status(), StatusCode::NOT_FOUND);

    let applicant = app.signed_in("applicant").await;
    assert_eq!(get(&applicant, "/dashboard").await.unwrap().status(), StatusCode::FORBIDDEN);
    assert_eq!(get(&applicant, "/dashboard.csv?table=states").await.unwrap().status(), StatusCode::FORBIDDEN);
    assert_eq!(location(&browser().get(format!("{}/dashboard", app.base)).send().await.unwrap()), "/login");
}

/// A city's month of renewals may run to tens of thousands: the page lists the 100 ending
/// soonest and says how many there are; the CSV has every one.
#[tokio::test]
async fn the_renewals_due_are_listed_up_to_a_hundred_and_exported_in_full() {
    let store = common::temp_sqlite().await;
    // 101 holders whose notices end on 2099-12-31 (the seed's date), seen from 2099-12-15.
    jifen_store::testing::seed_holders(&store, 101, |_| None).await.unwrap();
    let state = jifen_web::AppState::new(store.clone()).unwrap();
    let today = state.service.clock.today();
    let seen_from = chrono::NaiveDate::from_ymd_opt(2099, 12, 15).unwrap();
    state.service.clock.travel((seen_from - today).num_days());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(jifen_web::serve(listener, state));
    let app = common::App { base, store };
    app.user("supervisor", Role::Supervisor, Some(District::Pudong), None, false).await;
    let supervisor = app.signed_in("supervisor").await;
    let get = |path: &str| supervisor.get(format!("{}{path}", app.base)).send();

    let html = get("/dashboard").await.unwrap().text().await.unwrap();
    assert!(html.contains("共 101 份，此处列出最早到期的 100 份"), "{html}");
    let table = html.split("id=\"renewals-due\"").nth(1).unwrap().split("</table>").next().unwrap();
    assert_eq!(table.matches("<tr>").count(), 1 + 100, "the header and a hundred notices");
    let csv = get("/dashboard.csv?table=renewals").await.unwrap().text().await.unwrap();
    assert_eq!(csv.lines().count(), 1 + 101, "the header and every notice");
    assert!(csv.contains("2099-12-31"), "{csv}");
}
