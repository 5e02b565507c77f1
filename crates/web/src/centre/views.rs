//! What the district centre's pages look like: the queue, the counter's checklist, the verification and the decision.

use super::*;

/// The originals the centre keeps: each with whether it was handed back and to whom; the
/// clerk's form to hand them back against a signature.
pub(crate) fn kept_originals(service: &Service, view: &ApplicationView, signed: &SignedIn, lang: Lang) -> Markup {
    if view.kept_originals.is_empty() {
        return html! {};
    }
    let clerk = signed.user.role == Role::Clerk;
    let waiting = view.kept_originals.iter().any(|original| original.returned.is_none());
    html! {
        section id="originals" {
            h4 { (t(lang, "中心留存的原件", "Originals the centre keeps")) }
            form method="post" action=(format!("/applications/{}/originals", view.application.id)) {
                input type="hidden" name="csrf" value=(signed.session.csrf_token);
                ul { @for original in &view.kept_originals {
                    li data-material=(original.material) {
                        @let status = html! {
                            (material_title(service, &original.material, lang)) "："
                            @match &original.returned {
                                Some(returned) => {
                                    (say!(lang, "已归还，{at}，签收人 ", "handed back, {at}, signed for by ", at = shanghai_time(returned.at)))
                                    strong { (returned.collected_by) }
                                }
                                None => { (say!(lang, "留存中（自 {since} 起）", "kept (since {since})", since = shanghai_time(original.kept_at))) }
                            }
                        };
                        @if clerk && original.returned.is_none() {
                            label.check { input type="checkbox" name="original" value=(original.material) checked; (status) }
                        } @else { (status) }
                    }
                } }
                @if clerk && waiting {
                    label { (t(lang, "领取人姓名（签收）", "Collected by (signature)")) input name="collected_by" required; }
                    button.secondary type="submit" { (t(lang, "归还原件", "Hand back")) }
                }
            }
        }
    }
}

/// Who holds the current step, "I'll take it", and a supervisor's choice of whom to give it.
pub(crate) fn holder(view: &ApplicationView, signed: &SignedIn, lang: Lang) -> Markup {
    let id = view.application.id;
    let action = format!("/applications/{id}/assign");
    html! {
        div id="holder" {
            p { (t(lang, "经办人：", "Held by: "))
                @match &view.holder { Some(name) => strong { (name) }, None => span.hint { (t(lang, "未指派", "nobody")) } } }
            @if view.can_take {
                form.inline method="post" action=(action) {
                    input type="hidden" name="csrf" value=(signed.session.csrf_token);
                    button.secondary type="submit" { (t(lang, "我来办理", "I'll take it")) }
                }
            }
            @if !view.assignable.is_empty() {
                form.inline method="post" action=(action) {
                    input type="hidden" name="csrf" value=(signed.session.csrf_token);
                    select name="assignee" aria-label=(t(lang, "指派给", "Give it to")) {
                        @for user in &view.assignable { option value=(user.id) { (user.display_name) } }
                    }
                    " " button.secondary type="submit" { (t(lang, "指派", "Assign")) }
                }
            }
        }
    }
}

/// What a renewal or a change claims differently from the facts of the notice it follows:
/// what the centre reviews (the rest was verified for that notice).
pub(crate) fn changed_since_notice(view: &ApplicationView, lang: Lang) -> Markup {
    if view.application.follows_notice.is_none() {
        return html! {};
    }
    html! {
        section.summary id="since-notice" {
            h4 { (view.application.kind.name(lang)) " · " (t(lang, "与上次积分通知书核定事实相比的变化", "Changed since the facts of the last notice")) }
            @if view.changed_since_notice.is_empty() {
                p { (t(lang, "没有变化：只需确认各项仍然属实。", "Nothing changed: confirm that each item still holds.")) }
            } @else {
                div.scroll { table {
                    thead { tr { th { (t(lang, "项目", "Field")) } th { (t(lang, "上次核定", "Verified then")) } th { (t(lang, "本次申报", "Claimed now")) } } }
                    tbody { @for (field, then, now) in &view.changed_since_notice { tr {
                        td { (crate::fields::label_of(field, lang)) } td { del { (then) } } td { ins { (now) } }
                    } } }
                } }
            }
        }
    }
}

