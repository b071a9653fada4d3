//! Backups of encrypted stores on real files, restored on a new laptop and synced with a real
//! township server on 127.0.0.1: nothing lost, nothing twice; every refusal changes nothing.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::Utc;
use jiayi_api::{
    Api, AutoBackup, AutoBackupConfig, HouseholdView, RestoreRequest, back_up_now, backup_status,
    backups_dir, create_vault, inspect_backup, removable_drives, restore_backup, write_to_folder,
};
use jiayi_core::Lang;
use jiayi_core::change::Entity;
use jiayi_core::household::Village;
use jiayi_store::DbFile;
use jiayi_sync::protocol::Limits;
use jiayi_testkit::township::{Township, V1, V2};
use uuid::Uuid;

use crate::sync::{Device, household, team};

const PASSPHRASE: &str = "青山镇东庄村卫生室";
const TEAM: &str = "东庄村家庭医生团队";

/// Registers household `n` of 东庄村 (every head's name its own, up to 12).
fn register(api: &mut Api, _village: &str, n: u16) -> (Uuid, Vec<Uuid>) {
    let names = [
        "甲", "乙", "丙", "丁", "戊", "己", "庚", "辛", "壬", "癸", "子", "丑", "寅",
    ];
    let mut input = household("东庄村", n);
    input.members[0].name = format!("张{}", names[n as usize]);
    jiayi_testkit::register(api, input)
}

/// A laptop with an encrypted store in its own data folder.
struct Laptop {
    api: Api,
    db: DbFile,
    dir: tempfile::TempDir,
}

impl Laptop {
    /// A new install: a data folder with no store yet.
    fn folder() -> tempfile::TempDir {
        tempfile::tempdir().unwrap()
    }

    fn database(dir: &Path) -> PathBuf {
        dir.join("jiayi.sqlite3")
    }

    /// A laptop set up with the township's villages and team, enrolled for `doctor`.
    fn enrolled(t: &Township, doctor: &str) -> Laptop {
        let dir = Laptop::folder();
        let db = create_vault(
            &Laptop::database(dir.path()),
            PASSPHRASE,
            PASSPHRASE,
            Lang::Zh,
        )
        .unwrap();
        let mut store = db.open().unwrap();
        for (id, code, name) in [
            (V1, "140822100200", "东庄村"),
            (V2, "140822100201", "西庄村"),
        ] {
            store
                .put_village(&Village {
                    id,
                    code: code.into(),
                    name: name.into(),
                    township: "青山镇".into(),
                })
                .unwrap();
        }
        store.put_team(&team()).unwrap();
        let token = t
            .enroll_device(store.device_id(), doctor, TEAM, &[V1])
            .token;
        let mut api = Api::new(store, Lang::Zh);
        api.enroll_device(&t.base(), &token).unwrap();
        Laptop { api, db, dir }
    }

    /// The laptop a restore made.
    fn restored(dir: tempfile::TempDir, db: DbFile) -> Laptop {
        let api = Api::open_file(&db, Lang::Zh).unwrap();
        Laptop { api, db, dir }
    }

    fn sync(&mut self) -> jiayi_api::ApiResult<jiayi_api::SyncSummary> {
        self.api.sync_now(&|_| {})
    }

    fn back_up(&mut self) -> PathBuf {
        let made = back_up_now(self.api.store_mut(), &self.db, Utc::now(), Lang::Zh).unwrap();
        PathBuf::from(made.backup.path)
    }

    fn households(&self, ids: &[Uuid]) -> Vec<HouseholdView> {
        ids.iter()
            .map(|h| self.api.household(*h).unwrap())
            .collect()
    }
}

fn restore(dir: &Path, current: Option<&DbFile>, file: &Path) -> jiayi_api::ApiResult<DbFile> {
    let request = RestoreRequest {
        file: file.display().to_string(),
        passphrase: PASSPHRASE.into(),
        back_up_current_first: false,
    };
    restore_backup(
        &Laptop::database(dir),
        current,
        &request,
        Utc::now(),
        Lang::Zh,
    )
    .map(|o| o.unlocked.db)
}

/// The server's live records of a kind, by id.
fn server_ids(t: &Township, entity: Entity) -> BTreeSet<Uuid> {
    t.storage()
        .live_payloads(entity)
        .unwrap()
        .into_iter()
        .map(|(payload, _)| {
            let v: serde_json::Value = serde_json::from_str(&payload).unwrap();
            v["id"].as_str().unwrap().parse().unwrap()
        })
        .collect()
}

