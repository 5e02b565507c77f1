//! The application path over HTTP, as browsers drive it: an HR agent opens an applicant's
//! account (the initial password arrives by SMS), the applicant signs in, changes it, fills
//! the form, uploads a scan and submits; the employer returns it with a comment on one
//! field; the applicant fixes it and resubmits; the employer approves and files it, and the
//! printed form carries the applicant's name. Every step is audited and sent its SMS, and
//! every other person is refused. Also: the CSV import with good and bad rows.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{App, browser, employer, first_sign_in, location, spawn};
use jifen_domain::{District, Role};
use jifen_store::prelude::*;
use reqwest::StatusCode;

const ZHANG_ID: &str = "310101199005120016";
const ZHANG_MOBILE: &str = "13900000009";

async fn get(app: &App, client: &reqwest::Client, path: &str) -> (StatusCode, String) {
    let response = client.get(format!("{}{path}", app.base)).send().await.unwrap();
    (response.status(), response.text().await.unwrap())
}

fn complete_form<'a>(csrf: &'a str, version: &'a str, permit: &'a str, intent: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("csrf", csrf),
        ("version", version),
        ("intent", intent),
        ("name", "张伟明"),
        ("permit_number", permit),
        ("mobile", ZHANG_MOBILE),
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
    ]
}

