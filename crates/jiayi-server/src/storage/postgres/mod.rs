//! The PostgreSQL backend, for a county that outgrows one machine.
//!
//! Pushes are written by the change log's one writer, several devices' batches in one
//! transaction and a few statements (`group_commit`), and take turns on the change log's insert
//! (see `write_batches` in `push`), so cursors commit in the order they are handed out: a pull
//! never skips a change that commits after a higher cursor was already seen. Hot statements are
//! prepared once per pooled connection (`pool`) and written to read narrowly whatever plan the
//! connection keeps (see `write_batches` and `read_page` in `reads`). Requests queue their audit entries; `sealer` chains them.

mod audit_seals;
mod binding;
mod connection;
mod group_commit;
mod incarnation;
mod pool;
mod push;
mod reads;
mod rehome;
mod requests;
mod reviews;
mod sealer;
mod storage_impl;

pub use connection::PgStorage;

use crate::error::ServerError;

/// The driver's errors stop at the backend: the rest of the server sees a storage error.
impl From<postgres::Error> for ServerError {
    fn from(e: postgres::Error) -> ServerError {
        ServerError::storage("postgres", e)
    }
}
