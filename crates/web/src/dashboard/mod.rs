//! The dashboards (`/dashboard`): a supervisor's own district, an administrator's any
//! district or the whole city. The figures are the service's ([`Service::dashboard`]); this
//! page lays them out in tables, draws two of them as SVG charts on the server, and gives each
//! table as CSV (`/dashboard.csv?table=…`).
//!
//! [`Service::dashboard`]: jifen_applications::Service::dashboard

use crate::AppState;
use crate::checked_form::CheckedQuery;
use crate::lang::Chosen;
use crate::layout::t;
use crate::respond::{OrPage, PageResult, Refusal, page};
use crate::session::SignedIn;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use jifen_applications::{
    Actor, DASHBOARD_PERIODS, DEFAULT_DASHBOARD_PERIOD, Dashboard, Rate, SCORE_BAND, Scope, ServiceError, dashboard_csv,
};
use jifen_domain::clock::shanghai_time;
use jifen_domain::{District, Role};
use jifen_rules::Lang;
use maud::{Markup, PreEscaped, html};
use serde::Deserialize;
use views::render;

pub(crate) mod views;
#[derive(Deserialize, Default)]
pub struct DashboardQuery {
    /// A district's id; empty for the city (administrators) or one's own (supervisors).
    #[serde(default)]
    district: String,
    #[serde(default)]
    table: String,
    /// The days the rates and times cover: one of [`DASHBOARD_PERIODS`]; empty for the default.
    #[serde(default)]
    days: String,
}

impl DashboardQuery {
    /// The scope asked for: a supervisor's own district unless another is named (which the
    /// service refuses); an administrator's named district or the city.
    fn scope(&self, actor: &Actor) -> Result<Scope, ServiceError> {
        let named = self.district.trim();
        if named.is_empty() {
            return Ok(match (actor.role, actor.district) {
                (Role::Supervisor, Some(own)) => Scope::District(own),
                _ => Scope::City,
            });
        }
        District::parse(named).map(Scope::District).ok_or(ServiceError::NotFound)
    }

    /// The period asked for: the default, or one of those offered (another is not found).
    fn period_days(&self) -> Result<u32, ServiceError> {
        let named = self.days.trim();
        if named.is_empty() {
            return Ok(DEFAULT_DASHBOARD_PERIOD);
        }
        named.parse().ok().filter(|days| DASHBOARD_PERIODS.contains(days)).ok_or(ServiceError::NotFound)
    }

    /// The dashboard this query asks `actor` for.
    async fn dashboard(&self, state: &AppState, actor: &Actor) -> Result<Dashboard, ServiceError> {
        state.service.dashboard(actor, self.scope(actor)?, self.period_days()?).await
    }
}

fn scope_name(scope: Scope, lang: Lang) -> &'static str {
    match scope {
        Scope::District(district) => district.name(lang),
        Scope::City => t(lang, "全市", "The city"),
    }
}

/// `GET /dashboard`.
pub async fn page_handler(
    State(state): State<AppState>,
    chosen: Chosen,
    signed: SignedIn,
    CheckedQuery(query): CheckedQuery<DashboardQuery>,
) -> PageResult {
    let lang = chosen.lang;
    let actor = Actor::from(&signed.user);
    let dashboard = query.dashboard(&state, &actor).await.or_page(lang)?;
    let title = format!("{} · {}", t(lang, "统计看板", "Dashboard"), scope_name(dashboard.scope, lang));
    Ok(page(StatusCode::OK, lang, &title, render(&state, lang, &actor, &dashboard, &title)))
}

/// `GET /dashboard.csv?table=…`: one of the page's tables as a spreadsheet file.
pub async fn csv(
    State(state): State<AppState>,
    chosen: Chosen,
    signed: SignedIn,
    CheckedQuery(query): CheckedQuery<DashboardQuery>,
) -> PageResult {
    let lang = chosen.lang;
    let actor = Actor::from(&signed.user);
    let dashboard = query.dashboard(&state, &actor).await.or_page(lang)?;
    match dashboard_csv(&dashboard, &query.table) {
        Some(Ok(bytes)) => {
            let disposition = format!("attachment; filename=\"jifen-dashboard-{}.csv\"", query.table);
            let headers = [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
                (header::CONTENT_DISPOSITION, disposition),
            ];
            Ok((headers, bytes).into_response())
        }
        Some(Err(e)) => Err(Refusal::of(lang, &e)),
        None => Err(Refusal::of(lang, &ServiceError::NotFound)),
    }
}
