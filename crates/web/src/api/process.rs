//! The application process in the JSON API, for other systems: signing in for a bearer
//! token, the district centre's queue, an application's state with its verification and
//! documents, and the moves of the workflow (the centre's and everyone else's).
//!
//! Who may call what is the route table's (`routes.rs`, the same roles as the pages); which
//! application and which move is the service's, exactly as for the pages: the handlers here
//! read JSON, call `jifen_applications`, and write JSON. The session is the bearer token's
//! only, never the cookie's (see [`crate::session::bearer`]), so no CSRF token is needed.

use crate::AppState;
use crate::api::{ApiQuery, ErrorBody, body};
use crate::error::ApiError;
use crate::lang::Chosen;
use crate::session::{SignedIn, client_address};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{ConnectInfo, Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use jifen_applications::{
    Actor, ApplicationView, Credentials, MoveInput, QueueFilter, ServiceError, Verification, VerificationInput,
};
use jifen_domain::clock::shanghai_datetime;
use jifen_domain::form::Fields;
use jifen_domain::workflow::DocumentKind;
use jifen_domain::workflow::StateId;
use jifen_rules::Lang;
use jifen_store::ApplicationId;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use utoipa::ToSchema;

/// The signed-in caller of an API route: the user the route's guard found for the bearer
/// token. Every API route that is not public has the guard, so it is always there; without
/// it the caller is treated as not signed in, never looked up from a cookie.
pub struct Caller(pub SignedIn);

impl axum::extract::FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, _: &AppState) -> Result<Self, Self::Rejection> {
        let lang = crate::lang::choose(parts.uri.query(), &parts.headers).lang;
        parts.extensions.get::<SignedIn>().cloned().map(Caller).ok_or_else(|| sign_in_required(lang))
    }
}

impl Caller {
    fn actor(&self) -> Actor {
        Actor::from(&self.0.user)
    }
}

/// 401: no bearer token, or not one of a live session.
pub fn sign_in_required(lang: Lang) -> ApiError {
    let message = match lang {
        Lang::Zh => "请先登录：在 Authorization 头中携带 POST /api/v1/sessions 返回的令牌（Bearer）",
        Lang::En => "Sign in first: send Authorization: Bearer <token>, the token from POST /api/v1/sessions",
    };
    ApiError::new(StatusCode::UNAUTHORIZED, "sign_in_required", message)
}

/// 403: the session's account must change its initial password first (in a browser).
pub fn password_change_required(lang: Lang) -> ApiError {
    let message = match lang {
        Lang::Zh => "该账号须先在浏览器中修改初始密码",
        Lang::En => "This account must change its initial password first, in a browser",
    };
    ApiError::new(StatusCode::FORBIDDEN, "password_change_required", message)
}

/// A refusal of the application process as an error document, with the status the pages
/// answer it with (`respond::service_status`); an outage is a 503, a bug a logged 500.
pub fn service_refusal(lang: Lang, error: &ServiceError) -> ApiError {
    if let ServiceError::Store(store) = error
        && let Some(kind) = store.fault()
    {
        crate::metrics::count_database_error(kind);
        if store.is_outage() {
            tracing::warn!(%error, "database unavailable");
            let message = match lang {
                Lang::Zh => "服务暂时无法保存或读取数据，本次操作未保存，请稍后重试",
                Lang::En => "The service cannot save or read data right now; nothing was saved. Try again shortly",
            };
            return ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", message);
        }
    }
    if error.is_internal() {
        tracing::error!(%error, "request failed");
        return ApiError::internal(lang);
    }
    let status = crate::respond::service_status(error);
    match error {
        ServiceError::Invalid(problems) => {
            let message = problems.iter().map(|p| p.message(lang)).collect::<Vec<_>>().join("; ");
            ApiError {
                path: problems.first().map(|p| p.field.clone()).unwrap_or_default(),
                ..ApiError::new(status, error.code(), message)
            }
        }
        _ => ApiError::new(status, error.code(), error.message(lang)),
    }
}

