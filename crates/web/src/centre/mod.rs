//! The district centre's pages: its queue, and the panel on an application's page through
//! which the counter clerk marks the materials, the reviewer verifies item by item and the
//! supervisor decides. Every decision is the service's (`jifen_applications::centre`); this
//! module reads the posted form and renders.

use crate::AppState;
use crate::checked_form::CheckedQuery;
use crate::fields::{Notes, verified_sections};
use crate::lang::Chosen;
use crate::layout::{say, t};
use crate::respond::IdPath;
use crate::respond::{OrPage, PageResult, Refusal, page};
use crate::session::SignedIn;
use crate::simulator::views::fieldset;
use axum::extract::State;
use axum::http::StatusCode;
use jifen_applications::{
    Actor, ApplicationView, CLOSED_SHOWN, CounterMark, MoveInput, QueueFilter, Service, Verification, VerificationInput,
};
use jifen_domain::Role;
use jifen_domain::clock::shanghai_time;
use jifen_domain::form::Fields;
use jifen_domain::workflow::DocumentKind;
use jifen_domain::workflow::states;
use jifen_rules::{ItemId, Lang};
use jifen_store::{ApplicationId, UserId};
use maud::{Markup, html};
use std::collections::BTreeMap;

pub(crate) mod views;
#[derive(serde::Deserialize, Default)]
pub struct QueueQuery {
    #[serde(default)]
    state: String,
    #[serde(default)]
    q: String,
    #[serde(default)]
    overdue: Option<String>,
    #[serde(default)]
    mine: Option<String>,
}

/// `GET /centre`: the district's applications at the centre, the oldest first, with their
/// due dates; narrowed by state, a search by name or ID number (audited), or overdue only.
pub async fn queue(
    State(state): State<AppState>,
    chosen: Chosen,
    signed: SignedIn,
    CheckedQuery(query): CheckedQuery<QueueQuery>,
) -> PageResult {
    let lang = chosen.lang;
    let actor = Actor::from(&signed.user);
    let filter = QueueFilter {
        state: Some(query.state.clone()).filter(|s| !s.is_empty()),
        search: Some(query.q.clone()).filter(|q| !q.trim().is_empty()),
        overdue_only: query.overdue.is_some(),
        mine_only: query.mine.is_some(),
    };
    let rows = state.service.centre_queue(&actor, &filter).await.or_page(lang)?;
    let district = signed.user.district.map(|d| d.name(lang)).unwrap_or_default();
    let body = views::queue(state.workflow, lang, district, &query, &filter, &rows);
    Ok(page(StatusCode::OK, lang, t(lang, "受理审核工作台", "Centre queue"), body))
}

/// `GET /applications/{id}/documents/{kind}`: a document the application was issued.
pub async fn document(
    State(state): State<AppState>,
    chosen: Chosen,
    signed: SignedIn,
    IdPath((id, kind)): IdPath<(ApplicationId, String)>,
) -> PageResult {
    let lang = chosen.lang;
    let Some(kind) = DocumentKind::parse(kind.trim_end_matches(".pdf")) else {
        return Err(Refusal::of(lang, &jifen_applications::ServiceError::NotFound));
    };
    match state.service.document_pdf(&Actor::from(&signed.user), id, kind).await {
        Ok(bytes) => {
            let name = format!("{}-{id}.pdf", kind.title(Lang::Zh));
            Ok(crate::applications::file_response(bytes, "application/pdf", &name, true))
        }
        Err(e) => Err(Refusal::of(lang, &e)),
    }
}

#[derive(serde::Deserialize)]
pub struct AssignForm {
    #[serde(default)]
    csrf: String,
    /// Empty: the viewer takes it themselves.
    #[serde(default)]
    assignee: String,
}

/// `POST /applications/{id}/assign`: "I'll take it", or a supervisor gives it to someone.
pub async fn assign(
    State(state): State<AppState>,
    chosen: Chosen,
    headers: axum::http::HeaderMap,
    signed: SignedIn,
    IdPath(id): IdPath<ApplicationId>,
    crate::checked_form::CheckedForm(form): crate::checked_form::CheckedForm<AssignForm>,
) -> PageResult {
    let lang = chosen.lang;
    signed.check_form(&headers, &form.csrf, lang)?;
    let assignee = form.assignee.trim().parse::<UserId>().ok();
    state.service.assign(&Actor::from(&signed.user), id, assignee).await.or_page(lang)?;
    Ok(crate::respond::see_other(&format!("/applications/{id}?done=moved")))
}

/// `POST /applications/{id}/originals`: the counter hands kept originals back; the
/// collector's name is their signature.
pub async fn return_originals(
    State(state): State<AppState>,
    chosen: Chosen,
    headers: axum::http::HeaderMap,
    signed: SignedIn,
    IdPath(id): IdPath<ApplicationId>,
    crate::checked_form::CheckedForm(pairs): crate::checked_form::CheckedForm<Vec<(String, String)>>,
) -> PageResult {
    let lang = chosen.lang;
    let value = |name: &str| pairs.iter().find(|(key, _)| key == name).map_or("", |(_, value)| value.as_str());
    signed.check_form(&headers, value("csrf"), lang)?;
    let materials: Vec<String> =
        pairs.iter().filter(|(key, _)| key == "original").map(|(_, material)| material.clone()).collect();
    state
        .service
        .return_originals(&Actor::from(&signed.user), id, &materials, value("collected_by"))
        .await
        .or_page(lang)?;
    Ok(crate::respond::see_other(&format!("/applications/{id}?done=moved")))
}

/// What a centre's move carries, read from the posted form: the counter's marks
/// (`counter_{material}`, `counter_reason_{material}`) and the reviewer's verification
/// (`verify_{field}`, `verdict_{item}`, `reason_{item}`, `item_note_{item}`,
/// `check_{check}`, `check_note_{check}`).
pub fn move_input(
    form: &BTreeMap<String, String>,
    comment: &str,
    field_comments: jifen_applications::FieldComments,
) -> MoveInput {
    let get = |name: &str| form.get(name).cloned().unwrap_or_default();
    let counter = form
        .iter()
        .filter_map(|(name, mark)| {
            let material = name.strip_prefix("counter_").filter(|m| !m.starts_with("reason_"))?;
            Some((material.to_string(), (mark.clone(), get(&format!("counter_reason_{material}")))))
        })
        .collect();
    let verification = form.contains_key("verification").then(|| VerificationInput {
        fields: Fields::new(
            form.iter()
                .filter_map(|(name, value)| Some((name.strip_prefix("verify_")?.to_string(), value.clone())))
                .collect(),
        ),
        items: form
            .iter()
            .filter_map(|(name, verdict)| {
                let item = name.strip_prefix("verdict_")?;
                Some((
                    item.to_string(),
                    (verdict.clone(), get(&format!("reason_{item}")), get(&format!("item_note_{item}"))),
                ))
            })
            .collect(),
        checks: form
            .iter()
            .filter_map(|(name, result)| {
                let check = name.strip_prefix("check_").filter(|c| !c.starts_with("note_"))?;
                Some((check.to_string(), (result.clone(), get(&format!("check_note_{check}")))))
            })
            .collect(),
    });
    MoveInput { comment: comment.to_string(), field_comments, counter, verification }
}

/// Whether the viewer reviews an application at the employer's step (comment boxes by
/// field) rather than acting at the centre.
pub fn employer_review(service: &Service, view: &ApplicationView, role: Role) -> bool {
    role == Role::HrAgent && !service.workflow.state(&view.application.state).is_some_and(|s| s.centre)
}
