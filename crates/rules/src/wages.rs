//! The average wage (本市上年度职工社会平均工资) as dated data, in two series (RULES.md §5):
//! the **points reference** the engine compares insurance bases with, frozen at the 2021
//! standard from 2022-07 (I-11), and the yearly **insurance-base figures** kept beside it for
//! information and as the alternative reading of I-11. Every entry is cited like any rule
//! value.

use crate::calendar::Month;
use crate::item::Interpretations;
use crate::lang::Text;
use crate::rulebook::{Confidence, RuleDataError, Source, citation_text, invalid};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The file name used in messages about the wage data.
const FILE: &str = "average-wage.toml";

/// One dated figure of a series.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WageEntry {
    pub from: Month,
    /// Monthly CNY.
    pub monthly: u64,
    pub source: String,
    pub provision: Text,
    pub confidence: Confidence,
    /// The interpretation of RULES.md §9 this figure rests on (`I-11` for the frozen points
    /// reference).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interpretation: Option<String>,
    /// The month of the entry whose figure this one keeps (the 2021 standard is 2021-07's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keeps: Option<Month>,
    /// The citation as people read it, filled in when the data is loaded.
    #[serde(default, skip_deserializing)]
    pub citation: Option<Text>,
    /// `interpretation` as a set, filled in when the data is loaded.
    #[serde(skip)]
    pub interpretations: Interpretations,
}

/// One dated series of monthly figures, oldest first.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct AverageWageTable {
    pub entries: Vec<WageEntry>,
}

impl AverageWageTable {
    /// The index of the entry in force in `month`: the latest whose `from` is on or before
    /// it, or the first entry for earlier months.
    pub fn entry_index(&self, month: Month) -> usize {
        self.entries.partition_point(|entry| entry.from <= month).saturating_sub(1)
    }

    /// The entry in force in `month`.
    pub fn entry_in_force(&self, month: Month) -> Option<&WageEntry> {
        self.entries.get(self.entry_index(month))
    }

    /// The monthly figure in force in `month`.
    pub fn in_force(&self, month: Month) -> u64 {
        self.entry_in_force(month).map_or(0, |entry| entry.monthly)
    }

    pub fn first_month(&self) -> Option<Month> {
        self.entries.first().map(|entry| entry.from)
    }

    pub fn last_month(&self) -> Option<Month> {
        self.entries.last().map(|entry| entry.from)
    }

    /// Calls `visit(months, entry)` for each stretch of `from..=to` over which one entry is
    /// in force, in order; `months` is the number of months of the stretch.
    pub fn for_each_stretch<'t>(&'t self, from: Month, to: Month, mut visit: impl FnMut(i32, &'t WageEntry)) {
        let mut start = from;
        let mut index = self.entry_index(from);
        while start <= to {
            let Some(entry) = self.entries.get(index) else {
                return;
            };
            let end = match self.entries.get(index + 1) {
                Some(next) if next.from <= to => next.from.plus(-1),
                _ => to,
            };
            visit(start.until(end) + 1, entry);
            start = end.plus(1);
            index += 1;
        }
    }

    /// The interpretations the figures in force over `from..=to` rest on.
    pub fn interpretations_between(&self, from: Month, to: Month) -> Interpretations {
        let mut all = Interpretations::NONE;
        self.for_each_stretch(from, to, |_, entry| all = all.union(entry.interpretations));
        all
    }
}

/// Both series and their sources, as `average-wage.toml` holds them.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct AverageWages {
    /// A result evaluated more than this many months after the last points-reference entry
    /// warns that the current figure may not be published in jifen yet.
    pub stale_after_months: u32,
    pub sources: BTreeMap<String, Source>,
    /// What insurance bases are compared with for points.
    pub points_reference: AverageWageTable,
    /// The yearly social-insurance base figures: information, and the alternative of I-11.
    pub insurance_base: AverageWageTable,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct WageFile {
    stale_after_months: u32,
    sources: BTreeMap<String, Source>,
    points_reference: Vec<WageEntry>,
    insurance_base: Vec<WageEntry>,
}

impl AverageWages {
    /// Loads and checks the wage data: each series non-empty, in month order, every figure
    /// positive and cited to a known source, and every kept figure equal to the one it keeps.
    pub fn load(text: &str) -> Result<Self, RuleDataError> {
        let file: WageFile = toml::from_str(text).map_err(|e| invalid(FILE, e.to_string()))?;
        let points_reference = check_series("points_reference", file.points_reference, &file.sources)?;
        let insurance_base = check_series("insurance_base", file.insurance_base, &file.sources)?;
        Ok(Self {
            stale_after_months: file.stale_after_months,
            sources: file.sources,
            points_reference,
            insurance_base,
        })
    }
}

fn check_series(
    series: &str,
    mut entries: Vec<WageEntry>,
    sources: &BTreeMap<String, Source>,
) -> Result<AverageWageTable, RuleDataError> {
    let fail = |from: Month, message: String| invalid(FILE, format!("{series} {from}: {message}"));
    if entries.is_empty() {
        return Err(invalid(FILE, format!("{series}: no entries")));
    }
    if !entries.windows(2).all(|pair| pair[0].from < pair[1].from) {
        return Err(invalid(FILE, format!("{series}: entries must be in increasing order of month")));
    }
    let figures: BTreeMap<Month, u64> = entries.iter().map(|entry| (entry.from, entry.monthly)).collect();
    for entry in &mut entries {
        let Some(source) = sources.get(&entry.source) else {
            return Err(fail(entry.from, format!("unknown source \"{}\"", entry.source)));
        };
        if entry.monthly == 0 {
            return Err(fail(entry.from, "monthly must be positive".into()));
        }
        if let Some(kept) = entry.keeps
            && (kept >= entry.from || figures.get(&kept) != Some(&entry.monthly))
        {
            return Err(fail(entry.from, format!("keeps {kept}, which must be an earlier entry of the same figure")));
        }
        if let Some(id) = &entry.interpretation {
            let Some(number) = Interpretations::number_of(id) else {
                return Err(fail(entry.from, format!("unknown interpretation \"{id}\"")));
            };
            entry.interpretations = Interpretations::NONE.with(number);
        }
        entry.citation = Some(citation_text(Some(source), &entry.provision));
    }
    Ok(AverageWageTable { entries })
}
