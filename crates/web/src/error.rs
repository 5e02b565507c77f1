//! Errors the API answers with: a status, a stable machine code, the field path when there
//! is one, and a message in the request's language. A 5xx is a bug.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use jifen_rules::{Lang, ProfileError};
use serde::Serialize;

#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub path: String,
    pub message: String,
}

#[derive(Serialize)]
struct Body<'a> {
    error: Detail<'a>,
}

#[derive(Serialize)]
struct Detail<'a> {
    code: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    path: &'a str,
    message: &'a str,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self { status, code, path: String::new(), message: message.into() }
    }

    pub fn profile(error: &ProfileError, lang: Lang) -> Self {
        let status =
            if error.code() == "malformed_json" { StatusCode::BAD_REQUEST } else { StatusCode::UNPROCESSABLE_ENTITY };
        Self { status, code: error.code(), path: error.path.clone(), message: error.problem(lang) }
    }

    pub fn too_large(limit: usize, lang: Lang) -> Self {
        let message = match lang {
            Lang::Zh => format!("请求内容过大，最多 {limit} 字节"),
            Lang::En => format!("the request body is larger than {limit} bytes"),
        };
        Self::new(StatusCode::PAYLOAD_TOO_LARGE, "body_too_large", message)
    }

    pub fn not_found(lang: Lang) -> Self {
        let message = match lang {
            Lang::Zh => "没有这个地址",
            Lang::En => "no such address",
        };
        Self::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    pub fn internal(lang: Lang) -> Self {
        let message = match lang {
            Lang::Zh => "服务器内部错误，已记录",
            Lang::En => "internal error; it has been logged",
        };
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = Body { error: Detail { code: self.code, path: &self.path, message: &self.message } };
        let mut response = (self.status, Json(body)).into_response();
        // An outage: nothing was saved, and the client is told when to try again.
        if self.status == StatusCode::SERVICE_UNAVAILABLE {
            let wait = axum::http::HeaderValue::from_static(crate::respond::RETRY_AFTER);
            response.headers_mut().insert(axum::http::header::RETRY_AFTER, wait);
        }
        response
    }
}
