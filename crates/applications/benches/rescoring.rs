//! Rescoring from the database after a publication (issue #15 item 4: at least 100 000
//! stored holders a second, a million in 10 s or less), on generated data: `HOLDERS` current
//! points notices with verified profiles (a base between 10 000 and 12 000, so that a new
//! figure of 11 000 moves about half of them), then a published average wage, its preview
//! (which scores every holder twice without writing) and the run that rescores them, records
//! what changed and queues the SMS of those who cross the standard.
//!
//!   cargo bench -p jifen-applications --bench rescoring                  # 100 000 on SQLite
//!   RESCORING_BENCH_HOLDERS=1000000 cargo bench -p jifen-applications --bench rescoring
//!   RESCORING_BENCH_POSTGRES=1 JIFEN_TEST_POSTGRES_URL=postgres://… cargo bench …   # PostgreSQL
//!   cargo bench -p jifen-applications --bench rescoring -- --test        # 2 000, once (CI)
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use jifen_applications::{PublicationInput, Service};
use jifen_domain::Role;
use jifen_store::Store;
use jifen_store::prelude::*;
use std::time::Instant;

/// A holder born 1985–1994 with an associate degree and insurance since 2022 at a base
/// between 10 000 and 12 000: about 130 points with the 1× base tier, so a higher average
/// wage takes some of them below the standard.
fn profile(i: i64) -> Option<String> {
    let base = 10_000 + (i * 7_919) % 2_000;
    let birth_year = 1985 + i % 10;
    Some(format!(
        r#"{{"as_of":"2026-11-01","birth_date":"{birth_year}-05-12","education":[{{"level":"associate"}}],"social_insurance":[{{"from":"2022-01","base":{base}}}]}}"#
    ))
}

fn main() {
    let (_, holders) = common::holders("RESCORING_BENCH_HOLDERS");
    let runtime = common::runtime();
    runtime.block_on(async {
        let dir = std::env::temp_dir().join(format!("jifen-rescoring-bench-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let postgres = std::env::var("RESCORING_BENCH_POSTGRES").is_ok();
        let database = if postgres {
            Some(jifen_store::testing::TestDatabase::create("rescoring_bench").await.expect("PostgreSQL"))
        } else {
            None
        };
        let url = database.as_ref().map_or_else(|| dir.join("jifen.sqlite").to_string_lossy().into_owned(), |d| d.url.clone());
        let store = Store::open(&url).await.unwrap();
        let started = Instant::now();
        jifen_store::testing::seed_holders(&store, holders, profile).await.unwrap();
        println!("{holders} holders generated in {:.1} s ({})", started.elapsed().as_secs_f64(), if postgres { "PostgreSQL" } else { "SQLite" });

        let admin = common::staff(&store, "admin", Role::Admin, None).await;
        let service = Service::new(store.clone()).unwrap();
        let input = PublicationInput {
            kind: "wage".into(),
            series: "points_reference".into(),
            month: "2025-07".into(),
            monthly: "11000".into(),
            source_key: "base-notices".into(),
            confidence: "high".into(),
            reason: "bench".into(),
            ..PublicationInput::default()
        };

        let started = Instant::now();
        let preview = service.preview_rules(&admin, &input).await.unwrap();
        let seconds = started.elapsed().as_secs_f64();
        println!(
            "preview: {} holders scored twice in {seconds:.2} s = {:.0} holders/s; {} change, {} cross the standard",
            preview.shifts.holders_checked,
            preview.shifts.holders_checked as f64 / seconds,
            preview.shifts.holders_changed,
            preview.shifts.crossing
        );
        assert_eq!(preview.shifts.holders_checked as i64, holders);
        assert!(preview.shifts.holders_changed > 0);

        let run = service.publish_rules(&admin, &input, preview.version).await.unwrap();
        let started = Instant::now();
        let batches = service.continue_rescoring("bench", None).await.unwrap();
        let seconds = started.elapsed().as_secs_f64();
        let run = store.rescoring_run(run.id).await.unwrap().unwrap();
        let changes = store.rescoring_changes(run.id).await.unwrap();
        println!(
            "rescoring: {} holders in {batches} batches in {seconds:.2} s = {:.0} holders/s; {} changes recorded, {} cross the standard",
            run.done,
            run.done as f64 / seconds,
            changes.len(),
            changes.iter().filter(|c| c.standard != 0).count()
        );
        assert_eq!((run.done, changes.len()), (holders, preview.shifts.holders_changed));
        assert!(run.finished_at.is_some());

        // A publication that moves nobody (an insurance-base figure, for information): every
        // holder is still read and scored twice, and nothing but the cursors is written.
        let quiet = PublicationInput {
            series: "insurance_base".into(),
            month: "2026-07".into(),
            monthly: "12500".into(),
            ..input.clone()
        };
        let version = store.rule_data_version().await.unwrap();
        let run = service.publish_rules(&admin, &quiet, version).await.unwrap();
        let started = Instant::now();
        service.continue_rescoring("bench", None).await.unwrap();
        let seconds = started.elapsed().as_secs_f64();
        let run = store.rescoring_run(run.id).await.unwrap().unwrap();
        assert!(store.rescoring_changes(run.id).await.unwrap().is_empty());
        println!(
            "rescoring, nobody moves: {} holders in {seconds:.2} s = {:.0} holders/s",
            run.done,
            run.done as f64 / seconds
        );
        store.close().await;
        if let Some(database) = database {
            database.drop_database().await.unwrap();
        }
        std::fs::remove_dir_all(&dir).unwrap();
    });
}
