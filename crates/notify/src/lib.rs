//! # jifen-notify — the outbox worker
//!
//! Changes write their messages into the outbox in their own transaction; this worker
//! leases due messages, hands each to a [`Sender`], and records the outcome: sent, retried
//! later with exponential backoff, or given up after [`MAX_ATTEMPTS`]. Many sends are in
//! flight at once and their outcomes are recorded in batches (see [`drain`]). Leases make
//! it safe for several servers to drain one database. A worker that dies between sending and
//! recording can cause a second send after its lease runs out, so the idempotency key goes
//! to the gateway with every message, for the gateway to drop repeats.

use futures_util::stream::{FuturesUnordered, StreamExt};
use jifen_store::prelude::*;
use jifen_store::{Attempt, Millis, OutboxMessage, StoreError};
use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::time::Duration;

/// Attempts before a message is given up.
pub const MAX_ATTEMPTS: i64 = 8;
/// How long a claim lasts: longer than any send.
pub const LEASE_MILLIS: Millis = 60_000;
/// Sends in flight at once unless configured otherwise.
pub const DEFAULT_CONCURRENCY: usize = 32;

#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// Worth trying again (network, gateway overloaded).
    #[error("{0}")]
    Temporary(String),
    /// Will never succeed (the gateway refused the number or the text).
    #[error("{0}")]
    Permanent(String),
}

/// Delivers one message.
pub trait Sender: Send + Sync {
    fn send(&self, message: &OutboxMessage) -> impl Future<Output = Result<(), SendError>> + Send;
}

/// The default sender: appends each message as a JSON line to a file (for development, and
/// for sites without an SMS gateway yet).
pub struct LogFileSender {
    pub path: PathBuf,
}

impl Sender for LogFileSender {
    async fn send(&self, message: &OutboxMessage) -> Result<(), SendError> {
        use tokio::io::AsyncWriteExt;
        let line = serde_json::json!({
            "idempotency_key": message.idempotency_key,
            "channel": message.channel,
            "to": message.recipient,
            "body": message.body,
        });
        let mut file = tokio::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .await
            .map_err(|e| SendError::Temporary(format!("{}: {e}", self.path.display())))?;
        file.write_all(format!("{line}\n").as_bytes()).await.map_err(|e| SendError::Temporary(e.to_string()))?;
        file.flush().await.map_err(|e| SendError::Temporary(e.to_string()))
    }
}

/// Posts `{"to", "body", "idempotency_key"}` as JSON to an SMS gateway, with the key also in
/// an `Idempotency-Key` header. 2xx is sent; 4xx a permanent refusal; anything else retried.
pub struct HttpGatewaySender {
    pub url: String,
    pub client: reqwest::Client,
}

impl HttpGatewaySender {
    pub fn new(url: impl Into<String>) -> Self {
        let client = reqwest::Client::builder().timeout(Duration::from_secs(10)).build().unwrap_or_default();
        Self { url: url.into(), client }
    }
}

impl Sender for HttpGatewaySender {
    async fn send(&self, message: &OutboxMessage) -> Result<(), SendError> {
        let body = serde_json::json!({ "to": message.recipient, "body": message.body, "idempotency_key": message.idempotency_key });
        let response = self
            .client
            .post(&self.url)
            .header("Idempotency-Key", &message.idempotency_key)
            .json(&body)
            .send()
            .await
            .map_err(|e| SendError::Temporary(e.to_string()))?;
        let status = response.status();
        // Reading the answer to its end lets the connection serve the next message.
        let _ = response.bytes().await;
        if status.is_success() {
            Ok(())
        } else if status.is_client_error() {
            Err(SendError::Permanent(format!("gateway refused: {status}")))
        } else {
            Err(SendError::Temporary(format!("gateway: {status}")))
        }
    }
}

/// The sender chosen by configuration.
pub enum ConfiguredSender {
    LogFile(LogFileSender),
    Http(HttpGatewaySender),
}

impl Sender for ConfiguredSender {
    async fn send(&self, message: &OutboxMessage) -> Result<(), SendError> {
        match self {
            Self::LogFile(sender) => sender.send(message).await,
            Self::Http(sender) => sender.send(message).await,
        }
    }
}

