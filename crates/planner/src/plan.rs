//! The planner's answers: when the standard is reached, which single actions bring it
//! closer (ranked), and the least-effort set of actions that meets a deadline. Every figure
//! comes from running the engine on a projected profile; no gain is written down anywhere.

use crate::advice::{self, NoGain, NotProposed};
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

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanRequest {
    pub profile: Profile,
    #[serde(default)]
    pub assumptions: Assumptions,
    #[serde(default = "default_horizon")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 40, default = 10))]
    pub horizon_years: u32,
    #[serde(default, with = "jifen_rules::calendar::option_date_format", skip_serializing_if = "Option::is_none")]
    // A deadline is a date when present (`null` is refused: see `from_document_slice`).
    #[cfg_attr(feature = "openapi", schema(schema_with = jifen_rules::openapi::date))]
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
    /// The first date after reaching the standard on which the total is below it again
    /// (`None`: never reached, or held to the horizon's end).
    pub falls_on: Option<NaiveDate>,
    /// Months earlier than without the action; `None` when either never reaches.
    pub months_earlier: Option<i32>,
    /// The largest difference in total over the horizon, and the first date it appears.
    pub gain: i64,
    pub gain_on: Option<NaiveDate>,
    /// Why the action gains nothing on its own (set exactly when `gain` is 0).
    pub no_gain: Option<NoGain>,
    /// For an action that gains nothing alone, the action that makes it count and what it
    /// then adds.
    pub with: Option<Partner<'c>>,
}

/// Another action together with which an action adds `gain` (first on `gain_on`) to what
/// the other action gives alone.
#[derive(Debug, Clone, Copy)]
pub struct Partner<'c> {
    pub action: &'c Action,
    pub gain: i64,
    pub gain_on: Option<NaiveDate>,
}

