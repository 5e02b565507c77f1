//! Civil dates and months, with the date arithmetic the rules need spelled out.
//!
//! Dates are `chrono::NaiveDate`; months are [`Month`], a count of months since year 0 so
//! that windows ("the 48 months ending with the as_of month") are plain integer ranges.

use chrono::{Datelike, Months, NaiveDate};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// Deserializes a string by parsing it in place: borrowed text is never copied, so a
/// profile's dates, months and words cost no allocation.
pub(crate) fn deserialize_parsed<'de, D, T>(
    deserializer: D,
    parse: fn(&str) -> Result<T, String>,
) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
{
    struct ParseVisitor<T>(fn(&str) -> Result<T, String>);

    impl<T> serde::de::Visitor<'_> for ParseVisitor<T> {
        type Value = T;

        fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
            formatter.write_str("a string")
        }

        fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<T, E> {
            (self.0)(text).map_err(E::custom)
        }
    }

    deserializer.deserialize_str(ParseVisitor(parse))
}

/// A calendar month (`YYYY-MM`).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month(i32);

impl Month {
    pub fn new(year: i32, month: u32) -> Option<Self> {
        (1..=12).contains(&month).then(|| Self(year * 12 + month as i32 - 1))
    }

    pub fn of(date: NaiveDate) -> Self {
        Self(date.year() * 12 + date.month0() as i32)
    }

    pub fn year(self) -> i32 {
        self.0.div_euclid(12)
    }

    /// 1 to 12.
    pub fn month(self) -> u32 {
        self.0.rem_euclid(12) as u32 + 1
    }

    /// The month `n` months later (earlier when `n` is negative).
    pub fn plus(self, n: i32) -> Self {
        Self(self.0.saturating_add(n))
    }

    /// Months from `self` to `later`, negative when `later` is earlier.
    pub fn until(self, later: Month) -> i32 {
        later.0.saturating_sub(self.0)
    }

    /// The first day of the month.
    pub fn first_day(self) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(self.year(), self.month(), 1)
    }

    pub fn parse(text: &str) -> Result<Self, String> {
        let bytes = text.as_bytes();
        let well_formed =
            bytes.len() == 7 && bytes[4] == b'-' && bytes[..4].iter().chain(&bytes[5..]).all(u8::is_ascii_digit);
        if !well_formed {
            return Err(format!("\"{text}\" is not a month; expected YYYY-MM"));
        }
        let (year, month) = (digits(&bytes[..4]) as i32, digits(&bytes[5..]));
        Self::new(year, month).ok_or_else(|| format!("\"{text}\": month must be 01 to 12"))
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year(), self.month())
    }
}

impl fmt::Debug for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl Serialize for Month {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Month {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserialize_parsed(deserializer, Month::parse)
    }
}

/// The number that ASCII `digits` (checked by the caller, at most nine) write.
fn digits(digits: &[u8]) -> u32 {
    digits.iter().fold(0, |value, &digit| value * 10 + u32::from(digit - b'0'))
}

/// Parses a strict `YYYY-MM-DD` date, naming what is wrong with an impossible one.
pub fn parse_date(text: &str) -> Result<NaiveDate, String> {
    let bytes = text.as_bytes();
    let well_formed = bytes.len() == 10
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && [0, 1, 2, 3, 5, 6, 8, 9].iter().all(|&i| bytes[i].is_ascii_digit());
    if !well_formed {
        return Err(format!("\"{text}\" is not a date; expected YYYY-MM-DD"));
    }
    let (year, month, day) = (digits(&bytes[..4]) as i32, digits(&bytes[5..7]), digits(&bytes[8..]));
    if !(1..=12).contains(&month) {
        return Err(format!("\"{text}\" is not a date: month must be 01 to 12"));
    }
    NaiveDate::from_ymd_opt(year, month, day)
        .ok_or_else(|| format!("\"{text}\" is not a date: {year:04}-{month:02} has no day {day}"))
}

/// Calls `use_text` with `date` as `YYYY-MM-DD` (chrono's `%Y-%m-%d`), written without
/// chrono's formatter for the four-digit years every real date has: results carry dates and
/// are written by the hundred thousand.
pub fn with_date_text<R>(date: NaiveDate, use_text: impl FnOnce(&str) -> R) -> R {
    let (year, month, day) = (date.year(), date.month(), date.day());
    if !(0..=9999).contains(&year) {
        return use_text(&date.format("%Y-%m-%d").to_string());
    }
    let digit = |value: u32| b'0' + (value % 10) as u8;
    let year = year as u32;
    let text = [
        digit(year / 1000),
        digit(year / 100),
        digit(year / 10),
        digit(year),
        b'-',
        digit(month / 10),
        digit(month),
        b'-',
        digit(day / 10),
        digit(day),
    ];
    // Digits and dashes are ASCII.
    use_text(std::str::from_utf8(&text).unwrap_or_default())
}

