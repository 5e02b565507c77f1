//! The district centre's queue beside a long history: `HOLDERS` applications the centre
//! granted in the past (generated), and what a clerk's queue page reads. By default the queue
//! lists the applications still open; a decided state lists its latest `CLOSED_SHOWN`. Before,
//! the default read every application of every state at the centre, decided ones included:
//! that read is timed too, for comparison.
//!
//!   cargo bench -p jifen-applications --bench queue                    # 100 000 on SQLite
//!   QUEUE_BENCH_HOLDERS=1000000 cargo bench -p jifen-applications --bench queue
//!   cargo bench -p jifen-applications --bench queue -- --test         # 2 000, once (CI)
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{median_of, staff};
use jifen_applications::{CLOSED_SHOWN, QueueFilter, Service};
use jifen_domain::{District, Role};
use jifen_store::prelude::*;

fn main() {
    let (test_mode, holders) = common::holders("QUEUE_BENCH_HOLDERS");
    let runs = if test_mode { 1 } else { 11 };
    let runtime = common::runtime();
    runtime.block_on(async {
        let (store, dir) = common::temp_store("queue").await;
        jifen_store::testing::seed_holders(&store, holders, |_| None).await.unwrap();
        let clerk = staff(&store, "clerk", Role::Clerk, Some(District::Pudong)).await;
        let service = Service::new(store.clone()).unwrap();
        let every_centre_state: Vec<_> =
            service.workflow.states.iter().filter(|s| s.centre).map(|s| s.id.clone()).collect();

        let (before, everything) =
            median_of(runs, || store.applications_in_district(District::Pudong, &every_centre_state)).await;
        assert_eq!(everything.unwrap().len() as i64, holders);
        println!("{holders} granted: every state at the centre read (the default queue before): {before:.2?}");
        let open_only = QueueFilter::default();
        let (open, rows) = median_of(runs, || service.centre_queue(&clerk, &open_only)).await;
        assert!(rows.unwrap().is_empty(), "nothing is open");
        println!("{holders} granted: the default queue now (open only): {open:.2?}");
        let granted = QueueFilter { state: Some("granted".into()), ..QueueFilter::default() };
        let (latest, rows) = median_of(runs, || service.centre_queue(&clerk, &granted)).await;
        assert_eq!(rows.unwrap().len() as i64, holders.min(CLOSED_SHOWN));
        println!("{holders} granted: the latest {CLOSED_SHOWN} granted: {latest:.2?}");
        let oldest = QueueFilter { search: Some("holder 1000000".into()), ..granted };
        let (searched, rows) = median_of(runs, || service.centre_queue(&clerk, &oldest)).await;
        assert_eq!(rows.unwrap().len(), 1, "the oldest, found by name");
        println!("{holders} granted: the oldest found by name: {searched:.2?}");
        let by_id = QueueFilter { search: Some(jifen_store::testing::holder_id_number(0)), ..oldest };
        let (found, rows) = median_of(runs, || service.centre_queue(&clerk, &by_id)).await;
        assert_eq!(rows.unwrap().len(), 1, "the oldest, found by a whole ID number");
        println!("{holders} granted: the oldest found by a whole ID number: {found:.2?}");
        let (own, rows) = median_of(runs, || store.applications_of_applicant(UserId::new(1_000_000))).await;
        assert_eq!(rows.unwrap().len(), 1);
        println!("{holders} granted: one person's own applications (their home page): {own:.2?}");
        common::remove_store(store, dir).await;
    });
}
