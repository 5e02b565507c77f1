//! The scoring function. Pure: the evaluation date comes in, nothing is read from a clock,
//! a file or the network, and every number comes from the rule set.

use crate::calendar::{Month, full_years, years_before};
use crate::error::{ProfileError, ProfileErrorKind};
use crate::item::*;
use crate::profile::{EducationLevel, InsurancePeriod, Profile};
use crate::rulebook::{Deduction, RuleBook, RuleSet};
use crate::wages::{AverageWageTable, AverageWages};
use chrono::{Datelike, NaiveDate};

/// What the caller supplies besides the profile.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// Today in Asia/Shanghai: the evaluation date when the profile has no `as_of`.
    pub today: NaiveDate,
    /// Forces a rule set, overriding the profile's `rule_set`.
    pub rule_set: Option<&'a str>,
}

impl<'a> Context<'a> {
    pub fn on(today: NaiveDate) -> Self {
        Self { today, rule_set: None }
    }
}

/// The engine's answer, borrowing its rule values from the rule book.
#[derive(Debug, Clone)]
pub struct Evaluation<'r> {
    pub rule_set: &'r RuleSet,
    pub as_of: NaiveDate,
    pub standard: i64,
    pub total: i64,
    pub reaches_standard: bool,
    pub vetoes: Vec<Veto>,
    pub ineligibilities: Vec<Ineligibility>,
    pub items: [Item<'r>; 17],
    pub warnings: Vec<Warning>,
    /// Every interpretation the result rests on, including those not tied to an item (I-9).
    pub interpretations: Interpretations,
}

impl<'r> Evaluation<'r> {
    pub fn item(&self, id: ItemId) -> &Item<'r> {
        // Items are stored in ItemId::ALL order, which is declaration order.
        &self.items[id as usize]
    }

    pub fn vetoed(&self) -> bool {
        !self.vetoes.is_empty()
    }

    pub fn eligible_to_apply(&self) -> bool {
        self.ineligibilities.is_empty()
    }
}

impl RuleBook {
    /// Scores a validated profile. Errors are the facts that only the evaluation date can
    /// judge: no rule set for it, or an age under the minimum.
    pub fn evaluate(&self, profile: &Profile, context: &Context) -> Result<Evaluation<'_>, ProfileError> {
        let as_of = profile.as_of.unwrap_or(context.today);
        let in_force = self.in_force_on(as_of);
        let rule_set = match context.rule_set.or(profile.rule_set.as_deref()) {
            Some(id) => self.rule_set(id).ok_or_else(|| {
                let known = self.ids().into_iter().map(String::from).collect();
                let path = if context.rule_set.is_some() { "--rule-set" } else { "rule_set" };
                ProfileError::new(path, ProfileErrorKind::UnknownRuleSet { id: id.to_string(), known })
            })?,
            None => in_force.ok_or_else(|| self.no_rule_set_error(as_of))?,
        };
        let birth_date =
            profile.birth_date.ok_or_else(|| ProfileError::new("birth_date", ProfileErrorKind::BirthDateMissing))?;
        let age = full_years(birth_date, as_of);
        let minimum = rule_set.age.minimum.value;
        if age < minimum as i32 {
            let path = if profile.id_number.is_some() { "id_number" } else { "birth_date" };
            return Err(ProfileError::new(path, ProfileErrorKind::Underage { age, minimum, as_of }));
        }
        let as_of_month = Month::of(as_of);
        profile.check_open_insurance(as_of_month)?;
        let facts = Facts { profile, rules: rule_set, wages: self.average_wages(), as_of, as_of_month };
        Ok(facts.evaluate(birth_date, age, in_force))
    }

    fn no_rule_set_error(&self, as_of: NaiveDate) -> ProfileError {
        let (earliest, earliest_from) = self
            .rule_sets()
            .first()
            .map_or((String::new(), as_of), |rule_set| (rule_set.id.clone(), rule_set.effective_from));
        ProfileError::new("as_of", ProfileErrorKind::NoRuleSetInForce { as_of, earliest, earliest_from })
    }
}

