//! Checking a SQLite backup before it is restored: that the file is sound and that it is
//! a jifen database this build can open.

use crate::database::{Result, StoreError};
use sqlx::ConnectOptions;
use std::path::Path;

/// What a sound backup holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedBackup {
    /// The newest migration applied to it.
    pub migration: i64,
    /// That migration's name.
    pub migration_name: String,
    /// The newest migration this build has: the server applies the ones between at start.
    pub newest_migration: i64,
    /// Accounts in it, for the person restoring to recognise it.
    pub users: i64,
}

/// Checks a SQLite backup without changing it (it is opened read-only and immutable, so no
/// `-wal` or `-shm` file is made or read beside it): `PRAGMA integrity_check` must answer
/// `ok`, and every migration applied to it must be one of this build's, complete and with
/// the same checksum, as `jifen serve` will require. A file that is not SQLite, is damaged,
/// is some other program's database or comes from a newer jifen is [`StoreError::Corrupt`].
pub async fn check_sqlite_backup(path: &Path) -> Result<CheckedBackup> {
    let mut connection =
        sqlx::sqlite::SqliteConnectOptions::new().filename(path).read_only(true).immutable(true).connect().await?;
    let checked = check(&mut connection).await;
    let _ = sqlx::Connection::close(connection).await;
    checked
}

async fn check(connection: &mut sqlx::SqliteConnection) -> Result<CheckedBackup> {
    let integrity: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_all(&mut *connection)
        .await
        .map_err(|e| StoreError::Corrupt(format!("not a readable SQLite database: {e}")))?;
    if integrity != ["ok"] {
        return Err(StoreError::Corrupt(format!("integrity check failed: {}", integrity.join("; "))));
    }
    let has_migrations: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations')",
    )
    .fetch_one(&mut *connection)
    .await?;
    if !has_migrations {
        return Err(StoreError::Corrupt("not a jifen database (it has no migration history)".into()));
    }
    let applied: Vec<(i64, String, bool, Vec<u8>)> =
        sqlx::query_as("SELECT version, description, success, checksum FROM _sqlx_migrations ORDER BY version")
            .fetch_all(&mut *connection)
            .await?;
    let known = sqlx::migrate!("./migrations/sqlite");
    let mut newest_applied = None;
    for (version, description, success, checksum) in applied {
        let Some(migration) = known.iter().find(|migration| migration.version == version) else {
            return Err(StoreError::Corrupt(format!(
                "migration {version} ({description}) is unknown to this jifen: the backup comes from a newer version"
            )));
        };
        if !success {
            return Err(StoreError::Corrupt(format!("migration {version} ({description}) did not complete")));
        }
        if *migration.checksum != *checksum {
            return Err(StoreError::Corrupt(format!("migration {version} ({description}) differs from this jifen's")));
        }
        newest_applied = Some((version, description));
    }
    let Some((migration, migration_name)) = newest_applied else {
        return Err(StoreError::Corrupt("not a jifen database (no migration applied)".into()));
    };
    let users: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users").fetch_one(&mut *connection).await?;
    let newest_migration = known.iter().map(|migration| migration.version).max().unwrap_or(migration);
    Ok(CheckedBackup { migration, migration_name, newest_migration, users })
}
