//! The passphrase over its life on real files: a format-1 key file upgraded at its first unlock,
//! a change of passphrase, and a forgotten one recovered with the township's recovery key after
//! the device learnt its public half from a real township server.

use std::path::Path;

use chrono::Utc;
use jiayi_api::{Api, change_passphrase_with, create_vault, unlock_vault, vault_status};
use jiayi_core::Lang;
use jiayi_core::household::Village;
use jiayi_store::{DbFile, KdfParams, KeyFile, RecoverySecretKey};
use jiayi_testkit::township::{Limits, Township, V1};
use jiayi_testkit::{day, head, household};
use uuid::Uuid;

const OLD: &str = "青山镇东庄村卫生室";
const NEW: &str = "青山镇西庄村卫生室";

fn with_households(db: &DbFile, n: u32) -> Api {
    let mut api = Api::open_file(db, Lang::Zh).unwrap();
    api.store_mut()
        .put_village(&Village {
            id: V1,
            code: "140822100200".into(),
            name: "东庄村".into(),
            township: "青山镇".into(),
        })
        .unwrap();
    for i in 0..n {
        let h = household("东庄村", "三组", format!("东庄村三组{i}号"))
            .member(head(format!("王{i}")).born(day(1960, 5, 1), i as u16 + 1));
        jiayi_testkit::register(&mut api, h);
    }
    api
}

fn households(path: &Path, passphrase: &str) -> u64 {
    let unlocked = unlock_vault(path, passphrase, Utc::now(), Lang::Zh).unwrap();
    unlocked.db.open().unwrap().household_count().unwrap()
}

fn audit_actions(api: &Api) -> Vec<String> {
    api.audit_log(50)
        .unwrap()
        .into_iter()
        .map(|r| r.entry.action)
        .collect()
}

#[test]
fn a_format_one_key_file_becomes_format_two_at_its_first_unlock_without_a_rewrite() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("jiayi.sqlite3");
    let (file, key) = KeyFile::create_format_one(OLD, KdfParams::OWASP_MINIMUM).unwrap();
    file.save(&path).unwrap();
    drop(with_households(&DbFile::encrypted(&path, key.clone()), 3));
    let database_before = std::fs::read(&path).unwrap();

    let wrong = unlock_vault(&path, NEW, Utc::now(), Lang::Zh).unwrap_err();
    assert_eq!(wrong.code, "wrong_passphrase");
    assert_eq!(KeyFile::load(&path).unwrap().unwrap().format, 1);
    let unlocked = unlock_vault(&path, OLD, Utc::now(), Lang::Zh).unwrap();
    assert_eq!(
        unlocked.db.key.as_ref(),
        Some(&key),
        "the derived key is the data key"
    );
    assert_eq!(unlocked.failures_before, 1);
    let upgraded = KeyFile::load(&path).unwrap().unwrap();
    assert_eq!(upgraded.format, 2);
    assert!(upgraded.check.is_empty() && upgraded.keys.len() == 1);
    assert_eq!(upgraded.lockout.failures, 0);
    assert_eq!(
        std::fs::read(&path).unwrap(),
        database_before,
        "the database was not rewritten"
    );
    assert_eq!(households(&path, OLD), 3);
}

#[test]
fn changing_the_passphrase_rekeys_the_store_and_refuses_bad_input_changing_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("jiayi.sqlite3");
    let db = create_vault(&path, OLD, OLD, Lang::Zh).unwrap();
    drop(with_households(&db, 4));
    let key_file_before = std::fs::read(KeyFile::path_for(&path)).unwrap();
    let now = Utc::now();
    let light = KdfParams::OWASP_MINIMUM;

    let short = change_passphrase_with(&path, OLD, "短", "短", light, now, Lang::Zh).unwrap_err();
    assert_eq!(short.code, "weak_passphrase");
    let mismatch =
        change_passphrase_with(&path, OLD, NEW, "青山镇西庄村", light, now, Lang::Zh).unwrap_err();
    assert_eq!(mismatch.code, "passphrase_mismatch");
    let same = change_passphrase_with(&path, OLD, OLD, OLD, light, now, Lang::Zh).unwrap_err();
    assert_eq!(same.message, "新口令与原口令相同，请换一个新口令");
    assert_eq!(
        std::fs::read(KeyFile::path_for(&path)).unwrap(),
        key_file_before
    );
    let wrong = change_passphrase_with(&path, "不是这个口令呀", NEW, NEW, light, now, Lang::Zh)
        .unwrap_err();
    assert_eq!(wrong.code, "wrong_passphrase");
    assert_eq!(vault_status(&path, now, Lang::Zh).unwrap().attempts_left, 4);

    let changed = change_passphrase_with(&path, OLD, NEW, NEW, light, now, Lang::Zh).unwrap();
    assert_ne!(changed.db.key, db.key, "a new data key");
    assert_eq!(changed.failures_before, 1);
    assert!(
        matches!(db.open(), Err(jiayi_store::StoreError::WrongKey)),
        "the old key opens nothing"
    );
    let old = unlock_vault(&path, OLD, now, Lang::Zh).unwrap_err();
    assert_eq!(old.code, "wrong_passphrase");
    assert_eq!(households(&path, NEW), 4);
    let api = Api::open_file(&changed.db, Lang::Zh).unwrap();
    assert!(audit_actions(&api).contains(&"change_passphrase".to_string()));
    assert!(api.store().fully_intact().unwrap());
}

