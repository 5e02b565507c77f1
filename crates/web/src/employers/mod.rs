//! Employers: the sign-up of an employer with its HR agent's account (`/employers/register`),
//! and the district clerk's verification or rejection of it.

//! Signing in and out, changing the password (forced at first login), employer sign-up and
//! the district clerk's decision on it, and each role's home page.

use crate::AppState;
use crate::accounts::with_csrf_cookie;
use crate::checked_form::CheckedForm;
use crate::lang::Chosen;
use crate::layout::t;
use crate::respond::IdPath;
use crate::respond::{PageResult, Refusal, done, message, page, service_status, stale_form};
use crate::session::{SignedIn, client_address, double_submit_ok, same_origin};
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use jifen_applications::Reason;
use jifen_applications::{Actor, EmployerDecision, EmployerSignUp, MAX_REASON_CHARS, ServiceError};
use jifen_domain::District;
use jifen_domain::application::Problem;
use jifen_rules::Lang;
use maud::{Markup, html};
use serde::Deserialize;
use std::net::SocketAddr;

pub(crate) mod views;
use jifen_store::EmployerId;
use views::employer_form;

#[derive(Deserialize, Default)]
pub struct EmployerForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    credit_code: String,
    #[serde(default)]
    district: String,
    #[serde(default)]
    contact_name: String,
    #[serde(default)]
    contact_phone: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf: String,
}

pub async fn employer_page(chosen: Chosen) -> Response {
    let csrf = jifen_auth::random_token();
    let lang = chosen.lang;
    let body = employer_form(lang, &csrf, &EmployerForm::default(), &[]);
    with_csrf_cookie(&csrf, page(StatusCode::OK, lang, t(lang, "用人单位注册", "Employer sign-up"), body))
}

pub async fn register_employer(
    State(state): State<AppState>,
    chosen: Chosen,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    CheckedForm(form): CheckedForm<EmployerForm>,
) -> PageResult {
    let lang = chosen.lang;
    if !same_origin(&headers) || !double_submit_ok(&headers, &form.csrf) {
        return Err(stale_form(lang).into());
    }
    let sign_up = EmployerSignUp {
        name: form.name.clone(),
        credit_code: form.credit_code.clone(),
        district: form.district.clone(),
        contact_name: form.contact_name.clone(),
        contact_phone: form.contact_phone.clone(),
        username: form.username.clone(),
        password: form.password.clone(),
    };
    let problems = match state
        .service
        .register_employer(&sign_up, client_address(peer.ip(), &headers, &state.trusted_proxies))
        .await
    {
        Ok(registered) => {
            let text = match lang {
                Lang::Zh => format!(
                    "注册已提交：{}。{}人才服务中心审核通过后，经办人即可登录（7 日内未审核的注册自动失效）。",
                    registered.name,
                    registered.district.name(lang)
                ),
                Lang::En => format!(
                    "Signed up: {}. Its HR agent can sign in once the {} centre verifies it (a sign-up not verified within 7 days expires).",
                    registered.name,
                    registered.district.name(lang)
                ),
            };
            return Ok(done(StatusCode::CREATED, lang, &text));
        }
        Err(ServiceError::Invalid(problems)) => problems,
        Err(error) if error.is_internal() => return Err(Refusal::of(lang, &error)),
        Err(error) => return Ok(message(service_status(&error), lang, &error.message(lang))),
    };
    let csrf = jifen_auth::random_token();
    let body = employer_form(lang, &csrf, &form, &problems);
    Ok(with_csrf_cookie(
        &csrf,
        page(StatusCode::UNPROCESSABLE_ENTITY, lang, t(lang, "用人单位注册", "Employer sign-up"), body),
    ))
}

#[derive(Deserialize)]
pub struct DecisionForm {
    decision: String,
    #[serde(default)]
    csrf: String,
    /// Why a sign-up is rejected (told to the employer's contact).
    #[serde(default)]
    reason: String,
    /// A rejection is carried out only from its confirmation page.
    #[serde(default)]
    confirmed: String,
}

/// A clerk of the employer's own district verifies or rejects its sign-up. A rejection
/// first asks for its reason and a confirmation; the process decides, tells the contact by
/// SMS and audits.
pub async fn decide_employer(
    State(state): State<AppState>,
    chosen: Chosen,
    headers: HeaderMap,
    signed: SignedIn,
    IdPath(employer_id): IdPath<EmployerId>,
    CheckedForm(form): CheckedForm<DecisionForm>,
) -> PageResult {
    let lang = chosen.lang;
    signed.check_form(&headers, &form.csrf, lang)?;
    let Some(decision) = EmployerDecision::parse(&form.decision) else {
        return Ok(message(StatusCode::UNPROCESSABLE_ENTITY, lang, t(lang, "未知的审核结论", "Unknown decision")));
    };
    if decision == EmployerDecision::Reject && form.confirmed != "yes" {
        return confirm_rejection(&state, &signed, employer_id, lang, None).await;
    }
    match state.service.decide_employer(&Actor::from(&signed.user), employer_id, decision, &form.reason).await {
        Ok(()) => Ok(Redirect::to(match decision {
            EmployerDecision::Verify => "/home?done=verified",
            EmployerDecision::Reject => "/home?done=rejected",
        })
        .into_response()),
        Err(refusal @ ServiceError::Refused { reason: Reason::ReasonRequired | Reason::ReasonTooLong, .. }) => {
            confirm_rejection(&state, &signed, employer_id, lang, Some(refusal.message(lang).to_string())).await
        }
        Err(e) => Err(Refusal::of(lang, &e)),
    }
}

/// The rejection's own page: which employer, the reason (required), and a button that says
/// what it does; nothing is decided until it is pressed.
async fn confirm_rejection(
    state: &AppState,
    signed: &SignedIn,
    employer_id: EmployerId,
    lang: Lang,
    problem: Option<String>,
) -> PageResult {
    let employer = match state
        .service
        .employer_of_my_district(&jifen_applications::Actor::from(&signed.user), employer_id)
        .await
    {
        Ok(employer) => employer,
        Err(ServiceError::NotFound) => {
            return Ok(message(StatusCode::NOT_FOUND, lang, t(lang, "没有这个单位", "No such employer")));
        }
        Err(e) => return Err(Refusal::of(lang, &e)),
    };
    let status = if problem.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let body = views::reject_form(lang, &employer, problem.as_deref(), &signed.session.csrf_token);
    Ok(page(status, lang, t(lang, "不予通过单位注册", "Reject an employer's sign-up"), body))
}
