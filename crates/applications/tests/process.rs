//! The application process without the web: accounts opened by an employer, an application
//! carried from the form to the employer's filing with its audit entries and SMS, the
//! roster import, the materials, the printed form, and every refusal of someone else's data.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use jifen_applications::{Actor, RegisterOutcome, Service, ServiceError};
use jifen_domain::form::Fields;
use jifen_domain::materials::MaterialStatus;
use jifen_domain::workflow::StateId;
use jifen_domain::{District, Role};
use jifen_ids::CreditCode;
use jifen_store::prelude::*;
use jifen_store::*;
use serde_json::json;
use std::collections::BTreeMap;

struct World {
    service: Service,
    agent_a: Actor,
    agent_b: Actor,
    clerk_pudong: Actor,
    clerk_xuhui: Actor,
}

fn entry() -> AuditEntry {
    AuditEntry { at: 0, actor_id: None, action: "setup".into(), subject: "setup".into(), details: json!({}) }
}

fn user(username: &str, role: Role, district: Option<District>) -> NewUser {
    NewUser {
        username: username.into(),
        display_name: username.into(),
        password_hash: "x".into(),
        role,
        district,
        employer_id: None,
        must_change_password: false,
    }
}

async fn verified_employer(store: &Store, code: &str, agent: &str, phone: &str, clerk: UserId) -> Actor {
    let employer = NewEmployer {
        name: format!("{agent} 科技有限公司"),
        credit_code: CreditCode::parse(code).unwrap(),
        district: District::Pudong,
        contact_name: agent.into(),
        contact_phone: phone.into(),
    };
    let (employer, agent) =
        store.register_employer(&employer, &user(agent, Role::HrAgent, None), 0, &entry()).await.unwrap();
    store.decide_employer(employer.id, EmployerStatus::Verified, clerk, 0, &entry()).await.unwrap();
    Actor::from(&agent)
}

async fn world() -> World {
    let dir = jifen_store::testing::temp_dir("process").unwrap();
    world_on(Store::open(dir.join("jifen.sqlite").to_str().unwrap()).await.unwrap()).await
}

/// Runs a test of the process on SQLite, and on PostgreSQL when asked (`--ignored`, with
/// JIFEN_TEST_POSTGRES_URL; .ci/run does): the same steps, the same assertions. On
/// PostgreSQL no statement may read a table whole for want of any index it could use: that
/// costs nothing in a test's few rows and a second a page beside a centre's years of history.
macro_rules! on_both_databases {
    ($test:ident) => {
        mod $test {
            #[tokio::test]
            async fn on_sqlite() {
                super::$test(super::world().await).await;
            }

            #[tokio::test]
            #[ignore = "needs PostgreSQL: set JIFEN_TEST_POSTGRES_URL and run with --ignored (.ci/run does)"]
            async fn on_postgres() {
                let database = jifen_store::testing::TestDatabase::create("process").await.expect("PostgreSQL");
                let url = database.url_without_needless_scans();
                // Migrations read tables whole (building indexes): counted before the test.
                jifen_store::Store::open(&url).await.unwrap().close().await;
                let migrated = database.sequential_scans().await.unwrap();
                let store = jifen_store::Store::open(&url).await.unwrap();
                super::$test(super::world_on(store.clone()).await).await;
                store.close().await;
                let scans = database.sequential_scans_since(&migrated).await.unwrap();
                assert!(
                    scans.is_empty(),
                    "tables read whole where no index served the statement: {scans:?} (seq_scan counts)"
                );
                database.drop_database().await.unwrap();
            }
        }
    };
}

async fn world_on(store: Store) -> World {
    let clerk_pudong =
        store.create_user(&user("clerk-pd", Role::Clerk, Some(District::Pudong)), 0, &entry()).await.unwrap();
    let clerk_xuhui =
        store.create_user(&user("clerk-xh", Role::Clerk, Some(District::Xuhui)), 0, &entry()).await.unwrap();
    let agent_a = verified_employer(&store, "91350100M000100Y43", "agent-a", "13800000001", clerk_pudong.id).await;
    let agent_b = verified_employer(&store, "91110000802100433B", "agent-b", "13800000002", clerk_pudong.id).await;
    World {
        service: Service::new(store).unwrap(),
        agent_a,
        agent_b,
        clerk_pudong: Actor::from(&clerk_pudong),
        clerk_xuhui: Actor::from(&clerk_xuhui),
    }
}

async fn applicant(world: &World, id_number: &str) -> Actor {
    let user = world.service.store.user_by_username(id_number).await.unwrap().unwrap();
    Actor::from(&user)
}

fn fields(pairs: &[(&str, &str)]) -> Fields {
    Fields::new(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect())
}

fn complete_form() -> Fields {
    fields(&[
        ("name", "张伟明"),
        ("permit_number", "SH2024000123"),
        ("mobile", "13900000009"),
        ("address", "上海市浦东新区世纪大道 100 号"),
        ("post", "软件工程师"),
        ("contract_from", "2020-01-01"),
        ("edu_level", "bachelor"),
        ("edu_degree", "on"),
        ("si_from_0", "2019-01"),
        ("si_to_0", "2025-05"),
        ("si_base_0", "12000"),
        ("family_relation_0", "child"),
        ("family_name_0", "张小明"),
    ])
}

on_both_databases!(an_application_goes_from_account_to_filing_with_audit_and_sms);
async fn an_application_goes_from_account_to_filing_with_audit_and_sms(world: World) {
    let service = &world.service;
    let outcome =
        service.register_applicant(&world.agent_a, "张伟明", "310101199005120016", "13900000009").await.unwrap();
    let RegisterOutcome::Created { user_id } = outcome else { panic!("{outcome:?}") };
    // The initial password went by SMS; the account must change it.
    let sms = service.store.messages_to("13900000009").await.unwrap();
    assert_eq!(sms.len(), 1);
    assert!(sms[0].body.contains("初始密码") && sms[0].body.contains("agent-a 科技有限公司"), "{}", sms[0].body);
    let zhang = applicant(&world, "310101199005120016").await;
    assert_eq!(zhang.id, user_id);
    assert!(service.store.user_by_id(user_id).await.unwrap().unwrap().must_change_password);
    // Registering the same person again changes nothing; another employer links the account.
    let again =
        service.register_applicant(&world.agent_a, "张伟明", "310101199005120016", "13900000009").await.unwrap();
    assert_eq!(again, RegisterOutcome::Unchanged { user_id });
    let linked =
        service.register_applicant(&world.agent_b, "张伟明", "310101199005120016", "13900000009").await.unwrap();
    assert_eq!(linked, RegisterOutcome::Linked { user_id });
    assert!(service.store.messages_to("13900000009").await.unwrap()[1].body.contains("确认"));
    // Until the person consents, the new employer sees nothing of them.
    let of_b = service.employer_applicants(&world.agent_b).await.unwrap();
    assert_eq!(of_b[0].link, jifen_store::LinkStatus::Pending);
    assert!(of_b[0].applicant.name.is_empty() && of_b[0].applicant.mobile.is_empty());
    let employer_b = world.agent_b.employer_id.unwrap();
    service.decide_link(&zhang, employer_b, jifen_applications::LinkDecision::Accept).await.unwrap();
    assert_eq!(service.employer_applicants(&world.agent_b).await.unwrap()[0].applicant.name, "张伟明");

    // The application starts with the current employer (the last to register the person).
    service.save_simulation(&zhang, fields(&[("edu_level", "master"), ("as_of", "2020-01-01")])).await.unwrap();
    let application = service.start_application(&zhang, true).await.unwrap();
    assert_eq!(application.employer_id, world.agent_b.employer_id.unwrap());
    assert_eq!(application.fields.get("edu_level"), "master", "pre-filled from the simulation");
    assert_eq!(application.fields.get("as_of"), "", "the application date is not the simulation's");
    assert_eq!(application.fields.get("name"), "张伟明");
    let twice = service.start_application(&zhang, false).await.unwrap_err();
    assert_eq!(twice.code(), "application_in_progress");

    // A draft saves whatever is typed; submitting checks the whole form.
    let draft =
        service.save_draft(&zhang, application.id, 1, fields(&[("name", "张伟明"), ("csrf", "x")])).await.unwrap();
    assert_eq!(draft.fields.get("csrf"), "", "only the form's own fields are kept");
    let refused = service.act(&zhang, application.id, draft.version, "submit", "", BTreeMap::new()).await.unwrap_err();
    let ServiceError::Invalid(problems) = refused else { panic!("{refused:?}") };
    assert!(problems.iter().any(|p| p.field == "permit_number"));
    let draft = service.save_draft(&zhang, application.id, draft.version, complete_form()).await.unwrap();
    assert!(draft.claimed_total.unwrap() > 0);
    let stale = service.save_draft(&zhang, application.id, 1, complete_form()).await.unwrap_err();
    assert_eq!(stale.code(), "changed_meanwhile");
    // Submission waits for the basic documents, and names each one missing.
    let waiting = service.act(&zhang, application.id, draft.version, "submit", "", BTreeMap::new()).await.unwrap_err();
    assert_eq!(waiting.code(), "materials_missing");
    let message = waiting.message(jifen_rules::Lang::Zh);
    assert!(
        message.contains("居民身份证") && message.contains("上海市居住证") && message.contains("劳动合同"),
        "{message}"
    );
    assert!(!message.contains("学历证书"), "what filing needs is not asked for yet: {message}");
    let view = service.view(&zhang, application.id).await.unwrap();
    let status = |view: &jifen_applications::ApplicationView, id: &str| {
        view.checklist.iter().find(|(m, _)| m.id == id).map(|(_, status)| *status).unwrap()
    };
    assert_eq!(status(&view, "id_card"), MaterialStatus::Missing);
    assert_eq!(status(&view, "diploma"), MaterialStatus::NotNeededYet);
    assert_eq!(status(&view, "application_form"), MaterialStatus::AtCounter);
    let stamped =
        service.upload_material(&zhang, application.id, "application_form", "f.pdf", b"%PDF-1.4".to_vec()).await;
    assert_eq!(stamped.unwrap_err().code(), "at_counter", "the stamped form is brought, not uploaded");
    // Several files at once (the form sends every file chosen on it): one refused keeps none,
    // and the refusal names the material whose file it is.
    let file = |material: &str, bytes: &[u8]| jifen_applications::ChosenFile {
        material: material.into(),
        filename: "scan.pdf".into(),
        bytes: bytes.to_vec(),
    };
    let mixed = vec![file("id_card", b"%PDF-1.4 scan"), file("residence_permit", b"<html>not a pdf</html>")];
    let refused = service.upload_materials(&zhang, application.id, mixed).await.unwrap_err();
    assert_eq!(refused.code(), "file_type");
    assert!(
        refused.message(jifen_rules::Lang::Zh).starts_with("上海市居住证："),
        "{}",
        refused.message(jifen_rules::Lang::Zh)
    );
    assert_eq!(status(&service.view(&zhang, application.id).await.unwrap(), "id_card"), MaterialStatus::Missing);
    // More files than the checklist has materials is no form's upload: refused, none kept.
    let listed = service.view(&zhang, application.id).await.unwrap().checklist.len();
    let flood = (0..=listed).map(|_| file("id_card", b"%PDF-1.4 scan")).collect();
    let refused = service.upload_materials(&zhang, application.id, flood).await.unwrap_err();
    assert_eq!(refused.code(), "too_many_files");
    assert_eq!(status(&service.view(&zhang, application.id).await.unwrap(), "id_card"), MaterialStatus::Missing);
    for material in ["id_card", "residence_permit", "labour_contract"] {
        service.upload_material(&zhang, application.id, material, "scan.pdf", b"%PDF-1.4 scan".to_vec()).await.unwrap();
    }
    assert_eq!(status(&service.view(&zhang, application.id).await.unwrap(), "id_card"), MaterialStatus::Uploaded);
    let submitted = service.act(&zhang, application.id, draft.version, "submit", "", BTreeMap::new()).await.unwrap();
    assert_eq!(submitted.state, "submitted");
    // The applicant can still add a scan while the employer reviews.
    service
        .upload_material(&zhang, application.id, "diploma", "毕业证.pdf", b"%PDF-1.4 diploma".to_vec())
        .await
        .unwrap();
    assert_eq!(submitted.claim.as_ref().unwrap()["id_number"], "310101199005120016");
    assert!(service.save_draft(&zhang, application.id, submitted.version, complete_form()).await.is_err());

    // The employer returns it with a comment on one field; the applicant fixes and resubmits.
    let comments = BTreeMap::from([("permit_number".to_string(), "居住证号码与证件不符".to_string())]);
    let no_comment =
        service.act(&world.agent_b, application.id, submitted.version, "return", "", BTreeMap::new()).await;
    assert_eq!(no_comment.unwrap_err().code(), "comment_required");
    let returned = service
        .act(&world.agent_b, application.id, submitted.version, "return", "请核对后重新提交", comments)
        .await
        .unwrap();
    assert_eq!(returned.review["permit_number"], "居住证号码与证件不符");
    let fixed = {
        let mut form = complete_form();
        form.set("permit_number", "SH2024000124");
        service.save_draft(&zhang, application.id, returned.version, form).await.unwrap()
    };
    service
        .upload_material(&zhang, application.id, "id_card", "新身份证.pdf", b"%PDF-1.4 again".to_vec())
        .await
        .unwrap();
    let resubmitted = service.act(&zhang, application.id, fixed.version, "submit", "", BTreeMap::new()).await.unwrap();
    assert!(resubmitted.review.is_empty(), "comments are cleared by the resubmission");
    // The employer sees what changed since it returned the form: the field and the new file.
    let changes = service.view(&world.agent_b, application.id).await.unwrap().changes_since_return.unwrap();
    assert_eq!(changes.fields, [("permit_number".into(), "SH2024000123".into(), "SH2024000124".into())]);
    assert_eq!(changes.materials, ["id_card"]);
    assert!(service.view(&zhang, application.id).await.unwrap().changes_since_return.is_none());
    let approved =
        service.act(&world.agent_b, application.id, resubmitted.version, "approve", "", BTreeMap::new()).await.unwrap();
    // Filing waits for every document the claim needs.
    let waiting = service.act(&world.agent_b, application.id, approved.version, "file", "", BTreeMap::new()).await;
    let message = waiting.unwrap_err().message(jifen_rules::Lang::Zh);
    assert!(
        message.contains("学位证书") && message.contains("出生医学证明") && !message.contains("学历证书"),
        "{message}"
    );
    for material in ["degree_certificate", "child_birth_certificate"] {
        service
            .upload_material(&world.agent_b, application.id, material, "s.pdf", b"%PDF-1.4 s".to_vec())
            .await
            .unwrap();
    }
    let filed =
        service.act(&world.agent_b, application.id, approved.version, "file", "", BTreeMap::new()).await.unwrap();
    assert_eq!((filed.state.as_str(), filed.open), ("filed", true));

    // Every move is in the history, the audit log, and sent its SMS.
    let actions: Vec<String> =
        service.store.application_events(application.id).await.unwrap().into_iter().map(|e| e.action).collect();
    assert_eq!(actions, ["create", "submit", "return", "submit", "approve", "file"]);
    let audited: Vec<String> = service
        .store
        .audit_of(&format!("application:{}", application.id))
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    for action in [
        "application_create",
        "application_save",
        "application_submit",
        "application_return",
        "application_approve",
        "application_file",
    ] {
        assert!(audited.iter().any(|a| a == action), "{action} missing from {audited:?}");
    }
    let to_applicant: Vec<String> =
        service.store.messages_to("13900000009").await.unwrap().into_iter().map(|m| m.body).collect();
    // The return SMS carries the overall comment and the field's, in short.
    assert!(
        to_applicant.iter().any(|b| b.contains("退回修改：请核对后重新提交；居住证号码与证件不符")),
        "{to_applicant:?}"
    );
    assert!(to_applicant.iter().any(|b| b.contains("已通过")));
    assert!(to_applicant.iter().any(|b| b.contains("已提交您的积分申请")));
    let to_employer = service.store.messages_to("13800000002").await.unwrap();
    assert_eq!(to_employer.iter().filter(|m| m.body.contains("请单位经办人及时审核")).count(), 2);

    // The printed form carries the applicant's name in Chinese, and a seal box.
    let pdf = service.application_pdf(&world.agent_b, application.id).await.unwrap();
    let text = pdf_extract::extract_text_from_mem(&pdf).unwrap();
    assert!(text.contains("张伟明") && text.contains("用人单位意见（盖章）"), "{text}");
    assert!(text.contains("310101199005120016"), "the official form shows the whole ID number");

    // Once filed, the district centre of the employer's district sees it; another does not.
    assert!(service.view(&world.clerk_pudong, application.id).await.is_ok());
    let queue = service.applications(&world.clerk_pudong).await.unwrap();
    assert_eq!(queue.iter().map(|a| a.id).collect::<Vec<_>>(), [application.id]);
    assert!(service.applications(&world.clerk_xuhui).await.unwrap().is_empty());
    assert!(matches!(service.view(&world.clerk_xuhui, application.id).await, Err(ServiceError::NotFound)));
}

