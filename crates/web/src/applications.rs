//! Application pages: the list, the form (live claimed score, drafts, submission), the
//! employer's review with comments by field, progress and history, the materials checklist
//! with uploads and downloads, and the printable PDF. Handlers parse and render; the
//! application process (`jifen-applications`) decides everything else.

use crate::AppState;
use crate::checked_form::{CheckedForm, check_texts};
use crate::fields::{Notes, application_sections, display, label_of};
use crate::lang::Chosen;
use crate::layout::{say, t};
use crate::pages::{fieldset, score_section};
use crate::respond::{OrPage, PageResult, Refusal, message, page, see_other, service_status, stale_form};
use crate::session::{SignedIn, same_origin};
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use jifen_applications::{Actor, ApplicationView, ChangesSinceReturn, FieldComments, Service, ServiceError};
use jifen_domain::Role;
use jifen_domain::application::Problem;
use jifen_domain::clock::shanghai_time;
use jifen_domain::form::Fields;
use jifen_domain::workflow::states;
use jifen_rules::Lang;
use maud::{Markup, html};
use std::collections::BTreeMap;

/// The applicant's form: uploads while it is being filled are sent with it.
const APPLICATION_FORM: &str = "application-form";

/// Rows of insurance history the application form offers.
pub const APPLICATION_INSURANCE_ROWS: usize = 8;

/// The form fields of a multipart request: text parts by name, file parts with their names.
#[derive(Default)]
pub struct Parts {
    texts: BTreeMap<String, String>,
    files: Vec<(String, String, Vec<u8>)>,
}

impl Parts {
    pub fn text(&self, name: &str) -> String {
        self.texts.get(name).cloned().unwrap_or_default()
    }

    /// The file sent as `name`: its file name and bytes.
    pub fn file(&self, name: &str) -> Option<(&str, &[u8])> {
        self.files
            .iter()
            .find(|(part, _, _)| part == name)
            .map(|(_, filename, bytes)| (filename.as_str(), bytes.as_slice()))
    }
}

/// Reads a multipart form whose files together are at most `limit` bytes.
pub async fn read_multipart(mut multipart: Multipart, limit: usize, lang: Lang) -> Result<Parts, Refusal> {
    let too_large = || -> Refusal {
        let text = match lang {
            Lang::Zh => format!("文件过大，最多 {} MB", limit / 1024 / 1024),
            Lang::En => format!("The file is too large; at most {} MB", limit / 1024 / 1024),
        };
        message(StatusCode::PAYLOAD_TOO_LARGE, lang, &text).into()
    };
    let unreadable = || -> Refusal {
        message(StatusCode::BAD_REQUEST, lang, t(lang, "无法读取上传的表单", "The uploaded form cannot be read")).into()
    };
    let mut parts = Parts::default();
    let mut total = 0usize;
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => return Err(too_large()),
            Err(_) => return Err(unreadable()),
        };
        let name = field.name().unwrap_or_default().to_string();
        let filename = field.file_name().map(str::to_string);
        let bytes = match field.bytes().await {
            Ok(bytes) => bytes,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => return Err(too_large()),
            Err(_) => return Err(unreadable()),
        };
        // The limit is the file's own, as the page states it: the form's small text fields
        // (the CSRF token) do not count against it.
        if filename.is_some() {
            total += bytes.len();
            if total > limit {
                return Err(too_large());
            }
        }
        match filename {
            Some(filename) => parts.files.push((name, filename, bytes.to_vec())),
            None => {
                parts.texts.insert(name, String::from_utf8_lossy(&bytes).into_owned());
            }
        }
    }
    Ok(parts)
}

fn actor(signed: &SignedIn) -> Actor {
    Actor::from(&signed.user)
}

// ---- list and start ----------------------------------------------------------------------

