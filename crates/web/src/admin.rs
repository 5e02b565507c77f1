//! The administrator's pages: staff (make, reset a password, switch off or on). What may be
//! done, and its audit entry and SMS, is the service's; these pages parse and render.

use crate::AppState;
use crate::applicants::mask_mobile;
use crate::checked_form::CheckedForm;
use crate::lang::Chosen;
use crate::layout::t;
use crate::respond::{OrPage, PageResult, Refusal, page, see_other};
use crate::session::SignedIn;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use jifen_applications::{Actor, AuditFilter, MAX_AUDIT_ROWS, NewStaff, ServiceError, StaffChange};
use jifen_domain::application::Problem;
use jifen_domain::audit::{Audited, every_event};
use jifen_domain::clock::shanghai_time;
use jifen_domain::{District, Role};
use jifen_rules::Lang;
use maud::{Markup, html};
use serde::Deserialize;

/// The roles an administrator gives staff.
const STAFF_ROLES: [Role; 4] = [Role::Clerk, Role::Reviewer, Role::Supervisor, Role::Admin];

#[derive(Deserialize, Default)]
pub struct StaffForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    district: String,
    #[serde(default)]
    mobile: String,
    #[serde(default)]
    csrf: String,
}

#[derive(Deserialize, Default)]
pub struct DoneQuery {
    #[serde(default)]
    done: String,
}

async fn staff_page(
    state: &AppState,
    signed: &SignedIn,
    lang: Lang,
    status: StatusCode,
    notice: Option<&str>,
    form: &StaffForm,
    problems: &[Problem],
) -> PageResult {
    let staff = state.service.staff(&Actor::from(&signed.user)).await.or_page(lang)?;
    let csrf = &signed.session.csrf_token;
    let problem = |name: &str| problems.iter().find(|p| p.field == name).map(|p| p.message(lang).to_string());
    let invalid = |name: &str| problem(name).map(|_| "true");
    let change = |id: i64, action: &'static str, label: &'static str| {
        html! {
            form.inline method="post" action=(format!("/admin/staff/{id}")) {
                input type="hidden" name="csrf" value=(csrf);
                button.secondary name="action" value=(action) type="submit" { (label) }
            }
        }
    };
    let body = html! {
        h2 { (t(lang, "工作人员", "Staff")) }
        @if let Some(notice) = notice { div.notice role="status" { (notice) } }
        @if !problems.is_empty() { div.error role="alert" { (t(lang, "请按各栏下方的说明修改。", "Fix the fields as noted under them.")) } }
        div.scroll { table.cards {
            thead { tr {
                th { (t(lang, "用户名", "Username")) } th { (t(lang, "姓名", "Name")) } th { (t(lang, "角色", "Role")) }
                th { (t(lang, "所在区", "District")) } th { (t(lang, "手机", "Mobile")) } th { (t(lang, "最近登录", "Last sign-in")) }
                th { (t(lang, "状态", "Status")) } th {}
            } }
            tbody { @for member in &staff { tr {
                td data-label=(t(lang, "用户名", "Username")) { (member.user.username) }
                td data-label=(t(lang, "姓名", "Name")) { (member.user.display_name) }
                td data-label=(t(lang, "角色", "Role")) { (member.user.role.name(lang)) }
                td data-label=(t(lang, "所在区", "District")) { (member.user.district.map_or("—", |d| d.name(lang))) }
                td data-label=(t(lang, "手机", "Mobile")) { (member.mobile.as_deref().map_or_else(|| "—".to_string(), mask_mobile)) }
                td data-label=(t(lang, "最近登录", "Last sign-in")) { (member.last_sign_in.map_or_else(|| t(lang, "从未", "never").to_string(), shanghai_time)) }
                td data-label=(t(lang, "状态", "Status")) { @if member.user.disabled { (t(lang, "已停用", "switched off")) } @else { (t(lang, "在用", "active")) } }
                td { div.actions {
                    (change(member.user.id, "reset", t(lang, "重置密码", "Reset password")))
                    @if member.user.disabled { (change(member.user.id, "enable", t(lang, "启用", "Switch on"))) }
                    @else { (change(member.user.id, "disable", t(lang, "停用", "Switch off"))) }
                } }
            } } }
        } }
        section.summary {
            h3 { (t(lang, "新增工作人员", "Add a member of staff")) }
            p.hint { (t(lang, "一次性初始密码以短信发送到所填手机，首次登录须修改；系统不保存该密码。",
                "A one-time initial password goes to the mobile by SMS and must be changed at first sign-in; it is not kept.")) }
            form method="post" action="/admin/staff" novalidate {
                input type="hidden" name="csrf" value=(csrf);
                div.grid {
                    label { (t(lang, "用户名", "Username")) input name="username" value=(form.username) required aria-invalid=[invalid("username")];
                        @if let Some(e) = problem("username") { span.field-error { (e) } } }
                    label { (t(lang, "姓名", "Name")) input name="display_name" value=(form.display_name) required aria-invalid=[invalid("display_name")];
                        @if let Some(e) = problem("display_name") { span.field-error { (e) } } }
                    label { (t(lang, "角色", "Role"))
                        select name="role" required aria-invalid=[invalid("role")] {
                            option value="" { (t(lang, "请选择", "Choose")) }
                            @for role in STAFF_ROLES { option value=(role.as_str()) selected[form.role == role.as_str()] { (role.name(lang)) } }
                        }
                        @if let Some(e) = problem("role") { span.field-error { (e) } } }
                    label { (t(lang, "所在区（区受理中心人员）", "District (district staff)"))
                        select name="district" aria-invalid=[invalid("district")] {
                            option value="" { "—" }
                            @for district in District::ALL { option value=(district.as_str()) selected[form.district == district.as_str()] { (district.name(lang)) } }
                        }
                        @if let Some(e) = problem("district") { span.field-error { (e) } } }
                    label { (t(lang, "手机号码", "Mobile")) input name="mobile" type="tel" value=(form.mobile) required aria-invalid=[invalid("mobile")];
                        @if let Some(e) = problem("mobile") { span.field-error { (e) } } }
                }
                button type="submit" { (t(lang, "新增并发送初始密码", "Add and send the initial password")) }
            }
        }
        p { a href="/home" { (t(lang, "工作台", "Home")) } }
    };
    Ok(page(status, lang, t(lang, "工作人员", "Staff"), body))
}

