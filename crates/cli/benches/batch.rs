//! `jifen score --batch` end to end in-process: JSON Lines in, JSON Lines out, 10 000
//! profiles per iteration, full and compact (`--explain none`) results. Run with `cargo bench -p jifen --bench batch`.

#![allow(clippy::expect_used)]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use jifen_cli::batch::{BatchJob, score_batch};
use jifen_rules::{Context, Explain, Lang, RuleBook};

const LINES: usize = 10_000;

/// The typical profile on one line, with a varying birth year and base so that lines differ.
fn input() -> Vec<u8> {
    let typical: serde_json::Value =
        serde_json::from_str(include_str!("../../../testdata/bench/typical-profile.json")).expect("valid JSON");
    let mut out = Vec::new();
    for i in 0..LINES {
        let mut profile = typical.clone();
        profile["birth_date"] = format!("{}-03-15", 1970 + i % 30).into();
        profile["social_insurance"][3]["base"] = (9000 + (i % 50) * 300).into();
        serde_json::to_writer(&mut out, &profile).expect("serializes");
        out.push(b'\n');
    }
    out
}

fn batch(c: &mut Criterion) {
    let book = RuleBook::embedded().expect("embedded rule data loads");
    let context = Context::on(chrono::NaiveDate::from_ymd_opt(2025, 7, 1).expect("date"));
    let input = input();
    let mut group = c.benchmark_group("batch");
    group.throughput(Throughput::Elements(LINES as u64));
    group.sample_size(20);
    for (explain, threads) in [(Explain::Full, 1), (Explain::Full, 0), (Explain::None, 1), (Explain::None, 0)] {
        let job = BatchJob { book, context, lang: Lang::Zh, explain, threads };
        let cores = if threads == 0 { "all_cores".to_string() } else { format!("{threads}_thread") };
        let detail = if explain == Explain::None { "compact" } else { "full" };
        group.bench_function(format!("score_batch_10k_{detail}_{cores}"), |b| {
            b.iter(|| {
                // Output goes to a sink, as to a file or pipe: the batch's own buffers are measured.
                let summary = score_batch(&job, &input[..], std::io::sink()).expect("runs");
                assert_eq!(summary.scored, LINES as u64);
            })
        });
    }
    group.finish();
}

criterion_group!(benches, batch);
criterion_main!(benches);