/// `GET /applications`: the applicant's own, or the employer's.
pub async fn list(State(state): State<AppState>, chosen: Chosen, signed: SignedIn) -> PageResult {
    let lang = chosen.lang;
    let actor = actor(&signed);
    let listings = state.service.applications(&actor).await.or_page(lang)?;
    let applicant = actor.role == Role::Applicant;
    let in_progress = listings.iter().any(|l| state.workflow.state(&l.state).is_some_and(|s| !s.is_final));
    let body = html! {
        h2 { (match actor.role {
            Role::Applicant => t(lang, "我的积分申请", "My applications"),
            Role::HrAgent => t(lang, "本单位的积分申请", "Your employer's applications"),
            _ => t(lang, "本区已提交的积分申请（待收材料）", "Applications filed in your district (materials to receive)"),
        }) }
        @if applicant && !in_progress {
            section.summary {
                form method="post" action="/applications" {
                    input type="hidden" name="csrf" value=(signed.session.csrf_token);
                    label.check { input type="checkbox" name="prefill" checked; (t(lang, "用我保存的积分模拟预填", "Pre-fill from my saved simulation")) }
                    button type="submit" { (t(lang, "开始填写积分申请", "Start my application")) }
                }
            }
        }
        @if listings.is_empty() { p { (t(lang, "暂无申请。", "No applications yet.")) } }
        @else { div.scroll { table {
            thead { tr {
                th { (t(lang, "编号", "No.")) } th { (t(lang, "申请人", "Applicant")) } th { (t(lang, "身份证号码", "ID number")) }
                th { (t(lang, "单位", "Employer")) } th { (t(lang, "状态", "State")) } th { (t(lang, "申报分值", "Claimed")) }
                th { (t(lang, "更新时间", "Updated")) }
            } }
            tbody { @for listing in &listings { tr {
                td { a href=(format!("/applications/{}", listing.id)) { "#" (listing.id) } }
                td { (listing.applicant_name) } td { (listing.applicant_id_number) } td { (listing.employer_name) }
                td { (state.workflow.state_title(&listing.state, lang).unwrap_or(&listing.state)) }
                td.num { @if let Some(total) = listing.claimed_total { (total) } }
                td { (shanghai_time(listing.updated_at)) }
            } } }
        } } }
        p { a href="/home" { (t(lang, "工作台", "Home")) } }
    };
    Ok(page(StatusCode::OK, lang, t(lang, "积分申请", "Applications"), body))
}

#[derive(serde::Deserialize)]
pub struct StartForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    prefill: Option<String>,
}

/// `POST /applications`: the applicant starts their application.
pub async fn start(
    State(state): State<AppState>,
    chosen: Chosen,
    headers: HeaderMap,
    signed: SignedIn,
    CheckedForm(form): CheckedForm<StartForm>,
) -> PageResult {
    let lang = chosen.lang;
    signed.check_form(&headers, &form.csrf, lang)?;
    let application = state.service.start_application(&actor(&signed), form.prefill.is_some()).await.or_page(lang)?;
    Ok(see_other(&format!("/applications/{}", application.id)))
}

/// `POST /simulations`: a signed-in applicant keeps the simulator's form for their application.
pub async fn save_simulation(
    State(state): State<AppState>,
    chosen: Chosen,
    headers: HeaderMap,
    signed: SignedIn,
    CheckedForm(pairs): CheckedForm<Vec<(String, String)>>,
) -> PageResult {
    let lang = chosen.lang;
    let fields = Fields::new(pairs);
    signed.check_form(&headers, fields.get("csrf"), lang)?;
    state.service.save_simulation(&actor(&signed), fields).await.or_page(lang)?;
    Ok(see_other("/applications"))
}

// ---- one application ---------------------------------------------------------------------

/// What the form shows instead of the stored application: the fields as just posted and
/// their problems.
struct Posted {
    fields: Fields,
    problems: Vec<Problem>,
}

/// What the page confirms after a change (`?done=saved`, `?done=uploaded`, `?done=moved`).
#[derive(serde::Deserialize, Default)]
pub struct Done {
    #[serde(default)]
    done: Option<String>,
}

/// `GET /applications/{id}`.
pub async fn show(
    State(state): State<AppState>,
    chosen: Chosen,
    signed: SignedIn,
    Path(id): Path<i64>,
    Query(done): Query<Done>,
) -> PageResult {
    let lang = chosen.lang;
    let view = state.service.view(&actor(&signed), id).await.or_page(lang)?;
    let flash = done.done.as_deref().and_then(|done| done_notice(done, lang)).map(Flash::Done);
    Ok(application_page(&state, &signed, &view, lang, None, flash, StatusCode::OK))
}

