//! What the rule-data pages look like: the forms, the preview, the history and a rescoring run.

use super::*;

/// A labelled text input with its error.
pub(crate) fn input(
    lang: Lang,
    problems: &[Problem],
    label: &str,
    name: &str,
    value: &str,
    hint: Option<&str>,
) -> Markup {
    let error = field_error(problems, name, lang);
    html! {
        label { (label)
            input name=(name) value=(value) aria-invalid=[error.as_ref().map(|_| "true")];
            @if let Some(hint) = hint { span.hint { (hint) } }
            @if let Some(error) = error { span.field-error { (error) } }
        }
    }
}

pub(crate) fn confidence_select(lang: Lang, problems: &[Problem], chosen: &str) -> Markup {
    let error = field_error(problems, "confidence", lang);
    html! {
        label { (t(lang, "可信度", "Confidence"))
            select name="confidence" aria-invalid=[error.as_ref().map(|_| "true")] {
                option value="" { (t(lang, "请选择", "Choose")) }
                @for (value, zh, en) in CONFIDENCES { option value=(value) selected[chosen == value] { (t(lang, zh, en)) } }
            }
            @if let Some(error) = error { span.field-error { (error) } }
        }
    }
}

pub(crate) fn reason_input(lang: Lang, problems: &[Problem], value: &str) -> Markup {
    let error = field_error(problems, "reason", lang);
    html! {
        label.wide { (t(lang, "发布理由（记入历史和审计日志）", "Why (kept in the history and the audit log)"))
            textarea name="reason" rows="2" maxlength="500" aria-invalid=[error.as_ref().map(|_| "true")] { (value) }
            @if let Some(error) = error { span.field-error { (error) } }
        }
    }
}

pub(crate) fn wage_form(
    lang: Lang,
    signed: &SignedIn,
    form: &RulesForm,
    problems: &[Problem],
    files: &DataFiles,
) -> Markup {
    let mine = form.kind != "file";
    let none: &[Problem] = &[];
    let problems = if mine { problems } else { none };
    let value = |v: &str| if mine { v.to_string() } else { String::new() };
    let series_error = field_error(problems, "series", lang);
    let sources = files.rules.wage_sources();
    html! {
        section.summary id="wage" {
            h3 { (t(lang, "发布社会平均工资数值", "Publish an average-wage figure")) }
            p.hint { (t(lang,
                "新年度数值按月份插入；已有月份的数值视为更正，替换原值（原值保留在历史中）。",
                "A new month goes in month order; a month that has a figure is a correction and replaces it (the old one stays in the history)."))
            }
            form method="post" action="/admin/rules/preview" novalidate {
                input type="hidden" name="csrf" value=(signed.session.csrf_token);
                input type="hidden" name="kind" value="wage";
                div.grid {
                    label { (t(lang, "系列", "Series"))
                        select name="series" aria-invalid=[series_error.as_ref().map(|_| "true")] {
                            option value="points_reference" selected[form.series != "insurance_base"] { (t(lang, "积分用社平工资（与缴费基数比较）", "Average wage for points")) }
                            option value="insurance_base" selected[mine && form.series == "insurance_base"] { (t(lang, "社保缴费基数标准（仅供参考）", "Insurance-base figure (information)")) }
                        }
                        @if let Some(error) = series_error { span.field-error { (error) } }
                    }
                    (input(lang, problems, t(lang, "起始月份", "From month"), "month", &value(&form.month), Some("2026-07")))
                    (input(lang, problems, t(lang, "每月金额（元）", "Monthly (CNY)"), "monthly", &value(&form.monthly), None))
                    (input(lang, problems, t(lang, "出处代码", "Source key"), "source_key", &value(&form.source_key),
                        Some(&format!("{}{}", t(lang, "已有：", "known: "), sources.join(", ")))))
                    (input(lang, problems, t(lang, "新出处：文件名称", "New source: title"), "source_title_zh", &value(&form.source_title_zh), None))
                    (input(lang, problems, t(lang, "新出处：英文名称", "New source: English title"), "source_title_en", &value(&form.source_title_en), None))
                    (input(lang, problems, t(lang, "新出处：文号", "New source: reference"), "source_reference", &value(&form.source_reference), None))
                    (confidence_select(lang, problems, &value(&form.confidence)))
                    (reason_input(lang, problems, &value(&form.reason)))
                }
                button type="submit" { (t(lang, "预览变化", "Preview what changes")) }
            }
        }
    }
}

