//! `/interpretations`: every named interpretation of the rules (I-1 … I-11) — the question,
//! what jifen decided and the reading not taken — as the rules crate words them. Results
//! name them by id; this page says what each means.

use crate::lang::Chosen;
use crate::layout::{layout, t};
use axum::response::{IntoResponse, Response};
use jifen_rules::Interpretation;
use maud::html;

pub async fn page(chosen: Chosen) -> Response {
    let lang = chosen.lang;
    let body = html! {
        h2 { (t(lang, "积分规则的解释", "How jifen reads the rules")) }
        p { (t(lang,
            "公开资料说法不一之处，jifen 按以下解释计分；计分结果中每一项会写明所依据的解释。",
            "Where public sources disagree, jifen scores by these readings; each item of a result says which it rests on.")) }
        div.scroll { table {
            thead { tr {
                th { (t(lang, "编号", "Id")) } th { (t(lang, "问题", "Question")) }
                th { (t(lang, "jifen 的做法", "What jifen does")) } th { (t(lang, "未采用的说法", "Reading not taken")) }
            } }
            tbody { @for interpretation in Interpretation::all() {
                tr id=(interpretation.id) {
                    td { (interpretation.id) } td { (interpretation.question.get(lang)) }
                    td { (interpretation.decision.get(lang)) } td { (interpretation.alternative.get(lang)) }
                }
            } }
        } }
    };
    layout(lang, t(lang, "积分规则的解释", "How jifen reads the rules"), body).into_response()
}
