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
            let text = match (field_label(name, lang), lang) {
                (Some(label), Lang::Zh) => format!("“{label}”一栏{}", problem.zh),
                (Some(label), Lang::En) => format!("The field “{label}” {}", problem.en),
                (None, Lang::Zh) => format!("所填内容{}", problem.zh),
                (None, Lang::En) => format!("What was entered {}", problem.en),
            };
            return Err(message(StatusCode::UNPROCESSABLE_ENTITY, lang, &text).into());
        }
    }
    Ok(())
}

/// The labels of the fields people type into outside the application form, as their pages
/// show them.
const PAGE_LABELS: &[(&str, &str, &str)] = &[
    ("q", "姓名或身份证号码", "Name or ID number"),
    ("username", "用户名", "Username"),
    ("password", "密码", "Password"),
    ("current", "当前密码", "Current password"),
    ("new", "新密码", "New password"),
    ("confirm", "再次输入新密码", "New password again"),
    ("display_name", "姓名", "Name"),
    ("comment", "意见", "Comment"),
    ("reason", "理由", "Reason"),
    ("serial", "通知书编号", "Serial"),
    ("code", "校验码", "Check code"),
    ("evidence", "核查依据", "Evidence"),
    ("finding", "虚假内容", "What is false"),
    ("collected_by", "领取人姓名", "Collected by"),
    ("credit_code", "统一社会信用代码", "Unified social credit code"),
    ("contact_name", "联系人", "Contact name"),
    ("contact_phone", "联系电话（手机）", "Contact mobile"),
    ("month", "起始月份", "From month"),
    ("monthly", "每月金额（元）", "Monthly (CNY)"),
    ("source_key", "出处代码", "Source key"),
    ("source_title_zh", "新出处：文件名称", "New source: title"),
    ("source_title_en", "新出处：英文名称", "New source: English title"),
    ("source_reference", "新出处：文号", "New source: reference"),
];

/// Names whose label differs from page to page (`name` is a person's on the application
/// form and the employer's on its sign-up; `text` is a correction, an appeal or a response).
const NAMES_OF_SEVERAL_LABELS: &[&str] = &["name", "text"];

/// The label a refusal names a field by, as the reader saw it on the page: `None` for a
/// hidden field, a name no form has, or one whose label depends on the page; the refusal
/// then names no field rather than an internal name or the wrong label.
fn field_label(name: &str, lang: Lang) -> Option<String> {
    if NAMES_OF_SEVERAL_LABELS.contains(&name) {
        return None;
    }
    match PAGE_LABELS.iter().find(|(field, _, _)| *field == name) {
        Some((_, zh, en)) => Some(crate::layout::t(lang, zh, en).to_string()),
        None => jifen_domain::labels::label(name, lang),
    }
}

fn refusal(status: StatusCode, lang: Lang, zh: &str, en: &str) -> Response {
    message(status, lang, if lang == Lang::Zh { zh } else { en })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    async fn refusal_text(lang: Lang, name: &str, value: &str) -> String {
        let refusal = check_texts(lang, [(name, value)].into_iter()).err().unwrap();
        let response = refusal.into_response();
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let body = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap();
        String::from_utf8(body.to_vec()).unwrap()
    }

    #[tokio::test]
    async fn a_refusal_names_the_field_by_the_label_its_page_shows() {
        let page = refusal_text(Lang::Zh, "q", "张\u{0}").await;
        assert!(page.contains("“姓名或身份证号码”一栏含有不能保存的字符（U+0000）"), "{page}");
        assert!(!page.contains("“q”"), "{page}");
        let page = refusal_text(Lang::En, "si_base_1", "1\u{7}").await;
        assert!(page.contains("The field “Monthly base (CNY) (2)” contains a character"), "{page}");
    }

    #[tokio::test]
    async fn a_hidden_or_many_labelled_field_is_not_named() {
        for name in ["name", "text", "csrf", "some_name_no_form_has"] {
            let page = refusal_text(Lang::Zh, name, "\u{0}").await;
            assert!(page.contains("所填内容含有不能保存的字符"), "{name}: {page}");
            assert!(!page.contains(&format!("“{name}”")), "{name}: {page}");
        }
    }
}
