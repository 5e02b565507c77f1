//! The outbox worker's batched record ([`OutboxStore`]) on both databases. PostgreSQL runs
//! with `--ignored`, as in `contract.rs`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use jifen_store::prelude::*;
use jifen_store::*;

fn message(key: &str, body_after_send: Option<&str>) -> NewMessage {
    NewMessage {
        idempotency_key: key.into(),
        channel: "sms".into(),
        recipient: "13700000000".into(),
        body: format!("初始密码 {key}"),
        body_after_send: body_after_send.map(Into::into),
    }
}

/// One transaction records sends, retries and give-ups, only for messages leased to the
/// worker; a message whose lease went to another worker is left to that worker.
async fn records_a_batch_of_attempts<R: Repository + OutboxStore>(store: &R) {
    let messages =
        [message("b1", Some("初始密码已发送")), message("b2", None), message("b3", None), message("b4", None)];
    store.enqueue_messages(&messages, 1_000).await.unwrap();
    let claimed = store.claim_messages("a", 2_000, 30_000, 3).await.unwrap();
    assert_eq!(claimed.len(), 3);
    let taken_over = store.claim_messages("b", 2_000, 30_000, 10).await.unwrap();
    assert_eq!(taken_over.len(), 1, "b4 was not claimed by a");
    let attempts = [
        (claimed[0].id, Attempt::Sent),
        (claimed[1].id, Attempt::Failed { error: "gateway 503".into(), retry_at: 12_000, dead: false }),
        (claimed[2].id, Attempt::Failed { error: "bad number".into(), retry_at: 12_000, dead: true }),
        (taken_over[0].id, Attempt::Sent),
    ];
    assert_eq!(store.record_attempts("a", 2_500, &attempts).await.unwrap(), 3, "not b's message");
    let stored = store.messages_to("13700000000").await.unwrap();
    assert_eq!((stored[0].sent_at, stored[0].attempts), (Some(2_500), 1));
    assert_eq!(stored[0].body, "初始密码已发送", "the text after sending replaces the password");
    assert_eq!((stored[1].sent_at, stored[1].next_attempt_at, stored[1].dead), (None, 12_000, false));
    assert_eq!(stored[1].last_error.as_deref(), Some("gateway 503"));
    assert!(stored[2].dead && stored[2].sent_at.is_none());
    assert_eq!((stored[3].sent_at, stored[3].attempts), (None, 0), "left to b");
    assert!(store.claim_messages("c", 11_999, 30_000, 10).await.unwrap().is_empty(), "the retry is not due yet");
    let retry = store.claim_messages("c", 12_000, 30_000, 10).await.unwrap();
    assert_eq!(retry.iter().map(|m| m.idempotency_key.as_str()).collect::<Vec<_>>(), ["b2"]);
    assert_eq!(store.record_attempts("a", 13_000, &[(claimed[0].id, Attempt::Sent)]).await.unwrap(), 0, "sent once");
}

fn temp_dir(label: &str) -> std::path::PathBuf {
    jifen_store::testing::temp_dir(label).unwrap()
}

#[tokio::test]
async fn sqlite_records_a_batch_of_attempts() {
    let store = SqliteStore::open(&temp_dir("outbox-batch").join("jifen.sqlite")).await.unwrap();
    records_a_batch_of_attempts(&Store::Sqlite(store)).await;
}

#[tokio::test]
#[ignore = "needs PostgreSQL: set JIFEN_TEST_POSTGRES_URL and run with --ignored (.ci/run does)"]
async fn postgres_records_a_batch_of_attempts() {
    let database = testing::TestDatabase::create("outbox").await.expect("PostgreSQL must be reachable");
    let store = PgStore::connect(&database.url).await.unwrap();
    records_a_batch_of_attempts(&store).await;
    store.close().await;
    database.drop_database().await.unwrap();
}
