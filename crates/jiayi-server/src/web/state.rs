//! What every request handler shares: the server's state, the peer a request came from, and
//! the blocking pool storage calls run on.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::extract::connect_info::ConnectInfo;
use axum::http::request::Parts;
use chrono::{DateTime, Duration, Utc};
use jiayi_sync::protocol::Limits;

use crate::storage::DynStorage;
use crate::web::api_error::ApiErr;
use crate::web::login_guard::{LoginGuard, LoginLimits};

/// The state every request sees.
#[derive(Clone)]
pub struct ServerState {
    pub storage: DynStorage,
    pub limits: Limits,
    /// Wrong-password lockout and session length for the dashboard's users.
    pub login: LoginPolicy,
    /// The time sessions and lockouts are judged by.
    pub clock: Clock,
    /// Session cookies carry `Secure` (the server speaks HTTPS).
    pub secure_cookies: bool,
    /// The indicator dataset the dashboard last read.
    pub datasets: Arc<crate::indicators::DatasetCache>,
    /// Bounds on concurrent password checks and on failed logins per address.
    pub login_guard: Arc<LoginGuard>,
    /// How long a connection may stay silent (see `crate::web::connection`).
    pub timeouts: crate::timeouts::Timeouts,
    /// The hosted app updates (none: nothing is offered).
    pub updates: Option<Arc<crate::updates::UpdateShelf>>,
    /// The township key file's keys: their public halves go to devices in `GET /v1/info`
    /// (none: devices learn none, and cannot write offline bundles until they do).
    pub township: Option<Arc<crate::township_key::TownshipKey>>,
}

impl ServerState {
    /// The default login policy and the system clock.
    pub fn new(storage: DynStorage, limits: Limits) -> ServerState {
        ServerState {
            storage,
            limits,
            login: LoginPolicy::default(),
            clock: system_clock(),
            secure_cookies: false,
            datasets: Arc::default(),
            login_guard: Arc::new(LoginGuard::new(LoginLimits::default())),
            timeouts: crate::timeouts::Timeouts::default(),
            updates: None,
            township: None,
        }
    }

    /// The same state naming the township's keys to devices.
    pub fn with_township_key(mut self, key: Arc<crate::township_key::TownshipKey>) -> ServerState {
        self.township = Some(key);
        self
    }

    /// The same state offering the updates on `shelf`.
    pub fn with_updates(mut self, shelf: Arc<crate::updates::UpdateShelf>) -> ServerState {
        self.updates = Some(shelf);
        self
    }

    /// The same state with other login bounds.
    pub fn with_login_limits(mut self, limits: LoginLimits) -> ServerState {
        self.login_guard = Arc::new(LoginGuard::new(limits));
        self
    }
}

/// A clock the server reads for session expiry and lockouts (tests move it forward).
pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

pub fn system_clock() -> Clock {
    Arc::new(Utc::now)
}

/// How logins are limited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginPolicy {
    /// Wrong passwords in a row that lock the user.
    pub max_failures: u32,
    /// How long a locked user stays locked (even the right password is refused meanwhile).
    pub lockout: Duration,
    /// How long a session lasts after login.
    pub session: Duration,
}

impl Default for LoginPolicy {
    fn default() -> Self {
        LoginPolicy {
            max_failures: 5,
            lockout: Duration::minutes(15),
            session: Duration::hours(8),
        }
    }
}

/// The address a connection came from, recorded in the audit log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeerAddr(pub SocketAddr);

/// The peer's address as text (`unknown` when the router runs without a listener, in tests).
pub struct Peer(pub String);

impl<S: Send + Sync> FromRequestParts<S> for Peer {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Infallible> {
        Ok(Peer(
            parts
                .extensions
                .get::<ConnectInfo<PeerAddr>>()
                .map(|ConnectInfo(PeerAddr(a))| a.to_string())
                .unwrap_or_else(|| "unknown".into()),
        ))
    }
}

/// Runs a storage call on the blocking pool.
pub(crate) async fn blocking<T, F>(f: F) -> Result<T, ApiErr>
where
    T: Send + 'static,
    F: FnOnce() -> crate::error::Result<T> + Send + 'static,
{
    on_blocking_pool(move || f().map_err(ApiErr::from)).await
}

/// Runs `f` on the blocking pool; a panic there answers as an internal error.
pub(crate) async fn on_blocking_pool<T, F>(f: F) -> Result<T, ApiErr>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T, ApiErr> + Send + 'static,
{
    match tokio::task::spawn_blocking(f).await {
        Ok(r) => r,
        Err(_) => Err(ApiErr::internal()),
    }
}
