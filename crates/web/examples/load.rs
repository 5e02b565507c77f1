//! The application process under load, over HTTP, as browsers drive it (run by
//! `bench/process-load.sh`, which starts the servers; see BENCHMARKS.md).
//!
//! Setup, all over HTTP: the district centre's clerk, reviewer and supervisor (made by `jifen
//! admin create-user`) sign in with their initial passwords and change them, and take tokens
//! of the JSON API; employers sign up and the clerk verifies them; each
//! employer's HR agent signs in and imports a CSV roster of new people; each person signs in
//! with the initial password from the SMS log and changes it.
//!
//! Then `--clients` people at once each carry applications through every step, one after
//! another, until `--applications` are done or `--seconds` have passed: start, save a draft,
//! submit, returned by the employer with a comment on a field, submitted again, approved,
//! filed, and the printed form downloaded; then the centre through its JSON API (the counter
//! accepts, the reviewer requests the personnel file, records its arrival and the
//! verification, finishes the review, the supervisor grants) and the employer prints the
//! points notice. By default each move is followed by the page it
//! redirects to, and a party reads the page before its move (as a browser does: `view`);
//! `--lean` sends only the moves (the version is tracked by the client).
//!
//! It reports completed applications per second and p50/p99 per step, fails on any 5xx or
//! unexpected answer, and at the end reads the database: every acknowledged step must be in
//! the application's history. It only talks to the servers it is given (127.0.0.1).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use jifen_store::{ApplicationId, ApplicationStore, Store};
use reqwest::redirect::Policy;
use reqwest::{Client, StatusCode};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

type Failure = Box<dyn std::error::Error + Send + Sync>;
type Outcome<T> = Result<T, Failure>;

struct Options {
    bases: Vec<String>,
    sms_logs: Vec<String>,
    database: String,
    clerk: String,
    clerk_password: String,
    /// The district centre's reviewer and supervisor (initial passwords), for the steps
    /// after filing.
    reviewer_password: String,
    supervisor_password: String,
    employers: usize,
    clients: usize,
    applications: u64,
    seconds: u64,
    lean: bool,
}

fn options() -> Outcome<Options> {
    let mut o = Options {
        bases: vec![],
        sms_logs: vec![],
        database: String::new(),
        clerk: "clerk".into(),
        clerk_password: String::new(),
        reviewer_password: String::new(),
        supervisor_password: String::new(),
        employers: 4,
        clients: 32,
        applications: 2000,
        seconds: 60,
        lean: false,
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        if flag == "--lean" {
            o.lean = true;
            continue;
        }
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--base" => o.bases.push(value),
            "--sms-log" => o.sms_logs.push(value),
            "--database" => o.database = value,
            "--clerk" => o.clerk = value,
            "--clerk-password" => o.clerk_password = value,
            "--reviewer-password" => o.reviewer_password = value,
            "--supervisor-password" => o.supervisor_password = value,
            "--employers" => o.employers = value.parse()?,
            "--clients" => o.clients = value.parse()?,
            "--applications" => o.applications = value.parse()?,
            "--seconds" => o.seconds = value.parse()?,
            other => return Err(format!("unknown option {other}").into()),
        }
    }
    let passwords = [&o.clerk_password, &o.reviewer_password, &o.supervisor_password];
    if o.bases.is_empty() || o.sms_logs.is_empty() || o.database.is_empty() || passwords.iter().any(|p| p.is_empty()) {
        return Err("give --base URL (one per server), --sms-log FILE (each server's), --database PATH_OR_URL, \
                    --clerk-password, --reviewer-password and --supervisor-password"
            .into());
    }
    for base in &o.bases {
        if !base.starts_with("http://127.0.0.1:") {
            return Err(format!("{base}: the load client only talks to 127.0.0.1").into());
        }
    }
    o.employers = o.employers.clamp(1, 9);
    o.clients = o.clients.max(1);
    Ok(o)
}

