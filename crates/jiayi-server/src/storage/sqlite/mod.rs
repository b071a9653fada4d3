//! The embedded backend: one SQLite file, zero set-up.
//!
//! One connection behind a mutex: SQLite takes one writer at a time anyway, and a push is a
//! single short transaction, so this is both simple and fast enough for a township.

mod audit_seals;
mod binding;
mod connection;
mod reads;
mod storage_impl;
mod sync;

pub use connection::SqliteStorage;

use crate::error::ServerError;

/// The driver's errors stop at the backend: the rest of the server sees a storage error.
impl From<rusqlite::Error> for ServerError {
    fn from(e: rusqlite::Error) -> ServerError {
        ServerError::storage("sqlite", e)
    }
}
