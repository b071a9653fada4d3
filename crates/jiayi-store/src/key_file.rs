//! The key file beside the database (`<database>.key`, one JSON file).
//!
//! Format 2 is an envelope: a random data key encrypts the database; the file holds that key
//! wrapped under a key derived from the passphrase (Argon2id, then XChaCha20-Poly1305) and,
//! once the township's recovery key is known, sealed to it. While the passphrase is being
//! changed the file holds both data keys under both passphrases (`keys` and `change`), so
//! either passphrase opens the database whichever key it is encrypted with at that moment.
//! Format 1 (the derived key encrypts the database, a check value tells a wrong passphrase)
//! still opens, and is rewritten as format 2 at its first unlock.
//!
//! Nothing secret is in the file but wrapped or sealed keys, plus the lockout state.
//!
//! Every rewrite of an existing key file happens under [`KeyFileLock`] (`<database>.key.lock`,
//! an exclusive lock on a file beside it), reading the file again inside the lock: an attempt
//! counted, an unlock settled, a change of passphrase, a seal to the recovery key. Two
//! processes (the app and the `jiayi` command, or several of either) then never lose each
//! other's changes.

use std::fs;
use std::path::{Path, PathBuf};

use jiayi_core::access::Lockout;
use serde::{Deserialize, Serialize};

use crate::crypt::{DbKey, KdfParams, constant_time_eq, derive_key, random_bytes, sibling};
use crate::envelope::{self, RecoveryPublicKey, RecoverySecretKey};
use crate::error::{Result, StoreError};

/// The key file's contents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KeyFile {
    pub format: u32,
    pub kdf: KdfParams,
    /// 16 random bytes, hex.
    pub salt: String,
    /// Format 1 only: SHA-256 of a label and the derived key, hex.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub check: String,
    /// Format 2: the data keys wrapped under the passphrase's key. One when settled; while a
    /// change is under way the old one first, then the new one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub keys: Vec<String>,
    /// The new passphrase while a change is under way: the same data keys, in the same order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub change: Option<PassphraseSlot>,
    /// The same data keys sealed to the township's recovery key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recovery: Option<RecoverySeal>,
    #[serde(default)]
    pub lockout: Lockout,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PassphraseSlot {
    pub kdf: KdfParams,
    pub salt: String,
    pub keys: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecoverySeal {
    /// The township's recovery public key, hex.
    pub public_key: String,
    pub keys: Vec<String>,
}

/// Which passphrase of a file opened the data keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holder {
    /// The passphrase in force (the old one while a change is under way).
    Current,
    /// The new passphrase of a change under way.
    Changing,
}

/// The data keys a passphrase (or the recovery key) opened, in the file's order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataKeys {
    pub keys: Vec<DbKey>,
    pub holder: Holder,
    /// Format 1: the derived key is the data key and the file is to be rewritten.
    pub legacy: bool,
}

impl KeyFile {
    /// A new key file for `passphrase` with a fresh random data key; returns it with the key.
    pub fn create(passphrase: &str, kdf: KdfParams) -> Result<(KeyFile, DbKey)> {
        let key = DbKey::random()?;
        let file = KeyFile::settled(passphrase, kdf, &key, None, Lockout::default())?;
        Ok((file, key))
    }

    /// A format-1 file as earlier versions wrote it (the derived key is the database key), for
    /// the tests of the upgrade.
    #[doc(hidden)]
    pub fn create_format_one(passphrase: &str, kdf: KdfParams) -> Result<(KeyFile, DbKey)> {
        let salt = random_bytes::<16>()?;
        let key = derive_key(passphrase, &salt, &kdf)?;
        let file = KeyFile {
            format: 1,
            kdf,
            salt: hex::encode(salt),
            check: key.check_value(),
            keys: Vec::new(),
            change: None,
            recovery: None,
            lockout: Lockout::default(),
        };
        Ok((file, key))
    }

