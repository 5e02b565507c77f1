//! The plan as a document (JSON, see docs/PLAN.md), worded in one language.

use crate::advice::{NoGain, NotProposed};
use crate::catalogue::{Action, Area, Effect};
use crate::plan::{ActionOutcome, DeadlinePlan, Partner, Plan, Standing};
use crate::scenario::{AssumptionNote, Assumptions};
use crate::timeline::{Change, Timeline};
use chrono::NaiveDate;
use jifen_rules::calendar::{date_format, option_date_format};
use jifen_rules::{ItemId, Lang, QualificationKind, RuleSet, explain};
use serde::Serialize;

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct PlanDocument<'a> {
    #[cfg_attr(feature = "openapi", schema(schema_with = jifen_rules::openapi::date))]
    #[serde(with = "date_format")]
    pub as_of: NaiveDate,
    #[cfg_attr(feature = "openapi", schema(schema_with = jifen_rules::openapi::date))]
    #[serde(with = "date_format")]
    pub until: NaiveDate,
    pub standard: i64,
    #[cfg_attr(feature = "openapi", schema(value_type = Assumptions))]
    pub assumptions: &'a Assumptions,
    pub notes: Vec<String>,
    pub current: Current,
    #[cfg_attr(feature = "openapi", schema(schema_with = jifen_rules::openapi::optional_date, required = true))]
    #[serde(with = "option_date_format")]
    pub reaches_on: Option<NaiveDate>,
    pub events: Vec<Event>,
    pub threats: Vec<Event>,
    pub series: Vec<Point>,
    /// Holding the standard once reached (`null`: not reached within the horizon).
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub standing: Option<StandingDocument>,
    pub actions: Vec<ActionDocument>,
    pub not_proposed: Vec<NotProposedDocument>,
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub deadline: Option<DeadlineDocument>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct Current {
    pub total: i64,
    pub reaches_standard: bool,
}

/// One item's change on a date, with the total after all of that date's changes.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct Event {
    #[cfg_attr(feature = "openapi", schema(schema_with = jifen_rules::openapi::date))]
    #[serde(with = "date_format")]
    pub date: NaiveDate,
    pub item: ItemId,
    pub delta: i64,
    /// What the item adds to the total after the change.
    pub points: i64,
    pub total: i64,
    pub explanation: String,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Point {
    #[cfg_attr(feature = "openapi", schema(schema_with = jifen_rules::openapi::date))]
    #[serde(with = "date_format")]
    pub date: NaiveDate,
    pub total: i64,
}

/// From the date the standard is reached: until when it holds, what brings the total
/// below it, and which actions keep it longer.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct StandingDocument {
    #[cfg_attr(feature = "openapi", schema(schema_with = jifen_rules::openapi::date))]
    #[serde(with = "date_format")]
    pub from: NaiveDate,
    /// The last day at or above the standard within the horizon.
    #[cfg_attr(feature = "openapi", schema(schema_with = jifen_rules::openapi::date))]
    #[serde(with = "date_format")]
    pub until: NaiveDate,
    /// The first day below it again (`null`: held to the horizon's end).
    #[cfg_attr(feature = "openapi", schema(schema_with = jifen_rules::openapi::optional_date, required = true))]
    #[serde(with = "option_date_format")]
    pub falls_on: Option<NaiveDate>,
    /// The falls of items after `from` up to `falls_on`: what brings the total below.
    pub falls: Vec<Event>,
    /// Ids of the proposed actions that hold the standard longer.
    pub keeps: Vec<String>,
    pub text: String,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct ActionDocument {
    pub id: String,
    pub title: String,
    pub effort: u32,
    #[cfg_attr(feature = "openapi", schema(schema_with = jifen_rules::openapi::date))]
    #[serde(with = "date_format")]
    pub ready_on: NaiveDate,
    #[cfg_attr(feature = "openapi", schema(schema_with = jifen_rules::openapi::optional_date, required = true))]
    #[serde(with = "option_date_format")]
    pub reaches_on: Option<NaiveDate>,
    /// The first day below the standard again after reaching it (`null`: never reached, or
    /// held to the horizon's end).
    #[cfg_attr(feature = "openapi", schema(schema_with = jifen_rules::openapi::optional_date, required = true))]
    #[serde(with = "option_date_format")]
    pub falls_on: Option<NaiveDate>,
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub months_earlier: Option<i32>,
    pub gain: i64,
    #[cfg_attr(feature = "openapi", schema(schema_with = jifen_rules::openapi::optional_date, required = true))]
    #[serde(with = "option_date_format")]
    pub gain_on: Option<NaiveDate>,
    /// Why the action gains nothing on its own (`null` when it gains).
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub no_gain: Option<NoGainDocument>,
}

