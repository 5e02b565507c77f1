use crate::model::*;
use jifen_domain::{District, Role};
use sqlx::types::Json;
use std::future::Future;
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A unique value (username, credit code) is taken.
    #[error("{0} already exists")]
    Duplicate(&'static str),
    /// The record is not in a state that allows the change.
    #[error("{0}")]
    Conflict(&'static str),
    #[error("stored value is not valid: {0}")]
    Corrupt(String),
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// What kind of database failure an error is, for users (an outage is a 503 that saves
/// nothing, not a bug) and for `/metrics`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum FaultKind {
    /// The disk is full (SQLite's SQLITE_FULL, PostgreSQL's class 53).
    DiskFull,
    /// Reading or writing the database failed (SQLite's SQLITE_IOERR, a lost connection).
    Io,
    /// No connection could be had in time, or the server refuses connections.
    Unreachable,
    /// The database is busy or locked beyond the wait.
    Busy,
    /// Anything else: a bug to look at.
    Other,
}

impl FaultKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::DiskFull => "disk_full",
            Self::Io => "io",
            Self::Unreachable => "unreachable",
            Self::Busy => "busy",
            Self::Other => "other",
        }
    }
}

impl StoreError {
    /// The kind of failure, when this is a failure of the database rather than a refusal.
    pub fn fault(&self) -> Option<FaultKind> {
        let Self::Database(error) = self else {
            return matches!(self, Self::Migration(_) | Self::Corrupt(_)).then_some(FaultKind::Other);
        };
        Some(match error {
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Tls(_) => FaultKind::Unreachable,
            sqlx::Error::Io(_) | sqlx::Error::Protocol(_) | sqlx::Error::WorkerCrashed => FaultKind::Io,
            sqlx::Error::Database(db) => {
                let code = db.code().unwrap_or_default();
                match code.as_ref() {
                    // SQLite primary result codes (extended codes keep them in the low byte).
                    c if sqlite_primary(c) == Some(13) => FaultKind::DiskFull,
                    c if matches!(sqlite_primary(c), Some(10 | 14 | 8 | 26 | 11)) => FaultKind::Io,
                    c if matches!(sqlite_primary(c), Some(5 | 6)) => FaultKind::Busy,
                    // PostgreSQL SQLSTATE classes: 53 resources, 08 connection, 57P admin.
                    c if c.starts_with("53") => FaultKind::DiskFull,
                    c if c.starts_with("08") || c.starts_with("57P") => FaultKind::Unreachable,
                    _ => FaultKind::Other,
                }
            }
            _ => FaultKind::Other,
        })
    }

    /// Whether the database is out of service (full, unreachable, failing), so that nothing
    /// could be saved now but a retry later may work: users get a 503, not a 500.
    pub fn is_outage(&self) -> bool {
        matches!(self.fault(), Some(FaultKind::DiskFull | FaultKind::Io | FaultKind::Unreachable | FaultKind::Busy))
    }
}

/// SQLite reports its result code as a number; the primary code is its low byte.
fn sqlite_primary(code: &str) -> Option<i64> {
    code.parse::<i64>().ok().map(|c| c & 0xff)
}

