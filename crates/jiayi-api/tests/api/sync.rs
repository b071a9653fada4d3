//! Sync through the API against a real township server on 127.0.0.1 (port chosen by the
//! system), with devices on real store files.

use std::cell::Cell;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use jiayi_api::{Api, AutoSync, AutoSyncConfig, SyncEvent, SyncPhase, VisitRequest};
use jiayi_core::Lang;
use jiayi_core::household::{HouseholdInput, Team, TeamMember, TeamRole, Village};
use jiayi_core::person::Relation;
use jiayi_store::Store;
use jiayi_sync::engine::Transport;
use jiayi_sync::http::HttpTransport;
use jiayi_sync::protocol::*;
use uuid::Uuid;

use jiayi_testkit::township::{Township, V1, V2};
use jiayi_testkit::{self as kit, contract, day, follow_up, head, member};

/// Enrolls `device` of `doctor` with the township for `villages`; the token.
fn enroll(t: &Township, device: Uuid, doctor: &str, villages: &[Uuid]) -> String {
    t.enroll_device(device, doctor, "东庄村家庭医生团队", villages)
        .token
}

pub(crate) fn team() -> Team {
    let member = |n: u128, name: &str, role| TeamMember {
        id: Uuid::from_u128(n),
        name: name.into(),
        role,
        phone: "13800000000".into(),
    };
    Team {
        id: Uuid::from_u128(100),
        name: "东庄村家庭医生团队".into(),
        institution: "青山镇卫生院".into(),
        village_clinic: "东庄村卫生室".into(),
        villages: vec![V1, V2],
        members: vec![
            member(1, "赵建国", TeamRole::Leader),
            member(2, "刘医生", TeamRole::FamilyDoctor),
            member(3, "陈护士", TeamRole::Nurse),
            member(4, "孙公卫", TeamRole::PublicHealth),
        ],
        service_hotline: "0359-4561120".into(),
        complaint_phone: "0359-4561234".into(),
        service_hours: "8:00-18:00".into(),
    }
}

/// A device's store file with the township's villages and team.
pub(crate) fn store_at(path: &std::path::Path) -> Store {
    let mut store = Store::open(path).unwrap();
    for (id, code, name) in [
        (V1, "140822100200", "东庄村"),
        (V2, "140822100201", "西庄村"),
    ] {
        store
            .put_village(&Village {
                id,
                code: code.into(),
                name: name.into(),
                township: "青山镇".into(),
            })
            .unwrap();
    }
    store.put_team(&team()).unwrap();
    store
}

pub(crate) struct Device {
    pub(crate) api: Api,
    pub(crate) path: std::path::PathBuf,
    pub(crate) token: String,
    _dir: tempfile::TempDir,
}

impl Device {
    pub(crate) fn new(t: &Township, doctor: &str, villages: &[Uuid]) -> Device {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("jiayi.sqlite3");
        let store = store_at(&path);
        let token = enroll(t, store.device_id(), doctor, villages);
        let mut api = Api::new(store, Lang::Zh);
        let enrolled = api.enroll_device(&t.base(), &token).unwrap();
        assert!(enrolled.settings.enrolled);
        assert!(enrolled.warnings.is_empty(), "{:?}", enrolled.warnings);
        Device {
            api,
            path,
            token,
            _dir: dir,
        }
    }

    pub(crate) fn id(&self) -> Uuid {
        self.api.store().device_id()
    }

    pub(crate) fn sync(&mut self) -> jiayi_api::ApiResult<jiayi_api::SyncSummary> {
        self.api.sync_now(&|_| {})
    }

    /// Closes the store and opens it again (so its file can be copied whole).
    pub(crate) fn reopen(&mut self, between: impl FnOnce(&std::path::Path)) {
        let placeholder = Api::new(Store::open_in_memory().unwrap(), Lang::Zh);
        drop(std::mem::replace(&mut self.api, placeholder));
        between(&self.path);
        self.api = Api::new(Store::open(&self.path).unwrap(), Lang::Zh);
    }
}

pub(crate) fn household(village: &str, n: u16) -> HouseholdInput {
    let names = ["三", "四", "五", "六", "七", "八", "九", "十"];
    kit::household(village, "三组", format!("{village}三组{n}号"))
        .member(
            head(format!("张{}", names[n as usize % 8]))
                .born(day(1955, 4, 1), 100 + 2 * n + 1)
                .phone("13812345678")
                .groups(&["hypertension"]),
        )
        .member(member(format!("李梅{n}"), Relation::Spouse).born(day(1958, 9, 9), 100 + 2 * n))
        .build()
}

pub(crate) fn register(api: &mut Api, village: &str, n: u16) -> (Uuid, Vec<Uuid>) {
    kit::register(api, household(village, n))
}

pub(crate) fn sign(api: &mut Api, household: Uuid, members: &[Uuid]) -> Uuid {
    contract(household, members).sign(api).unwrap().contract_id
}

pub(crate) fn small() -> Limits {
    Limits {
        max_changes: 3,
        max_bytes: 256 * 1024,
        max_pull: 4,
    }
}