/// What the page says at its top about the last thing done.
enum Flash {
    /// Done (a green notice).
    Done(&'static str),
    /// Refused, and why (a red one).
    Refused(String),
}

/// The green notice confirming what was just done.
fn done_notice(done: &str, lang: Lang) -> Option<&'static str> {
    Some(match done {
        "saved" => t(lang, "草稿已保存。", "Draft saved."),
        "uploaded" => t(
            lang,
            "文件已上传，表单中填写的内容也已一并保存。",
            "File uploaded; what the form held was saved with it.",
        ),
        "added" => t(lang, "文件已上传。", "File uploaded."),
        "moved" => t(lang, "已办理。", "Done."),
        _ => return None,
    })
}

fn application_page(
    state: &AppState,
    signed: &SignedIn,
    view: &ApplicationView,
    lang: Lang,
    posted: Option<Posted>,
    flash: Option<Flash>,
    status: StatusCode,
) -> Response {
    let application = &view.application;
    let fields = posted.as_ref().map_or(&application.fields, |posted| &posted.fields);
    let problems: Vec<Problem> = posted.as_ref().map(|p| p.problems.clone()).unwrap_or_default();
    let notes = Notes {
        problems: problems.iter().map(|p| (p.field.clone(), p.message(lang).to_string())).collect(),
        comments: Some(&application.review),
    };
    let score = claimed_score(state, view, fields, lang);
    let title = format!("{} #{}", application.kind.name(lang), application.id);
    let body = html! {
        h2 { (title) " · " (view.applicant.name) }
        @match &flash {
            Some(Flash::Done(text)) => div.notice role="status" id="done" { (text) },
            Some(Flash::Refused(text)) => div.error role="alert" id="refused" { (text) },
            None => {},
        }
        (progress(state, view, lang))
        @if signed.user.role != Role::Applicant { (crate::centre::changed_since_notice(view, lang)) }
        (crate::centre::panel(&state.service, view, signed, lang))
        @if !problems.is_empty() {
            div.error role="alert" id="problems" {
                p { (t(lang, "请修改以下内容后再提交：", "Fix these before submitting:")) }
                ul { @for problem in &problems { li { (label_for(&problem.field, lang)) (problem.message(lang)) } } }
            }
        }
        @if !application.review.is_empty() && signed.user.role == Role::Applicant {
            div.error role="alert" id="review" {
                p { (t(lang, "单位退回修改意见：", "The employer's comments:")) }
                ul { @for (field, comment) in &application.review { li { (label_of(field, lang)) "：" (comment) } } }
            }
        }
        h3 { (t(lang, "申报积分（实时计算）", "Claimed points (live)")) }
        div id="results" data-live-part="" { (score) }
        @if view.can_edit {
            (edit_form(view, fields, &notes, signed, lang))
        } @else {
            (review_form(&state.service, view, signed, lang))
        }
        (materials(view, signed, lang))
        @if view.printable {
            p { a.button href=(format!("/applications/{}/form.pdf", application.id)) { (t(lang, "打印申请表（PDF）", "Print the form (PDF)")) } }
        }
        p { a href="/applications" { (t(lang, "返回申请列表", "Back to the list")) } }
        script src="/assets/app.js" defer {}
    };
    page(status, lang, &title, body)
}

/// The engine's score of what `fields` claim, with every item explained, or the first
/// problem the engine finds.
fn claimed_score(state: &AppState, view: &ApplicationView, fields: &Fields, lang: Lang) -> Markup {
    let as_of = state.service.scoring_date(&view.application);
    match state.service.score_form(fields, &view.applicant.id_number, as_of) {
        Ok(evaluation) => score_section(&evaluation.to_result(lang), lang),
        Err(problem) => html! { div.error role="alert" { (label_for(&problem.field, lang)) (problem.message(lang)) } },
    }
}

/// "居住证号码：" before a problem, when it names a field.
fn label_for(field: &str, lang: Lang) -> String {
    if field.is_empty() { String::new() } else { format!("{}：", label_of(field, lang)) }
}

