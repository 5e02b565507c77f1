//! The JSON API under `/api/v1`: the same contract as the CLI (CONTRACT.md, docs/PLAN.md).
//!
//! The OpenAPI document is derived from these handlers' annotations and the contract's
//! types (`jifen-rules` and `jifen-planner` with their `openapi` feature); a snapshot test
//! (tests/openapi.rs) shows every change to it, and a generated-input test holds the server
//! to it.

use crate::AppState;
use crate::error::ApiError;
use crate::lang::Chosen;
use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use jifen_domain::clock;
use jifen_planner::{PlanDocument, PlanRequest};
use jifen_rules::{CompactResult, Context, Explain, Lang, Profile, ScoreResult};
use serde::Serialize;
use serde_json::Value;

use std::sync::LazyLock;
use utoipa::{OpenApi, ToSchema};

pub(crate) mod process;
mod views;

/// The largest request body the API reads: a profile is a few kilobytes.
pub const BODY_LIMIT: usize = 64 * 1024;

/// The OpenAPI document, derived from the handlers below and the contract's types.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "jifen API",
        version = "1",
        description = "Shanghai residence-permit points (上海市居住证积分): score a profile, plan the way to the standard score, read the rule sets; and, for other systems, the application process: sign in for a bearer token (POST /sessions), the district centre's queue, an application's state, verification and documents, and its moves, with the same roles as the pages. JSON in and out; explanations in Chinese by default, English with lang=en. Every refusal is an Error document with a 4xx status (503 while the database is out of service); a 5xx otherwise is a bug."
    ),
    servers((url = "/api/v1")),
    paths(
        score,
        plan,
        rule_sets,
        openapi,
        ping,
        crate::api::process::create_session,
        crate::api::process::delete_session,
        crate::api::process::centre_queue,
        crate::api::process::application,
        crate::api::process::application_action,
        crate::api::process::application_document,
    ),
    components(schemas(Lang, Explain)),
    modifiers(&BearerScheme)
)]
pub struct ApiDoc;

/// The security scheme of the process's operations: the token of `POST /sessions`, sent as
/// `Authorization: Bearer <token>` (a session cookie does not count in the API).
struct BearerScheme;

impl utoipa::Modify for BearerScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        let scheme = HttpBuilder::new()
            .scheme(HttpAuthScheme::Bearer)
            .description(Some("The token of POST /sessions. A session cookie does not count in the API."))
            .build();
        components.add_security_scheme("bearer", SecurityScheme::Http(scheme));
    }
}

/// What a derive cannot say about the process's operations: the values the workflow
/// configuration allows (its centre states, its actions) and the document kinds, as enums.
fn add_workflow_enums(document: &mut Ordered) {
    let Ok(workflow) = jifen_domain::workflow::Workflow::embedded() else { return };
    let words = |items: Vec<&str>| Ordered::Array(items.into_iter().map(|w| Ordered::String(w.into())).collect());
    let centre_states = workflow.states.iter().filter(|s| s.centre).map(|s| s.id.as_str()).collect();
    let kinds = jifen_domain::workflow::DocumentKind::ALL.iter().map(|k| k.as_str()).collect();
    let parameters: [(&str, &str, &str, Ordered); 4] = [
        ("/centre/queue", "get", "state", words(centre_states)),
        ("/centre/queue", "get", "overdue", words(vec!["true", "false"])),
        ("/centre/queue", "get", "mine", words(vec!["true", "false"])),
        ("/applications/{id}/documents/{kind}", "get", "kind", words(kinds)),
    ];
    for (path, method, name, allowed) in parameters {
        if let Some(Ordered::Array(parameters)) = document.get_mut(&["paths", path, method, "parameters"]) {
            for parameter in parameters {
                let named = matches!(parameter.get_mut(&["name"]), Some(Ordered::String(n)) if n == name);
                if named && let Some(Ordered::Object(schema)) = parameter.get_mut(&["schema"]) {
                    schema.insert("enum".into(), allowed.clone());
                }
            }
        }
    }
    let actions = words(workflow.actions.iter().map(|a| a.id.as_str()).collect());
    if let Some(Ordered::Object(action)) =
        document.get_mut(&["components", "schemas", "ActionRequest", "properties", "action"])
    {
        action.insert("enum".into(), actions);
    }
}

