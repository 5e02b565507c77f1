//! # jifen-web — the web server
//!
//! The public simulator and planner pages (no login), the signed-in pages of the application
//! process, and the JSON API under `/api/v1` with its OpenAPI document. Every route is
//! declared once, with who may use it, in [`routes`]. Handlers are thin: they parse, call the
//! engine, the planner or the application service, and render. Every response carries
//! security headers and a request id; a panic becomes a logged 500, never a dropped connection.

mod accounts;
mod admin;
pub mod api;
mod applicants;
mod applications;
mod blacklist;
mod centre;
mod checked_form;
mod dashboard;
mod employers;
pub mod error;
mod fields;
pub mod lang;
mod layout;
pub mod metrics;
mod notice;
mod privacy;
mod request_id;
mod respond;
pub mod routes;
mod rule_data;
pub mod session;
mod simulator;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use jifen_planner::Catalogue;
use jifen_store::Store;
use std::net::SocketAddr;
use std::sync::Arc;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

/// What every handler can reach, behind one `Arc`: axum clones the state for every request
/// (each route's handler, each middleware that takes it, each `State` extractor), and one
/// reference count is cheaper to bump and drop than the many handles the service holds,
/// which two cores otherwise pass back and forth on every request.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

/// What [`AppState`] shares (reached through it: `state.service`, `state.workflow`, …).
#[derive(Clone)]
pub struct Shared {
    pub catalogue: &'static Catalogue,
    /// The application workflow, checked when the server starts.
    pub workflow: &'static jifen_domain::workflow::Workflow,
    /// The application process (accounts, applications, materials, printing).
    pub service: jifen_applications::Service,
    pub metrics: metrics::Metrics,
    /// Cookies carry `Secure`: the public address is HTTPS (see [`AppState::with_public_url`]).
    pub secure_cookies: bool,
    /// The address people reach the server at (`--public-url`), for links printed on paper
    /// (the points notice's QR code).
    pub public_url: Option<Arc<str>>,
    /// Proxies whose X-Forwarded-For is believed (see [`session::client_address`]).
    pub trusted_proxies: Arc<[std::net::IpAddr]>,
}

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

impl AppState {
    /// The embedded rule data, action catalogue, workflow and materials catalogue, over
    /// `store`. Fails when any of them is inconsistent, so a broken configuration stops the server at start-up.
    pub fn new(store: Store) -> Result<Self, String> {
        let service = jifen_applications::Service::new(store)?;
        Ok(Self(Arc::new(Shared {
            catalogue: Catalogue::embedded().map_err(|e| e.to_string())?,
            workflow: service.workflow,
            service,
            metrics: metrics::Metrics::default(),
            secure_cookies: false,
            public_url: None,
            trusted_proxies: Arc::from([]),
        })))
    }

    /// The address people reach the server at (`--public-url`): when it is HTTPS (a proxy in
    /// front terminates TLS), every cookie is marked `Secure`.
    pub fn with_public_url(mut self, url: Option<&str>) -> Self {
        let shared = Arc::make_mut(&mut self.0);
        shared.secure_cookies = url.is_some_and(|url| url.trim().to_ascii_lowercase().starts_with("https://"));
        shared.public_url =
            url.map(|url| url.trim().trim_end_matches('/')).filter(|url| !url.is_empty()).map(Arc::from);
        self
    }

    /// The proxies in front (`--trusted-proxy`) whose X-Forwarded-For names the visitor.
    pub fn with_trusted_proxies(mut self, proxies: Vec<std::net::IpAddr>) -> Self {
        Arc::make_mut(&mut self.0).trusted_proxies = proxies.into();
        self
    }
}

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Content-Security-Policy: everything from this origin, inline SVG charts included;
/// scripts only from this origin (one file that enhances a page that works without it).
const CSP: &str = "default-src 'self'; script-src 'self'; object-src 'none'; style-src 'self'; img-src 'self' data:; \
frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