    /// A settled format-2 file: `key` under `passphrase`, and sealed to `recovery` if given.
    pub fn settled(
        passphrase: &str,
        kdf: KdfParams,
        key: &DbKey,
        recovery: Option<&RecoveryPublicKey>,
        lockout: Lockout,
    ) -> Result<KeyFile> {
        let slot = PassphraseSlot::new(passphrase, kdf, std::slice::from_ref(key))?;
        let recovery = recovery
            .map(|public| RecoverySeal::new(public, std::slice::from_ref(key)))
            .transpose()?;
        Ok(KeyFile {
            format: 2,
            kdf: slot.kdf,
            salt: slot.salt,
            check: String::new(),
            keys: slot.keys,
            change: None,
            recovery,
            lockout,
        })
    }

    /// The key that opens a settled database if `passphrase` is right; `None` if it is wrong.
    pub fn unlock(&self, passphrase: &str) -> Result<Option<DbKey>> {
        Ok(self
            .open(passphrase)?
            .and_then(|opened| opened.keys.into_iter().next()))
    }

    /// Every data key `passphrase` opens, and which passphrase it was; `None` if it is wrong.
    pub fn open(&self, passphrase: &str) -> Result<Option<DataKeys>> {
        if !self.kdf.meets_minimum() {
            return Err(weakened());
        }
        match self.format {
            1 => {
                let salt = decode_salt(&self.salt)?;
                let key = derive_key(passphrase, &salt, &self.kdf)?;
                let right = constant_time_eq(key.check_value().as_bytes(), self.check.as_bytes());
                Ok(right.then(|| DataKeys {
                    keys: vec![key],
                    holder: Holder::Current,
                    legacy: true,
                }))
            }
            2 => {
                let current = self.current_slot();
                if let Some(keys) = current.open(passphrase)? {
                    return Ok(Some(DataKeys {
                        keys,
                        holder: Holder::Current,
                        legacy: false,
                    }));
                }
                let Some(change) = &self.change else {
                    return Ok(None);
                };
                if !change.kdf.meets_minimum() {
                    return Err(weakened());
                }
                Ok(change.open(passphrase)?.map(|keys| DataKeys {
                    keys,
                    holder: Holder::Changing,
                    legacy: false,
                }))
            }
            _ => Err(StoreError::KeyFile("unknown key file format".into())),
        }
    }

    /// Every data key the recovery private key opens; `None` when the store was sealed to
    /// another township's key or not sealed at all.
    pub fn unseal(&self, secret: &RecoverySecretKey) -> Result<Option<Vec<DbKey>>> {
        let Some(seal) = &self.recovery else {
            return Ok(None);
        };
        if RecoveryPublicKey::parse(&seal.public_key)? != secret.public_key() {
            return Ok(None);
        }
        let mut keys = Vec::with_capacity(seal.keys.len());
        for sealed in &seal.keys {
            match secret.unseal(sealed)? {
                Some(key) => keys.push(key),
                None => return Ok(None),
            }
        }
        Ok((!keys.is_empty()).then_some(keys))
    }

    /// Whether the data keys are sealed to the township's recovery key.
    pub fn recovery_public_key(&self) -> Option<&str> {
        self.recovery.as_ref().map(|seal| seal.public_key.as_str())
    }

    /// This settled file with `keys` (the ones it holds, in order) sealed to `public`.
    pub fn sealed_to(&self, public: &RecoveryPublicKey, keys: &[DbKey]) -> Result<KeyFile> {
        Ok(KeyFile {
            recovery: Some(RecoverySeal::new(public, keys)?),
            ..self.clone()
        })
    }