/// The centre's part of an application's page: the correction list and deadline while the
/// employer completes materials, the documents issued, the verification, and the form of
/// the viewer's moves.
pub(crate) fn panel(service: &Service, view: &ApplicationView, signed: &SignedIn, lang: Lang) -> Markup {
    let at_centre = service.workflow.state(&view.application.state).is_some_and(|s| s.centre);
    if !at_centre {
        return html! {};
    }
    let staff = signed.user.role.is_district_staff();
    html! {
        section.summary id="centre" {
            h3 { (view.application.district.name(lang)) (t(lang, "人才服务中心", " talent-service centre")) }
            @if staff { (holder(view, signed, lang)) }
            (correction_list(service, view, lang))
            (documents(view, lang))
            (kept_originals(service, view, signed, lang))
            (crate::blacklist::views::on_application(service, view, &view.findings, signed, lang))
            @if let Some(verification) = &view.verification {
                @if staff || service.workflow.state(&view.application.state).is_some_and(|s| s.is_final) {
                    (verification_table(service, view, verification, lang))
                }
            }
            (moves(service, view, signed, lang))
        }
    }
}

/// What the correction notice asks for and by when, while it stands.
pub(crate) fn correction_list(service: &Service, view: &ApplicationView, lang: Lang) -> Markup {
    if view.application.state != states::CORRECTION {
        return html! {};
    }
    let Some((_, lines)) = Service::counter_marks(&view.events, "ask_correction") else { return html! {} };
    html! {
        div.error role="alert" id="correction" {
            p { (t(lang, "窗口一次性告知需补正以下材料", "The counter asks for these, all at once"))
                @if let Some(due) = view.due { (t(lang, "，补正期限：", "; deadline: ")) strong { (due.date) } } }
            ul { @for line in lines.iter().filter(|line| !line.mark.received()) {
                li { (material_title(service, &line.material, lang)) "：" (line.mark.name(lang))
                    @if !line.reason.is_empty() { "（" (line.reason) "）" } }
            } }
        }
    }
}

/// Links to the documents issued so far.
pub(crate) fn documents(view: &ApplicationView, lang: Lang) -> Markup {
    if view.documents.is_empty() && view.notice.is_none() {
        return html! {};
    }
    html! {
        p id="documents" { (t(lang, "文书：", "Documents: "))
            @if let Some(notice) = &view.notice {
                a.button href=(format!("/applications/{}/notice.pdf", view.application.id)) { (t(lang, "积分通知书", "Points notice")) }
                " " span.hint { (notice.serial) " · " (t(lang, "有效期至 ", "valid until ")) (notice.valid_until) } " "
            }
            @for kind in &view.documents {
                a.button.secondary href=(format!("/applications/{}/documents/{}.pdf", view.application.id, kind.as_str())) { (kind.title(lang)) } " "
            }
        }
    }
}

