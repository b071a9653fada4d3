//! Devices and the township server end to end over loopback, on real SQLite files and a real
//! PostgreSQL. Every fault scenario ends the same way: every record on the server exactly once,
//! nothing lost.

use std::cell::Cell;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use jiayi_core::change::Entity;
use jiayi_server::storage::Enrollment;
use jiayi_sync::SyncError;
use jiayi_sync::engine::{LocalReplica, Transport};
use jiayi_sync::plan::Recovery;
use jiayi_sync::protocol::*;
use jiayi_testkit::pg;
use jiayi_testkit::township::*;
use serde_json::json;
use uuid::Uuid;

fn small_batches() -> Limits {
    Limits {
        max_changes: 10,
        max_bytes: 64 * 1024,
        max_pull: 7,
    }
}

// ---------------------------------------------------------------------------------------------
// Scenarios, each run on SQLite and on PostgreSQL.

fn first_upload_then_colleague_pulls(t: &Township) {
    let mut a = t.device("王医生", &[V1]);
    let mut b = t.device("李医生", &[V1]);
    a.register_households(V1, 20);
    let report = a.sync(t).expect("first upload");
    assert_eq!(report.applied, 60);
    assert!(report.requests >= 6, "60 changes in batches of at most 10");
    assert_eq!(a.replica.pending_count().unwrap(), 0);
    let pulled = b.sync(t).expect("colleague sync");
    assert_eq!(
        pulled.pulled, 60,
        "the colleague gets every record of the shared village"
    );
    assert_eq!(b.replica.records.len(), 60);
    let again = b.sync(t).unwrap();
    assert_eq!(
        (again.pulled, again.applied),
        (0, 0),
        "an incremental sync with nothing new moves nothing"
    );
    t.assert_exactly_once(&[&a, &b]);
}

fn faults_before_send_after_commit_and_before_mark(t: &Township) {
    let mut a = t.device("赵医生", &[V1]);
    a.register_households(V1, 10); // 30 changes, 3 batches

    // Switched off before the second request leaves.
    let faulty = Faulty {
        inner: a.transport(&t.base()),
        fault: Fault::BeforeSend,
        at_push: 1,
        pushes: Cell::new(0),
    };
    assert!(a.sync_via(&faulty).unwrap_err().is_retryable());
    assert_eq!(
        a.replica.pending_count().unwrap(),
        20,
        "only the answered batch left the outbox"
    );

    // The answer arrives, the device dies before marking.
    a.replica.fail_next_mark = true;
    assert!(matches!(a.sync(t), Err(SyncError::Replica(_))));
    assert_eq!(a.replica.pending_count().unwrap(), 20, "nothing marked");

    // The server commits the last batch, the answer is lost.
    let faulty = Faulty {
        inner: a.transport(&t.base()),
        fault: Fault::AfterCommit,
        at_push: 1,
        pushes: Cell::new(0),
    };
    assert!(a.sync_via(&faulty).is_err());
    assert_eq!(
        a.replica.pending_count().unwrap(),
        10,
        "nothing marked without an answer"
    );

    let report = a.sync(t).expect("clean round");
    assert_eq!(
        (report.duplicates, report.applied),
        (10, 0),
        "the unanswered batch comes back as duplicates"
    );
    assert_eq!(a.replica.pending_count().unwrap(), 0);
    t.assert_exactly_once(&[&a]);
}

fn connection_cut_mid_response(t: &Township) {
    let mut a = t.device("孙医生", &[V1]);
    a.register_households(V1, 9); // 27 changes, 3 batches
    let proxy = CutProxy::start(t.server.as_ref().unwrap().addr, 2);
    let via_proxy = a.transport(&proxy.url());
    for round in 0..2 {
        let err = a.sync_via(&via_proxy).expect_err("the answer is cut");
        assert!(
            err.is_retryable(),
            "round {round}: a cut line is a network error: {err}"
        );
    }
    assert_eq!(proxy.cuts_done.load(std::sync::atomic::Ordering::SeqCst), 2);
    let report = a.sync_via(&via_proxy).expect("third round goes through");
    assert!(
        report.duplicates >= 10,
        "the cut batches had been committed"
    );
    t.assert_exactly_once(&[&a]);
}

fn replayed_batches(t: &Township) {
    let mut a = t.device("周医生", &[V1]);
    a.register_households(V1, 3);
    let batch = PushRequest {
        device_id: a.id(),
        changes: a.replica.pending(0, 100).unwrap(),
    };
    let transport = a.transport(&t.base());
    let first = transport.push(&batch).unwrap();
    assert!(
        first
            .results
            .iter()
            .all(|r| r.status == ChangeStatus::Applied)
    );
    for _ in 0..3 {
        let again = transport.push(&batch).unwrap();
        assert!(
            again
                .results
                .iter()
                .all(|r| r.status == ChangeStatus::Duplicate),
            "a replay changes nothing"
        );
        assert_eq!(again.stored_through_seq, 9);
    }
    let report = a.sync(t).unwrap();
    assert_eq!(report.duplicates, 9);
    t.assert_exactly_once(&[&a]);

    // A different change under a number the server already holds is not taken for a duplicate.
    let mut reused = batch.changes[0].clone();
    reused.change_id = Uuid::now_v7();
    reused.payload["address"] = json!("旧备份里的另一条");
    let answer = transport
        .push(&PushRequest {
            device_id: a.id(),
            changes: vec![reused],
        })
        .unwrap();
    assert!(
        matches!(&answer.results[0].status, ChangeStatus::Rejected { reason } if reason.code == RejectCode::SeqReused),
        "{:?}",
        answer.results
    );
    t.assert_exactly_once(&[&a]);
}

