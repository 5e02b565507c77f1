//! Fresh PostgreSQL databases for tests: each suite run gets its own, dropped afterwards.

use crate::repository::Result;

/// The variable naming the PostgreSQL server tests may use.
pub const POSTGRES_URL_VAR: &str = "JIFEN_TEST_POSTGRES_URL";

/// A database created for one test run.
pub struct TestDatabase {
    admin_url: String,
    name: String,
    /// The URL of the new database.
    pub url: String,
}

impl TestDatabase {
    /// Creates a database on the server named by `JIFEN_TEST_POSTGRES_URL`.
    pub async fn create(label: &str) -> Result<Self> {
        let admin_url = std::env::var(POSTGRES_URL_VAR)
            .map_err(|_| crate::StoreError::Conflict("JIFEN_TEST_POSTGRES_URL must name a PostgreSQL server"))?;
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
        let name = format!("jifen_{label}_{}_{}", std::process::id(), nanos % 1_000_000_000);
        let admin = sqlx::PgPool::connect(&admin_url).await?;
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&admin).await?;
        admin.close().await;
        let server = admin_url.rsplit_once('/').map_or(admin_url.as_str(), |(server, _)| server);
        let url = format!("{server}/{name}");
        Ok(Self { admin_url, name, url })
    }

    /// Ends every server connection to the database, as a crash or a restart of PostgreSQL
    /// would (`pg_terminate_backend`); returns how many were ended.
    pub async fn terminate_connections(&self) -> Result<i64> {
        let admin = sqlx::PgPool::connect(&self.admin_url).await?;
        let ended: Vec<bool> = sqlx::query_scalar(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
        )
        .bind(&self.name)
        .fetch_all(&admin)
        .await?;
        admin.close().await;
        Ok(ended.into_iter().filter(|ended| *ended).count() as i64)
    }

    /// Drops the database (after every pool on it is closed).
    pub async fn drop_database(self) -> Result<()> {
        let admin = sqlx::PgPool::connect(&self.admin_url).await?;
        sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE {} WITH (FORCE)", self.name))).execute(&admin).await?;
        admin.close().await;
        Ok(())
    }
}
