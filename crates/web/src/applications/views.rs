//! What an application's pages look like: the form, its progress, the reviews and its materials.

use super::*;

/// The engine's score of what `fields` claim, with every item explained, or the first
/// problem the engine finds.
pub(crate) fn claimed_score(state: &AppState, view: &ApplicationView, fields: &Fields, lang: Lang) -> Markup {
    let as_of = state.service.scoring_date(&view.application);
    match state.service.score_form(fields, &view.applicant.id_number, as_of) {
        Ok(evaluation) => score_section(&evaluation.to_result(lang), lang),
        Err(problem) => html! { div.error role="alert" { (label_for(&problem.field, lang)) (problem.message(lang)) } },
    }
}

/// Where the application stands, what is expected of whom next, and what happened when.
pub(crate) fn progress(state: &AppState, view: &ApplicationView, lang: Lang) -> Markup {
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
pub(crate) fn edit_form(
    view: &ApplicationView,
    fields: &Fields,
    notes: &Notes,
    signed: &SignedIn,
    lang: Lang,
) -> Markup {
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
pub(crate) fn review_form(service: &Service, view: &ApplicationView, signed: &SignedIn, lang: Lang) -> Markup {
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

/// What the applicant changed since the employer handed the form back: each field then and
/// now, and the materials given a new file.
pub(crate) fn changes_since_return(view: &ApplicationView, changes: &ChangesSinceReturn, lang: Lang) -> Markup {
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
pub(crate) fn materials(view: &ApplicationView, signed: &SignedIn, lang: Lang) -> Markup {
    let id = view.application.id;
    html! { section id="checklist" data-live-part="" {
        h3 { (t(lang, "申请材料清单", "Materials checklist")) }
        p.hint { (t(lang, "根据申报的积分指标生成。上传扫描件（PDF、JPEG 或 PNG，每个不超过 5 MB）；标明“缺少”的材料上传前不能进行下一步。盖章的申请表和各材料原件由单位带到区人才服务中心窗口。",
            "Made from what the form claims. Upload scans (PDF, JPEG or PNG, 5 MB each at most); the next move waits for anything marked missing. The stamped form and the originals are brought by the employer to the district centre's counter.")) }
        // On a phone each material is a card, its upload under it: a sideways-scrolling table
        // would hide the upload column off the screen.
        div.scroll { table.cards id="materials" {
            thead { tr { th { (t(lang, "材料", "Material")) } th { (t(lang, "状态", "Status")) } th { (t(lang, "已上传", "File")) } @if view.can_upload { th {} } } }
            tbody { @for (material, status) in &view.checklist {
                @let upload = view.uploads.iter().find(|u| u.material == material.id);
                tr data-material=(material.id) data-status=(status.as_str()) {
                    td.item { (material.title.get(lang)) }
                    td.status data-label=(t(lang, "状态", "Status")) { span class=(format!("status {}", status.as_str())) { (status.name(lang)) } }
                    td data-label=(t(lang, "已上传", "File")) { @match upload {
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

/// The applicant's form: uploads while it is being filled are sent with it.
const APPLICATION_FORM: &str = "application-form";

const ACCEPTED_FILES: &str = ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png";

pub(super) fn application_page(
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
        @if signed.user.role != Role::Applicant { (crate::centre::views::changed_since_notice(view, lang)) }
        (crate::centre::views::panel(&state.service, view, signed, lang))
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

/// What the form's live preview replaces as the applicant types: the claimed points and the checklist.
pub(crate) fn live_preview(lang: Lang, score: Markup, view: &ApplicationView, signed: &SignedIn) -> Markup {
    html! { div id="results" data-live-part="" { (score) } (materials(view, signed, lang)) }
}

/// The applications the reader may see, and (for an applicant with none in progress) the button to start one.
pub(crate) fn application_list(
    workflow: &jifen_domain::workflow::Workflow,
    lang: Lang,
    role: Role,
    listings: &[jifen_store::ApplicationListing],
    csrf: &str,
) -> Markup {
    let applicant = role == Role::Applicant;
    let in_progress = listings.iter().any(|l| workflow.state(&l.state).is_some_and(|s| !s.is_final));
    html! {
        h2 { (match role {
            Role::Applicant => t(lang, "我的积分申请", "My applications"),
            Role::HrAgent => t(lang, "本单位的积分申请", "Your employer's applications"),
            _ => t(lang, "本区已提交的积分申请（待收材料）", "Applications filed in your district (materials to receive)"),
        }) }
        @if applicant && !in_progress {
            section.summary {
                form method="post" action="/applications" {
                    input type="hidden" name="csrf" value=(csrf);
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
            tbody { @for listing in listings { tr {
                td { a href=(format!("/applications/{}", listing.id)) { "#" (listing.id) } }
                td { (listing.applicant_name) } td { (listing.applicant_id_number) } td { (listing.employer_name) }
                td { (workflow.state_title(&listing.state, lang).unwrap_or(&listing.state)) }
                td.num { @if let Some(total) = listing.claimed_total { (total) } }
                td { (shanghai_time(listing.updated_at)) }
            } } }
        } } }
        p { a href="/home" { (t(lang, "工作台", "Home")) } }
    }
}
