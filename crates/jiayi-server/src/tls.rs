//! TLS in transit: the township's own certificate authority, the server certificate it signs,
//! and an HTTPS listener (rustls). Devices pin the township CA, so neither a public CA nor a
//! certificate from another township is trusted by them.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use chrono::{Datelike, Utc};
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
    KeyUsagePurpose,
};
use rustls::ServerConfig;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;

use crate::error::{Result, ServerError};

/// The files `jiayi-server ca init` writes into its folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaFiles {
    /// The township CA certificate: give it to devices (it goes into enrollment files).
    pub ca_cert: PathBuf,
    /// The CA's private key (0600): keep it offline once the server certificate is made.
    pub ca_key: PathBuf,
    /// The server certificate (`serve --tls-cert`).
    pub server_cert: PathBuf,
    /// The server's private key (0600, `serve --tls-key`).
    pub server_key: PathBuf,
}

impl CaFiles {
    pub fn in_dir(dir: &Path) -> CaFiles {
        CaFiles {
            ca_cert: dir.join("ca.pem"),
            ca_key: dir.join("ca-key.pem"),
            server_cert: dir.join("server.pem"),
            server_key: dir.join("server-key.pem"),
        }
    }
}

fn tls_err(what: &str) -> impl Fn(rcgen::Error) -> ServerError + '_ {
    move |e| ServerError::Config(format!("{what}: {e}"))
}

/// Makes a township CA and a server certificate for `hosts` (names or IP addresses the devices
/// use to reach the server) signed by it. Refuses to replace an existing CA: devices pinned it.
pub fn ca_init(dir: &Path, hosts: &[String], township: &str) -> Result<CaFiles> {
    let hosts: Vec<String> = hosts
        .iter()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .collect();
    if hosts.is_empty() {
        return Err(ServerError::Invalid(
            "give at least one --host (the name or address devices use)".into(),
        ));
    }
    let files = CaFiles::in_dir(dir);
    if files.ca_cert.exists() || files.ca_key.exists() {
        return Err(ServerError::Invalid(format!(
            "{} already holds a township CA; devices pin it, so it is not replaced",
            dir.display()
        )));
    }
    std::fs::create_dir_all(dir)?;
    let today = Utc::now().date_naive();
    let start = rcgen::date_time_ymd(today.year(), today.month() as u8, 1);
    let years = |n: i32| rcgen::date_time_ymd(today.year() + n, today.month() as u8, 1);

    let ca_key = KeyPair::generate().map_err(tls_err("CA key"))?;
    let mut ca = CertificateParams::default();
    ca.distinguished_name
        .push(DnType::CommonName, format!("{township} 家医签约 CA"));
    ca.distinguished_name
        .push(DnType::OrganizationName, township.to_string());
    ca.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    ca.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    ca.not_before = start;
    ca.not_after = years(20);
    let ca_cert = ca.self_signed(&ca_key).map_err(tls_err("CA certificate"))?;

    let server_key = KeyPair::generate().map_err(tls_err("server key"))?;
    let mut server = CertificateParams::new(hosts.clone()).map_err(tls_err("host names"))?;
    server
        .distinguished_name
        .push(DnType::CommonName, hosts[0].clone());
    server.is_ca = IsCa::NoCa;
    server.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
    ];
    server.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    server.use_authority_key_identifier_extension = true;
    server.not_before = start;
    server.not_after = years(5);
    let server_cert = server
        .signed_by(&server_key, &ca_cert, &ca_key)
        .map_err(tls_err("server certificate"))?;

    write_private(&files.ca_key, &ca_key.serialize_pem())?;
    std::fs::write(&files.ca_cert, ca_cert.pem())?;
    write_private(&files.server_key, &server_key.serialize_pem())?;
    std::fs::write(&files.server_cert, server_cert.pem())?;
    Ok(files)
}

/// Writes a private key readable by its owner only.
fn write_private(path: &Path, text: &str) -> Result<()> {
    crate::private_file::create_new(path, text.as_bytes())
        .map_err(|e| ServerError::Config(format!("writing {}: {e}", path.display())))
}

