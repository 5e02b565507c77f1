//! The administrator's rule-data pages: publish a year's average wage or a corrected figure,
//! or a whole rule-data file; preview what it changes and for whom; publish it with who and
//! why; follow the rescoring it starts; read every earlier version. What may be published,
//! its checks and its effects are the service's; these pages parse and render.

use crate::AppState;
use crate::checked_form::CheckedQuery;
use crate::checked_form::check_texts;
use crate::lang::Chosen;
use crate::layout::{say, t};
use crate::respond::IdPath;
use crate::respond::{OrPage, PageResult, Refusal, page, see_other};
use crate::session::SignedIn;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use jifen_applications::{Actor, DataFiles, PublicationInput, RescoringReport, RulePreview, ScoreShift, ServiceError};
use jifen_domain::application::Problem;
use jifen_domain::clock::shanghai_time;
use jifen_rules::{AVERAGE_WAGE_FILE, Lang};
use jifen_store::{PublicationId, RescoringRunId};
use jifen_store::{RescoringRun, RulePublication};
use maud::{Markup, html};
use serde::Deserialize;
use views::run_body;

pub(crate) mod views;
/// The publication form, as both forms (a wage figure, a file) and the preview's confirmation
/// send it.
#[derive(Deserialize, Default, Clone)]
pub struct RulesForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    series: String,
    #[serde(default)]
    month: String,
    #[serde(default)]
    monthly: String,
    #[serde(default)]
    source_key: String,
    #[serde(default)]
    source_title_zh: String,
    #[serde(default)]
    source_title_en: String,
    #[serde(default)]
    source_reference: String,
    #[serde(default)]
    file_name: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    effective_from: String,
    #[serde(default)]
    source: String,
    #[serde(default)]
    confidence: String,
    #[serde(default)]
    reason: String,
    /// The rule data's version the preview was made on.
    #[serde(default)]
    version: i64,
    #[serde(default)]
    csrf: String,
}

impl RulesForm {
    fn input(&self) -> PublicationInput {
        PublicationInput {
            kind: self.kind.clone(),
            series: self.series.clone(),
            month: self.month.clone(),
            monthly: self.monthly.clone(),
            source_key: self.source_key.clone(),
            source_title_zh: self.source_title_zh.clone(),
            source_title_en: self.source_title_en.clone(),
            source_reference: self.source_reference.clone(),
            file_name: self.file_name.clone(),
            text: self.text.clone(),
            effective_from: self.effective_from.clone(),
            source: self.source.clone(),
            confidence: self.confidence.clone(),
            reason: self.reason.clone(),
        }
    }

