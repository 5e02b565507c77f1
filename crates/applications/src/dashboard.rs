//! The dashboards of a district centre's manager (a supervisor, their own district) and of
//! the city (an administrator, any district or all of them): every figure is computed here,
//! from the store, and the pages only draw and export them.
//!
//! The rates and times cover a period, the last 30, 90 (the default) or 365 days; the other
//! figures are as of today. What each figure counts:
//! - applications by district and state: every application at a centre (the workflow's
//!   `centre` states), by its current state;
//! - clock breaches: open applications (not in a final state) whose step has passed its date
//!   on the centre's own clock (`sla_working_days`; a correction waits on the employer and is
//!   not the centre's breach); the oldest waiting is the open application longest in its
//!   current state;
//! - time to decision: for each decision of the period (a `grant` or `refuse` event made on
//!   one of its days), the calendar days in Shanghai from the application's latest `file`
//!   event before it; the median (the mean of the two middle values for an even count) and
//!   the 90th percentile (nearest rank);
//! - rates, over the period's moves: acceptance and correction are `accept` and
//!   `ask_correction` events over both (the counter's decisions); approval is `grant` over
//!   `grant` and `refuse`;
//! - the score distribution: the totals of the points notices in force (not superseded, not
//!   expired) in bands of ten points;
//! - renewals due: notices in force whose validity ends within the next 30 days.

use crate::error::ServiceError;
use crate::{Actor, Service};
use chrono::NaiveDate;
use jifen_domain::workflow::StateId;
use jifen_domain::{District, Role, clock};
use jifen_store::prelude::*;
use jifen_store::{Millis, MoveTally};
use std::collections::BTreeMap;

/// How far ahead renewals count as due.
pub const RENEWALS_DUE_DAYS: u64 = 30;
/// The width of a score band.
pub const SCORE_BAND: i64 = 10;
/// The periods a dashboard's rates and times may cover, in days, and the one shown first.
pub const DASHBOARD_PERIODS: [u32; 3] = [30, 90, 365];
pub const DEFAULT_DASHBOARD_PERIOD: u32 = 90;

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
    /// The days the rates and times cover: `since` to `today`, both included.
    pub period_days: u32,
    pub since: NaiveDate,
    /// Applications by district and state, in the workflow's order of states; only the
    /// combinations that have any.
    pub by_district_state: Vec<(District, StateId, i64)>,
    /// Totals by state over the scope, in the workflow's order (zeros included).
    pub by_state: Vec<(StateId, i64)>,
    pub open: i64,
    pub overdue: i64,
    pub oldest_waiting: Option<Waiting>,
    /// Days from filing to each decision of the period, ascending.
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

/// The counter's moves the dashboard counts: an acceptance or a correction notice.
const COUNTER_MOVES: [&str; 2] = ["accept", "ask_correction"];
/// The decisions it counts, each timed from its application's latest filing.
const DECISIONS: [&str; 2] = ["grant", "refuse"];