fn notice(lang: Lang, done: &str) -> Option<&'static str> {
    Some(match done {
        "created" => t(lang, "已新增，初始密码已短信发送。", "Added; the initial password is on its way by SMS."),
        "reset" => t(
            lang,
            "密码已重置，一次性密码已短信发送，该账号的登录已全部退出。",
            "Password reset: a one-time password is on its way by SMS, and every session of the account ended.",
        ),
        "disable" => t(lang, "已停用，该账号的登录已全部退出。", "Switched off; every session of the account ended."),
        "enable" => t(lang, "已启用。", "Switched on."),
        _ => return None,
    })
}

/// `GET /admin/staff`.
pub async fn list(
    State(state): State<AppState>,
    chosen: Chosen,
    signed: SignedIn,
    Query(query): Query<DoneQuery>,
) -> PageResult {
    let lang = chosen.lang;
    let notice = notice(lang, &query.done);
    staff_page(&state, &signed, lang, StatusCode::OK, notice, &StaffForm::default(), &[]).await
}

/// `POST /admin/staff`: adds a member of staff.
pub async fn create(
    State(state): State<AppState>,
    chosen: Chosen,
    headers: HeaderMap,
    signed: SignedIn,
    CheckedForm(form): CheckedForm<StaffForm>,
) -> PageResult {
    let lang = chosen.lang;
    signed.check_form(&headers, &form.csrf, lang)?;
    let new = NewStaff {
        username: form.username.clone(),
        display_name: form.display_name.clone(),
        role: form.role.clone(),
        district: form.district.clone(),
        mobile: form.mobile.clone(),
    };
    match state.service.create_staff(&Actor::from(&signed.user), &new).await {
        Ok(()) => Ok(see_other("/admin/staff?done=created")),
        Err(ServiceError::Invalid(problems)) => {
            staff_page(&state, &signed, lang, StatusCode::UNPROCESSABLE_ENTITY, None, &form, &problems).await
        }
        Err(e) => Err(Refusal::of(lang, &e)),
    }
}

#[derive(Deserialize)]
pub struct ChangeForm {
    action: String,
    #[serde(default)]
    csrf: String,
}

