//! The connections that run the store's statements outside a write transaction, handed
//! back without a ping.
//!
//! sqlx's pool pings every connection as it goes back to the pool (a spawned task, and one
//! more round trip to the connection: on SQLite to its thread, on PostgreSQL to the server),
//! a guard for connections left half-way by a cancelled query. Neither database needs it
//! here: a SQLite connection's thread runs the commands it is given in order, and a
//! PostgreSQL connection reads what a query given up left unread before its next command, so
//! a query dropped half-way only delays the next one on that connection. Under the process
//! load that ping was one extra hand-off (SQLite) or round trip (PostgreSQL) for every
//! statement. This pool keeps idle connections on a stack, opens them as needed up to its
//! size, and is an [`Executor`] like sqlx's, so the store's queries run on it unchanged
//! (`.fetch_one(&self.pool)`). Write transactions are not taken from it: SQLite's go through
//! [`crate::group_commit`], PostgreSQL's through a sqlx pool of their own.
//!
//! A connection whose statement failed is kept only if the failure was the database's
//! answer (a constraint, a syntax error) and the connection still answers a ping. One that
//! has been idle for longer than the pool's `check_idle` is pinged before it is used again,
//! and replaced if it does not answer (a PostgreSQL server may have restarted meanwhile).
//! One idle for less than that is used unasked; if the server ended it in that moment, the
//! statement fails before the server ran it, and it is sent again on another connection.

use futures_core::future::BoxFuture;
use futures_core::stream::BoxStream;
use futures_util::TryStreamExt;
use sqlx::{Connection, Database, Either, Execute, Executor, SqlStr};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

type Options<DB> = <<DB as Database>::Connection as Connection>::Options;

/// Up to `size` connections to one database.
pub(crate) struct ReadPool<DB: Database> {
    shared: Arc<Shared<DB>>,
}

impl<DB: Database> Clone for ReadPool<DB> {
    fn clone(&self) -> Self {
        Self { shared: self.shared.clone() }
    }
}

struct Shared<DB: Database> {
    options: Options<DB>,
    /// Connections not in use, the most recently used on top (its caches are warmest).
    idle: Mutex<Vec<Idle<DB>>>,
    /// One permit a connection that may be in use.
    permits: Arc<Semaphore>,
    /// How long a query waits for a connection before it is told the database is unavailable.
    wait: Duration,
    /// A connection idle for this long is pinged before it is used again; one idle for less
    /// is used unasked, and a statement it fails for lack of a server is sent again.
    check_idle: Option<Duration>,
    /// How many connections the pool holds.
    size: usize,
}

struct Idle<DB: Database> {
    connection: DB::Connection,
    since: Instant,
}

impl<DB: Database> std::fmt::Debug for ReadPool<DB> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReadPool").field("free", &self.shared.permits.available_permits()).finish_non_exhaustive()
    }
}

/// A connection taken from the pool; it goes back on the stack when dropped, unless it broke.
struct Taken<DB: Database> {
    connection: Option<DB::Connection>,
    /// Taken from the stack without asking the server whether it is still there.
    unasked: bool,
    shared: Arc<Shared<DB>>,
    _permit: OwnedSemaphorePermit,
}

impl<DB: Database> Taken<DB> {
    fn connection(&mut self) -> Result<&mut DB::Connection, sqlx::Error> {
        self.connection.as_mut().ok_or(sqlx::Error::PoolClosed)
    }

    /// Passes `result` on, first dropping the connection if it failed and is no longer fit
    /// to keep: the failure was not the database's answer to the statement (an I/O error), or
    /// the connection no longer answers (PostgreSQL sends "terminating connection" as an
    /// error of the database before it hangs up).
    async fn checked<T>(mut self, result: Result<T, sqlx::Error>) -> Result<T, sqlx::Error> {
        if let Err(error) = &result {
            let fit = match self.connection.as_mut() {
                Some(connection) => !broken(error) && connection.ping().await.is_ok(),
                None => false,
            };
            if !fit {
                self.connection = None;
            }
        }
        result
    }
}

