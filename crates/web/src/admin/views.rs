//! What the administration pages look like: staff and the audit log.

use super::*;
use jifen_store::UserId;

/// What the administrator's home page offers.
pub(crate) fn home_links(lang: Lang) -> Markup {
    html! {
        ul.links {
            li { a href="/admin/staff" { (t(lang, "工作人员（新增、重置密码、停用）", "Staff (add, reset passwords, switch off)")) } }
            li { a href="/admin/rules" { (t(lang, "规则数据（发布社平工资、更正分值、重新计算）", "Rule data (publish a wage, correct a value, rescoring)")) } }
            li { a href="/admin/audit" { (t(lang, "审计日志（筛选、导出）", "Audit log (filter, export)")) } }
            li { a href="/dashboard" { (t(lang, "统计看板（全市、各区）", "Dashboard (the city, each district)")) } }
        }
    }
}

/// The staff list with each member's actions, and the form to add one.
pub(crate) fn staff(
    lang: Lang,
    staff: &[jifen_store::StaffMember],
    notice: Option<&str>,
    form: &StaffForm,
    problems: &[Problem],
    csrf: &str,
) -> Markup {
    let problem = |name: &str| problems.iter().find(|p| p.field == name).map(|p| p.message(lang).to_string());
    let invalid = |name: &str| problem(name).map(|_| "true");
    let change = |id: UserId, action: &'static str, label: &'static str| {
        html! {
            form.inline method="post" action=(format!("/admin/staff/{id}")) {
                input type="hidden" name="csrf" value=(csrf);
                button.secondary name="action" value=(action) type="submit" { (label) }
            }
        }
    };
    html! {
        h2 { (t(lang, "工作人员", "Staff")) }
        @if let Some(notice) = notice { div.notice role="status" { (notice) } }
        @if !problems.is_empty() { div.error role="alert" { (t(lang, "请按各栏下方的说明修改。", "Fix the fields as noted under them.")) } }
        div.scroll { table.cards {
            thead { tr {
                th { (t(lang, "用户名", "Username")) } th { (t(lang, "姓名", "Name")) } th { (t(lang, "角色", "Role")) }
                th { (t(lang, "所在区", "District")) } th { (t(lang, "手机", "Mobile")) } th { (t(lang, "最近登录", "Last sign-in")) }
                th { (t(lang, "状态", "Status")) } th {}
            } }
            tbody { @for member in staff { tr {
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
    }
}

/// The audit log: the search, and the entries found, each named in words.
pub(crate) fn audit_log(
    workflow: &jifen_domain::workflow::Workflow,
    lang: Lang,
    form: &AuditForm,
    records: &[jifen_store::AuditRecord],
    problems: &[Problem],
) -> Markup {
    let problem = |name: &str| problems.iter().find(|p| p.field == name).map(|p| p.message(lang).to_string());
    let field = |name: &'static str, label: &'static str, value: &str, kind: &'static str| {
        let error = problem(name);
        html! {
            label { (label) input name=(name) type=(kind) value=(value) aria-invalid=[error.as_ref().map(|_| "true")];
                @if let Some(error) = error { span.field-error { (error) } } }
        }
    };
    let events = every_event(workflow, lang);
    html! {
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
            tbody { @for record in records { tr {
                td.date data-label=(t(lang, "时间", "Time")) { (shanghai_time(record.at)) }
                td data-label=(t(lang, "操作人", "Done by")) { (record.actor.as_deref().unwrap_or("—")) }
                td data-label=(t(lang, "事件", "Event")) {
                    @match Audited::of_word(&record.action, workflow) {
                        Some(audited) => { (audited.name(workflow, lang)) br; small.cite { (record.action) } }
                        None => { (record.action) }
                    }
                }
                td data-label=(t(lang, "对象", "Subject")) { (record.subject) }
                td.cite.details data-label=(t(lang, "详情", "Details")) { (record.details) }
            } } }
        } }
        p { a href="/home" { (t(lang, "工作台", "Home")) } }
    }
}
