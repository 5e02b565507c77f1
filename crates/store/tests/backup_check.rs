//! The check of a SQLite backup before `jifen restore` puts it in place.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use jifen_store::*;

fn temp_dir(label: &str) -> std::path::PathBuf {
    jifen_store::testing::temp_dir(label).unwrap()
}

#[tokio::test]
async fn a_backup_is_checked_before_it_is_restored() {
    let dir = temp_dir("backup-check");
    let store = SqliteStore::open(&dir.join("jifen.sqlite")).await.unwrap();
    let backup = dir.join("backup.sqlite");
    store.backup(&backup).await.unwrap();
    store.close().await;
    let checked = check_sqlite_backup(&backup).await.unwrap();
    assert_eq!((checked.users, checked.migration), (0, checked.newest_migration));
    assert!(
        !dir.join("backup.sqlite-wal").exists() && !dir.join("backup.sqlite-shm").exists(),
        "checking writes nothing"
    );

    let not_sqlite = dir.join("notes.txt");
    std::fs::write(&not_sqlite, "not a database, but long enough to have a header and a page or two".repeat(100))
        .unwrap();
    let refused = check_sqlite_backup(&not_sqlite).await.unwrap_err().to_string();
    assert!(refused.contains("not a readable SQLite database"), "{refused}");

    let other_program = dir.join("other.sqlite");
    std::fs::copy(&backup, &other_program).unwrap();
    let refused = refusal_after(&other_program, "DROP TABLE _sqlx_migrations").await;
    assert!(refused.contains("no migration history"), "{refused}");

    let newer = dir.join("newer.sqlite");
    std::fs::copy(&backup, &newer).unwrap();
    let refused = refusal_after(
        &newer,
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
         VALUES (9999, 'from the future', TRUE, x'00', 0)",
    )
    .await;
    assert!(refused.contains("unknown to this jifen"), "{refused}");

    let damaged = dir.join("damaged.sqlite");
    let mut bytes = std::fs::read(&backup).unwrap();
    let page = 4096;
    assert!(bytes.len() > 3 * page, "the backup has pages to damage");
    for byte in &mut bytes[2 * page + 8..3 * page] {
        *byte = 0x5a;
    }
    std::fs::write(&damaged, bytes).unwrap();
    let refused = check_sqlite_backup(&damaged).await.unwrap_err().to_string();
    assert!(refused.contains("integrity") || refused.contains("malformed"), "{refused}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Changes a copied backup with one statement through a plain SQLite connection (no
/// migrations run), then returns why the check refuses it.
async fn refusal_after(path: &std::path::Path, statement: &'static str) -> String {
    use sqlx::{ConnectOptions, Connection};
    let mut connection = sqlx::sqlite::SqliteConnectOptions::new().filename(path).connect().await.unwrap();
    sqlx::query(statement).execute(&mut connection).await.unwrap();
    connection.close().await.unwrap();
    check_sqlite_backup(path).await.unwrap_err().to_string()
}