/// Each household and member as the server holds it equals the device's view of it.
fn assert_server_holds(t: &Township, households: &[HouseholdView]) {
    let expected: BTreeSet<Uuid> = households.iter().map(|h| h.id).collect();
    assert_eq!(
        server_ids(t, Entity::Household),
        expected,
        "households, once each"
    );
    let members: BTreeSet<Uuid> = households
        .iter()
        .flat_map(|h| h.members.iter().map(|m| m.id))
        .collect();
    assert_eq!(
        server_ids(t, Entity::Resident),
        members,
        "residents, once each"
    );
    for h in households {
        for m in &h.members {
            let record = t
                .storage()
                .record(Entity::Resident, m.id)
                .unwrap()
                .expect("on the server");
            assert_eq!(record.payload["name"], serde_json::json!(m.name));
            assert_eq!(record.payload["id_number"], serde_json::json!(m.id_number));
            assert_eq!(record.payload["household_id"], serde_json::json!(h.id));
        }
    }
    let log = t.log();
    let changes: BTreeSet<Uuid> = log.iter().map(|(_, c)| c.change_id).collect();
    assert_eq!(changes.len(), log.len(), "no change stored twice");
}

#[test]
fn a_new_laptop_restoring_a_backup_loses_nothing_synced_and_stores_nothing_twice() {
    let t = Township::sqlite(Limits::default());
    let mut a = Laptop::enrolled(&t, "刘医生");
    let mut made = Vec::new();
    for n in 1..=5 {
        made.push(register(&mut a.api, "东庄村", n).0);
    }
    a.sync().unwrap();
    for n in 6..=7 {
        made.push(register(&mut a.api, "东庄村", n).0);
    }
    let backup = a.back_up();
    for n in 8..=9 {
        made.push(register(&mut a.api, "东庄村", n).0);
    }
    a.sync().unwrap();
    // Household 10 is made after the last sync and the last backup: it is lost with the
    // laptop, and nothing can bring it back.
    let lost = register(&mut a.api, "东庄村", 10).0;
    let on_a = a.households(&made);

    // The health center enrolls the backup's device again for the new laptop; the lost
    // laptop's token stops working.
    let seen = inspect_backup(&backup, Lang::Zh).unwrap();
    assert_eq!(seen.device_id, a.api.store().device_id());
    let doctor = a.api.sync_settings().unwrap().doctor_id;
    assert_eq!(seen.doctor_id, doctor);
    assert_eq!(
        (seen.households, seen.unsynced),
        (7, 6),
        "two households of three records"
    );
    let token = t.enroll_device(seen.device_id, "刘医生", TEAM, &[V1]).token;
    assert!(a.sync().is_err(), "the lost laptop can no longer sync");

    let folder = Laptop::folder();
    let db = restore(folder.path(), None, &backup).unwrap();
    let mut b = Laptop::restored(folder, db);
    b.api.enroll_device(&t.base(), &token).unwrap();
    let summary = b.sync().unwrap();
    assert!(
        summary.warnings.iter().any(|w| w.code == "device_restored"),
        "{:?}",
        summary.warnings
    );
    assert_eq!(b.households(&made), on_a, "B holds 1–9 as A had them");
    assert!(b.api.household(lost).is_err());
    assert_server_holds(&t, &on_a);

    // B carries on: new work syncs, and a colleague receives everything once.
    let eleventh = register(&mut b.api, "东庄村", 11).0;
    let summary = b.sync().unwrap();
    assert_eq!(summary.refused, 0);
    let mut all = made.clone();
    all.push(eleventh);
    let on_b = b.households(&all);
    assert_server_holds(&t, &on_b);
    let mut colleague = Device::new(&t, "周医生", &[V1]);
    colleague.sync().unwrap();
    assert_eq!(colleague.api.status().unwrap().households, 10);
    for h in &on_b {
        assert_eq!(colleague.api.household(h.id).unwrap().members, h.members);
    }
}

#[test]
fn records_that_only_the_backup_holds_reach_the_server_once() {
    let t = Township::sqlite(Limits::default());
    let mut a = Laptop::enrolled(&t, "刘医生");
    let mut made: Vec<Uuid> = (1..=5)
        .map(|n| register(&mut a.api, "东庄村", n).0)
        .collect();
    a.sync().unwrap();
    made.extend((6..=7).map(|n| register(&mut a.api, "东庄村", n).0));
    let backup = a.back_up();
    let on_a = a.households(&made);
    // The laptop dies before it syncs again (its backups folder stays, as a USB stick would).
    let device = a.api.store().device_id();
    let Laptop {
        api, dir: _stick, ..
    } = a;
    drop(api);

    let token = t.enroll_device(device, "刘医生", TEAM, &[V1]).token;
    let folder = Laptop::folder();
    let db = restore(folder.path(), None, &backup).unwrap();
    let mut b = Laptop::restored(folder, db);
    b.api.enroll_device(&t.base(), &token).unwrap();
    let summary = b.sync().unwrap();
    assert_eq!(
        (summary.pushed, summary.refused),
        (6, 0),
        "households 6 and 7"
    );
    assert_server_holds(&t, &on_a);
    let again = b.sync().unwrap();
    assert_eq!((again.pushed, again.pulled), (0, 0));
    assert_eq!(b.api.sync_status().unwrap().pending_changes, 0);
}

