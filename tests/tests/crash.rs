//! A writer killed in the middle of its work leaves a consistent database and loses nothing
//! it had committed.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use jiayi_store::Store;
use uuid::Uuid;

#[test]
fn a_killed_writer_loses_nothing_committed() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("device.sqlite3");
    let mut total_confirmed = 0;
    // Several rounds, each killed after a different number of commits, on the same file.
    for (round, kill_after) in [3usize, 17, 41, 96].into_iter().enumerate() {
        let mut child = Command::new(env!("CARGO_BIN_EXE_jiayi-test-writer"))
            .arg(&db)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut confirmed: Vec<Uuid> = Vec::new();
        let started = Instant::now();
        for line in BufReader::new(stdout).lines() {
            let line = line.unwrap();
            confirmed.push(Uuid::parse_str(line.trim()).unwrap());
            if confirmed.len() >= kill_after || started.elapsed() > Duration::from_secs(60) {
                break;
            }
        }
        // SIGKILL: no destructor, no checkpoint, mid-transaction most likely.
        child.kill().unwrap();
        child.wait().unwrap();
        assert!(
            confirmed.len() >= kill_after,
            "round {round}: the writer stopped early"
        );

        let store = Store::open(&db).unwrap();
        assert!(
            store.integrity_ok().unwrap(),
            "round {round}: the file is consistent"
        );
        for id in &confirmed {
            let household = store
                .household(*id)
                .unwrap_or_else(|e| panic!("round {round}: committed household {id} lost: {e}"));
            assert_eq!(
                household.members.len(),
                2,
                "round {round}: a household is whole or absent"
            );
        }
        total_confirmed += confirmed.len();
        let households = store.household_count().unwrap() as usize;
        assert!(
            households >= total_confirmed,
            "round {round}: {households} < {total_confirmed}"
        );
        // Every stored record has its outbox row: what is committed will be synced.
        let pending = store.pending_changes(0, 1_000_000).unwrap();
        let households_in_outbox = pending
            .iter()
            .filter(|c| c.entity == jiayi_core::change::Entity::Household)
            .count();
        let residents_in_outbox = pending
            .iter()
            .filter(|c| c.entity == jiayi_core::change::Entity::Resident)
            .count();
        assert_eq!(households_in_outbox, households, "round {round}");
        assert_eq!(
            residents_in_outbox,
            store.resident_count().unwrap() as usize,
            "round {round}"
        );
    }
}

/// A change of passphrase killed at moments spread over its whole run (unlocking, the first key
/// file, the re-encrypted copy, the rename, the final key file) leaves a store that one of the
/// two passphrases opens, with every row, and whole.
#[test]
fn a_killed_change_of_passphrase_loses_nothing() {
    use jiayi_api::{Api, create_vault, unlock_vault};
    use jiayi_core::Lang;
    use jiayi_core::household::Village;
    use jiayi_core::person::Relation;
    use jiayi_testkit::{household, member};
    use std::io::Write as _;

    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("jiayi.sqlite3");
    let passphrases = ["东庄村卫生室口令甲", "东庄村卫生室口令乙"];
    {
        let file = create_vault(&db, passphrases[0], passphrases[0], Lang::En).unwrap();
        let mut api = Api::open_file(&file, Lang::En).unwrap();
        api.store_mut()
            .put_village(&Village {
                id: Uuid::from_u128(1),
                code: "140822100200".into(),
                name: "东庄村".into(),
                township: "青山镇".into(),
            })
            .unwrap();
        for n in 0..150u32 {
            let born = chrono::NaiveDate::from_ymd_opt(1950, 1, 1).unwrap()
                + chrono::Days::new(u64::from(n * 37));
            let h = household("东庄村", "一组", format!("东庄村一组{n}号"))
                .member(member(format!("户主{n}"), Relation::Head).born(born, 1))
                .member(member(format!("配偶{n}"), Relation::Spouse).born(born, 2));
            jiayi_testkit::register(&mut api, h);
        }
    }
    let digest_without_audit = |key: &jiayi_store::DbKey| {
        let store = jiayi_store::DbFile::encrypted(&db, key.clone())
            .open()
            .unwrap();
        assert!(store.fully_intact().unwrap(), "the store is whole");
        let mut digest = store.content_digest().unwrap();
        let audit = digest.remove("audit_log").unwrap().rows;
        (digest, audit)
    };
    let unlock = |passphrase: &str| unlock_vault(&db, passphrase, chrono::Utc::now(), Lang::En);
    let first = unlock(passphrases[0]).unwrap().db.key.unwrap();
    let (expected, mut audit_rows) = digest_without_audit(&first);
    assert!(expected["households"].rows >= 150 && expected["residents"].rows >= 300);

    let run = |old: &str, new: &str| {
        let mut child = Command::new(env!("CARGO_BIN_EXE_jiayi-test-passwd"))
            .arg(&db)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        writeln!(stdin, "{old}\n{new}").unwrap();
        drop(stdin);
        child
    };
    // One uninterrupted change measures how long a change takes.
    let started = Instant::now();
    assert!(
        run(passphrases[0], passphrases[1])
            .wait()
            .unwrap()
            .success()
    );
    let whole = started.elapsed();
    let mut holds = 1;
    let rounds = 10u32;
    let (mut pending_seen, mut forward, mut back) = (0, 0, 0);
    for round in 0..rounds {
        let (old, new) = (passphrases[holds], passphrases[1 - holds]);
        let mut child = run(old, new);
        // Spread over the run, with a jitter from the clock so runs differ.
        let jitter = u64::from(Instant::now().elapsed().subsec_nanos() % 20);
        let delay = whole * (2 * round + 1) / (2 * rounds) + Duration::from_millis(jitter);
        std::thread::sleep(delay);
        child.kill().unwrap();
        child.wait().unwrap();

        let file = jiayi_store::KeyFile::load(&db).unwrap().unwrap();
        let pending = file.change.is_some();
        pending_seen += usize::from(pending);
        let unlocked = unlock(old)
            .or_else(|e| {
                assert_eq!(e.code, "wrong_passphrase", "round {round}: {}", e.message);
                unlock(new)
            })
            .unwrap_or_else(|e| panic!("round {round}: neither passphrase opens: {}", e.message));
        let now_holds = if jiayi_store::KeyFile::load(&db)
            .unwrap()
            .unwrap()
            .unlock(new)
            .unwrap()
            .is_some()
        {
            1 - holds
        } else {
            holds
        };
        if pending {
            assert!(
                unlocked.notice.is_some(),
                "round {round}: the doctor is told"
            );
        }
        if now_holds == holds {
            back += 1;
        } else {
            forward += 1;
        }
        let (digest, audit) = digest_without_audit(unlocked.db.key.as_ref().unwrap());
        assert_eq!(digest, expected, "round {round}: every row is there");
        assert!(
            audit == audit_rows || audit == audit_rows + 1,
            "round {round}: the audit log keeps its entries and at most notes the change"
        );
        audit_rows = audit;
        holds = now_holds;
        let mut copy = db.as_os_str().to_owned();
        copy.push(".rekeying");
        assert!(
            !std::path::Path::new(&copy).exists(),
            "round {round}: no copy left behind"
        );
    }
    eprintln!("killed changes: {pending_seen} mid-change, {forward} went forward, {back} stayed");
    assert!(
        pending_seen > 0,
        "some kills landed between the two key files"
    );
}
