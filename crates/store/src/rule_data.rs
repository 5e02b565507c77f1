//! Rule data published at run time and the rescoring each publication starts. Publications
//! are only ever added; a run moves through its subjects (current points notices, then open
//! applications) in id order, each batch written with its changes and messages in one
//! transaction that also moves the run's cursors, so a run that stops resumes where it
//! stopped and nothing is recorded or sent twice.

use crate::applications::{APPLICATION_COLUMNS, ApplicationRow, qualified};
use crate::audit::append_audit;
use crate::database::{PgStore, Result, SqliteStore, StoreError};
use crate::model::*;
use crate::outbox::insert_messages;
use crate::queries::store_queries;
use std::collections::BTreeMap;

/// A publication to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRulePublication {
    pub file_name: String,
    pub text: String,
    /// What it changes, as people read it.
    pub summary: String,
    /// `YYYY-MM-DD` or `YYYY-MM`.
    pub effective_from: String,
    pub source: String,
    /// `high`, `medium` or `low`.
    pub confidence: String,
    pub reason: String,
    pub published_by: UserId,
}

/// A recorded publication.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RulePublication {
    pub id: PublicationId,
    pub file_name: String,
    pub text: String,
    pub summary: String,
    pub effective_from: String,
    pub source: String,
    pub confidence: String,
    pub reason: String,
    pub published_by: UserId,
    pub published_by_name: Option<String>,
    pub published_at: Millis,
}

/// A publication's rescoring and how far it has come.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RescoringRun {
    pub id: RescoringRunId,
    pub publication_id: PublicationId,
    /// The rule data's version before the publication.
    pub previous_version: i64,
    /// Current points notices and open applications when the run began.
    pub holders_total: i64,
    pub applications_total: i64,
    /// The cursors: the last notice id and application id rescored.
    pub holders_after: i64,
    pub applications_after: i64,
    /// Subjects rescored so far.
    pub done: i64,
    pub started_at: Millis,
    pub finished_at: Option<Millis>,
}

impl RescoringRun {
    pub fn total(&self) -> i64 {
        self.holders_total + self.applications_total
    }
}

/// What a rescoring changed for one holder or application.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RescoringChange {
    /// `holder` (a points notice) or `application`.
    pub subject: String,
    /// The notice's or the application's id.
    pub subject_id: i64,
    pub person_id: UserId,
    pub person_name: Option<String>,
    pub employer_id: EmployerId,
    pub before_total: i64,
    pub after_total: i64,
    /// −1: falls below the standard; 1: reaches it; 0: stays on the same side.
    pub standard: i64,
}

/// A current points notice to rescore: whose, and its verified profile (`None` for a
/// notice issued before profiles were kept: its facts are read from its application).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct HolderToRescore {
    pub notice_id: NoticeId,
    pub application_id: ApplicationId,
    pub holder_id: UserId,
    pub employer_id: EmployerId,
    pub profile: Option<String>,
}

/// One batch of a run: where the cursors move to, what changed, whom to tell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RescoringStep {
    pub run_id: RescoringRunId,
    /// The cursors the batch was read after (checked, so that two servers cannot both write
    /// the same batch).
    pub from: (i64, i64),
    pub to: (i64, i64),
    /// Subjects in the batch, changed or not.
    pub count: i64,
    pub changes: Vec<RescoringChange>,
    /// New claimed totals of open applications whose score changed.
    pub claimed_totals: Vec<(ApplicationId, i64)>,
    pub messages: Vec<NewMessage>,
    pub finished: bool,
}

/// Whom a batch's messages go to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Contacts {
    /// Person id → (name, mobile).
    pub people: BTreeMap<UserId, (String, String)>,
    /// Employer id → the contact's mobile.
    pub employers: BTreeMap<EmployerId, String>,
}

const PUBLICATION_SELECT: &str = "SELECT p.id, p.file_name, p.text, p.summary, p.effective_from, p.source, \
    p.confidence, p.reason, p.published_by, u.display_name AS published_by_name, p.published_at \
    FROM rule_publications p LEFT JOIN users u ON u.id = p.published_by";

const RUN_COLUMNS: &str = "id, publication_id, previous_version, holders_total, applications_total, holders_after, \
    applications_after, done, started_at, finished_at";

