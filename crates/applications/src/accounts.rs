//! Applicant accounts, opened by an employer's HR agent one at a time or from a CSV roster.
//! A person has one account whatever employers register them: a second employer links the
//! existing account and the person is told so; a new account gets an initial password by
//! SMS, which the outbox forgets once sent, and must change it at first sign-in. Initial
//! passwords are random one-time secrets (92 bits) kept under a fast keyed hash
//! (`jifen_auth::hash_one_time`), not Argon2: a 10 000-row roster takes seconds, not minutes.

use crate::Reason;
use crate::error::ServiceError;
use crate::{Actor, Service, audit, mask_id_number, sms};
use jifen_domain::Role;
use jifen_domain::application::{Problem, is_mobile};
use jifen_domain::audit::Audit;
use jifen_domain::roster::{self, RosterRow};
use jifen_domain::workflow::StateId;
use jifen_ids::ResidentIdNumber;
use jifen_store::prelude::*;
use jifen_store::{
    Employer, EmployerStatus, ImportJob, ImportStatus, LinkStatus, Millis, NewApplicant, RegisteredApplicant,
    Registration, now_millis,
};
use serde_json::json;

/// A running import whose progress has not moved for this long died with its server;
/// nothing of it was written (it writes all its rows in one transaction at the end).
pub const STALE_IMPORT_MILLIS: Millis = 2 * 60 * 1000;
/// Rows looked up and hashed at a time.
const CHUNK: usize = 64;
/// The least time between two progress reports (each is a committed write).
const PROGRESS_EVERY_MILLIS: Millis = 200;

/// What a registration did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegisterOutcome {
    /// A new account; its initial password is on its way by SMS.
    Created { user_id: UserId },
    /// The person had an account (another employer opened it); now linked to this one too.
    Linked { user_id: UserId },
    /// Already registered with this employer: nothing to do.
    Unchanged { user_id: UserId },
}

impl RegisterOutcome {
    fn word(self) -> &'static str {
        match self {
            Self::Created { .. } => "created",
            Self::Linked { .. } => "linked",
            Self::Unchanged { .. } => "unchanged",
        }
    }
}

/// An import as its page shows it.
#[derive(Debug, Clone)]
pub struct ImportProgress {
    pub job: ImportJob,
    /// Running, but its server stopped answering: nothing was imported.
    pub interrupted: bool,
}

/// What a registration will do once written: a new account has no id until then.
#[derive(Debug, Clone, Copy)]
enum Planned {
    Create,
    Link(UserId),
    Keep(UserId),
}

/// A row ready to write: what will happen, the initial password of a new account, and for
/// an account that exists, the name and mobile on file (a link request goes to the person as
/// they registered, never to a number the employer typed).
struct Prepared {
    row: RosterRow,
    outcome: Planned,
    password: Option<String>,
    on_file: Option<(String, String)>,
}

/// A person on an employer's list. Until the person consents to a link, the employer sees
/// only the masked ID number it typed: no name, no mobile, no application.
#[derive(Debug, Clone)]
pub struct EmployerApplicant {
    pub applicant: jifen_store::Applicant,
    pub link: LinkStatus,
    /// The state of the person's newest application with this employer.
    pub application_state: Option<StateId>,
    /// What the HR agent may start for the person now: the renewal of their notice (in its
    /// window), or the change of a notice another employer's application earned.
    pub follow_up: Option<jifen_domain::ApplicationKind>,
}

/// What a person decides about an employer's link to their account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkDecision {
    /// Consent to a pending link.
    Accept,
    /// Refuse a pending link.
    Decline,
    /// End an active link: the employer no longer sees the person or files for them.
    End,
}

