//! One contract for every store: the same assertions on SQLite and PostgreSQL.
//! SQLite runs in every `cargo test`; PostgreSQL runs with
//! `JIFEN_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/postgres cargo test -p jifen-store -- --ignored`
//! (`.ci/run` does, and fails if PostgreSQL is unreachable). Each run uses a fresh database.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use jifen_domain::{District, Role};
use jifen_ids::CreditCode;
use jifen_store::prelude::*;
use jifen_store::*;
use serde_json::json;

fn audit(action: &str, subject: &str) -> AuditEntry {
    AuditEntry {
        at: 1_000,
        actor_id: None,
        action: action.into(),
        subject: subject.into(),
        details: json!({"why": action}),
    }
}

fn new_user(username: &str, role: Role, district: Option<District>, employer_id: Option<EmployerId>) -> NewUser {
    NewUser {
        username: username.into(),
        display_name: format!("{username} 测试"),
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
        role,
        district,
        employer_id,
        must_change_password: true,
    }
}

fn new_employer(code: &str, district: District) -> NewEmployer {
    NewEmployer {
        name: "上海示例科技有限公司".into(),
        credit_code: CreditCode::parse(code).unwrap(),
        district,
        contact_name: "张三".into(),
        contact_phone: "13800000000".into(),
    }
}

fn message(key: &str, to: &str) -> NewMessage {
    NewMessage {
        idempotency_key: key.into(),
        channel: "sms".into(),
        recipient: to.into(),
        body: format!("正文 {key}"),
        body_after_send: None,
    }
}

/// The outbox: leases, retries, giving up, and idempotent enqueueing.
async fn outbox_contract<R: Repository>(store: &R) {
    store
        .enqueue_messages(
            &[message("k1", "13800000001"), message("k2", "13800000001"), message("k3", "13800000002")],
            1_000,
        )
        .await
        .unwrap();
    store.enqueue_messages(&[message("k1", "13800000001")], 1_001).await.unwrap();
    assert_eq!(store.messages_to("13800000001").await.unwrap().len(), 2, "a key is queued once");
    let claimed = store.claim_messages("a", 2_000, 30_000, 10).await.unwrap();
    assert_eq!(claimed.iter().map(|m| m.idempotency_key.as_str()).collect::<Vec<_>>(), ["k1", "k2", "k3"]);
    assert!(store.claim_messages("b", 2_001, 30_000, 10).await.unwrap().is_empty(), "leased to a");
    store.mark_sent(claimed[0].id, "a", 2_100).await.unwrap();
    assert!(
        matches!(store.mark_sent(claimed[1].id, "b", 2_100).await, Err(StoreError::Conflict(_))),
        "only the holder"
    );
    store.mark_failed(claimed[1].id, "a", "gateway 503", 60_000, false).await.unwrap();
    store.mark_failed(claimed[2].id, "a", "bad number", 60_000, true).await.unwrap();
    assert!(store.claim_messages("b", 40_000, 30_000, 10).await.unwrap().is_empty(), "the retry is not due yet");
    let retry = store.claim_messages("b", 60_000, 30_000, 10).await.unwrap();
    assert_eq!(retry.len(), 1, "the failed one comes back when due; the dead one does not");
    assert_eq!((retry[0].idempotency_key.as_str(), retry[0].attempts), ("k2", 1));
    assert_eq!(retry[0].last_error.as_deref(), Some("gateway 503"));
    // b crashes without marking: after its lease runs out, c takes the message over.
    assert_eq!(store.claim_messages("c", 90_001, 30_000, 10).await.unwrap().len(), 1);
    let to_first = store.messages_to("13800000001").await.unwrap();
    assert_eq!(to_first[0].sent_at, Some(2_100));
    assert!(store.messages_to("13800000002").await.unwrap()[0].dead);
}