/// The document as served: pretty JSON, built once, its fields in the order the types
/// declare them.
pub fn openapi_json() -> &'static str {
    static JSON: LazyLock<String> = LazyLock::new(|| {
        let text = ApiDoc::openapi().to_json().unwrap_or_default();
        let Ok(mut document) = serde_json::from_str::<Ordered>(&text) else {
            return "{}".to_string();
        };
        // What a derive cannot say: a profile needs `birth_date` or `id_number`.
        if let Some(Ordered::Object(profile)) = document.get_mut(&["components", "schemas", "Profile"]) {
            let required = |name: &str| {
                Ordered::Object([("required".to_string(), Ordered::Array(vec![Ordered::String(name.into())]))].into())
            };
            profile.insert("anyOf".into(), Ordered::Array(vec![required("birth_date"), required("id_number")]));
        }
        add_citations(&mut document);
        add_workflow_enums(&mut document);
        serde_json::to_string_pretty(&document).unwrap_or_else(|_| "{}".to_string())
    });
    &JSON
}

/// JSON that keeps the order of an object's fields (serde_json's `Value` sorts them).
#[derive(Clone, Serialize, serde::Deserialize)]
#[serde(untagged)]
enum Ordered {
    Null(()),
    Bool(bool),
    Number(serde_json::Number),
    String(String),
    Array(Vec<Ordered>),
    Object(indexmap::IndexMap<String, Ordered>),
}

impl Ordered {
    fn get_mut(&mut self, path: &[&str]) -> Option<&mut Ordered> {
        path.iter().try_fold(self, |json, key| match json {
            Ordered::Object(map) => map.get_mut(*key),
            _ => None,
        })
    }
}

/// What a derive cannot say: a cited value (`Cited`, `WageEntry`) carries the `citation`
/// that is filled in when the rule data is loaded. Serde skips it when reading (it is not
/// input), and utoipa leaves out what serde skips either way; the server writes it.
fn add_citations(schema: &mut Ordered) {
    match schema {
        Ordered::Object(map) => {
            let cited = matches!(map.get("properties"), Some(Ordered::Object(properties))
                if ["source", "provision", "confidence"].iter().all(|key| properties.contains_key(*key)));
            if cited && let Some(Ordered::Object(properties)) = map.get_mut("properties") {
                let text =
                    Ordered::Object([("$ref".to_string(), Ordered::String("#/components/schemas/Text".into()))].into());
                let null = Ordered::Object([("type".to_string(), Ordered::String("null".into()))].into());
                let citation = [
                    ("oneOf".to_string(), Ordered::Array(vec![text, null])),
                    (
                        "description".to_string(),
                        Ordered::String("The citation as people read it, in both languages.".into()),
                    ),
                ];
                properties.insert("citation".into(), Ordered::Object(citation.into()));
            }
            map.values_mut().for_each(add_citations);
        }
        Ordered::Array(items) => items.iter_mut().for_each(add_citations),
        _ => {}
    }
}

/// An error document: `{"error": {"code", "path", "message"}}`, as [`ApiError`] writes it.
#[derive(Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = Error)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ErrorDetail {
    /// A stable machine code (docs/CONTRACT.md, Errors).
    #[schema(min_length = 1)]
    pub code: String,
    /// The offending field (`education[0].level`) or query parameter (`lang`); absent when
    /// the whole request is at fault.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    #[schema(min_length = 1)]
    pub path: String,
    /// What is wrong, in the request's language.
    pub message: String,
}

