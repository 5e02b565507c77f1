//! Signing in and out, changing the password (forced at first login), employer sign-up and
//! the district clerk's decision on it, and each role's home page.

use crate::AppState;
use crate::checked_form::CheckedForm;
use crate::lang::Chosen;
use crate::layout::t;
use crate::respond::IdPath;
use crate::respond::{OrPage, PageResult, Refusal, message, page, service_status, stale_form};
use crate::session::{
    AnySignedIn, CSRF_COOKIE, DEVICE_COOKIE, SESSION_COOKIE, SignedIn, client_address, cookie, double_submit_ok,
    same_origin, set_cookie,
};
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use jifen_applications::{Actor, Credentials, DEVICE_MILLIS, LinkDecision, SESSION_MILLIS};
use jifen_domain::Role;
use jifen_rules::Lang;
use jifen_store::EmployerId;
use jifen_store::LinkStatus;
use maud::{Markup, html};
use serde::Deserialize;
use std::net::SocketAddr;
use views::{login_form, password_form};

pub(crate) mod views;
/// A page with a form before sign-in: sets the double-submit CSRF cookie it carries.
pub(crate) fn with_csrf_cookie(token: &str, response: Response) -> Response {
    let mut response = response;
    if let Ok(value) = set_cookie(CSRF_COOKIE, token, 3600).parse() {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

pub async fn login_page(chosen: Chosen) -> Response {
    let csrf = jifen_auth::random_token();
    let lang = chosen.lang;
    with_csrf_cookie(&csrf, page(StatusCode::OK, lang, t(lang, "登录", "Sign in"), login_form(lang, &csrf, None)))
}

#[derive(Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
    #[serde(default)]
    csrf: String,
}

pub async fn login(
    State(state): State<AppState>,
    chosen: Chosen,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    CheckedForm(form): CheckedForm<LoginForm>,
) -> PageResult {
    let lang = chosen.lang;
    if !same_origin(&headers) || !double_submit_ok(&headers, &form.csrf) {
        return Err(stale_form(lang).into());
    }
    let device = cookie(&headers, DEVICE_COOKIE);
    let credentials = Credentials {
        username: &form.username,
        password: form.password,
        source: client_address(peer.ip(), &headers, &state.trusted_proxies),
        device_token: device.as_deref(),
    };
    match state.service.sign_in(credentials).await {
        Ok(session) => {
            let target = if session.user.must_change_password { "/account/password" } else { "/home" };
            let mut response = signed_in_redirect(target, &session.token);
            if let Ok(value) = set_cookie(DEVICE_COOKIE, &session.device_token, DEVICE_MILLIS / 1000).parse() {
                response.headers_mut().append(header::SET_COOKIE, value);
            }
            Ok(response)
        }
        Err(error) if error.is_internal() => Err(Refusal::of(lang, &error)),
        Err(error) => {
            let status = service_status(&error);
            let csrf = jifen_auth::random_token();
            let body = login_form(lang, &csrf, Some(&error.message(lang)));
            Ok(with_csrf_cookie(&csrf, page(status, lang, t(lang, "登录", "Sign in"), body)))
        }
    }
}

/// The redirect after a sign-in or a password change, with the new session's cookie.
fn signed_in_redirect(target: &str, token: &str) -> Response {
    let mut response = Redirect::to(target).into_response();
    if let Ok(value) = set_cookie(SESSION_COOKIE, token, SESSION_MILLIS / 1000).parse() {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

pub async fn logout(
    State(state): State<AppState>,
    chosen: Chosen,
    headers: HeaderMap,
    AnySignedIn(signed): AnySignedIn,
    CheckedForm(form): CheckedForm<CsrfForm>,
) -> PageResult {
    signed.check_form(&headers, &form.csrf, chosen.lang)?;
    state.service.sign_out(signed.user.id, &signed.session).await.or_page(chosen.lang)?;
    let mut response = Redirect::to("/").into_response();
    if let Ok(value) = set_cookie(SESSION_COOKIE, "", 0).parse() {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    Ok(response)
}

pub async fn password_page(chosen: Chosen, AnySignedIn(signed): AnySignedIn) -> Response {
    let lang = chosen.lang;
    page(StatusCode::OK, lang, t(lang, "修改密码", "Change your password"), password_form(lang, &signed, None))
}

#[derive(Deserialize)]
pub struct PasswordForm {
    current: String,
    new: String,
    confirm: String,
    #[serde(default)]
    csrf: String,
}

pub async fn change_password(
    State(state): State<AppState>,
    chosen: Chosen,
    headers: HeaderMap,
    AnySignedIn(signed): AnySignedIn,
    CheckedForm(form): CheckedForm<PasswordForm>,
) -> PageResult {
    let lang = chosen.lang;
    signed.check_form(&headers, &form.csrf, lang)?;
    match state.service.change_password(&signed.user, &form.current, &form.new, &form.confirm).await {
        Ok(token) => Ok(signed_in_redirect("/home", &token)),
        Err(error) if error.is_internal() => Err(Refusal::of(lang, &error)),
        Err(error) => Ok(page(
            StatusCode::UNPROCESSABLE_ENTITY,
            lang,
            t(lang, "修改密码", "Change your password"),
            password_form(lang, &signed, Some(&error.message(lang))),
        )),
    }
}

// ---- home --------------------------------------------------------------------------------

/// What the home page confirms after a decision (`?done=verified`, `?done=rejected`).
#[derive(Deserialize, Default)]
pub struct HomeDone {
    #[serde(default)]
    done: Option<String>,
}

pub async fn home(
    State(state): State<AppState>,
    chosen: Chosen,
    signed: SignedIn,
    crate::checked_form::CheckedQuery(done): crate::checked_form::CheckedQuery<HomeDone>,
) -> PageResult {
    let lang = chosen.lang;
    let notice = match done.done.as_deref() {
        Some("verified") => Some(t(
            lang,
            "单位注册已审核通过，已短信通知单位联系人。",
            "Sign-up verified; the contact was told by SMS.",
        )),
        Some("rejected") => Some(t(
            lang,
            "单位注册未予通过，理由已短信告知单位联系人。",
            "Sign-up rejected; the contact was told the reason by SMS.",
        )),
        _ => None,
    };
    let user = &signed.user;
    let actor = jifen_applications::Actor::from(user);
    let csrf = &signed.session.csrf_token;
    let section = match (user.role, user.district, user.employer_id) {
        (role, Some(district), _) if role.is_district_staff() => {
            let pending = state.service.employers_to_verify(&actor).await.or_page(lang)?;
            views::staff_home(lang, user.role, district, &pending, csrf)
        }
        (Role::HrAgent, _, Some(_)) => views::agent_home(lang, &state.service.my_employer(&actor).await.or_page(lang)?),
        (Role::Applicant, _, _) => {
            let listings = state.service.applications(&actor).await.or_page(lang)?;
            let notices = state.service.my_notices(&actor).await.or_page(lang)?;
            let entries =
                state.service.blacklist_for(&actor, jifen_store::BlacklistQuery::default()).await.or_page(lang)?;
            let rescored = match notices.first() {
                Some((notice, _)) => state.service.rescored_total(notice.id).await.or_page(lang)?,
                None => None,
            };
            let today = state.service.clock.today();
            views::applicant_home(state.workflow, lang, &listings, &notices, &entries, rescored, today, csrf)
        }
        (Role::Admin, _, _) => crate::admin::views::home_links(lang),
        _ => views::welcome(lang),
    };
    let body = views::home(lang, user, notice, section, csrf);
    Ok(page(StatusCode::OK, lang, t(lang, "工作台", "Home"), body))
}

// ---- the person's employers ---------------------------------------------------------------

/// `GET /account/employers`: the employers linked to the person, and the requests to link
/// they have not answered yet.
pub async fn my_employers(State(state): State<AppState>, chosen: Chosen, signed: SignedIn) -> PageResult {
    let lang = chosen.lang;
    let links = state.service.my_employers(&Actor::from(&signed.user)).await.or_page(lang)?;
    let body = views::my_employers(lang, &links, &signed.session.csrf_token);
    Ok(page(StatusCode::OK, lang, t(lang, "我的用人单位", "My employers"), body))
}

fn link_status_name(status: LinkStatus, lang: Lang) -> &'static str {
    match status {
        LinkStatus::Pending => t(lang, "待您确认", "Waiting for your consent"),
        LinkStatus::Active => t(lang, "已关联", "Linked"),
        LinkStatus::Declined => t(lang, "您已拒绝", "You declined"),
        LinkStatus::Ended => t(lang, "您已结束关联", "You ended it"),
    }
}

#[derive(Deserialize)]
pub struct LinkForm {
    decision: String,
    #[serde(default)]
    csrf: String,
}

/// `POST /account/employers/{employer_id}`: the person accepts, declines or ends a link.
pub async fn decide_link(
    State(state): State<AppState>,
    chosen: Chosen,
    headers: HeaderMap,
    signed: SignedIn,
    IdPath(employer_id): IdPath<EmployerId>,
    CheckedForm(form): CheckedForm<LinkForm>,
) -> PageResult {
    let lang = chosen.lang;
    signed.check_form(&headers, &form.csrf, lang)?;
    let decision = match form.decision.as_str() {
        "accept" => LinkDecision::Accept,
        "decline" => LinkDecision::Decline,
        "end" => LinkDecision::End,
        _ => return Ok(message(StatusCode::UNPROCESSABLE_ENTITY, lang, t(lang, "未知的操作", "Unknown decision"))),
    };
    state.service.decide_link(&Actor::from(&signed.user), employer_id, decision).await.or_page(lang)?;
    Ok(Redirect::to("/account/employers").into_response())
}
