//! `jiayi backup --out DIR` and `jiayi restore FILE`.

use std::path::Path;

use chrono::Utc;
use jiayi_api::{
    Api, ApiError, RestoreRequest, UsbOutcome, VaultState, inspect_backup, restore_backup,
    unlock_vault, vault_status, write_to_folder,
};
use jiayi_core::Lang;
use jiayi_store::DbFile;

use crate::{output, read_passphrase};

/// A fresh backup of the open store, copied into `out` and read back.
pub fn backup(api: &mut Api, db: &DbFile, out: &Path, json: bool) -> Result<(), ApiError> {
    let lang = api.lang();
    let outcome: UsbOutcome = write_to_folder(api.store_mut(), db, out, Utc::now(), lang)?;
    output(json, &outcome, || outcome.message.clone())
}

/// Restores `file` as the store at `database`. On a new install the first line of standard
/// input is the backup's passphrase; over an existing store the first line unlocks that store
/// and the second is the backup's.
pub fn restore(
    database: &Path,
    file: &Path,
    back_up_current_first: bool,
    json: bool,
    lang: Lang,
) -> Result<(), ApiError> {
    // What the file holds, and that it is whole, before any passphrase is asked for.
    inspect_backup(file, lang)?;
    let current = match vault_status(database, Utc::now(), lang)?.state {
        VaultState::New => None,
        VaultState::Plain => {
            return Err(ApiError::new(
                "not_encrypted",
                "本机数据库尚未加密：请先运行 jiayi protect --passphrase-stdin，再恢复",
                "the local database is not encrypted yet: run jiayi protect --passphrase-stdin first",
            )
            .localised(lang));
        }
        VaultState::Encrypted => {
            let current = read_passphrase(lang)?;
            Some(unlock_vault(database, &current, Utc::now(), lang)?.db)
        }
    };
    let passphrase = read_passphrase(lang)?;
    let request = RestoreRequest {
        file: file.display().to_string(),
        passphrase: passphrase.to_string(),
        back_up_current_first,
    };
    let outcome = restore_backup(database, current.as_ref(), &request, Utc::now(), lang)?;
    let b = &outcome.backup;
    let mut lines = vec![match lang {
        Lang::Zh => format!(
            "已从备份恢复（{} 制作，{} 户、{} 人，其中 {} 条改动当时尚未同步）。",
            b.made_at
                .with_timezone(&jiayi_core::time::china_offset())
                .format("%Y-%m-%d %H:%M"),
            b.households,
            b.residents,
            b.unsynced
        ),
        Lang::En => format!(
            "Restored from the backup made {} ({} households, {} residents, {} changes not yet synced then).",
            b.made_at.format("%Y-%m-%d %H:%M UTC"),
            b.households,
            b.residents,
            b.unsynced
        ),
    }];
    lines.push(lang.pick(
        &format!("本机设备编号现为 {}：请卫生院为该编号重新登记本机，导入登记文件后同步一次", b.device_id),
        &format!("this laptop's device id is now {}: have the health center enroll that id again for it, import the enrollment file and sync once", b.device_id),
    ).to_string());
    if let Some(aside) = &outcome.replaced_store {
        lines.push(format!(
            "{}{}",
            lang.pick("原有数据已移到 ", "the store it replaced was moved to "),
            aside.display()
        ));
    }
    output(json, b, || lines.join("\n"))
}
