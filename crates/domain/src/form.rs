//! The profile form shared by the simulator and the application form: its fields, by name,
//! and the profile JSON they make. The form builds the same JSON a client would send, so
//! validation is the engine's own. An application's draft is kept as these fields, exactly
//! as typed, so that a half-filled form can be saved and shown again.

use crate::application::Problem;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// Rows of insurance history the simulator offers.
pub const INSURANCE_ROWS: usize = 4;
/// Rows of insurance history read from any form (the application form offers more rows).
pub const MAX_INSURANCE_ROWS: usize = 12;

/// The submitted fields, by name; empty fields are left out.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Fields(BTreeMap<String, String>);

impl Fields {
    pub fn new(pairs: Vec<(String, String)>) -> Self {
        Self(pairs.into_iter().map(|(k, v)| (k, v.trim().to_string())).filter(|(_, v)| !v.is_empty()).collect())
    }

    /// Sets (or, with an empty value, removes) one field.
    pub fn set(&mut self, name: &str, value: &str) {
        let value = value.trim();
        if value.is_empty() {
            self.0.remove(name);
        } else {
            self.0.insert(name.to_string(), value.to_string());
        }
    }

    /// Keeps only the fields `keep` accepts (a form takes only the fields it has).
    pub fn retain(&mut self, keep: impl Fn(&str) -> bool) {
        self.0.retain(|name, _| keep(name));
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    pub fn get(&self, name: &str) -> &str {
        self.0.get(name).map_or("", String::as_str)
    }

    pub fn checked(&self, name: &str) -> bool {
        self.0.contains_key(name)
    }

    pub fn with_default(mut self, name: &str, value: String) -> Self {
        self.0.entry(name.to_string()).or_insert(value);
        self
    }

    pub fn text(&self, name: &str) -> Option<Value> {
        Some(self.get(name)).filter(|v| !v.is_empty()).map(|v| Value::String(v.to_string()))
    }

    /// A number field, read as people write amounts ("15,000", "15000元", "１５０００");
    /// text that is not a whole number is passed on as text so that the engine names the
    /// field in its error (the form's own check, [`field_problems`], says it first).
    fn number(&self, name: &str) -> Option<Value> {
        let text = self.get(name);
        if text.is_empty() {
            return None;
        }
        Some(parse_amount(text).map_or_else(|_| Value::String(text.to_string()), Value::from))
    }

    fn dates(&self, name: &str) -> Vec<Value> {
        self.get(name).split([',', '，', ' ']).filter(|d| !d.is_empty()).map(|d| Value::String(d.into())).collect()
    }
}

/// Why a typed amount is not a whole number of yuan (or people, or years).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AmountError {
    Negative,
    Fraction,
    NotANumber,
}

/// A whole, non-negative amount as people type it: digits with thousands separators
/// ("15,000", "15 000"), full-width digits, a currency sign or "元" ("￥15000", "15000元"),
/// and a zero fraction ("15000.00").
pub fn parse_amount(text: &str) -> Result<u64, AmountError> {
    let folded: String = text
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            '－' | '−' => '-',
            '．' => '.',
            other => other,
        })
        .filter(|c| !c.is_whitespace() && !matches!(c, ',' | '，' | '_' | '\''))
        .collect();
    let bare = folded.trim_start_matches(['¥', '￥']).trim_end_matches(['元', '人', '年']);
    let (sign, digits) = match bare.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, bare),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    let is_digits = |part: &str| part.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || !is_digits(whole) || !is_digits(fraction) {
        return Err(AmountError::NotANumber);
    }
    if sign && whole.bytes().chain(fraction.bytes()).any(|b| b != b'0') {
        return Err(AmountError::Negative);
    }
    if fraction.bytes().any(|b| b != b'0') {
        return Err(AmountError::Fraction);
    }
    whole.parse().map_err(|_| AmountError::NotANumber)
}