#[test]
fn enrolled_devices_push_and_a_colleague_pulls_with_reference_data() {
    let t = Township::sqlite(small());
    t.storage()
        .publish(
            ReferenceKind::Register,
            "poverty",
            &format!("id_number,name,village_id\n140822195504010011,王某,{V1}\n140822195809090022,李某,{V1}\n"),
            Utc::now(),
        )
        .unwrap();
    let mut a = Device::new(&t, "刘医生", &[V1]);
    let mut b = Device::new(&t, "周医生", &[V1]);
    let settings = a.api.sync_settings().unwrap();
    assert_eq!(settings.villages.len(), 1);
    assert_eq!(settings.villages[0].name.as_deref(), Some("东庄村"));

    let (h1, m1) = register(&mut a.api, "东庄村", 1);
    let (h2, m2) = register(&mut a.api, "东庄村", 2);
    let contract = sign(&mut a.api, h1, &m1);
    sign(&mut a.api, h2, &m2);
    a.api
        .record_visit(&VisitRequest {
            notes: "头晕减轻".into(),
            ..follow_up(m1[0], (150, 92))
        })
        .unwrap();
    let pending = a.api.sync_status().unwrap().pending_changes;
    assert!(pending >= 8, "{pending}");

    let events = Arc::new(Mutex::new(Vec::new()));
    let sink = events.clone();
    let summary = a
        .api
        .sync_now(&move |e| sink.lock().unwrap().push(e))
        .unwrap();
    assert_eq!(
        (summary.pushed, summary.applied, summary.refused),
        (pending, pending, 0)
    );
    assert_eq!(summary.reference_updated, 1, "the poverty register");
    let events = events.lock().unwrap();
    assert!(matches!(events.first(), Some(SyncEvent::Started { .. })));
    assert!(matches!(events.last(), Some(SyncEvent::Finished { .. })));
    let pushes: Vec<u64> = events
        .iter()
        .filter_map(|e| match e {
            SyncEvent::Progress(p) if p.phase == SyncPhase::Push => Some(p.done),
            _ => None,
        })
        .collect();
    assert_eq!(pushes.len() as u64, pending.div_ceil(3), "one per batch");
    assert_eq!(pushes.last(), Some(&pending));

    let status = a.api.sync_status().unwrap();
    assert_eq!(status.pending_changes, 0);
    assert!(status.last_sync_at.is_some() && status.last_error.is_none());
    let poverty = status
        .reference
        .iter()
        .find(|r| r.kind == "register" && r.name == "poverty")
        .expect("register version held");
    assert_eq!(poverty.version, 1);
    assert_eq!(
        a.api.status().unwrap().registers[0].entries,
        2,
        "the register's entries are on the device"
    );
    assert_eq!(t.stored_of(a.id()).len() as u64, pending);

    let pulled = b.sync().unwrap();
    assert_eq!(pulled.pulled, pending);
    assert_eq!(pulled.pushed, 0);
    let on_b = b.api.household(h1).unwrap();
    assert_eq!(on_b.members.len(), 2);
    assert!(
        b.api.contract_snapshot(contract).is_ok(),
        "the agreement came too"
    );
    assert_eq!(b.api.status().unwrap().visits, 1, "and the visit");

    // A second round finds nothing new; a newer register version arrives once.
    t.storage()
        .publish(
            ReferenceKind::Register,
            "poverty",
            &format!("id_number,name,village_id\n140822195504010011,王某,{V1}\n"),
            Utc::now(),
        )
        .unwrap();
    let again = b.sync().unwrap();
    assert_eq!(
        (again.pushed, again.pulled, again.reference_updated),
        (0, 0, 1)
    );
    assert_eq!(b.sync().unwrap().reference_updated, 0);
    let held = b.api.sync_status().unwrap().reference;
    assert_eq!(
        held.iter().find(|r| r.name == "poverty").unwrap().version,
        2
    );
}

#[test]
fn a_change_outside_the_villages_is_refused_and_listed_in_chinese() {
    let t = Township::sqlite(Limits::default());
    let mut a = Device::new(&t, "刘医生", &[V1]);
    register(&mut a.api, "东庄村", 1);
    let (_, residents) = register(&mut a.api, "西庄村", 2);
    let summary = a.sync().unwrap();
    assert_eq!(summary.refused, 3, "the household and its two members");
    assert_eq!(summary.applied, 3);
    let status = a.api.sync_status().unwrap();
    assert_eq!(status.open_refusals, 3);
    assert_eq!(status.pending_changes, 0, "refusals are answers too");

    let refusals = a.api.refusals(false).unwrap();
    assert_eq!(refusals.len(), 3);
    for r in &refusals {
        assert_eq!(r.code, "village_not_in_scope");
        assert!(
            r.message.contains("不在本设备的签约范围内"),
            "{}",
            r.message
        );
        assert_eq!(r.village_name.as_deref(), Some("西庄村"));
        assert!(!r.read && !r.settled);
    }
    let resident = refusals
        .iter()
        .find(|r| r.entity_id == residents[0].to_string())
        .expect("the head's refusal");
    assert_eq!(resident.entity_label, "居民");
    assert_eq!(resident.record_name.as_deref(), Some("张五"));
    let house = refusals.iter().find(|r| r.entity == "household").unwrap();
    assert_eq!(
        house.record_name.as_deref(),
        Some("张五 · 西庄村三组2号"),
        "a household is named by its head and address"
    );

    assert_eq!(a.api.mark_refusals_read().unwrap(), 3);
    a.api.settle_refusal(resident.id).unwrap();
    let err = a.api.settle_refusal(resident.id).unwrap_err();
    assert_eq!(err.code, "not_found");
    let open = a.api.refusals(false).unwrap();
    assert_eq!(open.len(), 2);
    assert!(open.iter().all(|r| r.read));
    assert_eq!(a.api.refusals(true).unwrap().len(), 3);

    a.api.set_lang(Lang::En);
    assert!(
        a.api.refusals(false).unwrap()[0]
            .message
            .contains("village")
    );
    // Nothing refused reached the server.
    assert_eq!(t.stored_of(a.id()).len(), 3);
}

