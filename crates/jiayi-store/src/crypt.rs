//! Encryption at rest: the database file, its WAL and its journal are SQLCipher pages keyed by
//! a 256-bit key derived from the doctor's passphrase with Argon2id.
//!
//! Beside the database lives its key file (`<database>.key`, JSON): the Argon2id parameters and
//! salt, a check value that tells a wrong passphrase apart before the database is touched, and
//! the lockout state. It holds no key and nothing about any resident.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use argon2::{Algorithm, Argon2, Params, Version};
use jiayi_core::access::Lockout;
use rusqlite::Connection;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::error::{Result, StoreError};

/// The first 16 bytes of every unencrypted SQLite file.
const PLAIN_HEADER: &[u8; 16] = b"SQLite format 3\0";

/// Label mixed into the check value so it can never equal anything else derived from the key.
const CHECK_LABEL: &[u8] = b"jiayi key check v1";

/// A database key. It never leaves memory, prints as `DbKey(..)` and is wiped when dropped.
#[derive(Clone, Zeroize, ZeroizeOnDrop, PartialEq, Eq)]
pub struct DbKey([u8; 32]);

impl std::fmt::Debug for DbKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DbKey(..)")
    }
}

impl DbKey {
    /// The `PRAGMA key` value: a raw key, so SQLCipher does not run its own derivation again.
    fn pragma_value(&self) -> zeroize::Zeroizing<String> {
        zeroize::Zeroizing::new(format!("x'{}'", hex::encode(self.0)))
    }

    fn check_value(&self) -> String {
        let mut hasher = Sha256::new();
        hasher.update(CHECK_LABEL);
        hasher.update(self.0);
        hex::encode(hasher.finalize())
    }
}

/// Argon2id cost. The defaults are above OWASP's minimum (19 MiB, 2 passes): 64 MiB and 3
/// passes, about a quarter of a second on a low-end laptop, once per unlock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KdfParams {
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
}

impl Default for KdfParams {
    fn default() -> Self {
        KdfParams {
            memory_kib: 64 * 1024,
            iterations: 3,
            parallelism: 1,
        }
    }
}

impl KdfParams {
    /// OWASP's floor for Argon2id; a key file asking for less is refused as tampered.
    pub const OWASP_MINIMUM: KdfParams = KdfParams {
        memory_kib: 19 * 1024,
        iterations: 2,
        parallelism: 1,
    };

    fn meets_minimum(&self) -> bool {
        self.memory_kib >= Self::OWASP_MINIMUM.memory_kib
            && self.iterations >= Self::OWASP_MINIMUM.iterations
            && self.parallelism >= 1
    }
}

/// The key file's contents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KeyFile {
    pub format: u32,
    pub kdf: KdfParams,
    /// 16 random bytes, hex.
    pub salt: String,
    /// SHA-256 of a label and the key, hex: right or wrong passphrase without opening the file.
    pub check: String,
    #[serde(default)]
    pub lockout: Lockout,
}

impl KeyFile {
    /// A new key file for `passphrase`, with a fresh salt; returns it with the key.
    pub fn create(passphrase: &str, kdf: KdfParams) -> Result<(KeyFile, DbKey)> {
        let salt = random_bytes::<16>()?;
        let key = derive_key(passphrase, &salt, &kdf)?;
        let file = KeyFile {
            format: 1,
            kdf,
            salt: hex::encode(salt),
            check: key.check_value(),
            lockout: Lockout::default(),
        };
        Ok((file, key))
    }

    /// The key for `passphrase` if it is the right one; `None` if it is wrong.
    pub fn unlock(&self, passphrase: &str) -> Result<Option<DbKey>> {
        if self.format != 1 || !self.kdf.meets_minimum() {
            return Err(StoreError::KeyFile(
                "unknown format or weakened parameters".into(),
            ));
        }
        let salt = hex::decode(&self.salt)
            .map_err(|_| StoreError::KeyFile("the salt is not hex".into()))?;
        let key = derive_key(passphrase, &salt, &self.kdf)?;
        Ok(constant_time_eq(key.check_value().as_bytes(), self.check.as_bytes()).then_some(key))
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

    /// Writes the key file whole or not at all (a temporary file renamed over the old one).
    pub fn save(&self, database: &Path) -> Result<()> {
        let path = KeyFile::path_for(database);
        let json = serde_json::to_vec_pretty(self)?;
        crate::platform::write_whole(&path, &json).map_err(|e| StoreError::KeyFile(e.to_string()))
    }
}

fn derive_key(passphrase: &str, salt: &[u8], kdf: &KdfParams) -> Result<DbKey> {
    let params = Params::new(kdf.memory_kib, kdf.iterations, kdf.parallelism, Some(32))
        .map_err(|e| StoreError::KeyFile(e.to_string()))?;
    let mut key = [0u8; 32];
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password_into(passphrase.as_bytes(), salt, &mut key)
        .map_err(|e| StoreError::KeyFile(e.to_string()))?;
    let db_key = DbKey(key);
    key.zeroize();
    Ok(db_key)
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Random bytes from the operating system.
fn random_bytes<const N: usize>() -> Result<[u8; N]> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|e| StoreError::KeyFile(e.to_string()))?;
    Ok(bytes)
}

/// What is on disk at a database path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DatabaseFile {
    Missing,
    /// A readable SQLite file: made before encryption, to be encrypted in place.
    Plain,
    Encrypted,
}

