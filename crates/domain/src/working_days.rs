//! Shanghai's working days, kept as data (`data/calendar.toml`): the clocks of the district
//! centre (acceptance, correction deadlines, review) run in working days, which depend on
//! each year's holiday arrangement. A date outside the listed years is an error that names
//! the last covered day, never a guess that would put a wrong due date on a page.

use chrono::{Datelike, Days, NaiveDate, Weekday};
use serde::Deserialize;
use std::collections::BTreeSet;

/// The calendar file that ships with jifen.
pub const EMBEDDED_CALENDAR: &str = include_str!("../data/calendar.toml");

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    /// The calendar file itself is wrong.
    #[error("working-day calendar: {0}")]
    Invalid(String),
    /// The date lies outside the years the calendar lists.
    #[error("the working-day calendar covers {first} to {last}; {date} is outside it")]
    NotCovered { date: NaiveDate, first: NaiveDate, last: NaiveDate },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CalendarFile {
    year: Vec<YearFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct YearFile {
    year: i32,
    source: String,
    confidence: String,
    holidays: Vec<String>,
    workdays: Vec<String>,
}

/// The working days of the years the calendar lists.
#[derive(Debug, Clone)]
pub struct WorkingCalendar {
    first: NaiveDate,
    last: NaiveDate,
    holidays: BTreeSet<NaiveDate>,
    workdays: BTreeSet<NaiveDate>,
}

impl WorkingCalendar {
    /// The calendar that ships with jifen, checked once.
    pub fn embedded() -> Result<&'static Self, CalendarError> {
        static CALENDAR: std::sync::OnceLock<Result<WorkingCalendar, CalendarError>> = std::sync::OnceLock::new();
        CALENDAR.get_or_init(|| Self::parse(EMBEDDED_CALENDAR)).as_ref().map_err(Clone::clone)
    }

    /// Reads and checks a calendar: consecutive years, each with its source; every date in
    /// its own year; holidays and make-up working days apart; make-up days on weekends.
    pub fn parse(text: &str) -> Result<Self, CalendarError> {
        let invalid = |message: String| CalendarError::Invalid(message);
        let file: CalendarFile = toml::from_str(text).map_err(|e| invalid(e.to_string()))?;
        let (Some(first_year), Some(last_year)) = (file.year.first(), file.year.last()) else {
            return Err(invalid("no year is listed".into()));
        };
        let (first, last) = (jan_1(first_year.year)?, dec_31(last_year.year)?);
        let mut holidays = BTreeSet::new();
        let mut workdays = BTreeSet::new();
        for (index, year) in file.year.iter().enumerate() {
            if year.year != first_year.year + index as i32 {
                return Err(invalid(format!("years must follow each other; {} is out of order", year.year)));
            }
            if year.source.trim().is_empty() || !matches!(year.confidence.as_str(), "high" | "medium" | "low") {
                return Err(invalid(format!(
                    "{}: a source and a confidence (high, medium, low) are required",
                    year.year
                )));
            }
            for entry in &year.holidays {
                let (from, to) = match entry.split_once("..") {
                    Some((from, to)) => (date(from)?, date(to)?),
                    None => (date(entry)?, date(entry)?),
                };
                if from > to {
                    return Err(invalid(format!("{entry}: the range runs backwards")));
                }
                for day in from.iter_days().take_while(|day| *day <= to) {
                    in_year(day, year.year)?;
                    holidays.insert(day);
                }
            }
            for entry in &year.workdays {
                let day = date(entry)?;
                in_year(day, year.year)?;
                if !is_weekend(day) {
                    return Err(invalid(format!("{day} is a weekday: only weekend days are made working days")));
                }
                if holidays.contains(&day) {
                    return Err(invalid(format!("{day} is both a holiday and a working day")));
                }
                workdays.insert(day);
            }
        }
        Ok(Self { first, last, holidays, workdays })
    }

    /// The first day the calendar covers.
    pub fn covered_from(&self) -> NaiveDate {
        self.first
    }

    /// The last day the calendar covers.
    pub fn covered_until(&self) -> NaiveDate {
        self.last
    }

    /// Days from `today` to the end of the calendar (0 or less: it has run out).
    pub fn days_left(&self, today: NaiveDate) -> i64 {
        (self.last - today).num_days()
    }

    fn covered(&self, date: NaiveDate) -> Result<(), CalendarError> {
        if date < self.first || date > self.last {
            return Err(CalendarError::NotCovered { date, first: self.first, last: self.last });
        }
        Ok(())
    }

    /// Whether `date` is a working day in Shanghai.
    pub fn is_working_day(&self, date: NaiveDate) -> Result<bool, CalendarError> {
        self.covered(date)?;
        Ok(self.workdays.contains(&date) || !(is_weekend(date) || self.holidays.contains(&date)))
    }

    /// The day on which `count` working days after `start` have passed: a clock started on
    /// `start` with `count` working days falls due at the end of that day (`start` itself
    /// does not count).
    pub fn add_working_days(&self, start: NaiveDate, count: u32) -> Result<NaiveDate, CalendarError> {
        self.covered(start)?;
        let mut day = start;
        let mut left = count;
        while left > 0 {
            day = day.checked_add_days(Days::new(1)).ok_or(CalendarError::NotCovered {
                date: day,
                first: self.first,
                last: self.last,
            })?;
            if self.is_working_day(day)? {
                left -= 1;
            }
        }
        Ok(day)
    }

    /// Working days after `from` up to and including `to` (0 when `to` is not after `from`).
    pub fn working_days_between(&self, from: NaiveDate, to: NaiveDate) -> Result<u32, CalendarError> {
        self.covered(from)?;
        self.covered(to)?;
        let mut count = 0;
        for day in from.iter_days().skip(1).take_while(|day| *day <= to) {
            if self.is_working_day(day)? {
                count += 1;
            }
        }
        Ok(count)
    }
}

