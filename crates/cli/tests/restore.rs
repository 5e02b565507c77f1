//! `jifen restore`: a backup put back over a crashed data directory, refused under a live
//! server, and refused when the backup is not sound.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use jifen_domain::Role;
use jifen_store::prelude::*;
use jifen_store::{AuditEntry, NewUser, SqliteStore};
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn jifen(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_jifen")).args(args).output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn temp_dir(label: &str) -> PathBuf {
    jifen_store::testing::temp_dir(label).unwrap()
}

fn block_on<T>(future: impl std::future::Future<Output = T>) -> T {
    jifen_cli::storage::runtime().unwrap().block_on(future)
}

async fn add_users(store: &SqliteStore, names: &[String]) {
    for name in names {
        let user = NewUser {
            username: name.clone(),
            display_name: name.clone(),
            password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
            role: Role::Applicant,
            district: None,
            employer_id: None,
            must_change_password: true,
        };
        let audit = AuditEntry {
            at: 1,
            actor_id: None,
            action: "user_create".into(),
            subject: format!("user:{name}"),
            details: serde_json::json!({}),
        };
        store.create_user(&user, 1, &audit).await.unwrap();
    }
}

/// Which of `names` the database in `data_dir` holds.
fn present(data_dir: &Path, names: &[String]) -> Vec<String> {
    block_on(async {
        let store = SqliteStore::open(&data_dir.join("jifen.sqlite")).await.unwrap();
        let mut found = Vec::new();
        for name in names {
            if store.user_by_username(name).await.unwrap().is_some() {
                found.push(name.clone());
            }
        }
        store.close().await;
        found
    })
}

fn names(prefix: &str, count: usize) -> Vec<String> {
    (0..count).map(|i| format!("{prefix}{i}")).collect()
}

const DATABASE_FILES: [&str; 3] = ["jifen.sqlite", "jifen.sqlite-wal", "jifen.sqlite-shm"];

fn copy_database_files(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for name in DATABASE_FILES {
        if from.join(name).exists() {
            std::fs::copy(from.join(name), to.join(name)).unwrap();
        }
    }
}

fn aside_folders(data_dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(data_dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.file_name().unwrap().to_string_lossy().starts_with("before-restore-"))
        .collect()
}

#[test]
fn a_restore_over_a_crashed_data_directory_gives_exactly_the_backups_rows() {
    let dir = temp_dir("restore-crash");
    let (live, crashed, backup) = (dir.join("live"), dir.join("crashed"), dir.join("backup.sqlite"));
    let (backed_up, later) = (names("backed-up-", 5), names("later-", 7));
    let all: Vec<String> = backed_up.iter().chain(&later).cloned().collect();
    block_on(async {
        std::fs::create_dir_all(&live).unwrap();
        let store = SqliteStore::open(&live.join("jifen.sqlite")).await.unwrap();
        add_users(&store, &backed_up).await;
        store.backup(&backup).await.unwrap();
        add_users(&store, &later).await;
        // The crash: the files as they are on disk while the server runs, nothing checkpointed.
        copy_database_files(&live, &crashed);
        store.close().await;
    });
    let wal = std::fs::metadata(crashed.join("jifen.sqlite-wal")).unwrap();
    assert!(wal.len() > 0, "the crashed directory has a write-ahead log");

    // The hazard: the backup copied over the database alone meets the crashed one's log.
    let copied_over = dir.join("copied-over");
    copy_database_files(&crashed, &copied_over);
    std::fs::copy(&backup, copied_over.join("jifen.sqlite")).unwrap();
    assert_ne!(present(&copied_over, &all), backed_up, "the leftover log replays over a copied backup");

    let restored = jifen(&["restore", "--from", backup.to_str().unwrap(), "--data-dir", crashed.to_str().unwrap()]);
    let said = text(&restored.stdout);
    assert!(restored.status.success(), "{}", text(&restored.stderr));
    assert!(said.contains("integrity ok") && said.contains("accounts: 5"), "{said}");
    assert!(said.contains("jifen.sqlite-wal") && said.contains("restored"), "{said}");
    assert_eq!(present(&crashed, &all), backed_up, "exactly the backup's accounts");

    let aside = aside_folders(&crashed);
    assert_eq!(aside.len(), 1, "the previous database is kept");
    assert!(DATABASE_FILES.iter().all(|name| aside[0].join(name).exists()), "with its log: {}", aside[0].display());
    assert_eq!(present(&aside[0], &all), all, "nothing of the crashed database is lost");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A `jifen serve` on a free port, stopped (killed) when dropped.
struct Server(std::process::Child);

impl Server {
    fn start(data_dir: &Path) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_jifen"))
            .args(["serve", "--addr", "127.0.0.1:0", "--data-dir", data_dir.to_str().unwrap()])
            .env("JIFEN_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let mut lines = std::io::BufReader::new(stderr).lines();
        let started = lines.by_ref().map_while(Result::ok).any(|line| line.contains("serving on"));
        assert!(started, "jifen serve did not start");
        std::thread::spawn(move || lines.for_each(drop));
        Self(child)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn a_restore_is_refused_while_a_server_uses_the_data_directory() {
    let dir = temp_dir("restore-busy");
    let (data, backup) = (dir.join("data"), dir.join("backup.sqlite"));
    let server = Server::start(&data);
    let backed_up = jifen(&["backup", "--out", backup.to_str().unwrap(), "--data-dir", data.to_str().unwrap()]);
    assert!(backed_up.status.success(), "a backup runs beside the server: {}", text(&backed_up.stderr));
    let refused = jifen(&["restore", "--from", backup.to_str().unwrap(), "--data-dir", data.to_str().unwrap()]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(text(&refused.stderr).contains("is in use"), "{}", text(&refused.stderr));
    assert!(aside_folders(&data).is_empty(), "nothing was moved");
    // A killed server leaves no lock behind.
    drop(server);
    let restored = jifen(&["restore", "--from", backup.to_str().unwrap(), "--data-dir", data.to_str().unwrap()]);
    assert!(restored.status.success(), "{}", text(&restored.stderr));
    assert_eq!(aside_folders(&data).len(), 1);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The files in a directory, but for the lock file that any command creates.
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name != jifen_cli::data_lock::LOCK_FILE)
        .collect();
    names.sort();
    names
}

#[test]
fn a_backup_that_is_not_sound_is_refused_and_nothing_is_touched() {
    let dir = temp_dir("restore-bad");
    let data = dir.join("data");
    let kept = names("kept-", 2);
    block_on(async {
        std::fs::create_dir_all(&data).unwrap();
        let store = SqliteStore::open(&data.join("jifen.sqlite")).await.unwrap();
        add_users(&store, &kept).await;
        store.close().await;
    });
    let before = listing(&data);
    let garbage = dir.join("garbage.sqlite");
    std::fs::write(&garbage, "SQLite format 3\0 but nothing after it".repeat(200)).unwrap();
    let refused = jifen(&["restore", "--from", garbage.to_str().unwrap(), "--data-dir", data.to_str().unwrap()]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(text(&refused.stderr).contains("cannot be restored"), "{}", text(&refused.stderr));
    assert_eq!(listing(&data), before, "no file added, moved or left behind");
    assert_eq!(present(&data, &kept), kept);
    let missing =
        jifen(&["restore", "--from", dir.join("nope").to_str().unwrap(), "--data-dir", data.to_str().unwrap()]);
    assert_eq!(missing.status.code(), Some(1));
    std::fs::remove_dir_all(&dir).unwrap();
}
