//! Why the process refuses something: a stable machine code, and a message in the reader's
//! language. A refusal changes nothing.

use jifen_domain::application::Problem;
use jifen_rules::Lang;
use jifen_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// No such thing, or none the actor may see (the two are not told apart).
    #[error("not found")]
    NotFound,
    /// The actor's role may not do this at all.
    #[error("forbidden")]
    Forbidden,
    /// The form has problems, each naming its field.
    #[error("the form has {} problem(s)", .0.len())]
    Invalid(Vec<Problem>),
    /// Not possible now, and why.
    #[error("{en}")]
    Refused { reason: Reason, zh: String, en: String },
    /// Someone changed the record since it was read: reload and try again.
    #[error("the application changed meanwhile")]
    Changed,
    #[error("store: {0}")]
    Store(StoreError),
    #[error("internal: {0}")]
    Internal(String),
}

impl ServiceError {
    pub(crate) fn refused(reason: Reason, zh: impl Into<String>, en: impl Into<String>) -> Self {
        Self::Refused { reason, zh: zh.into(), en: en.into() }
    }

    /// A stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotFound => "not_found",
            Self::Forbidden => "forbidden",
            Self::Invalid(_) => "invalid_form",
            Self::Refused { reason, .. } => reason.code(),
            Self::Changed => "changed_meanwhile",
            Self::Store(_) | Self::Internal(_) => "internal",
        }
    }

    /// The message for people; internal errors say only that they were logged.
    pub fn message(&self, lang: Lang) -> String {
        let pick = |zh: &str, en: &str| if lang == Lang::Zh { zh.to_string() } else { en.to_string() };
        match self {
            Self::NotFound => pick("没有这份申请，或您无权查看", "No such record, or not one you may see"),
            Self::Forbidden => pick("无权进行此操作", "You may not do this"),
            Self::Invalid(problems) => match lang {
                Lang::Zh => format!("表单有 {} 处需要修改", problems.len()),
                Lang::En => format!("The form has {} problem(s) to fix", problems.len()),
            },
            Self::Refused { zh, en, .. } => pick(zh, en),
            Self::Changed => {
                pick("申请已被他人更新，请刷新页面后重试", "The application changed meanwhile; reload and try again")
            }
            Self::Store(_) | Self::Internal(_) => pick("服务器内部错误，已记录", "Internal error; it has been logged"),
        }
    }

    /// Whether this is a bug or an outage rather than a refusal.
    pub fn is_internal(&self) -> bool {
        matches!(self, Self::Store(_) | Self::Internal(_))
    }
}

/// A store error is a fault to log, except text the database cannot hold: a refusal of what
/// was typed, which names the fix.
impl From<StoreError> for ServiceError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Unstorable => Self::refused(
                Reason::UnstorableText,
                "填写的内容含有无法保存的字符（例如空字符），请删除后重试",
                "What was typed holds a character that cannot be stored (such as a NUL); remove it and try again",
            ),
            other => Self::Store(other),
        }
    }
}

/// Declares [`Reason`] from one list of refusals grouped by their kind.
macro_rules! reasons {
    ($($kind:ident: $($variant:ident = $code:literal),+;)+) => {
        /// Why the process refuses something: every refusal there is, once, with its stable
        /// code for machines. The message for people is written where the refusal is made
        /// (it often names a value); the kind decides how a page or the API answers.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Reason {
            $($($variant),+),+
        }

        impl Reason {
            /// Every refusal, for tests and documentation.
            pub const ALL: &'static [Reason] = &[$($(Reason::$variant),+),+];

            /// The stable machine code (`error.code` in the API).
            pub fn code(self) -> &'static str {
                match self {
                    $($(Self::$variant => $code),+),+
                }
            }

            pub fn kind(self) -> RefusalKind {
                match self {
                    $($(Self::$variant => RefusalKind::$kind),+),+
                }
            }
        }
    };
}

/// What kind of refusal a [`Reason`] is: how it is answered (the web maps each to one HTTP
/// status).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefusalKind {
    /// Not possible now: the record is not in a state, or lacks something, that the move needs (409).
    NotNow,
    /// What was sent cannot be used as it is: a file, a roster, a password (422).
    Unusable,
    /// The credentials do not sign in (401).
    SignIn,
    /// Too many attempts from here; wait (429).
    TooMany,
    /// This account may not do it yet (403).
    NotAllowed,
}

