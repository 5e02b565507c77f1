//! What the store keeps, as domain types.

use jifen_domain::audit::AuditPayload;
use jifen_domain::form::Fields;
pub use jifen_domain::ids::*;
use jifen_domain::workflow::StateId;
use jifen_domain::{ApplicationKind, District, Role};
use jifen_ids::CreditCode;
use std::collections::BTreeMap;

/// UTC milliseconds since the Unix epoch: portable across both databases.
pub type Millis = i64;

/// The current time as stored.
pub fn now_millis() -> Millis {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    /// An Argon2id PHC string; the store never sees a password.
    pub password_hash: String,
    pub role: Role,
    /// District-centre staff only.
    pub district: Option<District>,
    /// HR agents only.
    pub employer_id: Option<EmployerId>,
    /// Set for accounts created with an initial password.
    pub must_change_password: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: UserId,
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    pub role: Role,
    pub district: Option<District>,
    pub employer_id: Option<EmployerId>,
    pub must_change_password: bool,
    pub disabled: bool,
    pub created_at: Millis,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// SHA-256 of the cookie's token: a stolen database does not yield live sessions.
    pub token_hash: String,
    pub user_id: UserId,
    pub csrf_token: String,
    pub created_at: Millis,
    pub expires_at: Millis,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmployerStatus {
    Pending,
    Verified,
    Rejected,
}

impl EmployerStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Verified => "verified",
            Self::Rejected => "rejected",
        }
    }

    pub fn parse(word: &str) -> Option<Self> {
        [Self::Pending, Self::Verified, Self::Rejected].into_iter().find(|status| status.as_str() == word)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEmployer {
    pub name: String,
    pub credit_code: CreditCode,
    pub district: District,
    pub contact_name: String,
    pub contact_phone: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Employer {
    pub id: EmployerId,
    pub name: String,
    pub credit_code: String,
    pub district: District,
    pub contact_name: String,
    pub contact_phone: String,
    pub status: EmployerStatus,
    pub verified_by: Option<UserId>,
    pub verified_at: Option<Millis>,
    pub created_at: Millis,
}

/// One line of the audit log: who did what to what, when, and the details.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEntry {
    pub at: Millis,
    pub actor_id: Option<UserId>,
    pub action: String,
    pub subject: String,
    pub details: serde_json::Value,
}

impl AuditEntry {
    /// An entry by `actor_id` (none for the system's own changes) at `at` about `subject`,
    /// recording `what`: its word and its details.
    pub fn new(at: Millis, actor_id: Option<UserId>, subject: String, what: &impl AuditPayload) -> Self {
        Self { at, actor_id, action: what.word(), subject, details: what.details() }
    }
}

/// A message to send, as the change that causes it writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMessage {
    /// Unique per message: enqueuing the same key twice stores it once.
    pub idempotency_key: String,
    /// `sms`.
    pub channel: String,
    pub recipient: String,
    pub body: String,
    /// What the outbox keeps of the text once it is sent, when the text itself must not be
    /// kept (an initial password).
    pub body_after_send: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxMessage {
    pub id: MessageId,
    pub idempotency_key: String,
    pub channel: String,
    pub recipient: String,
    pub body: String,
    pub created_at: Millis,
    pub attempts: i64,
    pub next_attempt_at: Millis,
    pub sent_at: Option<Millis>,
    pub last_error: Option<String>,
    pub dead: bool,
}

/// A person's applicant account, as an employer's HR agent registers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewApplicant {
    /// The resident ID number, canonical: also the username the person signs in with.
    pub id_number: String,
    pub name: String,
    pub mobile: String,
    /// The initial password's hash; the account must change it at first sign-in.
    pub password_hash: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applicant {
    pub user_id: UserId,
    pub id_number: String,
    pub name: String,
    pub mobile: String,
    pub created_at: Millis,
}

/// One person an employer registers: a new account, or one that exists already (the person
/// changed employer), each with its audit entry and messages.
#[derive(Debug, Clone)]
pub struct Registration {
    pub applicant: RegisteredApplicant,
    pub audit: AuditEntry,
    pub messages: Vec<NewMessage>,
}

#[derive(Debug, Clone)]
pub enum RegisteredApplicant {
    New(NewApplicant),
    Existing { user_id: UserId },
}

/// An employer an applicant is registered with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Employment {
    pub employer_id: EmployerId,
    pub employer_name: String,
    pub since: Millis,
    pub status: LinkStatus,
}

