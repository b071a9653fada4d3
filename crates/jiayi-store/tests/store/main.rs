//! The store on real SQLite files, in one test binary.

mod replication;
mod store;
mod year;