/// A stable `code` and its wording.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct NoGainDocument {
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::no_gain_codes))]
    pub code: &'static str,
    pub text: String,
    /// The action together with which this one adds points.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub with: Option<PartnerDocument>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct PartnerDocument {
    pub id: String,
    pub title: String,
    /// What this action adds to what the partner gives alone.
    pub gain: i64,
    #[cfg_attr(feature = "openapi", schema(schema_with = jifen_rules::openapi::optional_date, required = true))]
    #[serde(with = "option_date_format")]
    pub gain_on: Option<NaiveDate>,
}

/// An action of the catalogue the planner does not propose, and why.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct NotProposedDocument {
    pub id: String,
    pub title: String,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::not_proposed_codes))]
    pub code: &'static str,
    pub text: String,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct DeadlineDocument {
    #[cfg_attr(feature = "openapi", schema(schema_with = jifen_rules::openapi::date))]
    #[serde(with = "date_format")]
    pub date: NaiveDate,
    pub met: bool,
    pub effort: u32,
    pub actions: Vec<ActionDocument>,
    #[cfg_attr(feature = "openapi", schema(schema_with = jifen_rules::openapi::optional_date, required = true))]
    #[serde(with = "option_date_format")]
    pub reaches_on: Option<NaiveDate>,
    pub best_total: i64,
    #[cfg_attr(feature = "openapi", schema(schema_with = jifen_rules::openapi::date))]
    #[serde(with = "date_format")]
    pub best_on: NaiveDate,
    pub events: Vec<Event>,
    pub series: Vec<Point>,
    pub plans_scored: usize,
}

impl Plan<'_, '_> {
    pub fn to_document(&self, lang: Lang) -> PlanDocument<'_> {
        PlanDocument {
            as_of: self.as_of,
            until: self.until,
            standard: self.standard,
            assumptions: &self.assumptions,
            notes: self.scenario_notes.iter().map(|note| self.note_with_remedy(note, lang)).collect(),
            current: Current {
                total: self.baseline.start.total,
                reaches_standard: self.baseline.start.reaches_standard,
            },
            reaches_on: self.baseline.reaches_on,
            events: events(&self.baseline, lang),
            threats: self
                .threats
                .iter()
                .map(|(date, change)| {
                    event(*date, change, self.baseline.total_on(*date), self.baseline.start.rule_set, lang)
                })
                .collect(),
            series: series(&self.baseline),
            standing: self.standing.as_ref().map(|standing| self.standing_document(standing, lang)),
            actions: self.actions.iter().map(|outcome| action_document(outcome, lang)).collect(),
            not_proposed: self
                .not_proposed
                .iter()
                .map(|(action, reason)| NotProposedDocument {
                    id: action.id.clone(),
                    title: action.title.get(lang).to_string(),
                    code: not_proposed_code(reason),
                    text: not_proposed_text(action, reason, lang),
                })
                .collect(),
            deadline: self.deadline.as_ref().map(|plan| deadline_document(plan, self.as_of, lang)),
        }
    }
}

impl Plan<'_, '_> {
    /// The note, pointing insurance that earns no points to the action that would change it.
    fn note_with_remedy(&self, note: &AssumptionNote, lang: Lang) -> String {
        let text = note_text(note, lang);
        let remedy = self.actions.iter().find(|outcome| outcome.action.effect == Effect::ContractUnitPays);
        match (note, remedy) {
            (AssumptionNote::InsuredWithoutPoints { .. }, Some(outcome)) => {
                let title = outcome.action.title.get(lang);
                match lang {
                    Lang::Zh => format!("{text}；行动“{title}”显示这样做的变化"),
                    Lang::En => format!("{text}; the action \"{title}\" shows what that would change"),
                }
            }
            _ => text,
        }
    }