/// Where the application stands, what is expected of whom next, and what happened when.
fn progress(state: &AppState, view: &ApplicationView, lang: Lang) -> Markup {
    let application = &view.application;
    let workflow = state.workflow;
    let current = workflow.state(&application.state);
    let due = view.due;
    let next: Vec<&str> = current
        .map(|s| workflow.allowed(&s.id, s.waiting_for).iter().map(|a| a.title.get(lang)).collect())
        .unwrap_or_default();
    let action_title = |id: &str| match workflow.actions.iter().find(|a| a.id == id) {
        Some(action) => action.title.get(lang).to_string(),
        None if id == "create" => t(lang, "创建申请", "Started").to_string(),
        None if id == "assign" => t(lang, "指派经办人", "Assigned").to_string(),
        None => id.to_string(),
    };
    html! {
        section.summary id="progress" {
            p { (t(lang, "当前状态：", "Now: ")) strong id="state" { (workflow.state_title(&application.state, lang).unwrap_or(&application.state)) } }
            @if let Some(current) = current {
                // A final state waits for nobody (a reconsideration is started from it).
                @if !current.is_final { p { (t(lang, "等待：", "Waiting for: ")) (current.waiting_for.name(lang))
                    @if current.waiting_for.is_district_staff() { "（" (application.district.name(lang)) (t(lang, "人才服务中心", " centre")) "）" }
                    @if let Some(due) = due {
                        @if due.employer_deadline {
                            (say!(lang, "，补正期限 {date}（期间中心时限暂停）", "; deadline {date} (the centre's clock stops meanwhile)", date = due.date))
                        }
                        @else { (say!(lang, "，请于 {date} 前处理", ", by {date}", date = due.date)) }
                        @if due.overdue { " " strong.status.missing id="overdue" { (t(lang, "已逾期", "overdue")) } }
                    }
                    (say!(lang, "（自 {since} 起）", " (since {since})", since = shanghai_time(application.state_since)))
                } }
                @if !next.is_empty() { p { (t(lang, "下一步：", "Next: ")) (next.join(t(lang, " 或 ", " or "))) } }
                @if current.id == states::FILED {
                    p { (t(lang, "请单位打印申请表、加盖公章，连同材料清单所列材料送达", "Print the form, stamp it, and take it with the listed materials to the "))
                        strong { (application.district.name(lang)) (t(lang, "人才服务中心", " talent-service centre")) } (t(lang, "。", ".")) }
                }
            }
            details open[view.events.len() <= 6] {
                summary { (t(lang, "办理记录", "History")) " (" (view.events.len()) ")" }
                table id="history" {
                    thead { tr { th { (t(lang, "时间", "When")) } th { (t(lang, "经办", "By")) } th { (t(lang, "事项", "What")) } th { (t(lang, "意见", "Comment")) } } }
                    tbody { @for event in &view.events { tr {
                        td { (shanghai_time(event.at)) } td { (event.actor_name.clone().unwrap_or_default()) }
                        td { (action_title(&event.action)) } td { (event.comment) }
                    } } }
                }
            }
        }
    }
}

/// The applicant's form: every section, a draft button and the submission.
fn edit_form(view: &ApplicationView, fields: &Fields, notes: &Notes, signed: &SignedIn, lang: Lang) -> Markup {
    let id = view.application.id;
    let submit = view.actions.iter().find(|action| action.checks_form);
    html! {
        form id=(APPLICATION_FORM) method="post" action=(format!("/applications/{id}")) data-live=(format!("/applications/{id}/preview")) data-warn-unsaved="" {
            input type="hidden" name="csrf" value=(signed.session.csrf_token);
            input type="hidden" name="version" value=(view.application.version);
            p.hint { (t(lang, "身份证号码：", "Resident ID number: ")) (view.applicant.id_number) " · "
                (t(lang, "用人单位：", "Employer: ")) (view.employer.name) }
            @for section in application_sections(lang, APPLICATION_INSURANCE_ROWS) {
                (fieldset(fields, notes, &section))
            }
            div.actions {
                button.secondary type="submit" name="intent" value="save" { (t(lang, "保存草稿", "Save draft")) }
                @if let Some(submit) = submit {
                    " " button type="submit" name="intent" value=(submit.id) { (submit.title.get(lang)) }
                }
            }
        }
    }
}

