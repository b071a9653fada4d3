//! The store on real SQLite files, in one test binary.

mod field_history;
mod record_numbers;
mod referrals;
mod replication;
mod store;
mod year;