on_both_databases!(nobody_sees_or_changes_another_persons_application);
async fn nobody_sees_or_changes_another_persons_application(world: World) {
    let service = &world.service;
    service.register_applicant(&world.agent_a, "张伟明", "310101199005120016", "13900000009").await.unwrap();
    service.register_applicant(&world.agent_b, "李丽", "11010519491231002X", "13900000008").await.unwrap();
    let zhang = applicant(&world, "310101199005120016").await;
    let li = applicant(&world, "11010519491231002X").await;
    let mine = service.start_application(&zhang, false).await.unwrap();

    // Another applicant: not found, whatever they try.
    assert!(matches!(service.view(&li, mine.id).await, Err(ServiceError::NotFound)));
    assert!(matches!(service.save_draft(&li, mine.id, 1, complete_form()).await, Err(ServiceError::NotFound)));
    assert!(matches!(service.act(&li, mine.id, 1, "submit", "", BTreeMap::new()).await, Err(ServiceError::NotFound)));
    assert!(matches!(
        service.upload_material(&li, mine.id, "id_card", "a.pdf", b"%PDF-1".to_vec()).await,
        Err(ServiceError::NotFound)
    ));
    assert!(matches!(service.application_pdf(&li, mine.id).await, Err(ServiceError::NotFound)));
    // Another employer's HR agent: not found either, and their list does not show it.
    assert!(matches!(service.view(&world.agent_b, mine.id).await, Err(ServiceError::NotFound)));
    assert!(service.applications(&world.agent_b).await.unwrap().iter().all(|a| a.id != mine.id));
    // District staff see nothing while the application is with the applicant and employer.
    assert!(matches!(service.view(&world.clerk_pudong, mine.id).await, Err(ServiceError::NotFound)));
    // The employer's own agent sees it, and that full view is audited; its list masks the ID.
    let view = service.view(&world.agent_a, mine.id).await.unwrap();
    assert_eq!(view.applicant.name, "张伟明");
    let audited = service.store.audit_of(&format!("application:{}", mine.id)).await.unwrap();
    assert!(audited.iter().any(|e| e.action == "application_view" && e.actor_id == Some(world.agent_a.id)));
    let list = service.applications(&world.agent_a).await.unwrap();
    assert_eq!(list[0].applicant_id_number, "310***********0016");
    let roster = service.employer_applicants(&world.agent_a).await.unwrap();
    assert_eq!(roster.len(), 1);
    assert_eq!(roster[0].applicant.id_number, "310***********0016");
    // An HR agent may not take the applicant's action, nor an applicant the employer's.
    assert!(matches!(
        service.act(&world.agent_a, mine.id, 1, "submit", "", BTreeMap::new()).await,
        Err(ServiceError::Forbidden)
    ));
    assert!(matches!(
        service.act(&zhang, mine.id, 1, "approve", "", BTreeMap::new()).await,
        Err(ServiceError::Forbidden)
    ));
    // Only HR agents open accounts.
    assert!(matches!(
        service.register_applicant(&zhang, "王五", "440524188001010014", "13900000007").await,
        Err(ServiceError::Forbidden)
    ));
    assert!(matches!(
        service.register_applicant(&world.clerk_pudong, "王五", "440524188001010014", "13900000007").await,
        Err(ServiceError::Forbidden)
    ));

    // Files: checked by content, downloadable only by those who may see the application.
    let refused =
        service.upload_material(&zhang, mine.id, "id_card", "scan.pdf", b"<html>not a pdf</html>".to_vec()).await;
    assert_eq!(refused.unwrap_err().code(), "file_type");
    let not_listed =
        service.upload_material(&zhang, mine.id, "marriage_certificate", "m.pdf", b"%PDF-1.4".to_vec()).await;
    assert!(matches!(not_listed, Err(ServiceError::NotFound)), "not on this form's checklist");
    let upload =
        service.upload_material(&zhang, mine.id, "id_card", "身份证.pdf", b"%PDF-1.4 scan".to_vec()).await.unwrap();
    assert_eq!(upload.content_type, "application/pdf");
    let (_, bytes) = service.download_material(&world.agent_a, upload.id).await.unwrap();
    assert_eq!(bytes, b"%PDF-1.4 scan");
    assert!(matches!(service.download_material(&li, upload.id).await, Err(ServiceError::NotFound)));
    assert!(matches!(service.download_material(&world.agent_b, upload.id).await, Err(ServiceError::NotFound)));
}

