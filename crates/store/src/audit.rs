//! The audit log: every change appends its entry in its own transaction (`append_audit`),
//! and nothing is ever updated or deleted. Administrators search it by who acted, what it was
//! about, which event and when, newest first, with the actor's name.

use crate::database::Result;
use crate::model::*;
use crate::queries::store_queries;
use sqlx::types::Json;

/// What to look for; every part is optional, and the parts given must all hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditQuery {
    /// Entries by this user.
    pub actor_id: Option<UserId>,
    /// Entries about this subject (`user:7`, `application:3`, `employer:2`).
    pub subject: Option<String>,
    /// This event (`sign_in`, `staff_create`, …).
    pub action: Option<String>,
    /// From this time on (UTC milliseconds, inclusive).
    pub from: Option<Millis>,
    /// Before this time (exclusive).
    pub until: Option<Millis>,
    /// Only what concerns one district: entries about its applications that were filed with
    /// its centre (never a draft the centre cannot see), and its staff's other entries. An
    /// entry's district is written with it: its application's, else its actor's when the
    /// actor is staff of a district then.
    pub district: Option<jifen_domain::District>,
    /// At most this many entries.
    pub limit: i64,
}

/// One entry as the administrator's page shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditRecord {
    pub id: i64,
    pub at: Millis,
    pub actor_id: Option<UserId>,
    /// The actor's username, when the entry has an actor.
    pub actor: Option<String>,
    pub action: String,
    pub subject: String,
    pub details: serde_json::Value,
}

#[derive(sqlx::FromRow)]
struct AuditRecordRow {
    id: i64,
    at: i64,
    actor_id: Option<UserId>,
    actor: Option<String>,
    action: String,
    subject: String,
    details: Json<serde_json::Value>,
}

#[derive(sqlx::FromRow)]
pub(crate) struct AuditRow {
    at: i64,
    actor_id: Option<UserId>,
    action: String,
    subject: String,
    details: Json<serde_json::Value>,
}

impl From<AuditRow> for AuditEntry {
    fn from(row: AuditRow) -> Self {
        AuditEntry {
            at: row.at,
            actor_id: row.actor_id,
            action: row.action,
            subject: row.subject,
            details: row.details.0,
        }
    }
}

/// Appends an audit entry: inside the caller's transaction (`&mut *tx`), or on its own, one
/// statement being atomic by itself.
pub(crate) async fn append_audit<'c, DB, E>(executor: E, entry: &AuditEntry) -> Result<()>
where
    DB: sqlx::Database,
    E: sqlx::Executor<'c, Database = DB>,
    for<'q> <DB as sqlx::Database>::Arguments: sqlx::IntoArguments<DB>,
    i64: for<'q> sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    Option<i64>: for<'q> sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    Option<UserId>: for<'q> sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    String: for<'q> sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    Json<serde_json::Value>: for<'q> sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    append_audits(executor, std::slice::from_ref(entry)).await
}

/// Appends several audit entries with one INSERT (at most a few hundred: five values each).
pub(crate) async fn append_audits<'c, DB, E>(executor: E, entries: &[AuditEntry]) -> Result<()>
where
    DB: sqlx::Database,
    E: sqlx::Executor<'c, Database = DB>,
    for<'q> <DB as sqlx::Database>::Arguments: sqlx::IntoArguments<DB>,
    i64: for<'q> sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    Option<i64>: for<'q> sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    Option<UserId>: for<'q> sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    String: for<'q> sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    Json<serde_json::Value>: for<'q> sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    let mut insert =
        sqlx::QueryBuilder::<DB>::new("INSERT INTO audit_log (at, actor_id, action, subject, details, district) ");
    insert.push_values(entries, |mut row, entry| {
        row.push_bind(entry.at)
            .push_bind(entry.actor_id)
            .push_bind(entry.action.clone())
            .push_bind(entry.subject.clone())
            .push_bind(Json(entry.details.clone()));
        // The district the entry concerns (see migration 0021): that of the application it
        // is about, else its actor's, when the actor is staff of a district.
        row.push("COALESCE((SELECT district FROM applications WHERE id = ")
            .push_bind_unseparated(application_of(&entry.subject))
            .push_unseparated("), (SELECT district FROM users WHERE id = ")
            .push_bind_unseparated(entry.actor_id)
            .push_unseparated("))");
    });
    insert.build().execute(executor).await?;
    Ok(())
}

