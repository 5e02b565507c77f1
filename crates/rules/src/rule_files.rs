//! The rule data as files, so that an administrator can publish a new version of one without
//! a release: the embedded files, with any published versions in their place, loaded by the
//! same checks as the embedded data. A new year's average wage is written into the wage file
//! as one more dated, cited entry by [`with_wage_figure`], keeping every other line (and its
//! comments) as it was; a correction of a month's figure replaces that month's entry.

use crate::calendar::Month;
use crate::lang::Text;
use crate::rulebook::{Confidence, EMBEDDED_AVERAGE_WAGE, EMBEDDED_RULE_SETS, RuleBook, RuleDataError, invalid};
use std::collections::BTreeMap;

/// The wage data's file name.
pub const AVERAGE_WAGE_FILE: &str = "average-wage.toml";

/// The longest rule-data file accepted (the largest embedded one is about 15 KB).
pub const MAX_RULE_FILE_BYTES: usize = 256 * 1024;

/// Every rule-data file by name: rule sets (`sh-2023.toml` …) and [`AVERAGE_WAGE_FILE`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleFiles {
    files: BTreeMap<String, String>,
}

impl RuleFiles {
    /// The files shipped with the crate.
    pub fn embedded() -> Self {
        let mut files: BTreeMap<String, String> =
            EMBEDDED_RULE_SETS.iter().map(|(name, text)| ((*name).to_string(), (*text).to_string())).collect();
        files.insert(AVERAGE_WAGE_FILE.to_string(), EMBEDDED_AVERAGE_WAGE.to_string());
        Self { files }
    }

    /// Puts `text` in the place of the file `name` (or adds a new rule set).
    pub fn set(&mut self, name: &str, text: &str) -> Result<(), RuleDataError> {
        check_file_name(name)?;
        if text.len() > MAX_RULE_FILE_BYTES {
            return Err(invalid(name, format!("longer than {} KB", MAX_RULE_FILE_BYTES / 1024)));
        }
        self.files.insert(name.to_string(), text.to_string());
        Ok(())
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.files.get(name).map(String::as_str)
    }

    /// The files by name, in name order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.files.iter().map(|(name, text)| (name.as_str(), text.as_str()))
    }

    /// The keys of the sources the wage file cites.
    pub fn wage_sources(&self) -> Vec<String> {
        let table: toml::Table =
            self.get(AVERAGE_WAGE_FILE).and_then(|text| toml::from_str(text).ok()).unwrap_or_default();
        table.get("sources").and_then(|s| s.as_table()).map(|s| s.keys().cloned().collect()).unwrap_or_default()
    }

    /// Loads the rule book with every check the embedded data passes.
    pub fn load(&self) -> Result<RuleBook, RuleDataError> {
        let rule_sets: Vec<(&str, &str)> = self.iter().filter(|(name, _)| *name != AVERAGE_WAGE_FILE).collect();
        let wages = self.get(AVERAGE_WAGE_FILE).ok_or_else(|| invalid(AVERAGE_WAGE_FILE, "missing"))?;
        RuleBook::load(&rule_sets, wages)
    }
}

/// When a file's data takes effect: a rule set's `effective_from`, or the first day of the
/// newest month in a wage file.
pub fn effective_from_of(text: &str) -> Option<String> {
    let table: toml::Table = toml::from_str(text).ok()?;
    if let Some(date) = table.get("effective_from").and_then(|v| v.as_str()) {
        return Some(date.to_string());
    }
    ["points_reference", "insurance_base"]
        .iter()
        .filter_map(|key| table.get(*key)?.as_array()?.last()?.get("from")?.as_str().map(str::to_string))
        .max()
        .map(|month| format!("{month}-01"))
}

/// A file name rule data may have: lower-case letters, digits and hyphens, then `.toml`.
pub fn check_file_name(name: &str) -> Result<(), RuleDataError> {
    let stem = name.strip_suffix(".toml").unwrap_or("");
    let fits = (1..=40).contains(&stem.len())
        && stem.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !stem.starts_with('-');
    if fits { Ok(()) } else { Err(invalid(name, "a file name is lower-case letters, digits and hyphens, then .toml")) }
}

/// Which wage series a figure belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WageSeries {
    /// What insurance bases are compared with for points.
    PointsReference,
    /// The yearly insurance-base figure, for information.
    InsuranceBase,
}

impl WageSeries {
    pub fn key(self) -> &'static str {
        match self {
            Self::PointsReference => "points_reference",
            Self::InsuranceBase => "insurance_base",
        }
    }

    pub fn parse(key: &str) -> Option<Self> {
        [Self::PointsReference, Self::InsuranceBase].into_iter().find(|series| series.key() == key)
    }
}

