//! The township server's tests, one binary: its command line, the push path under fuzzing, the
//! indicators against a device's, security, and sync end to end, on SQLite and PostgreSQL.

mod audit_anchor;
mod bundles;
mod cli;
mod dashboard;
mod demo_apart;
mod fuzz_push;
mod group_commit;
mod grouped_batches;
mod indicators;
mod login_and_connections;
mod recovery;
mod restore;
mod scope_and_clocks;
mod security;
mod served;
mod sync;
mod updates;
