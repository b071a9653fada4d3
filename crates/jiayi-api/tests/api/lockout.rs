//! The lockout under attempts made at once and under a clock set back, on a real store and its
//! real key file: every attempt is counted in the key file before its passphrase is checked.

use std::path::Path;
use std::sync::{Arc, Barrier};

use chrono::{DateTime, Duration, Utc};
use jiayi_api::{ApiError, create_vault, open_vault, unlock_vault, vault_status};
use jiayi_core::Lang;
use jiayi_core::access::Lockout;
use jiayi_store::KeyFile;

const PASSPHRASE: &str = "青山镇东庄村卫生室";
const WRONG: &str = "青山镇东庄村卫生所";

/// `n` threads try `passphrase` at the same instant; their refusals.
fn at_once(path: &Path, n: usize, passphrase: &'static str, now: DateTime<Utc>) -> Vec<ApiError> {
    let start = Arc::new(Barrier::new(n));
    let threads: Vec<_> = (0..n)
        .map(|_| {
            let (path, start) = (path.to_path_buf(), start.clone());
            std::thread::spawn(move || {
                start.wait();
                unlock_vault(&path, passphrase, now, Lang::Zh).map(|_| ())
            })
        })
        .collect();
    threads
        .into_iter()
        .map(|t| {
            t.join()
                .unwrap()
                .expect_err("a wrong passphrase never unlocks")
        })
        .collect()
}

fn lockout(path: &Path) -> Lockout {
    KeyFile::load(path).unwrap().unwrap().lockout
}

#[test]
fn wrong_passphrases_at_once_each_count_and_a_lock_stops_the_right_one_even_with_the_clock_set_back()
 {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("jiayi.sqlite3");
    let db = create_vault(&path, PASSPHRASE, PASSPHRASE, Lang::Zh).unwrap();
    drop(db.open().unwrap());
    let now = Utc::now();

    // Four at once: four counted, none locks.
    let refused = at_once(&path, 4, WRONG, now);
    assert!(
        refused.iter().all(|e| e.code == "wrong_passphrase"),
        "{refused:?}"
    );
    assert_eq!(lockout(&path).failures, 4);

    // Twelve more at once: the first of them is the fifth and locks; the others are refused
    // before any key derivation, and not counted.
    let refused = at_once(&path, 12, WRONG, now);
    assert!(
        refused.iter().all(|e| e.code == "locked_out"),
        "{refused:?}"
    );
    let locked = lockout(&path);
    assert_eq!((locked.failures, locked.lockouts), (5, 1));
    assert_eq!(locked.locked_until, Some(now + Duration::minutes(5)));

    // The right passphrase is not tried while locked.
    let right = unlock_vault(&path, PASSPHRASE, now + Duration::minutes(1), Lang::Zh).unwrap_err();
    assert_eq!(right.code, "locked_out");

    // The clock set back a day: still locked, for the lock's full length from there.
    let back = now - Duration::days(1);
    let still = unlock_vault(&path, PASSPHRASE, back, Lang::Zh).unwrap_err();
    assert_eq!(
        still.code, "locked_out",
        "setting the clock back lifts nothing"
    );
    assert_eq!(
        lockout(&path).latest_seen,
        Some(back),
        "the reading is kept"
    );
    let status = vault_status(&path, back + Duration::minutes(4), Lang::Zh).unwrap();
    assert_eq!(status.locked_until, Some(back + Duration::minutes(5)));
    let still = unlock_vault(&path, PASSPHRASE, back + Duration::minutes(4), Lang::Zh).unwrap_err();
    assert_eq!(still.code, "locked_out");

    // Once the full length has passed, the right passphrase opens the store and the unlock is
    // noted with the five wrong tries before it.
    let opened = open_vault(&path, PASSPHRASE, back + Duration::minutes(5), Lang::Zh).unwrap();
    let entry = &opened.api.audit_log(1).unwrap()[0].entry;
    assert_eq!(
        (entry.action.as_str(), entry.entity_id.as_str()),
        ("unlock", "failures_before=5")
    );
    let cleared = lockout(&path);
    assert_eq!((cleared.failures, cleared.locked_until), (0, None));
}