/// The fields holding amounts or counts, with what they count (for messages).
const AMOUNT_FIELDS: [(&str, &str, &str); 4] = [
    ("tax", "金额（元）", "an amount in yuan"),
    ("hires", "人数", "a number of people"),
    ("remote_years", "年数", "a number of years"),
    ("public_years", "年数", "a number of years"),
];
/// The fields holding one date.
const DATE_FIELDS: [&str; 8] = [
    "as_of",
    "birth_date",
    "edu_graduated_on",
    "qual_obtained_on",
    "spouse_married_on",
    "lingang_since",
    "deadline",
    "permit_valid_until",
];
/// The fields holding dates separated by commas.
const DATE_LIST_FIELDS: [&str; 4] = ["false_materials", "detentions", "crimes", "serious_crimes"];

/// Every problem with how the fields are written, each on its own field, all at once and in
/// plain words: dates and months that are not dates, amounts that are not whole numbers, an
/// insurance period without its base or its start. Whether the facts score is the engine's
/// question, asked after these are fixed.
pub fn field_problems(fields: &Fields) -> Vec<Problem> {
    let mut problems = Vec::new();
    let not_a_date = |field: &str, value: &str| {
        Problem::new(
            field,
            format!("“{value}”不是有效日期，请按 年-月-日 填写，如 2024-07-01"),
            format!("\"{value}\" is not a date; write it as year-month-day, e.g. 2024-07-01"),
        )
    };
    for field in DATE_FIELDS {
        let value = fields.get(field);
        if !value.is_empty() && jifen_rules::calendar::parse_date(value).is_err() {
            problems.push(not_a_date(field, value));
        }
    }
    for field in DATE_LIST_FIELDS {
        if let Some(bad) =
            fields.dates(field).iter().filter_map(Value::as_str).find(|d| jifen_rules::calendar::parse_date(d).is_err())
        {
            problems.push(not_a_date(field, bad));
        }
    }
    for (field, zh, en) in AMOUNT_FIELDS {
        problems.extend(amount_problem(fields, field, zh, en));
    }
    for row in 0..MAX_INSURANCE_ROWS {
        problems.extend(insurance_row_problems(fields, row));
    }
    problems
}

fn amount_problem(fields: &Fields, field: &str, zh: &str, en: &str) -> Option<Problem> {
    let value = fields.get(field);
    if value.is_empty() {
        return None;
    }
    let (why_zh, why_en) = match parse_amount(value).err()? {
        AmountError::Negative => ("不能为负数", "cannot be negative"),
        AmountError::Fraction => ("应为整数", "must be a whole number"),
        AmountError::NotANumber => ("应为数字", "must be a number"),
    };
    Some(Problem::new(
        field,
        format!("“{value}”{why_zh}：请填写不小于 0 的整数{zh}，如 15000"),
        format!("\"{value}\" {why_en}: enter {en} as a whole number of 0 or more, e.g. 15000"),
    ))
}

fn insurance_row_problems(fields: &Fields, row: usize) -> Vec<Problem> {
    let names = [format!("si_from_{row}"), format!("si_to_{row}"), format!("si_base_{row}")];
    let [from, to, base] = [&names[0], &names[1], &names[2]].map(|name| fields.get(name));
    if from.is_empty() && to.is_empty() && base.is_empty() {
        return Vec::new();
    }
    let mut problems = Vec::new();
    let month = |field: &str, value: &str, problems: &mut Vec<Problem>| {
        if value.is_empty() {
            return None;
        }
        let parsed = jifen_rules::calendar::Month::parse(value).ok();
        if parsed.is_none() {
            problems.push(Problem::new(
                field,
                format!("“{value}”不是有效月份，请按 年-月 填写，如 2024-07"),
                format!("\"{value}\" is not a month; write it as year-month, e.g. 2024-07"),
            ));
        }
        parsed
    };
    let start = month(&names[0], from, &mut problems);
    let end = month(&names[1], to, &mut problems);
    if from.is_empty() {
        problems.push(Problem::new(&names[0], "请填写起始月", "Enter the month this period starts"));
    }
    if let (Some(start), Some(end)) = (start, end)
        && end < start
    {
        problems.push(Problem::new(&names[1], "截止月早于起始月", "The period ends before it starts"));
    }
    if base.is_empty() {
        problems.push(Problem::new(&names[2], "请填写月缴费基数（元）", "Enter the monthly base in yuan"));
    } else {
        problems.extend(amount_problem(fields, &names[2], "金额（元）", "an amount in yuan"));
    }
    problems
}

