//! Rendering alone, without the database: the two-page sample application form laid out,
//! painted, its font subset and everything deflated. `cargo bench -p jifen-pdf`; figures in
//! BENCHMARKS.md.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/common/mod.rs"]
mod common;

use criterion::{Criterion, criterion_group, criterion_main};

fn render(c: &mut Criterion) {
    let form = common::application_form();
    c.bench_function("render_application_form", |b| b.iter(|| jifen_pdf::render(&form).unwrap()));
}

criterion_group!(benches, render);
criterion_main!(benches);
