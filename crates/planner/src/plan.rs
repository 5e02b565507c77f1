//! The planner's answers: when the standard is reached, which single actions bring it
//! closer (ranked), and the least-effort set of actions that meets a deadline. Every figure
//! comes from running the engine on a projected profile; no gain is written down anywhere.

use crate::catalogue::{Action, Catalogue};
use crate::scenario::{Assumptions, Scenario, add_months};
use crate::timeline::{Change, Timeline};
use chrono::{Datelike, NaiveDate};
use jifen_rules::calendar::full_years;
use jifen_rules::{Profile, ProfileError, RuleBook};
use serde::{Deserialize, Serialize};

/// The default horizon.
pub const DEFAULT_HORIZON_YEARS: u32 = 10;
/// Timelines never go past this age (RULES.md: no age points after 60).
pub const LAST_AGE: i32 = 60;
/// Threats are the score's falls within this many months.
pub const THREAT_MONTHS: u32 = 36;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanRequest {
    pub profile: Profile,
    #[serde(default)]
    pub assumptions: Assumptions,
    #[serde(default = "default_horizon")]
    pub horizon_years: u32,
    #[serde(default, with = "jifen_rules::calendar::option_date_format", skip_serializing_if = "Option::is_none")]
    pub deadline: Option<NaiveDate>,
}

impl PlanRequest {
    /// Reads a plan document `{"profile", "assumptions", "deadline", "horizon_years"}`, a
    /// golden case, or a bare profile (then with default assumptions).
    pub fn from_document_slice(bytes: &[u8]) -> Result<Self, ProfileError> {
        let value: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| ProfileError::syntax(&e))?;
        let serde_json::Value::Object(mut map) = value else {
            return Ok(Self::for_profile(Profile::from_document(value)?));
        };
        let take = |map: &mut serde_json::Map<String, serde_json::Value>, key: &str| map.remove(key);
        let assumptions = take(&mut map, "assumptions");
        let deadline = take(&mut map, "deadline");
        let horizon = take(&mut map, "horizon_years");
        let mut request = Self::for_profile(Profile::from_document(serde_json::Value::Object(map))?);
        let field = |key: &str, error: serde_path_to_error::Error<serde_json::Error>| {
            let mut error = ProfileError::from_serde(error);
            error.path = if error.path.is_empty() { key.to_string() } else { format!("{key}.{}", error.path) };
            error
        };
        if let Some(value) = assumptions {
            request.assumptions = serde_path_to_error::deserialize(value).map_err(|e| field("assumptions", e))?;
        }
        if let Some(value) = deadline {
            #[derive(Deserialize)]
            struct Strict(#[serde(with = "jifen_rules::calendar::date_format")] NaiveDate);
            let strict: Strict = serde_path_to_error::deserialize(value).map_err(|e| field("deadline", e))?;
            request.deadline = Some(strict.0);
        }
        if let Some(value) = horizon {
            request.horizon_years = serde_path_to_error::deserialize(value).map_err(|e| field("horizon_years", e))?;
        }
        Ok(request)
    }

    pub fn for_profile(profile: Profile) -> Self {
        Self { profile, assumptions: Assumptions::default(), horizon_years: DEFAULT_HORIZON_YEARS, deadline: None }
    }
}

fn default_horizon() -> u32 {
    DEFAULT_HORIZON_YEARS
}

#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error("{0}")]
    Profile(#[from] ProfileError),
    #[error("deadline {deadline} is before the evaluation date {as_of}")]
    DeadlineBeforeStart { deadline: NaiveDate, as_of: NaiveDate },
    #[error("horizon_years must be 1 to 40, not {0}")]
    Horizon(u32),
}

/// A single action's effect on the timeline, compared with doing nothing.
#[derive(Debug, Clone)]
pub struct ActionOutcome<'c> {
    pub action: &'c Action,
    pub ready_on: NaiveDate,
    pub reaches_on: Option<NaiveDate>,
    /// Months earlier than without the action; `None` when either never reaches.
    pub months_earlier: Option<i32>,
    /// The largest difference in total over the horizon, and the first date it appears.
    pub gain: i64,
    pub gain_on: Option<NaiveDate>,
}

/// The least-effort set of actions that reaches the standard by the deadline, or, when no
/// set does, the one that comes closest.
#[derive(Debug, Clone)]
pub struct DeadlinePlan<'r, 'c> {
    pub deadline: NaiveDate,
    pub met: bool,
    pub actions: Vec<&'c Action>,
    pub effort: u32,
    pub reaches_on: Option<NaiveDate>,
    /// The highest total by the deadline and the first date it is reached.
    pub best_total: i64,
    pub best_on: NaiveDate,
    pub timeline: Timeline<'r>,
    /// Sets of actions the search scored.
    pub plans_scored: usize,
}

