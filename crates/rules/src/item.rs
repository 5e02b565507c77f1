//! What the engine says about each item: the points, whether they count, and a structured
//! finding that [`crate::explain`] turns into words in either language.

use crate::calendar::Month;
use crate::lang::{Lang, Text};
use crate::profile::{AwardLevel, EducationLevel};
use crate::rulebook::{AgeBand, Cited, Confidence, QualificationLevel};
use crate::wages::AverageWageTable;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

macro_rules! item_ids {
    ($($variant:ident = $text:literal, $category:ident, $zh:literal, $en:literal;)+) => {
        /// The items of CONTRACT.md, in the order results list them.
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum ItemId { $($variant),+ }

        impl ItemId {
            pub const ALL: [ItemId; 17] = [$(ItemId::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $(ItemId::$variant => $text),+ }
            }

            pub fn category(self) -> Category {
                match self { $(ItemId::$variant => Category::$category),+ }
            }

            pub fn name(self, lang: Lang) -> &'static str {
                match (self, lang) {
                    $((ItemId::$variant, Lang::Zh) => $zh, (ItemId::$variant, Lang::En) => $en,)+
                }
            }

            pub fn parse(text: &str) -> Option<Self> {
                match text { $($text => Some(ItemId::$variant),)+ _ => None }
            }
        }
    };
}

item_ids! {
    Age = "age", Basic, "年龄", "Age";
    Education = "education", Basic, "教育背景", "Education";
    Qualification = "qualification", Basic, "职称或技能等级", "Title or skill level";
    SiYears = "si_years", Basic, "社保缴纳年限", "Years of social insurance";
    SiBase = "si_base", Additional, "社保缴费基数", "Contribution base";
    ShortageMajor = "shortage_major", Additional, "紧缺急需专业", "Shortage major";
    Investment = "investment", Additional, "投资纳税或带动就业", "Investment or hiring";
    PublicService = "public_service", Additional, "特定公共服务领域", "Public-service field";
    RemoteArea = "remote_area", Additional, "远郊重点区域或临港新片区", "Remote key area or Lin-gang";
    StartupTalent = "startup_talent", Additional, "创业人才", "Startup talent";
    IntermediaryTalent = "intermediary_talent", Additional, "创新创业中介服务人才", "Intermediary service talent";
    FreshGraduate = "fresh_graduate", Additional, "全日制应届高校毕业生", "Full-time fresh graduate";
    Awards = "awards", Additional, "表彰奖励", "Awards";
    Spouse = "spouse", Additional, "配偶为本市户籍", "Spouse with Shanghai hukou";
    FalseMaterials = "false_materials", Deduction, "提供虚假材料", "False materials";
    Detention = "detention", Deduction, "行政拘留", "Administrative detention";
    Crime = "crime", Deduction, "一般刑事犯罪", "Criminal record";
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    Basic,
    Additional,
    Deduction,
}

impl Category {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Basic => "basic",
            Self::Additional => "additional",
            Self::Deduction => "deduction",
        }
    }
}

/// A set of the named interpretations I-1 … I-11 of RULES.md §9, by number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Interpretations(u16);

/// The ids a set can hold, by number (index 0 is unused).
pub(crate) const INTERPRETATION_IDS: [&str; 12] =
    ["", "I-1", "I-2", "I-3", "I-4", "I-5", "I-6", "I-7", "I-8", "I-9", "I-10", "I-11"];

impl Interpretations {
    pub const NONE: Self = Self(0);

    pub fn with(self, n: u8) -> Self {
        Self(self.0 | 1 << n)
    }

    pub fn when(self, condition: bool, n: u8) -> Self {
        if condition { self.with(n) } else { self }
    }

    pub fn union(self, other: Self) -> Self {
        Self(self.0 | other.0)
    }