#[tokio::test]
async fn a_roster_imports_its_good_rows_and_reports_its_bad_ones() {
    let world = world().await;
    let service = &world.service;
    service.register_applicant(&world.agent_b, "李丽", "11010519491231002X", "13900000008").await.unwrap();
    let csv = "姓名,身份证号码,手机号码\n\
               张伟明,310101199005120016,13900000009\n\
               错号,310101199005120017,13900000010\n\
               李丽,11010519491231002X,13900000008\n\
               短号,440524188001010014,139\n";
    let job = service.import_roster(&world.agent_a, csv.as_bytes()).await.unwrap();
    assert_eq!(job.total, 2);
    let done = loop {
        let progress = service.import_progress(&world.agent_a, job.id).await.unwrap();
        if progress.job.status != ImportStatus::Running {
            break progress.job;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    };
    assert_eq!(done.status, ImportStatus::Done);
    assert_eq!((done.report["created"].as_u64(), done.report["linked"].as_u64()), (Some(1), Some(1)));
    let problem_lines: Vec<u64> =
        done.report["problems"].as_array().unwrap().iter().map(|p| p["line"].as_u64().unwrap()).collect();
    assert_eq!(problem_lines, [3, 5]);
    assert_eq!(service.store.applicants_of_employer(world.agent_a.employer_id.unwrap()).await.unwrap().len(), 2);
    assert!(service.store.messages_to("13900000009").await.unwrap()[0].body.contains("初始密码"));
    // Another employer's agent cannot read this import; an unreadable file imports nothing.
    assert!(matches!(service.import_progress(&world.agent_b, job.id).await, Err(ServiceError::NotFound)));
    let fatal = service.import_roster(&world.agent_a, "no header here\n1,2,3\n".as_bytes()).await.unwrap_err();
    assert_eq!(fatal.code(), "roster_unreadable");
}

/// An application carried by its employer up to filing, every material uploaded.
async fn filed_application(world: &World, form: Fields) -> (Actor, Application) {
    let service = &world.service;
    service.register_applicant(&world.agent_a, "张伟明", "310101199005120016", "13900000009").await.unwrap();
    let zhang = applicant(world, "310101199005120016").await;
    let application = service.start_application(&zhang, false).await.unwrap();
    let filed = file(world, &zhang, &application, Some(form)).await;
    (zhang, filed)
}

/// Saves `form` (when given) as the draft, uploads every material, and has it submitted,
/// approved and filed by the first employer's agent.
async fn file(world: &World, person: &Actor, application: &Application, form: Option<Fields>) -> Application {
    file_with(world, &world.agent_a, person, application, form).await
}

/// The same, with `agent`'s employer approving and filing.
async fn file_with(
    world: &World,
    agent: &Actor,
    person: &Actor,
    application: &Application,
    form: Option<Fields>,
) -> Application {
    let service = &world.service;
    let id = application.id;
    let mut version = application.version;
    if let Some(form) = form {
        version = service.save_draft(person, id, version, form).await.unwrap().version;
    }
    let view = service.view(person, id).await.unwrap();
    // What was verified for the notice a renewal or a change follows is not asked for again.
    let needed = view.checklist.iter().filter(|(m, status)| !m.at_counter && *status != MaterialStatus::VerifiedBefore);
    for (material, _) in needed {
        service.upload_material(person, id, &material.id, "scan.pdf", b"%PDF-1.4 s".to_vec()).await.unwrap();
    }
    for (actor, action) in [(person, "submit"), (agent, "approve"), (agent, "file")] {
        version = service.act(actor, id, version, action, "", BTreeMap::new()).await.unwrap().version;
    }
    let filed = service.store.application(id).await.unwrap().unwrap();
    assert_eq!(filed.state, "filed");
    filed
}

/// Carries a filed application through the centre to its grant: every material received,
/// the file requested and arrived, the claim confirmed as it stands, a supervisor's grant.
async fn grant(world: &World, reviewer: &Actor, supervisor: &Actor, filed: &Application) -> Application {
    let granted = decide(world, reviewer, supervisor, filed, "grant", "").await;
    assert_eq!(granted.state, "granted");
    granted
}

/// The same up to the decision, which is `action` (`grant` or `refuse`) with `comment`.
async fn decide(
    world: &World,
    reviewer: &Actor,
    supervisor: &Actor,
    filed: &Application,
    action: &str,
    comment: &str,
) -> Application {
    use jifen_applications::{MoveInput, VerificationInput};
    let service = &world.service;
    let (id, clerk) = (filed.id, &world.clerk_pudong);
    let applicant = service.store.applicant(filed.applicant_id).await.unwrap().unwrap();
    let counter = marked(service, clerk, id, "original").await;
    let mut version = service
        .act_with(clerk, id, filed.version, "accept", &MoveInput { counter, ..MoveInput::default() })
        .await
        .unwrap()
        .version;
    version = service.act(reviewer, id, version, "request_file", "档案室", BTreeMap::new()).await.unwrap().version;
    version = service.act(reviewer, id, version, "file_arrived", "", BTreeMap::new()).await.unwrap().version;
    let claimed = service.score_form(&filed.fields, &applicant.id_number, service.scoring_date(filed)).unwrap();
    let items = claimed
        .items
        .iter()
        .filter(|item| item.points != 0)
        .map(|item| (item.id.as_str().to_string(), ("confirmed".to_string(), String::new(), String::new())))
        .collect();
    let checks = service
        .checks_needed(filed, &applicant.id_number)
        .iter()
        .map(|check| (check.id.clone(), ("passed".to_string(), String::new())))
        .collect();
    let verification = VerificationInput { fields: filed.fields.clone(), items, checks };
    let input = MoveInput { verification: Some(verification), ..MoveInput::default() };
    version = service.act_with(reviewer, id, version, "record_verification", &input).await.unwrap().version;
    version = service.act(reviewer, id, version, "finish_review", "", BTreeMap::new()).await.unwrap().version;
    service.act(supervisor, id, version, action, comment, BTreeMap::new()).await.unwrap()
}

/// Every material of the application's checklist marked `mark` at the counter.
async fn marked(service: &Service, clerk: &Actor, id: ApplicationId, mark: &str) -> BTreeMap<String, (String, String)> {
    let view = service.view(clerk, id).await.unwrap();
    view.checklist.iter().map(|(m, _)| (m.id.clone(), (mark.to_string(), String::new()))).collect()
}

/// A member of the Pudong centre's staff.
async fn staff(world: &World, name: &str, role: Role) -> Actor {
    let store = &world.service.store;
    Actor::from(&store.create_user(&user(name, role, Some(District::Pudong)), 0, &entry()).await.unwrap())
}

fn marks(pairs: &[(&str, &str, &str)]) -> BTreeMap<String, (String, String)> {
    pairs.iter().map(|(m, mark, reason)| (m.to_string(), (mark.to_string(), reason.to_string()))).collect()
}

on_both_databases!(the_district_centre_accepts_reviews_and_a_second_person_decides);
async fn the_district_centre_accepts_reviews_and_a_second_person_decides(world: World) {
    use jifen_applications::{MoveInput, VerificationInput};
    use jifen_domain::workflow::DocumentKind;
    let service = &world.service;
    let reviewer = staff(&world, "reviewer-pd", Role::Reviewer).await;
    let supervisor = staff(&world, "supervisor-pd", Role::Supervisor).await;
    let mut form = complete_form();
    form.set("edu_level", "master");
    form.set("si_to_0", "");
    let (zhang, filed) = filed_application(&world, form).await;
    let id = filed.id;
    let clerk = &world.clerk_pudong;
    let needed: Vec<String> =
        service.view(clerk, id).await.unwrap().checklist.iter().map(|(m, _)| m.id.clone()).collect();
    let all = |mark: &str| -> BTreeMap<String, (String, String)> {
        needed.iter().map(|m| (m.clone(), (mark.to_string(), String::new()))).collect()
    };
    let counter_move = |counter| MoveInput { counter, ..MoveInput::default() };

    // The counter: every material must be marked; a missing one means the correction notice.
    let mut lacking = all("original");
    lacking.insert("child_birth_certificate".into(), ("missing".into(), String::new()));
    lacking.insert("labour_contract".into(), ("defective".into(), "缺少第 3 页".into()));
    let refused = service.act_with(clerk, id, filed.version, "accept", &counter_move(lacking.clone())).await;
    assert_eq!(refused.unwrap_err().code(), "materials_incomplete");
    let unmarked = service.act_with(clerk, id, filed.version, "ask_correction", &counter_move(marks(&[]))).await;
    assert_eq!(unmarked.unwrap_err().code(), "counter_incomplete");
    let mut no_reason = lacking.clone();
    no_reason.insert("labour_contract".into(), ("defective".into(), "  ".into()));
    let refused = service.act_with(clerk, id, filed.version, "ask_correction", &counter_move(no_reason)).await;
    assert_eq!(refused.unwrap_err().code(), "reason_required");
    let corrected = service.act_with(clerk, id, filed.version, "ask_correction", &counter_move(lacking)).await.unwrap();
    assert_eq!(corrected.state, "correction");
    let view = service.view(&world.agent_a, id).await.unwrap();
    let due = view.due.expect("a correction has the employer's deadline");
    assert!(due.employer_deadline && !due.overdue);
    let deadline = service.calendar().add_working_days(jifen_domain::clock::today_in_shanghai(), 10).unwrap();
    assert_eq!(due.date, deadline);
    // One notice lists both, with the deadline; the employer's contact and the applicant are told.
    let notice = service.document_pdf(&world.agent_a, id, DocumentKind::Correction).await.unwrap();
    let text = pdf_extract::extract_text_from_mem(&notice).unwrap();
    assert!(text.contains("一次性告知") && text.contains("出生医学证明") && text.contains("缺少第 3 页"), "{text}");
    assert!(text.contains(&deadline.to_string()), "{text}");
    for phone in ["13900000009", "13800000001"] {
        let bodies: Vec<String> = service.store.messages_to(phone).await.unwrap().into_iter().map(|m| m.body).collect();
        assert!(
            bodies.iter().any(|b| b.contains("需补正") && b.contains(&deadline.to_string())),
            "{phone}: {bodies:?}"
        );
    }
    // The deadline has not passed: the clerk cannot close it yet.
    let early = service.act(clerk, id, corrected.version, "close_unaccepted", "", BTreeMap::new()).await;
    assert_eq!(early.unwrap_err().code(), "deadline_not_passed");
    let back = service.act(&world.agent_a, id, corrected.version, "corrected", "", BTreeMap::new()).await.unwrap();
    assert_eq!(back.state, "filed");

    // Two clerks at the counter at once: one accepts, the other is told; nothing is lost.
    let accept = counter_move(all("original"));
    let (first, second) = tokio::join!(
        service.act_with(clerk, id, back.version, "accept", &accept),
        service.act_with(clerk, id, back.version, "accept", &accept)
    );
    let accepted = match (first, second) {
        (Ok(a), Err(e)) | (Err(e), Ok(a)) => {
            assert!(matches!(e, ServiceError::Changed) || e.code() == "wrong_state", "{e:?}");
            a
        }
        other => panic!("exactly one acceptance must win: {other:?}"),
    };
    assert_eq!(accepted.state, "accepted");
    let receipt = service.document_pdf(&zhang, id, DocumentKind::Receipt).await.unwrap();
    let text = pdf_extract::extract_text_from_mem(&receipt).unwrap();
    assert!(text.contains("收件凭证") && text.contains("张伟明") && text.contains("劳动合同"), "{text}");
    assert!(!text.contains("310101199005120016"), "the receipt masks the ID number");
    assert!(text.contains("原件由本中心留存"), "the receipt says which originals stay: {text}");
    // The diploma and the degree certificate stay at the centre until handed back against a signature.
    let kept = |view: jifen_applications::ApplicationView| -> Vec<(String, Option<String>)> {
        view.kept_originals.into_iter().map(|o| (o.material, o.returned.map(|r| r.collected_by))).collect()
    };
    assert_eq!(
        kept(service.view(clerk, id).await.unwrap()),
        [("diploma".to_string(), None), ("degree_certificate".to_string(), None)]
    );
    let diploma = ["diploma".to_string()];
    assert!(matches!(
        service.return_originals(&supervisor, id, &diploma, "王经办").await,
        Err(ServiceError::Forbidden)
    ));
    assert_eq!(service.return_originals(clerk, id, &diploma, " ").await.unwrap_err().code(), "signature_required");
    service.return_originals(clerk, id, &diploma, "王经办").await.unwrap();
    assert_eq!(service.return_originals(clerk, id, &diploma, "王经办").await.unwrap_err().code(), "nothing_to_return");
    assert_eq!(
        kept(service.view(&zhang, id).await.unwrap()),
        [("diploma".to_string(), Some("王经办".to_string())), ("degree_certificate".to_string(), None)]
    );
    // Staff of another district see nothing.
    assert!(matches!(service.view(&world.clerk_xuhui, id).await, Err(ServiceError::NotFound)));
    assert!(matches!(
        service.document_pdf(&world.clerk_xuhui, id, DocumentKind::Receipt).await,
        Err(ServiceError::NotFound)
    ));

    // The personnel file: requested with where it is held, then arrived.
    let no_holder = service.act(&reviewer, id, accepted.version, "request_file", "", BTreeMap::new()).await;
    assert_eq!(no_holder.unwrap_err().code(), "comment_required");
    let requested = service
        .act(&reviewer, id, accepted.version, "request_file", "浦东新区人才服务中心档案室", BTreeMap::new())
        .await
        .unwrap();
    let letter =
        pdf_extract::extract_text_from_mem(&service.document_pdf(&reviewer, id, DocumentKind::Transfer).await.unwrap())
            .unwrap();
    assert!(letter.contains("浦东新区人才服务中心档案室") && letter.contains("310101199005120016"), "{letter}");
    let arrived = service.act(&reviewer, id, requested.version, "file_arrived", "", BTreeMap::new()).await.unwrap();
    assert_eq!(arrived.state, "in_review");

    // The review: no hand-over without a verification.
    let early = service.act(&reviewer, id, arrived.version, "finish_review", "", BTreeMap::new()).await;
    assert_eq!(early.unwrap_err().code(), "verification_missing");
    // The last 14 months were back-paid: the reviewer changes the facts, not the points.
    let mut facts = filed.fields.clone();
    facts.set("si_to_0", "2025-08");
    for (name, value) in
        [("si_from_1", "2025-09"), ("si_to_1", "2026-10"), ("si_base_1", "12000"), ("si_backpaid_1", "on")]
    {
        facts.set(name, value);
    }
    let checks: BTreeMap<String, (String, String)> = service
        .checks_needed(&filed, "310101199005120016")
        .iter()
        .map(|check| (check.id.clone(), ("passed".to_string(), String::new())))
        .collect();
    assert!(checks.contains_key("social_insurance") && checks.contains_key("education"), "{checks:?}");
    let verdict = |v: &str, reason: &str| (v.to_string(), reason.to_string(), String::new());
    let mut items: BTreeMap<String, (String, String, String)> = ["age", "education", "si_years", "si_base"]
        .iter()
        .map(|item| (item.to_string(), verdict("confirmed", "")))
        .collect();
    let verify = |items: BTreeMap<String, (String, String, String)>| MoveInput {
        verification: Some(VerificationInput { fields: facts.clone(), items, checks: checks.clone() }),
        ..MoveInput::default()
    };
    let unexplained =
        service.act_with(&reviewer, id, arrived.version, "record_verification", &verify(items.clone())).await;
    assert_eq!(unexplained.unwrap_err().code(), "correction_unexplained");
    items.insert("si_years".into(), verdict("corrected", "back_paid"));
    items.insert("si_base".into(), verdict("corrected", "title_post_mismatch"));
    let wrong_reason =
        service.act_with(&reviewer, id, arrived.version, "record_verification", &verify(items.clone())).await;
    assert_eq!(wrong_reason.unwrap_err().code(), "reason_required", "a reason must fit the item");
    items.insert("si_base".into(), verdict("corrected", "back_paid"));
    let recorded =
        service.act_with(&reviewer, id, arrived.version, "record_verification", &verify(items)).await.unwrap();
    let view = service.view(&supervisor, id).await.unwrap();
    let verification = view.verification.expect("recorded");
    let claimed = filed.claimed_total.unwrap();
    assert!(verification.total < claimed && verification.total >= 120, "{} vs {claimed}", verification.total);
    let si_base = verification.items.iter().find(|i| i.item == "si_base").unwrap();
    assert!(si_base.corrected && si_base.verified_points < si_base.claimed_points, "{si_base:?}");
    let explained = service
        .score_form(&verification.fields, "310101199005120016", service.scoring_date(&view.application))
        .unwrap();
    let why = explained
        .to_result(jifen_rules::Lang::En)
        .items
        .iter()
        .find(|i| i.id.as_str() == "si_years")
        .unwrap()
        .explanation
        .to_string();
    assert!(why.contains("back-paid"), "the engine says why: {why}");
    let reviewed = service.act(&reviewer, id, recorded.version, "finish_review", "", BTreeMap::new()).await.unwrap();

    // Four eyes: the reviewer cannot decide; a supervisor does, and both are told the score.
    let own = service.act(&reviewer, id, reviewed.version, "grant", "", BTreeMap::new()).await;
    assert!(matches!(own, Err(ServiceError::Forbidden)), "{own:?}");
    let granted = service.act(&supervisor, id, reviewed.version, "grant", "", BTreeMap::new()).await.unwrap();
    assert_eq!((granted.state.as_str(), granted.open), ("granted", false));
    // Decided, it leaves the centre's queue and the staff's list of open applications; the
    // queue's filter for granted ones finds it, by name too.
    use jifen_applications::QueueFilter;
    let queued = |filter: QueueFilter| {
        let service = &service;
        let supervisor = &supervisor;
        async move {
            service
                .centre_queue(supervisor, &filter)
                .await
                .unwrap()
                .iter()
                .map(|row| row.listing.id)
                .collect::<Vec<_>>()
        }
    };
    assert!(!queued(QueueFilter::default()).await.contains(&id));
    assert!(service.applications(&supervisor).await.unwrap().iter().all(|listing| listing.id != id));
    let of_granted = QueueFilter { state: Some("granted".into()), ..QueueFilter::default() };
    assert_eq!(queued(of_granted.clone()).await, [id]);
    assert_eq!(queued(QueueFilter { search: Some("张伟明".into()), ..of_granted.clone() }).await, [id]);
    // A whole ID number is found however it is typed (full-width digits here); another
    // person's (a lower-case x) finds nothing.
    let whole = "３１０１０１１９９００５１２００１６";
    assert_eq!(queued(QueueFilter { search: Some(whole.into()), ..of_granted.clone() }).await, [id]);
    assert!(queued(QueueFilter { search: Some("11010519491231002x".into()), ..of_granted.clone() }).await.is_empty());
    assert!(queued(QueueFilter { search: Some("李".into()), ..of_granted }).await.is_empty());
    for phone in ["13900000009", "13800000001"] {
        let bodies: Vec<String> = service.store.messages_to(phone).await.unwrap().into_iter().map(|m| m.body).collect();
        assert!(
            bodies.iter().any(|b| b.contains(&format!("核定积分 {} 分", verification.total))),
            "{phone}: {bodies:?}"
        );
    }
    // The points notice: printed by the holder and the employer, the same at every print,
    // with the holder, the child, the score and a QR code to the public check.
    let notice = service.notice_of(&zhang, id).await.unwrap();
    assert_eq!(notice.total, verification.total);
    let pdf = service.notice_pdf(&zhang, id, "https://jifen.example/verify").await.unwrap();
    assert_eq!(
        pdf,
        service.notice_pdf(&world.agent_a, id, "https://jifen.example/verify").await.unwrap(),
        "a re-print is the same notice"
    );
    let text = pdf_extract::extract_text_from_mem(&pdf).unwrap();
    for needle in ["积分通知书", "张伟明", "张小明", "310101199005120016", &notice.serial, &notice.check_code]
    {
        assert!(text.contains(needle), "{needle} missing from {text}");
    }
    assert!(matches!(service.notice_of(&world.clerk_xuhui, id).await, Err(ServiceError::NotFound)));
    // Anyone checks it with the serial and the check code; a wrong code tells nothing.
    let public = service.verify_notice(&notice.serial, &notice.check_code.to_ascii_lowercase()).await.unwrap().unwrap();
    assert_eq!(
        (public.standing, public.holder.as_str(), public.total),
        (jifen_applications::NoticeStanding::Current, "张*明", notice.total)
    );
    assert_eq!(public.id_number, "310***********0016");
    assert!(service.verify_notice(&notice.serial, "AAAAAAAAAAAA").await.unwrap().is_none());
    assert!(service.verify_notice("JF-NOPE", &notice.check_code).await.unwrap().is_none());
    let audited: Vec<String> =
        service.store.audit_of(&format!("application:{id}")).await.unwrap().into_iter().map(|e| e.action).collect();
    for action in
        ["application_ask_correction", "application_accept", "application_record_verification", "application_grant"]
    {
        assert!(audited.iter().any(|a| a == action), "{action} missing from {audited:?}");
    }
}

on_both_databases!(the_centre_clock_closes_a_lapsed_correction_and_steps_are_held_and_reminded);
async fn the_centre_clock_closes_a_lapsed_correction_and_steps_are_held_and_reminded(world: World) {
    use jifen_applications::{MoveInput, QueueFilter};
    use jifen_domain::workflow::DocumentKind;
    let service = &world.service;
    let staff = |name: &'static str, role, mobile: &'static str| async move {
        let user = service.store.create_user(&user(name, role, Some(District::Pudong)), 0, &entry()).await.unwrap();
        service.store.set_staff_mobile(user.id, mobile).await.unwrap();
        Actor::from(&user)
    };
    let reviewer = staff("reviewer-1", Role::Reviewer, "13700000001").await;
    let other_reviewer = staff("reviewer-2", Role::Reviewer, "13700000002").await;
    let supervisor = staff("supervisor-1", Role::Supervisor, "13700000003").await;
    let (_zhang, filed) = filed_application(&world, complete_form()).await;
    let id = filed.id;
    let clerk = &world.clerk_pudong;
    let needed: Vec<String> =
        service.view(clerk, id).await.unwrap().checklist.iter().map(|(m, _)| m.id.clone()).collect();
    let mut counter: BTreeMap<String, (String, String)> =
        needed.iter().map(|m| (m.clone(), ("copy".to_string(), String::new()))).collect();
    counter.insert("id_card".into(), ("missing".into(), String::new()));
    let asked = MoveInput { counter, ..MoveInput::default() };
    service.act_with(clerk, id, filed.version, "ask_correction", &asked).await.unwrap();
    let deadline = service.view(clerk, id).await.unwrap().due.unwrap().date;

    // On the deadline day nothing happens; the day after, the system closes it, once.
    assert_eq!(service.close_lapsed_corrections(deadline).await.unwrap(), 0);
    let next_day = deadline.succ_opt().unwrap();
    assert_eq!(service.close_lapsed_corrections(next_day).await.unwrap(), 1);
    assert_eq!(service.close_lapsed_corrections(next_day).await.unwrap(), 0, "closed once");
    let closed = service.store.application(id).await.unwrap().unwrap();
    assert_eq!((closed.state.as_str(), closed.open), ("not_accepted", false));
    let events = service.store.application_events(id).await.unwrap();
    assert_eq!(events.last().unwrap().actor_id, None, "the system's move");
    for phone in ["13900000009", "13800000001"] {
        let bodies: Vec<String> = service.store.messages_to(phone).await.unwrap().into_iter().map(|m| m.body).collect();
        assert_eq!(bodies.iter().filter(|b| b.contains("补正期已满")).count(), 1, "{phone}: {bodies:?}");
    }
    let notice = service.document_pdf(&world.agent_a, id, DocumentKind::NotAccepted).await.unwrap();
    let text = pdf_extract::extract_text_from_mem(&notice).unwrap();
    assert!(text.contains("不予受理") && text.contains("居民身份证") && text.contains(&deadline.to_string()), "{text}");
    let audited = service.store.audit_of(&format!("application:{id}")).await.unwrap();
    assert!(audited.iter().any(|e| e.action == "application_close_unaccepted" && e.actor_id.is_none()));

    // A new application, accepted: the review step is held by whoever takes it.
    let again = service.start_application(&_zhang, false).await.unwrap();
    let draft = service.save_draft(&_zhang, again.id, again.version, complete_form()).await.unwrap();
    for (material, _) in service.view(&_zhang, again.id).await.unwrap().checklist.iter().filter(|(m, _)| !m.at_counter)
    {
        service.upload_material(&_zhang, again.id, &material.id, "s.pdf", b"%PDF-1.4 s".to_vec()).await.unwrap();
    }
    let mut version = draft.version;
    for (actor, action) in [(&_zhang, "submit"), (&world.agent_a, "approve"), (&world.agent_a, "file")] {
        version = service.act(actor, again.id, version, action, "", BTreeMap::new()).await.unwrap().version;
    }
    let all_copies: BTreeMap<String, (String, String)> = marked(service, clerk, again.id, "copy").await;
    let accepted = MoveInput { counter: all_copies, ..MoveInput::default() };
    service.act_with(clerk, again.id, version, "accept", &accepted).await.unwrap();
    // The clerk cannot take the reviewer's step; an HR agent cannot take anything.
    assert_eq!(service.assign(clerk, again.id, None).await.unwrap_err().code(), "wrong_assignee");
    assert!(matches!(service.assign(&world.agent_a, again.id, None).await, Err(ServiceError::Forbidden)));
    assert!(matches!(service.assign(&world.clerk_xuhui, again.id, None).await, Err(ServiceError::NotFound)));
    // A reviewer takes it; only a supervisor gives it to someone else.
    service.assign(&reviewer, again.id, None).await.unwrap();
    let mine = QueueFilter { mine_only: true, ..QueueFilter::default() };
    let held = service.centre_queue(&reviewer, &mine).await.unwrap();
    assert_eq!(
        held.iter().map(|r| (r.listing.id, r.holder.clone())).collect::<Vec<_>>(),
        [(again.id, Some("reviewer-1".into()))]
    );
    assert!(matches!(service.assign(&reviewer, again.id, Some(other_reviewer.id)).await, Err(ServiceError::Forbidden)));
    let view = service.view(&supervisor, again.id).await.unwrap();
    assert_eq!(view.holder.as_deref(), Some("reviewer-1"));
    assert_eq!(view.assignable.iter().map(|u| u.id).collect::<Vec<_>>(), [reviewer.id, other_reviewer.id]);
    service.assign(&supervisor, again.id, Some(other_reviewer.id)).await.unwrap();
    assert!(service.centre_queue(&reviewer, &mine).await.unwrap().is_empty());
    assert_eq!(
        service.assign(&supervisor, again.id, Some(clerk.id)).await.unwrap_err().code(),
        "wrong_assignee",
        "not someone of another role"
    );
    // Overdue: the holder is reminded, once a day, and the other reviewer is not.
    let late = jifen_domain::clock::today_in_shanghai() + chrono::Days::new(30);
    assert_eq!(service.remind_overdue(late).await.unwrap(), 1);
    service.remind_overdue(late).await.unwrap();
    let reminders = service.store.messages_to("13700000002").await.unwrap();
    assert_eq!(reminders.len(), 1, "one a day");
    assert!(
        reminders[0].body.contains("到期") && reminders[0].body.contains(&again.id.to_string()),
        "{}",
        reminders[0].body
    );
    assert!(service.store.messages_to("13700000001").await.unwrap().is_empty());
}

/// What `agent`'s list of people offers to start for `holder`: a renewal, a change or nothing.
async fn follow_up_offered(
    service: &Service,
    agent: &Actor,
    holder: jifen_store::UserId,
) -> Option<jifen_domain::ApplicationKind> {
    let people = service.employer_applicants(agent).await.unwrap();
    people.into_iter().find(|person| person.applicant.user_id == holder).and_then(|person| person.follow_up)
}

on_both_databases!(a_renewal_a_year_later_rescores_and_a_change_supersedes_the_notice);
async fn a_renewal_a_year_later_rescores_and_a_change_supersedes_the_notice(world: World) {
    use jifen_applications::NoticeStanding;
    use jifen_domain::ApplicationKind;
    use jifen_rules::ItemId;
    let service = &world.service;
    let reviewer = staff(&world, "reviewer-pd", Role::Reviewer).await;
    let supervisor = staff(&world, "supervisor-pd", Role::Supervisor).await;
    // Born 1980-06-01: 46 now, 47 in a year.
    service.register_applicant(&world.agent_a, "王芳", "310101198006010017", "13900000011").await.unwrap();
    let wang = applicant(&world, "310101198006010017").await;
    let mut form = complete_form();
    form.set("name", "王芳");
    form.set("edu_level", "master");
    form.set("si_to_0", "");
    let first = service.start_application(&wang, false).await.unwrap();
    let filed = file(&world, &wang, &first, Some(form)).await;
    grant(&world, &reviewer, &supervisor, &filed).await;
    let (notice, standing) = service.my_notices(&wang).await.unwrap().remove(0);
    assert_eq!(standing, NoticeStanding::Current);
    let today = service.clock.today();
    assert_eq!(
        notice.valid_until,
        (today + chrono::Months::new(12)).pred_opt().unwrap().to_string(),
        "one year at most"
    );

    // Renewal opens a month before the end; changes may be made while it is in force.
    let early = service.start_follow_up(&wang, ApplicationKind::Renewal).await.unwrap_err();
    assert_eq!(early.code(), "renewal_not_open");
    service.clock.travel(340);
    // Reminders: a month before the end, to the holder and the employer, once.
    assert_eq!(service.remind_renewals(service.clock.today()).await.unwrap(), 2);
    service.remind_renewals(service.clock.today()).await.unwrap();
    let reminded = service.store.messages_to("13900000011").await.unwrap();
    assert_eq!(reminded.iter().filter(|m| m.body.contains("积分续办自")).count(), 1, "once");
    // Renewal goes through the employer: its HR agent sees it is due and starts it for the
    // holder, who is told by SMS; another employer cannot, nor can the centre.
    assert_eq!(follow_up_offered(service, &world.agent_a, wang.id).await, Some(ApplicationKind::Renewal));
    let stranger = service.start_follow_up_for(&world.agent_b, wang.id, ApplicationKind::Renewal).await;
    assert!(matches!(stranger, Err(ServiceError::NotFound)), "{stranger:?}");
    let by_staff = service.start_follow_up_for(&reviewer, wang.id, ApplicationKind::Renewal).await;
    assert!(matches!(by_staff, Err(ServiceError::Forbidden)), "{by_staff:?}");
    let renewal = service.start_follow_up_for(&world.agent_a, wang.id, ApplicationKind::Renewal).await.unwrap();
    assert_eq!(renewal.applicant_id, wang.id);
    let told = service.store.messages_to("13900000011").await.unwrap();
    assert!(told.iter().any(|m| m.body.contains("已为您发起积分续办")), "{told:?}");
    assert_eq!(follow_up_offered(service, &world.agent_a, wang.id).await, None, "one at a time");
    let twice = service.start_follow_up(&wang, ApplicationKind::Renewal).await.unwrap_err();
    assert_eq!(twice.code(), "application_in_progress");
    assert_eq!((renewal.kind, renewal.follows_notice), (ApplicationKind::Renewal, Some(notice.id)));
    assert_eq!(renewal.fields.get("edu_level"), "master", "pre-filled with the verified facts");
    // Only what changed needs evidence: the basic documents, not the unchanged degree.
    let statuses: BTreeMap<String, MaterialStatus> =
        service.view(&wang, renewal.id).await.unwrap().checklist.iter().map(|(m, s)| (m.id.clone(), *s)).collect();
    assert_eq!(statuses["degree_certificate"], MaterialStatus::VerifiedBefore);
    assert_eq!(statuses["child_birth_certificate"], MaterialStatus::VerifiedBefore);
    assert_eq!(statuses["id_card"], MaterialStatus::Missing);
    // Re-scored on the renewal date: a year older, the age item (from the engine) dropped 2.
    let then = service.score_form(&filed.fields, "310101198006010017", today).unwrap();
    let now = service.score_form(&renewal.fields, "310101198006010017", service.clock.today()).unwrap();
    assert_eq!(then.item(ItemId::Age).points - now.item(ItemId::Age).points, 2);
    let renewed = file(&world, &wang, &renewal, None).await;
    assert_eq!(renewed.claimed_total, Some(now.total), "the claim is scored on its own date");
    assert!(service.view(&reviewer, renewal.id).await.unwrap().changed_since_notice.is_empty(), "nothing to re-verify");
    grant(&world, &reviewer, &supervisor, &renewed).await;
    let public = |serial: String, code: String| async move {
        service.verify_notice(&serial, &code).await.unwrap().unwrap().standing
    };
    assert_eq!(public(notice.serial.clone(), notice.check_code.clone()).await, NoticeStanding::Superseded);
    let (second, _) = service.my_notices(&wang).await.unwrap().remove(0);
    assert_eq!(
        (second.total, public(second.serial.clone(), second.check_code.clone()).await),
        (now.total, NoticeStanding::Current)
    );

    // A change: a new post; the centre sees what changed since the notice.
    let change = service.start_follow_up(&wang, ApplicationKind::Change).await.unwrap();
    let mut changed = change.fields.clone();
    changed.set("post", "技术总监");
    let changed = file(&world, &wang, &change, Some(changed)).await;
    let diff = service.view(&reviewer, change.id).await.unwrap().changed_since_notice;
    assert_eq!(diff, [("post".to_string(), "软件工程师".to_string(), "技术总监".to_string())]);
    grant(&world, &reviewer, &supervisor, &changed).await;
    assert_eq!(public(second.serial.clone(), second.check_code.clone()).await, NoticeStanding::Superseded);

    // A change of employer: the new employer registers the person, who consents; the change
    // goes to the new employer, and the new notice names it.
    let employer_b = world.agent_b.employer_id.unwrap();
    service.register_applicant(&world.agent_b, "王芳", "310101198006010017", "13900000011").await.unwrap();
    service.decide_link(&wang, employer_b, jifen_applications::LinkDecision::Accept).await.unwrap();
    let third = service.my_notices(&wang).await.unwrap().remove(0).0;
    // The new employer's HR agent sees the change to file, and starts it.
    assert_eq!(follow_up_offered(service, &world.agent_b, wang.id).await, Some(ApplicationKind::Change));
    assert_eq!(
        follow_up_offered(service, &world.agent_a, wang.id).await,
        None,
        "the old employer has nothing to start"
    );
    let moved = service.start_follow_up_for(&world.agent_b, wang.id, ApplicationKind::Change).await.unwrap();
    assert_eq!((moved.kind, moved.employer_id), (ApplicationKind::Change, employer_b));
    let moved = file_with(&world, &world.agent_b, &wang, &moved, None).await;
    grant(&world, &reviewer, &supervisor, &moved).await;
    let (fourth, _) = service.my_notices(&wang).await.unwrap().remove(0);
    assert_eq!(fourth.employer_id, employer_b);
    assert_eq!(fourth.details["employer"], "agent-b 科技有限公司");
    assert_eq!(public(third.serial.clone(), third.check_code.clone()).await, NoticeStanding::Superseded);
    // The old employer no longer sees the person's new application.
    assert!(matches!(service.view(&world.agent_a, moved.id).await, Err(ServiceError::NotFound)));

    // More than 60 days after the end the points have lapsed: only a new application helps.
    service.clock.travel(365 + 61);
    assert_eq!(service.start_follow_up(&wang, ApplicationKind::Renewal).await.unwrap_err().code(), "points_lapsed");
}

on_both_databases!(a_false_materials_finding_goes_through_due_process_and_counts_until_it_expires);
async fn a_false_materials_finding_goes_through_due_process_and_counts_until_it_expires(world: World) {
    use jifen_applications::{EntryStanding, FindingInput, MoveInput, VerificationInput, entry_standing};
    use jifen_store::BlacklistQuery;
    let service = &world.service;
    let reviewer = staff(&world, "reviewer-pd", Role::Reviewer).await;
    let supervisor = staff(&world, "supervisor-pd", Role::Supervisor).await;
    let mut form = complete_form();
    form.set("edu_level", "master");
    form.set("si_to_0", "");
    let (zhang, filed) = filed_application(&world, form).await;
    let id = filed.id;
    let all_original: BTreeMap<String, (String, String)> = marked(service, &world.clerk_pudong, id, "original").await;
    let accepted = MoveInput { counter: all_original, ..MoveInput::default() };
    let mut version =
        service.act_with(&world.clerk_pudong, id, filed.version, "accept", &accepted).await.unwrap().version;
    version = service.act(&reviewer, id, version, "request_file", "档案室", BTreeMap::new()).await.unwrap().version;
    version = service.act(&reviewer, id, version, "file_arrived", "", BTreeMap::new()).await.unwrap().version;

    // A reviewer records the finding against the person and the employer; both are told.
    let finding = FindingInput {
        person: true,
        employer: true,
        material: "degree_certificate".into(),
        finding: "学位证书系伪造".into(),
        evidence: "学信网查无此证书编号".into(),
    };
    assert!(matches!(service.record_finding(&world.clerk_pudong, id, &finding).await, Err(ServiceError::Forbidden)));
    let unknown = FindingInput { material: "award_certificate".into(), ..finding.clone() };
    assert_eq!(service.record_finding(&reviewer, id, &unknown).await.unwrap_err().code(), "material_unknown");
    let empty = FindingInput { evidence: " ".into(), ..finding.clone() };
    assert_eq!(service.record_finding(&reviewer, id, &empty).await.unwrap_err().code(), "finding_incomplete");
    let ids = service.record_finding(&reviewer, id, &finding).await.unwrap();
    assert_eq!(ids.len(), 2);
    for phone in ["13900000009", "13800000001"] {
        let bodies: Vec<String> = service.store.messages_to(phone).await.unwrap().into_iter().map(|m| m.body).collect();
        assert!(bodies.iter().any(|b| b.contains("学位证书") && b.contains("陈述意见")), "{phone}: {bodies:?}");
    }
    // Staff of every district see both; the person and the employer their own; others nothing.
    let all = BlacklistQuery::default();
    assert_eq!(service.blacklist_for(&world.clerk_xuhui, all).await.unwrap().len(), 2);
    let own = service.blacklist_for(&zhang, all).await.unwrap();
    assert_eq!(own.len(), 1);
    let (person_entry, employer_entry) = (own[0].id, ids.iter().copied().find(|i| *i != own[0].id).unwrap());
    assert_eq!(service.blacklist_for(&world.agent_a, all).await.unwrap()[0].id, employer_entry);
    assert!(service.blacklist_for(&world.agent_b, all).await.unwrap().is_empty());
    // The application's page lists the findings on it: the reviewer both, the person their own.
    assert_eq!(service.view(&reviewer, id).await.unwrap().findings.len(), 2);
    let on_page: Vec<_> = service.view(&zhang, id).await.unwrap().findings.into_iter().map(|f| f.id).collect();
    assert_eq!(on_page, [person_entry]);

    // Due process: no decision before the named respond or their time is over; then a
    // supervisor (not the reviewer) decides once.
    assert_eq!(
        service.decide_entry(&supervisor, person_entry, true, "证据确凿").await.unwrap_err().code(),
        "response_pending"
    );
    assert!(matches!(service.respond_to_entry(&world.agent_b, person_entry, "x").await, Err(ServiceError::NotFound)));
    service.respond_to_entry(&zhang, person_entry, "证书系中介代办，本人不知情").await.unwrap();
    assert!(matches!(service.decide_entry(&reviewer, person_entry, true, "x").await, Err(ServiceError::Forbidden)));
    service.decide_entry(&supervisor, person_entry, true, "经学信网核验确系伪造").await.unwrap();
    assert_eq!(
        service.decide_entry(&supervisor, person_entry, false, "x").await.unwrap_err().code(),
        "already_decided"
    );
    let today = service.clock.today();
    let until = (today + chrono::Months::new(36)).to_string();
    let reader = supervisor.clone();
    let entry_now = |entry_id: BlacklistEntryId| {
        let reader = reader.clone();
        async move {
            service.blacklist_for(&reader, BlacklistQuery { entry_id: Some(entry_id), ..all }).await.unwrap().remove(0)
        }
    };
    assert_eq!(
        entry_standing(&entry_now(person_entry).await, today),
        EntryStanding::Confirmed(today + chrono::Months::new(36))
    );
    assert!(service.store.messages_to("13900000009").await.unwrap().iter().any(|m| m.body.contains(&until)));
    // The person appeals once; only a supervisor who took no part answers; it stands.
    let other_supervisor = staff(&world, "supervisor-2", Role::Supervisor).await;
    service.appeal_entry(&zhang, person_entry, "证书为中介代办，本人亦为受害者").await.unwrap();
    assert!(matches!(entry_standing(&entry_now(person_entry).await, today), EntryStanding::Appealed(_)));
    assert_eq!(
        service.barred_until(jifen_store::BlacklistSubject::Person(zhang.id)).await.unwrap().map(|d| d.to_string()),
        Some(until.clone()),
        "in effect meanwhile"
    );
    assert_eq!(
        service.answer_entry_appeal(&supervisor, person_entry, false, "维持").await.unwrap_err().code(),
        "took_part"
    );
    service
        .answer_entry_appeal(&other_supervisor, person_entry, false, "申诉理由不能否定证书伪造的事实")
        .await
        .unwrap();
    assert!(matches!(entry_standing(&entry_now(person_entry).await, today), EntryStanding::Confirmed(_)));
    assert_eq!(service.appeal_entry(&zhang, person_entry, "再次申诉").await.unwrap_err().code(), "not_appealable");
    service.correct_entry(&other_supervisor, person_entry, "材料应为学位证书（原文无误，补记证书编号）").await.unwrap();
    // The employer did not respond: once its time is over the supervisor dismisses it.
    service.clock.travel(11);
    service.decide_entry(&supervisor, employer_entry, false, "单位已尽审核义务").await.unwrap();
    assert_eq!(entry_standing(&entry_now(employer_entry).await, service.clock.today()), EntryStanding::Dismissed);
    assert_eq!(
        service.respond_to_entry(&world.agent_a, employer_entry, "迟到的意见").await.unwrap_err().code(),
        "response_closed"
    );

    // The confirmed record is a false-materials record in the verified score: −150, and the
    // reviewer must say so; below the standard, the supervisor refuses.
    let applicant_id = "310101199005120016";
    let checks: BTreeMap<String, (String, String)> = service
        .checks_needed(&filed, applicant_id)
        .iter()
        .map(|c| (c.id.clone(), ("passed".to_string(), String::new())))
        .collect();
    let confirm = |item: &str| (item.to_string(), ("confirmed".to_string(), String::new(), String::new()));
    let mut items: BTreeMap<String, (String, String, String)> =
        ["age", "education", "si_years", "si_base"].iter().map(|item| confirm(item)).collect();
    let verify = |items: BTreeMap<String, (String, String, String)>| MoveInput {
        verification: Some(VerificationInput { fields: filed.fields.clone(), items, checks: checks.clone() }),
        ..MoveInput::default()
    };
    let silent = service.act_with(&reviewer, id, version, "record_verification", &verify(items.clone())).await;
    assert_eq!(silent.unwrap_err().code(), "verdict_missing", "the record's item must be judged");
    items.insert("false_materials".into(), ("corrected".into(), "record_found".into(), "诚信记录".into()));
    version = service.act_with(&reviewer, id, version, "record_verification", &verify(items)).await.unwrap().version;
    let verification = service.view(&supervisor, id).await.unwrap().verification.unwrap();
    let record = verification.items.iter().find(|i| i.item == "false_materials").unwrap();
    assert_eq!((record.claimed_points, record.verified_points), (0, -150));
    assert_eq!(verification.total, filed.claimed_total.unwrap() - 150);
    version = service.act(&reviewer, id, version, "finish_review", "", BTreeMap::new()).await.unwrap().version;
    assert_eq!(
        service.act(&supervisor, id, version, "grant", "", BTreeMap::new()).await.unwrap_err().code(),
        "below_standard"
    );
    service.act(&supervisor, id, version, "refuse", "虚假材料", BTreeMap::new()).await.unwrap();
    // It bars a new application for three years; the dismissed employer is not barred.
    assert_eq!(service.start_application(&zhang, false).await.unwrap_err().code(), "barred");
    assert_eq!(
        service
            .barred_until(jifen_store::BlacklistSubject::Employer(world.agent_a.employer_id.unwrap()))
            .await
            .unwrap(),
        None
    );

    // Three years on it expires (an event, once); the person may apply and the record no
    // longer counts in the score.
    service.clock.travel(3 * 366);
    assert_eq!(service.expire_blacklist(service.clock.today()).await.unwrap(), 1);
    assert_eq!(service.expire_blacklist(service.clock.today()).await.unwrap(), 0);
    let expired = entry_now(person_entry).await;
    assert_eq!(entry_standing(&expired, service.clock.today()), EntryStanding::Expired);
    assert_eq!(
        expired.events.iter().map(|e| e.kind.as_str()).collect::<Vec<_>>(),
        ["response", "confirmed", "appealed", "upheld", "corrected", "expired"]
    );
    let again = service.start_application(&zhang, false).await.unwrap();
    let saved = service.save_draft(&zhang, again.id, again.version, filed.fields.clone()).await.unwrap();
    assert_eq!(
        saved.claimed_total,
        service.score_form(&filed.fields, applicant_id, service.clock.today()).ok().map(|e| e.total)
    );
}

on_both_databases!(an_appeal_is_handled_by_someone_who_took_no_part_and_can_change_the_decision);
async fn an_appeal_is_handled_by_someone_who_took_no_part_and_can_change_the_decision(world: World) {
    use jifen_applications::{MoveInput, NoticeStanding, VerificationInput};
    let service = &world.service;
    let reviewer = staff(&world, "reviewer-pd", Role::Reviewer).await;
    let deciding = staff(&world, "supervisor-1", Role::Supervisor).await;
    let impartial = staff(&world, "supervisor-2", Role::Supervisor).await;
    let mut form = complete_form();
    form.set("edu_level", "master");
    let (zhang, filed) = filed_application(&world, form).await;
    let id = filed.id;
    let counter = marked(service, &world.clerk_pudong, id, "original").await;
    let mut version = service
        .act_with(&world.clerk_pudong, id, filed.version, "accept", &MoveInput { counter, ..MoveInput::default() })
        .await
        .unwrap()
        .version;
    version = service.act(&reviewer, id, version, "request_file", "档案室", BTreeMap::new()).await.unwrap().version;
    version = service.act(&reviewer, id, version, "file_arrived", "", BTreeMap::new()).await.unwrap().version;
    let checks: BTreeMap<String, (String, String)> = service
        .checks_needed(&filed, "310101199005120016")
        .iter()
        .map(|c| (c.id.clone(), ("passed".to_string(), String::new())))
        .collect();
    let verdicts = |education: (&str, &str)| -> BTreeMap<String, (String, String, String)> {
        ["age", "si_years", "si_base"]
            .iter()
            .map(|item| (item.to_string(), ("confirmed".to_string(), String::new(), String::new())))
            .chain([("education".to_string(), (education.0.to_string(), education.1.to_string(), String::new()))])
            .collect()
    };
    // The reviewer wrongly does not recognise the master's degree; the score falls short.
    let mut wrong = filed.fields.clone();
    wrong.set("edu_level", "associate");
    wrong.set("edu_degree", "");
    let verify = |fields: Fields, verdicts| MoveInput {
        verification: Some(VerificationInput { fields, items: verdicts, checks: checks.clone() }),
        ..MoveInput::default()
    };
    let input = verify(wrong, verdicts(("corrected", "qualification_not_recognised")));
    version = service.act_with(&reviewer, id, version, "record_verification", &input).await.unwrap().version;
    version = service.act(&reviewer, id, version, "finish_review", "", BTreeMap::new()).await.unwrap().version;
    let refused =
        service.act(&deciding, id, version, "refuse", "核定积分未达到标准分值", BTreeMap::new()).await.unwrap();
    assert_eq!((refused.state.as_str(), refused.open), ("refused", false));

    // The applicant asks for reconsideration, with reasons; it opens again.
    let bare = service.act(&zhang, id, refused.version, "appeal", "", BTreeMap::new()).await;
    assert_eq!(bare.unwrap_err().code(), "comment_required");
    let appealed = service
        .act(&zhang, id, refused.version, "appeal", "硕士学位经教育部留学服务中心认证，附认证书", BTreeMap::new())
        .await
        .unwrap();
    assert_eq!((appealed.state.as_str(), appealed.open), ("appealed", true));
    assert!(service.store.messages_to("13900000009").await.unwrap().iter().any(|m| m.body.contains("复核申请已收到")));
    // Whoever decided cannot handle it; another supervisor sends it back to review.
    let own = service.act(&deciding, id, appealed.version, "reconsider", "重新核验学历", BTreeMap::new()).await;
    assert_eq!(own.unwrap_err().code(), "took_part");
    version = service
        .act(&impartial, id, appealed.version, "reconsider", "重新核验学历", BTreeMap::new())
        .await
        .unwrap()
        .version;
    assert!(service.view(&reviewer, id).await.unwrap().verification.is_none(), "a new verification is needed");
    let input = verify(filed.fields.clone(), verdicts(("confirmed", "")));
    version = service.act_with(&reviewer, id, version, "record_verification", &input).await.unwrap().version;
    version = service.act(&reviewer, id, version, "finish_review", "", BTreeMap::new()).await.unwrap().version;
    let granted = service.act(&impartial, id, version, "grant", "", BTreeMap::new()).await.unwrap();
    assert_eq!(granted.state, "granted");
    let (notice, standing) = service.my_notices(&zhang).await.unwrap().remove(0);
    assert_eq!((notice.application_id, standing), (id, NoticeStanding::Current));
    // Its page shows the notice (a page reads notices only in the states that can hold one).
    assert_eq!(service.view(&zhang, id).await.unwrap().notice.map(|n| n.id), Some(notice.id));
    let history: Vec<String> =
        service.store.application_events(id).await.unwrap().into_iter().map(|e| e.action).collect();
    assert!(
        history.ends_with(&["appeal", "reconsider", "record_verification", "finish_review", "grant"].map(String::from))
    );

    // An appeal comes within 60 days of the decision, or not at all.
    service.clock.travel(61);
    let late = service.act(&zhang, id, granted.version, "appeal", "再次复核", BTreeMap::new()).await;
    assert_eq!(late.unwrap_err().code(), "too_late");
}

on_both_databases!(the_dashboards_figures_match_the_applications_they_count);
/// Five applications at the Pudong centre: granted at once, granted after a correction,
/// refused, waiting at the counter, waiting on a correction. Each figure of the dashboard is
/// checked against what the test counts itself from the fixture and the store's records.
async fn the_dashboards_figures_match_the_applications_they_count(world: World) {
    use jifen_applications::{MoveInput, Scope};
    let service = &world.service;
    let staff = |name: &'static str, role, district| async move {
        Actor::from(&service.store.create_user(&user(name, role, district), 0, &entry()).await.unwrap())
    };
    let reviewer = staff("reviewer-pd", Role::Reviewer, Some(District::Pudong)).await;
    let supervisor = staff("supervisor-pd", Role::Supervisor, Some(District::Pudong)).await;
    let supervisor_xuhui = staff("supervisor-xh", Role::Supervisor, Some(District::Xuhui)).await;
    let admin = staff("admin", Role::Admin, None).await;
    let clerk = &world.clerk_pudong;
    let shared = &world;
    let filed = |id_number: &'static str, name: &'static str, mobile: &'static str| async move {
        service.register_applicant(&shared.agent_a, name, id_number, mobile).await.unwrap();
        let person = applicant(shared, id_number).await;
        let mut form = complete_form();
        form.set("name", name);
        let application = service.start_application(&person, false).await.unwrap();
        file(shared, &person, &application, Some(form)).await
    };
    let ask_correction = |application: Application| async move {
        let counter = service
            .view(clerk, application.id)
            .await
            .unwrap()
            .checklist
            .iter()
            .map(|(m, _)| (m.id.clone(), ("missing".to_string(), String::new())))
            .collect();
        let input = MoveInput { counter, ..MoveInput::default() };
        service.act_with(clerk, application.id, application.version, "ask_correction", &input).await.unwrap()
    };

    let a = filed("310101199005120024", "甲一", "13900000021").await;
    let a = grant(&world, &reviewer, &supervisor, &a).await;
    let b = ask_correction(filed("310101199005120032", "乙二", "13900000022").await).await;
    let b = service.act(&world.agent_a, b.id, b.version, "corrected", "", BTreeMap::new()).await.unwrap();
    let b = grant(&world, &reviewer, &supervisor, &b).await;
    let c = filed("310101199005120040", "丙三", "13900000023").await;
    let c = decide(&world, &reviewer, &supervisor, &c, "refuse", "不符合条件").await;
    assert_eq!(c.state, "refused");
    let d = filed("310101199005120059", "丁四", "13900000024").await;
    let e = ask_correction(filed("310101199005120067", "戊五", "13900000025").await).await;
    assert_eq!(e.state, "correction");

    // Who may see which dashboard.
    let pudong = Scope::District(District::Pudong);
    assert!(matches!(service.dashboard(&supervisor_xuhui, pudong, 90).await, Err(ServiceError::Forbidden)));
    assert!(matches!(service.dashboard(&supervisor, Scope::City, 90).await, Err(ServiceError::Forbidden)));
    assert!(matches!(service.dashboard(clerk, pudong, 90).await, Err(ServiceError::Forbidden)));
    assert!(matches!(service.dashboard(&world.agent_a, pudong, 90).await, Err(ServiceError::Forbidden)));
    let own = service.dashboard(&supervisor, pudong, 90).await.unwrap();
    let city = service.dashboard(&admin, Scope::City, 90).await.unwrap();
    let xuhui = service.dashboard(&admin, Scope::District(District::Xuhui), 90).await.unwrap();
    assert_eq!(own.by_district_state, city.by_district_state, "every application here is Pudong's");
    assert!(xuhui.by_district_state.is_empty() && xuhui.open == 0 && xuhui.score_bands.is_empty());

    // By district and state.
    let mut expected: Vec<(District, StateId, i64)> = [("filed", 1), ("correction", 1), ("granted", 2), ("refused", 1)]
        .into_iter()
        .map(|(state, n)| (District::Pudong, state.into(), n))
        .collect();
    let mut counted = own.by_district_state.clone();
    expected.sort();
    counted.sort();
    assert_eq!(counted, expected);
    assert_eq!(own.by_state.iter().map(|(_, n)| n).sum::<i64>(), 5);

    // Clocks: nothing is late today; the oldest waiting is the one still at the counter.
    assert_eq!((own.open, own.overdue), (2, 0));
    let oldest = own.oldest_waiting.clone().unwrap();
    let d_now = service.store.application(d.id).await.unwrap().unwrap();
    let e_now = service.store.application(e.id).await.unwrap().unwrap();
    let expected_oldest = if (d_now.state_since, d.id) <= (e_now.state_since, e.id) { &d_now } else { &e_now };
    assert_eq!(
        (oldest.id, oldest.state.as_str(), oldest.since),
        (expected_oldest.id, expected_oldest.state.as_str(), expected_oldest.state_since)
    );

    // Time to decision, from each decided application's own history.
    let mut days = Vec::new();
    for id in [a.id, b.id, c.id] {
        let events = service.store.application_events(id).await.unwrap();
        let filed_at = events.iter().filter(|e| e.action == "file").map(|e| e.at).max().unwrap();
        let decided_at = events.iter().find(|e| e.action == "grant" || e.action == "refuse").unwrap().at;
        let date = |at| jifen_domain::clock::shanghai_datetime(at).date();
        days.push((date(decided_at) - date(filed_at)).num_days());
    }
    days.sort_unstable();
    assert_eq!(own.decision_days, days);
    assert_eq!(own.median_days, Some(days[1] as f64), "the middle of three");
    assert_eq!(own.p90_days, Some(days[2]), "rank ⌈0.9 × 3⌉ = 3");

    // Rates: three accepted at the counter (one after its correction), two corrections;
    // two grants of three decisions.
    assert_eq!((own.acceptance.count, own.acceptance.of), (3, 5));
    assert_eq!((own.correction.count, own.correction.of), (2, 5));
    assert_eq!((own.approval.count, own.approval.of), (2, 3));
    assert_eq!(own.approval.percent().map(|p| (p * 10.0).round()), Some(667.0));

    // The score distribution of the two holders, in bands of ten.
    let mut totals = Vec::new();
    for id in [a.id, b.id] {
        totals.push(service.store.points_notice_of_application(id).await.unwrap().unwrap().total);
    }
    let holders: i64 = own.score_bands.iter().map(|(_, n)| n).sum();
    assert_eq!(holders, 2);
    for total in &totals {
        let band = own.score_bands.iter().find(|(low, _)| low <= total && *total < low + 10).unwrap();
        let expected = totals.iter().filter(|t| (**t - band.0) >= 0 && (**t - band.0) < 10).count() as i64;
        assert_eq!(band.1, expected, "{totals:?} in {:?}", own.score_bands);
    }
    assert!(own.renewals_due.is_empty(), "a year's validity is far off");

    // 340 days on: the counter's five working days have passed (the correction waits on the
    // employer, not the centre), and both notices end within 30 days.
    service.clock.travel(340);
    let later = service.dashboard(&supervisor, pudong, 90).await.unwrap();
    assert_eq!((later.open, later.overdue), (2, 1));
    // The rates and times cover the period: the moves of 340 days ago are outside the last
    // 90 days and inside the last year; the counts by state do not depend on it.
    assert_eq!(later.since, service.clock.today() - chrono::Days::new(89));
    assert!(later.decision_days.is_empty() && later.approval.of == 0 && later.acceptance.of == 0);
    assert_eq!(later.by_district_state, own.by_district_state);
    let year = service.dashboard(&supervisor, pudong, 365).await.unwrap();
    assert_eq!(
        (year.decision_days.clone(), year.approval, year.acceptance),
        (days.clone(), own.approval, own.acceptance)
    );
    let mut due: Vec<ApplicationId> = later.renewals_due.iter().map(|r| r.application_id).collect();
    due.sort_unstable();
    assert_eq!(due, vec![a.id, b.id]);
    for renewal in &later.renewals_due {
        let until = chrono::NaiveDate::parse_from_str(&renewal.valid_until, "%Y-%m-%d").unwrap();
        let left = (until - service.clock.today()).num_days();
        assert!((0..=30).contains(&left), "{left}");
    }

    // Each table as CSV, with its header.
    let csv = jifen_applications::dashboard_csv(&own, "rates").unwrap().unwrap();
    let text = String::from_utf8(csv).unwrap();
    assert!(text.starts_with("\u{feff}rate,count,of,percent,from,to\n"), "{text}");
    assert!(text.contains(&format!("approval,2,3,66.7,{},{}", own.since, own.today)), "{text}");
    assert!(jifen_applications::dashboard_csv(&own, "nothing").is_none());
}

