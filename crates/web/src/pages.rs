//! The public simulator and planner page (no login): a form for a profile, the score with
//! every item's explanation and citation, and the planner's timeline, ranked actions and
//! chart. Server-rendered: it works without JavaScript. Chinese by default.

use crate::AppState;
use crate::lang::Chosen;
use crate::layout::{layout, t};
use axum::Form;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use jifen_domain::clock;
use jifen_domain::form::{Fields, INSURANCE_ROWS, profile_json};
use jifen_planner::{PlanDocument, PlanRequest, signed};
use jifen_rules::{Context, Lang, Profile, ProfileError, ScoreResult};
use maud::{Markup, PreEscaped, html};

/// `GET /`: the empty form.
pub async fn simulator(chosen: Chosen) -> Response {
    let fields = Fields::default().with_default("as_of", clock::today_in_shanghai().to_string());
    page(chosen, &fields, None)
}

/// `POST /`: the form, as submitted, with its result or the first error.
pub async fn simulate(
    State(state): State<AppState>,
    chosen: Chosen,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let fields = Fields::new(pairs);
    let lang = chosen.lang;
    let submitted = fields.clone();
    // Planning scores thousands of dates: off the async workers.
    let outcome = tokio::task::spawn_blocking(move || evaluate_form(&state, &submitted, lang)).await;
    let results = match outcome {
        Ok(Ok(markup)) => markup,
        Ok(Err(message)) => error_box(&message),
        Err(_) => error_box(t(lang, "服务器内部错误，已记录", "internal error; it has been logged")),
    };
    page(chosen, &fields, Some(results))
}

fn evaluate_form(state: &AppState, fields: &Fields, lang: Lang) -> Result<Markup, String> {
    let request = plan_request(fields).map_err(|e| e.message(lang))?;
    let today = clock::today_in_shanghai();
    let evaluation = state.book.evaluate(&request.profile, &Context::on(today)).map_err(|e| e.message(lang))?;
    let score = evaluation.to_result(lang);
    let plan = jifen_planner::plan(state.book, state.catalogue, &request, today).map_err(|e| e.to_string())?;
    Ok(results(&score, &plan.to_document(lang), lang))
}

/// The plan request the fields describe (the planner's default assumptions).
fn plan_request(fields: &Fields) -> Result<PlanRequest, ProfileError> {
    let profile = Profile::from_value(profile_json(fields))?;
    let mut request = PlanRequest::for_profile(profile);
    if let Some(deadline) = fields.text("deadline") {
        let text = deadline.as_str().unwrap_or_default();
        let date = jifen_rules::calendar::parse_date(text)
            .map_err(|message| ProfileError::new("deadline", jifen_rules::ProfileErrorKind::Invalid(message)))?;
        request.deadline = Some(date);
    }
    Ok(request)
}

fn error_box(message: &str) -> Markup {
    html! { div.error role="alert" { (message) } }
}

fn page(chosen: Chosen, fields: &Fields, results: Option<Markup>) -> Response {
    let lang = chosen.lang;
    let body = html! {
        @if let Some(results) = results { div id="results" { (results) } }
        (form(fields, lang))
        script src="/assets/app.js" defer {}
    };
    let markup = layout(lang, t(lang, "上海市居住证积分模拟", "Shanghai residence-permit points simulator"), body);
    markup.into_response()
}

fn input(fields: &Fields, name: &str, kind: &str, label: &str, placeholder: &str) -> Markup {
    html! {
        label { (label) input type=(kind) name=(name) value=(fields.get(name)) placeholder=(placeholder); }
    }
}

fn check(fields: &Fields, name: &str, label: &str) -> Markup {
    html! { label.check { input type="checkbox" name=(name) checked[fields.checked(name)]; (label) } }
}

fn select(fields: &Fields, name: &str, label: &str, options: &[(&str, &str)]) -> Markup {
    html! {
        label { (label)
            select name=(name) {
                @for (value, text) in options {
                    option value=(value) selected[fields.get(name) == *value] { (text) }
                }
            }
        }
    }
}

