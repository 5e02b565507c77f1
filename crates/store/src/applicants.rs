//! Applicants (people registered by an employer) and their links to employers.

use crate::audit::append_audit;
use crate::database::{Result, StoreError, unique};
use crate::model::*;
use crate::outbox::insert_messages;
use crate::queries::store_queries;
use jifen_domain::audit::AuditEvent;

#[derive(sqlx::FromRow)]
pub(crate) struct ApplicantRow {
    pub(crate) user_id: UserId,
    pub(crate) id_number: String,
    pub(crate) name: String,
    pub(crate) mobile: String,
    pub(crate) created_at: i64,
}

#[derive(sqlx::FromRow)]
struct LinkedApplicantRow {
    #[sqlx(flatten)]
    applicant: ApplicantRow,
    link_status: String,
}

pub(crate) fn parse_link_status(word: &str) -> Result<LinkStatus> {
    LinkStatus::parse(word).ok_or_else(|| StoreError::Corrupt(format!("link status {word}")))
}

impl From<ApplicantRow> for Applicant {
    fn from(row: ApplicantRow) -> Self {
        Self {
            user_id: row.user_id,
            id_number: row.id_number,
            name: row.name,
            mobile: row.mobile,
            created_at: row.created_at,
        }
    }
}

const APPLICANT_COLUMNS: &str = "p.user_id, p.id_number, p.name, p.mobile, p.created_at";