/// Claimed beside verified, item by item, with the reviewer's verdicts and the engine's
/// explanation of each verified item.
pub(crate) fn verification_table(
    service: &Service,
    view: &ApplicationView,
    verification: &Verification,
    lang: Lang,
) -> Markup {
    let as_of = jifen_rules::calendar::parse_date(&verification.as_of)
        .unwrap_or_else(|_| service.scoring_date(&view.application));
    let explained =
        service.score_form(&verification.fields, &view.applicant.id_number, as_of).ok().map(|e| e.to_result(lang));
    let explanation = |item: &str| {
        explained
            .as_ref()
            .and_then(|result| result.items.iter().find(|i| i.id.as_str() == item))
            .map(|i| i.explanation.to_string())
    };
    let reason_title = |id: &str| -> String {
        service
            .verification
            .reasons
            .iter()
            .find(|r| r.id == id)
            .map_or_else(|| id.to_string(), |r| r.title.get(lang).to_string())
    };
    html! {
        h4 { (t(lang, "逐项核定（申报与核定对照）", "Item by item: claimed and verified")) }
        p { (t(lang, "核定积分：", "Verified score: ")) strong id="verified-total" { (verification.total) }
            (say!(lang, " 分（计分日 {as_of}），", " (as of {as_of}), ", as_of = verification.as_of))
            @if verification.reaches_standard { (t(lang, "达到标准分值。", "the standard is reached.")) }
            @else { (t(lang, "未达到标准分值。", "the standard is not reached.")) } }
        div.scroll { table id="verification" {
            thead { tr { th { (t(lang, "指标", "Item")) } th { (t(lang, "申报", "Claimed")) } th { (t(lang, "核定", "Verified")) }
                th { (t(lang, "审核意见", "Verdict")) } th { (t(lang, "核定说明", "Explanation")) } } }
            tbody { @for verdict in &verification.items {
                tr.changed[verdict.corrected] data-item=(verdict.item) {
                    td { (ItemId::parse(&verdict.item).map_or(verdict.item.as_str(), |id| id.name(lang))) }
                    td.num { (verdict.claimed_points) } td.num { (verdict.verified_points) }
                    td { @if verdict.corrected { (t(lang, "更正：", "Corrected: ")) (reason_title(&verdict.reason)) @if !verdict.note.is_empty() { "（" (verdict.note) "）" } }
                         @else { (t(lang, "确认", "Confirmed")) } }
                    td { (explanation(&verdict.item).unwrap_or_default()) }
                }
            } }
        } }
        details {
            summary { (t(lang, "核查记录", "Checks")) " (" (verification.checks.len()) ")" }
            ul { @for record in &verification.checks {
                li { (service.verification.checks.iter().find(|c| c.id == record.check).map_or(record.check.as_str(), |c| c.title.get(lang)))
                    "：" @if record.passed { (t(lang, "通过", "passed")) } @else { strong { (t(lang, "未通过", "failed")) } }
                    @if !record.note.is_empty() { "（" (record.note) "）" } " · " (record.on) }
            } }
        }
    }
}

/// The viewer's moves: the counter's checklist, the reviewer's verification, or a comment
/// and buttons.
pub(crate) fn moves(service: &Service, view: &ApplicationView, signed: &SignedIn, lang: Lang) -> Markup {
    if view.actions.is_empty() {
        return html! {};
    }
    let id = view.application.id;
    let counter = view.actions.iter().any(|a| a.counter.is_some());
    let verifying = view.actions.iter().any(|a| a.records_verification);
    let needs_comment = view.actions.iter().any(|a| a.requires_comment);
    let comment_label = match view.application.state.as_str() {
        states::ACCEPTED => t(
            lang,
            "档案保管单位（调档函的收件方，必填）",
            "Where the personnel file is held (the letter's addressee; required)",
        ),
        states::FILE_REQUESTED => {
            t(lang, "说明（记录档案调取问题时必填）", "Note (required for a problem with the file)")
        }
        _ if needs_comment => t(lang, "意见（不通过或退回时必填）", "Comment (required to refuse or send back)"),
        _ => t(lang, "意见", "Comment"),
    };
    html! {
        form id="centre-form" method="post" action=(format!("/applications/{id}/actions")) data-warn-unsaved="" {
            input type="hidden" name="csrf" value=(signed.session.csrf_token);
            input type="hidden" name="version" value=(view.application.version);
            @if counter { (counter_checklist(view, lang)) }
            @if verifying { (verification_form(service, view, lang)) }
            label { (comment_label) textarea name="comment" rows="2" {} }
            div.actions { @for action in &view.actions {
                button type="submit" name="action" value=(action.id) { (action.title.get(lang)) } " "
            } }
        }
    }
}

