//! Every route the server answers, with who may use it, in one table. The router is built
//! from this table only, so a route cannot exist without saying who may use it, and each
//! route's guard refuses anyone else before its handler runs: a visitor who is not signed in
//! is sent to sign in, someone with an initial password still to change is sent to change it,
//! and a signed-in user of a role not listed gets a 403 page. The role × route test
//! (`tests/roles.rs`) is generated from [`route_table`].
//!
//! The API's routes (under [`API_PREFIX`]) are guarded alike, with two differences: the
//! session is the bearer token's (`Authorization: Bearer`, from `POST /api/v1/sessions`),
//! never the cookie's, and the refusals are JSON error documents: 401 without a live token,
//! 403 for an initial password to change or a role not listed.
//!
//! The guard knows roles only. What depends on the data (an application's district, whose
//! application it is, the state it is in) is decided by the services, which answer 404 for
//! what a person may not see.

use crate::session::{self, NotReady};
use crate::{
    AppState, accounts, admin, api, applicants, applications, blacklist, centre, dashboard, employers, notice,
    rule_data, simulator,
};
use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::handler::Handler;
use axum::http::{HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::MethodRouter;
use jifen_applications::ServiceError;
use jifen_domain::Role;
use std::sync::LazyLock;

/// Who may use a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not.
    Public,
    /// Anyone signed in, even before changing an initial password: changing it, signing out.
    Session,
    /// Anyone signed in whose password is their own, whatever their role.
    SignedIn,
    /// Signed-in users of these roles only.
    Roles(&'static [Role]),
}

impl Access {
    /// Whether a visitor — `None` when not signed in — may reach the handler. `must_change`
    /// is whether they still have to change an initial password.
    pub fn admits(self, role: Option<Role>, must_change: bool) -> bool {
        match (self, role) {
            (Access::Public, _) => true,
            (_, None) => false,
            (Access::Session, Some(_)) => true,
            (_, Some(_)) if must_change => false,
            (Access::SignedIn, Some(_)) => true,
            (Access::Roles(roles), Some(role)) => roles.contains(&role),
        }
    }
}

/// One route of the table: its method, its path (axum's syntax, `{id}` for a parameter)
/// and who may use it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteSpec {
    pub method: Method,
    pub path: &'static str,
    pub access: Access,
}

/// The header the guard sets on its refusals, so that a refusal by a route's declared access
/// can be told from a refusal by the handler or the service: `sign-in` (redirected to sign
/// in), `password` (redirected to change an initial password) or `role` (403).
pub const REFUSED_HEADER: &str = "x-jifen-refused";

/// Where the JSON API lives; its routes are nested there, with its own "no such address".
pub const API_PREFIX: &str = "/api/v1";

const ADMIN: Access = Access::Roles(&[Role::Admin]);
/// The audit log: administrators (everything) and supervisors (their district's).
const AUDITORS: Access = Access::Roles(&[Role::Admin, Role::Supervisor]);
/// The dashboards: supervisors (their district's), administrators (any district, the city).
const MANAGERS: Access = Access::Roles(&[Role::Supervisor, Role::Admin]);
const CLERK: Access = Access::Roles(&[Role::Clerk]);
const REVIEWER: Access = Access::Roles(&[Role::Reviewer]);
const SUPERVISOR: Access = Access::Roles(&[Role::Supervisor]);
/// Staff see every entry; a person and an employer their own.
const BLACKLIST_READERS: Access =
    Access::Roles(&[Role::Clerk, Role::Reviewer, Role::Supervisor, Role::Applicant, Role::HrAgent]);
/// The district centre's staff: counter clerk, reviewer, supervisor.
const DISTRICT_STAFF: Access = Access::Roles(&[Role::Clerk, Role::Reviewer, Role::Supervisor]);
const HR_AGENT: Access = Access::Roles(&[Role::HrAgent]);
const APPLICANT: Access = Access::Roles(&[Role::Applicant]);
/// The applicant and their employer's agent (uploading files).
const APPLICANT_OR_EMPLOYER: Access = Access::Roles(&[Role::Applicant, Role::HrAgent]);
/// Everyone who may see an application: its applicant, its employer's agent, the staff of
/// its district. Which application, and which action the workflow allows, is for the service.
const APPLICATION_PARTIES: Access =
    Access::Roles(&[Role::Applicant, Role::HrAgent, Role::Clerk, Role::Reviewer, Role::Supervisor]);