/// A request body read as `T`: 400 when it is not JSON, 422 when it is JSON of another shape.
fn json_body<T: serde::de::DeserializeOwned>(bytes: Result<Bytes, BytesRejection>, lang: Lang) -> Result<T, ApiError> {
    let bytes = body(bytes, lang)?;
    serde_json::from_slice(&bytes).map_err(|e| {
        use serde_json::error::Category;
        match e.classify() {
            Category::Data => ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_request", e.to_string()),
            _ => ApiError::new(StatusCode::BAD_REQUEST, "malformed_json", e.to_string()),
        }
    })
}

/// A time as the API writes it: ISO 8601 in Shanghai time, with its offset.
fn shanghai_iso(millis: i64) -> String {
    shanghai_datetime(millis).format("%Y-%m-%dT%H:%M:%S+08:00").to_string()
}

/// An application's number in a path: a number, or no such application.
fn path_id(text: &str, lang: Lang) -> Result<ApplicationId, ApiError> {
    text.parse().map_err(|_| service_refusal(lang, &ServiceError::NotFound))
}

// ---- sessions ------------------------------------------------------------------------------

/// `POST /sessions`: a username and password.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SessionRequest {
    /// The account's username (an applicant's is their resident ID number).
    #[schema(example = "clerk-pudong")]
    pub username: String,
    #[schema(example = "a long password 1")]
    pub password: String,
}

/// A new session for another system.
#[derive(Serialize, ToSchema)]
pub struct SessionCreated {
    /// Send it as `Authorization: Bearer <token>` with every request that needs a session.
    pub token: String,
    /// When the session ends (ISO 8601, Shanghai time): sign in again after it.
    pub expires_at: String,
    /// The account's role: applicant, hr_agent, clerk, reviewer, supervisor or admin.
    #[schema(example = "clerk")]
    pub role: String,
}

const SESSION_ERRORS: &str = "Not JSON (malformed_json).";

/// `POST /api/v1/sessions`.
#[utoipa::path(
    post,
    path = "/sessions",
    operation_id = "create_session",
    tag = "sessions",
    summary = "Sign in as another system: a bearer token for the API (same throttling and audit as the sign-in page)",
    params(("lang" = Option<Lang>, Query, description = "The language of messages: zh or en.")),
    request_body(
        content = SessionRequest,
        content_type = "application/json",
        example = json!({"username": "clerk-pudong", "password": "a long password 1"}),
    ),
    responses(
        (status = 201, description = "Signed in.", body = SessionCreated, content_type = "application/json"),
        (status = 400, description = SESSION_ERRORS, body = ErrorBody, content_type = "application/json"),
        (status = 401, description = "Wrong username or password (sign_in_failed).", body = ErrorBody, content_type = "application/json"),
        (status = 403, description = "The account must change its initial password in a browser first (password_change_required), or its employer is not verified yet (employer_not_verified).", body = ErrorBody, content_type = "application/json"),
        (status = 413, description = "The body is larger than 64 KiB (body_too_large).", body = ErrorBody, content_type = "application/json"),
        (status = 422, description = "JSON of another shape (invalid_request).", body = ErrorBody, content_type = "application/json"),
        (status = 429, description = "Too many attempts; wait 15 minutes (too_many_attempts).", body = ErrorBody, content_type = "application/json"),
        (status = 503, description = "The database is out of service; try again shortly (unavailable).", body = ErrorBody, content_type = "application/json"),
    )
)]
pub async fn create_session(
    State(state): State<AppState>,
    chosen: Chosen,
    RawQuery(raw): RawQuery,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    bytes: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let lang = ApiQuery::parse(raw.as_deref(), chosen.lang)?.lang(chosen)?;
    let request: SessionRequest = json_body(bytes, lang)?;
    let credentials = Credentials {
        username: &request.username,
        password: request.password,
        source: client_address(peer.ip(), &headers, &state.trusted_proxies),
        device_token: None,
    };
    match state.service.sign_in_machine(credentials).await {
        Ok(session) => {
            let created = SessionCreated {
                token: session.token,
                expires_at: shanghai_iso(session.expires_at),
                role: session.user.role.as_str().to_string(),
            };
            Ok((StatusCode::CREATED, axum::Json(created)).into_response())
        }
        Err(error) if error.is_internal() => Err(service_refusal(lang, &error)),
        Err(error) => {
            let status = crate::respond::service_status(&error);
            Err(ApiError::new(status, error.code(), error.message(lang)))
        }
    }
}

