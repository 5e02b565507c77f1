//! Renewal goes through the employer (research/centre.md): the HR agent sees, on its list of
//! people, whose points notice is due for renewal, starts it, and the holder is told by SMS to
//! check and submit the pre-filled form. Nobody else can start it for them.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{App, applicant_with_application, employer, location, setup_audit, spawn};
use jifen_domain::{District, Role};
use jifen_store::prelude::*;
use jifen_store::{NewPointsNotice, Transition};
use reqwest::StatusCode;
use serde_json::json;
use std::collections::BTreeMap;

async fn get(app: &App, client: &reqwest::Client, path: &str) -> (StatusCode, String) {
    let response = client.get(format!("{}{path}", app.base)).send().await.unwrap();
    (response.status(), response.text().await.unwrap())
}

/// Grants `id` at once with a notice whose validity ends ten days from today: in its
/// renewal window (the process to get there is tested in the applications crate).
async fn grant_ending_soon(app: &App, id: ApplicationId) -> jifen_store::Application {
    let application = app.store.application(id).await.unwrap().unwrap();
    let ends = jifen_domain::clock::today_in_shanghai() + chrono::Days::new(10);
    let granted = Transition {
        action: "grant".into(),
        actor_id: None,
        from_state: application.state.clone(),
        to_state: "granted".into(),
        open: false,
        expected_version: application.version,
        comment: String::new(),
        claim: None,
        claimed_total: None,
        review: BTreeMap::new(),
        details: json!({}),
        notice: Some(NewPointsNotice {
            serial: "JF-RENEW-1".into(),
            check_code: "ABCDEFGHJKLM".into(),
            holder_id: application.applicant_id,
            employer_id: application.employer_id,
            district: District::Pudong,
            total: 125,
            valid_until: ends.to_string(),
            profile: None,
            details: json!({ "name": "张伟明" }),
        }),
    };
    app.store.transition_application(id, &granted, jifen_store::now_millis(), &setup_audit(), &[]).await.unwrap()
}

#[tokio::test]
async fn the_employer_starts_a_due_renewal_and_the_holder_is_told() {
    let app = spawn().await;
    app.user("clerk", Role::Clerk, Some(District::Pudong), None, false).await;
    let hr = employer(&app, "91350100M000100Y43", "hr-a").await;
    let other_hr = employer(&app, "91110000802100433B", "hr-b").await;
    let (holder, id, holder_csrf) = applicant_with_application(&app, &hr).await;
    let granted = grant_ending_soon(&app, id).await;
    let holder_id = granted.applicant_id;
    let path = format!("/applicants/{holder_id}/follow-up");

    // The HR agent's list offers the renewal beside the person.
    let (status, people) = get(&app, &hr, "/applicants").await;
    assert_eq!(status, StatusCode::OK);
    assert!(people.contains(&format!("action=\"{path}\"")) && people.contains("发起积分续办"), "{people}");
    let (_, theirs) = get(&app, &other_hr, "/applicants").await;
    assert!(!theirs.contains("follow-up"), "another employer is offered nothing");

    // Only the HR agent of the person's employer; a kind or a person that is no such thing is
    // not found; the holder starts their own elsewhere.
    let other_csrf = app.csrf(&other_hr, "/applicants").await;
    let refused = app.post(&other_hr, &path, &[("csrf", &other_csrf), ("kind", "renewal")]).await;
    assert_eq!(refused.status(), StatusCode::NOT_FOUND);
    let refused = app.post(&holder, &path, &[("csrf", &holder_csrf), ("kind", "renewal")]).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let csrf = app.csrf(&hr, "/applicants").await;
    for (target, kind) in
        [(path.as_str(), "renewal\0"), (path.as_str(), "续办"), ("/applicants/abc/follow-up", "renewal")]
    {
        let odd = app.post(&hr, target, &[("csrf", &csrf), ("kind", kind)]).await;
        assert!(odd.status().is_client_error(), "{target} {kind:?}: {}", odd.status());
    }
    let forged = app.post(&hr, &path, &[("csrf", "forged"), ("kind", "renewal")]).await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);

    // Started: the renewal is the holder's, pre-filled, and the holder hears of it.
    let started = app.post(&hr, &path, &[("csrf", &csrf), ("kind", "renewal")]).await;
    assert_eq!(started.status(), StatusCode::SEE_OTHER);
    let renewal: ApplicationId = location(&started).rsplit('/').next().unwrap().parse().unwrap();
    let stored = app.store.application(renewal).await.unwrap().unwrap();
    assert_eq!(
        (stored.applicant_id, stored.kind, stored.state.as_str()),
        (holder_id, jifen_domain::ApplicationKind::Renewal, "draft")
    );
    assert_eq!(stored.fields.get("name"), "张伟明");
    let told = app.store.messages_to("13900000009").await.unwrap();
    assert!(told.iter().any(|m| m.body.contains("已为您发起积分续办")), "{told:?}");
    let (status, page) = get(&app, &holder, &format!("/applications/{renewal}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("积分续办"), "{page}");
    // Once started, it is not offered again, and a second start is refused by name.
    let (_, people) = get(&app, &hr, "/applicants").await;
    assert!(!people.contains(&format!("action=\"{path}\"")), "{people}");
    let again = app.post(&hr, &path, &[("csrf", &csrf), ("kind", "renewal")]).await;
    assert_eq!(again.status(), StatusCode::CONFLICT);
    assert!(again.text().await.unwrap().contains("该人员已有一份正在办理的申请"));
    let own = app.post(&holder, "/applications/follow-up", &[("csrf", &holder_csrf), ("kind", "renewal")]).await;
    assert_eq!(own.status(), StatusCode::CONFLICT, "the holder's own start, worded to them");
    assert!(own.text().await.unwrap().contains("您已有一份正在办理的申请"));
    let audited: Vec<String> =
        app.store.audit_of(&format!("application:{renewal}")).await.unwrap().into_iter().map(|e| e.action).collect();
    assert_eq!(audited, ["application_create"]);
}
