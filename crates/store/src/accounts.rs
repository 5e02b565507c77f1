//! Accounts: people who sign in (applicants, HR agents, staff), their passwords, and the
//! simulation a signed-in person last ran.

use crate::audit::append_audit;
use crate::database::{Result, StoreError, parse_district, unique};
use crate::model::*;
use crate::queries::store_queries;
use jifen_domain::form::Fields;
use jifen_domain::{District, Role};
use sqlx::types::Json;

#[derive(sqlx::FromRow)]
pub(crate) struct UserRow {
    pub(crate) id: UserId,
    username: String,
    display_name: String,
    password_hash: String,
    role: String,
    district: Option<String>,
    employer_id: Option<EmployerId>,
    must_change_password: bool,
    disabled: bool,
    created_at: i64,
}

impl TryFrom<UserRow> for User {
    type Error = StoreError;

    fn try_from(row: UserRow) -> Result<Self> {
        Ok(User {
            id: row.id,
            role: Role::parse(&row.role).ok_or_else(|| StoreError::Corrupt(format!("role {}", row.role)))?,
            district: row.district.as_deref().map(parse_district).transpose()?,
            username: row.username,
            display_name: row.display_name,
            password_hash: row.password_hash,
            employer_id: row.employer_id,
            must_change_password: row.must_change_password,
            disabled: row.disabled,
            created_at: row.created_at,
        })
    }
}

pub(crate) const USER_COLUMNS: &str = "id, username, display_name, password_hash, role, district, employer_id, \
    must_change_password, disabled, created_at";

store_queries! {
    /// Accounts and their passwords.
    pub trait AccountStore {
        async fn create_user(&self, user: &NewUser, at: Millis, audit: &AuditEntry) -> Result<User> {
            let mut tx = self.begin_write().await?;
            let id: UserId = sqlx::query_scalar(
                "INSERT INTO users (username, display_name, password_hash, role, district, employer_id, \
                 must_change_password, disabled, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, FALSE, $8) RETURNING id",
            )
            .bind(&user.username)
            .bind(&user.display_name)
            .bind(&user.password_hash)
            .bind(user.role.as_str())
            .bind(user.district.map(District::as_str))
            .bind(user.employer_id)
            .bind(user.must_change_password)
            .bind(at)
            .fetch_one(&mut *tx)
            .await
            .map_err(unique("username"))?;
            append_audit(&mut *tx, audit).await?;
            tx.commit().await?;
            self.user_by_id(id).await?.ok_or(StoreError::Conflict("user vanished after insert"))
        }

        async fn user_by_username(&self, username: &str) -> Result<Option<User>> {
            let sql = sqlx::AssertSqlSafe(format!("SELECT {USER_COLUMNS} FROM users WHERE username = $1"));
            let row: Option<UserRow> = sqlx::query_as(sql).bind(username).fetch_optional(&self.pool).await?;
            row.map(User::try_from).transpose()
        }

        async fn user_by_id(&self, id: UserId) -> Result<Option<User>> {
            let sql = sqlx::AssertSqlSafe(format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1"));
            let row: Option<UserRow> = sqlx::query_as(sql).bind(id).fetch_optional(&self.pool).await?;
            row.map(User::try_from).transpose()
        }

        /// Replaces a password and ends every session of the user.
        async fn set_password(&self, user_id: UserId, password_hash: &str, must_change: bool, audit: &AuditEntry) -> Result<()> {
            let mut tx = self.begin_write().await?;
            let changed = sqlx::query("UPDATE users SET password_hash = $1, must_change_password = $2 WHERE id = $3")
                .bind(password_hash)
                .bind(must_change)
                .bind(user_id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if changed == 0 {
                return Err(StoreError::Conflict("no such user"));
            }
            sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user_id).execute(&mut *tx).await?;
            sqlx::query("DELETE FROM trusted_devices WHERE user_id = $1").bind(user_id).execute(&mut *tx).await?;
            append_audit(&mut *tx, audit).await?;
            tx.commit().await?;
            Ok(())
        }

        async fn save_simulation(&self, user_id: UserId, fields: &Fields, at: Millis) -> Result<()> {
            let mut tx = self.begin_write().await?;
            sqlx::query("INSERT INTO simulations (user_id, fields, created_at) VALUES ($1, $2, $3)")
                .bind(user_id)
                .bind(Json(fields))
                .bind(at)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(())
        }

        async fn latest_simulation(&self, user_id: UserId) -> Result<Option<Fields>> {
            let row: Option<Json<Fields>> =
                sqlx::query_scalar("SELECT fields FROM simulations WHERE user_id = $1 ORDER BY id DESC LIMIT 1")
                    .bind(user_id)
                    .fetch_optional(&self.pool)
                    .await?;
            Ok(row.map(|fields| fields.0))
        }
    }
}
