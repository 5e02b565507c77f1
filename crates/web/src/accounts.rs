//! Signing in and out, changing the password (forced at first login), employer sign-up and
//! the district clerk's decision on it, and each role's home page.

use crate::AppState;
use crate::lang::Chosen;
use crate::layout::t;
use crate::respond::{forbidden, message, page, server_error, stale_form};
use crate::session::{
    AnySignedIn, CSRF_COOKIE, SESSION_COOKIE, SESSION_MILLIS, SignedIn, double_submit_ok, now_millis, same_origin,
    set_cookie,
};
use axum::Form;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use jifen_domain::{District, Role};
use jifen_ids::CreditCode;
use jifen_rules::Lang;
use jifen_store::{AuditEntry, EmployerStatus, NewEmployer, NewUser, Repository, Session, StoreError};
use maud::{Markup, html};
use serde::Deserialize;
use std::net::SocketAddr;

/// Failed sign-ins allowed per account, and per address, within [`THROTTLE_WINDOW_MILLIS`].
pub const MAX_FAILURES_PER_ACCOUNT: u64 = 5;
pub const MAX_FAILURES_PER_ADDRESS: u64 = 20;
pub const THROTTLE_WINDOW_MILLIS: i64 = 15 * 60 * 1000;

/// Verified against when the username does not exist, so that an unknown name takes as
/// long to refuse as a wrong password.
static DUMMY_HASH: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| jifen_auth::hash_password("no such user 0").unwrap_or_default());

/// A page with a form before sign-in: sets the double-submit CSRF cookie it carries.
fn with_csrf_cookie(token: &str, response: Response) -> Response {
    let mut response = response;
    if let Ok(value) = set_cookie(CSRF_COOKIE, token, 3600).parse() {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

fn audit(actor: Option<i64>, action: &str, subject: String, details: serde_json::Value) -> AuditEntry {
    AuditEntry { at: now_millis(), actor_id: actor, action: action.into(), subject, details }
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
    Form(form): Form<LoginForm>,
) -> Response {
    let lang = chosen.lang;
    if !same_origin(&headers) || !double_submit_ok(&headers, &form.csrf) {
        return stale_form(lang);
    }
    let refuse = |status, text: &str| {
        let csrf = jifen_auth::random_token();
        with_csrf_cookie(&csrf, page(status, lang, t(lang, "登录", "Sign in"), login_form(lang, &csrf, Some(text))))
    };
    let now = now_millis();
    // An ID number signs in however its X is typed.
    let username = form.username.trim();
    let username = jifen_ids::ResidentIdNumber::parse(username)
        .map_or_else(|_| username.to_string(), |id| id.as_str().to_string());
    // Applicants sign in with their ID number: the throttling table keeps only its hash.
    let account_key = format!("user:{}", jifen_auth::token_hash(&username.to_lowercase()));
    let address_key = format!("ip:{}", peer.ip());
    let since = now - THROTTLE_WINDOW_MILLIS;
    let (account_failures, address_failures) = match (
        state.store.login_failures_since(&account_key, since).await,
        state.store.login_failures_since(&address_key, since).await,
    ) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(e), _) | (_, Err(e)) => return server_error(lang, e),
    };
    if account_failures >= MAX_FAILURES_PER_ACCOUNT || address_failures >= MAX_FAILURES_PER_ADDRESS {
        return refuse(
            StatusCode::TOO_MANY_REQUESTS,
            t(lang, "尝试次数过多，请 15 分钟后再试", "Too many attempts; try again in 15 minutes"),
        );
    }
    let user = match state.store.user_by_username(&username).await {
        Ok(user) => user,
        Err(e) => return server_error(lang, e),
    };
    let hash = user.as_ref().map_or_else(|| DUMMY_HASH.clone(), |u| u.password_hash.clone());
    let password = form.password;
    let matches =
        tokio::task::spawn_blocking(move || jifen_auth::verify_password(&password, &hash)).await.unwrap_or(false);
    let Some(user) = user.filter(|user| matches && !user.disabled) else {
        for key in [&account_key, &address_key] {
            if let Err(e) = state.store.record_login_failure(key, now).await {
                return server_error(lang, e);
            }
        }
        return refuse(StatusCode::UNAUTHORIZED, t(lang, "用户名或密码错误", "Wrong username or password"));
    };
    if user.role == Role::HrAgent {
        let verified = match user.employer_id {
            Some(id) => {
                state.store.employer(id).await.ok().flatten().is_some_and(|e| e.status == EmployerStatus::Verified)
            }
            None => false,
        };
        if !verified {
            return refuse(
                StatusCode::FORBIDDEN,
                t(
                    lang,
                    "您的单位尚未通过区受理中心审核，审核通过后方可登录",
                    "Your employer is not yet verified by its district centre; sign in once it is",
                ),
            );
        }
    }
    if let Err(e) = state.store.clear_login_failures(&account_key).await {
        return server_error(lang, e);
    }
    let target = if user.must_change_password { "/account/password" } else { "/home" };
    start_session(&state, user.id, target, lang).await
}

