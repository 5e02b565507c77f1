//! Rule data published at run time (issue #14): an administrator publishes a value (a year's
//! average wage, a corrected figure) or a whole data file (a rule set, the wage file, or the
//! working-day calendar with next year's holidays), with its effective date,
//! source, confidence and reason. It passes the checks the embedded data passes, a preview
//! shows what changes and for whom, and once published every server on the database scores
//! with it: each one compares the rule data's version (the latest publication's id) with its
//! own every [`RULES_REFRESH`], in the background, and loads the new version when it differs.
//!
//! Each version a server loads is kept for the life of the process (`&'static`, as the
//! embedded data is), so that scores and explanations can borrow it freely; publications are
//! a handful a year and a version is a few hundred kilobytes.

use crate::Reason;
use crate::error::ServiceError;
use crate::{Actor, Service, audit};
use jifen_domain::application::Problem;
use jifen_domain::audit::Audit;
use jifen_domain::working_days::{EMBEDDED_CALENDAR, WorkingCalendar};
use jifen_rules::{
    AVERAGE_WAGE_FILE, ChangedValue, Confidence, Month, RuleBook, RuleFiles, Text, WageFigure, WageSeries,
    changed_values, with_wage_figure,
};
use jifen_store::{NewRulePublication, RescoringRun, RuleDataStore, RulePublication, StoreError, now_millis};
use std::collections::BTreeMap;
use std::sync::{Mutex, RwLock};
use std::time::{Duration, Instant};

/// How often a server asks the database whether new rule data was published.
pub const RULES_REFRESH: Duration = Duration::from_millis(250);

/// The working-day calendar's file name among the published files.
pub const CALENDAR_FILE: &str = "calendar.toml";

/// One version of the published data: the rule book and the working-day calendar.
#[derive(Clone, Copy)]
pub(crate) struct DataVersion {
    pub book: &'static RuleBook,
    pub calendar: &'static WorkingCalendar,
}

/// The data a server works with, and the versions it has loaded.
pub(crate) struct LoadedRules {
    current: RwLock<(i64, DataVersion)>,
    checked_at: Mutex<Option<Instant>>,
    refresh_every: Duration,
    /// Every version loaded so far, so that none is loaded (and kept) twice.
    versions: Mutex<BTreeMap<i64, DataVersion>>,
    /// A version that did not load, so that it is reported once, not on every request.
    failed: Mutex<Option<i64>>,
}

impl LoadedRules {
    pub(crate) fn embedded(data: DataVersion, refresh_every: Duration) -> Self {
        Self {
            current: RwLock::new((0, data)),
            checked_at: Mutex::new(None),
            refresh_every,
            versions: Mutex::new(BTreeMap::from([(0, data)])),
            failed: Mutex::new(None),
        }
    }

    pub(crate) fn current(&self) -> DataVersion {
        self.current.read().map_or_else(|poisoned| poisoned.into_inner().1, |current| current.1)
    }

    fn version(&self) -> i64 {
        self.current.read().map_or_else(|poisoned| poisoned.into_inner().0, |current| current.0)
    }

    /// Whether it is time to ask the database again (and, if so, notes that it is asked now).
    fn due(&self) -> bool {
        let mut checked = self.checked_at.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if checked.is_some_and(|at| at.elapsed() < self.refresh_every) {
            return false;
        }
        *checked = Some(Instant::now());
        true
    }
}

/// Every file that may be published: the rule data and the working-day calendar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataFiles {
    pub rules: RuleFiles,
    pub calendar: String,
}

impl DataFiles {
    pub fn embedded() -> Self {
        Self { rules: RuleFiles::embedded(), calendar: EMBEDDED_CALENDAR.to_string() }
    }

