//! A township server on loopback, devices that sync with it, and the faults the tests inject.

use std::cell::Cell;
use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicUsize, Ordering};

use chrono::Utc;
use jiayi_core::change::{Change, Entity};
use jiayi_server::storage::{DynStorage, Enrolled, Enrollment};
use jiayi_server::tls::CaFiles;
use jiayi_server::{Running, ServerState};
use jiayi_sync::engine::Transport;
use jiayi_sync::http::HttpTransport;
use jiayi_sync::protocol::*;
pub use jiayi_sync::protocol::{DeviceRole, Limits};
use jiayi_sync::testing::MemReplica;
use jiayi_sync::{SyncReport, sync};
use serde_json::json;
use uuid::Uuid;

pub const V1: Uuid = Uuid::from_u128(0x0001_0001);
pub const V2: Uuid = Uuid::from_u128(0x0001_0002);
pub const V3: Uuid = Uuid::from_u128(0x0001_0003);
/// The health-center user every test township has.
pub const ADMIN_NAME: &str = "卫生院管理员";
pub const ADMIN_PASSWORD: &str = "correct horse battery staple";

/// The township: its database and its server on 127.0.0.1, port chosen by the system.
pub struct Township {
    pub db_url: String,
    pub storage: Option<DynStorage>,
    pub server: Option<Running>,
    pub limits: Limits,
    pub dir: Option<tempfile::TempDir>,
    /// Seconds the server's clock runs ahead of the real one (sessions, lockouts).
    pub clock_ahead: Arc<AtomicI64>,
    /// HTTPS with this configuration when set (before `start`).
    pub tls: Option<Arc<rustls::ServerConfig>>,
    /// The hosted app updates the server offers (set before `start`).
    pub updates: Option<Arc<jiayi_server::updates::UpdateShelf>>,
    /// The township key file (beside a SQLite file; in a folder of its own for PostgreSQL),
    /// made at the first start and kept across restarts.
    pub key_path: std::path::PathBuf,
    /// Holds the key file's folder for a township on PostgreSQL.
    pub key_dir: Option<tempfile::TempDir>,
}

impl Township {
    /// On a new SQLite file in a temp folder, over plain HTTP.
    pub fn sqlite(limits: Limits) -> Township {
        Township::sqlite_with(limits, None)
    }