/// `DELETE /api/v1/sessions/current`.
#[utoipa::path(
    delete,
    path = "/sessions/current",
    operation_id = "delete_session",
    tag = "sessions",
    summary = "Sign out: the bearer token's session ends",
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Signed out."),
        (status = 401, description = "No bearer token, or not a live one (sign_in_required).", body = ErrorBody, content_type = "application/json"),
        (status = 503, description = "The database is out of service (unavailable).", body = ErrorBody, content_type = "application/json"),
    )
)]
pub async fn delete_session(
    State(state): State<AppState>,
    chosen: Chosen,
    caller: Caller,
) -> Result<Response, ApiError> {
    let signed = &caller.0;
    state.service.sign_out(signed.user.id, &signed.session).await.map_err(|e| service_refusal(chosen.lang, &e))?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

// ---- the centre's queue --------------------------------------------------------------------

/// One application in the centre's queue.
#[derive(Serialize, ToSchema)]
pub struct QueueEntry {
    /// The application's number.
    #[schema(value_type = i64)]
    pub id: ApplicationId,
    pub applicant_name: String,
    /// Masked: `310***********0016`.
    pub id_number: String,
    pub employer: String,
    /// The workflow state's id.
    pub state: String,
    /// The state's title in the request's language.
    pub state_title: String,
    /// When the application entered its state (ISO 8601, Shanghai time).
    pub since: String,
    /// When its step falls due (a date), if the state keeps a clock.
    #[schema(format = "date")]
    pub due: Option<String>,
    /// The due date has passed.
    pub overdue: bool,
    /// The due date is the employer's correction deadline (the centre's clock is stopped).
    pub employer_deadline: bool,
    /// The member of staff who holds the current step, if anyone does.
    pub held_by: Option<String>,
}

/// `GET /centre/queue`.
#[derive(Serialize, ToSchema)]
pub struct Queue {
    /// The oldest first, by when each entered its state.
    pub applications: Vec<QueueEntry>,
}

/// A `true`/`false` query parameter (absent or empty: false).
fn true_or_false(query: &ApiQuery, name: &str, lang: Lang) -> Result<bool, ApiError> {
    match query.get(name) {
        None | Some("" | "false") => Ok(false),
        Some("true") => Ok(true),
        Some(other) => Err(crate::api::invalid_query(
            name,
            lang,
            &format!("{name} 参数无效：\"{other}\"；可选 true 或 false"),
            &format!("unknown {name} \"{other}\"; expected true or false"),
        )),
    }
}

/// `GET /api/v1/centre/queue`.
#[utoipa::path(
    get,
    path = "/centre/queue",
    operation_id = "centre_queue",
    tag = "centre",
    summary = "The district centre's queue: its applications still open at the centre, the oldest first, with due dates (district staff only)",
    security(("bearer" = [])),
    params(
        ("state" = Option<String>, Query, description = "One state only (a state at the centre; anything else is refused with 400 invalid_query). Without it, every state still open at the centre. A final state (granted, refused, not_accepted, appeal_upheld) lists its latest 200, newest first; q reaches the older ones."),
        ("q" = Option<String>, Query, description = "A name, or a whole or partial ID number (searches are audited); a NUL or control character in it is refused with 400 invalid_query."),
        ("overdue" = Option<String>, Query, description = "true: overdue applications only."),
        ("mine" = Option<String>, Query, description = "true: only those the caller holds."),
        ("lang" = Option<Lang>, Query, description = "The language of titles and messages: zh or en."),
    ),
    responses(
        (status = 200, description = "The queue.", body = Queue, content_type = "application/json"),
        (status = 400, description = "A query parameter is wrong; path names it (invalid_query).", body = ErrorBody, content_type = "application/json"),
        (status = 401, description = "No bearer token, or not a live one (sign_in_required).", body = ErrorBody, content_type = "application/json"),
        (status = 403, description = "Not district staff (forbidden), or an initial password to change (password_change_required).", body = ErrorBody, content_type = "application/json"),
        (status = 503, description = "The database is out of service (unavailable).", body = ErrorBody, content_type = "application/json"),
    )
)]
pub async fn centre_queue(
    State(state): State<AppState>,
    chosen: Chosen,
    caller: Caller,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let query = ApiQuery::parse(raw.as_deref(), chosen.lang)?;
    let lang = query.lang(chosen)?;
    let wanted_state = query.get("state").filter(|s| !s.is_empty()).map(str::to_string);
    if let Some(wanted) = &wanted_state
        && !state.workflow.states.iter().any(|s| s.centre && s.id == *wanted)
    {
        return Err(crate::api::invalid_query(
            "state",
            lang,
            &format!("state 参数无效：\"{wanted}\" 不是中心办理中的状态"),
            &format!("unknown state \"{wanted}\": not a state at the centre"),
        ));
    }
    let overdue_only = true_or_false(&query, "overdue", lang)?;
    let mine_only = true_or_false(&query, "mine", lang)?;
    if let Err(problem) =
        jifen_domain::text::check("q", query.get("q").unwrap_or_default(), jifen_domain::text::MAX_FIELD_CHARS)
    {
        return Err(crate::api::invalid_query("q", lang, problem.message(Lang::Zh), problem.message(Lang::En)));
    }
    let filter = QueueFilter {
        state: wanted_state,
        search: query.get("q").map(str::to_string).filter(|q| !q.trim().is_empty()),
        overdue_only,
        mine_only,
    };
    let rows = state.service.centre_queue(&caller.actor(), &filter).await.map_err(|e| service_refusal(lang, &e))?;
    let applications = rows
        .into_iter()
        .map(|row| QueueEntry {
            state_title: state.workflow.state_title(&row.listing.state, lang).unwrap_or(&row.listing.state).to_string(),
            id: row.listing.id,
            applicant_name: row.listing.applicant_name,
            id_number: row.listing.applicant_id_number,
            employer: row.listing.employer_name,
            state: row.listing.state.to_string(),
            since: shanghai_iso(row.listing.state_since),
            due: row.due.map(|d| d.date.to_string()),
            overdue: row.due.is_some_and(|d| d.overdue),
            employer_deadline: row.due.is_some_and(|d| d.employer_deadline),
            held_by: row.holder,
        })
        .collect();
    Ok(axum::Json(Queue { applications }).into_response())
}