/// The counter's checklist: every material the claim needs, marked one by one.
pub(crate) fn counter_checklist(view: &ApplicationView, lang: Lang) -> Markup {
    html! {
        h4 { (t(lang, "窗口核对材料", "Check the materials at the counter")) }
        p.hint { (t(lang, "逐项标记；有缺少或不符合要求的，点击“一次性告知补正”，全部列入同一份告知书。",
            "Mark each one; if any is missing or defective, issue the correction notice: everything goes into that one notice.")) }
        div.scroll { table id="counter" {
            thead { tr { th { (t(lang, "材料", "Material")) } th { (t(lang, "已上传", "Uploaded")) } th { (t(lang, "核对结果", "Found")) } th { (t(lang, "说明", "Remark")) } } }
            tbody { @for (material, _) in &view.checklist {
                @let upload = view.uploads.iter().find(|u| u.material == material.id);
                tr data-material=(material.id) {
                    td { (material.title.get(lang)) }
                    td { @if let Some(upload) = upload { a href=(format!("/materials/{}/view", upload.id)) target="_blank" rel="noopener" { (upload.filename) } } @else { "—" } }
                    td { select name=(format!("counter_{}", material.id)) aria-label=(material.title.get(lang)) {
                        option value="" { (t(lang, "请选择", "Choose")) }
                        @for mark in CounterMark::ALL { option value=(mark.as_str()) { (mark.name(lang)) } }
                    } }
                    td { input name=(format!("counter_reason_{}", material.id)) placeholder=(t(lang, "不符合要求时写明原因", "Why, when defective")) aria-label=(format!("{} {}", material.title.get(lang), t(lang, "说明", "remark"))); }
                }
            } }
        } }
    }
}

