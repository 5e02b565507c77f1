//! Every form that comes in, checked in one place before a handler sees it: each value
//! must be text a person types (no NUL, no control or bidirectional characters) and no
//! longer than [`text::MAX_FIELD_CHARS`]. A refusal is a 422 page naming the field, in the
//! reader's language; fields' own, lower limits are checked where their meaning is known.
//! A page's query string is checked the same way ([`CheckedQuery`]).

use crate::lang;
use crate::respond::{Refusal, message};
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use jifen_domain::text;
use jifen_rules::Lang;
use serde::de::DeserializeOwned;

/// A URL-encoded form whose every value passed [`text::check`].
pub struct CheckedForm<T>(pub T);

impl<T, S> FromRequest<S> for CheckedForm<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = Response;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let lang = lang::choose(request.uri().query(), request.headers()).lang;
        let is_form = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
        if !is_form {
            return Err(refusal(StatusCode::UNSUPPORTED_MEDIA_TYPE, lang, "表单格式不正确", "Not a form"));
        }
        let bytes = Bytes::from_request(request, state).await.map_err(IntoResponse::into_response)?;
        let unreadable = || refusal(StatusCode::BAD_REQUEST, lang, "表单无法读取", "The form cannot be read");
        let incomplete = || refusal(StatusCode::UNPROCESSABLE_ENTITY, lang, "表单内容不完整", "The form is incomplete");
        read_checked(&bytes, lang, unreadable, incomplete).map(CheckedForm).map_err(IntoResponse::into_response)
    }
}

/// A page's query string (`?q=…&state=…`) whose every value passed [`text::check`], as a
/// form's: a NUL or a control character in a search is refused with the page that names the
/// parameter, before it reaches a query or an audit entry (PostgreSQL refuses a NUL in text,
/// which would otherwise look like an outage).
pub struct CheckedQuery<T>(pub T);

impl<T, S> axum::extract::FromRequestParts<S> for CheckedQuery<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, _: &S) -> Result<Self, Self::Rejection> {
        let lang = lang::choose(parts.uri.query(), &parts.headers).lang;
        let query = parts.uri.query().unwrap_or_default();
        let unreadable =
            || refusal(StatusCode::BAD_REQUEST, lang, "网址参数无法读取", "The address's parameters cannot be read");
        let incomplete =
            || refusal(StatusCode::BAD_REQUEST, lang, "网址参数不正确", "The address's parameters are not right");
        read_checked(query.as_bytes(), lang, unreadable, incomplete)
            .map(CheckedQuery)
            .map_err(IntoResponse::into_response)
    }
}

/// URL-encoded text read as `T` once every value passed [`check_texts`]: `unreadable` when it
/// is not URL-encoded pairs, `incomplete` when the pairs do not make a `T`.
fn read_checked<T: DeserializeOwned>(
    encoded: &[u8],
    lang: Lang,
    unreadable: impl FnOnce() -> Response,
    incomplete: impl FnOnce() -> Response,
) -> Result<T, Refusal> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(encoded).map_err(|_| unreadable())?;
    check_texts(lang, pairs.iter().map(|(name, value)| (name.as_str(), value.as_str())))?;
    serde_urlencoded::from_bytes(encoded).map_err(|_| incomplete().into())
}

/// The same check for text that came another way (a multipart form's text parts), refused
/// with the page that names the field.
pub fn check_texts<'a>(lang: Lang, pairs: impl Iterator<Item = (&'a str, &'a str)>) -> Result<(), Refusal> {
    for (name, value) in pairs {
        if let Err(problem) = text::check(name, value, text::MAX_FIELD_CHARS) {
            let field: String = name.chars().filter(|c| text::allowed_char(*c)).take(60).collect();
            let text = match lang {
                Lang::Zh => format!("“{field}”一栏{}", problem.zh),
                Lang::En => format!("The field “{field}” {}", problem.en),
            };
            return Err(message(StatusCode::UNPROCESSABLE_ENTITY, lang, &text).into());
        }
    }
    Ok(())
}

fn refusal(status: StatusCode, lang: Lang, zh: &str, en: &str) -> Response {
    message(status, lang, if lang == Lang::Zh { zh } else { en })
}
