//! Words for the engine's findings, in Chinese (default) and English. Each sentence states
//! the facts used and the rule applied, so a person can check it against the cited text.
//!
//! An item's sentence is written to any [`fmt::Write`]: a `String` for a result document,
//! or straight into a JSON answer, escaped as it is written (`jifen score --batch` words
//! hundreds of thousands of results a second, and building each sentence as a string of
//! its own first was a third of that work).

use crate::calendar::Month;
use crate::item::*;
use crate::lang::Lang;
use crate::profile::{AwardLevel, EducationLevel};
use crate::rulebook::{QualificationLevel, RuleSet};
use crate::wages::{AverageWageTable, WageEntry};
use chrono::{Datelike, NaiveDate};
use std::borrow::Cow;
use std::fmt::{self, Display, Formatter, Write};

/// A number of tenths as a decimal: 8 → "0.8", 10 → "1", 25 → "2.5", 82704 → "8270.4".
#[derive(Debug, Clone, Copy)]
pub struct Tenths(pub u64);

impl Display for Tenths {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let Self(value) = *self;
        if value.is_multiple_of(10) { write!(f, "{}", value / 10) } else { write!(f, "{}.{}", value / 10, value % 10) }
    }
}

/// `ratio_tenths` as a multiple: 8 → "0.8", 10 → "1", 25 → "2.5".
pub fn ratio(tenths: u64) -> Tenths {
    Tenths(tenths)
}

pub fn education_level(level: EducationLevel, degree: bool, lang: Lang) -> &'static str {
    match (level, degree, lang) {
        (EducationLevel::Associate, _, Lang::Zh) => "大专（高职）",
        (EducationLevel::Bachelor, false, Lang::Zh) => "本科学历（无学士学位）",
        (EducationLevel::Bachelor, true, Lang::Zh) => "本科学历及学士学位",
        (EducationLevel::Master, _, Lang::Zh) => "硕士研究生学历学位",
        (EducationLevel::Doctor, _, Lang::Zh) => "博士研究生学历学位",
        (EducationLevel::Associate, _, Lang::En) => "associate diploma",
        (EducationLevel::Bachelor, false, Lang::En) => "bachelor's diploma without the degree",
        (EducationLevel::Bachelor, true, Lang::En) => "bachelor's diploma and degree",
        (EducationLevel::Master, _, Lang::En) => "master's degree",
        (EducationLevel::Doctor, _, Lang::En) => "doctorate",
    }
}

pub fn qualification_level(level: QualificationLevel, lang: Lang) -> &'static str {
    use QualificationLevel::*;
    match (level, lang) {
        (Skill5, Lang::Zh) => "技能五级（初级工）",
        (Skill4, Lang::Zh) => "技能四级（中级工）",
        (Skill3, Lang::Zh) => "技能三级（高级工）",
        (Skill2, Lang::Zh) => "技能二级（技师）",
        (Skill1, Lang::Zh) => "技能一级（高级技师）",
        (TitleJunior, Lang::Zh) => "初级职称",
        (TitleIntermediate, Lang::Zh) => "中级职称",
        (TitleSenior, Lang::Zh) => "高级职称",
        (Skill5, Lang::En) => "skill level 5",
        (Skill4, Lang::En) => "skill level 4",
        (Skill3, Lang::En) => "skill level 3",
        (Skill2, Lang::En) => "skill level 2 (technician)",
        (Skill1, Lang::En) => "skill level 1 (senior technician)",
        (TitleJunior, Lang::En) => "junior title",
        (TitleIntermediate, Lang::En) => "intermediate title",
        (TitleSenior, Lang::En) => "senior title",
    }
}

pub fn award_level(level: AwardLevel, lang: Lang) -> &'static str {
    match (level, lang) {
        (AwardLevel::MunicipalSpecial, Lang::Zh) => "市级专项表彰奖励",
        (AwardLevel::MunicipalComprehensive, Lang::Zh) => "市级综合表彰奖励",
        (AwardLevel::National, Lang::Zh) => "省部级及以上表彰奖励",
        (AwardLevel::MunicipalSpecial, Lang::En) => "municipal special award",
        (AwardLevel::MunicipalComprehensive, Lang::En) => "municipal comprehensive award",
        (AwardLevel::National, Lang::En) => "national or ministerial award",
    }
}

/// The sentence for one item. It names the person's facts as a person would ("本科学历及学士
///学位（2010年毕业）"), never input paths, and each interpretation the value rests on by
/// its words ("解释 I-2：学历与职称（技能等级）只计较高的一项").
pub fn explain(item: &Item, rules: &RuleSet, lang: Lang) -> Cow<'static, str> {
    let has_notes = superseded_by(item).is_some() || item.interpretations.described().next().is_some();
    if let Some(text) = fixed_text(&item.finding, lang)
        && !has_notes
    {
        return Cow::Borrowed(text);
    }
    let mut text = String::new();
    // Writing to a String cannot fail.
    write_explanation(item, rules, lang, &mut text).unwrap_or_default();
    Cow::Owned(text)
}

