//! # jifen-applications — the application process
//!
//! Who may do what to an applicant account or an application, and each change carried out
//! with its audit entry and its messages in the change's own transaction. Web handlers
//! call this crate and only render what it returns; they never change the store directly.
//!
//! - [`Service::register_applicant`] and [`Service::import_roster`]: an employer's HR agent
//!   opens applicant accounts (the initial password goes by SMS and is not kept).
//! - [`Service::start_application`], [`Service::save_draft`], [`Service::act`]: the form
//!   and its moves through the workflow configuration.
//! - [`Service::upload_material`], [`Service::download_material`]: the materials checklist.
//! - [`Service::application_pdf`]: the printable form.
//!
//! Privacy is decided in one place, [`Service::view`]: an applicant sees only their own
//! application, an HR agent only their employer's, district staff only their district's
//! filed ones; everyone else is told the application does not exist.

mod accounts;
mod audit_log;
mod blacklist;
mod centre;
mod centre_clock;
mod dashboard;
mod documents;
mod employers;
mod error;
mod follow_ups;
mod materials;
mod notices;
mod password_work;
mod printing;
mod process;
mod rescoring;
mod rule_data;
mod sign_in;
mod staff;

pub use accounts::{EmployerApplicant, ImportProgress, LinkDecision, RegisterOutcome, STALE_IMPORT_MILLIS};
pub use audit_log::{AuditFilter, MAX_AUDIT_ROWS, audit_csv};
pub use blacklist::{EntryStanding, FindingInput, standing as entry_standing};
pub use centre::{
    CLOSED_SHOWN, CheckRecord, CounterLine, CounterMark, Due, ItemVerdict, KeptOriginal, MoveInput, QueueFilter,
    QueueRow, Verification, VerificationInput,
};
pub use dashboard::{
    DASHBOARD_PERIODS, DEFAULT_DASHBOARD_PERIOD, Dashboard, RENEWALS_DUE_DAYS, Rate, RenewalDue, SCORE_BAND, Scope,
    Waiting, dashboard_csv, median, percentile,
};
pub use employers::{EmployerDecision, MAX_REASON_CHARS};
pub use error::{Reason, RefusalKind, ServiceError};
pub use follow_ups::{RENEWAL_GRACE_DAYS, RenewalWindow};
pub use materials::{ChosenFile, MAX_UPLOAD_BYTES, clean_filename, detect_content_type};
pub use notices::{NoticeStanding, PublicNotice};
pub use process::{ApplicationView, ChangesSinceReturn, FieldComments};
pub use rescoring::{RESCORING_BATCH, RESCORING_LEASE, RescoringReport, ScoreShift, Shifts};
pub use rule_data::{CALENDAR_FILE, DataFiles, PREVIEW_ROWS, PublicationInput, RULES_REFRESH, RulePreview, files_at};
pub use sign_in::{
    Credentials, DEVICE_MILLIS, EmployerSignUp, MachineSession, NewSession, SESSION_MILLIS, SIGN_IN_WINDOW_MILLIS,
};
pub use staff::{NewStaff, StaffChange};

use jifen_domain::audit::AuditPayload;
use jifen_domain::materials::Catalogue;
use jifen_domain::verification::VerificationCatalogue;
use jifen_domain::workflow::Workflow;
use jifen_domain::working_days::WorkingCalendar;
use jifen_domain::{District, Role};
use jifen_rules::RuleBook;
use jifen_store::prelude::*;
use jifen_store::{Store, User};

/// Who is acting: the signed-in user, as the process sees them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub id: UserId,
    pub role: Role,
    pub name: String,
    pub district: Option<District>,
    pub employer_id: Option<EmployerId>,
}

impl From<&User> for Actor {
    fn from(user: &User) -> Self {
        Self {
            id: user.id,
            role: user.role,
            name: user.display_name.clone(),
            district: user.district,
            employer_id: user.employer_id,
        }
    }
}

/// The application process over one store, with the rule data, workflow and materials
/// catalogue checked at start-up.
#[derive(Clone)]
pub struct Service {
    pub store: Store,
    /// The rule data this server scores with: see [`Service::book`].
    rules: std::sync::Arc<rule_data::LoadedRules>,
    pub workflow: &'static Workflow,
    pub materials: &'static Catalogue,
    /// What the district centre verifies, and the reasons for correcting a claimed fact.
    pub verification: &'static VerificationCatalogue,
    /// Today, for every date the process decides on (deadlines, validity, renewal).
    pub clock: jifen_domain::clock::Clock,
    /// How long a server holds a rescoring run before another may carry it on.
    pub rescoring_lease: jifen_store::Millis,
}