#[derive(Debug, Clone)]
pub struct Plan<'r, 'c> {
    pub as_of: NaiveDate,
    pub until: NaiveDate,
    pub standard: i64,
    pub assumptions: Assumptions,
    pub scenario_notes: Vec<crate::scenario::AssumptionNote>,
    pub baseline: Timeline<'r>,
    /// Falls of the score within the next [`THREAT_MONTHS`] months.
    pub threats: Vec<(NaiveDate, Change<'r>)>,
    /// Ranked: earliest date reaching the standard, then least effort, then largest gain.
    pub actions: Vec<ActionOutcome<'c>>,
    pub deadline: Option<DeadlinePlan<'r, 'c>>,
}

/// Plans for `request`; `today` (Asia/Shanghai) stands in for a missing `as_of`.
pub fn plan<'r, 'c>(
    book: &'r RuleBook,
    catalogue: &'c Catalogue,
    request: &PlanRequest,
    today: NaiveDate,
) -> Result<Plan<'r, 'c>, PlanError> {
    if !(1..=40).contains(&request.horizon_years) {
        return Err(PlanError::Horizon(request.horizon_years));
    }
    let mut profile = request.profile.clone();
    let as_of = *profile.as_of.get_or_insert(today);
    // Scoring the start validates the profile against its date (age, rule set).
    book.evaluate(&profile, &jifen_rules::Context::on(as_of))?;
    // "Still insured" means up to the evaluation date; later months are the projection's.
    profile.close_open_insurance(jifen_rules::Month::of(as_of));
    if let Some(deadline) = request.deadline.filter(|deadline| *deadline < as_of) {
        return Err(PlanError::DeadlineBeforeStart { deadline, as_of });
    }
    let until = horizon_end(&profile, as_of, request.horizon_years, request.deadline);
    let planner = Planner { book, profile: &profile, assumptions: &request.assumptions, as_of, until };

    let mut baseline_scenario = planner.scenario(&[]);
    let scenario_notes = baseline_scenario.notes.clone();
    let baseline = Timeline::build(book, &mut baseline_scenario, until, false)?;
    let threat_end = add_months(as_of, THREAT_MONTHS);
    let threats = baseline
        .steps
        .iter()
        .filter(|step| step.date <= threat_end)
        .flat_map(|step| {
            step.changes.iter().filter(|change| change.delta() < 0).map(move |change| (step.date, *change))
        })
        .collect();

    let mut actions = Vec::with_capacity(catalogue.actions.len());
    for action in &catalogue.actions {
        let timeline = Timeline::build(book, &mut planner.scenario(&[action]), until, false)?;
        actions.push(compare(action, as_of, &baseline, &timeline));
    }
    actions.sort_by(|a, b| {
        let reach = |o: &ActionOutcome| o.reaches_on.unwrap_or(NaiveDate::MAX);
        reach(a).cmp(&reach(b)).then(a.action.effort.cmp(&b.action.effort)).then(b.gain.cmp(&a.gain))
    });

    let deadline = match request.deadline {
        Some(deadline) => Some(planner.search_deadline(catalogue, deadline)?),
        None => None,
    };
    let standard = baseline.start.standard;
    Ok(Plan {
        as_of,
        until,
        standard,
        assumptions: request.assumptions.clone(),
        scenario_notes,
        baseline,
        threats,
        actions,
        deadline,
    })
}

/// The horizon's last day: `years` after the start, or the deadline if later, but never
/// past the person's 60th year of age.
fn horizon_end(profile: &Profile, as_of: NaiveDate, years: u32, deadline: Option<NaiveDate>) -> NaiveDate {
    let end = add_months(as_of, years * 12).max(deadline.unwrap_or(as_of));
    let Some(birth) = profile.birth_date else { return end };
    // The day before the 61st birthday (1 March rule for 29 February births).
    let turns_61 = NaiveDate::from_ymd_opt(birth.year() + LAST_AGE + 1, birth.month(), birth.day())
        .or_else(|| NaiveDate::from_ymd_opt(birth.year() + LAST_AGE + 1, 3, 1));
    match turns_61.and_then(|date| date.pred_opt()) {
        Some(last_day) if full_years(birth, as_of) <= LAST_AGE => end.min(last_day),
        _ => as_of,
    }
}

fn compare<'c>(action: &'c Action, as_of: NaiveDate, baseline: &Timeline, timeline: &Timeline) -> ActionOutcome<'c> {
    let months_earlier = match (baseline.reaches_on, timeline.reaches_on) {
        (Some(without), Some(with)) => Some(jifen_rules::Month::of(with).until(jifen_rules::Month::of(without))),
        _ => None,
    };
    let mut gain = 0;
    let mut gain_on = None;
    let mut dates: Vec<NaiveDate> = baseline.dates().chain(timeline.dates()).collect();
    dates.sort_unstable();
    dates.dedup();
    for date in dates {
        let difference = timeline.total_on(date) - baseline.total_on(date);
        if difference > gain {
            gain = difference;
            gain_on = Some(date);
        }
    }
    ActionOutcome {
        action,
        ready_on: add_months(as_of, action.min_months),
        reaches_on: timeline.reaches_on,
        months_earlier,
        gain,
        gain_on,
    }
}

