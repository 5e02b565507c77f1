//! SQLite's writes, committed several at once.
//!
//! On SQLite every commit is a flush of the WAL to the disk (`synchronous = FULL`), and
//! there is one writer at a time. Under load the writes queued behind each other's flushes:
//! twenty commits an application, half a millisecond to a millisecond each on these disks,
//! while the processors stood partly idle. Here the one writer connection is shared by the
//! writes in turn, in the order they asked (a fair lock), and a write that finishes does not
//! commit on its own: its work stays in the open transaction, and it waits. A committer task
//! then takes its turn at the lock, behind every write that was already waiting, and commits
//! them all with one flush; each write is answered only after that commit, so nothing is
//! acknowledged before it is durable. With one write at a time this is a plain transaction
//! with one more hop to the committer task.
//!
//! A write that joins a transaction others already finished in runs inside a savepoint, so
//! that if it fails (or its caller gives up) only its own work is rolled back. Should the
//! whole transaction be lost (SQLite rolls it back by itself after a full disk or an I/O
//! error, or the commit fails), every write in it hears so and none is acknowledged.
//! A write's statements run on the connection as before: the store's methods take
//! `&mut *tx` for a [`GroupWrite`] as they do for a PostgreSQL transaction.

use crate::database::{FaultKind, Result, StoreError};
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sqlx::{ConnectOptions, Executor};
use std::ops::{Deref, DerefMut};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Mutex, OwnedMutexGuard, mpsc, oneshot};

/// What a finished write hears: its transaction was committed, or why it was not.
type Outcome = std::result::Result<(), (FaultKind, String)>;

/// The one writer connection of a SQLite store, shared by its writes in turn.
#[derive(Clone)]
pub(crate) struct GroupWriter {
    shared: Arc<Mutex<Writer>>,
    /// Tells the committer task that a write finished (or gave up) and waits for it.
    finished: mpsc::UnboundedSender<()>,
    wait: Duration,
}

struct Writer {
    connection: SqliteConnection,
    /// Set once the store is closed: no write begins after.
    closed: bool,
    /// The writes whose work is in the open transaction, each waiting for its commit.
    /// A transaction is open exactly when this is not empty, between writes.
    done: Vec<oneshot::Sender<Outcome>>,
    /// Whether a transaction is open (`BEGIN IMMEDIATE` issued and not yet ended).
    open: bool,
    /// A write that gave up left this to undo before the connection is used again.
    undo: Option<Undo>,
    /// Transactions committed so far (each a flush of the WAL).
    commits: u64,
}

/// How a write that gave up is undone.
#[derive(Clone, Copy)]
enum Undo {
    /// It began the transaction: no other write is in it, so roll it all back.
    Transaction,
    /// It joined others' finished work: roll back to its savepoint.
    Savepoint,
}

impl GroupWriter {
    /// Opens the writer connection and applies the migrations on it, then starts the
    /// committer task. `wait` is how long a write waits for its turn before it is told the
    /// database is unavailable.
    pub(crate) async fn open(options: &SqliteConnectOptions, wait: Duration) -> Result<Self> {
        let mut connection = options.connect().await?;
        sqlx::migrate!("./migrations/sqlite").run(&mut connection).await?;
        let shared = Arc::new(Mutex::new(Writer {
            connection,
            closed: false,
            done: Vec::new(),
            open: false,
            undo: None,
            commits: 0,
        }));
        let (finished, mut to_commit) = mpsc::unbounded_channel::<()>();
        let committer = shared.clone();
        tokio::spawn(async move {
            // Ends when the store and every write of it are gone.
            while to_commit.recv().await.is_some() {
                // Behind every write already waiting for the lock: they join this commit.
                let mut writer = committer.lock().await;
                while to_commit.try_recv().is_ok() {}
                writer.tidy().await;
                writer.commit().await;
            }
        });
        Ok(Self { shared, finished, wait })
    }

    /// Begins a write: waits for the connection, then begins a transaction, or joins the one
    /// that finished writes are waiting in.
    pub(crate) async fn begin(&self) -> Result<GroupWrite> {
        let writer = tokio::time::timeout(self.wait, self.shared.clone().lock_owned())
            .await
            .map_err(|_| StoreError::Database(sqlx::Error::PoolTimedOut))?;
        if writer.closed {
            return Err(StoreError::Database(sqlx::Error::PoolClosed));
        }
        let mut write = GroupWrite { writer, undo: None, committed: false, finished: self.finished.clone() };
        write.start().await?;
        Ok(write)
    }

    /// Commits what is waiting and closes the connection.
    pub(crate) async fn close(&self) {
        let mut writer = self.shared.lock().await;
        writer.tidy().await;
        writer.commit().await;
        if writer.closed {
            return;
        }
        writer.closed = true;
        // The file's connection is closed now, so that SQLite checkpoints and removes its
        // write-ahead log before the caller goes on; an empty in-memory connection, which no
        // write uses, takes its place (the type holds a connection, never none).
        if let Ok(placeholder) = SqliteConnectOptions::new().in_memory(true).connect().await {
            use sqlx::Connection;
            std::mem::replace(&mut writer.connection, placeholder).close().await.ok();
        }
    }
}