fn form(fields: &Fields, lang: Lang) -> Markup {
    let none = t(lang, "无", "none");
    html! {
        form method="post" action="/" {
            fieldset {
                legend { (t(lang, "基本信息", "About you")) }
                div.grid {
                    (input(fields, "as_of", "date", t(lang, "计分日（申请日期）", "Evaluation date"), "YYYY-MM-DD"))
                    (input(fields, "birth_date", "date", t(lang, "出生日期", "Birth date"), "YYYY-MM-DD"))
                    (input(fields, "id_number", "text", t(lang, "身份证号码（可选）", "Resident ID number (optional)"), ""))
                }
            }
            fieldset {
                legend { (t(lang, "教育背景与职称技能", "Education, title and skill")) }
                div.grid {
                    (select(fields, "edu_level", t(lang, "最高学历", "Highest education"), &[
                        ("", none), ("associate", t(lang, "大专", "Associate")), ("bachelor", t(lang, "本科", "Bachelor")),
                        ("master", t(lang, "硕士", "Master")), ("doctor", t(lang, "博士", "Doctor")),
                    ]))
                    (input(fields, "edu_graduated_on", "date", t(lang, "毕业日期", "Graduation date"), "YYYY-MM-DD"))
                    (check(fields, "edu_degree", t(lang, "有学士学位（本科）", "Bachelor's degree awarded")))
                    (check(fields, "edu_part_time", t(lang, "非全日制", "Part-time study")))
                    (check(fields, "edu_shortage", t(lang, "紧缺急需专业（大专）", "Shortage major (associate)")))
                    (select(fields, "qual", t(lang, "职称或技能等级", "Title or skill level"), &[
                        ("", none), ("skill_5", t(lang, "技能五级", "Skill level 5")), ("skill_4", t(lang, "技能四级", "Skill level 4")),
                        ("skill_3", t(lang, "技能三级", "Skill level 3")), ("skill_2", t(lang, "技能二级（技师）", "Skill level 2")),
                        ("skill_1", t(lang, "技能一级（高级技师）", "Skill level 1")), ("title_junior", t(lang, "初级职称", "Junior title")),
                        ("title_intermediate", t(lang, "中级职称", "Intermediate title")), ("title_senior", t(lang, "高级职称", "Senior title")),
                    ]))
                    (input(fields, "qual_obtained_on", "date", t(lang, "取得日期", "Obtained on"), "YYYY-MM-DD"))
                }
            }
            fieldset {
                legend { (t(lang, "本市职工社保缴费记录（按月份段填写）", "Shanghai employee insurance, as month ranges")) }
                @for row in 0..INSURANCE_ROWS {
                    div.grid {
                        (input(fields, &format!("si_from_{row}"), "month", t(lang, "起始月", "From month"), "YYYY-MM"))
                        (input(fields, &format!("si_to_{row}"), "month", t(lang, "截止月", "To month"), "YYYY-MM"))
                        (input(fields, &format!("si_base_{row}"), "number", t(lang, "月缴费基数（元）", "Monthly base (CNY)"), ""))
                    }
                }
            }
            fieldset {
                legend { (t(lang, "加分与减分", "Additional points and deductions")) }
                div.grid {
                    (check(fields, "spouse_hukou", t(lang, "配偶为本市户籍", "Spouse has Shanghai hukou")))
                    (input(fields, "spouse_married_on", "date", t(lang, "结婚日期", "Married on"), "YYYY-MM-DD"))
                    (select(fields, "award", t(lang, "表彰奖励", "Award"), &[
                        ("", none), ("municipal_special", t(lang, "市级专项", "Municipal special")),
                        ("municipal_comprehensive", t(lang, "市级综合", "Municipal comprehensive")),
                        ("national", t(lang, "省部级及以上", "National")),
                    ]))
                    (input(fields, "tax", "number", t(lang, "近三年年均纳税（元）", "Average annual tax (CNY)"), ""))
                    (input(fields, "hires", "number", t(lang, "年均聘用本市户籍人数", "Shanghai residents hired (average)"), ""))
                    (input(fields, "lingang_since", "date", t(lang, "在临港新片区工作居住起始日", "In Lin-gang since"), "YYYY-MM-DD"))
                    (input(fields, "remote_years", "number", t(lang, "远郊重点区域工作居住年数", "Years in a remote key area"), ""))
                    (input(fields, "public_years", "number", t(lang, "特定公共服务领域工作年数", "Years in public service"), ""))
                    (check(fields, "startup", t(lang, "创业人才", "Startup talent")))
                    (check(fields, "intermediary", t(lang, "创新创业中介服务人才", "Intermediary talent")))
                    (input(fields, "false_materials", "text", t(lang, "提供虚假材料日期（逗号分隔）", "False materials dates"), "YYYY-MM-DD, …"))
                    (input(fields, "detentions", "text", t(lang, "行政拘留日期", "Detention dates"), "YYYY-MM-DD, …"))
                    (input(fields, "crimes", "text", t(lang, "一般刑事犯罪日期", "Criminal record dates"), "YYYY-MM-DD, …"))
                    (input(fields, "serious_crimes", "text", t(lang, "严重刑事犯罪日期", "Serious crime dates"), "YYYY-MM-DD, …"))
                    (check(fields, "family_planning", t(lang, "违反计划生育政策记录", "Family-planning violation")))
                }
            }
            fieldset {
                legend { (t(lang, "规划", "Planning")) }
                div.grid {
                    (input(fields, "deadline", "date", t(lang, "希望达标的截止日期（如子女中考报名）", "Deadline (e.g. a child's exam registration)"), "YYYY-MM-DD"))
                }
                p.hint { (t(lang, "推算假定您继续在本市工作，并按最近的缴费基数缴纳社保。", "The projection assumes you keep working in Shanghai, insured at your latest base.")) }
            }
            button type="submit" { (t(lang, "计算积分并规划", "Score and plan")) }
        }
    }
}

