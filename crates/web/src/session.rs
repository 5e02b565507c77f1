//! Sessions and CSRF. A session is a random token in an HttpOnly cookie; the database keeps
//! its SHA-256, the user and the session's CSRF token, so several server processes share
//! sessions. Forms of signed-in users carry the session's CSRF token; forms before sign-in
//! (login, employer registration) use a double-submit cookie. Unsafe requests from another
//! origin are refused outright.

use crate::AppState;
use crate::respond::Refusal;
use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Redirect, Response};
use jifen_applications::ServiceError;
use jifen_rules::Lang;
pub use jifen_store::now_millis;
use jifen_store::{Session, User};

pub const SESSION_COOKIE: &str = "jifen_session";
pub const CSRF_COOKIE: &str = "jifen_csrf";
/// A browser that signed in to an account before (see `jifen_applications::Credentials`).
pub const DEVICE_COOKIE: &str = "jifen_device";

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
#[derive(Clone)]
pub struct SignedIn {
    pub user: User,
    pub session: Session,
}

/// Why a page needs the visitor to do something first.
pub enum NotReady {
    /// No valid session: sign in.
    SignIn,
    /// Signed in with an initial password: change it before anything else.
    ChangePassword,
    /// The session could not be looked up (the database is out of service): say so, and
    /// keep the session; the person is not sent to sign in again.
    Unavailable(Lang, ServiceError),
}

impl IntoResponse for NotReady {
    fn into_response(self) -> Response {
        match self {
            Self::SignIn => Redirect::to("/login").into_response(),
            Self::ChangePassword => Redirect::to("/account/password").into_response(),
            Self::Unavailable(lang, error) => crate::respond::service_error(lang, &error),
        }
    }
}

/// The session's user, whatever the state of their password: the one the route's guard
/// found (see [`crate::routes`]), or looked up now.
async fn signed_in(parts: &Parts, state: &AppState) -> Result<SignedIn, NotReady> {
    if let Some(signed) = parts.extensions.get::<SignedIn>() {
        return Ok(signed.clone());
    }
    look_up(parts, state).await
}

/// The user of the request's session cookie, whatever the state of their password: as
/// [`show_viewer`] found it earlier in this request, or looked up now.
pub(crate) async fn look_up(parts: &Parts, state: &AppState) -> Result<SignedIn, NotReady> {
    if let Some(CookieSession(found)) = parts.extensions.get::<CookieSession>() {
        return found.clone().ok_or(NotReady::SignIn);
    }
    let headers = &parts.headers;
    look_up_token(cookie(headers, SESSION_COOKIE), headers, parts.uri.query(), state).await
}

/// The session of the request's cookie as [`show_viewer`] found it (none: no such session),
/// so that the route's guard and the handler do not ask the database again. Only a lookup
/// that succeeded is kept; after a failed one the guard asks again and says what failed.
#[derive(Clone)]
struct CookieSession(Option<SignedIn>);

/// The token of an `Authorization: Bearer <token>` header: how other systems call the JSON
/// API (`POST /api/v1/sessions` gives the token; it is a session like a browser's, kept in
/// the same table).
///
/// The API takes its session from this header only, never from the cookie. That is what
/// keeps CSRF out of the API without a CSRF token: a browser attaches cookies to any
/// request another site makes it send, but it never adds an Authorization header on its
/// own, so a request that carries the token was written by someone who holds it.
pub fn bearer(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then(|| token.to_string())
}

/// The user of the request's bearer token (see [`bearer`]), whatever the state of their
/// password.
pub(crate) async fn look_up_bearer(
    headers: &HeaderMap,
    query: Option<&str>,
    state: &AppState,
) -> Result<SignedIn, NotReady> {
    look_up_token(bearer(headers), headers, query, state).await
}

async fn look_up_token(
    token: Option<String>,
    headers: &HeaderMap,
    query: Option<&str>,
    state: &AppState,
) -> Result<SignedIn, NotReady> {
    let token = token.ok_or(NotReady::SignIn)?;
    match state.service.session(&token).await {
        Ok(Some((session, user))) => Ok(SignedIn { user, session }),
        Ok(None) => Err(NotReady::SignIn),
        Err(error) => {
            let lang = crate::lang::choose(query, headers).lang;
            Err(NotReady::Unavailable(lang, error))
        }
    }
}