on_both_databases!(odd_text_in_the_centres_forms_is_refused_naming_its_field_and_emoji_are_kept);
async fn odd_text_in_the_centres_forms_is_refused_naming_its_field_and_emoji_are_kept(world: World) {
    use jifen_applications::{FindingInput, MoveInput};
    let service = &world.service;
    let reviewer = staff(&world, "reviewer-pd", Role::Reviewer).await;
    let (zhang, filed) = filed_application(&world, complete_form()).await;
    let clerk = &world.clerk_pudong;
    let mut counter = marked(service, clerk, filed.id, "copy").await;
    counter.insert("labour_contract".into(), ("defective".into(), "缺页\u{0}".into()));
    let input = MoveInput { counter, ..MoveInput::default() };
    let nul = service.act_with(clerk, filed.id, filed.version, "ask_correction", &input).await;
    let ServiceError::Invalid(problems) = nul.unwrap_err() else { panic!("a NUL is refused") };
    assert_eq!(problems[0].field, "counter_reason_labour_contract");
    let mut counter = marked(service, clerk, filed.id, "copy").await;
    counter.insert("labour_contract".into(), ("defective".into(), "缺第 3 页 📄".into()));
    let asked = service
        .act_with(clerk, filed.id, filed.version, "ask_correction", &MoveInput { counter, ..MoveInput::default() })
        .await
        .unwrap();
    assert_eq!(asked.state, "correction", "emoji are kept");
    // A finding ten thousand characters long is refused; nothing is recorded.
    let back = service.act(&world.agent_a, filed.id, asked.version, "corrected", "", BTreeMap::new()).await.unwrap();
    let accepted = MoveInput { counter: marked(service, clerk, filed.id, "copy").await, ..MoveInput::default() };
    service.act_with(clerk, filed.id, back.version, "accept", &accepted).await.unwrap();
    let long = FindingInput {
        person: true,
        employer: false,
        material: "diploma".into(),
        finding: "伪".repeat(10_000),
        evidence: "学信网".into(),
    };
    let refused = service.record_finding(&reviewer, filed.id, &long).await.unwrap_err();
    assert!(matches!(&refused, ServiceError::Invalid(problems) if problems[0].field == "finding"), "{refused:?}");
    assert!(service.blacklist_for(&zhang, jifen_store::BlacklistQuery::default()).await.unwrap().is_empty());
}