#[test]
fn enrollment_checks_address_and_token_and_a_revoked_token_is_explained() {
    let t = Township::sqlite(Limits::default());
    let dir = tempfile::tempdir().unwrap();
    let store = store_at(&dir.path().join("jiayi.sqlite3"));
    let device = store.device_id();
    let mut api = Api::new(store, Lang::Zh);
    assert!(!api.sync_status().unwrap().enrolled);
    assert_eq!(api.sync_now(&|_| {}).unwrap_err().code, "not_enrolled");

    let err = api
        .enroll_device("http://10.20.30.40:8470", "jy1_x")
        .unwrap_err();
    assert_eq!(err.code, "insecure_server_url");
    assert!(err.message.contains("https://"));
    let err = api.enroll_device(&t.base(), "jy1_wrong").unwrap_err();
    assert_eq!(err.code, "token_invalid");
    let other = enroll(&t, Uuid::now_v7(), "别人", &[V1]);
    let err = api.enroll_device(&t.base(), &other).unwrap_err();
    assert_eq!(err.code, "token_other_device");
    assert!(
        err.message
            .contains(&jiayi_core::short_code::device_code(device)),
        "the refusal names this laptop's 登记码: {}",
        err.message
    );
    // An address where nothing listens.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let token = enroll(&t, device, "刘医生", &[V1]);
    assert_eq!(
        api.enroll_device(&dead, &token).unwrap_err().code,
        "server_unreachable"
    );
    assert!(
        !api.sync_status().unwrap().enrolled,
        "nothing kept on failure"
    );

    api.enroll_device(&format!("{}/", t.base()), &token)
        .unwrap();
    register(&mut api, "东庄村", 1);
    api.sync_now(&|_| {}).unwrap();
    assert!(t.storage().revoke(device, Utc::now()).unwrap());
    register(&mut api, "东庄村", 2);
    let before = t.log().len();
    let events = Arc::new(Mutex::new(Vec::new()));
    let sink = events.clone();
    let err = api
        .sync_now(&move |e| sink.lock().unwrap().push(e))
        .unwrap_err();
    assert_eq!(err.code, "token_revoked");
    assert!(err.message.contains("重新登记"), "{}", err.message);
    assert!(matches!(
        events.lock().unwrap().last(),
        Some(SyncEvent::Failed { error, .. }) if error.code == "token_revoked"
    ));
    let status = api.sync_status().unwrap();
    assert_eq!(status.pending_changes, 3, "the work stays on the device");
    assert_eq!(
        status.last_error.map(|e| e.code).as_deref(),
        Some("token_revoked")
    );
    assert_eq!(t.log().len(), before);

    assert!(api.forget_enrollment().unwrap());
    assert!(!api.sync_settings().unwrap().enrolled);
    assert_eq!(api.sync_status().unwrap().pending_changes, 3);
}

/// Passes pushes through until `ok_pushes` have gone, then the next answer is lost after the
/// server committed, like a line that drops mid-sync.
struct DropsAfter {
    inner: HttpTransport,
    ok_pushes: Cell<usize>,
}

impl Transport for DropsAfter {
    fn info(&self, seen: &InfoQuery) -> jiayi_sync::Result<ServerInfo> {
        self.inner.info(seen)
    }
    fn push(&self, request: &PushRequest) -> jiayi_sync::Result<PushResponse> {
        let left = self.ok_pushes.get();
        let answer = self.inner.push(request)?;
        if left == 0 {
            return Err(jiayi_sync::SyncError::Network("line dropped".into()));
        }
        self.ok_pushes.set(left - 1);
        Ok(answer)
    }
    fn pull(&self, after: u64, limit: u32, own: bool) -> jiayi_sync::Result<PullResponse> {
        self.inner.pull(after, limit, own)
    }
    fn reference(&self) -> jiayi_sync::Result<ReferenceData> {
        self.inner.reference()
    }
}

#[test]
fn an_interrupted_sync_resumes_without_losing_or_doubling() {
    let t = Township::sqlite(small());
    let mut a = Device::new(&t, "刘医生", &[V1]);
    for n in 1..=4 {
        register(&mut a.api, "东庄村", n);
    }
    let total = a.api.sync_status().unwrap().pending_changes;
    assert_eq!(total, 12);
    let cut = DropsAfter {
        inner: HttpTransport::new(&t.base(), &a.token).unwrap(),
        ok_pushes: Cell::new(2),
    };
    let err = a.api.sync_via(&cut, &|_| {}).unwrap_err();
    assert_eq!(err.code, "server_unreachable");
    assert!(err.message.contains("自动继续"), "{}", err.message);
    assert_eq!(
        a.api.sync_status().unwrap().pending_changes,
        total - 6,
        "two batches answered, the third committed but unanswered"
    );
    assert_eq!(t.stored_of(a.id()).len(), 9);

    // The server stops altogether; the device keeps everything. It comes back at another
    // address, which the doctor enters again.
    let mut t = t;
    t.server.take().unwrap().stop();
    register(&mut a.api, "东庄村", 5);
    assert_eq!(a.sync().unwrap_err().code, "server_unreachable");
    t.start();
    let token = a.token.clone();
    a.api.enroll_device(&t.base(), &token).unwrap();

    let summary = a.sync().unwrap();
    assert_eq!(
        summary.duplicates, 3,
        "the unanswered batch is answered as duplicates"
    );
    assert_eq!(summary.applied, 6);
    assert_eq!(a.api.sync_status().unwrap().pending_changes, 0);
    let stored = t.stored_of(a.id());
    assert_eq!(stored.len(), 15);
    assert_eq!(
        stored.iter().map(|(s, _)| *s).collect::<Vec<_>>(),
        (1..=15).collect::<Vec<_>>()
    );
}