/// Serde adapter for strict `YYYY-MM-DD` dates (use with `#[serde(with = "...")]`).
pub mod date_format {
    use super::*;

    pub fn serialize<S: Serializer>(date: &NaiveDate, serializer: S) -> Result<S::Ok, S::Error> {
        with_date_text(*date, |text| serializer.serialize_str(text))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<NaiveDate, D::Error> {
        deserialize_parsed(deserializer, parse_date)
    }
}

/// Serde adapter for optional strict dates.
pub mod option_date_format {
    use super::*;

    pub fn serialize<S: Serializer>(date: &Option<NaiveDate>, serializer: S) -> Result<S::Ok, S::Error> {
        match date {
            Some(date) => date_format::serialize(date, serializer),
            None => serializer.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<NaiveDate>, D::Error> {
        #[derive(Deserialize)]
        struct Strict(#[serde(with = "date_format")] NaiveDate);
        Ok(Option::<Strict>::deserialize(deserializer)?.map(|strict| strict.0))
    }
}

/// Serde adapter for lists of strict dates.
pub mod date_list_format {
    use super::*;

    #[derive(Serialize, Deserialize)]
    struct Strict(#[serde(with = "date_format")] NaiveDate);

    pub fn serialize<S: Serializer>(dates: &[NaiveDate], serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(dates.iter().map(|d| Strict(*d)))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<NaiveDate>, D::Error> {
        Ok(Vec::<Strict>::deserialize(deserializer)?.into_iter().map(|s| s.0).collect())
    }
}

/// Full years (周岁) from `start` to `end`: the anniversary is reached on the same month and
/// day, and a 29 February anniversary in a common year is reached on 1 March. Negative when
/// `end` is before `start`.
pub fn full_years(start: NaiveDate, end: NaiveDate) -> i32 {
    let mut years = end.year() - start.year();
    if (end.month(), end.day()) < (start.month(), start.day()) {
        years -= 1;
    }
    years
}

/// The date `years` years before `date`; 29 February becomes 28 February in a common year.
pub fn years_before(date: NaiveDate, years: u32) -> NaiveDate {
    date.checked_sub_months(Months::new(years.saturating_mul(12))).unwrap_or(NaiveDate::MIN)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> NaiveDate {
        parse_date(text).unwrap()
    }

    #[test]
    fn a_leap_day_birthday_is_reached_on_the_first_of_march_in_common_years() {
        let born = d("2000-02-29");
        assert_eq!(full_years(born, d("2018-02-28")), 17);
        assert_eq!(full_years(born, d("2018-03-01")), 18);
        assert_eq!(full_years(born, d("2020-02-28")), 19);
        assert_eq!(full_years(born, d("2020-02-29")), 20);
    }

    #[test]
    fn years_before_a_leap_day_is_the_28th() {
        assert_eq!(years_before(d("2024-02-29"), 3), d("2021-02-28"));
        assert_eq!(years_before(d("2024-02-29"), 4), d("2020-02-29"));
        assert_eq!(years_before(d("2025-06-30"), 5), d("2020-06-30"));
    }

    #[test]
    fn impossible_dates_say_why() {
        assert!(parse_date("2025-02-29").unwrap_err().contains("has no day 29"));
        assert!(parse_date("2025-13-01").unwrap_err().contains("month must be"));
        assert!(parse_date("2025-1-01").unwrap_err().contains("expected YYYY-MM-DD"));
        assert!(parse_date("２０２５-01-01").is_err());
        assert_eq!(d("2024-02-29").day(), 29);
    }

    #[test]
    fn months_count_and_print() {
        let m = Month::parse("2025-06").unwrap();
        assert_eq!(m.plus(-47).to_string(), "2021-07");
        assert_eq!(Month::parse("2024-12").unwrap().plus(1).to_string(), "2025-01");
        assert_eq!(Month::parse("2021-07").unwrap().until(m), 47);
        assert!(Month::parse("2025-00").is_err());
        assert!(Month::parse("2025/01").is_err());
    }
}
