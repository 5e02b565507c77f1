//! `jifen score --batch FILE.jsonl`: one profile per line in, one result per line out. A bad
//! line yields an error object for that line and the rest go on, so that many people can be
//! rescored at once.

use jifen_rules::{Context, Lang, Profile, RuleBook};
use serde::Serialize;
use std::io::{self, BufRead, Write};

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct BatchSummary {
    pub scored: u64,
    pub failed: u64,
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
    input: impl BufRead,
    mut output: impl Write,
) -> io::Result<BatchSummary> {
    let mut summary = BatchSummary::default();
    let mut line = Vec::new();
    let mut input = input;
    let mut number = 0u64;
    loop {
        line.clear();
        if input.read_until(b'\n', &mut line)? == 0 {
            break;
        }
        number += 1;
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let outcome = Profile::from_json_slice(&line).and_then(|profile| {
            book.evaluate(&profile, context).map(|evaluation| serde_json::to_writer(&mut output, &evaluation.to_result(lang)))
        });
        match outcome {
            Ok(written) => {
                written.map_err(io::Error::other)?;
                summary.scored += 1;
            }
            Err(error) => {
                let body = ErrorBody { code: error.code(), path: &error.path, message: error.message(lang) };
                serde_json::to_writer(&mut output, &LineError { line: number, error: body }).map_err(io::Error::other)?;
                summary.failed += 1;
            }
        }
        output.write_all(b"\n")?;
    }
    output.flush()?;
    Ok(summary)
}