    pub fn contains(self, n: u8) -> bool {
        self.0 & (1 << n) != 0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Whether the set holds the interpretation with this id (`I-2`).
    pub fn contains_id(self, id: &str) -> bool {
        Self::number_of(id).is_some_and(|n| self.contains(n))
    }

    /// The number of an id such as `I-11`, if it is one a set can hold.
    pub fn number_of(id: &str) -> Option<u8> {
        INTERPRETATION_IDS.iter().skip(1).position(|known| *known == id).map(|index| index as u8 + 1)
    }

    /// Ids such as `I-3`, in order.
    pub fn ids(self) -> impl Iterator<Item = &'static str> {
        (1..INTERPRETATION_IDS.len() as u8).filter(move |&n| self.contains(n)).map(|n| INTERPRETATION_IDS[n as usize])
    }
}

/// Where an item's value comes from.
#[derive(Debug, Clone, Copy)]
pub struct Reference<'r> {
    pub citation: Option<&'r Text>,
    pub confidence: Confidence,
}

impl<'r> Reference<'r> {
    pub fn to<T>(cited: &'r Cited<T>) -> Self {
        Self { citation: cited.citation.as_ref(), confidence: cited.confidence }
    }

    pub fn text(&self, lang: Lang) -> &'r str {
        self.citation.map_or("", |text| text.get(lang))
    }
}

/// A condition a title or skill level failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QualificationFailure {
    NotYetObtained(NaiveDate),
    NotInShanghai,
    PostMismatch,
    NotRegistered,
    BaseTooLow { months: u32, min_months: u32, window_months: u32, ratio_tenths: u64 },
}

/// Why a claimed shortage major does not count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShortageFailure {
    NotAssociate(EducationLevel),
    NotRecognized,
    NotFullTime,
    PostMismatch,
    NotYetGraduated(NaiveDate),
}

/// The largest number of contribution-base tiers a rule set may have.
pub const MAX_BASE_TIERS: usize = 8;

/// The facts behind an item's points, in a form each language can explain.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Finding {
    Age {
        age: i32,
        birth_date: NaiveDate,
        band: Option<AgeBand>,
    },
    /// `entry` is the index in the profile's `education`, for machines; explanations name
    /// the entry by its facts.
    Education {
        entry: usize,
        facts: EducationFacts,
    },
    EducationNotRecognized {
        entry: usize,
        facts: EducationFacts,
    },
    EducationNotYet {
        entry: usize,
        facts: EducationFacts,
        graduated_on: NaiveDate,
    },
    NoEducation,
    Qualification {
        entry: usize,
        level: QualificationLevel,
        obtained_on: Option<NaiveDate>,
        /// Months of recent insurance at the base the condition asks for, when the level is
        /// subject to it.
        base_months: Option<u32>,
    },
    QualificationFailed {
        entry: usize,
        level: QualificationLevel,
        obtained_on: Option<NaiveDate>,
        failure: QualificationFailure,
    },
    NoQualification,
    SiYears {
        months: u32,
        not_qualifying: u32,
        months_per_block: u32,
    },
    /// Months meeting each tier within its window; `awarded` is the tier index.
    SiBase {
        counts: [u16; MAX_BASE_TIERS],
        awarded: Option<u8>,
        as_of_month: Month,
        /// The points the insurance-base figures would give instead, when they differ (I-11).
        alternative: Option<i64>,
    },
    ShortageMajor {
        entry: usize,
        facts: EducationFacts,
    },
    ShortageMajorFailed {
        entry: usize,
        facts: EducationFacts,
        failure: ShortageFailure,
    },
    NoShortageMajor,
    Investment {
        tax_points: i64,
        hire_points: i64,
        capped: bool,
    },
    NoInvestment,
    PublicService {
        years: u32,
        min_years: u32,
    },
    RemoteArea {
        remote_years: u32,
        remote_points: i64,
        lingang: Option<LingangFinding>,
        capped: bool,
    },
    Talent {
        claimed: bool,
        available: bool,
    },
    FreshGraduate {
        entry: usize,
        facts: EducationFacts,
        graduated_on: NaiveDate,
    },
    NotFreshGraduate,
    Award {
        entry: usize,
        level: AwardLevel,
        obtained_on: Option<NaiveDate>,
        ignored: usize,
    },
    NoAward {
        ignored: usize,
    },
    Spouse {
        years: i32,
        capped: bool,
    },
    SpouseNotHukou,
    NoSpouse,
    Deduction {
        counted: usize,
        ignored: usize,
        since: NaiveDate,
        per_record: i64,
    },
}