/// A new session for every sign-in (never a reused token), and the redirect.
async fn start_session(state: &AppState, user_id: i64, target: &str, lang: Lang) -> Response {
    let token = jifen_auth::random_token();
    let now = now_millis();
    let session = Session {
        token_hash: jifen_auth::token_hash(&token),
        user_id,
        csrf_token: jifen_auth::random_token(),
        created_at: now,
        expires_at: now + SESSION_MILLIS,
    };
    let entry = audit(Some(user_id), "sign_in", format!("user:{user_id}"), serde_json::json!({}));
    if let Err(e) = state.store.create_session(&session, &entry).await {
        return server_error(lang, e);
    }
    let mut response = Redirect::to(target).into_response();
    if let Ok(value) = set_cookie(SESSION_COOKIE, &token, SESSION_MILLIS / 1000).parse() {
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
    Form(form): Form<CsrfForm>,
) -> Response {
    if !signed.form_ok(&headers, &form.csrf) {
        return stale_form(chosen.lang);
    }
    let entry = audit(Some(signed.user.id), "sign_out", format!("user:{}", signed.user.id), serde_json::json!({}));
    if let Err(e) = state.store.delete_session(&signed.session.token_hash, &entry).await {
        return server_error(chosen.lang, e);
    }
    let mut response = Redirect::to("/").into_response();
    if let Ok(value) = set_cookie(SESSION_COOKIE, "", 0).parse() {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
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
    Form(form): Form<PasswordForm>,
) -> Response {
    let lang = chosen.lang;
    if !signed.form_ok(&headers, &form.csrf) {
        return stale_form(lang);
    }
    let again = |text: &str| {
        page(
            StatusCode::UNPROCESSABLE_ENTITY,
            lang,
            t(lang, "修改密码", "Change your password"),
            password_form(lang, &signed, Some(text)),
        )
    };
    if form.new != form.confirm {
        return again(t(lang, "两次输入的新密码不一致", "The new passwords differ"));
    }
    if form.new == form.current {
        return again(t(lang, "新密码不能与当前密码相同", "The new password must differ from the current one"));
    }
    if let Err(e) = jifen_auth::check_policy(&form.new) {
        return again(match e {
            jifen_auth::PasswordError::TooShort => {
                t(lang, "新密码至少 10 位", "The new password needs at least 10 characters")
            }
            _ => t(lang, "新密码须同时包含字母和数字", "The new password needs letters and digits"),
        });
    }
    let (current, stored, new) = (form.current.clone(), signed.user.password_hash.clone(), form.new.clone());
    let hashed = tokio::task::spawn_blocking(move || {
        jifen_auth::verify_password(&current, &stored).then(|| jifen_auth::hash_password(&new))
    })
    .await;
    let hash = match hashed {
        Ok(Some(Ok(hash))) => hash,
        Ok(None) => return again(t(lang, "当前密码不正确", "The current password is wrong")),
        Ok(Some(Err(e))) => return server_error(lang, e),
        Err(e) => return server_error(lang, e),
    };
    let entry =
        audit(Some(signed.user.id), "password_change", format!("user:{}", signed.user.id), serde_json::json!({}));
    // Changing the password ends every session, this one too; a fresh one follows.
    if let Err(e) = state.store.set_password(signed.user.id, &hash, false, &entry).await {
        return server_error(lang, e);
    }
    start_session(&state, signed.user.id, "/home", lang).await
}

// ---- home --------------------------------------------------------------------------------

pub async fn home(State(state): State<AppState>, chosen: Chosen, signed: SignedIn) -> Response {
    let lang = chosen.lang;
    let user = &signed.user;
    let section = match (user.role, user.district, user.employer_id) {
        (role, Some(district), _) if role.is_district_staff() => {
            match state.store.employers_in_district(district, EmployerStatus::Pending).await {
                Ok(pending) => html! {
                    ul.links { li { a href="/applications" { (t(lang, "本区已提交的积分申请（待收材料）", "Applications filed in your district (materials to receive)")) } } }
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
                                    button name="decision" value="reject" type="submit" { (t(lang, "不予通过", "Reject")) }
                                }
                            } }
                        } } }
                    } }
                },
                Err(e) => return server_error(lang, e),
            }
        }
        (Role::HrAgent, _, Some(employer_id)) => match state.store.employer(employer_id).await {
            Ok(Some(employer)) => html! {
                h3 { (employer.name) } p { (employer.credit_code) " · " (employer.district.name(lang)) }
                p { (t(lang, "单位已通过审核，可以为职工办理积分申请。", "Your employer is verified and may file applications.")) }
                ul.links {
                    li { a href="/applicants" { (t(lang, "申请人账号（登记、批量导入）", "Applicant accounts (add, import)")) } }
                    li { a href="/applications" { (t(lang, "积分申请（审核、提交、打印）", "Applications (review, file, print)")) } }
                }
            },
            Ok(None) => html! {},
            Err(e) => return server_error(lang, e),
        },
        (Role::Applicant, _, _) => html! {
            ul.links {
                li { a href="/applications" { (t(lang, "我的积分申请", "My application")) } }
                li { a href="/" { (t(lang, "积分模拟与规划（可保存用于申请）", "Simulator and planner (save a simulation for your application)")) } }
            }
        },
        _ => html! { p { (t(lang, "欢迎使用。", "Welcome.")) } },
    };
    let body = html! {
        h2 { (user.display_name) " · " (user.role.name(lang)) }
        (section)
        p { a href="/account/password" { (t(lang, "修改密码", "Change password")) } }
        form method="post" action="/logout" {
            input type="hidden" name="csrf" value=(signed.session.csrf_token);
            button type="submit" { (t(lang, "退出登录", "Sign out")) }
        }
    };
    page(StatusCode::OK, lang, t(lang, "工作台", "Home"), body)
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