    /// Every field but the file's text, for the one check all forms pass (the text is a file,
    /// longer than a typed field; the service checks it).
    fn short_fields(&self) -> [(&'static str, &str); 13] {
        [
            ("kind", &self.kind),
            ("series", &self.series),
            ("month", &self.month),
            ("monthly", &self.monthly),
            ("source_key", &self.source_key),
            ("source_title_zh", &self.source_title_zh),
            ("source_title_en", &self.source_title_en),
            ("source_reference", &self.source_reference),
            ("file_name", &self.file_name),
            ("effective_from", &self.effective_from),
            ("source", &self.source),
            ("confidence", &self.confidence),
            ("reason", &self.reason),
        ]
    }
}

#[derive(Deserialize, Default)]
pub struct RulesQuery {
    /// The file the file form starts from.
    #[serde(default)]
    file: String,
}

/// `GET /admin/rules`.
pub async fn overview(
    State(state): State<AppState>,
    chosen: Chosen,
    signed: SignedIn,
    CheckedQuery(query): CheckedQuery<RulesQuery>,
) -> PageResult {
    let form = RulesForm { file_name: query.file, ..RulesForm::default() };
    rules_page(&state, &signed, chosen.lang, StatusCode::OK, &form, &[]).await
}

async fn rules_page(
    state: &AppState,
    signed: &SignedIn,
    lang: Lang,
    status: StatusCode,
    form: &RulesForm,
    problems: &[Problem],
) -> PageResult {
    let actor = Actor::from(&signed.user);
    let loaded = async {
        let publications = state.service.rule_publications(&actor).await?;
        let runs = state.service.rescoring_runs(&actor).await?;
        let files = state.service.rule_files().await?;
        Ok::<_, ServiceError>((publications, runs, files))
    };
    let (publications, runs, files) = loaded.await.or_page(lang)?;
    let body = views::rules(lang, signed, form, problems, &publications, &runs, &files);
    Ok(page(status, lang, t(lang, "规则数据", "Rule data"), body))
}

/// "第 3 版：average-wage.toml".
fn version_title(lang: Lang, publication: &RulePublication) -> String {
    say!(lang, "第 {id} 版：{file}", "Version {id}: {file}", id = publication.id, file = publication.file_name)
}

fn check_form(lang: Lang, headers: &HeaderMap, signed: &SignedIn, form: &RulesForm) -> Result<(), Refusal> {
    signed.check_form(headers, &form.csrf, lang)?;
    check_texts(lang, form.short_fields().into_iter())
}

/// `POST /admin/rules/preview`: what the publication changes, and a button to publish it.
pub async fn preview(
    State(state): State<AppState>,
    chosen: Chosen,
    headers: HeaderMap,
    signed: SignedIn,
    axum::Form(form): axum::Form<RulesForm>,
) -> PageResult {
    let lang = chosen.lang;
    check_form(lang, &headers, &signed, &form)?;
    match state.service.preview_rules(&Actor::from(&signed.user), &form.input()).await {
        Ok(preview) => Ok(views::preview_page(lang, &signed, &form, &preview)),
        Err(ServiceError::Invalid(problems)) => {
            rules_page(&state, &signed, lang, StatusCode::UNPROCESSABLE_ENTITY, &form, &problems).await
        }
        Err(e) => Err(Refusal::of(lang, &e)),
    }
}

/// `POST /admin/rules/edit`: the forms again with what was previewed, to change it.
pub async fn edit(
    State(state): State<AppState>,
    chosen: Chosen,
    headers: HeaderMap,
    signed: SignedIn,
    axum::Form(form): axum::Form<RulesForm>,
) -> PageResult {
    let lang = chosen.lang;
    check_form(lang, &headers, &signed, &form)?;
    rules_page(&state, &signed, lang, StatusCode::OK, &form, &[]).await
}

fn standing(lang: Lang, reaches: bool) -> &'static str {
    if reaches {
        t(lang, "达到标准", "reaches the standard")
    } else {
        t(lang, "未达标准", "below the standard")
    }
}

/// `POST /admin/rules/publish`: publishes what was previewed and shows its rescoring.
pub async fn publish(
    State(state): State<AppState>,
    chosen: Chosen,
    headers: HeaderMap,
    signed: SignedIn,
    axum::Form(form): axum::Form<RulesForm>,
) -> PageResult {
    let lang = chosen.lang;
    check_form(lang, &headers, &signed, &form)?;
    match state.service.publish_rules(&Actor::from(&signed.user), &form.input(), form.version).await {
        Ok(run) => Ok(see_other(&format!("/admin/rules/runs/{}", run.id))),
        Err(ServiceError::Invalid(problems)) => {
            rules_page(&state, &signed, lang, StatusCode::UNPROCESSABLE_ENTITY, &form, &problems).await
        }
        Err(e) => Err(Refusal::of(lang, &e)),
    }
}

/// `GET /admin/rules/runs/{id}`: a rescoring's progress (the page refreshes itself while it
/// runs) and whose standing it changed.
pub async fn run(
    State(state): State<AppState>,
    chosen: Chosen,
    signed: SignedIn,
    IdPath(run_id): IdPath<RescoringRunId>,
) -> PageResult {
    let lang = chosen.lang;
    let report = state.service.rescoring_report(&Actor::from(&signed.user), run_id).await.or_page(lang)?;
    Ok(page(StatusCode::OK, lang, t(lang, "重新计算", "Rescoring"), run_body(lang, &report)))
}

/// `GET /admin/rules/publications/{id}`: a version's file as published.
pub async fn publication(
    State(state): State<AppState>,
    chosen: Chosen,
    signed: SignedIn,
    IdPath(id): IdPath<PublicationId>,
) -> PageResult {
    let lang = chosen.lang;
    let publications = state.service.rule_publications(&Actor::from(&signed.user)).await.or_page(lang)?;
    let Some(p) = publications.into_iter().find(|p| p.id == id) else {
        return Err(Refusal::of(lang, &ServiceError::NotFound));
    };
    let body = views::publication(lang, &p);
    Ok(page(StatusCode::OK, lang, t(lang, "规则数据版本", "Rule-data version"), body))
}