/// Writes [`explain`]'s sentence to `out`, without building it first.
pub fn write_explanation(item: &Item, rules: &RuleSet, lang: Lang, out: &mut dyn Write) -> fmt::Result {
    let mut worded = Interpretations::NONE;
    match fixed_text(&item.finding, lang) {
        Some(text) => out.write_str(text)?,
        None => finding(item, rules, lang, &mut worded, out)?,
    }
    if let Some(winner) = superseded_by(item) {
        match lang {
            Lang::Zh => write!(out, "；本项不计入（计入“{}”）", winner.name(lang))?,
            Lang::En => write!(out, "; not added (\"{}\" counts)", winner.name(lang))?,
        }
    }
    for interpretation in item.interpretations.described().filter(|i| !worded.contains_id(&i.id)) {
        out.write_str(if lang == Lang::Zh { "；" } else { "; " })?;
        interpretation.write_short_note(lang, out)?;
    }
    Ok(())
}

/// The item that counts instead of this one. An item of 0 points that does not count needs
/// no note that it does not count.
fn superseded_by(item: &Item) -> Option<ItemId> {
    item.superseded_by.filter(|_| item.points > 0)
}

/// A degree, title or award by its level and, when known, the year it was had:
/// "本科学历及学士学位（2010年毕业）" / "bachelor's diploma and degree (graduated 2010)".
#[derive(Debug, Clone, Copy)]
pub struct Named {
    level: &'static str,
    on: Option<NaiveDate>,
    lang: Lang,
    /// What happened that year: 毕业 / graduated.
    had: (&'static str, &'static str),
}

impl Display for Named {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(self.level)?;
        match (self.on, self.lang) {
            (None, _) => Ok(()),
            (Some(date), Lang::Zh) => write!(f, "（{}年{}）", date.year(), self.had.0),
            (Some(date), Lang::En) => write!(f, " ({} {})", self.had.1, date.year()),
        }
    }
}

/// "本科学历及学士学位（2010年毕业）" / "bachelor's diploma and degree (graduated 2010)"
pub fn education_name(facts: EducationFacts, lang: Lang) -> Named {
    let level = education_level(facts.level, facts.degree, lang);
    Named { level, on: facts.graduated_on, lang, had: ("毕业", "graduated") }
}

/// "中级职称（2019年取得）" / "intermediate title (obtained 2019)"
pub fn qualification_name(level: QualificationLevel, obtained_on: Option<NaiveDate>, lang: Lang) -> Named {
    Named { level: qualification_level(level, lang), on: obtained_on, lang, had: ("取得", "obtained") }
}

/// "市级专项表彰奖励（2021年获得）" / "municipal special award (received 2021)"
pub fn award_name(level: AwardLevel, obtained_on: Option<NaiveDate>, lang: Lang) -> Named {
    Named { level: award_level(level, lang), on: obtained_on, lang, had: ("获得", "received") }
}

/// Texts that depend on nothing but the finding: borrowed, never formatted.
fn fixed_text(finding: &Finding, lang: Lang) -> Option<&'static str> {
    use Finding::*;
    Some(match (*finding, lang) {
        (NoEducation, Lang::Zh) => "未填写大专及以上学历",
        (NoEducation, Lang::En) => "no associate diploma or higher given",
        (NoQualification, Lang::Zh) => "未填写职称或技能等级",
        (NoQualification, Lang::En) => "no title or skill level given",
        (NoShortageMajor, Lang::Zh) => "未申报紧缺急需专业",
        (NoShortageMajor, Lang::En) => "no shortage major claimed",
        (NoInvestment, Lang::Zh) => "未申报投资纳税或带动就业",
        (NoInvestment, Lang::En) => "no investment or hiring claimed",
        (Talent { claimed: false, .. }, Lang::Zh) => "未申报",
        (Talent { claimed: false, .. }, Lang::En) => "not claimed",
        (NotFreshGraduate, Lang::Zh) => "没有与计分日同一年毕业的全日制学历",
        (NotFreshGraduate, Lang::En) => "no full-time graduation in the evaluation date's calendar year",
        (NoAward { ignored: 0 }, Lang::Zh) => "未申报表彰奖励",
        (NoAward { ignored: 0 }, Lang::En) => "no awards claimed",
        (SpouseNotHukou, Lang::Zh) => "配偶不是本市户籍，不计分",
        (SpouseNotHukou, Lang::En) => "the spouse has no Shanghai hukou: no points",
        (NoSpouse, Lang::Zh) => "未申报配偶",
        (NoSpouse, Lang::En) => "no spouse given",
        _ => return None,
    })
}