impl Writer {
    async fn execute(&mut self, sql: &'static str) -> Result<()> {
        self.connection.execute(sql).await?;
        Ok(())
    }

    /// Undoes what a write that gave up left behind. The note stays until the undo is
    /// done, so an undo interrupted is done again at the next turn.
    async fn tidy(&mut self) {
        let Some(undo) = self.undo else { return };
        match undo {
            Undo::Transaction => {
                // Fails only if there is no transaction (SQLite rolled it back by itself).
                self.execute("ROLLBACK").await.ok();
                self.open = false;
            }
            Undo::Savepoint => {
                let undone = match self.execute("ROLLBACK TO joined").await {
                    Ok(()) => self.execute("RELEASE joined").await,
                    Err(error) => Err(error),
                };
                if let Err(error) = undone {
                    // The savepoint is gone, so is the transaction, with the finished writes
                    // in it: they are told, none was acknowledged.
                    self.abandon(&error).await;
                }
            }
        }
        self.undo = None;
    }

    /// Commits the open transaction and answers every write in it.
    async fn commit(&mut self) {
        if !self.open {
            return;
        }
        match self.execute("COMMIT").await {
            Ok(()) => {
                self.open = false;
                self.commits += 1;
                for write in self.done.drain(..) {
                    // A caller that went away needs no answer; its write stands.
                    write.send(Ok(())).ok();
                }
            }
            Err(error) => self.abandon(&error).await,
        }
    }

    /// Ends a transaction that cannot be committed: rolls back what is left of it and tells
    /// every write in it why.
    async fn abandon(&mut self, error: &StoreError) {
        self.execute("ROLLBACK").await.ok();
        self.open = false;
        let why = (error.fault().unwrap_or(FaultKind::Other), error.to_string());
        for write in self.done.drain(..) {
            write.send(Err(why.clone())).ok();
        }
    }
}

/// One write's turn at the writer connection. Its statements take `&mut *tx`; `commit`
/// returns once the transaction it is in is durable. Dropped without `commit` (an error, or
/// its caller gone), its work is rolled back before the connection is used again.
pub(crate) struct GroupWrite {
    /// The turn: held until the write ends.
    writer: OwnedMutexGuard<Writer>,
    /// How to undo this write's work, once it has begun.
    undo: Option<Undo>,
    /// Its work stays: it waits in the open transaction for the commit.
    committed: bool,
    finished: mpsc::UnboundedSender<()>,
}

impl GroupWrite {
    /// Begins this write's work: a transaction of its own, or a savepoint in the open one.
    async fn start(&mut self) -> Result<()> {
        self.writer.tidy().await;
        let undo = if self.writer.open { Undo::Savepoint } else { Undo::Transaction };
        // Noted before the statement runs: should this future be dropped meanwhile, the next
        // turn undoes what may have happened (undoing what did not fails harmlessly or, for a
        // savepoint, gives up the open transaction: never an acknowledged write).
        self.undo = Some(undo);
        let started = match undo {
            Undo::Savepoint => self.writer.execute("SAVEPOINT joined").await,
            Undo::Transaction => self.writer.execute("BEGIN IMMEDIATE").await,
        };
        match (started, undo) {
            (Ok(()), Undo::Transaction) => self.writer.open = true,
            (Ok(()), Undo::Savepoint) => {}
            (Err(error), Undo::Transaction) => {
                // Leave no transaction behind for the next write's BEGIN to trip over.
                self.writer.execute("ROLLBACK").await.ok();
                self.undo = None;
                return Err(error);
            }
            (Err(error), Undo::Savepoint) => {
                self.writer.abandon(&error).await;
                self.undo = None;
                return Err(error);
            }
        }
        Ok(())
    }

    /// Ends this write and waits until its work is committed, with whatever other writes
    /// finish meanwhile.
    pub(crate) async fn commit(mut self) -> Result<()> {
        if let Some(Undo::Savepoint) = self.undo
            && let Err(error) = self.writer.execute("RELEASE joined").await
        {
            // Its work is undone with the rest; the others hear why too.
            self.writer.abandon(&error).await;
            self.undo = None;
            return Err(error);
        }
        let (answer, outcome) = oneshot::channel();
        self.writer.done.push(answer);
        self.committed = true;
        // Gives up the turn and wakes the committer.
        drop(self);
        match outcome.await {
            Ok(Ok(())) => Ok(()),
            Ok(Err((fault, message))) => Err(StoreError::CommitFailed { fault, message }),
            Err(_) => Err(StoreError::Database(sqlx::Error::PoolClosed)),
        }
    }
}

impl Drop for GroupWrite {
    fn drop(&mut self) {
        if !self.committed && self.undo.is_some() {
            self.writer.undo = self.undo;
        }
        // The committer commits what finished; and should this write have given up, the next
        // write undoes it before anything else, or else the committer does, so that no
        // transaction is left open with nobody to end it. The turn passes on as the guard
        // goes, right after this.
        self.finished.send(()).ok();
    }
}

