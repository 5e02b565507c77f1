//! `jifen score --batch FILE.jsonl`: one profile per line in, one result per line out, in
//! input order. A bad line yields an error object for that line and the rest go on, so that
//! many people can be rescored at once.
//!
//! The work is a pipeline: the calling thread reads the input in chunks of whole lines and
//! hands them round-robin to one scoring thread per core, then writes the results back in the
//! same round-robin order, which is input order. Reading and writing overlap the scoring, and
//! a chunk's buffers (its lines and its results) are used again for a later chunk.

use jifen_rules::{Context, Explain, Lang, Profile, RuleBook};
use serde::Serialize;
use std::io::{self, BufRead, Write};
use std::sync::mpsc;

/// Bytes of input a chunk holds at least (then up to the end of its last line): about four
/// hundred typical profiles, so that a chunk's hand-offs between threads cost little beside
/// its scoring, and a few chunks in flight keep every core busy.
const CHUNK_BYTES: usize = 128 * 1024;

/// Chunks in flight for each scoring thread: one being scored, one waiting for it, so that
/// a thread never waits for the reader.
const CHUNKS_PER_THREAD: usize = 2;

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

/// Whole lines of input on their way through the pipeline, and their results.
#[derive(Default)]
struct Chunk {
    lines: Vec<u8>,
    /// The number of the chunk's first line in the input (from 1), for error objects.
    first_line: u64,
    results: Vec<u8>,
    summary: BatchSummary,
}

/// Scores every non-blank line of `input`, writing one JSON document per line to `output`,
/// in input order.
pub fn score_batch(job: &BatchJob, mut input: impl BufRead, mut output: impl Write) -> io::Result<BatchSummary> {
    let threads = match job.threads {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    };
    std::thread::scope(|scope| {
        let (mut to_scorers, mut from_scorers) = (Vec::new(), Vec::new());
        for _ in 0..threads {
            let (chunks, scorer_input) = mpsc::channel::<Chunk>();
            let (scorer_output, scored) = mpsc::channel::<Chunk>();
            scope.spawn(move || {
                for mut chunk in scorer_input {
                    score_chunk(job, &mut chunk);
                    if scorer_output.send(chunk).is_err() {
                        break;
                    }
                }
            });
            to_scorers.push(chunks);
            from_scorers.push(scored);
        }
        // Leaving this closure early (an error reading or writing) drops the senders, which
        // ends the scoring threads; the scope then waits for them.
        let stopped = || io::Error::other("a scoring thread stopped");
        let mut spare: Vec<Chunk> = Vec::new();
        let (mut sent, mut written, mut next_line, mut at_end) = (0usize, 0usize, 1u64, false);
        let mut summary = BatchSummary::default();
        loop {
            while !at_end && sent - written < threads * CHUNKS_PER_THREAD {
                let mut chunk = spare.pop().unwrap_or_default();
                at_end = read_lines(&mut input, &mut chunk.lines)?;
                if chunk.lines.is_empty() {
                    break;
                }
                chunk.first_line = next_line;
                next_line += memchr::memchr_iter(b'\n', &chunk.lines).count() as u64;
                to_scorers[sent % threads].send(chunk).map_err(|_| stopped())?;
                sent += 1;
            }
            if written == sent {
                break;
            }
            let chunk = from_scorers[written % threads].recv().map_err(|_| stopped())?;
            output.write_all(&chunk.results)?;
            summary.add(chunk.summary);
            written += 1;
            spare.push(chunk);
        }
        output.flush()?;
        Ok(summary)
    })
}

/// Fills `lines` with whole lines of `input`: at least [`CHUNK_BYTES`] unless the input ends
/// first, then up to and including the next newline. Whether the input has ended.
fn read_lines(input: &mut impl BufRead, lines: &mut Vec<u8>) -> io::Result<bool> {
    lines.clear();
    loop {
        let available = input.fill_buf()?;
        if available.is_empty() {
            return Ok(true);
        }
        let wanted = CHUNK_BYTES.saturating_sub(lines.len());
        let end_of_line = memchr::memchr(b'\n', available.get(wanted..).unwrap_or_default()).map(|at| wanted + at + 1);
        let taken = end_of_line.unwrap_or(available.len());
        lines.extend_from_slice(&available[..taken]);
        input.consume(taken);
        if end_of_line.is_some() {
            return Ok(false);
        }
    }
}