on_both_databases!(a_published_wage_rescores_holders_and_tells_those_who_cross_the_standard);
async fn a_published_wage_rescores_holders_and_tells_those_who_cross_the_standard(world: World) {
    use jifen_applications::PublicationInput;
    let service = &world.service;
    let store = &service.store;
    let admin = Actor::from(&store.create_user(&user("admin", Role::Admin, None), 0, &entry()).await.unwrap());
    let reviewer = staff(&world, "reviewer-pd", Role::Reviewer).await;
    let supervisor = staff(&world, "supervisor-pd", Role::Supervisor).await;
    // A holder above the standard thanks to a base just over the average wage (10 338), by
    // 17 points (142): what the wage below takes away is 25. Insured for four and a half
    // years up to today, so that the years' points are the same whatever day the test runs
    // (from 2022-01 on, a fifth year's points came on 2026-12-01 and kept them at 120).
    let mut form = complete_form();
    let insured_from = service.clock.today() - chrono::Months::new(54);
    form.set("si_base_0", "10500");
    form.set("si_from_0", &insured_from.format("%Y-%m").to_string());
    form.set("si_to_0", "");
    form.set("edu_level", "associate");
    form.set("edu_degree", "");
    let (zhang, filed) = filed_application(&world, form.clone()).await;
    grant(&world, &reviewer, &supervisor, &filed).await;
    let notice = service.my_notices(&zhang).await.unwrap().remove(0).0;
    assert!(notice.total >= 120, "{}", notice.total);
    // And an open application with the same base.
    service.register_applicant(&world.agent_a, "王芳", "310101198006010017", "13900000011").await.unwrap();
    let wang = applicant(&world, "310101198006010017").await;
    let draft = service.start_application(&wang, false).await.unwrap();
    form.set("name", "王芳");
    form.set("mobile", "13900000011");
    let draft = service.save_draft(&wang, draft.id, draft.version, form).await.unwrap();
    let claimed_before = draft.claimed_total.unwrap();

    // A figure of 11 000 from 2025-07: 10 500 is no longer the average wage, so fewer than
    // 36 of the last 48 months reach the 1× tier.
    let input = PublicationInput {
        kind: "wage".into(),
        series: "points_reference".into(),
        month: "2025-07".into(),
        monthly: "11,000".into(),
        source_key: "base-notices".into(),
        confidence: "high".into(),
        reason: "2025 年度社平工资公布".into(),
        ..PublicationInput::default()
    };
    assert!(matches!(service.preview_rules(&reviewer, &input).await, Err(ServiceError::Forbidden)));
    let bad = PublicationInput { monthly: "0".into(), month: "2025-13".into(), reason: String::new(), ..input.clone() };
    let Err(ServiceError::Invalid(problems)) = service.preview_rules(&admin, &bad).await else { panic!("invalid") };
    let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
    assert_eq!(fields, ["reason", "month", "monthly"]);
    let preview = service.preview_rules(&admin, &input).await.unwrap();
    assert_eq!(preview.changes.len(), 1, "{:?}", preview.changes);
    assert_eq!(preview.changes[0].path, "average wage › points_reference 2025-07");
    assert_eq!(preview.changes[0].after.as_deref(), Some("11000"));
    assert_eq!((preview.shifts.holders_changed, preview.shifts.applications_changed), (1, 1));
    let shift = &preview.shifts.holders[0];
    assert_eq!((shift.person_name.as_str(), shift.before.1, shift.after.1), ("张伟明", true, false), "{shift:?}");
    assert!(shift.after.0 < 120 && shift.before.0 == notice.total, "{shift:?}");
    assert!(store.rule_publications().await.unwrap().is_empty(), "a preview publishes nothing");
    // A notice from before verified profiles were kept is rescored from its events, the same.
    jifen_store::testing::forget_notice_profiles(store, notice.application_id).await.unwrap();
    assert_eq!(service.preview_rules(&admin, &input).await.unwrap().shifts, preview.shifts);

    // Published: this server scores with it at once; a second server on the database too.
    let run = service.publish_rules(&admin, &input, preview.version).await.unwrap();
    assert_eq!((run.holders_total, run.applications_total), (1, 1));
    assert_eq!(service.book().wages().entries.last().unwrap().monthly, 11000);
    let other = Service::new(store.clone()).unwrap().with_rules_refresh(std::time::Duration::ZERO);
    assert_eq!(other.book().wages().entries.last().unwrap().monthly, 10338, "before it asks");
    other.refresh_rules().await.unwrap();
    assert_eq!(other.book().wages().entries.last().unwrap().monthly, 11000);
    // Publishing again on the old version is refused: someone published meanwhile.
    let stale = service.publish_rules(&admin, &PublicationInput { monthly: "11500".into(), ..input.clone() }, 0).await;
    assert_eq!(stale.unwrap_err().code(), "rules_published_meanwhile");

    // Rescoring: one server writes the first batch and stops (a crash); while its lease
    // holds nobody else writes; then another server carries the run through.
    assert_eq!(service.continue_rescoring("server-a", Some(1)).await.unwrap(), 1);
    assert_eq!(other.continue_rescoring("server-b", None).await.unwrap(), 0, "the lease holds");
    let halfway = store.rescoring_run(run.id).await.unwrap().unwrap();
    assert_eq!((halfway.done, halfway.finished_at), (1, None));
    // A minute later its lease has lapsed (made to lapse now here), and server-b carries on
    // from the first batch not written.
    store.claim_rescoring("server-a", now_millis() - 1, 0).await.unwrap();
    assert!(other.continue_rescoring("server-b", None).await.unwrap() >= 1);
    let done = store.rescoring_run(run.id).await.unwrap().unwrap();
    assert_eq!(done.done, 2);
    assert!(done.finished_at.is_some());
    assert_eq!(other.continue_rescoring("server-b", None).await.unwrap(), 0, "nothing left");
    assert_eq!(service.continue_rescoring("server-a", None).await.unwrap(), 0, "nothing left");

    // The report names both; the holder and the employer are told once each.
    let report = service.rescoring_report(&admin, run.id).await.unwrap();
    let named: Vec<(&str, Option<&str>, i64)> =
        report.changes.iter().map(|c| (c.subject.as_str(), c.person_name.as_deref(), c.standard)).collect();
    assert_eq!(named[0], ("holder", Some("张伟明"), -1));
    assert_eq!(named[1].0, "application");
    assert_eq!(named[1].1, Some("王芳"));
    let told = |mobile: &'static str| async move {
        store.messages_to(mobile).await.unwrap().into_iter().filter(|m| m.body.contains("重新计算")).count()
    };
    assert_eq!(told("13900000009").await, 1);
    assert_eq!(told("13800000001").await, report.changes.iter().filter(|c| c.standard != 0).count());
    assert_eq!(service.rescored_total(notice.id).await.unwrap(), Some(shift.after.0));
    let draft = store.application(draft.id).await.unwrap().unwrap();
    assert!(draft.claimed_total.unwrap() < claimed_before, "the open application's total follows");
    let audit = store.audit_log(50).await.unwrap();
    let published = audit.iter().find(|e| e.action == "rules_publish").expect("audited");
    assert_eq!(
        (published.actor_id, published.details["reason"].as_str()),
        (Some(admin.id), Some("2025 年度社平工资公布"))
    );
}

