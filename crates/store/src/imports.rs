//! Roster import jobs: their progress and per-row report.

use crate::database::{Result, StoreError};
use crate::model::*;
use crate::queries::store_queries;
use sqlx::types::Json;

#[derive(sqlx::FromRow)]
struct ImportJobRow {
    id: ImportJobId,
    employer_id: EmployerId,
    created_by: UserId,
    status: String,
    total: i64,
    processed: i64,
    report: Json<serde_json::Value>,
    created_at: i64,
    updated_at: i64,
}

impl TryFrom<ImportJobRow> for ImportJob {
    type Error = StoreError;

    fn try_from(row: ImportJobRow) -> Result<Self> {
        Ok(Self {
            id: row.id,
            employer_id: row.employer_id,
            created_by: row.created_by,
            status: ImportStatus::parse(&row.status)
                .ok_or_else(|| StoreError::Corrupt(format!("import status {}", row.status)))?,
            total: row.total,
            processed: row.processed,
            report: row.report.0,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

const IMPORT_COLUMNS: &str = "id, employer_id, created_by, status, total, processed, report, created_at, updated_at";

store_queries! {
    /// Roster import jobs.
    pub trait ImportStore {
        async fn create_import_job(
            &self,
            employer_id: EmployerId,
            by: UserId,
            total: i64,
            report: &serde_json::Value,
            at: Millis,
        ) -> Result<ImportJob> {
            let mut tx = self.begin_write().await?;
            let id: ImportJobId = sqlx::query_scalar(
                "INSERT INTO import_jobs (employer_id, created_by, status, total, processed, report, created_at, updated_at) \
                 VALUES ($1, $2, 'running', $3, 0, $4, $5, $5) RETURNING id",
            )
            .bind(employer_id)
            .bind(by)
            .bind(total)
            .bind(Json(report))
            .bind(at)
            .fetch_one(&mut *tx)
            .await?;
            tx.commit().await?;
            self.import_job(id).await?.ok_or(StoreError::Conflict("import job vanished after insert"))
        }

        async fn import_progress(&self, id: ImportJobId, processed: i64, at: Millis) -> Result<()> {
            let mut tx = self.begin_write().await?;
            sqlx::query("UPDATE import_jobs SET processed = $1, updated_at = $2 WHERE id = $3 AND status = 'running'")
                .bind(processed)
                .bind(at)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(())
        }

        async fn finish_import_job(
            &self,
            id: ImportJobId,
            status: ImportStatus,
            report: &serde_json::Value,
            at: Millis,
        ) -> Result<()> {
            let mut tx = self.begin_write().await?;
            let changed = sqlx::query(
                "UPDATE import_jobs SET status = $1, report = $2, processed = total, updated_at = $3 \
                 WHERE id = $4 AND status = 'running'",
            )
            .bind(status.as_str())
            .bind(Json(report))
            .bind(at)
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if changed == 0 {
                return Err(StoreError::Conflict("the import is not running"));
            }
            tx.commit().await?;
            Ok(())
        }

        async fn import_job(&self, id: ImportJobId) -> Result<Option<ImportJob>> {
            let sql = format!("SELECT {IMPORT_COLUMNS} FROM import_jobs WHERE id = $1");
            let row: Option<ImportJobRow> =
                sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(&self.pool).await?;
            row.map(ImportJob::try_from).transpose()
        }
    }
}