/// A rule-data file URL-encoded (Chinese text takes nine bytes a character) with the form.
const RULE_FORM_BYTES: usize = 4 * jifen_rules::MAX_RULE_FILE_BYTES;

/// Room for a multipart form's boundaries and small fields around its file.
const MULTIPART_OVERHEAD: usize = 64 * 1024;

/// The table. A new route is added here, with its access, and nowhere else.
fn routes() -> Vec<Route> {
    use Access::{Public, Session, SignedIn};
    vec![
        // The public simulator and planner, the documents about them, and what the
        // machinery needs.
        Route::get("/", Public, simulator::simulator),
        Route::post("/", Public, simulator::simulate),
        Route::get("/api/docs", Public, api::docs_page),
        Route::get("/interpretations", Public, simulator::interpretations),
        Route::get("/assets/app.css", Public, crate::stylesheet),
        Route::get("/assets/app.js", Public, crate::script),
        Route::get("/healthz", Public, crate::healthz),
        Route::get("/metrics", Public, crate::metrics_text),
        Route::post("/api/v1/score", Public, api::score),
        Route::post("/api/v1/plan", Public, api::plan),
        Route::get("/api/v1/rule-sets", Public, api::rule_sets),
        Route::get("/api/v1/openapi.json", Public, api::openapi),
        Route::get("/api/v1/ping", Public, api::ping),
        // The application process for other systems: bearer tokens, the same roles.
        Route::post("/api/v1/sessions", Public, api::process::create_session),
        Route::delete("/api/v1/sessions/current", Session, api::process::delete_session),
        Route::get("/api/v1/centre/queue", DISTRICT_STAFF, api::process::centre_queue),
        Route::get("/api/v1/applications/{id}", APPLICATION_PARTIES, api::process::application),
        Route::post("/api/v1/applications/{id}/actions", APPLICATION_PARTIES, api::process::application_action),
        Route::get(
            "/api/v1/applications/{id}/documents/{kind}",
            APPLICATION_PARTIES,
            api::process::application_document,
        ),
        // Accounts.
        Route::get("/login", Public, accounts::login_page),
        Route::post("/login", Public, accounts::login),
        Route::post("/logout", Session, accounts::logout),
        Route::get("/account/password", Session, accounts::password_page),
        Route::post("/account/password", Session, accounts::change_password),
        Route::get("/home", SignedIn, accounts::home),
        Route::get("/account/employers", APPLICANT, accounts::my_employers),
        Route::post("/account/employers/{employer_id}", APPLICANT, accounts::decide_link),
        // Employers.
        Route::get("/employers/register", Public, employers::employer_page),
        Route::post("/employers/register", Public, employers::register_employer),
        Route::post("/employers/{id}/decision", CLERK, employers::decide_employer),
        Route::get("/applicants", HR_AGENT, applicants::list),
        Route::post("/applicants", HR_AGENT, applicants::create),
        Route::post("/applicants/{user_id}/follow-up", HR_AGENT, applicants::follow_up),
        Route::post("/applicants/import", HR_AGENT, applicants::import)
            .body_limit(applicants::MAX_ROSTER_BYTES + MULTIPART_OVERHEAD),
        Route::get("/applicants/import/{id}", HR_AGENT, applicants::import_status),
        // Applications.
        Route::get("/applications", APPLICATION_PARTIES, applications::list),
        Route::post("/applications", APPLICANT, applications::start),
        Route::get("/applications/{id}", APPLICATION_PARTIES, applications::show),
        Route::post("/applications/{id}", APPLICANT, applications::save),
        Route::post("/applications/{id}/preview", APPLICANT, applications::preview),
        Route::post("/applications/{id}/actions", APPLICATION_PARTIES, applications::act),
        Route::get("/applications/{id}/form.pdf", APPLICATION_PARTIES, applications::pdf),
        Route::get("/applications/{id}/documents/{kind}", APPLICATION_PARTIES, centre::document),
        Route::get("/centre", DISTRICT_STAFF, centre::queue),
        Route::post("/applications/{id}/assign", DISTRICT_STAFF, centre::assign),
        Route::post("/applications/{id}/originals", CLERK, centre::return_originals),
        Route::get("/applications/{id}/notice.pdf", APPLICATION_PARTIES, notice::pdf),
        Route::post("/applications/follow-up", APPLICANT, notice::follow_up),
        Route::post("/applications/{id}/findings", REVIEWER, blacklist::record),
        Route::get("/blacklist", BLACKLIST_READERS, blacklist::list),
        Route::post("/blacklist/{id}/response", APPLICANT_OR_EMPLOYER, blacklist::respond),
        Route::post("/blacklist/{id}/decision", SUPERVISOR, blacklist::decide),
        Route::post("/blacklist/{id}/appeal", APPLICANT_OR_EMPLOYER, blacklist::appeal),
        Route::post("/blacklist/{id}/appeal-answer", SUPERVISOR, blacklist::answer_appeal),
        Route::post("/blacklist/{id}/correction", SUPERVISOR, blacklist::correct),
        Route::get("/verify", Access::Public, notice::form),
        Route::get("/verify/{serial}/{code}", Access::Public, notice::scanned),
        Route::post("/applications/{id}/materials/{material}", APPLICANT_OR_EMPLOYER, applications::upload)
            .body_limit(jifen_applications::MAX_UPLOAD_BYTES + MULTIPART_OVERHEAD),
        Route::get("/materials/{id}", APPLICATION_PARTIES, applications::download),
        Route::get("/materials/{id}/view", APPLICATION_PARTIES, applications::view_material),
        Route::post("/simulations", APPLICANT, applications::save_simulation),
        // Administration.
        Route::get("/admin/staff", ADMIN, admin::list),
        Route::post("/admin/staff", ADMIN, admin::create),
        Route::post("/admin/staff/{user_id}", ADMIN, admin::change),
        Route::get("/admin/rules", ADMIN, rule_data::overview),
        Route::post("/admin/rules/preview", ADMIN, rule_data::preview).body_limit(RULE_FORM_BYTES),
        Route::post("/admin/rules/edit", ADMIN, rule_data::edit).body_limit(RULE_FORM_BYTES),
        Route::post("/admin/rules/publish", ADMIN, rule_data::publish).body_limit(RULE_FORM_BYTES),
        Route::get("/admin/rules/runs/{run_id}", ADMIN, rule_data::run),
        Route::get("/admin/rules/publications/{publication_id}", ADMIN, rule_data::publication),
        Route::get("/admin/audit", AUDITORS, admin::audit_log),
        Route::get("/admin/audit.csv", AUDITORS, admin::audit_csv),
        Route::get("/dashboard", MANAGERS, dashboard::page_handler),
        Route::get("/dashboard.csv", MANAGERS, dashboard::csv),
    ]
}