/// The form read-only, each filled field with the employer's comment box when the viewer
/// may act on it, and the viewer's actions.
fn review_form(service: &Service, view: &ApplicationView, signed: &SignedIn, lang: Lang) -> Markup {
    let id = view.application.id;
    let fields = &view.application.fields;
    let reviewing = !view.actions.is_empty() && crate::centre::employer_review(service, view, signed.user.role);
    let sections = application_sections(lang, APPLICATION_INSURANCE_ROWS);
    let changed = |name: &str| {
        view.changes_since_return
            .as_ref()
            .is_some_and(|changes| changes.fields.iter().any(|(field, _, _)| field == name))
    };
    let table = html! {
        p.hint { (t(lang, "身份证号码：", "Resident ID number: ")) (view.applicant.id_number) " · "
            (t(lang, "用人单位：", "Employer: ")) (view.employer.name) }
        @if let Some(changes) = &view.changes_since_return { (changes_since_return(view, changes, lang)) }
        @for section in &sections {
            @let filled: Vec<_> = section.fields().filter_map(|spec| Some((spec, display(fields, spec))).filter(|(_, v)| !v.is_empty())).collect();
            @if !filled.is_empty() {
                h4 { (section.title) }
                div.scroll { table.review {
                    tbody { @for (spec, value) in &filled { tr.changed[changed(&spec.name)] {
                        th { (spec.label) } td { (value) }
                        @if let Some(comment) = view.application.review.get(&spec.name) { td.field-comment { "💬 " (comment) } }
                        @if reviewing { td { input name=(format!("note_{}", spec.name)) placeholder=(t(lang, "意见（退回时填写）", "Comment (when returning)")) aria-label=(format!("{} {}", spec.label, t(lang, "意见", "comment"))); } }
                    } } }
                } }
            }
        }
    };
    if !reviewing {
        return table;
    }
    html! {
        form id="review-form" method="post" action=(format!("/applications/{id}/actions")) data-warn-unsaved="" {
            input type="hidden" name="csrf" value=(signed.session.csrf_token);
            input type="hidden" name="version" value=(view.application.version);
            (table)
            label { (t(lang, "总体意见", "Overall comment")) textarea name="comment" rows="2" {} }
            div.actions { @for action in &view.actions {
                button type="submit" name="action" value=(action.id) { (action.title.get(lang)) } " "
            } }
        }
    }
}

const ACCEPTED_FILES: &str = ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png";

/// What the applicant changed since the employer handed the form back: each field then and
/// now, and the materials given a new file.
fn changes_since_return(view: &ApplicationView, changes: &ChangesSinceReturn, lang: Lang) -> Markup {
    let title = |material: &String| -> String {
        view.checklist
            .iter()
            .find(|(m, _)| &m.id == material)
            .map_or_else(|| material.clone(), |(m, _)| m.title.get(lang).to_string())
    };
    html! {
        section.summary id="changes" {
            h4 { (t(lang, "退回后申请人的修改", "Changed by the applicant since it was returned")) " ("
                (shanghai_time(changes.returned_at)) (t(lang, " 退回", " returned")) ")" }
            @if changes.fields.is_empty() && changes.materials.is_empty() {
                p { (t(lang, "没有修改。", "Nothing changed.")) }
            }
            @if !changes.fields.is_empty() {
                div.scroll { table {
                    thead { tr { th { (t(lang, "项目", "Field")) } th { (t(lang, "退回时", "When returned")) } th { (t(lang, "现在", "Now")) } } }
                    tbody { @for (field, then, now) in &changes.fields { tr {
                        td { (label_of(field, lang)) } td { del { (then) } } td { ins { (now) } }
                    } } }
                } }
            }
            @if !changes.materials.is_empty() {
                p { (t(lang, "新上传的材料：", "New files: "))
                    (changes.materials.iter().map(title).collect::<Vec<_>>().join(t(lang, "、", ", "))) }
            }
        }
    }
}