/// One monthly figure to publish, with its citation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WageFigure {
    pub series: WageSeries,
    pub from: Month,
    pub monthly: u64,
    /// The key of the source in the wage file's `[sources]`; a new one is added with
    /// `new_source`'s title and reference.
    pub source: String,
    /// `(title, reference)` of a source not yet in the file.
    pub new_source: Option<(Text, String)>,
    pub provision: Text,
    pub confidence: Confidence,
}

/// The wage file with `figure` in it: a new month's entry goes in month order, a month that
/// already has an entry in the series has it replaced (a correction). Everything else in the
/// file stays as written. The result is not checked here: [`RuleFiles::load`] does that.
pub fn with_wage_figure(text: &str, figure: &WageFigure) -> Result<String, RuleDataError> {
    let fail = |message: &str| invalid(AVERAGE_WAGE_FILE, message.to_string());
    if !is_key(&figure.source) {
        return Err(fail("a source key is lower-case letters, digits and hyphens"));
    }
    let blocks = split_blocks(text);
    let header = format!("[[{}]]", figure.series.key());
    let mut entry = format!(
        "{header}\nfrom = \"{}\"\nmonthly = {}\nsource = {}\nprovision = {{ zh = {}, en = {} }}\nconfidence = \"{}\"\n",
        figure.from,
        figure.monthly,
        quoted(&figure.source),
        quoted(&figure.provision.zh),
        quoted(&figure.provision.en),
        confidence_key(figure.confidence),
    );
    let mut out: Vec<String> = Vec::with_capacity(blocks.len() + 2);
    let mut placed = false;
    let mut last_of_series = None;
    for block in &blocks {
        if !placed && block.header == header {
            let month = block_month(&block.text).ok_or_else(|| fail("an entry without a month"))?;
            if month == figure.from {
                // A correction: the entry of that month is replaced, with the comments above it.
                out.push(with_trailing_blank(&entry, &block.text));
                placed = true;
                continue;
            }
            if month > figure.from {
                out.push(std::mem::take(&mut entry) + "\n");
                placed = true;
            }
        }
        out.push(block.text.clone());
        if block.header == header {
            last_of_series = Some(out.len());
        }
    }
    if !placed {
        let at = last_of_series.ok_or_else(|| fail("the series has no entries"))?;
        let before = &mut out[at - 1];
        if !before.ends_with("\n\n") {
            before.push('\n');
        }
        out.insert(at, entry + "\n");
    }
    if let Some((title, reference)) = &figure.new_source {
        let source = format!(
            "[sources.{}]\ntitle = {{ zh = {}, en = {} }}\nreference = {}\n\n",
            figure.source,
            quoted(&title.zh),
            quoted(&title.en),
            quoted(reference)
        );
        let first_entry = out.iter().position(|block| block.starts_with("[[")).unwrap_or(out.len());
        out.insert(first_entry, source);
    }
    Ok(out.concat())
}

