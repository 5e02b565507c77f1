use clap::{Args, Parser, Subcommand};
use jifen_cli::score::{Format, ScoreOptions};
use jifen_cli::{
    Failure, admin_cmd, backup_cmd, batch, parse_lang, plan_cmd, rule_book_of, rules_cmd, score, serve_cmd,
};
use jifen_rules::{Context, Explain, Lang};
use std::io::{BufReader, Write};
use std::process::ExitCode;

/// jemalloc, not the C library's malloc: under the load script (bench/process-load.sh) the
/// server kept 7–8 GB after 1 000 sign-ins with glibc's, whose arenas hold on to the 19 MiB
/// blocks of Argon2 freed on many threads, against a peak of about 130 MB with jemalloc; and
/// a page costs a fifth less of the server's CPU (BENCHMARKS.md, thirteenth session). Its
/// `malloc` and `free` are unprefixed, so SQLite's allocations (a copy of every value sqlx
/// reads) go through it too, not through glibc's (sixteenth session).
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// jifen (积分): the Shanghai residence-permit points system.
#[derive(Parser)]
#[command(name = "jifen", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Score a profile (JSON, see CONTRACT.md), or a batch of profiles (one per line).
    Score(ScoreArgs),
    /// List the rule sets and every value with its citation and confidence.
    Rules(RulesArgs),
    /// Serve the web application: the public simulator and planner, and the JSON API.
    Serve(ServeArgs),
    /// Administration: create users.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Write a consistent copy of the live SQLite database.
    Backup(BackupArgs),
    /// Put a backup in place of the SQLite database (the server must be stopped); the
    /// current database is moved aside, never deleted.
    Restore(RestoreArgs),
    /// When will the standard score be reached, which actions get there fastest, and the
    /// least-effort plan for a deadline.
    Plan(PlanArgs),
}

#[derive(Args)]
struct PlanArgs {
    /// A profile, a golden case, or a plan document {"profile", "assumptions", "deadline", "horizon_years"}; - for standard input.
    file: String,
    /// Find the least-effort set of actions that reaches the standard by this date.
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date_arg)]
    deadline: Option<chrono::NaiveDate>,
    /// Years to look ahead (default 10; never past age 60).
    #[arg(long = "horizon-years", value_name = "N")]
    horizon_years: Option<u32>,
    /// Assumed yearly growth of the insurance base, in percent.
    #[arg(long = "base-growth", value_name = "PERCENT")]
    base_growth: Option<u32>,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    #[arg(long, default_value = "zh", value_parser = parse_lang)]
    lang: Lang,
    /// Also write a chart of the score over time (SVG) to this file.
    #[arg(long, value_name = "FILE.svg")]
    chart: Option<String>,
    /// The database whose published rule data is used (when there is one).
    #[command(flatten)]
    storage: jifen_cli::storage::StorageArgs,
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Create a user with a random initial password, to be changed at first login.
    CreateUser(CreateUserArgs),
}

#[derive(Args)]
struct CreateUserArgs {
    #[arg(long)]
    username: String,
    /// admin, clerk, reviewer, supervisor, hr_agent or applicant.
    #[arg(long)]
    role: String,
    /// For district-centre staff: one of Shanghai's 16 districts (e.g. pudong, xuhui).
    #[arg(long)]
    district: Option<String>,
    /// For an HR agent: the employer's id.
    #[arg(long)]
    employer_id: Option<jifen_store::EmployerId>,
    /// For staff: their mobile, where a password reset's one-time password goes by SMS
    /// (without one, their password cannot be reset from the staff page).
    #[arg(long)]
    mobile: Option<String>,
    /// The name shown to people (defaults to the username).
    #[arg(long)]
    name: Option<String>,
    #[command(flatten)]
    storage: jifen_cli::storage::StorageArgs,
}

#[derive(Args)]
struct BackupArgs {
    /// The new file to write.
    #[arg(long)]
    out: std::path::PathBuf,
    #[command(flatten)]
    storage: jifen_cli::storage::StorageArgs,
}

#[derive(Args)]
struct RestoreArgs {
    /// The backup to restore (a file written by `jifen backup`).
    #[arg(long, value_name = "FILE")]
    from: std::path::PathBuf,
    #[command(flatten)]
    storage: jifen_cli::storage::StorageArgs,
}

