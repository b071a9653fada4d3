//! Backups of the encrypted store: made by themselves (at every unlock and every
//! [`AUTO_EVERY_CHANGES`] changes) into the data folder's `backups/`, rotated; written on
//! request to a USB stick and read back; restored on a new laptop.
//!
//! A backup is one file (`jiayi-store::backup`): the encrypted database and its key file, so
//! the passphrase that opened the store opens the backup and nothing else does.

mod auto;
mod drives;
mod restore;
mod rotation;

use std::path::{Path, PathBuf};
use std::time::Instant;

use chrono::{DateTime, Utc};
use jiayi_core::Lang;
use jiayi_store::{BackupHeader, DbFile, Store, StoreError};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{ApiError, ApiResult};

pub use auto::{AutoBackup, AutoBackupConfig};
pub use drives::{
    RemovableDrive, UsbOutcome, backups_on_drives, removable_drives, write_to_folder,
};
pub use restore::{RestoreOutcome, RestoreRequest, inspect_backup, restore_backup};

/// An automatic backup after this many changes in the outbox. A household registered with
/// four members is about five changes, a signing two or three: 25 is an hour or two of village
/// work, so a lost laptop loses at most that much beyond the last sync, while the backups
/// (about a second each for a village's store) stay out of the doctor's way.
pub const AUTO_EVERY_CHANGES: u64 = 25;

/// The folder automatic backups go into, beside the database.
pub fn backups_dir(database: &Path) -> PathBuf {
    database
        .parent()
        .unwrap_or_else(|| Path::new("."))
        .join("backups")
}

/// Sync-state keys: the last backup made (JSON [`BackupView`] with the outbox mark), the last
/// failure (JSON `{code, message_zh, message_en, at}`, empty once a backup succeeds).
const LAST_BACKUP_KEY: &str = "last_backup";
const LAST_BACKUP_ERROR_KEY: &str = "last_backup_error";

/// A backup file as the screen shows it.
#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct BackupView {
    pub path: String,
    pub file_name: String,
    pub size_bytes: u64,
    pub device_id: Uuid,
    /// The doctor the store was enrolled for, when it was.
    pub doctor_id: Option<Uuid>,
    pub doctor_name: Option<String>,
    pub team_name: Option<String>,
    pub made_at: DateTime<Utc>,
    pub households: u64,
    pub residents: u64,
    pub visits: u64,
    pub unsynced: u64,
}

impl BackupView {
    fn of(path: &Path, header: &BackupHeader) -> BackupView {
        BackupView {
            path: path.display().to_string(),
            file_name: path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            size_bytes: std::fs::metadata(path).map(|m| m.len()).unwrap_or(0),
            device_id: header.device_id,
            doctor_id: header.doctor_id,
            doctor_name: header.doctor_name.clone(),
            team_name: header.team_name.clone(),
            made_at: header.made_at,
            households: header.households,
            residents: header.residents,
            visits: header.visits,
            unsynced: header.unsynced,
        }
    }
}

/// A backup just made, and how long it took.
#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct BackupOutcome {
    pub backup: BackupView,
    pub millis: u64,
}

/// The last backup's failure, as the sync screen shows it.
#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct BackupFailure {
    pub code: String,
    pub message: String,
    pub at: DateTime<Utc>,
}

/// What the backup panel shows.
#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct BackupStatus {
    pub folder: String,
    pub last_backup: Option<BackupView>,
    /// Set while the newest attempt failed.
    pub last_failure: Option<BackupFailure>,
    /// Changes since the last backup, and the count that triggers the next one.
    pub changes_since: u64,
    pub every_changes: u64,
    /// The backups in the folder, newest first.
    pub backups: Vec<BackupView>,
}

#[derive(Serialize, Deserialize)]
struct LastBackup {
    #[serde(flatten)]
    view: BackupView,
    mark: u64,
}

fn store_err(e: StoreError, lang: Lang) -> ApiError {
    ApiError::from_store(e, lang)
}

/// The file name of a backup made at `now` of `device`: sorts by time, names the device.
fn file_name(kind: &str, device: Uuid, now: DateTime<Utc>) -> String {
    let short = device.simple().to_string();
    let tail = &short[short.len() - 8..];
    format!(
        "{kind}-{}-{tail}.{}",
        now.format("%Y%m%dT%H%M%S%3fZ"),
        jiayi_store::backup::BACKUP_EXTENSION
    )
}

/// Makes one backup of `db` into `dir` (created when missing), named `<kind>-<time>-<device>`.
pub(crate) fn backup_into(
    db: &DbFile,
    dir: &Path,
    kind: &str,
    device: Uuid,
    now: DateTime<Utc>,
    lang: Lang,
) -> ApiResult<BackupOutcome> {
    let started = Instant::now();
    std::fs::create_dir_all(dir).map_err(|e| write_failed(dir, &e, lang))?;
    let path = dir.join(file_name(kind, device, now));
    let header = jiayi_store::write_backup(db, &path, now).map_err(|e| match e {
        StoreError::Backup(why) => write_failed(dir, &why, lang),
        other => store_err(other, lang),
    })?;
    Ok(BackupOutcome {
        backup: BackupView::of(&path, &header),
        millis: started.elapsed().as_millis() as u64,
    })
}

