//! Importing household rosters (台账) from Excel: guess which column is which from the
//! Chinese headers (overridable), check every row with the same rules as the registration
//! form, find duplicates in the file and in the store, and import only when confirmed — all
//! households in one transaction, through the store's register path (with outbox rows).
//!
//! The preview runs small steps in order, each in its own file and testable on its own:
//! [`read`] the sheet, find the [`header`] row, map the [`columns`], gather rows into
//! [`households`], [`check`] them (with [`duplicates`]), build the [`preview`]. Only the
//! duplicate lookup reaches the store. [`api`] holds the `Api` methods that run them.

mod api;
mod check;
mod columns;
mod duplicates;
mod fields;
mod header;
mod households;
mod issues;
mod preview;
mod read;
mod values;
mod views;

pub use fields::{Field, guess_field};
pub use views::{
    ColumnView, HouseholdPreview, ImportOutcome, ImportPreview, ImportProgress, ImportRequest,
    ImportStage, RowIssue, Severity,
};