/// Tells from the first bytes whether `database` is a plain SQLite file. An empty file counts as
/// missing (SQLite writes nothing until the first table).
pub fn inspect(database: &Path) -> Result<DatabaseFile> {
    let mut header = [0u8; 16];
    let mut file = match fs::File::open(database) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(DatabaseFile::Missing),
        Err(e) => return Err(StoreError::KeyFile(e.to_string())),
    };
    let mut read = 0;
    while read < header.len() {
        match file.read(&mut header[read..]) {
            Ok(0) => break,
            Ok(n) => read += n,
            Err(e) => return Err(StoreError::KeyFile(e.to_string())),
        }
    }
    Ok(match read {
        0 => DatabaseFile::Missing,
        _ if &header == PLAIN_HEADER => DatabaseFile::Plain,
        _ => DatabaseFile::Encrypted,
    })
}

/// Keys a fresh connection and proves the key right by reading the schema; a wrong key fails
/// here, before any statement could change the file.
pub(crate) fn apply_key(conn: &Connection, key: &DbKey) -> Result<()> {
    // A wrong key is an expected event with its own message; SQLCipher's own log line for it
    // would only clutter the app's output.
    let _ = conn.pragma_update(None, "cipher_log_level", "NONE");
    conn.pragma_update(None, "key", &*key.pragma_value())?;
    // Sorting and temporary tables stay in memory: no plaintext temporary files on disk.
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    match conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
        r.get::<_, i64>(0)
    }) {
        Ok(_) => Ok(()),
        Err(e) if e.sqlite_error_code() == Some(rusqlite::ErrorCode::NotADatabase) => {
            Err(StoreError::WrongKey)
        }
        Err(e) => Err(e.into()),
    }
}

fn sibling(database: &Path, suffix: &str) -> PathBuf {
    let mut name = database.as_os_str().to_os_string();
    name.push(suffix);
    PathBuf::from(name)
}

fn remove_if_present(path: &Path) -> Result<()> {
    match fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(StoreError::KeyFile(e.to_string())),
    }
}

/// Encrypts a plain database in place with `key`, without losing a row: the contents are
/// exported into a new encrypted file beside it, every table's row count is compared, and only
/// then does the new file replace the old one (one rename). A crash before the rename leaves
/// the plain file as it was; the next attempt starts over.
pub fn encrypt_in_place(database: &Path, key: &DbKey) -> Result<()> {
    if inspect(database)? != DatabaseFile::Plain {
        return Err(StoreError::KeyFile(
            "the database is not a plain file".into(),
        ));
    }
    let target = sibling(database, ".encrypting");
    for leftover in [
        &target,
        &sibling(&target, "-wal"),
        &sibling(&target, "-shm"),
    ] {
        remove_if_present(leftover)?;
    }
    {
        let plain = Connection::open(database)?;
        // Every committed page into the main file, so the export misses nothing.
        plain.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        let path = target
            .to_str()
            .ok_or_else(|| StoreError::KeyFile("the folder name is not UTF-8".into()))?;
        plain.execute(
            "ATTACH DATABASE ?1 AS encrypted KEY ?2",
            rusqlite::params![path, &*key.pragma_value()],
        )?;
        plain.query_row("SELECT sqlcipher_export('encrypted')", [], |_| Ok(()))?;
        let version: i64 = plain.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        plain.pragma_update(Some("encrypted"), "user_version", version)?;
        let tables: Vec<String> = plain
            .prepare("SELECT name FROM main.sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")?
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        for table in tables {
            let quoted = table.replace('"', "\"\"");
            let rows = |schema: &str| -> rusqlite::Result<i64> {
                plain.query_row(
                    &format!("SELECT count(*) FROM {schema}.\"{quoted}\""),
                    [],
                    |r| r.get(0),
                )
            };
            if rows("main")? != rows("encrypted")? {
                return Err(StoreError::KeyFile(format!(
                    "table {table} differs after encryption; the plain file is kept"
                )));
            }
        }
        plain.execute("DETACH DATABASE encrypted", [])?;
    }
    fs::File::open(&target)
        .and_then(|f| f.sync_all())
        .map_err(|e| StoreError::KeyFile(e.to_string()))?;
    // The plain file's empty WAL and shared memory must not be applied to the new file.
    for stale in [sibling(database, "-wal"), sibling(database, "-shm")] {
        remove_if_present(&stale)?;
    }
    crate::platform::replace(&target, database).map_err(|e| StoreError::KeyFile(e.to_string()))?;
    Ok(())
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
        assert_eq!(
            file.unlock("东村卫生室二〇二六").unwrap().as_ref(),
            Some(&key)
        );
        assert_eq!(file.unlock("东村卫生室二〇二七").unwrap(), None);
        let (other, other_key) = KeyFile::create("东村卫生室二〇二六", light()).unwrap();
        assert_ne!(other.salt, file.salt, "every file has its own salt");
        assert_ne!(other_key, key);
        assert_eq!(format!("{key:?}"), "DbKey(..)", "a key never prints");
    }

    #[test]
    fn a_key_file_with_weakened_parameters_is_refused() {
        let (mut file, _) = KeyFile::create("东村卫生室二〇二六", light()).unwrap();
        file.kdf.memory_kib = 1024;
        assert!(matches!(
            file.unlock("东村卫生室二〇二六"),
            Err(StoreError::KeyFile(_))
        ));
    }

    #[test]
    fn the_key_file_round_trips_and_holds_no_key() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("jiayi.sqlite3");
        assert_eq!(KeyFile::load(&db).unwrap(), None);
        let (file, key) = KeyFile::create("东村卫生室二〇二六", light()).unwrap();
        file.save(&db).unwrap();
        assert_eq!(KeyFile::load(&db).unwrap(), Some(file));
        let text = fs::read_to_string(KeyFile::path_for(&db)).unwrap();
        assert!(!text.contains(&hex::encode(key.0)));
    }
}