/// Whether a statement failed because its connection is gone (the server ended it, or the
/// socket broke) rather than because of the statement.
pub(crate) fn connection_ended(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::Io(_) | sqlx::Error::Protocol(_) => true,
        sqlx::Error::Database(db) => db.code().is_some_and(|code| code.starts_with("57P") || code.starts_with("08")),
        _ => false,
    }
}

/// A statement taken apart, so that it can be sent again on another connection.
struct Replay<DB: Database> {
    sql: SqlStr,
    arguments: Option<DB::Arguments>,
    persistent: bool,
}

impl<DB: Database> Replay<DB> {
    fn new<'q, E: Execute<'q, DB>>(mut query: E) -> Result<Self, sqlx::Error> {
        let arguments = query.take_arguments().map_err(sqlx::Error::Encode)?;
        let persistent = query.persistent();
        Ok(Self { sql: query.sql(), arguments, persistent })
    }

    fn copy(&self) -> Self
    where
        DB::Arguments: Clone,
    {
        Self { sql: self.sql.clone(), arguments: self.arguments.clone(), persistent: self.persistent }
    }
}

impl<'q, DB: Database> Execute<'q, DB> for Replay<DB> {
    fn sql(self) -> SqlStr {
        self.sql
    }

    fn statement(&self) -> Option<&DB::Statement> {
        None
    }

    fn take_arguments(&mut self) -> Result<Option<DB::Arguments>, sqlx::error::BoxDynError> {
        Ok(self.arguments.take())
    }

    fn persistent(&self) -> bool {
        self.persistent
    }
}

/// Whether a statement's failure leaves its connection unfit to keep.
fn broken(error: &sqlx::Error) -> bool {
    !matches!(
        error,
        sqlx::Error::Database(_)
            | sqlx::Error::RowNotFound
            | sqlx::Error::ColumnNotFound(_)
            | sqlx::Error::ColumnIndexOutOfBounds { .. }
            | sqlx::Error::ColumnDecode { .. }
            | sqlx::Error::TypeNotFound { .. }
            | sqlx::Error::Encode(_)
            | sqlx::Error::Decode(_)
    )
}

impl<DB: Database> Drop for Taken<DB> {
    fn drop(&mut self) {
        if let Some(connection) = self.connection.take()
            && !self.shared.permits.is_closed()
        {
            let idle = Idle { connection, since: Instant::now() };
            self.shared.idle.lock().unwrap_or_else(PoisonError::into_inner).push(idle);
        }
    }
}

impl<DB: Database> ReadPool<DB> {
    /// A pool that opens connections with `options` as they are first needed.
    pub(crate) fn new(options: Options<DB>, size: usize, wait: Duration, check_idle: Option<Duration>) -> Self {
        let shared = Shared {
            options,
            idle: Mutex::new(Vec::with_capacity(size)),
            permits: Arc::new(Semaphore::new(size)),
            wait,
            check_idle,
            size,
        };
        Self { shared: Arc::new(shared) }
    }

    async fn take(&self) -> Result<Taken<DB>, sqlx::Error> {
        let permit = tokio::time::timeout(self.shared.wait, self.shared.permits.clone().acquire_owned())
            .await
            .map_err(|_| sqlx::Error::PoolTimedOut)?
            .map_err(|_| sqlx::Error::PoolClosed)?;
        let (connection, unasked) = match self.idle_connection().await {
            Some(idle) => idle,
            None => (DB::Connection::connect_with(&self.shared.options).await?, false),
        };
        Ok(Taken { connection: Some(connection), unasked, shared: self.shared.clone(), _permit: permit })
    }

    /// The most recently used idle connection that still answers, if any, and whether it
    /// was handed out without asking.
    async fn idle_connection(&self) -> Option<(DB::Connection, bool)> {
        loop {
            let Idle { mut connection, since } =
                self.shared.idle.lock().unwrap_or_else(PoisonError::into_inner).pop()?;
            let check = self.shared.check_idle.is_some_and(|after| since.elapsed() >= after);
            if !check {
                return Some((connection, true));
            }
            if connection.ping().await.is_ok() {
                return Some((connection, false));
            }
        }
    }

