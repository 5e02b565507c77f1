//! `jifen score FILE|-`: one profile in, a readable breakdown or the result document out.

use crate::{Failure, read_input, table};
use jifen_rules::{Context, Explain, Lang, Profile};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// A readable table: item, points, counted, why.
    Table,
    /// The result document of CONTRACT.md.
    Json,
}

pub struct ScoreOptions<'a> {
    pub format: Format,
    /// With `Explain::None` the JSON is the compact result (the table needs the words).
    pub explain: Explain,
    pub lang: Lang,
    pub rule_set: Option<&'a str>,
    /// The rule data in force (see [`crate::rule_book_of`]).
    pub book: &'static jifen_rules::RuleBook,
}

/// Scores the profile in `path` and returns what to print.
pub fn score_file(path: &str, options: &ScoreOptions) -> Result<String, Failure> {
    let bytes = read_input(path)?;
    let book = options.book;
    let profile = Profile::from_document_slice(&bytes).map_err(|e| Failure::input(e.message(options.lang)))?;
    let context = Context { today: crate::clock::today_in_shanghai(), rule_set: options.rule_set };
    let evaluation = book.evaluate(&profile, &context).map_err(|e| Failure::input(e.message(options.lang)))?;
    let json = match (options.format, options.explain) {
        (Format::Table, _) => return Ok(table::render(&evaluation.to_result(options.lang), options.lang)),
        (Format::Json, Explain::Full) => serde_json::to_string_pretty(&evaluation.to_result(options.lang)),
        (Format::Json, Explain::None) => serde_json::to_string_pretty(&evaluation.to_compact_result(options.lang)),
    };
    json.map(|text| text + "\n").map_err(|e| Failure::internal(e.to_string()))
}