fn is_weekend(date: NaiveDate) -> bool {
    matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
}

fn date(text: &str) -> Result<NaiveDate, CalendarError> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| CalendarError::Invalid(format!("{text:?} is not a date (YYYY-MM-DD)")))
}

fn in_year(date: NaiveDate, year: i32) -> Result<(), CalendarError> {
    if date.year() != year {
        return Err(CalendarError::Invalid(format!("{date} is listed under {year}")));
    }
    Ok(())
}

fn jan_1(year: i32) -> Result<NaiveDate, CalendarError> {
    NaiveDate::from_ymd_opt(year, 1, 1).ok_or_else(|| CalendarError::Invalid(format!("year {year}")))
}

fn dec_31(year: i32) -> Result<NaiveDate, CalendarError> {
    NaiveDate::from_ymd_opt(year, 12, 31).ok_or_else(|| CalendarError::Invalid(format!("year {year}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn holidays_and_make_up_days_decide_what_a_working_day_is() {
        let calendar = WorkingCalendar::embedded().unwrap();
        let working = |text| calendar.is_working_day(day(text)).unwrap();
        assert!(working("2025-09-26"), "a Friday");
        assert!(!working("2025-09-27"), "a Saturday");
        assert!(working("2025-09-28"), "a Sunday made a working day before National Day");
        assert!(!working("2025-10-08"), "the eighth day of the 2025 National Day holiday");
        assert!(working("2024-02-18"), "a Sunday worked after the 2024 Spring Festival");
        assert!(!working("2026-02-23"), "the last day of the 2026 Spring Festival holiday");
        assert!(!working("2024-06-10"), "Dragon Boat Festival 2024, a Monday");
    }

    /// The process sets every deadline from this calendar, so the calendar shipped must reach
    /// past the longest clock a state starts today, with a month to spare in which to add the
    /// next year's holidays. This is the one test that fails because of the date it runs on,
    /// on purpose: it fails a month before a server would refuse to set a deadline.
    #[test]
    fn the_shipped_calendar_reaches_past_the_longest_clock_started_today() {
        let calendar = WorkingCalendar::embedded().unwrap();
        let workflow = crate::workflow::Workflow::embedded().unwrap();
        let longest =
            workflow.states.iter().filter_map(|s| s.sla_working_days.max(s.deadline_working_days)).max().unwrap();
        let today = crate::clock::today_in_shanghai();
        let due = calendar.add_working_days(today, longest);
        let month_to_spare = due.as_ref().map(|due| calendar.days_left(*due) >= 30);
        assert_eq!(
            month_to_spare,
            Ok(true),
            "the working-day calendar (crates/domain/data/calendar.toml) ends {}: add the next year's holidays \
             from the State Council's arrangement (published each November); a clock of {longest} working days \
             started today falls due {due:?}",
            calendar.covered_until()
        );
    }

    #[test]
    fn clocks_count_working_days_across_holidays() {
        let calendar = WorkingCalendar::embedded().unwrap();
        // From Friday 26 September 2025: the make-up Sunday, two days, the eight-day holiday,
        // two days, the make-up Saturday, then four more.
        assert_eq!(calendar.add_working_days(day("2025-09-26"), 10).unwrap(), day("2025-10-16"));
        assert_eq!(calendar.add_working_days(day("2025-09-26"), 0).unwrap(), day("2025-09-26"));
        assert_eq!(calendar.working_days_between(day("2025-09-26"), day("2025-10-16")).unwrap(), 10);
        assert_eq!(calendar.working_days_between(day("2025-10-16"), day("2025-09-26")).unwrap(), 0);
        // Over a year's end.
        assert_eq!(calendar.add_working_days(day("2024-12-30"), 2).unwrap(), day("2025-01-02"));
    }

    #[test]
    fn a_date_outside_the_calendar_is_an_error_never_a_guess() {
        let calendar = WorkingCalendar::embedded().unwrap();
        let last = calendar.covered_until();
        let after = last.succ_opt().unwrap();
        assert!(matches!(calendar.is_working_day(after), Err(CalendarError::NotCovered { .. })));
        let running_out = calendar.add_working_days(last.pred_opt().unwrap(), 5).unwrap_err();
        assert!(running_out.to_string().contains(&last.to_string()), "{running_out}");
        assert!(calendar.is_working_day(day("2023-12-29")).is_err(), "before the first year");
        assert_eq!(calendar.days_left(last), 0);
        assert!(calendar.days_left(after) < 0, "run out");
    }

    #[test]
    fn a_wrong_calendar_is_refused_with_the_reason() {
        let year = |y: u32, holidays: &str, workdays: &str| {
            format!(
                "[[year]]\nyear = {y}\nsource = \"s\"\nconfidence = \"high\"\nholidays = [{holidays}]\nworkdays = [{workdays}]\n"
            )
        };
        let refused = |text: String, words: &str| {
            let error = WorkingCalendar::parse(&text).unwrap_err().to_string();
            assert!(error.contains(words), "{error} should say {words}");
        };
        refused(year(2025, "", "\"2025-09-29\""), "weekday");
        refused(year(2025, "\"2025-09-28\"", "\"2025-09-28\""), "both");
        refused(year(2025, "\"2024-12-31\"", ""), "listed under 2025");
        refused(year(2025, "\"2025-10-08..2025-10-01\"", ""), "backwards");
        refused(year(2024, "", "") + &year(2026, "", ""), "follow each other");
        refused("year = []".into(), "no year");
    }
}
