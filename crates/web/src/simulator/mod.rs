//! The public simulator and planner page (no login): a form for a profile, the score with
//! every item's explanation and citation, and the planner's timeline, ranked actions and
//! chart. Server-rendered: it works without JavaScript. Chinese by default.

use crate::AppState;
use crate::checked_form::CheckedForm;
use crate::fields::{Field, Kind, Notes, Section, about_you, additional, education, input, insurance_row};
use crate::lang::Chosen;
use crate::layout::{LANGUAGE_SWITCH, layout, layout_keeping, say, t};
use crate::session::SignedIn;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use jifen_domain::application::{Problem, field_of_path};
use jifen_domain::form::{Fields, INSURANCE_ROWS, field_problems, profile_json};
use jifen_domain::{Role, clock};
use jifen_planner::{PlanDocument, PlanRequest, signed};
use jifen_rules::{Context, Interpretation, Lang, Profile, ProfileError, ScoreResult};
use maud::{Markup, PreEscaped, html};
use views::results;

pub(crate) mod views;
/// `GET /`: the empty form.
pub async fn simulator(chosen: Chosen, signed: Option<SignedIn>) -> Response {
    let fields = Fields::default().with_default("as_of", clock::today_in_shanghai().to_string());
    views::page(chosen, &fields, Outcome::Nothing, signed.as_ref())
}

/// What the simulator shows beside its form.
enum Outcome {
    /// Nothing asked yet.
    Nothing,
    Result(Markup),
    /// What is wrong, field by field.
    Problems(Vec<Problem>),
    Failed,
}

/// `POST /`: the form, as submitted, with its result, or every problem beside its field. A
/// press of the language switch re-sends the form: it keeps what was typed.
pub async fn simulate(
    State(state): State<AppState>,
    chosen: Chosen,
    signed: Option<SignedIn>,
    CheckedForm(pairs): CheckedForm<Vec<(String, String)>>,
) -> Response {
    let mut fields = Fields::new(pairs);
    let switching_language = fields.checked(LANGUAGE_SWITCH);
    fields.set(LANGUAGE_SWITCH, "");
    fields.set("csrf", "");
    if switching_language && !ready(&fields) {
        return views::page(chosen, &fields, Outcome::Nothing, signed.as_ref());
    }
    let lang = chosen.lang;
    let submitted = fields.clone();
    // Planning scores thousands of dates: off the async workers.
    let outcome = match tokio::task::spawn_blocking(move || evaluate_form(&state, &submitted, lang)).await {
        Ok(Ok(markup)) => Outcome::Result(markup),
        Ok(Err(problems)) => Outcome::Problems(problems),
        Err(error) => {
            tracing::error!(%error, "simulation failed");
            Outcome::Failed
        }
    };
    views::page(chosen, &fields, outcome, signed.as_ref())
}

/// Whether there is anything to score: a birth date or an ID number.
fn ready(fields: &Fields) -> bool {
    !fields.get("birth_date").is_empty() || !fields.get("id_number").is_empty()
}

fn evaluate_form(state: &AppState, fields: &Fields, lang: Lang) -> Result<Markup, Vec<Problem>> {
    let mut problems = field_problems(fields);
    if !ready(fields) {
        problems.insert(
            0,
            Problem::new("birth_date", "请填写出生日期或身份证号码", "Enter a birth date or a resident ID number"),
        );
    }
    let id_number = fields.get("id_number");
    if !id_number.is_empty()
        && let Err(error) = jifen_ids::ResidentIdNumber::parse(id_number)
    {
        problems.push(Problem::id_number("id_number", &error));
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let request = plan_request(fields).map_err(|e| vec![engine_problem(&e)])?;
    let today = clock::today_in_shanghai();
    let evaluation =
        state.service.book().evaluate(&request.profile, &Context::on(today)).map_err(|e| vec![engine_problem(&e)])?;
    let score = evaluation.to_result(lang);
    let plan = jifen_planner::plan(state.service.book(), state.catalogue, &request, today)
        .map_err(|e| vec![Problem::new("", format!("无法规划：{e}"), format!("The plan could not be made: {e}"))])?;
    Ok(results(&score, &plan.to_document(lang), lang))
}

/// The engine's objection, on the simulator's field it is about.
fn engine_problem(error: &ProfileError) -> Problem {
    let field = match error.path.as_str() {
        path if path.starts_with("birth_date") => "birth_date".to_string(),
        path if path.starts_with("as_of") => "as_of".to_string(),
        path if path.starts_with("deadline") => "deadline".to_string(),
        path => field_of_path(path),
    };
    Problem::new(&field, error.message(Lang::Zh), error.message(Lang::En))
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

const SIMULATOR_FORM: &str = "simulator";

/// The simulator's sections, the planning deadline last.
fn sections(lang: Lang) -> Vec<Section> {
    let deadline = Field {
        name: "deadline".into(),
        lang,
        label: t(lang, "希望达标的截止日期（如子女中考报名）", "Deadline (e.g. a child's exam registration)").into(),
        kind: Kind::Date,
        placeholder: "YYYY-MM-DD",
    };
    vec![
        Section { title: t(lang, "基本信息", "About you"), groups: vec![about_you(lang)] },
        Section {
            title: t(lang, "教育背景与职称技能", "Education, title and skill"),
            groups: vec![education(lang, false)],
        },
        Section {
            title: t(lang, "本市职工社保缴费记录（按月份段填写）", "Shanghai employee insurance, as month ranges"),
            groups: (0..INSURANCE_ROWS).map(|row| insurance_row(lang, row)).collect(),
        },
        Section {
            title: t(lang, "加分与减分", "Additional points and deductions"), groups: vec![additional(lang)]
        },
        Section { title: t(lang, "规划", "Planning"), groups: vec![vec![deadline]] },
    ]
}

/// `/interpretations`: every named interpretation of the rules (I-1 … I-11) — the question,
/// what jifen decided and the reading not taken — as the rules crate words them. Results
/// name them by id; this page says what each means.
pub async fn interpretations(chosen: Chosen) -> Response {
    let lang = chosen.lang;
    let title = t(lang, "积分规则的解释", "How jifen reads the rules");
    layout(lang, title, views::interpretations(lang)).into_response()
}