/// The sentence of a finding [`fixed_text`] has no words for.
fn finding(item: &Item, rules: &RuleSet, lang: Lang, worded: &mut Interpretations, out: &mut dyn Write) -> fmt::Result {
    use Finding::*;
    let zh = lang == Lang::Zh;
    let (finding, points) = (&item.finding, item.points);
    match *finding {
        NoEducation
        | NoQualification
        | NoShortageMajor
        | NoInvestment
        | Talent { claimed: false, .. }
        | NotFreshGraduate
        | NoAward { ignored: 0 }
        | SpouseNotHukou
        | NoSpouse => out.write_str(fixed_text(finding, lang).unwrap_or_default()),
        Age { age, birth_date, band } => match (band, zh) {
            (Some(b), true) if b.step != 0 => write!(
                out,
                "{birth_date} 出生，{age} 周岁，属 {}–{} 周岁段，按 {} + {} ×（{} − {age}）计，得 {points} 分",
                b.from, b.to, b.base, b.step, b.reference
            ),
            (Some(b), false) if b.step != 0 => write!(
                out,
                "born {birth_date}, aged {age}, in the {}–{} band: {} + {} × ({} − {age}) = {points} points",
                b.from, b.to, b.base, b.step, b.reference
            ),
            (Some(b), true) => {
                write!(out, "{birth_date} 出生，{age} 周岁，属 {}–{} 周岁段，得 {points} 分", b.from, b.to)
            }
            (Some(b), false) => {
                write!(out, "born {birth_date}, aged {age}, in the {}–{} band: {points} points", b.from, b.to)
            }
            (None, true) => write!(out, "{birth_date} 出生，{age} 周岁，不在任何年龄段内，不得分"),
            (None, false) => write!(out, "born {birth_date}, aged {age}, outside every age band: no points"),
        },
        Education { facts, .. } => {
            let name = education_name(facts, lang);
            if zh {
                write!(out, "最高学历为{name}，得 {points} 分")
            } else {
                write!(out, "highest education: {name}, {points} points")
            }
        }
        EducationNotRecognized { facts, .. } if zh => {
            write!(out, "{}未获国家认可，不计分", education_name(facts, lang))
        }
        EducationNotRecognized { facts, .. } => {
            write!(out, "the {} is not state-recognised and scores 0", education_name(facts, lang))
        }
        EducationNotYet { facts, graduated_on, .. } if zh => write!(
            out,
            "{}的毕业日期 {graduated_on} 在计分日之后，尚不计分",
            education_level(facts.level, facts.degree, lang)
        ),
        EducationNotYet { facts, graduated_on, .. } => write!(
            out,
            "the {} is due on {graduated_on}, after the evaluation date, and does not count yet",
            education_level(facts.level, facts.degree, lang)
        ),
        Qualification { level, obtained_on, base_months, .. } => {
            let name = qualification_name(level, obtained_on, lang);
            if zh {
                write!(out, "{name}，符合条件")?;
            } else {
                write!(out, "{name}, meeting the conditions")?;
            }
            if let (Some(months), Some(compared)) = (base_months, item.compared_with) {
                base_condition_met(months, compared, rules, lang, worded, out)?;
            }
            if zh { write!(out, "，得 {points} 分") } else { write!(out, ": {points} points") }
        }
        QualificationFailed { level, obtained_on, failure, .. } => {
            let name = qualification_name(level, obtained_on, lang);
            write!(out, "{name}{}", if zh { "：" } else { ": " })?;
            qualification_failure(failure, item.compared_with, lang, worded, out)?;
            out.write_str(if zh { "，不计分" } else { ", so it scores 0" })
        }
        SiYears { months, not_qualifying, months_per_block } => {
            let years = months / months_per_block.max(1);
            if zh {
                write!(out, "本市职工社保合规缴费累计 {months} 个月")?;
                if not_qualifying > 0 {
                    write!(out, "（另有 {not_qualifying} 个月为补缴或缴费单位与劳动合同单位不一致，不计入）")?;
                }
                write!(out, "，满 {years} 年，得 {points} 分")
            } else {
                write!(out, "{months} qualifying months of Shanghai employee insurance")?;
                if not_qualifying > 0 {
                    write!(
                        out,
                        " ({not_qualifying} more months were back-paid or paid by another unit than the contract's and do not count)"
                    )?;
                }
                match years {
                    1 => write!(out, ", 1 full year: {points} points"),
                    _ => write!(out, ", {years} full years: {points} points"),
                }
            }
        }
        SiBase { .. } => si_base(item, rules, lang, worded, out),
        ShortageMajor { facts, .. } if zh => {
            write!(out, "{}为全日制紧缺急需专业且与岗位相符，得 {points} 分", education_name(facts, lang))
        }
        ShortageMajor { facts, .. } => write!(
            out,
            "the {} is full-time, in a shortage major and matches the post: {points} points",
            education_name(facts, lang)
        ),
        ShortageMajorFailed { facts, failure, .. } => {
            let name = education_name(facts, lang);
            if zh {
                write!(out, "{name}申报紧缺急需专业，但")?;
            } else {
                write!(out, "the {name} is claimed as a shortage major, but ")?;
            }
            shortage_failure(failure, lang, out)?;
            out.write_str(if zh { "，不计分" } else { ", so it scores 0" })
        }
        Investment { tax_points, hire_points, capped } => {
            let cap = rules.investment.cap.value;
            if zh {
                write!(out, "纳税折算 {tax_points} 分，带动本市户籍人员就业折算 {hire_points} 分，取较高者")?;
                if capped {
                    write!(out, "，以 {cap} 分为上限")?;
                }
                write!(out, "，得 {points} 分")
            } else {
                write!(
                    out,
                    "tax earns {tax_points} and hiring Shanghai residents earns {hire_points}; the higher counts"
                )?;
                if capped {
                    write!(out, ", capped at {cap}")?;
                }
                write!(out, ": {points} points")
            }
        }
        PublicService { years, min_years } => match (years >= min_years, zh) {
            (true, true) => write!(out, "在特定公共服务领域工作 {years} 年（满 {min_years} 年），得 {points} 分"),
            (true, false) => {
                write!(out, "{years} years in the public-service field (at least {min_years}): {points} points")
            }
            (false, true) => write!(out, "在特定公共服务领域工作 {years} 年，不满 {min_years} 年，不计分"),
            (false, false) => {
                write!(out, "{years} years in the public-service field, fewer than {min_years}: no points")
            }
        },
        RemoteArea { remote_years, remote_points, lingang, capped } => {
            remote_area(remote_years, remote_points, lingang, capped, points, rules, lang, out)
        }
        Talent { available: false, .. } if zh => write!(out, "规则版本 {} 未设此项，不计分", rules.id),
        Talent { available: false, .. } => write!(out, "rule set {} has no such item: no points", rules.id),
        Talent { .. } if zh => write!(out, "经认定符合条件，得 {points} 分（条件由审核部门认定）"),
        Talent { .. } => {
            write!(out, "recognised as meeting the conditions: {points} points (the reviewer checks them)")
        }
        FreshGraduate { facts, graduated_on, .. } if zh => write!(
            out,
            "{}于 {graduated_on} 全日制毕业，与计分日同一年，得 {points} 分",
            education_level(facts.level, facts.degree, lang)
        ),
        FreshGraduate { facts, graduated_on, .. } => write!(
            out,
            "full-time {} on {graduated_on}, the same calendar year as the evaluation date: {points} points",
            education_level(facts.level, facts.degree, lang)
        ),
        Award { level, obtained_on, ignored, .. } => {
            let name = award_name(level, obtained_on, lang);
            if zh {
                write!(out, "最高奖项为{name}，得 {points} 分")?;
            } else {
                write!(out, "highest award: {name}, {points} points")?;
            }
            ignored_note(ignored, lang, out)
        }
        NoAward { ignored } if zh => write!(out, "{ignored} 项奖励不是在本市工作期间获得或尚未获得，不计分"),
        NoAward { ignored } => write!(
            out,
            "{ignored} awards were not obtained while working in Shanghai or are not yet obtained: no points"
        ),
        Spouse { years, capped } => {
            let cap = rules.spouse.cap.value;
            match (capped, zh) {
                (false, true) => write!(out, "与本市户籍配偶结婚满 {years} 年，得 {points} 分"),
                (true, true) => write!(out, "与本市户籍配偶结婚满 {years} 年，以 {cap} 分为上限，得 {points} 分"),
                (false, false) => {
                    write!(out, "{years} full years married to a spouse with Shanghai hukou: {points} points")
                }
                (true, false) => write!(
                    out,
                    "{years} full years married to a spouse with Shanghai hukou, capped at {cap}: {points} points"
                ),
            }
        }
        Deduction { counted, ignored, since, per_record } => {
            match (counted, zh) {
                (0, true) => write!(out, "{since} 以来无记录")?,
                (0, false) => write!(out, "no record since {since}")?,
                (n, true) => write!(out, "{since} 以来 {n} 条记录，每条 {per_record} 分，共 {points} 分")?,
                (1, false) => write!(out, "1 record since {since} at {per_record}: {points} points")?,
                (n, false) => write!(out, "{n} records since {since} at {per_record} each: {points} points")?,
            }
            match (ignored, zh) {
                (0, _) => Ok(()),
                (n, true) => write!(out, "；另有 {n} 条不在此期间内，不扣分"),
                (1, false) => out.write_str("; 1 more falls outside that period and does not count"),
                (n, false) => write!(out, "; {n} more fall outside that period and do not count"),
            }
        }
    }
}