/// Every route with its access, in the table's order.
pub fn route_table() -> &'static [RouteSpec] {
    static TABLE: LazyLock<Vec<RouteSpec>> = LazyLock::new(|| routes().into_iter().map(|route| route.spec).collect());
    &TABLE
}

/// The router of every route in the table, each behind the guard of its access; the API's
/// under [`API_PREFIX`], with its own JSON "no such address" and body limit.
pub(crate) fn router(state: &AppState) -> Router<AppState> {
    let mut pages = Router::new();
    let mut api = Router::new();
    for Route { spec, handler } in routes() {
        let api_route = spec.path.starts_with(API_PREFIX);
        let handler = match spec.access {
            Access::Public => handler,
            access => handler.route_layer(axum::middleware::from_fn_with_state(
                Guard { state: state.clone(), access, api: api_route },
                guard,
            )),
        };
        match spec.path.strip_prefix(API_PREFIX) {
            Some(path) => api = api.route(path, handler),
            None => pages = pages.route(spec.path, handler),
        }
    }
    let api = api.fallback(crate::api_not_found).layer(DefaultBodyLimit::max(api::BODY_LIMIT));
    pages.nest(API_PREFIX, api)
}

/// A route of the table with its handler.
struct Route {
    spec: RouteSpec,
    handler: MethodRouter<AppState>,
}