/// The answer of `POST /score`: the result document, or with `explain=none` the compact one.
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
#[allow(dead_code)]
pub enum ScoreAnswer {
    Full(ScoreResult<'static>),
    Compact(CompactResult<'static>),
}

/// What `POST /plan` reads: a plan document, or a bare profile planned with the default
/// assumptions.
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
#[allow(dead_code)]
pub enum PlanInput {
    Plan(PlanRequest),
    Profile(Profile),
}

/// `GET /rule-sets`: the rule data as embedded or published.
#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
pub struct RuleSets {
    pub rule_sets: Vec<jifen_rules::RuleSet>,
    pub average_wage: jifen_rules::AverageWages,
}

#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
pub struct Ping {
    pub ok: bool,
}

/// The query of an API request, decoded. Unknown parameters are ignored; of a parameter
/// given twice, the first counts.
pub(crate) struct ApiQuery {
    pairs: Vec<(String, String)>,
}

impl ApiQuery {
    pub(crate) fn parse(raw: Option<&str>, fallback: Lang) -> Result<Self, ApiError> {
        let pairs = serde_urlencoded::from_str(raw.unwrap_or(""))
            .map_err(|_| invalid_query("", fallback, "查询参数无法解析", "the query string cannot be read"))?;
        Ok(Self { pairs })
    }

    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.pairs.iter().find(|(key, _)| key == name).map(|(_, value)| value.as_str())
    }

    /// `lang` is `zh` or `en`, nothing else; without it, the cookie, then Accept-Language.
    pub(crate) fn lang(&self, chosen: Chosen) -> Result<Lang, ApiError> {
        match self.get("lang") {
            None => Ok(chosen.lang),
            Some("zh") => Ok(Lang::Zh),
            Some("en") => Ok(Lang::En),
            Some(other) => Err(invalid_query(
                "lang",
                chosen.lang,
                &format!("lang 参数无效：\"{other}\"；可选 zh 或 en"),
                &format!("unknown lang \"{other}\"; expected zh or en"),
            )),
        }
    }

    fn explain(&self, lang: Lang) -> Result<Explain, ApiError> {
        let Some(text) = self.get("explain") else {
            return Ok(Explain::Full);
        };
        Explain::parse(text).ok_or_else(|| {
            invalid_query(
                "explain",
                lang,
                &format!("explain 参数无效：\"{text}\"；可选 full 或 none"),
                &format!("unknown explain \"{text}\"; expected full or none"),
            )
        })
    }
}

pub(crate) fn invalid_query(path: &str, lang: Lang, zh: &str, en: &str) -> ApiError {
    let message = match lang {
        Lang::Zh => zh,
        Lang::En => en,
    };
    ApiError { path: path.into(), ..ApiError::new(StatusCode::BAD_REQUEST, "invalid_query", message) }
}

pub(crate) fn body(bytes: Result<Bytes, BytesRejection>, lang: Lang) -> Result<Bytes, ApiError> {
    bytes.map_err(|rejection| match rejection.status() {
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::too_large(BODY_LIMIT, lang),
        status => ApiError::new(status, "unreadable_body", rejection.body_text()),
    })
}

const LANG_PARAM: &str = "The language of explanations and messages: zh or en (anything else is refused with 400 invalid_query). Without it, the jifen_lang cookie, then Accept-Language, then Chinese.";

/// `POST /api/v1/score`: a profile in, the result document out.
#[utoipa::path(
    post,
    path = "/score",
    operation_id = "score",
    summary = "Score a profile: total, every item with its explanation and citation (or, with explain=none, the compact result for machines)",
    params(
        ("lang" = Option<Lang>, Query, description = LANG_PARAM),
        ("rule_set" = Option<String>, Query, example = "sh-2023", description = "Force a rule set (one of the ids GET /rule-sets lists; another is refused with 422 unknown_rule_set). By default the one in force on as_of."),
        ("explain" = Option<Explain>, Query, description = "full (the default): every item with its explanation and citation. none: the compact result for machines — the same document without explanation and citation in items[], and with the stable codes of warnings, veto_reasons and eligibility_reasons instead of their words; totals, flags, item ids, points, counted and interpretations are identical. Anything else is refused with 400 invalid_query."),
    ),
    request_body(
        content = Profile,
        content_type = "application/json",
        example = json!({"as_of": "2025-06-30", "birth_date": "1991-09-09", "education": [{"level": "associate"}],
            "spouse": {"shanghai_hukou": true, "married_on": "2018-03-01"},
            "social_insurance": [{"from": "2024-07", "to": "2025-06", "base": 7000}]}),
    ),
    responses(
        (status = 200, description = "The result document; with explain=none, the compact result document.", body = ScoreAnswer, content_type = "application/json"),
        (status = 400, description = "Not JSON (malformed_json), or an unknown lang or explain (invalid_query, path names the parameter).", body = ErrorBody, content_type = "application/json"),
        (status = 413, description = "The body is larger than 64 KiB (body_too_large).", body = ErrorBody, content_type = "application/json"),
        (status = 422, description = "A field is wrong; path names it. Besides what the schema says (invalid_field, value_too_large, percent_out_of_range), the checks it cannot: id_number_length, id_number_character, id_number_region, id_number_birth_date, id_number_check_character, birth_date_missing, birth_date_mismatch, qualification_level_mismatch, insurance_range_reversed, insurance_months_overlap, insurance_second_open_range, insurance_open_range_after_as_of, insurance_overlaps_open_range, under_minimum_age, no_rule_set_in_force, unknown_rule_set.", body = ErrorBody, content_type = "application/json"),
        (status = 500, description = "A bug: logged, and never expected (internal).", body = ErrorBody, content_type = "application/json"),
    )
)]
pub async fn score(
    State(state): State<AppState>,
    chosen: Chosen,
    RawQuery(raw): RawQuery,
    bytes: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let query = ApiQuery::parse(raw.as_deref(), chosen.lang)?;
    let lang = query.lang(chosen)?;
    let explain = query.explain(lang)?;
    let bytes = body(bytes, lang)?;
    let profile = Profile::from_json_slice(&bytes).map_err(|e| ApiError::profile(&e, lang))?;
    let context = Context { today: clock::today_in_shanghai(), rule_set: query.get("rule_set") };
    let evaluation = state.service.book().evaluate(&profile, &context).map_err(|e| ApiError::profile(&e, lang))?;
    // Written straight from the evaluation, as the batch does: the exact bytes serde_json
    // writes for the result document (a test in the CLI pins that), without building the
    // document first, which matters for a 6 KB result on the busiest endpoint.
    let mut json = Vec::new();
    evaluation.write_json(lang, explain, &mut json);
    Ok(([(header::CONTENT_TYPE, "application/json")], json).into_response())
}

