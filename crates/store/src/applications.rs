//! Applications: the form, every move with its event, notes and assignment at the centre.
//! Every change writes its audit entry (and, for moves, its messages) in the same
//! transaction as the change itself.

use crate::applicants::{ApplicantRow, parse_link_status};
use crate::audit::append_audit;
use crate::database::{Result, StoreError, parse_district, unique};
use crate::employers::{EMPLOYER_COLUMNS, EmployerRow};
use crate::model::*;
use crate::outbox::insert_messages;
use crate::queries::store_queries;
use jifen_domain::form::Fields;
use jifen_domain::workflow::StateId;
use jifen_domain::{ApplicationKind, District, Role};
use sqlx::types::Json;
use std::collections::BTreeMap;

#[derive(sqlx::FromRow)]
pub(crate) struct ApplicationRow {
    id: ApplicationId,
    applicant_id: UserId,
    employer_id: EmployerId,
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
    assigned_to: Option<UserId>,
    kind: String,
    follows_notice: Option<NoticeId>,
}

impl TryFrom<ApplicationRow> for Application {
    type Error = StoreError;

    fn try_from(row: ApplicationRow) -> Result<Self> {
        Ok(Self {
            id: row.id,
            applicant_id: row.applicant_id,
            employer_id: row.employer_id,
            district: parse_district(&row.district)?,
            state: row.state.into(),
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
    id: ApplicationId,
    applicant_id: UserId,
    applicant_name: String,
    applicant_id_number: String,
    employer_id: EmployerId,
    employer_name: String,
    state: String,
    claimed_total: Option<i64>,
    updated_at: i64,
    state_since: i64,
    assigned_to: Option<UserId>,
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
            state: row.state.into(),
            claimed_total: row.claimed_total,
            updated_at: row.updated_at,
            state_since: row.state_since,
        }
    }
}

#[derive(sqlx::FromRow)]
struct EventRow {
    id: i64,
    application_id: ApplicationId,
    at: i64,
    actor_id: Option<UserId>,
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
            from_state: row.from_state.map(StateId::from),
            to_state: row.to_state.into(),
            comment: row.comment,
            details: row.details.0,
        }
    }
}

pub(crate) const APPLICATION_COLUMNS: &str = "id, applicant_id, employer_id, district, state, open, fields, claimed_total, claim, \
    review, version, created_at, updated_at, state_since, assigned_to, kind, follows_notice";

/// `columns` (a list like [`APPLICATION_COLUMNS`]) each taken from the table called `table`
/// in a join, keeping their names: `a.id, a.applicant_id, …`.
pub(crate) fn qualified(table: &str, columns: &str) -> String {
    columns.split(',').map(|column| format!("{table}.{}", column.trim())).collect::<Vec<_>>().join(", ")
}

/// `columns` each taken from `table` and named with `prefix` before its name, so that two
/// tables' columns of one name (`name`, `created_at`) can share a row: `e.name AS e_name, …`.
fn prefixed(table: &str, prefix: &str, columns: &str) -> String {
    let each = columns.split(',').map(str::trim);
    each.map(|column| format!("{table}.{column} AS {prefix}{column}")).collect::<Vec<_>>().join(", ")
}

/// An application with its applicant's and its employer's columns, named `p_…` and `e_…`,
/// and the status of the person's link to that employer (one row at most: a person has one
/// link to an employer).
static WITH_PARTIES_SELECT: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!(
        "SELECT {}, {}, {}, m.status AS link_status FROM applications a \
         JOIN applicants p ON p.user_id = a.applicant_id JOIN employers e ON e.id = a.employer_id \
         LEFT JOIN employments m ON m.applicant_id = a.applicant_id AND m.employer_id = a.employer_id \
         WHERE a.id = $1",
        qualified("a", APPLICATION_COLUMNS),
        prefixed("p", "p_", "id_number, name, mobile, created_at"),
        prefixed("e", "e_", EMPLOYER_COLUMNS),
    )
});