async fn contract<R: Repository>(store: &R) {
    outbox_contract(store).await;
    // Users round-trip, usernames are unique, and a failed insert writes no audit entry.
    let admin = store
        .create_user(&new_user("admin", Role::Admin, None, None), 10, &audit("user_create", "admin"))
        .await
        .unwrap();
    assert_eq!(admin.role, Role::Admin);
    assert!(admin.must_change_password && !admin.disabled);
    assert_eq!(admin.created_at, 10);
    let clerk = store
        .create_user(&new_user("clerk", Role::Clerk, Some(District::Pudong), None), 11, &audit("user_create", "clerk"))
        .await
        .unwrap();
    assert_eq!(clerk.district, Some(District::Pudong));
    assert_eq!(store.user_by_username("clerk").await.unwrap().unwrap(), clerk);
    assert_eq!(store.user_by_id(clerk.id).await.unwrap().unwrap().display_name, "clerk 测试");
    assert!(store.user_by_username("nobody").await.unwrap().is_none());
    let duplicate =
        store.create_user(&new_user("admin", Role::Admin, None, None), 12, &audit("user_create", "dup")).await;
    assert!(matches!(duplicate, Err(StoreError::Duplicate("username"))), "{duplicate:?}");

    // Sessions: valid until they expire; a password change ends them all.
    let session = |token: &str, expires_at| Session {
        token_hash: token.into(),
        user_id: clerk.id,
        csrf_token: format!("csrf-{token}"),
        created_at: 100,
        expires_at,
    };
    store.create_session(&session("a", 1_000), &audit("sign_in", "clerk")).await.unwrap();
    store.create_session(&session("b", 1_000), &audit("sign_in", "clerk")).await.unwrap();
    store.create_session(&session("old", 150), &audit("sign_in", "clerk")).await.unwrap();
    let (found, user) = store.session("a", 500).await.unwrap().unwrap();
    assert_eq!((found, user.id), (session("a", 1_000), clerk.id));
    assert!(store.session("old", 500).await.unwrap().is_none(), "expired");
    store.delete_session("a", &audit("sign_out", "clerk")).await.unwrap();
    assert!(store.session("a", 500).await.unwrap().is_none(), "logged out");
    store.set_password(clerk.id, "new-hash", false, &audit("password_change", "clerk")).await.unwrap();
    assert!(store.session("b", 500).await.unwrap().is_none(), "a password change ends sessions");
    let changed = store.user_by_id(clerk.id).await.unwrap().unwrap();
    assert_eq!(changed.password_hash, "new-hash");
    assert!(!changed.must_change_password);
    assert!(matches!(
        store.set_password(UserId::new(9_999), "x", false, &audit("x", "x")).await,
        Err(StoreError::Conflict(_))
    ));

    // Sign-in attempts are counted per subject in a window that opens at the first attempt.
    let subjects = ["user:clerk".to_string(), "ip:127.0.0.1".to_string()];
    for i in 1..=5 {
        assert_eq!(store.count_attempts(&subjects[..1], 1_000 + i, 100).await.unwrap(), [i as u64]);
    }
    assert_eq!(store.count_attempts(&subjects, 1_050, 100).await.unwrap(), [6, 1]);
    assert_eq!(store.count_attempts(&subjects, 1_101, 100).await.unwrap(), [1, 2], "a new window at 1 101");
    store.settle_attempts(&subjects[..1], &subjects[1..]).await.unwrap();
    assert_eq!(store.count_attempts(&subjects, 1_102, 100).await.unwrap(), [1, 2], "cleared, and refunded one");

    // A trusted device is remembered for its account until it expires, and a password
    // change forgets it.
    store.trust_device("device-a", clerk.id, 1_000, 2_000).await.unwrap();
    assert_eq!(store.trusted_device("device-a", 1_500).await.unwrap(), Some(clerk.id));
    assert_eq!(store.trusted_device("device-a", 2_000).await.unwrap(), None, "expired");
    assert_eq!(store.trusted_device("device-b", 1_500).await.unwrap(), None);
    store.set_password(clerk.id, "new-hash", false, &audit("password_change", "clerk")).await.unwrap();
    assert_eq!(store.trusted_device("device-a", 1_000).await.unwrap(), None, "forgotten with the password");
    store.probe_write(1_000).await.unwrap();

    // Employers: pending until a decision; a credit code registers once; decided once.
    let agent = |name: &str| new_user(name, Role::HrAgent, None, None);
    let (employer, hr) = store
        .register_employer(
            &new_employer("91350100M000100Y43", District::Pudong),
            &agent("hr"),
            200,
            &audit("employer_register", "e1"),
        )
        .await
        .unwrap();
    assert_eq!(employer.status, EmployerStatus::Pending);
    assert_eq!(employer.credit_code, "91350100M000100Y43");
    assert_eq!((hr.role, hr.employer_id), (Role::HrAgent, Some(employer.id)));
    let again = store
        .register_employer(&new_employer("91350100M000100Y43", District::Xuhui), &agent("hr-2"), 201, &audit("x", "x"))
        .await;
    assert!(matches!(again, Err(StoreError::Duplicate("credit code"))), "{again:?}");
    assert!(store.user_by_username("hr-2").await.unwrap().is_none(), "nothing half-registered");
    let taken = store
        .register_employer(&new_employer("91110000802100433B", District::Xuhui), &agent("hr"), 201, &audit("x", "x"))
        .await;
    assert!(matches!(taken, Err(StoreError::Duplicate("username"))), "{taken:?}");
    assert!(
        store.employers_in_district(District::Xuhui, EmployerStatus::Pending).await.unwrap().is_empty(),
        "rolled back"
    );
    let (other, _) = store
        .register_employer(
            &new_employer("91110000802100433B", District::Xuhui),
            &agent("hr-3"),
            202,
            &audit("employer_register", "e2"),
        )
        .await
        .unwrap();
    let pudong_pending = store.employers_in_district(District::Pudong, EmployerStatus::Pending).await.unwrap();
    assert_eq!(pudong_pending.iter().map(|e| e.id).collect::<Vec<_>>(), [employer.id]);
    store
        .decide_employer(employer.id, EmployerStatus::Verified, clerk.id, 300, &audit("employer_verify", "e1"))
        .await
        .unwrap();
    let verified = store.employer(employer.id).await.unwrap().unwrap();
    assert_eq!(
        (verified.status, verified.verified_by, verified.verified_at),
        (EmployerStatus::Verified, Some(clerk.id), Some(300))
    );
    let twice = store.decide_employer(employer.id, EmployerStatus::Rejected, clerk.id, 301, &audit("x", "x")).await;
    assert!(matches!(twice, Err(StoreError::Conflict(_))));
    assert!(store.employers_in_district(District::Pudong, EmployerStatus::Pending).await.unwrap().is_empty());
    assert_eq!(store.employers_in_district(District::Xuhui, EmployerStatus::Pending).await.unwrap()[0].id, other.id);
    let second_agent = store
        .create_user(&new_user("hr-4", Role::HrAgent, None, Some(employer.id)), 400, &audit("user_create", "hr-4"))
        .await
        .unwrap();
    assert_eq!(second_agent.employer_id, Some(employer.id));

    // The audit log holds exactly the successful changes, newest first, details intact.
    let log = store.audit_log(100).await.unwrap();
    let actions: Vec<&str> = log.iter().map(|entry| entry.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "user_create",
            "employer_verify",
            "employer_register",
            "employer_register",
            "password_change",
            "password_change",
            "sign_out",
            "sign_in",
            "sign_in",
            "sign_in",
            "user_create",
            "user_create"
        ]
    );
    assert_eq!(log[1].details, json!({"why": "employer_verify"}));
    assert_eq!(store.audit_log(2).await.unwrap().len(), 2);
}