store_queries! {
    pub trait RuleDataStore {
        /// Every publication, oldest first.
        async fn rule_publications(&self) -> Result<Vec<RulePublication>> {
            let sql = format!("{PUBLICATION_SELECT} ORDER BY p.id");
            Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_all(&self.pool).await?)
        }

        /// The id of the latest publication (0 when there is none): the rule data's version.
        async fn rule_data_version(&self) -> Result<i64> {
            Ok(sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM rule_publications")
                .fetch_one(&self.pool)
                .await?)
        }

        /// Records publications made on `expected_version` with their audit entry and starts
        /// their rescoring of the notices current on `today` and the open applications; [`StoreError::Conflict`] when another publication came first.
        async fn publish_rules(
            &self,
            publications: &[NewRulePublication],
            expected_version: i64,
            today: &str,
            at: Millis,
            audit: &AuditEntry,
        ) -> Result<RescoringRun> {
            let mut tx = self.begin_write().await?;
            // PostgreSQL: one publisher at a time, so two cannot both build on one version.
            Self::lock_publications(&mut tx).await?;
            let version: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM rule_publications")
                .fetch_one(&mut *tx)
                .await?;
            if version != expected_version {
                return Err(StoreError::Conflict("rule data was published meanwhile"));
            }
            let mut last = PublicationId::new(0);
            for publication in publications {
                last = sqlx::query_scalar(
                    "INSERT INTO rule_publications (file_name, text, summary, effective_from, source, \
                     confidence, reason, published_by, published_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
                )
                .bind(&publication.file_name)
                .bind(&publication.text)
                .bind(&publication.summary)
                .bind(&publication.effective_from)
                .bind(&publication.source)
                .bind(&publication.confidence)
                .bind(&publication.reason)
                .bind(publication.published_by)
                .bind(at)
                .fetch_one(&mut *tx)
                .await?;
            }
            let holders: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM points_notices WHERE superseded_at IS NULL AND valid_until >= $1",
            )
            .bind(today)
            .fetch_one(&mut *tx)
            .await?;
            let applications: i64 =
                sqlx::query_scalar("SELECT COUNT(*) FROM applications WHERE open").fetch_one(&mut *tx).await?;
            let sql = format!(
                "INSERT INTO rescoring_runs (publication_id, previous_version, holders_total, applications_total, \
                 started_at) VALUES ($1, $2, $3, $4, $5) RETURNING {RUN_COLUMNS}"
            );
            let run: RescoringRun = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(last)
                .bind(expected_version)
                .bind(holders)
                .bind(applications)
                .bind(at)
                .fetch_one(&mut *tx)
                .await?;
            let mut audit = audit.clone();
            audit.subject = format!("rule_publication:{last}");
            append_audit(&mut *tx, &audit).await?;
            tx.commit().await?;
            Ok(run)
        }

        async fn rescoring_runs(&self) -> Result<Vec<RescoringRun>> {
            let sql = format!("SELECT {RUN_COLUMNS} FROM rescoring_runs ORDER BY id DESC");
            Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_all(&self.pool).await?)
        }

        async fn rescoring_run(&self, id: RescoringRunId) -> Result<Option<RescoringRun>> {
            let sql = format!("SELECT {RUN_COLUMNS} FROM rescoring_runs WHERE id = $1");
            Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(&self.pool).await?)
        }

        /// Takes the lease of the oldest unfinished run whose lease is free.
        async fn claim_rescoring(&self, worker: &str, now: Millis, lease: Millis) -> Result<Option<RescoringRun>> {
            let sql = format!(
                "UPDATE rescoring_runs SET lease_owner = $1, lease_until = $2 WHERE id = (\
                 SELECT id FROM rescoring_runs WHERE finished_at IS NULL \
                 AND (lease_until IS NULL OR lease_until < $3 OR lease_owner = $1) ORDER BY id LIMIT 1) \
                 AND (lease_until IS NULL OR lease_until < $3 OR lease_owner = $1) RETURNING {RUN_COLUMNS}"
            );
            let mut tx = self.begin_write().await?;
            let run = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(worker)
                .bind(now + lease)
                .bind(now)
                .fetch_optional(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(run)
        }

        /// Current points notices (not superseded, valid on `today`) after `after_id`, by id.
        async fn holders_to_rescore(&self, after_id: i64, today: &str, limit: i64) -> Result<Vec<HolderToRescore>> {
            Ok(sqlx::query_as(
                "SELECT id AS notice_id, application_id, holder_id, employer_id, profile FROM points_notices \
                 WHERE id > $1 AND superseded_at IS NULL AND valid_until >= $2 ORDER BY id LIMIT $3",
            )
            .bind(after_id)
            .bind(today)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?)
        }

        /// Open applications after `after_id`, by id, with their applicant's ID number.
        async fn applications_to_rescore(&self, after_id: i64, limit: i64) -> Result<Vec<(Application, String)>> {
            #[derive(sqlx::FromRow)]
            struct Row {
                #[sqlx(flatten)]
                application: ApplicationRow,
                id_number: String,
            }
            let columns = qualified("a", APPLICATION_COLUMNS);
            let sql = format!(
                "SELECT {columns}, p.id_number FROM applications a JOIN applicants p ON p.user_id = a.applicant_id \
                 WHERE a.id > $1 AND a.open ORDER BY a.id LIMIT $2"
            );
            let rows: Vec<Row> =
                sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(after_id).bind(limit).fetch_all(&self.pool).await?;
            rows.into_iter().map(|row| Ok((Application::try_from(row.application)?, row.id_number))).collect()
        }

        /// Writes a batch: its changes, new claimed totals and messages, and moves the cursors,
        /// in one transaction, provided the run is still leased to `worker` at `step.from`.
        async fn record_rescoring(&self, step: &RescoringStep, worker: &str, at: Millis) -> Result<()> {
            let mut tx = self.begin_write().await?;
            let moved = sqlx::query(
                "UPDATE rescoring_runs SET holders_after = $1, applications_after = $2, done = done + $3, \
                 finished_at = CASE WHEN $4 THEN $5 ELSE finished_at END \
                 WHERE id = $6 AND lease_owner = $7 AND holders_after = $8 AND applications_after = $9 \
                 AND finished_at IS NULL",
            )
            .bind(step.to.0)
            .bind(step.to.1)
            .bind(step.count)
            .bind(step.finished)
            .bind(at)
            .bind(step.run_id)
            .bind(worker)
            .bind(step.from.0)
            .bind(step.from.1)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if moved != 1 {
                return Err(StoreError::Conflict("the rescoring run moved on without this worker"));
            }
            for chunk in step.changes.chunks(500) {
                let mut insert = sqlx::QueryBuilder::new(
                    "INSERT INTO rescoring_changes (run_id, subject, subject_id, person_id, employer_id, \
                     before_total, after_total, standard) ",
                );
                insert.push_values(chunk, |mut row, change| {
                    row.push_bind(step.run_id)
                        .push_bind(change.subject.clone())
                        .push_bind(change.subject_id)
                        .push_bind(change.person_id)
                        .push_bind(change.employer_id)
                        .push_bind(change.before_total)
                        .push_bind(change.after_total)
                        .push_bind(change.standard);
                });
                insert.push(" ON CONFLICT DO NOTHING");
                insert.build().execute(&mut *tx).await?;
            }
            for (application_id, total) in &step.claimed_totals {
                sqlx::query("UPDATE applications SET claimed_total = $1 WHERE id = $2 AND open")
                    .bind(total)
                    .bind(application_id)
                    .execute(&mut *tx)
                    .await?;
            }
            insert_messages(&mut *tx, &step.messages, at).await?;
            tx.commit().await?;
            Ok(())
        }

        /// The names and mobiles of `people`, and the contact mobiles of `employers`, for a
        /// batch's messages.
        async fn rescoring_contacts(&self, people: &[UserId], employers: &[EmployerId]) -> Result<Contacts> {
            let mut contacts = Contacts::default();
            for chunk in people.chunks(1_000) {
                let mut select =
                    sqlx::QueryBuilder::new("SELECT user_id, name, mobile FROM applicants WHERE user_id IN (");
                let mut ids = select.separated(", ");
                for id in chunk {
                    ids.push_bind(*id);
                }
                select.push(")");
                let rows: Vec<(UserId, String, String)> = select.build_query_as().fetch_all(&self.pool).await?;
                contacts.people.extend(rows.into_iter().map(|(id, name, mobile)| (id, (name, mobile))));
            }
            for chunk in employers.chunks(1_000) {
                let mut select = sqlx::QueryBuilder::new("SELECT id, contact_phone FROM employers WHERE id IN (");
                let mut ids = select.separated(", ");
                for id in chunk {
                    ids.push_bind(*id);
                }
                select.push(")");
                let rows: Vec<(EmployerId, String)> = select.build_query_as().fetch_all(&self.pool).await?;
                contacts.employers.extend(rows);
            }
            Ok(contacts)
        }

        /// A run's changes, holders first, in id order.
        async fn rescoring_changes(&self, run_id: RescoringRunId) -> Result<Vec<RescoringChange>> {
            Ok(sqlx::query_as(
                "SELECT c.subject, c.subject_id, c.person_id, p.name AS person_name, c.employer_id, \
                 c.before_total, c.after_total, c.standard FROM rescoring_changes c \
                 LEFT JOIN applicants p ON p.user_id = c.person_id WHERE c.run_id = $1 \
                 ORDER BY c.subject DESC, c.subject_id",
            )
            .bind(run_id)
            .fetch_all(&self.pool)
            .await?)
        }

        /// The latest rescored total of a notice, if a rescoring changed it: (total, run id).
        async fn rescored_total(&self, notice_id: NoticeId) -> Result<Option<(i64, i64)>> {
            Ok(sqlx::query_as(
                "SELECT after_total, run_id FROM rescoring_changes WHERE subject = 'holder' AND subject_id = $1 \
                 ORDER BY run_id DESC LIMIT 1",
            )
            .bind(notice_id)
            .fetch_optional(&self.pool)
            .await?)
        }
    }
}

/// Serialising publishers: what differs between the two databases, as one inherent method
/// each.
impl SqliteStore {
    /// SQLite writes one transaction at a time (`BEGIN IMMEDIATE`): nothing to lock.
    async fn lock_publications(_: &mut sqlx::SqliteConnection) -> Result<()> {
        Ok(())
    }
}

impl PgStore {
    /// Serialises publishers on PostgreSQL for the rest of the transaction.
    async fn lock_publications(tx: &mut sqlx::PgConnection) -> Result<()> {
        sqlx::query("LOCK TABLE rule_publications IN EXCLUSIVE MODE").execute(tx).await?;
        Ok(())
    }
}
