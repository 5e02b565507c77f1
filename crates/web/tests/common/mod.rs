//! What every web test file starts from: a fresh SQLite store in a temporary directory, and
//! the server on a random port over a given store.
#![allow(clippy::unwrap_used, dead_code)]

use jifen_domain::{District, Role};
use jifen_store::prelude::*;
use jifen_store::{AuditEntry, EmployerStatus, NewUser, Store};
use reqwest::StatusCode;
use reqwest::redirect::Policy;

/// A store in a directory of its own.
pub async fn temp_sqlite() -> Store {
    let dir = jifen_store::testing::temp_dir("web-test").unwrap();
    Store::open(dir.join("jifen.sqlite").to_str().unwrap()).await.unwrap()
}

/// Serves `store` on a random local port; returns the base URL.
pub async fn serve(store: Store) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(jifen_web::serve(listener, jifen_web::AppState::new(store).unwrap()));
    base
}

pub struct App {
    pub base: String,
    pub store: Store,
}

pub async fn spawn() -> App {
    let store = temp_sqlite().await;
    App { base: serve(store.clone()).await, store }
}

/// A browser: keeps cookies, does not follow redirects (so the tests see them).
pub fn browser() -> reqwest::Client {
    reqwest::Client::builder().cookie_store(true).redirect(Policy::none()).build().unwrap()
}

pub const PASSWORD: &str = "initial pass 1";

impl App {
    pub async fn user(
        &self,
        username: &str,
        role: Role,
        district: Option<District>,
        employer_id: Option<jifen_store::EmployerId>,
        must_change: bool,
    ) {
        let user = NewUser {
            username: username.into(),
            display_name: username.into(),
            password_hash: jifen_auth::hash_password(PASSWORD).unwrap(),
            role,
            district,
            employer_id,
            must_change_password: must_change,
        };
        let audit = AuditEntry {
            at: 0,
            actor_id: None,
            action: "user_create".into(),
            subject: username.into(),
            details: serde_json::json!({}),
        };
        self.store.create_user(&user, 0, &audit).await.unwrap();
    }