/// Holding the standard: from the date it is first reached until it falls below it again,
/// what brings it below, and which actions keep it longer.
#[derive(Debug, Clone)]
pub struct Standing<'r, 'c> {
    pub from: NaiveDate,
    /// The first date below the standard again; `None`: held to the horizon's end.
    pub falls_on: Option<NaiveDate>,
    /// The falls of items after `from` up to and including `falls_on` (empty when held).
    pub falls: Vec<(NaiveDate, Change<'r>)>,
    /// Proposed actions that hold the standard longer than doing nothing, longest first.
    pub keeps: Vec<&'c Action>,
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
    /// What each action adds within the plan (the plan's total less the total without that
    /// action, at its largest by the deadline) and the first date of that.
    pub contributions: Vec<(i64, Option<NaiveDate>)>,
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
    /// Present when the standard is reached within the horizon.
    pub standing: Option<Standing<'r, 'c>>,
    /// The proposed actions, ranked: earliest date reaching the standard, then the standard
    /// held longest, then those that gain before those that do not, then least effort, then
    /// largest gain.
    pub actions: Vec<ActionOutcome<'c>>,
    /// The actions of the catalogue that are not proposed, in catalogue order, with why.
    pub not_proposed: Vec<(&'c Action, NotProposed)>,
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
    if let Some(deadline) = request.deadline.filter(|deadline| *deadline < as_of) {
        return Err(PlanError::DeadlineBeforeStart { deadline, as_of });
    }
    let until = horizon_end(&profile, as_of, request.horizon_years, request.deadline);
    let planner = Planner { book, profile: &profile, assumptions: &request.assumptions, as_of, until };

    let baseline_projection = planner.scenario(&[]);
    let scenario_notes = baseline_projection.notes.clone();
    let baseline = Timeline::build(book, &mut baseline_projection.clone(), until, false)?;
    let threat_end = add_months(as_of, THREAT_MONTHS);
    let threats = baseline.falls_between(as_of, threat_end);

    let mut proposed = Vec::with_capacity(catalogue.actions.len());
    let mut not_proposed = Vec::new();
    for action in &catalogue.actions {
        if advice::already_holds(action, &profile, baseline.start.rule_set) {
            not_proposed.push((action, NotProposed::AlreadyHolds));
            continue;
        }
        let scenario = planner.scenario(&[action]);
        if scenario.same_future(&baseline_projection) {
            not_proposed.push((action, NotProposed::ChangesNothing));
            continue;
        }
        let timeline = Timeline::build(book, &mut scenario.clone(), until, false)?;
        let difference = Difference::between(&baseline, &timeline);
        if let Some((by, on)) = difference.largest_fall {
            not_proposed.push((action, NotProposed::LowersScore { by, on }));
            continue;
        }
        proposed.push((compare(action, as_of, &baseline, &timeline, difference), scenario, timeline));
    }
    let mut actions = planner.explain_no_gains(proposed)?;
    actions.sort_by(|a, b| {
        let reach = |o: &ActionOutcome| o.reaches_on.unwrap_or(NaiveDate::MAX);
        let held = |o: &ActionOutcome| o.falls_on.unwrap_or(NaiveDate::MAX);
        reach(a)
            .cmp(&reach(b))
            .then(held(b).cmp(&held(a)))
            .then(a.no_gain.is_some().cmp(&b.no_gain.is_some()))
            .then(a.action.effort.cmp(&b.action.effort))
            .then(b.gain.cmp(&a.gain))
    });
    let standing = standing(&baseline, &actions, until);

    let deadline = match request.deadline {
        Some(deadline) => {
            let options = catalogue.groups().into_iter().map(|group| {
                group.into_iter().filter(|action| actions.iter().any(|o| std::ptr::eq(o.action, *action))).collect()
            });
            Some(planner.search_deadline(options.collect(), deadline)?)
        }
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
        standing,
        actions,
        not_proposed,
        deadline,
    })
}

/// Holding the standard on the baseline: until when, what brings it below, what keeps it.
fn standing<'r, 'c>(
    baseline: &Timeline<'r>,
    actions: &[ActionOutcome<'c>],
    until: NaiveDate,
) -> Option<Standing<'r, 'c>> {
    let from = baseline.reaches_on?;
    let falls_on = baseline.falls_on();
    let falls = falls_on.map_or_else(Vec::new, |falls_on| baseline.falls_between(from, falls_on));
    let held = |falls_on: Option<NaiveDate>| falls_on.unwrap_or(NaiveDate::MAX).min(until.succ_opt().unwrap_or(until));
    let keeps = match falls_on {
        Some(_) => actions
            .iter()
            .filter(|outcome| {
                outcome.reaches_on.is_some_and(|on| on <= from) && held(outcome.falls_on) > held(falls_on)
            })
            .map(|outcome| outcome.action)
            .collect(),
        None => Vec::new(),
    };
    Some(Standing { from, falls_on, falls, keeps })
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

/// How an action's timeline differs from the baseline's.
struct Difference {
    /// The largest rise and the first date it appears (0 and `None` when never above).
    gain: i64,
    gain_on: Option<NaiveDate>,
    /// The largest fall below the baseline, if any, and the first date it appears.
    largest_fall: Option<(i64, NaiveDate)>,
}

impl Difference {
    fn between(baseline: &Timeline, timeline: &Timeline) -> Self {
        Self::over(baseline, timeline, NaiveDate::MAX)
    }

    /// Over the dates up to and including `until`.
    fn over(baseline: &Timeline, timeline: &Timeline, until: NaiveDate) -> Self {
        let mut difference = Self { gain: 0, gain_on: None, largest_fall: None };
        let mut dates: Vec<NaiveDate> = baseline.dates().chain(timeline.dates()).filter(|d| *d <= until).collect();
        dates.sort_unstable();
        dates.dedup();
        for date in dates {
            let change = timeline.total_on(date) - baseline.total_on(date);
            if change > difference.gain {
                difference.gain = change;
                difference.gain_on = Some(date);
            }
            if change < 0 && difference.largest_fall.is_none_or(|(by, _)| -change > by) {
                difference.largest_fall = Some((-change, date));
            }
        }
        difference
    }
}

fn compare<'c>(
    action: &'c Action,
    as_of: NaiveDate,
    baseline: &Timeline,
    timeline: &Timeline,
    difference: Difference,
) -> ActionOutcome<'c> {
    let months_earlier = match (baseline.reaches_on, timeline.reaches_on) {
        (Some(without), Some(with)) => Some(jifen_rules::Month::of(with).until(jifen_rules::Month::of(without))),
        _ => None,
    };
    ActionOutcome {
        action,
        ready_on: add_months(as_of, action.min_months),
        reaches_on: timeline.reaches_on,
        falls_on: timeline.falls_on(),
        months_earlier,
        gain: difference.gain,
        gain_on: difference.gain_on,
        no_gain: None,
        with: None,
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

    /// Says why each outcome that gains nothing does so, and for one that needs a higher
    /// base, which base action makes it count and what it then adds.
    fn explain_no_gains<'c>(
        &self,
        mut proposed: Vec<(ActionOutcome<'c>, Scenario, Timeline<'r>)>,
    ) -> Result<Vec<ActionOutcome<'c>>, PlanError> {
        for i in 0..proposed.len() {
            if proposed[i].0.gain > 0 {
                continue;
            }
            let (outcome, scenario, _) = &mut proposed[i];
            let no_gain = advice::why_no_gain(self.book, outcome.action, outcome.ready_on, scenario, self.until)?;
            outcome.no_gain = Some(no_gain);
            let action = outcome.action;
            let Some(partner) = advice::base_partner(no_gain, proposed.iter().map(|(o, _, _)| o.action)) else {
                continue;
            };
            let Some((_, _, partner_timeline)) = proposed.iter().find(|(o, _, _)| std::ptr::eq(o.action, partner))
            else {
                continue;
            };
            let together = Timeline::build(self.book, &mut self.scenario(&[action, partner]), self.until, false)?;
            let difference = Difference::between(partner_timeline, &together);
            if difference.gain > 0 {
                proposed[i].0.with =
                    Some(Partner { action: partner, gain: difference.gain, gain_on: difference.gain_on });
            }
        }
        Ok(proposed.into_iter().map(|(outcome, _, _)| outcome).collect())
    }