reasons! {
    NotNow:
        AlreadyDecided = "already_decided",
        AppealEmpty = "appeal_empty",
        ApplicantRegisteredMeanwhile = "applicant_registered_meanwhile",
        ApplicationInProgress = "application_in_progress",
        AtCounter = "at_counter",
        Barred = "barred",
        BelowStandard = "below_standard",
        CalendarExhausted = "calendar_exhausted",
        CheckMissing = "check_missing",
        CommentRequired = "comment_required",
        CorrectionEmpty = "correction_empty",
        CorrectionUnexplained = "correction_unexplained",
        CounterIncomplete = "counter_incomplete",
        DeadlineNotPassed = "deadline_not_passed",
        EmployerBarred = "employer_barred",
        FindingIncomplete = "finding_incomplete",
        FourEyes = "four_eyes",
        LastAdministrator = "last_administrator",
        LinkDecided = "link_decided",
        MaterialUnknown = "material_unknown",
        MaterialsComplete = "materials_complete",
        MaterialsIncomplete = "materials_incomplete",
        MaterialsMissing = "materials_missing",
        NoAppeal = "no_appeal",
        NoCurrentNotice = "no_current_notice",
        NoEmployer = "no_employer",
        NoMobile = "no_mobile",
        NoNotice = "no_notice",
        NoSubject = "no_subject",
        NotAppealable = "not_appealable",
        NotAssignable = "not_assignable",
        NotEditable = "not_editable",
        NotPrintable = "not_printable",
        NotUploadable = "not_uploadable",
        NoteRequired = "note_required",
        NothingToReturn = "nothing_to_return",
        PointsLapsed = "points_lapsed",
        ReasonRequired = "reason_required",
        ReasonTooLong = "reason_too_long",
        RenewalNotOpen = "renewal_not_open",
        ResponseClosed = "response_closed",
        ResponseEmpty = "response_empty",
        ResponsePending = "response_pending",
        RulesPublishedMeanwhile = "rules_published_meanwhile",
        SignatureRequired = "signature_required",
        TooLate = "too_late",
        TookPart = "took_part",
        VerdictMissing = "verdict_missing",
        VerificationMissing = "verification_missing",
        WrongAssignee = "wrong_assignee",
        WrongState = "wrong_state";
    Unusable:
        EmptyFile = "empty_file",
        FileTooLarge = "file_too_large",
        FileType = "file_type",
        TooManyFiles = "too_many_files",
        RosterUnreadable = "roster_unreadable",
        UnstorableText = "unstorable_text",
        PasswordMismatch = "password_mismatch",
        PasswordTooShort = "password_too_short",
        PasswordTooSimple = "password_too_simple",
        PasswordUnusable = "password_unusable",
        PasswordUnchanged = "password_unchanged",
        PasswordWrong = "password_wrong";
    SignIn:
        SignInFailed = "sign_in_failed";
    TooMany:
        TooManyAttempts = "too_many_attempts",
        TooManySignups = "too_many_signups";
    NotAllowed:
        EmployerNotVerified = "employer_not_verified",
        PasswordChangeRequired = "password_change_required";
}

/// A store conflict on a versioned change means someone else changed the record first.
pub(crate) fn changed_meanwhile(error: StoreError) -> ServiceError {
    match error {
        StoreError::Conflict(_) => ServiceError::Changed,
        other => ServiceError::Store(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_refusal_has_its_own_code() {
        let mut codes: Vec<&str> = Reason::ALL.iter().map(|reason| reason.code()).collect();
        assert!(codes.len() >= 60, "every refusal is listed");
        assert!(codes.iter().all(|code| code.chars().all(|c| c.is_ascii_lowercase() || c == '_')), "{codes:?}");
        codes.sort_unstable();
        let before = codes.len();
        codes.dedup();
        assert_eq!(codes.len(), before, "no two refusals share a code");
        // What was sent and what may be tried again are told apart.
        assert_eq!(Reason::FileType.kind(), RefusalKind::Unusable);
        assert_eq!(Reason::TooManyAttempts.kind(), RefusalKind::TooMany);
        assert_eq!(Reason::MaterialsMissing.kind(), RefusalKind::NotNow);
        let refusal = ServiceError::refused(Reason::MaterialsMissing, "缺材料", "Materials are missing");
        assert_eq!(refusal.code(), "materials_missing");
        assert_eq!(refusal.message(Lang::Zh), "缺材料");
        // Text the database cannot hold is the sender's to mend, not a logged fault.
        let unstorable = ServiceError::from(StoreError::Unstorable);
        assert!(!unstorable.is_internal());
        assert_eq!(unstorable.code(), "unstorable_text");
        assert_eq!(Reason::UnstorableText.kind(), RefusalKind::Unusable);
        assert!(ServiceError::from(StoreError::Corrupt("x".into())).is_internal());
    }
}
