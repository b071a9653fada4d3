//! Where the server starts: the storage a URL names, the listener, and the server serving
//! on it (beside the audit sealer when the backend queues audit entries).

use std::net::SocketAddr;
use std::sync::Arc;

use crate::error::{Result, ServerError};
use crate::storage::DynStorage;
use crate::storage::postgres::PgStorage;
use crate::storage::sqlite::SqliteStorage;
use crate::web::ServerState;

/// Opens the storage a URL names: `sqlite://path/to/file.db` or `postgres://user@host/db`.
pub fn open_storage(url: &str) -> Result<DynStorage> {
    if let Some(path) = url.strip_prefix("sqlite://") {
        Ok(Arc::new(SqliteStorage::open(path)?))
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(PgStorage::connect(url)?))
    } else {
        Err(ServerError::Config(format!(
            "database URL must start with sqlite:// or postgres://, got '{url}'"
        )))
    }
}

/// Serves plain HTTP until `shutdown` completes (loopback, or a TLS proxy in front).
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: impl Into<ServerState>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let state: ServerState = state.into();
    warm_up(&state);
    let sealer = Sealer::start(state.storage.clone());
    let timeouts = state.timeouts;
    let served =
        crate::web::connection::serve_on(listener, crate::web::router(state), timeouts, shutdown)
            .await;
    if let Some(sealer) = sealer {
        sealer.finish().await;
    }
    served
}

/// Serves HTTPS until `shutdown` completes.
pub async fn serve_tls(
    listener: tokio::net::TcpListener,
    tls: Arc<rustls::ServerConfig>,
    state: impl Into<ServerState>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let mut state: ServerState = state.into();
    state.secure_cookies = true;
    let timeouts = state.timeouts;
    let listener = crate::tls::TlsListener::new(listener, tls, timeouts)?;
    warm_up(&state);
    let sealer = Sealer::start(state.storage.clone());
    let served =
        crate::web::connection::serve_on(listener, crate::web::router(state), timeouts, shutdown)
            .await;
    if let Some(sealer) = sealer {
        sealer.finish().await;
    }
    served
}

/// The audit sealer beside a serving server ([`crate::audit::seal_until`]), for a backend
/// whose requests queue their audit entries ([`crate::storage::Storage::sealer`]).
struct Sealer {
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<()>,
}

impl Sealer {
    /// Starts chaining queued entries; `None` when the backend chains every entry as it is
    /// appended, so there is nothing to chain.
    fn start(storage: DynStorage) -> Option<Sealer> {
        storage.sealer()?;
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(crate::audit::seal_until(storage, async {
            let _ = stopped.await;
        }));
        Some(Sealer { stop, task })
    }

    /// Stops the sealer after one last pass: called once serving has ended and requests in
    /// flight have finished, so nothing they queued is left unchained.
    async fn finish(self) {
        let _ = self.stop.send(());
        let _ = self.task.await;
    }
}

/// A server running on its own runtime thread (tests, benchmarks, the desktop app's demo mode).
pub struct Running {
    pub addr: SocketAddr,
    tls: bool,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Running {
    pub fn url(&self) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        format!("{scheme}://{}", self.addr)
    }

    /// Stops accepting, lets requests in flight finish, and waits for the thread.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// Connections the kernel keeps waiting for the server to accept them.
pub const LISTEN_QUEUE: u32 = 1024;

/// Listens on `addr` (e.g. `127.0.0.1:0`, or a host name) with a queue of [`LISTEN_QUEUE`]
/// connections. The usual 128 overflowed when hundreds of devices connected at once, and a
/// connection the kernel turned away tried again only a second later.
pub async fn bind(addr: &str) -> std::io::Result<tokio::net::TcpListener> {
    let mut last = None;
    for address in tokio::net::lookup_host(addr).await? {
        let socket = if address.is_ipv4() {
            tokio::net::TcpSocket::new_v4()?
        } else {
            tokio::net::TcpSocket::new_v6()?
        };
        socket.set_reuseaddr(true)?;
        match socket.bind(address) {
            Ok(()) => return socket.listen(LISTEN_QUEUE),
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(|| {
        std::io::Error::new(
            std::io::ErrorKind::AddrNotAvailable,
            format!("{addr} names no address"),
        )
    }))
}

/// Binds `addr` (e.g. `127.0.0.1:0`) and serves plain HTTP on a new thread with its own runtime.
pub fn spawn(
    state: impl Into<ServerState>,
    addr: &str,
    worker_threads: usize,
) -> std::io::Result<Running> {
    spawn_with(state, addr, worker_threads, None)
}

/// As [`spawn`], over HTTPS when `tls` is given.
pub fn spawn_with(
    state: impl Into<ServerState>,
    addr: &str,
    worker_threads: usize,
    tls: Option<Arc<rustls::ServerConfig>>,
) -> std::io::Result<Running> {
    let state: ServerState = state.into();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(worker_threads.max(1))
        .enable_all()
        .build()?;
    let listener = runtime.block_on(bind(addr))?;
    let local = listener.local_addr()?;
    let tls_on = tls.is_some();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let thread = std::thread::Builder::new()
        .name("jiayi-server".into())
        .spawn(move || {
            runtime.block_on(async move {
                let stopped = async {
                    let _ = rx.await;
                };
                let served = match tls {
                    Some(tls) => serve_tls(listener, tls, state, stopped).await,
                    None => serve(listener, state, stopped).await,
                };
                if let Err(e) = served {
                    eprintln!("jiayi-server: {e}");
                }
            });
            runtime.shutdown_timeout(std::time::Duration::from_secs(5));
        })?;
    let tls = tls_on;
    Ok(Running {
        addr: local,
        tls,
        stop: Some(tx),
        thread: Some(thread),
    })
}

/// Opens the storage's connections beside the first requests (see
/// [`Storage::warm_up`](crate::storage::Storage::warm_up)); a
/// failure is only reported: requests open what they need themselves.
fn warm_up(state: &ServerState) {
    let storage = state.storage.clone();
    tokio::task::spawn_blocking(move || {
        if let Err(e) = storage.warm_up() {
            eprintln!("jiayi-server: opening the database connections ahead failed: {e}");
        }
    });
}
