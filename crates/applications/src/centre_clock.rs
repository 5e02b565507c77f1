//! The district centre's clock, run by every server beside the SMS worker: a correction
//! whose deadline has passed is closed as not accepted (the system's move, with its SMS and
//! its notice), and the member of staff holding a step that is overdue is reminded by SMS,
//! once a day. Several servers may run it on one database: a move is made on the version
//! read, so only one server closes an application, and a reminder's key is the day's, so it
//! is sent once.

use crate::error::ServiceError;
use crate::{Service, sms};
use chrono::NaiveDate;
use jifen_domain::District;
use jifen_domain::audit::MoveAudit;
use jifen_domain::workflow::StateId;
use jifen_rules::Lang;
use jifen_store::prelude::*;
use jifen_store::{AuditEntry, StoreError, Transition, now_millis};
use serde_json::json;
use std::collections::BTreeMap;
use std::time::Duration;

impl Service {
    /// Closes every correction whose deadline has passed before `today`; how many it closed.
    pub async fn close_lapsed_corrections(&self, today: NaiveDate) -> Result<usize, ServiceError> {
        let mut closed = 0;
        for action in self.workflow.actions.iter().filter(|action| action.after_deadline) {
            let to = self.workflow.state(&action.to).ok_or_else(|| ServiceError::Internal(action.to.to_string()))?;
            for district in District::ALL {
                for listing in self.store.applications_in_district(*district, &action.from).await? {
                    let Some(application) = self.store.application(listing.id).await? else { continue };
                    let events = self.store.application_events(application.id).await?;
                    let Some(deadline) = self.deadline(&application, &events).filter(|deadline| today > *deadline)
                    else {
                        continue;
                    };
                    let applicant =
                        self.store.applicant(application.applicant_id).await?.ok_or(ServiceError::NotFound)?;
                    let employer = self.store.employer(application.employer_id).await?.ok_or(ServiceError::NotFound)?;
                    let deadline = deadline.to_string();
                    let values = [
                        ("name", applicant.name.as_str()),
                        ("employer", employer.name.as_str()),
                        ("district", application.district.name(Lang::Zh)),
                        ("deadline", deadline.as_str()),
                    ];
                    let messages =
                        self.move_messages(action, application.id, application.version, &applicant, &employer, &values);
                    let transition = Transition {
                        action: action.id.clone(),
                        actor_id: None,
                        from_state: application.state.clone(),
                        to_state: action.to.clone(),
                        open: !to.is_final,
                        expected_version: application.version,
                        comment: format!("补正期限 {deadline} 已过，系统办理"),
                        claim: None,
                        claimed_total: None,
                        review: BTreeMap::new(),
                        details: json!({ "deadline": deadline, "by": "system" }),
                        notice: None,
                    };
                    let moved = MoveAudit {
                        action: action.id.clone(),
                        from: application.state.clone(),
                        to: action.to.clone(),
                        comment: None,
                        deadline: Some(deadline.clone()),
                    };
                    let entry = AuditEntry::new(now_millis(), None, format!("application:{}", application.id), &moved);
                    match self
                        .store
                        .transition_application(application.id, &transition, now_millis(), &entry, &messages)
                        .await
                    {
                        Ok(_) => closed += 1,
                        // Another server (or a person) moved it first.
                        Err(StoreError::Conflict(_)) => {}
                        Err(other) => return Err(other.into()),
                    }
                }
            }
        }
        Ok(closed)
    }

    /// Reminds whoever holds an overdue step at a centre (the member of staff it was given
    /// to, or else every member of the district of the role it waits for) by SMS, once a
    /// day; how many reminders it queued.
    pub async fn remind_overdue(&self, today: NaiveDate) -> Result<usize, ServiceError> {
        let states: Vec<StateId> = self
            .workflow
            .states
            .iter()
            .filter(|s| s.centre && !s.is_final && s.waiting_for.is_district_staff())
            .map(|s| s.id.clone())
            .collect();
        let staff: Vec<_> = self.store.staff().await?.into_iter().filter(|member| !member.user.disabled).collect();
        let mut messages = Vec::new();
        for district in District::ALL {
            for listing in self.store.applications_in_district(*district, &states).await? {
                let Some(application) = self.store.application(listing.id).await? else { continue };
                let Some(due) = self.due(&application, None).filter(|due| today > due.date) else { continue };
                let Some(waits_for) = self.workflow.state(&application.state).map(|s| s.waiting_for) else { continue };
                // The member of staff holding the step, or else everyone of its role in the district.
                let fits = |member: &&jifen_store::StaffMember| {
                    member.user.role == waits_for && member.user.district == Some(application.district)
                };
                let held: Vec<_> = staff
                    .iter()
                    .filter(fits)
                    .filter(|member| application.assigned_to == Some(member.user.id))
                    .collect();
                let told = if held.is_empty() { staff.iter().filter(fits).collect() } else { held };
                let step = self.workflow.state_title(&application.state, Lang::Zh).unwrap_or(&application.state);
                let id = application.id.to_string();
                let due_text = due.date.to_string();
                let values = [
                    ("id", id.as_str()),
                    ("name", listing.applicant_name.as_str()),
                    ("step", step),
                    ("due", &due_text),
                ];
                let Some(body) = self.workflow.render("overdue", &values) else { continue };
                for member in told {
                    let Some(mobile) = &member.mobile else { continue };
                    let key = format!("overdue-{}-{}-{}-{today}", application.id, application.state, member.user.id);
                    messages.push(sms(key, mobile, body.clone(), None));
                }
            }
        }
        let count = messages.len();
        if count > 0 {
            self.store.enqueue_messages(&messages, now_millis()).await?;
        }
        Ok(count)
    }

    /// Runs the centre's clock every `every` until `stop` turns true.
    pub async fn run_centre_clock(self, mut stop: tokio::sync::watch::Receiver<bool>, every: Duration) {
        loop {
            let today = self.clock.today();
            match self.close_lapsed_corrections(today).await {
                Ok(0) => {}
                Ok(closed) => tracing::info!(closed, "centre clock: corrections past their deadline closed"),
                Err(error) => tracing::warn!(%error, "centre clock: closing lapsed corrections failed"),
            }
            match self.expire_blacklist(today).await {
                Ok(0) => {}
                Ok(expired) => tracing::info!(expired, "centre clock: blacklist entries past their period"),
                Err(error) => tracing::warn!(%error, "centre clock: blacklist expiry failed"),
            }
            match self.remind_renewals(today).await {
                Ok(0) => {}
                Ok(reminded) => tracing::info!(reminded, "centre clock: holders reminded of renewal"),
                Err(error) => tracing::warn!(%error, "centre clock: renewal reminders failed"),
            }
            match self.remind_overdue(today).await {
                Ok(0) => {}
                Ok(reminded) => tracing::info!(reminded, "centre clock: staff reminded of overdue steps"),
                Err(error) => tracing::warn!(%error, "centre clock: reminders failed"),
            }
            tokio::select! {
                () = tokio::time::sleep(every) => {}
                _ = stop.changed() => return,
            }
        }
    }
}