fn ignored_note(ignored: usize, lang: Lang, out: &mut dyn Write) -> fmt::Result {
    match (ignored, lang) {
        (0, _) => Ok(()),
        (n, Lang::Zh) => write!(out, "（另有 {n} 项不是在本市工作期间获得或尚未获得，不计）"),
        (n, Lang::En) => {
            write!(out, " ({n} more were not obtained while working in Shanghai or are not yet obtained)")
        }
    }
}

fn qualification_failure(
    failure: QualificationFailure,
    compared: Option<WageComparison>,
    lang: Lang,
    worded: &mut Interpretations,
    out: &mut dyn Write,
) -> fmt::Result {
    use QualificationFailure::*;
    match (failure, lang) {
        (NotYetObtained(date), Lang::Zh) => write!(out, "取得日期 {date} 在计分日之后"),
        (NotYetObtained(date), Lang::En) => write!(out, "it is obtained on {date}, after the evaluation date"),
        (NotInShanghai, Lang::Zh) => out.write_str("不是在本市工作期间取得"),
        (NotInShanghai, Lang::En) => out.write_str("it was not obtained while working in Shanghai"),
        (PostMismatch, Lang::Zh) => out.write_str("与所聘岗位不相符"),
        (PostMismatch, Lang::En) => out.write_str("it does not match the current post"),
        (NotRegistered, Lang::Zh) => out.write_str("未按规定登记备案"),
        (NotRegistered, Lang::En) => out.write_str("it is not registered as required"),
        (BaseTooLow { months, min_months, window_months, ratio_tenths }, _) => {
            let zh = lang == Lang::Zh;
            if zh {
                write!(out, "近 {window_months} 个月中缴费基数不低于 {} 倍", ratio(ratio_tenths))?;
            } else {
                write!(
                    out,
                    "only {months} of the last {window_months} months were insured at ≥ {} × ",
                    ratio(ratio_tenths)
                )?;
            }
            match compared {
                Some(compared) => {
                    let end = compared.through;
                    let from = end.plus(1 - window_months as i32);
                    compared_figures(compared.wages, from, end, ratio_tenths, lang, worded, out)?;
                }
                None => out.write_str(if zh { "社平工资" } else { "the average wage" })?,
            }
            if zh {
                write!(out, "的月份只有 {months} 个（需 {min_months} 个）")
            } else {
                write!(out, " ({min_months} needed)")
            }
        }
    }
}

