//! The HR agent's applicant accounts: the list (ID numbers and mobiles masked), opening one
//! account, and importing a CSV roster with a progress page and a per-row report.

use crate::AppState;
use crate::checked_form::CheckedForm;
use crate::lang::Chosen;
use crate::layout::{say, t};
use crate::respond::{OrPage, PageResult, Refusal, page, see_other};
use crate::session::SignedIn;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use jifen_applications::{Actor, RegisterOutcome, ServiceError};
use jifen_domain::roster::MAX_ROWS;
use jifen_rules::Lang;
use jifen_store::{ImportStatus, LinkStatus};
use maud::{Markup, html};
use serde::Deserialize;

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

fn state_title(state: &AppState, id: Option<&str>, lang: Lang) -> String {
    id.map_or_else(
        || t(lang, "未开始", "not started").to_string(),
        |id| state.workflow.state_title(id, lang).unwrap_or(id).to_string(),
    )
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
    let csrf = &signed.session.csrf_token;
    let body = html! {
        h2 { (t(lang, "申请人账号", "Applicant accounts")) }
        @if let Some(notice) = notice { (notice) }
        section.summary {
            h3 { (t(lang, "登记一位申请人", "Register one applicant")) }
            p.hint { (t(lang, "系统以短信将初始密码发给申请人，申请人首次登录须修改密码。已有账号的（如曾由其他单位登记），须本人登录确认后才关联到本单位。",
                "The initial password goes to the applicant by SMS and must be changed at first sign-in. A person who has an account already (another employer opened it) is asked to confirm the link in their own account.")) }
            form method="post" action="/applicants" {
                input type="hidden" name="csrf" value=(csrf);
                div.grid {
                    label { (t(lang, "姓名", "Name")) input name="name" value=(form.name) required; }
                    label { (t(lang, "身份证号码", "Resident ID number")) input name="id_number" value=(form.id_number) required autocomplete="off"; }
                    label { (t(lang, "手机号码", "Mobile")) input name="mobile" type="tel" value=(form.mobile) required; }
                }
                button type="submit" { (t(lang, "登记并发送初始密码", "Register and send the initial password")) }
            }
        }
        section.summary {
            h3 { (t(lang, "批量导入（CSV）", "Import a roster (CSV)")) }
            p.hint { (t(lang, "第一行为表头：姓名,身份证号码,手机号码；UTF-8 或 GBK（Excel 另存为 CSV）均可；每次最多 ", "Line 1 is the header: name,id_number,mobile; UTF-8 or GBK (Excel's CSV) both work; at most "))
                (MAX_ROWS) (t(lang, " 行。有错误的行不导入，并在报告中说明原因。", " rows. Rows with errors are left out, and the report says why.")) }
            form method="post" action="/applicants/import" enctype="multipart/form-data" {
                input type="hidden" name="csrf" value=(csrf);
                input type="file" name="roster" accept=".csv,text/csv" required;
                " " button type="submit" { (t(lang, "上传并导入", "Upload and import")) }
            }
        }
        h3 { (t(lang, "本单位申请人", "Your applicants")) " (" (applicants.len()) ")" }
        div.scroll { table {
            thead { tr { th { (t(lang, "姓名", "Name")) } th { (t(lang, "身份证号码", "ID number")) } th { (t(lang, "手机", "Mobile")) } th { (t(lang, "申请状态", "Application")) } } }
            tbody { @for person in &applicants { tr {
                @if person.link == LinkStatus::Pending {
                    td { "—" } td { (person.applicant.id_number) } td { "—" }
                    td { (t(lang, "待本人确认关联", "Waiting for the person's consent")) }
                } @else {
                    td { (person.applicant.name) } td { (person.applicant.id_number) } td { (mask_mobile(&person.applicant.mobile)) }
                    td { (state_title(state, person.application_state.as_deref(), lang)) }
                }
            } } }
        } }
        p { a href="/applications" { (t(lang, "查看本单位的积分申请", "Your employer's applications")) } " · " a href="/home" { (t(lang, "工作台", "Home")) } }
    };
    Ok(page(status, lang, t(lang, "申请人账号", "Applicant accounts"), body))
}

/// `GET /applicants`.
pub async fn list(
    State(state): State<AppState>,
    chosen: Chosen,
    signed: SignedIn,
    Query(query): Query<ListQuery>,
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
    let notice = notice.map(|text| html! { div.notice role="status" { (text) } });
    list_page(&state, &signed, lang, StatusCode::OK, notice, &NewApplicantForm::default()).await
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
            let notice = html! { div.error role="alert" { ul { @for problem in &problems { li { (problem.message(lang)) } } } } };
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
    multipart: Multipart,
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
    Path(job_id): Path<i64>,
) -> PageResult {
    let lang = chosen.lang;
    let progress = state.service.import_progress(&Actor::from(&signed.user), job_id).await.or_page(lang)?;
    let job = &progress.job;
    let running = job.status == ImportStatus::Running && !progress.interrupted;
    let text = |value: &serde_json::Value| value[lang.code()].as_str().unwrap_or_default().to_string();
    let problems = job.report["problems"].as_array().cloned().unwrap_or_default();
    let count = |key: &str| job.report[key].as_u64().unwrap_or(0);
    let body = html! {
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
    };
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