// ---- an application ------------------------------------------------------------------------

/// A move the caller may make now.
#[derive(Serialize, ToSchema)]
pub struct AvailableAction {
    /// What to send as `action`.
    pub id: String,
    pub title: String,
    /// A comment is required (for `request_file`: where the personnel file is held).
    pub requires_comment: bool,
    /// The move carries the counter's marks of every material on the checklist (`counter`).
    pub counter: bool,
    /// The move carries the reviewer's verification (`verification`).
    pub records_verification: bool,
}

/// A material the application needs, and where it stands.
#[derive(Serialize, ToSchema)]
pub struct ChecklistEntry {
    /// The material's id: the key of `counter` in a counter move.
    pub material: String,
    pub title: String,
    /// uploaded, missing, not_needed_yet or at_counter.
    pub status: String,
}

/// A check the reviewer records (the key of `verification.checks`).
#[derive(Serialize, ToSchema)]
pub struct CheckNeeded {
    pub id: String,
    pub title: String,
}

/// The reviewer's verdict on one claimed item.
#[derive(Serialize, ToSchema)]
pub struct ItemVerdictDoc {
    pub item: String,
    pub corrected: bool,
    /// The correction reason's id; empty when confirmed.
    pub reason: String,
    pub note: String,
    pub claimed_points: i64,
    pub verified_points: i64,
}

/// A verification check as recorded.
#[derive(Serialize, ToSchema)]
pub struct CheckRecordDoc {
    pub check: String,
    pub passed: bool,
    pub note: String,
    /// The day it was recorded.
    #[schema(format = "date")]
    pub on: String,
}

/// The centre's verification: the engine's score of the verified facts, on the claim's date.
#[derive(Serialize, ToSchema)]
pub struct VerificationDoc {
    #[schema(format = "date")]
    pub as_of: String,
    /// The verified total.
    pub total: i64,
    pub reaches_standard: bool,
    pub items: Vec<ItemVerdictDoc>,
    pub checks: Vec<CheckRecordDoc>,
    /// The verified facts, in the form's fields (district staff only; empty for others).
    pub fields: BTreeMap<String, String>,
}

