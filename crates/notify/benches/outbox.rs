//! The outbox drained to a local HTTP gateway: messages per second from a SQLite outbox
//! (on disk, `synchronous = FULL`, as `jifen serve` runs it) through [`HttpGatewaySender`]
//! to an axum server on 127.0.0.1 in the same process, on the runtime `jifen serve` uses
//! (one thread per core). The gateway answers at once, or after 20 ms (a real gateway's
//! round trip). Run with `cargo bench -p jifen-notify --bench outbox`; set
//! `OUTBOX_BENCH_MESSAGES` (default 2000) for the messages per run. Each figure is the
//! median of 3 runs, each on a fresh database.

#![allow(clippy::expect_used)]

use axum::Json;
use axum::extract::State;
use jifen_notify::{HttpGatewaySender, Worker, drain};
use jifen_store::prelude::*;
use jifen_store::{NewMessage, SqliteStore};
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const RUNS: usize = 3;
/// The serial drain is slow by nature: fewer messages are enough to measure it.
const SERIAL_MESSAGES: usize = 300;

/// A gateway that takes every message, after `latency`, and remembers the keys it saw.
struct Gateway {
    latency: Duration,
    keys: Mutex<HashSet<String>>,
}

async fn accept(State(gateway): State<Arc<Gateway>>, Json(body): Json<serde_json::Value>) -> Json<serde_json::Value> {
    if !gateway.latency.is_zero() {
        tokio::time::sleep(gateway.latency).await;
    }
    let key = body["idempotency_key"].as_str().unwrap_or_default().to_string();
    gateway.keys.lock().expect("not poisoned").insert(key);
    Json(serde_json::json!({ "accepted": true }))
}

async fn start_gateway(latency: Duration) -> (String, Arc<Gateway>) {
    let gateway = Arc::new(Gateway { latency, keys: Mutex::default() });
    let app = axum::Router::new().route("/send", axum::routing::post(accept)).with_state(gateway.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a free port");
    let address = listener.local_addr().expect("bound");
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{address}/send"), gateway)
}

/// Drains `messages` freshly queued messages once and returns messages per second.
async fn messages_per_second(url: &str, gateway: &Gateway, concurrency: usize, messages: usize, run: usize) -> f64 {
    let dir = std::env::temp_dir().join(format!("jifen-outbox-bench-{}-{concurrency}-{run}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temporary directory");
    let store = SqliteStore::open(&dir.join("jifen.sqlite")).await.expect("database");
    let queued: Vec<NewMessage> = (0..messages)
        .map(|i| NewMessage {
            idempotency_key: format!("bench-{run}-{concurrency}-{i}"),
            channel: "sms".into(),
            recipient: format!("138{i:08}"),
            body: "【积分】您的账户已开通，初始密码：Xy7kP2mQ9r，请登录后修改。".into(),
            body_after_send: Some("【积分】您的账户已开通（初始密码已隐去）。".into()),
        })
        .collect();
    store.enqueue_messages(&queued, 0).await.expect("queued");
    gateway.keys.lock().expect("not poisoned").clear();
    let sender = HttpGatewaySender::new(url);
    let worker = Worker::new("bench", concurrency);
    let started = Instant::now();
    let drained = drain(&store, &sender, &worker, jifen_store::now_millis, || false).await.expect("drained");
    let elapsed = started.elapsed();
    assert_eq!(drained.sent as usize, messages, "every message sent");
    assert_eq!(gateway.keys.lock().expect("not poisoned").len(), messages, "each key reached the gateway");
    store.close().await;
    let _ = std::fs::remove_dir_all(&dir);
    messages as f64 / elapsed.as_secs_f64()
}

fn main() {
    let messages: usize = std::env::var("OUTBOX_BENCH_MESSAGES").ok().and_then(|n| n.parse().ok()).unwrap_or(2000);
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    runtime.block_on(async {
        println!("| gateway latency | concurrency | messages per run | messages/s (median of {RUNS}) | runs |");
        println!("|---|---|---|---|---|");
        for latency_ms in [0, 20] {
            let (url, gateway) = start_gateway(Duration::from_millis(latency_ms)).await;
            for concurrency in [1, 8, 32, 64] {
                let per_run = if concurrency == 1 { SERIAL_MESSAGES.min(messages) } else { messages };
                let mut rates = Vec::with_capacity(RUNS);
                for run in 0..RUNS {
                    rates.push(messages_per_second(&url, &gateway, concurrency, per_run, run).await);
                }
                rates.sort_by(f64::total_cmp);
                let all: Vec<String> = rates.iter().map(|rate| format!("{rate:.0}")).collect();
                println!(
                    "| {latency_ms} ms | {concurrency} | {per_run} | **{:.0}** | {} |",
                    rates[RUNS / 2],
                    all.join(", ")
                );
            }
        }
    });
}