    /// Sends `statement` with `send` on a connection of the pool. Where idle connections are
    /// used unasked (`check_idle`), a statement that finds its connection ended is sent again
    /// on another, once for each connection the pool holds: it failed before the server ran
    /// it. Elsewhere (SQLite) the statement is sent once, as it came.
    async fn send<T>(
        &self,
        statement: Replay<DB>,
        send: impl for<'c> Fn(&'c mut DB::Connection, Replay<DB>) -> BoxFuture<'c, Result<T, sqlx::Error>>,
    ) -> Result<T, sqlx::Error>
    where
        DB::Arguments: Clone,
    {
        let mut retries = if self.shared.check_idle.is_some() { self.shared.size } else { 0 };
        loop {
            let mut taken = self.take().await?;
            if retries == 0 || !taken.unasked {
                // The last try: the statement itself goes.
                let result = send(taken.connection()?, statement).await;
                return taken.checked(result).await;
            }
            match send(taken.connection()?, statement.copy()).await {
                Err(error) if connection_ended(&error) => {
                    taken.connection = None;
                    retries -= 1;
                }
                result => return taken.checked(result).await,
            }
        }
    }

    /// Closes the idle connections and every one in use as it comes back; queries after
    /// this fail as on a closed sqlx pool.
    pub(crate) async fn close(&self) {
        self.shared.permits.close();
        let idle = std::mem::take(&mut *self.shared.idle.lock().unwrap_or_else(PoisonError::into_inner));
        for Idle { connection, .. } in idle {
            connection.close().await.ok();
        }
    }
}

