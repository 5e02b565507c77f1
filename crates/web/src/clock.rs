//! The one place the application reads the clock: today's date in Asia/Shanghai (UTC+8,
//! no daylight saving since 1991), used when a profile has no `as_of`.

use chrono::{NaiveDate, TimeDelta, Utc};

pub fn today_in_shanghai() -> NaiveDate {
    (Utc::now().naive_utc() + TimeDelta::hours(8)).date()
}