    /// On a new SQLite file in a temp folder, over HTTPS when `tls` is given.
    pub fn sqlite_with(limits: Limits, tls: Option<Arc<rustls::ServerConfig>>) -> Township {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}", dir.path().join("township.db").display());
        let key_path = jiayi_server::township_key::default_path(&url);
        let mut t = Township {
            db_url: url,
            storage: None,
            server: None,
            limits,
            dir: Some(dir),
            clock_ahead: Arc::default(),
            tls,
            updates: None,
            key_path,
            key_dir: None,
        };
        t.start();
        t
    }

    /// On a new SQLite file, over HTTPS with the certificate of a township CA made in `ca_dir`
    /// for 127.0.0.1 (as `jiayi-server ca init` makes it); the CA's files.
    pub fn https(limits: Limits, ca_dir: &Path) -> (Township, CaFiles) {
        let files =
            jiayi_server::tls::ca_init(ca_dir, &["127.0.0.1".into()], "青山镇").expect("ca init");
        let config = jiayi_server::tls::server_config(&files.server_cert, &files.server_key)
            .expect("server config");
        (Township::sqlite_with(limits, Some(config)), files)
    }

    /// On the database at `db_url` (a PostgreSQL database of a [`crate::pg::PgCluster`], or a
    /// file kept between townships).
    pub fn on(db_url: &str, limits: Limits) -> Township {
        let (key_path, key_dir) = if db_url.starts_with("sqlite://") {
            (jiayi_server::township_key::default_path(db_url), None)
        } else {
            let dir = tempfile::tempdir().expect("temp dir");
            (dir.path().join("township-key"), Some(dir))
        };
        let mut t = Township {
            db_url: db_url.to_string(),
            storage: None,
            server: None,
            limits,
            dir: None,
            clock_ahead: Arc::default(),
            tls: None,
            updates: None,
            key_path,
            key_dir,
        };
        t.start();
        t
    }

    pub fn sqlite_path(&self) -> std::path::PathBuf {
        std::path::PathBuf::from(self.db_url.trim_start_matches("sqlite://"))
    }

    /// Serves on 127.0.0.1, port chosen by the system.
    pub fn start(&mut self) {
        self.start_at("127.0.0.1:0");
    }

    /// Serves on `addr`, with the storage opened anew (fresh connections and statements).
    pub fn start_at(&mut self, addr: &str) {
        let storage = open_storage(&self.db_url);
        if storage.user(ADMIN_NAME).expect("user").is_none() {
            jiayi_server::web::auth::add_user(
                storage.as_ref(),
                ADMIN_NAME,
                "admin",
                ADMIN_PASSWORD,
            )
            .expect("add admin");
        }
        let mut state = ServerState::new(storage.clone(), self.limits)
            .with_township_key(Arc::new(self.township_key()));
        state.updates = self.updates.clone();
        let ahead = self.clock_ahead.clone();
        state.clock =
            Arc::new(move || Utc::now() + chrono::Duration::seconds(ahead.load(Ordering::SeqCst)));
        self.server =
            Some(jiayi_server::spawn_with(state, addr, 2, self.tls.clone()).expect("spawn server"));
        self.storage = Some(storage);
    }

    /// Stops the server and closes the storage.
    pub fn stop(&mut self) {
        if let Some(s) = self.server.take() {
            s.stop();
        }
        self.storage = None;
    }

    /// Makes the server a demo (training) township, which takes only demo stores: the app's
    /// demo township syncs only with one.
    pub fn make_demo(&self) {
        jiayi_server::data_kind::set_server_kind(
            self.storage().as_ref(),
            jiayi_core::data_kind::DataKind::Demo,
        )
        .expect("an empty server becomes a demo township");
    }

    /// The township's key file, as the server reads it (made when there is none).
    pub fn township_key(&self) -> jiayi_server::township_key::TownshipKey {
        jiayi_server::township_key::TownshipKey::load_or_create(&self.key_path)
            .expect("township key file")
    }

    /// What `jiayi-server bundle` does with a device's file: the reply, or why it was refused.
    pub fn answer_bundle(&self, bytes: &[u8]) -> jiayi_server::Result<Vec<u8>> {
        jiayi_server::bundle::answer(
            self.storage().as_ref(),
            &self.township_key(),
            &self.limits,
            bytes,
            Utc::now(),
        )
    }

    pub fn storage(&self) -> &DynStorage {
        self.storage.as_ref().expect("township running")
    }

    pub fn base(&self) -> String {
        self.server.as_ref().expect("township running").url()
    }

    pub fn enroll(&self, name: &str, villages: &[Uuid]) -> Enrolled {
        self.enroll_as(name, "一组团队", DeviceRole::Doctor, villages)
    }

    pub fn enroll_as(
        &self,
        name: &str,
        team: &str,
        role: DeviceRole,
        villages: &[Uuid],
    ) -> Enrolled {
        self.storage()
            .enroll_as(
                &Enrollment {
                    device_id: None,
                    doctor_name: name.into(),
                    team_name: team.into(),
                    villages: villages.to_vec(),
                    label: format!("{name}的笔记本"),
                    awaiting_code: None,
                },
                role,
                Utc::now(),
            )
            .expect("enroll")
    }

    /// Enrolls the device `device` of `doctor` in `team` as a doctor's device for `villages`, the
    /// way staff do at the health center (label: the doctor's laptop).
    pub fn enroll_device(
        &self,
        device: Uuid,
        doctor: &str,
        team: &str,
        villages: &[Uuid],
    ) -> Enrolled {
        self.enroll_device_as(device, doctor, team, DeviceRole::Doctor, villages)
    }

    /// Enrolls the device `device` with a role, as staff do at the health center.
    pub fn enroll_device_as(
        &self,
        device: Uuid,
        doctor: &str,
        team: &str,
        role: DeviceRole,
        villages: &[Uuid],
    ) -> Enrolled {
        self.storage()
            .enroll_as(
                &Enrollment {
                    device_id: Some(device),
                    doctor_name: doctor.into(),
                    team_name: team.into(),
                    villages: villages.to_vec(),
                    label: format!("{doctor}的笔记本"),
                    awaiting_code: None,
                },
                role,
                Utc::now(),
            )
            .expect("enroll")
    }

    /// Enrolls a laptop by the 登记码 its doctor reads out, as `jiayi-server enroll --device
    /// CODE` does: a code the server has not met waits for the laptop's first connection.
    pub fn enroll_by_code(
        &self,
        code: &str,
        doctor: &str,
        villages: &[Uuid],
    ) -> jiayi_server::enrollment::EnrolledDevice {
        jiayi_server::enrollment::enroll(
            self.storage().as_ref(),
            Some(code),
            Enrollment {
                device_id: None,
                doctor_name: doctor.into(),
                team_name: "一组团队".into(),
                villages: villages.to_vec(),
                label: format!("{doctor}的笔记本"),
                awaiting_code: None,
            },
            DeviceRole::Doctor,
            Utc::now(),
        )
        .expect("enroll by code")
    }

    /// A device enrolled with a team and a role.
    pub fn device_as(&self, name: &str, team: &str, role: DeviceRole, villages: &[Uuid]) -> Device {
        let e = self.enroll_as(name, team, role, villages);
        Device {
            replica: MemReplica::new(e.device_id),
            token: e.token,
            now_ms: 1_700_000_000_000,
        }
    }

    pub fn device(&self, name: &str, villages: &[Uuid]) -> Device {
        let e = self.enroll(name, villages);
        Device {
            replica: MemReplica::new(e.device_id),
            token: e.token,
            now_ms: 1_700_000_000_000,
        }
    }

    /// The whole change log.
    pub fn log(&self) -> Vec<(u64, Change)> {
        let mut out = Vec::new();
        let mut after = 0;
        for _ in 0..10_000 {
            let page = self.storage().change_log(after, 1000).expect("log");
            let Some(last) = page.last() else { break };
            after = last.0;
            out.extend(page);
        }
        out
    }

    /// Every change of `device` the server holds, once each: (seq, change id), by seq.
    pub fn stored_of(&self, device: Uuid) -> Vec<(u64, Uuid)> {
        let mut seen: Vec<(u64, Uuid)> = self
            .log()
            .into_iter()
            .filter(|(_, c)| c.device_id == device)
            .map(|(_, c)| (c.seq, c.change_id))
            .collect();
        let n = seen.len();
        seen.sort();
        seen.dedup_by_key(|(s, _)| *s);
        assert_eq!(seen.len(), n, "no (device, seq) stored twice");
        seen
    }

    /// Every change each device stored (all but the rejected ones) is in the server's log exactly
    /// once, with the same content, and the log holds nothing else.
    pub fn assert_exactly_once(&self, devices: &[&Device]) {
        let log = self.log();
        let mut seen: BTreeMap<(Uuid, u64), usize> = BTreeMap::new();
        for (_, c) in &log {
            *seen.entry((c.device_id, c.seq)).or_default() += 1;
        }
        let doubled: Vec<_> = seen.iter().filter(|(_, n)| **n > 1).collect();
        assert!(doubled.is_empty(), "changes stored twice: {doubled:?}");
        let mut expected = BTreeSet::new();
        for d in devices {
            let rejected: BTreeSet<u64> = d.replica.rejections.iter().map(|(s, _)| *s).collect();
            for (seq, (change, _)) in &d.replica.outbox {
                if rejected.contains(seq) {
                    continue;
                }
                expected.insert((change.device_id, *seq));
                let stored = log
                    .iter()
                    .find(|(_, c)| c.device_id == change.device_id && c.seq == *seq);
                assert_eq!(
                    stored.map(|(_, c)| c),
                    Some(change),
                    "change {seq} of {} lost or altered",
                    change.device_id
                );
            }
        }
        let actual: BTreeSet<_> = seen.keys().copied().collect();
        assert_eq!(
            actual, expected,
            "the server holds exactly the devices' stored changes"
        );
    }
}