/// An official document the application was issued.
#[derive(Serialize, ToSchema)]
pub struct DocumentDoc {
    /// receipt, correction or transfer.
    pub kind: String,
    pub title: String,
    /// The PDF, with the same bearer token.
    pub url: String,
}

/// One move in the application's history.
#[derive(Serialize, ToSchema)]
pub struct HistoryEvent {
    /// ISO 8601, Shanghai time.
    pub at: String,
    pub action: String,
    pub from_state: Option<String>,
    pub to_state: String,
    /// Who made it.
    pub by: Option<String>,
    pub comment: String,
}

/// An application as its caller may see it.
#[derive(Serialize, ToSchema)]
pub struct ApplicationDoc {
    /// The application's number.
    #[schema(value_type = i64)]
    pub id: ApplicationId,
    pub state: String,
    pub state_title: String,
    /// Whose move it is: applicant, hr_agent, clerk, reviewer or supervisor.
    pub waiting_for: String,
    /// Still in progress (its state is not final).
    pub open: bool,
    /// When the current step falls due (a date), if the state keeps a clock.
    #[schema(format = "date")]
    pub due: Option<String>,
    pub overdue: bool,
    /// `due` is the employer's correction deadline.
    pub employer_deadline: bool,
    /// Send it with a move: a move made on an older version is refused with 409.
    pub version: i64,
    pub district: String,
    pub applicant_name: String,
    pub employer: String,
    /// The engine's total of the claim.
    pub claimed_total: Option<i64>,
    /// The moves the caller may make now.
    pub actions: Vec<AvailableAction>,
    pub checklist: Vec<ChecklistEntry>,
    /// The checks a verification records (only when the caller may record one).
    pub checks_needed: Vec<CheckNeeded>,
    /// The current verification: shown to district staff, and to everyone once decided.
    pub verification: Option<VerificationDoc>,
    pub documents: Vec<DocumentDoc>,
    /// Who holds the current step at the centre, if anyone does.
    pub held_by: Option<String>,
    /// The points notice its grant issued: serial and last valid day.
    pub notice: Option<NoticeDoc>,
    pub history: Vec<HistoryEvent>,
}

/// A points notice as the application's document shows it.
#[derive(Serialize, ToSchema)]
pub struct NoticeDoc {
    pub serial: String,
    pub total: i64,
    #[schema(format = "date")]
    pub valid_until: String,
}

const NOT_FOUND: &str = "No such application, or none the caller may see: the two are not told apart (not_found).";
const UNAUTHORIZED: &str = "No bearer token, or not a live one (sign_in_required).";
const FORBIDDEN_ROLE: &str =
    "The caller's role may not do this (forbidden), or an initial password to change (password_change_required).";
const UNAVAILABLE: &str = "The database is out of service; nothing was saved, try again shortly (unavailable).";

/// `GET /api/v1/applications/{id}`.
#[utoipa::path(
    get,
    path = "/applications/{id}",
    operation_id = "application",
    tag = "applications",
    summary = "An application: its state, whose move and by when, the moves the caller may make, the verification, the documents and the history",
    security(("bearer" = [])),
    params(
        ("id" = i64, Path, description = "The application's number."),
        ("lang" = Option<Lang>, Query, description = "The language of titles and messages: zh or en."),
    ),
    responses(
        (status = 200, description = "The application.", body = ApplicationDoc, content_type = "application/json"),
        (status = 400, description = "A query parameter is wrong (invalid_query).", body = ErrorBody, content_type = "application/json"),
        (status = 401, description = UNAUTHORIZED, body = ErrorBody, content_type = "application/json"),
        (status = 403, description = FORBIDDEN_ROLE, body = ErrorBody, content_type = "application/json"),
        (status = 404, description = NOT_FOUND, body = ErrorBody, content_type = "application/json"),
        (status = 503, description = UNAVAILABLE, body = ErrorBody, content_type = "application/json"),
    )
)]
pub async fn application(
    State(state): State<AppState>,
    chosen: Chosen,
    caller: Caller,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let lang = ApiQuery::parse(raw.as_deref(), chosen.lang)?.lang(chosen)?;
    let id = path_id(&id, lang)?;
    let view = state.service.view(&caller.actor(), id).await.map_err(|e| service_refusal(lang, &e))?;
    Ok(axum::Json(application_doc(&state, &view, &caller.0, lang)).into_response())
}