fn shortage_failure(failure: ShortageFailure, lang: Lang, out: &mut dyn Write) -> fmt::Result {
    use ShortageFailure::*;
    match (failure, lang) {
        (NotAssociate(level), Lang::Zh) => {
            write!(out, "该项仅适用于大专，此学历为{}", education_level(level, false, lang))
        }
        (NotAssociate(level), Lang::En) => {
            write!(out, "the item is for associate diplomas and this is a {}", education_level(level, false, lang))
        }
        (NotRecognized, Lang::Zh) => out.write_str("学历未获国家认可"),
        (NotRecognized, Lang::En) => out.write_str("the diploma is not state-recognised"),
        (NotFullTime, Lang::Zh) => out.write_str("不是全日制学历"),
        (NotFullTime, Lang::En) => out.write_str("the study was not full-time"),
        (PostMismatch, Lang::Zh) => out.write_str("所学专业与岗位不相符"),
        (PostMismatch, Lang::En) => out.write_str("the major does not match the post"),
        (NotYetGraduated(date), Lang::Zh) => write!(out, "毕业日期 {date} 在计分日之后"),
        (NotYetGraduated(date), Lang::En) => write!(out, "graduation on {date} is after the evaluation date"),
    }
}

/// ", with 12 of the last 12 months insured at ≥ 1 × the points reference (CNY 10338 …)".
fn base_condition_met(
    months: u32,
    compared: WageComparison,
    rules: &RuleSet,
    lang: Lang,
    worded: &mut Interpretations,
    out: &mut dyn Write,
) -> fmt::Result {
    let condition = &rules.qualification.base_condition.value;
    let (window, ratio_tenths) = (condition.window_months, condition.ratio_tenths);
    let end = compared.through;
    let from = end.plus(1 - window as i32);
    match lang {
        Lang::Zh => write!(out, "（近 {window} 个月中有 {months} 个月缴费基数不低于 {} 倍", ratio(ratio_tenths))?,
        Lang::En => write!(out, " ({months} of the last {window} months insured at ≥ {} × ", ratio(ratio_tenths))?,
    }
    compared_figures(compared.wages, from, end, ratio_tenths, lang, worded, out)?;
    out.write_str(if lang == Lang::Zh { "）" } else { ")" })
}

/// A stretch of months over which the compared figure stays the same.
struct FigureRun<'t> {
    from: Month,
    to: Month,
    monthly: u64,
    /// The first entry of the run that keeps an earlier figure under an interpretation.
    kept: Option<&'t WageEntry>,
}

/// The figures of `wages` in force over `from..=to`, merged where they stay the same.
fn figure_runs(wages: &AverageWageTable, from: Month, to: Month) -> Vec<FigureRun<'_>> {
    let mut runs: Vec<FigureRun> = Vec::new();
    let mut start = from;
    wages.for_each_stretch(from, to, |months, entry| {
        let end = start.plus(months - 1);
        let kept = entry.keeps.is_some().then_some(entry);
        match runs.last_mut() {
            Some(run) if run.monthly == entry.monthly => {
                run.to = end;
                run.kept = run.kept.or(kept);
            }
            _ => runs.push(FigureRun { from: start, to: end, monthly: entry.monthly, kept }),
        }
        start = end.plus(1);
    });
    runs
}

/// "2021 年度标准，解释 I-11：…" / "the 2021 standard, interpretation I-11: …": why `entry`
/// keeps an earlier figure. Notes the interpretation in `worded`.
fn kept_note(entry: &WageEntry, lang: Lang, worded: &mut Interpretations, out: &mut dyn Write) -> fmt::Result {
    let standard = entry.keeps.map_or(0, |month| month.year());
    *worded = worded.union(entry.interpretations);
    match lang {
        Lang::Zh => write!(out, "{standard} 年度标准")?,
        Lang::En => write!(out, "the {standard} standard")?,
    }
    for interpretation in entry.interpretations.described() {
        out.write_str(if lang == Lang::Zh { "，" } else { ", " })?;
        interpretation.write_short_note(lang, out)?;
    }
    Ok(())
}

