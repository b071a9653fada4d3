//! The time limits of the server's connections (used by the plain and the TLS listener alike;
//! see `web::connection` and `tls::TlsListener`).

use std::time::Duration;

/// How long a connection may keep the server waiting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// From accepting a connection to its first byte (the request, or the TLS hello).
    pub first_byte: Duration,
    /// From a request's first byte to the end of its headers.
    pub header_read: Duration,
    /// Silence on an open connection (between requests, or a request or answer stalled).
    pub idle: Duration,
    /// TLS handshakes under way from one address at once; more connections from it are closed.
    pub handshakes_per_address: usize,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            first_byte: Duration::from_secs(5),
            header_read: Duration::from_secs(10),
            idle: Duration::from_secs(60),
            handshakes_per_address: 8,
        }
    }
}