/// The reviewer's form: each check's result, each item's verdict, and the verified facts
/// (pre-filled with the last saved verification, or the claim).
pub(crate) fn verification_form(service: &Service, view: &ApplicationView, lang: Lang) -> Markup {
    let saved = view.verification.as_ref();
    let facts = saved.map_or(&view.application.fields, |v| &v.fields);
    let claimed = service
        .score_form(&view.application.fields, &view.applicant.id_number, service.scoring_date(&view.application))
        .ok()
        .map(|e| e.to_result(lang));
    let items: Vec<ItemId> = ItemId::ALL
        .into_iter()
        .filter(|id| {
            claimed.as_ref().is_some_and(|r| r.items.iter().any(|i| i.id == *id && i.points != 0))
                || saved.is_some_and(|v| v.items.iter().any(|i| i.item == id.as_str()))
        })
        .collect();
    let verdict_of = |id: ItemId| saved.and_then(|v| v.items.iter().find(|i| i.item == id.as_str()));
    let check_of = |id: &str| saved.and_then(|v| v.checks.iter().find(|c| c.check == id));
    let prefixed =
        Fields::new(facts.iter().map(|(name, value)| (format!("verify_{name}"), value.to_string())).collect());
    let mut sections = verified_sections(lang, VERIFIED_INSURANCE_ROWS);
    for section in &mut sections {
        for spec in section.groups.iter_mut().flatten() {
            spec.name = format!("verify_{}", spec.name);
        }
    }
    html! {
        input type="hidden" name="verification" value="1";
        h4 { (t(lang, "核查项目", "Checks")) }
        div.scroll { table id="checks" {
            thead { tr { th { (t(lang, "核查", "Check")) } th { (t(lang, "来源", "Source")) } th { (t(lang, "结果", "Result")) } th { (t(lang, "说明", "Note")) } } }
            tbody { @for check in service.checks_needed(&view.application, &view.applicant.id_number) {
                @let record = check_of(&check.id);
                tr data-check=(check.id) {
                    td { (check.title.get(lang)) } td.hint { (check.source.get(lang)) }
                    td { select name=(format!("check_{}", check.id)) aria-label=(check.title.get(lang)) {
                        option value="" { (t(lang, "请选择", "Choose")) }
                        option value="passed" selected[record.is_some_and(|r| r.passed)] { (t(lang, "通过", "Passed")) }
                        option value="failed" selected[record.is_some_and(|r| !r.passed)] { (t(lang, "未通过", "Failed")) }
                    } }
                    td { input name=(format!("check_note_{}", check.id)) value=(record.map_or("", |r| r.note.as_str())) aria-label=(format!("{} {}", check.title.get(lang), t(lang, "说明", "note"))); }
                }
            } }
        } }
        h4 { (t(lang, "逐项审核", "Item by item")) }
        p.hint { (t(lang, "更正的是事实，不是分值：在下方“核定事实”中改正（例如把补缴的月份单列一段并勾选“补缴”），系统按核定事实重新计分；分值变化的指标须选择“更正”并给出理由。",
            "Correct facts, never points: change them under \"Verified facts\" (e.g. put back-paid months in a range of their own and tick \"back-paid\"); the engine scores the verified facts, and an item whose points change must be marked corrected, with a reason.")) }
        div.scroll { table id="verdicts" {
            thead { tr { th { (t(lang, "指标", "Item")) } th { (t(lang, "申报分值", "Claimed")) } th { (t(lang, "审核", "Verdict")) } th { (t(lang, "更正理由", "Reason")) } th { (t(lang, "说明", "Note")) } } }
            tbody { @for id in &items {
                @let saved_verdict = verdict_of(*id);
                @let claimed_points = claimed.as_ref().and_then(|r| r.items.iter().find(|i| i.id == *id)).map_or(0, |i| i.points);
                tr data-item=(id.as_str()) {
                    td { (id.name(lang)) } td.num { (claimed_points) }
                    td { select name=(format!("verdict_{}", id.as_str())) aria-label=(id.name(lang)) {
                        option value="confirmed" selected[saved_verdict.is_some_and(|v| !v.corrected)] { (t(lang, "确认", "Confirm")) }
                        option value="corrected" selected[saved_verdict.is_some_and(|v| v.corrected)] { (t(lang, "更正", "Correct")) }
                    } }
                    td { select name=(format!("reason_{}", id.as_str())) aria-label=(format!("{} {}", id.name(lang), t(lang, "更正理由", "reason"))) {
                        option value="" { "—" }
                        @for reason in service.verification.reasons_for(*id) {
                            option value=(reason.id) selected[saved_verdict.is_some_and(|v| v.reason == reason.id)] { (reason.title.get(lang)) }
                        }
                    } }
                    td { input name=(format!("item_note_{}", id.as_str())) value=(saved_verdict.map_or("", |v| v.note.as_str())) aria-label=(format!("{} {}", id.name(lang), t(lang, "说明", "note"))); }
                }
            } }
        } }
        details open[saved.is_none()] id="verified-facts" {
            summary { (t(lang, "核定事实（按档案和核查结果修改）", "Verified facts (change them to what the file and checks show)")) }
            @for section in &sections { (fieldset(&prefixed, &Notes::default(), section)) }
        }
    }
}

/// How many insurance ranges the reviewer's form offers (a claimed range may be split into
/// a counted and a back-paid part).
const VERIFIED_INSURANCE_ROWS: usize = jifen_domain::form::MAX_INSURANCE_ROWS;

fn material_title<'a>(service: &'a Service, id: &'a str, lang: Lang) -> &'a str {
    service.materials.material(id).map_or(id, |m| m.title.get(lang))
}