fn application_doc(state: &AppState, view: &ApplicationView, signed: &SignedIn, lang: Lang) -> ApplicationDoc {
    let service = &state.service;
    let application = &view.application;
    let current = state.workflow.state(&application.state);
    let staff = signed.user.role.is_district_staff();
    let decided = current.is_some_and(|s| s.is_final);
    let checks_needed = match view.actions.iter().any(|a| a.records_verification) {
        true => service
            .checks_needed(application, &view.applicant.id_number)
            .into_iter()
            .map(|check| CheckNeeded { id: check.id.clone(), title: check.title.get(lang).to_string() })
            .collect(),
        false => Vec::new(),
    };
    ApplicationDoc {
        id: application.id,
        state: application.state.to_string(),
        state_title: state.workflow.state_title(&application.state, lang).unwrap_or(&application.state).to_string(),
        waiting_for: current.map_or("", |s| s.waiting_for.as_str()).to_string(),
        open: application.open,
        due: view.due.map(|d| d.date.to_string()),
        overdue: view.due.is_some_and(|d| d.overdue),
        employer_deadline: view.due.is_some_and(|d| d.employer_deadline),
        version: application.version,
        district: application.district.as_str().to_string(),
        applicant_name: view.applicant.name.clone(),
        employer: view.employer.name.clone(),
        claimed_total: application.claimed_total,
        actions: view
            .actions
            .iter()
            .map(|action| AvailableAction {
                id: action.id.clone(),
                title: action.title.get(lang).to_string(),
                requires_comment: action.requires_comment,
                counter: action.counter.is_some(),
                records_verification: action.records_verification,
            })
            .collect(),
        checklist: view
            .checklist
            .iter()
            .map(|(material, status)| ChecklistEntry {
                material: material.id.clone(),
                title: material.title.get(lang).to_string(),
                status: status.as_str().to_string(),
            })
            .collect(),
        checks_needed,
        verification: view
            .verification
            .as_ref()
            .filter(|_| staff || decided)
            .map(|verification| verification_doc(verification, staff)),
        documents: view
            .documents
            .iter()
            .map(|kind| DocumentDoc {
                kind: kind.as_str().to_string(),
                title: kind.title(lang).to_string(),
                url: format!(
                    "{}/applications/{}/documents/{}",
                    crate::routes::API_PREFIX,
                    application.id,
                    kind.as_str()
                ),
            })
            .collect(),
        held_by: view.holder.clone(),
        notice: view.notice.as_ref().map(|notice| NoticeDoc {
            serial: notice.serial.clone(),
            total: notice.total,
            valid_until: notice.valid_until.clone(),
        }),
        history: view
            .events
            .iter()
            .map(|event| HistoryEvent {
                at: shanghai_iso(event.at),
                action: event.action.clone(),
                from_state: event.from_state.as_ref().map(StateId::to_string),
                to_state: event.to_state.to_string(),
                by: event.actor_name.clone(),
                comment: event.comment.clone(),
            })
            .collect(),
    }
}

fn verification_doc(verification: &Verification, staff: bool) -> VerificationDoc {
    VerificationDoc {
        as_of: verification.as_of.clone(),
        total: verification.total,
        reaches_standard: verification.reaches_standard,
        items: verification
            .items
            .iter()
            .map(|v| ItemVerdictDoc {
                item: v.item.clone(),
                corrected: v.corrected,
                reason: v.reason.clone(),
                note: v.note.clone(),
                claimed_points: v.claimed_points,
                verified_points: v.verified_points,
            })
            .collect(),
        checks: verification
            .checks
            .iter()
            .map(|c| CheckRecordDoc {
                check: c.check.clone(),
                passed: c.passed,
                note: c.note.clone(),
                on: c.on.clone(),
            })
            .collect(),
        fields: match staff {
            true => verification.fields.iter().map(|(name, value)| (name.to_string(), value.to_string())).collect(),
            false => BTreeMap::new(),
        },
    }
}

// ---- moves ---------------------------------------------------------------------------------

/// What the counter found of one material.
#[derive(Deserialize, ToSchema, Clone, Copy)]
#[serde(rename_all = "snake_case")]
pub enum Mark {
    Original,
    Copy,
    Missing,
    Defective,
}