fn two_devices_edit_one_resident(t: &Township) {
    let mut a = t.device("吴医生", &[V1]);
    let mut b = t.device("郑医生", &[V1]);
    let resident = a.register_households(V1, 1)[0];
    a.sync(t).unwrap();
    b.sync(t).unwrap();
    assert!(
        b.replica
            .value(Entity::Resident, resident, "name")
            .is_some()
    );

    // Offline, both change the phone; B later by the clock. A also corrects the name.
    a.edit(
        Entity::Resident,
        resident,
        V1,
        json!({"phone": "13911111111", "name": "张卫"}),
    );
    b.now_ms += 3_600_000;
    b.edit(
        Entity::Resident,
        resident,
        V1,
        json!({"phone": "13722222222"}),
    );

    // B reaches the server first, A second: A's phone loses, its name wins.
    b.sync(t).unwrap();
    let ra = a.sync(t).unwrap();
    assert_eq!(ra.conflicts, 1, "A's phone lost to B's newer one");
    b.sync(t).unwrap();
    a.sync(t).unwrap();

    let server = t
        .storage()
        .record(Entity::Resident, resident)
        .unwrap()
        .expect("record on server");
    for (who, d) in [("A", &a), ("B", &b)] {
        assert_eq!(
            d.replica.value(Entity::Resident, resident, "phone"),
            Some(&json!("13722222222")),
            "{who} phone"
        );
        assert_eq!(
            d.replica.value(Entity::Resident, resident, "name"),
            Some(&json!("张卫")),
            "{who} name"
        );
    }
    assert_eq!(server.payload["phone"], json!("13722222222"));
    assert_eq!(server.payload["name"], json!("张卫"));
    let conflicts = t.storage().conflicts(true).unwrap();
    let phone: Vec<_> = conflicts
        .iter()
        .filter(|c| c.entity_id == resident)
        .collect();
    assert_eq!(phone.len(), 1);
    assert_eq!(
        (phone[0].field.as_str(), &phone[0].losing_value),
        ("phone", &json!("13911111111"))
    );
    assert_eq!(phone[0].losing_device, a.id());
    assert!(
        t.storage()
            .resolve_conflict(phone[0].id, "核实后保留新号码", chrono::Utc::now())
            .unwrap()
    );
    assert!(
        t.storage()
            .conflicts(true)
            .unwrap()
            .iter()
            .all(|c| c.entity_id != resident)
    );
    t.assert_exactly_once(&[&a, &b]);
}

/// Eight devices sync at once, three rounds, each editing its own households and one resident
/// they share, while a ninth only pulls, over and over. However the pushes interleave, every
/// change is stored once, every device ends with the server's values, and the puller — having
/// pulled while pushes were committing — holds every record: no change slipped past its cursor.
fn devices_sync_at_once(t: &Township) {
    const DEVICES: usize = 8;
    let mut first = t.device("医生0", &[V1]);
    let shared = first.register_households(V1, 1)[0];
    first.sync(t).unwrap();
    let mut devices = vec![first];
    for i in 1..DEVICES {
        let mut d = t.device(&format!("医生{i}"), &[V1]);
        d.sync(t).unwrap();
        devices.push(d);
    }
    let mut watcher = t.device("观察", &[V1]);
    let done = std::sync::atomic::AtomicBool::new(false);
    let base = t.base();
    std::thread::scope(|scope| {
        let watching = scope.spawn(|| {
            let transport = watcher.transport(&base);
            let mut pulls = 0;
            // Bounded: at most 2,000 pulls, stopping once the devices are done.
            while pulls < 2_000 && !done.load(std::sync::atomic::Ordering::SeqCst) {
                watcher.sync_via(&transport).unwrap();
                pulls += 1;
            }
            pulls
        });
        for round in 0..3 {
            std::thread::scope(|round_scope| {
                let handles: Vec<_> = devices
                .iter_mut()
                .enumerate()
                .map(|(i, d)| {
                    d.register_households(V1, 5);
                    d.now_ms += (i as u64) * 7;
                    d.edit(
                        Entity::Resident,
                        shared,
                        V1,
                        json!({"phone": format!("1390000{round}{i:03}"), format!("note{i}"): round}),
                    );
                    let base = base.clone();
                    round_scope.spawn(move || {
                        let transport = d.transport(&base);
                        d.sync_via(&transport).unwrap()
                    })
                })
                .collect();
                for h in handles {
                    let report = h.join().expect("device thread");
                    assert!(report.rejected.is_empty(), "{:?}", report.rejected);
                }
            });
        }
        done.store(true, std::sync::atomic::Ordering::SeqCst);
        assert!(watching.join().expect("watcher") > 0);
    });

    // Everyone catches up once more, then all agree with the server.
    for d in devices.iter_mut() {
        d.sync(t).unwrap();
    }
    watcher.sync(t).unwrap();
    let mut all: Vec<&Device> = devices.iter().collect();
    t.assert_exactly_once(&all);
    all.push(&watcher);
    for (_, change) in t.log() {
        let server = t
            .storage()
            .record(change.entity, change.entity_id)
            .unwrap()
            .expect("record on the server");
        for d in &all {
            let held = d
                .replica
                .records
                .get(&(change.entity, change.entity_id))
                .unwrap_or_else(|| panic!("{} misses {}", d.id(), change.entity_id));
            assert_eq!(
                held.payload,
                server.payload,
                "{} holds other values than the server",
                d.id()
            );
        }
    }
}

