//! The outbox: SMS queued by the change that causes them (in its transaction), claimed by
//! the worker under a lease, and their attempts recorded. A worker sending many messages at
//! once records their outcomes in one transaction, so that it does not pay one commit (one
//! fsync on SQLite) per message.

use crate::database::{Result, StoreError};
use crate::model::*;
use crate::queries::store_queries;

/// What became of one attempt to send a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attempt {
    /// The gateway took it.
    Sent,
    /// It was not sent: tried again from `retry_at`, or given up when `dead`.
    Failed { error: String, retry_at: Millis, dead: bool },
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
    id: MessageId,
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
pub(crate) async fn insert_messages<DB, C>(connection: &mut C, messages: &[NewMessage], at: Millis) -> Result<()>
where
    DB: sqlx::Database,
    C: sqlx::Connection<Database = DB>,
    for<'e> &'e mut C: sqlx::Executor<'e, Database = DB>,
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
        insert.build().execute(&mut *connection).await?;
    }
    Ok(())
}

store_queries! {
    pub trait OutboxStore {
        /// Records the attempts of `worker` on the messages it holds, all in one transaction at
        /// `at`: each counts as an attempt and gives up the lease; a sent message takes its
        /// text after sending. A message no longer leased to `worker` (its lease ran out and
        /// another worker took it) is left alone. Returns how many were recorded.
        async fn record_attempts(&self, worker: &str, at: Millis, attempts: &[(MessageId, Attempt)]) -> Result<u64> {
            let mut tx = self.begin_write().await?;
            let mut recorded = 0;
            for (id, attempt) in attempts {
                let done = match attempt {
                    Attempt::Sent => {
                        sqlx::query(
                            "UPDATE outbox SET sent_at = $1, locked_until = NULL, attempts = attempts + 1, \
                             body = COALESCE(body_after_send, body), body_after_send = NULL \
                             WHERE id = $2 AND locked_by = $3 AND sent_at IS NULL",
                        )
                        .bind(at)
                        .bind(*id)
                        .bind(worker)
                        .execute(&mut *tx)
                        .await?
                    }
                    Attempt::Failed { error, retry_at, dead } => {
                        sqlx::query(
                            "UPDATE outbox SET attempts = attempts + 1, last_error = $1, next_attempt_at = $2, \
                             dead = $3, locked_until = NULL, \
                             body = CASE WHEN $3 THEN COALESCE(body_after_send, body) ELSE body END, \
                             body_after_send = CASE WHEN $3 THEN NULL ELSE body_after_send END \
                             WHERE id = $4 AND locked_by = $5 AND sent_at IS NULL",
                        )
                        .bind(error.as_str())
                        .bind(*retry_at)
                        .bind(*dead)
                        .bind(*id)
                        .bind(worker)
                        .execute(&mut *tx)
                        .await?
                    }
                };
                recorded += done.rows_affected();
            }
            tx.commit().await?;
            Ok(recorded)
        }

        /// Queues messages; a key already queued is left as it is.
        async fn enqueue_messages(&self, messages: &[NewMessage], at: Millis) -> Result<()> {
            let mut tx = self.begin_write().await?;
            insert_messages(&mut *tx, messages, at).await?;
            tx.commit().await?;
            Ok(())
        }

        /// Leases up to `limit` due messages to `worker` until `now + lease`. A message leased to
        /// another worker whose lease has not run out is never returned.
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

        /// Records a send by the worker holding the lease.
        async fn mark_sent(&self, id: MessageId, worker: &str, at: Millis) -> Result<()> {
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

        /// Records a failed attempt: retried from `next_attempt_at`, or given up when `dead`.
        async fn mark_failed(&self, id: MessageId, worker: &str, error: &str, next_attempt_at: Millis, dead: bool) -> Result<()> {
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

        /// How the outbox is doing: messages waiting, those that failed [`FAILING_AFTER_ATTEMPTS`]
        /// times or more and still wait (the sender keeps failing), and those given up. Read along
        /// `outbox_due` from the unsent messages alone (one given up was never sent either), not
        /// from every message ever sent: `/healthz` and `/metrics` ask at every probe.
        async fn outbox_health(&self) -> Result<OutboxHealth> {
            let (waiting, failing, dead): (i64, i64, i64) = sqlx::query_as(
                "SELECT \
                 COALESCE(SUM(CASE WHEN sent_at IS NULL AND dead = FALSE THEN 1 ELSE 0 END), 0), \
                 COALESCE(SUM(CASE WHEN sent_at IS NULL AND dead = FALSE AND attempts >= $1 THEN 1 ELSE 0 END), 0), \
                 COALESCE(SUM(CASE WHEN dead = TRUE THEN 1 ELSE 0 END), 0) FROM outbox WHERE sent_at IS NULL",
            )
            .bind(FAILING_AFTER_ATTEMPTS)
            .fetch_one(&self.pool)
            .await?;
            Ok(OutboxHealth { waiting, failing, dead })
        }

        /// Messages to one recipient, oldest first (what was sent to whom, for progress pages and tests).
        async fn messages_to(&self, recipient: &str) -> Result<Vec<OutboxMessage>> {
            let rows: Vec<MessageRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {MESSAGE_COLUMNS} FROM outbox WHERE recipient = $1 ORDER BY id"
            )))
            .bind(recipient)
            .fetch_all(&self.pool)
            .await?;
            Ok(rows.into_iter().map(OutboxMessage::from).collect())
        }
    }
}
