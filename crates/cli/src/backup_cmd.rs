//! `jifen backup` and `jifen restore`, for the embedded SQLite database. (PostgreSQL is
//! backed up and restored with its own `pg_dump` and `pg_restore`.)
//!
//! A restore never copies over a database in place: SQLite's `-wal` file beside it would
//! replay the old database's last transactions over the restored one. It checks the backup,
//! moves the current database with its `-wal` and `-shm` aside into a dated folder, and
//! renames a synced copy of the backup into place, all while holding the data directory's
//! exclusive lock, so no server is using it.

use crate::Failure;
use crate::data_lock::DataDirLock;
use crate::storage::{Storage, runtime};
use jifen_store::{CheckedBackup, Store};
use std::fs::File;
use std::path::{Path, PathBuf};

/// The files SQLite may keep beside the database: a write-ahead log and its index, or a
/// rollback journal. Any of them left beside a restored database would be read with it.
const COMPANIONS: [&str; 3] = ["-wal", "-shm", "-journal"];

fn sqlite_only(storage: &Storage, pg_tool: &str) -> Result<(), Failure> {
    match storage.database_url {
        Some(_) => Err(Failure::usage(format!(
            "this command is for the embedded SQLite database; on PostgreSQL use {pg_tool}"
        ))),
        None => Ok(()),
    }
}

/// Writes a consistent copy of the live SQLite database to `out`.
pub fn backup(storage: &Storage, out: &Path) -> Result<String, Failure> {
    sqlite_only(storage, "pg_dump")?;
    if out.exists() {
        return Err(Failure::usage(format!("{} exists; choose a new file", out.display())));
    }
    let _lock = DataDirLock::shared(&storage.data_dir)?;
    runtime()?.block_on(async {
        let Store::Sqlite(store) = storage.open().await? else {
            return Err(Failure::internal("expected the SQLite store"));
        };
        let copied = store.backup(out).await;
        store.close().await;
        copied.map_err(|e| Failure::internal(format!("backup: {e}")))?;
        Ok(format!("backed up {} to {}\n", storage.sqlite_path().display(), out.display()))
    })
}

/// Puts the backup `from` in place of the data directory's database, and says what it did.
pub fn restore(storage: &Storage, from: &Path) -> Result<String, Failure> {
    sqlite_only(storage, "pg_restore")?;
    if !from.is_file() {
        return Err(Failure::input(format!("{}: no such backup file", from.display())));
    }
    let _lock = DataDirLock::exclusive(&storage.data_dir)?;
    let live = storage.sqlite_path();
    if same_file(from, &live) {
        return Err(Failure::usage(format!("{} is the live database, not a backup", from.display())));
    }
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ").to_string();
    let incoming = storage.data_dir.join(format!("jifen.sqlite.restoring-{stamp}"));
    let checked = match copy_and_check(from, &incoming) {
        Ok(checked) => checked,
        Err(failure) => {
            // Only our own partial copy goes; nothing of the data directory was touched.
            let _ = std::fs::remove_file(&incoming);
            return Err(failure);
        }
    };
    let mut report = describe(from, &checked);
    let moved_aside = move_aside(&storage.data_dir, &live, &stamp)?;
    std::fs::rename(&incoming, &live)
        .map_err(|e| Failure::internal(format!("{} → {}: {e}", incoming.display(), live.display())))?;
    sync_dir(&storage.data_dir)?;
    match moved_aside {
        Some((aside, moved)) => report.push_str(&format!(
            "moved the previous database aside to {}: {}\n",
            aside.display(),
            moved.join(", ")
        )),
        None => report.push_str("there was no database to move aside\n"),
    }
    report.push_str(&format!("restored {} to {}\n", from.display(), live.display()));
    Ok(report)
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// Copies the backup beside the database (so the final rename stays on one file system),
/// syncs it to disk, and checks the copy: what is checked is what is put in place.
fn copy_and_check(from: &Path, incoming: &Path) -> Result<CheckedBackup, Failure> {
    let io = |e: std::io::Error| Failure::internal(format!("{} → {}: {e}", from.display(), incoming.display()));
    std::fs::copy(from, incoming).map_err(io)?;
    // A copy keeps the backup's mode; the database is its owner's alone (0600).
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(incoming, std::fs::Permissions::from_mode(0o600)).map_err(io)?;
    }
    File::open(incoming).and_then(|file| file.sync_all()).map_err(io)?;
    runtime()?
        .block_on(jifen_store::check_sqlite_backup(incoming))
        .map_err(|e| Failure::input(format!("{} cannot be restored: {e}", from.display())))
}

fn describe(from: &Path, checked: &CheckedBackup) -> String {
    let mut text = format!(
        "checked {}: integrity ok; a jifen database at migration {} ({}); accounts: {}\n",
        from.display(),
        checked.migration,
        checked.migration_name,
        checked.users
    );
    if checked.migration < checked.newest_migration {
        text.push_str(&format!(
            "the next jifen serve applies the migrations after it, up to {}\n",
            checked.newest_migration
        ));
    }
    text
}

/// Moves the database and its companion files into a new dated folder in the data
/// directory, and returns the folder and the names moved (`None` when there is no
/// database). The database itself is linked there first and replaced (not removed)
/// afterwards, so the data directory is never without a database that a server starting
/// by mistake would recreate empty.
fn move_aside(data_dir: &Path, live: &Path, stamp: &str) -> Result<Option<(PathBuf, Vec<String>)>, Failure> {
    let file_name = live.file_name().map(|name| name.to_string_lossy().into_owned()).unwrap_or_default();
    let companions: Vec<String> = COMPANIONS
        .iter()
        .map(|suffix| format!("{file_name}{suffix}"))
        .filter(|name| data_dir.join(name).exists())
        .collect();
    if !live.exists() && companions.is_empty() {
        return Ok(None);
    }
    let aside = new_folder(data_dir, &format!("before-restore-{stamp}"))?;
    let io = |path: &Path, e: std::io::Error| Failure::internal(format!("{}: {e}", path.display()));
    let mut moved = Vec::new();
    if live.exists() {
        let target = aside.join(&file_name);
        if std::fs::hard_link(live, &target).is_err() {
            // A file system without hard links: copy instead (the original is replaced below).
            std::fs::copy(live, &target).map_err(|e| io(live, e))?;
            File::open(&target).and_then(|file| file.sync_all()).map_err(|e| io(&target, e))?;
        }
        moved.push(file_name);
    }
    for name in companions {
        let companion = data_dir.join(&name);
        std::fs::rename(&companion, aside.join(&name)).map_err(|e| io(&companion, e))?;
        moved.push(name);
    }
    sync_dir(&aside)?;
    sync_dir(data_dir)?;
    Ok(Some((aside, moved)))
}

/// A folder named `name` in `parent`, or `name-2`, `name-3` … if taken.
fn new_folder(parent: &Path, name: &str) -> Result<PathBuf, Failure> {
    for attempt in 1..100 {
        let folder = match attempt {
            1 => parent.join(name),
            n => parent.join(format!("{name}-{n}")),
        };
        match std::fs::create_dir(&folder) {
            Ok(()) => return Ok(folder),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(Failure::internal(format!("{}: {e}", folder.display()))),
        }
    }
    Err(Failure::internal(format!("{}: too many folders named {name}", parent.display())))
}

/// Makes renames and new entries in a directory durable.
fn sync_dir(dir: &Path) -> Result<(), Failure> {
    #[cfg(unix)]
    File::open(dir)
        .and_then(|file| file.sync_all())
        .map_err(|e| Failure::internal(format!("{}: {e}", dir.display())))?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}
