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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Assumptions {
    /// Keeps working and insured from the latest insured month on.
    #[serde(default = "yes")]
    #[cfg_attr(feature = "openapi", schema(default = true))]
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
    /// No insured month is listed in `from..=to` (the evaluation month and the two before
    /// it) and no base is given: no future insurance is assumed.
    NotInsured { from: Month, to: Month },
    /// Months in `from..=to` are insured, but none of those earns points (back-paid, or paid
    /// by another unit than the labour contract's): no future insurance is assumed.
    InsuredWithoutPoints { from: Month, to: Month, back_paid: bool, other_unit: bool },
    /// Every month from `from` on that the profile does not list is insured at this base.
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
        // "Still insured" means up to the evaluation month; later months are the projection's.
        projected.close_open_insurance(as_of_month);
        let mut notes = Vec::new();
        let next_month = as_of_month.plus(1);
        let next_month_start = next_month.first_day().unwrap_or(as_of);

        // Existing remote-area and public-service years are assumed to go on.
        let remote_years_at_start = profile.remote_key_area_years;
        let mut remote_since = (remote_years_at_start > 0).then_some(as_of);
        let public_years_at_start = profile.public_service_years;
        let mut public_since = (public_years_at_start > 0).then_some(as_of);

        let mut insurance_actions = InsuranceActions::default();
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
                Effect::Base { ratio_tenths } => insurance_actions.ratio_tenths = Some(*ratio_tenths),
                Effect::ContractUnitPays => insurance_actions.contract_unit_pays = true,
                // Moving where one already works and lives changes nothing.
                Effect::Area(Area::Lingang) if projected.lingang.is_none() => {
                    projected.lingang = Some(Lingang { since: next_month_start })
                }
                Effect::Area(Area::RemoteKeyArea) if remote_since.is_none() => {
                    remote_since = Some(next_month_start);
                    projected.remote_key_area_years = 0;
                }
                Effect::PublicService(_) if public_since.is_none() => {
                    public_since = Some(next_month_start);
                    projected.public_service_years = 0;
                }
                Effect::Area(_) | Effect::PublicService(_) => {}
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
            insurance_actions,
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

    /// Whether this scenario projects exactly the same future as `other` (an action that
    /// changes nothing has been done already).
    pub fn same_future(&self, other: &Scenario) -> bool {
        self.profile == other.profile
            && (self.remote_since, self.remote_years_at_start, self.public_since, self.public_years_at_start)
                == (other.remote_since, other.remote_years_at_start, other.public_since, other.public_years_at_start)
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

/// What actions change about insurance from the month after the evaluation month.
#[derive(Debug, Clone, Copy, Default)]
struct InsuranceActions {
    /// Insured at `ratio_tenths / 10` × the average wage (at least).
    ratio_tenths: Option<u64>,
    /// The labour contract's unit pays every month in its own name, on time.
    contract_unit_pays: bool,
}

/// The insurance listed for the evaluation month and the two before it.
#[derive(Debug, Clone, Copy)]
struct RecentInsurance {
    /// The first and last listed months of the window, if any is listed.
    listed: Option<(Month, Month)>,
    /// Some listed month of the window earns points: the person is currently insured.
    earns_points: bool,
    back_paid: bool,
    other_unit: bool,
}

impl RecentInsurance {
    /// Months before this many months ahead of the evaluation month make "currently insured".
    const WINDOW_MONTHS: i32 = 3;

    fn of(periods: &[InsurancePeriod], as_of_month: Month) -> Self {
        let window_start = as_of_month.plus(1 - Self::WINDOW_MONTHS);
        let mut recent = Self { listed: None, earns_points: false, back_paid: false, other_unit: false };
        for period in periods.iter().filter(|period| period.from <= as_of_month && period.to >= window_start) {
            let (from, to) = (period.from.max(window_start), period.to.min(as_of_month));
            recent.listed = Some(recent.listed.map_or((from, to), |(first, last)| (first.min(from), last.max(to))));
            recent.earns_points |= period.qualifies();
            recent.back_paid |= period.back_paid;
            recent.other_unit |= !period.unit_matches_contract;
        }
        recent
    }

    /// Why nothing is assumed when the person is not currently insured.
    fn not_insured_note(&self, as_of_month: Month) -> AssumptionNote {
        match self.listed {
            Some((from, to)) => AssumptionNote::InsuredWithoutPoints {
                from,
                to,
                back_paid: self.back_paid,
                other_unit: self.other_unit,
            },
            None => AssumptionNote::NotInsured { from: as_of_month.plus(1 - Self::WINDOW_MONTHS), to: as_of_month },
        }
    }
}

/// The base of the latest listed month that earns points, or else of the latest listed month.
fn latest_listed_base(periods: &[InsurancePeriod]) -> Option<u64> {
    let latest =
        |earning: bool| periods.iter().filter(|period| !earning || period.qualifies()).max_by_key(|period| period.to);
    latest(true).or_else(|| latest(false)).map(|period| period.base)
}

/// Makes every listed month after the evaluation month one that the contract's unit pays on
/// time, splitting a range that straddles the evaluation month.
fn move_to_contract_unit(periods: &mut Vec<InsurancePeriod>, as_of_month: Month) {
    let mut later_parts = Vec::new();
    for period in periods.iter_mut().filter(|period| !period.qualifies() && period.to > as_of_month) {
        let mut paid_by_contract_unit = period.clone();
        paid_by_contract_unit.back_paid = false;
        paid_by_contract_unit.unit_matches_contract = true;
        if period.from > as_of_month {
            *period = paid_by_contract_unit;
        } else {
            paid_by_contract_unit.from = as_of_month.plus(1);
            period.to = as_of_month;
            later_parts.push(paid_by_contract_unit);
        }
    }
    periods.extend(later_parts);
}

/// Adds the assumed future insurance months to `profile` (docs/PLAN.md, "Projected
/// insurance"): when the person is currently insured, every month after the evaluation month
/// that the profile does not list, at the base of the latest listed month that earns points.
/// Listed months are never replaced, so today's score is `jifen score`'s and no month is
/// listed twice.
fn project_insurance(
    book: &RuleBook,
    profile: &mut Profile,
    assumptions: &Assumptions,
    actions: InsuranceActions,
    as_of_month: Month,
    until: Month,
    notes: &mut Vec<AssumptionNote>,
) {
    if actions.contract_unit_pays {
        move_to_contract_unit(&mut profile.social_insurance, as_of_month);
    }
    let recent = RecentInsurance::of(&profile.social_insurance, as_of_month);
    // With the contract's unit paying from next month, recent months it did not pay count as
    // work that goes on.
    let currently_insured = recent.earns_points || (actions.contract_unit_pays && recent.listed.is_some());
    let mut base =
        assumptions.base.or(if currently_insured { latest_listed_base(&profile.social_insurance) } else { None });
    let mut insured = assumptions.keeps_insured && base.is_some();
    if base.is_none() && actions.ratio_tenths.is_none() && assumptions.changes.iter().all(|c| c.base.is_none()) {
        notes.push(recent.not_insured_note(as_of_month));
        return;
    }
    let wages = book.wages();
    if let Some(last) = wages.entries.last()
        && until >= last.from.plus(12)
    {
        notes.push(AssumptionNote::WageHeldAt { from: last.from, monthly: last.monthly });
    }
    let listed: Vec<(Month, Month)> = profile.social_insurance.iter().map(|period| (period.from, period.to)).collect();
    let is_listed = |month: Month| listed.iter().any(|&(from, to)| from <= month && month <= to);
    let start = as_of_month.plus(1);
    let mut assumed: Vec<InsurancePeriod> = Vec::new();
    let mut month = start;
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
        if let Some(ratio) = actions.ratio_tenths {
            // The action starts insurance next month; a planned stop still stops it later.
            insured |= month == start;
            // base × 10 ≥ ratio × average, rounded up to whole yuan.
            let needed = (ratio * wages.in_force(month)).div_ceil(10);
            month_base = Some(month_base.map_or(needed, |b| b.max(needed)));
        }
        if let Some(b) = month_base.filter(|_| insured && !is_listed(month)) {
            match assumed.last_mut() {
                Some(run) if run.base == b && run.to.plus(1) == month => run.to = month,
                _ => assumed.push(InsurancePeriod::new(month, month, b)),
            }
        }
        month = month.plus(1);
    }
    if let Some(first) = assumed.first() {
        notes.push(AssumptionNote::InsuredAt { from: first.from, base: first.base });
    }
    profile.social_insurance.extend(assumed);
    profile.social_insurance.sort_by_key(|period| period.from);
}