/// The centre's queue: the filters, and each application with its due date and holder.
pub(crate) fn queue(
    workflow: &jifen_domain::workflow::Workflow,
    lang: Lang,
    district: &str,
    query: &QueueQuery,
    filter: &QueueFilter,
    rows: &[jifen_applications::QueueRow],
) -> Markup {
    let centre_states: Vec<_> = workflow.states.iter().filter(|s| s.centre).collect();
    html! {
        h2 { (district) " · " (t(lang, "受理审核工作台", "Centre queue")) }
        form.filters method="get" action="/centre" {
            label { (t(lang, "状态", "State"))
                select name="state" {
                    option value="" { (t(lang, "在办（全部未办结）", "Open (all not yet decided)")) }
                    @for s in &centre_states { option value=(s.id) selected[query.state == s.id] { (s.title.get(lang)) } }
                }
            }
            label { (t(lang, "姓名或身份证号码", "Name or ID number")) input type="search" name="q" value=(query.q); }
            label.check { input type="checkbox" name="overdue" checked[filter.overdue_only]; (t(lang, "只看逾期", "Overdue only")) }
            label.check { input type="checkbox" name="mine" checked[filter.mine_only]; (t(lang, "只看我经办的", "Mine only")) }
            button type="submit" { (t(lang, "筛选", "Filter")) }
        }
        @if workflow.state(&query.state).is_some_and(|s| s.is_final) {
            p.hint id="closed-shown" { (say!(lang, "已办结的申请按办结时间排列，最新的在前，最多显示 {n} 件；更早的请按姓名或身份证号码查找。",
                "Decided applications, the latest first, at most {n}; search by name or ID number for older ones.", n = CLOSED_SHOWN)) }
        } @else {
            p.hint { (t(lang, "按进入当前环节的先后排列，最早的在前；期限按上海工作日计算，补正期间中心时限暂停。",
                "Oldest first by when they entered their step; due dates count Shanghai working days, and the centre's clock stops during a correction.")) }
        }
        @if rows.is_empty() { p id="queue-empty" { (t(lang, "没有符合条件的申请。", "No application matches.")) } }
        // On a phone each application is a card, each value with its label.
        @else { div.scroll { table.cards id="queue" {
            thead { tr {
                th { (t(lang, "编号", "No.")) } th { (t(lang, "申请人", "Applicant")) } th { (t(lang, "身份证号码", "ID number")) }
                th { (t(lang, "单位", "Employer")) } th { (t(lang, "状态", "State")) } th { (t(lang, "进入环节", "Since")) }
                th { (t(lang, "期限", "Due")) } th { (t(lang, "经办人", "Held by")) }
            } }
            tbody { @for row in rows { tr.overdue[row.due.is_some_and(|d| d.overdue)] data-state=(row.listing.state) {
                td.item { a href=(format!("/applications/{}", row.listing.id)) { "#" (row.listing.id) } }
                td data-label=(t(lang, "申请人", "Applicant")) { (row.listing.applicant_name) }
                td data-label=(t(lang, "身份证号码", "ID number")) { (row.listing.applicant_id_number) }
                td data-label=(t(lang, "单位", "Employer")) { (row.listing.employer_name) }
                td data-label=(t(lang, "状态", "State")) { (workflow.state_title(&row.listing.state, lang).unwrap_or(&row.listing.state)) }
                td data-label=(t(lang, "进入环节", "Since")) { (shanghai_time(row.listing.state_since)) }
                td data-label=(t(lang, "期限", "Due")) { @if let Some(due) = row.due {
                    (due.date)
                    @if due.employer_deadline { " " span.hint { (t(lang, "（单位补正期限）", "(employer's deadline)")) } }
                    @if due.overdue { " " strong.status.missing { (t(lang, "逾期", "overdue")) } }
                } }
                td data-label=(t(lang, "经办人", "Held by")) { @match &row.holder { Some(name) => (name), None => span.hint { (t(lang, "未指派", "nobody")) } } }
            } } }
        } } }
        p { a href="/home" { (t(lang, "工作台", "Home")) } }
    }
}
