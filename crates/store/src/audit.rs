//! Searching the audit log, for administrators: by who acted, what it was about, which
//! event and when, newest first, with the actor's name. Written once for both databases like
//! [`crate::Repository`]; the log itself only grows (entries are appended by every change).

use crate::model::Millis;
use crate::repository::{PgStore, Result, SqliteStore, Store, delegate};
use sqlx::types::Json;
use std::future::Future;

/// What to look for; every part is optional, and the parts given must all hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditQuery {
    /// Entries by this user.
    pub actor_id: Option<i64>,
    /// Entries about this subject (`user:7`, `application:3`, `employer:2`).
    pub subject: Option<String>,
    /// This event (`sign_in`, `staff_create`, …).
    pub action: Option<String>,
    /// From this time on (UTC milliseconds, inclusive).
    pub from: Option<Millis>,
    /// Before this time (exclusive).
    pub until: Option<Millis>,
    /// Only what concerns one district: entries by its staff, or about its applications
    /// that were filed with its centre (never a draft the centre cannot see).
    pub district: Option<jifen_domain::District>,
    /// At most this many entries.
    pub limit: i64,
}

/// One entry as the administrator's page shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditRecord {
    pub id: i64,
    pub at: Millis,
    pub actor_id: Option<i64>,
    /// The actor's username, when the entry has an actor.
    pub actor: Option<String>,
    pub action: String,
    pub subject: String,
    pub details: serde_json::Value,
}

pub trait AuditStore: Send + Sync {
    /// The entries that match, newest first.
    fn search_audit(&self, query: &AuditQuery) -> impl Future<Output = Result<Vec<AuditRecord>>> + Send;
}

#[derive(sqlx::FromRow)]
struct AuditRecordRow {
    id: i64,
    at: i64,
    actor_id: Option<i64>,
    actor: Option<String>,
    action: String,
    subject: String,
    details: Json<serde_json::Value>,
}

macro_rules! audit_store {
    ($store:ty) => {
        impl AuditStore for $store {
            async fn search_audit(&self, query: &AuditQuery) -> Result<Vec<AuditRecord>> {
                let rows: Vec<AuditRecordRow> = sqlx::query_as(
                    "SELECT a.id, a.at, a.actor_id, u.username AS actor, a.action, a.subject, a.details \
                     FROM audit_log a LEFT JOIN users u ON u.id = a.actor_id \
                     WHERE ($1 IS NULL OR a.actor_id = $1) AND ($2 IS NULL OR a.subject = $2) \
                     AND ($3 IS NULL OR a.action = $3) AND ($4 IS NULL OR a.at >= $4) AND ($5 IS NULL OR a.at < $5) \
                     AND ($7 IS NULL OR u.district = $7 OR a.subject IN \
                          (SELECT 'application:' || e.application_id FROM application_events e \
                           JOIN applications p ON p.id = e.application_id \
                           WHERE p.district = $7 AND e.to_state = 'filed')) \
                     ORDER BY a.id DESC LIMIT $6",
                )
                .bind(query.actor_id)
                .bind(query.subject.as_deref())
                .bind(query.action.as_deref())
                .bind(query.from)
                .bind(query.until)
                .bind(query.limit)
                .bind(query.district.map(jifen_domain::District::as_str))
                .fetch_all(&self.pool)
                .await?;
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
        }
    };
}

audit_store!(SqliteStore);
audit_store!(PgStore);

delegate!(AuditStore {
    search_audit(query: &AuditQuery) -> Result<Vec<AuditRecord>>;
});
