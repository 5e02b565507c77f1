//! The one place the application reads the calendar: today's date in Asia/Shanghai (UTC+8,
//! no daylight saving since 1991), used when a profile has no `as_of` and as an
//! application's date; and stored UTC times as Shanghai wall-clock time for people.

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeDelta, Utc};

const SHANGHAI_OFFSET_HOURS: i64 = 8;
/// How far Shanghai's clocks are ahead of UTC, for counting its days in a database query.
pub const SHANGHAI_OFFSET_MILLIS: i64 = SHANGHAI_OFFSET_HOURS * 3_600_000;

pub fn today_in_shanghai() -> NaiveDate {
    (Utc::now().naive_utc() + TimeDelta::hours(SHANGHAI_OFFSET_HOURS)).date()
}

/// Today as the application process sees it: Shanghai's date, moved by a number of days
/// only where a test needs a year to pass (a renewal, a lapsed deadline). Clones share it.
#[derive(Debug, Clone, Default)]
pub struct Clock {
    offset_days: std::sync::Arc<std::sync::atomic::AtomicI64>,
}

impl Clock {
    pub fn today(&self) -> NaiveDate {
        let days = self.offset_days.load(std::sync::atomic::Ordering::Relaxed);
        today_in_shanghai() + TimeDelta::days(days)
    }

    /// Moves today by `days` (tests only: a server never travels).
    pub fn travel(&self, days: i64) {
        self.offset_days.fetch_add(days, std::sync::atomic::Ordering::Relaxed);
    }
}

/// A stored time (UTC milliseconds) as Shanghai wall-clock time.
pub fn shanghai_datetime(millis: i64) -> NaiveDateTime {
    DateTime::from_timestamp_millis(millis).unwrap_or_default().naive_utc() + TimeDelta::hours(SHANGHAI_OFFSET_HOURS)
}

/// The first moment of `date` in Shanghai, as a stored time (UTC milliseconds).
pub fn shanghai_day_start(date: NaiveDate) -> i64 {
    (date.and_time(chrono::NaiveTime::MIN) - TimeDelta::hours(SHANGHAI_OFFSET_HOURS)).and_utc().timestamp_millis()
}

/// `2026-11-26 20:30`, Shanghai time.
pub fn shanghai_time(millis: i64) -> String {
    shanghai_datetime(millis).format("%Y-%m-%d %H:%M").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_times_are_shown_in_shanghai() {
        // 2026-11-26 16:30 UTC is 2026-11-27 00:30 in Shanghai.
        let millis = DateTime::parse_from_rfc3339("2026-11-26T16:30:00Z").unwrap().timestamp_millis();
        assert_eq!(shanghai_time(millis), "2026-11-27 00:30");
        assert_eq!(shanghai_datetime(millis).date(), NaiveDate::from_ymd_opt(2026, 11, 27).unwrap());
    }

    #[test]
    fn a_shanghai_day_starts_at_four_in_the_afternoon_utc_the_day_before() {
        let day = NaiveDate::from_ymd_opt(2026, 11, 27).unwrap();
        let start = DateTime::parse_from_rfc3339("2026-11-26T16:00:00Z").unwrap().timestamp_millis();
        assert_eq!(shanghai_day_start(day), start);
        assert_eq!(shanghai_datetime(start).date(), day);
        assert_eq!(shanghai_datetime(start - 1).date(), day.pred_opt().unwrap());
    }
}
