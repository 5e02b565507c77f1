//! The audit log beside a long history: `ENTRIES` entries (generated: a centre's staff viewing
//! applications, now and then signing in), and what reads it: an administrator's search by
//! subject ("who saw this application"), by actor, by district, the newest page, and the
//! staff list with each member's last sign-in.
//!
//!   cargo bench -p jifen-applications --bench audit                    # 1 000 000 on SQLite
//!   AUDIT_BENCH_ENTRIES=10000000 cargo bench -p jifen-applications --bench audit
//!   cargo bench -p jifen-applications --bench audit -- --test         # 20 000, once (CI)
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{median_of, staff};
use jifen_domain::{District, Role};
use jifen_store::AuditQuery;
use jifen_store::prelude::*;

fn main() {
    let test_mode = std::env::args().any(|arg| arg == "--test");
    let entries: i64 = if test_mode {
        20_000
    } else {
        std::env::var("AUDIT_BENCH_ENTRIES").ok().and_then(|n| n.parse().ok()).unwrap_or(1_000_000)
    };
    let runs = if test_mode { 1 } else { 7 };
    common::runtime().block_on(async {
        let (store, dir) = common::temp_store("audit").await;
        // The applications the entries are about, all filed with Pudong's centre.
        let applications = entries / 10;
        jifen_store::testing::seed_holders(&store, applications, |_| None).await.unwrap();
        let two_years = 730 * 86_400_000;
        jifen_store::testing::seed_decisions(&store, applications, jifen_store::now_millis(), two_years).await.unwrap();
        // Two thirds of the staff are Pudong's, a third Huangpu's.
        let mut members = Vec::new();
        for (i, role) in [Role::Clerk, Role::Reviewer, Role::Supervisor].into_iter().cycle().take(30).enumerate() {
            let district = if i % 3 == 2 { District::Huangpu } else { District::Pudong };
            members.push(staff(&store, &format!("staff-{i}"), role, Some(district)).await.id);
        }
        jifen_store::testing::seed_audit_entries(&store, entries, &members).await.unwrap();
        let all = AuditQuery { limit: 200, ..AuditQuery::default() };

        let (newest, rows) = median_of(runs, || store.search_audit(&all)).await;
        assert_eq!(rows.unwrap().len(), 200);
        println!("{entries} entries: the newest 200: {newest:.2?}");
        let subject = AuditQuery { subject: Some("application:1000007".into()), ..all.clone() };
        let (about, rows) = median_of(runs, || store.search_audit(&subject)).await;
        assert_eq!(rows.unwrap().len(), 10, "each application was viewed ten times");
        println!("{entries} entries: who saw one application: {about:.2?}");
        let actor = AuditQuery { actor_id: Some(members[0]), ..all.clone() };
        let (by, rows) = median_of(runs, || store.search_audit(&actor)).await;
        assert_eq!(rows.unwrap().len(), 200);
        println!("{entries} entries: one member's newest 200: {by:.2?}");
        let sign_ins = AuditQuery { action: Some("sign_in".into()), ..actor };
        let (signed, rows) = median_of(runs, || store.search_audit(&sign_ins)).await;
        assert!(!rows.unwrap().is_empty());
        println!("{entries} entries: one member's sign-ins: {signed:.2?}");
        // A district's supervisor sees the entries about applications filed with its centre
        // and its staff's other entries; a district with none finds nothing, at once.
        let pudong = AuditQuery { district: Some(District::Pudong), ..all.clone() };
        let (district, rows) = median_of(runs, || store.search_audit(&pudong)).await;
        assert_eq!(rows.unwrap().len(), 200);
        println!("{entries} entries: a district's newest 200: {district:.2?}");
        let pudong_subject = AuditQuery { subject: subject.subject.clone(), ..pudong.clone() };
        let (district_about, rows) = median_of(runs, || store.search_audit(&pudong_subject)).await;
        assert_eq!(rows.unwrap().len(), 10);
        println!("{entries} entries: a district's who saw one application: {district_about:.2?}");
        let huangpu_sign_ins =
            AuditQuery { district: Some(District::Huangpu), action: Some("sign_in".into()), ..all.clone() };
        let (signed_in, rows) = median_of(runs, || store.search_audit(&huangpu_sign_ins)).await;
        let rows = rows.unwrap();
        assert!(!rows.is_empty() && rows.iter().all(|row| row.action == "sign_in"), "its staff's sign-ins");
        println!("{entries} entries: a district's sign-ins: {signed_in:.2?}");
        let jingan = AuditQuery { district: Some(District::Jingan), ..all.clone() };
        let (none, rows) = median_of(runs, || store.search_audit(&jingan)).await;
        assert!(rows.unwrap().is_empty(), "Jing'an has no staff and nothing filed");
        println!("{entries} entries: a district with nothing in the log: {none:.2?}");
        let (list, rows) = median_of(runs, || store.staff()).await;
        assert!(rows.unwrap().iter().all(|member| member.last_sign_in.is_some()));
        println!("{entries} entries: the staff list with each one's last sign-in: {list:.2?}");
        common::remove_store(store, dir).await;
    });
}