#[tokio::test]
async fn sqlite_keeps_the_contract() {
    let dir = std::env::temp_dir().join(format!("jifen-store-{}-{}", std::process::id(), unique()));
    std::fs::create_dir_all(&dir).unwrap();
    let store = SqliteStore::open(&dir.join("jifen.sqlite")).await.unwrap();
    contract(&store).await;
    // A backup of the live database is a database with the same rows.
    let copy = dir.join("backup.sqlite");
    store.backup(&copy).await.unwrap();
    let restored = SqliteStore::open(&copy).await.unwrap();
    assert_eq!(restored.user_by_username("clerk").await.unwrap().unwrap().username, "clerk");
    assert_eq!(restored.audit_log(100).await.unwrap().len(), 12);
    store.close().await;
    restored.close().await;
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn sqlite_writers_in_parallel_all_land() {
    let dir = std::env::temp_dir().join(format!("jifen-store-par-{}-{}", std::process::id(), unique()));
    std::fs::create_dir_all(&dir).unwrap();
    let store = SqliteStore::open(&dir.join("jifen.sqlite")).await.unwrap();
    concurrent_writers(&store).await;
    store.close().await;
    std::fs::remove_dir_all(&dir).unwrap();
}

/// An unverified sign-up reserves nothing for long: expired or rejected, it frees the
/// credit code and the agent's username, and its agent can never sign in.
async fn signups_expire<R: Repository>(store: &R) {
    let agent = |name: &str| new_user(name, Role::HrAgent, None, None);
    let code = "91350100M000100Y43";
    let (squatted, squatter) = store
        .register_employer(&new_employer(code, District::Pudong), &agent("squat"), 100, &audit("r", "e"))
        .await
        .unwrap();
    assert_eq!(store.expire_signups(50, 10_000).await.unwrap(), 0, "not stale yet");
    assert_eq!(store.expire_signups(101, 10_000).await.unwrap(), 1);
    let expired = store.employer(squatted.id).await.unwrap().unwrap();
    assert_eq!((expired.status, expired.verified_by), (EmployerStatus::Rejected, None));
    let retired = store.user_by_id(squatter.id).await.unwrap().unwrap();
    assert!(retired.disabled && retired.username != "squat");
    assert!(store.user_by_username("squat").await.unwrap().is_none());
    // The real employer signs up with the same code and even the same username.
    let (real, real_agent) = store
        .register_employer(&new_employer(code, District::Xuhui), &agent("squat"), 20_000, &audit("r", "e"))
        .await
        .unwrap();
    assert_eq!((real.status, real.district), (EmployerStatus::Pending, District::Xuhui));
    assert_eq!(real_agent.employer_id, Some(real.id));
    // A live sign-up still holds its code.
    let again =
        store.register_employer(&new_employer(code, District::Pudong), &agent("other"), 20_001, &audit("r", "e")).await;
    assert!(matches!(again, Err(StoreError::Duplicate("credit code"))), "{again:?}");
    // A rejection frees the agent's username at once.
    store
        .decide_employer(real.id, EmployerStatus::Rejected, UserId::new(1), 20_002, &audit("employer_reject", "e"))
        .await
        .unwrap();
    assert!(store.user_by_username("squat").await.unwrap().is_none());
    assert!(store.user_by_id(real_agent.id).await.unwrap().unwrap().disabled);
}

/// Writers at once on one pool all land, and claimers at once never share a message.
async fn concurrent_writers<R: Repository + Clone + 'static>(store: &R) {
    // Sign-in attempts at once are each counted once: no two see the same count.
    let tasks: Vec<_> = (0..32)
        .map(|i| {
            let store = store.clone();
            tokio::spawn(async move { store.count_attempts(&["user:x".to_string()], 1_000 + i, 1_000_000).await })
        })
        .collect();
    let mut counts = Vec::new();
    for task in tasks {
        counts.extend(task.await.unwrap().unwrap());
    }
    counts.sort_unstable();
    assert_eq!(counts, (1..=32).collect::<Vec<u64>>(), "every attempt saw its own count");
    claims_never_overlap(store).await;
}

