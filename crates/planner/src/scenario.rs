//! A person's projected future: the profile, what they assume about the coming months, and
//! the actions they take. Turned into a profile the engine can score on any date.

use crate::catalogue::{Action, Area, Effect};
use chrono::{Months, NaiveDate};
use jifen_rules::calendar::full_years;
use jifen_rules::{Education, InsurancePeriod, Lingang, Month, Profile, Qualification, RuleBook};
use serde::{Deserialize, Serialize};

fn yes() -> bool {
    true
}

/// What to assume about the future (CONTRACT-style JSON, see docs/PLAN.md).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Assumptions {
    /// Keeps working and insured from the latest insured month on.
    #[serde(default = "yes")]
    pub keeps_insured: bool,
    /// The monthly base from now on; by default the base of the latest insured month.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base: Option<u64>,
    /// Yearly growth of the base in percent, applied each January.
    #[serde(default)]
    pub base_growth_percent: u32,
    /// Planned changes from a month on.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<PlannedChange>,
}

impl Default for Assumptions {
    fn default() -> Self {
        Self { keeps_insured: true, base: None, base_growth_percent: 0, changes: Vec::new() }
    }
}

/// From `from` on: a new base, insurance stopping or resuming, or a move of work and home.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlannedChange {
    pub from: Month,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub insured: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub area: Option<Area>,
}

/// Notes the planner makes about its own assumptions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AssumptionNote {
    /// Not insured recently and no base given: no future insurance is assumed.
    NotInsured,
    /// Future months are insured at this base from this month.
    InsuredAt { from: Month, base: u64 },
    /// Future months use the latest average wage (no table entries exist for them).
    WageHeldAt { from: Month, monthly: u64 },
}

/// A profile extended into the future.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// The profile with projected insurance and the facts actions produce.
    pub profile: Profile,
    pub as_of: NaiveDate,
    /// Years in a remote key area grow from this date (existing years keep counting).
    remote_since: Option<NaiveDate>,
    remote_years_at_start: u32,
    public_since: Option<NaiveDate>,
    public_years_at_start: u32,
    pub notes: Vec<AssumptionNote>,
}

impl Scenario {
    /// Projects `profile` (validated, with `as_of` set) up to `until`, then applies `actions`
    /// started on the evaluation date.
    pub fn new(
        book: &RuleBook,
        profile: &Profile,
        assumptions: &Assumptions,
        actions: &[&Action],
        until: NaiveDate,
    ) -> Self {
        let as_of = profile.as_of.unwrap_or(until);
        let as_of_month = Month::of(as_of);
        let mut projected = profile.clone();
        let mut notes = Vec::new();
        let next_month = as_of_month.plus(1);
        let next_month_start = next_month.first_day().unwrap_or(as_of);

        // Existing remote-area and public-service years are assumed to go on.
        let remote_years_at_start = profile.remote_key_area_years;
        let mut remote_since = (remote_years_at_start > 0).then_some(as_of);
        let public_years_at_start = profile.public_service_years;
        let mut public_since = (public_years_at_start > 0).then_some(as_of);

        let mut ratio_from_next_month = None;
        for action in actions {
            let ready = add_months(as_of, action.min_months);
            match &action.effect {
                Effect::Qualification { kind, level } => {
                    let mut qualification = Qualification::new(*kind, *level);
                    qualification.obtained_on = Some(ready);
                    projected.qualifications.push(qualification);
                }
                Effect::Education { level, degree } => {
                    let mut education = Education::new(*level);
                    education.degree = *degree;
                    education.full_time = false;
                    education.graduated_on = Some(ready);
                    projected.education.push(education);
                }
                Effect::Base { ratio_tenths } => ratio_from_next_month = Some(*ratio_tenths),
                Effect::Area(Area::Lingang) => projected.lingang = Some(Lingang { since: next_month_start }),
                Effect::Area(Area::RemoteKeyArea) => {
                    remote_since = Some(next_month_start);
                    projected.remote_key_area_years = 0;
                }
                Effect::PublicService(_) => {
                    public_since = Some(next_month_start);
                    projected.public_service_years = 0;
                }
            }
        }
        for change in &assumptions.changes {
            let start = change.from.first_day().unwrap_or(as_of);
            match change.area {
                Some(Area::Lingang) if projected.lingang.is_none() => {
                    projected.lingang = Some(Lingang { since: start })
                }
                Some(Area::RemoteKeyArea) if remote_since.is_none() => remote_since = Some(start),
                _ => {}
            }
        }
        project_insurance(
            book,
            &mut projected,
            assumptions,
            ratio_from_next_month,
            as_of_month,
            Month::of(until),
            &mut notes,
        );
        let (remote_years_at_start, public_years_at_start) = (
            if remote_since == Some(as_of) { remote_years_at_start } else { 0 },
            if public_since == Some(as_of) { public_years_at_start } else { 0 },
        );
        Self {
            profile: projected,
            as_of,
            remote_since,
            remote_years_at_start,
            public_since,
            public_years_at_start,
            notes,
        }
    }