    /// Phase 1 of a change of passphrase: a file under which the old and the new passphrase
    /// each open both the old data key and a fresh new one (the recovery seal holds both too).
    /// Returns it with the new key. `current` is what the old passphrase opened.
    pub fn begin_change(
        &self,
        old_passphrase: &str,
        current: &DbKey,
        new_passphrase: &str,
        kdf: KdfParams,
    ) -> Result<(KeyFile, DbKey)> {
        let next = DbKey::random()?;
        let both = [current.clone(), next.clone()];
        let old = PassphraseSlot::new(old_passphrase, self.kdf, &both)?;
        let new = PassphraseSlot::new(new_passphrase, kdf, &both)?;
        let recovery = match &self.recovery {
            Some(seal) => Some(RecoverySeal::new(
                &RecoveryPublicKey::parse(&seal.public_key)?,
                &both,
            )?),
            None => None,
        };
        let file = KeyFile {
            format: 2,
            kdf: old.kdf,
            salt: old.salt,
            check: String::new(),
            keys: old.keys,
            change: Some(new),
            recovery,
            lockout: self.lockout.clone(),
        };
        Ok((file, next))
    }

    /// Phase 2, or the end of an interrupted change: the settled file for the data key at
    /// `index` (0: the old key, so the old passphrase holds; 1: the new key and passphrase).
    /// Needs no passphrase: the wrapped and sealed keys are only picked.
    pub fn finish_change(&self, index: usize) -> Result<KeyFile> {
        let pick = |keys: &[String]| -> Result<Vec<String>> {
            keys.get(index)
                .map(|k| vec![k.clone()])
                .ok_or_else(|| StoreError::KeyFile("no such data key in the key file".into()))
        };
        let (kdf, salt, keys) = match (&self.change, index) {
            (Some(change), 1) => (change.kdf, change.salt.clone(), pick(&change.keys)?),
            _ => (self.kdf, self.salt.clone(), pick(&self.keys)?),
        };
        let recovery = match &self.recovery {
            Some(seal) => Some(RecoverySeal {
                public_key: seal.public_key.clone(),
                keys: pick(&seal.keys)?,
            }),
            None => None,
        };
        Ok(KeyFile {
            format: 2,
            kdf,
            salt,
            check: String::new(),
            keys,
            change: None,
            recovery,
            lockout: self.lockout.clone(),
        })
    }

    fn current_slot(&self) -> PassphraseSlot {
        PassphraseSlot {
            kdf: self.kdf,
            salt: self.salt.clone(),
            keys: self.keys.clone(),
        }
    }

    /// Where the key file of `database` lives.
    pub fn path_for(database: &Path) -> PathBuf {
        sibling(database, ".key")
    }

    pub fn load(database: &Path) -> Result<Option<KeyFile>> {
        let path = KeyFile::path_for(database);
        let text = match fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(StoreError::KeyFile(e.to_string())),
        };
        serde_json::from_str(&text)
            .map(Some)
            .map_err(|e| StoreError::KeyFile(e.to_string()))
    }

    /// Writes the key file whole or not at all (a temporary file of this write's own, flushed,
    /// renamed over the old one, and the folder synced so the rename survives a power cut).
    /// Without the lock: for a new store's first key file and for tests. A file that exists
    /// is rewritten through [`KeyFileLock::save`].
    pub fn save(&self, database: &Path) -> Result<()> {
        let path = KeyFile::path_for(database);
        let json = serde_json::to_vec_pretty(self)?;
        crate::platform::write_whole(&path, &json).map_err(|e| StoreError::KeyFile(e.to_string()))
    }
}

/// The key file's lock, held while a key file is read and rewritten. Waits while another
/// process or thread holds it; released when dropped (or when its process ends).
#[derive(Debug)]
pub struct KeyFileLock {
    database: PathBuf,
    _held: crate::platform::ExclusiveLock,
}

impl KeyFileLock {
    /// Takes the lock of `database`'s key file.
    pub fn acquire(database: &Path) -> Result<KeyFileLock> {
        let path = sibling(database, ".key.lock");
        let held = crate::platform::lock_exclusive(&path)
            .map_err(|e| StoreError::KeyFile(format!("cannot lock the key file: {e}")))?;
        Ok(KeyFileLock {
            database: database.to_path_buf(),
            _held: held,
        })
    }

    /// The database whose key file this locks.
    pub fn database(&self) -> &Path {
        &self.database
    }