pub fn open_storage(url: &str) -> DynStorage {
    jiayi_server::open_storage(url).expect("open storage")
}

impl Drop for Township {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A village doctor's device: an in-memory replica with its token.
pub struct Device {
    pub replica: MemReplica,
    pub token: String,
    pub now_ms: u64,
}

impl Device {
    pub fn id(&self) -> Uuid {
        self.replica.device_id
    }

    pub fn transport(&self, base: &str) -> HttpTransport {
        HttpTransport::new(base, &self.token).expect("client")
    }

    pub fn sync(&mut self, t: &Township) -> jiayi_sync::Result<SyncReport> {
        let transport = self.transport(&t.base());
        self.sync_via(&transport)
    }

    pub fn sync_via(&mut self, transport: &dyn Transport) -> jiayi_sync::Result<SyncReport> {
        sync(
            &mut self.replica,
            transport,
            self.now_ms as i64,
            &mut |_| {},
        )
    }

    fn tick(&mut self) -> u64 {
        self.now_ms += 1_000;
        self.now_ms
    }

    /// Registers `n` households with two residents each in `village`; returns the resident ids.
    pub fn register_households(&mut self, village: Uuid, n: usize) -> Vec<Uuid> {
        let mut residents = Vec::new();
        for i in 0..n {
            let household = Uuid::now_v7();
            let at = self.tick();
            self.replica.write(
                Entity::Household,
                household,
                village,
                json!({"village_id": village, "group": "三组", "address": format!("幸福村{i}号"), "record_number": format!("HR{i:06}")}),
                at,
            );
            for (name, relation) in [("张伟", "head"), ("李娜", "spouse")] {
                let id = Uuid::now_v7();
                let at = self.tick();
                self.replica.write(
                    Entity::Resident,
                    id,
                    village,
                    json!({"household_id": household, "name": format!("{name}{i}"), "relation": relation, "phone": "13800000000"}),
                    at,
                );
                residents.push(id);
            }
        }
        residents
    }

