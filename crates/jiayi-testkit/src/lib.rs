//! What the workspace's tests share, written once:
//!
//! - [`township`]: a real `jiayi-server` on 127.0.0.1 (port chosen by the system) on SQLite or
//!   PostgreSQL, enrolled devices with in-memory replicas, faulty transports and proxies;
//! - [`pg`]: a private PostgreSQL cluster in a temp folder; missing PostgreSQL fails the test
//!   when `CI` is set and skips it loudly otherwise;
//! - [`fixtures`]: households, residents, registering and signing through the API, the
//!   signature image;
//! - [`fuzz`]: structural mutation of JSON documents for property tests;
//! - [`cups`]: a private CUPS scheduler whose printers write each job to a folder; missing CUPS
//!   fails the test when `CI` is set and skips it loudly otherwise.

#[cfg(any(feature = "township", feature = "cups"))]
mod ci;
#[cfg(feature = "cups")]
pub mod cups;
pub mod fixtures;
pub mod fuzz;
#[cfg(feature = "township")]
pub mod pg;
#[cfg(feature = "township")]
pub mod township;
#[cfg(feature = "township")]
pub mod updates;

pub use fixtures::*;