/// The materials checklist: for each material, whether it is uploaded, missing for a move
/// that can be taken now, not needed at this step, or brought to the counter; each file
/// with a link to open it in the browser and one to download it; and, when allowed, an
/// upload.
fn materials(view: &ApplicationView, signed: &SignedIn, lang: Lang) -> Markup {
    let id = view.application.id;
    html! { section id="checklist" data-live-part="" {
        h3 { (t(lang, "申请材料清单", "Materials checklist")) }
        p.hint { (t(lang, "根据申报的积分指标生成。上传扫描件（PDF、JPEG 或 PNG，每个不超过 5 MB）；标明“缺少”的材料上传前不能进行下一步。盖章的申请表和各材料原件由单位带到区人才服务中心窗口。",
            "Made from what the form claims. Upload scans (PDF, JPEG or PNG, 5 MB each at most); the next move waits for anything marked missing. The stamped form and the originals are brought by the employer to the district centre's counter.")) }
        div.scroll { table id="materials" {
            thead { tr { th { (t(lang, "材料", "Material")) } th { (t(lang, "状态", "Status")) } th { (t(lang, "已上传", "File")) } @if view.can_upload { th {} } } }
            tbody { @for (material, status) in &view.checklist {
                @let upload = view.uploads.iter().find(|u| u.material == material.id);
                tr data-material=(material.id) data-status=(status.as_str()) {
                    td { (material.title.get(lang)) }
                    td.status { span class=(format!("status {}", status.as_str())) { (status.name(lang)) } }
                    td { @match upload {
                        Some(upload) => {
                            a href=(format!("/materials/{}/view", upload.id)) target="_blank" rel="noopener" { (upload.filename) } " "
                            a.hint href=(format!("/materials/{}", upload.id)) { (t(lang, "下载", "download")) } " "
                            span.hint { (upload.size / 1024 + 1) " KB · " (shanghai_time(upload.uploaded_at)) } }
                        None => span.hint { "—" },
                    } }
                    @if view.can_upload { td {
                        @if !material.at_counter {
                            @let action = format!("/applications/{id}/materials/{}", material.id);
                            @let label = if upload.is_some() { t(lang, "替换", "Replace") } else { t(lang, "上传", "Upload") };
                            @if view.can_edit {
                                // Part of the applicant's form: the upload saves what the form holds
                                // with it, so no unsaved edit is lost (and it works without script).
                                div.upload {
                                    input type="file" form=(APPLICATION_FORM) name=(format!("file_{}", material.id)) accept=(ACCEPTED_FILES) aria-label=(material.title.get(lang));
                                    " " button.secondary type="submit" form=(APPLICATION_FORM) formaction=(action) formenctype="multipart/form-data" formmethod="post" formnovalidate { (label) }
                                }
                            } @else {
                                form.upload method="post" enctype="multipart/form-data" action=(action) {
                                    input type="hidden" name="csrf" value=(signed.session.csrf_token);
                                    input type="file" name=(format!("file_{}", material.id)) accept=(ACCEPTED_FILES) required aria-label=(material.title.get(lang));
                                    " " button.secondary type="submit" { (label) }
                                }
                            }
                        }
                    } }
                }
            } }
        } }
    } }
}

/// `POST /applications/{id}`: the applicant saves the form, and submits it when asked.
pub async fn save(
    State(state): State<AppState>,
    chosen: Chosen,
    headers: HeaderMap,
    signed: SignedIn,
    Path(id): Path<i64>,
    CheckedForm(pairs): CheckedForm<Vec<(String, String)>>,
) -> PageResult {
    let lang = chosen.lang;
    let fields = Fields::new(pairs);
    signed.check_form(&headers, fields.get("csrf"), lang)?;
    let actor = actor(&signed);
    let version = fields.get("version").parse().unwrap_or(0);
    let intent = fields.get("intent").to_string();
    let saved = state.service.save_draft(&actor, id, version, fields.clone()).await.or_page(lang)?;
    if intent.is_empty() || intent == "save" {
        return Ok(see_other(&format!("/applications/{id}?done=saved")));
    }
    match state.service.act(&actor, id, saved.version, &intent, "", FieldComments::new()).await {
        Ok(_) => Ok(see_other(&format!("/applications/{id}?done=moved"))),
        Err(ServiceError::Invalid(problems)) => match state.service.view(&actor, id).await {
            Ok(view) => {
                let posted = Posted { fields: view.application.fields.clone(), problems };
                Ok(application_page(&state, &signed, &view, lang, Some(posted), None, StatusCode::UNPROCESSABLE_ENTITY))
            }
            Err(e) => Err(Refusal::of(lang, &e)),
        },
        Err(refusal @ ServiceError::Refused { .. }) => match state.service.view(&actor, id).await {
            Ok(view) => {
                let flash = Some(Flash::Refused(refusal.message(lang).to_string()));
                Ok(application_page(&state, &signed, &view, lang, None, flash, service_status(&refusal)))
            }
            Err(e) => Err(Refusal::of(lang, &e)),
        },
        Err(e) => Err(Refusal::of(lang, &e)),
    }
}