impl Mark {
    fn word(self) -> &'static str {
        match self {
            Self::Original => "original",
            Self::Copy => "copy",
            Self::Missing => "missing",
            Self::Defective => "defective",
        }
    }
}

/// The counter's mark of one material.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CounterEntry {
    pub mark: Mark,
    /// Why it is defective (required then), or a remark.
    #[serde(default)]
    pub reason: String,
}

#[derive(Deserialize, ToSchema, Clone, Copy)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The claimed points stand.
    Confirmed,
    /// The verified facts score differently; `reason` says why.
    Corrected,
}

/// The reviewer's verdict on one claimed item.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ItemEntry {
    pub verdict: Verdict,
    /// The correction reason's id (data/verification.toml), required when corrected.
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub note: String,
}

#[derive(Deserialize, ToSchema, Clone, Copy)]
#[serde(rename_all = "snake_case")]
pub enum CheckResult {
    Passed,
    /// Failed: `note` says what was found.
    Failed,
}

/// The result of one check.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckEntry {
    pub result: CheckResult,
    #[serde(default)]
    pub note: String,
}

/// The reviewer's verification: the verified facts (the form's fields, with what only the
/// reviewer records, such as `si_backpaid_1` = `on`), a verdict per claimed item and a result
/// per check. Facts are corrected, never points: the engine scores the facts.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerificationRequest {
    #[serde(default)]
    pub fields: BTreeMap<String, String>,
    #[serde(default)]
    pub items: BTreeMap<String, ItemEntry>,
    #[serde(default)]
    pub checks: BTreeMap<String, CheckEntry>,
}

/// A move.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActionRequest {
    /// The action's id (one of the application's `actions`).
    #[schema(example = "accept")]
    pub action: String,
    /// The version the move is made on (the application's `version`).
    #[schema(minimum = 1)]
    pub version: i64,
    /// The comment: required to refuse or send back, and for `request_file` where the
    /// personnel file is held.
    #[serde(default)]
    pub comment: String,
    /// The employer's comments on a returned form, by form field.
    #[serde(default)]
    pub field_comments: BTreeMap<String, String>,
    /// The counter's marks, by material id (accept and ask_correction: every material of the
    /// checklist).
    #[serde(default)]
    pub counter: BTreeMap<String, CounterEntry>,
    /// The reviewer's verification (record_verification).
    #[serde(default)]
    pub verification: Option<VerificationRequest>,
}

impl ActionRequest {
    fn move_input(self) -> MoveInput {
        MoveInput {
            comment: self.comment,
            field_comments: self.field_comments,
            counter: self.counter.into_iter().map(|(m, entry)| (m, (entry.mark.word().into(), entry.reason))).collect(),
            verification: self.verification.map(|v| VerificationInput {
                fields: Fields::new(v.fields.into_iter().collect()),
                items: v
                    .items
                    .into_iter()
                    .map(|(item, entry)| {
                        let verdict = match entry.verdict {
                            Verdict::Confirmed => "confirmed",
                            Verdict::Corrected => "corrected",
                        };
                        (item, (verdict.to_string(), entry.reason, entry.note))
                    })
                    .collect(),
                checks: v
                    .checks
                    .into_iter()
                    .map(|(check, entry)| {
                        let result = match entry.result {
                            CheckResult::Passed => "passed",
                            CheckResult::Failed => "failed",
                        };
                        (check, (result.to_string(), entry.note))
                    })
                    .collect(),
            }),
        }
    }
}

/// Where a move left the application.
#[derive(Serialize, ToSchema)]
pub struct Moved {
    /// The application's number.
    #[schema(value_type = i64)]
    pub id: ApplicationId,
    pub state: String,
    pub state_title: String,
    /// The new version, for the next move.
    pub version: i64,
    pub open: bool,
}

