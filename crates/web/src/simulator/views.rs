//! What the simulator looks like: the form, the score with every item's explanation, and the plan.

use super::*;

pub(crate) fn error_box(message: &str) -> Markup {
    html! { div.error role="alert" { (message) } }
}

/// A titled section of a form, each group of fields laid out as a grid.
pub(crate) fn fieldset(fields: &Fields, notes: &Notes, section: &Section) -> Markup {
    html! {
        fieldset {
            legend { (section.title) }
            @for group in &section.groups {
                div.grid { @for spec in group { (input(fields, notes, spec)) } }
            }
        }
    }
}

pub(crate) fn form(
    fields: &Fields,
    notes: &Notes,
    sections: &[Section],
    lang: Lang,
    signed: Option<&SignedIn>,
) -> Markup {
    let applicant = signed.filter(|signed| signed.user.role == Role::Applicant);
    // "#results": without script, the answer page opens at the result.
    html! {
        form id=(SIMULATOR_FORM) method="post" action="/#results" data-live="/" {
            @if let Some(signed) = applicant { input type="hidden" name="csrf" value=(signed.session.csrf_token); }
            @for section in sections { (fieldset(fields, notes, section)) }
            p.hint { (t(lang, "推算假定您继续在本市工作，并按最近的缴费基数缴纳社保。", "The projection assumes you keep working in Shanghai, insured at your latest base.")) }
            div.actions.submit-bar {
                button type="submit" { (t(lang, "计算积分并规划", "Score and plan")) }
                @if applicant.is_some() {
                    button.secondary type="submit" formaction="/simulations" { (t(lang, "保存此模拟，用于积分申请", "Save for my application")) }
                }
            }
        }
    }
}

/// The score: the total, the verdict, and every item with its explanation and citation.
pub(crate) fn score_section(score: &ScoreResult, lang: Lang) -> Markup {
    let verdict = match (score.reaches_standard, score.vetoed) {
        (true, _) => t(lang, "已达到标准分值", "reaches the standard score"),
        (false, true) => t(lang, "被一票否决", "vetoed"),
        (false, false) => t(lang, "未达到标准分值", "below the standard score"),
    };
    html! {
        section.summary aria-live="polite" {
            div {
                span.total.reached[score.reaches_standard].below[!score.reaches_standard] id="total" { (score.total) }
                " / " (score.standard) " · " (verdict)
            }
            p { (t(lang, "规则版本", "Rule set")) ": " (score.rule_set.id) " — " (score.rule_set.title) " · "
                (t(lang, "计分日", "evaluated on")) " " (score.as_of) }
            @for reason in &score.veto_reasons { p.below { (reason) } }
            @for reason in &score.eligibility_reasons { p { "⚠ " (reason) } }
            @for warning in &score.warnings { p.hint { (warning) } }
        }
        // On a phone each item is a card (its explanation wraps at the screen's width), not
        // a row of a table that scrolls sideways.
        div.scroll {
            table.cards.items {
                thead { tr {
                    th { (t(lang, "项目", "Item")) } th { (t(lang, "分值", "Points")) } th { (t(lang, "说明", "Why")) }
                    th.cite-col { (t(lang, "依据", "Citation")) }
                } }
                tbody {
                    @for item in &score.items {
                        tr.not-counted[!item.counted] {
                            td.item { (item.id.name(lang)) }
                            td.num data-label=(t(lang, "分值", "Points")) {
                                (item.points) @if !item.counted { " " (t(lang, "（不计）", "(not added)")) }
                            }
                            td { (item.explanation) }
                            td.cite { (item.citation) }
                        }
                    }
                }
            }
        }
        @if !score.interpretations.is_empty() {
            p.hint { a href="/interpretations" { (t(lang, "所依据的解释", "Interpretations applied")) } ": "
                (score.interpretations.iter().filter_map(|id| Interpretation::get(id))
                    .map(|i| format!("{} {}", i.id, i.short.get(lang))).collect::<Vec<_>>().join(t(lang, "；", "; "))) }
        }
    }
}

