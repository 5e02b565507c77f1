//! Faults the store must come back from by itself: a full disk under SQLite, and PostgreSQL
//! connections ended under load. Both need something beyond a plain `cargo test` (root to
//! mount a small filesystem, a PostgreSQL server), so they run with `--ignored`, as
//! `.ci/run` does.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use jifen_store::prelude::*;
use jifen_store::*;

fn message(key: &str, bytes: usize) -> NewMessage {
    NewMessage {
        idempotency_key: key.into(),
        channel: "sms".into(),
        recipient: "13900000000".into(),
        body: "积".repeat(bytes / 3),
        body_after_send: None,
    }
}

/// Unique in this machine's temporary directory, even for tests started in one clock tick.
fn unique() -> String {
    jifen_store::testing::unique_suffix()
}

/// A small tmpfs, unmounted when dropped.
struct SmallDisk(std::path::PathBuf);

impl SmallDisk {
    fn mount(kib: u32) -> Self {
        let dir = std::env::temp_dir().join(format!("jifen-full-{}-{}", std::process::id(), unique()));
        std::fs::create_dir_all(&dir).unwrap();
        let status = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={kib}k"), "tmpfs"])
            .arg(&dir)
            .status()
            .expect("mount must run (the test needs root)");
        assert!(status.success(), "mounting a tmpfs needs root");
        Self(dir)
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg(&self.0).status();
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[tokio::test]
#[ignore = "needs root to mount a small tmpfs; .ci/run runs it with --ignored"]
async fn sqlite_writes_again_once_the_disk_has_room() {
    let disk = SmallDisk::mount(2048);
    let store = SqliteStore::open(&disk.0.join("jifen.sqlite")).await.unwrap();
    // Take most of the room with a file that is removed later, as an operator would free space.
    let filler = disk.0.join("filler");
    // What the database takes already: its file, and its write-ahead log and index.
    let used: u64 = std::fs::read_dir(&disk.0).unwrap().map(|entry| entry.unwrap().metadata().unwrap().len()).sum();
    let free = (2048 * 1024usize).saturating_sub(used as usize);
    std::fs::write(&filler, vec![0u8; free.saturating_sub(400 * 1024)]).unwrap();

    // Writes of 100 KB each until the disk is full; the failure comes at COMMIT, when the
    // write-ahead log grows.
    let mut failure = None;
    for i in 0..20 {
        if let Err(error) = store.enqueue_messages(&[message(&format!("big-{i}"), 100_000)], 1).await {
            failure = Some(error);
            break;
        }
    }
    let failure = failure.expect("the disk filled up");
    assert_eq!(failure.fault(), Some(FaultKind::DiskFull), "{failure}");
    assert!(failure.is_outage());
    // Reads keep working while the disk is full.
    assert!(store.messages_to("13900000000").await.is_ok());

    std::fs::remove_file(&filler).unwrap();
    // Every connection of the pool writes again, without a restart.
    for i in 0..30 {
        store
            .enqueue_messages(&[message(&format!("after-{i}"), 300)], 2)
            .await
            .unwrap_or_else(|e| panic!("write {i}: {e}"));
    }
    store.probe_write(3).await.unwrap();
    store.close().await;
}

#[tokio::test]
#[ignore = "needs PostgreSQL: set JIFEN_TEST_POSTGRES_URL and run with --ignored (.ci/run does)"]
async fn postgres_pool_survives_ended_connections() {
    let database = testing::TestDatabase::create("faults").await.expect("PostgreSQL must be reachable");
    let store = PgStore::connect(&database.url).await.unwrap();
    store.enqueue_messages(&[message("warm", 300)], 0).await.unwrap();

    // Writers run while every connection is ended again and again: writes caught in the
    // middle fail as an outage, never as a bug.
    let writers: Vec<_> = (0..4)
        .map(|w| {
            let store = store.clone();
            tokio::spawn(async move {
                let mut outages = 0;
                for i in 0..60 {
                    match store.enqueue_messages(&[message(&format!("w{w}-{i}"), 3_000)], i).await {
                        Ok(()) => {}
                        Err(error) => {
                            assert!(error.is_outage(), "an ended connection is an outage: {error}");
                            outages += 1;
                        }
                    }
                }
                outages
            })
        })
        .collect();
    let mut ended = 0;
    for _ in 0..5 {
        ended += database.terminate_connections().await.unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    for writer in writers {
        writer.await.unwrap();
    }
    assert!(ended > 0, "connections were ended");
    // Afterwards the pool is healthy: every write lands.
    every_write_lands(&store, "after", 40, 100, "").await;
    store.probe_write(101).await.unwrap();
    // Connections ended a moment ago, too recently to be asked whether they are alive, fail
    // at BEGIN, before anything is written, and the write goes to another connection.
    assert!(database.terminate_connections().await.unwrap() > 0);
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    every_write_lands(&store, "recent", 20, 101, " after connections were just ended").await;
    // Connections ended while idle (a server restarted at a quiet moment) are noticed
    // before use: none of the next writes fails.
    assert!(database.terminate_connections().await.unwrap() > 0);
    tokio::time::sleep(std::time::Duration::from_millis(1_100)).await;
    every_write_lands(&store, "idle", 20, 102, " after idle connections were ended").await;
    store.close().await;
    database.drop_database().await.unwrap();
}

/// Writes `count` messages one after another at `at`; each must land (`when` names the moment
/// in the failure).
async fn every_write_lands(store: &PgStore, label: &str, count: usize, at: Millis, when: &str) {
    for i in 0..count {
        store
            .enqueue_messages(&[message(&format!("{label}-{i}"), 300)], at)
            .await
            .unwrap_or_else(|e| panic!("write {i}{when}: {e}"));
    }
}