#[test]
fn a_device_restored_from_an_older_copy_sends_new_work_under_new_numbers() {
    let t = Township::sqlite(Limits::default());
    let mut a = Device::new(&t, "刘医生", &[V1]);
    register(&mut a.api, "东庄村", 1);
    a.sync().unwrap();
    let backup = a.path.with_extension("backup");
    a.reopen(|p| {
        std::fs::copy(p, &backup).unwrap();
    });
    register(&mut a.api, "东庄村", 2);
    a.sync().unwrap();
    assert_eq!(t.stored_of(a.id()).len(), 6);

    // The laptop's disk is restored from the older copy; the doctor registers a household
    // before the next sync, so its changes carry numbers the server already holds.
    a.reopen(|p| {
        for ext in ["sqlite3-wal", "sqlite3-shm"] {
            let _ = std::fs::remove_file(p.with_extension(ext));
        }
        std::fs::copy(&backup, p).unwrap();
    });
    assert_eq!(a.api.store().issued_seq().unwrap(), 3);
    register(&mut a.api, "东庄村", 3);
    let summary = a.sync().unwrap();
    assert_eq!(summary.refused, 0, "no new work refused");
    assert_eq!(summary.renumbered, 3);
    assert_eq!(summary.applied, 3);
    let codes: Vec<&str> = summary.warnings.iter().map(|w| w.code.as_str()).collect();
    assert_eq!(
        codes,
        ["device_restored"],
        "the device's copy was older, not the server's"
    );
    assert!(a.api.refusals(true).unwrap().is_empty());
    let stored = t.stored_of(a.id());
    assert_eq!(stored.len(), 9, "old and new work, each once");
    assert_eq!(stored.last().unwrap().0, 9);

    // New work after that is numbered above everything the server holds.
    register(&mut a.api, "东庄村", 4);
    let summary = a.sync().unwrap();
    assert_eq!((summary.applied, summary.renumbered), (3, 0));
    assert_eq!(t.stored_of(a.id()).len(), 12);
}

#[test]
fn a_device_without_the_township_keys_says_so_when_asked_for_a_bundle() {
    let t = Township::sqlite(Limits::default());
    let mut a = Device::new(&t, "郑医生", &[V1]);
    register(&mut a.api, "东庄村", 1);
    // As on a device enrolled with a server from before the keys: none held.
    a.api
        .store_mut()
        .set_sync_state(jiayi_sync::engine::keys::TOWNSHIP_KEYS, "")
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("device.jyb");
    let err = a.api.export_bundle(&out).unwrap_err();
    assert_eq!(err.code, "bundle_no_township_key");
    assert!(err.message.contains("联网同步"), "{}", err.message);
    assert!(!out.exists(), "no file is written");
    // The next online round teaches them.
    a.sync().unwrap();
    a.api.export_bundle(&out).unwrap();
}

#[test]
fn bundle_export_server_reply_and_import_round_trip() {
    let t = Township::sqlite(Limits::default());
    let mut a = Device::new(&t, "刘医生", &[V1]);
    let mut b = Device::new(&t, "周医生", &[V1]);
    register(&mut b.api, "东庄村", 7);
    b.sync().unwrap();
    t.storage()
        .publish(
            ReferenceKind::Register,
            "poverty",
            &format!("id_number,name,village_id\n140822195504010011,王某,{V1}\n"),
            Utc::now(),
        )
        .unwrap();

    let (h, m) = register(&mut a.api, "东庄村", 1);
    sign(&mut a.api, h, &m);
    register(&mut a.api, "西庄村", 2);
    let pending = a.api.sync_status().unwrap().pending_changes;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("device.jyb");
    let exported = a.api.export_bundle(&out).unwrap();
    assert_eq!(exported.changes, pending);
    assert_eq!(
        a.api.sync_status().unwrap().pending_changes,
        pending,
        "nothing is marked until the reply"
    );

    let bytes = std::fs::read(&out).unwrap();
    let reply = jiayi_server::bundle::answer(
        t.storage().as_ref(),
        &t.township_key(),
        &Limits::default(),
        &bytes,
        Utc::now(),
    )
    .unwrap();
    let reply_path = dir.path().join("reply.jyb");
    std::fs::write(&reply_path, &reply).unwrap();

    // A damaged reply changes nothing: its signature no longer holds.
    let mut damaged = reply.clone();
    damaged[40] ^= 0x10;
    let bad = dir.path().join("damaged.jyb");
    std::fs::write(&bad, &damaged).unwrap();
    let err = a.api.import_reply_bundle(&bad).unwrap_err();
    assert_eq!(err.code, "bundle_bad_signature");
    assert!(err.message.contains("未做任何更改"));
    // A cut one neither.
    std::fs::write(&bad, &reply[..reply.len() / 2]).unwrap();
    let err = a.api.import_reply_bundle(&bad).unwrap_err();
    assert_eq!(err.code, "bundle_bad_signature");
    assert_eq!(a.api.sync_status().unwrap().pending_changes, pending);
    // Nor does a reply meant for another device.
    let err = b.api.import_reply_bundle(&reply_path).unwrap_err();
    assert_eq!(err.code, "bundle_foreign");

    let summary = a.api.import_reply_bundle(&reply_path).unwrap();
    assert_eq!(summary.refused, 3, "the other village's household");
    assert_eq!(summary.applied, pending - 3);
    assert_eq!(summary.pulled, 3, "the colleague's household came back");
    assert_eq!(summary.reference_updated, 1);
    assert_eq!(a.api.sync_status().unwrap().pending_changes, 0);
    assert_eq!(a.api.refusals(false).unwrap().len(), 3);
    assert_eq!(t.stored_of(a.id()).len() as u64, pending - 3);
    // The same reply imported again is refused as imported already, and changes nothing.
    let again = a.api.import_reply_bundle(&reply_path).unwrap_err();
    assert_eq!(again.code, "bundle_already_imported");
    assert!(again.message.contains("已经导入过"), "{}", again.message);
    assert_eq!(a.api.sync_status().unwrap().pending_changes, 0);
    // Online afterwards finds nothing missing.
    let online = a.sync().unwrap();
    assert_eq!((online.pushed, online.pulled), (0, 0));
}