impl Service {
    /// The verified employer of an HR agent; anyone else may not register applicants.
    pub(crate) async fn agents_employer(&self, actor: &Actor) -> Result<Employer, ServiceError> {
        if actor.role != Role::HrAgent {
            return Err(ServiceError::Forbidden);
        }
        let employer = match actor.employer_id {
            Some(id) => self.store.employer(id).await?,
            None => None,
        };
        match employer {
            Some(employer) if employer.status == EmployerStatus::Verified => Ok(employer),
            _ => Err(ServiceError::Forbidden),
        }
    }

    /// Opens (or links) one applicant's account for the HR agent's employer.
    pub async fn register_applicant(
        &self,
        actor: &Actor,
        name: &str,
        id_number: &str,
        mobile: &str,
    ) -> Result<RegisterOutcome, ServiceError> {
        let employer = self.agents_employer(actor).await?;
        let (name, mobile) = (name.trim(), mobile.trim());
        let mut problems = Vec::new();
        if name.is_empty() || name.chars().count() > 50 {
            problems.push(Problem::new(
                "name",
                "请填写姓名（最多 50 字）",
                "The name is required (50 characters at most)",
            ));
        }
        let id_number =
            ResidentIdNumber::parse(id_number).inspect_err(|e| problems.push(Problem::id_number("id_number", e))).ok();
        if !is_mobile(mobile) {
            problems.push(Problem::new(
                "mobile",
                "手机号码应为 1 开头的 11 位数字",
                "The mobile number has 11 digits starting with 1",
            ));
        }
        let (Some(id_number), true) = (id_number, problems.is_empty()) else {
            return Err(ServiceError::Invalid(problems));
        };
        let row = RosterRow { line: 0, name: name.to_string(), id_number, mobile: mobile.to_string() };
        let prepared = self.prepare(&employer, vec![row]).await?;
        let hashed = hash_passwords(&self.one_time_key().await?, &prepared);
        let outcomes = self.write_registrations(actor, &employer, prepared, hashed).await?;
        outcomes.first().copied().ok_or_else(|| ServiceError::Internal("no outcome for one row".into()))
    }

    /// Looks up each row: a new person, one to link, or one already registered here.
    async fn prepare(&self, employer: &Employer, rows: Vec<RosterRow>) -> Result<Vec<Prepared>, ServiceError> {
        let mut prepared = Vec::with_capacity(rows.len());
        for row in rows {
            let existing = self.store.applicant_by_id_number(row.id_number.as_str()).await?;
            let (outcome, password, on_file) = match existing {
                None => (Planned::Create, Some(jifen_auth::initial_password()), None),
                Some(applicant) => {
                    let employments = self.store.employments(applicant.user_id).await?;
                    // Linked already, asked and not yet answered, or declined by the person:
                    // nothing to do (a refusal stands until the person acts). Ended by the
                    // person: the employer may ask again, one SMS a day at most.
                    let live = employments.iter().any(|e| {
                        e.employer_id == employer.id
                            && matches!(e.status, LinkStatus::Active | LinkStatus::Pending | LinkStatus::Declined)
                    });
                    let outcome = match live {
                        true => Planned::Keep(applicant.user_id),
                        false => Planned::Link(applicant.user_id),
                    };
                    (outcome, None, Some((applicant.name, applicant.mobile)))
                }
            };
            prepared.push(Prepared { row, outcome, password, on_file });
        }
        Ok(prepared)
    }