on_both_databases!(next_years_holidays_are_published_and_the_centres_clocks_use_them);
async fn next_years_holidays_are_published_and_the_centres_clocks_use_them(world: World) {
    use jifen_applications::{CALENDAR_FILE, PublicationInput};
    let service = &world.service;
    let store = &service.store;
    let admin = Actor::from(&store.create_user(&user("admin", Role::Admin, None), 0, &entry()).await.unwrap());
    let day = |text: &str| chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap();
    assert!(service.calendar().add_working_days(day("2027-12-30"), 2).is_err(), "2028 is not covered yet");
    let text = format!(
        "{}\n[[year]]\nyear = 2028\nsource = \"国务院办公厅关于2028年部分节假日安排的通知\"\nconfidence = \"high\"\n\
         holidays = [\"2028-01-01..2028-01-03\"]\nworkdays = []\n",
        jifen_domain::working_days::EMBEDDED_CALENDAR
    );
    let input = PublicationInput {
        kind: "file".into(),
        file_name: CALENDAR_FILE.into(),
        text,
        effective_from: "2028-01-01".into(),
        source: "国办发明电〔2027〕1号".into(),
        confidence: "high".into(),
        reason: "2028 年节假日安排公布".into(),
        ..PublicationInput::default()
    };
    // A broken calendar is refused with the reason.
    let broken = PublicationInput { text: input.text.replace("year = 2028", "year = 2029"), ..input.clone() };
    let Err(ServiceError::Invalid(problems)) = service.preview_rules(&admin, &broken).await else { panic!("refused") };
    assert!(problems[0].zh.contains("2029"), "{problems:?}");
    let preview = service.preview_rules(&admin, &input).await.unwrap();
    let paths: Vec<&str> = preview.changes.iter().take(4).map(|c| c.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "working-day calendar › 2028-01-01",
            "working-day calendar › 2028-01-02",
            "working-day calendar › 2028-01-03",
            "working-day calendar › 2028-01-04"
        ]
    );
    assert_eq!((preview.changes[0].before.as_deref(), preview.changes[0].after.as_deref()), (None, Some("day off")));
    assert_eq!(preview.changes[3].after.as_deref(), Some("working day"));
    service.publish_rules(&admin, &input, preview.version).await.unwrap();
    // Holidays to 2028-01-03, so two working days after 2027-12-30 end on 2028-01-04's evening.
    assert_eq!(service.calendar().add_working_days(day("2027-12-30"), 2).unwrap(), day("2028-01-04"));
    let other = Service::new(store.clone()).unwrap().with_rules_refresh(std::time::Duration::ZERO);
    other.refresh_rules().await.unwrap();
    assert_eq!(other.calendar().covered_until(), day("2028-12-31"));
    assert_eq!(service.rule_files().await.unwrap().get(CALENDAR_FILE), Some(input.text.as_str()));
}