fn employer_form(lang: Lang, csrf: &str, form: &EmployerForm, error: Option<String>) -> Markup {
    let field = |name: &str, label: &str, value: &str, kind: &str| {
        html! {
            label { (label) input name=(name) type=(kind) value=(value) required; }
        }
    };
    html! {
        h2 { (t(lang, "用人单位注册", "Employer sign-up")) }
        p { (t(lang, "注册后由单位注册地所在区的人才服务中心受理人员审核；审核通过后单位经办人方可登录办理。",
               "A clerk of the district centre where the employer is registered verifies the sign-up; its HR agent can sign in after that.")) }
        @if let Some(error) = error { div.error role="alert" { (error) } }
        form method="post" action="/employers/register" {
            input type="hidden" name="csrf" value=(csrf);
            fieldset { div.grid {
                (field("name", t(lang, "单位名称", "Employer name"), &form.name, "text"))
                (field("credit_code", t(lang, "统一社会信用代码", "Unified social credit code"), &form.credit_code, "text"))
                label { (t(lang, "注册地所在区", "Registration district"))
                    select name="district" required {
                        @for district in District::ALL {
                            option value=(district.as_str()) selected[form.district == district.as_str()] { (district.name(lang)) }
                        }
                    }
                }
                (field("contact_name", t(lang, "联系人", "Contact name"), &form.contact_name, "text"))
                (field("contact_phone", t(lang, "联系电话（手机）", "Contact mobile"), &form.contact_phone, "tel"))
                (field("username", t(lang, "经办人用户名", "HR agent username"), &form.username, "text"))
                label { (t(lang, "经办人密码（至少 10 位，含字母和数字）", "HR agent password (10+ characters, letters and digits)"))
                    input name="password" type="password" autocomplete="new-password" required; }
            } }
            button type="submit" { (t(lang, "提交注册", "Sign up")) }
        }
    }
}

pub async fn employer_page(chosen: Chosen) -> Response {
    let csrf = jifen_auth::random_token();
    let lang = chosen.lang;
    let body = employer_form(lang, &csrf, &EmployerForm::default(), None);
    with_csrf_cookie(&csrf, page(StatusCode::OK, lang, t(lang, "用人单位注册", "Employer sign-up"), body))
}