/// Scores a chunk's lines into its results. A scoring thread only panics on a bug: the chunk
/// then counts as one failure and writes nothing, and the batch goes on.
fn score_chunk(job: &BatchJob, chunk: &mut Chunk) {
    chunk.results.clear();
    let Chunk { lines, first_line, results, .. } = chunk;
    let scored = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        score_lines(job, lines_of(lines), *first_line, results)
    }));
    chunk.summary = scored.unwrap_or_else(|_| {
        chunk.results.clear();
        BatchSummary { scored: 0, failed: 1 }
    });
}

/// The lines of `bytes`, each with its newline (the last may have none).
fn lines_of(bytes: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut rest = bytes;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let end = memchr::memchr(b'\n', rest).map_or(rest.len(), |at| at + 1);
        let (line, tail) = rest.split_at(end);
        rest = tail;
        Some(line)
    })
}

fn score_lines<'a>(
    job: &BatchJob,
    lines: impl Iterator<Item = &'a [u8]>,
    first: u64,
    output: &mut Vec<u8>,
) -> BatchSummary {
    let mut summary = BatchSummary::default();
    for (offset, line) in lines.enumerate() {
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

    /// Input that crosses many chunks: good and bad lines, blank lines, a line longer than a
    /// chunk, and a last line without its newline.
    fn awkward_input() -> Vec<u8> {
        let mut input = Vec::new();
        for i in 0..3000 {
            let line = match i % 500 {
                7 => "not json".to_string(),
                8 => "   ".to_string(),
                9 => format!(r#"{{"as_of": "2025-06-30", {}"birth_date": "1980-01-01"}}"#, " ".repeat(CHUNK_BYTES + 5)),
                _ => format!(r#"{{"as_of": "2025-06-30", "birth_date": "{}-02-03"}}"#, 1960 + i % 40),
            };
            input.extend_from_slice(line.as_bytes());
            input.push(b'\n');
        }
        input.extend_from_slice(br#"{"as_of": "2025-06-30", "birth_date": "1999-09-09"}"#);
        input
    }

    #[test]
    fn the_pipeline_writes_each_line_as_scoring_it_alone_does_in_input_order() {
        let book = RuleBook::embedded().unwrap();
        let context = Context::on(chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap());
        let input = awkward_input();
        let job = |threads, explain| BatchJob { book, context, lang: Lang::En, explain, threads };
        for explain in [Explain::None, Explain::Full] {
            // Each line alone, numbered by its place in the input.
            let mut expected = Vec::new();
            let mut expected_summary = BatchSummary::default();
            for (index, line) in lines_of(&input).enumerate() {
                expected_summary.add(score_lines(
                    &job(1, explain),
                    std::iter::once(line),
                    index as u64 + 1,
                    &mut expected,
                ));
            }
            assert_eq!(expected_summary, BatchSummary { scored: 2989, failed: 6 });
            for threads in [1, 2, 3] {
                let mut written = Vec::new();
                let summary = score_batch(&job(threads, explain), &input[..], &mut written).unwrap();
                assert_eq!(summary, expected_summary, "{threads} threads");
                assert!(written == expected, "{threads} threads, {explain:?}: not what scoring each line alone writes");
            }
        }
    }

    #[test]
    fn chunks_end_at_a_newline_and_hold_every_byte_once() {
        let input = awkward_input();
        let mut reader = &input[..];
        let (mut read, mut chunks) = (Vec::new(), 0);
        let mut lines = Vec::new();
        loop {
            let at_end = read_lines(&mut reader, &mut lines).unwrap();
            if !at_end {
                assert!(lines.len() >= CHUNK_BYTES && lines.ends_with(b"\n"), "a chunk of whole lines");
            }
            read.extend_from_slice(&lines);
            chunks += 1;
            if at_end {
                break;
            }
        }
        assert_eq!(read, input);
        assert!(chunks > 3, "{chunks} chunks");
    }

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
