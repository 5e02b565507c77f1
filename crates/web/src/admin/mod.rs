//! The administrator's pages: staff (make, reset a password, switch off or on). What may be
//! done, and its audit entry and SMS, is the service's; these pages parse and render.

use crate::AppState;
use crate::applicants::mask_mobile;
use crate::checked_form::CheckedForm;
use crate::checked_form::CheckedQuery;
use crate::lang::Chosen;
use crate::layout::t;
use crate::respond::IdPath;
use crate::respond::{OrPage, PageResult, Refusal, page, see_other};
use crate::session::SignedIn;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use jifen_applications::{Actor, AuditFilter, MAX_AUDIT_ROWS, NewStaff, ServiceError, StaffChange};
use jifen_domain::application::Problem;
use jifen_domain::audit::{Audited, every_event};
use jifen_domain::clock::shanghai_time;
use jifen_domain::{District, Role};
use jifen_rules::Lang;
use jifen_store::UserId;
use maud::{Markup, html};
use serde::Deserialize;

pub(crate) mod views;
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
    let body = views::staff(lang, &staff, notice, form, problems, &signed.session.csrf_token);
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
    CheckedQuery(query): CheckedQuery<DoneQuery>,
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
    IdPath(user_id): IdPath<UserId>,
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
    CheckedQuery(form): CheckedQuery<AuditForm>,
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
    let body = views::audit_log(state.workflow, lang, &form, &records, &problems);
    let status = if problems.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    Ok(page(status, lang, t(lang, "审计日志", "Audit log"), body))
}

/// `GET /admin/audit.csv`: the same entries as a spreadsheet file.
pub async fn audit_csv(
    State(state): State<AppState>,
    chosen: Chosen,
    signed: SignedIn,
    CheckedQuery(form): CheckedQuery<AuditForm>,
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