    /// Puts `text` in the place of the file `name`.
    pub fn set(&mut self, name: &str, text: &str) -> Result<(), String> {
        if name == CALENDAR_FILE {
            self.calendar = text.to_string();
            return Ok(());
        }
        self.rules.set(name, text).map_err(|e| e.to_string())
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        if name == CALENDAR_FILE { Some(&self.calendar) } else { self.rules.get(name) }
    }

    /// Every file by name: the rule data's, then the calendar.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.rules.iter().chain(std::iter::once((CALENDAR_FILE, self.calendar.as_str())))
    }

    /// Loads both with every check the embedded data passes.
    pub fn load(&self) -> Result<(RuleBook, WorkingCalendar), String> {
        let book = self.rules.load().map_err(|e| e.to_string())?;
        let calendar = WorkingCalendar::parse(&self.calendar).map_err(|e| format!("{CALENDAR_FILE}: {e}"))?;
        Ok((book, calendar))
    }
}

/// The files as of `version`: the embedded ones, each replaced by its latest publication up
/// to that version.
pub fn files_at(publications: &[RulePublication], version: i64) -> Result<DataFiles, ServiceError> {
    let mut files = DataFiles::embedded();
    for publication in publications.iter().filter(|p| p.id.get() <= version) {
        files
            .set(&publication.file_name, &publication.text)
            .map_err(|e| ServiceError::Internal(format!("stored rule data: {e}")))?;
    }
    Ok(files)
}

/// The days whose working status differs between two calendars (at most 100), as changed
/// values: `working-day calendar › 2027-02-10`, before and after.
fn calendar_changes(before: &WorkingCalendar, after: &WorkingCalendar) -> Vec<ChangedValue> {
    let first = before.covered_from().min(after.covered_from());
    let last = before.covered_until().max(after.covered_until());
    let status = |calendar: &WorkingCalendar, day| match calendar.is_working_day(day) {
        Ok(true) => Some("working day".to_string()),
        Ok(false) => Some("day off".to_string()),
        Err(_) => None,
    };
    first
        .iter_days()
        .take_while(|day| *day <= last)
        .filter_map(|day| {
            let (old, new) = (status(before, day), status(after, day));
            (old != new).then(|| ChangedValue {
                path: format!("working-day calendar › {day}"),
                before: old,
                after: new,
            })
        })
        .take(100)
        .collect()
}

/// What an administrator asks to publish.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PublicationInput {
    /// `wage` (one figure of the wage file) or `file` (a whole rule-data file).
    pub kind: String,
    // A wage figure.
    pub series: String,
    pub month: String,
    pub monthly: String,
    /// The key of a source already in the wage file, or of a new one with the title below.
    pub source_key: String,
    pub source_title_zh: String,
    pub source_title_en: String,
    pub source_reference: String,
    // A file.
    pub file_name: String,
    pub text: String,
    pub effective_from: String,
    /// Where the file's values come from, as people cite it.
    pub source: String,
    // Both.
    pub confidence: String,
    pub reason: String,
}

/// A checked publication and what it would change.
#[derive(Debug, Clone)]
pub struct RulePreview {
    /// The version the preview was made on: publishing it is refused if another came first.
    pub version: i64,
    pub publication: NewRulePublication,
    pub changes: Vec<ChangedValue>,
    /// The first holders and open applications whose total changes (at most
    /// [`PREVIEW_ROWS`] of each), and how many change in all.
    pub shifts: crate::rescoring::Shifts,
}

/// Rows of each kind a preview lists.
pub const PREVIEW_ROWS: usize = 200;