#[derive(Args)]
struct ServeArgs {
    /// Address to listen on [default: 127.0.0.1:8080].
    #[arg(long, env = "JIFEN_ADDR")]
    addr: Option<std::net::SocketAddr>,
    /// Write log lines as JSON.
    #[arg(long, env = "JIFEN_JSON_LOGS")]
    json_logs: bool,
    /// Send SMS through this HTTP gateway (default: append them to sms.log in the data directory).
    #[arg(long, env = "JIFEN_SMS_GATEWAY")]
    sms_gateway: Option<String>,
    /// SMS sent at once (concurrent requests to the gateway) [default: 32].
    #[arg(long, env = "JIFEN_SMS_CONCURRENCY", value_name = "N")]
    sms_concurrency: Option<std::num::NonZeroU16>,
    /// The address people reach the server at, e.g. https://jifen.example.gov.cn behind a
    /// proxy that terminates TLS: with https, every cookie is marked Secure.
    #[arg(long, env = "JIFEN_PUBLIC_URL", value_name = "URL")]
    public_url: Option<String>,
    /// A proxy in front (repeat, or comma-separated in the environment) whose X-Forwarded-For
    /// names the visitor; without it every visitor would look like the proxy to throttling.
    #[arg(long = "trusted-proxy", env = "JIFEN_TRUSTED_PROXIES", value_name = "IP", value_delimiter = ',')]
    trusted_proxies: Vec<std::net::IpAddr>,
    #[command(flatten)]
    storage: jifen_cli::storage::StorageArgs,
}

fn parse_explain(text: &str) -> Result<Explain, String> {
    Explain::parse(text).ok_or_else(|| format!("unknown --explain \"{text}\"; expected full or none"))
}

fn parse_date_arg(text: &str) -> Result<chrono::NaiveDate, String> {
    jifen_rules::calendar::parse_date(text)
}

#[derive(Args)]
struct ScoreArgs {
    /// Profile JSON file, or - for standard input.
    #[arg(required_unless_present = "batch", conflicts_with = "batch")]
    file: Option<String>,
    /// Score one profile per line of this JSON Lines file (- for standard input) and write
    /// one result per line; a bad line gives an error object and the rest go on.
    #[arg(long, value_name = "FILE.jsonl")]
    batch: Option<String>,
    /// table (the default) or json; --explain none writes json.
    #[arg(long, value_enum)]
    format: Option<Format>,
    /// full (the default), or none: the compact result for machines, without explanations
    /// and citations, with stable codes for warnings and reasons (CONTRACT.md v1.1).
    #[arg(long, default_value = "full", value_parser = parse_explain)]
    explain: Explain,
    /// Language of explanations and messages: zh (default) or en.
    #[arg(long, default_value = "zh", value_parser = parse_lang)]
    lang: Lang,
    /// Force a rule set (e.g. sh-2018) instead of the one in force on as_of.
    #[arg(long = "rule-set", value_name = "ID")]
    rule_set: Option<String>,
    /// With --batch: threads that score (default: one per core).
    #[arg(long, default_value_t = 0, requires = "batch")]
    threads: usize,
    /// The database whose published rule data is used (when there is one).
    #[command(flatten)]
    storage: jifen_cli::storage::StorageArgs,
}

#[derive(Args)]
#[command(args_conflicts_with_subcommands = true)]
struct RulesArgs {
    #[command(subcommand)]
    action: Option<RulesAction>,
    /// Show only this rule set.
    id: Option<String>,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    #[arg(long, default_value = "zh", value_parser = parse_lang)]
    lang: Lang,
    /// The database whose published rule data is shown (when there is one).
    #[command(flatten)]
    storage: jifen_cli::storage::StorageArgs,
}

