//! `jifen score --batch FILE.jsonl`: one profile per line in, one result per line out, in
//! input order. A bad line yields an error object for that line and the rest go on, so that
//! many people can be rescored at once. Lines are scored in chunks spread over the cores.

use jifen_rules::{Context, Explain, Lang, Profile, RuleBook};
use serde::Serialize;
use std::io::{self, BufRead, Write};

/// Lines read before a chunk is scored: enough to keep the cores busy, few enough that the
/// results (a few kilobytes each) stay in cache on their way out.
const CHUNK_LINES: usize = 1024;

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

/// What the batch runs with.
pub struct BatchJob<'a> {
    pub book: &'a RuleBook,
    pub context: Context<'a>,
    pub lang: Lang,
    /// `Explain::None` writes compact results.
    pub explain: Explain,
    /// Threads that score; 0 means one per core.
    pub threads: usize,
}

/// Scores every non-blank line of `input`, writing one JSON document per line to `output`,
/// in input order.
pub fn score_batch(job: &BatchJob, mut input: impl BufRead, mut output: impl Write) -> io::Result<BatchSummary> {
    let threads = match job.threads {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    };
    let mut summary = BatchSummary::default();
    let mut first_line_number = 1u64;
    // Buffers live across chunks: fresh multi-megabyte buffers cost more in page faults
    // than the scoring itself.
    let mut lines: Vec<Vec<u8>> = (0..CHUNK_LINES).map(|_| Vec::new()).collect();
    let mut outputs: Vec<Vec<u8>> = (0..threads).map(|_| Vec::new()).collect();
    loop {
        let mut filled = 0;
        while filled < CHUNK_LINES {
            lines[filled].clear();
            if input.read_until(b'\n', &mut lines[filled])? == 0 {
                break;
            }
            filled += 1;
        }
        if filled == 0 {
            break;
        }
        summary.add(score_chunk(job, &lines[..filled], first_line_number, &mut outputs));
        for part in &outputs {
            output.write_all(part)?;
        }
        first_line_number += filled as u64;
    }
    output.flush()?;
    Ok(summary)
}

/// Scores `lines` split over the output buffers, one thread each.
fn score_chunk(job: &BatchJob, lines: &[Vec<u8>], first_line_number: u64, outputs: &mut [Vec<u8>]) -> BatchSummary {
    let part_len = lines.len().div_ceil(outputs.len().max(1)).max(1);
    // Parts beyond the number of lines are not used this time.
    for output in outputs.iter_mut().skip(lines.len().div_ceil(part_len)) {
        output.clear();
    }
    std::thread::scope(|scope| {
        let handles: Vec<_> = lines
            .chunks(part_len)
            .zip(outputs.iter_mut())
            .enumerate()
            .map(|(index, (part, output))| {
                let first = first_line_number + (index * part_len) as u64;
                // Each thread owns its buffer while it works: buffers whose headers share a
                // cache line would be written by both cores at once (false sharing).
                let mut buffer = std::mem::take(output);
                buffer.clear();
                scope.spawn(move || {
                    let summary = score_lines(job, part, first, &mut buffer);
                    (summary, buffer)
                })
            })
            .collect();
        let mut summary = BatchSummary::default();
        for (handle, output) in handles.into_iter().zip(outputs.iter_mut()) {
            match handle.join() {
                Ok((part_summary, buffer)) => {
                    summary.add(part_summary);
                    *output = buffer;
                }
                // A worker only panics on a bug; count its part as failed rather than abort.
                Err(_) => summary.failed += 1,
            }
        }
        summary
    })
}

fn score_lines(job: &BatchJob, lines: &[Vec<u8>], first: u64, output: &mut Vec<u8>) -> BatchSummary {
    let mut summary = BatchSummary::default();
    for (offset, line) in lines.iter().enumerate() {
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let outcome = Profile::from_json_slice(line).and_then(|profile| job.book.evaluate(&profile, &job.context));
        match outcome {
            Ok(evaluation) => {
                summary.scored += 1;
                // The exact bytes of the result document, written without building it.
                evaluation.write_json(job.lang, job.explain, output);
            }
            Err(error) => {
                summary.failed += 1;
                let body = ErrorBody { code: error.code(), path: &error.path, message: error.message(job.lang) };
                let line = LineError { line: first + offset as u64, error: body };
                if sonic_rs::to_writer(&mut *output, &line).is_err() {
                    // Serializing into memory cannot fail; keep the line count honest.
                    output.extend_from_slice(b"{\"error\":{\"code\":\"internal\"}}");
                }
            }
        }
        output.push(b'\n');
    }
    summary
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The API writes results with sonic-rs and the batch with `write_json`, for speed; the
    /// bytes must be exactly what serde_json writes for `jifen score --format json`, full and
    /// compact.
    #[test]
    fn sonic_write_json_and_serde_json_write_the_same_result() {
        let book = RuleBook::embedded().unwrap();
        let context = Context::on(chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap());
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/cases");
        let mut compared = 0;
        for entry in std::fs::read_dir(dir).unwrap() {
            let bytes = std::fs::read(entry.unwrap().path()).unwrap();
            let profile = Profile::from_document_slice(&bytes).unwrap();
            for lang in [Lang::Zh, Lang::En] {
                let evaluation = book.evaluate(&profile, &context).unwrap();
                let result = evaluation.to_result(lang);
                assert_eq!(sonic_rs::to_vec(&result).unwrap(), serde_json::to_vec(&result).unwrap());
                let compact = evaluation.to_compact_result(lang);
                assert_eq!(sonic_rs::to_vec(&compact).unwrap(), serde_json::to_vec(&compact).unwrap());
                for (explain, document) in
                    [(Explain::Full, serde_json::to_vec(&result)), (Explain::None, serde_json::to_vec(&compact))]
                {
                    let mut written = Vec::new();
                    evaluation.write_json(lang, explain, &mut written);
                    assert_eq!(written, document.unwrap(), "the batch writes what serde_json writes");
                }
                compared += 1;
            }
        }
        assert!(compared >= 34);
    }
}
