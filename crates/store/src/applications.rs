//! Applicants, applications and their history, uploaded materials, saved simulations and
//! import jobs: the [`ApplicationStore`] trait, written once for both databases like
//! [`crate::Repository`]. Every change writes its audit entry (and, for moves of an
//! application, its messages) in the same transaction as the change itself.

use crate::model::*;
use crate::repository::{
    AuditRow, PgStore, Result, SqliteStore, Store, StoreError, append_audit, delegate, insert_messages, parse_district,
    retire_agents, unique,
};
use jifen_domain::form::Fields;
use jifen_domain::{ApplicationKind, District, Role};
use sqlx::types::Json;
use std::collections::BTreeMap;
use std::future::Future;

pub trait ApplicationStore: Send + Sync {
    /// Registers people as applicants of `employer_id`, all in one transaction (all or
    /// nothing): a new account (role applicant, initial password to be changed) or an
    /// existing one, linked to the employer. Audits each as `applicant_register` or
    /// `applicant_link` on `user:{id}` with the registration's details, and queues its
    /// messages. Returns the user id of each, in order. A new account whose ID number is
    /// taken fails the whole batch with [`StoreError::Duplicate`].
    fn register_applicants(
        &self,
        employer_id: i64,
        by: i64,
        registrations: &[Registration],
        at: Millis,
    ) -> impl Future<Output = Result<Vec<i64>>> + Send;
    fn applicant(&self, user_id: i64) -> impl Future<Output = Result<Option<Applicant>>> + Send;
    fn applicant_by_id_number(&self, id_number: &str) -> impl Future<Output = Result<Option<Applicant>>> + Send;
    /// The people linked to an employer (pending links too), each with the link's status.
    fn applicants_of_employer(
        &self,
        employer_id: i64,
    ) -> impl Future<Output = Result<Vec<(Applicant, LinkStatus)>>> + Send;
    /// The employers that registered the applicant, newest first, whatever their status.
    fn employments(&self, applicant_id: i64) -> impl Future<Output = Result<Vec<Employment>>> + Send;
    /// Moves the link between a person and an employer from one of `from` to `to`, audited;
    /// a link in any other state is a conflict.
    fn set_link_status(
        &self,
        applicant_id: i64,
        employer_id: i64,
        from: &[LinkStatus],
        to: LinkStatus,
        at: Millis,
        audit: &AuditEntry,
    ) -> impl Future<Output = Result<()>> + Send;

    /// Starts an application; a person with one in progress already gets
    /// [`StoreError::Duplicate`]. The audit entry's subject is set to the new application.
    fn create_application(
        &self,
        application: &NewApplication,
        by: i64,
        at: Millis,
        audit: &AuditEntry,
    ) -> impl Future<Output = Result<Application>> + Send;
    fn application(&self, id: i64) -> impl Future<Output = Result<Option<Application>>> + Send;
    fn applications_of_applicant(
        &self,
        applicant_id: i64,
    ) -> impl Future<Output = Result<Vec<ApplicationListing>>> + Send;
    fn applications_of_employer(
        &self,
        employer_id: i64,
    ) -> impl Future<Output = Result<Vec<ApplicationListing>>> + Send;
    /// The applications filed at one district's centre, in the given states.
    fn applications_in_district(
        &self,
        district: District,
        states: &[String],
    ) -> impl Future<Output = Result<Vec<ApplicationListing>>> + Send;
    /// Saves the form of an application that is still in `state` at `expected_version`;
    /// otherwise [`StoreError::Conflict`] (someone moved or saved it meanwhile).
    fn save_draft(
        &self,
        id: i64,
        state: &str,
        expected_version: i64,
        draft: &Draft,
        at: Millis,
        audit: &AuditEntry,
    ) -> impl Future<Output = Result<Application>> + Send;
    /// Moves an application that is still in `transition.from_state` at
    /// `transition.expected_version`, recording the event, the audit entry and the messages
    /// together; otherwise [`StoreError::Conflict`] and nothing is written.
    fn transition_application(
        &self,
        id: i64,
        transition: &Transition,
        at: Millis,
        audit: &AuditEntry,
        messages: &[NewMessage],
    ) -> impl Future<Output = Result<Application>> + Send;
    /// What happened to the application, oldest first.
    fn application_events(&self, id: i64) -> impl Future<Output = Result<Vec<ApplicationEvent>>> + Send;
    /// The moves named in `actions` of every application of `district`, as (application id,
    /// action, when), by application and then oldest first: what the dashboards count, in one
    /// query rather than one per application.
    fn district_moves(
        &self,
        district: District,
        actions: &[&str],
    ) -> impl Future<Output = Result<Vec<(i64, String, Millis)>>> + Send;
    /// A points notice by its serial number.
    fn points_notice(&self, serial: &str) -> impl Future<Output = Result<Option<PointsNotice>>> + Send;
    /// The notices in force (not superseded) whose validity ends on or before `until`
    /// (`YYYY-MM-DD`): those to remind of renewal.
    fn current_notices_valid_until(&self, until: &str) -> impl Future<Output = Result<Vec<PointsNotice>>> + Send;
    /// A holder's points notices, the newest first.
    fn points_notices_of_holder(&self, holder_id: i64) -> impl Future<Output = Result<Vec<PointsNotice>>> + Send;
    /// The points notice an application's grant issued, if any.
    fn points_notice_of_application(
        &self,
        application_id: i64,
    ) -> impl Future<Output = Result<Option<PointsNotice>>> + Send;
    /// Records something done to an application still in `state` that does not move it (an
    /// original handed back), with its history entry and audit entry; otherwise
    /// [`StoreError::Conflict`].
    fn note_application(
        &self,
        id: i64,
        state: &str,
        note: &ApplicationNote,
        at: Millis,
        audit: &AuditEntry,
    ) -> impl Future<Output = Result<()>> + Send;
    /// Gives an application still in `state` to a member of staff (or to no one), with its
    /// history entry and audit entry; otherwise [`StoreError::Conflict`]. The version does not
    /// change: who holds an application is not a change to it that others must reload for.
    fn assign_application(
        &self,
        id: i64,
        state: &str,
        assignee: Option<i64>,
        actor_id: i64,
        at: Millis,
        audit: &AuditEntry,
    ) -> impl Future<Output = Result<()>> + Send;