    pub fn edit(
        &mut self,
        entity: Entity,
        id: Uuid,
        village: Uuid,
        fields: serde_json::Value,
    ) -> Change {
        let at = self.tick();
        self.replica.write(entity, id, village, fields, at)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// The device is switched off before the request leaves.
    BeforeSend,
    /// The server commits; the answer never arrives.
    AfterCommit,
}

/// A transport that fails one push the given way, then behaves.
pub struct Faulty {
    pub inner: HttpTransport,
    pub fault: Fault,
    pub at_push: usize,
    pub pushes: Cell<usize>,
}

impl Transport for Faulty {
    fn info(&self, seen: &InfoQuery) -> jiayi_sync::Result<ServerInfo> {
        self.inner.info(seen)
    }

    fn push(&self, request: &PushRequest) -> jiayi_sync::Result<PushResponse> {
        let n = self.pushes.get();
        self.pushes.set(n + 1);
        if n != self.at_push {
            return self.inner.push(request);
        }
        match self.fault {
            Fault::BeforeSend => Err(jiayi_sync::SyncError::Network("switched off".into())),
            Fault::AfterCommit => {
                self.inner.push(request)?;
                Err(jiayi_sync::SyncError::Network("answer lost".into()))
            }
        }
    }

    fn pull(&self, after: u64, limit: u32, own: bool) -> jiayi_sync::Result<PullResponse> {
        self.inner.pull(after, limit, own)
    }