/// The hidden `version` field of an application's page.
fn version(html: &str) -> String {
    html.split("name=\"version\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_default()
        .to_string()
}

async fn state_of(app: &App, id: ApplicationId) -> String {
    app.store.application(id).await.unwrap().unwrap().state.to_string()
}

#[tokio::test]
async fn an_application_goes_from_account_creation_to_the_printed_filed_form() {
    let app = spawn().await;
    app.user("clerk", Role::Clerk, Some(District::Pudong), None, false).await;
    let hr = employer(&app, "91350100M000100Y43", "hr-a").await;

    // The HR agent opens the account; a bad ID number is refused naming the field.
    let csrf = app.csrf(&hr, "/applicants").await;
    let bad = app
        .post(
            &hr,
            "/applicants",
            &[("name", "张伟明"), ("id_number", "310101199005120017"), ("mobile", ZHANG_MOBILE), ("csrf", &csrf)],
        )
        .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text().await.unwrap().contains("身份证号码"));
    let created = app
        .post(
            &hr,
            "/applicants",
            &[("name", "张伟明"), ("id_number", ZHANG_ID), ("mobile", ZHANG_MOBILE), ("csrf", &csrf)],
        )
        .await;
    assert_eq!(location(&created), "/applicants?done=created");
    let (_, list) = get(&app, &hr, "/applicants").await;
    assert!(list.contains("310***********0016") && !list.contains(ZHANG_ID), "the list masks the ID number");
    assert!(list.contains("139****0009"), "and the mobile");

    // The applicant signs in with the SMS's password, changes it and starts the application.
    let zhang = first_sign_in(&app, ZHANG_ID, ZHANG_MOBILE).await;
    let csrf = app.csrf(&zhang, "/applications").await;
    let started = app.post(&zhang, "/applications", &[("csrf", &csrf)]).await;
    let path = location(&started).to_string();
    let id: ApplicationId = path.rsplit('/').next().unwrap().parse().unwrap();
    let (status, page) = get(&app, &zhang, &path).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("个人填报中") && page.contains("居住证号码"), "the form, in Chinese");

    // Submitting an incomplete form names what is missing and keeps the draft.
    let incomplete = app
        .post(&zhang, &path, &[("csrf", &csrf), ("version", &version(&page)), ("intent", "submit"), ("name", "张伟明")])
        .await;
    assert_eq!(incomplete.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = incomplete.text().await.unwrap();
    assert!(page.contains("请填写居住证号码"), "{page}");
    assert_eq!(state_of(&app, id).await, "draft");

    // A scan for the ID card: refused when it is not what it claims, kept when it is.
    let upload = |bytes: &'static [u8], name: &'static str| {
        let form = reqwest::multipart::Form::new()
            .text("csrf", csrf.clone())
            .part("file", reqwest::multipart::Part::bytes(bytes).file_name(name));
        zhang.post(format!("{}/applications/{id}/materials/id_card", app.base)).multipart(form).send()
    };
    assert_eq!(upload(b"MZ not a scan", "身份证.pdf").await.unwrap().status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(upload(b"%PDF-1.4 scan of the ID card", "身份证.pdf").await.unwrap().status(), StatusCode::SEE_OTHER);
    // A crafted form with more files than the checklist has materials (a flood of tiny
    // files would fit the size limit) is refused whole: nothing of it is kept.
    let flood = (0..40).fold(
        reqwest::multipart::Form::new()
            .text("csrf", csrf.clone())
            .part("file", reqwest::multipart::Part::bytes(&b"%PDF-1.4 scan"[..]).file_name("洪水.pdf")),
        |form, _| {
            form.part(
                "file_residence_permit",
                reqwest::multipart::Part::bytes(&b"%PDF-1.4 scan"[..]).file_name("洪水.pdf"),
            )
        },
    );
    let flooded = zhang.post(format!("{}/applications/{id}/materials/id_card", app.base)).multipart(flood).send();
    let flooded = flooded.await.unwrap();
    assert_eq!(flooded.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let refusal = flooded.text().await.unwrap();
    assert!(refusal.contains("一次最多上传") && refusal.contains("所选的文件都没有保存"), "{refusal}");
    let (_, page) = get(&app, &zhang, &path).await;
    assert!(!page.contains("洪水.pdf") && page.contains("身份证.pdf"), "nothing of the flood is kept");

    // The complete form goes to the employer, with the documents submission waits for.
    for material in ["residence_permit", "labour_contract"] {
        let form = reqwest::multipart::Form::new()
            .text("csrf", csrf.clone())
            .part("file", reqwest::multipart::Part::bytes(&b"%PDF-1.4 scan"[..]).file_name("scan.pdf"));
        let sent = zhang.post(format!("{}/applications/{id}/materials/{material}", app.base)).multipart(form).send();
        assert_eq!(sent.await.unwrap().status(), StatusCode::SEE_OTHER);
    }
    let (_, page) = get(&app, &zhang, &path).await;
    assert!(page.contains("身份证.pdf"), "the upload is on the checklist");
    let submitted = app.post(&zhang, &path, &complete_form(&csrf, &version(&page), "SH0001", "submit")).await;
    assert_eq!(submitted.status(), StatusCode::SEE_OTHER);
    assert_eq!(state_of(&app, id).await, "submitted");

    // The employer sees it (ID masked in its list) and returns it with a comment on one field.
    let (_, list) = get(&app, &hr, "/applications").await;
    assert!(list.contains("310***********0016") && !list.contains(ZHANG_ID));
    let (_, review) = get(&app, &hr, &path).await;
    assert!(review.contains("name=\"note_permit_number\""), "a comment box per field");
    let hr_csrf = app.csrf(&hr, &path).await;
    let returned = app
        .post(
            &hr,
            &format!("{path}/actions"),
            &[
                ("csrf", &hr_csrf),
                ("version", &version(&review)),
                ("action", "return"),
                ("note_permit_number", "居住证号码与证件不符"),
            ],
        )
        .await;
    assert_eq!(returned.status(), StatusCode::SEE_OTHER);
    assert_eq!(state_of(&app, id).await, "returned");

    // The applicant sees the comment beside the field, fixes it and resubmits.
    let (_, page) = get(&app, &zhang, &path).await;
    assert!(page.contains("居住证号码与证件不符") && page.contains("单位退回修改"));
    let resubmitted = app.post(&zhang, &path, &complete_form(&csrf, &version(&page), "SH0002", "submit")).await;
    assert_eq!(resubmitted.status(), StatusCode::SEE_OTHER);

    // The employer approves and files it; a stale version is refused without effect.
    let (_, review) = get(&app, &hr, &path).await;
    let stale =
        app.post(&hr, &format!("{path}/actions"), &[("csrf", &hr_csrf), ("version", "1"), ("action", "approve")]).await;
    assert_eq!(stale.status(), StatusCode::CONFLICT);
    let approve = app
        .post(
            &hr,
            &format!("{path}/actions"),
            &[("csrf", &hr_csrf), ("version", &version(&review)), ("action", "approve")],
        )
        .await;
    assert_eq!(approve.status(), StatusCode::SEE_OTHER);
    // Filing waits for the documents the claim needs: the page says which.
    let (_, review) = get(&app, &hr, &path).await;
    let waiting = app
        .post(
            &hr,
            &format!("{path}/actions"),
            &[("csrf", &hr_csrf), ("version", &version(&review)), ("action", "file")],
        )
        .await;
    assert_eq!(waiting.status(), StatusCode::CONFLICT);
    let page = waiting.text().await.unwrap();
    assert!(page.contains("id=\"refused\"") && page.contains("学历证书") && page.contains("学位证书"), "{page}");
    for material in ["diploma", "degree_certificate", "child_birth_certificate"] {
        let form = reqwest::multipart::Form::new()
            .text("csrf", hr_csrf.clone())
            .part("file", reqwest::multipart::Part::bytes(&b"%PDF-1.4 scan"[..]).file_name("scan.pdf"));
        let sent = hr.post(format!("{}/applications/{id}/materials/{material}", app.base)).multipart(form).send();
        assert_eq!(sent.await.unwrap().status(), StatusCode::SEE_OTHER);
    }
    let (_, review) = get(&app, &hr, &path).await;
    let filed = app
        .post(
            &hr,
            &format!("{path}/actions"),
            &[("csrf", &hr_csrf), ("version", &version(&review)), ("action", "file")],
        )
        .await;
    assert_eq!(filed.status(), StatusCode::SEE_OTHER);
    assert_eq!(state_of(&app, id).await, "filed");
    let (_, page) = get(&app, &zhang, &path).await;
    assert!(page.contains("浦东新区人才服务中心"), "where the materials go");

    // The printed form: a PDF with the applicant's name in Chinese and the seal box.
    let pdf = hr.get(format!("{}{path}/form.pdf", app.base)).send().await.unwrap();
    assert_eq!(pdf.status(), StatusCode::OK);
    assert_eq!(pdf.headers()["content-type"], "application/pdf");
    let text = pdf_extract::extract_text_from_mem(&pdf.bytes().await.unwrap()).unwrap();
    assert!(text.contains("张伟明") && text.contains("用人单位意见（盖章）") && text.contains("SH0002"), "{text}");

    // Every step is in the history and the audit log, and sent its SMS.
    let events: Vec<String> = app.store.application_events(id).await.unwrap().into_iter().map(|e| e.action).collect();
    assert_eq!(events, ["create", "submit", "return", "submit", "approve", "file"]);
    let audited: Vec<String> =
        app.store.audit_of(&format!("application:{id}")).await.unwrap().into_iter().map(|e| e.action).collect();
    for action in [
        "application_create",
        "material_upload",
        "application_submit",
        "application_return",
        "application_approve",
        "application_file",
    ] {
        assert!(audited.iter().any(|a| a == action), "{action} not in {audited:?}");
    }
    let to_zhang: Vec<String> =
        app.store.messages_to(ZHANG_MOBILE).await.unwrap().into_iter().map(|m| m.body).collect();
    assert_eq!(to_zhang.len(), 4, "account, returned, approved, filed: {to_zhang:?}");
    assert!(to_zhang[1].contains("居住证号码与证件不符"));
    let to_employer = app.store.messages_to("13800000000").await.unwrap();
    assert_eq!(to_employer.len(), 2, "two submissions to review");
}

#[tokio::test]
async fn nobody_else_sees_an_application_its_files_or_its_form() {
    let app = spawn().await;
    app.user("clerk", Role::Clerk, Some(District::Pudong), None, false).await;
    let hr_a = employer(&app, "91350100M000100Y43", "hr-a").await;
    let hr_b = employer(&app, "91110000802100433B", "hr-b").await;
    for (hr, name, id_number, mobile) in
        [(&hr_a, "张伟明", ZHANG_ID, ZHANG_MOBILE), (&hr_b, "李丽", "11010519491231002X", "13900000008")]
    {
        let csrf = app.csrf(hr, "/applicants").await;
        let created = app
            .post(hr, "/applicants", &[("name", name), ("id_number", id_number), ("mobile", mobile), ("csrf", &csrf)])
            .await;
        assert_eq!(created.status(), StatusCode::SEE_OTHER);
    }
    let zhang = first_sign_in(&app, ZHANG_ID, ZHANG_MOBILE).await;
    // Signing in with a lower-case x works: ID numbers are compared in canonical form.
    let li = first_sign_in(&app, "11010519491231002x", "13900000008").await;
    let csrf = app.csrf(&zhang, "/applications").await;
    let path = location(&app.post(&zhang, "/applications", &[("csrf", &csrf)]).await).to_string();
    let form = reqwest::multipart::Form::new()
        .text("csrf", csrf.clone())
        .part("file", reqwest::multipart::Part::bytes(&b"%PDF-1.4 zhang's ID card"[..]).file_name("id.pdf"));
    let uploaded = zhang.post(format!("{}{path}/materials/id_card", app.base)).multipart(form).send().await.unwrap();
    assert_eq!(uploaded.status(), StatusCode::SEE_OTHER);
    let upload_id = app.store.uploads(path.rsplit('/').next().unwrap().parse().unwrap()).await.unwrap()[0].id;
    let file = format!("/materials/{upload_id}");

    // Another applicant and another employer's agent: the application does not exist for them.
    for (who, client) in [("another applicant", &li), ("another employer", &hr_b)] {
        for target in [path.clone(), format!("{path}/form.pdf"), file.clone()] {
            let (status, body) = get(&app, client, &target).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{who} GET {target}");
            assert!(!body.contains("张伟明") && !body.contains(ZHANG_ID), "{who} sees nothing of it");
        }
        let (_, list) = get(&app, client, "/applications").await;
        assert!(!list.contains("张伟明"), "{who}'s list");
        let csrf = app.csrf(client, "/applications").await;
        let moved = app
            .post(client, &format!("{path}/actions"), &[("csrf", &csrf), ("version", "1"), ("action", "approve")])
            .await;
        assert!(
            matches!(moved.status(), StatusCode::NOT_FOUND | StatusCode::FORBIDDEN),
            "{who} cannot act: {}",
            moved.status()
        );
        let saved = app.post(client, &path, &complete_form(&csrf, "1", "X1", "save")).await;
        assert!(
            matches!(saved.status(), StatusCode::NOT_FOUND | StatusCode::FORBIDDEN),
            "{who} cannot save: {}",
            saved.status()
        );
    }
    assert_eq!(app.store.application(ApplicationId::new(1)).await.unwrap().unwrap().version, 1, "nothing changed");
    // Someone signed out is sent to sign in.
    let (_, body) = get(&app, &browser(), &path).await;
    assert!(!body.contains("张伟明"));
    assert_eq!(location(&browser().get(format!("{}{path}", app.base)).send().await.unwrap()), "/login");
    // The employer's own agent may see and download, and that is audited; the applicant may
    // not open accounts.
    let (status, body) = get(&app, &hr_a, &file).await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, "%PDF-1.4 zhang's ID card"));
    let audited = app.store.audit_of("application:1").await.unwrap();
    assert!(audited.iter().any(|e| e.action == "material_download"));
    let csrf = app.csrf(&zhang, "/applications").await;
    let refused = app
        .post(
            &zhang,
            "/applicants",
            &[("name", "王五"), ("id_number", "440524188001010014"), ("mobile", "13900000007"), ("csrf", &csrf)],
        )
        .await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_csv_roster_imports_good_rows_and_reports_bad_ones_by_line() {
    let app = spawn().await;
    app.user("clerk", Role::Clerk, Some(District::Pudong), None, false).await;
    let hr = employer(&app, "91350100M000100Y43", "hr-a").await;
    let csrf = app.csrf(&hr, "/applicants").await;
    let csv = "姓名,身份证号码,手机号码\n张伟明,310101199005120016,13900000009\n错号,310101199005120017,13900000010\n李丽,11010519491231002X,13900000008\n";
    let (gbk, _, _) = encoding_rs::GB18030.encode(csv);
    let form = reqwest::multipart::Form::new()
        .text("csrf", csrf.clone())
        .part("roster", reqwest::multipart::Part::bytes(gbk.into_owned()).file_name("名单.csv"));
    let uploaded = hr.post(format!("{}/applicants/import", app.base)).multipart(form).send().await.unwrap();
    let job_path = location(&uploaded).to_string();
    assert!(job_path.starts_with("/applicants/import/"), "{job_path}");
    let page = loop {
        let (status, page) = get(&app, &hr, &job_path).await;
        assert_eq!(status, StatusCode::OK);
        if page.contains("import-summary") {
            break page;
        }
        assert!(page.contains("正在导入") && page.contains("http-equiv=\"refresh\""), "progress while it runs");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    assert!(page.contains("新开账号 2"), "{page}");
    assert!(page.contains("<td class=\"num\">3</td>"), "line 3 is reported");
    assert!(page.contains("校验"), "with why: {page}");
    assert_eq!(app.store.applicants_of_employer(EmployerId::new(1)).await.unwrap().len(), 2);
    assert!(app.store.messages_to("13900000008").await.unwrap()[0].body.contains("初始密码"));
    // A file that is not a roster imports nothing and says why.
    let form = reqwest::multipart::Form::new()
        .text("csrf", csrf)
        .part("roster", reqwest::multipart::Part::bytes(&b"just some words"[..]).file_name("x.csv"));
    let refused = hr.post(format!("{}/applicants/import", app.base)).multipart(form).send().await.unwrap();
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.text().await.unwrap().contains("表头"));
}

#[tokio::test]
async fn only_hr_agents_manage_accounts_and_only_applicants_start_applications() {
    let app = spawn().await;
    app.user("clerk", Role::Clerk, Some(District::Pudong), None, false).await;
    app.user("admin", Role::Admin, None, None, false).await;
    app.user("310101199005120016", Role::Applicant, None, None, false).await;
    let hr = employer(&app, "91350100M000100Y43", "hr-a").await;
    for who in ["clerk", "admin", "310101199005120016"] {
        let client = app.signed_in(who).await;
        assert_eq!(get(&app, &client, "/applicants").await.0, StatusCode::FORBIDDEN, "{who} GET /applicants");
        let csrf = app.csrf(&client, "/home").await;
        let form = [("name", "王五"), ("id_number", "440524188001010014"), ("mobile", "13900000007"), ("csrf", &csrf)];
        assert_eq!(
            app.post(&client, "/applicants", &form).await.status(),
            StatusCode::FORBIDDEN,
            "{who} POST /applicants"
        );
    }
    let csrf = app.csrf(&hr, "/home").await;
    assert_eq!(app.post(&hr, "/applications", &[("csrf", &csrf)]).await.status(), StatusCode::FORBIDDEN);
    // An applicant no employer has registered cannot start one, and is told why.
    let lone = app.signed_in("310101199005120016").await;
    let csrf = app.csrf(&lone, "/home").await;
    let refused = app.post(&lone, "/applications", &[("csrf", &csrf)]).await;
    assert_eq!(refused.status(), StatusCode::CONFLICT);
    assert!(refused.text().await.unwrap().contains("尚未由用人单位登记"));
    assert!(app.store.applicants_of_employer(EmployerId::new(1)).await.unwrap().is_empty(), "nothing was created");
}