fn scope_and_refusals(t: &Township) {
    let mut a = t.device("冯医生", &[V1]);
    let mut c = t.device("陈医生", &[V2]);
    let mut both = t.device("褚医生", &[V1, V2]);
    a.register_households(V1, 1);
    a.edit(
        Entity::Household,
        Uuid::now_v7(),
        V2,
        json!({"address": "邻村"}),
    );
    let visit = Uuid::now_v7();
    a.edit(
        Entity::Visit,
        visit,
        V1,
        json!({"kind": "hypertension_follow_up", "notes": "血压 132/84"}),
    );
    let report = a.sync(t).unwrap();
    assert_eq!(report.rejected.len(), 1);
    assert_eq!(report.rejected[0].1.code, RejectCode::VillageNotInScope);
    assert!(
        report.rejected[0].1.message_zh.contains("村"),
        "the reason is readable"
    );

    a.edit(Entity::Visit, visit, V1, json!({"notes": "改过的记录"}));
    let report = a.sync(t).unwrap();
    assert_eq!(
        report
            .rejected
            .iter()
            .map(|(_, r)| r.code)
            .collect::<Vec<_>>(),
        vec![RejectCode::AppendOnly]
    );
    assert_eq!(
        a.replica.rejections.len(),
        2,
        "refusals are kept on the device, never dropped"
    );

    c.register_households(V2, 1);
    c.sync(t).unwrap();
    a.sync(t).unwrap();
    assert!(
        c.replica
            .records
            .keys()
            .all(|k| !a.replica.records.contains_key(k)),
        "no record of a foreign village reaches A"
    );
    both.sync(t).unwrap();
    assert_eq!(
        both.replica
            .records
            .values()
            .filter(|r| r.village_id == V2)
            .count(),
        3
    );
    assert_eq!(
        both.replica
            .records
            .values()
            .filter(|r| r.village_id == V1)
            .count(),
        4
    );
    t.assert_exactly_once(&[&a, &c, &both]);
}

fn revoked_token(t: &Township) {
    let mut a = t.device("卫医生", &[V1]);
    a.register_households(V1, 1);
    a.sync(t).unwrap();
    let before = t.log().len();
    assert!(t.storage().revoke(a.id(), chrono::Utc::now()).unwrap());
    a.register_households(V1, 1);
    let err = a.sync(t).unwrap_err();
    assert!(matches!(err, SyncError::Unauthorized(_)), "{err}");
    assert!(!err.is_retryable());
    assert!(err.user_message(jiayi_core::Lang::Zh).contains("重新登记"));
    assert_eq!(
        a.replica.pending_count().unwrap(),
        3,
        "the work stays on the device"
    );
    assert_eq!(
        t.log().len(),
        before,
        "nothing written with a revoked token"
    );
    assert!(
        !t.storage().revoke(a.id(), chrono::Utc::now()).unwrap(),
        "revoking twice says so"
    );
}

fn reference_data(t: &Township) {
    let a = t.device("蒋医生", &[V1]);
    let s = t.storage();
    let now = chrono::Utc::now();
    s.publish(
        ReferenceKind::Catalog,
        "2026",
        jiayi_core::catalog::DEFAULT_CATALOG_TOML,
        now,
    )
    .unwrap();
    let v2 = s
        .publish(
            ReferenceKind::Catalog,
            "2026",
            jiayi_core::catalog::DEFAULT_CATALOG_TOML,
            now,
        )
        .unwrap();
    assert_eq!(v2.version, 2);
    s.publish(
        ReferenceKind::Register,
        "poverty",
        &format!("id_number,name,village_id\n110101199003074477,王某,{V1}\n"),
        now,
    )
    .unwrap();
    s.publish(
        ReferenceKind::TermPolicy,
        "township",
        "policy = \"calendar_year\"\n",
        now,
    )
    .unwrap();
    let teams = json!([{
        "id": Uuid::from_u128(7), "name": "一组团队", "institution": "青山镇卫生院", "village_clinic": "幸福村卫生室",
        "villages": [V1], "members": [{"id": Uuid::from_u128(8), "name": "王医生", "role": "family_doctor", "phone": "13800000001"}],
        "service_hotline": "0710-1234567", "complaint_phone": "0710-7654321", "service_hours": "8:00-17:30"
    }]);
    s.publish(ReferenceKind::Teams, "all", &teams.to_string(), now)
        .unwrap();
    assert!(
        s.publish(ReferenceKind::Catalog, "bad", "not = [toml", now)
            .is_err(),
        "a broken catalog is refused"
    );
    assert!(s.publish(ReferenceKind::Teams, "bad", "[{}]", now).is_err());

    let data = a.transport(&t.base()).reference().unwrap();
    assert_eq!(
        data.document(ReferenceKind::Catalog, "2026")
            .map(|d| d.version),
        Some(2)
    );
    assert_eq!(
        data.document(ReferenceKind::Register, "poverty")
            .map(|d| d.version),
        Some(1)
    );
    assert!(
        data.document(ReferenceKind::TermPolicy, "township")
            .is_some()
    );
    assert_eq!(data.teams.len(), 1);
    assert_eq!(data.teams[0].members[0].name, "王医生");
}

