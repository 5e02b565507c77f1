//! Record ids: which row of which table a number names.
//!
//! Each kind of record the store hands out has its own id type, so that an application's
//! number cannot be passed where a user's is asked for: the compiler refuses it. An id is the
//! row's integer key and nothing more. It is written (in a URL, JSON, an audit subject) as
//! that number, read back from one with [`FromStr`] or serde, and bound to and read from
//! either database as a `BIGINT`/`INTEGER` column (with the `sqlx` feature, which the store
//! turns on).
//!
//! Making an id from a bare number ([`ApplicationId::new`]) is for the edges that receive
//! one from outside (a URL, a form, a test); whether such a row exists, and whether the caller
//! may see it, is still the service's question.

use std::fmt;
use std::str::FromStr;

/// Declares one id type per record kind, with the same small surface each.
macro_rules! record_ids {
    ($($(#[$doc:meta])* $name:ident;)+) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[cfg_attr(feature = "sqlx", derive(sqlx::Type), sqlx(transparent))]
        #[serde(transparent)]
        pub struct $name(i64);

        impl $name {
            /// The id of the row whose key is `raw`.
            pub const fn new(raw: i64) -> Self {
                Self(raw)
            }

            /// The row's integer key.
            pub const fn get(self) -> i64 {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = std::num::ParseIntError;

            fn from_str(text: &str) -> Result<Self, Self::Err> {
                text.parse().map(Self)
            }
        }
    )+};
}

record_ids! {
    /// A user account (`users.id`): an applicant, an HR agent, a member of staff.
    UserId;
    /// A registered employer (`employers.id`).
    EmployerId;
    /// An application for points (`applications.id`), of any kind.
    ApplicationId;
    /// One uploaded file for a material of an application (`uploads.id`).
    UploadId;
    /// A points notice as issued (`points_notices.id`).
    NoticeId;
    /// A CSV roster import (`import_jobs.id`).
    ImportJobId;
    /// An entry of the blacklist (`blacklist_entries.id`).
    BlacklistEntryId;
    /// A publication of rule data (`rule_publications.id`).
    PublicationId;
    /// A rescoring of the notices in force after a publication (`rescoring_runs.id`).
    RescoringRunId;
    /// A message waiting in, or sent from, the outbox (`outbox.id`).
    MessageId;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_is_written_and_read_as_its_number() {
        let id = ApplicationId::new(42);
        assert_eq!(id.to_string(), "42");
        assert_eq!("42".parse::<ApplicationId>(), Ok(id));
        assert!("4x".parse::<ApplicationId>().is_err());
        assert_eq!(serde_json::to_string(&id).unwrap(), "42");
        assert_eq!(serde_json::from_str::<ApplicationId>("42").unwrap(), id);
        assert!(serde_json::from_str::<ApplicationId>("\"42\"").is_err());
    }
}
