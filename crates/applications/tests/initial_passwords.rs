//! Initial passwords: one-time secrets under a fast keyed hash that only open the forced
//! change, checked with the database's server key on every server, and gone once changed.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use jifen_applications::{Actor, Credentials, Service, ServiceError};
use jifen_domain::{District, Role};
use jifen_ids::CreditCode;
use jifen_store::prelude::*;
use jifen_store::*;
use serde_json::json;

const ID: &str = "310101199005120016";
const MOBILE: &str = "13900000009";

fn entry() -> AuditEntry {
    AuditEntry { at: 0, actor_id: None, action: "setup".into(), subject: "setup".into(), details: json!({}) }
}

/// A database file, two services on it (two servers), and a verified employer's agent.
async fn two_servers() -> (Service, Service, Actor) {
    let dir = jifen_store::testing::temp_dir("initial").unwrap();
    let path = dir.join("jifen.sqlite");
    let store = Store::open(path.to_str().unwrap()).await.unwrap();
    let user = |name: &str, role, district| NewUser {
        username: name.into(),
        display_name: name.into(),
        password_hash: "x".into(),
        role,
        district,
        employer_id: None,
        must_change_password: false,
    };
    let clerk = store.create_user(&user("clerk", Role::Clerk, Some(District::Pudong)), 0, &entry()).await.unwrap();
    let employer = NewEmployer {
        name: "上海示例科技有限公司".into(),
        credit_code: CreditCode::parse("91350100M000100Y43").unwrap(),
        district: District::Pudong,
        contact_name: "王经办".into(),
        contact_phone: "13800000000".into(),
    };
    let (employer, agent) =
        store.register_employer(&employer, &user("hr", Role::HrAgent, None), 0, &entry()).await.unwrap();
    store.decide_employer(employer.id, EmployerStatus::Verified, clerk.id, 0, &entry()).await.unwrap();
    let other = Store::open(path.to_str().unwrap()).await.unwrap();
    (Service::new(store).unwrap(), Service::new(other).unwrap(), Actor::from(&agent))
}

async fn sign_in(service: &Service, username: &str, password: &str) -> Result<User, ServiceError> {
    let credentials =
        Credentials { username, password: password.into(), source: "127.0.0.1".parse().unwrap(), device_token: None };
    service.sign_in(credentials).await.map(|session| session.user)
}

async fn password_from_sms(service: &Service) -> String {
    let messages = service.store.messages_to(MOBILE).await.unwrap();
    let body = &messages.first().expect("the account's SMS").body;
    body.split("初始密码：").nth(1).and_then(|rest| rest.split('。').next()).unwrap().to_string()
}

#[tokio::test]
async fn an_initial_password_opens_only_the_change_and_is_gone_once_changed() {
    let (server_a, server_b, agent) = two_servers().await;
    server_a.register_applicant(&agent, "张伟明", ID, MOBILE).await.unwrap();
    let initial = password_from_sms(&server_a).await;
    assert_eq!(initial.len(), jifen_auth::INITIAL_PASSWORD_CHARS);
    let stored = server_a.store.user_by_username(ID).await.unwrap().unwrap();
    assert!(jifen_auth::is_one_time(&stored.password_hash) && stored.must_change_password);
    assert!(!stored.password_hash.contains(&initial));

    // The other server checks it with the same key (kept in the database).
    assert!(matches!(sign_in(&server_b, ID, "wrong password 1").await, Err(ServiceError::Refused { .. })));
    let user = sign_in(&server_b, ID, &initial).await.unwrap();
    assert!(user.must_change_password, "the session may only change the password");

    // The change: the initial password is the current one; the new one goes under Argon2id.
    let wrong = server_a.change_password(&user, "not it 12345", "my own password 9", "my own password 9").await;
    assert_eq!(wrong.unwrap_err().code(), "password_wrong");
    // A password no one could type at the sign-in form again is refused before it is kept.
    let long = "a1".repeat(65);
    for unusable in ["my own\u{0}password 9", "my own\npassword 9", long.as_str()] {
        let refused = server_a.change_password(&user, &initial, unusable, unusable).await;
        assert_eq!(refused.unwrap_err().code(), "password_unusable", "{unusable:?}");
    }
    assert!(server_a.store.user_by_username(ID).await.unwrap().unwrap().must_change_password);
    server_a.change_password(&user, &initial, "my own password 9", "my own password 9").await.unwrap();
    let changed = server_a.store.user_by_username(ID).await.unwrap().unwrap();
    assert!(changed.password_hash.starts_with("$argon2id$") && !changed.must_change_password);

    // The initial password opens nothing any more, on either server, even through a session
    // that still carries the old account row.
    for server in [&server_a, &server_b] {
        assert_eq!(sign_in(server, ID, &initial).await.unwrap_err().code(), "sign_in_failed");
    }
    let again = server_b.change_password(&user, &initial, "another one 77", "another one 77").await;
    assert_eq!(again.unwrap_err().code(), "password_wrong");
    assert!(!sign_in(&server_b, ID, "my own password 9").await.unwrap().must_change_password);
}

#[tokio::test]
async fn a_one_time_hash_is_refused_on_an_account_that_need_not_change_its_password() {
    let (server, _, agent) = two_servers().await;
    server.register_applicant(&agent, "张伟明", ID, MOBILE).await.unwrap();
    let initial = password_from_sms(&server).await;
    let user = server.store.user_by_username(ID).await.unwrap().unwrap();
    // However it got there, a one-time hash without the forced change is no password.
    server.store.set_password(user.id, &user.password_hash, false, &entry()).await.unwrap();
    assert_eq!(sign_in(&server, ID, &initial).await.unwrap_err().code(), "sign_in_failed");
    let refused = server.change_password(&user, &initial, "my own password 9", "my own password 9").await;
    assert_eq!(refused.unwrap_err().code(), "password_wrong");
}

#[tokio::test]
async fn a_roster_gives_every_new_person_a_one_time_hash_under_one_key() {
    let (server, _, agent) = two_servers().await;
    let csv = "姓名,身份证号码,手机号码\n张伟明,310101199005120016,13900000009\n李丽,11010519491231002X,13900000008\n";
    let job = server.import_roster(&agent, csv.as_bytes()).await.unwrap();
    loop {
        let progress = server.import_progress(&agent, job.id).await.unwrap();
        if progress.job.status != ImportStatus::Running {
            assert_eq!(progress.job.status, ImportStatus::Done);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    for id in [ID, "11010519491231002X"] {
        let user = server.store.user_by_username(id).await.unwrap().unwrap();
        assert!(jifen_auth::is_one_time(&user.password_hash) && user.must_change_password);
    }
    let initial = password_from_sms(&server).await;
    assert!(sign_in(&server, ID, &initial).await.unwrap().must_change_password);
}