/// "积分用社平工资 10338 元（0.8 倍即 8270.4 元；2021 年度标准，…）": the figure or figures
/// of `wages` the bases of `from..=to` were compared with, and why a kept figure is kept.
fn compared_figures(
    wages: &AverageWageTable,
    from: Month,
    to: Month,
    ratio_tenths: u64,
    lang: Lang,
    worded: &mut Interpretations,
    out: &mut dyn Write,
) -> fmt::Result {
    let runs = figure_runs(wages, from, to);
    let zh = lang == Lang::Zh;
    if let [run] = runs.as_slice() {
        if zh {
            write!(out, "积分用社平工资 {} 元", run.monthly)?;
        } else {
            write!(out, "the points reference, CNY {}", run.monthly)?;
        }
        let threshold = (ratio_tenths != 10).then(|| Tenths(ratio_tenths * run.monthly));
        if threshold.is_none() && run.kept.is_none() {
            return Ok(());
        }
        out.write_str(if zh { "（" } else { " (" })?;
        if let Some(threshold) = threshold {
            match zh {
                true => write!(out, "{} 倍即 {threshold} 元", ratio(ratio_tenths))?,
                false => write!(out, "{} × is CNY {threshold}", ratio(ratio_tenths))?,
            }
        }
        if let Some(entry) = run.kept {
            if threshold.is_some() {
                out.write_str(if zh { "；" } else { "; " })?;
            }
            kept_note(entry, lang, worded, out)?;
        }
        return out.write_str(if zh { "）" } else { ")" });
    }
    out.write_str(if zh { "积分用社平工资（" } else { "the points reference (" })?;
    for (index, run) in runs.iter().enumerate() {
        if index > 0 {
            out.write_str(if zh { "，" } else { ", " })?;
        }
        match zh {
            true => write!(out, "{} 至 {} 为 {} 元", run.from, run.to, run.monthly)?,
            false => write!(out, "CNY {} from {} to {}", run.monthly, run.from, run.to)?,
        }
        if let Some(entry) = run.kept {
            out.write_str(if zh { "（" } else { " (" })?;
            kept_note(entry, lang, worded, out)?;
            out.write_str(if zh { "）" } else { ")" })?;
        }
    }
    out.write_str(if zh { "）" } else { ")" })
}

