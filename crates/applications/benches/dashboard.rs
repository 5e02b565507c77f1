//! A district centre's dashboard beside a long history: `HOLDERS` applications the centre
//! granted over the last two years (generated: each filed, accepted and granted, with a
//! points notice in force), the supervisor's dashboard over each period it offers, and the
//! notice one application's page reads.
//! (Before, it read every application at the centre, every counted move of the district's
//! history and every notice in force of the city: BENCHMARKS.md has that build's figures.)
//!
//!   cargo bench -p jifen-applications --bench dashboard                    # 100 000 on SQLite
//!   DASHBOARD_BENCH_HOLDERS=1000000 cargo bench -p jifen-applications --bench dashboard
//!   cargo bench -p jifen-applications --bench dashboard -- --test         # 2 000, once (CI)
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{median_of, staff};
use jifen_applications::{DASHBOARD_PERIODS, Scope, Service};
use jifen_domain::{District, Role};
use jifen_store::prelude::*;

fn main() {
    let (test_mode, holders) = common::holders("DASHBOARD_BENCH_HOLDERS");
    let runs = if test_mode { 1 } else { 5 };
    let runtime = common::runtime();
    runtime.block_on(async {
        let (store, dir) = common::temp_store("dashboard").await;
        jifen_store::testing::seed_holders(&store, holders, |_| None).await.unwrap();
        let two_years = 730 * 86_400_000;
        jifen_store::testing::seed_decisions(&store, holders, jifen_store::now_millis(), two_years).await.unwrap();
        let supervisor = staff(&store, "supervisor", Role::Supervisor, Some(District::Pudong)).await;
        let service = Service::new(store.clone()).unwrap();
        let pudong = Scope::District(District::Pudong);
        for days in DASHBOARD_PERIODS {
            let (took, dashboard) = median_of(runs, || service.dashboard(&supervisor, pudong, days)).await;
            let dashboard = dashboard.unwrap();
            let granted = dashboard.by_state.iter().find(|(state, _)| state == "granted").unwrap().1;
            assert_eq!(granted, holders);
            assert_eq!(dashboard.score_bands.iter().map(|(_, n)| n).sum::<i64>(), holders);
            // The filings are spread evenly over two years: the period holds about its share.
            let share = days as f64 / 730.0;
            let decided = dashboard.decision_days.len() as f64;
            assert!(
                (decided - share * holders as f64).abs() <= 0.05 * holders as f64 + 2.0,
                "{decided} in {days} days"
            );
            assert!(dashboard.decision_days.iter().all(|d| *d == 10 || *d == 11), "granted ten days after filing");
            println!(
                "{holders} granted: the dashboard now, the last {days} days ({} decisions): {took:.2?}",
                dashboard.decision_days.len()
            );
        }
        // An application's page in a granted state reads the notice its grant issued: by the
        // application's id, along points_notices_by_application, not through every notice.
        let middle = jifen_domain::ids::ApplicationId::new(1_000_000 + holders / 2);
        let (took, notice) = median_of(runs, || store.points_notice_of_application(middle)).await;
        assert_eq!(notice.unwrap().unwrap().application_id, middle);
        println!("{holders} notices: the notice of one application: {took:.2?}");
        common::remove_store(store, dir).await;
    });
}
