//! What follows a points notice (RULES.md §8): its renewal (续办) at the residence permit's
//! endorsement, open from a month before the notice's last valid day until 60 days after it
//! (later, the points have lapsed and only a new application helps), and a change (变更) of
//! employer or of facts while it is in force. Both are applications that start from the
//! notice's verified facts, go the same way through the workflow, and end with a new notice
//! that supersedes the old one; the centre sees what changed since the notice. The holder and
//! the employer's contact are reminded by SMS a month before the notice ends and on its end.

use crate::Reason;
use crate::error::ServiceError;
use crate::notices::NoticeStanding;
use crate::{Actor, Service, sms};
use chrono::{Days, Months, NaiveDate};
use jifen_domain::application::is_form_field;
use jifen_domain::{ApplicationKind, Role};
use jifen_store::prelude::*;
use jifen_store::{Application, PointsNotice, UserId, now_millis};

/// Renewal opens this many months before a notice's last valid day.
pub const RENEWAL_OPENS_MONTHS_BEFORE: u32 = 1;
/// Days after a notice's last valid day within which it may still be renewed.
pub const RENEWAL_GRACE_DAYS: u64 = 60;
/// Days before a notice's end when its holder is reminded.
pub const RENEWAL_REMINDER_DAYS: u64 = 30;

/// When a notice may be renewed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RenewalWindow {
    pub opens: NaiveDate,
    pub closes: NaiveDate,
}

impl RenewalWindow {
    pub fn of(valid_until: NaiveDate) -> Self {
        Self {
            opens: valid_until.checked_sub_months(Months::new(RENEWAL_OPENS_MONTHS_BEFORE)).unwrap_or(valid_until),
            closes: valid_until.checked_add_days(Days::new(RENEWAL_GRACE_DAYS)).unwrap_or(valid_until),
        }
    }

    pub fn contains(&self, day: NaiveDate) -> bool {
        self.opens <= day && day <= self.closes
    }
}

/// A field the centre sees changed since the notice: its name, then and now.
pub type ChangedField = (String, String, String);

impl Service {
    /// The renewal window of a notice.
    pub fn renewal_window(notice: &PointsNotice) -> Option<RenewalWindow> {
        jifen_rules::calendar::parse_date(&notice.valid_until).ok().map(RenewalWindow::of)
    }

    /// Starts a renewal or a change of the holder's latest notice, pre-filled with the facts
    /// the centre verified for it.
    pub async fn start_follow_up(&self, actor: &Actor, kind: ApplicationKind) -> Result<Application, ServiceError> {
        if actor.role != Role::Applicant {
            return Err(ServiceError::Forbidden);
        }
        self.start_follow_up_for(actor, actor.id, kind).await
    }

    /// Starts a renewal or a change of `holder`'s latest notice: by the holder, or (renewal
    /// and change go through the employer) by the HR agent of the employer the holder is
    /// linked to now, with their consent. The draft is the holder's to check and submit, as
    /// every form is; started by the employer, the holder is told by SMS.
    pub async fn start_follow_up_for(
        &self,
        actor: &Actor,
        holder: UserId,
        kind: ApplicationKind,
    ) -> Result<Application, ServiceError> {
        let for_someone = actor.id != holder;
        match actor.role {
            Role::Applicant if !for_someone => {}
            Role::HrAgent => {
                let employer = self.agents_employer(actor).await?;
                let linked = self
                    .store
                    .employments(holder)
                    .await?
                    .into_iter()
                    .any(|e| e.employer_id == employer.id && e.status == jifen_store::LinkStatus::Active);
                if !linked {
                    return Err(ServiceError::NotFound);
                }
            }
            _ => return Err(ServiceError::Forbidden),
        }
        let today = self.clock.today();
        let notices = self.notices_of_holder(holder).await?;
        let Some((notice, standing)) =
            notices.into_iter().find(|(_, standing)| *standing != NoticeStanding::Superseded)
        else {
            return Err(ServiceError::refused(
                Reason::NoNotice,
                if for_someone {
                    "该人员还没有积分通知书，须办理积分申请"
                } else {
                    "您还没有积分通知书，请办理积分申请"
                },
                if for_someone {
                    "This person has no points notice yet: they apply for points first"
                } else {
                    "You have no points notice yet: apply for points first"
                },
            ));
        };
        match kind {
            ApplicationKind::New => return Err(ServiceError::Forbidden),
            ApplicationKind::Renewal => {
                let window = Self::renewal_window(&notice)
                    .ok_or_else(|| ServiceError::Internal(format!("notice {} validity", notice.serial)))?;
                if today < window.opens {
                    return Err(ServiceError::refused(
                        Reason::RenewalNotOpen,
                        format!("积分续办自 {} 起办理", window.opens),
                        format!("Renewal opens on {}", window.opens),
                    ));
                }
                if today > window.closes {
                    return Err(ServiceError::refused(
                        Reason::PointsLapsed,
                        format!(
                            "通知书已于 {} 到期超过 {RENEWAL_GRACE_DAYS} 天，积分已失效，请重新申请",
                            notice.valid_until
                        ),
                        format!(
                            "The notice ended on {}, more than {RENEWAL_GRACE_DAYS} days ago: the points have lapsed; apply anew",
                            notice.valid_until
                        ),
                    ));
                }
            }
            ApplicationKind::Change if standing != NoticeStanding::Current => {
                return Err(ServiceError::refused(
                    Reason::NoCurrentNotice,
                    "积分通知书已过有效期，请办理续办",
                    "The points notice has expired: renew it instead",
                ));
            }
            ApplicationKind::Change => {}
        }
        let mut fields = self.notice_facts(&notice).await?;
        fields.retain(is_form_field);
        let opened =
            crate::process::Opened::FollowUp { serial: notice.serial.clone(), valid_until: notice.valid_until.clone() };
        self.open_application(actor, holder, kind, Some(notice.id), fields, opened).await
    }

