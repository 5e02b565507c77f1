//! The false-materials blacklist (诚信记录), with due process: a reviewer records a finding on
//! an application (which material, what is false, the evidence) naming the person, the
//! employer or both; they are told by SMS and may respond within the period in
//! `data/blacklist.toml`; a supervisor who did not record it then confirms or dismisses it.
//! A confirmed entry for a person is a false-materials record in every later score of theirs
//! (the engine's −150 within 3 years) and bars new applications for a period; one for an
//! employer bars it from filing. Entries are never edited or deleted: a response, a decision
//! and an expiry are events on them. Staff of every district see every entry; a person and
//! an employer see their own.

use crate::Reason;
use crate::error::ServiceError;
use crate::{Actor, Service, audit, sms};
use chrono::{Days, Months, NaiveDate};
use jifen_domain::Role;
use jifen_domain::audit::Audit;
use jifen_domain::blacklist_rules::BlacklistRules;
use jifen_domain::form::Fields;
use jifen_rules::Lang;
use jifen_store::prelude::*;
use jifen_store::{
    ApplicationParties, BlacklistEntry, BlacklistEvent, BlacklistQuery, BlacklistSubject, NewBlacklistEntry,
    StoreError, now_millis,
};

const CONFIRMED: &str = "confirmed";
const DISMISSED: &str = "dismissed";
const RESPONSE: &str = "response";
const EXPIRED: &str = "expired";
const APPEALED: &str = "appealed";
const UPHELD: &str = "upheld";
const LIFTED: &str = "lifted";
const CORRECTED: &str = "corrected";

/// What a reviewer records.
#[derive(Debug, Clone, Default)]
pub struct FindingInput {
    pub person: bool,
    pub employer: bool,
    /// The material found false (its id in the materials catalogue).
    pub material: String,
    pub finding: String,
    pub evidence: String,
}

/// Where an entry stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryStanding {
    /// Recorded; the named may respond.
    Notified,
    /// The named responded; a supervisor decides.
    Responded,
    /// Confirmed: in effect until the date.
    Confirmed(NaiveDate),
    /// Confirmed and appealed: in effect until the date unless the appeal lifts it.
    Appealed(NaiveDate),
    Dismissed,
    /// Confirmed, then lifted on appeal: no effect.
    Lifted,
    /// Confirmed, and its period is over.
    Expired,
}

impl EntryStanding {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Notified => "notified",
            Self::Responded => "responded",
            Self::Confirmed(_) => "confirmed",
            Self::Appealed(_) => "appealed",
            Self::Dismissed => "dismissed",
            Self::Lifted => "lifted",
            Self::Expired => "expired",
        }
    }

    pub fn name(self, lang: Lang) -> String {
        let pick = |zh: &str, en: &str| if lang == Lang::Zh { zh.to_string() } else { en.to_string() };
        match self {
            Self::Notified => pick("已告知，待陈述意见", "told; waiting for a response"),
            Self::Responded => pick("已陈述意见，待决定", "responded; waiting for the decision"),
            Self::Confirmed(until) => match lang {
                Lang::Zh => format!("已确认，有效至 {until}"),
                Lang::En => format!("confirmed, in effect until {until}"),
            },
            Self::Appealed(until) => match lang {
                Lang::Zh => format!("已申诉，复核中（有效至 {until}）"),
                Lang::En => format!("appealed; being reconsidered (in effect until {until})"),
            },
            Self::Dismissed => pick("不予认定", "dismissed"),
            Self::Lifted => pick("经申诉撤销", "lifted on appeal"),
            Self::Expired => pick("已确认，期限已满", "confirmed; its period is over"),
        }
    }
}

/// Where an entry stands on `today`.
pub fn standing(entry: &BlacklistEntry, today: NaiveDate) -> EntryStanding {
    let decision = entry.events.iter().find(|e| e.kind == CONFIRMED || e.kind == DISMISSED);
    match decision {
        Some(event) if event.kind == DISMISSED => EntryStanding::Dismissed,
        Some(event) => {
            let until = event.effective_until.as_deref().and_then(|d| jifen_rules::calendar::parse_date(d).ok());
            let has = |kind: &str| entry.events.iter().any(|e| e.kind == kind);
            match until {
                _ if has(LIFTED) => EntryStanding::Lifted,
                Some(until) if today <= until && has(APPEALED) && !has(UPHELD) => EntryStanding::Appealed(until),
                Some(until) if today <= until => EntryStanding::Confirmed(until),
                _ => EntryStanding::Expired,
            }
        }
        None if entry.events.iter().any(|e| e.kind == RESPONSE) => EntryStanding::Responded,
        None => EntryStanding::Notified,
    }
}

