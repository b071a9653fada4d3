//! Encryption at rest on real database files: nothing of a resident is readable in the file or
//! its WAL, a wrong passphrase changes nothing and is counted, and a store made before
//! encryption is encrypted in place without losing a row.

use std::path::{Path, PathBuf};

use chrono::{Duration, NaiveDate, Utc};
use jiayi_api::{Api, VaultState, create_vault, protect_plain_vault, unlock_vault, vault_status};
use jiayi_core::Lang;
use jiayi_core::household::Village;
use jiayi_core::id_number::compose;
use jiayi_store::{DatabaseFile, DbFile, Store, crypt};
use jiayi_testkit::{head, household};
use uuid::Uuid;

const PASSPHRASE: &str = "青山镇东庄村卫生室";
const NAME: &str = "欧阳明珠";
const PHONE: &str = "13912345678";

fn id_number() -> String {
    compose("140822", NaiveDate::from_ymd_opt(1950, 3, 9).unwrap(), 123)
}

fn village() -> Village {
    Village {
        id: Uuid::now_v7(),
        code: "140822100200".into(),
        name: "东庄村".into(),
        township: "青山镇".into(),
    }
}

fn register(api: &mut Api, name: &str, id_number: String, phone: &str) -> Uuid {
    let household = household("东庄村", "三组", "东庄村三组8号")
        .member(head(name).id_number(id_number).phone(phone));
    jiayi_testkit::register(api, household).0
}

fn sibling(path: &Path, suffix: &str) -> PathBuf {
    PathBuf::from(format!("{}{suffix}", path.display()))
}

/// Every file SQLite keeps for `db`, read whole.
fn bytes_on_disk(db: &Path) -> Vec<(String, Vec<u8>)> {
    ["", "-wal", "-shm", "-journal"]
        .iter()
        .filter_map(|suffix| {
            let path = sibling(db, suffix);
            std::fs::read(&path)
                .ok()
                .map(|b| (path.display().to_string(), b))
        })
        .collect()
}

fn assert_no_plaintext(db: &Path, secrets: &[&str]) {
    let files = bytes_on_disk(db);
    assert!(
        files.iter().any(|(name, _)| name.ends_with("-wal")),
        "the WAL is checked too"
    );
    for (name, bytes) in files {
        for secret in secrets {
            assert!(
                !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
                "{secret} is readable in {name}"
            );
        }
        assert!(
            !bytes.starts_with(b"SQLite format 3"),
            "{name} is a plain SQLite file"
        );
    }
}

#[test]
fn an_encrypted_store_shows_nothing_of_a_resident_in_its_file_or_wal() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("jiayi.sqlite3");
    assert_eq!(
        vault_status(&path, Utc::now(), Lang::Zh).unwrap().state,
        VaultState::New
    );
    let db = create_vault(&path, PASSPHRASE, PASSPHRASE, Lang::Zh).unwrap();
    let mut store = db.open().unwrap();
    store.put_village(&village()).unwrap();
    let mut api = Api::new(store, Lang::Zh);
    let household = register(&mut api, NAME, id_number(), PHONE);
    // The API is still open: the newest pages sit in the WAL.
    assert_no_plaintext(&path, &[NAME, &id_number(), PHONE, "东庄村三组8号"]);
    assert_eq!(crypt::inspect(&path).unwrap(), DatabaseFile::Encrypted);

    // Plain SQLite, as a thief would use it, cannot read the file.
    let plain = rusqlite::Connection::open(&path).unwrap();
    let err = plain
        .query_row("SELECT count(*) FROM sqlite_master", [], |r| {
            r.get::<_, i64>(0)
        })
        .unwrap_err();
    assert_eq!(
        err.sqlite_error_code(),
        Some(rusqlite::ErrorCode::NotADatabase)
    );
    drop(plain);
    assert!(
        matches!(Store::open(&path), Err(jiayi_store::StoreError::WrongKey)),
        "opening without the key is refused before anything is written"
    );
    drop(api);

    let unlocked = unlock_vault(&path, PASSPHRASE, Utc::now(), Lang::Zh).unwrap();
    let api = Api::open_file(&unlocked.db, Lang::Zh).unwrap();
    let view = api.household(household).unwrap();
    assert_eq!(
        view.members[0].name, NAME,
        "the right passphrase reads it all back"
    );
}