pub async fn register_employer(
    State(state): State<AppState>,
    chosen: Chosen,
    headers: HeaderMap,
    Form(form): Form<EmployerForm>,
) -> Response {
    let lang = chosen.lang;
    if !same_origin(&headers) || !double_submit_ok(&headers, &form.csrf) {
        return stale_form(lang);
    }
    let again = |form: &EmployerForm, error: String| {
        let csrf = jifen_auth::random_token();
        let body = employer_form(lang, &csrf, form, Some(error));
        with_csrf_cookie(
            &csrf,
            page(StatusCode::UNPROCESSABLE_ENTITY, lang, t(lang, "用人单位注册", "Employer sign-up"), body),
        )
    };
    let credit_code = match CreditCode::parse(&form.credit_code) {
        Ok(code) => code,
        Err(e) => {
            let detail = if lang == Lang::Zh { e.message_zh() } else { e.to_string() };
            return again(&form, format!("{}：{detail}", t(lang, "统一社会信用代码", "Credit code")));
        }
    };
    let Some(district) = District::parse(&form.district) else {
        return again(&form, t(lang, "请选择注册地所在区", "Choose the registration district").into());
    };
    let name = form.name.trim();
    let username = form.username.trim();
    if name.is_empty() || name.chars().count() > 100 || form.contact_name.trim().is_empty() {
        return again(&form, t(lang, "请填写单位名称和联系人", "Give the employer's name and a contact").into());
    }
    if !jifen_domain::application::is_mobile(form.contact_phone.trim()) {
        return again(
            &form,
            t(lang, "联系电话应为 11 位手机号码", "The contact mobile has 11 digits starting with 1").into(),
        );
    }
    if username.chars().count() < 3 || username.chars().any(char::is_whitespace) {
        return again(
            &form,
            t(lang, "经办人用户名至少 3 个字符，不含空格", "The username needs 3+ characters and no spaces").into(),
        );
    }
    if jifen_auth::check_policy(&form.password).is_err() {
        return again(
            &form,
            t(
                lang,
                "经办人密码至少 10 位，须含字母和数字",
                "The password needs 10+ characters with letters and digits",
            )
            .into(),
        );
    }
    let password = form.password.clone();
    let hash = match tokio::task::spawn_blocking(move || jifen_auth::hash_password(&password)).await {
        Ok(Ok(hash)) => hash,
        Ok(Err(e)) => return server_error(lang, e),
        Err(e) => return server_error(lang, e),
    };
    let employer = NewEmployer {
        name: name.to_string(),
        credit_code,
        district,
        contact_name: form.contact_name.trim().to_string(),
        contact_phone: form.contact_phone.trim().to_string(),
    };
    let agent = NewUser {
        username: username.to_string(),
        display_name: form.contact_name.trim().to_string(),
        password_hash: hash,
        role: Role::HrAgent,
        district: None,
        employer_id: None,
        must_change_password: false,
    };
    let entry = audit(
        None,
        "employer_register",
        format!("employer:{}", employer.credit_code),
        serde_json::json!({ "district": district.as_str(), "agent": username }),
    );
    match state.store.register_employer(&employer, &agent, now_millis(), &entry).await {
        Ok((registered, _)) => message(
            StatusCode::CREATED,
            lang,
            &match lang {
                Lang::Zh => format!("已提交：{}，等待{}人才服务中心审核。", registered.name, district.name(lang)),
                Lang::En => format!(
                    "Submitted: {}, waiting for the {} centre to verify it.",
                    registered.name,
                    district.name(lang)
                ),
            },
        ),
        Err(StoreError::Duplicate("credit code")) => {
            again(&form, t(lang, "该统一社会信用代码已注册", "This credit code is already registered").into())
        }
        Err(StoreError::Duplicate(_)) => again(&form, t(lang, "该用户名已被使用", "This username is taken").into()),
        Err(e) => server_error(lang, e),
    }
}

#[derive(Deserialize)]
pub struct DecisionForm {
    decision: String,
    #[serde(default)]
    csrf: String,
}

/// A clerk of the employer's own district verifies or rejects its sign-up.
pub async fn decide_employer(
    State(state): State<AppState>,
    chosen: Chosen,
    headers: HeaderMap,
    signed: SignedIn,
    Path(employer_id): Path<i64>,
    Form(form): Form<DecisionForm>,
) -> Response {
    let lang = chosen.lang;
    if !signed.form_ok(&headers, &form.csrf) {
        return stale_form(lang);
    }
    if signed.user.role != Role::Clerk {
        return forbidden(lang);
    }
    let employer = match state.store.employer(employer_id).await {
        Ok(Some(employer)) => employer,
        Ok(None) => return message(StatusCode::NOT_FOUND, lang, t(lang, "没有这个单位", "No such employer")),
        Err(e) => return server_error(lang, e),
    };
    if Some(employer.district) != signed.user.district {
        return forbidden(lang);
    }
    let (status, action) = match form.decision.as_str() {
        "verify" => (EmployerStatus::Verified, "employer_verify"),
        "reject" => (EmployerStatus::Rejected, "employer_reject"),
        _ => return message(StatusCode::UNPROCESSABLE_ENTITY, lang, t(lang, "未知的审核结论", "Unknown decision")),
    };
    let entry = audit(
        Some(signed.user.id),
        action,
        format!("employer:{employer_id}"),
        serde_json::json!({ "district": employer.district.as_str() }),
    );
    match state.store.decide_employer(employer_id, status, signed.user.id, now_millis(), &entry).await {
        Ok(()) => Redirect::to("/home").into_response(),
        Err(StoreError::Conflict(_)) => {
            message(StatusCode::CONFLICT, lang, t(lang, "该注册已处理过", "This sign-up was already decided"))
        }
        Err(e) => server_error(lang, e),
    }
}