/// `POST /applications/{id}/preview`: the claimed score of the form as typed, not saved
/// (the page's script swaps it in while the applicant types).
pub async fn preview(
    State(state): State<AppState>,
    chosen: Chosen,
    headers: HeaderMap,
    signed: SignedIn,
    Path(id): Path<i64>,
    CheckedForm(pairs): CheckedForm<Vec<(String, String)>>,
) -> PageResult {
    let lang = chosen.lang;
    if !same_origin(&headers) {
        return Err(stale_form(lang).into());
    }
    let view = match state.service.view(&actor(&signed), id).await {
        Ok(view) if view.can_edit => view,
        Ok(_) => return Err(Refusal::of(lang, &ServiceError::Forbidden)),
        Err(e) => return Err(Refusal::of(lang, &e)),
    };
    let fields = Fields::new(pairs);
    let score = claimed_score(&state, &view, &fields, lang);
    // The checklist follows the claim as it is typed, too.
    let checklist = state.service.checklist_now(&view.application, &fields, &view.uploads).await.or_page(lang)?;
    let view = ApplicationView { checklist, ..view };
    let body = html! { div id="results" data-live-part="" { (score) } (materials(&view, &signed, lang)) };
    Ok(page(StatusCode::OK, lang, t(lang, "申报积分", "Claimed points"), body))
}

/// `POST /applications/{id}/actions`: an action by the employer (or staff), with an overall
/// comment and comments by field (`note_{field}`).
pub async fn act(
    State(state): State<AppState>,
    chosen: Chosen,
    headers: HeaderMap,
    signed: SignedIn,
    Path(id): Path<i64>,
    CheckedForm(pairs): CheckedForm<Vec<(String, String)>>,
) -> PageResult {
    let lang = chosen.lang;
    let form: BTreeMap<String, String> = pairs.into_iter().collect();
    let get = |name: &str| form.get(name).map_or("", String::as_str);
    signed.check_form(&headers, get("csrf"), lang)?;
    let comments: FieldComments =
        form.iter().filter_map(|(name, text)| Some((name.strip_prefix("note_")?.to_string(), text.clone()))).collect();
    let version = get("version").parse().unwrap_or(0);
    let actor = actor(&signed);
    let input = crate::centre::move_input(&form, get("comment"), comments);
    match state.service.act_with(&actor, id, version, get("action"), &input).await {
        Ok(_) => Ok(see_other(&format!("/applications/{id}?done=moved"))),
        // Refused for a reason the page can show (materials missing, a comment needed): the
        // page again, with the reason on top.
        Err(refusal @ ServiceError::Refused { .. }) => match state.service.view(&actor, id).await {
            Ok(view) => {
                let flash = Some(Flash::Refused(refusal.message(lang).to_string()));
                Ok(application_page(&state, &signed, &view, lang, None, flash, service_status(&refusal)))
            }
            Err(e) => Err(Refusal::of(lang, &e)),
        },
        Err(e) => Err(Refusal::of(lang, &e)),
    }
}

/// `GET /applications/{id}/form.pdf`.
pub async fn pdf(State(state): State<AppState>, chosen: Chosen, signed: SignedIn, Path(id): Path<i64>) -> PageResult {
    let bytes = state.service.application_pdf(&actor(&signed), id).await.or_page(chosen.lang)?;
    Ok(file_response(bytes, "application/pdf", &format!("积分申请表-{id}.pdf"), true))
}

/// A file to download (`attachment`) or to show inline, named in UTF-8 (RFC 6266).
pub(crate) fn file_response(bytes: Vec<u8>, content_type: &'static str, filename: &str, attachment: bool) -> Response {
    let encoded: String = filename
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") }
        })
        .collect();
    let disposition = format!(
        "{}; filename=\"download\"; filename*=UTF-8''{encoded}",
        if attachment { "attachment" } else { "inline" }
    );
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

