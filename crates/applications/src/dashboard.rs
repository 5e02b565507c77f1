//! The dashboards of a district centre's manager (a supervisor, their own district) and of
//! the city (an administrator, any district or all of them): every figure is computed here,
//! from the store, and the pages only draw and export them.
//!
//! What each figure counts:
//! - applications by district and state: every application at a centre (the workflow's
//!   `centre` states), by its current state;
//! - clock breaches: open applications (not in a final state) whose step has passed its date
//!   on the centre's own clock (`sla_working_days`; a correction waits on the employer and is
//!   not the centre's breach); the oldest waiting is the open application longest in its
//!   current state;
//! - time to decision: for each decision (a `grant` or `refuse` event), the calendar days in
//!   Shanghai from the application's latest `file` event before it; the median (the mean of
//!   the two middle values for an even count) and the 90th percentile (nearest rank);
//! - rates: acceptance and correction are `accept` and `ask_correction` events over both (the
//!   counter's decisions); approval is `grant` over `grant` and `refuse`;
//! - the score distribution: the totals of the points notices in force (not superseded, not
//!   expired) in bands of ten points;
//! - renewals due: notices in force whose validity ends within the next 30 days.

use crate::error::ServiceError;
use crate::{Actor, Service};
use chrono::NaiveDate;
use jifen_domain::workflow::StateId;
use jifen_domain::{District, Role, clock};
use jifen_store::prelude::*;
use jifen_store::{Millis, PointsNotice};
use std::collections::BTreeMap;

/// How far ahead renewals count as due.
pub const RENEWALS_DUE_DAYS: u64 = 30;
/// The width of a score band.
pub const SCORE_BAND: i64 = 10;

/// Which applications a dashboard covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    District(District),
    City,
}

impl Scope {
    pub fn districts(self) -> Vec<District> {
        match self {
            Scope::District(district) => vec![district],
            Scope::City => District::ALL.to_vec(),
        }
    }

    fn covers(self, district: District) -> bool {
        match self {
            Scope::District(own) => own == district,
            Scope::City => true,
        }
    }
}

/// The open application that has waited longest in its current state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Waiting {
    pub id: ApplicationId,
    pub district: District,
    pub state: StateId,
    pub since: Millis,
}

/// A rate: how many of how many.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Rate {
    pub count: i64,
    pub of: i64,
}

impl Rate {
    /// The share in percent, `None` when there is nothing to divide by.
    pub fn percent(self) -> Option<f64> {
        (self.of > 0).then(|| self.count as f64 * 100.0 / self.of as f64)
    }
}

/// A renewal coming due.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenewalDue {
    pub serial: String,
    pub application_id: ApplicationId,
    pub district: District,
    pub total: i64,
    pub valid_until: String,
}

/// Every figure of one dashboard.
#[derive(Debug, Clone, PartialEq)]
pub struct Dashboard {
    pub scope: Scope,
    pub today: NaiveDate,
    /// Applications by district and state, in the workflow's order of states; only the
    /// combinations that have any.
    pub by_district_state: Vec<(District, StateId, i64)>,
    /// Totals by state over the scope, in the workflow's order (zeros included).
    pub by_state: Vec<(StateId, i64)>,
    pub open: i64,
    pub overdue: i64,
    pub oldest_waiting: Option<Waiting>,
    /// Days from filing to each decision, ascending.
    pub decision_days: Vec<i64>,
    pub median_days: Option<f64>,
    pub p90_days: Option<i64>,
    pub acceptance: Rate,
    pub correction: Rate,
    pub approval: Rate,
    /// Notices in force by the lower end of their band, ascending (empty bands between
    /// the lowest and the highest included).
    pub score_bands: Vec<(i64, i64)>,
    pub renewals_due: Vec<RenewalDue>,
}

/// The median of ascending values: the middle one, or the mean of the two middle ones.
pub fn median(sorted: &[i64]) -> Option<f64> {
    let n = sorted.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(sorted[n / 2] as f64),
        _ => Some((sorted[n / 2 - 1] + sorted[n / 2]) as f64 / 2.0),
    }
}

/// The `p`th percentile of ascending values by nearest rank: the value at rank ⌈p·n/100⌉.
pub fn percentile(sorted: &[i64], p: usize) -> Option<i64> {
    let rank = (p * sorted.len()).div_ceil(100).max(1);
    sorted.get(rank - 1).copied()
}

/// The moves the dashboard counts: filing (the start of the time to decision), the counter's
/// acceptance or correction notice, and the decision.
const COUNTED_MOVES: [&str; 5] = ["file", "accept", "ask_correction", "grant", "refuse"];