/// Everything the application keeps. Methods that change state take the audit entry that
/// records the change and write both in one transaction.
pub trait Repository: Send + Sync {
    fn create_user(&self, user: &NewUser, at: Millis, audit: &AuditEntry) -> impl Future<Output = Result<User>> + Send;
    fn user_by_username(&self, username: &str) -> impl Future<Output = Result<Option<User>>> + Send;
    fn user_by_id(&self, id: i64) -> impl Future<Output = Result<Option<User>>> + Send;
    /// Replaces a password and ends every session of the user.
    fn set_password(
        &self,
        user_id: i64,
        password_hash: &str,
        must_change: bool,
        audit: &AuditEntry,
    ) -> impl Future<Output = Result<()>> + Send;
    /// Starts a session (a sign-in), audited.
    fn create_session(&self, session: &Session, audit: &AuditEntry) -> impl Future<Output = Result<()>> + Send;
    /// The session if it exists and has not expired at `now`.
    fn session(&self, token_hash: &str, now: Millis) -> impl Future<Output = Result<Option<Session>>> + Send;
    /// Ends a session (a sign-out), audited.
    fn delete_session(&self, token_hash: &str, audit: &AuditEntry) -> impl Future<Output = Result<()>> + Send;
    /// Counts a sign-in attempt against each subject, atomically and before the password is
    /// checked, and returns each subject's attempts in its current window (this one
    /// included). A window opens at a subject's first attempt and lasts `window`.
    fn count_attempts(
        &self,
        subjects: &[String],
        now: Millis,
        window: Millis,
    ) -> impl Future<Output = Result<Vec<u64>>> + Send;
    /// After a successful sign-in: forgets the attempts of `clear`, and takes back the one
    /// attempt just counted against each of `refund` (whose counts stay failures only).
    fn settle_attempts(&self, clear: &[String], refund: &[String]) -> impl Future<Output = Result<()>> + Send;
    /// Remembers a browser that signed in to `user_id`, by its device token's hash.
    fn trust_device(
        &self,
        token_hash: &str,
        user_id: i64,
        now: Millis,
        expires_at: Millis,
    ) -> impl Future<Output = Result<()>> + Send;
    /// The account a device token signed in to, if it is still trusted at `now`.
    fn trusted_device(&self, token_hash: &str, now: Millis) -> impl Future<Output = Result<Option<i64>>> + Send;
    /// Writes and commits a row: whether the database accepts writes right now.
    fn probe_write(&self, now: Millis) -> impl Future<Output = Result<()>> + Send;
    /// Registers an employer (pending) together with its HR agent's account, in one
    /// transaction; the agent's `employer_id` is set to the new employer.
    fn register_employer(
        &self,
        employer: &NewEmployer,
        agent: &NewUser,
        at: Millis,
        audit: &AuditEntry,
    ) -> impl Future<Output = Result<(Employer, User)>> + Send;
    /// Sign-ups still pending that were made before `created_before` expire: they are
    /// rejected by nobody (audited), and their agent accounts are disabled and give up their
    /// usernames, so an unverified sign-up reserves nothing for long. Returns how many expired.
    fn expire_signups(&self, created_before: Millis, at: Millis) -> impl Future<Output = Result<u64>> + Send;
    fn employer(&self, id: i64) -> impl Future<Output = Result<Option<Employer>>> + Send;
    fn employers_in_district(
        &self,
        district: District,
        status: EmployerStatus,
    ) -> impl Future<Output = Result<Vec<Employer>>> + Send;
    /// Decides a pending registration; anything but a pending one is a conflict.
    fn decide_employer(
        &self,
        id: i64,
        status: EmployerStatus,
        by: i64,
        at: Millis,
        audit: &AuditEntry,
    ) -> impl Future<Output = Result<()>> + Send;
    /// The newest entries first.
    fn audit_log(&self, limit: i64) -> impl Future<Output = Result<Vec<AuditEntry>>> + Send;
    /// Queues messages; a key already queued is left as it is.
    fn enqueue_messages(&self, messages: &[NewMessage], at: Millis) -> impl Future<Output = Result<()>> + Send;
    /// Leases up to `limit` due messages to `worker` until `now + lease`. A message leased to
    /// another worker whose lease has not run out is never returned.
    fn claim_messages(
        &self,
        worker: &str,
        now: Millis,
        lease: Millis,
        limit: i64,
    ) -> impl Future<Output = Result<Vec<OutboxMessage>>> + Send;
    /// Records a send by the worker holding the lease.
    fn mark_sent(&self, id: i64, worker: &str, at: Millis) -> impl Future<Output = Result<()>> + Send;
    /// Records a failed attempt: retried from `next_attempt_at`, or given up when `dead`.
    fn mark_failed(
        &self,
        id: i64,
        worker: &str,
        error: &str,
        next_attempt_at: Millis,
        dead: bool,
    ) -> impl Future<Output = Result<()>> + Send;
    /// How the outbox is doing: messages waiting, those that failed [`FAILING_AFTER_ATTEMPTS`]
    /// times or more and still wait (the sender keeps failing), and those given up.
    fn outbox_health(&self) -> impl Future<Output = Result<OutboxHealth>> + Send;
    /// Messages to one recipient, oldest first (what was sent to whom, for progress pages and tests).
    fn messages_to(&self, recipient: &str) -> impl Future<Output = Result<Vec<OutboxMessage>>> + Send;
}

#[derive(sqlx::FromRow)]
pub(crate) struct UserRow {
    id: i64,
    username: String,
    display_name: String,
    password_hash: String,
    role: String,
    district: Option<String>,
    employer_id: Option<i64>,
    must_change_password: bool,
    disabled: bool,
    created_at: i64,
}

impl TryFrom<UserRow> for User {
    type Error = StoreError;

    fn try_from(row: UserRow) -> Result<Self> {
        Ok(User {
            id: row.id,
            role: Role::parse(&row.role).ok_or_else(|| StoreError::Corrupt(format!("role {}", row.role)))?,
            district: row.district.as_deref().map(parse_district).transpose()?,
            username: row.username,
            display_name: row.display_name,
            password_hash: row.password_hash,
            employer_id: row.employer_id,
            must_change_password: row.must_change_password,
            disabled: row.disabled,
            created_at: row.created_at,
        })
    }
}

pub(crate) fn parse_district(word: &str) -> Result<District> {
    District::parse(word).ok_or_else(|| StoreError::Corrupt(format!("district {word}")))
}

#[derive(sqlx::FromRow)]
struct SessionRow {
    token_hash: String,
    user_id: i64,
    csrf_token: String,
    created_at: i64,
    expires_at: i64,
}

