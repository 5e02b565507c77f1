//! What the false-materials records look like: an entry as a card, and the forms beside it.

use super::*;

/// One entry: whom it names, what was found, where it stands, its events, and the forms
/// the viewer may use.
pub(crate) fn entry_card(service: &Service, entry: &BlacklistEntry, signed: &SignedIn, lang: Lang) -> Markup {
    let standing = entry_standing(entry, service.clock.today());
    let material = service.materials.material(&entry.material).map_or(entry.material.as_str(), |m| m.title.get(lang));
    let subject_word = match entry.subject {
        BlacklistSubject::Person(_) => t(lang, "申请人", "Person"),
        BlacklistSubject::Employer(_) => t(lang, "用人单位", "Employer"),
    };
    let open = matches!(standing, EntryStanding::Notified | EntryStanding::Responded);
    let named = match (signed.user.role, entry.subject) {
        (Role::Applicant, BlacklistSubject::Person(id)) => id == signed.user.id,
        (Role::HrAgent, BlacklistSubject::Employer(id)) => signed.user.employer_id == Some(id),
        _ => false,
    };
    let csrf = &signed.session.csrf_token;
    html! {
        section.summary.blacklist data-entry=(entry.id) data-standing=(standing.as_str()) {
            p { strong { (subject_word) "：" (entry.subject_name) } " · " (entry.district.name(lang))
                " · " (t(lang, "申请", "application")) " #" (entry.application_id) " · " strong.standing { (standing.name(lang)) } }
            p { (t(lang, "材料：", "Material: ")) (material) " · " (t(lang, "虚假内容：", "What is false: ")) (entry.finding) }
            p { (t(lang, "核查依据：", "Evidence: ")) (entry.evidence) }
            p.hint { (t(lang, "记录于 ", "Recorded ")) (shanghai_time(entry.recorded_at)) " · "
                (t(lang, "陈述意见截止 ", "respond by ")) (entry.respond_by) }
            @if !entry.events.is_empty() {
                ul { @for event in &entry.events {
                    li { (shanghai_time(event.at)) " " (event_title(&event.kind, lang))
                        @if let Some(name) = &event.actor_name { "（" (name) "）" } "：" (event.text)
                        @if let Some(until) = &event.effective_until { " · " (t(lang, "有效至 ", "until ")) (until) } }
                } }
            }
            @if open && named {
                form method="post" action=(format!("/blacklist/{}/response", entry.id)) {
                    input type="hidden" name="csrf" value=(csrf);
                    label { (t(lang, "陈述意见", "Your response")) textarea name="text" rows="3" required {} }
                    button type="submit" { (t(lang, "提交陈述意见", "Send the response")) }
                }
            }
            @if named && matches!(standing, EntryStanding::Confirmed(_)) && !entry.events.iter().any(|e| e.kind == "appealed") {
                form method="post" action=(format!("/blacklist/{}/appeal", entry.id)) {
                    input type="hidden" name="csrf" value=(csrf);
                    label { (t(lang, "申诉理由（确认后 60 天内可申诉一次）", "Your appeal (once, within 60 days of the confirmation)")) textarea name="text" rows="3" required {} }
                    button type="submit" { (t(lang, "提出申诉", "Appeal")) }
                }
            }
            @if matches!(standing, EntryStanding::Appealed(_)) && signed.user.role == Role::Supervisor {
                form method="post" action=(format!("/blacklist/{}/appeal-answer", entry.id)) {
                    input type="hidden" name="csrf" value=(csrf);
                    label { (t(lang, "申诉处理理由", "Reason")) textarea name="reason" rows="2" required {} }
                    button type="submit" name="decision" value="lift" { (t(lang, "申诉成立，撤销记录", "Lift the entry")) } " "
                    button.secondary type="submit" name="decision" value="uphold" { (t(lang, "维持认定", "The entry stands")) }
                }
            }
            @if signed.user.role == Role::Supervisor && !open {
                details {
                    summary { (t(lang, "更正记录（原文保留）", "Correct the entry (the original stays)")) }
                    form method="post" action=(format!("/blacklist/{}/correction", entry.id)) {
                        input type="hidden" name="csrf" value=(csrf);
                        label { (t(lang, "更正内容", "Correction")) textarea name="text" rows="2" required {} }
                        button.secondary type="submit" { (t(lang, "记录更正", "Record the correction")) }
                    }
                }
            }
            @if open && signed.user.role == Role::Supervisor {
                form method="post" action=(format!("/blacklist/{}/decision", entry.id)) {
                    input type="hidden" name="csrf" value=(csrf);
                    label { (t(lang, "决定理由", "Reason")) textarea name="reason" rows="2" required {} }
                    button type="submit" name="decision" value="confirm" { (t(lang, "确认记入", "Confirm")) } " "
                    button.secondary type="submit" name="decision" value="dismiss" { (t(lang, "不予认定", "Dismiss")) }
                }
            }
        }
    }
}

