//! The device's local store: one SQLite file, migrated by refinery at open, written in
//! transactions that also append to the outbox that sync pushes.
//!
//! Invariants:
//! - every domain write is one transaction, and that transaction appends one outbox row per
//!   record it touched (so a write that is committed is a write that will be synced);
//! - signed contracts, contract events and visits are inserted, never updated;
//! - deletions are tombstones (`deleted_at`), never `DELETE`.

mod audit;
pub mod backup;
mod contents;
mod contracts;
pub mod crypt;
mod data_kind;
mod db;
mod device_role;
mod envelope;
mod error;
mod field_history;
mod household_lines;
mod households;
mod indicators;
pub mod key_file;
mod outbox;
pub mod platform;
mod prints;
mod record_numbers;
pub mod recovery;
mod reference;
mod referrals;
pub mod rekey;
mod schedule;
mod scope;
mod search;
mod surveys;
mod sync_device;
mod visits;
mod writer;
mod year;

pub use audit::{AuditCheck, AuditRecord};
pub use backup::{BackupHeader, VerifiedBackup, peek_header, write_backup};
pub use contents::TableDigest;
pub use contracts::{ContractRecord, NewContract, NewContractEvent, SignaturePair};
pub use crypt::{DatabaseFile, DbKey, KdfParams};
pub use db::{CACHE_KIB, DbFile, Store, WriteMark, latest_schema_version, migrate_to_version};
pub use envelope::{RecoveryPublicKey, RecoverySecretKey};
pub use error::{Result, StoreError};
pub use field_history::{ChangeOrigin, FieldChange};
pub use household_lines::{HouseholdLine, HouseholdNaming};
pub use households::{
    DuplicateMatch, DuplicateReason, HouseholdRecord, NewHousehold, ResidentBrief,
};
pub use key_file::{DataKeys, Holder, KeyFile, KeyFileLock};
pub use outbox::{ApplyReport, ConflictRecord};
pub use prints::{PrintRecord, QueuedPrint};
pub use reference::TownshipSettings;
pub use schedule::{DueEntry, YearCoverage};
pub use search::{COUNT_CAP, ResidentHit, SearchPage};
pub use sync_device::{EnrollmentRecord, NewRefusal, ReferenceVersion, RefusalRecord};
pub use year::{AmendmentRecord, NewAmendment, YearWrite};
