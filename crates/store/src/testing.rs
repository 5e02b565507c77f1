//! Fresh PostgreSQL databases for tests: each suite run gets its own, dropped afterwards.

use crate::database::Result;
use sqlx::Connection;

/// The variable naming the PostgreSQL server tests may use.
pub const POSTGRES_URL_VAR: &str = "JIFEN_TEST_POSTGRES_URL";

/// A database created for one test run.
pub struct TestDatabase {
    admin_url: String,
    name: String,
    /// The URL of the new database.
    pub url: String,
}

impl TestDatabase {
    /// Creates a database on the server named by `JIFEN_TEST_POSTGRES_URL`.
    pub async fn create(label: &str) -> Result<Self> {
        let admin_url = std::env::var(POSTGRES_URL_VAR)
            .map_err(|_| crate::StoreError::Conflict("JIFEN_TEST_POSTGRES_URL must name a PostgreSQL server"))?;
        // A PostgreSQL name: letters, digits and underscores, unique like a test directory.
        let name = format!("jifen_{label}_{}", unique_suffix().replace('-', "_"));
        let admin = sqlx::PgPool::connect(&admin_url).await?;
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&admin).await?;
        admin.close().await;
        let server = admin_url.rsplit_once('/').map_or(admin_url.as_str(), |(server, _)| server);
        let url = format!("{server}/{name}");
        Ok(Self { admin_url, name, url })
    }

    /// Ends every server connection to the database, as a crash or a restart of PostgreSQL
    /// would (`pg_terminate_backend`); returns how many were ended.
    pub async fn terminate_connections(&self) -> Result<i64> {
        let admin = sqlx::PgPool::connect(&self.admin_url).await?;
        let ended: Vec<bool> = sqlx::query_scalar(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
        )
        .bind(&self.name)
        .fetch_all(&admin)
        .await?;
        admin.close().await;
        Ok(ended.into_iter().filter(|ended| *ended).count() as i64)
    }

    /// The database's URL for connections on which PostgreSQL reads a table whole only where
    /// no index can serve the statement at all (`enable_seqscan = off` makes every other plan
    /// cheaper), so that [`Self::sequential_scans`] counts the statements that have none. A
    /// walk along a whole index (an `ORDER BY id` whose filter no index serves) is an index
    /// scan and is not counted: `EXPLAIN QUERY PLAN` over the store's statements finds those.
    pub fn url_without_needless_scans(&self) -> String {
        format!("{}?options=-c%20enable_seqscan%3Doff", self.url)
    }

    /// How many times each table has been read whole (tables never read so are left out),
    /// once every other connection to the database has ended: a connection's counts reach
    /// the statistics when it ends, or within a second of going idle.
    pub async fn sequential_scans(&self) -> Result<std::collections::BTreeMap<String, i64>> {
        let mut connection = sqlx::PgConnection::connect(&self.url).await?;
        for _ in 0..200 {
            let others: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
            )
            .bind(&self.name)
            .fetch_one(&mut connection)
            .await?;
            if others == 0 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        // A connection's exit and its last counts are not one step: read until they settle.
        let read = async |connection: &mut sqlx::PgConnection| -> Result<std::collections::BTreeMap<String, i64>> {
            sqlx::query("SELECT pg_stat_clear_snapshot()").execute(&mut *connection).await?;
            let rows: Vec<(String, i64)> =
                sqlx::query_as("SELECT relname::text, seq_scan FROM pg_stat_user_tables WHERE seq_scan > 0")
                    .fetch_all(&mut *connection)
                    .await?;
            Ok(rows.into_iter().collect())
        };
        let mut scans = read(&mut connection).await?;
        for _ in 0..20 {
            tokio::time::sleep(std::time::Duration::from_millis(250)).await;
            let again = read(&mut connection).await?;
            if again == scans {
                break;
            }
            scans = again;
        }
        connection.close().await?;
        Ok(scans)
    }

    /// The tables read whole since `before` (an earlier [`Self::sequential_scans`]), with how
    /// many times each.
    pub async fn sequential_scans_since(
        &self,
        before: &std::collections::BTreeMap<String, i64>,
    ) -> Result<std::collections::BTreeMap<String, i64>> {
        let now = self.sequential_scans().await?;
        Ok(now
            .into_iter()
            .map(|(table, scans)| {
                let added = scans - before.get(&table).copied().unwrap_or(0);
                (table, added)
            })
            .filter(|(_, added)| *added > 0)
            .collect())
    }

    /// Drops the database (after every pool on it is closed).
    pub async fn drop_database(self) -> Result<()> {
        let admin = sqlx::PgPool::connect(&self.admin_url).await?;
        sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE {} WITH (FORCE)", self.name))).execute(&admin).await?;
        admin.close().await;
        Ok(())
    }
}

