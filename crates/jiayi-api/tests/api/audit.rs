//! The device's audit log on a real store file: every write, read and print leaves an entry
//! naming records by id only; the chain shows tampering; entries stay six months.

use chrono::{Days, NaiveDate, Utc};
use jiayi_api::{Api, FixedClock};
use jiayi_core::Lang;
use jiayi_core::household::Village;
use jiayi_core::time::china_noon;
use jiayi_store::Store;
use jiayi_testkit::{head, household};
use uuid::Uuid;

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn open(path: &std::path::Path, today: NaiveDate) -> Api {
    let store = Store::open(path).unwrap();
    Api::with_clock(store, Lang::Zh, Box::new(FixedClock(china_noon(today))))
}

fn register(api: &mut Api) -> Uuid {
    let household = household("东庄村", "三组", "东庄村三组5号")
        .member(head("张三").born(day(1955, 4, 1), 131).phone("13812345678"));
    jiayi_testkit::register(api, household).0
}

fn setup(path: &std::path::Path, today: NaiveDate) -> Api {
    let mut store = Store::open(path).unwrap();
    store
        .put_village(&Village {
            id: Uuid::now_v7(),
            code: "140822100200".into(),
            name: "东庄村".into(),
            township: "青山镇".into(),
        })
        .unwrap();
    drop(store);
    open(path, today)
}

#[test]
fn writes_and_reads_leave_chained_entries_without_health_data() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("jiayi.sqlite3");
    let today = Utc::now().date_naive();
    let mut api = setup(&path, today);
    let household = register(&mut api);
    api.household(household).unwrap();
    let entries = api.audit_log(100).unwrap();
    // Newest first: the read, then the household and its resident written.
    assert_eq!(entries[0].entry.action, "read");
    assert_eq!(entries[0].entry.entity, "household");
    assert_eq!(entries[0].entry.entity_id, household.to_string());
    assert!(
        entries
            .iter()
            .any(|e| e.entry.action == "write" && e.entry.entity == "resident")
    );
    assert!(entries.iter().all(|e| e.entry.actor == "local"));
    assert!(
        entries
            .iter()
            .all(|e| e.entry.device_id == api.store().device_id().to_string())
    );
    let text = serde_json::to_string(&entries).unwrap();
    for secret in ["张三", "13812345678", "140822195504"] {
        assert!(!text.contains(secret), "no plaintext health data: {secret}");
    }
    let check = api.verify_audit().unwrap();
    assert_eq!(check.entries, entries.len() as u64);
    assert_eq!(check.broken_at, None);
}

/// A store with a few entries, changed behind the app's back by `sql`, then checked.
fn tampered(sql: &str) -> jiayi_api::AuditCheck {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("jiayi.sqlite3");
    let mut api = setup(&path, Utc::now().date_naive());
    let household = register(&mut api);
    api.household(household).unwrap();
    api.household(household).unwrap();
    let before = api.verify_audit().unwrap();
    assert_eq!(before.broken_at, None);
    drop(api);
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch(sql).unwrap();
    drop(conn);
    open(&path, Utc::now().date_naive()).verify_audit().unwrap()
}

#[test]
fn the_log_cannot_be_edited_or_emptied_and_tampering_shows() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("jiayi.sqlite3");
    let mut api = setup(&path, Utc::now().date_naive());
    register(&mut api);
    drop(api);
    let conn = rusqlite::Connection::open(&path).unwrap();
    let refused = conn.execute("UPDATE audit_log SET entity_id = 'x' WHERE seq = 2", []);
    assert!(refused.unwrap_err().to_string().contains("append-only"));
    let refused = conn.execute("DELETE FROM audit_log", []);
    assert!(refused.unwrap_err().to_string().contains("183 days"));

    // Someone with the file and a SQLite shell removes the guards: the chain still tells.
    let edited = tampered(
        "DROP TRIGGER audit_log_never_updated;
         UPDATE audit_log SET entity_id = 'someone-else' WHERE seq = 2;",
    );
    assert_eq!(edited.broken_at, Some(2));
    let removed = tampered(
        "DROP TRIGGER audit_log_kept_six_months;
         DELETE FROM audit_log WHERE seq = 2;",
    );
    assert_eq!(
        removed.broken_at,
        Some(3),
        "the entry after the removed one no longer follows"
    );
    let rehashed = tampered(
        "DROP TRIGGER audit_log_never_updated;
         UPDATE audit_log SET hash = zeroblob(32) WHERE seq = 1;",
    );
    assert_eq!(rehashed.broken_at, Some(1));
}

#[test]
fn entries_older_than_six_months_are_pruned_and_the_rest_still_checks() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("jiayi.sqlite3");
    let long_ago = Utc::now().date_naive() - Days::new(400);
    let mut api = setup(&path, long_ago);
    let household = register(&mut api);
    let old = api.verify_audit().unwrap().entries;
    assert!(old >= 2);
    drop(api);
    // Today: one more read, then the old entries go.
    let mut api = open(&path, Utc::now().date_naive());
    api.household(household).unwrap();
    assert_eq!(api.prune_audit().unwrap(), old);
    let check = api.verify_audit().unwrap();
    assert_eq!((check.entries, check.broken_at), (1, None));
    // Nothing younger than six months is pruned.
    assert_eq!(api.prune_audit().unwrap(), 0);
}
