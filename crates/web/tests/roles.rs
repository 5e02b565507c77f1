//! The role × route test, generated from the route table (`jifen_web::routes::route_table`):
//! every route is requested by a visitor who is not signed in, by one signed-in user of each
//! role, and by someone who has not changed an initial password yet. Those the route's access
//! does not admit are refused by its guard before the handler runs; those it admits are not
//! (the handler may still refuse them for what the data says: a 404, a stale form). A new
//! route is covered by adding it to the table, and no route can be added anywhere else.
//! The JSON API's routes are requested with each visitor's bearer token (the API takes no
//! cookie) and refused in JSON: 401 without a session, 403 otherwise.
//! Runs on SQLite here and on PostgreSQL with `--ignored`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{App, PASSWORD, browser, employer, location, on_postgres, session_cookie, spawn};
use jifen_domain::{District, Role};
use jifen_web::routes::{API_PREFIX, Access, REFUSED_HEADER, route_table};
use reqwest::StatusCode;

/// Someone sending requests: their role (`None`: not signed in) and whether they still have to
/// change an initial password.
struct Visitor {
    name: &'static str,
    role: Option<Role>,
    must_change: bool,
    client: reqwest::Client,
    /// The bearer token of the visitor's session, for the API (the same session as the
    /// cookie's for the one who must change an initial password).
    token: Option<String>,
}

impl Visitor {
    /// An empty form, with no CSRF token (an admitted POST is refused as stale by its handler
    /// and changes nothing; the API's is refused as not JSON), with the visitor's bearer
    /// token on an API route.
    async fn send(&self, method: &reqwest::Method, url: &str, api: bool) -> reqwest::Response {
        let mut request = self
            .client
            .request(method.clone(), url)
            .header("content-type", "application/x-www-form-urlencoded")
            .body("");
        if let (true, Some(token)) = (api, &self.token) {
            request = request.bearer_auth(token);
        }
        request.send().await.unwrap()
    }
}

/// A visitor not signed in, one signed-in user of every role, and an administrator who
/// signed in with an initial password.
async fn visitors(app: &App) -> Vec<Visitor> {
    app.user("clerk", Role::Clerk, Some(District::Pudong), None, false).await;
    app.user("reviewer", Role::Reviewer, Some(District::Pudong), None, false).await;
    app.user("supervisor", Role::Supervisor, Some(District::Pudong), None, false).await;
    app.user("admin", Role::Admin, None, None, false).await;
    app.user("applicant", Role::Applicant, None, None, false).await;
    app.user("newcomer", Role::Admin, None, None, true).await;
    let hr = employer(app, "91350100M000100Y43", "hr-a").await;
    let newcomer = browser();
    let signed_in = app.login(&newcomer, "newcomer", PASSWORD).await;
    assert_eq!(location(&signed_in), "/account/password");
    let newcomer_token = session_cookie(&signed_in).expect("the sign-in sets the session cookie");
    let mut visitors = vec![
        Visitor { name: "not signed in", role: None, must_change: false, client: browser(), token: None },
        Visitor {
            name: "hr_agent",
            role: Some(Role::HrAgent),
            must_change: false,
            client: hr,
            token: Some(app.api_token("hr-a", PASSWORD).await),
        },
        Visitor {
            name: "newcomer (initial password)",
            role: Some(Role::Admin),
            must_change: true,
            client: newcomer,
            token: Some(newcomer_token),
        },
    ];
    for (name, role) in [
        ("clerk", Role::Clerk),
        ("reviewer", Role::Reviewer),
        ("supervisor", Role::Supervisor),
        ("admin", Role::Admin),
        ("applicant", Role::Applicant),
    ] {
        visitors.push(Visitor {
            name,
            role: Some(role),
            must_change: false,
            client: app.signed_in(name).await,
            token: Some(app.api_token(name, PASSWORD).await),
        });
    }
    let roles: Vec<Role> = visitors.iter().filter(|v| !v.must_change).filter_map(|v| v.role).collect();
    assert!(Role::ALL.iter().all(|role| roles.contains(role)), "every role is tried");
    visitors
}

/// The route's path with a sample value for each parameter (`{id}` → `1`).
fn sample(path: &str) -> String {
    let mut out = String::new();
    let mut rest = path;
    while let Some((before, after)) = rest.split_once('{') {
        out.push_str(before);
        let (_, after) = after.split_once('}').expect("a closed parameter");
        out.push('1');
        rest = after;
    }
    out + rest
}

