//! The lock on the device's records, as the doctor meets it: choosing a passphrase on the
//! first start, typing it to unlock, and encrypting a store made before encryption existed.
//!
//! These run before there is an [`Api`]: the database cannot be read until the passphrase is
//! right. Wrong guesses are counted in the key file, beside the database.

use std::path::Path;

use chrono::{DateTime, FixedOffset, Utc};
use jiayi_core::Lang;
use jiayi_core::access::{self, Lockout};
use jiayi_store::crypt::{self, DatabaseFile};
use jiayi_store::{DataKeys, Holder};
use jiayi_store::{DbFile, DbKey, KdfParams, KeyFile, rekey};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::{Api, ApiError, ApiResult};

/// What the lock screen has to offer.
#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VaultState {
    /// No database yet: choose a passphrase (and demo or empty).
    New,
    /// A database from before encryption: choose a passphrase to encrypt it.
    Plain,
    /// Type the passphrase.
    Encrypted,
}

#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct VaultStatus {
    pub state: VaultState,
    /// While wrong guesses keep the device locked.
    pub locked_until: Option<DateTime<Utc>>,
    pub attempts_left: u32,
    pub min_passphrase_chars: u32,
    pub idle_lock_minutes: u32,
    /// Whether the data key is sealed to the township's recovery key, so a forgotten
    /// passphrase can be recovered at the health center.
    pub recovery_ready: bool,
}

/// Where the database stands and whether a passphrase may be tried now.
pub fn vault_status(database: &Path, now: DateTime<Utc>, lang: Lang) -> ApiResult<VaultStatus> {
    let state = match crypt::inspect(database).map_err(|e| ApiError::from_store(e, lang))? {
        DatabaseFile::Missing => VaultState::New,
        DatabaseFile::Plain => VaultState::Plain,
        DatabaseFile::Encrypted => VaultState::Encrypted,
    };
    let file = match state {
        VaultState::Encrypted => {
            KeyFile::load(database).map_err(|e| ApiError::from_store(e, lang))?
        }
        _ => None,
    };
    let lockout = file.as_ref().map(|k| k.lockout.clone()).unwrap_or_default();
    let recovery_ready = file
        .as_ref()
        .is_some_and(|k| k.recovery_public_key().is_some());
    Ok(VaultStatus {
        state,
        locked_until: lockout.locked_at(now),
        attempts_left: lockout.attempts_left(),
        min_passphrase_chars: access::MIN_PASSPHRASE_CHARS as u32,
        idle_lock_minutes: access::DEFAULT_IDLE_LOCK_MINUTES,
        recovery_ready,
    })
}

/// The passphrase on the first line of `input` (standard input for the CLI and for automated
/// starts of the app), without its line ending. Never taken as an argument: other users of the
/// machine could read it.
pub fn read_passphrase(input: &mut impl std::io::BufRead) -> std::io::Result<Zeroizing<String>> {
    let mut line = Zeroizing::new(String::new());
    input.read_line(&mut line)?;
    Ok(Zeroizing::new(
        line.trim_end_matches(['\r', '\n']).to_string(),
    ))
}

/// A new passphrase for a database in state `expected`: checks it, writes the key file and
/// returns the key. Refuses to touch a database in any other state.
fn new_key_file(
    database: &Path,
    expected: DatabaseFile,
    passphrase: &str,
    confirmation: &str,
    lang: Lang,
) -> ApiResult<DbKey> {
    let store_err = |e| ApiError::from_store(e, lang);
    access::check_new_passphrase(passphrase, confirmation)
        .map_err(|p| ApiError::new(p.code(), &p.message_zh(), &p.message_en()).localised(lang))?;
    if crypt::inspect(database).map_err(store_err)? != expected {
        return Err(already_exists(lang));
    }
    let (file, key) = KeyFile::create(passphrase, KdfParams::default()).map_err(store_err)?;
    file.save(database).map_err(store_err)?;
    Ok(key)
}

/// Chooses the passphrase of a new database: writes its key file and returns the handle the
/// database is then created through.
pub fn create_vault(
    database: &Path,
    passphrase: &str,
    confirmation: &str,
    lang: Lang,
) -> ApiResult<DbFile> {
    let key = new_key_file(
        database,
        DatabaseFile::Missing,
        passphrase,
        confirmation,
        lang,
    )?;
    Ok(DbFile::encrypted(database, key))
}

/// Encrypts a database made before encryption, in place, under a new passphrase. Every row is
/// counted across before the plain file is replaced; on any failure the plain file is kept.
pub fn protect_plain_vault(
    database: &Path,
    passphrase: &str,
    confirmation: &str,
    lang: Lang,
) -> ApiResult<DbFile> {
    let key = new_key_file(
        database,
        DatabaseFile::Plain,
        passphrase,
        confirmation,
        lang,
    )?;
    crypt::encrypt_in_place(database, &key).map_err(|e| ApiError::from_store(e, lang))?;
    Ok(DbFile::encrypted(database, key))
}

/// What a successful unlock found: the handle to open the database with, and how many wrong
/// passphrases came before it (noted in the audit log once the database is open).
#[derive(Debug)]
pub struct Unlocked {
    pub db: DbFile,
    pub failures_before: u32,
    /// What the doctor must be told: a change of passphrase cut off earlier was finished at
    /// this unlock, and which passphrase now holds.
    pub notice: Option<String>,
}