impl Deref for GroupWrite {
    type Target = SqliteConnection;

    fn deref(&self) -> &SqliteConnection {
        &self.writer.connection
    }
}

impl DerefMut for GroupWrite {
    fn deref_mut(&mut self) -> &mut SqliteConnection {
        &mut self.writer.connection
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;
    use sqlx::Row;

    async fn open(label: &str) -> (GroupWriter, SqliteConnectOptions, std::path::PathBuf) {
        let dir = crate::testing::temp_dir(label).unwrap();
        let options = SqliteConnectOptions::new()
            .filename(dir.join("jifen.sqlite"))
            .create_if_missing(true)
            .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
            .synchronous(sqlx::sqlite::SqliteSynchronous::Full);
        let writer = GroupWriter::open(&options, Duration::from_secs(5)).await.unwrap();
        let mut tx = writer.begin().await.unwrap();
        tx.execute("CREATE TABLE numbers (n INTEGER PRIMARY KEY)").await.unwrap();
        tx.commit().await.unwrap();
        (writer, options, dir)
    }

    async fn insert(writer: &GroupWriter, n: i64) -> Result<()> {
        let mut tx = writer.begin().await?;
        sqlx::query("INSERT INTO numbers (n) VALUES ($1)").bind(n).execute(&mut *tx).await?;
        tx.commit().await
    }

    async fn numbers(options: &SqliteConnectOptions) -> Vec<i64> {
        let mut reader = options.connect().await.unwrap();
        let rows = sqlx::query("SELECT n FROM numbers ORDER BY n").fetch_all(&mut reader).await.unwrap();
        rows.iter().map(|row| row.get(0)).collect()
    }

    async fn commits(writer: &GroupWriter) -> u64 {
        writer.shared.lock().await.commits
    }

    /// Lets every spawned task run until it waits (the test runtime has one thread).
    async fn let_others_run() {
        for _ in 0..10 {
            tokio::task::yield_now().await;
        }
    }

    #[tokio::test]
    async fn writes_that_wait_together_are_committed_together_and_each_only_its_own_fails() {
        let (writer, options, dir) = open("group-commit").await;
        let before = commits(&writer).await;
        // The first write holds the turn while five more queue behind it, one of which
        // breaks the key (2 twice).
        let mut first = writer.begin().await.unwrap();
        sqlx::query("INSERT INTO numbers (n) VALUES (1)").execute(&mut *first).await.unwrap();
        let others: Vec<_> = [2, 3, 2, 4, 5]
            .into_iter()
            .map(|n| {
                let writer = writer.clone();
                tokio::spawn(async move { insert(&writer, n).await })
            })
            .collect();
        let_others_run().await;
        assert_eq!(numbers(&options).await, Vec::<i64>::new(), "nothing is visible before its commit");
        first.commit().await.unwrap();
        let mut outcomes = Vec::new();
        for other in others {
            outcomes.push(other.await.unwrap().is_ok());
        }
        assert_eq!(outcomes, [true, true, false, true, true], "only the second 2 fails");
        assert_eq!(numbers(&options).await, [1, 2, 3, 4, 5]);
        assert_eq!(commits(&writer).await - before, 1, "six writes, one commit");
        // One write alone still commits at once.
        insert(&writer, 6).await.unwrap();
        assert_eq!(commits(&writer).await - before, 2);
        writer.close().await;
        assert!(writer.begin().await.is_err(), "no write begins once the store is closed");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[tokio::test]
    async fn a_write_given_up_is_undone_and_leaves_the_database_unlocked() {
        let (writer, options, dir) = open("group-commit-undo").await;
        // Alone: its transaction is rolled back by the committer, with no other write coming.
        let mut alone = writer.begin().await.unwrap();
        sqlx::query("INSERT INTO numbers (n) VALUES (1)").execute(&mut *alone).await.unwrap();
        drop(alone);
        // Another process can write at once, so the lock is not held by a forgotten
        // transaction.
        let mut other = options.clone().busy_timeout(Duration::from_secs(5)).connect().await.unwrap();
        sqlx::query("INSERT INTO numbers (n) VALUES (10)").execute(&mut other).await.unwrap();
        // Joined to a finished write: only its own work is undone.
        let mut first = writer.begin().await.unwrap();
        sqlx::query("INSERT INTO numbers (n) VALUES (2)").execute(&mut *first).await.unwrap();
        let joined = tokio::spawn({
            let writer = writer.clone();
            async move {
                let mut tx = writer.begin().await.unwrap();
                sqlx::query("INSERT INTO numbers (n) VALUES (3)").execute(&mut *tx).await.unwrap();
                // Given up: dropped without a commit.
            }
        });
        let_others_run().await;
        let committed = tokio::spawn(first.commit());
        joined.await.unwrap();
        committed.await.unwrap().unwrap();
        insert(&writer, 4).await.unwrap();
        assert_eq!(numbers(&options).await, [2, 4, 10]);
        writer.close().await;
        std::fs::remove_dir_all(dir).unwrap();
    }
}