/// Every file in `dir` with its bytes (what "nothing touched" compares).
fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out: Vec<(PathBuf, Vec<u8>)> = walk(dir)
        .into_iter()
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap();
            (p, bytes)
        })
        .collect();
    out.sort();
    out
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().filter_map(|e| e.ok()) {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

#[test]
fn a_restore_is_refused_in_chinese_and_changes_nothing() {
    let t = Township::sqlite(Limits::default());
    let mut a = Laptop::enrolled(&t, "刘医生");
    register(&mut a.api, "东庄村", 1);
    a.sync().unwrap();
    let backup = a.back_up();
    let bytes = std::fs::read(&backup).unwrap();

    // Nothing of a resident in the file, and no plain database page.
    let member = &a.api.search("张", 5).unwrap()[0];
    for secret in [member.name.as_str(), member.id_number.as_deref().unwrap()] {
        assert!(
            !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
            "{secret}"
        );
    }
    assert!(!bytes.windows(15).any(|w| w == b"SQLite format 3"));

    let empty = Laptop::folder();
    let refused = |file: &Path, passphrase: &str| {
        let request = RestoreRequest {
            file: file.display().to_string(),
            passphrase: passphrase.into(),
            back_up_current_first: false,
        };
        let e = restore_backup(
            &Laptop::database(empty.path()),
            None,
            &request,
            Utc::now(),
            Lang::Zh,
        )
        .unwrap_err();
        assert!(
            snapshot(empty.path()).is_empty(),
            "nothing written for {}",
            e.code
        );
        e
    };
    let truncated = empty.path().with_extension("truncated.jiayi-backup");
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
    let e = refused(&truncated, PASSPHRASE);
    assert_eq!(e.code, "backup_corrupt");
    assert!(
        e.message.contains("备份文件已损坏或不完整"),
        "{}",
        e.message
    );
    let flipped = empty.path().with_extension("flipped.jiayi-backup");
    let mut altered = bytes.clone();
    let at = altered.len() - 4096;
    altered[at] ^= 0x20;
    std::fs::write(&flipped, &altered).unwrap();
    assert_eq!(refused(&flipped, PASSPHRASE).code, "backup_corrupt");
    let e = refused(&backup, "另一个口令另一个口令");
    assert_eq!(e.code, "wrong_passphrase");
    assert!(e.message.contains("制作这份备份时"), "{}", e.message);

    // A laptop enrolled for another doctor keeps its store.
    let other = Laptop::enrolled(&t, "周医生");
    let before = snapshot(other.dir.path());
    let e = restore(other.dir.path(), Some(&other.db), &backup).unwrap_err();
    assert_eq!(e.code, "backup_other_doctor");
    assert!(e.message.contains("另一位医生"), "{}", e.message);
    assert_eq!(snapshot(other.dir.path()), before);

    // A locked store is not replaced unseen.
    let e = restore(other.dir.path(), None, &backup).unwrap_err();
    assert_eq!(e.code, "store_locked");

    // The same doctor's laptop with unsynced work: refused, then backed up first on request.
    let mut second = Laptop::enrolled(&t, "刘医生");
    let kept = register(&mut second.api, "东庄村", 5).0;
    let second_device = second.api.store().device_id();
    let Laptop { api, db, dir } = second;
    drop(api);
    let before = snapshot(dir.path());
    let e = restore(dir.path(), Some(&db), &backup).unwrap_err();
    assert_eq!(e.code, "unsynced_work");
    assert!(e.message.contains("先备份本机数据再恢复"), "{}", e.message);
    assert_eq!(snapshot(dir.path()), before);

    let request = RestoreRequest {
        file: backup.display().to_string(),
        passphrase: PASSPHRASE.into(),
        back_up_current_first: true,
    };
    let outcome = restore_backup(
        &Laptop::database(dir.path()),
        Some(&db),
        &request,
        Utc::now(),
        Lang::Zh,
    )
    .unwrap();
    let restored = Api::open_file(&outcome.unlocked.db, Lang::Zh).unwrap();
    assert_eq!(restored.store().device_id(), a.api.store().device_id());
    let aside = outcome.current_backup.expect("the replaced store's backup");
    assert_eq!(aside.device_id, second_device);
    assert_eq!(aside.unsynced, 3);
    let replaced = outcome.replaced_store.expect("moved aside, not deleted");
    assert!(replaced.join("jiayi.sqlite3").exists());
    // The replaced store's own backup restores its unsynced household.
    let later = Laptop::folder();
    let back = restore(later.path(), None, Path::new(&aside.path)).unwrap();
    assert!(
        Api::open_file(&back, Lang::Zh)
            .unwrap()
            .household(kept)
            .is_ok()
    );
}

#[test]
fn a_backup_on_a_usb_folder_is_read_back_and_a_missing_folder_is_named() {
    let t = Township::sqlite(Limits::default());
    let mut a = Laptop::enrolled(&t, "刘医生");
    register(&mut a.api, "东庄村", 1);
    let stick = tempfile::tempdir().unwrap();
    let db = a.db.clone();
    let outcome =
        write_to_folder(a.api.store_mut(), &db, stick.path(), Utc::now(), Lang::Zh).unwrap();
    assert!(
        outcome.message.contains("读回核对无误"),
        "{}",
        outcome.message
    );
    assert!(
        outcome.message.contains("3 条改动尚未同步"),
        "{}",
        outcome.message
    );
    let on_stick = PathBuf::from(&outcome.backup.path);
    assert_eq!(on_stick.parent(), Some(stick.path()));
    assert_eq!(inspect_backup(&on_stick, Lang::Zh).unwrap().households, 1);
    assert_eq!(
        std::fs::read_dir(stick.path()).unwrap().count(),
        1,
        "no partial file left"
    );

    let gone = stick.path().join("拔掉的U盘");
    let e = write_to_folder(a.api.store_mut(), &db, &gone, Utc::now(), Lang::Zh).unwrap_err();
    assert_eq!(e.code, "usb_folder_missing");
    assert!(e.message.contains("找不到文件夹"));
    // Whatever drives this machine has, listing them never fails.
    for drive in removable_drives() {
        assert!(Path::new(&drive.path).is_dir());
    }
}

fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    for _ in 0..300 {
        if done() {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("{what} did not happen");
}

#[test]
fn backups_are_made_at_unlock_and_every_25_changes_and_a_failure_shows_without_blocking_work() {
    let t = Township::sqlite(Limits::default());
    let mut a = Laptop::enrolled(&t, "刘医生");
    let database = a.db.path.clone();
    let dir = backups_dir(&database);
    let config = AutoBackupConfig {
        check_every: Duration::from_millis(20),
        ..AutoBackupConfig::new(a.db.clone(), Lang::Zh)
    };
    let runner = AutoBackup::start(config.clone()).unwrap();
    let count = || jiayi_api::list_backups(&dir).len();
    wait_for("the unlock's backup", || count() == 1);
    // Two households of three records each: 6 changes, below 25.
    register(&mut a.api, "东庄村", 1);
    register(&mut a.api, "东庄村", 2);
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(count(), 1, "not yet due");
    let status = backup_status(a.api.store(), &database, Lang::Zh).unwrap();
    assert_eq!((status.changes_since, status.every_changes), (6, 25));
    for n in 3..=9 {
        register(&mut a.api, "东庄村", n);
    }
    wait_for("the backup after 25 changes", || count() == 2);
    runner.stop();
    let status = backup_status(a.api.store(), &database, Lang::Zh).unwrap();
    assert!(status.last_failure.is_none());
    assert_eq!(status.last_backup.unwrap().households, 9);

    // The backups folder cannot be made: the failure is noted, the work goes on.
    std::fs::remove_dir_all(&dir).unwrap();
    std::fs::write(&dir, b"not a folder").unwrap();
    let runner = AutoBackup::start(config).unwrap();
    wait_for("the failure noted", || {
        backup_status(a.api.store(), &database, Lang::Zh)
            .unwrap()
            .last_failure
            .is_some()
    });
    let failure = backup_status(a.api.store(), &database, Lang::Zh)
        .unwrap()
        .last_failure
        .unwrap();
    assert_eq!(failure.code, "backup_write_failed");
    assert!(
        failure.message.contains("本机数据没有受影响"),
        "{}",
        failure.message
    );
    register(&mut a.api, "东庄村", 10);
    runner.stop();
    assert_eq!(a.api.status().unwrap().households, 10);
}