/// Tries a passphrase. A wrong one is counted (the fifth in a row locks the device for a
/// while); the database is not touched either way.
pub fn unlock_vault(
    database: &Path,
    passphrase: &str,
    now: DateTime<Utc>,
    lang: Lang,
) -> ApiResult<Unlocked> {
    if crypt::inspect(database).map_err(|e| ApiError::from_store(e, lang))?
        != DatabaseFile::Encrypted
    {
        return Err(ApiError::new(
            "not_encrypted",
            "本机数据库尚未加密，请先设置口令",
            "the local database is not encrypted yet: choose a passphrase first",
        )
        .localised(lang));
    }
    let mut file = KeyFile::load(database)
        .map_err(|e| ApiError::from_store(e, lang))?
        .ok_or_else(|| {
            ApiError::new(
                "key_file_missing",
                "找不到数据库的密钥文件（与数据库同名、以 .key 结尾），无法解锁。请从备份中恢复该文件",
                "the database's key file (its name ending in .key) is missing, so it cannot be unlocked; restore that file from a backup",
            )
            .localised(lang)
        })?;
    if let Some(until) = file.lockout.locked_at(now) {
        return Err(locked_out(until, lang));
    }
    let opened = file
        .open(passphrase)
        .map_err(|e| ApiError::from_store(e, lang))?;
    match opened {
        Some(opened) => {
            let failures_before = file.lockout.failures;
            let (key, notice) = settle(database, file, passphrase, opened, lang)?;
            Ok(Unlocked {
                db: DbFile::encrypted(database, key),
                failures_before,
                notice,
            })
        }
        None => {
            file.lockout = file.lockout.after_failure(now);
            file.save(database)
                .map_err(|e| ApiError::from_store(e, lang))?;
            Err(match file.lockout.locked_at(now) {
                Some(until) => locked_out(until, lang),
                None => {
                    let left = file.lockout.attempts_left();
                    ApiError::new(
                        "wrong_passphrase",
                        &format!("口令不对。再错 {left} 次将暂时锁定"),
                        &format!(
                            "wrong passphrase; {left} more wrong tries lock the device for a while"
                        ),
                    )
                    .localised(lang)
                }
            })
        }
    }
}

/// After a right passphrase: resets the lockout, rewrites a format-1 key file as format 2 (its
/// derived key becomes the data key, so the database is not rewritten), and finishes a change
/// of passphrase that was cut off. Returns the key that opens the database.
fn settle(
    database: &Path,
    mut file: KeyFile,
    passphrase: &str,
    opened: DataKeys,
    lang: Lang,
) -> ApiResult<(DbKey, Option<String>)> {
    let store_err = |e| ApiError::from_store(e, lang);
    let lockout = if file.lockout == Lockout::default() {
        Lockout::default()
    } else {
        Lockout::after_success()
    };
    let first = opened.keys.first().cloned().ok_or_else(|| {
        ApiError::from_store(jiayi_store::StoreError::KeyFile("no data key".into()), lang)
    })?;
    if opened.legacy {
        KeyFile::settled(passphrase, file.kdf, &first, None, lockout)
            .and_then(|upgraded| upgraded.save(database))
            .map_err(store_err)?;
        return Ok((first, None));
    }
    if file.change.is_some() {
        file.lockout = lockout;
        let settled = rekey::settle_change(database, &file, &opened.keys).map_err(store_err)?;
        return Ok((settled.key, Some(change_finished(settled.holder, lang))));
    }
    if file.lockout != lockout {
        file.lockout = lockout;
        file.save(database).map_err(store_err)?;
    }
    Ok((first, None))
}

fn change_finished(holder: Holder, lang: Lang) -> String {
    let (zh, en) = match holder {
        Holder::Changing => (
            "上次修改口令时被中断，现已完成修改：今后请使用新口令。",
            "The last change of passphrase was interrupted and has now been completed: use the new passphrase from now on.",
        ),
        Holder::Current => (
            "上次修改口令时被中断，修改未生效：今后仍请使用原口令。",
            "The last change of passphrase was interrupted and did not take effect: keep using the old passphrase.",
        ),
    };
    match lang {
        Lang::Zh => zh.to_string(),
        Lang::En => en.to_string(),
    }
}

fn locked_out(until: DateTime<Utc>, lang: Lang) -> ApiError {
    // The villages' clock, which is the one on the doctor's wall.
    let china = FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset");
    let at = until.with_timezone(&china).format("%H:%M");
    ApiError::new(
        "locked_out",
        &format!("口令输错次数过多，已暂时锁定，请在 {at} 后再试"),
        &format!("too many wrong passphrases: locked until {at}"),
    )
    .localised(lang)
}

fn already_exists(lang: Lang) -> ApiError {
    ApiError::new(
        "vault_exists",
        "本机数据库已设置过口令，请直接解锁",
        "the local database already has a passphrase: unlock it instead",
    )
    .localised(lang)
}

impl Api {
    /// Opens the store through `db` (encrypted or plain).
    pub fn open_file(db: &DbFile, lang: Lang) -> ApiResult<Api> {
        let store = db.open().map_err(|e| ApiError::from_store(e, lang))?;
        Ok(Api::new(store, lang))
    }

    /// Notes an unlock in the audit log, with the wrong tries before it (the log cannot be
    /// written while the database is locked, so they are noted here).
    pub fn note_unlock(&self, failures_before: u32) -> ApiResult<()> {
        // A device that learnt the township's recovery key while the file could not be
        // sealed (a change of passphrase under way) is sealed now.
        let _ = self.seal_to_recovery_key();
        self.note(
            "unlock",
            "device",
            &format!("failures_before={failures_before}"),
        )
    }
}