/// The TLS set-up for `serve --tls-cert --tls-key` (PEM files).
pub fn server_config(cert: &Path, key: &Path) -> Result<Arc<ServerConfig>> {
    let bad =
        |what: &Path, e: String| ServerError::Config(format!("reading {}: {e}", what.display()));
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .map_err(|e| bad(cert, e.to_string()))?
        .collect::<std::result::Result<_, _>>()
        .map_err(|e| bad(cert, e.to_string()))?;
    if chain.is_empty() {
        return Err(bad(cert, "no certificate in the file".into()));
    }
    let key = PrivateKeyDer::from_pem_file(key).map_err(|e| bad(key, e.to_string()))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| ServerError::Config(format!("TLS: {e}")))?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| ServerError::Config(format!("TLS certificate and key: {e}")))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// Connections whose TLS handshake is still running, at most; more wait in the kernel's queue.
const HANDSHAKES: usize = 64;

/// How long a TLS handshake may take once its first byte arrived.
const HANDSHAKE_TIME: Duration = Duration::from_secs(10);

/// A listener that hands the server connections once their TLS handshake is done. Handshakes
/// run side by side, so a slow or silent client does not hold up the others: a connection
/// that sends nothing within the first-byte timeout is closed, and one address holds at most
/// a few handshake slots at once (its further connections are closed at once).
pub struct TlsListener {
    ready: tokio::sync::mpsc::Receiver<(TlsStream<TcpStream>, SocketAddr)>,
    local: SocketAddr,
    acceptor: tokio::task::JoinHandle<()>,
}

/// Handshakes under way per address; an entry is given back when its handshake ends.
#[derive(Default)]
struct Pending(std::sync::Mutex<std::collections::HashMap<std::net::IpAddr, usize>>);

impl Pending {
    fn take(&self, ip: std::net::IpAddr, cap: usize) -> bool {
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let n = map.entry(ip).or_insert(0);
        if *n >= cap {
            return false;
        }
        *n += 1;
        true
    }

    fn give_back(&self, ip: std::net::IpAddr) {
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(n) = map.get_mut(&ip) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                map.remove(&ip);
            }
        }
    }
}

impl TlsListener {
    /// Must be called inside the tokio runtime that will serve.
    pub fn new(
        tcp: TcpListener,
        config: Arc<ServerConfig>,
        timeouts: crate::timeouts::Timeouts,
    ) -> std::io::Result<TlsListener> {
        let local = tcp.local_addr()?;
        let tls = TlsAcceptor::from(config);
        let (tx, ready) = tokio::sync::mpsc::channel(HANDSHAKES);
        let pending = Arc::new(Pending::default());
        let acceptor = tokio::spawn(async move {
            let slots = Arc::new(tokio::sync::Semaphore::new(HANDSHAKES));
            loop {
                let Ok(slot) = slots.clone().acquire_owned().await else {
                    break;
                };
                let (stream, peer) = match tcp.accept().await {
                    Ok(accepted) => accepted,
                    Err(_) => {
                        // Out of file descriptors and the like: wait rather than spin.
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                if tx.is_closed() {
                    break;
                }
                if !pending.take(peer.ip(), timeouts.handshakes_per_address.max(1)) {
                    continue; // closes the connection and frees the slot
                }
                let (tls, tx, pending) = (tls.clone(), tx.clone(), pending.clone());
                tokio::spawn(async move {
                    let mut first = [0u8; 1];
                    let spoke = matches!(
                        tokio::time::timeout(timeouts.first_byte, stream.peek(&mut first)).await,
                        Ok(Ok(n)) if n > 0
                    );
                    let handshake = if spoke {
                        tokio::time::timeout(HANDSHAKE_TIME, tls.accept(stream))
                            .await
                            .ok()
                    } else {
                        None
                    };
                    pending.give_back(peer.ip());
                    drop(slot);
                    // A failed handshake (a client that does not trust us, a port scan) is
                    // the client's business; the connection is simply closed.
                    if let Some(Ok(stream)) = handshake {
                        let _ = tx.send((stream, peer)).await;
                    }
                });
            }
        });
        Ok(TlsListener {
            ready,
            local,
            acceptor,
        })
    }
}

impl Drop for TlsListener {
    fn drop(&mut self) {
        // Closes the listening socket with the server.
        self.acceptor.abort();
    }
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.ready.recv().await {
            Some(accepted) => accepted,
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> std::io::Result<SocketAddr> {
        Ok(self.local)
    }
}