fn is_key(key: &str) -> bool {
    (1..=40).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// A value that differs between two rule books: where it is (`sh-2023 › si_base.tiers`,
/// `average wage › points_reference 2026-07`) and its value before and after, as JSON text
/// (`None` where there was none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangedValue {
    pub path: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// Every cited value and wage figure that `after` changes, adds or drops, compared with
/// `before`, in file order.
pub fn changed_values(before: &RuleBook, after: &RuleBook) -> Vec<ChangedValue> {
    let mut changes = Vec::new();
    let ids: std::collections::BTreeSet<&str> = before.ids().into_iter().chain(after.ids()).collect();
    for id in ids {
        let old = before.rule_set(id).map(json);
        let new = after.rule_set(id).map(json);
        compare(id, old.as_ref(), new.as_ref(), &mut changes);
    }
    let wages = |book: &RuleBook| json(book.average_wages());
    compare("average wage", Some(&wages(before)), Some(&wages(after)), &mut changes);
    changes
}

fn json<T: serde::Serialize>(value: &T) -> serde_json::Value {
    serde_json::to_value(value).unwrap_or_default()
}

/// What is compared of a cited value: the figure, where it comes from and how sure it is
/// (its rendered citation follows from these).
fn essence(value: &serde_json::Value) -> serde_json::Value {
    match value {
        serde_json::Value::Object(map) => {
            let mut map = map.clone();
            map.remove("citation");
            map.remove("interpretations");
            serde_json::Value::Object(map)
        }
        other => other.clone(),
    }
}

fn compare(
    path: &str,
    before: Option<&serde_json::Value>,
    after: Option<&serde_json::Value>,
    out: &mut Vec<ChangedValue>,
) {
    use serde_json::Value;
    let is_cited = |v: Option<&Value>| v.and_then(|v| v.get("value").or(v.get("monthly"))).is_some();
    if is_cited(before) || is_cited(after) || before.is_none() || after.is_none() {
        let (old, new) = (before.map(essence), after.map(essence));
        if old != new {
            let text = |v: Option<&Value>| v.map(|v| v.get("value").or(v.get("monthly")).unwrap_or(v).to_string());
            out.push(ChangedValue { path: path.to_string(), before: text(before), after: text(after) });
        }
        return;
    }
    match (before, after) {
        (Some(Value::Object(old)), Some(Value::Object(new))) => {
            let keys: std::collections::BTreeSet<&String> = old.keys().chain(new.keys()).collect();
            for key in keys {
                if matches!(key.as_str(), "citation" | "title" | "sources" | "provision") {
                    continue;
                }
                compare(&join(path, key), old.get(key), new.get(key), out);
            }
        }
        (Some(Value::Array(old)), Some(Value::Array(new))) => {
            // Wage entries are compared month by month.
            let by_month = |entries: &Vec<Value>| -> BTreeMap<String, Value> {
                entries.iter().filter_map(|e| Some((e.get("from")?.as_str()?.to_string(), e.clone()))).collect()
            };
            let (old, new) = (by_month(old), by_month(new));
            let months: std::collections::BTreeSet<&String> = old.keys().chain(new.keys()).collect();
            for month in months {
                compare(&format!("{path} {month}"), old.get(month), new.get(month), out);
            }
        }
        (old, new) if old != new => {
            out.push(ChangedValue {
                path: path.to_string(),
                before: old.map(Value::to_string),
                after: new.map(Value::to_string),
            });
        }
        _ => {}
    }
}

fn join(path: &str, key: &str) -> String {
    if key == "entries" {
        return path.to_string();
    }
    if path.contains(" › ") { format!("{path}.{key}") } else { format!("{path} › {key}") }
}

fn with_trailing_blank(entry: &str, replaced: &str) -> String {
    if replaced.ends_with("\n\n") { format!("{entry}\n") } else { entry.to_string() }
}

fn confidence_key(confidence: Confidence) -> &'static str {
    match confidence {
        Confidence::High => "high",
        Confidence::Medium => "medium",
        Confidence::Low => "low",
    }
}

