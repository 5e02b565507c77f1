//! Which actions the planner proposes, and why one gains nothing: an action the person has
//! already done, or one that changes nothing or lowers the score, is not proposed; a proposed
//! action that gains nothing on its own says why, in the engine's terms.

use crate::catalogue::{Action, Effect};
use crate::scenario::Scenario;
use chrono::NaiveDate;
use jifen_rules::{
    Context, EducationLevel, EducationPoints, Finding, ItemId, Profile, ProfileError, Qualification,
    QualificationFailure, RuleBook, RuleSet,
};

/// Why an action of the catalogue is not proposed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotProposed {
    /// The person already holds this title, skill level or education, or a higher one of
    /// the same kind.
    AlreadyHolds,
    /// The future with the action is the same as without it: already insured at that base,
    /// already working and living in that area, or nothing to move to the contract's unit.
    ChangesNothing,
    /// The action lowers the total: by `by` points on `on`, the first date of its largest fall.
    LowersScore { by: i64, on: NaiveDate },
}

/// Why a proposed action gains nothing on its own within the horizon.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoGain {
    /// The fact the action produces comes after the horizon's end.
    NotReady { ready_on: NaiveDate },
    /// The title or skill level needs `min_months` of the last `window_months` insured at a
    /// base of at least `ratio_tenths / 10` × the average wage (RULES.md §3.3).
    NeedsBase { min_months: u32, window_months: u32, ratio_tenths: u64 },
    /// Only the higher of education and qualification counts (I-2), and `item` scores
    /// `points`, at least as much as the action would.
    HigherAlternative { item: ItemId, points: i64 },
    /// The item the action adds to already scores `points` from another entry.
    AlreadyCounted { item: ItemId, points: i64 },
    /// Nothing the action changes adds points before the horizon's end.
    NotWithinHorizon { until: NaiveDate },
}

/// Whether the profile already holds what `action` would give (RULES.md §3.2–3.3 points of
/// the rule set in force on the evaluation date).
pub fn already_holds(action: &Action, profile: &Profile, rules: &RuleSet) -> bool {
    match &action.effect {
        Effect::Qualification { kind, level } => {
            let points = &rules.qualification.points.value;
            let worth = |qualification: &Qualification| qualification.rule_level().map(|level| points.of(level));
            let wanted = worth(&Qualification::new(*kind, *level));
            profile.qualifications.iter().any(|held| held.kind == *kind && worth(held) >= wanted)
        }
        Effect::Education { level, degree } => {
            let table = &rules.education.points.value;
            let wanted = education_points(table, *level, *degree);
            profile
                .education
                .iter()
                .any(|held| held.recognized && education_points(table, held.level, held.degree) >= wanted)
        }
        _ => false,
    }
}

/// The points of an education level (RULES.md §3.2).
fn education_points(table: &EducationPoints, level: EducationLevel, degree: bool) -> i64 {
    match level {
        EducationLevel::Associate => table.associate,
        EducationLevel::Bachelor if degree => table.bachelor_with_degree,
        EducationLevel::Bachelor => table.bachelor,
        EducationLevel::Master => table.master,
        EducationLevel::Doctor => table.doctor,
    }
}

/// Why `action`, whose scenario is `scenario`, gains nothing by `until`: the engine's
/// findings on that date for what the action adds.
pub fn why_no_gain(
    book: &RuleBook,
    action: &Action,
    ready_on: NaiveDate,
    scenario: &mut Scenario,
    until: NaiveDate,
) -> Result<NoGain, ProfileError> {
    if ready_on > until {
        return Ok(NoGain::NotReady { ready_on });
    }
    let (item, other) = match action.effect {
        Effect::Qualification { .. } => (ItemId::Qualification, ItemId::Education),
        Effect::Education { .. } => (ItemId::Education, ItemId::Qualification),
        _ => return Ok(NoGain::NotWithinHorizon { until }),
    };
    let context = Context::on(until);
    let with_action = scenario.profile_on(until).clone();
    // The scenario adds the action's entry last: score it alone, and the profile without it.
    let mut alone = with_action.clone();
    let mut without = with_action;
    match item {
        ItemId::Qualification => {
            alone.qualifications.drain(..alone.qualifications.len().saturating_sub(1));
            without.qualifications.pop();
        }
        _ => {
            alone.education.drain(..alone.education.len().saturating_sub(1));
            without.education.pop();
        }
    }
    let alone = book.evaluate(&alone, &context)?;
    if let Finding::QualificationFailed {
        failure: QualificationFailure::BaseTooLow { min_months, window_months, ratio_tenths, .. },
        ..
    } = alone.item(item).finding
    {
        return Ok(NoGain::NeedsBase { min_months, window_months, ratio_tenths });
    }
    let worth = alone.item(item).points;
    let without = book.evaluate(&without, &context)?;
    let (already, alternative) = (without.item(item).points, without.item(other).points);
    Ok(if already > 0 && already >= worth {
        NoGain::AlreadyCounted { item, points: already }
    } else if alternative > 0 && alternative >= worth {
        NoGain::HigherAlternative { item: other, points: alternative }
    } else {
        NoGain::NotWithinHorizon { until }
    })
}

/// The least-effort base action that meets a [`NoGain::NeedsBase`] condition, among `proposed`.
pub fn base_partner<'c>(needs: NoGain, proposed: impl Iterator<Item = &'c Action>) -> Option<&'c Action> {
    let NoGain::NeedsBase { ratio_tenths: needed, .. } = needs else { return None };
    proposed
        .filter(|action| matches!(action.effect, Effect::Base { ratio_tenths } if ratio_tenths >= needed))
        .min_by_key(|action| action.effort)
}
