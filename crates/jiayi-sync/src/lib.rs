//! Sync between a village doctor's device and the township server.
//!
//! - [`protocol`]: the wire types both sides share.
//! - [`plan`]: pure decisions of a round (recovery after a server restore, batch cutting).
//! - [`engine`]: the device's sync round, written against the [`engine::LocalReplica`] and
//!   [`engine::Transport`] traits.
//! - [`bundle`]: offline sync through an encrypted file ([`bundle_seal`]: its cryptography).
//! - [`enrollment`]: the file that binds a device to the township server.
//! - [`http`]: the real transport (feature `http`), HTTPS with the township CA pinned.
//! - [`store`]: the device store as a replica (feature `store`).
//! - `testing`: an in-memory replica for tests (feature `testing`, off in the product).
#![forbid(unsafe_code)]

pub mod bundle;
pub mod bundle_error;
pub mod bundle_seal;
pub mod engine;
pub mod enrollment;
pub mod error;
#[cfg(feature = "http")]
pub mod http;
pub mod plan;
pub mod protocol;
#[cfg(feature = "store")]
pub mod store;
#[cfg(any(test, feature = "testing"))]
pub mod testing;

pub use engine::{LocalReplica, Progress, SyncReport, Transport, sync};
pub use error::{Result, SyncError};
