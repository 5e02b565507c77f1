//! The profile form shared by the simulator and the application form: its fields, by name,
//! and the profile JSON they make. The form builds the same JSON a client would send, so
//! validation is the engine's own. An application's draft is kept as these fields, exactly
//! as typed, so that a half-filled form can be saved and shown again.

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

    /// A number field; text that is not a whole number is passed on as text so that the
    /// engine names the field in its error.
    fn number(&self, name: &str) -> Option<Value> {
        let text = self.get(name);
        if text.is_empty() {
            return None;
        }
        Some(text.parse::<u64>().map_or_else(|_| Value::String(text.to_string()), Value::from))
    }

    fn dates(&self, name: &str) -> Vec<Value> {
        self.get(name).split([',', '，', ' ']).filter(|d| !d.is_empty()).map(|d| Value::String(d.into())).collect()
    }
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