/// Fills a fresh database with `count` current points notices for benchmarks and tests of
/// rescoring: one employer, and per holder a user with an applicant record (ID number:
/// [`holder_id_number`]), a granted application and a notice valid
/// until 2099 whose verified profile is `profile(i)` (`None`: a notice from before profiles
/// were kept). Rows go in 1 000 at a time, in one transaction.
pub async fn seed_holders(store: &crate::Store, count: i64, profile: impl Fn(i64) -> Option<String>) -> Result<()> {
    let quoted = |text: &str| format!("'{}'", text.replace('\'', "''"));
    let mut statements = vec![
        "INSERT INTO employers (id, name, credit_code, district, contact_name, contact_phone, status, created_at) \
         VALUES (1000000, 'bench employer', 'BENCH-CREDIT-CODE', 'pudong', 'hr', '13800009999', 'verified', 0)"
            .to_string(),
    ];
    let first = 1_000_000;
    for start in (0..count).step_by(1000) {
        let ids: Vec<i64> = (start..(start + 1000).min(count)).map(|i| first + i).collect();
        let users: Vec<String> =
            ids.iter().map(|id| format!("({id}, 'holder-{id}', 'holder {id}', 'x', 'applicant', FALSE, 0)")).collect();
        statements.push(format!(
            "INSERT INTO users (id, username, display_name, password_hash, role, must_change_password, created_at) \
             VALUES {}",
            users.join(", ")
        ));
        let applicants: Vec<String> = ids
            .iter()
            .map(|id| {
                let id_number = holder_id_number(id - first);
                format!("({id}, '{id_number}', 'holder {id}', '139{:08}', 0)", id % 100_000_000)
            })
            .collect();
        statements.push(format!(
            "INSERT INTO applicants (user_id, id_number, name, mobile, created_at) VALUES {}",
            applicants.join(", ")
        ));
        let applications: Vec<String> = ids
            .iter()
            .map(|id| format!("({id}, {id}, 1000000, 'pudong', 'granted', FALSE, '{{}}', '{{}}', 1, 0, 0, 0)"))
            .collect();
        statements.push(format!(
            "INSERT INTO applications (id, applicant_id, employer_id, district, state, open, fields, review, version, \
             created_at, updated_at, state_since) VALUES {}",
            applications.join(", ")
        ));
        let notices: Vec<String> = ids
            .iter()
            .map(|id| {
                let profile = profile(id - first).map_or_else(|| "NULL".to_string(), |p| quoted(&p));
                format!(
                    "({id}, 'B-{id}', 'CODE', {id}, {id}, 1000000, 'pudong', 120, '2099-12-31', 0, '{{}}', {profile})"
                )
            })
            .collect();
        statements.push(format!(
            "INSERT INTO points_notices (id, serial, check_code, application_id, holder_id, employer_id, district, \
             total, valid_until, issued_at, details, profile) VALUES {}",
            notices.join(", ")
        ));
    }
    if let crate::Store::Postgres(_) = store {
        // Explicit ids leave PostgreSQL's sequences behind: move them past the rows.
        for table in ["employers", "users", "applications", "points_notices"] {
            statements
                .push(format!("SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"));
        }
    }
    run_in_one_transaction(store, &statements).await
}