    /// Writes every prepared row in one transaction, each with its audit entry and SMS.
    async fn write_registrations(
        &self,
        actor: &Actor,
        employer: &Employer,
        prepared: Vec<Prepared>,
        hashes: Vec<Option<String>>,
    ) -> Result<Vec<RegisterOutcome>, ServiceError> {
        let mut registrations = Vec::new();
        let mut written = Vec::new();
        for (index, (item, hash)) in prepared.iter().zip(hashes).enumerate() {
            let name = item.on_file.as_ref().map_or(&item.row.name, |(name, _)| name);
            let values = |password: &str| {
                [("name", name.clone()), ("employer", employer.name.clone()), ("password", password.to_string())]
            };
            let render = |template: &str, password: &str| {
                let values = values(password);
                let pairs: Vec<(&str, &str)> = values.iter().map(|(k, v)| (*k, v.as_str())).collect();
                self.workflow.render(template, &pairs).unwrap_or_default()
            };
            let key = format!("account-{}-{}", now_millis(), jifen_auth::random_token().get(..16).unwrap_or("0"));
            let recorded = Audit::ApplicantRegister {
                employer_id: employer.id,
                id_number: item.row.id_number.masked(),
                line: item.row.line,
            };
            let (applicant, message) = match (item.outcome, &item.password, hash) {
                (Planned::Keep(_), _, _) => continue,
                (Planned::Create, Some(password), Some(hash)) => (
                    RegisteredApplicant::New(NewApplicant {
                        id_number: item.row.id_number.as_str().to_string(),
                        name: item.row.name.clone(),
                        mobile: item.row.mobile.clone(),
                        password_hash: hash,
                    }),
                    sms(
                        key,
                        &item.row.mobile,
                        render("account_created", password),
                        Some(render("account_created_kept", "")),
                    ),
                ),
                (Planned::Link(user_id), _, _) => {
                    let mobile = item.on_file.as_ref().map_or(&item.row.mobile, |(_, mobile)| mobile);
                    // One request a day per employer and person, however often it is asked.
                    let day = now_millis() / (24 * 60 * 60 * 1000);
                    let key = format!("link-{}-{user_id}-{day}", employer.id);
                    (RegisteredApplicant::Existing { user_id }, sms(key, mobile, render("account_linked", ""), None))
                }
                _ => return Err(ServiceError::Internal("a new account without its password".into())),
            };
            registrations.push(Registration {
                applicant,
                audit: audit(actor, recorded, String::new()),
                messages: vec![message],
            });
            written.push(index);
        }
        let ids =
            self.store.register_applicants(employer.id, actor.id, &registrations, now_millis()).await.map_err(|e| {
                match e {
                    jifen_store::StoreError::Duplicate(_) => ServiceError::refused(
                        Reason::ApplicantRegisteredMeanwhile,
                        "该身份证号码刚被其他单位登记，请重试",
                        "Another employer registered this ID number just now; try again",
                    ),
                    other => ServiceError::Store(other),
                }
            })?;
        let created: std::collections::BTreeMap<usize, UserId> = written.into_iter().zip(ids).collect();
        prepared
            .iter()
            .enumerate()
            .map(|(index, item)| match item.outcome {
                Planned::Keep(user_id) => Ok(RegisterOutcome::Unchanged { user_id }),
                Planned::Link(user_id) => Ok(RegisterOutcome::Linked { user_id }),
                Planned::Create => created
                    .get(&index)
                    .map(|&user_id| RegisterOutcome::Created { user_id })
                    .ok_or_else(|| ServiceError::Internal("a new account without its id".into())),
            })
            .collect()
    }

    /// Reads a CSV roster and starts importing its good rows in the background; the bad
    /// rows are in the job's report at once. A file that cannot be read is refused whole.
    pub async fn import_roster(&self, actor: &Actor, bytes: &[u8]) -> Result<ImportJob, ServiceError> {
        let employer = self.agents_employer(actor).await?;
        let roster = roster::parse(bytes).map_err(|e| ServiceError::refused(Reason::RosterUnreadable, e.zh, e.en))?;
        let problems: Vec<serde_json::Value> =
            roster.problems.iter().map(|p| json!({ "line": p.line, "zh": p.zh, "en": p.en })).collect();
        let total = i64::try_from(roster.rows.len()).unwrap_or(i64::MAX);
        let report = json!({ "problems": problems });
        let job = self.store.create_import_job(employer.id, actor.id, total, &report, now_millis()).await?;
        let service = self.clone();
        let (actor, job_id) = (actor.clone(), job.id);
        tokio::spawn(async move {
            let outcome = service.import_rows(job_id, &actor, &employer, roster.rows).await;
            let (status, report) = match outcome {
                Ok(rows) => {
                    let count = |word: &str| rows.iter().filter(|(_, outcome)| outcome.word() == word).count();
                    let lines: Vec<serde_json::Value> =
                        rows.iter().map(|(line, outcome)| json!({ "line": line, "outcome": outcome.word() })).collect();
                    let summary = json!({
                        "problems": problems, "rows": lines,
                        "created": count("created"), "linked": count("linked"), "unchanged": count("unchanged"),
                    });
                    (ImportStatus::Done, summary)
                }
                Err(error) => {
                    tracing::error!(%error, job = %job_id, "import failed; nothing was imported");
                    let failure = json!({ "problems": problems, "error": { "zh": error.message(jifen_rules::Lang::Zh), "en": error.message(jifen_rules::Lang::En) } });
                    (ImportStatus::Failed, failure)
                }
            };
            if let Err(error) = service.store.finish_import_job(job_id, status, &report, now_millis()).await {
                tracing::error!(%error, job = %job_id, "import: cannot record the outcome");
            }
        });
        Ok(job)
    }

