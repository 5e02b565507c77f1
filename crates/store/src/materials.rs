//! Uploaded materials: each upload's record, and its bytes kept once by their SHA-256.

use crate::audit::append_audit;
use crate::database::Result;
use crate::model::*;
use crate::queries::store_queries;
use crate::{PgStore, SqliteStore};

#[derive(sqlx::FromRow)]
struct UploadRow {
    id: UploadId,
    application_id: ApplicationId,
    material: String,
    filename: String,
    content_type: String,
    size: i64,
    sha256: String,
    uploaded_by: UserId,
    uploaded_at: i64,
    superseded: bool,
}

impl From<UploadRow> for Upload {
    fn from(row: UploadRow) -> Self {
        Self {
            id: row.id,
            application_id: row.application_id,
            material: row.material,
            filename: row.filename,
            content_type: row.content_type,
            size: row.size,
            sha256: row.sha256,
            uploaded_by: row.uploaded_by,
            uploaded_at: row.uploaded_at,
            superseded: row.superseded,
        }
    }
}

const UPLOAD_COLUMNS: &str =
    "id, application_id, material, filename, content_type, size, sha256, uploaded_by, uploaded_at, superseded";

store_queries! {
    /// Uploaded materials.
    pub trait MaterialStore {
        /// Keeps files for materials of an application, all in one transaction, each with its
        /// audit entry; an earlier file for the same material is superseded (kept, not
        /// deleted). Identical content is stored once.
        async fn add_uploads(&self, uploads: &[(NewUpload, AuditEntry)], by: UserId, at: Millis) -> Result<Vec<Upload>> {
            let mut tx = self.begin_write().await?;
            let mut applications: Vec<ApplicationId> = uploads.iter().map(|(upload, _)| upload.application_id).collect();
            applications.sort_unstable();
            applications.dedup();
            for application in applications {
                Self::lock_uploads_of(&mut tx, application).await?;
            }
            let mut added = Vec::with_capacity(uploads.len());
            for (upload, audit) in uploads {
                let size = i64::try_from(upload.bytes.len()).unwrap_or(i64::MAX);
                sqlx::query("INSERT INTO blobs (sha256, size, bytes) VALUES ($1, $2, $3) ON CONFLICT (sha256) DO NOTHING")
                    .bind(&upload.sha256)
                    .bind(size)
                    .bind(&upload.bytes)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(
                    "UPDATE uploads SET superseded = TRUE WHERE application_id = $1 AND material = $2 AND superseded = FALSE",
                )
                .bind(upload.application_id)
                .bind(&upload.material)
                .execute(&mut *tx)
                .await?;
                let id: UploadId = sqlx::query_scalar(
                    "INSERT INTO uploads (application_id, material, filename, content_type, size, sha256, uploaded_by, \
                     uploaded_at, superseded) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, FALSE) RETURNING id",
                )
                .bind(upload.application_id)
                .bind(&upload.material)
                .bind(&upload.filename)
                .bind(&upload.content_type)
                .bind(size)
                .bind(&upload.sha256)
                .bind(by)
                .bind(at)
                .fetch_one(&mut *tx)
                .await?;
                append_audit(&mut *tx, audit).await?;
                added.push(Upload {
                    id,
                    application_id: upload.application_id,
                    material: upload.material.clone(),
                    filename: upload.filename.clone(),
                    content_type: upload.content_type.clone(),
                    size,
                    sha256: upload.sha256.clone(),
                    uploaded_by: by,
                    uploaded_at: at,
                    superseded: false,
                });
            }
            tx.commit().await?;
            Ok(added)
        }

        /// The current (not superseded) uploads of an application.
        async fn uploads(&self, application_id: ApplicationId) -> Result<Vec<Upload>> {
            let sql = format!(
                "SELECT {UPLOAD_COLUMNS} FROM uploads WHERE application_id = $1 AND superseded = FALSE ORDER BY id"
            );
            let rows: Vec<UploadRow> =
                sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(application_id).fetch_all(&self.pool).await?;
            Ok(rows.into_iter().map(Upload::from).collect())
        }

        async fn upload(&self, id: UploadId) -> Result<Option<Upload>> {
            let sql = format!("SELECT {UPLOAD_COLUMNS} FROM uploads WHERE id = $1");
            let row: Option<UploadRow> =
                sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(&self.pool).await?;
            Ok(row.map(Upload::from))
        }

        async fn blob(&self, sha256: &str) -> Result<Option<Vec<u8>>> {
            Ok(sqlx::query_scalar("SELECT bytes FROM blobs WHERE sha256 = $1")
                .bind(sha256)
                .fetch_optional(&self.pool)
                .await?)
        }
    }
}

/// Serialising uploads to one application (two at once for the same material must leave one
/// current file): what differs between the two databases, as one inherent method each.
impl SqliteStore {
    /// SQLite writes one transaction at a time (`BEGIN IMMEDIATE`): nothing to lock.
    async fn lock_uploads_of(_: &mut sqlx::Transaction<'static, sqlx::Sqlite>, _: ApplicationId) -> Result<()> {
        Ok(())
    }
}

impl PgStore {
    /// Holds the application's row until the transaction ends, so a second upload to it waits
    /// and then sees the first one's file to supersede.
    async fn lock_uploads_of(tx: &mut sqlx::Transaction<'static, sqlx::Postgres>, id: ApplicationId) -> Result<()> {
        sqlx::query("SELECT id FROM applications WHERE id = $1 FOR UPDATE").bind(id).execute(&mut **tx).await?;
        Ok(())
    }
}
