//! The outbox worker's batched writes: the outcomes of many sends recorded in one
//! transaction, so that a worker sending many messages at once does not pay one commit (one
//! fsync on SQLite) per message. Claiming and the single-message writes are on
//! [`crate::Repository`]; this is written once for both databases in the same way.

use crate::model::Millis;
use crate::repository::{PgStore, Result, SqliteStore, Store, delegate};
use std::future::Future;

/// What became of one attempt to send a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attempt {
    /// The gateway took it.
    Sent,
    /// It was not sent: tried again from `retry_at`, or given up when `dead`.
    Failed { error: String, retry_at: Millis, dead: bool },
}

pub trait OutboxStore: Send + Sync {
    /// Records the attempts of `worker` on the messages it holds, all in one transaction at
    /// `at`: each counts as an attempt and gives up the lease; a sent message takes its
    /// text after sending. A message no longer leased to `worker` (its lease ran out and
    /// another worker took it) is left alone. Returns how many were recorded.
    fn record_attempts(
        &self,
        worker: &str,
        at: Millis,
        attempts: &[(i64, Attempt)],
    ) -> impl Future<Output = Result<u64>> + Send;
}

macro_rules! outbox_store {
    ($store:ty) => {
        impl OutboxStore for $store {
            async fn record_attempts(&self, worker: &str, at: Millis, attempts: &[(i64, Attempt)]) -> Result<u64> {
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
        }
    };
}

outbox_store!(SqliteStore);
outbox_store!(PgStore);

delegate!(OutboxStore {
    record_attempts(worker: &str, at: Millis, attempts: &[(i64, Attempt)]) -> Result<u64>;
});