    /// Looks up and hashes the rows chunk by chunk, reporting progress (at most every
    /// [`PROGRESS_EVERY_MILLIS`], and once all are ready), then writes them all in one
    /// transaction: an import that dies half-way has written nothing.
    async fn import_rows(
        &self,
        job_id: ImportJobId,
        actor: &Actor,
        employer: &Employer,
        rows: Vec<RosterRow>,
    ) -> Result<Vec<(usize, RegisterOutcome)>, ServiceError> {
        let key = self.one_time_key().await?;
        let mut prepared = Vec::with_capacity(rows.len());
        let mut hashes = Vec::with_capacity(rows.len());
        let mut rows = rows.into_iter().peekable();
        let mut reported = now_millis();
        while rows.peek().is_some() {
            let chunk: Vec<RosterRow> = rows.by_ref().take(CHUNK).collect();
            let chunk = self.prepare(employer, chunk).await?;
            hashes.extend(hash_passwords(&key, &chunk));
            prepared.extend(chunk);
            let now = now_millis();
            if now - reported >= PROGRESS_EVERY_MILLIS || rows.peek().is_none() {
                let done = i64::try_from(prepared.len()).unwrap_or(i64::MAX);
                self.store.import_progress(job_id, done, now).await?;
                reported = now;
            }
        }
        let lines: Vec<usize> = prepared.iter().map(|p| p.row.line).collect();
        let outcomes = self.write_registrations(actor, employer, prepared, hashes).await?;
        Ok(lines.into_iter().zip(outcomes).collect())
    }

    /// An import of the HR agent's employer, with whether it was interrupted.
    pub async fn import_progress(&self, actor: &Actor, job_id: ImportJobId) -> Result<ImportProgress, ServiceError> {
        let employer = self.agents_employer(actor).await?;
        let job = self.store.import_job(job_id).await?.filter(|job| job.employer_id == employer.id);
        let job = job.ok_or(ServiceError::NotFound)?;
        let interrupted = job.status == ImportStatus::Running && now_millis() - job.updated_at > STALE_IMPORT_MILLIS;
        Ok(ImportProgress { job, interrupted })
    }

