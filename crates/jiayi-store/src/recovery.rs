//! Recovering a forgotten passphrase with the township's recovery private key, and sealing the
//! data key to the township's recovery public key once the device has learnt it.

use std::path::Path;

use chrono::{DateTime, Utc};
use jiayi_core::access::Lockout;

use crate::Store;
use crate::crypt::{self, DatabaseFile, KdfParams};
use crate::envelope::{RecoveryPublicKey, RecoverySecretKey};
use crate::error::{Result, StoreError};
use crate::key_file::{KeyFile, KeyFileLock};

/// Gives the database a new passphrase, opening its data key with the township's recovery
/// private key. The recovery is noted in the store's audit log first (an action that cannot be
/// noted does not happen), then the key file is rewritten for the new passphrase, the seal to
/// the same recovery key kept and the lockout reset. A key that is not the township's the store
/// was sealed to changes nothing.
pub fn recover(
    database: &Path,
    secret: &RecoverySecretKey,
    new_passphrase: &str,
    kdf: KdfParams,
    now: DateTime<Utc>,
) -> Result<()> {
    if crypt::inspect(database)? != DatabaseFile::Encrypted {
        return Err(StoreError::KeyFile(
            "there is no encrypted database at this path".into(),
        ));
    }
    let lock = KeyFileLock::acquire(database)?;
    let file = lock
        .load()?
        .ok_or_else(|| StoreError::KeyFile("the database's key file (.key) is missing".into()))?;
    let keys = file
        .unseal(secret)?
        .ok_or_else(|| StoreError::RecoveryKey {
            sealed: file.recovery_public_key().is_some(),
        })?;
    let mut opening = None;
    for key in keys {
        if crypt::opens_with(database, &key)? {
            opening = Some(key);
            break;
        }
    }
    let key = opening.ok_or(StoreError::WrongKey)?;
    let store = Store::open_encrypted(database, &key)?;
    store.audit_action(
        now,
        "recover_passphrase",
        "device",
        &format!("recovery_key={}", &secret.public_key().to_hex()[..16]),
    )?;
    drop(store);
    let settled = KeyFile::settled(
        new_passphrase,
        kdf,
        &key,
        Some(&secret.public_key()),
        Lockout::default(),
    )?;
    lock.save(&settled)?;
    crypt::remove_rekey_leftovers(database)?;
    Ok(())
}

impl Store {
    /// Seals this store's data key to the township's recovery key `public` (hex) unless its key
    /// file already is. A key file in the middle of a change of passphrase is left to the
    /// unlock that finishes it. Returns whether the file was rewritten.
    pub fn seal_to_recovery_key(&self, public: &str) -> Result<bool> {
        let (Some(path), Some(key)) = (self.path(), self.key.as_ref()) else {
            return Ok(false);
        };
        let public = RecoveryPublicKey::parse(public)?;
        let lock = KeyFileLock::acquire(path)?;
        let Some(file) = lock.load()? else {
            return Ok(false);
        };
        if file.format != 2 || file.change.is_some() {
            return Ok(false);
        }
        if file.recovery_public_key() == Some(public.to_hex().as_str()) {
            return Ok(false);
        }
        lock.save(&file.sealed_to(&public, std::slice::from_ref(key))?)?;
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::DbFile;

    #[test]
    fn the_township_key_sets_a_new_passphrase_and_another_key_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("jiayi.sqlite3");
        let (file, key) = KeyFile::create("东村卫生室二〇二六", KdfParams::OWASP_MINIMUM).unwrap();
        file.save(&db).unwrap();
        let township = RecoverySecretKey::generate();
        let store = DbFile::encrypted(&db, key.clone()).open().unwrap();
        assert!(
            store
                .seal_to_recovery_key(&township.public_key().to_hex())
                .unwrap()
        );
        assert!(
            !store
                .seal_to_recovery_key(&township.public_key().to_hex())
                .unwrap()
        );
        drop(store);

        let before = std::fs::read(KeyFile::path_for(&db)).unwrap();
        let stranger = RecoverySecretKey::generate();
        let err = recover(
            &db,
            &stranger,
            "新口令二〇二七年",
            KdfParams::OWASP_MINIMUM,
            Utc::now(),
        )
        .unwrap_err();
        assert!(
            err.to_string()
                .contains("not the one this store was sealed to"),
            "{err}"
        );
        assert_eq!(std::fs::read(KeyFile::path_for(&db)).unwrap(), before);

        recover(
            &db,
            &township,
            "新口令二〇二七年",
            KdfParams::OWASP_MINIMUM,
            Utc::now(),
        )
        .unwrap();
        let file = KeyFile::load(&db).unwrap().unwrap();
        assert_eq!(file.unlock("新口令二〇二七年").unwrap(), Some(key.clone()));
        assert_eq!(file.unlock("东村卫生室二〇二六").unwrap(), None);
        assert_eq!(file.unseal(&township).unwrap(), Some(vec![key.clone()]));
        let store = DbFile::encrypted(&db, key).open().unwrap();
        let noted: i64 = store
            .conn
            .query_row(
                "SELECT count(*) FROM audit_log WHERE action = 'recover_passphrase'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(noted, 1);
    }
}