    /// The key file as it is now.
    pub fn load(&self) -> Result<Option<KeyFile>> {
        KeyFile::load(&self.database)
    }

    /// Rewrites the key file while the lock is held.
    pub fn save(&self, file: &KeyFile) -> Result<()> {
        file.save(&self.database)
    }
}

impl PassphraseSlot {
    fn new(passphrase: &str, kdf: KdfParams, keys: &[DbKey]) -> Result<PassphraseSlot> {
        let salt = random_bytes::<16>()?;
        let kek = derive_key(passphrase, &salt, &kdf)?;
        Ok(PassphraseSlot {
            kdf,
            salt: hex::encode(salt),
            keys: keys
                .iter()
                .map(|key| envelope::wrap(&kek, key))
                .collect::<Result<_>>()?,
        })
    }

    /// Every key of the slot if `passphrase` is its passphrase.
    fn open(&self, passphrase: &str) -> Result<Option<Vec<DbKey>>> {
        if self.keys.is_empty() {
            return Err(StoreError::KeyFile("the key file holds no key".into()));
        }
        let kek = derive_key(passphrase, &decode_salt(&self.salt)?, &self.kdf)?;
        let mut keys = Vec::with_capacity(self.keys.len());
        for wrapped in &self.keys {
            match envelope::unwrap(&kek, wrapped)? {
                Some(key) => keys.push(key),
                None => return Ok(None),
            }
        }
        Ok(Some(keys))
    }
}

impl RecoverySeal {
    fn new(public: &RecoveryPublicKey, keys: &[DbKey]) -> Result<RecoverySeal> {
        Ok(RecoverySeal {
            public_key: public.to_hex(),
            keys: keys
                .iter()
                .map(|key| public.seal(key))
                .collect::<Result<_>>()?,
        })
    }
}

fn decode_salt(salt: &str) -> Result<Vec<u8>> {
    let salt = hex::decode(salt).map_err(|_| StoreError::KeyFile("the salt is not hex".into()))?;
    if salt.len() < 16 {
        return Err(StoreError::KeyFile("the salt is too short".into()));
    }
    Ok(salt)
}

