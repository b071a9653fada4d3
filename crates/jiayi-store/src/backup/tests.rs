use super::*;
use crate::crypt::KdfParams;
use jiayi_core::household::Village;

const PASSPHRASE: &str = "东村卫生室二〇二六";
/// A name no page of the copy may show in clear.
const VILLAGE_NAME: &str = "备份测试村独有名";

fn encrypted_store(dir: &Path) -> DbFile {
    let path = dir.join("jiayi.sqlite3");
    let (file, key) = KeyFile::create(PASSPHRASE, KdfParams::OWASP_MINIMUM).unwrap();
    file.save(&path).unwrap();
    let db = DbFile::encrypted(&path, key);
    let mut store = db.open().unwrap();
    store
        .put_village(&Village {
            id: Uuid::from_u128(1),
            code: "140822100200".into(),
            name: VILLAGE_NAME.into(),
            township: "青山镇".into(),
        })
        .unwrap();
    db
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn a_backup_round_trips_and_shows_nothing_in_clear() {
    let dir = tempfile::tempdir().unwrap();
    let db = encrypted_store(dir.path());
    let out = dir.path().join("a.jiayi-backup");
    let header = write_backup(&db, &out, Utc::now()).unwrap();
    assert_eq!(header.device_id, db.open().unwrap().device_id());
    assert_eq!(header.doctor_id, None, "not enrolled");

    let bytes = fs::read(&out).unwrap();
    assert!(
        !contains(&bytes, VILLAGE_NAME.as_bytes()),
        "a name in clear"
    );
    assert!(!contains(&bytes, b"SQLite format 3"), "a plain page");

    let verified = VerifiedBackup::open(&out).unwrap();
    assert_eq!(verified.header, header);
    let restored = dir.path().join("restored").join("jiayi.sqlite3");
    fs::create_dir_all(restored.parent().unwrap()).unwrap();
    verified.extract_to(&restored).unwrap();
    let key = KeyFile::load(&restored)
        .unwrap()
        .unwrap()
        .unlock(PASSPHRASE)
        .unwrap()
        .expect("the same passphrase opens the copy");
    let store = DbFile::encrypted(&restored, key).open().unwrap();
    assert_eq!(
        store.village(Uuid::from_u128(1)).unwrap().name,
        VILLAGE_NAME
    );
    assert!(store.integrity_ok().unwrap());
    assert!(
        verified.extract_to(&restored).is_err(),
        "an existing file is never overwritten"
    );
}

#[test]
fn a_truncated_or_altered_backup_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let db = encrypted_store(dir.path());
    let out = dir.path().join("a.jiayi-backup");
    write_backup(&db, &out, Utc::now()).unwrap();
    let bytes = fs::read(&out).unwrap();
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("truncated", bytes[..bytes.len() - 100].to_vec()),
        ("empty", Vec::new()),
        ("one bit in the body", {
            let mut b = bytes.clone();
            let at = b.len() - 5000;
            b[at] ^= 1;
            b
        }),
        ("one bit in the header", {
            let mut b = bytes.clone();
            b[40] ^= 1;
            b
        }),
        ("bytes added", [bytes.clone(), vec![0; 10]].concat()),
        ("another file", b"SQLite format 3\0 and more".to_vec()),
    ];
    for (case, content) in cases {
        let path = dir.path().join(format!("{case}.jiayi-backup"));
        fs::write(&path, content).unwrap();
        assert!(
            matches!(VerifiedBackup::open(&path), Err(StoreError::Backup(_))),
            "{case} is refused as damaged"
        );
    }
}

#[test]
fn a_plain_store_is_not_backed_up() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("plain.sqlite3");
    crate::Store::open(&path).unwrap();
    let out = dir.path().join("p.jiayi-backup");
    assert!(write_backup(&DbFile::plain(&path), &out, Utc::now()).is_err());
    assert!(!out.exists());
}

/// `VACUUM INTO` on a keyed connection writes an encrypted copy under the same key, and takes
/// it in one read transaction: a writer committing pairs of rows meanwhile never leaves half a
/// pair in the copy.
#[test]
fn vacuum_into_is_encrypted_and_consistent_while_writing() {
    let dir = tempfile::tempdir().unwrap();
    let db = encrypted_store(dir.path());
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let db = db.clone();
        let stop = stop.clone();
        std::thread::spawn(move || {
            let mut store = db.open().unwrap();
            let mut i = 0u64;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let tx = store.conn.transaction().unwrap();
                for side in ["a", "b"] {
                    tx.execute(
                        "INSERT INTO sync_state (key, value) VALUES (?1, 'x')",
                        [format!("{side}{i}")],
                    )
                    .unwrap();
                }
                tx.commit().unwrap();
                i += 1;
            }
            i
        })
    };
    for n in 0..5 {
        let out = dir.path().join(format!("{n}.jiayi-backup"));
        write_backup(&db, &out, Utc::now()).unwrap();
        let restored = dir.path().join(format!("r{n}.sqlite3"));
        VerifiedBackup::open(&out)
            .unwrap()
            .extract_to(&restored)
            .unwrap();
        let conn = Connection::open(&restored).unwrap();
        apply_key(&conn, db.key.as_ref().unwrap()).unwrap();
        let count = |side: &str| -> i64 {
            conn.query_row(
                "SELECT COUNT(*) FROM sync_state WHERE key LIKE ?1",
                [format!("{side}%")],
                |r| r.get(0),
            )
            .unwrap()
        };
        assert_eq!(
            count("a"),
            count("b"),
            "a write is in the copy whole or not at all"
        );
        let plain = Connection::open(&restored).unwrap();
        assert!(
            plain
                .query_row("SELECT COUNT(*) FROM sqlite_master", [], |r| r
                    .get::<_, i64>(0))
                .is_err(),
            "without the key the copy does not open"
        );
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    assert!(
        writer.join().unwrap() > 0,
        "the writer wrote during the backups"
    );
}
