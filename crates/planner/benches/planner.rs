//! The planner on the typical profile: a 10-year timeline, the ranked what-ifs (one
//! timeline per catalogue action) and a deadline search, together. Target: under 50 ms on
//! one core. Run with `cargo bench -p jifen-planner`.
#![allow(clippy::expect_used)]

use criterion::{Criterion, criterion_group, criterion_main};
use jifen_planner::{Catalogue, PlanRequest, plan};
use jifen_rules::{Profile, RuleBook};
use std::hint::black_box;

const TYPICAL: &str = include_str!("../../../testdata/bench/typical-profile.json");

fn planner(c: &mut Criterion) {
    let book = RuleBook::embedded().expect("embedded rule data loads");
    let catalogue = Catalogue::embedded().expect("embedded catalogue loads");
    let today = chrono::NaiveDate::from_ymd_opt(2025, 7, 1).expect("date");
    let mut profile = Profile::from_json(TYPICAL).expect("valid profile");
    // Four years of insurance at a low base and no title: 102 points, so that the standard
    // is not yet reached and the search has work to do.
    profile.social_insurance.drain(..2);
    for period in &mut profile.social_insurance {
        period.base = 6000;
    }
    profile.qualifications.clear();
    profile.education[0].degree = false;
    let mut request = PlanRequest::for_profile(profile);
    let mut group = c.benchmark_group("planner");
    group.sample_size(20);
    group.bench_function("timeline_and_ranked_actions", |b| {
        b.iter(|| plan(book, catalogue, black_box(&request), today).expect("plans").actions.len())
    });
    // A deadline some plan meets, and one no plan meets (the search scores every set).
    for (name, deadline) in [("deadline_search_met", (2026, 12, 31)), ("deadline_search_exhaustive", (2026, 3, 31))] {
        request.deadline = chrono::NaiveDate::from_ymd_opt(deadline.0, deadline.1, deadline.2);
        let searched = plan(book, catalogue, &request, today).expect("plans").deadline.expect("a deadline plan");
        eprintln!(
            "{name}: met {}, effort {}, best {}, {} plans scored",
            searched.met, searched.effort, searched.best_total, searched.plans_scored
        );
        group.bench_function(name, |b| {
            b.iter(|| plan(book, catalogue, black_box(&request), today).expect("plans").deadline.map(|d| d.met))
        });
    }
    group.finish();
}

criterion_group!(benches, planner);
criterion_main!(benches);
