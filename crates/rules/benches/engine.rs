//! Engine throughput on a typical profile: ten years of insurance in four ranges, a
//! bachelor's degree and an intermediate title. Run with `cargo bench -p jifen-rules`.

#![allow(clippy::expect_used)]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use jifen_rules::{Context, Lang, Profile, RuleBook};
use std::hint::black_box;

const TYPICAL: &str = include_str!("../../../testdata/bench/typical-profile.json");

fn engine(c: &mut Criterion) {
    let book = RuleBook::embedded().expect("embedded rule data loads");
    let profile = Profile::from_json(TYPICAL).expect("the typical profile is valid");
    let context = Context::on(chrono::NaiveDate::from_ymd_opt(2025, 7, 1).expect("date"));
    let mut group = c.benchmark_group("engine");
    group.throughput(Throughput::Elements(1));
    group
        .bench_function("evaluate", |b| b.iter(|| book.evaluate(black_box(&profile), &context).expect("scores").total));
    group.bench_function("evaluate_and_explain_zh", |b| {
        b.iter(|| book.evaluate(black_box(&profile), &context).expect("scores").to_result(Lang::Zh))
    });
    group.bench_function("parse_profile", |b| b.iter(|| Profile::from_json(black_box(TYPICAL)).expect("valid")));
    // The reference the plain reader must agree with, for comparison.
    group.bench_function("parse_profile_by_serde", |b| {
        b.iter(|| Profile::from_json_slice_by_serde(black_box(TYPICAL.as_bytes())).expect("valid"))
    });
    let result = book.evaluate(&profile, &context).expect("scores").to_result(Lang::Zh);
    group
        .bench_function("serialize_result", |b| b.iter(|| serde_json::to_vec(black_box(&result)).expect("serializes")));
    group.bench_function("json_in_json_out", |b| {
        b.iter(|| {
            let profile = Profile::from_json(black_box(TYPICAL)).expect("valid");
            let result = book.evaluate(&profile, &context).expect("scores").to_result(Lang::Zh);
            serde_json::to_vec(&result).expect("serializes")
        })
    });
    group.finish();
}

criterion_group!(benches, engine);
criterion_main!(benches);