/// A TOML basic string.
fn quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A piece of the file: a table header and what follows it up to the next header (the
/// comment lines just above a header belong to it, so a replaced entry takes its comment).
struct Block {
    header: String,
    text: String,
}

fn split_blocks(text: &str) -> Vec<Block> {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let mut starts = vec![0];
    for (index, line) in lines.iter().enumerate() {
        if line.starts_with('[') && index > 0 {
            let mut start = index;
            while start > 0 && lines[start - 1].starts_with('#') {
                start -= 1;
            }
            if start > *starts.last().unwrap_or(&0) {
                starts.push(start);
            }
        }
    }
    starts.push(lines.len());
    starts
        .windows(2)
        .map(|pair| {
            let piece = &lines[pair[0]..pair[1]];
            let header = piece.iter().find(|line| line.starts_with('[')).map_or("", |line| line.trim()).to_string();
            Block { header, text: piece.concat() }
        })
        .collect()
}

fn block_month(text: &str) -> Option<Month> {
    let body: String = text.lines().filter(|line| !line.starts_with('[')).map(|line| format!("{line}\n")).collect();
    let table: toml::Table = toml::from_str(&body).ok()?;
    Month::parse(table.get("from")?.as_str()?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn figure(series: WageSeries, from: &str, monthly: u64) -> WageFigure {
        WageFigure {
            series,
            from: Month::parse(from).unwrap(),
            monthly,
            source: "base-notices".into(),
            new_source: None,
            provision: Text { zh: "测试数值".into(), en: "a test figure".into() },
            confidence: Confidence::High,
        }
    }

    fn load_wages(text: &str) -> RuleBook {
        let mut files = RuleFiles::embedded();
        files.set(AVERAGE_WAGE_FILE, text).unwrap();
        files.load().unwrap()
    }

    #[test]
    fn the_embedded_files_load_as_the_embedded_book() {
        let book = RuleFiles::embedded().load().unwrap();
        assert_eq!(book.ids(), RuleBook::embedded().unwrap().ids());
        assert_eq!(book.wages().entries.len(), RuleBook::embedded().unwrap().wages().entries.len());
    }

    #[test]
    fn a_new_month_goes_in_month_order_and_keeps_every_comment() {
        let later =
            with_wage_figure(EMBEDDED_AVERAGE_WAGE, &figure(WageSeries::PointsReference, "2030-07", 13000)).unwrap();
        let book = load_wages(&later);
        let last = book.wages().entries.last().unwrap();
        assert_eq!((last.from.to_string(), last.monthly), ("2030-07".to_string(), 13000));
        assert_eq!(last.confidence, Confidence::High);
        for line in EMBEDDED_AVERAGE_WAGE.lines().filter(|line| line.starts_with('#')) {
            assert!(later.contains(line), "comment kept: {line}");
        }
        let earlier =
            with_wage_figure(EMBEDDED_AVERAGE_WAGE, &figure(WageSeries::InsuranceBase, "2011-10", 4000)).unwrap();
        let book = load_wages(&earlier);
        let months: Vec<String> = book.insurance_base_figures().entries.iter().map(|e| e.from.to_string()).collect();
        assert_eq!(months[1], "2011-10", "{months:?}");
    }

    #[test]
    fn a_month_that_has_an_entry_is_corrected_in_place() {
        let before = RuleBook::embedded().unwrap();
        let month = before.wages().entries[3].from;
        let corrected =
            with_wage_figure(EMBEDDED_AVERAGE_WAGE, &figure(WageSeries::PointsReference, &month.to_string(), 5555))
                .unwrap();
        let book = load_wages(&corrected);
        assert_eq!(book.wages().entries.len(), before.wages().entries.len());
        assert_eq!(book.wages().entries[3].monthly, 5555);
        assert_eq!(book.wages().entries[4].monthly, before.wages().entries[4].monthly);
    }

    #[test]
    fn a_new_source_is_added_and_cited() {
        let mut new = figure(WageSeries::PointsReference, "2031-07", 14000);
        new.source = "notice-2031".into();
        new.new_source =
            Some((Text { zh: "2031 年度通知 \"引号\"".into(), en: "2031 notice".into() }, "沪人社〔2031〕1号".into()));
        let book = load_wages(&with_wage_figure(EMBEDDED_AVERAGE_WAGE, &new).unwrap());
        let citation = book.wages().entries.last().unwrap().citation.clone().unwrap();
        assert!(
            citation.zh.contains("2031 年度通知 \"引号\"") && citation.zh.contains("沪人社〔2031〕1号"),
            "{citation:?}"
        );
    }

    #[test]
    fn the_changed_values_are_listed_with_before_and_after() {
        let book = RuleBook::embedded().unwrap();
        assert!(changed_values(book, book).is_empty());
        let later = load_wages(
            &with_wage_figure(EMBEDDED_AVERAGE_WAGE, &figure(WageSeries::PointsReference, "2030-07", 13000)).unwrap(),
        );
        let changes = changed_values(book, &later);
        assert_eq!(changes.len(), 1, "{changes:?}");
        assert_eq!(changes[0].path, "average wage › points_reference 2030-07");
        assert_eq!((changes[0].before.as_deref(), changes[0].after.as_deref()), (None, Some("13000")));
        let sh2023 = RuleFiles::embedded().get("sh-2023.toml").unwrap().replacen("value = 120", "value = 110", 1);
        let mut files = RuleFiles::embedded();
        files.set("sh-2023.toml", &sh2023).unwrap();
        let changes = changed_values(book, &files.load().unwrap());
        assert_eq!(changes.len(), 1, "{changes:?}");
        assert_eq!(changes[0].path, "sh-2023 › standard_score");
        assert_eq!((changes[0].before.as_deref(), changes[0].after.as_deref()), (Some("120"), Some("110")));
    }

    #[test]
    fn published_text_passes_the_same_checks() {
        let mut files = RuleFiles::embedded();
        files.set(AVERAGE_WAGE_FILE, &EMBEDDED_AVERAGE_WAGE.replacen("monthly = 3896", "monthly = 0", 1)).unwrap();
        assert!(files.load().unwrap_err().to_string().contains("monthly must be positive"));
        let mut unknown = figure(WageSeries::PointsReference, "2030-07", 1);
        unknown.source = "nowhere".into();
        let mut files = RuleFiles::embedded();
        files.set(AVERAGE_WAGE_FILE, &with_wage_figure(EMBEDDED_AVERAGE_WAGE, &unknown).unwrap()).unwrap();
        assert!(files.load().unwrap_err().to_string().contains("unknown source"));
        let mut twice = RuleFiles::embedded();
        twice.set("sh-2027.toml", RuleFiles::embedded().get("sh-2023.toml").unwrap()).unwrap();
        assert!(twice.load().unwrap_err().to_string().contains("already that of sh-2023.toml"));
        assert!(RuleFiles::embedded().set("../etc/passwd", "").is_err());
        assert!(RuleFiles::embedded().set("SH.toml", "").is_err());
        assert!(RuleFiles::embedded().set("sh-2027.toml", "").is_ok());
    }
}