/// `POST /api/v1/applications/{id}/actions`.
#[utoipa::path(
    post,
    path = "/applications/{id}/actions",
    operation_id = "application_action",
    tag = "applications",
    summary = "Make a move: the workflow's action with what it carries (the counter's marks, the reviewer's verification, a comment)",
    security(("bearer" = [])),
    params(
        ("id" = i64, Path, description = "The application's number."),
        ("lang" = Option<Lang>, Query, description = "The language of messages: zh or en."),
    ),
    request_body(
        content = ActionRequest,
        content_type = "application/json",
        example = json!({"action": "ask_correction", "version": 7,
            "counter": {"labour_contract": {"mark": "defective", "reason": "缺少第 3 页"}, "id_card": {"mark": "original"}}}),
    ),
    responses(
        (status = 200, description = "Moved.", body = Moved, content_type = "application/json"),
        (status = 400, description = "Not JSON (malformed_json), or a query parameter is wrong (invalid_query).", body = ErrorBody, content_type = "application/json"),
        (status = 401, description = UNAUTHORIZED, body = ErrorBody, content_type = "application/json"),
        (status = 403, description = "The caller's role may not make this move (forbidden), or an initial password to change (password_change_required).", body = ErrorBody, content_type = "application/json"),
        (status = 404, description = "No such application or action, or none the caller may see (not_found).", body = ErrorBody, content_type = "application/json"),
        (status = 409, description = "Not possible now: the application changed since `version` (changed_meanwhile), the move is not one of this state (wrong_state), or what the move carries does not hold (comment_required, counter_incomplete, materials_incomplete, materials_complete, reason_required, verification_missing, correction_unexplained, verdict_missing, check_missing, note_required, four_eyes, below_standard, deadline_not_passed, materials_missing, …).", body = ErrorBody, content_type = "application/json"),
        (status = 413, description = "The body is larger than 64 KiB (body_too_large).", body = ErrorBody, content_type = "application/json"),
        (status = 422, description = "JSON of another shape (invalid_request), or verified facts that do not make a valid claim; path names the field (invalid_form).", body = ErrorBody, content_type = "application/json"),
        (status = 503, description = UNAVAILABLE, body = ErrorBody, content_type = "application/json"),
    )
)]
pub async fn application_action(
    State(state): State<AppState>,
    chosen: Chosen,
    caller: Caller,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
    bytes: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let lang = ApiQuery::parse(raw.as_deref(), chosen.lang)?.lang(chosen)?;
    let request: ActionRequest = json_body(bytes, lang)?;
    let id = path_id(&id, lang)?;
    let action = request.action.clone();
    let version = request.version;
    let moved = state
        .service
        .act_with(&caller.actor(), id, version, &action, &request.move_input())
        .await
        .map_err(|e| service_refusal(lang, &e))?;
    Ok(axum::Json(Moved {
        id: moved.id,
        state_title: state.workflow.state_title(&moved.state, lang).unwrap_or(&moved.state).to_string(),
        state: moved.state.to_string(),
        version: moved.version,
        open: moved.open,
    })
    .into_response())
}

/// `GET /api/v1/applications/{id}/documents/{kind}`.
#[utoipa::path(
    get,
    path = "/applications/{id}/documents/{kind}",
    operation_id = "application_document",
    tag = "applications",
    summary = "A document the application was issued, as a PDF: the receipt, the correction notice or the file transfer letter",
    security(("bearer" = [])),
    params(
        ("id" = i64, Path, description = "The application's number."),
        ("kind" = String, Path, description = "receipt, correction or transfer."),
    ),
    responses(
        (status = 200, description = "The PDF.", content_type = "application/pdf"),
        (status = 401, description = UNAUTHORIZED, body = ErrorBody, content_type = "application/json"),
        (status = 403, description = FORBIDDEN_ROLE, body = ErrorBody, content_type = "application/json"),
        (status = 404, description = "No such application or document, or none the caller may see (not_found).", body = ErrorBody, content_type = "application/json"),
        (status = 503, description = UNAVAILABLE, body = ErrorBody, content_type = "application/json"),
    )
)]
pub async fn application_document(
    State(state): State<AppState>,
    chosen: Chosen,
    caller: Caller,
    Path((id, kind)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let lang = chosen.lang;
    let id = path_id(&id, lang)?;
    let kind = DocumentKind::parse(&kind).ok_or_else(|| service_refusal(lang, &ServiceError::NotFound))?;
    let bytes = state.service.document_pdf(&caller.actor(), id, kind).await.map_err(|e| service_refusal(lang, &e))?;
    let name = format!("{}-{id}.pdf", kind.title(Lang::Zh));
    Ok(crate::applications::file_response(bytes, "application/pdf", &name, true))
}
