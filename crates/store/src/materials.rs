//! Uploaded materials: each upload's record, and its bytes kept once by their SHA-256.

use crate::audit::append_audits;
use crate::database::{Result, StoreError};
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
        /// deleted), and of two given at once for one material the later is the current one.
        /// Identical content is stored once. Four statements however many files (each one a
        /// hand-off to the connection's thread): the contents, the files superseded, the new
        /// files, their audit entries.
        async fn add_uploads(&self, uploads: &[(NewUpload, AuditEntry)], by: UserId, at: Millis) -> Result<Vec<Upload>> {
            if uploads.is_empty() {
                return Ok(Vec::new());
            }
            let mut tx = self.begin_write().await?;
            let mut applications: Vec<ApplicationId> = uploads.iter().map(|(upload, _)| upload.application_id).collect();
            applications.sort_unstable();
            applications.dedup();
            for application in &applications {
                Self::lock_uploads_of(&mut tx, *application).await?;
            }
            let size_of = |upload: &NewUpload| i64::try_from(upload.bytes.len()).unwrap_or(i64::MAX);

            let mut contents: Vec<&NewUpload> = uploads.iter().map(|(upload, _)| upload).collect();
            contents.sort_by(|a, b| a.sha256.cmp(&b.sha256));
            contents.dedup_by(|a, b| a.sha256 == b.sha256);
            let mut insert = sqlx::QueryBuilder::new("INSERT INTO blobs (sha256, size, bytes) ");
            insert.push_values(&contents, |mut row, upload| {
                row.push_bind(upload.sha256.as_str()).push_bind(size_of(upload)).push_bind(upload.bytes.as_slice());
            });
            insert.push(" ON CONFLICT (sha256) DO NOTHING").build().execute(&mut *tx).await?;

            let mut materials: Vec<(ApplicationId, &str)> =
                uploads.iter().map(|(upload, _)| (upload.application_id, upload.material.as_str())).collect();
            materials.sort_unstable();
            materials.dedup();
            let mut supersede = sqlx::QueryBuilder::new("UPDATE uploads SET superseded = TRUE WHERE superseded = FALSE AND (");
            for (i, (application, material)) in materials.iter().enumerate() {
                supersede.push(if i == 0 { "(application_id = " } else { " OR (application_id = " });
                supersede.push_bind(*application).push(" AND material = ").push_bind(*material).push(")");
            }
            supersede.push(")").build().execute(&mut *tx).await?;

            // A file is current unless a later one in this batch is for the same material.
            let added: Vec<Upload> = uploads
                .iter()
                .enumerate()
                .map(|(i, (upload, _))| Upload {
                    id: UploadId::new(0),
                    application_id: upload.application_id,
                    material: upload.material.clone(),
                    filename: upload.filename.clone(),
                    content_type: upload.content_type.clone(),
                    size: size_of(upload),
                    sha256: upload.sha256.clone(),
                    uploaded_by: by,
                    uploaded_at: at,
                    superseded: uploads[i + 1..]
                        .iter()
                        .any(|(later, _)| later.application_id == upload.application_id && later.material == upload.material),
                })
                .collect();
            let mut insert = sqlx::QueryBuilder::new(
                "INSERT INTO uploads (application_id, material, filename, content_type, size, sha256, uploaded_by, \
                 uploaded_at, superseded) ",
            );
            insert.push_values(&added, |mut row, upload| {
                row.push_bind(upload.application_id)
                    .push_bind(upload.material.clone())
                    .push_bind(upload.filename.clone())
                    .push_bind(upload.content_type.clone())
                    .push_bind(upload.size)
                    .push_bind(upload.sha256.clone())
                    .push_bind(upload.uploaded_by)
                    .push_bind(upload.uploaded_at)
                    .push_bind(upload.superseded);
            });
            let columns = UPLOAD_COLUMNS;
            insert.push(format_args!(" RETURNING {columns}"));
            let rows: Vec<UploadRow> = insert.build_query_as().fetch_all(&mut *tx).await?;
            let audits: Vec<AuditEntry> = uploads.iter().map(|(_, audit)| audit.clone()).collect();
            append_audits(&mut *tx, &audits).await?;
            tx.commit().await?;
            // Neither database promises RETURNING's order: each file takes the first row stored
            // with its values (rows that alike differ in nothing but their ids).
            let mut stored: Vec<(UploadId, Upload)> = rows
                .into_iter()
                .map(|row| (row.id, Upload { id: UploadId::new(0), ..Upload::from(row) }))
                .collect();
            stored.sort_by_key(|(id, _)| *id);
            let mut written = Vec::with_capacity(added.len());
            for upload in added {
                let position = stored
                    .iter()
                    .position(|(_, row)| *row == upload)
                    .ok_or_else(|| StoreError::Corrupt("an upload was not returned as it was written".into()))?;
                written.push(Upload { id: stored.remove(position).0, ..upload });
            }
            Ok(written)
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
    async fn lock_uploads_of(_: &mut sqlx::SqliteConnection, _: ApplicationId) -> Result<()> {
        Ok(())
    }
}

impl PgStore {
    /// Holds the application's row until the transaction ends, so a second upload to it waits
    /// and then sees the first one's file to supersede.
    async fn lock_uploads_of(tx: &mut sqlx::PgConnection, id: ApplicationId) -> Result<()> {
        sqlx::query("SELECT id FROM applications WHERE id = $1 FOR UPDATE").bind(id).execute(tx).await?;
        Ok(())
    }
}