pub fn router(state: AppState) -> Router {
    let metrics = state.metrics.clone();
    let secure_cookies = state.secure_cookies;
    // Every route comes from the table in `routes`, with who may use it; none is added here.
    routes::router(&state)
        .fallback(respond::page_not_found)
        .layer(DefaultBodyLimit::max(api::BODY_LIMIT))
        .layer(axum::middleware::from_fn_with_state(state.clone(), session::show_viewer))
        .with_state(state)
        .layer(axum::middleware::from_fn(lang::remember))
        .layer(axum::middleware::from_fn(move |request, next| privacy::protect(secure_cookies, request, next)))
        .layer(axum::middleware::from_fn_with_state(metrics, metrics::track))
        .layer(CatchPanicLayer::custom(|_| api_error_response(error::ApiError::internal(jifen_rules::Lang::Zh))))
        .layer(security_header(header::CONTENT_SECURITY_POLICY, CSP))
        .layer(security_header(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(security_header(header::X_FRAME_OPTIONS, "DENY"))
        // Not "no-referrer": under it browsers send `Origin: null` with every form, and the
        // same-origin check of unsafe requests would refuse them all. "same-origin" still
        // tells other sites nothing.
        .layer(security_header(header::REFERRER_POLICY, "same-origin"))
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(TraceLayer::new_for_http().make_span_with(|request: &Request| {
            let id = request.headers().get(REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or("-");
            tracing::info_span!("request", method = %request.method(), path = %request.uri().path(), request_id = %id)
        }))
        .layer(SetRequestIdLayer::new(REQUEST_ID, request_id::CountedRequestIds::new()))
}

fn security_header(name: HeaderName, value: &'static str) -> SetResponseHeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))
}

fn api_error_response(error: error::ApiError) -> Response {
    error.into_response()
}

async fn api_not_found(chosen: lang::Chosen) -> Response {
    error::ApiError::not_found(chosen.lang).into_response()
}

/// How long `/healthz` waits for each answer before it says no (it answers within a second).
const HEALTH_TIMEOUT: std::time::Duration = std::time::Duration::from_millis(800);

/// The truth within a second: `ok` when the database accepts a write (a committed one, so a
/// full disk shows) and the SMS sender is keeping up; `degraded` (200) while messages keep
/// failing to send; 503 when the database does not take the write.
async fn healthz(axum::extract::State(state): axum::extract::State<AppState>) -> Response {
    let probe = tokio::time::timeout(HEALTH_TIMEOUT, state.service.probe_write()).await;
    let database = match probe {
        Ok(Ok(())) => None,
        Ok(Err(error)) => Some(error.fault().unwrap_or(jifen_store::FaultKind::Other).as_str().to_string()),
        Err(_) => Some("timeout".to_string()),
    };
    if let Some(problem) = database {
        tracing::error!(%problem, "health check: the database does not accept writes");
        return (StatusCode::SERVICE_UNAVAILABLE, format!("unavailable: database {problem}")).into_response();
    }
    match tokio::time::timeout(HEALTH_TIMEOUT, state.service.outbox_health()).await {
        Ok(Ok(outbox)) if outbox.failing > 0 => {
            format!("degraded: {} SMS keep failing to send", outbox.failing).into_response()
        }
        Ok(Ok(_)) => "ok".into_response(),
        _ => "degraded: the SMS outbox cannot be read".into_response(),
    }
}

async fn script() -> Response {
    ([(header::CONTENT_TYPE, "text/javascript; charset=utf-8")], include_str!("../assets/app.js")).into_response()
}

async fn stylesheet() -> Response {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], include_str!("../assets/app.css")).into_response()
}

async fn metrics_text(axum::extract::State(state): axum::extract::State<AppState>) -> Response {
    let outbox = tokio::time::timeout(HEALTH_TIMEOUT, state.service.outbox_health()).await.ok().and_then(Result::ok);
    let calendar_days_left = state.service.calendar().days_left(jifen_domain::clock::today_in_shanghai());
    let text = state.metrics.render(outbox, calendar_days_left);
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], text).into_response()
}

/// Serves until ctrl-c or SIGTERM, then finishes the requests in flight.
pub async fn serve(listener: tokio::net::TcpListener, state: AppState) -> std::io::Result<()> {
    // Rule data published on any server is this one's within RULES_REFRESH: asked for in the
    // background, so that no request pays for it.
    let fresh_rules = tokio::spawn(state.service.clone().keep_rules_fresh());
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    let served = axum::serve(listener, app).with_graceful_shutdown(shutdown_signal()).await;
    fresh_rules.abort();
    served
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