impl Service {
    fn blacklist_rules() -> Result<&'static BlacklistRules, ServiceError> {
        BlacklistRules::embedded().map_err(|e| ServiceError::Internal(e.to_string()))
    }

    /// A reviewer records a finding on an application at their centre: an entry for the
    /// person and one for the employer, as named; both are told by SMS.
    pub async fn record_finding(
        &self,
        actor: &Actor,
        id: ApplicationId,
        input: &FindingInput,
    ) -> Result<Vec<BlacklistEntryId>, ServiceError> {
        if actor.role != Role::Reviewer {
            return Err(ServiceError::Forbidden);
        }
        let ApplicationParties { application, applicant, employer, .. } = self.visible(actor, id).await?;
        let material = self
            .materials
            .checklist(&application.fields)
            .into_iter()
            .find(|material| material.id == input.material)
            .ok_or_else(|| {
                ServiceError::refused(
                    Reason::MaterialUnknown,
                    "请选择本申请的一项材料",
                    "Choose one of the application's materials",
                )
            })?;
        let finding = crate::centre::clean_text("finding", &input.finding, 300)?;
        let evidence = crate::centre::clean_text("evidence", &input.evidence, 500)?;
        if finding.is_empty() || evidence.is_empty() {
            return Err(ServiceError::refused(
                Reason::FindingIncomplete,
                "请写明虚假的内容和核查依据",
                "Say what is false and what shows it",
            ));
        }
        if !input.person && !input.employer {
            return Err(ServiceError::refused(
                Reason::NoSubject,
                "请选择记录对象：申请人、用人单位或两者",
                "Name the person, the employer or both",
            ));
        }
        let rules = Self::blacklist_rules()?;
        let respond_by = self.clock.today() + Days::new(u64::from(rules.response_days));
        let mut subjects = Vec::new();
        if input.person {
            subjects.push((
                BlacklistSubject::Person(applicant.user_id),
                applicant.name.clone(),
                applicant.mobile.clone(),
            ));
        }
        if input.employer {
            subjects.push((
                BlacklistSubject::Employer(employer.id),
                employer.name.clone(),
                employer.contact_phone.clone(),
            ));
        }
        let respond_text = respond_by.to_string();
        let mut entries = Vec::new();
        let mut messages = Vec::new();
        for (subject, name, mobile) in subjects {
            entries.push(NewBlacklistEntry {
                subject,
                application_id: id,
                district: application.district,
                material: material.id.clone(),
                finding: finding.clone(),
                evidence: evidence.clone(),
                respond_by: respond_text.clone(),
                recorded_by: actor.id,
            });
            let values = [
                ("name", name.as_str()),
                ("material", material.title.get(Lang::Zh)),
                ("finding", finding.as_str()),
                ("respond_by", respond_text.as_str()),
            ];
            if let Some(body) = self.workflow.render("blacklist_notified", &values) {
                let key = format!("blacklist-{id}-{}-{}-{}", material.id, mobile, now_millis());
                messages.push(sms(key, &mobile, body, None));
            }
        }
        let recorded =
            Audit::BlacklistRecord { material: material.id.clone(), person: input.person, employer: input.employer };
        let entry = audit(actor, recorded, format!("application:{id}"));
        Ok(self.store.record_findings(&entries, now_millis(), &entry, &messages).await?)
    }

    /// The entries `actor` may see, narrowed by `query`: staff see every district's; a
    /// person their own; an HR agent their employer's.
    pub async fn blacklist_for(
        &self,
        actor: &Actor,
        query: BlacklistQuery,
    ) -> Result<Vec<BlacklistEntry>, ServiceError> {
        let query = match actor.role {
            role if role.is_district_staff() || role == Role::Admin => query,
            Role::Applicant => BlacklistQuery { person_id: Some(actor.id), employer_id: None, ..query },
            Role::HrAgent => {
                let employer = actor.employer_id.ok_or(ServiceError::Forbidden)?;
                BlacklistQuery { employer_id: Some(employer), person_id: None, ..query }
            }
            _ => return Err(ServiceError::Forbidden),
        };
        Ok(self.store.blacklist(query).await?)
    }

    async fn entry_for(&self, actor: &Actor, entry_id: BlacklistEntryId) -> Result<BlacklistEntry, ServiceError> {
        let query = BlacklistQuery { entry_id: Some(entry_id), ..BlacklistQuery::default() };
        self.blacklist_for(actor, query).await?.into_iter().next().ok_or(ServiceError::NotFound)
    }

    /// The person or the employer named answers a finding, before its response date.
    pub async fn respond_to_entry(
        &self,
        actor: &Actor,
        entry_id: BlacklistEntryId,
        text: &str,
    ) -> Result<(), ServiceError> {
        if !matches!(actor.role, Role::Applicant | Role::HrAgent) {
            return Err(ServiceError::Forbidden);
        }
        let entry = self.entry_for(actor, entry_id).await?;
        let text = crate::centre::clean_text("response", text, 1000)?;
        if text.is_empty() {
            return Err(ServiceError::refused(Reason::ResponseEmpty, "请填写陈述意见", "Write your response"));
        }
        let open = matches!(standing(&entry, self.clock.today()), EntryStanding::Notified | EntryStanding::Responded);
        let in_time = jifen_rules::calendar::parse_date(&entry.respond_by).is_ok_and(|by| self.clock.today() <= by);
        if !open || !in_time {
            return Err(ServiceError::refused(
                Reason::ResponseClosed,
                format!("陈述意见的期限（{}）已过或已作出决定", entry.respond_by),
                format!("The time to respond ({}) has passed, or the entry is decided", entry.respond_by),
            ));
        }
        let event = BlacklistEvent {
            at: now_millis(),
            actor_id: Some(actor.id),
            actor_name: None,
            kind: RESPONSE.into(),
            text,
            effective_until: None,
        };
        let entry_audit = audit(actor, Audit::BlacklistResponse {}, format!("blacklist:{entry_id}"));
        Ok(self.store.add_blacklist_event(entry_id, &event, &entry_audit, &[]).await?)
    }

    /// A supervisor who did not record the finding confirms or dismisses it, once the named
    /// have responded or their time is over; they are told by SMS.
    pub async fn decide_entry(
        &self,
        actor: &Actor,
        entry_id: BlacklistEntryId,
        confirm: bool,
        reason: &str,
    ) -> Result<(), ServiceError> {
        if actor.role != Role::Supervisor {
            return Err(ServiceError::Forbidden);
        }
        let entry = self.entry_for(actor, entry_id).await?;
        if entry.recorded_by == actor.id {
            return Err(ServiceError::refused(
                Reason::FourEyes,
                "您记录了该核查结果，须由另一人决定",
                "You recorded this finding: someone else must decide it",
            ));
        }
        let today = self.clock.today();
        let standing_now = standing(&entry, today);
        let time_over = jifen_rules::calendar::parse_date(&entry.respond_by).is_ok_and(|by| today > by);
        match standing_now {
            EntryStanding::Notified if !time_over => {
                return Err(ServiceError::refused(
                    Reason::ResponsePending,
                    format!("当事人可于 {} 前陈述意见，届满或陈述后再决定", entry.respond_by),
                    format!(
                        "The named may respond until {}: decide after that or after their response",
                        entry.respond_by
                    ),
                ));
            }
            EntryStanding::Notified | EntryStanding::Responded => {}
            _ => {
                return Err(ServiceError::refused(
                    Reason::AlreadyDecided,
                    "该记录已作出决定",
                    "This entry is decided already",
                ));
            }
        }
        let reason = crate::centre::clean_text("reason", reason, 500)?;
        if reason.is_empty() {
            return Err(ServiceError::refused(
                Reason::ReasonRequired,
                "请写明决定理由",
                "Give the reason for the decision",
            ));
        }
        let rules = Self::blacklist_rules()?;
        let years = match entry.subject {
            BlacklistSubject::Person(_) => rules.person_bar_years,
            BlacklistSubject::Employer(_) => rules.employer_bar_years,
        };
        let until = today.checked_add_months(Months::new(12 * years)).unwrap_or(today);
        let event = BlacklistEvent {
            at: now_millis(),
            actor_id: Some(actor.id),
            actor_name: None,
            kind: if confirm { CONFIRMED } else { DISMISSED }.into(),
            text: reason,
            effective_until: confirm.then(|| until.to_string()),
        };
        let mobile = match entry.subject {
            BlacklistSubject::Person(id) => self.store.applicant(id).await?.map(|a| a.mobile),
            BlacklistSubject::Employer(id) => self.store.employer(id).await?.map(|e| e.contact_phone),
        };
        let template = if confirm { "blacklist_confirmed" } else { "blacklist_dismissed" };
        let until_text = until.to_string();
        let values = [("name", entry.subject_name.as_str()), ("until", until_text.as_str())];
        let messages: Vec<_> = mobile
            .zip(self.workflow.render(template, &values))
            .map(|(mobile, body)| sms(format!("blacklist-{entry_id}-decision"), &mobile, body, None))
            .into_iter()
            .collect();
        let until = confirm.then_some(until_text);
        let decided = if confirm { Audit::BlacklistConfirm { until } } else { Audit::BlacklistDismiss { until } };
        let entry_audit = audit(actor, decided, format!("blacklist:{entry_id}"));
        self.store.add_blacklist_event(entry_id, &event, &entry_audit, &messages).await.map_err(|e| match e {
            StoreError::Duplicate(_) => ServiceError::refused(
                Reason::AlreadyDecided,
                "该记录已由他人作出决定",
                "Someone else decided this entry meanwhile",
            ),
            other => ServiceError::Store(other),
        })
    }

    /// The person or the employer named appeals a confirmed entry, once, within the period
    /// of `data/blacklist.toml` after the confirmation.
    pub async fn appeal_entry(
        &self,
        actor: &Actor,
        entry_id: BlacklistEntryId,
        text: &str,
    ) -> Result<(), ServiceError> {
        if !matches!(actor.role, Role::Applicant | Role::HrAgent) {
            return Err(ServiceError::Forbidden);
        }
        let entry = self.entry_for(actor, entry_id).await?;
        let text = crate::centre::clean_text("appeal", text, 1000)?;
        if text.is_empty() {
            return Err(ServiceError::refused(
                Reason::AppealEmpty,
                "请写明申诉理由",
                "Give the reasons for the appeal",
            ));
        }
        let rules = Self::blacklist_rules()?;
        let confirmed_on = entry
            .events
            .iter()
            .find(|e| e.kind == CONFIRMED)
            .map(|e| jifen_domain::clock::shanghai_datetime(e.at).date());
        let last = confirmed_on.map(|on| on + Days::new(u64::from(rules.appeal_days)));
        let appealable = matches!(standing(&entry, self.clock.today()), EntryStanding::Confirmed(_))
            && last.is_some_and(|last| self.clock.today() <= last);
        if !appealable {
            return Err(ServiceError::refused(
                Reason::NotAppealable,
                format!("只能在确认后 {} 天内对已确认的记录申诉一次", rules.appeal_days),
                format!(
                    "A confirmed entry may be appealed once, within {} days of its confirmation",
                    rules.appeal_days
                ),
            ));
        }
        let event = self.event(actor, APPEALED, text, None);
        let entry_audit = audit(actor, Audit::BlacklistAppeal {}, format!("blacklist:{entry_id}"));
        self.store.add_blacklist_event(entry_id, &event, &entry_audit, &[]).await.map_err(|e| match e {
            StoreError::Duplicate(_) => {
                ServiceError::refused(Reason::NotAppealable, "该记录已申诉过", "This entry was appealed already")
            }
            other => ServiceError::Store(other),
        })
    }

    /// A supervisor who neither recorded nor decided the entry answers its appeal: the entry
    /// stands, or it is lifted (no effect from then on); the named are told.
    pub async fn answer_entry_appeal(
        &self,
        actor: &Actor,
        entry_id: BlacklistEntryId,
        lift: bool,
        reason: &str,
    ) -> Result<(), ServiceError> {
        if actor.role != Role::Supervisor {
            return Err(ServiceError::Forbidden);
        }
        let entry = self.entry_for(actor, entry_id).await?;
        if !matches!(standing(&entry, self.clock.today()), EntryStanding::Appealed(_)) {
            return Err(ServiceError::refused(
                Reason::NoAppeal,
                "该记录没有待处理的申诉",
                "This entry has no appeal to answer",
            ));
        }
        let decided_by_actor = entry.events.iter().any(|e| e.kind == CONFIRMED && e.actor_id == Some(actor.id));
        if entry.recorded_by == actor.id || decided_by_actor {
            return Err(ServiceError::refused(
                Reason::TookPart,
                "您参与过该记录的认定，申诉须由未参与的人员处理",
                "You took part in this entry: someone who did not must answer the appeal",
            ));
        }
        let reason = crate::centre::clean_text("reason", reason, 500)?;
        if reason.is_empty() {
            return Err(ServiceError::refused(Reason::ReasonRequired, "请写明理由", "Give the reason"));
        }
        let event = self.event(actor, if lift { LIFTED } else { UPHELD }, reason, None);
        let (template, audited) = match lift {
            true => ("blacklist_lifted", Audit::BlacklistLifted {}),
            false => ("blacklist_upheld", Audit::BlacklistUpheld {}),
        };
        let mobile = self.subject_mobile(entry.subject).await?;
        let values = [("name", entry.subject_name.as_str())];
        let messages: Vec<_> = mobile
            .zip(self.workflow.render(template, &values))
            .map(|(mobile, body)| sms(format!("blacklist-{entry_id}-appeal"), &mobile, body, None))
            .into_iter()
            .collect();
        let entry_audit = audit(actor, audited, format!("blacklist:{entry_id}"));
        self.store.add_blacklist_event(entry_id, &event, &entry_audit, &messages).await.map_err(|e| match e {
            StoreError::Duplicate(_) => ServiceError::refused(
                Reason::NoAppeal,
                "申诉已由他人处理",
                "Someone else answered the appeal meanwhile",
            ),
            other => ServiceError::Store(other),
        })
    }

    /// A supervisor records a correction of an entry's facts (a wrong material named, a
    /// misspelt finding): a new event beside the original text, which stays.
    pub async fn correct_entry(
        &self,
        actor: &Actor,
        entry_id: BlacklistEntryId,
        text: &str,
    ) -> Result<(), ServiceError> {
        if actor.role != Role::Supervisor {
            return Err(ServiceError::Forbidden);
        }
        self.entry_for(actor, entry_id).await?;
        let text = crate::centre::clean_text("correction", text, 500)?;
        if text.is_empty() {
            return Err(ServiceError::refused(Reason::CorrectionEmpty, "请写明更正内容", "Say what is corrected"));
        }
        let event = self.event(actor, CORRECTED, text, None);
        let entry_audit = audit(actor, Audit::BlacklistCorrect {}, format!("blacklist:{entry_id}"));
        Ok(self.store.add_blacklist_event(entry_id, &event, &entry_audit, &[]).await?)
    }

    fn event(&self, actor: &Actor, kind: &str, text: String, effective_until: Option<String>) -> BlacklistEvent {
        BlacklistEvent {
            at: now_millis(),
            actor_id: Some(actor.id),
            actor_name: None,
            kind: kind.into(),
            text,
            effective_until,
        }
    }

    async fn subject_mobile(&self, subject: BlacklistSubject) -> Result<Option<String>, ServiceError> {
        Ok(match subject {
            BlacklistSubject::Person(id) => self.store.applicant(id).await?.map(|a| a.mobile),
            BlacklistSubject::Employer(id) => self.store.employer(id).await?.map(|e| e.contact_phone),
        })
    }

    /// The days a person's confirmed entries were confirmed on: false-materials records for
    /// the engine (which counts −150 for those within 3 years of a score's date).
    pub async fn false_material_dates(&self, person_id: UserId) -> Result<Vec<NaiveDate>, ServiceError> {
        let query = BlacklistQuery { person_id: Some(person_id), ..BlacklistQuery::default() };
        Ok(self
            .store
            .blacklist(query)
            .await?
            .iter()
            .filter(|entry| !entry.events.iter().any(|e| e.kind == LIFTED))
            .filter_map(|entry| entry.events.iter().find(|e| e.kind == CONFIRMED))
            .map(|event| jifen_domain::clock::shanghai_datetime(event.at).date())
            .collect())
    }

    /// `fields` with the person's confirmed false-materials records added to what the form
    /// says (a record the centre confirmed cannot be left out of a claim).
    pub(crate) async fn with_records(&self, fields: &Fields, person_id: UserId) -> Result<Fields, ServiceError> {
        let mut dates: Vec<String> =
            self.false_material_dates(person_id).await?.iter().map(ToString::to_string).collect();
        if dates.is_empty() {
            return Ok(fields.clone());
        }
        let stated = fields.get("false_materials");
        dates.extend(stated.split([',', '，']).map(str::trim).filter(|d| !d.is_empty()).map(str::to_string));
        dates.sort();
        dates.dedup();
        let mut fields = fields.clone();
        fields.set("false_materials", &dates.join(", "));
        Ok(fields)
    }

    /// Until when a confirmed entry bars the person or the employer, if one does today.
    pub async fn barred_until(&self, subject: BlacklistSubject) -> Result<Option<NaiveDate>, ServiceError> {
        let query = match subject {
            BlacklistSubject::Person(id) => BlacklistQuery { person_id: Some(id), ..BlacklistQuery::default() },
            BlacklistSubject::Employer(id) => BlacklistQuery { employer_id: Some(id), ..BlacklistQuery::default() },
        };
        let today = self.clock.today();
        Ok(self
            .store
            .blacklist(query)
            .await?
            .iter()
            .filter(|entry| entry.subject == subject)
            .filter_map(|entry| match standing(entry, today) {
                EntryStanding::Confirmed(until) | EntryStanding::Appealed(until) => Some(until),
                _ => None,
            })
            .max())
    }

    /// Writes the expiry event of every confirmed entry whose period ended before `today`,
    /// once; how many.
    pub async fn expire_blacklist(&self, today: NaiveDate) -> Result<usize, ServiceError> {
        let mut expired = 0;
        for entry in self.store.blacklist(BlacklistQuery::default()).await? {
            if standing(&entry, today) != EntryStanding::Expired || entry.events.iter().any(|e| e.kind == EXPIRED) {
                continue;
            }
            let event = BlacklistEvent {
                at: now_millis(),
                actor_id: None,
                actor_name: None,
                kind: EXPIRED.into(),
                text: "期限届满".into(),
                effective_until: None,
            };
            let entry_audit = jifen_store::AuditEntry::new(
                now_millis(),
                None,
                format!("blacklist:{}", entry.id),
                &Audit::BlacklistExpire {},
            );
            match self.store.add_blacklist_event(entry.id, &event, &entry_audit, &[]).await {
                Ok(()) => expired += 1,
                // Another server wrote it first.
                Err(StoreError::Duplicate(_)) => {}
                Err(other) => return Err(other.into()),
            }
        }
        Ok(expired)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(events: &[(&str, Option<&str>)]) -> BlacklistEntry {
        BlacklistEntry {
            id: BlacklistEntryId::new(1),
            subject: BlacklistSubject::Person(UserId::new(7)),
            subject_name: "张伟明".into(),
            application_id: ApplicationId::new(1),
            district: jifen_domain::District::Pudong,
            material: "diploma".into(),
            finding: "伪造".into(),
            evidence: "学信网".into(),
            respond_by: "2026-12-10".into(),
            recorded_by: UserId::new(2),
            recorded_at: 0,
            events: events
                .iter()
                .map(|(kind, until)| BlacklistEvent {
                    at: 0,
                    actor_id: Some(UserId::new(3)),
                    actor_name: None,
                    kind: (*kind).into(),
                    text: String::new(),
                    effective_until: until.map(str::to_string),
                })
                .collect(),
        }
    }

    #[test]
    fn an_entry_stands_by_its_events_in_order() {
        let day = |text: &str| jifen_rules::calendar::parse_date(text).unwrap();
        let today = day("2027-01-01");
        let until = Some("2029-12-01");
        assert_eq!(standing(&entry(&[]), today), EntryStanding::Notified);
        assert_eq!(standing(&entry(&[("response", None)]), today), EntryStanding::Responded);
        assert_eq!(standing(&entry(&[("dismissed", None)]), today), EntryStanding::Dismissed);
        let confirmed = [("confirmed", until)];
        assert_eq!(standing(&entry(&confirmed), today), EntryStanding::Confirmed(day("2029-12-01")));
        assert_eq!(standing(&entry(&confirmed), day("2029-12-02")), EntryStanding::Expired);
        let appealed = [("confirmed", until), ("appealed", None)];
        assert_eq!(standing(&entry(&appealed), today), EntryStanding::Appealed(day("2029-12-01")));
        let upheld = [("confirmed", until), ("appealed", None), ("upheld", None)];
        assert_eq!(standing(&entry(&upheld), today), EntryStanding::Confirmed(day("2029-12-01")));
        let lifted = [("confirmed", until), ("appealed", None), ("lifted", None)];
        assert_eq!(standing(&entry(&lifted), today), EntryStanding::Lifted);
        assert_eq!(
            standing(&entry(&lifted), day("2030-01-01")),
            EntryStanding::Lifted,
            "a lifted entry never expires into effect"
        );
    }
}
