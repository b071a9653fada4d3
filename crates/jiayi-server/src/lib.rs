//! The township server: device enrollment, sync (push and pull), reference data and the staff
//! dashboard, over SQLite or PostgreSQL.
#![forbid(unsafe_code)]

pub mod admission;
pub mod audit;
pub mod audit_command;
pub mod audit_seal;
pub mod bundle;
pub mod data_kind;
pub mod device_code;
pub mod device_reference;
pub mod enrollment;
pub mod error;
pub mod indicators;
pub mod merge;
pub mod private_file;
pub mod record_ranges;
pub mod recovery;
pub mod reference_scope;
pub mod rehome;
mod start;
pub mod storage;
pub mod suspicion;
pub mod timeouts;
pub mod tls;
pub mod township_key;
pub mod updates;
pub mod web;

pub use error::{Result, ServerError};
pub use start::{LISTEN_QUEUE, Running, bind, open_storage, serve, serve_tls, spawn, spawn_with};
pub use web::ServerState;
