//! Changing the passphrase: the old one proves the doctor, the new one gets a new data key and
//! the database is re-encrypted under it, in two phases that survive a power cut at any instant
//! (`jiayi_store::rekey`). Runs while no connection to the store is open, like unlocking.

use std::path::Path;

use chrono::{DateTime, Utc};
use jiayi_core::Lang;
use jiayi_core::access;
use jiayi_store::{DbFile, KdfParams, rekey};

use crate::vault::{Unlocked, unlock_vault};
use crate::{Api, ApiError, ApiResult};

/// Changes the passphrase from `old` to `new` (typed twice). A wrong old passphrase counts
/// towards the lockout like a wrong unlock. Returns the handle that opens the re-encrypted
/// store; the change is noted in its audit log.
pub fn change_passphrase(
    database: &Path,
    old: &str,
    new: &str,
    confirmation: &str,
    now: DateTime<Utc>,
    lang: Lang,
) -> ApiResult<Unlocked> {
    change_passphrase_with(
        database,
        old,
        new,
        confirmation,
        KdfParams::default(),
        now,
        lang,
    )
}

/// [`change_passphrase`] with the new passphrase's Argon2id cost given (tests use the floor).
#[doc(hidden)]
pub fn change_passphrase_with(
    database: &Path,
    old: &str,
    new: &str,
    confirmation: &str,
    kdf: KdfParams,
    now: DateTime<Utc>,
    lang: Lang,
) -> ApiResult<Unlocked> {
    let store_err = |e| ApiError::from_store(e, lang);
    access::check_new_passphrase(new, confirmation)
        .map_err(|p| ApiError::new(p.code(), &p.message_zh(), &p.message_en()).localised(lang))?;
    if new == old {
        return Err(ApiError::new(
            "same_passphrase",
            "新口令与原口令相同，请换一个新口令",
            "the new passphrase is the same as the old one: choose another",
        )
        .localised(lang));
    }
    let unlocked = unlock_vault(database, old, now, lang)?;
    let current = unlocked
        .db
        .key
        .clone()
        .ok_or_else(|| store_err(jiayi_store::StoreError::WrongKey))?;
    let (_, next) =
        rekey::change_passphrase(database, old, &current, new, kdf).map_err(store_err)?;
    let db = DbFile::encrypted(database, next);
    Api::open_file(&db, lang)?.note("change_passphrase", "device", "")?;
    Ok(Unlocked {
        db,
        failures_before: unlocked.failures_before,
        notice: unlocked.notice,
    })
}