fn write_failed(dir: &Path, why: &dyn std::fmt::Display, lang: Lang) -> ApiError {
    ApiError::new(
        "backup_write_failed",
        &format!(
            "备份没有写成（{}：{why}）。本机数据没有受影响，请检查磁盘空间后重试",
            dir.display()
        ),
        &format!(
            "the backup could not be written ({}: {why}); the local data is unaffected — check the free disk space and try again",
            dir.display()
        ),
    )
    .localised(lang)
}

/// Makes a backup into the data folder's `backups/` now, notes it (or its failure) in the store
/// and rotates the folder. A failure is noted and returned; the store is untouched by it.
pub fn back_up_now(
    store: &mut Store,
    db: &DbFile,
    now: DateTime<Utc>,
    lang: Lang,
) -> ApiResult<BackupOutcome> {
    let dir = backups_dir(&db.path);
    let mark = store.outbox_mark().map_err(|e| store_err(e, lang))?;
    match backup_into(db, &dir, "auto", store.device_id(), now, lang) {
        Ok(outcome) => {
            let last = LastBackup {
                view: outcome.backup.clone(),
                mark,
            };
            let note = serde_json::to_string(&last).unwrap_or_default();
            // The file is made; a failure to note it only makes the next one come sooner.
            let _ = store.set_sync_state(LAST_BACKUP_KEY, &note);
            let _ = store.set_sync_state(LAST_BACKUP_ERROR_KEY, "");
            rotation::rotate(&dir, now);
            Ok(outcome)
        }
        Err(e) => {
            let zh = e.clone().localised(Lang::Zh).message;
            let en = e.clone().localised(Lang::En).message;
            let note =
                serde_json::json!({"code": e.code, "message_zh": zh, "message_en": en, "at": now});
            let _ = store.set_sync_state(LAST_BACKUP_ERROR_KEY, &note.to_string());
            Err(e)
        }
    }
}

/// Whether enough has changed since the last backup for the next one.
pub fn backup_due(store: &Store, lang: Lang) -> ApiResult<bool> {
    Ok(changes_since(store, lang)? >= AUTO_EVERY_CHANGES)
}

fn last_backup(store: &Store, lang: Lang) -> ApiResult<Option<LastBackup>> {
    Ok(store
        .sync_state(LAST_BACKUP_KEY)
        .map_err(|e| store_err(e, lang))?
        .and_then(|t| serde_json::from_str(&t).ok()))
}

fn changes_since(store: &Store, lang: Lang) -> ApiResult<u64> {
    let mark = last_backup(store, lang)?.map(|l| l.mark);
    match mark {
        // Never backed up: everything counts.
        None => Ok(u64::MAX),
        Some(mark) => store.changes_after(mark).map_err(|e| store_err(e, lang)),
    }
}

/// The backups in `dir`, newest first (files that are not whole backups are left out).
pub fn list_backups(dir: &Path) -> Vec<BackupView> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<BackupView> = entries
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| {
            p.extension()
                .is_some_and(|x| x == jiayi_store::backup::BACKUP_EXTENSION)
        })
        .filter_map(|p| {
            let header = jiayi_store::peek_header(&p).ok()?;
            Some(BackupView::of(&p, &header))
        })
        .collect();
    out.sort_by_key(|b| std::cmp::Reverse(b.made_at));
    out
}

/// What the backup panel shows for the store `store` at `database`.
pub fn backup_status(store: &Store, database: &Path, lang: Lang) -> ApiResult<BackupStatus> {
    let dir = backups_dir(database);
    let failure = store
        .sync_state(LAST_BACKUP_ERROR_KEY)
        .map_err(|e| store_err(e, lang))?
        .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
        .and_then(|v| {
            Some(BackupFailure {
                code: v["code"].as_str()?.to_string(),
                message: v[lang.pick("message_zh", "message_en")]
                    .as_str()?
                    .to_string(),
                at: serde_json::from_value(v["at"].clone()).ok()?,
            })
        });
    let changes = changes_since(store, lang)?;
    Ok(BackupStatus {
        folder: dir.display().to_string(),
        last_backup: last_backup(store, lang)?.map(|l| l.view),
        last_failure: failure,
        changes_since: if changes == u64::MAX { 0 } else { changes },
        every_changes: AUTO_EVERY_CHANGES,
        backups: list_backups(&dir),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_sort_by_time_and_name_the_device() {
        let device = Uuid::from_u128(0xabcdef12);
        let at = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
        let a = file_name("auto", device, at("2026-12-07T08:00:00.5Z"));
        let b = file_name("auto", device, at("2026-12-07T10:00:00Z"));
        assert_eq!(a, "auto-20261207T080000500Z-abcdef12.jiayi-backup");
        assert!(a < b);
    }
}
