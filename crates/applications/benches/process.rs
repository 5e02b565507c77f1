//! The application process's two heavy steps, as a server runs them (SQLite store, release
//! build): printing the application form (view with its audit entry, the form re-checked
//! and scored, two A4 pages laid out with the Chinese font subset) and importing a roster of
//! the largest size accepted, 10 000 new people (each row looked up, each initial password
//! put under the keyed one-time hash, then one transaction). Run with
//! `cargo bench -p jifen-applications`; `cargo bench -p jifen-applications -- --test` runs
//! each once (CI).
#![allow(clippy::expect_used, clippy::unwrap_used)]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use jifen_applications::{Actor, Service};
use jifen_domain::form::Fields;
use jifen_domain::{District, Role};
use jifen_ids::{CreditCode, ResidentIdNumber};
use jifen_store::prelude::*;
use jifen_store::*;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

fn entry() -> AuditEntry {
    AuditEntry {
        at: 0,
        actor_id: None,
        action: "setup".into(),
        subject: "setup".into(),
        details: serde_json::json!({}),
    }
}

/// A valid resident ID number for serial `n` (the check character is the one that parses);
/// distinct for every `n` below 252 000.
fn id_number(n: u64) -> String {
    assert!(n < 252_000, "serials repeat from here");
    let body = format!("31010119900{}{:02}{:03}", 1 + n / 28_000 % 9, 1 + n / 1000 % 28, n % 1000);
    "0123456789X"
        .chars()
        .map(|check| format!("{body}{check}"))
        .find(|candidate| ResidentIdNumber::parse(candidate).is_ok())
        .expect("one check character fits")
}

async fn world() -> (Service, Actor, Actor) {
    // Under jifen-tests-<process id>, which the next test or benchmark run removes: the
    // store stays open to the end of the run, so nothing here can remove it.
    let dir = jifen_store::testing::temp_dir("bench-process").unwrap();
    let store = Store::open(dir.join("jifen.sqlite").to_str().unwrap()).await.unwrap();
    let user = |username: &str, role| NewUser {
        username: username.into(),
        display_name: username.into(),
        password_hash: "x".into(),
        role,
        district: None,
        employer_id: None,
        must_change_password: false,
    };
    let employer = NewEmployer {
        name: "上海示例科技有限公司".into(),
        credit_code: CreditCode::parse("91350100M000100Y43").unwrap(),
        district: District::Pudong,
        contact_name: "王经办".into(),
        contact_phone: "13800000000".into(),
    };
    let (employer, agent) = store.register_employer(&employer, &user("hr", Role::HrAgent), 0, &entry()).await.unwrap();
    store.decide_employer(employer.id, EmployerStatus::Verified, agent.id, 0, &entry()).await.unwrap();
    let service = Service::new(store).unwrap();
    let agent = Actor::from(&agent);
    service.register_applicant(&agent, "张伟明", "310101199005120016", "13900000009").await.unwrap();
    let applicant = Actor::from(&service.store.user_by_username("310101199005120016").await.unwrap().unwrap());
    (service, agent, applicant)
}

/// A filed application with a typical claim: a degree, six insurance periods, a child.
async fn filed_application(service: &Service, agent: &Actor, applicant: &Actor) -> ApplicationId {
    let application = service.start_application(applicant, false).await.unwrap();
    let mut pairs: Vec<(String, String)> = [
        ("name", "张伟明"),
        ("permit_number", "SH2024000123"),
        ("mobile", "13900000009"),
        ("address", "上海市浦东新区世纪大道 100 号"),
        ("post", "软件工程师"),
        ("contract_from", "2020-01-01"),
        ("edu_level", "bachelor"),
        ("edu_degree", "on"),
        ("qual", "title_intermediate"),
        ("family_relation_0", "child"),
        ("family_name_0", "张小明"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    for (row, year) in (2019..2025).enumerate() {
        pairs.push((format!("si_from_{row}"), format!("{year}-01")));
        pairs.push((format!("si_to_{row}"), format!("{year}-12")));
        pairs.push((format!("si_base_{row}"), "15000".into()));
    }
    let fields = Fields::new(pairs);
    let draft = service.save_draft(applicant, application.id, application.version, fields).await.unwrap();
    let mut version = draft.version;
    // The checklist's scans first: a move is refused while a material it needs is missing.
    let view = service.view(applicant, application.id).await.unwrap();
    for (material, _) in view.checklist.iter().filter(|(material, _)| !material.at_counter) {
        service
            .upload_material(applicant, application.id, &material.id, "scan.pdf", b"%PDF-1.4 s".to_vec())
            .await
            .unwrap();
    }
    for (actor, action) in [(applicant, "submit"), (agent, "approve"), (agent, "file")] {
        version = service.act(actor, application.id, version, action, "", BTreeMap::new()).await.unwrap().version;
    }
    application.id
}

fn process(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (service, agent, applicant) = runtime.block_on(world());
    let id = runtime.block_on(filed_application(&service, &agent, &applicant));

    let mut group = c.benchmark_group("applications");
    group.sample_size(20);
    group.bench_function("application_pdf", |b| {
        b.iter(|| runtime.block_on(service.application_pdf(&agent, id)).unwrap().len())
    });

    const ROWS: u64 = 10_000;
    group.throughput(Throughput::Elements(ROWS));
    group.sample_size(10).warm_up_time(Duration::from_millis(1)).measurement_time(Duration::from_secs(20));
    let mut serial = 1_000;
    group.bench_function("import_roster_10000_new_accounts", |b| {
        b.iter_custom(|iterations| {
            let mut spent = Duration::ZERO;
            for _ in 0..iterations {
                let mut csv = String::from("姓名,身份证号码,手机号码\n");
                for _ in 0..ROWS {
                    serial += 1;
                    csv.push_str(&format!("测试{serial},{},139{:08}\n", id_number(serial), serial));
                }
                let started = Instant::now();
                runtime.block_on(async {
                    let job = service.import_roster(&agent, csv.as_bytes()).await.unwrap();
                    loop {
                        let progress = service.import_progress(&agent, job.id).await.unwrap();
                        if progress.job.status != ImportStatus::Running {
                            assert_eq!(progress.job.status, ImportStatus::Done);
                            assert_eq!(progress.job.report["created"].as_u64(), Some(ROWS), "every row a new person");
                            break;
                        }
                        tokio::time::sleep(Duration::from_millis(2)).await;
                    }
                });
                spent += started.elapsed();
            }
            spent
        })
    });
    group.finish();
}

criterion_group!(benches, process);
criterion_main!(benches);
