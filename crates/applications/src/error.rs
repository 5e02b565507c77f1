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
    Refused { code: &'static str, zh: String, en: String },
    /// Someone changed the record since it was read: reload and try again.
    #[error("the application changed meanwhile")]
    Changed,
    #[error("store: {0}")]
    Store(#[from] StoreError),
    #[error("internal: {0}")]
    Internal(String),
}

impl ServiceError {
    pub(crate) fn refused(code: &'static str, zh: impl Into<String>, en: impl Into<String>) -> Self {
        Self::Refused { code, zh: zh.into(), en: en.into() }
    }

    /// A stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotFound => "not_found",
            Self::Forbidden => "forbidden",
            Self::Invalid(_) => "invalid_form",
            Self::Refused { code, .. } => code,
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

/// A store conflict on a versioned change means someone else changed the record first.
pub(crate) fn changed_meanwhile(error: StoreError) -> ServiceError {
    match error {
        StoreError::Conflict(_) => ServiceError::Changed,
        other => ServiceError::Store(other),
    }
}
