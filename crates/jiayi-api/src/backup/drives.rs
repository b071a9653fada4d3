//! A backup onto a USB stick: the drives likely to be one, and the copy written there and read
//! back. What differs between systems is in [`candidates`] alone.

use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use jiayi_core::Lang;
use jiayi_store::{DbFile, Store, VerifiedBackup};
use serde::{Deserialize, Serialize};

use super::{BackupView, back_up_now};
use crate::{ApiError, ApiResult};

/// A folder the backup panel offers.
#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct RemovableDrive {
    pub path: String,
    pub label: String,
}

/// What was written to the stick, checked.
#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct UsbOutcome {
    pub backup: BackupView,
    /// How long the backup itself took (the copy and its check come on top).
    pub backup_millis: u64,
    /// Said to the doctor: where, what, and that it was read back.
    pub message: String,
}

/// Where removable drives appear on this system.
#[cfg(not(windows))]
fn candidates() -> Vec<PathBuf> {
    // udisks mounts a stick at /media/<user>/<label> (Debian, UOS, Kylin) or
    // /run/media/<user>/<label> (others); every user's folder is looked at, as the app may
    // run as another user than the one logged in.
    let mut out = Vec::new();
    for root in ["/media", "/run/media"] {
        let Ok(users) = std::fs::read_dir(root) else {
            continue;
        };
        for user in users.filter_map(|e| e.ok()).map(|e| e.path()) {
            if let Ok(mounts) = std::fs::read_dir(&user) {
                out.extend(
                    mounts
                        .filter_map(|e| e.ok())
                        .map(|e| e.path())
                        .filter(|p| p.is_dir()),
                );
            }
        }
    }
    out
}

/// Where removable drives appear on this system.
#[cfg(windows)]
fn candidates() -> Vec<PathBuf> {
    // Drive letters that exist, but not the system's, nor A: and B: (floppies). Telling a
    // stick from a second hard disk needs GetDriveTypeW; a second disk offered here is still
    // a place a copy may usefully go.
    let system = std::env::var("SystemDrive").unwrap_or_else(|_| "C:".into());
    ('C'..='Z')
        .map(|l| format!("{l}:"))
        .filter(|d| !d.eq_ignore_ascii_case(&system))
        .map(|d| PathBuf::from(format!("{d}\\")))
        .filter(|p| p.exists())
        .collect()
}

/// The drives the panel offers, in order.
pub fn removable_drives() -> Vec<RemovableDrive> {
    let mut drives: Vec<RemovableDrive> = candidates()
        .into_iter()
        .map(|p| RemovableDrive {
            label: p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| p.display().to_string()),
            path: p.display().to_string(),
        })
        .collect();
    drives.sort_by(|a, b| a.path.cmp(&b.path));
    drives
}

/// Backups found at the top of each removable drive, newest first.
pub fn backups_on_drives() -> Vec<BackupView> {
    let mut found: Vec<BackupView> = candidates()
        .iter()
        .flat_map(|d| super::list_backups(d))
        .collect();
    found.sort_by_key(|b| std::cmp::Reverse(b.made_at));
    found
}

fn usb_err(folder: &Path, why: &dyn std::fmt::Display, lang: Lang) -> ApiError {
    ApiError::new(
        "usb_write_failed",
        &format!(
            "没能把备份写到 {}（{why}）。请确认 U 盘已插好、没有写保护且空间足够，再试一次",
            folder.display()
        ),
        &format!(
            "the backup could not be written to {} ({why}); check that the stick is plugged in, not write-protected and has room, then try again",
            folder.display()
        ),
    )
    .localised(lang)
}

/// Makes a fresh backup, copies it into `folder` (whole or not at all) and reads the copy back
/// to check its hash against the backup's.
pub fn write_to_folder(
    store: &mut Store,
    db: &DbFile,
    folder: &Path,
    now: DateTime<Utc>,
    lang: Lang,
) -> ApiResult<UsbOutcome> {
    if !folder.is_dir() {
        return Err(ApiError::new(
            "usb_folder_missing",
            &format!(
                "找不到文件夹 {}：请检查 U 盘是否插好，或重新选择",
                folder.display()
            ),
            &format!(
                "the folder {} does not exist: check the stick or choose again",
                folder.display()
            ),
        )
        .localised(lang));
    }
    let made = back_up_now(store, db, now, lang)?;
    let source = PathBuf::from(&made.backup.path);
    let target = folder.join(&made.backup.file_name);
    let part = folder.join(format!("{}.part", made.backup.file_name));
    let copy = || -> std::io::Result<()> {
        let mut from = std::fs::File::open(&source)?;
        let mut to = std::fs::File::create(&part)?;
        std::io::copy(&mut from, &mut to)?;
        to.flush()?;
        to.sync_all()?;
        drop(to);
        jiayi_store::platform::replace(&part, &target)
    };
    if let Err(e) = copy() {
        let _ = std::fs::remove_file(&part);
        return Err(usb_err(folder, &e, lang));
    }
    let expected = jiayi_store::peek_header(&source)
        .map_err(|e| usb_err(folder, &e, lang))?
        .body_sha256;
    let checked = VerifiedBackup::open(&target)
        .ok()
        .filter(|copy| copy.header.body_sha256 == expected)
        .ok_or_else(|| {
            usb_err(
                folder,
                &lang.pick("读回核对不一致", "the copy read back differs"),
                lang,
            )
        })?;
    let b = &made.backup;
    let size_mb = b.size_bytes as f64 / (1024.0 * 1024.0);
    let message = match lang {
        Lang::Zh => format!(
            "备份已写入 {}，并已读回核对无误（{size_mb:.1} MB：{} 户、{} 人，其中 {} 条改动尚未同步）。",
            target.display(),
            b.households,
            b.residents,
            b.unsynced
        ),
        Lang::En => format!(
            "The backup was written to {} and read back without error ({size_mb:.1} MB: {} households, {} residents, {} changes not yet synced).",
            target.display(),
            b.households,
            b.residents,
            b.unsynced
        ),
    };
    Ok(UsbOutcome {
        backup: BackupView::of(&target, &checked.header),
        backup_millis: made.millis,
        message,
    })
}