async fn every_route_admits_only_whom_it_names(app: &App) {
    let visitors = visitors(app).await;
    let table = route_table();
    let mut refusals = std::collections::BTreeMap::<&str, usize>::new();
    // Signing out (DELETE /api/v1/sessions/current) ends the visitor's session: last.
    let mut ordered: Vec<_> = table.iter().collect();
    ordered.sort_by_key(|spec| spec.method == reqwest::Method::DELETE);
    let mut api_routes = 0;
    for spec in ordered {
        let url = format!("{}{}", app.base, sample(spec.path));
        let method = reqwest::Method::from_bytes(spec.method.as_str().as_bytes()).unwrap();
        let api = spec.path.starts_with(API_PREFIX) && spec.access != Access::Public;
        api_routes += usize::from(api);
        for visitor in &visitors {
            let who = format!("{} {} by {}", spec.method, spec.path, visitor.name);
            let response = visitor.send(&method, &url, api).await;
            let status = response.status();
            let refused = response.headers().get(REFUSED_HEADER).map(|v| v.to_str().unwrap().to_string());
            assert!(!status.is_server_error(), "{who}: {status}");
            if spec.access.admits(visitor.role, visitor.must_change) {
                assert_eq!(refused, None, "{who} is admitted by {:?}, yet refused ({status})", spec.access);
                continue;
            }
            let refused = refused.unwrap_or_else(|| panic!("{who} is not admitted by {:?}: {status}", spec.access));
            if api {
                let expected = match (visitor.role, visitor.must_change) {
                    (None, _) => ("sign-in", StatusCode::UNAUTHORIZED, "sign_in_required"),
                    (Some(_), true) => ("password", StatusCode::FORBIDDEN, "password_change_required"),
                    (Some(_), false) => ("role", StatusCode::FORBIDDEN, "forbidden"),
                };
                let body: serde_json::Value = response.json().await.unwrap();
                assert_eq!((refused.as_str(), status, body["error"]["code"].as_str().unwrap()), expected, "{who}");
                *refusals.entry(if refused == "role" { "role" } else { "other" }).or_default() += 1;
                continue;
            }
            match (visitor.role, visitor.must_change) {
                (None, _) => {
                    assert_eq!((refused.as_str(), location(&response)), ("sign-in", "/login"), "{who}");
                }
                (Some(_), true) => {
                    assert_eq!((refused.as_str(), location(&response)), ("password", "/account/password"), "{who}");
                }
                (Some(_), false) => {
                    assert_eq!((refused.as_str(), status), ("role", StatusCode::FORBIDDEN), "{who}");
                    assert!(response.text().await.unwrap().contains("无权进行此操作"), "{who}: said in words");
                }
            }
            *refusals.entry(if refused == "role" { "role" } else { "other" }).or_default() += 1;
        }
    }
    // The table holds routes of every kind, so each kind of refusal was seen.
    assert!(refusals.get("role").copied().unwrap_or(0) > 0 && refusals.get("other").copied().unwrap_or(0) > 0);
    assert!(table.iter().any(|spec| spec.access == Access::Public));
    assert!(api_routes >= 4, "the API's guarded routes are covered");
}

#[tokio::test]
async fn every_route_admits_only_whom_it_names_on_sqlite() {
    every_route_admits_only_whom_it_names(&spawn().await).await;
}

#[tokio::test]
#[ignore = "needs PostgreSQL: JIFEN_TEST_POSTGRES_URL"]
async fn every_route_admits_only_whom_it_names_on_postgres() {
    on_postgres("roles", every_route_admits_only_whom_it_names).await;
}

/// The route's path with `value` in place of its first parameter (an id) and `1` for the
/// others; `None` for a route without parameters.
fn with_first_parameter(path: &str, value: &str) -> Option<String> {
    let (before, after) = path.split_once('{')?;
    let (_, after) = after.split_once('}')?;
    Some(format!("{before}{value}{}", sample(after)))
}