on_both_databases!(two_publications_on_one_version_at_once_one_wins);
async fn two_publications_on_one_version_at_once_one_wins(world: World) {
    use jifen_applications::PublicationInput;
    let service = &world.service;
    let store = &service.store;
    let admin = Actor::from(&store.create_user(&user("admin", Role::Admin, None), 0, &entry()).await.unwrap());
    let figure = |monthly: &str| PublicationInput {
        kind: "wage".into(),
        series: "points_reference".into(),
        month: "2026-07".into(),
        monthly: monthly.into(),
        source_key: "base-notices".into(),
        confidence: "medium".into(),
        reason: "同时发布".into(),
        ..PublicationInput::default()
    };
    let (first, second) = (figure("12000"), figure("12500"));
    let other = Service::new(store.clone()).unwrap();
    let (a, b) = tokio::join!(service.publish_rules(&admin, &first, 0), other.publish_rules(&admin, &second, 0));
    let refused = match (a, b) {
        (Ok(_), Err(refused)) | (Err(refused), Ok(_)) => refused,
        (a, b) => panic!("exactly one wins: {:?} and {:?}", a.map(|r| r.id), b.map(|r| r.id)),
    };
    assert_eq!(refused.code(), "rules_published_meanwhile");
    assert_eq!(store.rule_publications().await.unwrap().len(), 1);
    assert_eq!(store.rescoring_runs().await.unwrap().len(), 1);
}