fn si_base(item: &Item, rules: &RuleSet, lang: Lang, worded: &mut Interpretations, out: &mut dyn Write) -> fmt::Result {
    let Finding::SiBase { counts, awarded, as_of_month, alternative } = item.finding else {
        return Ok(());
    };
    let wages = item.compared_with.map(|compared| compared.wages);
    let tiers = &rules.si_base.tiers.value;
    let zh = lang == Lang::Zh;
    let mut describe = |index: usize, out: &mut dyn Write| {
        let tier = &tiers[index];
        let x = ratio(tier.ratio_tenths);
        let n = counts.get(index).copied().unwrap_or(0);
        let (window, min, points) = (tier.window_months, tier.min_months, tier.points);
        let from = as_of_month.plus(1 - window as i32);
        if zh {
            write!(out, "截至 {as_of_month} 的近 {window} 个月中，缴费基数不低于 {x} 倍")?;
        } else {
            write!(out, "in the {window} months to {as_of_month}, {n} qualifying months at ≥ {x} × ")?;
        }
        match wages {
            Some(wages) => compared_figures(wages, from, as_of_month, tier.ratio_tenths, lang, worded, out)?,
            None => out.write_str(if zh { "社平工资" } else { "the average wage" })?,
        }
        if zh {
            write!(out, "的合规月份 {n} 个（需 {min} 个，{points} 分档）")
        } else {
            write!(out, " ({min} needed for the {points}-point tier)")
        }
    };
    match awarded {
        Some(index) => {
            describe(index as usize, out)?;
            let points = tiers[index as usize].points;
            if zh {
                write!(out, "，得 {points} 分")?;
            } else {
                write!(out, ": {points} points")?;
            }
        }
        None if tiers.is_empty() => return Ok(()),
        None => {
            out.write_str(if zh { "未达到最低档：" } else { "below the lowest tier: " })?;
            describe(0, out)?;
        }
    }
    match (alternative, zh) {
        (None, _) => Ok(()),
        (Some(points), true) => write!(out, "；若改按逐年上调的社保缴费基数标准比较，则为 {points} 分"),
        (Some(points), false) => {
            write!(out, "; compared with the yearly insurance-base figures instead, it would be {points}")
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn remote_area(
    remote_years: u32,
    remote_points: i64,
    lingang: Option<LingangFinding>,
    capped: bool,
    points: i64,
    rules: &RuleSet,
    lang: Lang,
    out: &mut dyn Write,
) -> fmt::Result {
    let zh = lang == Lang::Zh;
    let min_remote = rules.remote_area.rule.value.min_years;
    if remote_years == 0 && lingang.is_none() {
        return out.write_str(if zh {
            "未申报远郊重点区域或临港新片区"
        } else {
            "no remote key area or Lin-gang claimed"
        });
    }
    if remote_years > 0 {
        match (remote_points > 0, zh) {
            (true, true) => write!(out, "在远郊重点区域工作并居住 {remote_years} 年，折算 {remote_points} 分")?,
            (true, false) => {
                write!(out, "{remote_years} years working and living in a remote key area earn {remote_points}")?
            }
            (false, true) => write!(out, "在远郊重点区域 {remote_years} 年，不满 {min_remote} 年不计分")?,
            (false, false) => write!(out, "{remote_years} years in a remote key area, fewer than {min_remote}: none")?,
        }
    }
    if let Some(l) = lingang {
        if remote_years > 0 {
            out.write_str(if zh { "；" } else { "; " })?;
        }
        match (l.points > 0, zh) {
            (true, true) => {
                write!(out, "自 {} 在临港新片区工作并居住满 {} 年，折算 {} 分", l.since, l.years, l.points)?
            }
            (true, false) => write!(out, "{} full years in Lin-gang since {} earn {}", l.years, l.since, l.points)?,
            (false, true) => write!(
                out,
                "自 {} 在临港新片区满 {} 年，按计分日适用的规则须满 {} 年方可计分",
                l.since, l.years, l.min_years
            )?,
            (false, false) => write!(
                out,
                "{} full years in Lin-gang since {}; the rule in force needs {} first",
                l.years, l.since, l.min_years
            )?,
        }
    }
    match (capped, zh) {
        (false, true) => write!(out, "；两者为同一指标，取较高者，得 {points} 分"),
        (true, true) => write!(out, "；两者为同一指标，取较高者，以上限计，得 {points} 分"),
        (false, false) => write!(out, "; both are one indicator and the higher counts: {points} points"),
        (true, false) => write!(out, "; both are one indicator and the higher counts, capped: {points} points"),
    }
}

/// Words for a veto.
pub fn veto(veto: &Veto, lang: Lang) -> String {
    match (veto, lang) {
        (Veto::SeriousCrime { on }, Lang::Zh) => format!("{on} 有严重刑事犯罪记录，一票否决"),
        (Veto::SeriousCrime { on }, Lang::En) => {
            format!("a serious criminal record dated {on} vetoes the application")
        }
        (Veto::FamilyPlanning, Lang::Zh) => "有违反计划生育政策记录，按此规则版本一票否决".to_string(),
        (Veto::FamilyPlanning, Lang::En) => {
            "a family-planning violation vetoes the application under this rule set".to_string()
        }
    }
}

/// Words for a reason the person cannot apply yet.
pub fn ineligibility(reason: &Ineligibility, lang: Lang) -> String {
    use Ineligibility::*;
    match (reason, lang) {
        (NoResidencePermit, Lang::Zh) => "须持有效的上海市居住证".to_string(),
        (NoResidencePermit, Lang::En) => "a valid Shanghai residence permit is required".to_string(),
        (EmployerNotEligible, Lang::Zh) => {
            "须由符合条件的在沪用人单位（本市注册、正常经营纳税的法人单位）申请".to_string()
        }
        (EmployerNotEligible, Lang::En) => {
            "the application must be filed by an eligible Shanghai employer (registered, operating and paying tax here)"
                .to_string()
        }
        (TooFewInsuranceMonths { months, min_months, window_months }, Lang::Zh) => {
            format!("近 {window_months} 个月内本市职工社保合规缴费 {months} 个月，不足 {min_months} 个月")
        }
        (TooFewInsuranceMonths { months, min_months, window_months }, Lang::En) => {
            format!(
                "{months} qualifying months of Shanghai employee insurance in the last {window_months}, fewer than {min_months}"
            )
        }
    }
}

/// Words for a warning.
pub fn warning(warning: &Warning, lang: Lang) -> String {
    use Warning::*;
    match (warning, lang) {
        (NoAgePoints { age }, Lang::Zh) => format!("{age} 周岁，年龄不得分"),
        (NoAgePoints { age }, Lang::En) => format!("at {age} the age item scores nothing"),
        (Provisional { inherits }, Lang::Zh) => format!(
            "此规则版本为暂定：未单独列出的分值沿用 {}，结果仅供参考",
            inherits.as_deref().unwrap_or("后续版本")
        ),
        (Provisional { inherits }, Lang::En) => format!(
            "provisional rule set: values it does not list are inherited from {}; treat the result as indicative",
            inherits.as_deref().unwrap_or("a later rule set")
        ),
        (ForcedRuleSet { in_force: Some(id) }, Lang::Zh) => {
            format!("已指定规则版本；计分日施行的是 {id}")
        }
        (ForcedRuleSet { in_force: Some(id) }, Lang::En) => {
            format!("a rule set was forced; the one in force on the evaluation date is {id}")
        }
        (ForcedRuleSet { in_force: None }, Lang::Zh) => "已指定规则版本；计分日没有施行中的规则".to_string(),
        (ForcedRuleSet { in_force: None }, Lang::En) => {
            "a rule set was forced; none is in force on the evaluation date".to_string()
        }
        (WageNotYetPublished { last, after_months }, Lang::Zh) => format!(
            "计分日距 jifen 所载最新一期积分用社平工资（{last} 起）已超过 {after_months} 个月，本年度数值可能尚未录入，相关项目按最新一期计算"
        ),
        (WageNotYetPublished { last, after_months }, Lang::En) => format!(
            "the evaluation date is more than {after_months} months after the latest points-reference figure in jifen (from {last}); this year's figure may not be published in jifen yet, so the latest one was used"
        ),
        (WageBeforeTable { first }, Lang::Zh) => {
            format!("部分缴费月份早于社平工资表首个月份 {first}，按该月份的数值比较")
        }
        (WageBeforeTable { first }, Lang::En) => {
            format!(
                "some insured months precede the average-wage table, which starts in {first}; its first value was used"
            )
        }
        (FutureInsuranceIgnored { months }, Lang::Zh) => {
            format!("{months} 个计分日之后的缴费月份未计入")
        }
        (FutureInsuranceIgnored { months }, Lang::En) => {
            format!("{months} insured months after the evaluation date were not counted")
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::{Context, ItemId, Lang, Profile, RuleBook};

    fn explanations(json: &str, lang: Lang) -> Vec<(ItemId, String)> {
        let book = RuleBook::embedded().unwrap();
        let profile = Profile::from_json(json).unwrap();
        let today = chrono::NaiveDate::from_ymd_opt(2025, 7, 1).unwrap();
        let result = book.evaluate(&profile, &Context::on(today)).unwrap().to_result(lang);
        result.items.into_iter().map(|item| (item.id, item.explanation.into_owned())).collect()
    }

    fn of(explanations: &[(ItemId, String)], id: ItemId) -> &str {
        explanations.iter().find(|(item, _)| *item == id).map_or("", |(_, text)| text.as_str())
    }

    /// Issue #11: "本科学历（2010年毕业）", "中级职称（2019年取得）" rather than input paths, and
    /// "解释 I-2：…" rather than a bare "[I-2]".
    #[test]
    fn entries_are_named_by_what_they_are_and_when() {
        let profile = r#"{"as_of": "2025-06-30", "birth_date": "1988-03-15",
            "education": [{"level": "bachelor", "graduated_on": "2010-07-01"}],
            "qualifications": [{"kind": "title", "level": "intermediate", "obtained_on": "2019-06-01"}],
            "social_insurance": [{"from": "2015-07", "base": 15000}],
            "awards": [{"level": "municipal_special", "obtained_on": "2021-03-01"}]}"#;
        let zh = explanations(profile, Lang::Zh);
        assert!(
            of(&zh, ItemId::Education)
                .starts_with("最高学历为本科学历（无学士学位）（2010年毕业），得 60 分；本项不计入")
        );
        assert!(of(&zh, ItemId::Education).ends_with("解释 I-2：学历与职称（技能等级）只计较高的一项"));
        assert!(
            of(&zh, ItemId::Qualification).starts_with("中级职称（2019年取得），符合条件"),
            "{}",
            of(&zh, ItemId::Qualification)
        );
        assert!(of(&zh, ItemId::Awards).starts_with("最高奖项为市级专项表彰奖励（2021年获得），得 30 分"));
        let en = explanations(profile, Lang::En);
        assert!(
            of(&en, ItemId::Education)
                .starts_with("highest education: bachelor's diploma without the degree (graduated 2010), 60 points")
        );
        assert!(
            of(&en, ItemId::Qualification).starts_with("intermediate title (obtained 2019), meeting the conditions")
        );
        assert!(
            of(&en, ItemId::Qualification)
                .ends_with("interpretation I-2: education and title or skill: only the higher counts")
        );
        assert!(
            of(&en, ItemId::Awards).starts_with("highest award: municipal special award (received 2021), 30 points")
        );
        for (id, text) in zh.iter().chain(&en) {
            assert!(
                !text.contains('[') && !text.contains("qualifications") && !text.contains("recognized"),
                "{id:?}: {text}"
            );
        }
    }

    #[test]
    fn a_failed_condition_and_an_unrecognised_diploma_are_named_too() {
        let profile = r#"{"as_of": "2025-06-30", "birth_date": "1988-03-15",
            "education": [{"level": "master", "graduated_on": "2014-07-01", "recognized": false}],
            "qualifications": [{"kind": "skill", "level": 2, "obtained_on": "2020-05-01", "post_match": false}]}"#;
        let zh = explanations(profile, Lang::Zh);
        assert_eq!(of(&zh, ItemId::Education), "硕士研究生学历学位（2014年毕业）未获国家认可，不计分");
        assert_eq!(of(&zh, ItemId::Qualification), "技能二级（技师）（2020年取得）：与所聘岗位不相符，不计分");
        let en = explanations(profile, Lang::En);
        assert_eq!(
            of(&en, ItemId::Education),
            "the master's degree (graduated 2014) is not state-recognised and scores 0"
        );
    }
}