    /// The hidden CSRF field of the form at `path` (loading it also sets any CSRF cookie).
    pub async fn csrf(&self, client: &reqwest::Client, path: &str) -> String {
        let html = client.get(format!("{}{path}", self.base)).send().await.unwrap().text().await.unwrap();
        html.split("name=\"csrf\" value=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .unwrap_or_default()
            .to_string()
    }

    pub async fn post(&self, client: &reqwest::Client, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        client.post(format!("{}{path}", self.base)).form(form).send().await.unwrap()
    }

    pub async fn login(&self, client: &reqwest::Client, username: &str, password: &str) -> reqwest::Response {
        let csrf = self.csrf(client, "/login").await;
        self.post(client, "/login", &[("username", username), ("password", password), ("csrf", &csrf)]).await
    }

    pub async fn signed_in(&self, username: &str) -> reqwest::Client {
        let client = browser();
        let response = self.login(&client, username, PASSWORD).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{username} signs in");
        client
    }

    /// A bearer token for the JSON API, from `POST /api/v1/sessions`.
    pub async fn api_token(&self, username: &str, password: &str) -> String {
        let response = reqwest::Client::new()
            .post(format!("{}/api/v1/sessions", self.base))
            .json(&serde_json::json!({ "username": username, "password": password }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::CREATED, "{username} signs in to the API");
        let body: serde_json::Value = response.json().await.unwrap();
        body["token"].as_str().unwrap().to_string()
    }

    pub async fn register_employer(&self, code: &str, district: &str, agent: &str) -> reqwest::Response {
        let client = browser();
        let csrf = self.csrf(&client, "/employers/register").await;
        let form = [
            ("name", "上海示例科技有限公司"),
            ("credit_code", code),
            ("district", district),
            ("contact_name", "张三"),
            ("contact_phone", "13800000000"),
            ("username", agent),
            ("password", PASSWORD),
            ("csrf", &csrf),
        ];
        self.post(&client, "/employers/register", &form).await
    }
}

/// The session token a sign-in response sets in its cookie.
pub fn session_cookie(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix("jifen_session=")?.split(';').next().map(str::to_string))
        .filter(|token| !token.is_empty())
}

pub fn location(response: &reqwest::Response) -> &str {
    response.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or("")
}

/// A verified employer in Pudong and its signed-in HR agent.
pub async fn employer(app: &App, code: &str, agent: &str) -> reqwest::Client {
    assert_eq!(app.register_employer(code, "pudong", agent).await.status(), StatusCode::CREATED);
    let user = app.store.user_by_username(agent).await.unwrap().unwrap();
    let clerk = app.store.user_by_username("clerk").await.unwrap().unwrap();
    app.store
        .decide_employer(user.employer_id.unwrap(), EmployerStatus::Verified, clerk.id, 0, &setup_audit())
        .await
        .unwrap();
    app.signed_in(agent).await
}

pub fn setup_audit() -> jifen_store::AuditEntry {
    jifen_store::AuditEntry {
        at: 0,
        actor_id: None,
        action: "setup".into(),
        subject: "setup".into(),
        details: serde_json::json!({}),
    }
}

/// The initial password from the SMS the applicant received.
pub async fn password_from_sms(app: &App, mobile: &str) -> String {
    let messages = app.store.messages_to(mobile).await.unwrap();
    let text = &messages.first().expect("an SMS with the initial password").body;
    text.split("初始密码：")
        .nth(1)
        .and_then(|rest| rest.split('。').next())
        .expect("the password in the SMS")
        .to_string()
}

/// Runs `check` against a server over a fresh PostgreSQL database, dropped afterwards.
pub async fn on_postgres(label: &str, check: impl AsyncFnOnce(&App)) {
    let database = jifen_store::testing::TestDatabase::create(label).await.expect("PostgreSQL must be reachable");
    let store = Store::open(&database.url).await.unwrap();
    let app = App { base: serve(store.clone()).await, store };
    check(&app).await;
    app.store.close().await;
    database.drop_database().await.unwrap();
}

/// The applicant signs in with the initial password and changes it, as the first sign-in demands.
pub async fn first_sign_in(app: &App, id_number: &str, mobile: &str) -> reqwest::Client {
    let initial = password_from_sms(app, mobile).await;
    let client = browser();
    let response = app.login(&client, id_number, &initial).await;
    assert_eq!(location(&response), "/account/password", "first sign-in forces a password change");
    let csrf = app.csrf(&client, "/account/password").await;
    let new = "my own password 9";
    let changed = app
        .post(&client, "/account/password", &[("current", &initial), ("new", new), ("confirm", new), ("csrf", &csrf)])
        .await;
    assert_eq!(location(&changed), "/home");
    client
}

/// An applicant (张伟明) registered by `hr`, signed in, with an application started: the
/// client, the application's id and the session's CSRF token.
pub async fn applicant_with_application(
    app: &App,
    hr: &reqwest::Client,
) -> (reqwest::Client, jifen_store::ApplicationId, String) {
    let (id_number, mobile) = ("310101199005120016", "13900000009");
    let csrf = app.csrf(hr, "/applicants").await;
    let created = app
        .post(hr, "/applicants", &[("name", "张伟明"), ("id_number", id_number), ("mobile", mobile), ("csrf", &csrf)])
        .await;
    assert_eq!(location(&created), "/applicants?done=created");
    let applicant = first_sign_in(app, id_number, mobile).await;
    let csrf = app.csrf(&applicant, "/applications").await;
    let started = app.post(&applicant, "/applications", &[("csrf", &csrf)]).await;
    let id = location(&started).rsplit('/').next().unwrap().parse().unwrap();
    (applicant, id, csrf)
}

/// The hidden `version` field of an application's page.
pub fn version_on(html: &str) -> String {
    html.split("name=\"version\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_default()
        .to_string()
}

/// A multipart form as the application page sends it when a file is uploaded from it: the
/// form's fields and the file chosen for `material`.
pub fn form_with_file(
    fields: &[(&str, &str)],
    material: &str,
    name: &str,
    bytes: &'static [u8],
) -> reqwest::multipart::Form {
    fields
        .iter()
        .fold(reqwest::multipart::Form::new(), |form, (key, value)| form.text(key.to_string(), value.to_string()))
        .part(format!("file_{material}"), reqwest::multipart::Part::bytes(bytes).file_name(name.to_string()))
}
