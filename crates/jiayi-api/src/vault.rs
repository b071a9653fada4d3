//! The lock on the device's records, as the doctor meets it: choosing a passphrase on the
//! first start, typing it to unlock, and encrypting a store made before encryption existed.
//!
//! These run before there is an [`Api`]: the database cannot be read until the passphrase is
//! right. Wrong guesses are counted in the key file, beside the database.

use std::path::Path;

use chrono::{DateTime, FixedOffset, Utc};
use jiayi_core::Lang;
use jiayi_core::access::{self, Reservation};
use jiayi_store::crypt::{self, DatabaseFile};
use jiayi_store::{DataKeys, Holder};
use jiayi_store::{DbFile, DbKey, KdfParams, KeyFile, KeyFileLock, rekey};
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
    let lock = KeyFileLock::acquire(database).map_err(store_err)?;
    if crypt::inspect(database).map_err(store_err)? != expected {
        return Err(already_exists(lang));
    }
    let (file, key) = KeyFile::create(passphrase, KdfParams::default()).map_err(store_err)?;
    lock.save(&file).map_err(store_err)?;
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

/// Tries a passphrase. The attempt is counted in the key file before the passphrase is checked
/// (under the key file's lock, so attempts made at once each count), and stays counted unless
/// the passphrase is right; the fifth in a row locks the device for a while, and while it is
/// locked no passphrase is tried. The database is not touched either way.
pub fn unlock_vault(
    database: &Path,
    passphrase: &str,
    now: DateTime<Utc>,
    lang: Lang,
) -> ApiResult<Unlocked> {
    let store_err = |e| ApiError::from_store(e, lang);
    if crypt::inspect(database).map_err(store_err)? != DatabaseFile::Encrypted {
        return Err(ApiError::new(
            "not_encrypted",
            "本机数据库尚未加密，请先设置口令",
            "the local database is not encrypted yet: choose a passphrase first",
        )
        .localised(lang));
    }
    let (file, counted) = {
        let lock = KeyFileLock::acquire(database).map_err(store_err)?;
        let mut file = lock
            .load()
            .map_err(store_err)?
            .ok_or_else(|| key_file_missing(lang))?;
        match file.lockout.reserve(now) {
            Reservation::Refused { lockout, until } => {
                if lockout != file.lockout {
                    file.lockout = lockout;
                    lock.save(&file).map_err(store_err)?;
                }
                return Err(locked_out(until, lang));
            }
            Reservation::Counted(lockout) => {
                file.lockout = lockout.clone();
                lock.save(&file).map_err(store_err)?;
                (file, lockout)
            }
        }
    };
    // The costly part (Argon2id) runs without the lock: other attempts are counted meanwhile.
    let opened = file.open(passphrase).map_err(store_err)?;
    let Some(opened) = opened else {
        return Err(match counted.locked_at(now) {
            Some(until) => locked_out(until, lang),
            None => {
                let left = counted.attempts_left();
                ApiError::new(
                    "wrong_passphrase",
                    &format!("口令不对。再错 {left} 次将暂时锁定"),
                    &format!(
                        "wrong passphrase; {left} more wrong tries lock the device for a while"
                    ),
                )
                .localised(lang)
            }
        });
    };
    let lock = KeyFileLock::acquire(database).map_err(store_err)?;
    let mut file = lock
        .load()
        .map_err(store_err)?
        .ok_or_else(|| key_file_missing(lang))?;
    // This attempt's own count goes; the wrong ones before it (and beside it) are noted.
    let failures_before = file.lockout.failures.saturating_sub(1);
    file.lockout = file.lockout.after_success(now);
    let (key, notice) = settle(&lock, file, passphrase, opened, lang)?;
    Ok(Unlocked {
        db: DbFile::encrypted(database, key),
        failures_before,
        notice,
    })
}

/// A store unlocked and open, as the app and the `jiayi` command get it from a passphrase.
pub struct OpenedVault {
    pub api: Api,
    pub db: DbFile,
    /// What the doctor must be told (see [`Unlocked::notice`]).
    pub notice: Option<String>,
    /// How long the passphrase took to check (the key derivation, for start-up timings).
    pub key_after: std::time::Duration,
}

/// Unlocks the store with `passphrase` ([`unlock_vault`]: a wrong one is counted, a lock
/// holds), opens it, and notes the unlock with the number of wrong tries before it in its
/// audit log. The one way in for the app and the command line alike.
pub fn open_vault(
    database: &Path,
    passphrase: &str,
    now: DateTime<Utc>,
    lang: Lang,
) -> ApiResult<OpenedVault> {
    let started = std::time::Instant::now();
    let unlocked = unlock_vault(database, passphrase, now, lang)?;
    let key_after = started.elapsed();
    let api = Api::open_file(&unlocked.db, lang)?;
    api.note_unlock(unlocked.failures_before)?;
    Ok(OpenedVault {
        api,
        db: unlocked.db,
        notice: unlocked.notice,
        key_after,
    })
}

/// After a right passphrase, under the key file's lock: writes the cleared lockout, rewrites a
/// format-1 key file as format 2 (its derived key becomes the data key, so the database is not
/// rewritten), and finishes a change of passphrase that was cut off. Returns the key that opens
/// the database.
fn settle(
    lock: &KeyFileLock,
    file: KeyFile,
    passphrase: &str,
    opened: DataKeys,
    lang: Lang,
) -> ApiResult<(DbKey, Option<String>)> {
    let store_err = |e| ApiError::from_store(e, lang);
    let first = opened.keys.first().cloned().ok_or_else(|| {
        ApiError::from_store(jiayi_store::StoreError::KeyFile("no data key".into()), lang)
    })?;
    if opened.legacy {
        KeyFile::settled(passphrase, file.kdf, &first, None, file.lockout.clone())
            .and_then(|upgraded| lock.save(&upgraded))
            .map_err(store_err)?;
        return Ok((first, None));
    }
    if file.change.is_some() {
        let settled = rekey::settle_change(lock, &file, &opened.keys).map_err(store_err)?;
        return Ok((settled.key, Some(change_finished(settled.holder, lang))));
    }
    lock.save(&file).map_err(store_err)?;
    Ok((first, None))
}

fn key_file_missing(lang: Lang) -> ApiError {
    ApiError::new(
        "key_file_missing",
        "找不到数据库的密钥文件（与数据库同名、以 .key 结尾），无法解锁。请从备份中恢复该文件",
        "the database's key file (its name ending in .key) is missing, so it cannot be unlocked; restore that file from a backup",
    )
    .localised(lang)
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
