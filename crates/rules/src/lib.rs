//! # jifen-rules — the Shanghai residence-permit points engine
//!
//! Rule sets are data ([`RuleBook`]): one embedded TOML file per version of the rules, each
//! value with its citation and confidence, plus the dated average-wage series. Scoring is a
//! pure function of a [`Profile`] and a [`Context`] (the evaluation date is an input):
//!
//! ```
//! use jifen_rules::{Context, Lang, Profile, RuleBook};
//! let book = RuleBook::embedded().unwrap();
//! let profile = Profile::from_json(r#"{"as_of": "2025-06-30", "birth_date": "1990-01-15",
//!     "education": [{"level": "bachelor", "degree": true}]}"#).unwrap();
//! let today = chrono::NaiveDate::from_ymd_opt(2025, 7, 1).unwrap();
//! let evaluation = book.evaluate(&profile, &Context::on(today)).unwrap();
//! assert_eq!(evaluation.total, 120);
//! let result = evaluation.to_result(Lang::En);
//! assert!(result.reaches_standard);
//! ```

pub mod calendar;
mod engine;
mod error;
pub mod explain;
pub mod golden;
mod interpretation;
mod item;
mod json;
mod lang;
mod names;
#[cfg(feature = "openapi")]
pub mod openapi;
mod profile;
mod profile_reader;
mod result;
mod rule_files;
mod rulebook;
mod wages;

pub use calendar::Month;
pub use engine::{Context, Evaluation};
pub use error::{ProfileError, ProfileErrorKind};
pub use interpretation::{EMBEDDED_INTERPRETATIONS, Interpretation};
pub use item::{
    Category, EducationFacts, Finding, Ineligibility, Interpretations, Item, ItemId, LingangFinding, MAX_BASE_TIERS,
    QualificationFailure, Reference, ShortageFailure, Veto, WageComparison, Warning,
};
pub use lang::{Lang, Text};
pub use profile::{
    Award, AwardLevel, Crime, Education, EducationLevel, Grade, InsurancePeriod, Investment, Lingang, MAX_YEARS,
    Profile, Qualification, QualificationKind, Records, Spouse, TitleLevel,
};
pub use result::{CompactItem, CompactResult, Explain, ResultItem, RuleSetSummary, ScoreResult};
pub use rule_files::{
    AVERAGE_WAGE_FILE, ChangedValue, MAX_RULE_FILE_BYTES, RuleFiles, WageFigure, WageSeries, changed_values,
    check_file_name, effective_from_of, with_wage_figure,
};
pub use rulebook::*;
pub use wages::{AverageWageTable, AverageWages, WageEntry};
