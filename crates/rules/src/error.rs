//! Errors in a profile: always a field path, a stable machine code, and a message in the
//! caller's language.

use crate::calendar::Month;
use crate::lang::Lang;
use crate::profile::QualificationKind;
use chrono::NaiveDate;
use jifen_ids::ResidentIdError;
use std::fmt;

#[derive(Debug, Clone, PartialEq)]
pub struct ProfileError {
    /// Path of the offending field, e.g. `education[0].level`; empty for the whole document.
    pub path: String,
    pub kind: ProfileErrorKind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ProfileErrorKind {
    /// Not JSON at all (message from the parser).
    Syntax(String),
    /// JSON of the wrong shape: unknown field, wrong type, unknown word, impossible date.
    Invalid(String),
    IdNumber(ResidentIdError),
    BirthDateMissing,
    BirthDateMismatch {
        in_id: NaiveDate,
        given: NaiveDate,
    },
    LevelMismatch {
        kind: QualificationKind,
    },
    RangeReversed {
        from: Month,
        to: Month,
    },
    OverlappingMonths {
        month: Month,
        other: usize,
    },
    /// A range has no `to`, but range `first` is already open.
    SecondOpenRange {
        first: usize,
    },
    /// An open range starts after the evaluation month.
    OpenRangeAfterEvaluation {
        from: Month,
        evaluation_month: Month,
    },
    /// A range has `month` within the open range `open`.
    OverlapsOpenRange {
        month: Month,
        open: usize,
    },
    TooLarge {
        max: u64,
    },
    Percent,
    Underage {
        age: i32,
        minimum: u32,
        as_of: NaiveDate,
    },
    NoRuleSetInForce {
        as_of: NaiveDate,
        earliest: String,
        earliest_from: NaiveDate,
    },
    UnknownRuleSet {
        id: String,
        known: Vec<String>,
    },
}

impl ProfileError {
    pub fn new(path: impl Into<String>, kind: ProfileErrorKind) -> Self {
        Self { path: path.into(), kind }
    }

    /// A document that is not JSON.
    pub fn syntax(error: &serde_json::Error) -> Self {
        let message = strip_position(error);
        Self::new("", ProfileErrorKind::Syntax(format!("{message} (line {}, column {})", error.line(), error.column())))
    }

    /// An error of JSON read with path tracking (serde_path_to_error), e.g. a document that
    /// wraps a profile.
    pub fn from_serde(error: serde_path_to_error::Error<serde_json::Error>) -> Self {
        let path = error.path().to_string();
        let inner = error.inner();
        let message = strip_position(inner);
        let kind = if inner.is_data() {
            ProfileErrorKind::Invalid(message)
        } else {
            ProfileErrorKind::Syntax(format!("{message} (line {}, column {})", inner.line(), inner.column()))
        };
        // A syntax error has a position, not a field; serde_path_to_error reports "." for
        // the root and "?" where it lost track.
        let path = if !inner.is_data() || path == "." || path == "?" { String::new() } else { path };
        Self { path, kind }
    }

    /// A stable machine code for APIs and translations.
    pub fn code(&self) -> &'static str {
        use ProfileErrorKind::*;
        match &self.kind {
            Syntax(_) => "malformed_json",
            Invalid(_) => "invalid_field",
            IdNumber(e) => e.code(),
            BirthDateMissing => "birth_date_missing",
            BirthDateMismatch { .. } => "birth_date_mismatch",
            LevelMismatch { .. } => "qualification_level_mismatch",
            RangeReversed { .. } => "insurance_range_reversed",
            OverlappingMonths { .. } => "insurance_months_overlap",
            SecondOpenRange { .. } => "insurance_second_open_range",
            OpenRangeAfterEvaluation { .. } => "insurance_open_range_after_as_of",
            OverlapsOpenRange { .. } => "insurance_overlaps_open_range",
            TooLarge { .. } => "value_too_large",
            Percent => "percent_out_of_range",
            Underage { .. } => "under_minimum_age",
            NoRuleSetInForce { .. } => "no_rule_set_in_force",
            UnknownRuleSet { .. } => "unknown_rule_set",
        }
    }

