//! The JSON API under `/api/v1`: the same contract as the CLI (CONTRACT.md, docs/PLAN.md).

use crate::AppState;
use crate::error::ApiError;
use crate::lang::Chosen;
use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use jifen_domain::clock;
use jifen_planner::PlanRequest;
use jifen_rules::{Context, Profile};
use serde::Deserialize;

/// The largest request body the API reads: a profile is a few kilobytes.
pub const BODY_LIMIT: usize = 64 * 1024;

pub const OPENAPI: &str = include_str!("../assets/openapi.json");

#[derive(Debug, Deserialize)]
pub struct ScoreQuery {
    /// Forces a rule set.
    pub rule_set: Option<String>,
}

fn body(bytes: Result<Bytes, BytesRejection>, chosen: Chosen) -> Result<Bytes, ApiError> {
    bytes.map_err(|rejection| match rejection.status() {
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::too_large(BODY_LIMIT, chosen.lang),
        status => ApiError::new(status, "unreadable_body", rejection.body_text()),
    })
}

/// `POST /api/v1/score`: a profile in, the result document out.
pub async fn score(
    State(state): State<AppState>,
    chosen: Chosen,
    Query(query): Query<ScoreQuery>,
    bytes: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let bytes = body(bytes, chosen)?;
    let profile = Profile::from_json_slice(&bytes).map_err(|e| ApiError::profile(&e, chosen.lang))?;
    let rule_set = query.rule_set.as_deref();
    let context = Context { today: clock::today_in_shanghai(), rule_set };
    let evaluation = state.book.evaluate(&profile, &context).map_err(|e| ApiError::profile(&e, chosen.lang))?;
    // sonic-rs writes the same bytes as serde_json (a test in the CLI pins that) in half the
    // time, which matters for a 6 KB document on the busiest endpoint.
    let json = sonic_rs::to_vec(&evaluation.to_result(chosen.lang)).map_err(|_| ApiError::internal(chosen.lang))?;
    Ok(([(header::CONTENT_TYPE, "application/json")], json).into_response())
}

/// `POST /api/v1/plan`: a plan document (or a profile) in, the plan document out.
pub async fn plan(
    State(state): State<AppState>,
    chosen: Chosen,
    bytes: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let bytes = body(bytes, chosen)?;
    let request = PlanRequest::from_document_slice(&bytes).map_err(|e| ApiError::profile(&e, chosen.lang))?;
    // Planning scores thousands of dates: off the async workers.
    let planned = tokio::task::spawn_blocking(move || {
        jifen_planner::plan(state.book, state.catalogue, &request, clock::today_in_shanghai())
            .map(|plan| serde_json::to_vec(&plan.to_document(chosen.lang)))
    })
    .await
    .map_err(|_| ApiError::internal(chosen.lang))?;
    match planned {
        Ok(Ok(json)) => Ok(([(header::CONTENT_TYPE, "application/json")], json).into_response()),
        Ok(Err(_)) => Err(ApiError::internal(chosen.lang)),
        Err(jifen_planner::PlanError::Profile(e)) => Err(ApiError::profile(&e, chosen.lang)),
        Err(other) => Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_plan", other.to_string())),
    }
}

/// `GET /api/v1/rule-sets`: every rule set with its cited values, and both wage series.
pub async fn rule_sets(State(state): State<AppState>) -> Response {
    Json(serde_json::json!({ "rule_sets": state.book.rule_sets(), "average_wage": state.book.average_wages() }))
        .into_response()
}

/// `GET /api/v1/openapi.json`.
pub async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI).into_response()
}

/// `GET /api/v1/ping`: the smallest JSON answer, a yardstick for load tests.
pub async fn ping() -> Response {
    Json(serde_json::json!({ "ok": true })).into_response()
}