/// Runs generated SQL statements, in order, in one transaction.
async fn run_in_one_transaction(store: &crate::Store, statements: &[String]) -> Result<()> {
    macro_rules! run {
        ($store:expr) => {{
            let mut tx = $store.begin_write().await?;
            for statement in statements {
                sqlx::raw_sql(sqlx::AssertSqlSafe(statement.as_str())).execute(&mut *tx).await?;
            }
            tx.commit().await?;
        }};
    }
    match store {
        crate::Store::Sqlite(store) => run!(store),
        crate::Store::Postgres(store) => run!(store),
    }
    Ok(())
}

/// The valid ID number of the `i`th holder [`seed_holders`] makes (born in Huangpu from
/// 1970-01-01 on, a thousand a day).
pub fn holder_id_number(i: i64) -> String {
    let born = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default() + chrono::Days::new((i / 1000) as u64);
    let first_17 = format!("310101{}{:03}", born.format("%Y%m%d"), i % 1000);
    jifen_ids::ResidentIdNumber::completing(&first_17).map_or(first_17, |id| id.as_str().to_string())
}

/// Gives each of the `count` holders [`seed_holders`] made a history at the centre: filed,
/// accepted a day later and granted ten days after filing, the filings spread evenly over the
/// `span` milliseconds before `until` (so that a dashboard's period holds its share of them).
/// Rows go in 1 000 applications at a time, in one transaction.
pub async fn seed_decisions(store: &crate::Store, count: i64, until: i64, span: i64) -> Result<()> {
    const DAY: i64 = 86_400_000;
    let first = 1_000_000;
    let mut statements = Vec::new();
    for start in (0..count).step_by(1000) {
        let mut events = Vec::new();
        for i in start..(start + 1000).min(count) {
            let id = first + i;
            let filed = until - span + (span - 10 * DAY) * i / count.max(1);
            for (action, from, to, at) in [
                ("file", "submitted", "filed", filed),
                ("accept", "filed", "accepted", filed + DAY),
                ("grant", "reviewed", "granted", filed + 10 * DAY),
            ] {
                events.push(format!("({id}, {at}, NULL, '{action}', '{from}', '{to}', '', '{{}}')"));
            }
        }
        statements.push(format!(
            "INSERT INTO application_events (application_id, at, actor_id, action, from_state, to_state, comment, \
             details) VALUES {}",
            events.join(", ")
        ));
    }
    run_in_one_transaction(store, &statements).await
}

/// Fills the audit log with `count` entries by the users `actors` (in turn), as a busy
/// centre's would be: each a view of one of `count / 10` applications' details (those
/// [`seed_holders`] makes, ids from 1 000 000 on), every hundredth a sign-in. Rows go in
/// 1 000 at a time, in one transaction.
pub async fn seed_audit_entries(store: &crate::Store, count: i64, actors: &[crate::UserId]) -> Result<()> {
    let mut statements = Vec::new();
    for start in (0..count).step_by(1000) {
        let rows: Vec<String> = (start..(start + 1000).min(count))
            .map(|i| {
                // Sign-ins go round the actors too (every hundredth entry alone would not).
                let turn = if i % 100 == 0 { i / 100 } else { i };
                let actor =
                    actors.get(turn as usize % actors.len().max(1)).map_or_else(|| "NULL".into(), |id| id.to_string());
                let (action, subject, application) = if i % 100 == 0 {
                    ("sign_in", format!("user:{actor}"), "NULL".to_string())
                } else {
                    let application = 1_000_000 + i % (count / 10).max(1);
                    ("application_view", format!("application:{application}"), application.to_string())
                };
                // The district each entry concerns, as the store writes it.
                let district = format!(
                    "COALESCE((SELECT district FROM applications WHERE id = {application}), \
                     (SELECT district FROM users WHERE id = {actor}))"
                );
                format!("({i}, {actor}, '{action}', '{subject}', '{{}}', {district})")
            })
            .collect();
        statements.push(format!(
            "INSERT INTO audit_log (at, actor_id, action, subject, details, district) VALUES {}",
            rows.join(", ")
        ));
    }
    run_in_one_transaction(store, &statements).await
}