/// The profile JSON the fields describe.
pub fn profile_json(fields: &Fields) -> Value {
    let mut profile = Map::new();
    let mut put = |key: &str, value: Option<Value>| {
        if let Some(value) = value {
            profile.insert(key.to_string(), value);
        }
    };
    put("as_of", fields.text("as_of"));
    put("birth_date", fields.text("birth_date"));
    put("id_number", fields.text("id_number"));
    if let Some(level) = fields.text("edu_level") {
        let mut education = json!({ "level": level });
        education["degree"] = fields.checked("edu_degree").into();
        education["full_time"] = (!fields.checked("edu_part_time")).into();
        education["shortage_major"] = fields.checked("edu_shortage").into();
        if let Some(date) = fields.text("edu_graduated_on") {
            education["graduated_on"] = date;
        }
        put("education", Some(json!([education])));
    }
    if let Some((kind, level)) = fields.get("qual").split_once('_') {
        let level = level.parse::<u8>().map_or_else(|_| Value::String(level.to_string()), Value::from);
        let mut qualification = json!({ "kind": kind, "level": level });
        if let Some(date) = fields.text("qual_obtained_on") {
            qualification["obtained_on"] = date;
        }
        put("qualifications", Some(json!([qualification])));
    }
    let insurance: Vec<Value> = (0..MAX_INSURANCE_ROWS)
        .filter(|row| {
            [format!("si_from_{row}"), format!("si_to_{row}")].iter().any(|name| !fields.get(name).is_empty())
        })
        .map(|row| {
            let mut period = Map::new();
            period.insert("from".into(), fields.text(&format!("si_from_{row}")).unwrap_or(Value::Null));
            // A blank end month is an open range: still insured up to the evaluation date.
            if let Some(to) = fields.text(&format!("si_to_{row}")) {
                period.insert("to".into(), to);
            }
            period.insert("base".into(), fields.number(&format!("si_base_{row}")).unwrap_or(Value::Null));
            // Facts only the centre's reviewer records (see `is_verified_field`).
            if fields.checked(&format!("si_backpaid_{row}")) {
                period.insert("back_paid".into(), Value::Bool(true));
            }
            if fields.checked(&format!("si_otherunit_{row}")) {
                period.insert("unit_matches_contract".into(), Value::Bool(false));
            }
            Value::Object(period)
        })
        .collect();
    if !insurance.is_empty() {
        put("social_insurance", Some(Value::Array(insurance)));
    }
    if let Some(date) = fields.text("spouse_married_on") {
        put("spouse", Some(json!({ "shanghai_hukou": fields.checked("spouse_hukou"), "married_on": date })));
    }
    if let Some(level) = fields.text("award") {
        put("awards", Some(json!([{ "level": level }])));
    }
    if fields.number("tax").is_some() || fields.number("hires").is_some() {
        let mut investment = Map::new();
        investment.extend(fields.number("tax").map(|v| ("avg_annual_tax".to_string(), v)));
        investment.extend(fields.number("hires").map(|v| ("avg_local_hires".to_string(), v)));
        put("investment", Some(Value::Object(investment)));
    }
    put("public_service_years", fields.number("public_years"));
    put("remote_key_area_years", fields.number("remote_years"));
    put("lingang", fields.text("lingang_since").map(|since| json!({ "since": since })));
    put("startup_talent", fields.checked("startup").then_some(Value::Bool(true)));
    put("intermediary_talent", fields.checked("intermediary").then_some(Value::Bool(true)));
    let mut records = Map::new();
    for (key, name) in [("false_materials", "false_materials"), ("detentions", "detentions")] {
        let dates = fields.dates(name);
        if !dates.is_empty() {
            records.insert(key.into(), Value::Array(dates));
        }
    }
    let crimes: Vec<Value> = fields
        .dates("crimes")
        .into_iter()
        .map(|on| json!({ "on": on }))
        .chain(fields.dates("serious_crimes").into_iter().map(|on| json!({ "on": on, "serious": true })))
        .collect();
    if !crimes.is_empty() {
        records.insert("crimes".into(), Value::Array(crimes));
    }
    if fields.checked("family_planning") {
        records.insert("family_planning_violation".into(), Value::Bool(true));
    }
    if !records.is_empty() {
        put("records", Some(Value::Object(records)));
    }
    Value::Object(profile)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jifen_rules::Profile;

    fn fields(pairs: &[(&str, &str)]) -> Fields {
        Fields::new(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect())
    }

    #[test]
    fn the_form_makes_the_profile_a_client_would_send() {
        let form = fields(&[
            ("as_of", "2025-06-30"),
            ("birth_date", "1991-09-09"),
            ("edu_level", "associate"),
            ("si_from_0", "2024-07"),
            ("si_to_0", "2025-06"),
            ("si_base_0", "7000"),
            ("si_from_2", ""),
            ("spouse_hukou", "on"),
            ("spouse_married_on", "2018-03-01"),
            ("qual", "skill_3"),
            ("detentions", "2021-07-01, 2019-06-29"),
        ]);
        let json = profile_json(&form);
        assert_eq!(json["education"][0]["level"], "associate");
        assert_eq!(json["education"][0]["full_time"], true);
        assert_eq!(json["social_insurance"].as_array().unwrap().len(), 1);
        assert_eq!(json["social_insurance"][0]["base"], 7000);
        assert_eq!(json["spouse"]["shanghai_hukou"], true);
        assert_eq!(json["qualifications"][0], json!({"kind": "skill", "level": 3}));
        assert_eq!(json["records"]["detentions"].as_array().unwrap().len(), 2);
        assert!(Profile::from_value(json).is_ok());
    }

    #[test]
    fn a_blank_end_month_is_an_open_range() {
        let form = fields(&[
            ("as_of", "2025-06-30"),
            ("birth_date", "1991-09-09"),
            ("si_from_0", "2024-07"),
            ("si_base_0", "7000"),
        ]);
        let json = profile_json(&form);
        assert_eq!(json["social_insurance"][0], json!({"from": "2024-07", "base": 7000}));
        let profile = Profile::from_value(json).unwrap();
        assert!(profile.social_insurance[0].open);
        assert_eq!(profile.social_insurance[0].to.to_string(), "2025-06");
    }

    #[test]
    fn bad_text_reaches_the_engine_which_names_the_field() {
        let form = fields(&[
            ("birth_date", "1991-09-09"),
            ("si_from_0", "2024-07"),
            ("si_to_0", "2025-06"),
            ("si_base_0", "lots"),
        ]);
        let error = Profile::from_value(profile_json(&form)).unwrap_err();
        assert_eq!(error.path, "social_insurance[0].base");
    }
}