fn weakened() -> StoreError {
    StoreError::KeyFile("unknown format or weakened parameters".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn light() -> KdfParams {
        KdfParams::OWASP_MINIMUM
    }

    #[test]
    fn the_right_passphrase_gives_the_key_and_a_wrong_one_nothing() {
        let (file, key) = KeyFile::create("东村卫生室二〇二六", light()).unwrap();
        assert_eq!(file.format, 2);
        assert_eq!(
            file.unlock("东村卫生室二〇二六").unwrap().as_ref(),
            Some(&key)
        );
        assert_eq!(file.unlock("东村卫生室二〇二七").unwrap(), None);
        let (other, other_key) = KeyFile::create("东村卫生室二〇二六", light()).unwrap();
        assert_ne!(other.salt, file.salt, "every file has its own salt");
        assert_ne!(other_key, key, "every store has its own random data key");
        assert_eq!(format!("{key:?}"), "DbKey(..)", "a key never prints");
    }

    #[test]
    fn a_key_file_with_weakened_parameters_is_refused() {
        let (mut file, key) = KeyFile::create("东村卫生室二〇二六", light()).unwrap();
        file.kdf.memory_kib = 1024;
        assert!(matches!(
            file.unlock("东村卫生室二〇二六"),
            Err(StoreError::KeyFile(_))
        ));
        let (file, _) = KeyFile::create("东村卫生室二〇二六", light()).unwrap();
        let (mut changing, _) = file
            .begin_change("东村卫生室二〇二六", &key, "西村卫生室二〇二七", light())
            .unwrap();
        changing.change.as_mut().unwrap().kdf.iterations = 1;
        assert!(changing.open("西村卫生室二〇二七").is_err());
    }

    #[test]
    fn the_key_file_round_trips_and_holds_no_key() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("jiayi.sqlite3");
        assert_eq!(KeyFile::load(&db).unwrap(), None);
        let township = RecoverySecretKey::generate();
        let key = DbKey::random().unwrap();
        let file = KeyFile::settled(
            "东村卫生室二〇二六",
            light(),
            &key,
            Some(&township.public_key()),
            Lockout::default(),
        )
        .unwrap();
        file.save(&db).unwrap();
        assert_eq!(KeyFile::load(&db).unwrap(), Some(file));
        let text = fs::read_to_string(KeyFile::path_for(&db)).unwrap();
        assert!(!text.contains(&hex::encode(key.bytes())));
    }

    #[test]
    fn a_format_one_file_still_opens_with_its_derived_key() {
        let salt = [7u8; 16];
        let key = derive_key("东村卫生室二〇二六", &salt, &light()).unwrap();
        let text = format!(
            r#"{{"format":1,"kdf":{{"memoryKib":19456,"iterations":2,"parallelism":1}},"salt":"{}","check":"{}","lockout":{{"failures":2,"lockouts":0,"lockedUntil":null}}}}"#,
            hex::encode(salt),
            key.check_value()
        );
        let file: KeyFile = serde_json::from_str(&text).unwrap();
        let opened = file.open("东村卫生室二〇二六").unwrap().unwrap();
        assert!(opened.legacy);
        assert_eq!(opened.keys, vec![key]);
        assert_eq!(file.open("东村卫生室二〇二七").unwrap(), None);
    }

    #[test]
    fn during_a_change_either_passphrase_opens_both_keys_and_either_end_settles() {
        let township = RecoverySecretKey::generate();
        let old_key = DbKey::random().unwrap();
        let file = KeyFile::settled(
            "东村卫生室二〇二六",
            light(),
            &old_key,
            Some(&township.public_key()),
            Lockout::default(),
        )
        .unwrap();
        let (changing, new_key) = file
            .begin_change(
                "东村卫生室二〇二六",
                &old_key,
                "西村卫生室二〇二七",
                light(),
            )
            .unwrap();
        let both = vec![old_key.clone(), new_key.clone()];
        let by_old = changing.open("东村卫生室二〇二六").unwrap().unwrap();
        let by_new = changing.open("西村卫生室二〇二七").unwrap().unwrap();
        assert_eq!(
            (by_old.keys, by_old.holder),
            (both.clone(), Holder::Current)
        );
        assert_eq!(
            (by_new.keys, by_new.holder),
            (both.clone(), Holder::Changing)
        );
        assert_eq!(changing.unseal(&township).unwrap(), Some(both));

        let forward = changing.finish_change(1).unwrap();
        assert_eq!(
            forward.unlock("西村卫生室二〇二七").unwrap(),
            Some(new_key.clone())
        );
        assert_eq!(forward.unlock("东村卫生室二〇二六").unwrap(), None);
        assert_eq!(forward.unseal(&township).unwrap(), Some(vec![new_key]));
        let back = changing.finish_change(0).unwrap();
        assert_eq!(
            back.unlock("东村卫生室二〇二六").unwrap(),
            Some(old_key.clone())
        );
        assert_eq!(back.unlock("西村卫生室二〇二七").unwrap(), None);
        assert_eq!(back.unseal(&township).unwrap(), Some(vec![old_key]));
        assert_eq!(back.change, None);
    }

    #[test]
    fn another_townships_recovery_key_opens_nothing() {
        let township = RecoverySecretKey::generate();
        let key = DbKey::random().unwrap();
        let (file, _) = KeyFile::create("东村卫生室二〇二六", light()).unwrap();
        assert_eq!(file.unseal(&township).unwrap(), None, "not sealed yet");
        let sealed = file
            .sealed_to(&township.public_key(), std::slice::from_ref(&key))
            .unwrap();
        assert_eq!(sealed.unseal(&township).unwrap(), Some(vec![key]));
        assert_eq!(sealed.unseal(&RecoverySecretKey::generate()).unwrap(), None);
    }
}
