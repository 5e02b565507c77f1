//! SQLite's read connections, handed back without a ping.
//!
//! sqlx's pool pings every connection as it goes back to the pool (a spawned task and one
//! more round trip to the connection's thread), a guard for connections left half-way by a
//! cancelled query on a network database. On a local SQLite file a connection cannot drop,
//! and its thread runs the commands it is given in order, so a query dropped half-way only
//! delays the next one on that connection. Under the process load that ping was one extra
//! hand-off for every read statement. This pool keeps idle connections on a stack, opens
//! them as needed up to its size, and is an [`Executor`] like sqlx's, so the store's queries
//! run on it unchanged (`.fetch_one(&self.pool)`). PostgreSQL keeps sqlx's pool.

use futures_core::future::BoxFuture;
use futures_core::stream::BoxStream;
use futures_util::{StreamExt, TryStreamExt};
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection, SqliteQueryResult, SqliteRow};
use sqlx::{ConnectOptions, Connection, Database, Either, Execute, Executor, SqlStr, Sqlite};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Up to `size` read connections to one SQLite file.
#[derive(Clone)]
pub(crate) struct ReadPool {
    shared: Arc<Shared>,
}

struct Shared {
    options: SqliteConnectOptions,
    /// Connections not in use, the most recently used on top (its page cache is warmest).
    idle: Mutex<Vec<SqliteConnection>>,
    /// One permit a connection that may be in use.
    permits: Arc<Semaphore>,
    /// How long a query waits for a connection before it is told the database is unavailable.
    wait: Duration,
}

impl std::fmt::Debug for ReadPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReadPool").field("free", &self.shared.permits.available_permits()).finish_non_exhaustive()
    }
}

/// A connection taken from the pool; it goes back on the stack when dropped.
struct Taken {
    connection: Option<SqliteConnection>,
    shared: Arc<Shared>,
    _permit: OwnedSemaphorePermit,
}

impl Taken {
    fn connection(&mut self) -> Result<&mut SqliteConnection, sqlx::Error> {
        self.connection.as_mut().ok_or(sqlx::Error::PoolClosed)
    }
}

impl Drop for Taken {
    fn drop(&mut self) {
        if let Some(connection) = self.connection.take()
            && !self.shared.permits.is_closed()
        {
            self.shared.idle.lock().unwrap_or_else(PoisonError::into_inner).push(connection);
        }
    }
}

impl ReadPool {
    /// A pool that opens connections with `options` as they are first needed.
    pub(crate) fn new(options: SqliteConnectOptions, size: usize, wait: Duration) -> Self {
        let shared = Shared {
            options,
            idle: Mutex::new(Vec::with_capacity(size)),
            permits: Arc::new(Semaphore::new(size)),
            wait,
        };
        Self { shared: Arc::new(shared) }
    }

    async fn take(&self) -> Result<Taken, sqlx::Error> {
        let permit = tokio::time::timeout(self.shared.wait, self.shared.permits.clone().acquire_owned())
            .await
            .map_err(|_| sqlx::Error::PoolTimedOut)?
            .map_err(|_| sqlx::Error::PoolClosed)?;
        let idle = self.shared.idle.lock().unwrap_or_else(PoisonError::into_inner).pop();
        let connection = match idle {
            Some(connection) => connection,
            None => self.shared.options.connect().await?,
        };
        Ok(Taken { connection: Some(connection), shared: self.shared.clone(), _permit: permit })
    }

    /// Closes the idle connections and every one in use as it comes back; queries after
    /// this fail as on a closed sqlx pool.
    pub(crate) async fn close(&self) {
        self.shared.permits.close();
        let idle = std::mem::take(&mut *self.shared.idle.lock().unwrap_or_else(PoisonError::into_inner));
        for connection in idle {
            connection.close().await.ok();
        }
    }
}

impl<'p> Executor<'p> for &'_ ReadPool {
    type Database = Sqlite;

    fn fetch_many<'e, 'q: 'e, E>(
        self,
        query: E,
    ) -> BoxStream<'e, Result<Either<SqliteQueryResult, SqliteRow>, sqlx::Error>>
    where
        E: 'q + Execute<'q, Sqlite>,
    {
        let pool = self.clone();
        // The rows are gathered on the connection, then handed on: the store never streams
        // a large result from this pool (it reads in pages), and the connection goes back at
        // once.
        let gathered = async move {
            let mut taken = pool.take().await?;
            taken.connection()?.fetch_many(query).try_collect::<Vec<_>>().await
        };
        Box::pin(futures_util::stream::once(gathered).flat_map(|gathered| {
            let results: Vec<_> = match gathered {
                Ok(results) => results.into_iter().map(Ok).collect(),
                Err(error) => vec![Err(error)],
            };
            futures_util::stream::iter(results)
        }))
    }

    fn fetch_optional<'e, 'q: 'e, E>(self, query: E) -> BoxFuture<'e, Result<Option<SqliteRow>, sqlx::Error>>
    where
        E: 'q + Execute<'q, Sqlite>,
    {
        let pool = self.clone();
        Box::pin(async move { pool.take().await?.connection()?.fetch_optional(query).await })
    }

    fn prepare_with<'e>(
        self,
        sql: SqlStr,
        parameters: &'e [<Sqlite as Database>::TypeInfo],
    ) -> BoxFuture<'e, Result<<Sqlite as Database>::Statement, sqlx::Error>>
    where
        'p: 'e,
    {
        let pool = self.clone();
        Box::pin(async move { pool.take().await?.connection()?.prepare_with(sql, parameters).await })
    }

    fn describe<'e>(self, sql: SqlStr) -> BoxFuture<'e, Result<sqlx::Describe<Sqlite>, sqlx::Error>>
    where
        'p: 'e,
    {
        let pool = self.clone();
        Box::pin(async move { pool.take().await?.connection()?.describe(sql).await })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;
    use sqlx::Row;

    /// A pool over a new file holding the numbers 1 to 100.
    async fn pool(label: &str, size: usize, wait: Duration) -> ReadPool {
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
        ReadPool::new(options, size, wait)
    }

    /// A statement that keeps its connection busy for a good while (counts to ten million).
    const SLOW: &str = "WITH RECURSIVE up(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM up WHERE n < 10000000)
                        SELECT count(*) FROM up";

    async fn sum(pool: &ReadPool) -> Result<i64, sqlx::Error> {
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
}
