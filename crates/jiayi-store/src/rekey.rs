//! Changing the passphrase with a new data key, in two phases that survive being cut off at
//! any instant:
//!
//! 1. the key file is rewritten so that the old and the new passphrase each open both the old
//!    and the new data key (and the recovery seal holds both);
//! 2. the database is re-encrypted into a copy under the new key, which one rename puts in
//!    place ([`crate::crypt::reencrypt`]);
//! 3. the key file is rewritten for the new passphrase and key alone.
//!
//! Cut off after 1, the next unlock (with either passphrase) finds which key opens the
//! database and finishes the file that way ([`settle_change`]): forward if the rename
//! happened, back to the old passphrase if not.
//!
//! Re-encryption copies rather than running `PRAGMA rekey`: rekey rewrites every page of the
//! live file inside one transaction, which in WAL mode leaves old-key pages in the database and
//! new-key frames in the WAL until a checkpoint — a state no single key reads whole. The copy
//! leaves exactly two states, each opened by one key.

use std::path::Path;

use crate::crypt::{self, DbKey, KdfParams};
use crate::error::{Result, StoreError};
use crate::key_file::{Holder, KeyFile, KeyFileLock};

/// Changes the passphrase of `database`: `current` is the data key the old passphrase opened.
/// The key file's lock is held throughout (an unlock tried meanwhile waits), and the file is
/// read inside it, so the lockout state it carries is the latest. Returns the settled file and
/// the new data key.
pub fn change_passphrase(
    database: &Path,
    old_passphrase: &str,
    current: &DbKey,
    new_passphrase: &str,
    kdf: KdfParams,
) -> Result<(KeyFile, DbKey)> {
    let lock = KeyFileLock::acquire(database)?;
    let file = lock
        .load()?
        .ok_or_else(|| StoreError::KeyFile("the database's key file (.key) is missing".into()))?;
    if file.change.is_some() {
        return Err(StoreError::KeyFile(
            "a change of passphrase is still to be finished".into(),
        ));
    }
    crypt::remove_rekey_leftovers(database)?;
    let (changing, next) = file.begin_change(old_passphrase, current, new_passphrase, kdf)?;
    lock.save(&changing)?;
    crypt::reencrypt(database, current, &next)?;
    let settled = changing.finish_change(1)?;
    lock.save(&settled)?;
    Ok((settled, next))
}

/// What finishing an interrupted change found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settled {
    pub file: KeyFile,
    pub key: DbKey,
    /// The passphrase that now holds: `Changing` when the change went through.
    pub holder: Holder,
}

/// Finishes a change of passphrase that was cut off: `keys` are the file's data keys in its
/// order (old, new). The key that opens the database decides; the file is settled for it.
/// Runs under the key file's lock, which the caller holds.
pub fn settle_change(lock: &KeyFileLock, file: &KeyFile, keys: &[DbKey]) -> Result<Settled> {
    let database = lock.database();
    for (index, key) in keys.iter().enumerate() {
        if crypt::opens_with(database, key)? {
            let settled = file.finish_change(index)?;
            lock.save(&settled)?;
            crypt::remove_rekey_leftovers(database)?;
            return Ok(Settled {
                file: settled,
                key: key.clone(),
                holder: if index == 0 {
                    Holder::Current
                } else {
                    Holder::Changing
                },
            });
        }
    }
    Err(StoreError::WrongKey)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::DbFile;

    fn light() -> KdfParams {
        KdfParams::OWASP_MINIMUM
    }

    fn store_with_rows(database: &Path, passphrase: &str) -> DbKey {
        let (file, key) = KeyFile::create(passphrase, light()).unwrap();
        file.save(database).unwrap();
        let store = DbFile::encrypted(database, key.clone()).open().unwrap();
        store
            .conn
            .execute_batch("CREATE TABLE t(x); INSERT INTO t VALUES (1), (2), (3);")
            .unwrap();
        key
    }

    #[test]
    fn a_change_rekeys_the_database_and_only_the_new_passphrase_opens_it() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("jiayi.sqlite3");
        let old = store_with_rows(&db, "东村卫生室二〇二六");
        let (settled, new) = change_passphrase(
            &db,
            "东村卫生室二〇二六",
            &old,
            "西村卫生室二〇二七",
            light(),
        )
        .unwrap();
        assert_eq!(KeyFile::load(&db).unwrap(), Some(settled.clone()));
        assert_eq!(
            settled.unlock("西村卫生室二〇二七").unwrap(),
            Some(new.clone())
        );
        assert_eq!(settled.unlock("东村卫生室二〇二六").unwrap(), None);
        assert!(!crypt::opens_with(&db, &old).unwrap());
        let store = DbFile::encrypted(&db, new).open().unwrap();
        let n: i64 = store
            .conn
            .query_row("SELECT sum(x) FROM t", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 6);
    }

    #[test]
    fn a_change_cut_off_before_the_rename_goes_back_and_after_it_forward() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("jiayi.sqlite3");
        let old = store_with_rows(&db, "东村卫生室二〇二六");
        let file = KeyFile::load(&db).unwrap().unwrap();
        let (changing, new) = file
            .begin_change("东村卫生室二〇二六", &old, "西村卫生室二〇二七", light())
            .unwrap();
        changing.save(&db).unwrap();
        let keys = [old.clone(), new.clone()];
        let lock = KeyFileLock::acquire(&db).unwrap();
        let back = settle_change(&lock, &changing, &keys).unwrap();
        assert_eq!((back.key, back.holder), (old.clone(), Holder::Current));
        assert_eq!(
            back.file.unlock("东村卫生室二〇二六").unwrap(),
            Some(old.clone())
        );

        changing.save(&db).unwrap();
        crypt::reencrypt(&db, &old, &new).unwrap();
        let forward = settle_change(&lock, &changing, &keys).unwrap();
        drop(lock);
        assert_eq!(
            (forward.key, forward.holder),
            (new.clone(), Holder::Changing)
        );
        assert_eq!(
            KeyFile::load(&db)
                .unwrap()
                .unwrap()
                .unlock("西村卫生室二〇二七")
                .unwrap(),
            Some(new)
        );
    }
}