impl<'p, DB: Database> Executor<'p> for &'_ ReadPool<DB>
where
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: Clone,
{
    type Database = DB;

    fn fetch_many<'e, 'q: 'e, E>(self, query: E) -> BoxStream<'e, Result<Either<DB::QueryResult, DB::Row>, sqlx::Error>>
    where
        E: 'q + Execute<'q, DB>,
    {
        let pool = self.clone();
        // The rows are gathered on the connection, then handed on: the store never streams
        // a large result (it reads in pages), and the connection goes back at once.
        let gathered = async move {
            let statement = Replay::new(query)?;
            let gathered = pool
                .send(statement, |connection, statement| {
                    Box::pin(connection.fetch_many(statement).try_collect::<Vec<_>>())
                })
                .await?;
            Ok::<_, sqlx::Error>(futures_util::stream::iter(gathered.into_iter().map(Ok)))
        };
        Box::pin(futures_util::stream::once(gathered).try_flatten())
    }

    fn fetch_optional<'e, 'q: 'e, E>(self, query: E) -> BoxFuture<'e, Result<Option<DB::Row>, sqlx::Error>>
    where
        E: 'q + Execute<'q, DB>,
    {
        let pool = self.clone();
        Box::pin(async move {
            let statement = Replay::new(query)?;
            pool.send(statement, |connection, statement| connection.fetch_optional(statement)).await
        })
    }

    fn prepare_with<'e>(
        self,
        sql: SqlStr,
        parameters: &'e [DB::TypeInfo],
    ) -> BoxFuture<'e, Result<DB::Statement, sqlx::Error>>
    where
        'p: 'e,
    {
        let pool = self.clone();
        Box::pin(async move {
            let mut taken = pool.take().await?;
            let result = taken.connection()?.prepare_with(sql, parameters).await;
            taken.checked(result).await
        })
    }

    fn describe<'e>(self, sql: SqlStr) -> BoxFuture<'e, Result<sqlx::Describe<DB>, sqlx::Error>>
    where
        'p: 'e,
    {
        let pool = self.clone();
        Box::pin(async move {
            let mut taken = pool.take().await?;
            let result = taken.connection()?.describe(sql).await;
            taken.checked(result).await
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;
    use sqlx::sqlite::SqliteConnectOptions;
    use sqlx::{ConnectOptions, Postgres, Row, Sqlite};

    /// A pool over a new file holding the numbers 1 to 100.
    async fn pool(label: &str, size: usize, wait: Duration) -> ReadPool<Sqlite> {
        let dir = crate::testing::temp_dir(label).unwrap();
        let options = SqliteConnectOptions::new()
            .filename(dir.join("jifen.sqlite"))
            .create_if_missing(true)
            .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal);
        let mut writer = options.connect().await.unwrap();
        sqlx::query(
            "CREATE TABLE numbers (n INTEGER PRIMARY KEY);
             WITH RECURSIVE up(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM up WHERE n < 100)
             INSERT INTO numbers SELECT n FROM up",
        )
        .execute(&mut writer)
        .await
        .unwrap();
        writer.close().await.unwrap();
        ReadPool::new(options, size, wait, None)
    }

    /// A statement that keeps its connection busy for a good while (counts to ten million).
    const SLOW: &str = "WITH RECURSIVE up(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM up WHERE n < 10000000)
                        SELECT count(*) FROM up";

    async fn sum(pool: &ReadPool<Sqlite>) -> Result<i64, sqlx::Error> {
        sqlx::query("SELECT sum(n) FROM numbers").fetch_one(pool).await.map(|row| row.get(0))
    }

    #[tokio::test]
    async fn rows_are_read_through_the_pool_as_through_sqlx() {
        let pool = pool("read-pool-rows", 2, Duration::from_secs(3)).await;
        let rows = sqlx::query("SELECT n FROM numbers WHERE n <= 3 ORDER BY n").fetch_all(&pool).await.unwrap();
        assert_eq!(rows.iter().map(|row| row.get::<i64, _>(0)).collect::<Vec<_>>(), [1, 2, 3]);
        let none = sqlx::query("SELECT n FROM numbers WHERE n > 100").fetch_optional(&pool).await.unwrap();
        assert!(none.is_none());
        assert_eq!(sum(&pool).await.unwrap(), 5050);
        let error = sqlx::query("SELECT missing FROM numbers").fetch_all(&pool).await.unwrap_err();
        assert!(error.to_string().contains("no such column"), "{error}");
        // A failed statement gives its connection back like any other.
        assert_eq!(sum(&pool).await.unwrap(), 5050);
    }

    #[tokio::test]
    async fn a_query_given_up_half_way_leaves_its_connection_usable() {
        let pool = pool("read-pool-cancel", 1, Duration::from_secs(30)).await;
        let slow = sqlx::query(SLOW).fetch_one(&pool);
        assert!(
            tokio::time::timeout(Duration::from_millis(50), slow).await.is_err(),
            "the slow count finished at once"
        );
        // The one connection went back to the pool with the abandoned statement queued on
        // its thread; the next query waits behind it and gets its own, right answer.
        assert_eq!(sum(&pool).await.unwrap(), 5050);
        assert_eq!(pool.shared.idle.lock().unwrap().len(), 1);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_query_waits_for_a_free_connection_at_most_the_pool_s_wait() {
        let pool = pool("read-pool-wait", 1, Duration::from_millis(100)).await;
        let busy = {
            let pool = pool.clone();
            tokio::spawn(async move { sqlx::query(SLOW).fetch_one(&pool).await.map(|row| row.get::<i64, _>(0)) })
        };
        while pool.shared.permits.available_permits() > 0 {
            tokio::task::yield_now().await;
        }
        let error = sum(&pool).await.unwrap_err();
        assert!(matches!(error, sqlx::Error::PoolTimedOut), "{error}");
        assert_eq!(busy.await.unwrap().unwrap(), 10_000_000);
        assert_eq!(sum(&pool).await.unwrap(), 5050);
    }

    #[tokio::test]
    async fn a_closed_pool_refuses_queries_and_keeps_no_connection() {
        let pool = pool("read-pool-close", 2, Duration::from_secs(3)).await;
        assert_eq!(sum(&pool).await.unwrap(), 5050);
        assert_eq!(pool.shared.idle.lock().unwrap().len(), 1);
        pool.close().await;
        assert!(pool.shared.idle.lock().unwrap().is_empty());
        let error = sum(&pool).await.unwrap_err();
        assert!(matches!(error, sqlx::Error::PoolClosed), "{error}");
    }

    /// A pool of one connection to a new PostgreSQL database, and a second connection that
    /// ends the pool's from the server's side (as a restart or an administrator would).
    async fn postgres(
        label: &str,
        check_idle: Option<Duration>,
    ) -> (ReadPool<Postgres>, sqlx::PgConnection, crate::testing::TestDatabase) {
        let database = crate::testing::TestDatabase::create(label).await.expect("PostgreSQL");
        let options: sqlx::postgres::PgConnectOptions = database.url.parse().unwrap();
        let killer = options.connect().await.unwrap();
        (ReadPool::new(options, 1, Duration::from_secs(3), check_idle), killer, database)
    }

    async fn backend(pool: &ReadPool<Postgres>) -> Result<i32, sqlx::Error> {
        sqlx::query("SELECT pg_backend_pid()").fetch_one(pool).await.map(|row| row.get(0))
    }

    async fn end(killer: &mut sqlx::PgConnection, pid: i32) {
        let ended: bool =
            sqlx::query("SELECT pg_terminate_backend($1)").bind(pid).fetch_one(&mut *killer).await.unwrap().get(0);
        assert!(ended);
        // pg_terminate_backend only signals: wait until the backend is gone.
        while sqlx::query("SELECT 1 FROM pg_stat_activity WHERE pid = $1")
            .bind(pid)
            .fetch_optional(&mut *killer)
            .await
            .unwrap()
            .is_some()
        {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    #[tokio::test]
    #[ignore = "needs PostgreSQL: set JIFEN_TEST_POSTGRES_URL and run with --ignored (.ci/run does)"]
    async fn a_connection_the_server_ended_fails_one_query_and_is_replaced() {
        let (pool, mut killer, _database) = postgres("read_pool_ended", None).await;
        let first = backend(&pool).await.unwrap();
        end(&mut killer, first).await;
        // The query that finds the connection ended fails (PostgreSQL's "terminating
        // connection", or the broken socket), and the connection is not kept.
        backend(&pool).await.unwrap_err();
        let second = backend(&pool).await.unwrap();
        assert_ne!(first, second);
        assert_eq!(backend(&pool).await.unwrap(), second, "a sound connection is kept");
    }

    #[tokio::test]
    #[ignore = "needs PostgreSQL: set JIFEN_TEST_POSTGRES_URL and run with --ignored (.ci/run does)"]
    async fn a_query_on_a_connection_ended_too_recently_to_be_pinged_is_sent_again_on_another() {
        let (pool, mut killer, _database) = postgres("read_pool_recent", Some(Duration::from_secs(60))).await;
        let first = backend(&pool).await.unwrap();
        end(&mut killer, first).await;
        // Idle for less than a minute: used unasked, it fails the query before the server ran
        // it, and the query goes to a new connection; the caller sees only the answer.
        let second = backend(&pool).await.unwrap();
        assert_ne!(first, second);
        // The same for a query that brings rows (fetch_many) and one with arguments.
        end(&mut killer, second).await;
        let rows = sqlx::query("SELECT generate_series(1, $1)").bind(3).fetch_all(&pool).await.unwrap();
        assert_eq!(rows.len(), 3);
    }

    #[tokio::test]
    #[ignore = "needs PostgreSQL: set JIFEN_TEST_POSTGRES_URL and run with --ignored (.ci/run does)"]
    async fn an_idle_connection_is_pinged_and_replaced_before_a_query_if_the_server_ended_it() {
        let (pool, mut killer, _database) = postgres("read_pool_idle", Some(Duration::ZERO)).await;
        let first = backend(&pool).await.unwrap();
        end(&mut killer, first).await;
        let second = backend(&pool).await.unwrap();
        assert_ne!(first, second);
    }
}
