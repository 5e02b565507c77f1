//! The district centre's queue beside a long history: `HOLDERS` applications the centre
//! granted in the past (generated), and what a clerk's queue page reads. By default the queue
//! lists the applications still open; a decided state lists its latest `CLOSED_SHOWN`. Before,
//! the default read every application of every state at the centre, decided ones included:
//! that read is timed too, for comparison.
//!
//!   cargo bench -p jifen-applications --bench queue                    # 100 000 on SQLite
//!   QUEUE_BENCH_HOLDERS=1000000 cargo bench -p jifen-applications --bench queue
//!   cargo bench -p jifen-applications --bench queue -- --test         # 2 000, once (CI)
#![allow(clippy::unwrap_used, clippy::expect_used)]

use jifen_applications::{Actor, CLOSED_SHOWN, QueueFilter, Service};
use jifen_domain::{District, Role};
use jifen_store::prelude::*;
use jifen_store::{AuditEntry, NewUser, Store};
use std::time::{Duration, Instant};

/// The median of `runs` timings of `work`, with what its last run returned.
async fn median_of<T, F: std::future::Future<Output = T>>(runs: usize, mut work: impl FnMut() -> F) -> (Duration, T) {
    let mut times = Vec::with_capacity(runs);
    let mut last = None;
    for _ in 0..runs {
        let started = Instant::now();
        last = Some(work().await);
        times.push(started.elapsed());
    }
    times.sort_unstable();
    (times[runs / 2], last.unwrap())
}

fn main() {
    let test_mode = std::env::args().any(|arg| arg == "--test");
    let holders: i64 = if test_mode {
        2_000
    } else {
        std::env::var("QUEUE_BENCH_HOLDERS").ok().and_then(|n| n.parse().ok()).unwrap_or(100_000)
    };
    let runs = if test_mode { 1 } else { 11 };
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    runtime.block_on(async {
        let dir = std::env::temp_dir().join(format!("jifen-queue-bench-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let store = Store::open(&dir.join("jifen.sqlite").to_string_lossy()).await.unwrap();
        jifen_store::testing::seed_holders(&store, holders, |_| None).await.unwrap();
        let clerk = NewUser {
            username: "clerk".into(),
            display_name: "clerk".into(),
            password_hash: "x".into(),
            role: Role::Clerk,
            district: Some(District::Pudong),
            employer_id: None,
            must_change_password: false,
        };
        let setup = AuditEntry {
            at: 0,
            actor_id: None,
            action: "setup".into(),
            subject: String::new(),
            details: serde_json::json!({}),
        };
        let clerk = Actor::from(&store.create_user(&clerk, 0, &setup).await.unwrap());
        let service = Service::new(store.clone()).unwrap();
        let every_centre_state: Vec<_> =
            service.workflow.states.iter().filter(|s| s.centre).map(|s| s.id.clone()).collect();

        let (before, everything) =
            median_of(runs, || store.applications_in_district(District::Pudong, &every_centre_state)).await;
        assert_eq!(everything.unwrap().len() as i64, holders);
        println!("{holders} granted: every state at the centre read (the default queue before): {before:.2?}");
        let open_only = QueueFilter::default();
        let (open, rows) = median_of(runs, || service.centre_queue(&clerk, &open_only)).await;
        assert!(rows.unwrap().is_empty(), "nothing is open");
        println!("{holders} granted: the default queue now (open only): {open:.2?}");
        let granted = QueueFilter { state: Some("granted".into()), ..QueueFilter::default() };
        let (latest, rows) = median_of(runs, || service.centre_queue(&clerk, &granted)).await;
        assert_eq!(rows.unwrap().len() as i64, holders.min(CLOSED_SHOWN));
        println!("{holders} granted: the latest {CLOSED_SHOWN} granted: {latest:.2?}");
        let oldest = QueueFilter { search: Some("holder 1000000".into()), ..granted };
        let (searched, rows) = median_of(runs, || service.centre_queue(&clerk, &oldest)).await;
        assert_eq!(rows.unwrap().len(), 1, "the oldest, found by name");
        println!("{holders} granted: the oldest found by name: {searched:.2?}");
        store.close().await;
        std::fs::remove_dir_all(&dir).unwrap();
    });
}
