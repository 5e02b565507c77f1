//! Sessions and CSRF. A session is a random token in an HttpOnly cookie; the database keeps
//! its SHA-256, the user and the session's CSRF token, so several server processes share
//! sessions. Forms of signed-in users carry the session's CSRF token; forms before sign-in
//! (login, employer registration) use a double-submit cookie. Unsafe requests from another
//! origin are refused outright.

use crate::AppState;
use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Redirect, Response};
pub use jifen_store::now_millis;
use jifen_store::{Repository, Session, User};

pub const SESSION_COOKIE: &str = "jifen_session";
pub const CSRF_COOKIE: &str = "jifen_csrf";
/// How long a session lasts.
pub const SESSION_MILLIS: i64 = 12 * 60 * 60 * 1000;

pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .find_map(|pair| pair.trim().strip_prefix(name).and_then(|rest| rest.strip_prefix('=')))
        .map(str::to_string)
}

/// `Set-Cookie` for a cookie only the server reads.
pub fn set_cookie(name: &str, value: &str, max_age_seconds: i64) -> String {
    format!("{name}={value}; Path=/; Max-Age={max_age_seconds}; HttpOnly; SameSite=Lax")
}

/// The signed-in user of this request.
pub struct SignedIn {
    pub user: User,
    pub session: Session,
}

/// A request without a valid session goes to the login page.
pub struct NotSignedIn;

impl IntoResponse for NotSignedIn {
    fn into_response(self) -> Response {
        Redirect::to("/login").into_response()
    }
}

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = NotSignedIn;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let token = cookie(&parts.headers, SESSION_COOKIE).ok_or(NotSignedIn)?;
        let hash = jifen_auth::token_hash(&token);
        let session = state.store.session(&hash, now_millis()).await.ok().flatten().ok_or(NotSignedIn)?;
        let user = state.store.user_by_id(session.user_id).await.ok().flatten().ok_or(NotSignedIn)?;
        if user.disabled {
            return Err(NotSignedIn);
        }
        Ok(Self { user, session })
    }
}

/// Pages open to everyone that show more to a signed-in user.
impl OptionalFromRequestParts<AppState> for SignedIn {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Option<Self>, Self::Rejection> {
        Ok(<Self as FromRequestParts<AppState>>::from_request_parts(parts, state).await.ok())
    }
}

impl SignedIn {
    /// Whether a submitted form carries this session's CSRF token.
    pub fn csrf_ok(&self, submitted: &str) -> bool {
        jifen_auth::tokens_equal(submitted, &self.session.csrf_token)
    }
}

/// Whether an unsafe request's Origin (when sent) is this server.
pub fn same_origin(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else { return true };
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("");
    origin.split_once("://").is_some_and(|(_, rest)| rest == host)
}

/// Whether a form before sign-in carries the token of its double-submit cookie.
pub fn double_submit_ok(headers: &HeaderMap, submitted: &str) -> bool {
    cookie(headers, CSRF_COOKIE)
        .is_some_and(|expected| !submitted.is_empty() && jifen_auth::tokens_equal(submitted, &expected))
}
