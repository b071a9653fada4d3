//! Restoring a backup: on a new laptop (no store yet, the lock screen's "从备份恢复") or over a
//! store the doctor has unlocked. Everything is checked on a copy in a staging folder first —
//! the file's hash, the passphrase, the copy's integrity, whose store it is, unsynced work on
//! the laptop — so a refusal leaves every file as it was.
//!
//! The restored store keeps the identity it was backed up with (its device id, clock and
//! outbox numbering): its unsynced changes were made by that device and are accepted only as
//! that device's. The health center enrolls that device id again for the new laptop, which
//! also revokes the lost laptop's token; the first sync then takes the existing restore path
//! (`device_restored`): changes the server already holds are not stored again, those it lacks
//! arrive once, and what the device uploaded after the backup is fetched back.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use jiayi_core::Lang;
use jiayi_store::crypt::{self, DatabaseFile};
use jiayi_store::{DbFile, KeyFile, StoreError, VerifiedBackup};
use serde::{Deserialize, Serialize};

use super::{BackupView, backup_into, backups_dir};
use crate::vault::{Unlocked, unlock_vault};
use crate::{ApiError, ApiResult};

/// What the doctor chose on the restore screen.
#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct RestoreRequest {
    pub file: String,
    /// The passphrase the store had when the backup was made.
    pub passphrase: String,
    /// When this laptop's store has unsynced work: back it up first, then restore.
    #[serde(default)]
    pub back_up_current_first: bool,
}

impl std::fmt::Debug for RestoreRequest {
    /// Never prints the passphrase.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RestoreRequest")
            .field("file", &self.file)
            .field("back_up_current_first", &self.back_up_current_first)
            .finish_non_exhaustive()
    }
}

#[derive(Debug)]
pub struct RestoreOutcome {
    /// The restored store, unlocked with the backup's passphrase.
    pub unlocked: Unlocked,
    pub backup: BackupView,
    /// Where the store it replaced was moved (kept, never deleted).
    pub replaced_store: Option<PathBuf>,
    /// The backup made of the replaced store when asked to.
    pub current_backup: Option<BackupView>,
}

fn corrupt(e: StoreError, lang: Lang) -> ApiError {
    match e {
        StoreError::TooNew => ApiError::new(
            "backup_too_new",
            "该备份由更新版本的家医签约制作，请先升级本机软件。未做任何改动",
            "this backup was made by a newer version of Jiayi: update the app first; nothing was changed",
        )
        .localised(lang),
        StoreError::Backup(why) => ApiError::new(
            "backup_corrupt",
            &format!("备份文件已损坏或不完整（{why}），不能恢复。未做任何改动，请换一份备份"),
            &format!(
                "the backup file is damaged or incomplete ({why}) and cannot be restored; nothing was changed — use another backup"
            ),
        )
        .localised(lang),
        other => ApiError::from_store(other, lang),
    }
}

/// Reads a backup file through and checks its hash: what it holds, before any passphrase.
pub fn inspect_backup(file: &Path, lang: Lang) -> ApiResult<BackupView> {
    let verified = VerifiedBackup::open(file).map_err(|e| corrupt(e, lang))?;
    Ok(BackupView::of(file, &verified.header))
}

/// A staging folder beside the database, removed when dropped.
struct Staging(PathBuf);

