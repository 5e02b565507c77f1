//! The false-materials blacklist: entries that are only ever added to. A finding writes its
//! entries (one per person or employer named), and everything after it (a response, the
//! decision, its expiry) is an event on an entry; nothing is updated or deleted. One
//! decision per entry is enforced by the database.

use crate::audit::append_audit;
use crate::database::{Result, StoreError, unique};
use crate::model::*;
use crate::outbox::insert_messages;
use crate::queries::store_queries;
use jifen_domain::District;

/// Whom an entry names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlacklistSubject {
    Person(UserId),
    Employer(EmployerId),
}

/// A finding's entry to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewBlacklistEntry {
    pub subject: BlacklistSubject,
    pub application_id: ApplicationId,
    pub district: District,
    /// The material found false (its id in the materials catalogue).
    pub material: String,
    /// What is false.
    pub finding: String,
    /// What shows it.
    pub evidence: String,
    /// The last day the subject may respond (`YYYY-MM-DD`).
    pub respond_by: String,
    pub recorded_by: UserId,
}

/// Something that happened to an entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlacklistEvent {
    pub at: Millis,
    pub actor_id: Option<UserId>,
    pub actor_name: Option<String>,
    /// `response`, `confirmed`, `dismissed`, `expired`.
    pub kind: String,
    pub text: String,
    /// For a confirmation: the last day its effects last.
    pub effective_until: Option<String>,
}

/// An entry with its events, oldest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlacklistEntry {
    pub id: BlacklistEntryId,
    pub subject: BlacklistSubject,
    /// The person's name or the employer's, for lists.
    pub subject_name: String,
    pub application_id: ApplicationId,
    pub district: District,
    pub material: String,
    pub finding: String,
    pub evidence: String,
    pub respond_by: String,
    pub recorded_by: UserId,
    pub recorded_at: Millis,
    pub events: Vec<BlacklistEvent>,
}

/// Which entries to read; every field `None` reads them all.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BlacklistQuery {
    pub person_id: Option<UserId>,
    pub employer_id: Option<EmployerId>,
    pub application_id: Option<ApplicationId>,
    pub entry_id: Option<BlacklistEntryId>,
}

#[derive(sqlx::FromRow)]
struct EntryRow {
    id: BlacklistEntryId,
    subject: String,
    person_id: Option<UserId>,
    employer_id: Option<EmployerId>,
    subject_name: Option<String>,
    application_id: ApplicationId,
    district: String,
    material: String,
    finding: String,
    evidence: String,
    respond_by: String,
    recorded_by: UserId,
    recorded_at: i64,
}

#[derive(sqlx::FromRow)]
struct EventRow {
    entry_id: BlacklistEntryId,
    at: i64,
    actor_id: Option<UserId>,
    actor_name: Option<String>,
    kind: String,
    text: String,
    effective_until: Option<String>,
}

impl EntryRow {
    fn into_entry(self, events: Vec<BlacklistEvent>) -> Result<BlacklistEntry> {
        let subject = match (self.subject.as_str(), self.person_id, self.employer_id) {
            ("person", Some(id), _) => BlacklistSubject::Person(id),
            ("employer", _, Some(id)) => BlacklistSubject::Employer(id),
            _ => return Err(StoreError::Corrupt(format!("blacklist entry {} names no subject", self.id))),
        };
        Ok(BlacklistEntry {
            id: self.id,
            subject,
            subject_name: self.subject_name.unwrap_or_default(),
            application_id: self.application_id,
            district: District::parse(&self.district)
                .ok_or_else(|| StoreError::Corrupt(format!("district {}", self.district)))?,
            material: self.material,
            finding: self.finding,
            evidence: self.evidence,
            respond_by: self.respond_by,
            recorded_by: self.recorded_by,
            recorded_at: self.recorded_at,
            events,
        })
    }
}

const ENTRY_SELECT: &str = "SELECT b.id, b.subject, b.person_id, b.employer_id, \
    COALESCE(p.name, e.name) AS subject_name, b.application_id, b.district, b.material, b.finding, b.evidence, \
    b.respond_by, b.recorded_by, b.recorded_at FROM blacklist_entries b \
    LEFT JOIN applicants p ON p.user_id = b.person_id LEFT JOIN employers e ON e.id = b.employer_id";

const EVENT_SELECT: &str = "SELECT v.entry_id, v.at, v.actor_id, u.display_name AS actor_name, v.kind, v.text, \
    v.effective_until FROM blacklist_events v LEFT JOIN users u ON u.id = v.actor_id \
    JOIN blacklist_entries b ON b.id = v.entry_id";