    /// Keeps a file for one material of an application; an earlier file for the same
    /// material is superseded (kept, not deleted). Identical content is stored once.
    fn add_upload(
        &self,
        upload: &NewUpload,
        by: i64,
        at: Millis,
        audit: &AuditEntry,
    ) -> impl Future<Output = Result<Upload>> + Send;
    /// The current (not superseded) uploads of an application.
    fn uploads(&self, application_id: i64) -> impl Future<Output = Result<Vec<Upload>>> + Send;
    fn upload(&self, id: i64) -> impl Future<Output = Result<Option<Upload>>> + Send;
    fn blob(&self, sha256: &str) -> impl Future<Output = Result<Option<Vec<u8>>>> + Send;

    fn save_simulation(&self, user_id: i64, fields: &Fields, at: Millis) -> impl Future<Output = Result<()>> + Send;
    fn latest_simulation(&self, user_id: i64) -> impl Future<Output = Result<Option<Fields>>> + Send;

    fn create_import_job(
        &self,
        employer_id: i64,
        by: i64,
        total: i64,
        report: &serde_json::Value,
        at: Millis,
    ) -> impl Future<Output = Result<ImportJob>> + Send;
    fn import_progress(&self, id: i64, processed: i64, at: Millis) -> impl Future<Output = Result<()>> + Send;
    fn finish_import_job(
        &self,
        id: i64,
        status: ImportStatus,
        report: &serde_json::Value,
        at: Millis,
    ) -> impl Future<Output = Result<()>> + Send;
    fn import_job(&self, id: i64) -> impl Future<Output = Result<Option<ImportJob>>> + Send;

    /// Decides a pending employer sign-up (verified or rejected; a rejection retires its
    /// agents' accounts), audited, with the messages that tell its contact, all in one
    /// transaction. [`StoreError::Conflict`] when it is no longer pending.
    fn decide_employer_telling(
        &self,
        id: i64,
        status: EmployerStatus,
        by: i64,
        at: Millis,
        audit: &AuditEntry,
        messages: &[NewMessage],
    ) -> impl Future<Output = Result<()>> + Send;
    /// Records something that changes nothing else (a full view of personal data).
    fn record_audit(&self, entry: &AuditEntry) -> impl Future<Output = Result<()>> + Send;
    /// The audit entries about one subject, oldest first.
    fn audit_of(&self, subject: &str) -> impl Future<Output = Result<Vec<AuditEntry>>> + Send;
}

#[derive(sqlx::FromRow)]
struct ApplicantRow {
    user_id: i64,
    id_number: String,
    name: String,
    mobile: String,
    created_at: i64,
}