/// A row of [`WITH_PARTIES_SELECT`]: the applicant's user id is the application's
/// `applicant_id`, so it is not read twice.
#[derive(sqlx::FromRow)]
struct WithPartiesRow {
    #[sqlx(flatten)]
    application: ApplicationRow,
    p_id_number: String,
    p_name: String,
    p_mobile: String,
    p_created_at: i64,
    e_id: EmployerId,
    e_name: String,
    e_credit_code: String,
    e_district: String,
    e_contact_name: String,
    e_contact_phone: String,
    e_status: String,
    e_verified_by: Option<UserId>,
    e_verified_at: Option<i64>,
    e_created_at: i64,
    link_status: Option<String>,
}

impl TryFrom<WithPartiesRow> for ApplicationParties {
    type Error = StoreError;

    fn try_from(row: WithPartiesRow) -> Result<Self> {
        let applicant = ApplicantRow {
            user_id: row.application.applicant_id,
            id_number: row.p_id_number,
            name: row.p_name,
            mobile: row.p_mobile,
            created_at: row.p_created_at,
        };
        let employer = EmployerRow {
            id: row.e_id,
            name: row.e_name,
            credit_code: row.e_credit_code,
            district: row.e_district,
            contact_name: row.e_contact_name,
            contact_phone: row.e_contact_phone,
            status: row.e_status,
            verified_by: row.e_verified_by,
            verified_at: row.e_verified_at,
            created_at: row.e_created_at,
        };
        Ok(Self {
            application: Application::try_from(row.application)?,
            applicant: Applicant::from(applicant),
            employer: Employer::try_from(employer)?,
            link: row.link_status.as_deref().map(parse_link_status).transpose()?,
        })
    }
}

const LISTING_SELECT: &str = "SELECT a.id, a.applicant_id, p.name AS applicant_name, p.id_number AS applicant_id_number, \
    a.employer_id, e.name AS employer_name, a.state, a.claimed_total, a.updated_at, a.state_since, a.assigned_to, \
    s.display_name AS assigned_name, s.role AS assigned_role \
    FROM applications a JOIN applicants p ON p.user_id = a.applicant_id JOIN employers e ON e.id = a.employer_id \
    LEFT JOIN users s ON s.id = a.assigned_to";

/// `text` matched as itself inside a LIKE pattern whose escape character is `\`.
fn escape_like(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '\\' | '%' | '_') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

/// Appends an event to an application's history inside the caller's transaction.
#[allow(clippy::too_many_arguments)]
async fn insert_event<DB, C>(
    connection: &mut C,
    application_id: ApplicationId,
    at: Millis,
    actor_id: Option<UserId>,
    action: &str,
    from_state: Option<&str>,
    to_state: &str,
    comment: &str,
    details: &serde_json::Value,
) -> Result<()>
where
    DB: sqlx::Database,
    C: sqlx::Connection<Database = DB>,
    for<'e> &'e mut C: sqlx::Executor<'e, Database = DB>,
    for<'q> <DB as sqlx::Database>::Arguments: sqlx::IntoArguments<DB>,
    i64: for<'q> sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    Option<i64>: for<'q> sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    ApplicationId: for<'q> sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    Option<UserId>: for<'q> sqlx::Encode<'q, DB> + sqlx::Type<DB>,
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
    .execute(&mut *connection)
    .await?;
    Ok(())
}