impl Service {
    /// The rule book in force on this server now.
    pub fn book(&self) -> &'static RuleBook {
        self.rules.current().book
    }

    /// Shanghai's working days as published, for the district centre's clocks.
    pub fn calendar(&self) -> &'static WorkingCalendar {
        self.rules.current().calendar
    }

    /// The rule data's version this server scores with (0: the embedded data).
    pub fn rule_data_version(&self) -> i64 {
        self.rules.version()
    }

    /// Asks the database (at most every [`RULES_REFRESH`]) whether rule data was published
    /// since, and loads it if so. A version that no longer loads (published under an older
    /// release) is reported and the server keeps the one it has.
    pub async fn refresh_rules(&self) -> Result<(), ServiceError> {
        if !self.rules.due() {
            return Ok(());
        }
        self.load_latest_rules().await
    }

    /// Asks for newly published rule data every [`RULES_REFRESH`] (the interval this service
    /// was made with, 50 ms at least), for as long as the server runs; a database that does
    /// not answer is reported and asked again.
    pub async fn keep_rules_fresh(self) {
        let every = self.rules.refresh_every.max(Duration::from_millis(50));
        loop {
            tokio::time::sleep(every).await;
            if let Err(error) = self.refresh_rules().await {
                tracing::warn!(%error, "could not check for newly published rule data");
            }
        }
    }

    async fn load_latest_rules(&self) -> Result<(), ServiceError> {
        let version = self.store.rule_data_version().await?;
        let failed = *self.rules.failed.lock().unwrap_or_else(|p| p.into_inner());
        if version == self.rules.version() || failed == Some(version) {
            return Ok(());
        }
        match self.data_at(version).await {
            Ok(data) => {
                let mut current = self.rules.current.write().unwrap_or_else(|poisoned| poisoned.into_inner());
                if current.0 < version {
                    *current = (version, data);
                    tracing::info!(version, "rule data loaded");
                }
                Ok(())
            }
            Err(error) => {
                tracing::error!(version, %error, "published rule data does not load; the server keeps its rule data");
                if !matches!(error, ServiceError::Store(_)) {
                    *self.rules.failed.lock().unwrap_or_else(|p| p.into_inner()) = Some(version);
                }
                Err(error)
            }
        }
    }

    /// The rule book of `version`.
    pub(crate) async fn book_at(&self, version: i64) -> Result<&'static RuleBook, ServiceError> {
        Ok(self.data_at(version).await?.book)
    }

    /// The data of `version`, loaded once per server.
    async fn data_at(&self, version: i64) -> Result<DataVersion, ServiceError> {
        if let Some(data) = self.rules.versions.lock().unwrap_or_else(|p| p.into_inner()).get(&version) {
            return Ok(*data);
        }
        let publications = self.store.rule_publications().await?;
        let (book, calendar) = files_at(&publications, version)?
            .load()
            .map_err(|e| ServiceError::Internal(format!("rule data version {version}: {e}")))?;
        let mut versions = self.rules.versions.lock().unwrap_or_else(|p| p.into_inner());
        Ok(*versions.entry(version).or_insert_with(|| DataVersion {
            book: Box::leak(Box::new(book)),
            calendar: Box::leak(Box::new(calendar)),
        }))
    }

    /// Every publication, the newest first, for the history.
    pub async fn rule_publications(&self, actor: &Actor) -> Result<Vec<RulePublication>, ServiceError> {
        Self::administrator(actor)?;
        let mut publications = self.store.rule_publications().await?;
        publications.reverse();
        Ok(publications)
    }

    /// The files in force now (what `jifen rules export` writes).
    pub async fn rule_files(&self) -> Result<DataFiles, ServiceError> {
        let version = self.store.rule_data_version().await?;
        files_at(&self.store.rule_publications().await?, version)
    }

    /// Checks a publication and shows what it changes: the values, and the holders and open
    /// applications whose total moves.
    pub async fn preview_rules(&self, actor: &Actor, input: &PublicationInput) -> Result<RulePreview, ServiceError> {
        Self::administrator(actor)?;
        let version = self.store.rule_data_version().await?;
        let publications = self.store.rule_publications().await?;
        let files = files_at(&publications, version)?;
        let publication = checked_publication(actor, input, &files)?;
        let mut candidate = files.clone();
        candidate.set(&publication.file_name, &publication.text).map_err(|e| invalid_data("text", &e))?;
        let field = if input.kind == "wage" { "monthly" } else { "text" };
        let (after, after_calendar) = candidate.load().map_err(|e| invalid_data(field, &e))?;
        let before = self.data_at(version).await?;
        let mut changes = changed_values(before.book, &after);
        changes.extend(calendar_changes(before.calendar, &after_calendar));
        if changes.is_empty() {
            return Err(ServiceError::Invalid(vec![Problem::new(
                field,
                "与现行规则数据相同，没有可发布的变化",
                "This is the rule data in force already: nothing would change",
            )]));
        }
        let shifts = self.shifts(before.book, &after, PREVIEW_ROWS).await?;
        let mut publication = publication;
        if input.kind != "wage" {
            publication.summary = summary_of(&changes);
        }
        Ok(RulePreview { version, publication, changes, shifts })
    }

    /// Publishes what was previewed on `version`, with its audit entry, and starts the
    /// rescoring; refused when rule data was published since the preview.
    pub async fn publish_rules(
        &self,
        actor: &Actor,
        input: &PublicationInput,
        version: i64,
    ) -> Result<RescoringRun, ServiceError> {
        let preview = self.preview_rules(actor, input).await?;
        if preview.version != version {
            return Err(published_meanwhile());
        }
        self.publish(actor, &[preview.publication], version).await
    }

    /// Publishes rule-data files as they are (`jifen rules import`): each file that differs
    /// from the one in force, all in one publication. How many files changed, and the run.
    pub async fn import_rules(
        &self,
        actor: &Actor,
        files: &[(String, String)],
        reason: &str,
    ) -> Result<(usize, Option<RescoringRun>), ServiceError> {
        Self::administrator(actor)?;
        let version = self.store.rule_data_version().await?;
        let current = files_at(&self.store.rule_publications().await?, version)?;
        let mut candidate = current.clone();
        let mut publications = Vec::new();
        for (name, text) in files {
            if current.get(name) == Some(text.as_str()) {
                continue;
            }
            candidate.set(name, text).map_err(|e| invalid_data("file", &e))?;
            let input = PublicationInput {
                kind: "file".into(),
                file_name: name.clone(),
                text: text.clone(),
                effective_from: jifen_rules::effective_from_of(text).unwrap_or_else(|| self.clock.today().to_string()),
                source: "jifen rules import".into(),
                confidence: "medium".into(),
                reason: reason.to_string(),
                ..PublicationInput::default()
            };
            publications.push(checked_publication(actor, &input, &current)?);
        }
        if publications.is_empty() {
            return Ok((0, None));
        }
        let (after, after_calendar) = candidate.load().map_err(|e| invalid_data("file", &e))?;
        let before = self.data_at(version).await?;
        let mut changes = changed_values(before.book, &after);
        changes.extend(calendar_changes(before.calendar, &after_calendar));
        for publication in &mut publications {
            let name = publication.file_name.trim_end_matches(".toml");
            let own: Vec<ChangedValue> = changes
                .iter()
                .filter(|c| match name {
                    "average-wage" => c.path.starts_with("average wage"),
                    "calendar" => c.path.starts_with("working-day calendar"),
                    _ => c.path.starts_with(name),
                })
                .cloned()
                .collect();
            publication.summary = summary_of(&own);
        }
        let count = publications.len();
        Ok((count, Some(self.publish(actor, &publications, version).await?)))
    }

    async fn publish(
        &self,
        actor: &Actor,
        publications: &[NewRulePublication],
        version: i64,
    ) -> Result<RescoringRun, ServiceError> {
        let published = Audit::RulesPublish {
            files: publications.iter().map(|p| p.file_name.clone()).collect(),
            summary: publications.iter().map(|p| p.summary.clone()).collect(),
            reason: publications.first().map(|p| p.reason.clone()),
            previous_version: version,
        };
        let entry = audit(actor, published, String::new());
        let today = self.clock.today().to_string();
        let run = match self.store.publish_rules(publications, version, &today, now_millis(), &entry).await {
            Err(StoreError::Conflict(_)) => return Err(published_meanwhile()),
            other => other?,
        };
        // This server scores with it at once; the others within RULES_REFRESH.
        *self.rules.checked_at.lock().unwrap_or_else(|p| p.into_inner()) = None;
        self.refresh_rules().await?;
        Ok(run)
    }
}

