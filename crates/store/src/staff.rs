//! Staff administered in the browser: the list with each member's last sign-in, their
//! contact mobile (where a reset's one-time password goes), and switching an account off or
//! on. Every change writes its audit entry in its own transaction; the last active
//! administrator can never be switched off.

use crate::accounts::{USER_COLUMNS, UserRow};
use crate::audit::append_audit;
use crate::database::{Result, StoreError, unique};
use crate::model::*;
use crate::outbox::insert_messages;
use crate::prelude::*;
use crate::queries::store_queries;

/// One member of staff as the administrator's list shows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffMember {
    pub user: User,
    pub mobile: Option<String>,
    /// When they last signed in (from the audit log), if ever.
    pub last_sign_in: Option<Millis>,
}

#[derive(sqlx::FromRow)]
struct StaffRow {
    #[sqlx(flatten)]
    user: UserRow,
    mobile: Option<String>,
    last_sign_in: Option<i64>,
}

store_queries! {
    pub trait StaffStore {
        /// Administrators and district staff, oldest account first.
        async fn staff(&self) -> Result<Vec<StaffMember>> {
            let columns = USER_COLUMNS.split(", ").map(|c| format!("u.{}", c.trim())).collect::<Vec<_>>().join(", ");
            let sql = format!(
                "SELECT {columns}, c.mobile, \
                 (SELECT a.at FROM audit_log a WHERE a.actor_id = u.id AND a.action = 'sign_in' \
                  ORDER BY a.id DESC LIMIT 1) AS last_sign_in \
                 FROM users u LEFT JOIN staff_contacts c ON c.user_id = u.id \
                 WHERE u.role IN ('admin', 'clerk', 'reviewer', 'supervisor') ORDER BY u.id"
            );
            let rows: Vec<StaffRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_all(&self.pool).await?;
            rows.into_iter()
                .map(|row| {
                    Ok(StaffMember { user: User::try_from(row.user)?, mobile: row.mobile, last_sign_in: row.last_sign_in })
                })
                .collect()
        }

        /// Keeps the mobile a member's one-time passwords go to.
        async fn set_staff_mobile(&self, user_id: UserId, mobile: &str) -> Result<()> {
            let mut tx = self.begin_write().await?;
            sqlx::query(
                "INSERT INTO staff_contacts (user_id, mobile) VALUES ($1, $2) \
                 ON CONFLICT (user_id) DO UPDATE SET mobile = $2",
            )
            .bind(user_id)
            .bind(mobile)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(())
        }

        /// Creates a member of staff with their contact mobile, queues their messages (the
        /// initial password) and writes the audit entry, all in one transaction. A taken
        /// username is [`StoreError::Duplicate`].
        async fn create_staff(
            &self,
            user: &NewUser,
            mobile: &str,
            messages: &[NewMessage],
            at: Millis,
            audit: &AuditEntry,
        ) -> Result<User> {
            let mut tx = self.begin_write().await?;
            let id: UserId = sqlx::query_scalar(
                "INSERT INTO users (username, display_name, password_hash, role, district, employer_id, \
                 must_change_password, disabled, created_at) VALUES ($1, $2, $3, $4, $5, NULL, TRUE, FALSE, $6) RETURNING id",
            )
            .bind(&user.username)
            .bind(&user.display_name)
            .bind(&user.password_hash)
            .bind(user.role.as_str())
            .bind(user.district.map(jifen_domain::District::as_str))
            .bind(at)
            .fetch_one(&mut *tx)
            .await
            .map_err(unique("username"))?;
            sqlx::query("INSERT INTO staff_contacts (user_id, mobile) VALUES ($1, $2)")
                .bind(id)
                .bind(mobile)
                .execute(&mut *tx)
                .await?;
            insert_messages(&mut *tx, messages, at).await?;
            append_audit(&mut *tx, &AuditEntry { subject: format!("user:{id}"), ..audit.clone() }).await?;
            tx.commit().await?;
            self.user_by_id(id).await?.ok_or(StoreError::Conflict("user vanished after insert"))
        }

        /// Gives a member a new initial password to change at the next sign-in, ends their
        /// sessions and queues the message that carries it, in one transaction.
        async fn reset_staff_password(
            &self,
            user_id: UserId,
            password_hash: &str,
            messages: &[NewMessage],
            at: Millis,
            audit: &AuditEntry,
        ) -> Result<()> {
            let mut tx = self.begin_write().await?;
            let changed = sqlx::query(
                "UPDATE users SET password_hash = $1, must_change_password = TRUE WHERE id = $2 \
                 AND role IN ('admin', 'clerk', 'reviewer', 'supervisor')",
            )
            .bind(password_hash)
            .bind(user_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if changed == 0 {
                return Err(StoreError::Conflict("no such member of staff"));
            }
            sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user_id).execute(&mut *tx).await?;
            sqlx::query("DELETE FROM trusted_devices WHERE user_id = $1").bind(user_id).execute(&mut *tx).await?;
            insert_messages(&mut *tx, messages, at).await?;
            append_audit(&mut *tx, audit).await?;
            tx.commit().await?;
            Ok(())
        }

        /// Switches an account off (its sessions end at once) or on, audited. Switching off the
        /// last active administrator is a conflict.
        async fn set_disabled(&self, user_id: UserId, disabled: bool, audit: &AuditEntry) -> Result<()> {
            let mut tx = self.begin_write().await?;
            // One row every switch writes first: on PostgreSQL its lock makes switches
            // wait for each other (SQLite writes one at a time anyway), so two
            // administrators switching each other off at once cannot both succeed.
            sqlx::query("UPDATE account_switches SET last_at = $1 WHERE id = 1")
                .bind(audit.at)
                .execute(&mut *tx)
                .await?;
            let changed = sqlx::query("UPDATE users SET disabled = $1 WHERE id = $2 AND disabled <> $1")
                .bind(disabled)
                .bind(user_id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if changed == 0 {
                return Err(StoreError::Conflict("the account is already in that state, or does not exist"));
            }
            let active_admins: i64 =
                sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE role = 'admin' AND disabled = FALSE")
                    .fetch_one(&mut *tx)
                    .await?;
            if active_admins == 0 {
                return Err(StoreError::Conflict("the last active administrator cannot be switched off"));
            }
            if disabled {
                sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user_id).execute(&mut *tx).await?;
            }
            append_audit(&mut *tx, audit).await?;
            tx.commit().await?;
            Ok(())
        }
    }
}
