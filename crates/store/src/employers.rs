//! Employers: sign-up with the HR agent's account, verification by the district, expiry.

use crate::audit::append_audit;
use crate::database::{Result, StoreError, parse_district, unique};
use crate::model::*;
use crate::outbox::insert_messages;
use crate::prelude::*;
use crate::queries::store_queries;
use jifen_domain::District;
use jifen_domain::audit::Audit;

#[derive(sqlx::FromRow)]
pub(crate) struct EmployerRow {
    pub(crate) id: EmployerId,
    pub(crate) name: String,
    pub(crate) credit_code: String,
    pub(crate) district: String,
    pub(crate) contact_name: String,
    pub(crate) contact_phone: String,
    pub(crate) status: String,
    pub(crate) verified_by: Option<UserId>,
    pub(crate) verified_at: Option<i64>,
    pub(crate) created_at: i64,
}

/// An employer's columns, in [`EmployerRow`]'s order.
pub(crate) const EMPLOYER_COLUMNS: &str =
    "id, name, credit_code, district, contact_name, contact_phone, status, verified_by, verified_at, created_at";

impl TryFrom<EmployerRow> for Employer {
    type Error = StoreError;

    fn try_from(row: EmployerRow) -> Result<Self> {
        Ok(Employer {
            id: row.id,
            district: parse_district(&row.district)?,
            status: EmployerStatus::parse(&row.status)
                .ok_or_else(|| StoreError::Corrupt(format!("employer status {}", row.status)))?,
            name: row.name,
            credit_code: row.credit_code,
            contact_name: row.contact_name,
            contact_phone: row.contact_phone,
            verified_by: row.verified_by,
            verified_at: row.verified_at,
            created_at: row.created_at,
        })
    }
}

/// Disables the agent accounts of an employer whose sign-up was rejected or expired, and
/// frees their usernames (`retired:<id>` cannot be chosen: a username has no colon).
pub(crate) async fn retire_agents<DB, C>(connection: &mut C, employer_id: EmployerId) -> Result<()>
where
    DB: sqlx::Database,
    C: sqlx::Connection<Database = DB>,
    for<'e> &'e mut C: sqlx::Executor<'e, Database = DB>,
    for<'q> <DB as sqlx::Database>::Arguments: sqlx::IntoArguments<DB>,
    EmployerId: for<'q> sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    sqlx::query("UPDATE users SET disabled = TRUE, username = 'retired:' || id WHERE employer_id = $1")
        .bind(employer_id)
        .execute(&mut *connection)
        .await?;
    Ok(())
}