store_queries! {
    /// Applications and their history.
    pub trait ApplicationStore {
        /// Starts an application, with the SMS that tell of it (all or nothing); a person with
        /// one in progress already gets [`StoreError::Duplicate`]. The audit entry's subject is
        /// set to the new application.
        async fn create_application(
            &self,
            application: &NewApplication,
            by: UserId,
            at: Millis,
            audit: &AuditEntry,
            messages: &[NewMessage],
        ) -> Result<Application> {
            let mut tx = self.begin_write().await?;
            // The new row comes back from the INSERT itself (RETURNING): no read after commit.
            let sql = format!(
                "INSERT INTO applications (applicant_id, employer_id, district, state, open, fields, claimed_total, \
                 claim, review, version, created_at, updated_at, state_since, kind, follows_notice) \
                 VALUES ($1, $2, $3, $4, TRUE, $5, NULL, NULL, $6, 1, $7, $7, $7, $8, $9) RETURNING {APPLICATION_COLUMNS}"
            );
            let row: ApplicationRow = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(application.applicant_id)
            .bind(application.employer_id)
            .bind(application.district.as_str())
            .bind(application.state.as_str())
            .bind(Json(&application.fields))
            .bind(Json(BTreeMap::<String, String>::new()))
            .bind(at)
            .bind(application.kind.as_str())
            .bind(application.follows_notice)
            .fetch_one(&mut *tx)
            .await
            .map_err(unique("open application"))?;
            let created = Application::try_from(row)?;
            let id = created.id;
            insert_event(&mut *tx, id, at, Some(by), "create", None, &application.state, "", &serde_json::json!({}))
                .await?;
            append_audit(&mut *tx, &AuditEntry { subject: format!("application:{id}"), ..audit.clone() }).await?;
            insert_messages(&mut *tx, messages, at).await?;
            tx.commit().await?;
            Ok(created)
        }

        async fn application(&self, id: ApplicationId) -> Result<Option<Application>> {
            let sql = format!("SELECT {APPLICATION_COLUMNS} FROM applications WHERE id = $1");
            let row: Option<ApplicationRow> =
                sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(&self.pool).await?;
            row.map(Application::try_from).transpose()
        }

        /// An application with its applicant and its employer, read together in one
        /// statement: what an application's page and its moves need first.
        async fn application_with_parties(&self, id: ApplicationId) -> Result<Option<ApplicationParties>> {
            let sql = WITH_PARTIES_SELECT.as_str();
            let row: Option<WithPartiesRow> =
                sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(&self.pool).await?;
            row.map(ApplicationParties::try_from).transpose()
        }

        async fn applications_of_applicant(&self, applicant_id: UserId) -> Result<Vec<ApplicationListing>> {
            let sql = format!("{LISTING_SELECT} WHERE a.applicant_id = $1 ORDER BY a.id DESC");
            let rows: Vec<ListingRow> =
                sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(applicant_id).fetch_all(&self.pool).await?;
            Ok(rows.into_iter().map(ApplicationListing::from).collect())
        }

        async fn applications_of_employer(&self, employer_id: EmployerId) -> Result<Vec<ApplicationListing>> {
            let sql = format!("{LISTING_SELECT} WHERE a.employer_id = $1 ORDER BY a.updated_at DESC, a.id DESC");
            let rows: Vec<ListingRow> =
                sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(employer_id).fetch_all(&self.pool).await?;
            Ok(rows.into_iter().map(ApplicationListing::from).collect())
        }

        /// The applications filed at one district's centre, in the given states.
        async fn applications_in_district(
            &self,
            district: District,
            states: &[StateId],
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
                query = query.bind(state.as_str());
            }
            let rows: Vec<ListingRow> = query.fetch_all(&self.pool).await?;
            Ok(rows.into_iter().map(ApplicationListing::from).collect())
        }

        /// The latest `limit` applications of one district's centre in `state` (a final one:
        /// granted, refused…), the newest first, optionally only those whose applicant's
        /// name holds `search` or whose ID number does (letters in any case). A final state
        /// gathers every application the centre ever decided: this reads only the page shown.
        async fn latest_in_district_state(
            &self,
            district: District,
            state: &str,
            search: Option<&str>,
            limit: i64,
        ) -> Result<Vec<ApplicationListing>> {
            let mut sql = format!("{LISTING_SELECT} WHERE a.state = $1 AND a.district = $2");
            if search.is_some() {
                sql.push_str(" AND (p.name LIKE $4 ESCAPE '\\' OR UPPER(p.id_number) LIKE $5 ESCAPE '\\')");
            }
            sql.push_str(" ORDER BY a.state_since DESC, a.id DESC LIMIT $3");
            let mut query = sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(state).bind(district.as_str()).bind(limit);
            if let Some(search) = search {
                let contains = |text: &str| format!("%{}%", escape_like(text));
                query = query.bind(contains(search)).bind(contains(&search.to_uppercase()));
            }
            let rows: Vec<ListingRow> = query.fetch_all(&self.pool).await?;
            Ok(rows.into_iter().map(ApplicationListing::from).collect())
        }

        /// The applications at one district's centre of the person whose ID number is
        /// `id_number` (as stored: canonical), the latest in its state first: a search by a
        /// whole ID number, found by the unique index on it and then by applicant (a person
        /// has a handful), not by a scan of every application the centre decided. (Narrowing
        /// by state here would let the planner walk the state's whole range instead.)
        async fn applications_of_person_in_district(
            &self,
            district: District,
            id_number: &str,
        ) -> Result<Vec<ApplicationListing>> {
            let sql = format!(
                "{LISTING_SELECT} WHERE p.id_number = $1 AND a.district = $2 ORDER BY a.state_since DESC, a.id DESC"
            );
            let rows: Vec<ListingRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(id_number)
                .bind(district.as_str())
                .fetch_all(&self.pool)
                .await?;
            Ok(rows.into_iter().map(ApplicationListing::from).collect())
        }

        /// Saves the form of an application that is still in `state` at `expected_version`;
        /// otherwise [`StoreError::Conflict`] (someone moved or saved it meanwhile).
        async fn save_draft(
            &self,
            id: ApplicationId,
            state: &str,
            expected_version: i64,
            draft: &Draft,
            at: Millis,
            audit: &AuditEntry,
        ) -> Result<Application> {
            let mut tx = self.begin_write().await?;
            let sql = format!(
                "UPDATE applications SET fields = $1, claimed_total = $2, version = version + 1, updated_at = $3 \
                 WHERE id = $4 AND state = $5 AND version = $6 RETURNING {APPLICATION_COLUMNS}"
            );
            let saved: Option<ApplicationRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(Json(&draft.fields))
                .bind(draft.claimed_total)
                .bind(at)
                .bind(id)
                .bind(state)
                .bind(expected_version)
                .fetch_optional(&mut *tx)
                .await?;
            let saved = saved.ok_or(StoreError::Conflict("the application changed meanwhile"))?;
            append_audit(&mut *tx, audit).await?;
            tx.commit().await?;
            Application::try_from(saved)
        }

        /// Moves an application that is still in `transition.from_state` at
        /// `transition.expected_version`, recording the event, the audit entry and the messages
        /// together; otherwise [`StoreError::Conflict`] and nothing is written.
        async fn transition_application(
            &self,
            id: ApplicationId,
            transition: &Transition,
            at: Millis,
            audit: &AuditEntry,
            messages: &[NewMessage],
        ) -> Result<Application> {
            let mut tx = self.begin_write().await?;
            // The moved row comes back from the UPDATE itself (RETURNING): no read after commit.
            let sql = format!(
                "UPDATE applications SET state = $1, open = $2, claim = COALESCE($3, claim), \
                 claimed_total = COALESCE($4, claimed_total), review = $5, version = version + 1, updated_at = $6, \
                 state_since = $6 WHERE id = $7 AND state = $8 AND version = $9 RETURNING {APPLICATION_COLUMNS}"
            );
            let moved: Option<ApplicationRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(transition.to_state.as_str())
                .bind(transition.open)
                .bind(transition.claim.as_ref().map(Json))
                .bind(transition.claimed_total)
                .bind(Json(&transition.review))
                .bind(at)
                .bind(id)
                .bind(transition.from_state.as_str())
                .bind(transition.expected_version)
                .fetch_optional(&mut *tx)
                .await?;
            let moved = moved.ok_or(StoreError::Conflict("the application changed meanwhile"))?;
            insert_event(&mut *tx,
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
            append_audit(&mut *tx, audit).await?;
            insert_messages(&mut *tx, messages, at).await?;
            tx.commit().await?;
            Application::try_from(moved)
        }

        /// Records something done to an application still in `state` that does not move it (an
        /// original handed back), with its history entry and audit entry; otherwise
        /// [`StoreError::Conflict`].
        async fn note_application(
            &self,
            id: ApplicationId,
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
            insert_event(&mut *tx, id, at, Some(note.actor_id), &note.action, Some(state), state, &note.comment, &note.details)
                .await?;
            append_audit(&mut *tx, audit).await?;
            tx.commit().await?;
            Ok(())
        }

        /// Gives an application still in `state` to a member of staff (or to no one), with its
        /// history entry and audit entry; otherwise [`StoreError::Conflict`]. The version does not
        /// change: who holds an application is not a change to it that others must reload for.
        async fn assign_application(
            &self,
            id: ApplicationId,
            state: &str,
            assignee: Option<UserId>,
            actor_id: UserId,
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
            insert_event(&mut *tx, id, at, Some(actor_id), "assign", Some(state), state, "", &details).await?;
            append_audit(&mut *tx, audit).await?;
            tx.commit().await?;
            Ok(())
        }

        /// What happened to the application, oldest first.
        async fn application_events(&self, id: ApplicationId) -> Result<Vec<ApplicationEvent>> {
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

        /// How many applications of `district` (of every district: `None`) are in each of
        /// `states`, as (district, state, count), only the pairs that have any: counted by the
        /// database along the index `applications_by_state`, not read row by row.
        async fn application_counts(
            &self,
            district: Option<District>,
            states: &[StateId],
        ) -> Result<Vec<(District, StateId, i64)>> {
            if states.is_empty() {
                return Ok(Vec::new());
            }
            let mut select = sqlx::QueryBuilder::new("SELECT district, state, COUNT(*) FROM applications WHERE state IN (");
            let mut names = select.separated(", ");
            for state in states {
                names.push_bind(state.to_string());
            }
            select.push(")");
            if let Some(district) = district {
                select.push(" AND district = ").push_bind(district.as_str());
            }
            select.push(" GROUP BY district, state");
            let rows: Vec<(String, String, i64)> = select.build_query_as().fetch_all(&self.pool).await?;
            rows.into_iter().map(|(district, state, count)| Ok((parse_district(&district)?, state.into(), count))).collect()
        }

        /// How many of the moves named in `actions` were made at or after `since` to the
        /// applications of `district` (of every district: `None`), by action and then days:
        /// what a dashboard's period
        /// counts, tallied by the database along the index `application_events_by_action`
        /// rather than read from the district's whole history. With `days_after_filing`
        /// (a time zone, as milliseconds ahead of UTC), each move is also told by how many
        /// calendar days there it came after its application's latest filing before it (none
        /// if it was never filed).
        async fn tally_moves_since(
            &self,
            district: Option<District>,
            actions: &[&str],
            since: Millis,
            days_after_filing: Option<Millis>,
        ) -> Result<Vec<MoveTally>> {
            const DAY: &str = "86400000";
            if actions.is_empty() {
                return Ok(Vec::new());
            }
            let mut select = sqlx::QueryBuilder::new("SELECT v.action, ");
            match days_after_filing {
                Some(offset) => {
                    // Integer division of a time after 1970 is its day's number.
                    select.push("(v.at + ").push_bind(offset).push(format!(") / {DAY} - (SELECT (f.at + "));
                    select.push_bind(offset).push(format!(
                        ") / {DAY} FROM application_events f WHERE f.application_id = v.application_id \
                         AND f.action = 'file' AND f.id < v.id ORDER BY f.id DESC LIMIT 1)"
                    ));
                }
                None => {
                    select.push("CAST(NULL AS BIGINT)");
                }
            }
            select.push(", COUNT(*) FROM application_events v");
            if district.is_some() {
                select.push(" JOIN applications a ON a.id = v.application_id");
            }
            select.push(" WHERE v.at >= ").push_bind(since).push(" AND v.action IN (");
            let mut names = select.separated(", ");
            for action in actions {
                names.push_bind(action.to_string());
            }
            select.push(")");
            if let Some(district) = district {
                select.push(" AND a.district = ").push_bind(district.as_str());
            }
            select.push(" GROUP BY 1, 2");
            let mut rows: Vec<(String, Option<i64>, i64)> = select.build_query_as().fetch_all(&self.pool).await?;
            // By action, then days, none first (the two databases place NULL apart in ORDER BY).
            rows.sort_unstable();
            Ok(rows.into_iter().map(|(action, days, count)| MoveTally { action, days, count }).collect())
        }

        /// Every state an application is in, each once: what the workflow a server starts
        /// with must still define.
        async fn states_in_use(&self) -> Result<Vec<StateId>> {
            // One index step a state (`applications_by_state`), not a scan of every
            // application: each row of the recursion is the least state after the one before.
            let states: Vec<String> = sqlx::query_scalar(
                "WITH RECURSIVE used (state) AS ( \
                   SELECT MIN(state) FROM applications \
                   UNION ALL \
                   SELECT (SELECT MIN(a.state) FROM applications a WHERE a.state > used.state) FROM used \
                   WHERE used.state IS NOT NULL) \
                 SELECT state FROM used WHERE state IS NOT NULL ORDER BY state",
            )
            .fetch_all(&self.pool)
            .await?;
            Ok(states.into_iter().map(StateId::from).collect())
        }
    }
}