    fn reference(&self) -> jiayi_sync::Result<ReferenceData> {
        self.inner.reference()
    }
}

/// A TCP proxy on loopback that cuts the connection a few bytes into the answer to a push, as
/// many times as asked.
pub struct CutProxy {
    pub addr: std::net::SocketAddr,
    pub cuts_left: Arc<AtomicUsize>,
    pub cuts_done: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl CutProxy {
    pub fn start(upstream: std::net::SocketAddr, cuts: usize) -> CutProxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind proxy");
        let addr = listener.local_addr().expect("proxy addr");
        let cuts_left = Arc::new(AtomicUsize::new(cuts));
        let cuts_done = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let (left, done, halt) = (cuts_left.clone(), cuts_done.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            for conn in listener.incoming() {
                if halt.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(client) = conn else { continue };
                let Ok(server) = TcpStream::connect(upstream) else {
                    continue;
                };
                let (left, done) = (left.clone(), done.clone());
                std::thread::spawn(move || relay(client, server, left, done));
            }
        });
        CutProxy {
            addr,
            cuts_left,
            cuts_done,
            stop,
            thread: Some(thread),
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for CutProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.addr);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn relay(
    mut client: TcpStream,
    mut server: TcpStream,
    cuts_left: Arc<AtomicUsize>,
    cuts_done: Arc<AtomicUsize>,
) {
    let armed = Arc::new(AtomicBool::new(false));
    let (mut c_read, mut s_write) = (
        client.try_clone().expect("clone"),
        server.try_clone().expect("clone"),
    );
    let arm = armed.clone();
    let upstream = std::thread::spawn(move || {
        let mut buf = [0u8; 64 * 1024];
        loop {
            let n = match c_read.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            let chunk = &buf[..n];
            if chunk.windows(13).any(|w| w == b"POST /v1/push")
                && cuts_left
                    .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |c| c.checked_sub(1))
                    .is_ok()
            {
                arm.store(true, Ordering::SeqCst);
            }
            if s_write.write_all(chunk).is_err() {
                break;
            }
        }
        let _ = s_write.shutdown(Shutdown::Write);
    });
    let mut buf = [0u8; 64 * 1024];
    loop {
        let n = match server.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        if armed.load(Ordering::SeqCst) {
            // Part of the status line and headers, then the line goes dead.
            let _ = client.write_all(&buf[..n.min(40)]);
            cuts_done.fetch_add(1, Ordering::SeqCst);
            break;
        }
        if client.write_all(&buf[..n]).is_err() {
            break;
        }
    }
    let _ = client.shutdown(Shutdown::Both);
    let _ = server.shutdown(Shutdown::Both);
    let _ = upstream.join();
}

/// A client that does not follow redirects (so a redirect to the login page shows).
pub fn web_client() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .timeout(std::time::Duration::from_secs(60))
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .build()
        .expect("client")
}

/// Logs in at `base` with the dashboard's login form; the status and the session cookie
/// (`name=value`) when one was set.
pub fn login(base: &str, name: &str, password: &str) -> (u16, Option<String>) {
    let response = web_client()
        .post(format!("{base}/login"))
        .form(&[("name", name), ("password", password)])
        .send()
        .expect("POST /login");
    let cookie = response
        .headers()
        .get(reqwest::header::SET_COOKIE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(str::to_string);
    (response.status().as_u16(), cookie)
}

/// GET a dashboard URL as the township's admin (logged in through the form first).
pub fn admin_get(url: &str) -> (u16, String) {
    let base: String = url.splitn(4, '/').take(3).collect::<Vec<_>>().join("/");
    let (status, cookie) = login(&base, ADMIN_NAME, ADMIN_PASSWORD);
    assert_eq!(status, 303, "admin login");
    let response = web_client()
        .get(url)
        .header(reqwest::header::COOKIE, cookie.expect("session cookie"))
        .send()
        .expect("GET");
    let status = response.status().as_u16();
    (status, response.text().unwrap_or_default())
}