/// The server loses the end of its data (restored from an older backup); `restore` performs the
/// restore. Devices notice and upload again.
fn restore_from_backup(
    t: &mut Township,
    backup: &mut dyn FnMut(&mut Township),
    restore: &mut dyn FnMut(&mut Township),
) {
    let mut a = t.device("沈医生", &[V1]);
    let mut b = t.device("韩医生", &[V1]);
    a.register_households(V1, 5);
    a.sync(t).unwrap();
    b.sync(t).unwrap();
    backup(t);
    a.register_households(V1, 5);
    a.sync(t).unwrap();
    b.register_households(V1, 2);
    b.sync(t).unwrap();
    restore(t);

    let ra = a.sync(t).unwrap();
    assert_eq!(ra.requeued, 15, "A's changes after the backup go up again");
    assert!(
        ra.recovery.contains(&Recovery::NewEpoch),
        "the server noticed the restore by itself: {:?}",
        ra.recovery
    );
    let rb = b.sync(t).unwrap();
    assert_eq!(rb.requeued, 6);
    t.assert_exactly_once(&[&a, &b]);

    // The operator also declares a new epoch: devices re-pull from the start, nothing doubles.
    t.storage().renew_epoch().unwrap();
    let ra = a.sync(t).unwrap();
    assert!(ra.recovery.contains(&Recovery::NewEpoch));
    assert_eq!(ra.requeued, 0);
    assert_eq!(ra.pulled, 6, "A pulls B's changes again, harmlessly");
    t.assert_exactly_once(&[&a, &b]);
}

fn openapi_and_dashboard(t: &Township) {
    let client = reqwest::blocking::Client::new();
    let spec: serde_json::Value = client
        .get(format!("{}/openapi.json", t.base()))
        .send()
        .unwrap()
        .json()
        .unwrap();
    for path in ["/v1/info", "/v1/push", "/v1/pull", "/v1/reference"] {
        assert!(spec["paths"][path].is_object(), "{path} documented");
    }
    assert!(spec["components"]["schemas"]["PushRequest"].is_object());
    let mut a = t.device("杨医生", &[V1]);
    a.register_households(V1, 2);
    a.edit(
        Entity::Contract,
        Uuid::now_v7(),
        V1,
        json!({"agreement_number": "QS-2026-0001"}),
    );
    a.sync(t).unwrap();
    // Without a session the dashboard sends the browser to the login page, and no key in the
    // address opens it.
    for url in [
        "/dashboard",
        "/dashboard?key=test-admin-key",
        "/dashboard/indicator",
    ] {
        let denied = web_client()
            .get(format!("{}{url}", t.base()))
            .send()
            .unwrap();
        assert_eq!(denied.status().as_u16(), 303, "{url}");
        assert_eq!(denied.headers()["location"], "/login", "{url}");
    }
    let (status, html) = admin_get(&format!("{}/dashboard", t.base()));
    assert_eq!(status, 200);
    for text in [
        "设备与最近同步",
        "杨医生的笔记本",
        "各村签约进度",
        "待处理的冲突",
        "本月待审核记录",
        "签约协议",
    ] {
        assert!(html.contains(text), "dashboard shows {text}");
    }
    let unauth = client
        .get(format!("{}/v1/info", t.base()))
        .bearer_auth("jy1_nope")
        .send()
        .unwrap();
    assert_eq!(unauth.status().as_u16(), 401);
    let body: ApiError = unauth.json().unwrap();
    assert_eq!(body.code, "unauthorized");
}

// ---------------------------------------------------------------------------------------------
// SQLite.

#[test]
fn sqlite_first_upload_then_colleague_pulls() {
    first_upload_then_colleague_pulls(&Township::sqlite(small_batches()));
}

#[test]
fn sqlite_faults_before_send_after_commit_and_before_mark() {
    faults_before_send_after_commit_and_before_mark(&Township::sqlite(small_batches()));
}

#[test]
fn sqlite_connection_cut_mid_response() {
    connection_cut_mid_response(&Township::sqlite(small_batches()));
}

#[test]
fn sqlite_replayed_batches() {
    replayed_batches(&Township::sqlite(small_batches()));
}

#[test]
fn sqlite_two_devices_edit_one_resident() {
    two_devices_edit_one_resident(&Township::sqlite(small_batches()));
}

#[test]
fn sqlite_devices_sync_at_once() {
    devices_sync_at_once(&Township::sqlite(small_batches()));
}

#[test]
fn sqlite_scope_and_refusals() {
    scope_and_refusals(&Township::sqlite(small_batches()));
}