impl Service {
    /// The dashboard of `scope`: a supervisor's own district only, an administrator's any
    /// district or the city; nobody else's.
    pub async fn dashboard(&self, actor: &Actor, scope: Scope) -> Result<Dashboard, ServiceError> {
        match (actor.role, scope) {
            (Role::Admin, _) => {}
            (Role::Supervisor, Scope::District(district)) if actor.district == Some(district) => {}
            _ => return Err(ServiceError::Forbidden),
        }
        let today = self.clock.today();
        let centre_states: Vec<StateId> =
            self.workflow.states.iter().filter(|s| s.centre).map(|s| s.id.clone()).collect();
        let mut by_state: BTreeMap<&str, i64> = BTreeMap::new();
        let mut by_district_state = Vec::new();
        let (mut open, mut overdue) = (0, 0);
        let mut oldest_waiting: Option<Waiting> = None;
        let mut decision_days = Vec::new();
        let (mut accepted, mut corrections, mut granted, mut refused) = (0, 0, 0, 0);
        for district in scope.districts() {
            let listings = self.store.applications_in_district(district, &centre_states).await?;
            for state in &centre_states {
                let count = listings.iter().filter(|l| &l.state == state).count() as i64;
                *by_state.entry(state.as_str()).or_default() += count;
                if count > 0 {
                    by_district_state.push((district, state.clone(), count));
                }
            }
            for listing in &listings {
                let Some(state) = self.workflow.state(&listing.state) else { continue };
                if !state.is_final {
                    open += 1;
                    if state.sla_working_days.is_some() && self.due_of_listing(listing).is_some_and(|due| due.overdue) {
                        overdue += 1;
                    }
                    if oldest_waiting.as_ref().is_none_or(|w| (listing.state_since, listing.id) < (w.since, w.id)) {
                        oldest_waiting = Some(Waiting {
                            id: listing.id,
                            district,
                            state: listing.state.clone(),
                            since: listing.state_since,
                        });
                    }
                }
            }
            // The moves the rates and times count, of the applications listed, in one query.
            let listed: std::collections::BTreeSet<ApplicationId> = listings.iter().map(|listing| listing.id).collect();
            let moves = self.store.district_moves(district, &COUNTED_MOVES).await?;
            let mut filed_at = None;
            let mut current = None;
            for (application_id, action, at) in moves.iter().filter(|(id, _, _)| listed.contains(id)) {
                if current != Some(*application_id) {
                    (current, filed_at) = (Some(*application_id), None);
                }
                match action.as_str() {
                    "file" => filed_at = Some(*at),
                    "accept" => accepted += 1,
                    "ask_correction" => corrections += 1,
                    "grant" | "refuse" => {
                        if action == "grant" {
                            granted += 1;
                        } else {
                            refused += 1;
                        }
                        if let Some(filed) = filed_at {
                            let days = clock::shanghai_datetime(*at).date() - clock::shanghai_datetime(filed).date();
                            decision_days.push(days.num_days());
                        }
                    }
                    _ => {}
                }
            }
        }
        decision_days.sort_unstable();

        let in_force: Vec<PointsNotice> = self
            .store
            .current_notices_valid_until("9999-12-31")
            .await?
            .into_iter()
            .filter(|notice| scope.covers(notice.district) && notice.valid_until.as_str() >= today_text(today).as_str())
            .collect();
        let mut bands: BTreeMap<i64, i64> = BTreeMap::new();
        for notice in &in_force {
            *bands.entry(notice.total.div_euclid(SCORE_BAND) * SCORE_BAND).or_default() += 1;
        }
        let score_bands = match (bands.keys().next().copied(), bands.keys().next_back().copied()) {
            (Some(low), Some(high)) => (low..=high)
                .step_by(SCORE_BAND as usize)
                .map(|band| (band, bands.get(&band).copied().unwrap_or(0)))
                .collect(),
            _ => Vec::new(),
        };
        let horizon = today_text(today + chrono::Days::new(RENEWALS_DUE_DAYS));
        let renewals_due = in_force
            .iter()
            .filter(|notice| notice.valid_until <= horizon)
            .map(|notice| RenewalDue {
                serial: notice.serial.clone(),
                application_id: notice.application_id,
                district: notice.district,
                total: notice.total,
                valid_until: notice.valid_until.clone(),
            })
            .collect();

        Ok(Dashboard {
            scope,
            today,
            by_district_state,
            by_state: centre_states
                .iter()
                .map(|state| (state.clone(), by_state.get(state.as_str()).copied().unwrap_or(0)))
                .collect(),
            open,
            overdue,
            oldest_waiting,
            median_days: median(&decision_days),
            p90_days: percentile(&decision_days, 90),
            decision_days,
            acceptance: Rate { count: accepted, of: accepted + corrections },
            correction: Rate { count: corrections, of: accepted + corrections },
            approval: Rate { count: granted, of: granted + refused },
            score_bands,
            renewals_due,
        })
    }
}