/// Every route that names a record, asked by everyone it admits for ids that are not a
/// number, overflow one, are negative or zero, or carry a NUL or an emoji: each gets an
/// answer that says no (a 4xx, or a redirect for a form), never a server error, and a page
/// route never answers with a bare text: the refusal is a page.
async fn odd_ids_are_refused_never_a_server_error(app: &App) {
    let visitors = visitors(app).await;
    let odd = ["abc", "99999999999999999999", "-1", "0", "1%00", "%F0%9F%98%80", "1.5"];
    let mut asked = 0;
    for spec in route_table().iter().filter(|spec| spec.method != reqwest::Method::DELETE) {
        let method = reqwest::Method::from_bytes(spec.method.as_str().as_bytes()).unwrap();
        let api = spec.path.starts_with(API_PREFIX);
        for value in odd {
            let Some(path) = with_first_parameter(spec.path, value) else { continue };
            let url = format!("{}{path}", app.base);
            for visitor in visitors.iter().filter(|v| v.role.is_some() && !v.must_change) {
                if !spec.access.admits(visitor.role, false) {
                    continue;
                }
                let response = visitor.send(&method, &url, api).await;
                let status = response.status();
                let who = format!("{} {path} by {}", spec.method, visitor.name);
                assert!(status.is_client_error() || status.is_redirection(), "{who}: {status}");
                let html = response
                    .headers()
                    .get("content-type")
                    .is_some_and(|t| t.to_str().unwrap_or("").starts_with("text/html"));
                let json = response
                    .headers()
                    .get("content-type")
                    .is_some_and(|t| t.to_str().unwrap_or("").starts_with("application/json"));
                if status.is_client_error() {
                    assert!(if api { json } else { html }, "{who}: {status} answered as a page or JSON");
                }
                asked += 1;
            }
        }
    }
    assert!(asked > 100, "routes with ids were asked ({asked})");
    // Text in a page's query string is checked as a form's is: a NUL or a control character
    // in a search is refused with a page (422), and an emoji is only text.
    let clerk = &visitors.iter().find(|v| v.name == "clerk").unwrap().client;
    let admin = &visitors.iter().find(|v| v.name == "admin").unwrap().client;
    for (client, path) in [
        (clerk, "/centre?q="),
        (admin, "/dashboard?district="),
        (admin, "/admin/audit?person="),
        (clerk, "/verify?code=1&serial="),
        (clerk, "/verify/"),
    ] {
        for (value, refused) in [("%00", true), ("%1B%5B31m", true), ("%F0%9F%98%80%3Cb%3E", false)] {
            let url = format!("{}{path}{value}{}", app.base, if path.ends_with('/') { "/ABC" } else { "" });
            let response = client.get(&url).send().await.unwrap();
            let status = response.status();
            assert!(!status.is_server_error(), "{url}: {status}");
            if refused && !path.starts_with("/verify/") {
                assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{url}");
            }
            let page = response.text().await.unwrap();
            assert!(!page.contains("<b>"), "{url}: the text is shown escaped");
        }
    }
}

#[tokio::test]
async fn odd_ids_are_refused_never_a_server_error_on_sqlite() {
    odd_ids_are_refused_never_a_server_error(&spawn().await).await;
}

#[tokio::test]
#[ignore = "needs PostgreSQL: JIFEN_TEST_POSTGRES_URL"]
async fn odd_ids_are_refused_never_a_server_error_on_postgres() {
    on_postgres("odd_ids", odd_ids_are_refused_never_a_server_error).await;
}

/// A role the workflow lets take an action, or see an application, is let through to the
/// pages where that happens; which action and which application is for the service.
#[test]
fn the_workflow_s_roles_reach_the_application_pages() {
    let workflow = jifen_domain::workflow::Workflow::embedded().unwrap();
    let access = |method: &str, path: &str| {
        route_table()
            .iter()
            .find(|spec| spec.method.as_str() == method && spec.path == path)
            .unwrap_or_else(|| panic!("{method} {path} is in the table"))
            .access
    };
    let acting = workflow.actions.iter().flat_map(|action| action.roles.iter().copied());
    let waiting = workflow.states.iter().map(|state| state.waiting_for);
    for role in acting.chain(waiting) {
        for (method, path) in [
            ("POST", "/applications/{id}/actions"),
            ("GET", "/applications/{id}"),
            ("POST", "/api/v1/applications/{id}/actions"),
            ("GET", "/api/v1/applications/{id}"),
        ] {
            assert!(access(method, path).admits(Some(role), false), "{} may reach {method} {path}", role.as_str());
        }
    }
}

/// Routes are registered only by the table: the web crate's other sources add none, so a
/// route without a declared access cannot be written.
#[test]
fn no_route_is_registered_outside_the_table() {
    let sources = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut checked = 0;
    for entry in std::fs::read_dir(&sources).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|ext| ext != "rs") || path.ends_with("routes.rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        for call in [".route(", ".route_service(", ".nest(", ".nest_service(", ".merge("] {
            assert!(
                !text.contains(call),
                "{} registers a route with `{call}`: declare it in routes.rs",
                path.display()
            );
        }
        checked += 1;
    }
    assert!(checked > 5, "the sources were found");
    let table = std::fs::read_to_string(sources.join("routes.rs")).unwrap();
    assert!(table.contains(".route(") && table.contains("route_table"), "the table registers the routes");
}
