//! A district clerk's decision on an employer's sign-up: verified, or rejected with a
//! reason. The employer's contact is told by SMS either way (the reason included), in the
//! decision's own transaction, and the decision is audited with its reason.

use crate::Reason;
use crate::error::ServiceError;
use crate::{Actor, Service, audit, sms};
use jifen_domain::Role;
use jifen_domain::audit::{Audit, AuditEvent};
use jifen_store::prelude::*;
use jifen_store::{EmployerStatus, StoreError, now_millis};

/// The longest reason for a rejection (the SMS quotes its start).
pub const MAX_REASON_CHARS: usize = 200;

/// What a clerk decides about an employer's sign-up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmployerDecision {
    Verify,
    Reject,
}

impl EmployerDecision {
    pub fn parse(word: &str) -> Option<Self> {
        match word {
            "verify" => Some(Self::Verify),
            "reject" => Some(Self::Reject),
            _ => None,
        }
    }
}

impl Service {
    /// The employer sign-ups waiting for the staff member's district centre.
    pub async fn employers_to_verify(&self, actor: &Actor) -> Result<Vec<jifen_store::Employer>, ServiceError> {
        let district = actor.district.filter(|_| actor.role.is_district_staff()).ok_or(ServiceError::Forbidden)?;
        Ok(self.store.employers_in_district(district, EmployerStatus::Pending).await?)
    }

    /// An employer of the staff member's own district; any other does not exist for them.
    pub async fn employer_of_my_district(
        &self,
        actor: &Actor,
        employer_id: EmployerId,
    ) -> Result<jifen_store::Employer, ServiceError> {
        let district = actor.district.filter(|_| actor.role.is_district_staff()).ok_or(ServiceError::Forbidden)?;
        self.store.employer(employer_id).await?.filter(|e| e.district == district).ok_or(ServiceError::NotFound)
    }

    /// The HR agent's own employer.
    pub async fn my_employer(&self, actor: &Actor) -> Result<jifen_store::Employer, ServiceError> {
        self.agents_employer(actor).await
    }

    /// A clerk of the employer's own district decides its pending sign-up. A rejection needs
    /// a reason; the contact is told by SMS either way.
    pub async fn decide_employer(
        &self,
        actor: &Actor,
        employer_id: EmployerId,
        decision: EmployerDecision,
        reason: &str,
    ) -> Result<(), ServiceError> {
        if actor.role != Role::Clerk {
            return Err(ServiceError::Forbidden);
        }
        let employer = self.store.employer(employer_id).await?.ok_or(ServiceError::NotFound)?;
        if Some(employer.district) != actor.district {
            return Err(ServiceError::Forbidden);
        }
        let reason = reason.trim();
        if reason.chars().count() > MAX_REASON_CHARS {
            return Err(ServiceError::refused(
                Reason::ReasonTooLong,
                format!("理由最多 {MAX_REASON_CHARS} 个字"),
                format!("The reason is longer than {MAX_REASON_CHARS} characters"),
            ));
        }
        let (status, action, template) = match decision {
            EmployerDecision::Verify => (EmployerStatus::Verified, AuditEvent::EmployerVerify, "employer_verified"),
            EmployerDecision::Reject if reason.is_empty() => {
                return Err(ServiceError::refused(
                    Reason::ReasonRequired,
                    "不予通过须填写理由，理由会通过短信告知单位联系人",
                    "A rejection needs a reason; the employer's contact is told it by SMS",
                ));
            }
            EmployerDecision::Reject => (EmployerStatus::Rejected, AuditEvent::EmployerReject, "employer_rejected"),
        };
        let values =
            [("employer", employer.name.as_str()), ("name", employer.contact_name.as_str()), ("reason", reason)];
        let body = self
            .workflow
            .render(template, &values)
            .ok_or_else(|| ServiceError::Internal(format!("template {template}")))?;
        let message = sms(format!("employer-{employer_id}-{}", action.as_str()), &employer.contact_phone, body, None);
        let (district, reason) = (employer.district, reason.to_string());
        let decided = match decision {
            EmployerDecision::Verify => Audit::EmployerVerify { district, reason },
            EmployerDecision::Reject => Audit::EmployerReject { district, reason },
        };
        let entry = audit(actor, decided, format!("employer:{employer_id}"));
        self.store
            .decide_employer_telling(employer_id, status, actor.id, now_millis(), &entry, &[message])
            .await
            .map_err(|e| match e {
                StoreError::Conflict(_) => {
                    ServiceError::refused(Reason::AlreadyDecided, "该注册已处理过", "This sign-up was already decided")
                }
                other => ServiceError::Store(other),
            })
    }
}
