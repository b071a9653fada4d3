//! Opening a store from the command line: a missing store is never created plain unless asked
//! for, an unlock is noted in the audit log like the app's, and wrong passphrases count toward
//! the same lockout, also when several `jiayi` processes try at once.

use std::io::Write;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};

use jiayi_store::{DatabaseFile, KeyFile, crypt};

use super::json;

const PASSPHRASE: &str = "青山镇东庄村卫生室";
const WRONG: &str = "青山镇东庄村卫生所";

/// `jiayi --db <db> <args>` with nothing added.
fn bare(db: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_jiayi"))
        .arg("--db")
        .arg(db)
        .args(args)
        .output()
        .unwrap()
}

/// Starts `jiayi --db <db> --passphrase-stdin <args>` with `passphrase` on standard input.
fn start(db: &Path, passphrase: &str, args: &[&str]) -> Child {
    let mut child = Command::new(env!("CARGO_BIN_EXE_jiayi"))
        .arg("--db")
        .arg(db)
        .arg("--passphrase-stdin")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    writeln!(child.stdin.take().unwrap(), "{passphrase}").unwrap();
    child
}

fn with_passphrase(db: &Path, passphrase: &str, args: &[&str]) -> Output {
    start(db, passphrase, args).wait_with_output().unwrap()
}

/// `n` processes with a wrong passphrase, all started before any is waited for.
fn wrong_at_once(db: &Path, n: usize) -> Vec<String> {
    let children: Vec<Child> = (0..n).map(|_| start(db, WRONG, &["status"])).collect();
    children
        .into_iter()
        .map(|child| {
            let out = child.wait_with_output().unwrap();
            assert_eq!(out.status.code(), Some(2), "a wrong passphrase is refused");
            String::from_utf8_lossy(&out.stderr).into_owned()
        })
        .collect()
}

fn failures(db: &Path) -> u32 {
    KeyFile::load(db).unwrap().unwrap().lockout.failures
}

#[test]
fn a_missing_store_is_created_plain_only_when_asked_and_encrypted_with_a_passphrase() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("jiayi.sqlite3");

    let refused = bare(&db, &["status"]);
    assert_eq!(refused.status.code(), Some(2));
    let message = String::from_utf8_lossy(&refused.stderr);
    assert!(
        message.contains("还没有数据库")
            && message.contains("--passphrase-stdin")
            && message.contains("--unencrypted"),
        "{message}"
    );
    assert_eq!(crypt::inspect(&db).unwrap(), DatabaseFile::Missing);
    assert!(!KeyFile::path_for(&db).exists(), "nothing was written");

    let plain = bare(&db, &["--unencrypted", "status", "--json"]);
    assert!(plain.status.success());
    let warning = String::from_utf8_lossy(&plain.stderr);
    assert!(
        warning.contains("不加密") && warning.contains("明文"),
        "{warning}"
    );
    assert_eq!(crypt::inspect(&db).unwrap(), DatabaseFile::Plain);
    let again = bare(&db, &["status", "--json"]);
    assert!(
        again.status.success(),
        "an existing plain store still opens"
    );
    assert!(
        again.stderr.is_empty(),
        "only creating one warns: {}",
        String::from_utf8_lossy(&again.stderr)
    );

    let other = dir.path().join("encrypted.sqlite3");
    let created = json(&with_passphrase(&other, PASSPHRASE, &["status", "--json"]));
    assert_eq!(created["households"], 0);
    assert_eq!(crypt::inspect(&other).unwrap(), DatabaseFile::Encrypted);
    assert!(KeyFile::path_for(&other).exists());

    let both = bare(&other, &["--unencrypted", "--passphrase-stdin", "status"]);
    assert_eq!(both.status.code(), Some(2), "the two flags contradict");
}

#[test]
fn an_unlock_from_the_command_line_is_audited_with_the_wrong_tries_before_it() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("jiayi.sqlite3");
    json(&with_passphrase(&db, PASSPHRASE, &["status", "--json"]));

    for stderr in wrong_at_once(&db, 3) {
        assert!(stderr.contains("口令不对"), "{stderr}");
    }
    assert_eq!(failures(&db), 3, "three processes at once count three");

    let log = json(&with_passphrase(
        &db,
        PASSPHRASE,
        &["audit", "list", "--limit", "1", "--json"],
    ));
    let entry = &log[0]["entry"];
    assert_eq!(entry["action"], "unlock");
    assert_eq!(entry["entity_id"], "failures_before=3");
    assert_eq!(failures(&db), 0, "the right passphrase clears the count");

    let next = json(&with_passphrase(
        &db,
        PASSPHRASE,
        &["audit", "list", "--limit", "1", "--json"],
    ));
    assert_eq!(next[0]["entry"]["entity_id"], "failures_before=0");
    assert!(next[0]["seq"].as_i64() > log[0]["seq"].as_i64());
}

#[test]
fn wrong_passphrases_from_processes_at_once_lock_the_store_for_the_right_one_too() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("jiayi.sqlite3");
    json(&with_passphrase(&db, PASSPHRASE, &["status", "--json"]));

    let refusals = wrong_at_once(&db, 8);
    let lockout = KeyFile::load(&db).unwrap().unwrap().lockout;
    assert_eq!(
        (lockout.failures, lockout.lockouts),
        (5, 1),
        "five were checked, the fifth locked, the rest were refused uncounted"
    );
    assert!(lockout.locked_until.is_some());
    let wrong = refusals.iter().filter(|e| e.contains("口令不对")).count();
    let locked = refusals.iter().filter(|e| e.contains("已暂时锁定")).count();
    assert_eq!((wrong, locked), (4, 4), "{refusals:#?}");

    let right = with_passphrase(&db, PASSPHRASE, &["status"]);
    assert_eq!(right.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&right.stderr).contains("已暂时锁定"),
        "while locked the right passphrase is not tried"
    );
}
