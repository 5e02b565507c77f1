//! The score over time: the engine run on every date where a score can change, and the
//! changes between one date and the next, item by item.

use crate::scenario::Scenario;
use chrono::{Datelike, Days, NaiveDate};
use jifen_rules::calendar::full_years;
use jifen_rules::{Context, Evaluation, Item, ItemId, Month, ProfileError, RuleBook, RuleSet};

/// One item's change on a date. `before` and `after` are what the item adds to the total
/// (0 when it does not count, as for the lower of education and qualification).
#[derive(Debug, Clone, Copy)]
pub struct Change<'r> {
    pub before: i64,
    pub after: i64,
    /// The item after the change: its points, finding and reference.
    pub item: Item<'r>,
}

impl Change<'_> {
    pub fn delta(&self) -> i64 {
        self.after - self.before
    }
}

/// A date on which the score or an item changed.
#[derive(Debug, Clone)]
pub struct Step<'r> {
    pub date: NaiveDate,
    pub total: i64,
    pub reaches_standard: bool,
    pub rule_set: &'r RuleSet,
    pub changes: Vec<Change<'r>>,
}

#[derive(Debug, Clone)]
pub struct Timeline<'r> {
    pub from: NaiveDate,
    pub until: NaiveDate,
    /// The evaluation on the first date.
    pub start: Evaluation<'r>,
    pub steps: Vec<Step<'r>>,
    /// The first date on which the standard score is reached (and not vetoed).
    pub reaches_on: Option<NaiveDate>,
}

impl<'r> Timeline<'r> {
    /// Scores `scenario` from its evaluation date to `until` on every date where a score
    /// can change. With `stop_when_reached`, stops at the first date reaching the standard.
    pub fn build(
        book: &'r RuleBook,
        scenario: &mut Scenario,
        until: NaiveDate,
        stop_when_reached: bool,
    ) -> Result<Self, ProfileError> {
        let from = scenario.as_of;
        let start = book.evaluate(scenario.profile_on(from), &Context::on(from))?;
        let mut reaches_on = start.reaches_standard.then_some(from);
        let mut previous = counted_points(&start);
        let mut previous_state = (start.reaches_standard, start.rule_set.id.as_str());
        let mut steps = Vec::new();
        if !(stop_when_reached && reaches_on.is_some()) {
            for date in change_dates(book, scenario, from, until) {
                let evaluation = book.evaluate(scenario.profile_on(date), &Context::on(date))?;
                let now = counted_points(&evaluation);
                let changes: Vec<Change> = ItemId::ALL
                    .iter()
                    .enumerate()
                    .filter(|&(i, _)| now[i] != previous[i])
                    .map(|(i, _)| Change { before: previous[i], after: now[i], item: evaluation.items[i] })
                    .collect();
                previous = now;
                // A date matters when an item changes, and also when only the verdict or the
                // rule set does (a veto dropped by new rules changes no item).
                let state = (evaluation.reaches_standard, evaluation.rule_set.id.as_str());
                if changes.is_empty() && state == previous_state {
                    continue;
                }
                previous_state = state;
                if reaches_on.is_none() && evaluation.reaches_standard {
                    reaches_on = Some(date);
                }
                steps.push(Step {
                    date,
                    total: evaluation.total,
                    reaches_standard: evaluation.reaches_standard,
                    rule_set: evaluation.rule_set,
                    changes,
                });
                if stop_when_reached && reaches_on.is_some() {
                    break;
                }
            }
        }
        Ok(Self { from, until, start, steps, reaches_on })
    }

    /// The total on `date` (the start's total before the first step).
    pub fn total_on(&self, date: NaiveDate) -> i64 {
        let index = self.steps.partition_point(|step| step.date <= date);
        match index {
            0 => self.start.total,
            n => self.steps[n - 1].total,
        }
    }

    /// The highest total on or before `date`, and the first date it is reached.
    pub fn best_until(&self, date: NaiveDate) -> (i64, NaiveDate) {
        let mut best = (self.start.total, self.from);
        for step in self.steps.iter().take_while(|step| step.date <= date) {
            if step.total > best.0 {
                best = (step.total, step.date);
            }
        }
        best
    }

