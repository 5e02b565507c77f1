//! The HR agent's applicant accounts: the list (ID numbers and mobiles masked), opening one
//! account, and importing a CSV roster with a progress page and a per-row report.

use crate::AppState;
use crate::checked_form::CheckedForm;
use crate::checked_form::CheckedQuery;
use crate::lang::Chosen;
use crate::layout::t;
use crate::respond::IdPath;
use crate::respond::{OrPage, PageResult, Refusal, page, see_other};
use crate::session::SignedIn;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, State};
use axum::http::{HeaderMap, StatusCode};
use jifen_applications::{Actor, RegisterOutcome, ServiceError};
use jifen_domain::roster::MAX_ROWS;
use jifen_rules::Lang;
use jifen_store::{ImportJobId, UserId};
use jifen_store::{ImportStatus, LinkStatus};
use maud::{Markup, html};
use serde::Deserialize;

pub(crate) mod views;

/// The largest roster file accepted.
pub const MAX_ROSTER_BYTES: usize = 2 * 1024 * 1024;

/// A mobile number as lists show it (`138****8000`).
pub fn mask_mobile(mobile: &str) -> String {
    match (mobile.get(..3), mobile.get(mobile.len().saturating_sub(4)..)) {
        (Some(head), Some(tail)) if mobile.len() == 11 => format!("{head}****{tail}"),
        _ => "*".repeat(mobile.chars().count()),
    }
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    done: String,
}

#[derive(Deserialize, Default)]
pub struct NewApplicantForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    id_number: String,
    #[serde(default)]
    mobile: String,
    #[serde(default)]
    csrf: String,
}

async fn list_page(
    state: &AppState,
    signed: &SignedIn,
    lang: Lang,
    status: StatusCode,
    notice: Option<Markup>,
    form: &NewApplicantForm,
) -> PageResult {
    let actor = Actor::from(&signed.user);
    let applicants = state.service.employer_applicants(&actor).await.or_page(lang)?;
    let body = views::applicants(state.workflow, lang, notice, form, &applicants, &signed.session.csrf_token);
    Ok(page(status, lang, t(lang, "申请人账号", "Applicant accounts"), body))
}

/// `GET /applicants`.
pub async fn list(
    State(state): State<AppState>,
    chosen: Chosen,
    signed: SignedIn,
    CheckedQuery(query): CheckedQuery<ListQuery>,
) -> PageResult {
    let lang = chosen.lang;
    let notice = match query.done.as_str() {
        "created" => Some(t(
            lang,
            "已登记，初始密码已通过短信发送给申请人。",
            "Registered; the initial password is on its way by SMS.",
        )),
        "linked" => Some(t(
            lang,
            "该人员已有账号：已短信请其本人登录确认。确认前本单位看不到其信息，也不能为其办理申请。",
            "The person has an account: they were asked by SMS to confirm in their own account. Until they do, your employer sees nothing of them and cannot file for them.",
        )),
        "unchanged" => Some(t(
            lang,
            "该申请人已在本单位登记，无需重复登记。",
            "This person is registered with your employer already.",
        )),
        _ => None,
    };
    let notice = notice.map(views::done);
    list_page(&state, &signed, lang, StatusCode::OK, notice, &NewApplicantForm::default()).await
}

/// `POST /applicants/{user_id}/follow-up`: the HR agent starts the renewal or change of a
/// linked person's points notice; the person is told by SMS to check and submit it.
pub async fn follow_up(
    State(state): State<AppState>,
    chosen: Chosen,
    headers: HeaderMap,
    signed: SignedIn,
    IdPath(holder): IdPath<UserId>,
    CheckedForm(form): CheckedForm<crate::notice::FollowUpForm>,
) -> PageResult {
    crate::notice::start_follow_up(&state, chosen.lang, &headers, &signed, holder, &form).await
}

/// `POST /applicants`: opens (or links) one account.
pub async fn create(
    State(state): State<AppState>,
    chosen: Chosen,
    headers: HeaderMap,
    signed: SignedIn,
    CheckedForm(form): CheckedForm<NewApplicantForm>,
) -> PageResult {
    let lang = chosen.lang;
    signed.check_form(&headers, &form.csrf, lang)?;
    let actor = Actor::from(&signed.user);
    match state.service.register_applicant(&actor, &form.name, &form.id_number, &form.mobile).await {
        Ok(outcome) => {
            let done = match outcome {
                RegisterOutcome::Created { .. } => "created",
                RegisterOutcome::Linked { .. } => "linked",
                RegisterOutcome::Unchanged { .. } => "unchanged",
            };
            Ok(see_other(&format!("/applicants?done={done}")))
        }
        Err(ServiceError::Invalid(problems)) => {
            let notice = views::problems(lang, &problems);
            list_page(&state, &signed, lang, StatusCode::UNPROCESSABLE_ENTITY, Some(notice), &form).await
        }
        Err(e) => Err(Refusal::of(lang, &e)),
    }
}

/// `POST /applicants/import`: a multipart form with the CSRF token and the roster file.
pub async fn import(
    State(state): State<AppState>,
    chosen: Chosen,
    headers: HeaderMap,
    signed: SignedIn,
    multipart: Result<Multipart, MultipartRejection>,
) -> PageResult {
    let lang = chosen.lang;
    let parts = crate::applications::read_multipart(multipart, MAX_ROSTER_BYTES, lang).await?;
    signed.check_form(&headers, &parts.text("csrf"), lang)?;
    let Some((_, bytes)) = parts.file("roster") else {
        return Ok(crate::respond::message(
            StatusCode::UNPROCESSABLE_ENTITY,
            lang,
            t(lang, "请选择 CSV 文件", "Choose a CSV file"),
        ));
    };
    let job = state.service.import_roster(&Actor::from(&signed.user), bytes).await.or_page(lang)?;
    Ok(see_other(&format!("/applicants/import/{}", job.id)))
}

/// `GET /applicants/import/{id}`: progress while it runs (the page refreshes itself, no
/// script needed), then what became of every row.
pub async fn import_status(
    State(state): State<AppState>,
    chosen: Chosen,
    signed: SignedIn,
    IdPath(job_id): IdPath<ImportJobId>,
) -> PageResult {
    let lang = chosen.lang;
    let progress = state.service.import_progress(&Actor::from(&signed.user), job_id).await.or_page(lang)?;
    let body = views::import_report(lang, &progress);
    Ok(page(StatusCode::OK, lang, t(lang, "批量导入", "Roster import"), body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mobiles_are_masked_in_lists() {
        assert_eq!(mask_mobile("13800138000"), "138****8000");
        assert_eq!(mask_mobile("12345"), "*****");
    }
}
