//! # jifen-store — storage
//!
//! One file per aggregate (accounts, sessions, employers, applicants, applications, notices,
//! materials, imports, outbox, audit, staff, blacklist, rule data), each one
//! [`store_queries!`](queries) block whose methods are written once and run on
//! [`SqliteStore`] (the embedded default: WAL, write transactions started `IMMEDIATE`, a
//! busy timeout) and [`PgStore`]; [`Store`] is whichever is open. [`Repository`] is all of
//! them together, and one contract test suite runs on both databases. Every state change
//! writes its audit entry in the same transaction.
//!
//! Callers bring the methods into scope with `use jifen_store::prelude::*`.

mod accounts;
mod applicants;
mod applications;
mod audit;
mod audit_queue;
mod backup;
mod blacklist;
mod database;
mod employers;
mod group_commit;
mod imports;
mod materials;
mod model;
mod notices;
mod outbox;
mod queries;
mod read_pool;
mod rule_data;
mod sessions;
mod staff;
pub mod testing;

pub use accounts::AccountStore;
pub use applicants::ApplicantStore;
pub use applications::ApplicationStore;
pub use audit::{AuditQuery, AuditRecord, AuditStore};
pub use backup::{CheckedBackup, check_sqlite_backup};
pub use blacklist::{
    BlacklistEntry, BlacklistEvent, BlacklistQuery, BlacklistStore, BlacklistSubject, NewBlacklistEntry,
};
pub use database::{FaultKind, HealthStore, PgStore, SqliteStore, Store, StoreError};
pub use employers::EmployerStore;
pub use imports::ImportStore;
pub use materials::MaterialStore;
pub use model::*;
pub use notices::NoticeStore;
pub use outbox::{Attempt, FAILING_AFTER_ATTEMPTS, OutboxStore};
pub use rule_data::{
    Contacts, HolderToRescore, NewRulePublication, RescoringChange, RescoringRun, RescoringStep, RuleDataStore,
    RulePublication,
};
pub use sessions::SessionStore;
pub use staff::{StaffMember, StaffStore};

/// Declares [`Repository`] as every store trait together, from one list.
macro_rules! every_store {
    ($($store:ident),+) => {
        /// Every store trait: what a generic caller (the contract tests, the outbox worker)
        /// asks for when it needs the whole store.
        pub trait Repository: $($store +)+ {}

        impl<T: $($store +)+> Repository for T {}
    };
}

every_store!(
    AccountStore,
    SessionStore,
    EmployerStore,
    ApplicantStore,
    ApplicationStore,
    NoticeStore,
    MaterialStore,
    ImportStore,
    OutboxStore,
    AuditStore,
    StaffStore,
    BlacklistStore,
    RuleDataStore,
    HealthStore
);

/// The store traits, so that their methods can be called on a [`Store`], and the record ids
/// that name what they read and write.
pub mod prelude {
    pub use crate::{
        AccountStore, ApplicantStore, ApplicationStore, AuditStore, BlacklistStore, EmployerStore, HealthStore,
        ImportStore, MaterialStore, NoticeStore, OutboxStore, Repository, RuleDataStore, SessionStore, StaffStore,
    };
    pub use jifen_domain::ids::*;
}