    fn standing_document(&self, standing: &Standing, lang: Lang) -> StandingDocument {
        let until = standing.falls_on.and_then(|date| date.pred_opt()).unwrap_or(self.until);
        let text = match (standing.falls_on, lang) {
            (Some(falls_on), Lang::Zh) => {
                format!("{} 起达到标准分值，保持至 {until}；{falls_on} 起低于标准分值", standing.from)
            }
            (Some(falls_on), Lang::En) => {
                format!("at or above the standard from {} to {until}; below it from {falls_on}", standing.from)
            }
            (None, Lang::Zh) => format!("{} 起达到标准分值，推算期内（至 {until}）一直保持", standing.from),
            (None, Lang::En) => {
                format!("at or above the standard from {} through the horizon ({until})", standing.from)
            }
        };
        StandingDocument {
            from: standing.from,
            until,
            falls_on: standing.falls_on,
            falls: standing
                .falls
                .iter()
                .map(|(date, change)| {
                    event(*date, change, self.baseline.total_on(*date), self.baseline.start.rule_set, lang)
                })
                .collect(),
            keeps: standing.keeps.iter().map(|action| action.id.clone()).collect(),
            text,
        }
    }
}

fn event(date: NaiveDate, change: &Change, total: i64, rules: &RuleSet, lang: Lang) -> Event {
    Event {
        date,
        item: change.item.id,
        delta: change.delta(),
        points: change.after,
        total,
        explanation: explain::explain(&change.item, rules, lang).into_owned(),
    }
}

fn events(timeline: &Timeline, lang: Lang) -> Vec<Event> {
    timeline
        .steps
        .iter()
        .flat_map(|step| {
            step.changes.iter().map(move |change| event(step.date, change, step.total, step.rule_set, lang))
        })
        .collect()
}

fn series(timeline: &Timeline) -> Vec<Point> {
    timeline.monthly().into_iter().map(|(date, total)| Point { date, total }).collect()
}

fn action_document(outcome: &ActionOutcome, lang: Lang) -> ActionDocument {
    ActionDocument {
        id: outcome.action.id.clone(),
        title: outcome.action.title.get(lang).to_string(),
        effort: outcome.action.effort,
        ready_on: outcome.ready_on,
        reaches_on: outcome.reaches_on,
        falls_on: outcome.falls_on,
        months_earlier: outcome.months_earlier,
        gain: outcome.gain,
        gain_on: outcome.gain_on,
        no_gain: outcome.no_gain.map(|no_gain| NoGainDocument {
            code: no_gain_code(&no_gain),
            text: no_gain_text(&no_gain, outcome.with.as_ref(), lang),
            with: outcome.with.map(|partner| PartnerDocument {
                id: partner.action.id.clone(),
                title: partner.action.title.get(lang).to_string(),
                gain: partner.gain,
                gain_on: partner.gain_on,
            }),
        }),
    }
}

fn deadline_document(plan: &DeadlinePlan, as_of: NaiveDate, lang: Lang) -> DeadlineDocument {
    DeadlineDocument {
        date: plan.deadline,
        met: plan.met,
        effort: plan.effort,
        actions: plan
            .actions
            .iter()
            .zip(&plan.contributions)
            .map(|(action, &(gain, gain_on))| ActionDocument {
                id: action.id.clone(),
                title: action.title.get(lang).to_string(),
                effort: action.effort,
                ready_on: crate::scenario::add_months(as_of, action.min_months),
                reaches_on: plan.reaches_on,
                falls_on: None,
                months_earlier: None,
                gain,
                gain_on,
                no_gain: None,
            })
            .collect(),
        reaches_on: plan.reaches_on,
        best_total: plan.best_total,
        best_on: plan.best_on,
        events: events(&plan.timeline, lang),
        series: series(&plan.timeline),
        plans_scored: plan.plans_scored,
    }
}