/// Where a link between a person and an employer stands. A link the employer made by opening
/// the account is active at once; a link to an account that existed waits for the person's
/// consent. Only an active link lets the employer see the person or file for them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkStatus {
    Pending,
    Active,
    Declined,
    Ended,
}

impl LinkStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Active => "active",
            Self::Declined => "declined",
            Self::Ended => "ended",
        }
    }

    pub fn parse(word: &str) -> Option<Self> {
        [Self::Pending, Self::Active, Self::Declined, Self::Ended].into_iter().find(|s| s.as_str() == word)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewApplication {
    pub applicant_id: UserId,
    pub employer_id: EmployerId,
    /// The employer's district: the centre the materials go to.
    pub district: District,
    pub state: StateId,
    pub fields: Fields,
    pub kind: ApplicationKind,
    /// The points notice a renewal or a change follows.
    pub follows_notice: Option<NoticeId>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Application {
    pub id: ApplicationId,
    pub applicant_id: UserId,
    pub employer_id: EmployerId,
    pub district: District,
    pub state: StateId,
    /// Whether the application is still in progress (its state is not final).
    pub open: bool,
    /// The form as typed.
    pub fields: Fields,
    /// The engine's total for the form when it was last saved, if the form was valid.
    pub claimed_total: Option<i64>,
    /// The claimed profile (JSON), frozen when the form was submitted.
    pub claim: Option<serde_json::Value>,
    /// The employer's comments of the last return, by form field.
    pub review: BTreeMap<String, String>,
    /// Bumped by every change; a change names the version it was made on.
    pub version: i64,
    pub created_at: Millis,
    pub updated_at: Millis,
    pub state_since: Millis,
    /// The member of the district centre's staff who holds it, if anyone does.
    pub assigned_to: Option<UserId>,
    pub kind: ApplicationKind,
    /// The points notice a renewal or a change follows.
    pub follows_notice: Option<NoticeId>,
}

/// An application with the person it is for and the employer that files it.
#[derive(Debug, Clone, PartialEq)]
pub struct ApplicationParties {
    pub application: Application,
    pub applicant: Applicant,
    pub employer: Employer,
    /// Where the person's link to that employer stands (none: there is no link).
    pub link: Option<LinkStatus>,
}

/// The member of staff who holds an application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignee {
    pub id: UserId,
    pub name: String,
    pub role: Option<Role>,
}

/// How many moves of one kind a dashboard counts, of those made the same number of days after
/// their application's filing (when that was asked for and it was filed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MoveTally {
    pub action: String,
    pub days: Option<i64>,
    pub count: i64,
}

/// An application in a list, with the names a list shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplicationListing {
    pub id: ApplicationId,
    pub applicant_id: UserId,
    pub applicant_name: String,
    pub applicant_id_number: String,
    pub employer_id: EmployerId,
    pub employer_name: String,
    pub state: StateId,
    pub claimed_total: Option<i64>,
    pub updated_at: Millis,
    pub state_since: Millis,
    /// Who holds it at the district centre.
    pub assigned_to: Option<Assignee>,
}

/// A saved draft: the form, and the engine's total for it when it is valid.
#[derive(Debug, Clone, PartialEq)]
pub struct Draft {
    pub fields: Fields,
    pub claimed_total: Option<i64>,
}

