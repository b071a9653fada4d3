//! The backup file: one file holding a consistent copy of the encrypted database and the bytes
//! of its key file, so that the passphrase that opened the store opens the copy.
//!
//! Layout (integers little-endian):
//!
//! ```text
//! "JIAYIBAK"  8 bytes   magic
//! format      u32       BACKUP_FORMAT
//! header_len  u32       length of the header
//! header      JSON      BackupHeader (device, doctor and team names, counts, key file, body hash)
//! body        bytes     the encrypted SQLite file (SQLCipher pages, nothing in clear)
//! trailer     32 bytes  SHA-256 of everything before it
//! ```
//!
//! The body is made with `VACUUM INTO` on a keyed connection: one read transaction, so a copy
//! taken while the app writes holds each write whole or not at all, and SQLCipher writes the
//! copy under the same key (`vacuum_into_is_encrypted_and_consistent_while_writing` holds
//! this). The key file is kept as an opaque blob: whatever its format, it belongs with the
//! database it unlocks.

use std::fs;
use std::io::{BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::crypt::{apply_key, sibling};
use crate::db::DbFile;
use crate::error::{Result, StoreError};
use crate::key_file::KeyFile;

const MAGIC: &[u8; 8] = b"JIAYIBAK";
/// The format this build writes and reads.
pub const BACKUP_FORMAT: u32 = 1;
/// The file name ending of a backup.
pub const BACKUP_EXTENSION: &str = "jiayi-backup";
/// A header is small; anything bigger is not ours.
const MAX_HEADER: u32 = 16 * 1024 * 1024;
const TRAILER: u64 = 32;

/// What a backup says about itself, readable without the passphrase. It names no resident.
#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct BackupHeader {
    pub format: u32,
    pub device_id: Uuid,
    /// The doctor and team the store was enrolled for, when it was.
    pub doctor_id: Option<Uuid>,
    pub doctor_name: Option<String>,
    pub team_name: Option<String>,
    pub made_at: DateTime<Utc>,
    pub schema_version: u32,
    pub households: u64,
    pub residents: u64,
    pub visits: u64,
    /// Changes made on the device and not yet acknowledged by the township server.
    pub unsynced: u64,
    /// The key file's bytes (base64): the passphrase opens the copy with it.
    #[ts(skip)]
    pub key_file: String,
    pub body_len: u64,
    /// SHA-256 of the body, hex.
    pub body_sha256: String,
}

/// A backup file checked from end to end: its layout, its trailer and its body's hash.
#[derive(Debug, Clone)]
pub struct VerifiedBackup {
    pub path: PathBuf,
    pub header: BackupHeader,
    body_offset: u64,
}

fn corrupt(why: impl Into<String>) -> StoreError {
    StoreError::Backup(why.into())
}

fn io(e: std::io::Error) -> StoreError {
    StoreError::Backup(e.to_string())
}

fn remove_if_present(path: &Path) -> Result<()> {
    match fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(io(e)),
    }
}

/// Copies `from` into `to`, feeding the hasher on the way; returns the bytes copied.
fn copy_hashing(from: &mut impl Read, to: &mut impl Write, hasher: &mut Sha256) -> Result<u64> {
    let mut buf = vec![0u8; 256 * 1024];
    let mut total = 0u64;
    loop {
        let n = from.read(&mut buf).map_err(io)?;
        if n == 0 {
            return Ok(total);
        }
        hasher.update(&buf[..n]);
        to.write_all(&buf[..n]).map_err(io)?;
        total += n as u64;
    }
}

/// Writes a backup of the store `db` to `out` (whole or not at all: a temporary file renamed at
/// the end). Reads through its own connection, so the caller's connections keep working.
pub fn write_backup(db: &DbFile, out: &Path, now: DateTime<Utc>) -> Result<BackupHeader> {
    let key = db.key.as_ref().ok_or_else(|| {
        StoreError::KeyFile("only an encrypted store is backed up: set a passphrase first".into())
    })?;
    let key_file =
        fs::read(KeyFile::path_for(&db.path)).map_err(|e| StoreError::KeyFile(e.to_string()))?;
    let snapshot = sibling(out, ".snapshot");
    let part = sibling(out, ".part");
    remove_if_present(&snapshot)?;
    let result = (|| {
        {
            let conn = Connection::open(&db.path)?;
            apply_key(&conn, key)?;
            conn.busy_timeout(std::time::Duration::from_secs(5))?;
            let target = snapshot
                .to_str()
                .ok_or_else(|| corrupt("the folder name is not UTF-8"))?;
            conn.execute("VACUUM INTO ?1", [target])?;
        }
        let header = describe_snapshot(&snapshot, key, &key_file, now)?;
        assemble(&snapshot, header, &part, out)
    })();
    let _ = fs::remove_file(&snapshot);
    if result.is_err() {
        let _ = fs::remove_file(&part);
    }
    result
}