/// Removes the verified profile of an application's notices, as notices issued before
/// profiles were kept have none (their rescoring reads the facts from the application's events).
pub async fn forget_notice_profiles(store: &crate::Store, application: crate::ApplicationId) -> Result<()> {
    const SQL: &str = "UPDATE points_notices SET profile = NULL WHERE application_id = $1";
    match store {
        crate::Store::Sqlite(store) => sqlx::query(SQL).bind(application).execute(&store.pool).await.map(|_| ())?,
        crate::Store::Postgres(store) => sqlx::query(SQL).bind(application).execute(&store.pool).await.map(|_| ())?,
    }
    Ok(())
}

/// Puts an application in `state` behind the workflow's back, as an older release or a hand
/// edit might have: for the start-up check that every stored state is still defined.
pub async fn force_application_state(store: &crate::Store, id: crate::ApplicationId, state: &str) -> Result<()> {
    const SQL: &str = "UPDATE applications SET state = $1 WHERE id = $2";
    match store {
        crate::Store::Sqlite(store) => sqlx::query(SQL).bind(state).bind(id).execute(&store.pool).await.map(|_| ())?,
        crate::Store::Postgres(store) => {
            sqlx::query(SQL).bind(state).bind(id).execute(&store.pool).await.map(|_| ())?
        }
    }
    Ok(())
}

/// A name part no other test of this machine has: the process, the time and a counter (two
/// tests started in the same clock tick, which a coarse clock makes likely, still differ).
pub fn unique_suffix() -> String {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    format!("{}-{nanos}-{n}", std::process::id())
}

/// A new, empty directory for one test's files, in `jifen-tests-<process id>` under the
/// system's temporary directory. A test's store stays open until its process ends, so
/// nothing can remove the files on the way; instead the first call in each process removes
/// what test processes that have ended left there. A machine keeps the files of the test
/// processes running and of the last run, not of every run.
pub fn temp_dir(label: &str) -> std::io::Result<std::path::PathBuf> {
    static SWEPT: std::sync::Once = std::sync::Once::new();
    let parent = std::env::temp_dir();
    SWEPT.call_once(|| remove_dirs_of_ended_tests(&parent));
    let dir = parent.join(format!("{TEST_DIRS}{}", std::process::id())).join(format!("{label}-{}", unique_suffix()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

const TEST_DIRS: &str = "jifen-tests-";

/// Removes the `jifen-tests-<process id>` directories in `parent` whose process has ended.
/// Whether it runs is read from `/proc`; where there is none, nothing is removed.
fn remove_dirs_of_ended_tests(parent: &std::path::Path) {
    let processes = std::path::Path::new("/proc");
    if !processes.join("self").exists() {
        return;
    }
    let Ok(entries) = std::fs::read_dir(parent) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name.to_str().and_then(|name| name.strip_prefix(TEST_DIRS)) else { continue };
        if pid.parse::<u32>().is_ok() && !processes.join(pid).exists() {
            std::fs::remove_dir_all(entry.path()).ok();
        }
    }
}

/// The statement every signed-in request runs (a session and its user), for the benchmark
/// that runs it through another driver beside the store's.
pub fn session_read_sql() -> &'static str {
    crate::sessions::SESSION_WITH_USER.as_str()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    #[test]
    fn the_directories_of_ended_test_processes_are_removed_and_no_others() {
        let parent = std::env::temp_dir().join(format!("jifen-sweep-{}", super::unique_suffix()));
        // No process has a number above the kernel's limit (at most 2^22).
        let ended = parent.join("jifen-tests-4000000000");
        let running = parent.join(format!("jifen-tests-{}", std::process::id()));
        let other = parent.join("jifen-tests-not-a-number");
        for dir in [&ended, &running, &other] {
            std::fs::create_dir_all(dir.join("store")).unwrap();
        }
        super::remove_dirs_of_ended_tests(&parent);
        assert!(!ended.exists());
        assert!(running.join("store").exists() && other.exists());
        std::fs::remove_dir_all(&parent).unwrap();
    }
}