pub fn no_gain_code(no_gain: &NoGain) -> &'static str {
    match no_gain {
        NoGain::NotReady { .. } => "not_ready",
        NoGain::NeedsBase { .. } => "needs_base",
        NoGain::HigherAlternative { .. } => "higher_alternative",
        NoGain::AlreadyCounted { .. } => "already_counted",
        NoGain::NotWithinHorizon { .. } => "not_within_horizon",
    }
}

/// Why an action gains nothing on its own, and with which other action it would.
pub fn no_gain_text(no_gain: &NoGain, with: Option<&Partner>, lang: Lang) -> String {
    let zh = lang == Lang::Zh;
    let why = match *no_gain {
        NoGain::NotReady { ready_on } if zh => format!("最早 {ready_on} 完成，已超出推算期"),
        NoGain::NotReady { ready_on } => format!("ready on {ready_on}, after the horizon"),
        NoGain::NeedsBase { min_months, window_months, ratio_tenths } if zh => format!(
            "需近 {window_months} 个月内有 {min_months} 个月按不低于 {} 倍社平缴费",
            explain::ratio(ratio_tenths)
        ),
        NoGain::NeedsBase { min_months, window_months, ratio_tenths } => format!(
            "needs {min_months} of the last {window_months} months insured at ≥ {} × the average wage",
            explain::ratio(ratio_tenths)
        ),
        NoGain::HigherAlternative { item, points } if zh => {
            format!("学历与职称只计较高者，{}已得 {points} 分", item.name(lang))
        }
        NoGain::HigherAlternative { item, points } => format!(
            "only the higher of education and qualification counts, and {} already scores {points}",
            item.name(lang).to_lowercase()
        ),
        NoGain::AlreadyCounted { item, points } if zh => format!("{}已得 {points} 分，不低于此项", item.name(lang)),
        NoGain::AlreadyCounted { item, points } => {
            format!("{} already scores {points}, no less than this would", item.name(lang).to_lowercase())
        }
        NoGain::NotWithinHorizon { until } if zh => format!("推算期内（至 {until}）不增加积分"),
        NoGain::NotWithinHorizon { until } => format!("adds no points within the horizon (to {until})"),
    };
    match with {
        Some(partner) if zh => {
            format!("{why}；与“{}”同时进行可多得 {} 分", partner.action.title.get(lang), partner.gain)
        }
        Some(partner) => {
            format!("{why}; together with \"{}\" it adds {}", partner.action.title.get(lang), partner.gain)
        }
        None => why,
    }
}

pub fn not_proposed_code(reason: &NotProposed) -> &'static str {
    match reason {
        NotProposed::AlreadyHolds => "already_holds",
        NotProposed::ChangesNothing => "changes_nothing",
        NotProposed::LowersScore { .. } => "lowers_score",
    }
}

