//! `/api/docs`: the OpenAPI document as a readable page (no script, no outside assets).

use crate::api::openapi_json;
use crate::lang::Chosen;
use crate::layout::layout;
use axum::response::{IntoResponse, Response};
use jifen_rules::Lang;
use maud::html;
use serde_json::Value;

pub async fn page(chosen: Chosen) -> Response {
    let document: Value = serde_json::from_str(openapi_json()).unwrap_or(Value::Null);
    let zh = chosen.lang == Lang::Zh;
    let paths = document["paths"].as_object().cloned().unwrap_or_default();
    let body = html! {
        h2 { "jifen API " (document["info"]["version"].as_str().unwrap_or("")) }
        p { (document["info"]["description"].as_str().unwrap_or("")) }
        p { a href="/api/v1/openapi.json" { "openapi.json" } }
        table {
            thead { tr { th { (if zh { "方法" } else { "Method" }) } th { (if zh { "路径" } else { "Path" }) } th { (if zh { "说明" } else { "Summary" }) } } }
            tbody {
                @for (path, operations) in &paths {
                    @for (method, operation) in operations.as_object().into_iter().flatten() {
                        tr { td { (method.to_uppercase()) } td { code { "/api/v1" (path) } } td { (operation["summary"].as_str().unwrap_or("")) } }
                    }
                }
            }
        }
    };
    layout(chosen.lang, "jifen API", body).into_response()
}
