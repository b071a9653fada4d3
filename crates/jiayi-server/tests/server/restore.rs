//! A server restored from an older copy of its database, without anyone running `new-epoch`:
//! the server notices, and every device ends with every record.

use std::collections::BTreeMap;

use jiayi_core::change::Entity;
use jiayi_sync::plan::Recovery;
use jiayi_sync::protocol::Limits;
use jiayi_testkit::township::{Device, Township, V1};
use serde_json::{Map, Value};
use uuid::Uuid;

fn limits() -> Limits {
    Limits {
        max_changes: 10,
        max_bytes: 64 * 1024,
        max_pull: 7,
    }
}

/// Every live record a device holds, with its fields.
fn records(d: &Device) -> BTreeMap<(Entity, Uuid), Map<String, Value>> {
    d.replica
        .records
        .iter()
        .filter(|(_, r)| r.deleted.is_none())
        .map(|(k, r)| (*k, r.payload.clone()))
        .collect()
}

/// Device B's changes after the backup take, once B uploads them again, cursors that device A
/// had already pulled past. `straggler_first`: a device that saw nothing after the backup
/// uploads a lot before B and A come back (the server's own mark beside its file is then what
/// tells it, since no device that saw more has spoken yet).
pub(crate) fn a_restored_server_is_noticed_and_every_device_converges(
    t: &mut Township,
    backup: &mut dyn FnMut(&mut Township),
    restore: &mut dyn FnMut(&mut Township),
    straggler_first: bool,
) {
    let mut a = t.device("沈医生", &[V1]);
    let mut b = t.device("韩医生", &[V1]);
    let mut c = t.device("钱医生", &[V1]);
    a.register_households(V1, 2);
    a.sync(t).unwrap();
    b.sync(t).unwrap();
    c.sync(t).unwrap();
    backup(t);
    b.register_households(V1, 3);
    b.sync(t).unwrap();
    a.sync(t).unwrap();
    assert_eq!(records(&a), records(&b), "in step before the restore");
    restore(t);

    if straggler_first {
        c.register_households(V1, 6);
        c.sync(t).unwrap();
    }
    b.register_households(V1, 1);
    let rb = b.sync(t).unwrap();
    assert!(
        rb.recovery.contains(&Recovery::NewEpoch),
        "{:?}",
        rb.recovery
    );
    assert_eq!(
        rb.requeued, 9,
        "B's three households after the backup go up again"
    );
    let ra = a.sync(t).unwrap();
    assert!(
        ra.recovery.contains(&Recovery::NewEpoch),
        "{:?}",
        ra.recovery
    );
    c.sync(t).unwrap();
    b.sync(t).unwrap();

    let on_b = records(&b);
    assert_eq!(
        on_b.len(),
        3 * (2 + 3 + 1 + if straggler_first { 6 } else { 0 })
    );
    assert_eq!(records(&a), on_b, "A has everything B has");
    assert_eq!(records(&c), on_b);
    t.assert_exactly_once(&[&a, &b, &c]);
    let again = a.sync(t).unwrap();
    assert!(again.recovery.is_empty(), "settled: {:?}", again.recovery);
}

fn on_sqlite(straggler_first: bool) {
    let mut t = Township::sqlite(limits());
    let backup_path = t.dir.as_ref().unwrap().path().join("backup.db");
    let to = backup_path.clone();
    let mut backup = move |t: &mut Township| {
        let conn = rusqlite::Connection::open(t.sqlite_path()).unwrap();
        conn.execute("VACUUM INTO ?1", [to.display().to_string()])
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
    a_restored_server_is_noticed_and_every_device_converges(
        &mut t,
        &mut backup,
        &mut restore,
        straggler_first,
    );
}

#[test]
fn a_sqlite_server_restored_from_a_copy_is_noticed_and_every_device_converges() {
    on_sqlite(false);
}

#[test]
fn a_sqlite_server_restored_from_a_copy_is_noticed_at_start_before_any_device_tells_it() {
    on_sqlite(true);
}