#[test]
fn the_background_runner_syncs_once_the_server_is_reachable() {
    let mut t = Township::sqlite(small());
    let mut a = Device::new(&t, "刘医生", &[V1]);
    // The device will look for the server at an address where nothing listens yet.
    let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = free.local_addr().unwrap();
    drop(free);
    let mut enrollment = a.api.store().enrollment().unwrap().unwrap();
    enrollment.server_url = format!("http://{addr}");
    a.api.store_mut().put_enrollment(&enrollment).unwrap();
    t.server.take().unwrap().stop();
    register(&mut a.api, "东庄村", 1);
    register(&mut a.api, "东庄村", 2);

    let (tx, rx) = mpsc::channel::<SyncEvent>();
    let tx = Mutex::new(tx);
    let mut config = AutoSyncConfig::new(jiayi_store::DbFile::plain(&a.path), Lang::Zh);
    config.check_every = Duration::from_millis(50);
    config.first_backoff = Duration::from_millis(50);
    config.max_backoff = Duration::from_millis(200);
    config.probe_timeout = Duration::from_millis(500);
    let runner = AutoSync::start(
        config,
        Arc::new(move |e| {
            let _ = tx.lock().unwrap().send(e);
        }),
    )
    .unwrap();
    let next = |what: &dyn Fn(&SyncEvent) -> bool| {
        for _ in 0..400 {
            match rx.recv_timeout(Duration::from_secs(30)) {
                Ok(e) if what(&e) => return e,
                Ok(_) => continue,
                Err(e) => panic!("no event: {e}"),
            }
        }
        panic!("event never came");
    };
    next(&|e| matches!(e, SyncEvent::Unreachable { .. }));
    t.start_at(&addr.to_string());
    runner.wake();
    let done = next(&|e| matches!(e, SyncEvent::Finished { .. } | SyncEvent::Failed { .. }));
    let SyncEvent::Finished { summary, .. } = done else {
        panic!("{done:?}")
    };
    assert_eq!(summary.applied, 6);
    runner.stop();
    assert_eq!(t.stored_of(a.id()).len(), 6);
    assert_eq!(a.api.sync_status().unwrap().pending_changes, 0);

    // "Sync now" on its own connection, as the desktop shell runs it.
    register(&mut a.api, "东庄村", 3);
    let summary =
        jiayi_api::sync_database(&jiayi_store::DbFile::plain(&a.path), Lang::Zh, &|_| {}).unwrap();
    assert_eq!(summary.applied, 3);
    assert_eq!(a.api.sync_status().unwrap().pending_changes, 0);
}

#[test]
fn a_round_holds_the_device_gate_that_every_caller_shares() {
    let t = Township::sqlite(small());
    let mut a = Device::new(&t, "刘医生", &[V1]);
    register(&mut a.api, "东庄村", 1);
    // A second handle on the same file, as the background runner or the desktop shell has.
    let other = Mutex::new(Api::open(&a.path, Lang::Zh).unwrap());
    let seen = Mutex::new(Vec::new());
    a.api
        .sync_now(&|e| {
            if let SyncEvent::Progress(_) = e {
                let status = other.lock().unwrap().sync_status().unwrap();
                seen.lock().unwrap().push(status.syncing);
            }
        })
        .unwrap();
    let seen = seen.into_inner().unwrap();
    assert!(!seen.is_empty() && seen.iter().all(|s| *s), "{seen:?}");
    assert!(!other.lock().unwrap().sync_status().unwrap().syncing);
}

#[test]
fn a_clock_more_than_five_minutes_off_is_a_warning_not_an_error() {
    let t = Township::sqlite(Limits::default());
    let dir = tempfile::tempdir().unwrap();
    let store = store_at(&dir.path().join("jiayi.sqlite3"));
    let token = enroll(&t, store.device_id(), "刘医生", &[V1]);
    let slow = Utc::now() - chrono::Duration::minutes(9);
    let mut api = Api::with_clock(store, Lang::Zh, Box::new(jiayi_api::FixedClock(slow)));
    let enrolled = api.enroll_device(&t.base(), &token).unwrap();
    assert_eq!(enrolled.warnings.len(), 1);
    assert_eq!(enrolled.warnings[0].code, "clock_skew");
    register(&mut api, "东庄村", 1);
    let summary = api.sync_now(&|_| {}).unwrap();
    assert_eq!(summary.applied, 3, "the round went through");
    let w = &summary.warnings[0];
    assert_eq!(w.code, "clock_skew");
    assert!(w.message.contains("慢约"), "{}", w.message);
}

