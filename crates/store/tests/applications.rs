//! The application store's contract, the same on SQLite and PostgreSQL: applicants and their
//! employers, applications moved only from the state and version they were read in, every
//! move with its event, audit entry and messages in one transaction, uploads kept and
//! superseded (never deleted), simulations and import jobs.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use jifen_domain::form::Fields;
use jifen_domain::{District, Role};
use jifen_ids::CreditCode;
use jifen_store::prelude::*;
use jifen_store::*;
use serde_json::json;
use std::collections::BTreeMap;

fn audit(action: &str) -> AuditEntry {
    AuditEntry {
        at: 1_000,
        actor_id: Some(UserId::new(1)),
        action: action.into(),
        subject: String::new(),
        details: json!({}),
    }
}

fn sms(key: &str, to: &str, body: &str) -> NewMessage {
    NewMessage {
        idempotency_key: key.into(),
        channel: "sms".into(),
        recipient: to.into(),
        body: body.into(),
        body_after_send: None,
    }
}

fn fields(pairs: &[(&str, &str)]) -> Fields {
    Fields::new(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect())
}

async fn employer<S: Repository>(store: &S, code: &str, agent: &str) -> (EmployerId, UserId) {
    let employer = NewEmployer {
        name: format!("单位 {agent}"),
        credit_code: CreditCode::parse(code).unwrap(),
        district: District::Pudong,
        contact_name: "张三".into(),
        contact_phone: "13800000000".into(),
    };
    let user = NewUser {
        username: agent.into(),
        display_name: agent.into(),
        password_hash: "x".into(),
        role: Role::HrAgent,
        district: None,
        employer_id: None,
        must_change_password: false,
    };
    let (employer, agent) =
        store.register_employer(&employer, &user, 1_000, &audit("employer_register")).await.unwrap();
    (employer.id, agent.id)
}

fn new_person(id_number: &str, name: &str) -> Registration {
    Registration {
        applicant: RegisteredApplicant::New(NewApplicant {
            id_number: id_number.into(),
            name: name.into(),
            mobile: "13900000001".into(),
            password_hash: "hash".into(),
        }),
        audit: audit("ignored"),
        messages: vec![NewMessage {
            body_after_send: Some("【居住证积分】账号已开通（初始密码已发送）".into()),
            ..sms(&format!("account-{id_number}"), "13900000001", "初始密码 abc123")
        }],
    }
}