    /// The people linked to the HR agent's employer, each with the state of their newest
    /// application with this employer (if any) and the renewal or change the agent may start
    /// for them. ID numbers come masked; a person who has not
    /// consented to the link shows nothing else.
    pub async fn employer_applicants(&self, actor: &Actor) -> Result<Vec<EmployerApplicant>, ServiceError> {
        let employer = self.agents_employer(actor).await?;
        let applicants = self.store.applicants_of_employer(employer.id).await?;
        let applications = self.store.applications_of_employer(employer.id).await?;
        let notices = self.store.current_notices_of_employer_people(employer.id).await?;
        let today = self.clock.today();
        // Each person's newest application with this employer, whether one is open, and their
        // newest notice: looked up once each, not by scanning the lists for every person.
        let mut newest_application = std::collections::BTreeMap::new();
        let mut open = std::collections::BTreeSet::new();
        for application in &applications {
            let newest = newest_application.entry(application.applicant_id).or_insert(application);
            if application.id > newest.id {
                *newest = application;
            }
            if self.workflow.state(&application.state).is_some_and(|state| !state.is_final) {
                open.insert(application.applicant_id);
            }
        }
        let mut newest_notice = std::collections::BTreeMap::new();
        for notice in &notices {
            let newest = newest_notice.entry(notice.holder_id).or_insert(notice);
            if notice.id > newest.id {
                *newest = notice;
            }
        }
        let follow_up = |holder: UserId| {
            let notice = newest_notice.get(&holder).filter(|_| !open.contains(&holder))?;
            if Self::renewal_window(notice).is_some_and(|window| window.contains(today)) {
                Some(jifen_domain::ApplicationKind::Renewal)
            } else if notice.employer_id != employer.id
                && crate::notices::standing(notice, today) == crate::notices::NoticeStanding::Current
            {
                Some(jifen_domain::ApplicationKind::Change)
            } else {
                None
            }
        };
        Ok(applicants
            .into_iter()
            .filter(|(_, link)| matches!(link, LinkStatus::Active | LinkStatus::Pending))
            .map(|(mut applicant, link)| {
                applicant.id_number = mask_id_number(&applicant.id_number);
                if link == LinkStatus::Pending {
                    applicant.name = String::new();
                    applicant.mobile = String::new();
                    return EmployerApplicant { applicant, link, application_state: None, follow_up: None };
                }
                let application_state = newest_application.get(&applicant.user_id).map(|a| a.state.clone());
                let follow_up = if link == LinkStatus::Active { follow_up(applicant.user_id) } else { None };
                EmployerApplicant { applicant, link, application_state, follow_up }
            })
            .collect())
    }

    /// The person's links to employers, newest first.
    pub async fn my_employers(&self, actor: &Actor) -> Result<Vec<jifen_store::Employment>, ServiceError> {
        if actor.role != Role::Applicant {
            return Err(ServiceError::Forbidden);
        }
        Ok(self.store.employments(actor.id).await?)
    }

    /// The person accepts or declines an employer's request to link, or ends a link.
    pub async fn decide_link(
        &self,
        actor: &Actor,
        employer_id: EmployerId,
        decision: LinkDecision,
    ) -> Result<(), ServiceError> {
        if actor.role != Role::Applicant {
            return Err(ServiceError::Forbidden);
        }
        let (from, to, action) = match decision {
            LinkDecision::Accept => (LinkStatus::Pending, LinkStatus::Active, Audit::EmploymentAccept { employer_id }),
            LinkDecision::Decline => {
                (LinkStatus::Pending, LinkStatus::Declined, Audit::EmploymentDecline { employer_id })
            }
            LinkDecision::End => (LinkStatus::Active, LinkStatus::Ended, Audit::EmploymentEnd { employer_id }),
        };
        let entry = audit(actor, action, format!("user:{}", actor.id));
        self.store.set_link_status(actor.id, employer_id, &[from], to, now_millis(), &entry).await.map_err(
            |e| match e {
                jifen_store::StoreError::Conflict(_) => ServiceError::refused(
                    Reason::LinkDecided,
                    "该单位关联已处理或不存在，请刷新页面",
                    "This link was decided already or does not exist; reload the page",
                ),
                other => ServiceError::Store(other),
            },
        )
    }
}

/// The one-time hashes of the initial passwords of the new accounts among `rows` (a keyed
/// hash: microseconds each, so no need to leave the async worker).
fn hash_passwords(key: &jifen_auth::OneTimeKey, rows: &[Prepared]) -> Vec<Option<String>> {
    rows.iter().map(|row| row.password.as_deref().map(|password| jifen_auth::hash_one_time(password, key))).collect()
}