/// A profile seen from one evaluation date under one rule set.
struct Facts<'p, 'r> {
    profile: &'p Profile,
    rules: &'r RuleSet,
    wages: &'r AverageWages,
    as_of: NaiveDate,
    as_of_month: Month,
}

/// Months of one period's base under one figure of the average wage.
#[derive(Debug, Clone, Copy)]
struct Stretch {
    first: Month,
    months: i32,
    base: u64,
    figure: u64,
}

/// The [`Stretch`]es of a window ending with the evaluation month.
struct Stretches {
    all: Vec<Stretch>,
    first_wage_month: Option<Month>,
}

impl Stretches {
    /// The months from `from` on whose base is at least `ratio_tenths / 10` × the figure.
    /// Exact in integer yuan: base × 10 ≥ ratio_tenths × figure.
    fn count(&self, from: Month, ratio_tenths: u64) -> WindowCount {
        let mut count = WindowCount::default();
        for stretch in &self.all {
            let last = stretch.first.plus(stretch.months - 1);
            let first = stretch.first.max(from);
            if first > last {
                continue;
            }
            count.before_table |= self.first_wage_month.is_some_and(|wage_month| first < wage_month);
            if u128::from(stretch.base) * 10 >= u128::from(ratio_tenths) * u128::from(stretch.figure) {
                count.months += (first.until(last) + 1) as u32;
            }
        }
        count
    }
}

/// Months of a window ending with the evaluation month that meet a base ratio.
#[derive(Debug, Clone, Copy, Default)]
struct WindowCount {
    months: u32,
    /// Some counted month fell before the first wage entry (the first entry was used).
    before_table: bool,
}

impl<'p, 'r> Facts<'p, 'r> {
    fn evaluate(&self, birth_date: NaiveDate, age: i32, in_force: Option<&RuleSet>) -> Evaluation<'r> {
        let mut warnings = Vec::new();
        let mut education = self.education();
        let mut qualification = self.qualification(&mut warnings);
        // I-2: education and title are alternatives; only the higher counts.
        let both = education.points > 0 && qualification.points > 0;
        let (loser, winner) = if qualification.points > education.points {
            (&mut education, ItemId::Qualification)
        } else {
            (&mut qualification, ItemId::Education)
        };
        loser.counted = false;
        loser.superseded_by = Some(winner);
        education = education.noting(Interpretations::NONE.when(both, 2));
        qualification = qualification.noting(Interpretations::NONE.when(both, 2));
        let scored_by_title = winner == ItemId::Qualification;

        let items = [
            self.age(birth_date, age, &mut warnings),
            education,
            qualification,
            self.si_years(&mut warnings),
            self.si_base(&mut warnings),
            self.shortage_major(scored_by_title),
            self.investment(),
            self.public_service(),
            self.remote_area(),
            self.talent(ItemId::StartupTalent, self.profile.startup_talent, &self.rules.startup_talent),
            self.talent(ItemId::IntermediaryTalent, self.profile.intermediary_talent, &self.rules.intermediary_talent),
            self.fresh_graduate(),
            self.awards(),
            self.spouse(),
            self.deduction(
                ItemId::FalseMaterials,
                &self.rules.deductions.false_materials,
                self.profile.records.false_materials.iter().copied(),
            ),
            self.deduction(
                ItemId::Detention,
                &self.rules.deductions.detention,
                self.profile.records.detentions.iter().copied(),
            ),
            self.deduction(
                ItemId::Crime,
                &self.rules.deductions.crime,
                self.profile.records.crimes.iter().filter(|crime| !crime.serious).map(|crime| crime.on),
            ),
        ];
        let total = items.iter().filter(|item| item.counted).map(|item| item.points).sum();
        let vetoes = self.vetoes();
        let mut interpretations = items.iter().fold(Interpretations::NONE, |all, item| all.union(item.interpretations));
        let family_planning_not_veto =
            self.profile.records.family_planning_violation && !self.rules.vetoes.family_planning.value;
        interpretations = interpretations.when(family_planning_not_veto, 9);