/// Several workers claiming at once on one database: every message goes to exactly one.
async fn claims_never_overlap<R: Repository + Clone + 'static>(store: &R) {
    let messages: Vec<NewMessage> = (0..60).map(|i| message(&format!("race-{i}"), "13900000000")).collect();
    store.enqueue_messages(&messages, 0).await.unwrap();
    let workers: Vec<_> = (0..4)
        .map(|w| {
            let store = store.clone();
            tokio::spawn(async move {
                let mut mine = Vec::new();
                loop {
                    let claimed = store.claim_messages(&format!("w{w}"), 1, 1_000_000, 7).await.unwrap();
                    if claimed.is_empty() {
                        break mine;
                    }
                    mine.extend(claimed.into_iter().map(|m| m.idempotency_key));
                }
            })
        })
        .collect();
    let mut all = Vec::new();
    for worker in workers {
        all.extend(worker.await.unwrap());
    }
    let race: Vec<&String> = all.iter().filter(|key| key.starts_with("race-")).collect();
    let unique: std::collections::BTreeSet<&&String> = race.iter().collect();
    assert_eq!(race.len(), 60, "every message claimed");
    assert_eq!(unique.len(), 60, "no message claimed twice");
}

/// Unique in this machine's temporary directory, even for tests started in one clock tick.
fn unique() -> String {
    jifen_store::testing::unique_suffix()
}

#[tokio::test]
async fn sqlite_signups_expire() {
    let dir = std::env::temp_dir().join(format!("jifen-store-signup-{}-{}", std::process::id(), unique()));
    std::fs::create_dir_all(&dir).unwrap();
    let store = SqliteStore::open(&dir.join("jifen.sqlite")).await.unwrap();
    signups_expire(&store).await;
    store.close().await;
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
#[ignore = "needs PostgreSQL: set JIFEN_TEST_POSTGRES_URL and run with --ignored (.ci/run does)"]
async fn postgres_signups_expire() {
    let database = jifen_store::testing::TestDatabase::create("signups").await.expect("PostgreSQL must be reachable");
    let store = PgStore::connect(&database.url).await.unwrap();
    signups_expire(&store).await;
    store.close().await;
    database.drop_database().await.unwrap();
}

#[tokio::test]
#[ignore = "needs PostgreSQL: set JIFEN_TEST_POSTGRES_URL and run with --ignored (.ci/run does)"]
async fn postgres_keeps_the_contract() {
    let database = jifen_store::testing::TestDatabase::create("contract").await.expect("PostgreSQL must be reachable");
    let store = PgStore::connect(&database.url).await.unwrap();
    contract(&store).await;
    concurrent_writers(&store).await;
    store.close().await;
    database.drop_database().await.unwrap();
}