#[test]
fn sqlite_revoked_token() {
    revoked_token(&Township::sqlite(small_batches()));
}

#[test]
fn sqlite_reference_data() {
    reference_data(&Township::sqlite(small_batches()));
}

#[test]
fn sqlite_openapi_and_dashboard() {
    openapi_and_dashboard(&Township::sqlite(small_batches()));
}

#[test]
fn sqlite_restore_from_backup() {
    let mut t = Township::sqlite(small_batches());
    let backup_path = t.dir.as_ref().unwrap().path().join("backup.db");
    let b1 = backup_path.clone();
    let mut backup = move |t: &mut Township| {
        let conn = rusqlite::Connection::open(t.sqlite_path()).unwrap();
        conn.execute("VACUUM INTO ?1", [b1.display().to_string()])
            .unwrap();
    };
    let mut restore = move |t: &mut Township| {
        t.stop();
        let db = t.sqlite_path();
        for suffix in ["-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
        }
        std::fs::copy(&backup_path, &db).unwrap();
        t.start();
    };
    restore_from_backup(&mut t, &mut backup, &mut restore);
}

/// The server process is killed (SIGKILL) while batches are arriving: each batch is in the
/// database whole or not at all, and the next round completes the upload exactly once.
#[test]
fn sqlite_server_killed_mid_batch() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("township.db").display());
    let enrolled = {
        let s = jiayi_server::open_storage(&url).unwrap();
        s.enroll(
            &Enrollment {
                device_id: None,
                doctor_name: "钱医生".into(),
                team_name: "二组".into(),
                villages: vec![V1],
                label: "x".into(),
                awaiting_code: None,
            },
            chrono::Utc::now(),
        )
        .unwrap()
    };
    let start = || {
        let mut child = Command::new(env!("CARGO_BIN_EXE_jiayi-server"))
            .args([
                "--db",
                &url,
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--max-changes",
                "200",
            ])
            .stdout(Stdio::piped())
            .spawn()
            .expect("start server process");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let base = line
            .trim()
            .strip_prefix("listening on ")
            .expect("address line")
            .to_string();
        (child, base)
    };
    let mut device = Device {
        replica: jiayi_sync::testing::MemReplica::new(enrolled.device_id),
        token: enrolled.token,
        now_ms: 1,
    };
    device.register_households(V1, 1000); // 3000 changes, 15 batches
    let (mut child, base) = start();
    let watcher = jiayi_server::open_storage(&url).unwrap();
    let mut dev = device;
    let handle = std::thread::spawn(move || {
        let transport = dev.transport(&base);
        let r = dev.sync_via(&transport);
        (dev, r)
    });
    // Kill as soon as the first batches are in: bounded wait, then kill whatever the state.
    for _ in 0..2000 {
        if watcher.high_water().unwrap() > 0 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let (mut device, result) = handle.join().unwrap();
    let stored = watcher.high_water().unwrap();
    assert_eq!(
        stored % 200,
        0,
        "a batch is stored whole or not at all (got {stored} changes)"
    );
    if stored < 3000 {
        assert!(result.is_err(), "a round cut by the kill reports it");
    }
    drop(watcher);
    let (mut child, base) = start();
    let transport = device.transport(&base);
    let report = device.sync_via(&transport).expect("round after restart");
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(
        report.applied,
        3000 - stored,
        "the round after the restart sends exactly what was missing"
    );
    let t = Township::on(&url, Limits::default());
    t.assert_exactly_once(&[&device]);
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL: one private cluster for all scenarios, each on a fresh database.

/// The change log's insert takes the turn (advisory lock `(0, 1)`) itself and holds it to the
/// commit: while another session holds the turn, a push waits for exactly that lock.
fn a_push_waits_for_the_change_log_turn(t: &Township, db_url: &str) {
    let mut device = t.device("医生", &[V1]);
    device.register_households(V1, 2);
    let transport = device.transport(&t.base());
    let mut holder = postgres::Client::connect(db_url, postgres::NoTls).expect("connect");
    let mut turn = holder.transaction().expect("begin");
    turn.execute("SELECT pg_advisory_xact_lock(0, 1)", &[])
        .expect("take the turn");
    let (done, finished) = std::sync::mpsc::channel();
    std::thread::scope(|scope| {
        let device = &mut device;
        let transport = &transport;
        scope.spawn(move || {
            let _ = done.send(device.sync_via(transport).map(|r| r.applied));
        });
        // Bounded: up to 10 s for the push to queue behind the held turn.
        let waiting = (0..500).any(|_| {
            let waiters: i64 = turn
                .query_one(
                    "SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = 0
                       AND objid = 1 AND objsubid = 2 AND NOT granted",
                    &[],
                )
                .expect("locks")
                .get(0);
            waiters > 0 || {
                std::thread::sleep(std::time::Duration::from_millis(20));
                false
            }
        });
        assert!(waiting, "the push never waited for the change log's turn");
        assert!(
            finished.try_recv().is_err(),
            "a push finished while another session held the turn"
        );
        turn.commit().expect("hand the turn back");
        let applied = finished
            .recv_timeout(std::time::Duration::from_secs(60))
            .expect("the push ends once the turn is free")
            .expect("sync");
        assert!(applied > 0);
    });
    t.assert_exactly_once(&[&device]);
}

/// Pushes read the records they touch by key and pulls read only the device's villages, also
/// after the tables have grown past what the server's connections saw when they first prepared
/// their statements (a new server starts with empty tables: a lookup planned then as a scan of
/// the whole table stayed one).
fn reads_stay_narrow_as_the_tables_grow(t: &mut Township, db_url: &str) {
    const GROWN: i64 = 20_000;
    let mut device = t.device("医生", &[V1]);
    // More rounds than PostgreSQL needs before it settles on one plan for a prepared statement.
    for _ in 0..8 {
        device.register_households(V1, 1);
        device.sync(t).expect("sync while the tables are small");
    }
    let mut admin = postgres::Client::connect(db_url, postgres::NoTls).expect("connect");
    // Another village's records and log, written straight into the tables.
    admin
        .execute(
            "INSERT INTO records (entity, entity_id, village_id, payload, field_hlc)
             SELECT 'resident', gen_random_uuid()::text, 'grown', '{}', '{}'
             FROM generate_series(1, $1::bigint)",
            &[&GROWN],
        )
        .expect("grow the records");
    admin
        .execute(
            "INSERT INTO changes (device_id, seq, entity, entity_id, village_id, body, received_at)
             SELECT 'grown', n, 'resident', gen_random_uuid()::text, 'grown', '{}', '2026-01-01'
             FROM generate_series(1, $1::bigint) AS n",
            &[&GROWN],
        )
        .expect("grow the change log");
    for _ in 0..3 {
        device.register_households(V1, 1);
        device.sync(t).expect("sync once the tables have grown");
    }
    // The server's connections hand in their counts as they close.
    t.stop();
    // Rows each table gave to sequential and index scans, and its index scans.
    let counts = |admin: &mut postgres::Client, table: &str| -> (i64, i64) {
        let row = admin
            .query_one(
                "SELECT COALESCE(t.seq_tup_read, 0)
                          + COALESCE((SELECT SUM(i.idx_tup_read) FROM pg_stat_user_indexes i
                                      WHERE i.relid = t.relid), 0)::bigint,
                        COALESCE(t.idx_scan, 0)
                 FROM pg_stat_user_tables t WHERE t.relname = $1",
                &[&table],
            )
            .expect("table statistics");
        (row.get(0), row.get(1))
    };
    // Bounded: up to 10 s for the last pushes' index scans to be counted.
    for _ in 0..100 {
        if counts(&mut admin, "records").1 >= 11 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let (records_read, record_lookups) = counts(&mut admin, "records");
    assert!(record_lookups >= 11, "not every push looked its records up");
    assert!(
        records_read < GROWN,
        "pushes read the grown records table in full ({records_read} rows read)"
    );
    let (log_read, _) = counts(&mut admin, "changes");
    assert!(
        log_read < GROWN,
        "pulls read another village's part of the change log ({log_read} rows read)"
    );
    admin
        .execute("DELETE FROM changes WHERE device_id = 'grown'", &[])
        .expect("take the other village's log out");
    t.start();
    t.assert_exactly_once(&[&device]);
}

/// A village's worth of devices connecting at once all wait in the listen queue instead of
/// being turned away (a turned-away connection tries again only after a second).
#[test]
fn an_in_process_server_queues_a_crowd_of_connections() {
    let t = Township::sqlite(small_batches());
    let port = t.base().rsplit(':').next().unwrap().to_string();
    let out = Command::new("ss")
        .args(["-ltnH", &format!("sport = :{port}")])
        .output()
        .expect("ss (iproute2) shows listening sockets");
    let text = String::from_utf8_lossy(&out.stdout);
    // Columns: State Recv-Q Send-Q Local Peer; for a listening socket Send-Q is its queue.
    let queue: u32 = text
        .split_whitespace()
        .nth(2)
        .and_then(|q| q.parse().ok())
        .unwrap_or_else(|| panic!("no listening socket on port {port}: {text}"));
    assert!(
        queue >= jiayi_server::LISTEN_QUEUE,
        "listen queue of {queue} connections"
    );
}

#[test]
fn postgres_scenarios() {
    let Some(pg) = pg::PgCluster::start() else {
        return;
    };
    type Scenario = fn(&Township);
    let scenarios: [(&str, Scenario); 9] = [
        ("first_upload", first_upload_then_colleague_pulls),
        ("faults", faults_before_send_after_commit_and_before_mark),
        ("cut", connection_cut_mid_response),
        ("replayed", replayed_batches),
        ("two_devices", two_devices_edit_one_resident),
        ("at_once", devices_sync_at_once),
        ("scope", scope_and_refusals),
        ("revoked", revoked_token),
        ("reference", reference_data),
    ];
    for (name, scenario) in scenarios {
        eprintln!("postgres scenario {name}");
        let t = Township::on(&pg.database(&format!("s_{name}")), small_batches());
        scenario(&t);
    }
    let db = pg.database("s_turn");
    a_push_waits_for_the_change_log_turn(&Township::on(&db, small_batches()), &db);
    let db = pg.database("s_grown");
    reads_stay_narrow_as_the_tables_grow(&mut Township::on(&db, small_batches()), &db);
    let db = pg.database("s_restore");
    let mut t = Township::on(&db, small_batches());
    let pg_ref = &pg;
    let mut backup = |t: &mut Township| {
        t.stop();
        pg_ref.copy_database("s_restore", "s_restore_backup");
        t.start();
    };
    let mut restore = |t: &mut Township| {
        t.stop();
        pg_ref.copy_database("s_restore_backup", "s_restore");
        t.start();
    };
    restore_from_backup(&mut t, &mut backup, &mut restore);

    // Restored without `new-epoch`, with the first device back one that saw more of the log
    // than the copy holds, and with a device that saw nothing after the backup uploading first
    // (more than the copy lacks): the database's incarnation tells the server at start.
    for straggler_first in [false, true] {
        let name = format!("s_noticed_{straggler_first}");
        let backup_name = format!("{name}_backup");
        let db = pg.database(&name);
        let mut t = Township::on(&db, small_batches());
        let mut backup = |t: &mut Township| {
            t.stop();
            pg_ref.copy_database(&name, &backup_name);
            t.start();
        };
        let mut restore = |t: &mut Township| {
            t.stop();
            pg_ref.copy_database(&backup_name, &name);
            t.start();
        };
        crate::restore::a_restored_server_is_noticed_and_every_device_converges(
            &mut t,
            &mut backup,
            &mut restore,
            straggler_first,
        );
    }
    a_database_restored_under_the_running_server_is_noticed(&pg);
}

/// A restore under a running PostgreSQL server (the old connections dropped): the next
/// connection the server opens sees another database and takes a new epoch.
fn a_database_restored_under_the_running_server_is_noticed(pg: &jiayi_testkit::pg::PgCluster) {
    let db = pg.database("s_live");
    let mut t = Township::on(&db, small_batches());
    let mut a = t.device("沈医生", &[V1]);
    a.register_households(V1, 2);
    a.sync(&t).unwrap();
    // The backup is taken with the server stopped (a template copy needs its source idle)…
    t.stop();
    pg.copy_database("s_live", "s_live_backup");
    t.start();
    let before = t.storage().epoch().unwrap();
    // …and put back while it runs.
    pg.copy_database("s_live_backup", "s_live");
    // Requests on the connections the restore dropped fail once each (a device retries).
    let after = (0..20)
        .find_map(|_| t.storage().epoch().ok())
        .expect("the server reconnects");
    assert_ne!(before, after, "a new epoch once the database was put back");
    assert_eq!(t.storage().epoch().unwrap(), after, "taken once");
    a.sync(&t).unwrap();
    t.assert_exactly_once(&[&a]);
}

// ---------------------------------------------------------------------------------------------
// The real device store (SQLite files) against the real server.

mod real_store {
    use chrono::{NaiveDate, Utc};
    use jiayi_core::household::Village;
    use jiayi_core::person::Relation;
    use jiayi_core::phone::Phone;
    use jiayi_server::storage::Enrollment;
    use jiayi_store::{NewHousehold, Store};
    use jiayi_sync::http::HttpTransport;
    use jiayi_sync::protocol::Limits;
    use jiayi_testkit::{day, head, household, member};

    use jiayi_testkit::township::{Township, V1};

    fn device(t: &Township, dir: &std::path::Path, name: &str) -> (Store, HttpTransport) {
        let mut store = Store::open(dir.join(format!("{name}.sqlite3"))).unwrap();
        store
            .put_village(&Village {
                id: V1,
                code: "140822100200".into(),
                name: "东庄村".into(),
                township: "青山镇".into(),
            })
            .unwrap();
        let enrolled = t
            .storage()
            .enroll(
                &Enrollment {
                    device_id: Some(store.device_id()),
                    doctor_name: name.into(),
                    team_name: "东庄团队".into(),
                    villages: vec![V1],
                    label: name.into(),
                    awaiting_code: None,
                },
                Utc::now(),
            )
            .unwrap();
        assert_eq!(
            enrolled.device_id,
            store.device_id(),
            "the device keeps its own id"
        );
        (
            store,
            HttpTransport::new(&t.base(), &enrolled.token).unwrap(),
        )
    }

    fn round(store: &mut Store, transport: &HttpTransport) -> jiayi_sync::SyncReport {
        jiayi_sync::sync(store, transport, Utc::now().timestamp_millis(), &mut |_| {})
            .expect("sync round")
    }

    #[test]
    fn two_store_devices_share_a_village_and_converge() {
        let t = Township::sqlite(Limits {
            max_changes: 3,
            max_bytes: 64 * 1024,
            max_pull: 2,
        });
        let dir = tempfile::tempdir().unwrap();
        let (mut a, ta) = device(&t, dir.path(), "王医生");
        let (mut b, tb) = device(&t, dir.path(), "李医生");
        let input = household("东庄村", "一组", "东庄村一组8号")
            .member(head("张三").born(day(1958, 3, 4), 131).phone("13812345678"))
            .member(member("李四", Relation::Spouse).born(day(1960, 7, 8), 222))
            .build();
        let valid = input
            .validate(NaiveDate::from_ymd_opt(2026, 11, 23).unwrap())
            .expect("valid household");
        let record = a
            .register_household(
                NewHousehold {
                    village_id: V1,
                    household: &valid,
                },
                Utc::now(),
            )
            .unwrap();
        let pending = a.pending_count().unwrap();
        assert!(pending >= 3);
        let ra = round(&mut a, &ta);
        assert_eq!(ra.applied, pending);
        assert_eq!(a.pending_count().unwrap(), 0);
        let rb = round(&mut b, &tb);
        assert_eq!(rb.pulled, pending);
        let on_b = b
            .household(record.household.id)
            .expect("the colleague's device has the household");
        assert_eq!(on_b.members.len(), 2);

        // Both change the head's phone offline; B's edit is the later one.
        let head = record.members[0].id;
        let mut on_a = a.resident(head).unwrap();
        on_a.phone = Some(Phone::parse("13911111111").unwrap());
        a.update_resident(&on_a, Utc::now()).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(5));
        let mut on_b = b.resident(head).unwrap();
        on_b.phone = Some(Phone::parse("13722222222").unwrap());
        b.update_resident(&on_b, Utc::now()).unwrap();
        for _ in 0..2 {
            round(&mut a, &ta);
            round(&mut b, &tb);
        }
        let phone_a = a
            .resident(head)
            .unwrap()
            .phone
            .map(|p| p.as_str().to_string());
        let phone_b = b
            .resident(head)
            .unwrap()
            .phone
            .map(|p| p.as_str().to_string());
        let server = t
            .storage()
            .record(jiayi_core::change::Entity::Resident, head)
            .unwrap()
            .unwrap();
        assert_eq!(
            phone_a.as_deref(),
            Some("13722222222"),
            "A takes the later value"
        );
        assert_eq!(phone_b, phone_a, "both devices agree");
        assert_eq!(
            server.payload["phone"],
            serde_json::json!("13722222222"),
            "and so does the server"
        );

        let log = t.log();
        let mut keys: Vec<_> = log.iter().map(|(_, c)| (c.device_id, c.seq)).collect();
        keys.sort();
        keys.dedup();
        assert_eq!(keys.len(), log.len(), "no change stored twice");
        assert_eq!(
            log.len() as u64,
            a.last_seq().unwrap() + b.last_seq().unwrap(),
            "every change stored"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// The dashboard as staff see it, in headless Chromium.

fn chromium() -> Option<String> {
    ["chromium", "chromium-browser"]
        .into_iter()
        .find(|c| {
            Command::new(c)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
        .map(str::to_string)
}

fn headless(browser: &str, extra: &[String], url: &str) -> std::process::Output {
    let profile = tempfile::tempdir().unwrap();
    Command::new("timeout")
        .arg("90")
        .arg(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(extra)
        .arg(url)
        .output()
        .expect("run chromium")
}

#[test]
fn dashboard_in_headless_chromium() {
    let Some(browser) = chromium() else {
        eprintln!(
            "\n*** SKIPPING DASHBOARD BROWSER TEST: chromium not installed (apt-get install -y chromium) ***\n"
        );
        return;
    };
    let t = Township::sqlite(small_batches());
    let mut a = t.device("王医生", &[V1]);
    let mut b = t.device("李医生", &[V1, V2]);
    let resident = a.register_households(V1, 3)[0];
    a.edit(
        Entity::Contract,
        Uuid::now_v7(),
        V1,
        json!({"agreement_number": "QS-2026-0001"}),
    );
    a.edit(
        Entity::Visit,
        Uuid::now_v7(),
        V1,
        json!({"kind": "hypertension_follow_up"}),
    );
    a.sync(&t).unwrap();
    b.sync(&t).unwrap();
    a.edit(
        Entity::Resident,
        resident,
        V1,
        json!({"phone": "13911111111"}),
    );
    b.now_ms += 3_600_000;
    b.edit(
        Entity::Resident,
        resident,
        V1,
        json!({"phone": "13722222222"}),
    );
    b.sync(&t).unwrap();
    a.sync(&t).unwrap();

    // The page has no script: the browser renders the HTML the logged-in admin receives.
    let pages = tempfile::tempdir().unwrap();
    let save = |lang: &str| {
        let (status, html) = admin_get(&format!("{}/dashboard?lang={lang}", t.base()));
        assert_eq!(status, 200);
        let path = pages.path().join(format!("dashboard-{lang}.html"));
        std::fs::write(&path, html).unwrap();
        format!("file://{}", path.display())
    };
    let url = save("zh");
    let out = headless(&browser, &["--dump-dom".into()], &url);
    let dom = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    for text in [
        "乡镇家医签约看板",
        "王医生的笔记本",
        "李医生的笔记本",
        "各村签约进度",
        "待处理的冲突 (1)",
        "13911111111",
        "本月待审核记录 (2)",
        "履约服务",
    ] {
        assert!(dom.contains(text), "the rendered page shows {text}");
    }
    let english = headless(&browser, &["--dump-dom".into()], &save("en"));
    assert!(String::from_utf8_lossy(&english.stdout).contains("Signing progress by village"));
    if let Ok(path) = std::env::var("JIAYI_DASHBOARD_SCREENSHOT") {
        headless(
            &browser,
            &[
                format!("--screenshot={path}"),
                "--window-size=1280,1000".into(),
            ],
            &url,
        );
    }
}
