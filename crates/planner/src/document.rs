//! The plan as a document (JSON, see docs/PLAN.md), worded in one language.

use crate::catalogue::Effect;
use crate::plan::{ActionOutcome, DeadlinePlan, Plan};
use crate::scenario::{AssumptionNote, Assumptions};
use crate::timeline::{Change, Timeline};
use chrono::NaiveDate;
use jifen_rules::calendar::{date_format, option_date_format};
use jifen_rules::{ItemId, Lang, RuleSet, explain};
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct PlanDocument<'a> {
    #[serde(with = "date_format")]
    pub as_of: NaiveDate,
    #[serde(with = "date_format")]
    pub until: NaiveDate,
    pub standard: i64,
    pub assumptions: &'a Assumptions,
    pub notes: Vec<String>,
    pub current: Current,
    #[serde(with = "option_date_format")]
    pub reaches_on: Option<NaiveDate>,
    pub events: Vec<Event>,
    pub threats: Vec<Event>,
    pub series: Vec<Point>,
    pub actions: Vec<ActionDocument>,
    pub deadline: Option<DeadlineDocument>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Current {
    pub total: i64,
    pub reaches_standard: bool,
}

/// One item's change on a date, with the total after all of that date's changes.
#[derive(Debug, Clone, Serialize)]
pub struct Event {
    #[serde(with = "date_format")]
    pub date: NaiveDate,
    pub item: ItemId,
    pub delta: i64,
    /// What the item adds to the total after the change.
    pub points: i64,
    pub total: i64,
    pub explanation: String,
}

#[derive(Debug, Clone, Copy, Serialize)]
pub struct Point {
    #[serde(with = "date_format")]
    pub date: NaiveDate,
    pub total: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct ActionDocument {
    pub id: String,
    pub title: String,
    pub effort: u32,
    #[serde(with = "date_format")]
    pub ready_on: NaiveDate,
    #[serde(with = "option_date_format")]
    pub reaches_on: Option<NaiveDate>,
    pub months_earlier: Option<i32>,
    pub gain: i64,
    #[serde(with = "option_date_format")]
    pub gain_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DeadlineDocument {
    #[serde(with = "date_format")]
    pub date: NaiveDate,
    pub met: bool,
    pub effort: u32,
    pub actions: Vec<ActionDocument>,
    #[serde(with = "option_date_format")]
    pub reaches_on: Option<NaiveDate>,
    pub best_total: i64,
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
            actions: self.actions.iter().map(|outcome| action_document(outcome, lang)).collect(),
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
        months_earlier: outcome.months_earlier,
        gain: outcome.gain,
        gain_on: outcome.gain_on,
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
            .map(|action| ActionDocument {
                id: action.id.clone(),
                title: action.title.get(lang).to_string(),
                effort: action.effort,
                ready_on: crate::scenario::add_months(as_of, action.min_months),
                reaches_on: plan.reaches_on,
                months_earlier: None,
                gain: 0,
                gain_on: None,
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