fn published_meanwhile() -> ServiceError {
    ServiceError::refused(
        Reason::RulesPublishedMeanwhile,
        "预览之后已有其他规则数据发布，请重新预览后再发布",
        "Other rule data was published since this preview: preview again before publishing",
    )
}

fn invalid_data(field: &str, error: &dyn std::fmt::Display) -> ServiceError {
    ServiceError::Invalid(vec![Problem::new(
        field,
        format!("规则数据未通过检查：{error}"),
        format!("The rule data does not pass its checks: {error}"),
    )])
}

/// The changed values in one line for the history (the first few, and how many more).
fn summary_of(changes: &[ChangedValue]) -> String {
    let shown: Vec<String> = changes
        .iter()
        .take(3)
        .map(|c| format!("{}: {} → {}", c.path, c.before.as_deref().unwrap_or("—"), c.after.as_deref().unwrap_or("—")))
        .collect();
    let more = changes.len().saturating_sub(shown.len());
    if more > 0 { format!("{} (+{more})", shown.join("; ")) } else { shown.join("; ") }
}

/// A line of text from the form, trimmed and checked (no control characters, at most
/// `max` characters); a problem is added for a bad or missing one.
fn text_field(problems: &mut Vec<Problem>, name: &str, value: &str, max: usize, required: bool) -> String {
    match jifen_domain::text::cleaned(name, value, max) {
        Ok(value) if required && value.is_empty() => {
            problems.push(Problem::new(name, "必填", "Required"));
            value
        }
        Ok(value) => value,
        Err(problem) => {
            problems.push(problem);
            String::new()
        }
    }
}