/// The application an entry's subject names (`application:7`), if it names one.
fn application_of(subject: &str) -> Option<i64> {
    subject.strip_prefix("application:")?.parse().ok()
}

/// [`application_of`] in SQL, for an entry `a`: the application's id, or NULL. The guards
/// keep PostgreSQL from failing on a subject that is not `application:` and digits (the
/// CASE's condition is evaluated before its result); 18 digits always fit a BIGINT.
const APPLICATION_OF_SUBJECT: &str = "CASE WHEN a.subject LIKE 'application:%' AND length(a.subject) BETWEEN 13 AND 30 \
     AND ltrim(substr(a.subject, 13), '0123456789') = '' THEN CAST(substr(a.subject, 13) AS BIGINT) END";

store_queries! {
    pub trait AuditStore {
        /// The entries that match, newest first.
        async fn search_audit(&self, query: &AuditQuery) -> Result<Vec<AuditRecord>> {
            // Only the parts given go into the query, so that the database walks the index
            // that fits (a subject's entries, an actor's) instead of testing every entry of
            // the largest table against every part.
            let mut select = sqlx::QueryBuilder::new(
                "SELECT a.id, a.at, a.actor_id, u.username AS actor, a.action, a.subject, a.details \
                 FROM audit_log a LEFT JOIN users u ON u.id = a.actor_id WHERE TRUE",
            );
            if let Some(actor_id) = query.actor_id {
                select.push(" AND a.actor_id = ").push_bind(actor_id);
            }
            if let Some(subject) = &query.subject {
                select.push(" AND a.subject = ").push_bind(subject.clone());
            }
            if let Some(action) = &query.action {
                select.push(" AND a.action = ").push_bind(action.clone());
            }
            if let Some(from) = query.from {
                select.push(" AND a.at >= ").push_bind(from);
            }
            if let Some(until) = query.until {
                select.push(" AND a.at < ").push_bind(until);
            }
            if let Some(district) = query.district {
                // The district's own entries, those about an application once the application
                // was filed with it. They are walked by the district's index, unless a subject
                // or an actor narrows the search more: then by theirs (`|| ''` keeps the
                // district's index out, as SQLite has no statistics to choose by).
                let column = if query.subject.is_some() || query.actor_id.is_some() { "a.district || ''" } else { "a.district" };
                select.push(format_args!(" AND {column} = ")).push_bind(district.as_str()).push(format_args!(
                    " AND (a.subject NOT LIKE 'application:%' OR EXISTS (SELECT 1 FROM application_events e \
                     WHERE e.application_id = {APPLICATION_OF_SUBJECT} AND e.to_state = 'filed'))"
                ));
            }
            select.push(" ORDER BY a.id DESC LIMIT ").push_bind(query.limit);
            let rows: Vec<AuditRecordRow> = select.build_query_as().fetch_all(&self.pool).await?;
            Ok(rows
                .into_iter()
                .map(|row| AuditRecord {
                    id: row.id,
                    at: row.at,
                    actor_id: row.actor_id,
                    actor: row.actor,
                    action: row.action,
                    subject: row.subject,
                    details: row.details.0,
                })
                .collect())
        }

        /// The newest entries first.
        async fn audit_log(&self, limit: i64) -> Result<Vec<AuditEntry>> {
            let rows: Vec<AuditRow> = sqlx::query_as(
                "SELECT at, actor_id, action, subject, details FROM audit_log ORDER BY id DESC LIMIT $1",
            )
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
            Ok(rows.into_iter().map(AuditEntry::from).collect())
        }

        /// Records something that changes nothing else (a full view of personal data), and
        /// returns once it is committed: with the others waiting at the same moment, in one
        /// commit (see [`crate::audit_queue`]).
        async fn record_audit(&self, entry: &AuditEntry) -> Result<()> {
            self.audit_queue.record(entry).await
        }

        /// The audit entries about one subject, oldest first.
        async fn audit_of(&self, subject: &str) -> Result<Vec<AuditEntry>> {
            let rows: Vec<AuditRow> = sqlx::query_as(
                "SELECT at, actor_id, action, subject, details FROM audit_log WHERE subject = $1 ORDER BY id",
            )
            .bind(subject)
            .fetch_all(&self.pool)
            .await?;
            Ok(rows.into_iter().map(AuditEntry::from).collect())
        }
    }
}
