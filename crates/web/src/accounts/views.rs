//! What the account pages look like: sign-in, the password change, the home page, an employer's sign-up and the links to employers.

use super::*;

// ---- sign in -----------------------------------------------------------------------------

pub(crate) fn login_form(lang: Lang, csrf: &str, error: Option<&str>) -> Markup {
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

// ---- password ----------------------------------------------------------------------------

pub(crate) fn password_form(lang: Lang, signed: &SignedIn, error: Option<&str>) -> Markup {
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

/// A district clerk's, reviewer's or supervisor's home: their links, and the employer
/// sign-ups of their district to verify (a clerk decides them).
pub(crate) fn staff_home(
    lang: Lang,
    role: Role,
    district: jifen_domain::District,
    pending: &[jifen_store::Employer],
    csrf: &str,
) -> Markup {
    html! {
        ul.links {
            li { a href="/centre" { (t(lang, "受理审核工作台（本区申请、期限、逾期）", "Centre queue (your district's applications, due dates, overdue)")) } }
            li { a href="/blacklist" { (t(lang, "虚假材料记录（全市）", "False-materials records (all districts)")) } }
            @if role == Role::Supervisor { li { a href="/admin/audit" { (t(lang, "本区审计日志", "Your district's audit log")) } } }
            @if role == Role::Supervisor { li { a href="/dashboard" { (t(lang, "本区统计看板", "Your district's dashboard")) } } }
        }
        h3 { (district.name(lang)) " · " (t(lang, "待审核的单位注册", "Employer sign-ups to verify")) }
        @if pending.is_empty() { p { (t(lang, "暂无", "None")) } }
        @else { table {
            thead { tr { th { (t(lang, "单位", "Employer")) } th { (t(lang, "统一社会信用代码", "Credit code")) } th { (t(lang, "联系人", "Contact")) } th {} } }
            tbody { @for employer in pending { tr {
                td { (employer.name) } td { (employer.credit_code) } td { (employer.contact_name) " " (employer.contact_phone) }
                td { @if role == Role::Clerk {
                    form method="post" action=(format!("/employers/{}/decision", employer.id)) {
                        input type="hidden" name="csrf" value=(csrf);
                        button name="decision" value="verify" type="submit" { (t(lang, "审核通过", "Verify")) } " "
                        button.danger-outline name="decision" value="reject" type="submit" { (t(lang, "不予通过…", "Reject…")) }
                    }
                } }
            } } }
        } }
    }
}

/// An HR agent's home: their verified employer and what they do for it.
pub(crate) fn agent_home(lang: Lang, employer: &jifen_store::Employer) -> Markup {
    html! {
        h3 { (employer.name) } p { (employer.credit_code) " · " (employer.district.name(lang)) }
        p { (t(lang, "单位已通过审核，可以为职工办理积分申请。", "Your employer is verified and may file applications.")) }
        ul.links {
            li { a href="/applicants" { (t(lang, "申请人账号（登记、批量导入）", "Applicant accounts (add, import)")) } }
            li { a href="/applications" { (t(lang, "积分申请（审核、提交、打印）", "Applications (review, file, print)")) } }
            li { a href="/blacklist" { (t(lang, "本单位的诚信记录", "Your employer's records")) } }
        }
    }
}

/// An applicant's home: their points notice, any record of false materials, where their
/// application stands, and their links.
#[allow(clippy::too_many_arguments)]
pub(crate) fn applicant_home(
    workflow: &jifen_domain::workflow::Workflow,
    lang: Lang,
    listings: &[jifen_store::ApplicationListing],
    notices: &[(jifen_store::PointsNotice, jifen_applications::NoticeStanding)],
    entries: &[jifen_store::BlacklistEntry],
    rescored: Option<i64>,
    today: chrono::NaiveDate,
    csrf: &str,
) -> Markup {
    html! {
        // The holder's points notice: what they have, and until when.
        @if let Some((notice, standing)) = notices.first() {
            (crate::notice::views::on_home(notice, *standing, rescored, today, csrf, lang))
        }
        // Any record of false materials, and where each stands.
        @if !entries.is_empty() {
            section.summary id="my-records" {
                p { strong { (t(lang, "诚信记录", "Records")) } " · "
                    @for entry in entries { (jifen_applications::entry_standing(entry, today).name(lang)) "；" }
                    a href="/blacklist" { (t(lang, "查看、陈述意见或申诉", "See them, respond or appeal")) } }
            }
        }
        // Where the application stands, first: the reason an applicant comes back.
        @if let Some(latest) = listings.first() {
            section.summary id="my-application" {
                p { a href=(format!("/applications/{}", latest.id)) { (t(lang, "积分申请", "Application")) " #" (latest.id) } " · "
                    (t(lang, "当前状态：", "Now: ")) strong { (workflow.state_title(&latest.state, lang).unwrap_or(&latest.state)) }
                    @if let Some(current) = workflow.state(&latest.state).filter(|s| !s.is_final) { " · " (t(lang, "等待：", "waiting for: ")) (current.waiting_for.name(lang)) }
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

/// The home page around a role's section: what was just done, who is signed in, and the
/// password and sign-out.
pub(crate) fn home(lang: Lang, user: &jifen_store::User, notice: Option<&str>, section: Markup, csrf: &str) -> Markup {
    html! {
        @if let Some(notice) = notice { div.notice role="status" id="done" { (notice) } }
        h2 { (user.display_name) " · " (user.role.name(lang)) }
        (section)
        p { a href="/account/password" { (t(lang, "修改密码", "Change password")) } }
        form method="post" action="/logout" {
            input type="hidden" name="csrf" value=(csrf);
            button type="submit" { (t(lang, "退出登录", "Sign out")) }
        }
    }
}

/// The person's employers: the links, and the requests to answer.
pub(crate) fn my_employers(lang: Lang, links: &[jifen_store::Employment], csrf: &str) -> Markup {
    let decide = |employer_id: EmployerId, decision: &'static str, label: &'static str, secondary: bool| {
        html! {
            form.inline method="post" action=(format!("/account/employers/{employer_id}")) {
                input type="hidden" name="csrf" value=(csrf);
                button.secondary[secondary] name="decision" value=(decision) type="submit" { (label) }
            }
        }
    };
    html! {
        h2 { (t(lang, "我的用人单位", "My employers")) }
        p.hint { (t(lang,
            "用人单位为您办理积分申请须经您同意。您确认关联前，该单位看不到您的姓名、手机号码和申请；您可随时结束关联。",
            "An employer files for you only with your consent. Until you confirm a link, the employer sees neither your name, your mobile nor your application; you can end a link at any time.")) }
        @if links.is_empty() { p { (t(lang, "暂无", "None")) } }
        // On a phone each employer is a card with its buttons under it, never off the screen.
        @else { div.scroll { table.cards {
            thead { tr { th { (t(lang, "单位", "Employer")) } th { (t(lang, "状态", "Status")) } th {} } }
            tbody { @for link in links { tr {
                td.item { (link.employer_name) }
                td data-label=(t(lang, "状态", "Status")) { (link_status_name(link.status, lang)) }
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
    }
}

/// The home page's section for a role with nothing of its own to do here.
pub(crate) fn welcome(lang: Lang) -> Markup {
    html! { p { (t(lang, "欢迎使用。", "Welcome.")) } }
}