/// A move of an application from one state to another, made on a known version.
#[derive(Debug, Clone, PartialEq)]
pub struct Transition {
    pub action: String,
    /// Who moved it; `None` for the system's own moves (a lapsed deadline).
    pub actor_id: Option<UserId>,
    pub from_state: StateId,
    pub to_state: StateId,
    /// Whether the application is still in progress after the move.
    pub open: bool,
    pub expected_version: i64,
    pub comment: String,
    /// Replaces the frozen claim when set (on submission).
    pub claim: Option<serde_json::Value>,
    /// Replaces the claimed total when set.
    pub claimed_total: Option<i64>,
    /// The per-field comments that stand after the move (empty clears them).
    pub review: BTreeMap<String, String>,
    pub details: serde_json::Value,
    /// The points notice the move issues (a grant); it supersedes the holder's current one.
    pub notice: Option<NewPointsNotice>,
}

/// A points notice to issue with the move that grants an application.
#[derive(Debug, Clone, PartialEq)]
pub struct NewPointsNotice {
    pub serial: String,
    pub check_code: String,
    pub holder_id: UserId,
    pub employer_id: EmployerId,
    pub district: District,
    pub total: i64,
    /// The last day it is valid (`YYYY-MM-DD`).
    pub valid_until: String,
    /// What it shows besides: the holder's name, ID and permit numbers, the employer's
    /// name, the co-residents.
    pub details: serde_json::Value,
    /// The verified facts as the engine reads them (a profile document), for rescoring.
    pub profile: Option<String>,
}

/// A points notice (积分通知书) as issued.
#[derive(Debug, Clone, PartialEq)]
pub struct PointsNotice {
    pub id: NoticeId,
    pub serial: String,
    pub check_code: String,
    pub application_id: ApplicationId,
    pub holder_id: UserId,
    pub employer_id: EmployerId,
    pub district: District,
    pub total: i64,
    pub valid_until: String,
    pub issued_at: Millis,
    /// When a later notice of the same holder replaced it.
    pub superseded_at: Option<Millis>,
    pub details: serde_json::Value,
}

/// Something done to an application that does not move it (see
/// `ApplicationStore::note_application`).
#[derive(Debug, Clone, PartialEq)]
pub struct ApplicationNote {
    pub action: String,
    pub actor_id: UserId,
    pub comment: String,
    pub details: serde_json::Value,
}

/// What happened to an application, in order.
#[derive(Debug, Clone, PartialEq)]
pub struct ApplicationEvent {
    pub id: i64,
    pub application_id: ApplicationId,
    pub at: Millis,
    pub actor_id: Option<UserId>,
    pub actor_name: Option<String>,
    pub action: String,
    pub from_state: Option<StateId>,
    pub to_state: StateId,
    pub comment: String,
    pub details: serde_json::Value,
}

/// A file for one material of an application; its content is checked before it gets here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUpload {
    pub application_id: ApplicationId,
    pub material: String,
    pub filename: String,
    pub content_type: String,
    /// SHA-256 of the bytes, hex.
    pub sha256: String,
    pub bytes: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upload {
    pub id: UploadId,
    pub application_id: ApplicationId,
    pub material: String,
    pub filename: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub uploaded_by: UserId,
    pub uploaded_at: Millis,
    pub superseded: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportStatus {
    Running,
    Done,
    Failed,
}

impl ImportStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Running => "running",
            Self::Done => "done",
            Self::Failed => "failed",
        }
    }

    pub fn parse(word: &str) -> Option<Self> {
        [Self::Running, Self::Done, Self::Failed].into_iter().find(|status| status.as_str() == word)
    }
}

/// A CSV import of applicants, run in the background with its progress.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportJob {
    pub id: ImportJobId,
    pub employer_id: EmployerId,
    pub created_by: UserId,
    pub status: ImportStatus,
    pub total: i64,
    pub processed: i64,
    /// What became of each row (written by the service; the store keeps it as it is).
    pub report: serde_json::Value,
    pub created_at: Millis,
    pub updated_at: Millis,
}

/// The outbox at a glance, for `/healthz` and `/metrics`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OutboxHealth {
    /// Not sent yet and not given up.
    pub waiting: i64,
    /// Waiting after failing several times: the sender keeps failing.
    pub failing: i64,
    /// Given up after the last retry.
    pub dead: i64,
}
