//! The `jifen` command. Each subcommand lives in its own module; `main.rs` only parses the
//! arguments and maps outcomes to exit codes.

pub mod admin_cmd;
pub mod backup_cmd;
pub mod batch;
pub mod config;
pub mod data_lock;
#[cfg(target_os = "linux")]
pub mod direct_output;
/// Today in Asia/Shanghai: the domain crate owns the one clock read.
pub use jifen_domain::clock;
pub mod plan_cmd;
pub mod rules_cmd;
pub mod score;
pub mod serve_cmd;
pub mod storage;
pub mod table;

use jifen_rules::Lang;

/// A failure the command reports on standard error before exiting non-zero.
#[derive(Debug)]
pub struct Failure {
    pub message: String,
    /// 1 for bad input, 2 for bad usage, 3 for broken rule data or I/O.
    pub exit_code: u8,
}

impl Failure {
    pub fn input(message: impl Into<String>) -> Self {
        Self { message: message.into(), exit_code: 1 }
    }

    pub fn usage(message: impl Into<String>) -> Self {
        Self { message: message.into(), exit_code: 2 }
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self { message: message.into(), exit_code: 3 }
    }
}

/// Parses a `--lang` value.
pub fn parse_lang(text: &str) -> Result<Lang, String> {
    Lang::parse(text).ok_or_else(|| format!("unknown language \"{text}\"; expected zh or en"))
}

/// Reads a file, or standard input for `-`.
pub fn read_input(path: &str) -> Result<Vec<u8>, Failure> {
    use std::io::Read;
    let mut bytes = Vec::new();
    let outcome = if path == "-" {
        std::io::stdin().lock().read_to_end(&mut bytes).map(|_| ())
    } else {
        std::fs::File::open(path).and_then(|mut file| file.read_to_end(&mut bytes)).map(|_| ())
    };
    outcome.map_err(|e| Failure::input(format!("{path}: {e}")))?;
    Ok(bytes)
}

/// The embedded rule book, or a failure naming the broken data.
pub fn rule_book() -> Result<&'static jifen_rules::RuleBook, Failure> {
    jifen_rules::RuleBook::embedded().map_err(|e| Failure::internal(format!("rule data: {e}")))
}

/// The rule data in force: what was published in the database `storage` names, when there
/// is one (an existing SQLite file, or a PostgreSQL URL), otherwise the embedded data. The
/// command scores as the servers on that database do.
pub fn rule_book_of(storage: &storage::StorageArgs) -> Result<&'static jifen_rules::RuleBook, Failure> {
    let storage = storage.storage()?;
    if storage.database_url.is_none() && !storage.sqlite_path().exists() {
        return rule_book();
    }
    let files = rules_cmd::files_in_force(&storage)?;
    let book = files.rules.load().map_err(|e| Failure::internal(format!("published rule data: {e}")))?;
    Ok(Box::leak(Box::new(book)))
}
