//! The two databases and what they share: opening them (migrations, WAL, pools), write
//! transactions, errors and what kind of fault each is, the helpers every aggregate's
//! writes use (the audit entry, a unique-value refusal), and the health probe.

use crate::audit_queue::AuditQueue;
use crate::group_commit::{GroupWrite, GroupWriter};
use crate::model::*;
use crate::queries::store_queries;
use crate::read_pool::ReadPool;
use jifen_domain::District;
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
    /// Text the database cannot hold (PostgreSQL refuses a NUL, SQLSTATE 22021, and a
    /// character its encoding lacks, 22P05): a refusal of the input, not a fault. The forms
    /// refuse such text before it gets here; this is the last line, so that what slips
    /// through is answered as a refusal, not as a bug.
    #[error("the text holds a character the database cannot store")]
    Unstorable,
    #[error("database: {0}")]
    Database(sqlx::Error),
    /// The commit a write was part of failed, so the write was not kept. On SQLite the writes
    /// that finish together are committed together (see [`crate::group_commit`]), and each
    /// hears of that one failure as this.
    #[error("database: the commit failed: {message}")]
    CommitFailed { fault: FaultKind, message: String },
    #[error("migration: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
}

pub type Result<T> = std::result::Result<T, StoreError>;

impl From<sqlx::Error> for StoreError {
    fn from(error: sqlx::Error) -> Self {
        match &error {
            sqlx::Error::Database(db) if matches!(db.code().as_deref(), Some("22021" | "22P05")) => Self::Unstorable,
            _ => Self::Database(error),
        }
    }
}

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
        let error = match self {
            Self::Database(error) => error,
            Self::CommitFailed { fault, .. } => return Some(*fault),
            _ => return matches!(self, Self::Migration(_) | Self::Corrupt(_)).then_some(FaultKind::Other),
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

pub(crate) fn parse_district(word: &str) -> Result<District> {
    District::parse(word).ok_or_else(|| StoreError::Corrupt(format!("district {word}")))
}

/// A unique-constraint violation becomes [`StoreError::Duplicate`] naming the value.
pub(crate) fn unique(what: &'static str) -> impl Fn(sqlx::Error) -> StoreError {
    move |error| match &error {
        sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Duplicate(what),
        _ => StoreError::from(error),
    }
}

/// How long a request waits for a database connection before it is told the service is
/// unavailable (a database that is down must not hold requests for long).
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(3);

/// The embedded default: one SQLite file, WAL, a busy timeout. Reads go through a pool of
/// connections (see [`crate::read_pool`]); writes through one connection that they take in turn (see
/// [`crate::group_commit`]): they queue in the server, each woken the moment the one before
/// is done, instead of racing for SQLite's write lock and sleeping in its busy handler
/// (which backs off 1, 2, 5, 10… ms: under load most of a write's time), and the writes that
/// finish together are committed together, with one flush of the WAL. A write transaction
/// begins `IMMEDIATE`, so it holds the lock from its first statement and never has to
/// upgrade from read to write and fail with SQLITE_BUSY against another process (the CLI)
/// writing at the same time.
#[derive(Clone)]
pub struct SqliteStore {
    pub(crate) pool: ReadPool<sqlx::Sqlite>,
    writer: GroupWriter,
    pub(crate) audit_queue: AuditQueue,
}

/// How long a write waits for the writer connection: as long as SQLite's busy timeout, since
/// a large write (a roster's accounts, a rescoring batch) may hold it for seconds.
const SQLITE_WRITE_WAIT: Duration = Duration::from_secs(20);

impl SqliteStore {
    /// Opens (creating if missing) the database file and applies the migrations.
    pub async fn open(path: &Path) -> Result<Self> {
        let options = sqlx::sqlite::SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
            .synchronous(sqlx::sqlite::SqliteSynchronous::Full)
            .busy_timeout(SQLITE_WRITE_WAIT)
            .foreign_keys(true);
        let writer = GroupWriter::open(&options, SQLITE_WRITE_WAIT).await?;
        let pool = ReadPool::new(options, 8, ACQUIRE_TIMEOUT, None);
        let audit_queue = AuditQueue::start(writer.clone());
        Ok(Self { pool, writer, audit_queue })
    }

    pub(crate) async fn begin_write(&self) -> Result<GroupWrite> {
        self.writer.begin().await
    }

    /// A consistent copy of the live database (`VACUUM INTO`), safe while serving.
    pub async fn backup(&self, target: &Path) -> Result<()> {
        let target = target.to_string_lossy().replace('\'', "''");
        sqlx::query(sqlx::AssertSqlSafe(format!("VACUUM INTO '{target}'"))).execute(&self.pool).await?;
        Ok(())
    }

    pub async fn close(&self) {
        self.pool.close().await;
        self.writer.close().await;
    }
}

/// How long a PostgreSQL connection may have been idle and still be used without asking
/// first whether it is alive.
const PG_PING_WHEN_IDLE: Duration = Duration::from_secs(1);

/// How many connections the PostgreSQL write pool holds.
const PG_WRITE_CONNECTIONS: u32 = 8;

/// PostgreSQL, for several `jifen serve` processes on one database.
#[derive(Clone)]
pub struct PgStore {
    /// Statements outside a write transaction (see [`crate::read_pool`]).
    pub(crate) pool: ReadPool<sqlx::Postgres>,
    /// Write transactions.
    writer: sqlx::PgPool,
    pub(crate) audit_queue: AuditQueue,
}

impl PgStore {
    /// Connects and applies the migrations.
    pub async fn connect(url: &str) -> Result<Self> {
        let options = sqlx::postgres::PgConnectOptions::from_str(url)?;
        let writer = sqlx::postgres::PgPoolOptions::new()
            .max_connections(PG_WRITE_CONNECTIONS)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            // sqlx pings every connection before each use: one more round trip to the server
            // per transaction. Only a connection that has been idle for a while is asked whether
            // it is still there (the server may have restarted or dropped it); a dead one is
            // thrown away and another taken, so a request is not handed a dead connection.
            .test_before_acquire(false)
            .before_acquire(|connection, meta| {
                Box::pin(async move {
                    use sqlx::Connection;
                    if connection.is_in_transaction() {
                        return Ok(false);
                    }
                    if meta.idle_for >= PG_PING_WHEN_IDLE {
                        return Ok(connection.ping().await.is_ok());
                    }
                    Ok(true)
                })
            })
            .connect_with(options.clone())
            .await?;
        sqlx::migrate!("./migrations/postgres").run(&writer).await?;
        let pool = ReadPool::new(options, 8, ACQUIRE_TIMEOUT, Some(PG_PING_WHEN_IDLE));
        let audit_queue = AuditQueue::start(writer.clone());
        Ok(Self { pool, writer, audit_queue })
    }

    /// A write transaction. A connection that has been idle for less than
    /// [`PG_PING_WHEN_IDLE`] is handed out unasked; if the server ended it in the meantime (a
    /// restart, an administrator), its `BEGIN` fails before anything is written, so `BEGIN` is
    /// tried again on another connection, once for each connection the pool may hold, and a
    /// request is not failed by a connection that died while idle.
    pub(crate) async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Postgres>> {
        let mut tries = 0;
        loop {
            match self.writer.begin().await {
                Err(error) if tries < PG_WRITE_CONNECTIONS && crate::read_pool::connection_ended(&error) => tries += 1,
                result => return Ok(result?),
            }
        }
    }

    pub async fn close(&self) {
        self.pool.close().await;
        self.writer.close().await;
    }
}

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

store_queries! {
    /// Whether the database takes writes now (for `/healthz`).
    pub trait HealthStore {
        /// Writes and commits a row: whether the database accepts writes right now.
        async fn probe_write(&self, now: Millis) -> Result<()> {
            let mut tx = self.begin_write().await?;
            sqlx::query("UPDATE health_probe SET at = $1 WHERE id = 1").bind(now).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok(())
        }
    }
}
