//! Importing household rosters (台账) as clerks keep them — `.xlsx`, `.xls`, `.ods` or `.csv`,
//! with titles, merged cells, totals and footers — guessing which column is which from the
//! headers by meaning (the vocabulary file, overridable), checking every member with the same
//! rules as the registration form, finding duplicates in the file and in the store, and
//! importing only when confirmed: what is imported in one transaction, through the store's
//! register path (with outbox rows).
//!
//! The preview runs small steps in order, each in its own file and testable on its own:
//! [`read`] the file, find the sheet and its [`header`] row, map the [`columns`], tell the
//! people from the other [`rows`], gather them into [`households`], [`check`] them (each
//! [`member`], with [`duplicates`]), build the [`preview`]. Only the duplicate lookups reach
//! the store. [`api`] holds the `Api` methods that run them.

mod api;
mod check;
mod columns;
mod duplicates;
mod fields;
mod header;
mod households;
mod issues;
mod member;
mod preview;
mod read;
mod rows;
mod values;
mod views;
mod vocabulary;

pub use fields::Field;
pub use views::{
    ColumnView, HouseholdPreview, ImportOutcome, ImportPreview, ImportProgress, ImportRequest,
    ImportStage, IssueScope, PersonPreview, RowIssue, Severity, SkippedRow,
};
pub use vocabulary::guess_field;
