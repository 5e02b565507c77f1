//! Points notices (积分通知书): issued by a grant (see `transition_application`), read here.

use crate::database::{Result, StoreError, parse_district};
use crate::model::*;
use crate::queries::store_queries;
use jifen_domain::District;
use sqlx::types::Json;

#[derive(sqlx::FromRow)]
pub(crate) struct NoticeRow {
    id: NoticeId,
    serial: String,
    check_code: String,
    application_id: ApplicationId,
    holder_id: UserId,
    employer_id: EmployerId,
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

pub(crate) const NOTICE_COLUMNS: &str = "id, serial, check_code, application_id, holder_id, employer_id, district, total, \
    valid_until, issued_at, superseded_at, details";

store_queries! {
    /// Points notices.
    pub trait NoticeStore {
        /// A points notice by its serial number.
        async fn points_notice(&self, serial: &str) -> Result<Option<PointsNotice>> {
            let sql = format!("SELECT {NOTICE_COLUMNS} FROM points_notices WHERE serial = $1");
            let row: Option<NoticeRow> =
                sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(serial).fetch_optional(&self.pool).await?;
            row.map(PointsNotice::try_from).transpose()
        }

        /// The notices in force (not superseded) of `district` (of every district: `None`)
        /// whose validity ends between `from` and `until` (`YYYY-MM-DD`, both included), the
        /// soonest first: those to remind of renewal, and a dashboard's renewals due. Found by
        /// the index `points_notices_in_force`, not by reading every notice ever issued.
        async fn current_notices_ending_between(
            &self,
            district: Option<District>,
            from: &str,
            until: &str,
        ) -> Result<Vec<PointsNotice>> {
            let mut select = sqlx::QueryBuilder::new(format!(
                "SELECT {NOTICE_COLUMNS} FROM points_notices WHERE superseded_at IS NULL AND valid_until >= "
            ));
            select.push_bind(from.to_string()).push(" AND valid_until <= ").push_bind(until.to_string());
            if let Some(district) = district {
                select.push(" AND district = ").push_bind(district.as_str());
            }
            select.push(" ORDER BY valid_until, id");
            let rows: Vec<NoticeRow> = select.build_query_as().fetch_all(&self.pool).await?;
            rows.into_iter().map(PointsNotice::try_from).collect()
        }

        /// How many notices in force on `today` (not superseded, valid until `today` or
        /// later) of `district` (of every district: `None`) have a total in each band of
        /// `width` points, as (the band's lowest total, count), ascending: counted by the
        /// database, along the index `points_notices_in_force`.
        async fn notice_score_bands(&self, district: Option<District>, today: &str, width: i64) -> Result<Vec<(i64, i64)>> {
            // The band's lowest total, rounding down for a negative total too (SQL's % keeps
            // the dividend's sign).
            let mut select = sqlx::QueryBuilder::new("SELECT CAST(total AS BIGINT) - ((CAST(total AS BIGINT) % ");
            select.push_bind(width).push(") + ").push_bind(width).push(") % ").push_bind(width);
            select.push(" AS band, COUNT(*) FROM points_notices WHERE superseded_at IS NULL AND valid_until >= ");
            select.push_bind(today.to_string());
            if let Some(district) = district {
                select.push(" AND district = ").push_bind(district.as_str());
            }
            select.push(" GROUP BY band ORDER BY band");
            Ok(select.build_query_as().fetch_all(&self.pool).await?)
        }

        /// The notices not superseded of the people actively linked to an employer (whoever
        /// issued them): what that employer's HR agent may renew or change for them.
        async fn current_notices_of_employer_people(&self, employer_id: EmployerId) -> Result<Vec<PointsNotice>> {
            let columns: Vec<String> = NOTICE_COLUMNS.split(", ").map(|column| format!("n.{column}")).collect();
            let sql = format!(
                "SELECT {} FROM points_notices n JOIN employments m ON m.applicant_id = n.holder_id \
                 WHERE m.employer_id = $1 AND m.status = 'active' AND n.superseded_at IS NULL ORDER BY n.id",
                columns.join(", ")
            );
            let rows: Vec<NoticeRow> =
                sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(employer_id).fetch_all(&self.pool).await?;
            rows.into_iter().map(PointsNotice::try_from).collect()
        }

        /// A holder's points notices, the newest first.
        async fn points_notices_of_holder(&self, holder_id: UserId) -> Result<Vec<PointsNotice>> {
            let sql = format!("SELECT {NOTICE_COLUMNS} FROM points_notices WHERE holder_id = $1 ORDER BY id DESC");
            let rows: Vec<NoticeRow> =
                sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(holder_id).fetch_all(&self.pool).await?;
            rows.into_iter().map(PointsNotice::try_from).collect()
        }

        /// The points notice an application's grant issued, if any.
        async fn points_notice_of_application(&self, application_id: ApplicationId) -> Result<Option<PointsNotice>> {
            let sql = format!("SELECT {NOTICE_COLUMNS} FROM points_notices WHERE application_id = $1 ORDER BY id DESC");
            let row: Option<NoticeRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(application_id)
                .fetch_optional(&self.pool)
                .await?;
            row.map(PointsNotice::try_from).transpose()
        }
    }
}