#[test]
fn a_wrong_passphrase_changes_nothing_and_five_lock_the_device() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("jiayi.sqlite3");
    let db = create_vault(&path, PASSPHRASE, PASSPHRASE, Lang::Zh).unwrap();
    {
        let mut store = db.open().unwrap();
        store.put_village(&village()).unwrap();
        let mut api = Api::new(store, Lang::Zh);
        register(&mut api, NAME, id_number(), PHONE);
    }
    let before: Vec<_> = bytes_on_disk(&path)
        .into_iter()
        .filter(|(name, _)| !name.ends_with("-shm"))
        .collect();
    let now = Utc::now();

    let wrong = unlock_vault(&path, "青山镇东庄村卫生所", now, Lang::Zh).unwrap_err();
    assert_eq!(wrong.code, "wrong_passphrase");
    assert_eq!(wrong.message, "口令不对。再错 4 次将暂时锁定");
    let wrong_key = DbFile::encrypted(
        &path,
        jiayi_store::KeyFile::create("青山镇东庄村卫生所", jiayi_store::KdfParams::OWASP_MINIMUM)
            .unwrap()
            .1,
    );
    assert!(matches!(
        wrong_key.open(),
        Err(jiayi_store::StoreError::WrongKey)
    ));
    let after: Vec<_> = bytes_on_disk(&path)
        .into_iter()
        .filter(|(name, _)| !name.ends_with("-shm"))
        .collect();
    assert_eq!(before, after, "a wrong passphrase or key wrote nothing");

    for _ in 0..3 {
        unlock_vault(&path, "wrong passphrase", now, Lang::En).unwrap_err();
    }
    let locked = unlock_vault(&path, "wrong passphrase", now, Lang::En).unwrap_err();
    assert_eq!(locked.code, "locked_out");
    let status = vault_status(&path, now, Lang::Zh).unwrap();
    assert_eq!(status.locked_until, Some(now + Duration::minutes(5)));
    let still = unlock_vault(&path, PASSPHRASE, now + Duration::minutes(4), Lang::Zh).unwrap_err();
    assert_eq!(
        still.code, "locked_out",
        "while locked even the right passphrase is not tried"
    );
    assert!(still.message.contains("后再试"), "{}", still.message);

    let unlocked = unlock_vault(&path, PASSPHRASE, now + Duration::minutes(6), Lang::Zh).unwrap();
    assert_eq!(unlocked.failures_before, 5);
    let api = Api::open_file(&unlocked.db, Lang::Zh).unwrap();
    api.note_unlock(unlocked.failures_before).unwrap();
    assert_eq!(api.audit_log(1).unwrap()[0].entry.action, "unlock");
    let status = vault_status(&path, now + Duration::minutes(6), Lang::Zh).unwrap();
    assert_eq!((status.locked_until, status.attempts_left), (None, 5));
}

#[test]
fn weak_passphrases_and_a_lost_key_file_get_clear_messages() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("jiayi.sqlite3");
    let short = create_vault(&path, "1234", "1234", Lang::Zh).unwrap_err();
    assert_eq!(short.code, "weak_passphrase");
    assert_eq!(short.message, "口令至少需要 8 个字符");
    let mismatch = create_vault(&path, PASSPHRASE, "青山镇东庄村卫生所", Lang::En).unwrap_err();
    assert_eq!(mismatch.message, "the two passphrases differ");
    assert_eq!(crypt::inspect(&path).unwrap(), DatabaseFile::Missing);

    let db = create_vault(&path, PASSPHRASE, PASSPHRASE, Lang::Zh).unwrap();
    drop(db.open().unwrap());
    std::fs::remove_file(jiayi_store::KeyFile::path_for(&path)).unwrap();
    let lost = unlock_vault(&path, PASSPHRASE, Utc::now(), Lang::Zh).unwrap_err();
    assert_eq!(lost.code, "key_file_missing");
    let again = create_vault(&path, PASSPHRASE, PASSPHRASE, Lang::Zh).unwrap_err();
    assert_eq!(
        again.code, "vault_exists",
        "an existing database is never replaced"
    );
}

#[test]
fn a_store_made_before_encryption_is_encrypted_in_place_without_loss() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("jiayi.sqlite3");
    let mut households = Vec::new();
    {
        let mut store = Store::open(&path).unwrap();
        store.put_village(&village()).unwrap();
        let mut api = Api::new(store, Lang::Zh);
        for (i, name) in ["欧阳明珠", "张三丰", "李四光"].into_iter().enumerate() {
            let id = compose(
                "140822",
                NaiveDate::from_ymd_opt(1950, 3, 9 + i as u32).unwrap(),
                123,
            );
            households.push(register(&mut api, name, id, PHONE));
        }
    }
    assert_eq!(
        vault_status(&path, Utc::now(), Lang::Zh).unwrap().state,
        VaultState::Plain
    );
    let plain_rows = {
        let api = Api::open(&path, Lang::Zh).unwrap();
        api.search("欧阳", 10).unwrap().len()
    };

    let db = protect_plain_vault(&path, PASSPHRASE, PASSPHRASE, Lang::Zh).unwrap();
    assert_eq!(crypt::inspect(&path).unwrap(), DatabaseFile::Encrypted);
    let api = Api::open_file(&db, Lang::Zh).unwrap();
    for household in &households {
        api.household(*household).unwrap();
    }
    assert_eq!(api.search("欧阳", 10).unwrap().len(), plain_rows);
    assert!(api.store().integrity_ok().unwrap());
    assert_no_plaintext(&path, &[NAME, PHONE]);
    drop(api);
    assert!(
        !sibling(&path, ".encrypting").exists(),
        "no half-made copy is left behind"
    );
    let again = protect_plain_vault(&path, PASSPHRASE, PASSPHRASE, Lang::Zh).unwrap_err();
    assert_eq!(again.code, "vault_exists");
}
