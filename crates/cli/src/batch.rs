//! `jifen score --batch FILE.jsonl`: one profile per line in, one result per line out, in
//! input order. A bad line yields an error object for that line and the rest go on, so that
//! many people can be rescored at once. Lines are scored in chunks spread over the cores.

use jifen_rules::{Context, Lang, Profile, RuleBook};
use serde::Serialize;
use std::io::{self, BufRead, Write};

/// Lines read before a chunk is scored: large enough to keep the cores busy, small enough
/// to keep memory flat (a result is a few kilobytes).
const CHUNK_LINES: usize = 4096;

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct BatchSummary {
    pub scored: u64,
    pub failed: u64,
}

impl BatchSummary {
    fn add(&mut self, other: BatchSummary) {
        self.scored += other.scored;
        self.failed += other.failed;
    }
}

#[derive(Serialize)]
struct LineError<'a> {
    line: u64,
    error: ErrorBody<'a>,
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    code: &'a str,
    path: &'a str,
    message: String,
}

/// Scores every non-blank line of `input`, writing one JSON document per line to `output`.
pub fn score_batch(
    book: &RuleBook,
    context: &Context,
    lang: Lang,
    mut input: impl BufRead,
    mut output: impl Write,
) -> io::Result<BatchSummary> {
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut summary = BatchSummary::default();
    let mut first_line_number = 1u64;
    let mut lines: Vec<Vec<u8>> = Vec::with_capacity(CHUNK_LINES);
    loop {
        lines.clear();
        let mut at_end = false;
        while lines.len() < CHUNK_LINES {
            let mut line = Vec::new();
            if input.read_until(b'\n', &mut line)? == 0 {
                at_end = true;
                break;
            }
            lines.push(line);
        }
        let (chunk_summary, chunks) =
            score_chunk(book, context, lang, &lines, first_line_number, workers);
        for chunk in chunks {
            output.write_all(&chunk)?;
        }
        summary.add(chunk_summary);
        first_line_number += lines.len() as u64;
        if at_end {
            break;
        }
    }
    output.flush()?;
    Ok(summary)
}

/// Scores `lines` on up to `workers` threads; returns the output of each part in order.
fn score_chunk(
    book: &RuleBook,
    context: &Context,
    lang: Lang,
    lines: &[Vec<u8>],
    first_line_number: u64,
    workers: usize,
) -> (BatchSummary, Vec<Vec<u8>>) {
    let part_len = lines.len().div_ceil(workers.max(1)).max(1);
    std::thread::scope(|scope| {
        let handles: Vec<_> = lines
            .chunks(part_len)
            .enumerate()
            .map(|(index, part)| {
                let first = first_line_number + (index * part_len) as u64;
                scope.spawn(move || score_lines(book, context, lang, part, first))
            })
            .collect();
        let mut summary = BatchSummary::default();
        let mut outputs = Vec::with_capacity(handles.len());
        for handle in handles {
            // A worker only panics on a bug; report it as a failed part rather than abort.
            let (part_summary, output) = handle.join().unwrap_or_else(|_| {
                (
                    BatchSummary {
                        scored: 0,
                        failed: 1,
                    },
                    b"{\"error\":{\"code\":\"internal\"}}\n".to_vec(),
                )
            });
            summary.add(part_summary);
            outputs.push(output);
        }
        (summary, outputs)
    })
}

fn score_lines(
    book: &RuleBook,
    context: &Context,
    lang: Lang,
    lines: &[Vec<u8>],
    first: u64,
) -> (BatchSummary, Vec<u8>) {
    let mut summary = BatchSummary::default();
    let mut output = Vec::with_capacity(lines.len() * 8192);
    for (offset, line) in lines.iter().enumerate() {
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let outcome = Profile::from_json_slice(line).and_then(|profile| {
            book.evaluate(&profile, context)
                .map(|evaluation| serde_json::to_writer(&mut output, &evaluation.to_result(lang)))
        });
        // Writing to a Vec cannot fail; serialization of these types cannot either.
        match outcome {
            Ok(_) => summary.scored += 1,
            Err(error) => {
                let body = ErrorBody {
                    code: error.code(),
                    path: &error.path,
                    message: error.message(lang),
                };
                let _ = serde_json::to_writer(
                    &mut output,
                    &LineError {
                        line: first + offset as u64,
                        error: body,
                    },
                );
                summary.failed += 1;
            }
        }
        output.push(b'\n');
    }
    (summary, output)
}
