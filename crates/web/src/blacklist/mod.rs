//! The blacklist's pages: every entry for district staff, one's own for a person or an
//! employer (`/blacklist`), with the response and decision forms; the reviewer's form to
//! record a finding on an application's page. Every rule is the service's.

use crate::AppState;
use crate::checked_form::CheckedForm;
use crate::lang::Chosen;
use crate::layout::t;
use crate::respond::IdPath;
use crate::respond::{OrPage, PageResult, Refusal, page, see_other};
use crate::session::SignedIn;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use jifen_applications::{Actor, ApplicationView, EntryStanding, FindingInput, Service, entry_standing};
use jifen_domain::Role;
use jifen_domain::clock::shanghai_time;
use jifen_rules::Lang;
use jifen_store::{ApplicationId, BlacklistEntryId};
use jifen_store::{BlacklistEntry, BlacklistQuery, BlacklistSubject};
use maud::{Markup, html};

pub(crate) mod views;
/// `GET /blacklist`: the entries the viewer may see, the newest first.
pub async fn list(State(state): State<AppState>, chosen: Chosen, signed: SignedIn) -> PageResult {
    let lang = chosen.lang;
    let entries =
        state.service.blacklist_for(&Actor::from(&signed.user), BlacklistQuery::default()).await.or_page(lang)?;
    let body = views::records(&state.service, lang, &entries, &signed);
    Ok(page(StatusCode::OK, lang, t(lang, "虚假材料记录", "False-materials records"), body))
}

#[derive(serde::Deserialize)]
pub struct FindingForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    material: String,
    #[serde(default)]
    finding: String,
    #[serde(default)]
    evidence: String,
    #[serde(default)]
    person: Option<String>,
    #[serde(default)]
    employer: Option<String>,
}

/// `POST /applications/{id}/findings`: a reviewer records a finding.
pub async fn record(
    State(state): State<AppState>,
    chosen: Chosen,
    headers: HeaderMap,
    signed: SignedIn,
    IdPath(id): IdPath<ApplicationId>,
    CheckedForm(form): CheckedForm<FindingForm>,
) -> PageResult {
    let lang = chosen.lang;
    signed.check_form(&headers, &form.csrf, lang)?;
    let input = FindingInput {
        person: form.person.is_some(),
        employer: form.employer.is_some(),
        material: form.material,
        finding: form.finding,
        evidence: form.evidence,
    };
    let _ = state.service.record_finding(&Actor::from(&signed.user), id, &input).await.or_page(lang)?;
    Ok(see_other(&format!("/applications/{id}?done=moved")))
}

#[derive(serde::Deserialize)]
pub struct ResponseForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    text: String,
}

/// `POST /blacklist/{id}/response`: the person or the employer named answers.
pub async fn respond(
    State(state): State<AppState>,
    chosen: Chosen,
    headers: HeaderMap,
    signed: SignedIn,
    IdPath(id): IdPath<BlacklistEntryId>,
    CheckedForm(form): CheckedForm<ResponseForm>,
) -> PageResult {
    let lang = chosen.lang;
    signed.check_form(&headers, &form.csrf, lang)?;
    answered(lang, state.service.respond_to_entry(&Actor::from(&signed.user), id, &form.text).await)
}

#[derive(serde::Deserialize)]
pub struct DecisionForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    decision: String,
    #[serde(default)]
    reason: String,
}

/// `POST /blacklist/{id}/decision`: a supervisor confirms or dismisses.
pub async fn decide(
    State(state): State<AppState>,
    chosen: Chosen,
    headers: HeaderMap,
    signed: SignedIn,
    IdPath(id): IdPath<BlacklistEntryId>,
    CheckedForm(form): CheckedForm<DecisionForm>,
) -> PageResult {
    let lang = chosen.lang;
    signed.check_form(&headers, &form.csrf, lang)?;
    let confirm = match form.decision.as_str() {
        "confirm" => true,
        "dismiss" => false,
        _ => return Err(Refusal::of(lang, &jifen_applications::ServiceError::NotFound)),
    };
    answered(lang, state.service.decide_entry(&Actor::from(&signed.user), id, confirm, &form.reason).await)
}

/// `POST /blacklist/{id}/appeal`: the person or the employer named appeals a confirmation.
pub async fn appeal(
    State(state): State<AppState>,
    chosen: Chosen,
    headers: HeaderMap,
    signed: SignedIn,
    IdPath(id): IdPath<BlacklistEntryId>,
    CheckedForm(form): CheckedForm<ResponseForm>,
) -> PageResult {
    let lang = chosen.lang;
    signed.check_form(&headers, &form.csrf, lang)?;
    answered(lang, state.service.appeal_entry(&Actor::from(&signed.user), id, &form.text).await)
}

/// `POST /blacklist/{id}/appeal-answer`: a supervisor who took no part answers the appeal.
pub async fn answer_appeal(
    State(state): State<AppState>,
    chosen: Chosen,
    headers: HeaderMap,
    signed: SignedIn,
    IdPath(id): IdPath<BlacklistEntryId>,
    CheckedForm(form): CheckedForm<DecisionForm>,
) -> PageResult {
    let lang = chosen.lang;
    signed.check_form(&headers, &form.csrf, lang)?;
    let lift = match form.decision.as_str() {
        "lift" => true,
        "uphold" => false,
        _ => return Err(Refusal::of(lang, &jifen_applications::ServiceError::NotFound)),
    };
    answered(lang, state.service.answer_entry_appeal(&Actor::from(&signed.user), id, lift, &form.reason).await)
}

/// `POST /blacklist/{id}/correction`: a supervisor records a correction beside the entry.
pub async fn correct(
    State(state): State<AppState>,
    chosen: Chosen,
    headers: HeaderMap,
    signed: SignedIn,
    IdPath(id): IdPath<BlacklistEntryId>,
    CheckedForm(form): CheckedForm<ResponseForm>,
) -> PageResult {
    let lang = chosen.lang;
    signed.check_form(&headers, &form.csrf, lang)?;
    answered(lang, state.service.correct_entry(&Actor::from(&signed.user), id, &form.text).await)
}

/// A blacklist form's answer: back to the list when done, the reason when refused.
fn answered(lang: Lang, result: Result<(), jifen_applications::ServiceError>) -> PageResult {
    result.or_page(lang)?;
    Ok(see_other("/blacklist"))
}