#[test]
fn an_enrollment_file_pins_the_township_ca_and_an_impostor_is_refused() {
    let ca_dir = tempfile::tempdir().unwrap();
    let (t, files) = Township::https(small(), &ca_dir.path().join("ours"));
    assert!(t.base().starts_with("https://"));
    let dir = tempfile::tempdir().unwrap();
    let store = store_at(&dir.path().join("jiayi.sqlite3"));
    let device = store.device_id();
    let mut api = Api::new(store, Lang::Zh);
    let token = enroll(&t, device, "刘医生", &[V1]);
    let file = jiayi_sync::enrollment::EnrollmentFile {
        server: t.base(),
        device_id: device,
        device_code: None,
        token: token.clone(),
        ca_pem: Some(std::fs::read_to_string(&files.ca_cert).unwrap()),
        doctor: "刘医生".into(),
        team: "东庄村家庭医生团队".into(),
        villages: vec![V1],
        role: Default::default(),
        township_keys: Some(t.township_key().public()),
    };

    // Typing the https address without the CA is refused: it is the file that carries the CA.
    let typed = api.enroll_device(&t.base(), &token).unwrap_err();
    assert_eq!(typed.code, "insecure_address");
    let other_device = jiayi_sync::enrollment::EnrollmentFile {
        device_id: Uuid::now_v7(),
        ..file.clone()
    };
    let wrong = api.enroll_from_file(&other_device.to_json()).unwrap_err();
    assert_eq!(wrong.code, "enrollment_for_another_device");
    let damaged = api.enroll_from_file("{\"server\": 1}").unwrap_err();
    assert_eq!(damaged.code, "invalid_enrollment_file");

    let enrolled = api.enroll_from_file(&file.to_json()).unwrap();
    assert!(enrolled.settings.enrolled);
    // The township's keys came with the file: an offline bundle can be written at once.
    api.export_bundle(&dir.path().join("device.jyb")).unwrap();
    register(&mut api, "东庄村", 1);
    let summary = api.sync_now(&|_| {}).unwrap();
    assert!(summary.pushed > 0, "{summary:?}");
    assert_eq!(api.status().unwrap().pending_changes, 0);

    // The same address now answered by a server of another CA (a man in the middle holding
    // the token): the round stops before anything is sent, and the work stays pending.
    let addr = t.base();
    drop(t);
    let (impostor, _) = Township::https(small(), &ca_dir.path().join("theirs"));
    enroll(&impostor, device, "刘医生", &[V1]);
    let mut enrollment = api.store().enrollment().unwrap().unwrap();
    enrollment.server_url = impostor.base();
    api.store_mut().put_enrollment(&enrollment).unwrap();
    assert_ne!(addr, impostor.base());
    register(&mut api, "东庄村", 2);
    let pending = api.status().unwrap().pending_changes;
    let refused = api.sync_now(&|_| {}).unwrap_err();
    assert_eq!(refused.code, "untrusted_server");
    assert!(refused.message.contains("证书"), "{}", refused.message);
    assert_eq!(
        api.status().unwrap().pending_changes,
        pending,
        "nothing lost"
    );
    assert!(impostor.log().is_empty(), "the impostor received nothing");
}

/// Two devices change one household offline — the same resident's phone, and groups for two
/// residents — then sync through the township: both end with the same household, and the
/// automatic renewal both compute after the term end is one renewal with one id.
#[test]
fn two_devices_editing_one_household_offline_agree_after_sync() {
    use jiayi_api::{GroupStart, HistoryEntry, ResidentEdit};
    use jiayi_core::person::PopulationGroup;

    let t = Township::sqlite(Limits::default());
    let mut a = Device::new(&t, "刘医生", &[V1]);
    let mut b = Device::new(&t, "周医生", &[V1]);
    let (household, members) = register(&mut a.api, "东庄村", 1);
    let contract = sign(&mut a.api, household, &members);
    a.sync().unwrap();
    b.sync().unwrap();
    assert_eq!(b.api.household(household).unwrap().members.len(), 2);

    let today = a.api.today();
    let edit = |phone: &str| ResidentEdit {
        resident_id: members[1],
        phone: Some(phone.into()),
        ..ResidentEdit::default()
    };
    let group = |resident, group| GroupStart {
        resident_id: resident,
        group,
        since: Some(today),
        expected_delivery: None,
        treatment_started: false,
        amend: None,
    };
    a.api.edit_resident(&edit("13900000001")).unwrap();
    a.api
        .start_group(&group(members[1], PopulationGroup::Diabetes))
        .unwrap();
    // b writes later, so its phone is the later one.
    std::thread::sleep(Duration::from_millis(5));
    b.api.edit_resident(&edit("13900000002")).unwrap();
    b.api
        .start_group(&group(members[0], PopulationGroup::Disabled))
        .unwrap();
    b.api
        .start_group(&group(members[1], PopulationGroup::Diabetes))
        .unwrap();

    a.sync().unwrap();
    b.sync().unwrap();
    a.sync().unwrap();
    let on_a = a.api.household(household).unwrap();
    let on_b = b.api.household(household).unwrap();
    assert_eq!(on_a.members, on_b.members, "both devices see one household");
    let spouse = on_a.members.iter().find(|m| m.id == members[1]).unwrap();
    assert_eq!(spouse.phone.as_deref(), Some("13900000002"));
    assert!(spouse.groups.contains(&PopulationGroup::Diabetes));
    let head = on_a.members.iter().find(|m| m.id == members[0]).unwrap();
    assert!(head.groups.contains(&PopulationGroup::Disabled));

    // Past the term end, with no button pressed on either device: one renewal, one id.
    let term_end = a.api.contract_summary(contract).unwrap().term.end;
    let later = jiayi_core::time::china_noon(term_end + chrono::Days::new(3));
    for device in [&mut a, &mut b] {
        device.api.set_clock(Box::new(jiayi_api::FixedClock(later)));
    }
    let renewals = |api: &Api| -> Vec<Uuid> {
        api.contract_history(contract)
            .unwrap()
            .entries
            .iter()
            .filter_map(|e| match e {
                HistoryEntry::Renewed { renewal } => Some(renewal.id),
                _ => None,
            })
            .collect()
    };
    let on_a = renewals(&a.api);
    assert_eq!(on_a.len(), 1);
    assert_eq!(on_a, renewals(&b.api));
    assert_eq!(
        a.api.sync_status().unwrap().pending_changes,
        0,
        "a renewal writes nothing"
    );
    a.sync().unwrap();
    b.sync().unwrap();
    assert_eq!(renewals(&a.api), renewals(&b.api));
}