fn browser() -> Client {
    Client::builder()
        .cookie_store(true)
        .redirect(Policy::none())
        .timeout(Duration::from_secs(30))
        .pool_max_idle_per_host(4)
        .build()
        .expect("an HTTP client")
}

/// The text between `before` and the next `"` in `html`.
fn attribute<'a>(html: &'a str, before: &str) -> Option<&'a str> {
    html.split(before).nth(1).and_then(|rest| rest.split('"').next())
}

fn csrf_of(html: &str) -> Outcome<String> {
    Ok(attribute(html, "name=\"csrf\" value=\"").ok_or("no CSRF field on the page")?.to_string())
}

fn version_of(html: &str) -> Outcome<i64> {
    Ok(attribute(html, "name=\"version\" value=\"").ok_or("no version field on the page")?.parse()?)
}

fn location(response: &reqwest::Response) -> String {
    response.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or("").to_string()
}

/// A valid unified social credit code in Shanghai for employer `n`.
fn credit_code(n: usize) -> String {
    let body = format!("91310115MA1K{n:05}");
    "0123456789ABCDEFGHJKLMNPQRTUWXY"
        .chars()
        .map(|check| format!("{body}{check}"))
        .find(|code| jifen_ids::CreditCode::parse(code).is_ok())
        .expect("one check character fits")
}

/// A valid resident ID number for person `n` (distinct below 252 000).
fn id_number(n: usize) -> String {
    let body = format!("31010119850{}{:02}{:03}", 1 + n / 28_000 % 9, 1 + n / 1000 % 28, n % 1000);
    "0123456789X"
        .chars()
        .map(|check| format!("{body}{check}"))
        .find(|id| jifen_ids::ResidentIdNumber::parse(id).is_ok())
        .expect("one check character fits")
}

fn mobile(n: usize) -> String {
    format!("137{n:08}")
}

/// One party's browser on one server.
#[derive(Clone)]
struct Party {
    client: Client,
    base: String,
    csrf: String,
}

impl Party {
    async fn get(&self, path: &str) -> Outcome<(StatusCode, String)> {
        let response = self.client.get(format!("{}{path}", self.base)).send().await?;
        Ok((response.status(), response.text().await?))
    }

    async fn post(&self, path: &str, form: &[(&str, &str)]) -> Outcome<reqwest::Response> {
        Ok(self.client.post(format!("{}{path}", self.base)).form(form).send().await?)
    }
}

/// Signs in (and changes the password when the first sign-in demands it); returns the party
/// with a session and its CSRF token, read from `csrf_page`.
async fn sign_in(base: &str, username: &str, password: &str, new_password: &str, csrf_page: &str) -> Outcome<Party> {
    let mut party = Party { client: browser(), base: base.to_string(), csrf: String::new() };
    let (_, page) = party.get("/login").await?;
    let csrf = csrf_of(&page)?;
    let response =
        party.post("/login", &[("username", username), ("password", password), ("csrf", csrf.as_str())]).await?;
    match (response.status(), location(&response).as_str()) {
        (StatusCode::SEE_OTHER, "/account/password") => {
            let (_, page) = party.get("/account/password").await?;
            let csrf = csrf_of(&page)?;
            let form = [("current", password), ("new", new_password), ("confirm", new_password), ("csrf", &csrf)];
            let changed = party.post("/account/password", &form).await?;
            if location(&changed) != "/home" {
                return Err(format!("{username}: the password change gave {}", changed.status()).into());
            }
        }
        (StatusCode::SEE_OTHER, _) => {}
        (status, _) => return Err(format!("{username}: sign-in gave {status}").into()),
    }
    let (_, page) = party.get(csrf_page).await?;
    party.csrf = csrf_of(&page)?;
    Ok(party)
}

/// The initial passwords in the SMS logs, by mobile.
fn initial_passwords(logs: &[String]) -> BTreeMap<String, String> {
    let mut found = BTreeMap::new();
    for log in logs {
        let Ok(text) = std::fs::read_to_string(log) else { continue };
        for line in text.lines() {
            let Ok(message) = serde_json::from_str::<serde_json::Value>(line) else { continue };
            let (Some(to), Some(body)) = (message["to"].as_str(), message["body"].as_str()) else { continue };
            if let Some(password) = body.split("初始密码：").nth(1).and_then(|rest| rest.split('。').next()) {
                found.insert(to.to_string(), password.to_string());
            }
        }
    }
    found
}

