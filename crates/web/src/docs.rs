//! `/api/docs`: the OpenAPI document as a readable page (no script, no outside assets).

use crate::api::OPENAPI;
use crate::lang::Chosen;
use axum::response::{IntoResponse, Response};
use jifen_rules::Lang;
use maud::{DOCTYPE, html};
use serde_json::Value;

pub async fn page(chosen: Chosen) -> Response {
    let document: Value = serde_json::from_str(OPENAPI).unwrap_or(Value::Null);
    let zh = chosen.lang == Lang::Zh;
    let paths = document["paths"].as_object().cloned().unwrap_or_default();
    html! {
        (DOCTYPE)
        html lang=(if zh { "zh-CN" } else { "en" }) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { "jifen API" }
                link rel="stylesheet" href="/assets/app.css";
            }
            body {
                header { h1 { "jifen API " (document["info"]["version"].as_str().unwrap_or("")) } nav { a href="/" { (if zh { "返回模拟" } else { "Simulator" }) } } }
                main {
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
                }
            }
        }
    }
    .into_response()
}