pub(crate) fn file_form(
    lang: Lang,
    signed: &SignedIn,
    form: &RulesForm,
    problems: &[Problem],
    files: &DataFiles,
) -> Markup {
    let mine = form.kind == "file";
    let none: &[Problem] = &[];
    let problems = if mine { problems } else { none };
    let chosen = if form.file_name.is_empty() { AVERAGE_WAGE_FILE } else { form.file_name.as_str() };
    let text = if mine { form.text.clone() } else { files.get(chosen).unwrap_or_default().to_string() };
    let value = |v: &str| if mine { v.to_string() } else { String::new() };
    let text_error = field_error(problems, "text", lang);
    html! {
        section.summary id="file" {
            h3 { (t(lang, "发布数据文件", "Publish a data file")) }
            p.hint { (t(lang, "更正规则集的分值、新增规则集、加入下一年的节假日安排（calendar.toml）：编辑整份文件。发布前按内置数据的全部规则检查。",
                "Correct a rule set's values, add a rule set, or add next year's holidays (calendar.toml) by editing the whole file. It passes every check the built-in data passes."))
                " " (t(lang, "从现行文件开始：", "Start from the file in force: "))
                @for (name, _) in files.iter() { a href=(format!("/admin/rules?file={name}#file")) { (name) } " " }
            }
            form method="post" action="/admin/rules/preview" novalidate {
                input type="hidden" name="csrf" value=(signed.session.csrf_token);
                input type="hidden" name="kind" value="file";
                div.grid {
                    (input(lang, problems, t(lang, "文件名", "File name"), "file_name", chosen, None))
                    (input(lang, problems, t(lang, "生效日期", "Effective from"), "effective_from", &value(&form.effective_from), Some("2026-07-01")))
                    (input(lang, problems, t(lang, "出处（文件名称及文号）", "Source (title and reference)"), "source", &value(&form.source), None))
                    (confidence_select(lang, problems, &value(&form.confidence)))
                    label.wide { (t(lang, "文件内容（TOML）", "Contents (TOML)"))
                        textarea.code name="text" rows="16" spellcheck="false" aria-invalid=[text_error.as_ref().map(|_| "true")] { (text) }
                        @if let Some(error) = text_error { span.field-error { (error) } }
                    }
                    (reason_input(lang, problems, &value(&form.reason)))
                }
                button type="submit" { (t(lang, "预览变化", "Preview what changes")) }
            }
        }
    }
}

pub(crate) fn runs_table(lang: Lang, runs: &[RescoringRun], publications: &[RulePublication]) -> Markup {
    html! {
        section.summary {
            h3 { (t(lang, "重新计算", "Rescoring")) }
            @if runs.is_empty() { p { (t(lang, "尚无。", "None yet.")) } }
            @else { div.scroll { table.cards {
                thead { tr { th { "#" } th { (t(lang, "发布", "Publication")) } th { (t(lang, "进度", "Progress")) } th { (t(lang, "状态", "State")) } } }
                tbody { @for run in runs { tr {
                    td data-label="#" { a href=(format!("/admin/rules/runs/{}", run.id)) { (run.id) } }
                    td data-label=(t(lang, "发布", "Publication")) {
                        (publications.iter().find(|p| p.id == run.publication_id).map_or(String::new(), |p| p.summary.clone())) }
                    td data-label=(t(lang, "进度", "Progress")) { (run.done) " / " (run.total()) }
                    td data-label=(t(lang, "状态", "State")) { (run_state(lang, run)) }
                } } }
            } } }
        }
    }
}

pub(crate) fn history(lang: Lang, publications: &[RulePublication]) -> Markup {
    html! {
        section.summary {
            h3 { (t(lang, "发布历史", "History")) }
            p.hint { (t(lang, "每一版都保留，可被后来的发布取代，不会被删除。", "Every version is kept: a later one supersedes it, nothing erases it.")) }
            @if publications.is_empty() { p { (t(lang, "尚无发布。", "Nothing published yet.")) } }
            @else { div.scroll { table.cards {
                thead { tr {
                    th { (t(lang, "版本", "Version")) } th { (t(lang, "发布时间", "Published")) } th { (t(lang, "发布人", "By")) }
                    th { (t(lang, "文件", "File")) } th { (t(lang, "变化", "Change")) } th { (t(lang, "生效", "From")) }
                    th { (t(lang, "出处", "Source")) } th { (t(lang, "可信度", "Confidence")) } th { (t(lang, "理由", "Why")) }
                } }
                tbody { @for p in publications { tr {
                    td data-label=(t(lang, "版本", "Version")) { a href=(format!("/admin/rules/publications/{}", p.id)) { (p.id) } }
                    td data-label=(t(lang, "发布时间", "Published")) { (shanghai_time(p.published_at)) }
                    td data-label=(t(lang, "发布人", "By")) { (p.published_by_name.as_deref().unwrap_or("—")) }
                    td data-label=(t(lang, "文件", "File")) { (p.file_name) }
                    td data-label=(t(lang, "变化", "Change")) { (p.summary) }
                    td data-label=(t(lang, "生效", "From")) { (p.effective_from) }
                    td data-label=(t(lang, "出处", "Source")) { (p.source) }
                    td data-label=(t(lang, "可信度", "Confidence")) { (confidence_name(lang, &p.confidence)) }
                    td data-label=(t(lang, "理由", "Why")) { (p.reason) }
                } } }
            } } }
        }
    }
}