#[test]
fn a_forgotten_passphrase_is_recovered_with_the_townships_key_and_only_with_it() {
    let t = Township::sqlite(Limits::default());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("jiayi.sqlite3");
    let db = create_vault(&path, OLD, OLD, Lang::Zh).unwrap();
    let mut api = with_households(&db, 2);
    let token = t
        .enroll_device(
            api.store().device_id(),
            "李医生",
            "东庄村家庭医生团队",
            &[V1],
        )
        .token;
    api.enroll_device(&t.base(), &token).unwrap();
    assert!(
        !vault_status(&path, Utc::now(), Lang::Zh)
            .unwrap()
            .recovery_ready
    );

    // The township makes its key after this device enrolled: the next sync seals the device.
    let safe = dir.path().join("usb");
    std::fs::create_dir(&safe).unwrap();
    let private = safe.join("township-recovery.key");
    let public = jiayi_server::recovery::init(t.storage().as_ref(), &private).unwrap();
    assert!(jiayi_server::recovery::init(t.storage().as_ref(), &safe.join("again.key")).is_err());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&private).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    api.sync_now(&|_| {}).unwrap();
    let status = vault_status(&path, Utc::now(), Lang::Zh).unwrap();
    assert!(status.recovery_ready, "sealed at the next sync");
    assert_eq!(
        KeyFile::load(&path).unwrap().unwrap().recovery_public_key(),
        Some(public.as_str())
    );
    drop(api);
    for _ in 0..5 {
        unlock_vault(&path, "忘记了口令是什么", Utc::now(), Lang::Zh).unwrap_err();
    }
    assert!(
        vault_status(&path, Utc::now(), Lang::Zh)
            .unwrap()
            .locked_until
            .is_some()
    );

    // Another township's key opens nothing and changes nothing.
    let stranger = safe.join("stranger.key");
    std::fs::write(
        &stranger,
        RecoverySecretKey::generate().to_file_text().as_bytes(),
    )
    .unwrap();
    let files_before = (
        std::fs::read(&path).unwrap(),
        std::fs::read(KeyFile::path_for(&path)).unwrap(),
    );
    let input = format!("{NEW}\n{NEW}\n");
    let err = jiayi_server::recovery::recover(&path, &stranger, &mut input.as_bytes()).unwrap_err();
    assert!(err.to_string().contains("恢复密钥"), "{err}");
    assert_eq!(
        (
            std::fs::read(&path).unwrap(),
            std::fs::read(KeyFile::path_for(&path)).unwrap()
        ),
        files_before
    );
    let mismatch = format!("{NEW}\n{OLD}\n");
    assert!(jiayi_server::recovery::recover(&path, &private, &mut mismatch.as_bytes()).is_err());

    jiayi_server::recovery::recover(&path, &private, &mut input.as_bytes()).unwrap();
    let status = vault_status(&path, Utc::now(), Lang::Zh).unwrap();
    assert!(
        status.locked_until.is_none() && status.attempts_left == 5,
        "lockout reset"
    );
    assert!(status.recovery_ready, "the seal is kept");
    assert_eq!(households(&path, NEW), 2);
    assert_eq!(
        unlock_vault(&path, OLD, Utc::now(), Lang::Zh)
            .unwrap_err()
            .code,
        "wrong_passphrase"
    );
    let unlocked = unlock_vault(&path, NEW, Utc::now(), Lang::Zh).unwrap();
    let api = Api::open_file(&unlocked.db, Lang::Zh).unwrap();
    assert!(audit_actions(&api).contains(&"recover_passphrase".to_string()));

    // A device enrolled once the township has its key is sealed at enrollment.
    let other = dir.path().join("other.sqlite3");
    let mut fresh =
        Api::open_file(&create_vault(&other, OLD, OLD, Lang::Zh).unwrap(), Lang::Zh).unwrap();
    let device: Uuid = fresh.store().device_id();
    let token = t
        .enroll_device(device, "张医生", "东庄村家庭医生团队", &[V1])
        .token;
    fresh.enroll_device(&t.base(), &token).unwrap();
    assert!(
        vault_status(&other, Utc::now(), Lang::Zh)
            .unwrap()
            .recovery_ready
    );
}