#[derive(Subcommand)]
enum RulesAction {
    /// Write the rule data in force (published, or else embedded) as files into DIR.
    Export {
        dir: std::path::PathBuf,
        #[command(flatten)]
        storage: jifen_cli::storage::StorageArgs,
    },
    /// Publish the *.toml files of DIR that differ from the rule data in force, with the
    /// checks, audit entry and rescoring of a publication in the browser.
    Import {
        dir: std::path::PathBuf,
        /// The administrator (username) who publishes.
        #[arg(long)]
        by: String,
        /// Why, for the history and the audit log.
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        storage: jifen_cli::storage::StorageArgs,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // The database, its logs and backups hold personal data: whatever jifen writes is its
    // owner's alone (directories 0700, files 0600).
    jifen_cli::storage::keep_files_private();
    let outcome = match cli.command {
        Command::Score(args) => run_score(args),
        Command::Rules(RulesArgs { action: Some(RulesAction::Export { dir, storage }), .. }) => {
            storage.storage().and_then(|storage| rules_cmd::export(&storage, &dir)).and_then(print)
        }
        Command::Rules(RulesArgs { action: Some(RulesAction::Import { dir, by, reason, storage }), .. }) => {
            storage.storage().and_then(|storage| rules_cmd::import(&storage, &dir, &by, &reason)).and_then(print)
        }
        Command::Rules(args) => rule_book_of(&args.storage)
            .and_then(|book| rules_cmd::list(book, args.id.as_deref(), args.format, args.lang))
            .and_then(print),
        Command::Serve(args) => args.storage.config_file().and_then(|file| {
            let default_addr = std::net::SocketAddr::from(([127, 0, 0, 1], 8080));
            serve_cmd::serve(&serve_cmd::ServeOptions {
                addr: args.addr.or(file.addr).unwrap_or(default_addr),
                json_logs: args.json_logs || file.json_logs.unwrap_or(false),
                storage: args.storage.resolve(&file),
                sms_gateway: args.sms_gateway.clone().or(file.sms_gateway.clone()),
                sms_concurrency: args
                    .sms_concurrency
                    .or(file.sms_concurrency)
                    .map_or(jifen_notify::DEFAULT_CONCURRENCY, |n| usize::from(n.get())),
                public_url: args.public_url.clone().or(file.public_url.clone()),
                trusted_proxies: if args.trusted_proxies.is_empty() {
                    file.trusted_proxies.clone().unwrap_or_default()
                } else {
                    args.trusted_proxies.clone()
                },
            })
        }),
        Command::Admin(AdminCommand::CreateUser(args)) => args
            .storage
            .storage()
            .and_then(|storage| {
                admin_cmd::create_user(
                    &storage,
                    &admin_cmd::CreateUser {
                        username: &args.username,
                        display_name: args.name.as_deref(),
                        role: &args.role,
                        district: args.district.as_deref(),
                        employer_id: args.employer_id,
                        mobile: args.mobile.as_deref(),
                    },
                )
            })
            .and_then(print),
        Command::Backup(args) => {
            args.storage.storage().and_then(|storage| backup_cmd::backup(&storage, &args.out)).and_then(print)
        }
        Command::Restore(args) => {
            args.storage.storage().and_then(|storage| backup_cmd::restore(&storage, &args.from)).and_then(print)
        }
        Command::Plan(args) => rule_book_of(&args.storage)
            .and_then(|book| {
                let options = plan_cmd::PlanOptions {
                    format: args.format,
                    lang: args.lang,
                    deadline: args.deadline,
                    horizon_years: args.horizon_years,
                    base_growth_percent: args.base_growth,
                    chart: args.chart.as_deref(),
                    book,
                };
                plan_cmd::plan_file(&args.file, &options)
            })
            .and_then(print),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("jifen: {}", failure.message);
            ExitCode::from(failure.exit_code)
        }
    }
}

fn print(text: String) -> Result<(), Failure> {
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(text.as_bytes()).map_err(|e| Failure::internal(e.to_string()))
}

fn run_score(args: ScoreArgs) -> Result<(), Failure> {
    if let Some(path) = &args.batch {
        return run_batch(path, &args);
    }
    let path = args.file.as_deref().ok_or_else(|| Failure::usage("give a profile FILE, - or --batch FILE.jsonl"))?;
    let format = match (args.format, args.explain) {
        (Some(Format::Table), Explain::None) => {
            return Err(Failure::usage("a table shows the explanations; --explain none writes the compact JSON"));
        }
        (Some(format), _) => format,
        (None, Explain::None) => Format::Json,
        (None, Explain::Full) => Format::Table,
    };
    let options = ScoreOptions {
        format,
        explain: args.explain,
        lang: args.lang,
        rule_set: args.rule_set.as_deref(),
        book: rule_book_of(&args.storage)?,
    };
    print(score::score_file(path, &options)?)
}

/// Where the batch writes: standard output, straight to the disk when it is a file there
/// (see `direct_output`), else through a buffer.
fn batch_output() -> Box<dyn Write> {
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsFd;
        if let Ok(stdout) = std::io::stdout().as_fd().try_clone_to_owned()
            && let Ok(direct) = jifen_cli::direct_output::DirectFile::new(std::fs::File::from(stdout))
        {
            return Box::new(direct);
        }
    }
    Box::new(std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock()))
}

fn run_batch(path: &str, args: &ScoreArgs) -> Result<(), Failure> {
    let book = rule_book_of(&args.storage)?;
    let context = Context { today: jifen_cli::clock::today_in_shanghai(), rule_set: args.rule_set.as_deref() };
    if args.format == Some(Format::Table) {
        return Err(Failure::usage("--batch writes one JSON document per line; --format table does not apply"));
    }
    let job = batch::BatchJob { book, context, lang: args.lang, explain: args.explain, threads: args.threads };
    let stdout = batch_output();
    let summary = if path == "-" {
        batch::score_batch(&job, std::io::stdin().lock(), stdout)
    } else {
        let file = std::fs::File::open(path).map_err(|e| Failure::input(format!("{path}: {e}")))?;
        batch::score_batch(&job, BufReader::with_capacity(1 << 16, file), stdout)
    }
    .map_err(|e| Failure::internal(format!("{path}: {e}")))?;
    eprintln!("jifen: scored {}, failed {}", summary.scored, summary.failed);
    Ok(())
}