/// The team serving 西庄村 (V2) alone, beside the test township's team (which then serves
/// 东庄村, V1, alone).
pub(crate) fn west_team() -> Team {
    let member = |n: u128, name: &str, role| TeamMember {
        id: Uuid::from_u128(n),
        name: name.into(),
        role,
        phone: "13900000000".into(),
    };
    Team {
        id: Uuid::from_u128(200),
        name: "西庄村家庭医生团队".into(),
        institution: "青山镇卫生院".into(),
        village_clinic: "西庄村卫生室".into(),
        villages: vec![V2],
        members: vec![
            member(11, "钱建华", TeamRole::Leader),
            member(12, "周医生", TeamRole::FamilyDoctor),
        ],
        service_hotline: "0359-4561121".into(),
        complaint_phone: "0359-4561234".into(),
        service_hours: "8:00-18:00".into(),
    }
}

/// The households the device's signing figures count (the household signing rate's
/// denominator) this month.
fn households_counted(api: &Api) -> u64 {
    let report = api
        .report(&jiayi_api::ReportRequest {
            period: None,
            level: None,
            reference: None,
        })
        .unwrap();
    report
        .total
        .figure("signing_households")
        .map(|f| f.denominator)
        .unwrap()
}

#[test]
fn enrolling_for_one_village_leaves_the_others_households_out_of_the_figures() {
    let t = Township::sqlite(small());
    let dir = tempfile::tempdir().unwrap();
    let store = store_at(&dir.path().join("jiayi.sqlite3"));
    let device = store.device_id();
    let mut api = Api::new(store, Lang::Zh);
    register(&mut api, "东庄村", 1);
    register(&mut api, "西庄村", 2);
    assert_eq!(households_counted(&api), 2, "not enrolled: every household");
    let token = t.enroll_device(device, "刘医生", &team().name, &[V1]).token;
    api.enroll_device(&t.base(), &token).unwrap();
    assert_eq!(
        households_counted(&api),
        1,
        "the figures kept from before the enrollment are read again"
    );
    assert_eq!(api.search("张五", 10).unwrap().len(), 0);
    api.forget_enrollment().unwrap();
    assert_eq!(households_counted(&api), 2);
    assert_eq!(api.search("张五", 10).unwrap().len(), 1);
}

/// A device of `team` enrolled for `village` alone; both devices know both teams.
pub(crate) fn device_of(t: &Township, doctor: &str, team: &Team, village: Uuid) -> Device {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("jiayi.sqlite3");
    let mut store = store_at(&path);
    store
        .put_team(&Team {
            villages: vec![V1],
            ..self::team()
        })
        .unwrap();
    store.put_team(&west_team()).unwrap();
    let token = t
        .enroll_device(store.device_id(), doctor, &team.name, &[village])
        .token;
    let mut api = Api::new(store, Lang::Zh);
    api.enroll_device(&t.base(), &token).unwrap();
    Device {
        api,
        path,
        token,
        _dir: dir,
    }
}

