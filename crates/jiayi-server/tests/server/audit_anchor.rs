//! The audit chain anchored outside the database, on SQLite and PostgreSQL: each way someone
//! holding only the database could make the chain verify after tampering — removing the newest
//! entries, editing the anchor row, editing an entry and recomputing the rest — is found by the
//! seals (MAC'd with the township key file) and by a signed checkpoint file kept elsewhere.

use chrono::Utc;
use jiayi_core::audit::chain_hash;
use jiayi_server::audit;
use jiayi_server::audit_seal::{Checkpoint, check, checkpoint};
use jiayi_server::storage::{AuditEvent, DynStorage};
use jiayi_server::township_key::TownshipKey;
use jiayi_testkit::pg;
use jiayi_testkit::township::*;

/// Runs SQL straight on the township's database, past the server.
fn raw(t: &Township, sql: &str) -> Result<(), String> {
    if t.db_url.starts_with("sqlite://") {
        let conn = rusqlite::Connection::open(t.sqlite_path()).map_err(|e| e.to_string())?;
        conn.execute_batch(sql).map_err(|e| e.to_string())
    } else {
        let mut c =
            postgres::Client::connect(&t.db_url, postgres::NoTls).map_err(|e| e.to_string())?;
        c.batch_execute(sql).map_err(|e| e.to_string())
    }
}