impl Drop for Staging {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The files that make up the store at `database`.
fn store_files(database: &Path) -> Vec<PathBuf> {
    let with = |suffix: &str| {
        let mut name = database.as_os_str().to_os_string();
        name.push(suffix);
        PathBuf::from(name)
    };
    vec![
        database.to_path_buf(),
        with("-wal"),
        with("-shm"),
        KeyFile::path_for(database),
    ]
}

/// Restores `request.file` as the store at `database`. `current` is the unlocked store already
/// there, if any (a locked one must be unlocked first: its unsynced work and its doctor are
/// checked). The caller has closed every connection to `database`.
pub fn restore_backup(
    database: &Path,
    current: Option<&DbFile>,
    request: &RestoreRequest,
    now: DateTime<Utc>,
    lang: Lang,
) -> ApiResult<RestoreOutcome> {
    let file = Path::new(&request.file);
    let verified = VerifiedBackup::open(file).map_err(|e| corrupt(e, lang))?;
    let header = verified.header.clone();
    let folder = database.parent().unwrap_or_else(|| Path::new("."));
    let staging = Staging(folder.join(format!("restoring-{}", now.timestamp_millis())));
    std::fs::create_dir_all(&staging.0).map_err(|e| io_err(&staging.0, &e, lang))?;
    let staged = staging.0.join("jiayi.sqlite3");
    verified.extract_to(&staged).map_err(|e| corrupt(e, lang))?;
    let unlocked = unlock_vault(&staged, &request.passphrase, now, lang).map_err(|e| {
        if e.code == "wrong_passphrase" {
            ApiError::new(
                "wrong_passphrase",
                "口令不对：请输入制作这份备份时本机使用的口令。未做任何改动",
                "wrong passphrase: type the passphrase the store had when this backup was made; nothing was changed",
            )
            .localised(lang)
        } else {
            e
        }
    })?;
    {
        let store = unlocked.db.open().map_err(|e| corrupt(e, lang))?;
        if !store.integrity_ok().map_err(|e| corrupt(e, lang))?
            || store.device_id() != header.device_id
        {
            return Err(corrupt(
                StoreError::Backup("the database inside does not check out".into()),
                lang,
            ));
        }
    }
    let mut current_backup = None;
    let exists = crypt::inspect(database).map_err(|e| ApiError::from_store(e, lang))?
        != DatabaseFile::Missing;
    if exists {
        let current = current.ok_or_else(|| {
            ApiError::new(
                "store_locked",
                "本机已有数据：请先用本机口令解锁，再在同步页面从备份恢复",
                "this laptop already has a store: unlock it first, then restore from the sync page",
            )
            .localised(lang)
        })?;
        let store = current.open().map_err(|e| ApiError::from_store(e, lang))?;
        if let Some(enrolled) = store
            .enrollment()
            .map_err(|e| ApiError::from_store(e, lang))?
            && header.doctor_id != Some(enrolled.doctor_id)
        {
            let whose = match (&header.doctor_name, header.doctor_id) {
                (Some(name), _) => name.as_str(),
                (None, Some(_)) => "另一位医生",
                (None, None) => "一台未登记设备",
            };
            return Err(ApiError::new(
                "backup_other_doctor",
                &format!(
                    "这份备份是{whose}的数据，本机登记给了另一位医生，不能恢复到本机。未做任何改动。请在卫生院为该医生另装一台电脑恢复"
                ),
                &format!(
                    "this backup holds {whose}'s store and this laptop is enrolled for another doctor, so it cannot be restored here; nothing was changed — restore it on a fresh install for that doctor"
                ),
            )
            .localised(lang));
        }
        let unsynced = store
            .pending_count()
            .map_err(|e| ApiError::from_store(e, lang))?;
        if unsynced > 0 && !request.back_up_current_first {
            return Err(ApiError::new(
                "unsynced_work",
                &format!(
                    "本机还有 {unsynced} 条改动没有同步到乡镇服务器，恢复会替换本机数据。请先同步，或选择“先备份本机数据再恢复”。未做任何改动"
                ),
                &format!(
                    "this laptop has {unsynced} changes not yet synced and restoring replaces its store: sync first, or choose to back up the local store first; nothing was changed"
                ),
            )
            .localised(lang));
        }
        if unsynced > 0 {
            let outcome = backup_into(
                current,
                &backups_dir(database),
                "before-restore",
                store.device_id(),
                now,
                lang,
            )?;
            current_backup = Some(outcome.backup);
        }
    }
    // No unlock attempt of another process reads or rewrites the key file during the swap.
    let _key_file =
        jiayi_store::KeyFileLock::acquire(database).map_err(|e| ApiError::from_store(e, lang))?;
    let replaced_store = if exists {
        let aside = backups_dir(database).join(format!("replaced-{}", now.format("%Y%m%dT%H%M%S")));
        std::fs::create_dir_all(&aside).map_err(|e| io_err(&aside, &e, lang))?;
        for path in store_files(database) {
            if path.exists() {
                let to = aside.join(path.file_name().unwrap_or_default());
                jiayi_store::platform::replace(&path, &to).map_err(|e| io_err(&path, &e, lang))?;
            }
        }
        Some(aside)
    } else {
        None
    };
    for (from, to) in [
        (KeyFile::path_for(&staged), KeyFile::path_for(database)),
        (staged.clone(), database.to_path_buf()),
    ] {
        jiayi_store::platform::replace(&from, &to).map_err(|e| io_err(&to, &e, lang))?;
    }
    Ok(RestoreOutcome {
        unlocked: Unlocked {
            db: DbFile {
                path: database.to_path_buf(),
                key: unlocked.db.key,
            },
            failures_before: 0,
            notice: unlocked.notice,
        },
        backup: BackupView::of(file, &header),
        replaced_store,
        current_backup,
    })
}

fn io_err(path: &Path, e: &std::io::Error, lang: Lang) -> ApiError {
    ApiError::new(
        "restore_failed",
        &format!("恢复时无法写入 {}：{e}", path.display()),
        &format!("restoring could not write {}: {e}", path.display()),
    )
    .localised(lang)
}