on_both_databases!(a_published_version_that_no_longer_loads_is_reported_once_and_the_server_keeps_its_data);
async fn a_published_version_that_no_longer_loads_is_reported_once_and_the_server_keeps_its_data(world: World) {
    let service = world.service.clone().with_rules_refresh(std::time::Duration::ZERO);
    let store = &service.store;
    let admin = store.create_user(&user("admin", Role::Admin, None), 0, &entry()).await.unwrap();
    // Written past the service's checks, as a version an older release accepted might be.
    let broken = NewRulePublication {
        file_name: "sh-2023.toml".into(),
        text: "id = \"sh-2023\"\n".into(),
        summary: "broken".into(),
        effective_from: "2023-01-01".into(),
        source: "test".into(),
        confidence: "low".into(),
        reason: "test".into(),
        published_by: admin.id,
    };
    store.publish_rules(&[broken], 0, "2026-01-01", 0, &entry()).await.unwrap();
    let refused = service.refresh_rules().await.unwrap_err();
    assert!(refused.to_string().contains("sh-2023"), "{refused}");
    service.refresh_rules().await.expect("reported once, then the server goes on");
    assert_eq!(service.book().rule_set("sh-2023").unwrap().standard_score.value, 120, "the data it had");
}

on_both_databases!(a_server_refuses_a_workflow_that_lost_a_state_in_use);
async fn a_server_refuses_a_workflow_that_lost_a_state_in_use(world: World) {
    let service = &world.service;
    // No application yet, and then one filed: every state in use is defined.
    service.check_stored_states().await.unwrap();
    let (_, filed) = filed_application(&world, complete_form()).await;
    service.check_stored_states().await.unwrap();
    // An application left in a state this workflow no longer has (an older release's, or a
    // hand edit) would have no move: the check names it.
    jifen_store::testing::force_application_state(&service.store, filed.id, "lodged").await.unwrap();
    let refused = service.check_stored_states().await.unwrap_err();
    assert!(refused.to_string().contains("lodged"), "{refused}");
}

on_both_databases!(two_servers_rescoring_at_the_same_instant_write_each_batch_once);
/// Rescoring reads and scores the next batch while one is written: two servers starting at
/// the same instant on a run of three batches must between them write each batch once, with
/// every change recorded and every holder who crosses told once.
async fn two_servers_rescoring_at_the_same_instant_write_each_batch_once(world: World) {
    use jifen_applications::{PublicationInput, RESCORING_BATCH};
    let service = &world.service;
    let store = &service.store;
    let admin = Actor::from(&store.create_user(&user("admin", Role::Admin, None), 0, &entry()).await.unwrap());
    // Bases between 10 000 and 12 000: a figure of 11 000 takes some below the standard.
    let holders = 2 * RESCORING_BATCH + 500;
    jifen_store::testing::seed_holders(store, holders, |i| {
        Some(format!(
            r#"{{"as_of":"2026-11-01","birth_date":"1990-05-12","education":[{{"level":"associate"}}],"social_insurance":[{{"from":"2022-01","base":{}}}]}}"#,
            10_000 + (i * 7_919) % 2_000
        ))
    })
    .await
    .unwrap();
    let input = PublicationInput {
        kind: "wage".into(),
        series: "points_reference".into(),
        month: "2025-07".into(),
        monthly: "11000".into(),
        source_key: "base-notices".into(),
        confidence: "high".into(),
        reason: "两台服务器同时重算".into(),
        ..PublicationInput::default()
    };
    let preview = service.preview_rules(&admin, &input).await.unwrap();
    assert_eq!(preview.shifts.holders_checked, holders as usize);
    assert!(preview.shifts.crossing > 1_000, "crossings in every batch: {}", preview.shifts.crossing);
    let run = service.publish_rules(&admin, &input, preview.version).await.unwrap();
    let other = Service::new(store.clone()).unwrap().with_rules_refresh(std::time::Duration::ZERO);
    other.refresh_rules().await.unwrap();

    let (a, b) = tokio::join!(service.continue_rescoring("server-a", None), other.continue_rescoring("server-b", None));
    let (a, b) = (a.unwrap(), b.unwrap());
    assert!(a + b >= 3, "three holder batches and the empty application step: {a} + {b}");
    let done = store.rescoring_run(run.id).await.unwrap().unwrap();
    assert_eq!(done.done, holders);
    assert!(done.finished_at.is_some());
    let changes = store.rescoring_changes(run.id).await.unwrap();
    assert_eq!(changes.len(), preview.shifts.holders_changed);
    let crossing = changes.iter().filter(|change| change.standard != 0).count();
    assert_eq!(crossing, preview.shifts.crossing);
    // The seeded employer's contact is told once for each holder who crosses.
    let employer_told = store.messages_to("13800009999").await.unwrap().len();
    assert_eq!(employer_told, crossing);
}