    /// Tries sets of actions (at most one per group of `options`, each ready by the deadline)
    /// in order of effort; the first effort level with a set that meets the deadline wins,
    /// and among its sets the earliest to reach, then the one with fewer actions.
    fn search_deadline<'c>(
        &self,
        options: Vec<Vec<&'c Action>>,
        deadline: NaiveDate,
    ) -> Result<DeadlinePlan<'r, 'c>, PlanError> {
        let deadline = deadline.min(self.until);
        let options: Vec<Vec<&'c Action>> = options
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
        // A plan that meets the deadline was scored up to the day it reaches the standard.
        let scored_until = timeline.reaches_on.filter(|_| met).unwrap_or(deadline);
        let mut contributions = Vec::with_capacity(actions.len());
        for (i, _) in actions.iter().enumerate() {
            let others: Vec<&Action> = actions.iter().enumerate().filter(|&(j, _)| j != i).map(|(_, a)| *a).collect();
            let without = Timeline::build(self.book, &mut self.scenario(&others), scored_until, false)?;
            let difference = Difference::over(&without, &timeline, scored_until);
            contributions.push((difference.gain, difference.gain_on));
        }
        Ok(DeadlinePlan {
            deadline,
            met,
            effort: effort(&actions),
            reaches_on: timeline.reaches_on.filter(|date| *date <= deadline),
            actions,
            best_total,
            best_on,
            timeline,
            contributions,
            plans_scored: scored,
        })
    }
}
