//! OpenAPI schemas of the plan's codes (feature `openapi`): the words `no_gain.code` and
//! `not_proposed[].code` can hold.

use crate::advice::{NoGain, NotProposed};
use crate::document::{no_gain_code, not_proposed_code};
use chrono::NaiveDate;
use jifen_rules::ItemId;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};

fn words(words: Vec<&'static str>) -> Schema {
    ObjectBuilder::new().schema_type(Type::String).enum_values(Some(words)).build().into()
}

/// One reason of each kind: a new kind fails to compile here until it is listed.
fn every_no_gain() -> Vec<NoGain> {
    let day = NaiveDate::MIN;
    let item = ItemId::Age;
    let all = [
        NoGain::NotReady { ready_on: day },
        NoGain::NeedsBase { min_months: 0, window_months: 0, ratio_tenths: 0 },
        NoGain::HigherAlternative { item, points: 0 },
        NoGain::AlreadyCounted { item, points: 0 },
        NoGain::NotWithinHorizon { until: day },
    ];
    for reason in &all {
        match reason {
            NoGain::NotReady { .. }
            | NoGain::NeedsBase { .. }
            | NoGain::HigherAlternative { .. }
            | NoGain::AlreadyCounted { .. }
            | NoGain::NotWithinHorizon { .. } => {}
        }
    }
    all.into()
}

fn every_not_proposed() -> Vec<NotProposed> {
    let all = [
        NotProposed::AlreadyHolds,
        NotProposed::ChangesNothing,
        NotProposed::LowersScore { by: 0, on: NaiveDate::MIN },
    ];
    for reason in &all {
        match reason {
            NotProposed::AlreadyHolds | NotProposed::ChangesNothing | NotProposed::LowersScore { .. } => {}
        }
    }
    all.into()
}

/// Why an action gains nothing on its own.
pub fn no_gain_codes() -> Schema {
    words(every_no_gain().iter().map(no_gain_code).collect())
}

/// Why an action of the catalogue is not proposed.
pub fn not_proposed_codes() -> Schema {
    words(every_not_proposed().iter().map(not_proposed_code).collect())
}