/// Checks the administrator's input and makes the publication (its summary is the figure
/// for a wage; for a file it is filled in from the changed values).
fn checked_publication(
    actor: &Actor,
    input: &PublicationInput,
    files: &DataFiles,
) -> Result<NewRulePublication, ServiceError> {
    let mut problems = Vec::new();
    let reason = text_field(&mut problems, "reason", &input.reason, 500, true);
    let confidence_word = text_field(&mut problems, "confidence", &input.confidence, 10, true);
    let confidence = match confidence_word.as_str() {
        "high" => Some(Confidence::High),
        "medium" => Some(Confidence::Medium),
        "low" => Some(Confidence::Low),
        _ => None,
    };
    if confidence.is_none() && !confidence_word.is_empty() {
        problems.push(Problem::new("confidence", "请选择可信度", "Choose a confidence"));
    }
    let publication = match input.kind.as_str() {
        "wage" => {
            let series = WageSeries::parse(&input.series);
            if series.is_none() {
                problems.push(Problem::new("series", "请选择系列", "Choose a series"));
            }
            let month = Month::parse(input.month.trim()).ok();
            if month.is_none() {
                problems.push(Problem::new(
                    "month",
                    "请填写起始月份，如 2026-07",
                    "Give the first month, e.g. 2026-07",
                ));
            }
            let monthly = input
                .monthly
                .trim()
                .replace([',', '，', ' '], "")
                .parse::<u64>()
                .ok()
                .filter(|m| (1..=1_000_000).contains(m));
            if monthly.is_none() {
                problems.push(Problem::new(
                    "monthly",
                    "请填写每月金额（元，正整数）",
                    "Give the monthly figure (whole CNY)",
                ));
            }
            let source_key = text_field(&mut problems, "source_key", &input.source_key, 40, true);
            let title_zh = text_field(&mut problems, "source_title_zh", &input.source_title_zh, 200, false);
            let title_en = text_field(&mut problems, "source_title_en", &input.source_title_en, 200, false);
            let reference = text_field(&mut problems, "source_reference", &input.source_reference, 100, false);
            let wages = files.get(AVERAGE_WAGE_FILE).unwrap_or_default();
            let known = files.rules.wage_sources().contains(&source_key);
            if !known && !source_key.is_empty() && (title_zh.is_empty() || reference.is_empty()) {
                problems.push(Problem::new(
                    "source_title_zh",
                    "新的出处须填写文件名称和文号",
                    "A new source needs its title and reference",
                ));
            }
            let (Some(series), Some(month), Some(monthly), Some(confidence), true) =
                (series, month, monthly, confidence, problems.is_empty())
            else {
                return Err(ServiceError::Invalid(problems));
            };
            let (series_zh, series_en) = match series {
                WageSeries::PointsReference => ("积分用社平工资", "average wage for points"),
                WageSeries::InsuranceBase => ("社保缴费基数标准", "insurance-base figure"),
            };
            let figure = WageFigure {
                series,
                from: month,
                monthly,
                source: source_key.clone(),
                new_source: (!known).then(|| {
                    (
                        Text {
                            zh: title_zh.clone(),
                            en: if title_en.is_empty() { title_zh.clone() } else { title_en.clone() },
                        },
                        reference.clone(),
                    )
                }),
                provision: Text {
                    zh: format!("{month} 起{series_zh}（月 {monthly} 元）"),
                    en: format!("{series_en} from {month} (CNY {monthly} a month)"),
                },
                confidence,
            };
            let text = with_wage_figure(wages, &figure).map_err(|e| invalid_data("source_key", &e))?;
            let source = if known { source_key } else { format!("{title_zh}（{reference}）") };
            NewRulePublication {
                file_name: AVERAGE_WAGE_FILE.into(),
                text,
                summary: format!("{series_zh} {month} 起 {monthly} 元/月"),
                effective_from: month.to_string(),
                source,
                confidence: confidence_word,
                reason,
                published_by: actor.id,
            }
        }
        "file" => {
            let file_name = text_field(&mut problems, "file_name", &input.file_name, 50, true);
            if jifen_rules::check_file_name(&file_name).is_err() && !file_name.is_empty() && file_name != CALENDAR_FILE
            {
                problems.push(Problem::new(
                    "file_name",
                    "文件名只能由小写字母、数字和连字符组成，以 .toml 结尾",
                    "A file name is lower-case letters, digits and hyphens, then .toml",
                ));
            }
            if input.text.trim().is_empty() {
                problems.push(Problem::new("text", "请填写规则数据", "Give the rule data"));
            } else if let Err(problem) =
                jifen_domain::text::check("text", &input.text, jifen_rules::MAX_RULE_FILE_BYTES)
            {
                problems.push(problem);
            }
            let effective_from = text_field(&mut problems, "effective_from", &input.effective_from, 10, true);
            if !effective_from.is_empty() && jifen_rules::calendar::parse_date(&effective_from).is_err() {
                problems.push(Problem::new("effective_from", "日期格式为 YYYY-MM-DD", "A date is YYYY-MM-DD"));
            }
            let source = text_field(&mut problems, "source", &input.source, 200, true);
            if !problems.is_empty() {
                return Err(ServiceError::Invalid(problems));
            }
            NewRulePublication {
                file_name,
                text: input.text.replace("\r\n", "\n"),
                summary: String::new(),
                effective_from,
                source,
                confidence: confidence_word,
                reason,
                published_by: actor.id,
            }
        }
        _ => {
            return Err(ServiceError::Invalid(vec![Problem::new(
                "kind",
                "未知的发布类型",
                "Unknown kind of publication",
            )]));
        }
    };
    Ok(publication)
}