fn results(score: &ScoreResult, plan: &PlanDocument, lang: Lang) -> Markup {
    let verdict = match (score.reaches_standard, score.vetoed) {
        (true, _) => t(lang, "已达到标准分值", "reaches the standard score"),
        (false, true) => t(lang, "被一票否决", "vetoed"),
        (false, false) => t(lang, "未达到标准分值", "below the standard score"),
    };
    let chart = jifen_chart::plan_chart(plan, lang).ok();
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
        div.scroll {
            table {
                thead { tr {
                    th { (t(lang, "项目", "Item")) } th { (t(lang, "分值", "Points")) } th { (t(lang, "说明", "Why")) }
                    th.cite-col { (t(lang, "依据", "Citation")) }
                } }
                tbody {
                    @for item in &score.items {
                        tr.not-counted[!item.counted] {
                            td { (item.id.name(lang)) }
                            td.num { (item.points) @if !item.counted { " " (t(lang, "（不计）", "(not added)")) } }
                            td { (item.explanation) @if !item.interpretations.is_empty() { " [" (item.interpretations.join(", ")) "]" } }
                            td.cite { (item.citation) }
                        }
                    }
                }
            }
        }
        section.summary {
            h2 { (t(lang, "规划", "Plan")) }
            p { (t(lang, "维持现状预计达标日期：", "Reaches the standard as things are: "))
                strong id="reaches-on" { @match plan.reaches_on { Some(date) => (date), None => (t(lang, "推算期内不会达标", "not within the horizon")) } } }
            @for note in &plan.notes { p.hint { (note) } }
            @if let Some(deadline) = &plan.deadline {
                p { strong { (t(lang, "截止日期方案：", "Deadline plan: ")) }
                    @if deadline.met {
                        @if deadline.actions.is_empty() { (t(lang, "维持现状即可按时达标", "met as things are")) }
                        @else { (deadline.actions.iter().map(|a| a.title.as_str()).collect::<Vec<_>>().join(" + ")) }
                    } @else {
                        (t(lang, "没有方案能按时达标；最高可达 ", "no plan meets it; the best reaches ")) (deadline.best_total)
                    }
                }
            }
            @if let Some(svg) = chart { div.chart { (PreEscaped(svg)) } }
            @if !plan.events.is_empty() {
                h3 { (t(lang, "分数变化", "Changes ahead")) }
                div.scroll { table {
                    thead { tr { th { (t(lang, "日期", "Date")) } th { (t(lang, "项目", "Item")) } th { (t(lang, "变化", "Change")) } th { (t(lang, "总分", "Total")) } th { (t(lang, "原因", "Why")) } } }
                    tbody { @for event in plan.events.iter().take(40) {
                        tr { td { (event.date) } td { (event.item.name(lang)) } td.num { (signed(event.delta)) } td.num { (event.total) } td { (event.explanation) } }
                    } }
                } }
            }
            h3 { (t(lang, "可选行动（按达标日期、投入排序）", "Actions, ranked")) }
            div.scroll { table {
                thead { tr { th { (t(lang, "行动", "Action")) } th { (t(lang, "投入", "Effort")) } th { (t(lang, "最早完成", "Ready")) } th { (t(lang, "达标日期", "Reaches 120")) } th { (t(lang, "最多多得", "Best gain")) } } }
                tbody { @for action in &plan.actions {
                    tr { td { (action.title) } td.num { (action.effort) } td { (action.ready_on) }
                        td { @match action.reaches_on { Some(date) => (date), None => "—" } } td.num { (signed(action.gain)) } }
                } }
            } }
        }
    }
}
