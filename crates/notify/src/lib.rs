//! # jifen-notify — the outbox worker
//!
//! Changes write their messages into the outbox in their own transaction; this worker
//! leases due messages, hands each to a [`Sender`], and records the outcome: sent, retried
//! later with exponential backoff, or given up after [`MAX_ATTEMPTS`]. Leases make it safe
//! for several servers to drain one database. A worker that dies between sending and
//! recording can cause a second send after its lease runs out, so the idempotency key goes
//! to the gateway with every message, for the gateway to drop repeats.

use jifen_store::{Millis, OutboxMessage, Repository};
use std::future::Future;
use std::path::PathBuf;
use std::time::Duration;

/// Attempts before a message is given up.
pub const MAX_ATTEMPTS: i64 = 8;
/// How long a claim lasts: longer than any send.
pub const LEASE_MILLIS: Millis = 60_000;
const BATCH: i64 = 20;

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

/// One pass: leases the due messages and tries each once.
pub async fn drain_once<R: Repository, S: Sender>(
    store: &R,
    sender: &S,
    worker: &str,
    now: Millis,
) -> Result<Drained, jifen_store::StoreError> {
    let mut drained = Drained::default();
    for message in store.claim_messages(worker, now, LEASE_MILLIS, BATCH).await? {
        match sender.send(&message).await {
            Ok(()) => {
                store.mark_sent(message.id, worker, now).await?;
                drained.sent += 1;
            }
            Err(error) => {
                let attempts = message.attempts + 1;
                let dead = matches!(error, SendError::Permanent(_)) || attempts >= MAX_ATTEMPTS;
                tracing::warn!(id = message.id, attempts, dead, %error, "message not sent");
                store
                    .mark_failed(message.id, worker, &error.to_string(), now + backoff(message.attempts), dead)
                    .await?;
                if dead {
                    drained.given_up += 1;
                } else {
                    drained.retried += 1;
                }
            }
        }
    }
    Ok(drained)
}

/// Drains every `interval` until `stop` is set.
pub async fn run<R: Repository, S: Sender>(
    store: R,
    sender: S,
    worker: String,
    interval: Duration,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    loop {
        if let Err(error) = drain_once(&store, &sender, &worker, jifen_store::now_millis()).await {
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

    /// Fails the first `failures` attempts of each message, then records it as delivered.
    struct Flaky {
        failures: u32,
        attempts: Mutex<HashMap<String, u32>>,
        delivered: Mutex<Vec<String>>,
    }

    impl Sender for Flaky {
        async fn send(&self, message: &OutboxMessage) -> Result<(), SendError> {
            let attempt = {
                let mut attempts = self.attempts.lock().unwrap();
                let count = attempts.entry(message.idempotency_key.clone()).or_default();
                *count += 1;
                *count
            };
            if attempt <= self.failures {
                return Err(SendError::Temporary(format!("attempt {attempt} failed")));
            }
            self.delivered.lock().unwrap().push(message.idempotency_key.clone());
            Ok(())
        }
    }

    async fn store() -> SqliteStore {
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
        let dir = std::env::temp_dir().join(format!("jifen-notify-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        SqliteStore::open(&dir.join("jifen.sqlite")).await.unwrap()
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

    #[tokio::test]
    async fn a_sender_that_fails_twice_then_succeeds_sends_once_after_backing_off() {
        let store = store().await;
        store.enqueue_messages(&[sms("m1")], 0).await.unwrap();
        let sender = Flaky { failures: 2, attempts: Mutex::default(), delivered: Mutex::default() };
        assert_eq!(drain_once(&store, &sender, "w", 0).await.unwrap(), Drained { retried: 1, ..Drained::default() });
        assert_eq!(drain_once(&store, &sender, "w", 5_000).await.unwrap(), Drained::default(), "waits out the backoff");
        assert_eq!(drain_once(&store, &sender, "w", 10_000).await.unwrap().retried, 1);
        assert_eq!(
            drain_once(&store, &sender, "w", 29_999).await.unwrap(),
            Drained::default(),
            "the second wait is longer"
        );
        assert_eq!(drain_once(&store, &sender, "w", 30_000).await.unwrap().sent, 1);
        assert_eq!(drain_once(&store, &sender, "w", 1_000_000).await.unwrap(), Drained::default(), "sent once");
        assert_eq!(*sender.delivered.lock().unwrap(), ["m1"]);
        let stored = store.messages_to("13800000000").await.unwrap();
        assert_eq!((stored[0].attempts, stored[0].sent_at), (3, Some(30_000)));
    }

    #[tokio::test]
    async fn a_message_is_given_up_after_the_last_attempt() {
        let store = store().await;
        store.enqueue_messages(&[sms("m2")], 0).await.unwrap();
        let sender = Flaky { failures: u32::MAX, attempts: Mutex::default(), delivered: Mutex::default() };
        let mut now = 0;
        let mut given_up = 0;
        for _ in 0..MAX_ATTEMPTS {
            given_up += drain_once(&store, &sender, "w", now).await.unwrap().given_up;
            now += 3_600_000;
        }
        assert_eq!(given_up, 1);
        assert!(store.messages_to("13800000000").await.unwrap()[0].dead);
    }

    #[tokio::test]
    async fn two_workers_on_one_database_send_each_message_once() {
        let store = store().await;
        let keys: Vec<NewMessage> = (0..50).map(|i| sms(&format!("k{i}"))).collect();
        store.enqueue_messages(&keys, 0).await.unwrap();
        let sender =
            std::sync::Arc::new(Flaky { failures: 0, attempts: Mutex::default(), delivered: Mutex::default() });
        let tasks: Vec<_> = ["a", "b"]
            .into_iter()
            .map(|worker| {
                let (store, sender) = (store.clone(), sender.clone());
                tokio::spawn(async move {
                    for _ in 0..10 {
                        drain_once(&store, sender.as_ref(), worker, 0).await.unwrap();
                    }
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
        let mut delivered = sender.delivered.lock().unwrap().clone();
        delivered.sort();
        delivered.dedup();
        assert_eq!(delivered.len(), 50);
        assert_eq!(sender.delivered.lock().unwrap().len(), 50, "no message twice");
    }

    #[tokio::test]
    async fn the_log_file_sender_writes_one_json_line_per_message() {
        let path = std::env::temp_dir().join(format!("jifen-sms-{}.log", std::process::id()));
        let _ = std::fs::remove_file(&path);
        let sender = LogFileSender { path: path.clone() };
        let store = store().await;
        store.enqueue_messages(&[sms("f1"), sms("f2")], 0).await.unwrap();
        assert_eq!(drain_once(&store, &sender, "w", 0).await.unwrap().sent, 2);
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
