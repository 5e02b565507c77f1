//! Signing in and out, changing the password (forced at first login), employer sign-up and
//! the district clerk's decision on it, and each role's home page.

use crate::AppState;
use crate::checked_form::CheckedForm;
use crate::lang::Chosen;
use crate::layout::t;
use crate::respond::{OrPage, PageResult, Refusal, done, message, page, service_status, stale_form};
use crate::session::{
    AnySignedIn, CSRF_COOKIE, DEVICE_COOKIE, SESSION_COOKIE, SignedIn, client_address, cookie, double_submit_ok,
    same_origin, set_cookie,
};
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use jifen_applications::Reason;
use jifen_applications::{
    Actor, Credentials, DEVICE_MILLIS, EmployerDecision, EmployerSignUp, LinkDecision, MAX_REASON_CHARS,
    SESSION_MILLIS, ServiceError,
};
use jifen_domain::application::Problem;
use jifen_domain::{District, Role};
use jifen_rules::Lang;
use jifen_store::LinkStatus;
use maud::{Markup, html};
use serde::Deserialize;
use std::net::SocketAddr;

/// A page with a form before sign-in: sets the double-submit CSRF cookie it carries.
fn with_csrf_cookie(token: &str, response: Response) -> Response {
    let mut response = response;
    if let Ok(value) = set_cookie(CSRF_COOKIE, token, 3600).parse() {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

// ---- sign in -----------------------------------------------------------------------------

fn login_form(lang: Lang, csrf: &str, error: Option<&str>) -> Markup {
    html! {
        h2 { (t(lang, "登录", "Sign in")) }
        @if let Some(error) = error { div.error role="alert" { (error) } }
        form method="post" action="/login" {
            input type="hidden" name="csrf" value=(csrf);
            fieldset { div.grid {
                label { (t(lang, "用户名", "Username")) input name="username" autocomplete="username" required; }
                label { (t(lang, "密码", "Password")) input name="password" type="password" autocomplete="current-password" required; }
            } }
            button type="submit" { (t(lang, "登录", "Sign in")) }
        }
    }
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

// ---- password ----------------------------------------------------------------------------

fn password_form(lang: Lang, signed: &SignedIn, error: Option<&str>) -> Markup {
    html! {
        h2 { (t(lang, "修改密码", "Change your password")) }
        @if signed.user.must_change_password {
            p { (t(lang, "首次登录须先修改初始密码。", "Your initial password must be changed before you go on.")) }
        }
        @if let Some(error) = error { div.error role="alert" { (error) } }
        form method="post" action="/account/password" {
            input type="hidden" name="csrf" value=(signed.session.csrf_token);
            fieldset { div.grid {
                label { (t(lang, "当前密码", "Current password")) input name="current" type="password" autocomplete="current-password" required; }
                label { (t(lang, "新密码（至少 10 位，含字母和数字）", "New password (10+ characters, letters and digits)")) input name="new" type="password" autocomplete="new-password" required; }
                label { (t(lang, "再次输入新密码", "New password again")) input name="confirm" type="password" autocomplete="new-password" required; }
            } }
            button type="submit" { (t(lang, "修改密码", "Change password")) }
        }
    }
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
    axum::extract::Query(done): axum::extract::Query<HomeDone>,
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
    let section = match (user.role, user.district, user.employer_id) {
        (role, Some(district), _) if role.is_district_staff() => {
            match state.service.employers_to_verify(&jifen_applications::Actor::from(user)).await {
                Ok(pending) => html! {
                    ul.links {
                        li { a href="/centre" { (t(lang, "受理审核工作台（本区申请、期限、逾期）", "Centre queue (your district's applications, due dates, overdue)")) } }
                        li { a href="/blacklist" { (t(lang, "虚假材料记录（全市）", "False-materials records (all districts)")) } }
                        @if user.role == Role::Supervisor { li { a href="/admin/audit" { (t(lang, "本区审计日志", "Your district's audit log")) } } }
                        @if user.role == Role::Supervisor { li { a href="/dashboard" { (t(lang, "本区统计看板", "Your district's dashboard")) } } }
                    }
                    h3 { (district.name(lang)) " · " (t(lang, "待审核的单位注册", "Employer sign-ups to verify")) }
                    @if pending.is_empty() { p { (t(lang, "暂无", "None")) } }
                    @else { table {
                        thead { tr { th { (t(lang, "单位", "Employer")) } th { (t(lang, "统一社会信用代码", "Credit code")) } th { (t(lang, "联系人", "Contact")) } th {} } }
                        tbody { @for employer in &pending { tr {
                            td { (employer.name) } td { (employer.credit_code) } td { (employer.contact_name) " " (employer.contact_phone) }
                            td { @if user.role == Role::Clerk {
                                form method="post" action=(format!("/employers/{}/decision", employer.id)) {
                                    input type="hidden" name="csrf" value=(signed.session.csrf_token);
                                    button name="decision" value="verify" type="submit" { (t(lang, "审核通过", "Verify")) } " "
                                    button.danger-outline name="decision" value="reject" type="submit" { (t(lang, "不予通过…", "Reject…")) }
                                }
                            } }
                        } } }
                    } }
                },
                Err(e) => return Err(Refusal::of(lang, &e)),
            }
        }
        (Role::HrAgent, _, Some(_)) => match state.service.my_employer(&jifen_applications::Actor::from(user)).await {
            Ok(employer) => html! {
                h3 { (employer.name) } p { (employer.credit_code) " · " (employer.district.name(lang)) }
                p { (t(lang, "单位已通过审核，可以为职工办理积分申请。", "Your employer is verified and may file applications.")) }
                ul.links {
                    li { a href="/applicants" { (t(lang, "申请人账号（登记、批量导入）", "Applicant accounts (add, import)")) } }
                    li { a href="/applications" { (t(lang, "积分申请（审核、提交、打印）", "Applications (review, file, print)")) } }
                    li { a href="/blacklist" { (t(lang, "本单位的诚信记录", "Your employer's records")) } }
                }
            },
            Err(e) => return Err(Refusal::of(lang, &e)),
        },
        (Role::Applicant, _, _) => {
            let actor = jifen_applications::Actor::from(user);
            let listings = state.service.applications(&actor).await.or_page(lang)?;
            let notices = state.service.my_notices(&actor).await.or_page(lang)?;
            let entries =
                state.service.blacklist_for(&actor, jifen_store::BlacklistQuery::default()).await.or_page(lang)?;
            let rescored = match notices.first() {
                Some((notice, _)) => match state.service.rescored_total(notice.id).await {
                    Ok(rescored) => rescored,
                    Err(e) => return Err(Refusal::of(lang, &e)),
                },
                None => None,
            };
            let today = state.service.clock.today();
            html! {
            // The holder's points notice: what they have, and until when.
            @if let Some((notice, standing)) = notices.first() {
                (crate::notice::on_home(notice, *standing, rescored, today, &signed.session.csrf_token, lang))
            }
            // Any record of false materials, and where each stands.
            @if !entries.is_empty() {
                section.summary id="my-records" {
                    p { strong { (t(lang, "诚信记录", "Records")) } " · "
                        @for entry in &entries { (jifen_applications::entry_standing(entry, today).name(lang)) "；" }
                        a href="/blacklist" { (t(lang, "查看、陈述意见或申诉", "See them, respond or appeal")) } }
                }
            }
            // Where the application stands, first: the reason an applicant comes back.
            @if let Some(latest) = listings.first() {
                section.summary id="my-application" {
                    p { a href=(format!("/applications/{}", latest.id)) { (t(lang, "积分申请", "Application")) " #" (latest.id) } " · "
                        (t(lang, "当前状态：", "Now: ")) strong { (state.workflow.state_title(&latest.state, lang).unwrap_or(&latest.state)) }
                        @if let Some(current) = state.workflow.state(&latest.state).filter(|s| !s.is_final) { " · " (t(lang, "等待：", "waiting for: ")) (current.waiting_for.name(lang)) }
                    }
                }
            }
            ul.links {
                li { a href="/applications" { (t(lang, "我的积分申请", "My application")) } }
                li { a href="/account/employers" { (t(lang, "我的用人单位（确认或结束关联）", "My employers (confirm or end a link)")) } }
                li { a href="/blacklist" { (t(lang, "我的诚信记录", "My records")) } }
                li { a href="/" { (t(lang, "积分模拟与规划（可保存用于申请）", "Simulator and planner (save a simulation for your application)")) } }
            }
            }
        }
        (Role::Admin, _, _) => crate::admin::home_links(lang),
        _ => html! { p { (t(lang, "欢迎使用。", "Welcome.")) } },
    };
    let body = html! {
        @if let Some(notice) = notice { div.notice role="status" id="done" { (notice) } }
        h2 { (user.display_name) " · " (user.role.name(lang)) }
        (section)
        p { a href="/account/password" { (t(lang, "修改密码", "Change password")) } }
        form method="post" action="/logout" {
            input type="hidden" name="csrf" value=(signed.session.csrf_token);
            button type="submit" { (t(lang, "退出登录", "Sign out")) }
        }
    };
    Ok(page(StatusCode::OK, lang, t(lang, "工作台", "Home"), body))
}

// ---- employers ---------------------------------------------------------------------------

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

fn employer_form(lang: Lang, csrf: &str, form: &EmployerForm, problems: &[Problem]) -> Markup {
    let problem = |name: &str| problems.iter().find(|p| p.field == name).map(|p| p.message(lang).to_string());
    let field = |name: &str, label: &str, value: &str, kind: &str| {
        let error = problem(name);
        html! {
            label { (label) input name=(name) type=(kind) value=(value) required aria-invalid=[error.as_ref().map(|_| "true")];
                @if let Some(error) = error { span.field-error { (error) } } }
        }
    };
    let error = (!problems.is_empty()).then(|| match lang {
        Lang::Zh => format!("有 {} 处需要修改，见各栏下方的说明。", problems.len()),
        Lang::En => format!("{} field(s) to fix; see the notes under them.", problems.len()),
    });
    html! {
        h2 { (t(lang, "用人单位注册", "Employer sign-up")) }
        p { (t(lang, "注册后由单位注册地所在区的人才服务中心受理人员审核；审核通过后单位经办人方可登录办理。",
               "A clerk of the district centre where the employer is registered verifies the sign-up; its HR agent can sign in after that.")) }
        @if let Some(error) = error { div.error role="alert" { (error) } }
        form method="post" action="/employers/register" novalidate {
            input type="hidden" name="csrf" value=(csrf);
            fieldset { div.grid {
                (field("name", t(lang, "单位名称", "Employer name"), &form.name, "text"))
                (field("credit_code", t(lang, "统一社会信用代码", "Unified social credit code"), &form.credit_code, "text"))
                label { (t(lang, "注册地所在区", "Registration district"))
                    select name="district" required aria-invalid=[problem("district").map(|_| "true")] {
                        option value="" selected[form.district.is_empty()] { (t(lang, "请选择", "Choose")) }
                        @for district in District::ALL {
                            option value=(district.as_str()) selected[form.district == district.as_str()] { (district.name(lang)) }
                        }
                    }
                }
                (field("contact_name", t(lang, "联系人", "Contact name"), &form.contact_name, "text"))
                (field("contact_phone", t(lang, "联系电话（手机）", "Contact mobile"), &form.contact_phone, "tel"))
                (field("username", t(lang, "经办人用户名", "HR agent username"), &form.username, "text"))
                label { (t(lang, "经办人密码（至少 10 位，含字母和数字）", "HR agent password (10+ characters, letters and digits)"))
                    input name="password" type="password" autocomplete="new-password" required;
                    @if let Some(error) = problem("password") { span.field-error { (error) } } }
            } }
            button type="submit" { (t(lang, "提交注册", "Sign up")) }
        }
    }
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
    Path(employer_id): Path<i64>,
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
    employer_id: i64,
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
    let body = html! {
        h2 { (t(lang, "不予通过单位注册", "Reject an employer's sign-up")) }
        div.error role="alert" {
            p { strong { (employer.name) } " · " (employer.credit_code) }
            p { (t(lang, "不予通过后，该单位的经办人账号将停用，单位须重新注册。理由会通过短信告知单位联系人 ",
                "Once rejected, the employer's agent accounts are closed and it must sign up again. The reason goes by SMS to its contact "))
                (employer.contact_name) "（" (employer.contact_phone) "）。" }
        }
        form method="post" action=(format!("/employers/{employer_id}/decision")) {
            input type="hidden" name="csrf" value=(signed.session.csrf_token);
            input type="hidden" name="decision" value="reject";
            input type="hidden" name="confirmed" value="yes";
            label { (t(lang, "不予通过的理由（必填）", "Reason (required)"))
                textarea name="reason" rows="3" required maxlength=(MAX_REASON_CHARS) aria-invalid=[problem.as_ref().map(|_| "true")] {}
                @if let Some(problem) = &problem { span.field-error id="reason-error" { (problem) } }
            }
            div.actions {
                button.danger type="submit" { (t(lang, "确认不予通过", "Reject this sign-up")) }
                a.button.secondary href="/home" { (t(lang, "返回，不做处理", "Go back; decide nothing")) }
            }
        }
    };
    Ok(page(status, lang, t(lang, "不予通过单位注册", "Reject an employer's sign-up"), body))
}

// ---- the person's employers ---------------------------------------------------------------

/// `GET /account/employers`: the employers linked to the person, and the requests to link
/// they have not answered yet.
pub async fn my_employers(State(state): State<AppState>, chosen: Chosen, signed: SignedIn) -> PageResult {
    let lang = chosen.lang;
    let links = state.service.my_employers(&Actor::from(&signed.user)).await.or_page(lang)?;
    let csrf = &signed.session.csrf_token;
    let decide = |employer_id: i64, decision: &'static str, label: &'static str, secondary: bool| {
        html! {
            form.inline method="post" action=(format!("/account/employers/{employer_id}")) {
                input type="hidden" name="csrf" value=(csrf);
                button.secondary[secondary] name="decision" value=(decision) type="submit" { (label) }
            }
        }
    };
    let body = html! {
        h2 { (t(lang, "我的用人单位", "My employers")) }
        p.hint { (t(lang,
            "用人单位为您办理积分申请须经您同意。您确认关联前，该单位看不到您的姓名、手机号码和申请；您可随时结束关联。",
            "An employer files for you only with your consent. Until you confirm a link, the employer sees neither your name, your mobile nor your application; you can end a link at any time.")) }
        @if links.is_empty() { p { (t(lang, "暂无", "None")) } }
        @else { div.scroll { table {
            thead { tr { th { (t(lang, "单位", "Employer")) } th { (t(lang, "状态", "Status")) } th {} } }
            tbody { @for link in &links { tr {
                td { (link.employer_name) }
                td { (link_status_name(link.status, lang)) }
                td { div.actions {
                    @match link.status {
                        LinkStatus::Pending => {
                            (decide(link.employer_id, "accept", t(lang, "同意关联", "Accept"), false))
                            (decide(link.employer_id, "decline", t(lang, "拒绝", "Decline"), true))
                        }
                        LinkStatus::Active => { (decide(link.employer_id, "end", t(lang, "结束关联", "End the link"), true)) }
                        _ => {}
                    }
                } }
            } } }
        } } }
        p { a href="/home" { (t(lang, "返回工作台", "Back to your home page")) } }
    };
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
    Path(employer_id): Path<i64>,
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