struct Planner<'a, 'r> {
    book: &'r RuleBook,
    profile: &'a Profile,
    assumptions: &'a Assumptions,
    as_of: NaiveDate,
    until: NaiveDate,
}

impl<'a, 'r> Planner<'a, 'r> {
    fn scenario(&self, actions: &[&Action]) -> Scenario {
        Scenario::new(self.book, self.profile, self.assumptions, actions, self.until)
    }

    /// Tries sets of actions (at most one per group, each ready by the deadline) in order
    /// of effort; the first effort level with a set that meets the deadline wins, and among
    /// its sets the earliest to reach, then the one with fewer actions.
    fn search_deadline<'c>(
        &self,
        catalogue: &'c Catalogue,
        deadline: NaiveDate,
    ) -> Result<DeadlinePlan<'r, 'c>, PlanError> {
        let deadline = deadline.min(self.until);
        let options: Vec<Vec<&'c Action>> = catalogue
            .groups()
            .into_iter()
            .map(|group| group.into_iter().filter(|a| add_months(self.as_of, a.min_months) <= deadline).collect())
            .collect();
        let mut sets: Vec<Vec<&'c Action>> = vec![Vec::new()];
        for group in &options {
            let mut extended = Vec::with_capacity(sets.len() * (group.len() + 1));
            for set in &sets {
                extended.push(set.clone());
                for action in group {
                    let mut with = set.clone();
                    with.push(*action);
                    extended.push(with);
                }
            }
            sets = extended;
        }
        let effort = |set: &[&Action]| set.iter().map(|action| action.effort).sum::<u32>();
        sets.sort_by_key(|set| (effort(set), set.len()));

        let mut best_met: Option<(Vec<&'c Action>, Timeline<'r>)> = None;
        let mut closest: Option<(i64, Vec<&'c Action>, Timeline<'r>)> = None;
        let mut scored = 0;
        for set in sets {
            if let Some((met, _)) = &best_met
                && effort(&set) > effort(met)
            {
                break;
            }
            let timeline = Timeline::build(self.book, &mut self.scenario(&set), deadline, true)?;
            scored += 1;
            match timeline.reaches_on.filter(|date| *date <= deadline) {
                Some(date) => {
                    let better = best_met.as_ref().is_none_or(|(current, current_timeline)| {
                        let current_date = current_timeline.reaches_on.unwrap_or(NaiveDate::MAX);
                        (date, set.len()) < (current_date, current.len())
                    });
                    if better {
                        best_met = Some((set, timeline));
                    }
                }
                None if best_met.is_none() => {
                    let (best_total, _) = timeline.best_until(deadline);
                    if closest.as_ref().is_none_or(|(total, _, _)| best_total > *total) {
                        closest = Some((best_total, set, timeline));
                    }
                }
                None => {}
            }
        }
        let (met, actions, timeline) = match (best_met, closest) {
            (Some((set, timeline)), _) => (true, set, timeline),
            (None, Some((_, set, timeline))) => (false, set, timeline),
            (None, None) => (false, Vec::new(), Timeline::build(self.book, &mut self.scenario(&[]), deadline, false)?),
        };
        let (best_total, best_on) = timeline.best_until(deadline);
        Ok(DeadlinePlan {
            deadline,
            met,
            effort: effort(&actions),
            reaches_on: timeline.reaches_on.filter(|date| *date <= deadline),
            actions,
            best_total,
            best_on,
            timeline,
            plans_scored: scored,
        })
    }
}