/// Every signed-in page: an initial password must be changed before any of them.
impl FromRequestParts<AppState> for SignedIn {
    type Rejection = NotReady;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let signed = signed_in(parts, state).await?;
        if signed.user.must_change_password {
            return Err(NotReady::ChangePassword);
        }
        Ok(signed)
    }
}

/// Pages open to everyone that show more to a signed-in user.
impl OptionalFromRequestParts<AppState> for SignedIn {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Option<Self>, Self::Rejection> {
        Ok(<Self as FromRequestParts<AppState>>::from_request_parts(parts, state).await.ok())
    }
}

/// A signed-in user who may still have to change an initial password: what the password
/// pages and signing out take.
pub struct AnySignedIn(pub SignedIn);

impl FromRequestParts<AppState> for AnySignedIn {
    type Rejection = NotReady;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        signed_in(parts, state).await.map(AnySignedIn)
    }
}

impl SignedIn {
    /// Whether a submitted form carries this session's CSRF token.
    pub fn csrf_ok(&self, submitted: &str) -> bool {
        jifen_auth::tokens_equal(submitted, &self.session.csrf_token)
    }

    /// Whether an unsafe request comes from this server's own form: its Origin (when sent)
    /// is this server and it carries this session's CSRF token.
    pub fn form_ok(&self, headers: &HeaderMap, submitted: &str) -> bool {
        same_origin(headers) && self.csrf_ok(submitted)
    }

    /// [`Self::form_ok`], refusing a form that is not with the page that says so.
    pub fn check_form(&self, headers: &HeaderMap, submitted: &str, lang: Lang) -> Result<(), Refusal> {
        if self.form_ok(headers, submitted) { Ok(()) } else { Err(crate::respond::stale_form(lang).into()) }
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

/// Middleware: on a page (not an asset, a download or the API), the signed-in user is looked
/// up so that the header shows who is signed in, with a sign-out button. A lookup that fails
/// shows the header as signed out; the page itself decides what the failure means.
pub async fn show_viewer(
    axum::extract::State(state): axum::extract::State<AppState>,
    mut request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let path = request.uri().path();
    let is_page = !["/assets/", "/api/", "/materials/", "/healthz", "/metrics"].iter().any(|p| path.starts_with(p));
    let viewer = match cookie(request.headers(), SESSION_COOKIE) {
        Some(token) if is_page => match state.service.session(&token).await {
            Ok(found) => {
                let signed = found.map(|(session, user)| SignedIn { user, session });
                let viewer = signed.as_ref().map(|signed| crate::layout::Viewer {
                    name: signed.user.display_name.clone(),
                    role: signed.user.role,
                    csrf: signed.session.csrf_token.clone(),
                });
                request.extensions_mut().insert(CookieSession(signed));
                viewer
            }
            Err(_) => None,
        },
        _ => None,
    };
    crate::layout::VIEWER.scope(viewer, next.run(request)).await
}

/// The address a request comes from: the peer's, or, when the peer is a trusted proxy (the
/// TLS terminator in front, `--trusted-proxy`), the right-most address in X-Forwarded-For
/// that is not one of the trusted proxies themselves. Throttling counts this address, so a
/// proxy must never make every visitor look like one.
pub fn client_address(peer: std::net::IpAddr, headers: &HeaderMap, trusted: &[std::net::IpAddr]) -> std::net::IpAddr {
    if !trusted.contains(&peer) {
        return peer;
    }
    headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .filter_map(|part| part.trim().parse::<std::net::IpAddr>().ok())
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .find(|address| !trusted.contains(address))
        .unwrap_or(peer)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::IpAddr;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn only_a_trusted_proxy_may_say_where_a_request_comes_from() {
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", "6.6.6.6, 203.0.113.7, 10.0.0.2".parse().unwrap());
        let proxies = [ip("10.0.0.1"), ip("10.0.0.2")];
        // From the proxy: the right-most address the proxies did not add (the first is forgeable).
        assert_eq!(client_address(ip("10.0.0.1"), &headers, &proxies), ip("203.0.113.7"));
        // From anyone else the header is ignored.
        assert_eq!(client_address(ip("198.51.100.9"), &headers, &proxies), ip("198.51.100.9"));
        assert_eq!(client_address(ip("10.0.0.1"), &HeaderMap::new(), &proxies), ip("10.0.0.1"));
    }
}