    /// The problem without the path.
    pub fn problem(&self, lang: Lang) -> String {
        use ProfileErrorKind::*;
        match (lang, &self.kind) {
            (Lang::En, Syntax(m)) => format!("not valid JSON: {m}"),
            (Lang::Zh, Syntax(m)) => format!("不是有效的 JSON：{m}"),
            (Lang::En, Invalid(m)) => m.clone(),
            (Lang::Zh, Invalid(m)) => format!("取值无效：{m}"),
            (Lang::En, IdNumber(e)) => format!("invalid resident ID number: {e}"),
            (Lang::Zh, IdNumber(e)) => format!("身份证号码无效：{}", e.message_zh()),
            (Lang::En, BirthDateMissing) => "required: give birth_date or id_number".into(),
            (Lang::Zh, BirthDateMissing) => "必填：请填写出生日期或身份证号码".into(),
            (Lang::En, BirthDateMismatch { in_id, given }) => {
                format!("the ID number's birth date {in_id} disagrees with birth_date {given}")
            }
            (Lang::Zh, BirthDateMismatch { in_id, given }) => {
                format!("身份证号码中的出生日期 {in_id} 与填写的出生日期 {given} 不一致")
            }
            (Lang::En, LevelMismatch { kind: QualificationKind::Title }) => {
                "a title's level is junior, intermediate or senior".into()
            }
            (Lang::En, LevelMismatch { kind: QualificationKind::Skill }) => "a skill level is 1 to 5".into(),
            (Lang::Zh, LevelMismatch { kind: QualificationKind::Title }) => {
                "职称等级应为 junior、intermediate 或 senior".into()
            }
            (Lang::Zh, LevelMismatch { kind: QualificationKind::Skill }) => "技能等级应为 1 至 5".into(),
            (Lang::En, RangeReversed { from, to }) => {
                format!("ends ({to}) before it starts ({from})")
            }
            (Lang::Zh, RangeReversed { from, to }) => format!("截止月 {to} 早于起始月 {from}"),
            (Lang::En, OverlappingMonths { month, other }) => {
                format!("month {month} is also in social_insurance[{other}]; a month may be listed once")
            }
            (Lang::Zh, OverlappingMonths { month, other }) => {
                format!("{month} 与 social_insurance[{other}] 重复；每个月只能填写一次")
            }
            (Lang::En, SecondOpenRange { first }) => format!(
                "no end month, but social_insurance[{first}] is already open; only one range may run up to as_of"
            ),
            (Lang::Zh, SecondOpenRange { first }) => {
                format!("未填截止月，但 social_insurance[{first}] 已是持续缴纳至计分日的一段；只能有一段不填截止月")
            }
            (Lang::En, OpenRangeAfterEvaluation { from, evaluation_month }) => {
                format!("the open range (no end month) starts in {from}, after the evaluation month {evaluation_month}")
            }
            (Lang::Zh, OpenRangeAfterEvaluation { from, evaluation_month }) => {
                format!("未填截止月的一段自 {from} 起，晚于计分月 {evaluation_month}")
            }
            (Lang::En, OverlapsOpenRange { month, open }) => format!(
                "month {month} is also in social_insurance[{open}], which has no end month and runs up to as_of"
            ),
            (Lang::Zh, OverlapsOpenRange { month, open }) => {
                format!("{month} 已在 social_insurance[{open}] 中（该段未填截止月，持续至计分月）；每个月只能填写一次")
            }
            (Lang::En, TooLarge { max }) => format!("at most {max}"),
            (Lang::Zh, TooLarge { max }) => format!("不能超过 {max}"),
            (Lang::En, Percent) => "a percentage from 1 to 100".into(),
            (Lang::Zh, Percent) => "应为 1 至 100 的百分比".into(),
            (Lang::En, Underage { age, minimum, as_of }) => {
                format!("age on {as_of} is {age}; an applicant must be at least {minimum}")
            }
            (Lang::Zh, Underage { age, minimum, as_of }) => {
                format!("截至 {as_of} 年龄为 {age} 周岁；申请人须年满 {minimum} 周岁")
            }
            (Lang::En, NoRuleSetInForce { as_of, earliest, earliest_from }) => {
                format!("no rule set is in force on {as_of}; the earliest, {earliest}, starts on {earliest_from}")
            }
            (Lang::Zh, NoRuleSetInForce { as_of, earliest, earliest_from }) => {
                format!("{as_of} 没有施行中的积分规则；最早的 {earliest} 自 {earliest_from} 起施行")
            }
            (Lang::En, UnknownRuleSet { id, known }) => {
                format!("unknown rule set \"{id}\"; expected {}", crate::names::one_of(&strs(known)))
            }
            (Lang::Zh, UnknownRuleSet { id, known }) => {
                format!("没有规则版本 \"{id}\"；可选 {}", known.join("、"))
            }
        }
    }

    /// `path: problem`, or just the problem for the whole document.
    pub fn message(&self, lang: Lang) -> String {
        if self.path.is_empty() { self.problem(lang) } else { format!("{}: {}", self.path, self.problem(lang)) }
    }
}

fn strs(list: &[String]) -> Vec<&str> {
    list.iter().map(String::as_str).collect()
}

impl fmt::Display for ProfileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message(Lang::En))
    }
}

impl std::error::Error for ProfileError {}

/// serde_json appends " at line L column C"; field paths say more than positions.
pub(crate) fn strip_position(error: &serde_json::Error) -> String {
    let text = error.to_string();
    match text.rfind(" at line ") {
        Some(at) => text[..at].to_string(),
        None => text,
    }
}