/// 东庄村's doctor records that a signed, visited household moved to 西庄村, which another
/// team's device serves: after sync the new device shows the household with its residents,
/// its contract's history and its visits, and the old one no longer lists it.
fn a_household_moves_to_a_village_another_device_serves(t: &Township) {
    use jiayi_api::{HistoryEntry, HouseholdMove};
    use jiayi_core::contract::{ContractEventKind, TerminationReason};

    let mut east = device_of(t, "刘医生", &team(), V1);
    let mut west = device_of(t, "周医生", &west_team(), V2);
    let (household, members) = register(&mut east.api, "东庄村", 1);
    let (stays, _) = register(&mut east.api, "东庄村", 2);
    let contract = sign(&mut east.api, household, &members);
    let visit = east
        .api
        .record_visit(&follow_up(members[0], (150, 92)))
        .unwrap();
    east.sync().unwrap();
    west.sync().unwrap();
    assert!(
        west.api.household(household).is_err(),
        "西庄村's device holds nothing of 东庄村 yet"
    );

    let today = east.api.today();
    let moved = east
        .api
        .move_household(&HouseholdMove {
            household_id: household,
            village: "西庄村".into(),
            group: Some("一组".into()),
            address: Some("西庄村一组8号".into()),
            on: today,
        })
        .unwrap();
    assert_eq!(moved.village_id, V2);
    assert_eq!(moved.terminated.len(), 1, "the old team's contract ends");
    let summary = east.sync().unwrap();
    assert_eq!(
        summary.refused, 0,
        "the move is accepted from the old village's device"
    );
    west.sync().unwrap();

    // The new village's device: the household with its people, contract history and visits.
    let view = west.api.household(household).unwrap();
    assert_eq!(
        (view.village_id, view.address.as_str()),
        (V2, "西庄村一组8号")
    );
    assert_eq!(view.members.len(), 2);
    let history = west.api.contract_history(contract).unwrap().entries;
    assert!(
        history
            .iter()
            .any(|e| matches!(e, HistoryEntry::Signed { .. })),
        "{history:?}"
    );
    assert!(
        history.iter().any(|e| matches!(
            e,
            HistoryEntry::Event {
                kind: ContractEventKind::Terminated {
                    reason: TerminationReason::MovedOut,
                    ..
                },
                ..
            }
        )),
        "the termination for the move travels with the household: {history:?}"
    );
    let visits = west.api.store().visits_of_resident(members[0]).unwrap();
    assert_eq!(
        visits.iter().map(|v| v.id).collect::<Vec<_>>(),
        vec![visit.visit_id]
    );
    assert_eq!(west.api.search("张四", 10).unwrap().len(), 1);
    assert_eq!(west.api.status().unwrap().households, 1);
    assert_eq!(households_counted(&west.api), 1);

    // The monthly audit lists the contract once: the copies the move wrote were not received.
    let audited = t
        .storage()
        .audit(Utc::now() - chrono::Duration::days(1), 1000)
        .unwrap();
    assert_eq!(
        audited.iter().filter(|r| r.entity_id == contract).count(),
        1
    );

    // The old village's device keeps the records but no longer lists the household.
    assert!(east.api.household(household).is_ok(), "history is kept");
    assert!(east.api.search("张四", 10).unwrap().is_empty());
    assert_eq!(east.api.search("张五", 10).unwrap().len(), 1);
    assert_eq!(east.api.status().unwrap().households, 1);
    assert_eq!(
        households_counted(&east.api),
        1,
        "the figures leave it out too"
    );
    let work = east.api.work_list(None).unwrap();
    assert!(
        work.due.iter().all(|d| d.household_id != household)
            && work
                .unsigned_priority
                .iter()
                .all(|u| u.household_id != household),
        "the work list leaves the household out"
    );
    assert!(
        work.unsigned_priority
            .iter()
            .any(|u| u.household_id == stays),
        "the household that stayed is still worked"
    );

    // A spouse of the household that stayed founds a household of her own in 西庄村 (分户):
    // she and her history go to the new village's device, her old household stays.
    let spouse = east.api.household(stays).unwrap().members[1].id;
    let split = east
        .api
        .split_household(&jiayi_api::HouseholdSplit {
            household_id: stays,
            members: vec![jiayi_api::SplitMember {
                resident_id: spouse,
                relation: Relation::Head,
            }],
            village: Some("西庄村".into()),
            group: None,
            address: "西庄村二组3号".into(),
            on: today,
        })
        .unwrap();
    assert_eq!(east.sync().unwrap().refused, 0, "the split is accepted");
    west.sync().unwrap();
    let founded = west.api.household(split.new_household_id).unwrap();
    assert_eq!(founded.village_id, V2);
    assert_eq!(
        founded.members.iter().map(|m| m.id).collect::<Vec<_>>(),
        vec![spouse]
    );
    let year = west.api.household_year(split.new_household_id).unwrap();
    assert_eq!(year.len(), 1);
    assert!(year[0].member, "{year:?}");
    assert!(
        west.api.household(stays).is_err(),
        "the old household stays east"
    );
    assert_eq!(east.api.status().unwrap().households, 1);
    assert_eq!(east.api.household(stays).unwrap().members.len(), 1);

    // From now on the household is the new device's to write, and no longer the old one's.
    let edit = jiayi_api::ResidentEdit {
        resident_id: members[1],
        phone: Some("13900000009".into()),
        ..jiayi_api::ResidentEdit::default()
    };
    west.api.edit_resident(&edit).unwrap();
    assert_eq!(west.sync().unwrap().refused, 0);
    east.api.edit_resident(&edit).unwrap();
    assert_eq!(east.sync().unwrap().refused, 1, "record_not_in_scope");
}

#[test]
fn a_household_moves_to_a_village_another_device_serves_on_sqlite() {
    a_household_moves_to_a_village_another_device_serves(&Township::sqlite(small()));
}

#[test]
fn a_household_moves_to_a_village_another_device_serves_on_postgres() {
    let Some(pg) = jiayi_testkit::pg::PgCluster::start() else {
        return;
    };
    a_household_moves_to_a_village_another_device_serves(&Township::on(
        &pg.database("moves"),
        small(),
    ));
}