    /// The first date after the standard is reached on which the total is below it again.
    pub fn falls_on(&self) -> Option<NaiveDate> {
        let reached = self.reaches_on?;
        self.steps.iter().find(|step| step.date > reached && !step.reaches_standard).map(|step| step.date)
    }

    /// Every fall of an item on a date in `(from, until]`, with its date.
    pub fn falls_between(&self, from: NaiveDate, until: NaiveDate) -> Vec<(NaiveDate, Change<'r>)> {
        self.steps
            .iter()
            .filter(|step| from < step.date && step.date <= until)
            .flat_map(|step| {
                step.changes.iter().filter(|change| change.delta() < 0).map(move |change| (step.date, *change))
            })
            .collect()
    }

    /// Every date on which the total changed.
    pub fn dates(&self) -> impl Iterator<Item = NaiveDate> + '_ {
        std::iter::once(self.from).chain(self.steps.iter().map(|step| step.date))
    }

    /// The total at the start of each month, from the first date to `until`.
    pub fn monthly(&self) -> Vec<(NaiveDate, i64)> {
        let mut series = vec![(self.from, self.start.total)];
        let mut month = Month::of(self.from).plus(1);
        while let Some(date) = month.first_day().filter(|date| *date <= self.until) {
            series.push((date, self.total_on(date)));
            month = month.plus(1);
        }
        series
    }
}

/// What each item contributes to the total (0 for an item that does not count).
fn counted_points(evaluation: &Evaluation) -> [i64; 17] {
    let mut points = [0; 17];
    for (slot, item) in points.iter_mut().zip(&evaluation.items) {
        *slot = if item.counted { item.points } else { 0 };
    }
    points
}

/// The date in `year` on which a yearly anniversary of `date` is reached: the same day, or
/// 1 March for a 29 February in a common year (as `full_years` counts).
fn anniversary(date: NaiveDate, year: i32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(year, date.month(), date.day()).or_else(|| NaiveDate::from_ymd_opt(year, 3, 1))
}

/// Every date in `(from, until]` on which some item of this scenario can change: month
/// starts (insurance months, wage years), anniversaries (age, marriage, years in an area),
/// dates facts are obtained, look-back expiries, and rule changes.
pub fn change_dates(book: &RuleBook, scenario: &Scenario, from: NaiveDate, until: NaiveDate) -> Vec<NaiveDate> {
    let profile = &scenario.profile;
    let mut dates = Vec::with_capacity(160);
    let mut month = Month::of(from).plus(1);
    while let Some(first) = month.first_day().filter(|date| *date <= until) {
        dates.push(first);
        month = month.plus(1);
    }
    let yearly = profile
        .birth_date
        .into_iter()
        .chain(profile.spouse.as_ref().map(|spouse| spouse.married_on))
        .chain(profile.lingang.as_ref().map(|lingang| lingang.since))
        .chain(scenario.anniversary_starts());
    for origin in yearly {
        for year in from.year()..=until.year() {
            dates.extend(anniversary(origin, year).filter(|date| full_years(origin, *date) >= 0));
        }
    }
    dates.extend(profile.qualifications.iter().filter_map(|q| q.obtained_on));
    dates.extend(profile.education.iter().filter_map(|e| e.graduated_on));
    dates.extend(profile.awards.iter().filter_map(|a| a.obtained_on));
    let records = &profile.records;
    let record_dates = records
        .false_materials
        .iter()
        .chain(&records.detentions)
        .copied()
        .chain(records.crimes.iter().map(|crime| crime.on));
    let lookbacks: Vec<u32> = book
        .rule_sets()
        .iter()
        .flat_map(|rules| {
            let d = &rules.deductions;
            [d.false_materials.value.lookback_years, d.detention.value.lookback_years, d.crime.value.lookback_years]
        })
        .collect();
    for date in record_dates {
        dates.push(date);
        for &years in &lookbacks {
            if let Some(anniversary) = date.checked_add_months(chrono::Months::new(years * 12)) {
                dates.push(anniversary);
                dates.extend(anniversary.checked_add_days(Days::new(1)));
            }
        }
    }
    for rules in book.rule_sets() {
        dates.push(rules.effective_from);
        dates.extend(rules.lingang.phases.value.iter().map(|phase| phase.from));
    }
    dates.retain(|date| from < *date && *date <= until);
    dates.sort_unstable();
    dates.dedup();
    dates
}