impl Service {
    /// The dashboard of `scope`, its rates and times over the last `period_days` days (today
    /// included): a supervisor's own district only, an administrator's any district or the
    /// city; nobody else's.
    ///
    /// Every figure is counted by the database or read from a bounded set: the open
    /// applications, the moves of the period, the notices ending soon. None reads the
    /// centre's whole history, which grows by every application it ever decided.
    pub async fn dashboard(&self, actor: &Actor, scope: Scope, period_days: u32) -> Result<Dashboard, ServiceError> {
        match (actor.role, scope) {
            (Role::Admin, _) => {}
            (Role::Supervisor, Scope::District(district)) if actor.district == Some(district) => {}
            _ => return Err(ServiceError::Forbidden),
        }
        let today = self.clock.today();
        let period_days = period_days.max(1);
        let since = today.checked_sub_days(chrono::Days::new(u64::from(period_days) - 1)).unwrap_or(today);
        let scope_district = match scope {
            Scope::District(district) => Some(district),
            Scope::City => None,
        };

        let centre_states: Vec<StateId> =
            self.workflow.states.iter().filter(|s| s.centre).map(|s| s.id.clone()).collect();
        let counts: BTreeMap<(District, StateId), i64> = self
            .store
            .application_counts(scope_district, &centre_states)
            .await?
            .into_iter()
            .map(|(district, state, count)| ((district, state), count))
            .collect();
        let mut by_district_state = Vec::new();
        for district in scope.districts() {
            for state in &centre_states {
                if let Some(count) = counts.get(&(district, state.clone())) {
                    by_district_state.push((district, state.clone(), *count));
                }
            }
        }
        let by_state = centre_states
            .iter()
            .map(|state| {
                let total = by_district_state.iter().filter(|(_, s, _)| s == state).map(|(_, _, n)| n).sum();
                (state.clone(), total)
            })
            .collect();

        let (mut open, mut overdue) = (0, 0);
        let mut oldest_waiting: Option<Waiting> = None;
        let open_states = self.workflow.open_centre_states();
        for district in scope.districts() {
            for listing in self.store.applications_in_district(district, &open_states).await? {
                let Some(state) = self.workflow.state(&listing.state) else { continue };
                open += 1;
                if state.sla_working_days.is_some() && self.due_of_listing(&listing).is_some_and(|due| due.overdue) {
                    overdue += 1;
                }
                if oldest_waiting.as_ref().is_none_or(|w| (listing.state_since, listing.id) < (w.since, w.id)) {
                    oldest_waiting =
                        Some(Waiting { id: listing.id, district, state: listing.state, since: listing.state_since });
                }
            }
        }

        let since_millis = clock::shanghai_day_start(since);
        let counter = self.store.tally_moves_since(scope_district, &COUNTER_MOVES, since_millis, None).await?;
        let count = |tallies: &[MoveTally], action: &str| -> i64 {
            tallies.iter().filter(|tally| tally.action == action).map(|tally| tally.count).sum()
        };
        let (accepted, corrections) = (count(&counter, "accept"), count(&counter, "ask_correction"));
        let decisions = self
            .store
            .tally_moves_since(scope_district, &DECISIONS, since_millis, Some(clock::SHANGHAI_OFFSET_MILLIS))
            .await?;
        let (granted, refused) = (count(&decisions, "grant"), count(&decisions, "refuse"));
        let mut decision_days: Vec<i64> = decisions
            .iter()
            .filter_map(|tally| Some(std::iter::repeat_n(tally.days?, usize::try_from(tally.count).ok()?)))
            .flatten()
            .collect();
        decision_days.sort_unstable();

        let today_iso = today_text(today);
        let score_bands = {
            let bands: BTreeMap<i64, i64> =
                self.store.notice_score_bands(scope_district, &today_iso, SCORE_BAND).await?.into_iter().collect();
            match (bands.keys().next().copied(), bands.keys().next_back().copied()) {
                (Some(low), Some(high)) => (low..=high)
                    .step_by(SCORE_BAND as usize)
                    .map(|band| (band, bands.get(&band).copied().unwrap_or(0)))
                    .collect(),
                _ => Vec::new(),
            }
        };
        let horizon = today_text(today + chrono::Days::new(RENEWALS_DUE_DAYS));
        let renewals_due = self
            .store
            .current_notices_ending_between(scope_district, &today_iso, &horizon)
            .await?
            .into_iter()
            .map(|notice| RenewalDue {
                serial: notice.serial,
                application_id: notice.application_id,
                district: notice.district,
                total: notice.total,
                valid_until: notice.valid_until,
            })
            .collect();

        Ok(Dashboard {
            scope,
            today,
            period_days,
            since,
            by_district_state,
            by_state,
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
            vec!["decisions", "median_days", "p90_days", "from", "to"],
            vec![vec![
                dashboard.decision_days.len().to_string(),
                dashboard.median_days.map(|m| format!("{m:.1}")).unwrap_or_default(),
                dashboard.p90_days.map(|p| p.to_string()).unwrap_or_default(),
                dashboard.since.to_string(),
                dashboard.today.to_string(),
            ]],
        ),
        "rates" => (
            vec!["rate", "count", "of", "percent", "from", "to"],
            [
                ("acceptance", dashboard.acceptance),
                ("correction", dashboard.correction),
                ("approval", dashboard.approval),
            ]
            .into_iter()
            .map(|(name, rate)| {
                vec![
                    name.into(),
                    rate.count.to_string(),
                    rate.of.to_string(),
                    percent(rate),
                    dashboard.since.to_string(),
                    dashboard.today.to_string(),
                ]
            })
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
