//! What the store keeps, as domain types.

use jifen_domain::{District, Role};
use jifen_ids::CreditCode;

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
    pub employer_id: Option<i64>,
    /// Set for accounts created with an initial password.
    pub must_change_password: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    pub role: Role,
    pub district: Option<District>,
    pub employer_id: Option<i64>,
    pub must_change_password: bool,
    pub disabled: bool,
    pub created_at: Millis,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// SHA-256 of the cookie's token: a stolen database does not yield live sessions.
    pub token_hash: String,
    pub user_id: i64,
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
    pub id: i64,
    pub name: String,
    pub credit_code: String,
    pub district: District,
    pub contact_name: String,
    pub contact_phone: String,
    pub status: EmployerStatus,
    pub verified_by: Option<i64>,
    pub verified_at: Option<Millis>,
    pub created_at: Millis,
}

/// One line of the audit log: who did what to what, when, and the details.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEntry {
    pub at: Millis,
    pub actor_id: Option<i64>,
    pub action: String,
    pub subject: String,
    pub details: serde_json::Value,
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
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxMessage {
    pub id: i64,
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