/// `POST /admin/staff/{id}`: resets a password, switches an account off or on.
pub async fn change(
    State(state): State<AppState>,
    chosen: Chosen,
    headers: HeaderMap,
    signed: SignedIn,
    Path(user_id): Path<i64>,
    CheckedForm(form): CheckedForm<ChangeForm>,
) -> PageResult {
    let lang = chosen.lang;
    signed.check_form(&headers, &form.csrf, lang)?;
    let change = match form.action.as_str() {
        "reset" => StaffChange::ResetPassword,
        "disable" => StaffChange::SwitchOff,
        "enable" => StaffChange::SwitchOn,
        _ => return Err(Refusal::of(lang, &ServiceError::NotFound)),
    };
    state.service.change_staff(&Actor::from(&signed.user), user_id, change).await.or_page(lang)?;
    Ok(see_other(&format!("/admin/staff?done={}", form.action)))
}

/// What the administrator's home page offers.
pub fn home_links(lang: Lang) -> Markup {
    html! {
        ul.links {
            li { a href="/admin/staff" { (t(lang, "工作人员（新增、重置密码、停用）", "Staff (add, reset passwords, switch off)")) } }
            li { a href="/admin/rules" { (t(lang, "规则数据（发布社平工资、更正分值、重新计算）", "Rule data (publish a wage, correct a value, rescoring)")) } }
            li { a href="/admin/audit" { (t(lang, "审计日志（筛选、导出）", "Audit log (filter, export)")) } }
            li { a href="/dashboard" { (t(lang, "统计看板（全市、各区）", "Dashboard (the city, each district)")) } }
        }
    }
}

// ---- the audit log -------------------------------------------------------------------------

/// The audit log's filters, as the page's GET form sends them.
#[derive(Deserialize, Default)]
pub struct AuditForm {
    #[serde(default)]
    person: String,
    #[serde(default)]
    application: String,
    #[serde(default)]
    staff: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
}