fn today_text(date: NaiveDate) -> String {
    date.format("%Y-%m-%d").to_string()
}

/// One of the dashboard's tables as CSV for a spreadsheet (UTF-8 with a byte-order mark,
/// cells that look like formulas made inert), with its file name; `None` for a table that
/// does not exist. Tables: `states`, `districts`, `clocks`, `decisions`, `rates`, `scores`,
/// `renewals`.
pub fn dashboard_csv(dashboard: &Dashboard, table: &str) -> Option<Result<Vec<u8>, ServiceError>> {
    let percent = |rate: Rate| rate.percent().map(|p| format!("{p:.1}")).unwrap_or_default();
    let (header, rows): (Vec<&str>, Vec<Vec<String>>) = match table {
        "states" => (
            vec!["state", "applications"],
            dashboard.by_state.iter().map(|(state, count)| vec![state.to_string(), count.to_string()]).collect(),
        ),
        "districts" => (
            vec!["district", "state", "applications"],
            dashboard
                .by_district_state
                .iter()
                .map(|(district, state, count)| vec![district.as_str().into(), state.to_string(), count.to_string()])
                .collect(),
        ),
        "clocks" => (
            vec!["open", "overdue", "oldest_id", "oldest_state", "oldest_since (Asia/Shanghai)"],
            vec![vec![
                dashboard.open.to_string(),
                dashboard.overdue.to_string(),
                dashboard.oldest_waiting.as_ref().map(|w| w.id.to_string()).unwrap_or_default(),
                dashboard.oldest_waiting.as_ref().map(|w| w.state.to_string()).unwrap_or_default(),
                dashboard.oldest_waiting.as_ref().map(|w| clock::shanghai_time(w.since)).unwrap_or_default(),
            ]],
        ),
        "decisions" => (
            vec!["decisions", "median_days", "p90_days"],
            vec![vec![
                dashboard.decision_days.len().to_string(),
                dashboard.median_days.map(|m| format!("{m:.1}")).unwrap_or_default(),
                dashboard.p90_days.map(|p| p.to_string()).unwrap_or_default(),
            ]],
        ),
        "rates" => (
            vec!["rate", "count", "of", "percent"],
            [
                ("acceptance", dashboard.acceptance),
                ("correction", dashboard.correction),
                ("approval", dashboard.approval),
            ]
            .into_iter()
            .map(|(name, rate)| vec![name.into(), rate.count.to_string(), rate.of.to_string(), percent(rate)])
            .collect(),
        ),
        "scores" => (
            vec!["band", "holders"],
            dashboard
                .score_bands
                .iter()
                .map(|(low, count)| vec![format!("{low}–{}", low + SCORE_BAND - 1), count.to_string()])
                .collect(),
        ),
        "renewals" => (
            vec!["serial", "application", "district", "total", "valid_until"],
            dashboard
                .renewals_due
                .iter()
                .map(|r| {
                    vec![
                        r.serial.clone(),
                        r.application_id.to_string(),
                        r.district.as_str().into(),
                        r.total.to_string(),
                        r.valid_until.clone(),
                    ]
                })
                .collect(),
        ),
        _ => return None,
    };
    Some(write_csv(&header, &rows))
}

fn write_csv(header: &[&str], rows: &[Vec<String>]) -> Result<Vec<u8>, ServiceError> {
    let internal = |e: csv::Error| ServiceError::Internal(e.to_string());
    let mut writer = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    writer.write_record(header).map_err(internal)?;
    for row in rows {
        writer.write_record(row.iter().map(|cell| crate::audit_log::inert(cell))).map_err(internal)?;
    }
    writer.into_inner().map_err(|e| ServiceError::Internal(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_and_percentile_by_nearest_rank() {
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[4]), Some(4.0));
        assert_eq!(median(&[1, 2, 3, 10]), Some(2.5));
        assert_eq!(percentile(&[], 90), None);
        assert_eq!(percentile(&[7], 90), Some(7));
        // ⌈0.9 × 10⌉ = 9th; ⌈0.9 × 11⌉ = 10th.
        let ten: Vec<i64> = (1..=10).collect();
        assert_eq!(percentile(&ten, 90), Some(9));
        let eleven: Vec<i64> = (1..=11).collect();
        assert_eq!(percentile(&eleven, 90), Some(10));
    }

    #[test]
    fn csv_cells_that_look_like_formulas_are_inert() {
        let bytes = write_csv(&["a"], &[vec!["=1+1".into()], vec!["-2".into()]]).unwrap();
        let text = String::from_utf8(bytes).unwrap();
        assert!(text.contains("'=1+1") && text.contains("'-2"), "{text}");
    }
}