async fn contract<S: Repository + ApplicationStore + BlacklistStore>(store: &S) {
    assert!(store.states_in_use().await.unwrap().is_empty(), "no application, no state");
    let (employer_a, agent_a) = employer(store, "91350100M000100Y43", "agent-a").await;
    let (employer_b, agent_b) = employer(store, "91110000802100433B", "agent-b").await;

    // Applicants: one account per person; a second employer links the same account.
    let ids = store
        .register_applicants(
            employer_a,
            agent_a,
            &[new_person("310101199005120016", "张伟明"), new_person("11010519491231002X", "李丽")],
            2_000,
        )
        .await
        .unwrap();
    let zhang = store.applicant(ids[0]).await.unwrap().unwrap();
    assert_eq!((zhang.name.as_str(), zhang.id_number.as_str()), ("张伟明", "310101199005120016"));
    let account = store.user_by_username("310101199005120016").await.unwrap().unwrap();
    assert_eq!((account.role, account.must_change_password), (Role::Applicant, true));
    assert_eq!(store.audit_of(&format!("user:{}", ids[0])).await.unwrap()[0].action, "applicant_register");
    // A batch with one taken ID number writes nothing at all.
    let batch = store
        .register_applicants(
            employer_b,
            agent_b,
            &[new_person("440524188001010014", "王五"), new_person("310101199005120016", "重复")],
            3_000,
        )
        .await;
    assert!(matches!(batch, Err(StoreError::Duplicate("applicant"))), "{batch:?}");
    assert!(store.applicant_by_id_number("440524188001010014").await.unwrap().is_none());
    assert!(store.messages_to("13900000001").await.unwrap().iter().all(|m| !m.idempotency_key.contains("4405")));
    let linked = Registration {
        applicant: RegisteredApplicant::Existing { user_id: zhang.user_id },
        audit: audit("ignored"),
        messages: vec![],
    };
    store.register_applicants(employer_b, agent_b, &[linked], 4_000).await.unwrap();
    let employments = store.employments(zhang.user_id).await.unwrap();
    assert_eq!(employments.iter().map(|e| e.employer_id).collect::<Vec<_>>(), [employer_b, employer_a]);
    // Opening an account links it at once; linking an existing one waits for consent.
    assert_eq!(employments.iter().map(|e| e.status).collect::<Vec<_>>(), [LinkStatus::Pending, LinkStatus::Active]);
    assert_eq!(store.applicants_of_employer(employer_a).await.unwrap().len(), 2);
    let of_b = store.applicants_of_employer(employer_b).await.unwrap();
    assert_eq!(of_b.iter().map(|(a, s)| (a.user_id, *s)).collect::<Vec<_>>(), [(zhang.user_id, LinkStatus::Pending)]);
    // The person decides: a pending link is accepted or declined once; an active one can be ended.
    let consent = audit("employment_accept");
    let accept = |to| store.set_link_status(zhang.user_id, employer_b, &[LinkStatus::Pending], to, 4_100, &consent);
    accept(LinkStatus::Declined).await.unwrap();
    assert!(matches!(accept(LinkStatus::Active).await, Err(StoreError::Conflict(_))), "decided already");
    // Asking again after a refusal makes the link pending again.
    let again = Registration {
        applicant: RegisteredApplicant::Existing { user_id: zhang.user_id },
        audit: audit("ignored"),
        messages: vec![],
    };
    store.register_applicants(employer_b, agent_b, &[again], 4_200).await.unwrap();
    accept(LinkStatus::Active).await.unwrap();
    assert_eq!(store.employments(zhang.user_id).await.unwrap()[0].status, LinkStatus::Active);

    // An initial password does not stay in the outbox once sent.
    let claimed = store.claim_messages("w", 5_000, 60_000, 10).await.unwrap();
    let account_sms = claimed.iter().find(|m| m.idempotency_key == "account-310101199005120016").unwrap();
    assert!(account_sms.body.contains("abc123"));
    store.mark_sent(account_sms.id, "w", 5_001).await.unwrap();
    let kept = store.messages_to("13900000001").await.unwrap();
    let kept = kept.iter().find(|m| m.idempotency_key == "account-310101199005120016").unwrap();
    assert!(!kept.body.contains("abc123") && kept.body.contains("账号已开通"), "{}", kept.body);

    // Applications: one in progress per person.
    let new = NewApplication {
        applicant_id: zhang.user_id,
        employer_id: employer_a,
        district: District::Pudong,
        state: "draft".into(),
        fields: fields(&[("name", "张伟明")]),
        kind: jifen_domain::ApplicationKind::New,
        follows_notice: None,
    };
    // The SMS that tell of a new application are queued with it, and only if it is made.
    let told = [sms("started-1", "13900000077", "已为您发起")];
    let application =
        store.create_application(&new, zhang.user_id, 6_000, &audit("application_create"), &told).await.unwrap();
    assert_eq!((application.state.as_str(), application.version, application.open), ("draft", 1, true));
    let told_again = [sms("started-2", "13900000077", "已为您发起")];
    let twice = store.create_application(&new, zhang.user_id, 6_001, &audit("application_create"), &told_again).await;
    assert!(matches!(twice, Err(StoreError::Duplicate("open application"))), "{twice:?}");
    let queued: Vec<String> =
        store.messages_to("13900000077").await.unwrap().into_iter().map(|m| m.idempotency_key).collect();
    assert_eq!(queued, ["started-1"]);

    // Drafts: saved on the version read; a stale version changes nothing.
    let draft = Draft { fields: fields(&[("name", "张伟明"), ("mobile", "13900000001")]), claimed_total: Some(96) };
    let saved = store.save_draft(application.id, "draft", 1, &draft, 7_000, &audit("application_save")).await.unwrap();
    assert_eq!((saved.version, saved.claimed_total, saved.fields.get("mobile")), (2, Some(96), "13900000001"));
    let stale = store.save_draft(application.id, "draft", 1, &draft, 7_001, &audit("application_save")).await;
    assert!(matches!(stale, Err(StoreError::Conflict(_))));

    // A move writes the state, the event, the audit entry and the messages together.
    let submit = Transition {
        action: "submit".into(),
        actor_id: Some(zhang.user_id),
        from_state: "draft".into(),
        to_state: "submitted".into(),
        open: true,
        expected_version: 2,
        comment: String::new(),
        claim: Some(json!({"id_number": "310101199005120016"})),
        claimed_total: Some(96),
        review: BTreeMap::new(),
        details: json!({}),
        notice: None,
    };
    let moved = store
        .transition_application(
            application.id,
            &submit,
            8_000,
            &AuditEntry { subject: format!("application:{}", application.id), ..audit("application_submit") },
            &[sms("submit-1", "13800000000", "已提交")],
        )
        .await
        .unwrap();
    assert_eq!((moved.state.as_str(), moved.version, moved.state_since), ("submitted", 3, 8_000));
    assert_eq!(moved.claim, Some(json!({"id_number": "310101199005120016"})));
    // The same move again (a double click, a second server) is refused and writes nothing.
    let again = store
        .transition_application(application.id, &submit, 8_001, &audit("x"), &[sms("submit-2", "13800000000", "x")])
        .await;
    assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");
    assert!(store.messages_to("13800000000").await.unwrap().iter().all(|m| m.idempotency_key != "submit-2"));
    let review = BTreeMap::from([("mobile".to_string(), "号码有误".to_string())]);
    let returned = Transition {
        action: "return".into(),
        actor_id: Some(agent_a),
        from_state: "submitted".into(),
        to_state: "returned".into(),
        expected_version: 3,
        comment: "请核对".into(),
        claim: None,
        claimed_total: None,
        review: review.clone(),
        ..submit.clone()
    };
    let back = store
        .transition_application(application.id, &returned, 9_000, &audit("application_return"), &[])
        .await
        .unwrap();
    assert_eq!(back.review, review);
    assert_eq!(back.claimed_total, Some(96), "kept when the move does not set it");
    let events = store.application_events(application.id).await.unwrap();
    let history: Vec<(&str, Option<&str>, &str)> =
        events.iter().map(|e| (e.action.as_str(), e.from_state.as_deref(), e.to_state.as_str())).collect();
    assert_eq!(
        history,
        [("create", None, "draft"), ("submit", Some("draft"), "submitted"), ("return", Some("submitted"), "returned")]
    );
    assert_eq!(events[2].comment, "请核对");
    assert_eq!(events[2].actor_name.as_deref(), Some("agent-a"));
    let subject = format!("application:{}", application.id);
    let actions: Vec<String> = store.audit_of(&subject).await.unwrap().into_iter().map(|e| e.action).collect();
    assert_eq!(actions, ["application_create", "application_submit"]);

    // Lists: each employer sees its own applications only.
    let of_a = store.applications_of_employer(employer_a).await.unwrap();
    assert_eq!(of_a.len(), 1);
    assert_eq!((of_a[0].applicant_name.as_str(), of_a[0].state.as_str()), ("张伟明", "returned"));
    assert!(store.applications_of_employer(employer_b).await.unwrap().is_empty());
    assert_eq!(store.applications_of_applicant(zhang.user_id).await.unwrap()[0].employer_name, "单位 agent-a");
    let returned_in_pudong = store.applications_in_district(District::Pudong, &["returned".into()]).await.unwrap();
    assert_eq!(returned_in_pudong.iter().map(|a| a.id).collect::<Vec<_>>(), [application.id]);
    assert!(store.applications_in_district(District::Xuhui, &["returned".into()]).await.unwrap().is_empty());
    assert!(store.applications_in_district(District::Pudong, &["filed".into()]).await.unwrap().is_empty());
    let in_use: Vec<String> = store.states_in_use().await.unwrap().iter().map(ToString::to_string).collect();
    assert_eq!(in_use, ["returned"], "each state an application is in, once");

    // Giving it to someone: only in the state it was seen in; the version stays; the list
    // names the holder and their role; the history and the audit log keep it.
    let assigned = store.assign_application(application.id, "filed", Some(agent_a), agent_a, 9_100, &audit("x")).await;
    assert!(matches!(assigned, Err(StoreError::Conflict(_))), "{assigned:?}");
    store
        .assign_application(application.id, "returned", Some(agent_a), agent_a, 9_100, &audit("application_assign"))
        .await
        .unwrap();
    let held = store.application(application.id).await.unwrap().unwrap();
    assert_eq!((held.assigned_to, held.version), (Some(agent_a), 4));
    let listed = &store.applications_in_district(District::Pudong, &["returned".into()]).await.unwrap()[0];
    let holder = listed.assigned_to.as_ref().unwrap();
    assert_eq!((holder.id, holder.name.as_str(), holder.role), (agent_a, "agent-a", Some(Role::HrAgent)));
    let last = store.application_events(application.id).await.unwrap().pop().unwrap();
    assert_eq!((last.action.as_str(), last.to_state.as_str(), last.actor_id), ("assign", "returned", Some(agent_a)));

    // A note (an original handed back) does not move it or change its version.
    let note = ApplicationNote {
        action: "originals_returned".into(),
        actor_id: agent_a,
        comment: "王经办 签收".into(),
        details: json!({ "materials": ["diploma"] }),
    };
    let wrong_state = store.note_application(application.id, "filed", &note, 9_200, &audit("x")).await;
    assert!(matches!(wrong_state, Err(StoreError::Conflict(_))), "{wrong_state:?}");
    store
        .note_application(application.id, "returned", &note, 9_200, &audit("application_originals_returned"))
        .await
        .unwrap();
    let noted = store.application(application.id).await.unwrap().unwrap();
    assert_eq!((noted.state.as_str(), noted.version), ("returned", 4));
    // The application with its applicant and employer, read in one statement, is what the
    // three reads give one by one.
    let parties = store.application_with_parties(application.id).await.unwrap().unwrap();
    assert_eq!(parties.application, noted);
    assert_eq!(parties.applicant, store.applicant(noted.applicant_id).await.unwrap().unwrap());
    assert_eq!(parties.employer, store.employer(noted.employer_id).await.unwrap().unwrap());
    assert_ne!(parties.applicant.created_at, parties.application.created_at, "each column from its own table");
    // With where the person's link to the employer stands.
    assert_eq!(parties.link, Some(LinkStatus::Active));
    let ended = audit("employment_end");
    store
        .set_link_status(zhang.user_id, employer_a, &[LinkStatus::Active], LinkStatus::Ended, 9_250, &ended)
        .await
        .unwrap();
    assert_eq!(store.application_with_parties(application.id).await.unwrap().unwrap().link, Some(LinkStatus::Ended));
    let again = audit("employment_accept");
    store
        .set_link_status(zhang.user_id, employer_a, &[LinkStatus::Ended], LinkStatus::Active, 9_260, &again)
        .await
        .unwrap();
    let missing = ApplicationId::new(application.id.get() + 1000);
    assert!(store.application_with_parties(missing).await.unwrap().is_none());
    let last = store.application_events(application.id).await.unwrap().pop().unwrap();
    assert_eq!(
        (last.action.as_str(), last.comment.as_str(), last.details["materials"][0].as_str()),
        ("originals_returned", "王经办 签收", Some("diploma"))
    );

    // A final state closes the application: a new one may start.
    let closing = Transition {
        action: "withdraw".into(),
        from_state: "returned".into(),
        to_state: "closed".into(),
        open: false,
        expected_version: 4,
        review: BTreeMap::new(),
        ..returned.clone()
    };
    // The closing move issues the holder's points notice, in the same transaction.
    let notice = |serial: &str| NewPointsNotice {
        serial: serial.into(),
        check_code: "ABCDEFGHJKLM".into(),
        holder_id: zhang.user_id,
        employer_id: employer_a,
        district: District::Pudong,
        total: 135,
        valid_until: "2027-11-28".into(),
        profile: None,
        details: json!({ "name": "张伟明", "co_residents": [{ "relation": "child", "name": "张小明" }] }),
    };
    let closing = Transition { notice: Some(notice("JF-1")), ..closing };
    let closed = store.transition_application(application.id, &closing, 9_500, &audit("x"), &[]).await.unwrap();
    assert!(!closed.open && closed.review.is_empty());
    let first = store.points_notice("JF-1").await.unwrap().unwrap();
    assert_eq!((first.application_id, first.total, first.superseded_at), (application.id, 135, None));
    assert_eq!(first.details["co_residents"][0]["name"], "张小明");
    assert_eq!(store.points_notice_of_application(application.id).await.unwrap(), Some(first.clone()));
    let next = store.create_application(&new, zhang.user_id, 9_600, &audit("application_create"), &[]).await.unwrap();
    // A later notice of the same holder supersedes the earlier one; both stay.
    let granted = Transition {
        from_state: "draft".into(),
        expected_version: next.version,
        notice: Some(notice("JF-2")),
        ..closing.clone()
    };
    store.transition_application(next.id, &granted, 9_700, &audit("x"), &[]).await.unwrap();
    let held = store.points_notices_of_holder(zhang.user_id).await.unwrap();
    assert_eq!(
        held.iter().map(|n| (n.serial.as_str(), n.superseded_at)).collect::<Vec<_>>(),
        [("JF-2", None), ("JF-1", Some(9_700))]
    );
    let duplicate = Transition { from_state: "closed".into(), expected_version: next.version + 1, ..granted.clone() };
    assert!(
        store.transition_application(next.id, &duplicate, 9_800, &audit("x"), &[]).await.is_err(),
        "a serial is unique"
    );
    assert_eq!(
        store.points_notices_of_holder(zhang.user_id).await.unwrap().len(),
        2,
        "and the failed move wrote nothing"
    );
    let reopened = store.create_application(&new, zhang.user_id, 9_900, &audit("application_create"), &[]).await;
    assert!(reopened.is_ok(), "{reopened:?}");

    // The blacklist: a finding's entries with their messages; events only added; one decision.
    let finding = |subject| NewBlacklistEntry {
        subject,
        application_id: application.id,
        district: District::Pudong,
        material: "diploma".into(),
        finding: "伪造".into(),
        evidence: "学信网".into(),
        respond_by: "2026-12-10".into(),
        recorded_by: agent_a,
    };
    let ids = store
        .record_findings(
            &[finding(BlacklistSubject::Person(zhang.user_id)), finding(BlacklistSubject::Employer(employer_a))],
            9_950,
            &audit("blacklist_record"),
            &[sms("blacklist-1", "13800000000", "核查")],
        )
        .await
        .unwrap();
    assert_eq!(ids.len(), 2);
    let mine =
        store.blacklist(BlacklistQuery { person_id: Some(zhang.user_id), ..BlacklistQuery::default() }).await.unwrap();
    assert_eq!(mine.iter().map(|e| (e.id, e.subject_name.as_str())).collect::<Vec<_>>(), [(ids[0], "张伟明")]);
    let employer =
        store.blacklist(BlacklistQuery { employer_id: Some(employer_a), ..BlacklistQuery::default() }).await.unwrap();
    assert_eq!((employer.len(), employer[0].subject), (1, BlacklistSubject::Employer(employer_a)));
    assert_eq!(store.blacklist(BlacklistQuery::default()).await.unwrap().len(), 2);
    let event = |kind: &str| BlacklistEvent {
        at: 9_960,
        actor_id: Some(agent_a),
        actor_name: None,
        kind: kind.into(),
        text: "意见".into(),
        effective_until: (kind == "confirmed").then(|| "2029-12-01".into()),
    };
    store.add_blacklist_event(ids[0], &event("response"), &audit("x"), &[]).await.unwrap();
    store.add_blacklist_event(ids[0], &event("confirmed"), &audit("x"), &[]).await.unwrap();
    let second = store.add_blacklist_event(ids[0], &event("dismissed"), &audit("x"), &[]).await;
    assert!(matches!(second, Err(StoreError::Duplicate(_))), "one decision an entry: {second:?}");
    let one = store.blacklist(BlacklistQuery { entry_id: Some(ids[0]), ..BlacklistQuery::default() }).await.unwrap();
    let kinds: Vec<(&str, Option<&str>)> =
        one[0].events.iter().map(|e| (e.kind.as_str(), e.effective_until.as_deref())).collect();
    assert_eq!(kinds, [("response", None), ("confirmed", Some("2029-12-01"))]);
    assert_eq!(one[0].events[0].actor_name.as_deref(), Some("agent-a"));
    let of_application = BlacklistQuery { application_id: Some(application.id), ..BlacklistQuery::default() };
    let entries = store.blacklist(of_application).await.unwrap();
    let shape: Vec<(BlacklistEntryId, usize)> = entries.iter().map(|e| (e.id, e.events.len())).collect();
    assert_eq!(shape, [(ids[1], 0), (ids[0], 2)], "the application's entries, newest first, each with its own events");
    let narrowed = BlacklistQuery { employer_id: Some(employer_a), ..of_application };
    assert_eq!(store.blacklist(narrowed).await.unwrap().iter().map(|e| e.id).collect::<Vec<_>>(), [ids[1]]);
    let elsewhere =
        BlacklistQuery { application_id: Some(ApplicationId::new(application.id.get() + 1000)), ..narrowed };
    assert!(store.blacklist(elsewhere).await.unwrap().is_empty());

    // Uploads: identical content stored once; a new file for a material supersedes the old.
    let upload = |material: &str, name: &str, bytes: &[u8]| {
        let upload = NewUpload {
            application_id: application.id,
            material: material.into(),
            filename: name.into(),
            content_type: "application/pdf".into(),
            sha256: format!("{:0>64}", bytes.len()),
            bytes: bytes.to_vec(),
        };
        (upload, audit("upload"))
    };
    let [first] = <[Upload; 1]>::try_from(
        store.add_uploads(&[upload("id_card", "身份证.pdf", b"%PDF-1 a")], zhang.user_id, 10_000).await.unwrap(),
    )
    .unwrap();
    assert_eq!((first.size, first.filename.as_str(), first.superseded), (8, "身份证.pdf", false));
    // Several files in one transaction: each is what is read back, and the same material's
    // earlier file is superseded.
    let both = [upload("id_card", "身份证2.pdf", b"%PDF-1 bb"), upload("diploma", "毕业证.pdf", b"%PDF-1 ccc")];
    let added = store.add_uploads(&both, zhang.user_id, 11_000).await.unwrap();
    let current = store.uploads(application.id).await.unwrap();
    assert_eq!(current, added);
    assert_eq!(
        current.iter().map(|u| (u.material.as_str(), u.size)).collect::<Vec<_>>(),
        [("id_card", 9), ("diploma", 10)]
    );
    assert!(store.upload(first.id).await.unwrap().unwrap().superseded, "kept, marked superseded");
    // Two files for one material in one batch: the later is the current one, the earlier
    // kept and marked superseded; each comes back as it was stored, in the order given.
    let twice = [
        upload("photo", "1.jpg", b"%PDF-1 dd"),
        upload("photo", "2.jpg", b"%PDF-1 dd"),
        upload("hukou", "h.pdf", b"%PDF-1 eee"),
    ];
    let added = store.add_uploads(&twice, zhang.user_id, 11_050).await.unwrap();
    assert_eq!(
        added.iter().map(|u| (u.filename.as_str(), u.superseded)).collect::<Vec<_>>(),
        [("1.jpg", true), ("2.jpg", false), ("h.pdf", false)]
    );
    assert!(added[0].id < added[1].id && added[1].id < added[2].id, "ids in the order given: {added:?}");
    for upload in &added {
        assert_eq!(store.upload(upload.id).await.unwrap().as_ref(), Some(upload), "read back as returned");
    }
    let photos: Vec<String> = store
        .uploads(application.id)
        .await
        .unwrap()
        .into_iter()
        .filter(|u| u.material == "photo")
        .map(|u| u.filename)
        .collect();
    assert_eq!(photos, ["2.jpg"]);
    // Odd names as they are kept (the service cleans control characters before): emoji and
    // three hundred characters come back as written.
    let long = format!("证明😀{}.pdf", "长".repeat(300));
    let [odd] = <[Upload; 1]>::try_from(
        store.add_uploads(&[upload("hukou", &long, b"%PDF-1 ffff")], zhang.user_id, 11_060).await.unwrap(),
    )
    .unwrap();
    assert_eq!(store.upload(odd.id).await.unwrap().unwrap().filename, long);
    // Two uploads for the same material at once leave one current file, not two.
    for round in 0..10 {
        let (a, b) =
            ([upload("residence_permit", "a.pdf", b"%PDF-1 a")], [upload("residence_permit", "b.pdf", b"%PDF-1 b")]);
        let (x, y) = tokio::join!(
            store.add_uploads(&a, zhang.user_id, 11_100 + round),
            store.add_uploads(&b, zhang.user_id, 11_100 + round)
        );
        x.unwrap();
        y.unwrap();
        let current = store.uploads(application.id).await.unwrap();
        assert_eq!(current.iter().filter(|u| u.material == "residence_permit").count(), 1, "round {round}");
    }
    assert_eq!(store.blob(&first.sha256).await.unwrap().unwrap(), b"%PDF-1 a");
    assert!(store.blob("nothing").await.unwrap().is_none());

    // Simulations: the latest one is the one used.
    assert!(store.latest_simulation(zhang.user_id).await.unwrap().is_none());
    store.save_simulation(zhang.user_id, &fields(&[("edu_level", "master")]), 12_000).await.unwrap();
    store.save_simulation(zhang.user_id, &fields(&[("edu_level", "doctor")]), 12_001).await.unwrap();
    assert_eq!(store.latest_simulation(zhang.user_id).await.unwrap().unwrap().get("edu_level"), "doctor");

    // Import jobs: progress while running, finished once.
    let job = store.create_import_job(employer_a, agent_a, 40, &json!({"problems": 2}), 13_000).await.unwrap();
    assert_eq!((job.status, job.processed), (ImportStatus::Running, 0));
    store.import_progress(job.id, 25, 13_500).await.unwrap();
    assert_eq!(store.import_job(job.id).await.unwrap().unwrap().processed, 25);
    store.finish_import_job(job.id, ImportStatus::Done, &json!({"created": 38}), 14_000).await.unwrap();
    let done = store.import_job(job.id).await.unwrap().unwrap();
    assert_eq!((done.status, done.processed, done.report["created"].as_i64()), (ImportStatus::Done, 40, Some(38)));
    assert!(store.finish_import_job(job.id, ImportStatus::Failed, &json!({}), 15_000).await.is_err());

    // A full view of personal data is recorded.
    let view = AuditEntry { subject: "application:1".into(), ..audit("application_view") };
    store.record_audit(&view).await.unwrap();
    assert!(store.audit_of("application:1").await.unwrap().iter().any(|e| e.action == "application_view"));

    // The same save, and the same move, sent twice at the same instant (two servers, a double
    // click): one of each is made, the other refused, and only one is recorded.
    let li = store.applicant_by_id_number("11010519491231002X").await.unwrap().unwrap().user_id;
    let of_li = NewApplication { applicant_id: li, ..new.clone() };
    let started = store.create_application(&of_li, li, 16_000, &audit("application_create"), &[]).await.unwrap();
    let (saving, moving) = (audit("application_save"), audit("application_submit"));
    let save = || store.save_draft(started.id, "draft", started.version, &draft, 16_100, &saving);
    let (x, y) = tokio::join!(save(), save());
    assert_eq!([&x, &y].iter().filter(|saved| saved.is_ok()).count(), 1, "{x:?} {y:?}");
    assert!([&x, &y].iter().any(|saved| matches!(saved, Err(StoreError::Conflict(_)))), "{x:?} {y:?}");
    let submit_li = Transition { expected_version: started.version + 1, ..submit.clone() };
    let messages = [sms("li-submit", "13900000002", "已提交")];
    let move_once = || store.transition_application(started.id, &submit_li, 16_200, &moving, &messages);
    let (x, y) = tokio::join!(move_once(), move_once());
    let moved: Vec<_> = [&x, &y].into_iter().filter_map(|moved| moved.as_ref().ok()).collect();
    assert_eq!(moved.len(), 1, "{x:?} {y:?}");
    assert_eq!((moved[0].state.as_str(), moved[0].version), ("submitted", started.version + 2));
    let events = store.application_events(started.id).await.unwrap();
    assert_eq!(events.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(), ["create", "submit"]);
    let sent = store.messages_to("13900000002").await.unwrap();
    assert_eq!(sent.iter().filter(|m| m.idempotency_key == "li-submit").count(), 1);

    // The latest of a final state, newest first, a page at a time, searched by name or ID
    // number (what LIKE reads as a wildcard matches only itself).
    let latest =
        |search: Option<&'static str>, limit| store.latest_in_district_state(District::Pudong, "closed", search, limit);
    let ids = |listings: Vec<ApplicationListing>| listings.iter().map(|a| a.id).collect::<Vec<_>>();
    assert_eq!(ids(latest(None, 10).await.unwrap()), [next.id, application.id]);
    assert_eq!(ids(latest(None, 1).await.unwrap()), [next.id]);
    assert_eq!(ids(latest(Some("伟明"), 10).await.unwrap()), [next.id, application.id]);
    assert_eq!(ids(latest(Some("99005120016"), 10).await.unwrap()), [next.id, application.id]);
    for nothing in ["李丽", "%", "_", "\\", "张%"] {
        assert!(latest(Some(nothing), 10).await.unwrap().is_empty(), "{nothing}");
    }
    assert!(store.latest_in_district_state(District::Xuhui, "closed", None, 10).await.unwrap().is_empty());
    // A whole ID number: that person's applications at the centre, the latest in its state first.
    let of_person = |district, id_number| store.applications_of_person_in_district(district, id_number);
    let reopened = reopened.unwrap();
    assert_eq!(
        ids(of_person(District::Pudong, "310101199005120016").await.unwrap()),
        [reopened.id, next.id, application.id]
    );
    assert!(of_person(District::Xuhui, "310101199005120016").await.unwrap().is_empty());
    assert!(of_person(District::Pudong, "310101199005120024").await.unwrap().is_empty());

    // Each state in use once, in order, though two applications are closed.
    let in_use: Vec<String> = store.states_in_use().await.unwrap().iter().map(ToString::to_string).collect();
    assert_eq!(in_use, ["closed", "draft", "submitted"]);

    // What a dashboard counts, counted by the database. Li's application is filed, sent back
    // for a correction, filed again and granted a notice (a negative total, to pin the band's
    // rounding down).
    let mut version = started.version + 2;
    for (action, from, to, at) in [
        ("file", "submitted", "filed", 17_000),
        ("ask_correction", "filed", "correction", 17_100),
        ("file", "correction", "filed", 17_200),
        ("grant", "filed", "closed", 17_300),
    ] {
        let notice = (action == "grant").then(|| NewPointsNotice {
            serial: "JF-3".into(),
            holder_id: li,
            total: -5,
            valid_until: "2027-06-30".into(),
            ..notice("JF-3")
        });
        let open = action != "grant";
        let step = Transition {
            action: action.into(),
            from_state: from.into(),
            to_state: to.into(),
            open,
            expected_version: version,
            notice,
            ..submit.clone()
        };
        version = store.transition_application(started.id, &step, at, &audit("x"), &[]).await.unwrap().version;
    }
    let asked: Vec<jifen_domain::workflow::StateId> = vec!["closed".into(), "draft".into(), "filed".into()];
    let counts = |district| store.application_counts(district, &asked);
    let mut in_pudong = counts(Some(District::Pudong)).await.unwrap();
    in_pudong.sort();
    let expected = [(District::Pudong, "closed".into(), 3), (District::Pudong, "draft".into(), 1)];
    assert_eq!(in_pudong, expected, "only the states asked for that have any");
    let mut in_city = counts(None).await.unwrap();
    in_city.sort();
    assert_eq!(in_city, in_pudong);
    assert!(counts(Some(District::Xuhui)).await.unwrap().is_empty());
    assert!(store.application_counts(None, &[]).await.unwrap().is_empty());

    let tally = |district, since, days| store.tally_moves_since(district, &["ask_correction", "grant"], since, days);
    let tallied = |action: &str, days, count| MoveTally { action: action.into(), days, count };
    assert_eq!(
        tally(Some(District::Pudong), 17_050, None).await.unwrap(),
        [tallied("ask_correction", None, 1), tallied("grant", None, 1)]
    );
    // Days after the latest filing before each move, in a time zone: 17 200 ms after the
    // epoch is still the epoch's day, unless the zone's midnight falls between.
    assert_eq!(
        tally(Some(District::Pudong), 17_050, Some(0)).await.unwrap(),
        [tallied("ask_correction", Some(0), 1), tallied("grant", Some(0), 1)]
    );
    let midnight_between = 86_400_000 - 17_250;
    assert_eq!(
        tally(None, 17_300, Some(midnight_between)).await.unwrap(),
        [tallied("grant", Some(1), 1)],
        "since is included; the grant is the day after its latest filing"
    );
    assert!(tally(None, 17_301, None).await.unwrap().is_empty());
    assert!(tally(Some(District::Xuhui), 0, None).await.unwrap().is_empty());
    let withdrawn = store.tally_moves_since(None, &["withdraw"], 0, Some(0)).await.unwrap();
    assert_eq!(withdrawn, [tallied("withdraw", None, 2)], "never filed: no days");
    assert!(store.tally_moves_since(None, &[], 0, None).await.unwrap().is_empty());

    // Notices in force (JF-1 is superseded) by band, and by the day they end.
    let bands = |district, today| store.notice_score_bands(district, today, 10);
    assert_eq!(bands(None, "2027-06-30").await.unwrap(), [(-10, 1), (130, 1)]);
    assert_eq!(bands(Some(District::Pudong), "2027-07-01").await.unwrap(), [(130, 1)], "JF-3 has ended");
    assert!(bands(Some(District::Xuhui), "2027-01-01").await.unwrap().is_empty());
    let ending = |from, until| store.current_notices_ending_between(None, from, until);
    let serials = |notices: Vec<PointsNotice>| notices.into_iter().map(|n| n.serial).collect::<Vec<_>>();
    assert_eq!(serials(ending("2027-06-30", "2027-11-28").await.unwrap()), ["JF-3", "JF-2"], "soonest first");
    assert_eq!(serials(ending("2027-11-28", "2027-11-28").await.unwrap()), ["JF-2"], "not the superseded JF-1");
    assert!(ending("2027-07-01", "2027-11-27").await.unwrap().is_empty());
    let in_pudong = store.current_notices_ending_between(Some(District::Pudong), "2027-01-01", "2027-12-31").await;
    assert_eq!(serials(in_pudong.unwrap()), ["JF-3", "JF-2"]);
    let in_xuhui = store.current_notices_ending_between(Some(District::Xuhui), "2027-01-01", "2027-12-31").await;
    assert!(in_xuhui.unwrap().is_empty());

    // The audit log by district: a view of an application by someone who is not the
    // district's staff (agent A) counts for the district once the application was filed
    // with it (Li's), never while it was not (Zhang's reopened draft).
    let viewed = |id: ApplicationId| AuditEntry { at: 18_000, subject: format!("application:{id}"), ..audit("view") };
    store.record_audit(&viewed(started.id)).await.unwrap();
    store.record_audit(&viewed(reopened.id)).await.unwrap();
    let views_in =
        |district| AuditQuery { district: Some(district), from: Some(18_000), limit: 10, ..Default::default() };
    let subjects = |records: Vec<AuditRecord>| records.into_iter().map(|r| r.subject).collect::<Vec<_>>();
    let in_pudong = store.search_audit(&views_in(District::Pudong)).await.unwrap();
    assert_eq!(subjects(in_pudong), [format!("application:{}", started.id)], "the filed one, not the draft");
    assert!(store.search_audit(&views_in(District::Xuhui)).await.unwrap().is_empty());
}

/// Unique in this machine's temporary directory, even for tests started in one clock tick.
fn unique() -> String {
    jifen_store::testing::unique_suffix()
}

#[tokio::test]
async fn sqlite_keeps_the_application_contract() {
    let dir = std::env::temp_dir().join(format!("jifen-store-apps-{}-{}", std::process::id(), unique()));
    std::fs::create_dir_all(&dir).unwrap();
    let store = SqliteStore::open(&dir.join("jifen.sqlite")).await.unwrap();
    contract(&store).await;
    store.close().await;
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
#[ignore = "needs PostgreSQL: set JIFEN_TEST_POSTGRES_URL and run with --ignored (.ci/run does)"]
async fn postgres_keeps_the_application_contract() {
    let database = jifen_store::testing::TestDatabase::create("apps").await.expect("PostgreSQL must be reachable");
    let store = PgStore::connect(&database.url).await.unwrap();
    contract(&store).await;
    store.close().await;
    database.drop_database().await.unwrap();
}
