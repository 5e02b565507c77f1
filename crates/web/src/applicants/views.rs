//! What an employer's applicant pages look like: the list with the form to register one, the roster import and its report.

use super::*;
use crate::fields::label_of;
use crate::layout::say;

fn state_title(workflow: &jifen_domain::workflow::Workflow, id: Option<&str>, lang: Lang) -> String {
    id.map_or_else(
        || t(lang, "未开始", "not started").to_string(),
        |id| workflow.state_title(id, lang).unwrap_or(id).to_string(),
    )
}

/// The employer's applicants, with the forms to register one and to import a roster.
pub(crate) fn applicants(
    workflow: &jifen_domain::workflow::Workflow,
    lang: Lang,
    notice: Option<Markup>,
    form: &NewApplicantForm,
    applicants: &[jifen_applications::EmployerApplicant],
    csrf: &str,
) -> Markup {
    html! {
        h2 { (t(lang, "申请人账号", "Applicant accounts")) }
        @if let Some(notice) = notice { (notice) }
        section.summary {
            h3 { (t(lang, "登记一位申请人", "Register one applicant")) }
            p.hint { (t(lang, "系统以短信将初始密码发给申请人，申请人首次登录须修改密码。已有账号的（如曾由其他单位登记），须本人登录确认后才关联到本单位。",
                "The initial password goes to the applicant by SMS and must be changed at first sign-in. A person who has an account already (another employer opened it) is asked to confirm the link in their own account.")) }
            form method="post" action="/applicants" {
                input type="hidden" name="csrf" value=(csrf);
                div.grid {
                    label { (label_of("name", lang)) input name="name" value=(form.name) required; }
                    label { (label_of("id_number", lang)) input name="id_number" value=(form.id_number) required autocomplete="off"; }
                    label { (label_of("mobile", lang)) input name="mobile" type="tel" value=(form.mobile) required; }
                }
                button type="submit" { (t(lang, "登记并发送初始密码", "Register and send the initial password")) }
            }
        }
        section.summary {
            h3 { (t(lang, "批量导入（CSV）", "Import a roster (CSV)")) }
            p.hint { (say!(lang,
                "第一行为表头：姓名,身份证号码,手机号码；UTF-8 或 GBK（Excel 另存为 CSV）均可；每次最多 {max} 行。有错误的行不导入，并在报告中说明原因。",
                "Line 1 is the header: name,id_number,mobile; UTF-8 or GBK (Excel's CSV) both work; at most {max} rows. Rows with errors are left out, and the report says why.",
                max = MAX_ROWS)) }
            form method="post" action="/applicants/import" enctype="multipart/form-data" {
                input type="hidden" name="csrf" value=(csrf);
                input type="file" name="roster" accept=".csv,text/csv" required;
                " " button type="submit" { (t(lang, "上传并导入", "Upload and import")) }
            }
        }
        h3 { (t(lang, "本单位申请人", "Your applicants")) " (" (applicants.len()) ")" }
        div.scroll { table {
            thead { tr {
                th { (t(lang, "姓名", "Name")) } th { (t(lang, "身份证号码", "ID number")) } th { (t(lang, "手机", "Mobile")) }
                th { (t(lang, "申请状态", "Application")) } th { (t(lang, "续办、变更", "Renewal, change")) }
            } }
            tbody { @for person in applicants { tr {
                @if person.link == LinkStatus::Pending {
                    td { "—" } td { (person.applicant.id_number) } td { "—" }
                    td { (t(lang, "待本人确认关联", "Waiting for the person's consent")) } td {}
                } @else {
                    td { (person.applicant.name) } td { (person.applicant.id_number) } td { (mask_mobile(&person.applicant.mobile)) }
                    td { (state_title(workflow, person.application_state.as_deref(), lang)) }
                    td { @if let Some(kind) = person.follow_up {
                        // Renewal and change go through the employer: the form comes pre-filled
                        // with what the centre verified, for the person to check and submit.
                        form.inline method="post" action=(format!("/applicants/{}/follow-up", person.applicant.user_id)) {
                            input type="hidden" name="csrf" value=(csrf);
                            input type="hidden" name="kind" value=(kind.as_str());
                            button.secondary type="submit" { (t(lang, "发起", "Start")) (kind.name(lang)) }
                        }
                    } }
                }
            } } }
        } }
        p { a href="/applications" { (t(lang, "查看本单位的积分申请", "Your employer's applications")) } " · " a href="/home" { (t(lang, "工作台", "Home")) } }
    }
}

/// A roster import: its progress while it runs (the page refreshes itself), then what became of every row.
pub(crate) fn import_report(lang: Lang, progress: &jifen_applications::ImportProgress) -> Markup {
    let job = &progress.job;
    let running = job.status == ImportStatus::Running && !progress.interrupted;
    let text = |value: &serde_json::Value| value[lang.code()].as_str().unwrap_or_default().to_string();
    let problems = job.report["problems"].as_array().cloned().unwrap_or_default();
    let count = |key: &str| job.report[key].as_u64().unwrap_or(0);
    html! {
        @if running { meta http-equiv="refresh" content="1"; }
        h2 { (t(lang, "批量导入", "Roster import")) " #" (job.id) }
        @if running {
            p role="status" { (t(lang, "正在导入…", "Importing…")) " " span id="processed" { (job.processed) } " / " (job.total) }
            progress value=(job.processed) max=(job.total.max(1)) {}
        } @else if progress.interrupted {
            div.error role="alert" { (t(lang, "导入因服务器中断而停止，未导入任何行。请重新上传。", "The import stopped when its server did; nothing was imported. Upload the file again.")) }
        } @else if job.status == ImportStatus::Failed {
            div.error role="alert" { (t(lang, "导入失败，未导入任何行：", "The import failed and imported nothing: ")) (text(&job.report["error"])) }
        } @else {
            p.notice role="status" id="import-summary" {
                (say!(lang,
                    "导入完成：新开账号 {created}，关联已有账号 {linked}，已在本单位 {unchanged}，有错误未导入 {left_out}",
                    "Done: new accounts {created}, existing accounts linked {linked}, already yours {unchanged}, rows with errors left out {left_out}",
                    created = count("created"), linked = count("linked"), unchanged = count("unchanged"), left_out = problems.len()))
            }
        }
        @if !problems.is_empty() {
            h3 { (t(lang, "未导入的行", "Rows left out")) }
            table id="import-problems" {
                thead { tr { th { (t(lang, "行号", "Line")) } th { (t(lang, "原因", "Why")) } } }
                tbody { @for problem in &problems { tr { td.num { (problem["line"]) } td { (text(problem)) } } } }
            }
        }
        p { a href="/applicants" { (t(lang, "返回申请人账号", "Back to applicant accounts")) } }
    }
}

/// What was just done, in a green notice.
pub(crate) fn done(text: &str) -> Markup {
    html! { div.notice role="status" { (text) } }
}

/// Why a registration was refused, each problem of the form.
pub(crate) fn problems(lang: Lang, problems: &[jifen_domain::application::Problem]) -> Markup {
    html! { div.error role="alert" { ul { @for problem in problems { li { (problem.message(lang)) } } } } }
}
