//! Staff administration on both databases: the list with last sign-ins, and switching
//! accounts off and on, never the last administrator, not even by two at once.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use jifen_domain::{District, Role};
use jifen_store::prelude::*;
use jifen_store::*;
use serde_json::json;

fn audit(action: &str, at: Millis) -> AuditEntry {
    AuditEntry { at, actor_id: None, action: action.into(), subject: "staff".into(), details: json!({}) }
}

async fn user<S: Repository>(store: &S, name: &str, role: Role, district: Option<District>) -> User {
    let new = NewUser {
        username: name.into(),
        display_name: name.into(),
        password_hash: "x".into(),
        role,
        district,
        employer_id: None,
        must_change_password: false,
    };
    store.create_user(&new, 1, &audit("user_create", 1)).await.unwrap()
}

async fn contract<S: Repository + StaffStore + Clone + 'static>(store: &S) {
    let first = user(store, "admin-1", Role::Admin, None).await;
    let second = user(store, "admin-2", Role::Admin, None).await;
    let clerk = user(store, "clerk", Role::Clerk, Some(District::Pudong)).await;
    user(store, "hr", Role::HrAgent, None).await;
    store.set_staff_mobile(clerk.id, "13900000001").await.unwrap();
    store.set_staff_mobile(clerk.id, "13900000002").await.unwrap();
    let session = Session {
        token_hash: "t".into(),
        user_id: clerk.id,
        csrf_token: "c".into(),
        created_at: 50,
        expires_at: 10_000,
    };
    let sign_in = AuditEntry { actor_id: Some(clerk.id), ..audit("sign_in", 40) };
    store.create_session(&session, &sign_in).await.unwrap();
    // The last sign-in is the newest, whatever the member did after it.
    let again = Session { token_hash: "t2".into(), created_at: 45, ..session.clone() };
    store.create_session(&again, &AuditEntry { actor_id: Some(clerk.id), ..audit("sign_in", 45) }).await.unwrap();
    store.record_audit(&AuditEntry { actor_id: Some(clerk.id), ..audit("application_view", 60) }).await.unwrap();
    let session = Session { token_hash: "t3".into(), created_at: 50, ..session };
    store.create_session(&session, &AuditEntry { actor_id: Some(clerk.id), ..audit("sign_in", 50) }).await.unwrap();

    let staff = store.staff().await.unwrap();
    assert_eq!(staff.iter().map(|m| m.user.username.as_str()).collect::<Vec<_>>(), ["admin-1", "admin-2", "clerk"]);
    assert_eq!((staff[2].mobile.as_deref(), staff[2].last_sign_in), (Some("13900000002"), Some(50)));
    assert_eq!(staff[0].last_sign_in, None);

    // Switching off ends the sessions at once; switching twice is a conflict.
    store.set_disabled(clerk.id, true, &audit("staff_disable", 60)).await.unwrap();
    assert!(store.session("t", 100).await.unwrap().is_none());
    assert!(matches!(store.set_disabled(clerk.id, true, &audit("x", 61)).await, Err(StoreError::Conflict(_))));
    store.set_disabled(clerk.id, false, &audit("staff_enable", 62)).await.unwrap();

    // A member made with their mobile and the message carrying the initial password, at once.
    let message = |key: &str| NewMessage {
        idempotency_key: key.into(),
        channel: "sms".into(),
        recipient: "13900000003".into(),
        body: "初始密码 abc".into(),
        body_after_send: Some("已发送".into()),
    };
    let reviewer = NewUser {
        username: "reviewer".into(),
        display_name: "审核员".into(),
        password_hash: "h".into(),
        role: Role::Reviewer,
        district: Some(District::Xuhui),
        employer_id: None,
        must_change_password: true,
    };
    let made = store
        .create_staff(&reviewer, "13900000003", &[message("staff-1")], 80, &audit("staff_create", 80))
        .await
        .unwrap();
    assert!(made.must_change_password);
    let again = store.create_staff(&reviewer, "13900000004", &[message("staff-2")], 81, &audit("x", 81)).await;
    assert!(matches!(again, Err(StoreError::Duplicate("username"))), "{again:?}");
    assert_eq!(store.messages_to("13900000003").await.unwrap().len(), 1, "nothing of the refused one");
    store.reset_staff_password(made.id, "h2", &[message("staff-3")], 90, &audit("staff_reset", 90)).await.unwrap();
    assert_eq!(store.user_by_id(made.id).await.unwrap().unwrap().password_hash, "h2");
    assert_eq!(store.messages_to("13900000003").await.unwrap().len(), 2);
    let hr = store.user_by_username("hr").await.unwrap().unwrap();
    assert!(store.reset_staff_password(hr.id, "h", &[], 91, &audit("x", 91)).await.is_err(), "not staff");

    // Two administrators switching each other off at once: one wins, one admin stays.
    let (a, b) = (store.clone(), store.clone());
    let (one, two) = tokio::join!(
        tokio::spawn(async move { a.set_disabled(first.id, true, &audit("staff_disable", 70)).await }),
        tokio::spawn(async move { b.set_disabled(second.id, true, &audit("staff_disable", 70)).await }),
    );
    let outcomes = [one.unwrap(), two.unwrap()];
    assert_eq!(outcomes.iter().filter(|o| o.is_ok()).count(), 1, "{outcomes:?}");
    let active =
        store.staff().await.unwrap().into_iter().filter(|m| m.user.role == Role::Admin && !m.user.disabled).count();
    assert_eq!(active, 1, "the last administrator stays");
}