/// `POST /applications/{id}/materials/{material}`: a scan for one material. Sent from the
/// applicant's form, it carries the whole form: what it holds is saved as the draft first,
/// so an upload never throws away an unsaved edit. Every other file chosen on the form is
/// uploaded with it.
pub async fn upload(
    State(state): State<AppState>,
    chosen: Chosen,
    headers: HeaderMap,
    signed: SignedIn,
    Path((id, material)): Path<(i64, String)>,
    multipart: Multipart,
) -> PageResult {
    let lang = chosen.lang;
    let parts = read_multipart(multipart, jifen_applications::MAX_UPLOAD_BYTES, lang).await?;
    signed.check_form(&headers, &parts.text("csrf"), lang)?;
    let chosen_file = |name: &str| parts.file(name).filter(|(_, bytes)| !bytes.is_empty());
    let named = format!("file_{material}");
    let actor = actor(&signed);
    let with_form = parts.texts.contains_key("version");
    if with_form {
        check_texts(lang, parts.texts.iter().map(|(name, value)| (name.as_str(), value.as_str())))?;
        let fields = Fields::new(parts.texts.iter().map(|(name, value)| (name.clone(), value.clone())).collect());
        let version = fields.get("version").parse().unwrap_or(0);
        state.service.save_draft(&actor, id, version, fields).await.or_page(lang)?;
    }
    if chosen_file(&named).or_else(|| chosen_file("file")).is_none() {
        let text = match with_form {
            true => t(lang, "请选择文件（表单已保存为草稿）", "Choose a file (the form was saved as a draft)"),
            false => t(lang, "请选择文件", "Choose a file"),
        };
        return Ok(message(StatusCode::UNPROCESSABLE_ENTITY, lang, text));
    }
    // The file of the button pressed first, then any other chosen on the form.
    let mut files: Vec<(String, (&str, &[u8]))> = Vec::new();
    if let Some(file) = chosen_file(&named).or_else(|| chosen_file("file")) {
        files.push((material.clone(), file));
    }
    for (part, filename, bytes) in &parts.files {
        if let Some(other) = part.strip_prefix("file_").filter(|other| *other != material && !bytes.is_empty()) {
            files.push((other.to_string(), (filename.as_str(), bytes.as_slice())));
        }
    }
    for (material, (filename, bytes)) in files {
        state.service.upload_material(&actor, id, &material, filename, bytes.to_vec()).await.or_page(lang)?;
    }
    let done = if with_form { "uploaded" } else { "added" };
    Ok(see_other(&format!("/applications/{id}?done={done}#materials")))
}

/// `GET /materials/{id}`: a stored scan, for those who may see its application.
pub async fn download(state: State<AppState>, chosen: Chosen, signed: SignedIn, id: Path<i64>) -> PageResult {
    material_file(state, chosen, signed, id, true).await
}

/// `GET /materials/{id}/view`: the same scan shown in the browser (an image or a PDF, with
/// the same headers as a download: no caching, no sniffing, its own content type).
pub async fn view_material(state: State<AppState>, chosen: Chosen, signed: SignedIn, id: Path<i64>) -> PageResult {
    material_file(state, chosen, signed, id, false).await
}

async fn material_file(
    State(state): State<AppState>,
    chosen: Chosen,
    signed: SignedIn,
    Path(id): Path<i64>,
    attachment: bool,
) -> PageResult {
    match state.service.download_material(&actor(&signed), id).await {
        Ok((upload, bytes)) => {
            let Some((content_type, extension)) = jifen_applications::detect_content_type(&bytes) else {
                // Not one of the kinds accepted: never shown, only downloaded.
                let filename = jifen_applications::clean_filename(&upload.filename, &upload.material, "bin");
                return Ok(file_response(bytes, "application/octet-stream", &filename, true));
            };
            // Files are named by what they are, whatever name they were stored under.
            let filename = jifen_applications::clean_filename(&upload.filename, &upload.material, extension);
            Ok(file_response(bytes, content_type, &filename, attachment))
        }
        Err(e) => Err(Refusal::of(chosen.lang, &e)),
    }
}
