//! The audit log for administrators (everything) and a district's supervisors (what its
//! staff did and what concerns its applications): filtered by person, application, staff member, event
//! and dates (days in Shanghai), and exported as CSV that a spreadsheet opens without running
//! anything (a cell that begins with `=`, `+`, `-` or `@` is made inert). A search that names
//! a person is itself audited.

use crate::error::ServiceError;
use crate::{Actor, Service, audit};
use chrono::{NaiveDate, TimeDelta};
use jifen_domain::Role;
use jifen_domain::application::Problem;
use jifen_domain::audit::Audit;
use jifen_store::prelude::*;
use jifen_store::{AuditQuery, AuditRecord, Millis};

/// The most entries one search shows or exports.
pub const MAX_AUDIT_ROWS: i64 = 1_000;

/// What the administrator filters by; empty means any.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// A username, or an applicant's resident ID number: entries about that person.
    pub person: String,
    /// An application's number: entries about it.
    pub application: String,
    /// A staff member's (or anyone's) username: entries by them.
    pub staff: String,
    /// An event, e.g. `sign_in`.
    pub action: String,
    /// First and last day (Shanghai), inclusive.
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

impl Service {
    /// The matching entries, newest first, at most [`MAX_AUDIT_ROWS`].
    pub async fn audit_log(&self, actor: &Actor, filter: &AuditFilter) -> Result<Vec<AuditRecord>, ServiceError> {
        let district = match (actor.role, actor.district) {
            (Role::Admin, _) => None,
            (Role::Supervisor, Some(district)) => Some(district),
            _ => return Err(ServiceError::Forbidden),
        };
        let mut problems = Vec::new();
        let person = match filter.person.trim() {
            "" => None,
            // Whether an ID number has an account is for administrators to learn, not districts.
            _ if district.is_some() => {
                problems.push(Problem::new(
                    "person",
                    "按人员查询仅限系统管理员",
                    "Only administrators search by person",
                ));
                None
            }
            named => match self.user_id_of(named).await? {
                Some(id) => Some(format!("user:{id}")),
                None => {
                    problems.push(Problem::new("person", "没有这个用户", "No such user"));
                    None
                }
            },
        };
        let application = match filter.application.trim() {
            "" => None,
            number => match number.parse::<i64>() {
                Ok(id) => Some(format!("application:{id}")),
                Err(_) => {
                    problems.push(Problem::new("application", "申请编号应为数字", "An application number is a number"));
                    None
                }
            },
        };
        let staff = match filter.staff.trim() {
            "" => None,
            username => {
                let id = self.store.user_by_username(username).await?.map(|user| user.id);
                if id.is_none() {
                    problems.push(Problem::new("staff", "没有这个用户", "No such user"));
                }
                id
            }
        };
        if person.is_some() && application.is_some() {
            problems.push(Problem::new(
                "application",
                "按人员或按申请筛选，二者选一",
                "Filter by a person or by an application, not both",
            ));
        }
        if !problems.is_empty() {
            return Err(ServiceError::Invalid(problems));
        }
        if let Some(subject) = &person {
            let entry = audit(actor, Audit::AuditSearch { filter: "person".into() }, subject.clone());
            self.store.record_audit(&entry).await?;
        }
        let query = AuditQuery {
            actor_id: staff,
            subject: person.or(application),
            action: Some(filter.action.trim().to_string()).filter(|a| !a.is_empty()),
            from: filter.from.map(start_of_day),
            until: filter.to.and_then(|day| day.succ_opt()).map(start_of_day),
            district,
            limit: MAX_AUDIT_ROWS,
        };
        Ok(self.store.search_audit(&query).await?)
    }

    /// A user by username, or an applicant by resident ID number (however its X is typed).
    async fn user_id_of(&self, named: &str) -> Result<Option<UserId>, ServiceError> {
        if let Ok(id_number) = jifen_ids::ResidentIdNumber::parse(named) {
            return Ok(self.store.applicant_by_id_number(id_number.as_str()).await?.map(|a| a.user_id));
        }
        Ok(self.store.user_by_username(named).await?.map(|user| user.id))
    }
}

/// Midnight at the start of `day` in Shanghai, as UTC milliseconds.
fn start_of_day(day: NaiveDate) -> Millis {
    (day.and_time(chrono::NaiveTime::MIN) - TimeDelta::hours(8)).and_utc().timestamp_millis()
}

/// The entries as CSV for a spreadsheet: UTF-8 with a byte-order mark (so Excel reads the
/// Chinese), times in Shanghai, and every cell that a spreadsheet would take for a formula
/// made inert with a leading apostrophe.
pub fn audit_csv(records: &[AuditRecord]) -> Result<Vec<u8>, ServiceError> {
    let mut writer = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    let internal = |e: csv::Error| ServiceError::Internal(e.to_string());
    writer.write_record(["id", "time (Asia/Shanghai)", "actor", "action", "subject", "details"]).map_err(internal)?;
    for record in records {
        let row = [
            record.id.to_string(),
            jifen_domain::clock::shanghai_time(record.at),
            record.actor.clone().unwrap_or_default(),
            record.action.clone(),
            record.subject.clone(),
            record.details.to_string(),
        ];
        writer.write_record(row.iter().map(|cell| inert(cell))).map_err(internal)?;
    }
    writer.into_inner().map_err(|e| ServiceError::Internal(e.to_string()))
}

/// A cell a spreadsheet will not evaluate: one that starts like a formula gets a leading `'`.
pub(crate) fn inert(cell: &str) -> String {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}"),
        _ => cell.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_that_look_like_formulas_are_made_inert() {
        let record = AuditRecord {
            id: 1,
            at: 0,
            actor_id: None,
            actor: Some("=HYPERLINK(\"http://evil\")".into()),
            action: "+cmd".into(),
            subject: "-1".into(),
            details: serde_json::json!({ "note": "@SUM(A1)" }),
        };
        let text = String::from_utf8(audit_csv(&[record]).unwrap()).unwrap();
        assert!(text.starts_with('\u{feff}'), "a byte-order mark for Excel");
        let row = text.lines().nth(1).unwrap();
        assert!(row.contains("\"'=HYPERLINK(\"\"http://evil\"\")\""), "{row}");
        assert!(row.contains(",'+cmd,'-1,"), "{row}");
        assert!(row.contains("1970-01-01 08:00"), "Shanghai time: {row}");
        assert_eq!(inert("普通"), "普通");
    }

    #[test]
    fn days_start_at_midnight_in_shanghai() {
        let day = NaiveDate::from_ymd_opt(2026, 11, 29).unwrap();
        // 2026-11-29 00:00 in Shanghai is 2026-11-28 16:00 UTC.
        assert_eq!(start_of_day(day), 1_795_881_600_000);
    }
}
