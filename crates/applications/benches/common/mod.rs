//! What the store-backed benchmarks share: how many holders to generate, the timing, and a
//! member of staff to act as.
#![allow(dead_code, clippy::unwrap_used)]

use jifen_applications::Actor;
use jifen_domain::{District, Role};
use jifen_store::prelude::*;
use jifen_store::{AuditEntry, NewUser, Store};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// Whether the bench runs as CI runs it (`-- --test`: small, once), and how many holders to
/// generate: 2 000 then, else the variable `size_var`, else 100 000.
pub fn holders(size_var: &str) -> (bool, i64) {
    if std::env::args().any(|arg| arg == "--test") {
        return (true, 2_000);
    }
    (false, std::env::var(size_var).ok().and_then(|n| n.parse().ok()).unwrap_or(100_000))
}

/// Two workers, as the server on this project's 2-core machine has.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap()
}

/// The median of `runs` timings of `work`, with what its last run returned.
pub async fn median_of<T, F: std::future::Future<Output = T>>(
    runs: usize,
    mut work: impl FnMut() -> F,
) -> (Duration, T) {
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

/// A member of staff called `username`, made in the store directly.
pub async fn staff(store: &Store, username: &str, role: Role, district: Option<District>) -> Actor {
    let user = NewUser {
        username: username.into(),
        display_name: username.into(),
        password_hash: "x".into(),
        role,
        district,
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
    Actor::from(&store.create_user(&user, 0, &setup).await.unwrap())
}

/// A fresh SQLite store in a directory of its own under the system's temporary one.
pub async fn temp_store(label: &str) -> (Store, PathBuf) {
    let dir = std::env::temp_dir().join(format!("jifen-{label}-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let store = Store::open(&dir.join("jifen.sqlite").to_string_lossy()).await.unwrap();
    (store, dir)
}

/// Closes a store [`temp_store`] made and removes its directory.
pub async fn remove_store(store: Store, dir: PathBuf) {
    store.close().await;
    std::fs::remove_dir_all(&dir).unwrap();
}