/// The district centre's staff as machines reach them: bearer tokens of the JSON API.
struct Centre {
    client: Client,
    clerk: String,
    reviewer: String,
    supervisor: String,
}

/// A bearer token for `username` from `POST /api/v1/sessions`.
async fn api_token(base: &str, username: &str, password: &str) -> Outcome<String> {
    let body = serde_json::json!({ "username": username, "password": password });
    let response = Client::new().post(format!("{base}/api/v1/sessions")).json(&body).send().await?;
    if response.status() != StatusCode::CREATED {
        return Err(format!("{username}: API sign-in gave {}", response.status()).into());
    }
    let answer: serde_json::Value = response.json().await?;
    Ok(answer["token"].as_str().ok_or("no token")?.to_string())
}

/// Everything before the measured phase; returns each client's (applicant, HR agent) and
/// the centre's staff.
async fn setup(o: &Options) -> Outcome<(Vec<(Party, Party)>, Centre)> {
    let base = |n: usize| o.bases[n % o.bases.len()].clone();
    let people = usize::try_from(o.applications)?;
    let clerk = sign_in(&base(0), &o.clerk, &o.clerk_password, "clerk load password 1", "/home").await?;
    // The reviewer and the supervisor change their initial passwords in a browser first.
    sign_in(&base(0), "reviewer", &o.reviewer_password, "reviewer load password 1", "/home").await?;
    sign_in(&base(0), "supervisor", &o.supervisor_password, "supervisor load password 1", "/home").await?;
    let centre = Centre {
        client: Client::new(),
        clerk: api_token(&base(0), &o.clerk, "clerk load password 1").await?,
        reviewer: api_token(&base(0), "reviewer", "reviewer load password 1").await?,
        supervisor: api_token(&base(0), "supervisor", "supervisor load password 1").await?,
    };
    let agent_password = "agent load password 1";
    for e in 0..o.employers {
        let party = Party { client: browser(), base: base(e), csrf: String::new() };
        let (_, page) = party.get("/employers/register").await?;
        let csrf = csrf_of(&page)?;
        let (code, username, phone) = (credit_code(e), format!("hr-load-{e}"), format!("1380000000{e}"));
        let form = [
            ("name", format!("上海负载测试{e}号有限公司")),
            ("credit_code", code),
            ("district", "pudong".into()),
            ("contact_name", "王经办".into()),
            ("contact_phone", phone),
            ("username", username.clone()),
            ("password", agent_password.into()),
            ("csrf", csrf),
        ];
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let response = party.post("/employers/register", &form).await?;
        if response.status() != StatusCode::CREATED {
            return Err(format!("employer sign-up {e}: {}", response.status()).into());
        }
    }
    let (_, home) = clerk.get("/home").await?;
    let pending: Vec<String> = home
        .split("action=\"/employers/")
        .skip(1)
        .filter_map(|rest| rest.split('/').next())
        .map(str::to_string)
        .collect();
    for id in &pending {
        let verified =
            clerk.post(&format!("/employers/{id}/decision"), &[("decision", "verify"), ("csrf", &clerk.csrf)]).await?;
        if verified.status() != StatusCode::SEE_OTHER {
            return Err(format!("verifying employer {id}: {}", verified.status()).into());
        }
    }
    // One session per employer (HR agents share it, as colleagues at one desk would).
    let mut agents = Vec::new();
    for e in 0..o.employers {
        agents.push(sign_in(&base(e + 1), &format!("hr-load-{e}"), agent_password, "", "/applicants").await?);
    }
    // Each employer imports the roster of its people.
    for (e, agent) in agents.iter().enumerate() {
        let mut csv = String::from("姓名,身份证号码,手机号码\n");
        for c in (e..people).step_by(o.employers) {
            csv.push_str(&format!("负载{c},{},{}\n", id_number(c), mobile(c)));
        }
        let form = reqwest::multipart::Form::new()
            .text("csrf", agent.csrf.clone())
            .part("roster", reqwest::multipart::Part::bytes(csv.into_bytes()).file_name("roster.csv"));
        let uploaded = agent.client.post(format!("{}/applicants/import", agent.base)).multipart(form).send().await?;
        let job = location(&uploaded);
        if !job.starts_with("/applicants/import/") {
            return Err(format!("roster import: {}", uploaded.status()).into());
        }
        let started = Instant::now();
        loop {
            let (_, page) = agent.get(&job).await?;
            if page.contains("import-summary") {
                break;
            }
            if started.elapsed() > Duration::from_secs(120) {
                return Err("the roster import did not finish in 2 minutes".into());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    // The people sign in with the SMS's password (once the outbox has sent it) and change it.
    let started = Instant::now();
    let passwords = loop {
        let found = initial_passwords(&o.sms_logs);
        if (0..people).all(|c| found.contains_key(&mobile(c))) {
            break found;
        }
        if started.elapsed() > Duration::from_secs(120) {
            return Err("the initial passwords did not all reach the SMS log in 2 minutes".into());
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let mut signed_in = Vec::new();
    let mut pending = Vec::new();
    for c in 0..people {
        let (base, id, password) = (base(c), id_number(c), passwords[&mobile(c)].clone());
        pending.push(tokio::spawn(async move {
            sign_in(&base, &id, &password, &format!("person load password {c}"), "/applications").await
        }));
        // A few at a time: each sign-in is an Argon2 check and each change an Argon2 hash.
        if pending.len() == 4 || c + 1 == people {
            for task in pending.drain(..) {
                signed_in.push(task.await??);
            }
        }
    }
    let pairs = signed_in
        .into_iter()
        .enumerate()
        .map(|(c, person)| {
            let agent = &agents[c % o.employers];
            (person, agent.clone())
        })
        .collect();
    Ok((pairs, centre))
}

/// Step timings of one client, in microseconds.
#[derive(Default)]
struct Timings {
    steps: BTreeMap<&'static str, Vec<u64>>,
    errors: Vec<String>,
    server_errors: u64,
}

/// What one application got to: its id and the moves the server acknowledged.
struct Acknowledged {
    /// `None` until the server acknowledged the application's creation.
    id: Option<ApplicationId>,
    actions: Vec<&'static str>,
}

/// An answer, its body read within the timing.
struct Answer {
    status: StatusCode,
    location: String,
    body: Vec<u8>,
}

/// One application's parties: its person (a person holds one open application) and that
/// person's employer's agent; a client carries one application after another.
struct Runner {
    person: Party,
    agent: Party,
    centre: Arc<Centre>,
    mobile: String,
    lean: bool,
    timings: Timings,
}

impl Runner {
    /// Times one request of `step`, body included; anything but `expected` is an error
    /// (5xx also counted apart).
    async fn timed(
        &mut self,
        step: &'static str,
        expected: StatusCode,
        request: impl Future<Output = reqwest::Result<reqwest::Response>>,
    ) -> Outcome<Answer> {
        let started = Instant::now();
        let response = request.await?;
        let (status, location) = (response.status(), location(&response));
        let body = response.bytes().await?.to_vec();
        let micros = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
        self.timings.steps.entry(step).or_default().push(micros);
        if status.is_server_error() {
            self.timings.server_errors += 1;
        }
        if status != expected {
            let cut: String = String::from_utf8_lossy(&body).chars().take(300).collect();
            return Err(format!("{step}: {status} (expected {expected}): {cut}").into());
        }
        Ok(Answer { status, location, body })
    }

    async fn view(&mut self, who: &Party, path: &str) -> Outcome<i64> {
        version_of(&self.page(who, path).await?)
    }

    async fn page(&mut self, who: &Party, path: &str) -> Outcome<String> {
        let request = who.client.get(format!("{}{path}", who.base)).send();
        let page = self.timed("view", StatusCode::OK, request).await?;
        Ok(String::from_utf8_lossy(&page.body).into_owned())
    }

    /// A move by the person or the agent, then (unless lean) the page it redirects to;
    /// returns the version after it (`moves`: how many changes the move makes).
    async fn step(
        &mut self,
        step: &'static str,
        by_person: bool,
        path: &str,
        form: &[(&str, &str)],
        version: i64,
        moves: i64,
    ) -> Outcome<i64> {
        let who = if by_person { self.person.clone() } else { self.agent.clone() };
        let request = who.client.post(format!("{}{path}", who.base)).form(form).send();
        let answer = self.timed(step, StatusCode::SEE_OTHER, request).await?;
        if self.lean {
            return Ok(version + moves);
        }
        // A page with nothing left to do for its reader has no version field.
        let page = self.page(&who, &answer.location).await?;
        Ok(version_of(&page).unwrap_or(version + moves))
    }

    /// A JSON API request by a member of the centre's staff, timed as `step`; its answer.
    async fn api(
        &mut self,
        step: &'static str,
        token: &str,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> Outcome<serde_json::Value> {
        let url = format!("{}/api/v1{path}", self.person.base);
        let request = match body {
            Some(body) => self.centre.client.post(url).bearer_auth(token).json(&body),
            None => self.centre.client.get(url).bearer_auth(token),
        };
        let answer = self.timed(step, StatusCode::OK, request.send()).await?;
        Ok(serde_json::from_slice(&answer.body)?)
    }

    /// A move through the centre's JSON API; the version after it.
    async fn centre_move(
        &mut self,
        step: &'static str,
        token: &str,
        id: ApplicationId,
        body: serde_json::Value,
    ) -> Outcome<i64> {
        let answer = self.api(step, token, &format!("/applications/{id}/actions"), Some(body)).await?;
        answer["version"].as_i64().ok_or_else(|| format!("{step}: no version in {answer}").into())
    }

    /// The district centre's half, through its JSON API: the counter accepts with every
    /// material marked, the reviewer requests the personnel file, records its arrival and the
    /// verification (the claim confirmed, every check passed), finishes the review, the
    /// supervisor grants; then the employer prints the points notice.
    async fn centre(&mut self, path: &str, form: &[(&str, &str)], done: &mut Acknowledged) -> Outcome<()> {
        let centre = self.centre.clone();
        let id = done.id.ok_or("no application to move")?;
        let seen = self.api("centre_view", &centre.clerk, &format!("/applications/{id}"), None).await?;
        let mut version = seen["version"].as_i64().ok_or("no version")?;
        let counter: serde_json::Map<String, serde_json::Value> = seen["checklist"]
            .as_array()
            .ok_or("no checklist")?
            .iter()
            .filter_map(|m| m["material"].as_str())
            .map(|material| (material.to_string(), serde_json::json!({ "mark": "original" })))
            .collect();
        let accept = serde_json::json!({ "action": "accept", "version": version, "counter": counter });
        version = self.centre_move("accept", &centre.clerk, id, accept).await?;
        done.actions.push("accept");
        let request = serde_json::json!({ "action": "request_file", "version": version, "comment": "浦东新区人才服务中心档案室" });
        version = self.centre_move("file_request", &centre.reviewer, id, request).await?;
        done.actions.push("request_file");
        let arrived = serde_json::json!({ "action": "file_arrived", "version": version });
        version = self.centre_move("file_arrived", &centre.reviewer, id, arrived).await?;
        done.actions.push("file_arrived");
        let in_review = self.api("centre_view", &centre.reviewer, &format!("/applications/{id}"), None).await?;
        let checks: serde_json::Map<String, serde_json::Value> = in_review["checks_needed"]
            .as_array()
            .ok_or("no checks")?
            .iter()
            .filter_map(|c| c["id"].as_str())
            .map(|check| (check.to_string(), serde_json::json!({ "result": "passed" })))
            .collect();
        let facts: serde_json::Map<String, serde_json::Value> = form
            .iter()
            .filter(|(name, _)| !matches!(*name, "csrf" | "version" | "intent"))
            .map(|(name, value)| (name.to_string(), serde_json::json!(value)))
            .collect();
        let items: serde_json::Map<String, serde_json::Value> = jifen_rules::ItemId::ALL
            .iter()
            .map(|item| (item.as_str().to_string(), serde_json::json!({ "verdict": "confirmed" })))
            .collect();
        let verification = serde_json::json!({ "action": "record_verification", "version": version,
            "verification": { "fields": facts, "items": items, "checks": checks } });
        version = self.centre_move("verify", &centre.reviewer, id, verification).await?;
        done.actions.push("record_verification");
        let finish = serde_json::json!({ "action": "finish_review", "version": version });
        version = self.centre_move("review", &centre.reviewer, id, finish).await?;
        done.actions.push("finish_review");
        let grant = serde_json::json!({ "action": "grant", "version": version });
        self.centre_move("decide", &centre.supervisor, id, grant).await?;
        done.actions.push("grant");
        let agent = self.agent.clone();
        let request = agent.client.get(format!("{}{path}/notice.pdf", agent.base)).send();
        let notice = self.timed("notice", StatusCode::OK, request).await?;
        if !notice.body.starts_with(b"%PDF") {
            return Err("notice.pdf is not a PDF".into());
        }
        Ok(())
    }

    /// One application from start to the points notice; the moves acknowledged go to `done`.
    async fn application(&mut self, n: u64, done: &mut Acknowledged) -> Outcome<()> {
        let (person, agent) = (self.person.clone(), self.agent.clone());
        let request =
            person.client.post(format!("{}/applications", person.base)).form(&[("csrf", &person.csrf)]).send();
        let started = self.timed("start", StatusCode::SEE_OTHER, request).await?;
        let path = started.location;
        done.id = Some(path.rsplit('/').next().unwrap_or("").parse()?);
        done.actions.push("create");
        let mut version = if self.lean { 1 } else { self.view(&person, &path).await? };
        let mobile = self.mobile.clone();
        let permit = format!("SH{n:010}");
        let v = version.to_string();
        let form = complete_form(&person.csrf, &v, &permit, &mobile, "save");
        self.step("draft", true, &path, &form, version, 1).await?;
        // The checklist follows the saved claim: a scan for each material it asks for, sent
        // with the form in one request as the page's upload button does.
        let page = self.page(&person, &path).await?;
        version = version_of(&page)?;
        let marker = format!("formaction=\"{path}/materials/");
        let materials: Vec<String> =
            page.split(&marker).skip(1).filter_map(|rest| rest.split('"').next()).map(str::to_string).collect();
        if let Some(first) = materials.first() {
            let v = version.to_string();
            let mut upload = reqwest::multipart::Form::new();
            for (name, value) in complete_form(&person.csrf, &v, &permit, &mobile, "save") {
                upload = upload.text(name.to_string(), value.to_string());
            }
            for material in &materials {
                let scan = reqwest::multipart::Part::bytes(format!("%PDF-1.4 scan of {material}").into_bytes())
                    .file_name(format!("{material}.pdf"));
                upload = upload.part(format!("file_{material}"), scan);
            }
            let request =
                person.client.post(format!("{}{path}/materials/{first}", person.base)).multipart(upload).send();
            self.timed("upload", StatusCode::SEE_OTHER, request).await?;
            version = self.view(&person, &path).await?;
        }
        let v = version.to_string();
        let form = complete_form(&person.csrf, &v, &permit, &mobile, "submit");
        version = self.step("submit", true, &path, &form, version, 2).await?;
        done.actions.push("submit");
        if !self.lean {
            version = self.view(&agent, &path).await?;
        }
        let v = version.to_string();
        let actions = format!("{path}/actions");
        let returned = [
            ("csrf", agent.csrf.as_str()),
            ("version", &v),
            ("action", "return"),
            ("note_permit_number", "居住证号码与证件不符"),
        ];
        version = self.step("return", false, &actions, &returned, version, 1).await?;
        done.actions.push("return");
        if !self.lean {
            version = self.view(&person, &path).await?;
        }
        let v = version.to_string();
        let permit = format!("SH{n:010}A");
        let form = complete_form(&person.csrf, &v, &permit, &mobile, "submit");
        version = self.step("resubmit", true, &path, &form, version, 2).await?;
        done.actions.push("submit");
        if !self.lean {
            version = self.view(&agent, &path).await?;
        }
        let v = version.to_string();
        let approve = [("csrf", agent.csrf.as_str()), ("version", &v), ("action", "approve")];
        version = self.step("approve", false, &actions, &approve, version, 1).await?;
        done.actions.push("approve");
        let v = version.to_string();
        let file = [("csrf", agent.csrf.as_str()), ("version", &v), ("action", "file")];
        self.step("file", false, &actions, &file, version, 1).await?;
        done.actions.push("file");
        let request = agent.client.get(format!("{}{path}/form.pdf", agent.base)).send();
        let pdf = self.timed("pdf", StatusCode::OK, request).await?;
        if !pdf.body.starts_with(b"%PDF") || pdf.status != StatusCode::OK {
            return Err("form.pdf is not a PDF".into());
        }
        self.centre(&path, &form, done).await
    }
}

fn complete_form<'a>(
    csrf: &'a str,
    version: &'a str,
    permit: &'a str,
    mobile: &'a str,
    intent: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("csrf", csrf),
        ("version", version),
        ("intent", intent),
        ("name", "张伟明"),
        ("permit_number", permit),
        ("mobile", mobile),
        ("address", "上海市浦东新区世纪大道 100 号"),
        ("post", "软件工程师"),
        ("contract_from", "2020-01-01"),
        ("edu_level", "bachelor"),
        ("edu_degree", "on"),
        ("qual", "title_intermediate"),
        ("si_from_0", "2019-01"),
        ("si_to_0", "2025-05"),
        ("si_base_0", "12000"),
        ("family_relation_0", "child"),
        ("family_name_0", "张小明"),
    ]
}

/// The quantile `permille`/1000 of sorted microseconds, in milliseconds.
fn quantile(sorted: &[u64], permille: usize) -> f64 {
    let rank = (sorted.len() * permille).div_ceil(1000).clamp(1, sorted.len().max(1));
    sorted.get(rank - 1).map_or(0.0, |micros| *micros as f64 / 1000.0)
}

/// Reads every acknowledged application back from the database: each acknowledged move
/// must be in its history, in order. Returns the problems found.
async fn check_database(database: &str, acknowledged: &[Acknowledged]) -> Outcome<Vec<String>> {
    let store = Store::open(database).await?;
    let mut problems = Vec::new();
    for (id, ack) in acknowledged.iter().filter_map(|a| Some((a.id?, a))) {
        let events: Vec<String> = store.application_events(id).await?.into_iter().map(|e| e.action).collect();
        if !events.starts_with(&ack.actions.iter().map(|a| a.to_string()).collect::<Vec<_>>()) {
            problems.push(format!("application {id}: acknowledged {:?}, stored {events:?}", ack.actions));
        }
    }
    store.close().await;
    Ok(problems)
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    match run().await {
        Ok(true) => std::process::ExitCode::SUCCESS,
        Ok(false) => std::process::ExitCode::FAILURE,
        Err(error) => {
            eprintln!("load: {error}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run() -> Outcome<bool> {
    let o = options()?;
    let setup_started = Instant::now();
    let (pairs, centre) = setup(&o).await?;
    let centre = Arc::new(centre);
    eprintln!(
        "setup: clerk, {} employers, {} people signed in over HTTP in {:.1} s",
        o.employers,
        o.applications,
        setup_started.elapsed().as_secs_f64()
    );
    let queue = Arc::new(std::sync::Mutex::new(pairs.into_iter().enumerate().rev().collect::<Vec<_>>()));
    let deadline = Instant::now() + Duration::from_secs(o.seconds);
    let started = Instant::now();
    let tasks: Vec<_> = (0..o.clients)
        .map(|_| {
            let (queue, lean, centre) = (queue.clone(), o.lean, centre.clone());
            tokio::spawn(async move {
                let mut timings = Timings::default();
                let mut acknowledged = Vec::new();
                let mut completed = 0u64;
                while Instant::now() < deadline {
                    let next = queue.lock().ok().and_then(|mut queue| queue.pop());
                    let Some((c, (person, agent))) = next else { break };
                    let mut runner = Runner { person, agent, centre: centre.clone(), mobile: mobile(c), lean, timings };
                    let mut done = Acknowledged { id: None, actions: vec![] };
                    let outcome = runner.application(u64::try_from(c).unwrap_or(0), &mut done).await;
                    timings = runner.timings;
                    acknowledged.push(done);
                    match outcome {
                        Ok(()) => completed += 1,
                        Err(error) => {
                            timings.errors.push(error.to_string());
                            break;
                        }
                    }
                }
                (completed, timings, acknowledged)
            })
        })
        .collect();
    let mut completed = 0;
    let mut steps: BTreeMap<&'static str, Vec<u64>> = BTreeMap::new();
    let mut errors = Vec::new();
    let mut server_errors = 0;
    let mut acknowledged = Vec::new();
    for task in tasks {
        let (done, timings, acks) = task.await?;
        completed += done;
        for (step, mut times) in timings.steps {
            steps.entry(step).or_default().append(&mut times);
        }
        errors.extend(timings.errors);
        server_errors += timings.server_errors;
        acknowledged.extend(acks);
    }
    let elapsed = started.elapsed().as_secs_f64();
    let requests: usize = steps.values().map(Vec::len).sum();
    println!(
        "{} server(s), {} clients{}: {completed} applications completed in {elapsed:.2} s = {:.0} applications/s          ({requests} requests, {:.0} requests/s)",
        o.bases.len(),
        o.clients,
        if o.lean { ", lean" } else { "" },
        completed as f64 / elapsed,
        requests as f64 / elapsed
    );
    println!("{:<12} {:>8} {:>9} {:>9} {:>9}", "step", "count", "p50 ms", "p99 ms", "max ms");
    let order = [
        "start",
        "draft",
        "upload",
        "submit",
        "return",
        "resubmit",
        "approve",
        "file",
        "pdf",
        "view",
        "centre_view",
        "accept",
        "file_request",
        "file_arrived",
        "verify",
        "review",
        "decide",
        "notice",
    ];
    let mut worst_p99: f64 = 0.0;
    for step in order {
        let Some(times) = steps.get_mut(step) else { continue };
        times.sort_unstable();
        let p99 = quantile(times, 990);
        worst_p99 = worst_p99.max(p99);
        println!(
            "{step:<12} {:>8} {:>9.2} {:>9.2} {:>9.2}",
            times.len(),
            quantile(times, 500),
            p99,
            quantile(times, 1000)
        );
    }
    let mut all: Vec<u64> = steps.values().flatten().copied().collect();
    all.sort_unstable();
    println!(
        "{:<12} {:>8} {:>9.2} {:>9.2} {:>9.2}",
        "all",
        all.len(),
        quantile(&all, 500),
        quantile(&all, 990),
        quantile(&all, 1000)
    );
    println!("worst step p99: {worst_p99:.2} ms; 5xx answers: {server_errors}; failed clients: {}", errors.len());
    for error in errors.iter().take(5) {
        println!("  error: {error}");
    }
    let problems = check_database(&o.database, &acknowledged).await?;
    let steps_acknowledged: usize = acknowledged.iter().map(|a| a.actions.len()).sum();
    println!(
        "database: {} applications, {steps_acknowledged} acknowledged moves read back; {} applications miss one",
        acknowledged.len(),
        problems.len()
    );
    for problem in problems.iter().take(5) {
        println!("  {problem}");
    }
    Ok(errors.is_empty() && server_errors == 0 && problems.is_empty() && completed > 0)
}