store_queries! {
    /// Applicants and their links to employers.
    pub trait ApplicantStore {
        /// Registers people as applicants of `employer_id`, all in one transaction (all or
        /// nothing): a new account (role applicant, initial password to be changed) or an
        /// existing one, linked to the employer. Audits each as `applicant_register` or
        /// `applicant_link` on `user:{id}` with the registration's details, and queues its
        /// messages. Returns the user id of each, in order. A new account whose ID number is
        /// taken fails the whole batch with [`StoreError::Duplicate`].
        async fn register_applicants(
            &self,
            employer_id: EmployerId,
            by: UserId,
            registrations: &[Registration],
            at: Millis,
        ) -> Result<Vec<UserId>> {
            let mut tx = self.begin_write().await?;
            let mut ids = Vec::with_capacity(registrations.len());
            for registration in registrations {
                let (user_id, action) = match &registration.applicant {
                    RegisteredApplicant::Existing { user_id } => (*user_id, AuditEvent::ApplicantLink),
                    RegisteredApplicant::New(applicant) => {
                        let user_id: UserId = sqlx::query_scalar(
                            "INSERT INTO users (username, display_name, password_hash, role, district, employer_id, \
                             must_change_password, disabled, created_at) \
                             VALUES ($1, $2, $3, 'applicant', NULL, NULL, TRUE, FALSE, $4) RETURNING id",
                        )
                        .bind(&applicant.id_number)
                        .bind(&applicant.name)
                        .bind(&applicant.password_hash)
                        .bind(at)
                        .fetch_one(&mut *tx)
                        .await
                        .map_err(unique("applicant"))?;
                        sqlx::query(
                            "INSERT INTO applicants (user_id, id_number, name, mobile, created_at) VALUES ($1, $2, $3, $4, $5)",
                        )
                        .bind(user_id)
                        .bind(&applicant.id_number)
                        .bind(&applicant.name)
                        .bind(&applicant.mobile)
                        .bind(at)
                        .execute(&mut *tx)
                        .await
                        .map_err(unique("applicant"))?;
                        (user_id, AuditEvent::ApplicantRegister)
                    }
                };
                // Opening the account makes the link; linking an account that existed waits
                // for the person's consent (again, if they declined or ended it before).
                let status = match &registration.applicant {
                    RegisteredApplicant::New(_) => LinkStatus::Active,
                    RegisteredApplicant::Existing { .. } => LinkStatus::Pending,
                };
                sqlx::query(
                    "INSERT INTO employments (applicant_id, employer_id, created_by, created_at, status) \
                     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (applicant_id, employer_id) DO UPDATE \
                     SET status = $5, created_by = $3, created_at = $4, decided_at = NULL \
                     WHERE employments.status IN ('declined', 'ended')",
                )
                .bind(user_id)
                .bind(employer_id)
                .bind(by)
                .bind(at)
                .bind(status.as_str())
                .execute(&mut *tx)
                .await?;
                let entry = AuditEntry {
                    subject: format!("user:{user_id}"),
                    action: action.as_str().to_string(),
                    ..registration.audit.clone()
                };
                append_audit(&mut *tx, &entry).await?;
                insert_messages(&mut *tx, &registration.messages, at).await?;
                ids.push(user_id);
            }
            tx.commit().await?;
            Ok(ids)
        }

        async fn applicant(&self, user_id: UserId) -> Result<Option<Applicant>> {
            let sql = format!("SELECT {APPLICANT_COLUMNS} FROM applicants p WHERE p.user_id = $1");
            let row: Option<ApplicantRow> =
                sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(user_id).fetch_optional(&self.pool).await?;
            Ok(row.map(Applicant::from))
        }

        async fn applicant_by_id_number(&self, id_number: &str) -> Result<Option<Applicant>> {
            let sql = format!("SELECT {APPLICANT_COLUMNS} FROM applicants p WHERE p.id_number = $1");
            let row: Option<ApplicantRow> =
                sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id_number).fetch_optional(&self.pool).await?;
            Ok(row.map(Applicant::from))
        }

        /// The people linked to an employer (pending links too), each with the link's status.
        async fn applicants_of_employer(&self, employer_id: EmployerId) -> Result<Vec<(Applicant, LinkStatus)>> {
            let sql = format!(
                "SELECT {APPLICANT_COLUMNS}, m.status AS link_status FROM applicants p \
                 JOIN employments m ON m.applicant_id = p.user_id \
                 WHERE m.employer_id = $1 ORDER BY m.created_at DESC, p.user_id DESC"
            );
            let rows: Vec<LinkedApplicantRow> =
                sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(employer_id).fetch_all(&self.pool).await?;
            rows.into_iter()
                .map(|row| Ok((Applicant::from(row.applicant), parse_link_status(&row.link_status)?)))
                .collect()
        }

        /// The employers that registered the applicant, newest first, whatever their status.
        async fn employments(&self, applicant_id: UserId) -> Result<Vec<Employment>> {
            let rows: Vec<(EmployerId, String, i64, String)> = sqlx::query_as(
                "SELECT m.employer_id, e.name, m.created_at, m.status FROM employments m \
                 JOIN employers e ON e.id = m.employer_id \
                 WHERE m.applicant_id = $1 ORDER BY m.created_at DESC, m.id DESC",
            )
            .bind(applicant_id)
            .fetch_all(&self.pool)
            .await?;
            rows.into_iter()
                .map(|(employer_id, employer_name, since, status)| {
                    Ok(Employment { employer_id, employer_name, since, status: parse_link_status(&status)? })
                })
                .collect()
        }

        /// Moves the link between a person and an employer from one of `from` to `to`, audited;
        /// a link in any other state is a conflict.
        async fn set_link_status(
            &self,
            applicant_id: UserId,
            employer_id: EmployerId,
            from: &[LinkStatus],
            to: LinkStatus,
            at: Millis,
            audit: &AuditEntry,
        ) -> Result<()> {
            let mut tx = self.begin_write().await?;
            // One conditional UPDATE: two decisions at once cannot both pass the check.
            let mut changed = 0;
            for status in from {
                changed += sqlx::query(
                    "UPDATE employments SET status = $1, decided_at = $2 \
                     WHERE applicant_id = $3 AND employer_id = $4 AND status = $5",
                )
                .bind(to.as_str())
                .bind(at)
                .bind(applicant_id)
                .bind(employer_id)
                .bind(status.as_str())
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if changed > 0 {
                    break;
                }
            }
            if changed == 0 {
                return Err(StoreError::Conflict("the link is not in a state that allows this"));
            }
            append_audit(&mut *tx, audit).await?;
            tx.commit().await?;
            Ok(())
        }
    }
}