/// Turns off every guard, as the database's owner can.
fn bypass_guards(t: &Township) {
    if t.db_url.starts_with("sqlite://") {
        raw(
            t,
            "DROP TRIGGER audit_log_never_updated; DROP TRIGGER audit_log_kept_six_months;
             DROP TRIGGER audit_anchor_moves_only_forward; DROP TRIGGER audit_seals_never_updated;",
        )
        .unwrap();
    } else {
        raw(
            t,
            "ALTER TABLE audit_log DISABLE TRIGGER USER; ALTER TABLE audit_anchor DISABLE TRIGGER USER;
             ALTER TABLE audit_seals DISABLE TRIGGER USER;",
        )
        .unwrap();
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `UPDATE … SET hash = <bytes>` in each backend's spelling.
fn blob(t: &Township, bytes: &[u8]) -> String {
    if t.db_url.starts_with("sqlite://") {
        format!("X'{}'", hex(bytes))
    } else {
        format!("'\\x{}'::bytea", hex(bytes))
    }
}

/// A township with 12 entries, a checkpoint after the 10th (sealed in the database and as a
/// file), and the checkpoint.
fn logged(t: &Township) -> Checkpoint {
    let storage = t.storage();
    let now = Utc::now();
    for i in 0..10 {
        storage
            .append_audit(&AuditEvent::operator(&format!("step-{i}")), now)
            .unwrap();
    }
    storage.seal_audit().unwrap();
    // The township's start logged its own entries before these ten.
    let before = storage.audit_entries(0, 1000).unwrap().len() as u64 - 10;
    let c = checkpoint(storage.as_ref(), &t.township_key(), now).unwrap();
    assert_eq!((c.last_seq, c.count), (before + 10, before + 10));
    for i in 10..12 {
        storage
            .append_audit(&AuditEvent::operator(&format!("step-{i}")), now)
            .unwrap();
    }
    storage.seal_audit().unwrap();
    assert!(
        check(storage.as_ref(), Some(&t.township_key()), Some(&c))
            .unwrap()
            .is_empty()
    );
    c
}

fn problems(t: &Township, file: Option<&Checkpoint>) -> String {
    check(t.storage().as_ref(), Some(&t.township_key()), file)
        .unwrap()
        .join("\n")
}

/// The newest entries, through the checkpoint's, removed: the chain still verifies.
fn truncated_newest(t: &Township) {
    let c = logged(t);
    let cut = format!("DELETE FROM audit_log WHERE seq > {}", c.last_seq - 2);
    assert!(raw(t, &cut).is_err(), "the guard refuses");
    bypass_guards(t);
    raw(t, &cut).unwrap();
    assert_eq!(
        audit::verify(t.storage().as_ref()).unwrap().broken_at,
        None,
        "the chain alone cannot see it"
    );
    let found = problems(t, Some(&c));
    assert!(
        found.contains(&format!(
            "removed from the end: the checkpoint file names entry {}, the log ends at {}",
            c.last_seq,
            c.last_seq - 2
        )),
        "{found}"
    );
    assert!(
        problems(t, None).contains(&format!("a checkpoint names entry {}", c.last_seq)),
        "the seal in the database finds it too"
    );
}

/// The anchor row edited to hide the oldest entries removed early: the chain verifies from it.
fn edited_anchor(t: &Township) {
    let c = logged(t);
    let entries = t.storage().audit_entries(0, 100).unwrap();
    let third = entries.iter().find(|e| e.seq == 3).unwrap();
    let move_anchor = format!(
        "UPDATE audit_anchor SET hash = {}, pruned_through = 3 WHERE singleton = 1",
        blob(t, &third.hash)
    );
    // The guard lets the anchor move only forward, to a kept entry's hash (as a prune does
    // before it removes the entries), and never away.
    assert!(
        raw(
            t,
            &format!(
                "UPDATE audit_anchor SET hash = {} WHERE singleton = 1",
                blob(t, &[7; 32])
            )
        )
        .is_err(),
        "the guard refuses another hash"
    );
    assert!(
        raw(
            t,
            "UPDATE audit_anchor SET pruned_through = 0 WHERE singleton = 1"
        )
        .is_err(),
        "the guard refuses moving it back"
    );
    assert!(raw(t, "DELETE FROM audit_anchor").is_err());
    bypass_guards(t);
    raw(t, "DELETE FROM audit_log WHERE seq <= 3").unwrap();
    raw(t, &move_anchor).unwrap();
    assert_eq!(
        audit::verify(t.storage().as_ref()).unwrap().broken_at,
        None,
        "the chain alone cannot see it"
    );
    let found = problems(t, Some(&c));
    assert!(
        found.contains("the anchor (entries pruned through 3) was not put there by `audit prune`"),
        "{found}"
    );
}

/// An entry edited and every hash after it recomputed: the chain verifies, the MAC'd seal and
/// the signed file do not, and the seal cannot be re-made without the key.
fn edited_and_recomputed(t: &Township) {
    let c = logged(t);
    bypass_guards(t);
    let entries = t.storage().audit_entries(0, 100).unwrap();
    let mut previous = entries[0].hash;
    let mut sql = String::new();
    for e in &entries[1..] {
        let mut e = e.clone();
        if e.seq == 4 {
            e.records = "household:forged".into();
            sql += &format!(
                "UPDATE audit_log SET records = 'household:forged' WHERE seq = {};",
                e.seq
            );
        }
        let hash = chain_hash(&previous, &e.entry());
        sql += &format!(
            "UPDATE audit_log SET hash = {} WHERE seq = {};",
            blob(t, &hash),
            e.seq
        );
        previous = hash;
    }
    raw(t, &sql).unwrap();
    assert_eq!(
        audit::verify(t.storage().as_ref()).unwrap().broken_at,
        None,
        "the chain alone cannot see it"
    );
    let found = problems(t, Some(&c));
    assert!(
        found.contains(&format!(
            "entry {} differs from the checkpoint file: entries up to it were edited and the chain recomputed",
            c.last_seq
        )),
        "{found}"
    );
    assert!(
        found.contains(&format!("entry {} differs from a checkpoint", c.last_seq)),
        "{found}"
    );
    // Re-pointing the database's seal at the new hash: its MAC fails without the key.
    let new_tenth = t
        .storage()
        .audit_entries(c.last_seq - 1, 1)
        .unwrap()
        .first()
        .unwrap()
        .hash;
    raw(
        t,
        &format!(
            "UPDATE audit_seals SET hash = {} WHERE kind = 'checkpoint'",
            blob(t, &new_tenth)
        ),
    )
    .unwrap();
    let found = problems(t, None);
    assert!(
        found.contains(&format!(
            "the checkpoint seal of entry {} fails its MAC",
            c.last_seq
        )),
        "{found}"
    );
    // A checkpoint file altered to match is refused by its signature.
    let mut forged = c.clone();
    forged.last_hash = hex(&new_tenth);
    let found = problems(t, Some(&forged));
    assert!(found.contains("signature does not hold"), "{found}");
}

/// A prune moves the anchor and seals it in the same transaction: the log still verifies,
/// against a checkpoint taken before the prune too. (On a bare database: a township's start
/// logs entries of today before the old ones this needs.)
fn pruned_log_still_verifies(storage: &DynStorage) {
    let dir = tempfile::tempdir().unwrap();
    let key = TownshipKey::load_or_create(&dir.path().join("township-key")).unwrap();
    let now = Utc::now();
    let old = now - chrono::Duration::days(jiayi_core::audit::RETENTION_DAYS + 10);
    for i in 0..10 {
        let at = if i < 5 { old } else { now };
        storage
            .append_audit(&AuditEvent::operator(&format!("step-{i}")), at)
            .unwrap();
    }
    storage.seal_audit().unwrap();
    let c = checkpoint(storage.as_ref(), &key, now).unwrap();
    let n = storage
        .prune_audit(audit::retention_cutoff(now), &|seq, hash| {
            jiayi_server::audit_seal::seal(&key, "anchor", seq, hash, now)
        })
        .unwrap();
    assert_eq!(n, 5);
    assert_eq!(storage.audit_anchor().unwrap().1, 5);
    let found = check(storage.as_ref(), Some(&key), Some(&c)).unwrap();
    assert!(found.is_empty(), "{found:?}");
    // The seal is what makes the moved anchor good: another key does not vouch for it.
    let other = TownshipKey::load_or_create(&dir.path().join("other-key")).unwrap();
    let found = check(storage.as_ref(), Some(&other), None)
        .unwrap()
        .join("\n");
    assert!(
        found.contains("was not put there by `audit prune`"),
        "{found}"
    );
}

fn every_tamper(new_township: &mut dyn FnMut(&str) -> Township) {
    truncated_newest(&new_township("trunc"));
    edited_anchor(&new_township("anchor"));
    edited_and_recomputed(&new_township("recompute"));
}

#[test]
fn each_tamper_is_found_on_sqlite() {
    every_tamper(&mut |_| Township::sqlite(Limits::default()));
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("pruned.db").display());
    pruned_log_still_verifies(&jiayi_server::open_storage(&db).unwrap());
}

#[test]
fn each_tamper_is_found_on_postgres() {
    let Some(pg) = pg::PgCluster::start() else {
        return;
    };
    every_tamper(&mut |name| {
        Township::on(&pg.database(&format!("audit_{name}")), Limits::default())
    });
    pruned_log_still_verifies(&jiayi_server::open_storage(&pg.database("audit_pruned")).unwrap());
}

/// The commands: `audit checkpoint --out FILE` and `audit verify --against FILE`, which fails
/// naming what is wrong.
#[test]
fn the_audit_commands_checkpoint_and_verify_against_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("township.db").display());
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_jiayi-server"))
            .arg("--db")
            .arg(&db)
            .args(args)
            .output()
            .unwrap()
    };
    for _ in 0..3 {
        assert!(run(&["new-epoch"]).status.success());
    }
    let file = dir.path().join("checkpoint.json");
    let out = run(&["audit", "checkpoint", "--out", file.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let c = Checkpoint::read(&file).unwrap();
    assert_eq!((c.last_seq, c.count), (3, 3));
    let out = run(&["audit", "verify", "--against", file.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("holds to the checkpoint of entry 3"));

    let conn = rusqlite::Connection::open(dir.path().join("township.db")).unwrap();
    conn.execute_batch(
        "DROP TRIGGER audit_log_kept_six_months; DELETE FROM audit_log WHERE seq >= 3;",
    )
    .unwrap();
    drop(conn);
    let out = run(&["audit", "verify", "--against", file.to_str().unwrap()]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("the checkpoint file names entry 3, the log ends at 2"),
        "{stderr}"
    );
}
