//! Audit entries that are written on their own (who opened a person's details), committed
//! several at once.
//!
//! Every page a member of staff or an employer opens records who saw the person's details,
//! and the page is shown only once that entry is committed. On SQLite each commit is a
//! write of the WAL to the disk (`synchronous = FULL`) on the one writer connection, so
//! under load these entries queued behind each other for the writer, each with a flush of
//! its own. Now they go to one task per store, which takes every entry waiting (up to
//! [`MOST_AT_ONCE`]) and writes them with one INSERT, so one commit; each page still waits
//! for its own entry's commit, so nothing is shown before its entry is durable. Should a
//! batch fail, its entries are written one by one, so each caller gets its own entry's answer
//! (a disk that is full fails them all, a bad entry only itself). On SQLite the batch is one
//! write among the others, committed with them (see [`crate::group_commit`]). The task holds
//! only the writer and ends when the last clone of the store is dropped.

use crate::audit::append_audits;
use crate::database::{Result, StoreError};
use crate::group_commit::GroupWriter;
use crate::model::AuditEntry;
use tokio::sync::{mpsc, oneshot};

/// At most this many entries in one INSERT (five values each, far within both databases'
/// limits on bound values).
const MOST_AT_ONCE: usize = 200;

type Waiting = (AuditEntry, oneshot::Sender<Result<()>>);

/// The way to the task that writes entries of the audit log that stand on their own.
#[derive(Clone, Debug)]
pub(crate) struct AuditQueue {
    entries: mpsc::UnboundedSender<Waiting>,
}

impl AuditQueue {
    /// Records `entry`; returns once it is committed (or could not be).
    pub(crate) async fn record(&self, entry: &AuditEntry) -> Result<()> {
        let (reply, answer) = oneshot::channel();
        self.entries.send((entry.clone(), reply)).map_err(|_| closed())?;
        answer.await.map_err(|_| closed())?
    }
}

/// The store was closed (or its task ended) before the entry was written: the database is
/// out of service for this caller, as a closed pool is.
fn closed() -> StoreError {
    StoreError::Database(sqlx::Error::PoolClosed)
}

/// Where the queue writes a batch of entries: one INSERT, committed.
pub(crate) trait AuditWriter: Send + Sync + 'static {
    fn write(&self, entries: &[AuditEntry]) -> impl Future<Output = Result<()>> + Send;
}

impl AuditWriter for sqlx::PgPool {
    /// One statement, atomic by itself.
    async fn write(&self, entries: &[AuditEntry]) -> Result<()> {
        append_audits(self, entries).await
    }
}

impl AuditWriter for GroupWriter {
    /// In a write of its own, so that it is committed with the other writes finishing then.
    async fn write(&self, entries: &[AuditEntry]) -> Result<()> {
        let mut tx = self.begin().await?;
        append_audits(&mut *tx, entries).await?;
        tx.commit().await
    }
}

impl AuditQueue {
    /// Starts the task that writes the entries through `writer`.
    pub(crate) fn start(writer: impl AuditWriter) -> Self {
        let (entries, mut waiting) = mpsc::unbounded_channel::<Waiting>();
        tokio::spawn(async move {
            let mut batch = Vec::with_capacity(MOST_AT_ONCE);
            while waiting.recv_many(&mut batch, MOST_AT_ONCE).await > 0 {
                let (entries, replies): (Vec<AuditEntry>, Vec<_>) = batch.drain(..).unzip();
                if entries.len() > 1 && writer.write(&entries).await.is_ok() {
                    for reply in replies {
                        // A caller that went away needs no answer; its entry stands.
                        reply.send(Ok(())).ok();
                    }
                    continue;
                }
                for (entry, reply) in entries.iter().zip(replies) {
                    reply.send(writer.write(std::slice::from_ref(entry)).await).ok();
                }
            }
        });
        Self { entries }
    }
}