#[cfg(test)]
mod written_as_people_write {
    use super::*;

    fn fields(pairs: &[(&str, &str)]) -> Fields {
        Fields::new(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect())
    }

    #[test]
    fn amounts_read_as_people_write_them() {
        for text in ["15000", "15,000", "15，000", "15 000", "15000元", "￥15000", "¥15,000.00", "１５０００"]
        {
            assert_eq!(parse_amount(text), Ok(15000), "{text}");
        }
        assert_eq!(parse_amount("-5"), Err(AmountError::Negative));
        assert_eq!(parse_amount("15000.5"), Err(AmountError::Fraction));
        assert_eq!(parse_amount("lots"), Err(AmountError::NotANumber));
        assert_eq!(parse_amount("元"), Err(AmountError::NotANumber));
        let json = profile_json(&fields(&[("si_from_0", "2024-07"), ("si_base_0", "15,000元")]));
        assert_eq!(json["social_insurance"][0]["base"], 15000);
    }

    #[test]
    fn every_badly_written_field_is_named_at_once_in_plain_words() {
        let form = fields(&[
            ("birth_date", "1991-13-40"),
            ("si_from_0", "2024-07"),
            ("si_base_0", "-5"),
            ("si_to_1", "2025-06"),
            ("tax", "lots"),
        ]);
        let problems = field_problems(&form);
        let named: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(named, ["birth_date", "tax", "si_base_0", "si_from_1", "si_base_1"]);
        let base = &problems[2];
        assert!(base.zh.contains("不能为负数") && base.en.contains("cannot be negative"), "{base:?}");
        assert!(problems.iter().all(|p| !p.en.contains("invalid type") && !p.en.contains("u64")));
        // An open range (no end month) is not a problem.
        assert!(field_problems(&fields(&[("si_from_0", "2024-07"), ("si_base_0", "7000")])).is_empty());
    }
}