/// `POST /api/v1/plan`: a plan document (or a profile) in, the plan document out.
#[utoipa::path(
    post,
    path = "/plan",
    operation_id = "plan",
    summary = "Plan: when the standard is reached, ranked actions, and the least-effort plan for a deadline",
    params(("lang" = Option<Lang>, Query, description = LANG_PARAM)),
    request_body(
        content = PlanInput,
        content_type = "application/json",
        example = json!({"profile": {"as_of": "2025-06-30", "birth_date": "1991-09-09", "education": [{"level": "associate"}],
            "spouse": {"shanghai_hukou": true, "married_on": "2018-03-01"},
            "social_insurance": [{"from": "2024-07", "to": "2025-06", "base": 7000}]}, "deadline": "2026-09-01"}),
    ),
    responses(
        (status = 200, description = "The plan document (docs/PLAN.md).", body = PlanDocument, content_type = "application/json"),
        (status = 400, description = "Not JSON (malformed_json), or an unknown lang (invalid_query).", body = ErrorBody, content_type = "application/json"),
        (status = 413, description = "The body is larger than 64 KiB (body_too_large).", body = ErrorBody, content_type = "application/json"),
        (status = 422, description = "A field is wrong; path names it (the codes of POST /score), or the plan cannot be made (invalid_plan: the deadline is before as_of).", body = ErrorBody, content_type = "application/json"),
        (status = 500, description = "A bug: logged, and never expected (internal).", body = ErrorBody, content_type = "application/json"),
    )
)]
pub async fn plan(
    State(state): State<AppState>,
    chosen: Chosen,
    RawQuery(raw): RawQuery,
    bytes: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let lang = ApiQuery::parse(raw.as_deref(), chosen.lang)?.lang(chosen)?;
    let bytes = body(bytes, lang)?;
    let request = PlanRequest::from_document_slice(&bytes).map_err(|e| ApiError::profile(&e, lang))?;
    // Planning scores thousands of dates: off the async workers.
    let planned = tokio::task::spawn_blocking(move || {
        jifen_planner::plan(state.service.book(), state.catalogue, &request, clock::today_in_shanghai())
            .map(|plan| serde_json::to_vec(&plan.to_document(lang)))
    })
    .await
    .map_err(|_| ApiError::internal(lang))?;
    match planned {
        Ok(Ok(json)) => Ok(([(header::CONTENT_TYPE, "application/json")], json).into_response()),
        Ok(Err(_)) => Err(ApiError::internal(lang)),
        Err(jifen_planner::PlanError::Profile(e)) => Err(ApiError::profile(&e, lang)),
        Err(other) => Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_plan", other.to_string())),
    }
}

/// `GET /api/v1/rule-sets`: every rule set with its cited values, and both wage series.
#[utoipa::path(
    get,
    path = "/rule-sets",
    operation_id = "rule_sets",
    summary = "Every rule set with each value's citation and confidence, and the average wage: the points reference used for scoring (frozen at the 2021 standard from 2022-07, I-11) and the insurance-base figures beside it",
    responses((status = 200, description = "The rule data.", body = RuleSets, content_type = "application/json"))
)]
pub async fn rule_sets(State(state): State<AppState>) -> Response {
    Json(serde_json::json!({ "rule_sets": state.service.book().rule_sets(), "average_wage": state.service.book().average_wages() }))
        .into_response()
}

/// `GET /api/v1/openapi.json`.
#[utoipa::path(
    get,
    path = "/openapi.json",
    operation_id = "openapi",
    summary = "This document",
    responses((status = 200, description = "OpenAPI 3.1", body = Object, content_type = "application/json"))
)]
pub async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], openapi_json()).into_response()
}

/// `GET /api/v1/ping`: the smallest JSON answer, a yardstick for load tests.
#[utoipa::path(
    get,
    path = "/ping",
    operation_id = "ping",
    summary = "The smallest JSON answer (a yardstick for load tests)",
    responses((status = 200, description = "ok", body = Ping, content_type = "application/json"))
)]
pub async fn ping() -> Response {
    Json(serde_json::json!({ "ok": true })).into_response()
}

/// `/api/docs`: the OpenAPI document as a readable page (no script, no outside assets).
pub async fn docs_page(chosen: Chosen) -> Response {
    let document: Value = serde_json::from_str(openapi_json()).unwrap_or(Value::Null);
    crate::layout::layout(chosen.lang, "jifen API", views::docs(chosen.lang, &document)).into_response()
}