impl Service {
    /// Whether the database takes a committed write now (the health check's question).
    pub async fn probe_write(&self) -> Result<(), jifen_store::StoreError> {
        self.store.probe_write(jifen_store::now_millis()).await
    }

    /// How the SMS outbox is keeping up.
    pub async fn outbox_health(&self) -> Result<jifen_store::OutboxHealth, jifen_store::StoreError> {
        self.store.outbox_health().await
    }
}

/// Fewer days than this left in the working-day calendar, and start-up warns (the next
/// year's holiday arrangement is published in November).
pub const CALENDAR_WARNING_DAYS: i64 = 60;

/// The message templates the process sends besides the workflow's own.
const ACCOUNT_TEMPLATES: [&str; 18] = [
    "rescored_reached",
    "rescored_below",
    "account_created",
    "account_created_kept",
    "account_linked",
    "sign_in_alert",
    "employer_verified",
    "employer_rejected",
    "staff_created",
    "staff_password_reset",
    "blacklist_notified",
    "blacklist_confirmed",
    "blacklist_dismissed",
    "blacklist_lifted",
    "blacklist_upheld",
    "overdue",
    "renewal_soon",
    "renewal_due",
];

impl Service {
    /// The embedded rule data, workflow and materials catalogue over `store`; fails when any
    /// of them is inconsistent, so a broken configuration stops the server at start-up.
    pub fn new(store: Store) -> Result<Self, String> {
        let workflow = Workflow::embedded().map_err(|e| e.to_string())?;
        if let Some(missing) = ACCOUNT_TEMPLATES.iter().find(|name| !workflow.templates.contains_key(**name)) {
            return Err(format!("workflow configuration: template {missing} is not defined"));
        }
        Ok(Self {
            store,
            rules: std::sync::Arc::new(rule_data::LoadedRules::embedded(
                rule_data::DataVersion {
                    book: RuleBook::embedded().map_err(|e| e.to_string())?,
                    calendar: checked_calendar()?,
                },
                RULES_REFRESH,
            )),
            workflow,
            materials: checked_materials(workflow)?,
            verification: VerificationCatalogue::embedded().map_err(|e| e.to_string())?,
            clock: jifen_domain::clock::Clock::default(),
            rescoring_lease: RESCORING_LEASE,
        })
    }

    /// The same service asking the database for newly published rule data every `every`
    /// (tests use zero: every request asks).
    pub fn with_rules_refresh(mut self, every: std::time::Duration) -> Self {
        self.rules = std::sync::Arc::new(rule_data::LoadedRules::embedded(self.rules.current(), every));
        self
    }
}

/// The embedded working-day calendar; a broken file stops start-up, and one about to run
/// out is reported, so that the next year's holidays are added before a clock needs them.
fn checked_calendar() -> Result<&'static WorkingCalendar, String> {
    let calendar = WorkingCalendar::embedded().map_err(|e| e.to_string())?;
    let days_left = calendar.days_left(jifen_domain::clock::today_in_shanghai());
    if days_left < CALENDAR_WARNING_DAYS {
        tracing::warn!(
            covered_until = %calendar.covered_until(),
            days_left,
            "the working-day calendar (crates/domain/data/calendar.toml) runs out soon: add next year's holidays"
        );
    }
    Ok(calendar)
}

/// The materials catalogue, checked against the workflow it names actions of.
fn checked_materials(workflow: &Workflow) -> Result<&'static Catalogue, String> {
    let materials = Catalogue::embedded().map_err(|e| e.to_string())?;
    materials.check_against(workflow).map_err(|e| e.to_string())?;
    Ok(materials)
}

/// An ID number as lists and logs show it (`310***********0016`).
pub fn mask_id_number(text: &str) -> String {
    jifen_ids::ResidentIdNumber::parse(text).map_or_else(|_| "*".repeat(text.chars().count()), |id| id.masked())
}

/// An audit entry by `actor`, now, about `subject`: one of the events of
/// `jifen_domain::audit` with its data, or a move of the workflow.
fn audit(actor: &Actor, what: impl AuditPayload, subject: String) -> jifen_store::AuditEntry {
    jifen_store::AuditEntry::new(jifen_store::now_millis(), Some(actor.id), subject, &what)
}

/// An SMS to `recipient`; the key makes a repeated enqueue (or send) of it harmless.
fn sms(key: String, recipient: &str, body: String, body_after_send: Option<String>) -> jifen_store::NewMessage {
    jifen_store::NewMessage {
        idempotency_key: key,
        channel: "sms".into(),
        recipient: recipient.into(),
        body,
        body_after_send,
    }
}