pub(crate) fn shift_rows(lang: Lang, kind: &str, shifts: &[ScoreShift]) -> Markup {
    html! {
        @for shift in shifts { tr {
            td data-label=(t(lang, "类别", "Kind")) { (kind) }
            td data-label=(t(lang, "姓名", "Name")) { (shift.person_name) }
            td data-label=(t(lang, "积分", "Points")) { (shift.before.0) " → " (shift.after.0) }
            td data-label=(t(lang, "标准", "Standard")) {
                @if shift.before.1 != shift.after.1 { strong { (standing(lang, shift.before.1)) " → " (standing(lang, shift.after.1)) } }
                @else { (standing(lang, shift.after.1)) }
            }
        } }
    }
}

pub(crate) fn run_body(lang: Lang, report: &RescoringReport) -> Markup {
    let run = &report.run;
    let running = run.finished_at.is_none();
    let crossing: Vec<_> = report.changes.iter().filter(|c| c.standard != 0).collect();
    html! {
        @if running { meta http-equiv="refresh" content="2"; }
        h2 { (t(lang, "重新计算 #", "Rescoring #")) (run.id) }
        @for p in &report.publications { p { (version_title(lang, p)) " — " (p.summary) } }
        p id="progress" {
            // A finished run is full even with nobody to rescore.
            progress value=(if running { run.done } else { run.total().max(1) }) max=(run.total().max(1)) {}
            " " (run.done) " / " (run.total()) " · " (run_state(lang, run))
        }
        h3 { (t(lang, "跨越标准分值的人（已短信告知本人和单位）", "Who crosses the standard (told by SMS, with their employer)")) }
        @if crossing.is_empty() { p { (t(lang, "无。", "No one.")) } }
        @else { div.scroll { table.cards id="crossing" {
            thead { tr { th { (t(lang, "类别", "Kind")) } th { (t(lang, "姓名", "Name")) } th { (t(lang, "积分", "Points")) } th { (t(lang, "标准", "Standard")) } } }
            tbody { @for change in crossing { tr {
                td data-label=(t(lang, "类别", "Kind")) { (subject_name(lang, &change.subject)) }
                td data-label=(t(lang, "姓名", "Name")) { (change.person_name.as_deref().unwrap_or("—")) }
                td data-label=(t(lang, "积分", "Points")) { (change.before_total) " → " (change.after_total) }
                td data-label=(t(lang, "标准", "Standard")) { (standing(lang, change.standard > 0)) }
            } } }
        } } }
        p { (say!(lang, "积分变化共 {count} 人次。", "Totals changed: {count}.", count = report.changes.len())) }
        p { a href="/admin/rules" { (t(lang, "规则数据", "Rule data")) } }
    }
}

fn field_error(problems: &[Problem], name: &str, lang: Lang) -> Option<String> {
    problems.iter().find(|p| p.field == name).map(|p| p.message(lang).to_string())
}

fn run_state(lang: Lang, run: &RescoringRun) -> String {
    match run.finished_at {
        Some(at) => format!("{}{}", t(lang, "已完成 ", "finished "), shanghai_time(at)),
        None => t(lang, "进行中", "running").to_string(),
    }
}

fn confidence_name(lang: Lang, word: &str) -> &'static str {
    CONFIDENCES.iter().find(|(value, _, _)| *value == word).map_or("—", |(_, zh, en)| t(lang, zh, en))
}

const CONFIDENCES: [(&str, &str, &str); 3] = [("high", "高", "high"), ("medium", "中", "medium"), ("low", "低", "low")];

fn subject_name(lang: Lang, subject: &str) -> &'static str {
    if subject == "holder" { t(lang, "持证人", "holder") } else { t(lang, "在办申请", "application") }
}