pub(crate) fn results(score: &ScoreResult, plan: &PlanDocument, lang: Lang) -> Markup {
    let chart = jifen_chart::plan_chart(plan, lang).ok();
    html! {
        // On a phone the result is below the form: this bar keeps the total in sight.
        a.sticky-summary href="#results" {
            strong { (score.total) } " / " (score.standard) " · "
            @match plan.reaches_on { Some(date) => { (t(lang, "达标 ", "reaches it ")) (date) }, None => (t(lang, "推算期内不会达标", "not within the horizon")) }
            " · " (t(lang, "查看结果 ↓", "see the result ↓"))
        }
        (score_section(score, lang))
        section.summary {
            h2 { (t(lang, "规划", "Plan")) }
            p { (t(lang, "维持现状预计达标日期：", "Reaches the standard as things are: "))
                strong id="reaches-on" { @match plan.reaches_on { Some(date) => (date), None => (t(lang, "推算期内不会达标", "not within the horizon")) } } }
            @if let Some(standing) = &plan.standing {
                p id="standing" { (standing.text) }
                @for fall in &standing.falls { p.hint { (fall.date) " " (fall.item.name(lang)) " " (signed(fall.delta)) ": " (fall.explanation) } }
            }
            @for note in &plan.notes { p.hint { (note) } }
            @if let Some(deadline) = &plan.deadline {
                p { strong { (t(lang, "截止日期方案：", "Deadline plan: ")) }
                    @if deadline.met {
                        @if deadline.actions.is_empty() { (t(lang, "维持现状即可按时达标", "met as things are")) }
                        @else { (deadline.actions.iter().map(|a| format!("{} ({})", a.title, signed(a.gain))).collect::<Vec<_>>().join(" + ")) }
                    } @else {
                        (say!(lang, "没有方案能按时达标；最高可达 {best}", "no plan meets it; the best reaches {best}", best = deadline.best_total))
                    }
                }
            }
            @if let Some(svg) = chart { div.chart { (PreEscaped(svg)) } }
            @if !plan.events.is_empty() {
                h3 { (t(lang, "分数变化", "Changes ahead")) }
                div.scroll { table.cards {
                    thead { tr { th { (t(lang, "日期", "Date")) } th { (t(lang, "项目", "Item")) } th { (t(lang, "变化", "Change")) } th { (t(lang, "总分", "Total")) } th { (t(lang, "原因", "Why")) } } }
                    tbody { @for event in plan.events.iter().take(40) {
                        tr {
                            td.date data-label=(t(lang, "日期", "Date")) { (event.date) }
                            td data-label=(t(lang, "项目", "Item")) { (event.item.name(lang)) }
                            td.num data-label=(t(lang, "变化", "Change")) { (signed(event.delta)) }
                            td.num data-label=(t(lang, "总分", "Total")) { (event.total) }
                            td { (event.explanation) }
                        }
                    } }
                } }
            }
            h3 { (t(lang, "可选行动（按达标日期、投入排序）", "Actions, ranked")) }
            div.scroll { table.cards {
                thead { tr { th { (t(lang, "行动", "Action")) } th { (t(lang, "投入", "Effort")) } th { (t(lang, "最早完成", "Ready")) } th { (t(lang, "达标日期", "Reaches 120")) } th { (t(lang, "最多多得", "Best gain")) } th { (t(lang, "说明", "Note")) } } }
                tbody { @for action in &plan.actions {
                    tr { td.item { (action.title) } td.num data-label=(t(lang, "投入", "Effort")) { (action.effort) }
                        td.date data-label=(t(lang, "最早完成", "Ready")) { (action.ready_on) }
                        td.date data-label=(t(lang, "达标日期", "Reaches 120")) { @match action.reaches_on { Some(date) => (date), None => "—" } }
                        td.num data-label=(t(lang, "最多多得", "Best gain")) { (signed(action.gain)) }
                        td { @if let Some(no_gain) = &action.no_gain { (no_gain.text) } } }
                } }
            } }
            @if !plan.not_proposed.is_empty() {
                h3 { (t(lang, "未建议的行动", "Not proposed")) }
                ul { @for action in &plan.not_proposed { li { (action.title) ": " (action.text) } } }
            }
        }
    }
}

pub(super) fn page(chosen: Chosen, fields: &Fields, outcome: Outcome, signed: Option<&SignedIn>) -> Response {
    let lang = chosen.lang;
    let sections = sections(lang);
    let mut notes = Notes::default();
    let shown = match outcome {
        Outcome::Nothing => html! {
            p.hint.waiting { (t(lang, "填写出生日期（或身份证号码）后，积分和规划会显示在这里，并随填写实时更新。",
                "Enter a birth date (or an ID number): the score and the plan appear here and follow what you type.")) }
        },
        Outcome::Result(markup) => markup,
        Outcome::Failed => error_box(t(lang, "服务器内部错误，已记录", "Internal error; it has been logged")),
        Outcome::Problems(problems) => {
            let label = |field: &str| {
                sections.iter().flat_map(Section::fields).find(|f| f.name == field).map(|f| f.label.clone())
            };
            let listed = html! {
                div.error role="alert" id="problems" {
                    p { (t(lang, "请修改标出的内容：", "Please correct the marked fields:")) }
                    ul { @for problem in &problems { li {
                        @if let Some(label) = label(&problem.field) { (label) (t(lang, "：", ": ")) }
                        (problem.message(lang))
                    } } }
                }
            };
            for problem in problems {
                notes.problems.entry(problem.field.clone()).or_insert_with(|| problem.message(lang).to_string());
            }
            listed
        }
    };
    let body = html! {
        div.simulator {
            (form(fields, &notes, &sections, lang, signed))
            div.results-pane id="results" data-live-part="" aria-live="polite" { (shown) }
        }
        script src="/assets/app.js" defer {}
    };
    let title = t(lang, "上海市居住证积分模拟", "Shanghai residence-permit points simulator");
    layout_keeping(lang, title, body, Some(SIMULATOR_FORM)).into_response()
}

/// The named interpretations, each with its question, decision and the reading not taken.
pub(super) fn interpretations(lang: Lang) -> Markup {
    html! {
        h2 { (t(lang, "积分规则的解释", "How jifen reads the rules")) }
        p { (t(lang,
            "公开资料说法不一之处，jifen 按以下解释计分；计分结果中每一项会写明所依据的解释。",
            "Where public sources disagree, jifen scores by these readings; each item of a result says which it rests on.")) }
        div.scroll { table {
            thead { tr {
                th { (t(lang, "编号", "Id")) } th { (t(lang, "问题", "Question")) }
                th { (t(lang, "jifen 的做法", "What jifen does")) } th { (t(lang, "未采用的说法", "Reading not taken")) }
            } }
            tbody { @for interpretation in Interpretation::all() {
                tr id=(interpretation.id) {
                    td { (interpretation.id) } td { (interpretation.question.get(lang)) }
                    td { (interpretation.decision.get(lang)) } td { (interpretation.alternative.get(lang)) }
                }
            } }
        } }
    }
}