store_queries! {
    /// Employers and their sign-up.
    pub trait EmployerStore {
        /// Registers an employer (pending) together with its HR agent's account, in one
        /// transaction; the agent's `employer_id` is set to the new employer.
        async fn register_employer(
            &self,
            employer: &NewEmployer,
            agent: &NewUser,
            at: Millis,
            audit: &AuditEntry,
        ) -> Result<(Employer, User)> {
            let mut tx = self.begin_write().await?;
            // A rejected (or expired) sign-up holds its credit code no longer: a new sign-up
            // takes its row over, so the code stays unique among live employers.
            let reused: Option<EmployerId> = sqlx::query_scalar(
                "UPDATE employers SET name = $1, district = $3, contact_name = $4, contact_phone = $5, \
                 status = 'pending', verified_by = NULL, verified_at = NULL, created_at = $6 \
                 WHERE credit_code = $2 AND status = 'rejected' RETURNING id",
            )
            .bind(&employer.name)
            .bind(employer.credit_code.as_str())
            .bind(employer.district.as_str())
            .bind(&employer.contact_name)
            .bind(&employer.contact_phone)
            .bind(at)
            .fetch_optional(&mut *tx)
            .await?;
            let id: EmployerId = match reused {
                Some(id) => id,
                None => sqlx::query_scalar(
                    "INSERT INTO employers (name, credit_code, district, contact_name, contact_phone, status, created_at) \
                     VALUES ($1, $2, $3, $4, $5, 'pending', $6) RETURNING id",
                )
                .bind(&employer.name)
                .bind(employer.credit_code.as_str())
                .bind(employer.district.as_str())
                .bind(&employer.contact_name)
                .bind(&employer.contact_phone)
                .bind(at)
                .fetch_one(&mut *tx)
                .await
                .map_err(unique("credit code"))?,
            };
            let agent_id: UserId = sqlx::query_scalar(
                "INSERT INTO users (username, display_name, password_hash, role, district, employer_id, \
                 must_change_password, disabled, created_at) VALUES ($1, $2, $3, $4, NULL, $5, $6, FALSE, $7) RETURNING id",
            )
            .bind(&agent.username)
            .bind(&agent.display_name)
            .bind(&agent.password_hash)
            .bind(agent.role.as_str())
            .bind(id)
            .bind(agent.must_change_password)
            .bind(at)
            .fetch_one(&mut *tx)
            .await
            .map_err(unique("username"))?;
            append_audit(&mut *tx, audit).await?;
            tx.commit().await?;
            let employer = self.employer(id).await?.ok_or(StoreError::Conflict("employer vanished after insert"))?;
            let agent = self.user_by_id(agent_id).await?.ok_or(StoreError::Conflict("user vanished after insert"))?;
            Ok((employer, agent))
        }

        /// Sign-ups still pending that were made before `created_before` expire: they are
        /// rejected by nobody (audited), and their agent accounts are disabled and give up their
        /// usernames, so an unverified sign-up reserves nothing for long. Returns how many expired.
        async fn expire_signups(&self, created_before: Millis, at: Millis) -> Result<u64> {
            let mut tx = self.begin_write().await?;
            let expired: Vec<EmployerId> = sqlx::query_scalar(
                "UPDATE employers SET status = 'rejected', verified_at = $2 \
                 WHERE status = 'pending' AND created_at < $1 RETURNING id",
            )
            .bind(created_before)
            .bind(at)
            .fetch_all(&mut *tx)
            .await?;
            for id in &expired {
                retire_agents(&mut *tx, *id).await?;
                let entry = AuditEntry::new(at, None, format!("employer:{id}"), &Audit::EmployerExpire {});
                append_audit(&mut *tx, &entry).await?;
            }
            tx.commit().await?;
            Ok(expired.len() as u64)
        }

        async fn employer(&self, id: EmployerId) -> Result<Option<Employer>> {
            let sql = format!("SELECT {EMPLOYER_COLUMNS} FROM employers WHERE id = $1");
            let row: Option<EmployerRow> =
                sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(&self.pool).await?;
            row.map(Employer::try_from).transpose()
        }

        async fn employers_in_district(&self, district: District, status: EmployerStatus) -> Result<Vec<Employer>> {
            let sql = format!("SELECT {EMPLOYER_COLUMNS} FROM employers WHERE district = $1 AND status = $2 ORDER BY id");
            let rows: Vec<EmployerRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(district.as_str())
            .bind(status.as_str())
            .fetch_all(&self.pool)
            .await?;
            rows.into_iter().map(Employer::try_from).collect()
        }

        /// Decides a pending registration; anything but a pending one is a conflict.
        async fn decide_employer(&self, id: EmployerId, status: EmployerStatus, by: UserId, at: Millis, audit: &AuditEntry) -> Result<()> {
            // The same decision, with no message to send.
            self.decide_employer_telling( id, status, by, at, audit, &[]).await
        }

        /// Decides a pending employer sign-up (verified or rejected; a rejection retires its
        /// agents' accounts), audited, with the messages that tell its contact, all in one
        /// transaction. [`StoreError::Conflict`] when it is no longer pending.
        async fn decide_employer_telling(
            &self,
            id: EmployerId,
            status: EmployerStatus,
            by: UserId,
            at: Millis,
            audit: &AuditEntry,
            messages: &[NewMessage],
        ) -> Result<()> {
            let mut tx = self.begin_write().await?;
            let changed = sqlx::query(
                "UPDATE employers SET status = $1, verified_by = $2, verified_at = $3 WHERE id = $4 AND status = 'pending'",
            )
            .bind(status.as_str())
            .bind(by)
            .bind(at)
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if changed == 0 {
                return Err(StoreError::Conflict("the registration is not pending"));
            }
            if status == EmployerStatus::Rejected {
                retire_agents(&mut *tx, id).await?;
            }
            append_audit(&mut *tx, audit).await?;
            insert_messages(&mut *tx, messages, at).await?;
            tx.commit().await?;
            Ok(())
        }
    }
}