#[tokio::test]
async fn sqlite_keeps_the_staff_contract() {
    let dir = std::env::temp_dir().join(format!("jifen-staff-{}-{:?}", std::process::id(), std::time::Instant::now()));
    std::fs::create_dir_all(&dir).unwrap();
    let store = SqliteStore::open(&dir.join("jifen.sqlite")).await.unwrap();
    contract(&store).await;
    store.close().await;
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
#[ignore = "needs PostgreSQL: set JIFEN_TEST_POSTGRES_URL and run with --ignored (.ci/run does)"]
async fn postgres_keeps_the_staff_contract() {
    let database = testing::TestDatabase::create("staff").await.expect("PostgreSQL must be reachable");
    let store = PgStore::connect(&database.url).await.unwrap();
    contract(&store).await;
    store.close().await;
    database.drop_database().await.unwrap();
}

/// The audit log searched by actor, subject, event and time, newest first, with names.
async fn audit_search<S: Repository + ApplicationStore + AuditStore>(store: &S) {
    let admin = user(store, "auditor", Role::Admin, None).await;
    let entry = |action: &str, subject: &str, at: Millis, actor: Option<UserId>| AuditEntry {
        at,
        actor_id: actor,
        action: action.into(),
        subject: subject.into(),
        details: json!({ "n": at }),
    };
    for (action, subject, at, actor) in [
        ("staff_create", "user:9", 100, Some(admin.id)),
        ("sign_in", "user:9", 200, None),
        ("staff_disable", "user:9", 300, Some(admin.id)),
        ("staff_create", "user:10", 400, Some(admin.id)),
    ] {
        store.record_audit(&entry(action, subject, at, actor)).await.unwrap();
    }
    let all = AuditQuery { limit: 100, ..AuditQuery::default() };
    let about_9 = store.search_audit(&AuditQuery { subject: Some("user:9".into()), ..all.clone() }).await.unwrap();
    assert_eq!(about_9.iter().map(|r| r.at).collect::<Vec<_>>(), [300, 200, 100], "newest first");
    assert_eq!(about_9[0].actor.as_deref(), Some("auditor"));
    assert_eq!(about_9[1].actor, None);
    assert_eq!(about_9[0].details, json!({ "n": 300 }));
    let by_admin = AuditQuery { actor_id: Some(admin.id), action: Some("staff_create".into()), ..all.clone() };
    assert_eq!(store.search_audit(&by_admin).await.unwrap().len(), 2);
    let window = AuditQuery { from: Some(200), until: Some(400), ..all.clone() };
    assert_eq!(store.search_audit(&window).await.unwrap().iter().map(|r| r.at).collect::<Vec<_>>(), [300, 200]);
    assert_eq!(store.search_audit(&AuditQuery { limit: 1, ..all.clone() }).await.unwrap().len(), 1);
    // A district sees what its staff did (and what concerns its applications), nothing else.
    let clerk = user(store, "clerk-xh", Role::Clerk, Some(District::Xuhui)).await;
    store.record_audit(&entry("sign_in", &format!("user:{}", clerk.id), 500, Some(clerk.id))).await.unwrap();
    // A subject that looks like an application but names none is not one of its filed
    // applications (and does not make PostgreSQL fail reading it as a number).
    for odd in ["application:x", "application:", "application:99999999999999999999999"] {
        store.record_audit(&entry("application_view", odd, 600, Some(clerk.id))).await.unwrap();
    }
    let xuhui = AuditQuery { district: Some(District::Xuhui), ..all.clone() };
    assert_eq!(store.search_audit(&xuhui).await.unwrap().iter().map(|r| r.at).collect::<Vec<_>>(), [500]);
    let pudong = AuditQuery { district: Some(District::Pudong), ..all };
    assert!(store.search_audit(&pudong).await.unwrap().is_empty());
}

/// Entries recorded at the same moment (committed together) are each stored once, and each
/// caller hears about its own: one the database refuses (a NUL in the subject, which
/// PostgreSQL's text cannot hold and SQLite's can) fails alone, never the others with it.
async fn audit_entries_at_once<S: AuditStore + Clone + Send + Sync + 'static>(store: &S, nul_is_stored: bool) {
    let mut recording = tokio::task::JoinSet::new();
    for n in 0..60 {
        let store = store.clone();
        let subject = if n == 30 { "view:\0".to_string() } else { format!("view:{n}") };
        let entry =
            AuditEntry { at: 1_000 + n, actor_id: None, action: "view".into(), subject, details: json!({ "n": n }) };
        recording.spawn(async move { (n, store.record_audit(&entry).await) });
    }
    while let Some(answer) = recording.join_next().await {
        let (n, recorded) = answer.unwrap();
        if n != 30 || nul_is_stored {
            assert!(recorded.is_ok(), "entry {n}: {recorded:?}");
        } else {
            // Refused as text the database cannot hold, not as a fault of the database.
            assert!(matches!(recorded, Err(StoreError::Unstorable)), "entry {n}: {recorded:?}");
        }
    }
    let views = AuditQuery { action: Some("view".into()), limit: 1_000, ..AuditQuery::default() };
    let mut stored: Vec<Millis> = store.search_audit(&views).await.unwrap().iter().map(|r| r.at).collect();
    stored.sort_unstable();
    let expected: Vec<Millis> = (1_000..1_060).filter(|&at| at != 1_030 || nul_is_stored).collect();
    assert_eq!(stored, expected, "each entry once");
}

#[tokio::test]
async fn sqlite_searches_the_audit_log() {
    let dir = std::env::temp_dir().join(format!("jifen-audit-{}-{:?}", std::process::id(), std::time::Instant::now()));
    std::fs::create_dir_all(&dir).unwrap();
    let store = SqliteStore::open(&dir.join("jifen.sqlite")).await.unwrap();
    audit_search(&store).await;
    audit_entries_at_once(&store, true).await;
    store.close().await;
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
#[ignore = "needs PostgreSQL: set JIFEN_TEST_POSTGRES_URL and run with --ignored (.ci/run does)"]
async fn postgres_searches_the_audit_log() {
    let database = testing::TestDatabase::create("audit").await.expect("PostgreSQL must be reachable");
    let store = PgStore::connect(&database.url).await.unwrap();
    audit_search(&store).await;
    audit_entries_at_once(&store, false).await;
    store.close().await;
    database.drop_database().await.unwrap();
}