/// An education entry as a person names it: "bachelor's diploma and degree, graduated 2010".
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EducationFacts {
    pub level: EducationLevel,
    /// The bachelor's degree; false for other levels.
    pub degree: bool,
    pub graduated_on: Option<NaiveDate>,
}

impl EducationFacts {
    pub fn of(education: &crate::profile::Education) -> Self {
        Self {
            level: education.level,
            degree: education.degree && education.level == EducationLevel::Bachelor,
            graduated_on: education.graduated_on,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LingangFinding {
    pub since: NaiveDate,
    pub years: i32,
    pub min_years: u32,
    pub points: i64,
}

/// One line of a result.
#[derive(Debug, Clone, Copy)]
pub struct Item<'r> {
    pub id: ItemId,
    pub points: i64,
    pub counted: bool,
    /// Set when the item does not count because another, higher alternative does (I-2).
    pub superseded_by: Option<ItemId>,
    pub finding: Finding,
    pub interpretations: Interpretations,
    pub reference: Reference<'r>,
    /// The average-wage series the item compared insurance bases with, if any.
    pub compared_with: Option<WageComparison<'r>>,
}

/// Insurance bases compared with a wage series over months ending with `through`.
#[derive(Debug, Clone, Copy)]
pub struct WageComparison<'r> {
    pub wages: &'r AverageWageTable,
    /// The last month compared: the evaluation month.
    pub through: Month,
}

impl<'r> Item<'r> {
    pub fn new(id: ItemId, points: i64, finding: Finding, reference: Reference<'r>) -> Self {
        Self {
            id,
            points,
            counted: true,
            superseded_by: None,
            finding,
            interpretations: Interpretations::NONE,
            reference,
            compared_with: None,
        }
    }

    pub fn comparing_with(mut self, wages: &'r AverageWageTable, through: Month) -> Self {
        self.compared_with = Some(WageComparison { wages, through });
        self
    }

    pub fn noting(mut self, interpretations: Interpretations) -> Self {
        self.interpretations = self.interpretations.union(interpretations);
        self
    }
}

/// Why a result is vetoed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Veto {
    SeriousCrime { on: NaiveDate },
    FamilyPlanning,
}

/// Why the person cannot apply yet (the score is still shown).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Ineligibility {
    NoResidencePermit,
    EmployerNotEligible,
    TooFewInsuranceMonths { months: u32, min_months: u32, window_months: u32 },
}

/// Things the reader should know about a result.
#[derive(Debug, Clone, PartialEq)]
pub enum Warning {
    NoAgePoints {
        age: i32,
    },
    Provisional {
        inherits: Option<String>,
    },
    ForcedRuleSet {
        in_force: Option<String>,
    },
    WageBeforeTable {
        first: Month,
    },
    /// The evaluation month is long after the last published points-reference figure.
    WageNotYetPublished {
        last: Month,
        after_months: u32,
    },
    FutureInsuranceIgnored {
        months: u32,
    },
}

impl Veto {
    /// A stable machine code (the compact result lists these).
    pub fn code(&self) -> &'static str {
        match self {
            Self::SeriousCrime { .. } => "serious_crime",
            Self::FamilyPlanning => "family_planning_violation",
        }
    }
}

impl Ineligibility {
    /// A stable machine code (the compact result lists these).
    pub fn code(&self) -> &'static str {
        match self {
            Self::NoResidencePermit => "no_residence_permit",
            Self::EmployerNotEligible => "employer_not_eligible",
            Self::TooFewInsuranceMonths { .. } => "too_few_insurance_months",
        }
    }
}

impl Warning {
    /// A stable machine code (the compact result lists these).
    pub fn code(&self) -> &'static str {
        match self {
            Self::NoAgePoints { .. } => "no_age_points",
            Self::Provisional { .. } => "provisional_rule_set",
            Self::ForcedRuleSet { .. } => "forced_rule_set",
            Self::WageBeforeTable { .. } => "wage_before_table",
            Self::WageNotYetPublished { .. } => "wage_not_yet_published",
            Self::FutureInsuranceIgnored { .. } => "future_insurance_ignored",
        }
    }
}
