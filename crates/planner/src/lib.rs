//! # jifen-planner — when will I reach 120, and what gets me there fastest
//!
//! The planner projects a profile into the future under stated assumptions
//! ([`Assumptions`]), scores it with the engine on every date where a score can change
//! ([`Timeline`]), re-runs that for each action of a catalogue kept as data
//! ([`Catalogue`]), and searches sets of actions for the least-effort plan that meets a
//! deadline ([`plan`]). It computes nothing itself: every figure is the engine's.

mod advice;
mod catalogue;
mod document;
#[cfg(feature = "openapi")]
pub mod openapi;
mod plan;
mod scenario;
mod timeline;

pub use advice::{NoGain, NotProposed};
pub use catalogue::{Action, Area, Catalogue, CatalogueError, Effect};
pub use document::{
    ActionDocument, Current, DeadlineDocument, Event, NoGainDocument, NotProposedDocument, PartnerDocument,
    PlanDocument, Point, StandingDocument, no_gain_code, no_gain_text, not_proposed_code, not_proposed_text, note_text,
    signed,
};
pub use plan::{
    ActionOutcome, DEFAULT_HORIZON_YEARS, DeadlinePlan, LAST_AGE, Partner, Plan, PlanError, PlanRequest, Standing,
    THREAT_MONTHS, plan,
};
pub use scenario::{AssumptionNote, Assumptions, PlannedChange, Scenario, add_months};
pub use timeline::{Change, Step, Timeline, change_dates};