#[derive(sqlx::FromRow)]
struct EmployerRow {
    id: i64,
    name: String,
    credit_code: String,
    district: String,
    contact_name: String,
    contact_phone: String,
    status: String,
    verified_by: Option<i64>,
    verified_at: Option<i64>,
    created_at: i64,
}

impl TryFrom<EmployerRow> for Employer {
    type Error = StoreError;

    fn try_from(row: EmployerRow) -> Result<Self> {
        Ok(Employer {
            id: row.id,
            district: parse_district(&row.district)?,
            status: EmployerStatus::parse(&row.status)
                .ok_or_else(|| StoreError::Corrupt(format!("employer status {}", row.status)))?,
            name: row.name,
            credit_code: row.credit_code,
            contact_name: row.contact_name,
            contact_phone: row.contact_phone,
            verified_by: row.verified_by,
            verified_at: row.verified_at,
            created_at: row.created_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct AuditRow {
    at: i64,
    actor_id: Option<i64>,
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

/// A unique-constraint violation becomes [`StoreError::Duplicate`] naming the value.
pub(crate) fn unique(what: &'static str) -> impl Fn(sqlx::Error) -> StoreError {
    move |error| match &error {
        sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Duplicate(what),
        _ => StoreError::Database(error),
    }
}

pub(crate) const USER_COLUMNS: &str = "id, username, display_name, password_hash, role, district, employer_id, \
    must_change_password, disabled, created_at";

/// The repository, written once for both databases: the SQL uses `$n` placeholders and
/// `RETURNING`, which SQLite and PostgreSQL both understand, and each store supplies how
/// it opens a write transaction.
macro_rules! repository {
    ($store:ty) => {
        impl Repository for $store {
            async fn create_user(&self, user: &NewUser, at: Millis, audit: &AuditEntry) -> Result<User> {
                let mut tx = self.begin_write().await?;
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO users (username, display_name, password_hash, role, district, employer_id, \
                     must_change_password, disabled, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, FALSE, $8) RETURNING id",
                )
                .bind(&user.username)
                .bind(&user.display_name)
                .bind(&user.password_hash)
                .bind(user.role.as_str())
                .bind(user.district.map(District::as_str))
                .bind(user.employer_id)
                .bind(user.must_change_password)
                .bind(at)
                .fetch_one(&mut *tx)
                .await
                .map_err(unique("username"))?;
                append_audit(&mut tx, audit).await?;
                tx.commit().await?;
                self.user_by_id(id).await?.ok_or(StoreError::Conflict("user vanished after insert"))
            }

            async fn user_by_username(&self, username: &str) -> Result<Option<User>> {
                let sql = sqlx::AssertSqlSafe(format!("SELECT {USER_COLUMNS} FROM users WHERE username = $1"));
                let row: Option<UserRow> = sqlx::query_as(sql).bind(username).fetch_optional(&self.pool).await?;
                row.map(User::try_from).transpose()
            }

            async fn user_by_id(&self, id: i64) -> Result<Option<User>> {
                let sql = sqlx::AssertSqlSafe(format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1"));
                let row: Option<UserRow> = sqlx::query_as(sql).bind(id).fetch_optional(&self.pool).await?;
                row.map(User::try_from).transpose()
            }

            async fn set_password(&self, user_id: i64, password_hash: &str, must_change: bool, audit: &AuditEntry) -> Result<()> {
                let mut tx = self.begin_write().await?;
                let changed = sqlx::query("UPDATE users SET password_hash = $1, must_change_password = $2 WHERE id = $3")
                    .bind(password_hash)
                    .bind(must_change)
                    .bind(user_id)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                if changed == 0 {
                    return Err(StoreError::Conflict("no such user"));
                }
                sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user_id).execute(&mut *tx).await?;
                sqlx::query("DELETE FROM trusted_devices WHERE user_id = $1").bind(user_id).execute(&mut *tx).await?;
                append_audit(&mut tx, audit).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn create_session(&self, session: &Session, audit: &AuditEntry) -> Result<()> {
                let mut tx = self.begin_write().await?;
                sqlx::query(
                    "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(&session.token_hash)
                .bind(session.user_id)
                .bind(&session.csrf_token)
                .bind(session.created_at)
                .bind(session.expires_at)
                .execute(&mut *tx)
                .await?;
                append_audit(&mut tx, audit).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn session(&self, token_hash: &str, now: Millis) -> Result<Option<Session>> {
                let row: Option<SessionRow> = sqlx::query_as(
                    "SELECT token_hash, user_id, csrf_token, created_at, expires_at FROM sessions \
                     WHERE token_hash = $1 AND expires_at > $2",
                )
                .bind(token_hash)
                .bind(now)
                .fetch_optional(&self.pool)
                .await?;
                Ok(row.map(|row| Session {
                    token_hash: row.token_hash,
                    user_id: row.user_id,
                    csrf_token: row.csrf_token,
                    created_at: row.created_at,
                    expires_at: row.expires_at,
                }))
            }

            async fn delete_session(&self, token_hash: &str, audit: &AuditEntry) -> Result<()> {
                let mut tx = self.begin_write().await?;
                sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash).execute(&mut *tx).await?;
                append_audit(&mut tx, audit).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn count_attempts(&self, subjects: &[String], now: Millis, window: Millis) -> Result<Vec<u64>> {
                let mut tx = self.begin_write().await?;
                // Windows that closed hold nothing worth keeping: the table stays small.
                sqlx::query("DELETE FROM login_throttle WHERE window_start <= $1").bind(now - window).execute(&mut *tx).await?;
                let mut counts = Vec::with_capacity(subjects.len());
                for subject in subjects {
                    // One statement per subject: the row lock (PostgreSQL) or the write lock
                    // (SQLite) makes concurrent attempts count one after another.
                    let attempts: i64 = sqlx::query_scalar(
                        "INSERT INTO login_throttle (subject, window_start, attempts) VALUES ($1, $2, 1) \
                         ON CONFLICT (subject) DO UPDATE SET \
                         attempts = CASE WHEN login_throttle.window_start <= $3 THEN 1 ELSE login_throttle.attempts + 1 END, \
                         window_start = CASE WHEN login_throttle.window_start <= $3 THEN $2 ELSE login_throttle.window_start END \
                         RETURNING attempts",
                    )
                    .bind(subject)
                    .bind(now)
                    .bind(now - window)
                    .fetch_one(&mut *tx)
                    .await?;
                    counts.push(u64::try_from(attempts).unwrap_or(0));
                }
                tx.commit().await?;
                Ok(counts)
            }

            async fn settle_attempts(&self, clear: &[String], refund: &[String]) -> Result<()> {
                let mut tx = self.begin_write().await?;
                for subject in clear {
                    sqlx::query("DELETE FROM login_throttle WHERE subject = $1").bind(subject).execute(&mut *tx).await?;
                }
                for subject in refund {
                    sqlx::query("UPDATE login_throttle SET attempts = attempts - 1 WHERE subject = $1 AND attempts > 0")
                        .bind(subject)
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn trust_device(&self, token_hash: &str, user_id: i64, now: Millis, expires_at: Millis) -> Result<()> {
                let mut tx = self.begin_write().await?;
                sqlx::query("DELETE FROM trusted_devices WHERE expires_at <= $1").bind(now).execute(&mut *tx).await?;
                sqlx::query(
                    "INSERT INTO trusted_devices (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (token_hash) DO UPDATE SET expires_at = $4 WHERE trusted_devices.user_id = $2",
                )
                .bind(token_hash)
                .bind(user_id)
                .bind(now)
                .bind(expires_at)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn trusted_device(&self, token_hash: &str, now: Millis) -> Result<Option<i64>> {
                Ok(sqlx::query_scalar("SELECT user_id FROM trusted_devices WHERE token_hash = $1 AND expires_at > $2")
                    .bind(token_hash)
                    .bind(now)
                    .fetch_optional(&self.pool)
                    .await?)
            }

            async fn probe_write(&self, now: Millis) -> Result<()> {
                let mut tx = self.begin_write().await?;
                sqlx::query("UPDATE health_probe SET at = $1 WHERE id = 1").bind(now).execute(&mut *tx).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn register_employer(
                &self,
                employer: &NewEmployer,
                agent: &NewUser,
                at: Millis,
                audit: &AuditEntry,
            ) -> Result<(Employer, User)> {
                let mut tx = self.begin_write().await?;
                // A rejected (or expired) sign-up holds its credit code no longer: a new sign-up
                // takes its row over, so the code stays unique among live employers.
                let reused: Option<i64> = sqlx::query_scalar(
                    "UPDATE employers SET name = $1, district = $3, contact_name = $4, contact_phone = $5, \
                     status = 'pending', verified_by = NULL, verified_at = NULL, created_at = $6 \
                     WHERE credit_code = $2 AND status = 'rejected' RETURNING id",
                )
                .bind(&employer.name)
                .bind(employer.credit_code.as_str())
                .bind(employer.district.as_str())
                .bind(&employer.contact_name)
                .bind(&employer.contact_phone)
                .bind(at)
                .fetch_optional(&mut *tx)
                .await?;
                let id: i64 = match reused {
                    Some(id) => id,
                    None => sqlx::query_scalar(
                        "INSERT INTO employers (name, credit_code, district, contact_name, contact_phone, status, created_at) \
                         VALUES ($1, $2, $3, $4, $5, 'pending', $6) RETURNING id",
                    )
                    .bind(&employer.name)
                    .bind(employer.credit_code.as_str())
                    .bind(employer.district.as_str())
                    .bind(&employer.contact_name)
                    .bind(&employer.contact_phone)
                    .bind(at)
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(unique("credit code"))?,
                };
                let agent_id: i64 = sqlx::query_scalar(
                    "INSERT INTO users (username, display_name, password_hash, role, district, employer_id, \
                     must_change_password, disabled, created_at) VALUES ($1, $2, $3, $4, NULL, $5, $6, FALSE, $7) RETURNING id",
                )
                .bind(&agent.username)
                .bind(&agent.display_name)
                .bind(&agent.password_hash)
                .bind(agent.role.as_str())
                .bind(id)
                .bind(agent.must_change_password)
                .bind(at)
                .fetch_one(&mut *tx)
                .await
                .map_err(unique("username"))?;
                append_audit(&mut tx, audit).await?;
                tx.commit().await?;
                let employer = self.employer(id).await?.ok_or(StoreError::Conflict("employer vanished after insert"))?;
                let agent = self.user_by_id(agent_id).await?.ok_or(StoreError::Conflict("user vanished after insert"))?;
                Ok((employer, agent))
            }

            async fn expire_signups(&self, created_before: Millis, at: Millis) -> Result<u64> {
                let mut tx = self.begin_write().await?;
                let expired: Vec<i64> = sqlx::query_scalar(
                    "UPDATE employers SET status = 'rejected', verified_at = $2 \
                     WHERE status = 'pending' AND created_at < $1 RETURNING id",
                )
                .bind(created_before)
                .bind(at)
                .fetch_all(&mut *tx)
                .await?;
                for id in &expired {
                    retire_agents(&mut tx, *id).await?;
                    let entry = AuditEntry {
                        at,
                        actor_id: None,
                        action: "employer_expire".into(),
                        subject: format!("employer:{id}"),
                        details: serde_json::json!({}),
                    };
                    append_audit(&mut tx, &entry).await?;
                }
                tx.commit().await?;
                Ok(expired.len() as u64)
            }

            async fn employer(&self, id: i64) -> Result<Option<Employer>> {
                let row: Option<EmployerRow> = sqlx::query_as(
                    "SELECT id, name, credit_code, district, contact_name, contact_phone, status, verified_by, \
                     verified_at, created_at FROM employers WHERE id = $1",
                )
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
                row.map(Employer::try_from).transpose()
            }

            async fn employers_in_district(&self, district: District, status: EmployerStatus) -> Result<Vec<Employer>> {
                let rows: Vec<EmployerRow> = sqlx::query_as(
                    "SELECT id, name, credit_code, district, contact_name, contact_phone, status, verified_by, \
                     verified_at, created_at FROM employers WHERE district = $1 AND status = $2 ORDER BY id",
                )
                .bind(district.as_str())
                .bind(status.as_str())
                .fetch_all(&self.pool)
                .await?;
                rows.into_iter().map(Employer::try_from).collect()
            }

            async fn decide_employer(&self, id: i64, status: EmployerStatus, by: i64, at: Millis, audit: &AuditEntry) -> Result<()> {
                // The same decision, with no message to send.
                crate::applications::ApplicationStore::decide_employer_telling(self, id, status, by, at, audit, &[]).await
            }

            async fn enqueue_messages(&self, messages: &[NewMessage], at: Millis) -> Result<()> {
                let mut tx = self.begin_write().await?;
                insert_messages(&mut tx, messages, at).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn claim_messages(&self, worker: &str, now: Millis, lease: Millis, limit: i64) -> Result<Vec<OutboxMessage>> {
                let mut tx = self.begin_write().await?;
                // The lease condition stands in the outer WHERE too: PostgreSQL re-checks it on
                // a row another worker has just claimed, so no row is claimed twice.
                let rows: Vec<MessageRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                    "UPDATE outbox SET locked_until = $1, locked_by = $2 \
                     WHERE id IN (SELECT id FROM outbox WHERE {DUE} ORDER BY id LIMIT $4) AND {DUE} \
                     RETURNING {MESSAGE_COLUMNS}"
                )))
                .bind(now + lease)
                .bind(worker)
                .bind(now)
                .bind(limit)
                .fetch_all(&mut *tx)
                .await?;
                tx.commit().await?;
                let mut messages: Vec<OutboxMessage> = rows.into_iter().map(OutboxMessage::from).collect();
                messages.sort_by_key(|message| message.id);
                Ok(messages)
            }

            async fn mark_sent(&self, id: i64, worker: &str, at: Millis) -> Result<()> {
                let mut tx = self.begin_write().await?;
                let changed = sqlx::query(
                    "UPDATE outbox SET sent_at = $1, locked_until = NULL, attempts = attempts + 1, \
                     body = COALESCE(body_after_send, body), body_after_send = NULL \
                     WHERE id = $2 AND locked_by = $3 AND sent_at IS NULL",
                )
                .bind(at)
                .bind(id)
                .bind(worker)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if changed == 0 {
                    return Err(StoreError::Conflict("the message is not leased to this worker"));
                }
                tx.commit().await?;
                Ok(())
            }

            async fn mark_failed(&self, id: i64, worker: &str, error: &str, next_attempt_at: Millis, dead: bool) -> Result<()> {
                let mut tx = self.begin_write().await?;
                sqlx::query(
                    "UPDATE outbox SET attempts = attempts + 1, last_error = $1, next_attempt_at = $2, dead = $3, \
                     locked_until = NULL, body = CASE WHEN $3 THEN COALESCE(body_after_send, body) ELSE body END, \
                     body_after_send = CASE WHEN $3 THEN NULL ELSE body_after_send END \
                     WHERE id = $4 AND locked_by = $5 AND sent_at IS NULL",
                )
                .bind(error)
                .bind(next_attempt_at)
                .bind(dead)
                .bind(id)
                .bind(worker)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn outbox_health(&self) -> Result<OutboxHealth> {
                let (waiting, failing, dead): (i64, i64, i64) = sqlx::query_as(
                    "SELECT \
                     COALESCE(SUM(CASE WHEN sent_at IS NULL AND dead = FALSE THEN 1 ELSE 0 END), 0), \
                     COALESCE(SUM(CASE WHEN sent_at IS NULL AND dead = FALSE AND attempts >= $1 THEN 1 ELSE 0 END), 0), \
                     COALESCE(SUM(CASE WHEN dead = TRUE THEN 1 ELSE 0 END), 0) FROM outbox",
                )
                .bind(FAILING_AFTER_ATTEMPTS)
                .fetch_one(&self.pool)
                .await?;
                Ok(OutboxHealth { waiting, failing, dead })
            }

            async fn messages_to(&self, recipient: &str) -> Result<Vec<OutboxMessage>> {
                let rows: Vec<MessageRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                    "SELECT {MESSAGE_COLUMNS} FROM outbox WHERE recipient = $1 ORDER BY id"
                )))
                .bind(recipient)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows.into_iter().map(OutboxMessage::from).collect())
            }

            async fn audit_log(&self, limit: i64) -> Result<Vec<AuditEntry>> {
                let rows: Vec<AuditRow> = sqlx::query_as(
                    "SELECT at, actor_id, action, subject, details FROM audit_log ORDER BY id DESC LIMIT $1",
                )
                .bind(limit)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows.into_iter().map(AuditEntry::from).collect())
            }
        }
    };
}

/// A message that failed this often and still waits means the sender keeps failing.
pub const FAILING_AFTER_ATTEMPTS: i64 = 3;

const MESSAGE_COLUMNS: &str = "id, idempotency_key, channel, recipient, body, created_at, attempts, next_attempt_at, \
    sent_at, last_error, dead";

/// A message that may be claimed at `$3` (now): not sent, not given up, due, and not leased.
const DUE: &str =
    "sent_at IS NULL AND dead = FALSE AND next_attempt_at <= $3 AND (locked_until IS NULL OR locked_until < $3)";

#[derive(sqlx::FromRow)]
struct MessageRow {
    id: i64,
    idempotency_key: String,
    channel: String,
    recipient: String,
    body: String,
    created_at: i64,
    attempts: i64,
    next_attempt_at: i64,
    sent_at: Option<i64>,
    last_error: Option<String>,
    dead: bool,
}

impl From<MessageRow> for OutboxMessage {
    fn from(row: MessageRow) -> Self {
        OutboxMessage {
            id: row.id,
            idempotency_key: row.idempotency_key,
            channel: row.channel,
            recipient: row.recipient,
            body: row.body,
            created_at: row.created_at,
            attempts: row.attempts,
            next_attempt_at: row.next_attempt_at,
            sent_at: row.sent_at,
            last_error: row.last_error,
            dead: row.dead,
        }
    }
}

/// Queues messages inside the caller's transaction (the change that causes them commits
/// with them, or neither does).
pub(crate) async fn insert_messages<'c, DB>(
    tx: &mut sqlx::Transaction<'c, DB>,
    messages: &[NewMessage],
    at: Millis,
) -> Result<()>
where
    DB: sqlx::Database,
    for<'e> &'e mut DB::Connection: sqlx::Executor<'e, Database = DB>,
    for<'q> <DB as sqlx::Database>::Arguments: sqlx::IntoArguments<DB>,
    i64: for<'q> sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    String: for<'q> sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    Option<String>: for<'q> sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    // Many rows a statement (a roster's or a rescoring's SMS are thousands): six values a
    // row, well within both databases' limit on bound values.
    for chunk in messages.chunks(1_000) {
        let mut insert = sqlx::QueryBuilder::<DB>::new(
            "INSERT INTO outbox (idempotency_key, channel, recipient, body, body_after_send, created_at, attempts, \
             next_attempt_at, dead) ",
        );
        insert.push_values(chunk, |mut row, message| {
            row.push_bind(message.idempotency_key.clone())
                .push_bind(message.channel.clone())
                .push_bind(message.recipient.clone())
                .push_bind(message.body.clone())
                .push_bind(message.body_after_send.clone())
                .push_bind(at)
                .push_unseparated(", 0, ")
                .push_bind_unseparated(at)
                .push_unseparated(", FALSE");
        });
        insert.push(" ON CONFLICT (idempotency_key) DO NOTHING");
        insert.build().execute(&mut **tx).await?;
    }
    Ok(())
}

/// Disables the agent accounts of an employer whose sign-up was rejected or expired, and
/// frees their usernames (`retired:<id>` cannot be chosen: a username has no colon).
pub(crate) async fn retire_agents<'c, DB>(tx: &mut sqlx::Transaction<'c, DB>, employer_id: i64) -> Result<()>
where
    DB: sqlx::Database,
    for<'e> &'e mut DB::Connection: sqlx::Executor<'e, Database = DB>,
    for<'q> <DB as sqlx::Database>::Arguments: sqlx::IntoArguments<DB>,
    i64: for<'q> sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    sqlx::query("UPDATE users SET disabled = TRUE, username = 'retired:' || id WHERE employer_id = $1")
        .bind(employer_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Appends an audit entry inside the caller's transaction.
pub(crate) async fn append_audit<'c, DB>(tx: &mut sqlx::Transaction<'c, DB>, entry: &AuditEntry) -> Result<()>
where
    DB: sqlx::Database,
    for<'e> &'e mut DB::Connection: sqlx::Executor<'e, Database = DB>,
    for<'q> <DB as sqlx::Database>::Arguments: sqlx::IntoArguments<DB>,
    i64: for<'q> sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    Option<i64>: for<'q> sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    String: for<'q> sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    Json<serde_json::Value>: for<'q> sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    sqlx::query("INSERT INTO audit_log (at, actor_id, action, subject, details) VALUES ($1, $2, $3, $4, $5)")
        .bind(entry.at)
        .bind(entry.actor_id)
        .bind(entry.action.clone())
        .bind(entry.subject.clone())
        .bind(Json(entry.details.clone()))
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// How long a request waits for a database connection before it is told the service is
/// unavailable (a database that is down must not hold requests for long).
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(3);

/// The embedded default: one SQLite file, WAL, a busy timeout, writes begun `IMMEDIATE`
/// (so a transaction never has to upgrade from read to write and fail with SQLITE_BUSY).
#[derive(Clone)]
pub struct SqliteStore {
    pub(crate) pool: sqlx::SqlitePool,
}

impl SqliteStore {
    /// Opens (creating if missing) the database file and applies the migrations.
    pub async fn open(path: &Path) -> Result<Self> {
        let options = sqlx::sqlite::SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
            .synchronous(sqlx::sqlite::SqliteSynchronous::Full)
            .busy_timeout(Duration::from_secs(20))
            .foreign_keys(true);
        let pool = sqlx::sqlite::SqlitePoolOptions::new()
            .max_connections(8)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .before_acquire(|connection, _| {
                Box::pin(async move {
                    // A failed COMMIT (disk full, I/O error) may leave a connection that sqlx
                    // still counts as inside a transaction, and every later BEGIN on it fails.
                    // Let the queued rollback run (a ping goes after it), then throw away a
                    // connection that is still inside one.
                    use sqlx::Connection;
                    if connection.is_in_transaction() {
                        connection.ping().await?;
                    }
                    Ok(!connection.is_in_transaction())
                })
            })
            .connect_with(options)
            .await?;
        sqlx::migrate!("./migrations/sqlite").run(&pool).await?;
        Ok(Self { pool })
    }

    pub(crate) async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>> {
        Ok(self.pool.begin_with("BEGIN IMMEDIATE").await?)
    }

    /// A consistent copy of the live database (`VACUUM INTO`), safe while serving.
    pub async fn backup(&self, target: &Path) -> Result<()> {
        let target = target.to_string_lossy().replace('\'', "''");
        sqlx::query(sqlx::AssertSqlSafe(format!("VACUUM INTO '{target}'"))).execute(&self.pool).await?;
        Ok(())
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

repository!(SqliteStore);

/// PostgreSQL, for several `jifen serve` processes on one database.
#[derive(Clone)]
pub struct PgStore {
    pub(crate) pool: sqlx::PgPool,
}

impl PgStore {
    /// Connects and applies the migrations.
    pub async fn connect(url: &str) -> Result<Self> {
        let options = sqlx::postgres::PgConnectOptions::from_str(url)?;
        let pool = sqlx::postgres::PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .before_acquire(|connection, _| {
                Box::pin(async move {
                    use sqlx::Connection;
                    Ok(!connection.is_in_transaction())
                })
            })
            .connect_with(options)
            .await?;
        sqlx::migrate!("./migrations/postgres").run(&pool).await?;
        Ok(Self { pool })
    }

    pub(crate) async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Postgres>> {
        Ok(self.pool.begin().await?)
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

repository!(PgStore);

/// The store chosen at start-up from the database URL.
#[derive(Clone)]
pub enum Store {
    Sqlite(SqliteStore),
    Postgres(PgStore),
}

impl Store {
    /// `postgres://…` connects to PostgreSQL; anything else is a SQLite file path.
    pub async fn open(url_or_path: &str) -> Result<Self> {
        if url_or_path.starts_with("postgres://") || url_or_path.starts_with("postgresql://") {
            Ok(Self::Postgres(PgStore::connect(url_or_path).await?))
        } else {
            let path = url_or_path.strip_prefix("sqlite://").unwrap_or(url_or_path);
            Ok(Self::Sqlite(SqliteStore::open(Path::new(path)).await?))
        }
    }
}

/// Implements a store trait for [`Store`] by calling the same method on whichever store is
/// open.
macro_rules! delegate {
    ($trait:ident { $($name:ident($($arg:ident: $ty:ty),*) -> $out:ty;)* }) => {
        impl $trait for Store {
            $(async fn $name(&self, $($arg: $ty),*) -> $out {
                match self {
                    Store::Sqlite(store) => store.$name($($arg),*).await,
                    Store::Postgres(store) => store.$name($($arg),*).await,
                }
            })*
        }
    };
}
pub(crate) use delegate;

delegate!(Repository {
    create_user(user: &NewUser, at: Millis, audit: &AuditEntry) -> Result<User>;
    user_by_username(username: &str) -> Result<Option<User>>;
    user_by_id(id: i64) -> Result<Option<User>>;
    set_password(user_id: i64, password_hash: &str, must_change: bool, audit: &AuditEntry) -> Result<()>;
    create_session(session: &Session, audit: &AuditEntry) -> Result<()>;
    session(token_hash: &str, now: Millis) -> Result<Option<Session>>;
    delete_session(token_hash: &str, audit: &AuditEntry) -> Result<()>;
    count_attempts(subjects: &[String], now: Millis, window: Millis) -> Result<Vec<u64>>;
    settle_attempts(clear: &[String], refund: &[String]) -> Result<()>;
    trust_device(token_hash: &str, user_id: i64, now: Millis, expires_at: Millis) -> Result<()>;
    trusted_device(token_hash: &str, now: Millis) -> Result<Option<i64>>;
    probe_write(now: Millis) -> Result<()>;
    register_employer(employer: &NewEmployer, agent: &NewUser, at: Millis, audit: &AuditEntry) -> Result<(Employer, User)>;
    expire_signups(created_before: Millis, at: Millis) -> Result<u64>;
    employer(id: i64) -> Result<Option<Employer>>;
    employers_in_district(district: District, status: EmployerStatus) -> Result<Vec<Employer>>;
    decide_employer(id: i64, status: EmployerStatus, by: i64, at: Millis, audit: &AuditEntry) -> Result<()>;
    audit_log(limit: i64) -> Result<Vec<AuditEntry>>;
    enqueue_messages(messages: &[NewMessage], at: Millis) -> Result<()>;
    claim_messages(worker: &str, now: Millis, lease: Millis, limit: i64) -> Result<Vec<OutboxMessage>>;
    mark_sent(id: i64, worker: &str, at: Millis) -> Result<()>;
    mark_failed(id: i64, worker: &str, error: &str, next_attempt_at: Millis, dead: bool) -> Result<()>;
    outbox_health() -> Result<OutboxHealth>;
    messages_to(recipient: &str) -> Result<Vec<OutboxMessage>>;
});

impl Store {
    /// Whether the database answers (for readiness checks).
    pub async fn check(&self) -> Result<()> {
        match self {
            Store::Sqlite(store) => sqlx::query("SELECT 1").execute(&store.pool).await.map(|_| ())?,
            Store::Postgres(store) => sqlx::query("SELECT 1").execute(&store.pool).await.map(|_| ())?,
        }
        Ok(())
    }

    /// The server secret called `name`, shared by every server on this database: the one
    /// stored, or `fresh` stored now when there is none yet (the first writer wins, so
    /// servers starting together agree).
    pub async fn server_secret(&self, name: &str, fresh: &str, now: Millis) -> Result<String> {
        const READ: &str = "SELECT value FROM secrets WHERE name = $1";
        const WRITE: &str =
            "INSERT INTO secrets (name, value, created_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING";
        macro_rules! get_or_insert {
            ($pool:expr) => {{
                let pool = $pool;
                if let Some(value) = sqlx::query_scalar(READ).bind(name).fetch_optional(pool).await? {
                    return Ok(value);
                }
                sqlx::query(WRITE).bind(name).bind(fresh).bind(now).execute(pool).await?;
                sqlx::query_scalar(READ).bind(name).fetch_one(pool).await?
            }};
        }
        Ok(match self {
            Store::Sqlite(store) => get_or_insert!(&store.pool),
            Store::Postgres(store) => get_or_insert!(&store.pool),
        })
    }

    pub async fn close(&self) {
        match self {
            Store::Sqlite(store) => store.close().await,
            Store::Postgres(store) => store.close().await,
        }
    }
}