        let after_months = self.wages.stale_after_months;
        if let Some(last) = self.wages.points_reference.last_month()
            && last.until(self.as_of_month) > after_months as i32
        {
            warnings.push(Warning::WageNotYetPublished { last, after_months });
        }
        if self.rules.provisional {
            warnings.push(Warning::Provisional { inherits: self.rules.inherits.clone() });
        }
        if in_force.is_none_or(|in_force| in_force.id != self.rules.id) {
            warnings.push(Warning::ForcedRuleSet { in_force: in_force.map(|rule_set| rule_set.id.clone()) });
        }
        let standard = self.rules.standard_score.value;
        Evaluation {
            rule_set: self.rules,
            as_of: self.as_of,
            standard,
            total,
            reaches_standard: vetoes.is_empty() && total >= standard,
            vetoes,
            ineligibilities: self.ineligibilities(),
            items,
            warnings,
            interpretations,
        }
    }

    fn qualifying_periods(&self) -> impl Iterator<Item = &'p InsurancePeriod> {
        self.profile.social_insurance.iter().filter(|period| period.qualifies())
    }

    /// Qualifying months in `from..=to`.
    fn qualifying_months(&self, from: Month, to: Month) -> u32 {
        self.qualifying_periods().map(|period| overlap(period, from, to, self.as_of_month)).sum()
    }

    /// The first month of the `window` months ending with the evaluation month.
    fn window_start(&self, window: u32) -> Month {
        self.as_of_month.plus(1 - window as i32)
    }

    /// Qualifying months among the `window` months ending with the evaluation month whose
    /// base is at least `ratio_tenths / 10` × the figure of `wages` in force that month.
    fn months_at_ratio(&self, window: u32, ratio_tenths: u64, wages: &AverageWageTable) -> WindowCount {
        self.stretches(window, wages).count(self.window_start(window), ratio_tenths)
    }

    /// The qualifying months among the `window` months ending with the evaluation month, in
    /// stretches over which one period's base and one figure of `wages` hold. Gathered once,
    /// they answer every tier of a window that wide or narrower.
    fn stretches(&self, window: u32, wages: &AverageWageTable) -> Stretches {
        let to = self.as_of_month;
        let from = self.window_start(window);
        let mut stretches = Stretches { all: Vec::with_capacity(8), first_wage_month: wages.first_month() };
        for period in self.qualifying_periods() {
            let (start, end) = (period.from.max(from), period.last_month(self.as_of_month).min(to));
            if start > end {
                continue;
            }
            let mut first = start;
            wages.for_each_stretch(start, end, |months, entry| {
                stretches.all.push(Stretch { first, months, base: period.base, figure: entry.monthly });
                first = first.plus(months);
            });
        }
        stretches
    }

    /// The interpretations a value compared over the last `window` months rests on: those of
    /// the points-reference figures in force there, when the insurance-base figures (the
    /// alternative reading) would give another value.
    fn wage_interpretations(&self, window: u32, differs: bool) -> Interpretations {
        if !differs {
            return Interpretations::NONE;
        }
        self.wages.points_reference.interpretations_between(self.window_start(window), self.as_of_month)
    }

    fn note_wage_table(&self, count: WindowCount, warnings: &mut Vec<Warning>) {
        if let (true, Some(first)) = (count.before_table, self.wages.points_reference.first_month()) {
            let warning = Warning::WageBeforeTable { first };
            if !warnings.contains(&warning) {
                warnings.push(warning);
            }
        }
    }

    fn age(&self, birth_date: NaiveDate, age: i32, warnings: &mut Vec<Warning>) -> Item<'r> {
        let rules = &self.rules.age;
        let band = rules.bands.value.iter().find(|band| (band.from as i32..=band.to as i32).contains(&age)).copied();
        let points = band.map_or(0, |band| band.points(age as u32)).clamp(0, rules.cap.value);
        if points == 0 {
            warnings.push(Warning::NoAgePoints { age });
        }
        let formula = band.is_some_and(|band| band.step != 0);
        Item::new(ItemId::Age, points, Finding::Age { age, birth_date, band }, Reference::to(&rules.bands))
            .noting(Interpretations::NONE.when(formula, 1))
    }

    fn education(&self) -> Item<'r> {
        let table = &self.rules.education.points.value;
        let mut best: Option<(i64, Finding)> = None;
        let mut fallback = Finding::NoEducation;
        for (entry, education) in self.profile.education.iter().enumerate() {
            let facts = EducationFacts::of(education);
            if let Some(graduated_on) = education.graduated_on.filter(|&date| date > self.as_of) {
                fallback = Finding::EducationNotYet { entry, facts, graduated_on };
                continue;
            }
            if !education.recognized {
                fallback = Finding::EducationNotRecognized { entry, facts };
                continue;
            }
            let points = match education.level {
                EducationLevel::Associate => table.associate,
                EducationLevel::Bachelor if education.degree => table.bachelor_with_degree,
                EducationLevel::Bachelor => table.bachelor,
                EducationLevel::Master => table.master,
                EducationLevel::Doctor => table.doctor,
            };
            if best.is_none_or(|(best_points, _)| points > best_points) {
                best = Some((points, Finding::Education { entry, facts }));
            }
        }
        let (points, finding) = best.unwrap_or((0, fallback));
        let points = points.min(self.rules.education.cap.value);
        Item::new(ItemId::Education, points, finding, Reference::to(&self.rules.education.points))
    }

    fn qualification(&self, warnings: &mut Vec<Warning>) -> Item<'r> {
        let rules = &self.rules.qualification;
        let condition = &rules.base_condition.value;
        let needs_condition = self
            .profile
            .qualifications
            .iter()
            .filter_map(|qualification| qualification.rule_level())
            .any(|level| condition.levels.contains(&level));
        let recent = |wages| {
            needs_condition.then(|| self.months_at_ratio(condition.window_months, condition.ratio_tenths, wages))
        };
        let reference_count = recent(&self.wages.points_reference);
        let (points, finding) = self.best_qualification(reference_count);
        let compared = matches!(
            finding,
            Finding::Qualification { base_months: Some(_), .. }
                | Finding::QualificationFailed { failure: QualificationFailure::BaseTooLow { .. }, .. }
        );
        if let (true, Some(count)) = (compared, reference_count) {
            self.note_wage_table(count, warnings);
        }
        let alternative_points = self.best_qualification(recent(&self.wages.insurance_base)).0;
        let reference = match finding {
            Finding::QualificationFailed { failure: QualificationFailure::BaseTooLow { .. }, .. } => {
                Reference::to(&rules.base_condition)
            }
            _ => Reference::to(&rules.points),
        };
        let item = Item::new(ItemId::Qualification, points, finding, reference)
            .noting(self.wage_interpretations(condition.window_months, alternative_points != points));
        if compared { item.comparing_with(&self.wages.points_reference, self.as_of_month) } else { item }
    }

    /// The best title or skill level and its points, given the months of recent insurance at
    /// the base the condition asks for (`None` when no entry is subject to it).
    fn best_qualification(&self, recent: Option<WindowCount>) -> (i64, Finding) {
        let rules = &self.rules.qualification;
        let condition = &rules.base_condition.value;
        let mut best: Option<(i64, Finding)> = None;
        let mut best_failed: Option<(i64, Finding)> = None;
        for (entry, qualification) in self.profile.qualifications.iter().enumerate() {
            let Some(level) = qualification.rule_level() else {
                continue;
            };
            let points = rules.points.value.of(level);
            let subject_to_condition = condition.levels.contains(&level);
            let months = recent.unwrap_or_default().months;
            let failure = if let Some(date) = qualification.obtained_on.filter(|&date| date > self.as_of) {
                Some(QualificationFailure::NotYetObtained(date))
            } else if !qualification.obtained_in_shanghai {
                Some(QualificationFailure::NotInShanghai)
            } else if !qualification.post_match {
                Some(QualificationFailure::PostMismatch)
            } else if !qualification.registered {
                Some(QualificationFailure::NotRegistered)
            } else if subject_to_condition && months < condition.min_months {
                Some(QualificationFailure::BaseTooLow {
                    months,
                    min_months: condition.min_months,
                    window_months: condition.window_months,
                    ratio_tenths: condition.ratio_tenths,
                })
            } else {
                None
            };
            let obtained_on = qualification.obtained_on;
            let (slot, finding) = match failure {
                None => {
                    let base_months = subject_to_condition.then_some(months);
                    (&mut best, Finding::Qualification { entry, level, obtained_on, base_months })
                }
                Some(failure) => {
                    (&mut best_failed, Finding::QualificationFailed { entry, level, obtained_on, failure })
                }
            };
            if slot.as_ref().is_none_or(|(best_points, _)| points > *best_points) {
                *slot = Some((points, finding));
            }
        }
        let (points, finding) = match (best, best_failed) {
            (Some(best), _) => best,
            (None, Some((_, failed))) => (0, failed),
            (None, None) => (0, Finding::NoQualification),
        };
        (points.min(rules.cap.value), finding)
    }

    fn si_years(&self, warnings: &mut Vec<Warning>) -> Item<'r> {
        let rule = &self.rules.si_years.value;
        let mut months = 0u32;
        let mut not_qualifying = 0u32;
        let mut future = 0u32;
        let mut qualifying_ranges: Vec<(Month, Month)> = Vec::new();
        for period in &self.profile.social_insurance {
            let counted = overlap(period, period.from, self.as_of_month, self.as_of_month);
            future += overlap(period, period.from, period.last_month(self.as_of_month), self.as_of_month) - counted;
            if period.qualifies() {
                months += counted;
                if counted > 0 {
                    qualifying_ranges.push((period.from, period.last_month(self.as_of_month).min(self.as_of_month)));
                }
            } else {
                not_qualifying += counted;
            }
        }
        if future > 0 {
            warnings.push(Warning::FutureInsuranceIgnored { months: future });
        }
        // I-3 matters when qualifying months have gaps between them.
        qualifying_ranges.sort_unstable();
        let gaps = qualifying_ranges.windows(2).any(|pair| pair[0].1.plus(1) < pair[1].0);
        let points = rule.points_per_block * i64::from(months / rule.months_per_block);
        let finding = Finding::SiYears { months, not_qualifying, months_per_block: rule.months_per_block };
        Item::new(ItemId::SiYears, points, finding, Reference::to(&self.rules.si_years))
            .noting(Interpretations::NONE.when(gaps, 3))
    }

    fn si_base(&self, warnings: &mut Vec<Warning>) -> Item<'r> {
        let rules = &self.rules.si_base;
        let reference = &self.wages.points_reference;
        let (counts, awarded) = self.base_tiers(reference, Some(warnings));
        let points = self.tier_points(awarded);
        let alternative = self.tier_points(self.base_tiers(&self.wages.insurance_base, None).1);
        let tiers = &rules.tiers.value;
        let top_tier = awarded.is_some_and(|index| index as usize + 1 == tiers.len());
        let widest_window = tiers.iter().map(|tier| tier.window_months).max().unwrap_or(0);
        let finding = Finding::SiBase {
            counts,
            awarded,
            as_of_month: self.as_of_month,
            alternative: (alternative != points).then_some(alternative),
        };
        Item::new(ItemId::SiBase, points, finding, Reference::to(&rules.tiers))
            .noting(Interpretations::NONE.when(top_tier, 10))
            .noting(self.wage_interpretations(widest_window, alternative != points))
            .comparing_with(reference, self.as_of_month)
    }

    /// Months meeting each contribution-base tier within its window, compared with `wages`,
    /// and the highest tier satisfied. Notes months before the table in `warnings` if given.
    fn base_tiers(
        &self,
        wages: &AverageWageTable,
        mut warnings: Option<&mut Vec<Warning>>,
    ) -> ([u16; MAX_BASE_TIERS], Option<u8>) {
        let mut counts = [0u16; MAX_BASE_TIERS];
        let mut awarded = None;
        let tiers = &self.rules.si_base.tiers.value;
        let widest_window = tiers.iter().map(|tier| tier.window_months).max().unwrap_or(0);
        let stretches = self.stretches(widest_window, wages);
        for (index, tier) in tiers.iter().enumerate().take(MAX_BASE_TIERS) {
            let count = stretches.count(self.window_start(tier.window_months), tier.ratio_tenths);
            if let Some(warnings) = warnings.as_deref_mut() {
                self.note_wage_table(count, warnings);
            }
            counts[index] = u16::try_from(count.months).unwrap_or(u16::MAX);
            if count.months >= tier.min_months {
                awarded = Some(index as u8);
            }
        }
        (counts, awarded)
    }

    /// The points of tier `awarded`, capped.
    fn tier_points(&self, awarded: Option<u8>) -> i64 {
        let rules = &self.rules.si_base;
        let points = awarded.and_then(|index| rules.tiers.value.get(index as usize)).map_or(0, |tier| tier.points);
        points.min(rules.cap.value)
    }

    fn shortage_major(&self, scored_by_title: bool) -> Item<'r> {
        let mut finding = Finding::NoShortageMajor;
        for (entry, education) in self.profile.education.iter().enumerate().filter(|(_, e)| e.shortage_major) {
            let failure = if education.level != EducationLevel::Associate {
                Some(ShortageFailure::NotAssociate(education.level))
            } else if !education.recognized {
                Some(ShortageFailure::NotRecognized)
            } else if !education.full_time {
                Some(ShortageFailure::NotFullTime)
            } else if !education.post_match {
                Some(ShortageFailure::PostMismatch)
            } else {
                education.graduated_on.filter(|&date| date > self.as_of).map(ShortageFailure::NotYetGraduated)
            };
            let facts = EducationFacts::of(education);
            match failure {
                None => {
                    finding = Finding::ShortageMajor { entry, facts };
                    break;
                }
                Some(failure) if finding == Finding::NoShortageMajor => {
                    finding = Finding::ShortageMajorFailed { entry, facts, failure };
                }
                Some(_) => {}
            }
        }
        let granted = matches!(finding, Finding::ShortageMajor { .. });
        let points = if granted { self.rules.shortage_major.value } else { 0 };
        Item::new(ItemId::ShortageMajor, points, finding, Reference::to(&self.rules.shortage_major))
            .noting(Interpretations::NONE.when(granted && scored_by_title, 4))
    }

    fn investment(&self) -> Item<'r> {
        let rules = &self.rules.investment;
        let reference = Reference::to(&rules.rule);
        let Some(investment) = &self.profile.investment else {
            return Item::new(ItemId::Investment, 0, Finding::NoInvestment, reference);
        };
        let rule = &rules.rule.value;
        let own_tax = u128::from(investment.avg_annual_tax) * u128::from(investment.share_percent) / 100;
        let units = |amount: u128, unit: u64| i64::try_from(amount / u128::from(unit)).unwrap_or(i64::MAX);
        let tax_points = rule.points_per_unit.saturating_mul(units(own_tax, rule.tax_unit));
        let hire_points =
            rule.points_per_unit.saturating_mul(units(u128::from(investment.avg_local_hires), rule.hires_unit));
        let uncapped = tax_points.max(hire_points);
        let points = uncapped.min(rules.cap.value);
        let finding = Finding::Investment { tax_points, hire_points, capped: uncapped > points };
        Item::new(ItemId::Investment, points, finding, reference)
            .noting(Interpretations::NONE.when(tax_points > 0 && hire_points > 0, 5))
    }

    fn public_service(&self) -> Item<'r> {
        let rule = &self.rules.public_service;
        let years = self.profile.public_service_years;
        let finding = Finding::PublicService { years, min_years: rule.value.min_years };
        Item::new(ItemId::PublicService, rule.value.points(years), finding, Reference::to(rule))
            .noting(Interpretations::NONE.when(years >= rule.value.min_years, 6))
    }

    fn remote_area(&self) -> Item<'r> {
        let remote = &self.rules.remote_area;
        let lingang_rules = &self.rules.lingang;
        let remote_years = self.profile.remote_key_area_years;
        let remote_uncapped = remote.rule.value.points(remote_years);
        let remote_points = remote_uncapped.min(remote.cap.value);
        let lingang = self.profile.lingang.as_ref().and_then(|lingang| {
            let phase = lingang_rules.phase_on(self.as_of)?;
            let years = full_years(lingang.since, self.as_of).max(0);
            let uncapped = if years as u32 >= phase.min_years { phase.points_per_year * i64::from(years) } else { 0 };
            Some((
                LingangFinding {
                    since: lingang.since,
                    years,
                    min_years: phase.min_years,
                    points: uncapped.min(lingang_rules.cap.value),
                },
                uncapped,
            ))
        });
        let lingang_points = lingang.map_or(0, |(finding, _)| finding.points);
        let capped =
            remote_uncapped > remote_points || lingang.is_some_and(|(finding, uncapped)| uncapped > finding.points);
        let (points, reference) = if lingang_points > remote_points {
            (lingang_points, Reference::to(&lingang_rules.phases))
        } else {
            (remote_points, Reference::to(&remote.rule))
        };
        let finding = Finding::RemoteArea { remote_years, remote_points, lingang: lingang.map(|(f, _)| f), capped };
        Item::new(ItemId::RemoteArea, points, finding, reference)
            .noting(Interpretations::NONE.when(remote_points > 0 && lingang_points > 0, 7))
    }

    fn talent(
        &self,
        id: ItemId,
        claimed: bool,
        rule: &'r crate::rulebook::Cited<crate::rulebook::TalentRule>,
    ) -> Item<'r> {
        let available = rule.value.available;
        let points = if claimed && available { rule.value.points } else { 0 };
        Item::new(id, points, Finding::Talent { claimed, available }, Reference::to(rule))
    }

    fn fresh_graduate(&self) -> Item<'r> {
        let rule = &self.rules.fresh_graduate;
        let mut finding = Finding::NotFreshGraduate;
        let mut within_a_year = false;
        for (entry, education) in self.profile.education.iter().enumerate() {
            let Some(graduated_on) = education.graduated_on else {
                continue;
            };
            if !education.recognized || !education.full_time || graduated_on > self.as_of {
                continue;
            }
            within_a_year |= graduated_on > years_before(self.as_of, 1);
            if graduated_on.year() == self.as_of.year() {
                finding = Finding::FreshGraduate { entry, facts: EducationFacts::of(education), graduated_on };
                break;
            }
        }
        let granted = matches!(finding, Finding::FreshGraduate { .. });
        let points = if granted { rule.value } else { 0 };
        Item::new(ItemId::FreshGraduate, points, finding, Reference::to(rule))
            .noting(Interpretations::NONE.when(granted || within_a_year, 8))
    }

    fn awards(&self) -> Item<'r> {
        let rules = &self.rules.awards;
        let table = &rules.points.value;
        let mut best: Option<(i64, usize)> = None;
        let mut ignored = 0;
        for (entry, award) in self.profile.awards.iter().enumerate() {
            if !award.obtained_in_shanghai || award.obtained_on.is_some_and(|date| date > self.as_of) {
                ignored += 1;
                continue;
            }
            let points = match award.level {
                crate::profile::AwardLevel::MunicipalSpecial => table.municipal_special,
                crate::profile::AwardLevel::MunicipalComprehensive => table.municipal_comprehensive,
                crate::profile::AwardLevel::National => table.national,
            };
            if best.is_none_or(|(best_points, _)| points > best_points) {
                best = Some((points, entry));
            }
        }
        let reference = Reference::to(&rules.points);
        match best {
            Some((points, entry)) => {
                let award = &self.profile.awards[entry];
                let finding = Finding::Award { entry, level: award.level, obtained_on: award.obtained_on, ignored };
                Item::new(ItemId::Awards, points.min(rules.cap.value), finding, reference)
            }
            None => Item::new(ItemId::Awards, 0, Finding::NoAward { ignored }, reference),
        }
    }

    fn spouse(&self) -> Item<'r> {
        let rules = &self.rules.spouse;
        let reference = Reference::to(&rules.rule);
        match &self.profile.spouse {
            None => Item::new(ItemId::Spouse, 0, Finding::NoSpouse, reference),
            Some(spouse) if !spouse.shanghai_hukou => Item::new(ItemId::Spouse, 0, Finding::SpouseNotHukou, reference),
            Some(spouse) => {
                let years = full_years(spouse.married_on, self.as_of).max(0);
                let uncapped = rules.rule.value.points_per_year * i64::from(years);
                let points = uncapped.min(rules.cap.value);
                Item::new(ItemId::Spouse, points, Finding::Spouse { years, capped: uncapped > points }, reference)
            }
        }
    }

    fn deduction(
        &self,
        id: ItemId,
        rule: &'r crate::rulebook::Cited<Deduction>,
        dates: impl Iterator<Item = NaiveDate>,
    ) -> Item<'r> {
        let since = years_before(self.as_of, rule.value.lookback_years);
        let (mut counted, mut ignored) = (0usize, 0usize);
        for date in dates {
            if since <= date && date <= self.as_of {
                counted += 1;
            } else {
                ignored += 1;
            }
        }
        let points = rule.value.points.saturating_mul(counted as i64);
        let finding = Finding::Deduction { counted, ignored, since, per_record: rule.value.points };
        Item::new(id, points, finding, Reference::to(rule))
    }

    fn vetoes(&self) -> Vec<Veto> {
        let mut vetoes = Vec::new();
        let records = &self.profile.records;
        if self.rules.vetoes.serious_crime.value
            && let Some(crime) = records.crimes.iter().find(|crime| crime.serious && crime.on <= self.as_of)
        {
            vetoes.push(Veto::SeriousCrime { on: crime.on });
        }
        if self.rules.vetoes.family_planning.value && records.family_planning_violation {
            vetoes.push(Veto::FamilyPlanning);
        }
        vetoes
    }

    fn ineligibilities(&self) -> Vec<Ineligibility> {
        let mut reasons = Vec::new();
        if !self.profile.holds_residence_permit {
            reasons.push(Ineligibility::NoResidencePermit);
        }
        if !self.profile.employer_eligible {
            reasons.push(Ineligibility::EmployerNotEligible);
        }
        let rule = &self.rules.eligibility.value;
        let months = self.qualifying_months(self.as_of_month.plus(1 - rule.window_months as i32), self.as_of_month);
        if months < rule.min_months {
            reasons.push(Ineligibility::TooFewInsuranceMonths {
                months,
                min_months: rule.min_months,
                window_months: rule.window_months,
            });
        }
        reasons
    }
}

/// Months of `period`, evaluated in `evaluation_month`, within `from..=to`.
fn overlap(period: &InsurancePeriod, from: Month, to: Month, evaluation_month: Month) -> u32 {
    let (start, end) = (period.from.max(from), period.last_month(evaluation_month).min(to));
    if start > end { 0 } else { start.until(end) as u32 + 1 }
}