/// Why `action` is not proposed.
pub fn not_proposed_text(action: &Action, reason: &NotProposed, lang: Lang) -> String {
    let zh = lang == Lang::Zh;
    match (reason, &action.effect) {
        (NotProposed::LowersScore { by, on }, _) if zh => format!("会使积分降低（{on} 少 {by} 分）"),
        (NotProposed::LowersScore { by, on }, _) => format!("lowers the total ({by} fewer points on {on})"),
        (NotProposed::AlreadyHolds, Effect::Qualification { kind: QualificationKind::Title, .. }) if zh => {
            "已持有同级或更高的职称".to_string()
        }
        (NotProposed::AlreadyHolds, Effect::Qualification { kind: QualificationKind::Skill, .. }) if zh => {
            "已持有同级或更高的技能等级证书".to_string()
        }
        (NotProposed::AlreadyHolds, Effect::Qualification { kind, .. }) => {
            format!(
                "already holds this {} or a higher one",
                if *kind == QualificationKind::Title { "title" } else { "skill level" }
            )
        }
        (NotProposed::AlreadyHolds, _) if zh => "已取得同等或更高的学历".to_string(),
        (NotProposed::AlreadyHolds, _) => "already holds this education or a higher one".to_string(),
        (NotProposed::ChangesNothing, Effect::Base { ratio_tenths }) if zh => {
            format!("今后已按不低于 {} 倍社平缴费", explain::ratio(*ratio_tenths))
        }
        (NotProposed::ChangesNothing, Effect::Base { ratio_tenths }) => {
            format!("already insured at ≥ {} × the average wage from now on", explain::ratio(*ratio_tenths))
        }
        (NotProposed::ChangesNothing, Effect::ContractUnitPays) if zh => {
            "近期及今后列出的月份中没有补缴或非劳动合同单位缴纳的月份".to_string()
        }
        (NotProposed::ChangesNothing, Effect::ContractUnitPays) => {
            "no recent or listed later month is back-paid or paid by another unit".to_string()
        }
        (NotProposed::ChangesNothing, Effect::Area(Area::Lingang)) if zh => "已在临港新片区工作和居住".to_string(),
        (NotProposed::ChangesNothing, Effect::Area(Area::Lingang)) => {
            "already works and lives in the Lin-gang Special Area".to_string()
        }
        (NotProposed::ChangesNothing, Effect::Area(Area::RemoteKeyArea)) if zh => {
            "已在远郊重点区域工作和居住".to_string()
        }
        (NotProposed::ChangesNothing, Effect::Area(Area::RemoteKeyArea)) => {
            "already works and lives in a remote key area".to_string()
        }
        (NotProposed::ChangesNothing, Effect::PublicService(_)) if zh => "已在特定公共服务领域工作".to_string(),
        (NotProposed::ChangesNothing, Effect::PublicService(_)) => {
            "already works in the public-service field".to_string()
        }
        (NotProposed::ChangesNothing, _) if zh => "与现状相同".to_string(),
        (NotProposed::ChangesNothing, _) => "changes nothing".to_string(),
    }
}

/// A change as people write it: `+3`, `-2`, `0`.
pub fn signed(delta: i64) -> String {
    if delta > 0 { format!("+{delta}") } else { delta.to_string() }
}

pub fn note_text(note: &AssumptionNote, lang: Lang) -> String {
    match (note, lang) {
        (AssumptionNote::NotInsured { from, to }, Lang::Zh) => {
            format!("{from} 至 {to} 没有本市职工社保缴费，也未给出缴费基数：推算时假定今后不缴费")
        }
        (AssumptionNote::NotInsured { from, to }, Lang::En) => {
            format!(
                "no Shanghai employee insurance from {from} to {to} and no base given: no future insurance is assumed"
            )
        }
        (AssumptionNote::InsuredWithoutPoints { from, to, back_paid, other_unit }, Lang::Zh) => {
            let why = match (back_paid, other_unit) {
                (true, true) => "为补缴或非劳动合同单位缴纳",
                (true, false) => "为补缴",
                (false, _) => "非劳动合同单位缴纳",
            };
            format!("{from} 至 {to} 的社保{why}，不计积分：推算时不假定今后缴费")
        }
        (AssumptionNote::InsuredWithoutPoints { from, to, back_paid, other_unit }, Lang::En) => {
            let why = match (back_paid, other_unit) {
                (true, true) => "back-paid or paid by another unit than the labour contract's",
                (true, false) => "back-paid",
                (false, _) => "paid by another unit than the labour contract's",
            };
            format!("the insurance from {from} to {to} is {why}, so it earns no points: no future insurance is assumed")
        }
        (AssumptionNote::InsuredAt { from, base }, Lang::Zh) => {
            format!("假定自 {from} 起继续在本市工作并按 {base} 元基数缴纳职工社保（档案已列出的月份保持不变）")
        }
        (AssumptionNote::InsuredAt { from, base }, Lang::En) => format!(
            "assumes work and employee insurance in Shanghai go on from {from} at a base of CNY {base} \
             in every month the profile does not list"
        ),
        (AssumptionNote::WageHeldAt { from, monthly }, Lang::Zh) => {
            format!("今后月份的社平工资按最新公布值 {monthly} 元（{from} 起）计算")
        }
        (AssumptionNote::WageHeldAt { from, monthly }, Lang::En) => {
            format!("future months use the latest published average wage, CNY {monthly} (from {from})")
        }
    }
}