/// The rule-data page: what is in force, the two ways to publish, the runs and the history.
pub(crate) fn rules(
    lang: Lang,
    signed: &SignedIn,
    form: &RulesForm,
    problems: &[Problem],
    publications: &[RulePublication],
    runs: &[RescoringRun],
    files: &jifen_applications::DataFiles,
) -> Markup {
    html! {
        h2 { (t(lang, "规则数据", "Rule data")) }
        p {
            @match publications.first() {
                Some(latest) => { (say!(lang, "现行规则数据：第 {id} 版，{at} 发布。", "In force: version {id}, published {at}.",
                    id = latest.id, at = shanghai_time(latest.published_at))) }
                None => (t(lang, "现行规则数据：随程序发布的内置数据，尚无在线发布。", "In force: the data built into this release; nothing published yet.")),
            }
            " " (t(lang, "发布后，所有服务器立即按新数据计分，并在后台重新计算持证人和在办申请的积分。",
                "Once published, every server scores with it at once, and holders and open applications are rescored in the background."))
        }
        @if !problems.is_empty() { div.error role="alert" { (t(lang, "请按各栏下方的说明修改。", "Fix the fields as noted under them.")) } }
        (wage_form(lang, signed, form, problems, files))
        (file_form(lang, signed, form, problems, files))
        (runs_table(lang, runs, publications))
        (history(lang, publications))
        p { a href="/home" { (t(lang, "工作台", "Home")) } }
    }
}

pub(crate) fn preview_page(lang: Lang, signed: &SignedIn, form: &RulesForm, preview: &RulePreview) -> Response {
    let shifts = &preview.shifts;
    let body = html! {
        h2 { (t(lang, "发布预览", "Preview")) }
        p { (preview.publication.file_name) "：" (preview.publication.summary) }
        section.summary {
            h3 { (t(lang, "变化的数值", "Values that change")) }
            div.scroll { table.cards.changes {
                thead { tr { th { (t(lang, "位置", "Where")) } th { (t(lang, "原值", "Before")) } th { (t(lang, "新值", "After")) } } }
                tbody { @for change in &preview.changes { tr {
                    td data-label=(t(lang, "位置", "Where")) { code { (change.path) } }
                    td data-label=(t(lang, "原值", "Before")) { (change.before.as_deref().unwrap_or("—")) }
                    td data-label=(t(lang, "新值", "After")) { (change.after.as_deref().unwrap_or("—")) }
                } } }
            } }
        }
        section.summary {
            h3 { (t(lang, "受影响的人", "Who is affected")) }
            p id="affected" {
                (say!(lang, "持证人 {holders} / {of_holders} 人积分变化；在办申请 {applications} / {of_applications} 件变化；其中 ",
                    "Holders: {holders} / {of_holders} change; open applications: {applications} / {of_applications} change; ",
                    holders = shifts.holders_changed, of_holders = shifts.holders_checked,
                    applications = shifts.applications_changed, of_applications = shifts.applications_checked))
                strong { (shifts.crossing) } (t(lang, " 人跨越标准分值，将收到短信。", " cross the standard and will be told by SMS."))
            }
            @if !shifts.holders.is_empty() || !shifts.applications.is_empty() {
                div.scroll { table.cards {
                    thead { tr { th { (t(lang, "类别", "Kind")) } th { (t(lang, "姓名", "Name")) } th { (t(lang, "积分", "Points")) } th { (t(lang, "标准", "Standard")) } } }
                    tbody {
                        (shift_rows(lang, t(lang, "持证人", "holder"), &shifts.holders))
                        (shift_rows(lang, t(lang, "在办申请", "application"), &shifts.applications))
                    }
                } }
            }
        }
        form method="post" action="/admin/rules/publish" {
            input type="hidden" name="csrf" value=(signed.session.csrf_token);
            input type="hidden" name="version" value=(preview.version);
            (hidden_fields(form))
            button type="submit" { (t(lang, "确认发布", "Publish")) }
        }
        // Back to the forms with everything as typed (a link would open them empty, and
        // the browser's own Back cannot restore a page that is never stored).
        form method="post" action="/admin/rules/edit" {
            input type="hidden" name="csrf" value=(signed.session.csrf_token);
            (hidden_fields(form))
            button.secondary type="submit" { (t(lang, "返回修改", "Back to edit")) }
        }
    };
    page(StatusCode::OK, lang, t(lang, "发布预览", "Preview"), body)
}

/// One published version of a rule-data file, with its text.
pub(crate) fn publication(lang: Lang, p: &RulePublication) -> Markup {
    html! {
        h2 { (version_title(lang, p)) }
        p { (p.summary) }
        p { (t(lang, "生效：", "From: ")) (p.effective_from) " · " (t(lang, "出处：", "Source: ")) (p.source) " · "
            (t(lang, "发布人：", "By: ")) (p.published_by_name.as_deref().unwrap_or("—")) " · " (shanghai_time(p.published_at)) }
        pre.code { (p.text) }
        p { a href="/admin/rules" { (t(lang, "规则数据", "Rule data")) } }
    }
}

/// The form as hidden fields, for the preview's "publish" button.
fn hidden_fields(form: &RulesForm) -> Markup {
    html! {
        @for (name, value) in form.short_fields() { input type="hidden" name=(name) value=(value); }
        input type="hidden" name="text" value=(form.text);
    }
}
