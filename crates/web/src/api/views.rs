//! What the API's own page looks like: its operations, as the OpenAPI document lists them.

use super::*;
use maud::{Markup, html};

/// Every documented operation: its method, path and summary.
pub(super) fn docs(lang: Lang, document: &Value) -> Markup {
    let zh = lang == Lang::Zh;
    let paths = document["paths"].as_object().cloned().unwrap_or_default();
    html! {
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
    }
}