impl BlacklistQuery {
    /// The query's conditions on `blacklist_entries b`, only those it has: each can then use
    /// its index (written `($1 IS NULL OR b.person_id = $1)`, none could, and every
    /// application's page read the whole table).
    fn conditions(&self) -> Vec<(&'static str, i64)> {
        [
            ("b.person_id", self.person_id.map(UserId::get)),
            ("b.employer_id", self.employer_id.map(EmployerId::get)),
            ("b.application_id", self.application_id.map(ApplicationId::get)),
            ("b.id", self.entry_id.map(BlacklistEntryId::get)),
        ]
        .into_iter()
        .filter_map(|(column, value)| Some((column, value?)))
        .collect()
    }
}

/// `select`, then `WHERE` the conditions (none: every row), then `order`.
macro_rules! filtered {
    ($select:expr, $conditions:expr, $order:expr) => {{
        let mut builder = sqlx::QueryBuilder::new($select);
        for (index, (column, value)) in $conditions.iter().enumerate() {
            builder.push(if index == 0 { " WHERE " } else { " AND " }).push(*column).push(" = ").push_bind(*value);
        }
        builder.push($order);
        builder
    }};
}

store_queries! {
    pub trait BlacklistStore {
        /// Records a finding's entries with the audit entry and the messages that tell the
        /// people named, in one transaction; their ids.
        async fn record_findings(
            &self,
            entries: &[NewBlacklistEntry],
            at: Millis,
            audit: &AuditEntry,
            messages: &[NewMessage],
        ) -> Result<Vec<BlacklistEntryId>> {
            let mut tx = self.begin_write().await?;
            let mut ids = Vec::with_capacity(entries.len());
            for entry in entries {
                let (subject, person, employer) = match entry.subject {
                    BlacklistSubject::Person(id) => ("person", Some(id), None),
                    BlacklistSubject::Employer(id) => ("employer", None, Some(id)),
                };
                let id: BlacklistEntryId = sqlx::query_scalar(
                    "INSERT INTO blacklist_entries (subject, person_id, employer_id, application_id, district, \
                     material, finding, evidence, respond_by, recorded_by, recorded_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
                )
                .bind(subject)
                .bind(person)
                .bind(employer)
                .bind(entry.application_id)
                .bind(entry.district.as_str())
                .bind(&entry.material)
                .bind(&entry.finding)
                .bind(&entry.evidence)
                .bind(&entry.respond_by)
                .bind(entry.recorded_by)
                .bind(at)
                .fetch_one(&mut *tx)
                .await?;
                ids.push(id);
            }
            append_audit(&mut *tx, audit).await?;
            insert_messages(&mut *tx, messages, at).await?;
            tx.commit().await?;
            Ok(ids)
        }

        /// Adds an event to an entry with its audit entry and messages. A second decision on one
        /// entry is [`StoreError::Duplicate`] and writes nothing.
        async fn add_blacklist_event(
            &self,
            entry_id: BlacklistEntryId,
            event: &BlacklistEvent,
            audit: &AuditEntry,
            messages: &[NewMessage],
        ) -> Result<()> {
            let mut tx = self.begin_write().await?;
            sqlx::query(
                "INSERT INTO blacklist_events (entry_id, at, actor_id, kind, text, effective_until) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(entry_id)
            .bind(event.at)
            .bind(event.actor_id)
            .bind(&event.kind)
            .bind(&event.text)
            .bind(&event.effective_until)
            .execute(&mut *tx)
            .await
            .map_err(unique("blacklist decision"))?;
            append_audit(&mut *tx, audit).await?;
            insert_messages(&mut *tx, messages, event.at).await?;
            tx.commit().await?;
            Ok(())
        }

        /// The entries the query names, the newest first, each with its events.
        async fn blacklist(&self, query: BlacklistQuery) -> Result<Vec<BlacklistEntry>> {
            let conditions = query.conditions();
            let rows: Vec<EntryRow> =
                filtered!(ENTRY_SELECT, conditions, " ORDER BY b.id DESC").build_query_as().fetch_all(&self.pool).await?;
            // Most applications and people have no entry: then there is no history to read.
            if rows.is_empty() {
                return Ok(Vec::new());
            }
            let events: Vec<EventRow> =
                filtered!(EVENT_SELECT, conditions, " ORDER BY v.id").build_query_as().fetch_all(&self.pool).await?;
            rows.into_iter()
                .map(|row| {
                    let of_entry = events
                        .iter()
                        .filter(|event| event.entry_id == row.id)
                        .map(|event| BlacklistEvent {
                            at: event.at,
                            actor_id: event.actor_id,
                            actor_name: event.actor_name.clone(),
                            kind: event.kind.clone(),
                            text: event.text.clone(),
                            effective_until: event.effective_until.clone(),
                        })
                        .collect();
                    row.into_entry(of_entry)
                })
                .collect()
        }
    }
}
