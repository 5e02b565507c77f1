//! The answers every signed-in page shares: a page in the layout, a message page, and the
//! refusals (stale form, forbidden, a refusal of the application process, an internal
//! error, which is logged and never shown).

use crate::layout::{layout, t};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use jifen_applications::{RefusalKind, ServiceError};
use jifen_rules::Lang;
use maud::{Markup, html};

/// A page handler's early answer: a refusal (of the process, a stale form, an outage)
/// already rendered as the page that says why, in the reader's language. Page handlers
/// return [`PageResult`] and stop with `?`: `service.x(…).await.or_page(lang)?`,
/// `signed.check_form(&headers, &form.csrf, lang)?`.
pub struct Refusal(Box<Response>);

/// What a page handler answers: the page, or the refusal that replaces it.
pub type PageResult = Result<Response, Refusal>;

impl Refusal {
    /// The application process's refusal as the page that says why.
    pub fn of(lang: Lang, error: &ServiceError) -> Self {
        Self(Box::new(service_error(lang, error)))
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        *self.0
    }
}

impl From<Response> for Refusal {
    fn from(response: Response) -> Self {
        Self(Box::new(response))
    }
}

/// A record's id in a page's path (`/applications/{id}`, `/materials/{id}`): what is not a
/// number of that kind (letters, a NUL, an emoji, one too large) names no record, so it is
/// answered as one that does not exist, with the page that says so, in the reader's
/// language, rather than with axum's plain-text 400. Whether a number names a record the
/// visitor may see is the service's question, as before.
pub struct IdPath<T>(pub T);

impl<S: Send + Sync, T: serde::de::DeserializeOwned + Send> axum::extract::FromRequestParts<S> for IdPath<T> {
    type Rejection = Refusal;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, state: &S) -> Result<Self, Refusal> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(value)) => Ok(Self(value)),
            Err(_) => {
                let lang = crate::lang::choose(parts.uri.query(), &parts.headers).lang;
                Err(Refusal::of(lang, &ServiceError::NotFound))
            }
        }
    }
}

/// Turns the application process's refusal into the page that says why.
pub trait OrPage<T> {
    fn or_page(self, lang: Lang) -> Result<T, Refusal>;
}

impl<T> OrPage<T> for Result<T, ServiceError> {
    fn or_page(self, lang: Lang) -> Result<T, Refusal> {
        self.map_err(|error| Refusal::of(lang, &error))
    }
}

pub fn page(status: StatusCode, lang: Lang, title: &str, body: Markup) -> Response {
    (status, layout(lang, title, body)).into_response()
}

pub fn message(status: StatusCode, lang: Lang, text: &str) -> Response {
    page(
        status,
        lang,
        text,
        html! { div.error role="alert" { (text) } p { a href="/home" { (t(lang, "返回工作台", "Back to your home page")) } } },
    )
}

/// A page saying something worked (a green notice, not an error box).
pub fn done(status: StatusCode, lang: Lang, text: &str) -> Response {
    page(
        status,
        lang,
        text,
        html! { div.notice role="status" { (text) } p { a href="/home" { (t(lang, "返回工作台", "Back to your home page")) } } },
    )
}

pub fn stale_form(lang: Lang) -> Response {
    message(
        StatusCode::FORBIDDEN,
        lang,
        t(
            lang,
            "表单已过期或来源不明，请重新打开页面后再提交",
            "The form expired or came from elsewhere; open the page again",
        ),
    )
}

pub fn server_error(lang: Lang, error: impl std::fmt::Display) -> Response {
    tracing::error!(%error, "request failed");
    message(
        StatusCode::INTERNAL_SERVER_ERROR,
        lang,
        t(lang, "服务器内部错误，已记录", "Internal error; it has been logged"),
    )
}

/// The status a refusal of the application process answers with: each kind of refusal
/// once.
pub fn service_status(error: &ServiceError) -> StatusCode {
    match error {
        ServiceError::NotFound => StatusCode::NOT_FOUND,
        ServiceError::Forbidden => StatusCode::FORBIDDEN,
        ServiceError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
        ServiceError::Refused { reason, .. } => match reason.kind() {
            RefusalKind::NotNow => StatusCode::CONFLICT,
            RefusalKind::Unusable => StatusCode::UNPROCESSABLE_ENTITY,
            RefusalKind::SignIn => StatusCode::UNAUTHORIZED,
            RefusalKind::TooMany => StatusCode::TOO_MANY_REQUESTS,
            RefusalKind::NotAllowed => StatusCode::FORBIDDEN,
        },
        ServiceError::Changed => StatusCode::CONFLICT,
        ServiceError::Store(_) | ServiceError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// How long, in seconds, a client is asked to wait before trying again after an outage
/// (the `Retry-After` of every 503, on the pages and in the API).
pub const RETRY_AFTER: &str = "5";

/// The database is out of service (full, unreachable, failing): nothing was saved, and a
/// retry shortly may work. The session and the browser's form stay as they were.
pub fn unavailable(lang: Lang, error: &impl std::fmt::Display) -> Response {
    tracing::warn!(%error, "database unavailable");
    let text = t(
        lang,
        "服务暂时无法保存或读取数据，本次操作未保存。请稍后重试：用浏览器的“返回”回到上一页，您填写的内容仍在，您也无需重新登录。",
        "The service cannot save or read data right now; nothing was saved. Try again shortly: your browser's Back button returns to the page with what you typed, and you stay signed in.",
    );
    let mut response = page(StatusCode::SERVICE_UNAVAILABLE, lang, text, html! { div.error role="alert" { (text) } });
    response.headers_mut().insert(axum::http::header::RETRY_AFTER, axum::http::HeaderValue::from_static(RETRY_AFTER));
    response
}

/// A refusal of the application process as a page.
pub fn service_error(lang: Lang, error: &ServiceError) -> Response {
    if let ServiceError::Store(store) = error
        && let Some(kind) = store.fault()
    {
        crate::metrics::count_database_error(kind);
        if store.is_outage() {
            return unavailable(lang, error);
        }
    }
    if error.is_internal() {
        return server_error(lang, error);
    }
    message(service_status(error), lang, &error.message(lang))
}

/// After a change, back to the page it was made on (a POST answered by a GET).
pub fn see_other(target: &str) -> Response {
    Redirect::to(target).into_response()
}

/// Any address no route answers: a 404 in the reader's language, with a way back.
pub async fn page_not_found(chosen: crate::lang::Chosen) -> Response {
    let text = t(chosen.lang, "页面不存在", "Page not found");
    (StatusCode::NOT_FOUND, html! { p { (text) " — " a href="/" { "jifen" } } }).into_response()
}