/// On an application's page: its entries, and the reviewer's form to record a finding.
pub(crate) fn on_application(
    service: &Service,
    view: &ApplicationView,
    entries: &[BlacklistEntry],
    signed: &SignedIn,
    lang: Lang,
) -> Markup {
    let reviewer = signed.user.role == Role::Reviewer && !view.actions.is_empty();
    if entries.is_empty() && !reviewer {
        return html! {};
    }
    html! {
        section id="findings" {
            h4 { (t(lang, "虚假材料核查", "False materials")) }
            @for entry in entries { (entry_card(service, entry, signed, lang)) }
            @if reviewer {
                details {
                    summary { (t(lang, "记录虚假材料核查结果", "Record a finding of false materials")) }
                    form method="post" action=(format!("/applications/{}/findings", view.application.id)) {
                        input type="hidden" name="csrf" value=(signed.session.csrf_token);
                        label { (t(lang, "材料", "Material"))
                            select name="material" { @for (material, _) in &view.checklist { option value=(material.id) { (material.title.get(lang)) } } } }
                        label { (t(lang, "虚假内容", "What is false")) input name="finding" required; }
                        label { (t(lang, "核查依据", "Evidence")) textarea name="evidence" rows="2" required {} }
                        label.check { input type="checkbox" name="person" checked; (t(lang, "记录申请人", "Name the person")) }
                        label.check { input type="checkbox" name="employer"; (t(lang, "记录用人单位", "Name the employer")) }
                        button type="submit" { (t(lang, "记录并告知当事人", "Record and tell them")) }
                    }
                }
            }
        }
    }
}

fn event_title(kind: &str, lang: Lang) -> &'static str {
    match kind {
        "response" => t(lang, "陈述意见", "Response"),
        "confirmed" => t(lang, "确认记入", "Confirmed"),
        "dismissed" => t(lang, "不予认定", "Dismissed"),
        "expired" => t(lang, "期限届满", "Expired"),
        "appealed" => t(lang, "申诉", "Appeal"),
        "upheld" => t(lang, "申诉不成立，维持认定", "Appeal refused: the entry stands"),
        "lifted" => t(lang, "申诉成立，撤销记录", "Appeal upheld: the entry is lifted"),
        "corrected" => t(lang, "更正", "Correction"),
        _ => t(lang, "事项", "Event"),
    }
}

/// The records the reader may see, each as a card with what they may do with it.
pub(crate) fn records(
    service: &jifen_applications::Service,
    lang: Lang,
    entries: &[jifen_store::BlacklistEntry],
    signed: &SignedIn,
) -> Markup {
    let staff = signed.user.role.is_district_staff();
    html! {
        h2 { (match signed.user.role {
            _ if staff => t(lang, "虚假材料记录（全市）", "False-materials records (all districts)"),
            Role::HrAgent => t(lang, "本单位的诚信记录", "Your employer's records"),
            _ => t(lang, "我的诚信记录", "My records"),
        }) }
        p.hint { (t(lang, "记录只增不改：陈述意见、决定和期满都作为新的事项记在原记录下。",
            "Records are never changed: a response, a decision and an expiry are new events on them.")) }
        @if entries.is_empty() { p id="blacklist-empty" { (t(lang, "没有记录。", "No records.")) } }
        @for entry in entries { (entry_card(service, entry, signed, lang)) }
        p { a href="/home" { (t(lang, "工作台", "Home")) } }
    }
}