    /// The facts the centre verified for a notice.
    pub(crate) async fn notice_facts(&self, notice: &PointsNotice) -> Result<jifen_domain::form::Fields, ServiceError> {
        if let Some(facts) = notice.details.get("facts").and_then(|facts| serde_json::from_value(facts.clone()).ok()) {
            return Ok(facts);
        }
        let events = self.store.application_events(notice.application_id).await?;
        match self.current_verification(&events) {
            Some(verification) => Ok(verification.fields),
            None => Ok(self.store.application(notice.application_id).await?.map(|a| a.fields).unwrap_or_default()),
        }
    }

    /// What `now` says differently from the facts of the notice `application` follows;
    /// `None` for an application that follows none.
    pub(crate) async fn changed_fields(
        &self,
        application: &Application,
        now: &jifen_domain::form::Fields,
    ) -> Result<Option<Vec<ChangedField>>, ServiceError> {
        let Some(notice_id) = application.follows_notice else { return Ok(None) };
        let notices = self.store.points_notices_of_holder(application.applicant_id).await?;
        let Some(notice) = notices.into_iter().find(|notice| notice.id == notice_id) else { return Ok(None) };
        let mut then = self.notice_facts(&notice).await?;
        then.retain(is_form_field);
        let names: std::collections::BTreeSet<&str> = then.iter().chain(now.iter()).map(|(name, _)| name).collect();
        Ok(Some(
            names
                .into_iter()
                .filter(|name| is_form_field(name) && then.get(name) != now.get(name))
                .map(|name| (name.to_string(), then.get(name).to_string(), now.get(name).to_string()))
                .collect(),
        ))
    }

    /// Reminds holders (and their employers' contacts) of renewal: a month before a notice
    /// in force ends, and on its end; each reminder once. How many it queued.
    pub async fn remind_renewals(&self, today: NaiveDate) -> Result<usize, ServiceError> {
        let horizon = today.checked_add_days(Days::new(RENEWAL_REMINDER_DAYS)).unwrap_or(today);
        // A notice that ended more than the grace period ago has no window left to remind of.
        let ended_since = today.checked_sub_days(Days::new(RENEWAL_GRACE_DAYS)).unwrap_or(today);
        let mut messages = Vec::new();
        for notice in
            self.store.current_notices_ending_between(None, &ended_since.to_string(), &horizon.to_string()).await?
        {
            let Some(window) = Self::renewal_window(&notice) else { continue };
            let ended = jifen_rules::calendar::parse_date(&notice.valid_until).is_ok_and(|until| today >= until);
            if today > window.closes {
                continue;
            }
            let (template, which) = if ended { ("renewal_due", "due") } else { ("renewal_soon", "soon") };
            let Some(applicant) = self.store.applicant(notice.holder_id).await? else { continue };
            let employer = self.store.employer(notice.employer_id).await?;
            let opens = window.opens.to_string();
            let values = [
                ("name", applicant.name.as_str()),
                ("valid_until", notice.valid_until.as_str()),
                ("opens", opens.as_str()),
            ];
            let Some(body) = self.workflow.render(template, &values) else { continue };
            let mut recipients = vec![("holder", applicant.mobile.clone())];
            recipients.extend(employer.map(|employer| ("employer", employer.contact_phone)));
            for (whom, mobile) in recipients {
                let key = format!("renewal-{which}-{}-{whom}", notice.serial);
                messages.push(sms(key, &mobile, body.clone(), None));
            }
        }
        let count = messages.len();
        if count > 0 {
            self.store.enqueue_messages(&messages, now_millis()).await?;
        }
        Ok(count)
    }
}
