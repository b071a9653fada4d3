//! Encryption at rest: the database file, its WAL and its journal are SQLCipher pages keyed by
//! a random 256-bit data key. The key file beside the database (`key_file`) holds that key
//! wrapped under a key derived from the doctor's passphrase with Argon2id, and sealed to the
//! township's recovery key; it holds nothing about any resident.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use argon2::{Algorithm, Argon2, Params, Version};
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
    /// A fresh random data key.
    pub fn random() -> Result<DbKey> {
        Ok(DbKey(random_bytes::<32>()?))
    }

    pub(crate) fn from_slice(bytes: &[u8]) -> DbKey {
        let mut key = [0u8; 32];
        key.copy_from_slice(&bytes[..32]);
        let db_key = DbKey(key);
        key.zeroize();
        db_key
    }

    pub(crate) fn bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// The `PRAGMA key` value: a raw key, so SQLCipher does not run its own derivation again.
    fn pragma_value(&self) -> zeroize::Zeroizing<String> {
        zeroize::Zeroizing::new(format!("x'{}'", hex::encode(self.0)))
    }

    pub(crate) fn check_value(&self) -> String {
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

    pub(crate) fn meets_minimum(&self) -> bool {
        self.memory_kib >= Self::OWASP_MINIMUM.memory_kib
            && self.iterations >= Self::OWASP_MINIMUM.iterations
            && self.parallelism >= 1
    }
}

pub(crate) fn derive_key(passphrase: &str, salt: &[u8], kdf: &KdfParams) -> Result<DbKey> {
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

pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Random bytes from the operating system.
pub(crate) fn random_bytes<const N: usize>() -> Result<[u8; N]> {
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

pub(crate) fn sibling(database: &Path, suffix: &str) -> PathBuf {
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

/// Encrypts a plain database in place with `key`, without losing a row (see [`copy_under_key`]).
/// A crash before the final rename leaves the plain file as it was; the next attempt starts over.
pub fn encrypt_in_place(database: &Path, key: &DbKey) -> Result<()> {
    if inspect(database)? != DatabaseFile::Plain {
        return Err(StoreError::KeyFile(
            "the database is not a plain file".into(),
        ));
    }
    copy_under_key(database, None, key, ".encrypting")
}

/// Re-encrypts the database from the data key `old` to `new`. The old file is untouched until
/// one rename puts the new one in its place, so at every instant exactly one of the two keys
/// opens the database: what an interrupted change of passphrase relies on.
pub fn reencrypt(database: &Path, old: &DbKey, new: &DbKey) -> Result<()> {
    if inspect(database)? != DatabaseFile::Encrypted {
        return Err(StoreError::KeyFile("the database is not encrypted".into()));
    }
    copy_under_key(database, Some(old), new, REKEY_SUFFIX)
}

/// Where [`reencrypt`] builds the new file; a leftover of an interrupted run is only a copy.
pub(crate) const REKEY_SUFFIX: &str = ".rekeying";

/// Removes what an interrupted [`reencrypt`] left beside the database.
pub(crate) fn remove_rekey_leftovers(database: &Path) -> Result<()> {
    let target = sibling(database, REKEY_SUFFIX);
    for leftover in [
        &target,
        &sibling(&target, "-wal"),
        &sibling(&target, "-shm"),
    ] {
        remove_if_present(leftover)?;
    }
    Ok(())
}

/// Copies the database (plain when `from` is `None`) into a new file beside it encrypted with
/// `to`, compares every table's row count, and only then replaces the old file with one rename.
/// The WAL is checkpointed into the old file first and must come back empty: a WAL still
/// holding pages would be lost with the old file's name, or misread under the new key.
fn copy_under_key(database: &Path, from: Option<&DbKey>, to: &DbKey, suffix: &str) -> Result<()> {
    let target = sibling(database, suffix);
    for leftover in [
        &target,
        &sibling(&target, "-wal"),
        &sibling(&target, "-shm"),
    ] {
        remove_if_present(leftover)?;
    }
    {
        let source = Connection::open(database)?;
        if let Some(key) = from {
            apply_key(&source, key)?;
        }
        // Every committed page into the main file, so the export and the old file miss nothing.
        let (busy, left): (i64, i64) =
            source.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?;
        if busy != 0 || left > 0 {
            return Err(StoreError::KeyFile(
                "the database is in use by another program; close it and try again".into(),
            ));
        }
        let path = target
            .to_str()
            .ok_or_else(|| StoreError::KeyFile("the folder name is not UTF-8".into()))?;
        source.execute(
            "ATTACH DATABASE ?1 AS encrypted KEY ?2",
            rusqlite::params![path, &*to.pragma_value()],
        )?;
        source.query_row("SELECT sqlcipher_export('encrypted')", [], |_| Ok(()))?;
        let version: i64 = source.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        source.pragma_update(Some("encrypted"), "user_version", version)?;
        let tables: Vec<String> = source
            .prepare("SELECT name FROM main.sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")?
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        for table in tables {
            let quoted = table.replace('"', "\"\"");
            let rows = |schema: &str| -> rusqlite::Result<i64> {
                source.query_row(
                    &format!("SELECT count(*) FROM {schema}.\"{quoted}\""),
                    [],
                    |r| r.get(0),
                )
            };
            if rows("main")? != rows("encrypted")? {
                return Err(StoreError::KeyFile(format!(
                    "table {table} differs in the copy; the database is kept as it was"
                )));
            }
        }
        source.execute("DETACH DATABASE encrypted", [])?;
    }
    fs::File::open(&target)
        .and_then(|f| f.sync_all())
        .map_err(|e| StoreError::KeyFile(e.to_string()))?;
    // The old file's empty WAL and shared memory must not be applied to the new file.
    for stale in [sibling(database, "-wal"), sibling(database, "-shm")] {
        remove_if_present(&stale)?;
    }
    crate::platform::replace(&target, database).map_err(|e| StoreError::KeyFile(e.to_string()))?;
    Ok(())
}

/// Whether `key` opens the database at `database`, without writing anything.
pub fn opens_with(database: &Path, key: &DbKey) -> Result<bool> {
    let conn = Connection::open(database)?;
    match apply_key(&conn, key) {
        Ok(()) => Ok(true),
        Err(StoreError::WrongKey) => Ok(false),
        Err(e) => Err(e),
    }
}
