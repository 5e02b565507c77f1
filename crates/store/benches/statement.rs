//! What one statement costs through the store (sqlx's SQLite driver, which runs each
//! connection on a thread of its own and hands every statement and its rows across) against
//! the same statement on the calling thread (rusqlite, the same SQLite library). The
//! statement is the one every signed-in request runs: a session and its user by the token's
//! hash.
//!
//! Issue #15's notes named "a request's SQLite statements on the calling thread" as the
//! structural lever left for the process load; this measures how much it could give:
//! - `session_read/…`: one task, one read after another (latency, and CPU on one core);
//! - `session_read_16_tasks/…`: 16 tasks on a 2-worker runtime, each read followed by a
//!   return to the runtime as a request's would be; on 2 cores both are busy, so the time a
//!   read is half its CPU cost, hand-offs and wake-ups included.
//!
//!   cargo bench -p jifen-store --bench statement
//!   cargo bench -p jifen-store --bench statement -- --test      # each case once (CI)
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use criterion::{Criterion, criterion_group, criterion_main};
use jifen_domain::Role;
use jifen_store::prelude::*;
use jifen_store::{AuditEntry, NewUser, Session, Store};
use rusqlite::types::Value;
use std::hint::black_box;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const TOKEN: &str = "bench-session-token-hash";
const NOW: i64 = 500;
const TASKS: u64 = 16;

/// A database with one user signed in.
async fn signed_in(path: &Path) -> Store {
    let store = Store::open(&path.to_string_lossy()).await.unwrap();
    let audit = |action: &str| AuditEntry {
        at: 1,
        actor_id: None,
        action: action.into(),
        subject: "bench".into(),
        details: serde_json::json!({}),
    };
    let user = NewUser {
        username: "bench".into(),
        display_name: "张伟明".into(),
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
        role: Role::Applicant,
        district: None,
        employer_id: None,
        must_change_password: false,
    };
    let user = store.create_user(&user, 1, &audit("user_create")).await.unwrap();
    let session = Session {
        token_hash: TOKEN.into(),
        user_id: user.id,
        csrf_token: "csrf".into(),
        created_at: 1,
        expires_at: i64::MAX,
    };
    store.create_session(&session, &audit("sign_in")).await.unwrap();
    store
}

/// The session read on a rusqlite connection: every column taken into an owned value, as the
/// store's row type does.
fn read_on_this_thread(connection: &rusqlite::Connection) -> Vec<Value> {
    let mut statement = connection.prepare_cached(jifen_store::testing::session_read_sql()).unwrap();
    let columns = statement.column_count();
    statement.query_row(rusqlite::params![TOKEN, NOW], |row| (0..columns).map(|i| row.get(i)).collect()).unwrap()
}

fn statement(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let dir = std::env::temp_dir().join(format!("jifen-statement-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("bench.db");
    let store = runtime.block_on(signed_in(&path));
    // Both drivers read the same row.
    let (found, user) = runtime.block_on(store.session(TOKEN, NOW)).unwrap().unwrap();
    let connection = rusqlite::Connection::open(&path).unwrap();
    let row = read_on_this_thread(&connection);
    let text = |value: &Value| match value {
        Value::Text(text) => text.clone(),
        other => panic!("not text: {other:?}"),
    };
    assert_eq!((text(&row[0]), text(&row[5]), text(&row[6])), (found.token_hash, "bench".into(), "张伟明".into()));
    assert_eq!(row[4], Value::Integer(user.id.get()));

    let mut group = c.benchmark_group("session_read");
    group.bench_function("store_sqlx", |b| {
        b.iter_custom(|iters| {
            runtime.block_on(async {
                let started = Instant::now();
                for _ in 0..iters {
                    black_box(store.session(TOKEN, NOW).await.unwrap());
                }
                started.elapsed()
            })
        })
    });
    group.bench_function("rusqlite_calling_thread", |b| b.iter(|| black_box(read_on_this_thread(&connection))));
    group.finish();

    // Eight connections, as the store's read pool holds.
    let connections: Arc<Mutex<Vec<rusqlite::Connection>>> =
        Arc::new(Mutex::new((0..8).map(|_| rusqlite::Connection::open(&path).unwrap()).collect()));
    let mut group = c.benchmark_group("session_read_16_tasks");
    group.bench_function("store_sqlx", |b| {
        b.iter_custom(|iters| {
            concurrently(&runtime, iters, {
                let store = store.clone();
                move || {
                    let store = store.clone();
                    async move {
                        black_box(store.session(TOKEN, NOW).await.unwrap());
                    }
                }
            })
        })
    });
    group.bench_function("rusqlite_calling_thread", |b| {
        b.iter_custom(|iters| {
            concurrently(&runtime, iters, {
                let connections = connections.clone();
                move || {
                    let connections = connections.clone();
                    async move {
                        let connection = connections.lock().unwrap().pop().unwrap();
                        black_box(read_on_this_thread(&connection));
                        connections.lock().unwrap().push(connection);
                        tokio::task::yield_now().await;
                    }
                }
            })
        })
    });
    group.finish();
    runtime.block_on(store.close());
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `iters` reads shared among [`TASKS`] tasks; the wall time they took together.
fn concurrently<F, Fut>(runtime: &tokio::runtime::Runtime, iters: u64, read: F) -> Duration
where
    F: Fn() -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    runtime.block_on(async {
        let started = Instant::now();
        let tasks: Vec<_> = (0..TASKS)
            .map(|task| {
                let read = read.clone();
                let count = iters / TASKS + u64::from(task < iters % TASKS);
                tokio::spawn(async move {
                    for _ in 0..count {
                        read().await;
                    }
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
        started.elapsed()
    })
}

criterion_group!(benches, statement);
criterion_main!(benches);
