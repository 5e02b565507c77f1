//! # jifen-store — storage
//!
//! One [`Repository`] trait; [`SqliteStore`] (the embedded default: WAL, write transactions
//! started `IMMEDIATE`, a busy timeout) and [`PgStore`] implement it with the same SQL,
//! written once (see `repository.rs`), and one contract test suite runs on both. Every
//! state change writes its audit entry in the same transaction.

mod applications;
mod audit;
mod backup;
mod blacklist;
mod model;
mod outbox;
mod repository;
mod rule_data;
mod staff;
pub mod testing;

pub use applications::ApplicationStore;
pub use backup::{CheckedBackup, check_sqlite_backup};
pub use model::*;
pub use outbox::{Attempt, OutboxStore};

pub use audit::{AuditQuery, AuditRecord, AuditStore};
pub use blacklist::{
    BlacklistEntry, BlacklistEvent, BlacklistQuery, BlacklistStore, BlacklistSubject, NewBlacklistEntry,
};
pub use repository::{FAILING_AFTER_ATTEMPTS, FaultKind, PgStore, Repository, SqliteStore, Store, StoreError};
pub use rule_data::{
    Contacts, HolderToRescore, NewRulePublication, RescoringChange, RescoringRun, RescoringStep, RuleDataStore,
    RulePublication,
};
pub use staff::{StaffMember, StaffStore};