/// Reads what the header says from the copy itself, so it describes exactly the body.
fn describe_snapshot(
    snapshot: &Path,
    key: &crate::crypt::DbKey,
    key_file: &[u8],
    now: DateTime<Utc>,
) -> Result<BackupHeader> {
    if crate::crypt::inspect(snapshot)? != crate::crypt::DatabaseFile::Encrypted {
        return Err(corrupt("the copy came out unencrypted"));
    }
    let conn = Connection::open(snapshot)?;
    apply_key(&conn, key)?;
    let count = |sql: &str| -> Result<u64> {
        Ok(conn.query_row(sql, [], |r| r.get::<_, i64>(0))?.max(0) as u64)
    };
    let device: String = conn.query_row("SELECT device_id FROM device", [], |r| r.get(0))?;
    let enrolled: Option<(String, String)> = conn
        .query_row(
            "SELECT doctor_id, team_id FROM enrollment WHERE singleton = 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let (mut doctor_id, mut doctor_name, mut team_name) = (None, None, None);
    if let Some((doctor, team)) = enrolled {
        doctor_id = Uuid::parse_str(&doctor).ok();
        // The enrolled team first, then any team naming the doctor (names are shown only
        // when the township's reference data uses the server's ids).
        let teams: Vec<String> = conn
            .prepare("SELECT json FROM teams ORDER BY id = ?1 DESC")?
            .query_map([&team], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        for team in teams
            .iter()
            .filter_map(|j| serde_json::from_str::<jiayi_core::household::Team>(j).ok())
        {
            if let Some(member) = team.members.iter().find(|m| Some(m.id) == doctor_id) {
                doctor_name = Some(member.name.clone());
                team_name = Some(team.name.clone());
                break;
            }
        }
    }
    use base64::Engine as _;
    Ok(BackupHeader {
        format: BACKUP_FORMAT,
        device_id: Uuid::parse_str(&device).map_err(|e| StoreError::Corrupt(e.to_string()))?,
        doctor_id,
        doctor_name,
        team_name,
        made_at: now,
        schema_version: count("SELECT COALESCE(MAX(version), 0) FROM refinery_schema_history")?
            as u32,
        households: count("SELECT COUNT(*) FROM households WHERE deleted_at IS NULL")?,
        residents: count("SELECT COUNT(*) FROM residents WHERE deleted_at IS NULL")?,
        visits: count("SELECT COUNT(*) FROM visits")?,
        unsynced: count("SELECT COUNT(*) FROM outbox WHERE acked_at IS NULL")?,
        key_file: base64::engine::general_purpose::STANDARD.encode(key_file),
        body_len: 0,
        body_sha256: String::new(),
    })
}

fn assemble(
    snapshot: &Path,
    mut header: BackupHeader,
    part: &Path,
    out: &Path,
) -> Result<BackupHeader> {
    let mut body_hash = Sha256::new();
    header.body_len = copy_hashing(
        &mut BufReader::new(fs::File::open(snapshot).map_err(io)?),
        &mut std::io::sink(),
        &mut body_hash,
    )?;
    header.body_sha256 = hex::encode(body_hash.finalize());
    let json = serde_json::to_vec(&header)?;
    let mut file_hash = Sha256::new();
    let file = fs::File::create(part).map_err(io)?;
    let mut w = BufWriter::new(file);
    for piece in [
        &MAGIC[..],
        &BACKUP_FORMAT.to_le_bytes(),
        &(json.len() as u32).to_le_bytes(),
        &json,
    ] {
        file_hash.update(piece);
        w.write_all(piece).map_err(io)?;
    }
    let copied = copy_hashing(
        &mut BufReader::new(fs::File::open(snapshot).map_err(io)?),
        &mut w,
        &mut file_hash,
    )?;
    if copied != header.body_len {
        return Err(corrupt("the copy changed while it was written"));
    }
    w.write_all(&file_hash.finalize()).map_err(io)?;
    let file = w.into_inner().map_err(|e| io(e.into_error()))?;
    file.sync_all().map_err(io)?;
    drop(file);
    crate::platform::replace(part, out).map_err(io)?;
    Ok(header)
}

impl VerifiedBackup {
    /// Reads and checks the whole file: magic, format, lengths, the trailer's hash over
    /// everything and the header's hash of the body. A truncated or altered file is refused.
    pub fn open(path: &Path) -> Result<VerifiedBackup> {
        let mut file = fs::File::open(path).map_err(io)?;
        let size = file.metadata().map_err(io)?.len();
        let mut fixed = [0u8; 16];
        file.read_exact(&mut fixed)
            .map_err(|_| corrupt("the file is too short to be a backup"))?;
        if &fixed[..8] != MAGIC {
            return Err(corrupt("this is not a Jiayi backup file"));
        }
        let format = u32::from_le_bytes(fixed[8..12].try_into().expect("4 bytes"));
        if format != BACKUP_FORMAT {
            return Err(StoreError::TooNew);
        }
        let header_len = u32::from_le_bytes(fixed[12..16].try_into().expect("4 bytes"));
        if header_len > MAX_HEADER || 16 + u64::from(header_len) + TRAILER > size {
            return Err(corrupt("the file is truncated"));
        }
        let mut json = vec![0u8; header_len as usize];
        file.read_exact(&mut json).map_err(io)?;
        let header: BackupHeader =
            serde_json::from_slice(&json).map_err(|_| corrupt("the header is damaged"))?;
        let body_offset = 16 + u64::from(header_len);
        if body_offset + header.body_len + TRAILER != size {
            return Err(corrupt("the file is truncated or has bytes added"));
        }
        let mut file_hash = Sha256::new();
        file_hash.update(fixed);
        file_hash.update(&json);
        let mut body_hash = Sha256::new();
        let mut body = (&mut file).take(header.body_len);
        let mut both = HashBoth(&mut file_hash);
        copy_hashing(&mut body, &mut both, &mut body_hash)?;
        let mut trailer = [0u8; 32];
        file.read_exact(&mut trailer).map_err(io)?;
        if hex::encode(body_hash.finalize()) != header.body_sha256
            || file_hash.finalize().as_slice() != trailer
        {
            return Err(corrupt("the checksum does not match"));
        }
        Ok(VerifiedBackup {
            path: path.to_path_buf(),
            header,
            body_offset,
        })
    }

    /// The key file's bytes as they were beside the database.
    pub fn key_file_bytes(&self) -> Result<Vec<u8>> {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD
            .decode(&self.header.key_file)
            .map_err(|_| corrupt("the key file in the header is damaged"))
    }

    /// Writes the database and its key file to `database` and its key file path, both new
    /// files (refuses to overwrite), each synced to disk.
    pub fn extract_to(&self, database: &Path) -> Result<()> {
        let key_path = KeyFile::path_for(database);
        let create = |p: &Path| {
            fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(p)
                .map_err(io)
        };
        let mut key = create(&key_path)?;
        key.write_all(&self.key_file_bytes()?).map_err(io)?;
        key.sync_all().map_err(io)?;
        let mut from = fs::File::open(&self.path).map_err(io)?;
        from.seek(SeekFrom::Start(self.body_offset)).map_err(io)?;
        let mut to = create(database)?;
        let mut hash = Sha256::new();
        let copied = copy_hashing(&mut from.take(self.header.body_len), &mut to, &mut hash)?;
        if copied != self.header.body_len || hex::encode(hash.finalize()) != self.header.body_sha256
        {
            return Err(corrupt("the file changed while it was read"));
        }
        to.sync_all().map_err(io)?;
        Ok(())
    }
}

/// The header of a backup file, read without checking the body (for listing a folder).
pub fn peek_header(path: &Path) -> Result<BackupHeader> {
    let mut file = BufReader::new(fs::File::open(path).map_err(io)?);
    let mut fixed = [0u8; 16];
    file.read_exact(&mut fixed)
        .map_err(|_| corrupt("the file is too short to be a backup"))?;
    if &fixed[..8] != MAGIC {
        return Err(corrupt("this is not a Jiayi backup file"));
    }
    let header_len = u32::from_le_bytes(fixed[12..16].try_into().expect("4 bytes"));
    if header_len > MAX_HEADER {
        return Err(corrupt("the header is damaged"));
    }
    let mut json = vec![0u8; header_len as usize];
    file.read_exact(&mut json)
        .map_err(|_| corrupt("the file is truncated"))?;
    serde_json::from_slice(&json).map_err(|_| corrupt("the header is damaged"))
}

impl crate::Store {
    /// The outbox's highest sequence number: the mark a backup is taken at.
    pub fn outbox_mark(&self) -> Result<u64> {
        self.count("SELECT COALESCE(MAX(seq), 0) FROM outbox")
    }

    /// Changes written to the outbox after `mark` (all of them when the numbering went back,
    /// as after a restore).
    pub fn changes_after(&self, mark: u64) -> Result<u64> {
        let newest = self.outbox_mark()?;
        if newest < mark {
            return self.count("SELECT COUNT(*) FROM outbox");
        }
        Ok(self
            .conn
            .query_row(
                "SELECT COUNT(*) FROM outbox WHERE seq > ?1",
                [mark as i64],
                |r| r.get::<_, i64>(0),
            )?
            .max(0) as u64)
    }
}

/// A writer that only hashes.
struct HashBoth<'a>(&'a mut Sha256);

impl Write for HashBoth<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.update(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests;