/// The wait before attempt `attempts + 1`: 10 s, 20 s, 40 s … at most an hour.
pub fn backoff(attempts: i64) -> Millis {
    let exponent = u32::try_from(attempts.clamp(0, 20)).unwrap_or(20);
    (10_000i64.saturating_mul(2i64.saturating_pow(exponent))).min(3_600_000)
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Drained {
    pub sent: u32,
    pub retried: u32,
    pub given_up: u32,
}

impl std::ops::AddAssign for Drained {
    fn add_assign(&mut self, other: Self) {
        self.sent += other.sent;
        self.retried += other.retried;
        self.given_up += other.given_up;
    }
}

/// Who drains, and how many sends it keeps in flight at once.
#[derive(Debug, Clone)]
pub struct Worker {
    /// Names the worker's leases; unique per process.
    pub name: String,
    /// Sends in flight at once (at least 1).
    pub concurrency: usize,
}

impl Worker {
    pub fn new(name: impl Into<String>, concurrency: usize) -> Self {
        Self { name: name.into(), concurrency: concurrency.max(1) }
    }
}

type Finished = (OutboxMessage, Result<(), SendError>);

/// Drains until nothing is due. Up to `worker.concurrency` sends are in flight at once;
/// the next batch is claimed as soon as half the slots are free, while the rest are still
/// sending, so one slow send holds up nothing but its own slot. Finished sends are recorded
/// together, one transaction for all that finished while the previous write ran, so the
/// database's commit rate does not cap the send rate. Only what can start sending at once
/// is claimed: a lease never waits behind other sends.
///
/// `clock` dates each claim and record. Once `stopping()` is true no more is claimed; what
/// is in flight is finished and recorded. A database error stops claiming too, and is
/// returned when the sends in flight are done.
pub async fn drain<R, S>(
    store: &R,
    sender: &S,
    worker: &Worker,
    clock: impl Fn() -> Millis,
    stopping: impl Fn() -> bool,
) -> Result<Drained, StoreError>
where
    R: Repository + OutboxStore,
    S: Sender,
{
    let concurrency = worker.concurrency.max(1);
    let claim_when_free = concurrency.div_ceil(2);
    let mut sending = FuturesUnordered::new();
    let mut finished: Vec<Finished> = Vec::new();
    let mut writing: Option<Pin<Box<dyn Future<Output = Written> + Send + '_>>> = None;
    let mut more_due = true;
    let mut failure: Option<StoreError> = None;
    let mut drained = Drained::default();
    loop {
        if writing.is_none() {
            let free = concurrency - sending.len();
            if more_due && failure.is_none() && free >= claim_when_free && !stopping() {
                let now = clock();
                let limit = i64::try_from(free).unwrap_or(i64::MAX);
                writing = Some(Box::pin(async move {
                    Written::Claimed(store.claim_messages(&worker.name, now, LEASE_MILLIS, limit).await, free)
                }));
            } else if !finished.is_empty() {
                let batch = std::mem::take(&mut finished);
                writing = Some(Box::pin(record(store, &worker.name, clock(), batch)));
            } else if sending.is_empty() {
                break;
            }
        }
        let event = tokio::select! {
            Some(done) = sending.next(), if !sending.is_empty() => Event::Sent(done),
            written = async {
                match writing.as_mut() {
                    Some(write) => write.await,
                    None => std::future::pending().await,
                }
            }, if writing.is_some() => Event::Written(written),
        };
        match event {
            Event::Sent(done) => finished.push(done),
            Event::Written(written) => {
                writing = None;
                match written {
                    Written::Claimed(Ok(messages), asked) => {
                        more_due = messages.len() == asked;
                        sending.extend(messages.into_iter().map(|message| send_one(sender, message)));
                    }
                    Written::Recorded(Ok(recorded)) => drained += recorded,
                    Written::Claimed(Err(error), _) | Written::Recorded(Err(error)) => {
                        tracing::error!(%error, "outbox: the database failed; finishing the sends in flight");
                        failure.get_or_insert(error);
                    }
                }
            }
        }
    }
    match failure {
        Some(error) => Err(error),
        None => Ok(drained),
    }
}

/// One pass at a fixed time (for tests and tools): [`drain`] with a clock that stands still.
pub async fn drain_once<R, S>(store: &R, sender: &S, worker: &Worker, now: Millis) -> Result<Drained, StoreError>
where
    R: Repository + OutboxStore,
    S: Sender,
{
    drain(store, sender, worker, || now, || false).await
}

/// A database write of the pipeline: a claim (with how many were asked for) or a record.
enum Written {
    Claimed(Result<Vec<OutboxMessage>, StoreError>, usize),
    Recorded(Result<Drained, StoreError>),
}

enum Event {
    Sent(Finished),
    Written(Written),
}

async fn send_one<S: Sender>(sender: &S, message: OutboxMessage) -> Finished {
    let outcome = sender.send(&message).await;
    (message, outcome)
}

/// Records finished sends in one transaction: sent, retried after [`backoff`], or given up
/// (a permanent refusal, or the last of [`MAX_ATTEMPTS`]).
async fn record<R: OutboxStore>(store: &R, worker: &str, now: Millis, finished: Vec<Finished>) -> Written {
    let mut drained = Drained::default();
    let attempts: Vec<(MessageId, Attempt)> = finished
        .into_iter()
        .map(|(message, outcome)| {
            let attempt = match outcome {
                Ok(()) => {
                    drained.sent += 1;
                    Attempt::Sent
                }
                Err(error) => {
                    let attempts = message.attempts + 1;
                    let dead = matches!(error, SendError::Permanent(_)) || attempts >= MAX_ATTEMPTS;
                    tracing::warn!(id = %message.id, attempts, dead, %error, "message not sent");
                    if dead {
                        drained.given_up += 1;
                    } else {
                        drained.retried += 1;
                    }
                    Attempt::Failed { error: error.to_string(), retry_at: now + backoff(message.attempts), dead }
                }
            };
            (message.id, attempt)
        })
        .collect();
    let recorded = match store.record_attempts(worker, now, &attempts).await {
        Ok(recorded) => recorded,
        Err(error) => return Written::Recorded(Err(error)),
    };
    let unrecorded = u64::try_from(attempts.len()).unwrap_or(u64::MAX).saturating_sub(recorded);
    if unrecorded > 0 {
        tracing::warn!(unrecorded, "leases ran out before the sends were recorded; another worker may send them again");
    }
    Written::Recorded(Ok(drained))
}

/// Drains whenever something is due, looking every `interval`, until `stop` is set; a stop
/// lets the sends in flight finish and be recorded.
pub async fn run<R, S>(
    store: R,
    sender: S,
    worker: Worker,
    interval: Duration,
    mut stop: tokio::sync::watch::Receiver<bool>,
) where
    R: Repository + OutboxStore,
    S: Sender,
{
    loop {
        let stopping = || *stop.borrow();
        if let Err(error) = drain(&store, &sender, &worker, jifen_store::now_millis, stopping).await {
            tracing::error!(%error, "outbox");
        }
        tokio::select! {
            _ = tokio::time::sleep(interval) => {}
            _ = stop.changed() => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jifen_store::{NewMessage, SqliteStore};
    use std::collections::HashMap;
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// A gateway for tests: takes `latency` per send, fails the first `failures` attempts of
    /// each message, and notes what it delivered and how many sends it had in flight at once.
    #[derive(Default)]
    struct TestGateway {
        failures: u32,
        latency: Duration,
        /// This key's send waits until this many others were delivered (at most 10 s).
        held: Option<(String, usize)>,
        attempts: Mutex<HashMap<String, u32>>,
        delivered: Mutex<Vec<String>>,
        in_flight: AtomicUsize,
        max_in_flight: AtomicUsize,
    }

    impl TestGateway {
        fn with_latency(millis: u64) -> Self {
            Self { latency: Duration::from_millis(millis), ..Self::default() }
        }

        fn delivered(&self) -> Vec<String> {
            self.delivered.lock().unwrap().clone()
        }

        async fn wait_for_others(&self, key: &str, others: usize) -> Result<(), SendError> {
            for _ in 0..10_000 {
                if self.delivered.lock().unwrap().iter().filter(|k| *k != key).count() >= others {
                    return Ok(());
                }
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
            Err(SendError::Temporary(format!("{key}: the others were not delivered while it was sending")))
        }

        async fn attempt(&self, message: &OutboxMessage) -> Result<(), SendError> {
            let key = &message.idempotency_key;
            let attempt = {
                let mut attempts = self.attempts.lock().unwrap();
                let count = attempts.entry(key.clone()).or_default();
                *count += 1;
                *count
            };
            tokio::time::sleep(self.latency).await;
            if let Some((held, others)) = &self.held
                && held == key
            {
                self.wait_for_others(key, *others).await?;
            }
            if attempt <= self.failures {
                return Err(SendError::Temporary(format!("attempt {attempt} failed")));
            }
            self.delivered.lock().unwrap().push(key.clone());
            Ok(())
        }
    }

    impl Sender for TestGateway {
        async fn send(&self, message: &OutboxMessage) -> Result<(), SendError> {
            let now_in_flight = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
            self.max_in_flight.fetch_max(now_in_flight, Ordering::SeqCst);
            let outcome = self.attempt(message).await;
            self.in_flight.fetch_sub(1, Ordering::SeqCst);
            outcome
        }
    }

    fn database_path() -> PathBuf {
        jifen_store::testing::temp_dir("notify").unwrap().join("jifen.sqlite")
    }

    async fn store() -> SqliteStore {
        SqliteStore::open(&database_path()).await.unwrap()
    }

    fn sms(key: &str) -> NewMessage {
        NewMessage {
            idempotency_key: key.into(),
            channel: "sms".into(),
            recipient: "13800000000".into(),
            body: "您的积分申请已提交".into(),
            body_after_send: None,
        }
    }

    fn roster(count: usize) -> Vec<NewMessage> {
        (0..count).map(|i| sms(&format!("k{i:05}"))).collect()
    }

    #[tokio::test]
    async fn a_sender_that_fails_twice_then_succeeds_sends_once_after_backing_off() {
        for concurrency in [1, 8] {
            let store = store().await;
            let worker = Worker::new("w", concurrency);
            store.enqueue_messages(&[sms("m1")], 0).await.unwrap();
            let sender = TestGateway { failures: 2, ..TestGateway::default() };
            let pass = |now| drain_once(&store, &sender, &worker, now);
            assert_eq!(pass(0).await.unwrap(), Drained { retried: 1, ..Drained::default() });
            assert_eq!(pass(5_000).await.unwrap(), Drained::default(), "waits out the backoff");
            assert_eq!(pass(10_000).await.unwrap().retried, 1);
            assert_eq!(pass(29_999).await.unwrap(), Drained::default(), "the second wait is longer");
            assert_eq!(pass(30_000).await.unwrap().sent, 1);
            assert_eq!(pass(1_000_000).await.unwrap(), Drained::default(), "sent once");
            assert_eq!(sender.delivered(), ["m1"]);
            let stored = store.messages_to("13800000000").await.unwrap();
            assert_eq!((stored[0].attempts, stored[0].sent_at), (3, Some(30_000)));
            assert_eq!(stored[0].last_error.as_deref(), Some("attempt 2 failed"));
        }
    }

    #[tokio::test]
    async fn a_message_is_given_up_after_the_last_attempt() {
        let store = store().await;
        store.enqueue_messages(&[sms("m2")], 0).await.unwrap();
        let sender = TestGateway { failures: u32::MAX, ..TestGateway::default() };
        let mut now = 0;
        let mut given_up = 0;
        for _ in 0..MAX_ATTEMPTS {
            given_up += drain_once(&store, &sender, &Worker::new("w", 4), now).await.unwrap().given_up;
            now += 3_600_000;
        }
        assert_eq!(given_up, 1);
        assert!(store.messages_to("13800000000").await.unwrap()[0].dead);
    }

    #[tokio::test]
    async fn sends_run_concurrently_up_to_the_limit_and_each_is_recorded() {
        let store = store().await;
        store.enqueue_messages(&roster(120), 0).await.unwrap();
        let sender = TestGateway::with_latency(20);
        let drained = drain_once(&store, &sender, &Worker::new("w", 16), 7).await.unwrap();
        assert_eq!(drained, Drained { sent: 120, ..Drained::default() });
        let max_in_flight = sender.max_in_flight.load(Ordering::SeqCst);
        assert!(max_in_flight > 1, "sends overlapped (at most {max_in_flight} at once)");
        assert!(max_in_flight <= 16, "never more than the limit ({max_in_flight} at once)");
        let stored = store.messages_to("13800000000").await.unwrap();
        assert!(stored.iter().all(|message| message.sent_at == Some(7) && message.attempts == 1));
    }

    #[tokio::test]
    async fn one_slow_send_does_not_hold_up_the_rest() {
        let store = store().await;
        store.enqueue_messages(&roster(20), 0).await.unwrap();
        // k00000 finishes only once the 19 others were delivered: a worker that waits for a
        // whole batch before claiming the next would never get there.
        let sender = TestGateway { held: Some(("k00000".into(), 19)), ..TestGateway::default() };
        let drained = drain_once(&store, &sender, &Worker::new("w", 2), 0).await.unwrap();
        assert_eq!(drained, Drained { sent: 20, ..Drained::default() });
        assert_eq!(sender.delivered().last().map(String::as_str), Some("k00000"));
    }

    #[tokio::test]
    async fn a_stop_records_the_sends_in_flight_and_claims_nothing_more() {
        let store = store().await;
        store.enqueue_messages(&roster(30), 0).await.unwrap();
        let sender = TestGateway::with_latency(5);
        // Told to stop as soon as the first send began.
        let stopping = || !sender.attempts.lock().unwrap().is_empty();
        let drained = drain(&store, &sender, &Worker::new("a", 8), || 0, stopping).await.unwrap();
        assert_eq!(drained, Drained { sent: 8, ..Drained::default() }, "the first claim, sent and recorded");
        let rest = store.claim_messages("b", 0, LEASE_MILLIS, 100).await.unwrap();
        assert_eq!(rest.len(), 22, "nothing else was leased to the stopped worker");
    }

    #[tokio::test]
    async fn two_servers_on_one_database_send_each_message_once() {
        let path = database_path();
        let servers = [SqliteStore::open(&path).await.unwrap(), SqliteStore::open(&path).await.unwrap()];
        servers[0].enqueue_messages(&roster(300), 0).await.unwrap();
        let sender = std::sync::Arc::new(TestGateway::with_latency(2));
        let tasks: Vec<_> = servers
            .into_iter()
            .zip(["a", "b"])
            .map(|(store, name)| {
                let sender = sender.clone();
                tokio::spawn(async move {
                    drain(&store, sender.as_ref(), &Worker::new(name, 16), jifen_store::now_millis, || false).await
                })
            })
            .collect();
        let mut sent = 0;
        for task in tasks {
            sent += task.await.unwrap().unwrap().sent;
        }
        let mut delivered = sender.delivered();
        assert_eq!((delivered.len(), sent), (300, 300), "no message twice");
        delivered.sort();
        delivered.dedup();
        assert_eq!(delivered.len(), 300, "every message");
    }

    #[tokio::test]
    async fn the_log_file_sender_writes_one_json_line_per_message() {
        let path = std::env::temp_dir().join(format!("jifen-sms-{}.log", std::process::id()));
        let _ = std::fs::remove_file(&path);
        let sender = LogFileSender { path: path.clone() };
        let store = store().await;
        store.enqueue_messages(&[sms("f1"), sms("f2")], 0).await.unwrap();
        assert_eq!(drain_once(&store, &sender, &Worker::new("w", 1), 0).await.unwrap().sent, 2);
        let lines: Vec<serde_json::Value> =
            std::fs::read_to_string(&path).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0]["body"], "您的积分申请已提交");
        std::fs::remove_file(&path).unwrap();
    }

    #[test]
    fn backoff_doubles_up_to_an_hour() {
        assert_eq!((backoff(0), backoff(1), backoff(2)), (10_000, 20_000, 40_000));
        assert_eq!(backoff(30), 3_600_000);
    }
}
