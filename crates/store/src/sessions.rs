//! Signing in: sessions, the throttling counters, and the browsers a person signed in from.

use crate::accounts::{USER_COLUMNS, UserRow};
use crate::audit::append_audit;
use crate::database::Result;
use crate::model::*;
use crate::queries::store_queries;

#[derive(sqlx::FromRow)]
struct SessionRow {
    token_hash: String,
    csrf_token: String,
    session_created_at: i64,
    expires_at: i64,
    #[sqlx(flatten)]
    user: UserRow,
}

/// A session and its user in one query.
pub(crate) static SESSION_WITH_USER: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    let user_columns = USER_COLUMNS.split(',').map(|column| format!("u.{}", column.trim())).collect::<Vec<_>>();
    format!(
        "SELECT s.token_hash, s.csrf_token, s.created_at AS session_created_at, s.expires_at, {} \
         FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1 AND s.expires_at > $2",
        user_columns.join(", ")
    )
});

store_queries! {
    /// Sessions, attempt counters and trusted devices.
    pub trait SessionStore {
        /// Starts a session (a sign-in), audited.
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
            append_audit(&mut *tx, audit).await?;
            tx.commit().await?;
            Ok(())
        }

        /// The session if it exists and has not expired at `now`, with its user (read in the
        /// same query: every signed-in request asks for both).
        async fn session(&self, token_hash: &str, now: Millis) -> Result<Option<(Session, User)>> {
            let row: Option<SessionRow> = sqlx::query_as(sqlx::AssertSqlSafe(SESSION_WITH_USER.as_str()))
                .bind(token_hash)
                .bind(now)
                .fetch_optional(&self.pool)
                .await?;
            row.map(|row| {
                let session = Session {
                    token_hash: row.token_hash,
                    user_id: row.user.id,
                    csrf_token: row.csrf_token,
                    created_at: row.session_created_at,
                    expires_at: row.expires_at,
                };
                Ok((session, User::try_from(row.user)?))
            })
            .transpose()
        }

        /// Ends a session (a sign-out), audited.
        async fn delete_session(&self, token_hash: &str, audit: &AuditEntry) -> Result<()> {
            let mut tx = self.begin_write().await?;
            sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash).execute(&mut *tx).await?;
            append_audit(&mut *tx, audit).await?;
            tx.commit().await?;
            Ok(())
        }

        /// Counts a sign-in attempt against each subject, atomically and before the password is
        /// checked, and returns each subject's attempts in its current window (this one
        /// included). A window opens at a subject's first attempt and lasts `window`.
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

        /// After a successful sign-in: forgets the attempts of `clear`, and takes back the one
        /// attempt just counted against each of `refund` (whose counts stay failures only).
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

        /// Remembers a browser that signed in to `user_id`, by its device token's hash.
        async fn trust_device(&self, token_hash: &str, user_id: UserId, now: Millis, expires_at: Millis) -> Result<()> {
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

        /// The account a device token signed in to, if it is still trusted at `now`.
        async fn trusted_device(&self, token_hash: &str, now: Millis) -> Result<Option<UserId>> {
            Ok(sqlx::query_scalar("SELECT user_id FROM trusted_devices WHERE token_hash = $1 AND expires_at > $2")
                .bind(token_hash)
                .bind(now)
                .fetch_optional(&self.pool)
                .await?)
        }
    }
}