impl Route {
    fn get<H: Handler<T, AppState>, T: 'static>(path: &'static str, access: Access, handler: H) -> Self {
        Self { spec: RouteSpec { method: Method::GET, path, access }, handler: axum::routing::get(handler) }
    }

    fn post<H: Handler<T, AppState>, T: 'static>(path: &'static str, access: Access, handler: H) -> Self {
        Self { spec: RouteSpec { method: Method::POST, path, access }, handler: axum::routing::post(handler) }
    }

    fn delete<H: Handler<T, AppState>, T: 'static>(path: &'static str, access: Access, handler: H) -> Self {
        Self { spec: RouteSpec { method: Method::DELETE, path, access }, handler: axum::routing::delete(handler) }
    }

    /// A larger body than the default (file uploads).
    fn body_limit(mut self, bytes: usize) -> Self {
        self.handler = self.handler.layer(DefaultBodyLimit::max(bytes));
        self
    }
}

#[derive(Clone)]
struct Guard {
    state: AppState,
    access: Access,
    /// A route of the JSON API: bearer tokens, JSON refusals.
    api: bool,
}

/// Lets the request through to the handler only when the route's access admits the visitor;
/// the signed-in user it looked up goes with the request, so the handler does not look again.
async fn guard(State(guard): State<Guard>, request: Request, next: Next) -> Response {
    if guard.api {
        return api_guard(guard, request, next).await;
    }
    let (parts, body) = request.into_parts();
    let looked_up = session::look_up(&parts, &guard.state).await;
    let mut request = Request::from_parts(parts, body);
    let signed = match looked_up {
        Ok(signed) => signed,
        Err(NotReady::SignIn) => return refused(NotReady::SignIn.into_response(), "sign-in"),
        // The database is out of service: say so; this is no refusal.
        Err(not_ready) => return not_ready.into_response(),
    };
    let user = &signed.user;
    if !guard.access.admits(Some(user.role), user.must_change_password) {
        if user.must_change_password {
            return refused(NotReady::ChangePassword.into_response(), "password");
        }
        let lang = crate::lang::choose(request.uri().query(), request.headers()).lang;
        return refused(crate::respond::service_error(lang, &ServiceError::Forbidden), "role");
    }
    request.extensions_mut().insert(signed);
    next.run(request).await
}

/// The guard of an API route: the bearer token's session only, refusals as error documents.
/// No CSRF token is asked for: see [`session::bearer`].
async fn api_guard(guard: Guard, mut request: Request, next: Next) -> Response {
    let lang = crate::lang::choose(request.uri().query(), request.headers()).lang;
    let signed = match session::look_up_bearer(request.headers(), request.uri().query(), &guard.state).await {
        Ok(signed) => signed,
        Err(NotReady::Unavailable(lang, error)) => {
            return api::process::service_refusal(lang, &error).into_response();
        }
        Err(_) => {
            let mut response = refused(api::process::sign_in_required(lang).into_response(), "sign-in");
            response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            return response;
        }
    };
    let user = &signed.user;
    if !guard.access.admits(Some(user.role), user.must_change_password) {
        if user.must_change_password {
            return refused(api::process::password_change_required(lang).into_response(), "password");
        }
        return refused(api::process::service_refusal(lang, &ServiceError::Forbidden).into_response(), "role");
    }
    request.extensions_mut().insert(signed);
    next.run(request).await
}

fn refused(mut response: Response, why: &'static str) -> Response {
    response.headers_mut().insert(REFUSED_HEADER, HeaderValue::from_static(why));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn access_admits_whom_it_names() {
        let all = Role::ALL.iter().copied().map(Some);
        assert!(all.clone().chain([None]).all(|role| Access::Public.admits(role, true)));
        assert!(!Access::Session.admits(None, false) && Access::Session.admits(Some(Role::Applicant), true));
        assert!(!Access::SignedIn.admits(Some(Role::Admin), true) && Access::SignedIn.admits(Some(Role::Admin), false));
        assert!(AUDITORS.admits(Some(Role::Supervisor), false) && !AUDITORS.admits(Some(Role::Reviewer), false));
        assert!(!AUDITORS.admits(Some(Role::Admin), true), "an initial password is changed first");
        assert!(!AUDITORS.admits(None, false));
    }

    #[test]
    fn every_route_is_declared_once_and_names_someone() {
        let table = route_table();
        for (i, spec) in table.iter().enumerate() {
            let twice = table[..i].iter().any(|other| other.method == spec.method && other.path == spec.path);
            assert!(!twice, "{} {} is declared twice", spec.method, spec.path);
            assert!(!matches!(spec.access, Access::Roles([])), "{} {} admits nobody", spec.method, spec.path);
        }
    }
}