impl AuditForm {
    fn filter(&self) -> Result<AuditFilter, Vec<Problem>> {
        let mut problems = Vec::new();
        let mut day = |field: &str, text: &str| {
            if text.trim().is_empty() {
                return None;
            }
            let parsed = chrono::NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").ok();
            if parsed.is_none() {
                problems.push(Problem::new(field, "日期格式为 年-月-日", "A date is YYYY-MM-DD"));
            }
            parsed
        };
        let (from, to) = (day("from", &self.from), day("to", &self.to));
        for (field, value) in [
            ("person", &self.person),
            ("application", &self.application),
            ("staff", &self.staff),
            ("action", &self.action),
        ] {
            if let Err(problem) = jifen_domain::text::check(field, value, 100) {
                problems.push(problem);
            }
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(AuditFilter {
            person: self.person.clone(),
            application: self.application.clone(),
            staff: self.staff.clone(),
            action: self.action.clone(),
            from,
            to,
        })
    }

    fn query_string(&self) -> String {
        let pairs = [
            ("person", &self.person),
            ("application", &self.application),
            ("staff", &self.staff),
            ("action", &self.action),
            ("from", &self.from),
            ("to", &self.to),
        ];
        serde_urlencoded::to_string(pairs.iter().filter(|(_, v)| !v.is_empty()).collect::<Vec<_>>()).unwrap_or_default()
    }
}

/// `GET /admin/audit`: the audit log, filtered.
pub async fn audit_log(
    State(state): State<AppState>,
    chosen: Chosen,
    signed: SignedIn,
    Query(form): Query<AuditForm>,
) -> PageResult {
    let lang = chosen.lang;
    let (records, problems) = match form.filter() {
        Ok(filter) => match state.service.audit_log(&Actor::from(&signed.user), &filter).await {
            Ok(records) => (records, Vec::new()),
            Err(ServiceError::Invalid(problems)) => (Vec::new(), problems),
            Err(e) => return Err(Refusal::of(lang, &e)),
        },
        Err(problems) => {
            // Only those who may read the log learn even that a filter was wrong.
            if !matches!(signed.user.role, Role::Admin | Role::Supervisor) {
                return Err(Refusal::of(lang, &ServiceError::Forbidden));
            }
            (Vec::new(), problems)
        }
    };
    let problem = |name: &str| problems.iter().find(|p| p.field == name).map(|p| p.message(lang).to_string());
    let field = |name: &'static str, label: &'static str, value: &str, kind: &'static str| {
        let error = problem(name);
        html! {
            label { (label) input name=(name) type=(kind) value=(value) aria-invalid=[error.as_ref().map(|_| "true")];
                @if let Some(error) = error { span.field-error { (error) } } }
        }
    };
    let events = every_event(state.workflow, lang);
    let body = html! {
        h2 { (t(lang, "审计日志", "Audit log")) }
        form method="get" action="/admin/audit" {
            div.grid {
                (field("person", t(lang, "人员（用户名或身份证号码）", "Person (username or ID number)"), &form.person, "text"))
                (field("application", t(lang, "申请编号", "Application number"), &form.application, "text"))
                (field("staff", t(lang, "操作人（用户名）", "Done by (username)"), &form.staff, "text"))
                label { (t(lang, "事件", "Event"))
                    select name="action" aria-invalid=[problem("action").map(|_| "true")] {
                        option value="" selected[form.action.is_empty()] { (t(lang, "全部", "All")) }
                        @for (word, name) in &events {
                            option value=(word) selected[form.action == *word] { (name) }
                        }
                        // A word of an earlier release, asked for by a link: kept as asked.
                        @if !form.action.is_empty() && !events.iter().any(|(word, _)| *word == form.action) {
                            option value=(form.action) selected { (form.action) }
                        }
                    }
                    @if let Some(error) = problem("action") { span.field-error { (error) } }
                }
                (field("from", t(lang, "起始日期", "From"), &form.from, "date"))
                (field("to", t(lang, "截止日期", "To"), &form.to, "date"))
            }
            div.actions {
                button type="submit" { (t(lang, "查询", "Search")) }
                a.button.secondary href=(format!("/admin/audit.csv?{}", form.query_string())) { (t(lang, "导出 CSV", "Export CSV")) }
            }
        }
        p.hint { (match lang {
            Lang::Zh => format!("最新的在前，最多 {MAX_AUDIT_ROWS} 条；按人员查询本身也记入审计日志。"),
            Lang::En => format!("Newest first, at most {MAX_AUDIT_ROWS}; a search for a person is itself audited."),
        }) }
        div.scroll { table.cards {
            thead { tr {
                th { (t(lang, "时间", "Time")) } th { (t(lang, "操作人", "Done by")) } th { (t(lang, "事件", "Event")) }
                th { (t(lang, "对象", "Subject")) } th { (t(lang, "详情", "Details")) }
            } }
            tbody { @for record in &records { tr {
                td data-label=(t(lang, "时间", "Time")) { (shanghai_time(record.at)) }
                td data-label=(t(lang, "操作人", "Done by")) { (record.actor.as_deref().unwrap_or("—")) }
                td data-label=(t(lang, "事件", "Event")) {
                    @match Audited::of_word(&record.action, state.workflow) {
                        Some(audited) => { (audited.name(state.workflow, lang)) br; small.cite { (record.action) } }
                        None => { (record.action) }
                    }
                }
                td data-label=(t(lang, "对象", "Subject")) { (record.subject) }
                td.cite data-label=(t(lang, "详情", "Details")) { (record.details) }
            } } }
        } }
        p { a href="/home" { (t(lang, "工作台", "Home")) } }
    };
    let status = if problems.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    Ok(page(status, lang, t(lang, "审计日志", "Audit log"), body))
}

/// `GET /admin/audit.csv`: the same entries as a spreadsheet file.
pub async fn audit_csv(
    State(state): State<AppState>,
    chosen: Chosen,
    signed: SignedIn,
    Query(form): Query<AuditForm>,
) -> PageResult {
    let lang = chosen.lang;
    let actor = Actor::from(&signed.user);
    let Ok(filter) = form.filter() else {
        let invalid = ServiceError::Invalid(vec![Problem::new("filter", "筛选条件有误", "The filter is wrong")]);
        let allowed = matches!(actor.role, Role::Admin | Role::Supervisor);
        return Err(Refusal::of(lang, if allowed { &invalid } else { &ServiceError::Forbidden }));
    };
    let csv = match state.service.audit_log(&actor, &filter).await {
        Ok(records) => jifen_applications::audit_csv(&records),
        Err(e) => return Err(Refusal::of(lang, &e)),
    };
    match csv {
        Ok(bytes) => {
            let headers = [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
                (header::CONTENT_DISPOSITION, "attachment; filename=\"jifen-audit.csv\""),
            ];
            Ok((headers, bytes).into_response())
        }
        Err(e) => Err(Refusal::of(lang, &e)),
    }
}