#[derive(sqlx::FromRow)]
struct LinkedApplicantRow {
    #[sqlx(flatten)]
    applicant: ApplicantRow,
    link_status: String,
}

fn parse_link_status(word: &str) -> Result<LinkStatus> {
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

#[derive(sqlx::FromRow)]
pub(crate) struct ApplicationRow {
    id: i64,
    applicant_id: i64,
    employer_id: i64,
    district: String,
    state: String,
    open: bool,
    fields: Json<Fields>,
    claimed_total: Option<i64>,
    claim: Option<Json<serde_json::Value>>,
    review: Json<BTreeMap<String, String>>,
    version: i64,
    created_at: i64,
    updated_at: i64,
    state_since: i64,
    assigned_to: Option<i64>,
    kind: String,
    follows_notice: Option<i64>,
}

impl TryFrom<ApplicationRow> for Application {
    type Error = StoreError;

    fn try_from(row: ApplicationRow) -> Result<Self> {
        Ok(Self {
            id: row.id,
            applicant_id: row.applicant_id,
            employer_id: row.employer_id,
            district: parse_district(&row.district)?,
            state: row.state,
            open: row.open,
            fields: row.fields.0,
            claimed_total: row.claimed_total,
            claim: row.claim.map(|claim| claim.0),
            review: row.review.0,
            version: row.version,
            created_at: row.created_at,
            updated_at: row.updated_at,
            state_since: row.state_since,
            assigned_to: row.assigned_to,
            kind: ApplicationKind::parse(&row.kind)
                .ok_or_else(|| StoreError::Corrupt(format!("application kind {:?}", row.kind)))?,
            follows_notice: row.follows_notice,
        })
    }
}

#[derive(sqlx::FromRow)]
struct ListingRow {
    id: i64,
    applicant_id: i64,
    applicant_name: String,
    applicant_id_number: String,
    employer_id: i64,
    employer_name: String,
    state: String,
    claimed_total: Option<i64>,
    updated_at: i64,
    state_since: i64,
    assigned_to: Option<i64>,
    assigned_name: Option<String>,
    assigned_role: Option<String>,
}

impl From<ListingRow> for ApplicationListing {
    fn from(row: ListingRow) -> Self {
        Self {
            assigned_to: row.assigned_to.zip(row.assigned_name).map(|(id, name)| Assignee {
                id,
                name,
                role: row.assigned_role.as_deref().and_then(Role::parse),
            }),
            id: row.id,
            applicant_id: row.applicant_id,
            applicant_name: row.applicant_name,
            applicant_id_number: row.applicant_id_number,
            employer_id: row.employer_id,
            employer_name: row.employer_name,
            state: row.state,
            claimed_total: row.claimed_total,
            updated_at: row.updated_at,
            state_since: row.state_since,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct NoticeRow {
    id: i64,
    serial: String,
    check_code: String,
    application_id: i64,
    holder_id: i64,
    employer_id: i64,
    district: String,
    total: i64,
    valid_until: String,
    issued_at: i64,
    superseded_at: Option<i64>,
    details: Json<serde_json::Value>,
}

impl TryFrom<NoticeRow> for PointsNotice {
    type Error = StoreError;

    fn try_from(row: NoticeRow) -> Result<Self> {
        Ok(Self {
            id: row.id,
            serial: row.serial,
            check_code: row.check_code,
            application_id: row.application_id,
            holder_id: row.holder_id,
            employer_id: row.employer_id,
            district: parse_district(&row.district)?,
            total: row.total,
            valid_until: row.valid_until,
            issued_at: row.issued_at,
            superseded_at: row.superseded_at,
            details: row.details.0,
        })
    }
}

#[derive(sqlx::FromRow)]
struct EventRow {
    id: i64,
    application_id: i64,
    at: i64,
    actor_id: Option<i64>,
    actor_name: Option<String>,
    action: String,
    from_state: Option<String>,
    to_state: String,
    comment: String,
    details: Json<serde_json::Value>,
}

impl From<EventRow> for ApplicationEvent {
    fn from(row: EventRow) -> Self {
        Self {
            id: row.id,
            application_id: row.application_id,
            at: row.at,
            actor_id: row.actor_id,
            actor_name: row.actor_name,
            action: row.action,
            from_state: row.from_state,
            to_state: row.to_state,
            comment: row.comment,
            details: row.details.0,
        }
    }
}

#[derive(sqlx::FromRow)]
struct UploadRow {
    id: i64,
    application_id: i64,
    material: String,
    filename: String,
    content_type: String,
    size: i64,
    sha256: String,
    uploaded_by: i64,
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

#[derive(sqlx::FromRow)]
struct ImportJobRow {
    id: i64,
    employer_id: i64,
    created_by: i64,
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

const APPLICANT_COLUMNS: &str = "p.user_id, p.id_number, p.name, p.mobile, p.created_at";
pub(crate) const APPLICATION_COLUMNS: &str = "id, applicant_id, employer_id, district, state, open, fields, claimed_total, claim, \
    review, version, created_at, updated_at, state_since, assigned_to, kind, follows_notice";
const LISTING_SELECT: &str = "SELECT a.id, a.applicant_id, p.name AS applicant_name, p.id_number AS applicant_id_number, \
    a.employer_id, e.name AS employer_name, a.state, a.claimed_total, a.updated_at, a.state_since, a.assigned_to, \
    s.display_name AS assigned_name, s.role AS assigned_role \
    FROM applications a JOIN applicants p ON p.user_id = a.applicant_id JOIN employers e ON e.id = a.employer_id \
    LEFT JOIN users s ON s.id = a.assigned_to";
pub(crate) const NOTICE_COLUMNS: &str = "id, serial, check_code, application_id, holder_id, employer_id, district, total, \
    valid_until, issued_at, superseded_at, details";
const UPLOAD_COLUMNS: &str =
    "id, application_id, material, filename, content_type, size, sha256, uploaded_by, uploaded_at, superseded";
const IMPORT_COLUMNS: &str = "id, employer_id, created_by, status, total, processed, report, created_at, updated_at";

macro_rules! application_store {
    ($store:ty) => {
        impl ApplicationStore for $store {
            async fn register_applicants(
                &self,
                employer_id: i64,
                by: i64,
                registrations: &[Registration],
                at: Millis,
            ) -> Result<Vec<i64>> {
                let mut tx = self.begin_write().await?;
                let mut ids = Vec::with_capacity(registrations.len());
                for registration in registrations {
                    let (user_id, action) = match &registration.applicant {
                        RegisteredApplicant::Existing { user_id } => (*user_id, "applicant_link"),
                        RegisteredApplicant::New(applicant) => {
                            let user_id: i64 = sqlx::query_scalar(
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
                            (user_id, "applicant_register")
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
                        action: action.to_string(),
                        ..registration.audit.clone()
                    };
                    append_audit(&mut tx, &entry).await?;
                    insert_messages(&mut tx, &registration.messages, at).await?;
                    ids.push(user_id);
                }
                tx.commit().await?;
                Ok(ids)
            }

            async fn applicant(&self, user_id: i64) -> Result<Option<Applicant>> {
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

            async fn applicants_of_employer(&self, employer_id: i64) -> Result<Vec<(Applicant, LinkStatus)>> {
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

            async fn employments(&self, applicant_id: i64) -> Result<Vec<Employment>> {
                let rows: Vec<(i64, String, i64, String)> = sqlx::query_as(
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

            async fn set_link_status(
                &self,
                applicant_id: i64,
                employer_id: i64,
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
                append_audit(&mut tx, audit).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn create_application(
                &self,
                application: &NewApplication,
                by: i64,
                at: Millis,
                audit: &AuditEntry,
            ) -> Result<Application> {
                let mut tx = self.begin_write().await?;
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO applications (applicant_id, employer_id, district, state, open, fields, claimed_total, \
                     claim, review, version, created_at, updated_at, state_since, kind, follows_notice) \
                     VALUES ($1, $2, $3, $4, TRUE, $5, NULL, NULL, $6, 1, $7, $7, $7, $8, $9) RETURNING id",
                )
                .bind(application.applicant_id)
                .bind(application.employer_id)
                .bind(application.district.as_str())
                .bind(&application.state)
                .bind(Json(&application.fields))
                .bind(Json(BTreeMap::<String, String>::new()))
                .bind(at)
                .bind(application.kind.as_str())
                .bind(application.follows_notice)
                .fetch_one(&mut *tx)
                .await
                .map_err(unique("open application"))?;
                insert_event(&mut tx, id, at, Some(by), "create", None, &application.state, "", &serde_json::json!({}))
                    .await?;
                append_audit(&mut tx, &AuditEntry { subject: format!("application:{id}"), ..audit.clone() }).await?;
                tx.commit().await?;
                self.application(id).await?.ok_or(StoreError::Conflict("application vanished after insert"))
            }

            async fn application(&self, id: i64) -> Result<Option<Application>> {
                let sql = format!("SELECT {APPLICATION_COLUMNS} FROM applications WHERE id = $1");
                let row: Option<ApplicationRow> =
                    sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(&self.pool).await?;
                row.map(Application::try_from).transpose()
            }

            async fn applications_of_applicant(&self, applicant_id: i64) -> Result<Vec<ApplicationListing>> {
                let sql = format!("{LISTING_SELECT} WHERE a.applicant_id = $1 ORDER BY a.id DESC");
                let rows: Vec<ListingRow> =
                    sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(applicant_id).fetch_all(&self.pool).await?;
                Ok(rows.into_iter().map(ApplicationListing::from).collect())
            }

            async fn applications_of_employer(&self, employer_id: i64) -> Result<Vec<ApplicationListing>> {
                let sql = format!("{LISTING_SELECT} WHERE a.employer_id = $1 ORDER BY a.updated_at DESC, a.id DESC");
                let rows: Vec<ListingRow> =
                    sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(employer_id).fetch_all(&self.pool).await?;
                Ok(rows.into_iter().map(ApplicationListing::from).collect())
            }

            async fn applications_in_district(
                &self,
                district: District,
                states: &[String],
            ) -> Result<Vec<ApplicationListing>> {
                // The states are few (the workflow's); each is bound, never spliced in.
                let placeholders: Vec<String> = (0..states.len()).map(|i| format!("${}", i + 2)).collect();
                if placeholders.is_empty() {
                    return Ok(Vec::new());
                }
                let sql = format!(
                    "{LISTING_SELECT} WHERE a.district = $1 AND a.state IN ({}) ORDER BY a.state_since, a.id",
                    placeholders.join(", ")
                );
                let mut query = sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(district.as_str());
                for state in states {
                    query = query.bind(state);
                }
                let rows: Vec<ListingRow> = query.fetch_all(&self.pool).await?;
                Ok(rows.into_iter().map(ApplicationListing::from).collect())
            }

            async fn save_draft(
                &self,
                id: i64,
                state: &str,
                expected_version: i64,
                draft: &Draft,
                at: Millis,
                audit: &AuditEntry,
            ) -> Result<Application> {
                let mut tx = self.begin_write().await?;
                let changed = sqlx::query(
                    "UPDATE applications SET fields = $1, claimed_total = $2, version = version + 1, updated_at = $3 \
                     WHERE id = $4 AND state = $5 AND version = $6",
                )
                .bind(Json(&draft.fields))
                .bind(draft.claimed_total)
                .bind(at)
                .bind(id)
                .bind(state)
                .bind(expected_version)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if changed == 0 {
                    return Err(StoreError::Conflict("the application changed meanwhile"));
                }
                append_audit(&mut tx, audit).await?;
                tx.commit().await?;
                self.application(id).await?.ok_or(StoreError::Conflict("application vanished after update"))
            }

            async fn transition_application(
                &self,
                id: i64,
                transition: &Transition,
                at: Millis,
                audit: &AuditEntry,
                messages: &[NewMessage],
            ) -> Result<Application> {
                let mut tx = self.begin_write().await?;
                let changed = sqlx::query(
                    "UPDATE applications SET state = $1, open = $2, claim = COALESCE($3, claim), \
                     claimed_total = COALESCE($4, claimed_total), review = $5, version = version + 1, updated_at = $6, \
                     state_since = $6 WHERE id = $7 AND state = $8 AND version = $9",
                )
                .bind(&transition.to_state)
                .bind(transition.open)
                .bind(transition.claim.as_ref().map(Json))
                .bind(transition.claimed_total)
                .bind(Json(&transition.review))
                .bind(at)
                .bind(id)
                .bind(&transition.from_state)
                .bind(transition.expected_version)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if changed == 0 {
                    return Err(StoreError::Conflict("the application changed meanwhile"));
                }
                insert_event(
                    &mut tx,
                    id,
                    at,
                    transition.actor_id,
                    &transition.action,
                    Some(&transition.from_state),
                    &transition.to_state,
                    &transition.comment,
                    &transition.details,
                )
                .await?;
                if let Some(notice) = &transition.notice {
                    sqlx::query(
                        "UPDATE points_notices SET superseded_at = $1 WHERE holder_id = $2 AND superseded_at IS NULL",
                    )
                    .bind(at)
                    .bind(notice.holder_id)
                    .execute(&mut *tx)
                    .await?;
                    sqlx::query(
                        "INSERT INTO points_notices (serial, check_code, application_id, holder_id, employer_id, district, \
                         total, valid_until, issued_at, superseded_at, details, profile) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, NULL, $10, $11)",
                    )
                    .bind(&notice.serial)
                    .bind(&notice.check_code)
                    .bind(id)
                    .bind(notice.holder_id)
                    .bind(notice.employer_id)
                    .bind(notice.district.as_str())
                    .bind(notice.total)
                    .bind(&notice.valid_until)
                    .bind(at)
                    .bind(Json(&notice.details))
                    .bind(&notice.profile)
                    .execute(&mut *tx)
                    .await?;
                }
                append_audit(&mut tx, audit).await?;
                insert_messages(&mut tx, messages, at).await?;
                tx.commit().await?;
                self.application(id).await?.ok_or(StoreError::Conflict("application vanished after update"))
            }

            async fn points_notice(&self, serial: &str) -> Result<Option<PointsNotice>> {
                let sql = format!("SELECT {NOTICE_COLUMNS} FROM points_notices WHERE serial = $1");
                let row: Option<NoticeRow> =
                    sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(serial).fetch_optional(&self.pool).await?;
                row.map(PointsNotice::try_from).transpose()
            }

            async fn current_notices_valid_until(&self, until: &str) -> Result<Vec<PointsNotice>> {
                let sql = format!(
                    "SELECT {NOTICE_COLUMNS} FROM points_notices WHERE superseded_at IS NULL AND valid_until <= $1 \
                     ORDER BY valid_until, id"
                );
                let rows: Vec<NoticeRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(until).fetch_all(&self.pool).await?;
                rows.into_iter().map(PointsNotice::try_from).collect()
            }

            async fn points_notices_of_holder(&self, holder_id: i64) -> Result<Vec<PointsNotice>> {
                let sql = format!("SELECT {NOTICE_COLUMNS} FROM points_notices WHERE holder_id = $1 ORDER BY id DESC");
                let rows: Vec<NoticeRow> =
                    sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(holder_id).fetch_all(&self.pool).await?;
                rows.into_iter().map(PointsNotice::try_from).collect()
            }

            async fn points_notice_of_application(&self, application_id: i64) -> Result<Option<PointsNotice>> {
                let sql = format!("SELECT {NOTICE_COLUMNS} FROM points_notices WHERE application_id = $1 ORDER BY id DESC");
                let row: Option<NoticeRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(application_id)
                    .fetch_optional(&self.pool)
                    .await?;
                row.map(PointsNotice::try_from).transpose()
            }

            async fn note_application(
                &self,
                id: i64,
                state: &str,
                note: &ApplicationNote,
                at: Millis,
                audit: &AuditEntry,
            ) -> Result<()> {
                let mut tx = self.begin_write().await?;
                // Touching the row holds it against a concurrent move until the note is in.
                let still = sqlx::query("UPDATE applications SET updated_at = $1 WHERE id = $2 AND state = $3")
                    .bind(at)
                    .bind(id)
                    .bind(state)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                if still == 0 {
                    return Err(StoreError::Conflict("the application changed meanwhile"));
                }
                insert_event(&mut tx, id, at, Some(note.actor_id), &note.action, Some(state), state, &note.comment, &note.details)
                    .await?;
                append_audit(&mut tx, audit).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn assign_application(
                &self,
                id: i64,
                state: &str,
                assignee: Option<i64>,
                actor_id: i64,
                at: Millis,
                audit: &AuditEntry,
            ) -> Result<()> {
                let mut tx = self.begin_write().await?;
                let changed = sqlx::query("UPDATE applications SET assigned_to = $1 WHERE id = $2 AND state = $3")
                    .bind(assignee)
                    .bind(id)
                    .bind(state)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                if changed == 0 {
                    return Err(StoreError::Conflict("the application changed meanwhile"));
                }
                let details = serde_json::json!({ "assignee": assignee });
                insert_event(&mut tx, id, at, Some(actor_id), "assign", Some(state), state, "", &details).await?;
                append_audit(&mut tx, audit).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn application_events(&self, id: i64) -> Result<Vec<ApplicationEvent>> {
                let rows: Vec<EventRow> = sqlx::query_as(
                    "SELECT v.id, v.application_id, v.at, v.actor_id, u.display_name AS actor_name, v.action, v.from_state, \
                     v.to_state, v.comment, v.details FROM application_events v LEFT JOIN users u ON u.id = v.actor_id \
                     WHERE v.application_id = $1 ORDER BY v.id",
                )
                .bind(id)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows.into_iter().map(ApplicationEvent::from).collect())
            }

            async fn district_moves(&self, district: District, actions: &[&str]) -> Result<Vec<(i64, String, Millis)>> {
                let mut select = sqlx::QueryBuilder::new(
                    "SELECT v.application_id, v.action, v.at FROM application_events v \
                     JOIN applications a ON a.id = v.application_id WHERE a.district = ",
                );
                select.push_bind(district.as_str()).push(" AND v.action IN (");
                let mut names = select.separated(", ");
                for action in actions {
                    names.push_bind(action.to_string());
                }
                select.push(") ORDER BY v.application_id, v.id");
                Ok(select.build_query_as().fetch_all(&self.pool).await?)
            }

            async fn add_upload(&self, upload: &NewUpload, by: i64, at: Millis, audit: &AuditEntry) -> Result<Upload> {
                let size = i64::try_from(upload.bytes.len()).unwrap_or(i64::MAX);
                let mut tx = self.begin_write().await?;
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
                let id: i64 = sqlx::query_scalar(
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
                append_audit(&mut tx, audit).await?;
                tx.commit().await?;
                self.upload(id).await?.ok_or(StoreError::Conflict("upload vanished after insert"))
            }

            async fn uploads(&self, application_id: i64) -> Result<Vec<Upload>> {
                let sql = format!(
                    "SELECT {UPLOAD_COLUMNS} FROM uploads WHERE application_id = $1 AND superseded = FALSE ORDER BY id"
                );
                let rows: Vec<UploadRow> =
                    sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(application_id).fetch_all(&self.pool).await?;
                Ok(rows.into_iter().map(Upload::from).collect())
            }

            async fn upload(&self, id: i64) -> Result<Option<Upload>> {
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

            async fn save_simulation(&self, user_id: i64, fields: &Fields, at: Millis) -> Result<()> {
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

            async fn latest_simulation(&self, user_id: i64) -> Result<Option<Fields>> {
                let row: Option<Json<Fields>> =
                    sqlx::query_scalar("SELECT fields FROM simulations WHERE user_id = $1 ORDER BY id DESC LIMIT 1")
                        .bind(user_id)
                        .fetch_optional(&self.pool)
                        .await?;
                Ok(row.map(|fields| fields.0))
            }

            async fn create_import_job(
                &self,
                employer_id: i64,
                by: i64,
                total: i64,
                report: &serde_json::Value,
                at: Millis,
            ) -> Result<ImportJob> {
                let mut tx = self.begin_write().await?;
                let id: i64 = sqlx::query_scalar(
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

            async fn import_progress(&self, id: i64, processed: i64, at: Millis) -> Result<()> {
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
                id: i64,
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

            async fn import_job(&self, id: i64) -> Result<Option<ImportJob>> {
                let sql = format!("SELECT {IMPORT_COLUMNS} FROM import_jobs WHERE id = $1");
                let row: Option<ImportJobRow> =
                    sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(&self.pool).await?;
                row.map(ImportJob::try_from).transpose()
            }

            async fn decide_employer_telling(
                &self,
                id: i64,
                status: EmployerStatus,
                by: i64,
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
                    retire_agents(&mut tx, id).await?;
                }
                append_audit(&mut tx, audit).await?;
                insert_messages(&mut tx, messages, at).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn record_audit(&self, entry: &AuditEntry) -> Result<()> {
                let mut tx = self.begin_write().await?;
                append_audit(&mut tx, entry).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn audit_of(&self, subject: &str) -> Result<Vec<AuditEntry>> {
                let rows: Vec<AuditRow> = sqlx::query_as(
                    "SELECT at, actor_id, action, subject, details FROM audit_log WHERE subject = $1 ORDER BY id",
                )
                .bind(subject)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows.into_iter().map(AuditEntry::from).collect())
            }
        }
    };
}

/// Appends an event to an application's history inside the caller's transaction.
#[allow(clippy::too_many_arguments)]
async fn insert_event<'c, DB>(
    tx: &mut sqlx::Transaction<'c, DB>,
    application_id: i64,
    at: Millis,
    actor_id: Option<i64>,
    action: &str,
    from_state: Option<&str>,
    to_state: &str,
    comment: &str,
    details: &serde_json::Value,
) -> Result<()>
where
    DB: sqlx::Database,
    for<'e> &'e mut DB::Connection: sqlx::Executor<'e, Database = DB>,
    for<'q> <DB as sqlx::Database>::Arguments: sqlx::IntoArguments<DB>,
    i64: for<'q> sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    Option<i64>: for<'q> sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    String: for<'q> sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    Option<String>: for<'q> sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    Json<serde_json::Value>: for<'q> sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    sqlx::query(
        "INSERT INTO application_events (application_id, at, actor_id, action, from_state, to_state, comment, details) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(application_id)
    .bind(at)
    .bind(actor_id)
    .bind(action.to_string())
    .bind(from_state.map(str::to_string))
    .bind(to_state.to_string())
    .bind(comment.to_string())
    .bind(Json(details.clone()))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

application_store!(SqliteStore);
application_store!(PgStore);

delegate!(ApplicationStore {
    register_applicants(employer_id: i64, by: i64, registrations: &[Registration], at: Millis) -> Result<Vec<i64>>;
    applicant(user_id: i64) -> Result<Option<Applicant>>;
    applicant_by_id_number(id_number: &str) -> Result<Option<Applicant>>;
    applicants_of_employer(employer_id: i64) -> Result<Vec<(Applicant, LinkStatus)>>;
    employments(applicant_id: i64) -> Result<Vec<Employment>>;
    set_link_status(applicant_id: i64, employer_id: i64, from: &[LinkStatus], to: LinkStatus, at: Millis, audit: &AuditEntry) -> Result<()>;
    create_application(application: &NewApplication, by: i64, at: Millis, audit: &AuditEntry) -> Result<Application>;
    application(id: i64) -> Result<Option<Application>>;
    applications_of_applicant(applicant_id: i64) -> Result<Vec<ApplicationListing>>;
    applications_of_employer(employer_id: i64) -> Result<Vec<ApplicationListing>>;
    applications_in_district(district: District, states: &[String]) -> Result<Vec<ApplicationListing>>;
    save_draft(id: i64, state: &str, expected_version: i64, draft: &Draft, at: Millis, audit: &AuditEntry) -> Result<Application>;
    transition_application(id: i64, transition: &Transition, at: Millis, audit: &AuditEntry, messages: &[NewMessage]) -> Result<Application>;
    application_events(id: i64) -> Result<Vec<ApplicationEvent>>;
    district_moves(district: District, actions: &[&str]) -> Result<Vec<(i64, String, Millis)>>;
    note_application(id: i64, state: &str, note: &ApplicationNote, at: Millis, audit: &AuditEntry) -> Result<()>;
    points_notice(serial: &str) -> Result<Option<PointsNotice>>;
    points_notices_of_holder(holder_id: i64) -> Result<Vec<PointsNotice>>;
    current_notices_valid_until(until: &str) -> Result<Vec<PointsNotice>>;
    points_notice_of_application(application_id: i64) -> Result<Option<PointsNotice>>;
    assign_application(id: i64, state: &str, assignee: Option<i64>, actor_id: i64, at: Millis, audit: &AuditEntry) -> Result<()>;
    add_upload(upload: &NewUpload, by: i64, at: Millis, audit: &AuditEntry) -> Result<Upload>;
    uploads(application_id: i64) -> Result<Vec<Upload>>;
    upload(id: i64) -> Result<Option<Upload>>;
    blob(sha256: &str) -> Result<Option<Vec<u8>>>;
    save_simulation(user_id: i64, fields: &Fields, at: Millis) -> Result<()>;
    latest_simulation(user_id: i64) -> Result<Option<Fields>>;
    create_import_job(employer_id: i64, by: i64, total: i64, report: &serde_json::Value, at: Millis) -> Result<ImportJob>;
    import_progress(id: i64, processed: i64, at: Millis) -> Result<()>;
    finish_import_job(id: i64, status: ImportStatus, report: &serde_json::Value, at: Millis) -> Result<()>;
    import_job(id: i64) -> Result<Option<ImportJob>>;
    decide_employer_telling(id: i64, status: EmployerStatus, by: i64, at: Millis, audit: &AuditEntry, messages: &[NewMessage]) -> Result<()>;
    record_audit(entry: &AuditEntry) -> Result<()>;
    audit_of(subject: &str) -> Result<Vec<AuditEntry>>;
});