    /// The profile as of `date`: years that grow with time are brought up to that date.
    pub fn profile_on(&mut self, date: NaiveDate) -> &Profile {
        self.profile.as_of = Some(date);
        let grown = |since: Option<NaiveDate>, at_start: u32| {
            since.map_or(at_start, |since| {
                let extra = full_years(since, date).max(0) as u32;
                (at_start + extra).min(jifen_rules::MAX_YEARS)
            })
        };
        self.profile.remote_key_area_years = grown(self.remote_since, self.remote_years_at_start);
        self.profile.public_service_years = grown(self.public_since, self.public_years_at_start);
        &self.profile
    }

    /// Dates on which yearly counts of this scenario grow.
    pub fn anniversary_starts(&self) -> impl Iterator<Item = NaiveDate> + '_ {
        [self.remote_since, self.public_since].into_iter().flatten()
    }
}

/// `date` plus `months` months (the last day of the month when the day does not exist).
pub fn add_months(date: NaiveDate, months: u32) -> NaiveDate {
    date.checked_add_months(Months::new(months)).unwrap_or(NaiveDate::MAX)
}

/// Appends the assumed future insurance months to `profile`.
fn project_insurance(
    book: &RuleBook,
    profile: &mut Profile,
    assumptions: &Assumptions,
    ratio_from_next_month: Option<u64>,
    as_of_month: Month,
    until: Month,
    notes: &mut Vec<AssumptionNote>,
) {
    let latest = profile.social_insurance.iter().filter(|p| p.qualifies()).max_by_key(|p| p.to).cloned();
    // Insured in the evaluation month or the two before it counts as "currently insured".
    // Only months after the evaluation month are assumed, so the score today is the
    // engine's score of the profile as given.
    let current = latest.as_ref().filter(|period| period.to >= as_of_month.plus(-2));
    let start = current.map_or(as_of_month, |period| period.to).max(as_of_month).plus(1);
    let mut base = assumptions.base.or(current.map(|period| period.base));
    let mut insured = assumptions.keeps_insured && base.is_some();
    if base.is_none() && ratio_from_next_month.is_none() && assumptions.changes.iter().all(|c| c.base.is_none()) {
        notes.push(AssumptionNote::NotInsured);
        return;
    }
    let wages = book.wages();
    if let Some(last) = wages.entries.last()
        && until >= last.from.plus(12)
    {
        notes.push(AssumptionNote::WageHeldAt { from: last.from, monthly: last.monthly });
    }
    let mut month = start;
    let mut run: Option<InsurancePeriod> = None;
    while month <= until {
        if month.month() == 1 && month > start {
            base = base.map(|b| b.saturating_mul(u64::from(100 + assumptions.base_growth_percent)) / 100);
        }
        for change in assumptions.changes.iter().filter(|change| change.from == month) {
            if let Some(new_base) = change.base {
                base = Some(new_base);
                insured = change.insured.unwrap_or(true);
            }
            if let Some(now_insured) = change.insured {
                insured = now_insured;
            }
        }
        let mut month_base = base;
        if let Some(ratio) = ratio_from_next_month.filter(|_| month > as_of_month) {
            // base × 10 ≥ ratio × average, rounded up to whole yuan.
            let needed = (ratio * wages.in_force(month)).div_ceil(10);
            month_base = Some(month_base.map_or(needed, |b| b.max(needed)));
            insured = true;
        }
        match (insured, month_base) {
            (true, Some(b)) => match &mut run {
                Some(period) if period.base == b && period.to.plus(1) == month => period.to = month,
                _ => {
                    if let Some(done) = run.take() {
                        profile.social_insurance.push(done);
                    }
                    run = Some(InsurancePeriod::new(month, month, b));
                }
            },
            _ => {
                if let Some(done) = run.take() {
                    profile.social_insurance.push(done);
                }
            }
        }
        month = month.plus(1);
    }
    if let Some(done) = run.take() {
        profile.social_insurance.push(done);
    }
    if let Some(first) = profile.social_insurance.iter().filter(|p| p.from >= start).min_by_key(|p| p.from) {
        notes.push(AssumptionNote::InsuredAt { from: first.from, base: first.base });
    }
}
