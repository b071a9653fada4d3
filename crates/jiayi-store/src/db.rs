//! Opening the database: pragmas, migrations, the device's identity.

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, Utc};
use jiayi_core::hlc::Hlc;
use rusqlite::{Connection, OptionalExtension, params};
use uuid::Uuid;

use crate::error::{Result, StoreError};

mod embedded {
    refinery::embed_migrations!("../../migrations/device");
}

/// The newest schema version this build knows.
pub fn latest_schema_version() -> u32 {
    embedded::migrations::runner()
        .get_migrations()
        .iter()
        .map(|m| m.version().max(0) as u32)
        .max()
        .unwrap_or(0)
}

/// The page cache of a connection unless told otherwise ([`Store::set_cache_kib`]).
pub const CACHE_KIB: u32 = 32 * 1024;

pub struct Store {
    pub(crate) conn: Connection,
    pub(crate) device_id: Uuid,
    path: Option<PathBuf>,
    /// The data key it was opened with: sealing it to the township's recovery key needs it.
    pub(crate) key: Option<crate::crypt::DbKey>,
    /// Parsed catalogs by version: a catalog version never changes once received.
    pub(crate) catalogs:
        std::cell::RefCell<std::collections::HashMap<String, jiayi_core::catalog::Catalog>>,
    /// The last indicator dataset read, with the write counters it was read at.
    pub(crate) indicator_cache: crate::indicators::DatasetCache,
}

/// See [`Store::write_mark`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriteMark {
    others: i64,
    own: u64,
}

/// Where a database is and the key that opens it: what every connection to the app's store is
/// opened from (the app's own, a sync round's, the background sync's).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DbFile {
    pub path: PathBuf,
    /// `None` only for plain files: tests, and stores made before encryption.
    pub key: Option<crate::crypt::DbKey>,
}

impl DbFile {
    pub fn plain(path: impl Into<PathBuf>) -> DbFile {
        DbFile {
            path: path.into(),
            key: None,
        }
    }

    pub fn encrypted(path: impl Into<PathBuf>, key: crate::crypt::DbKey) -> DbFile {
        DbFile {
            path: path.into(),
            key: Some(key),
        }
    }

    pub fn open(&self) -> Result<Store> {
        match &self.key {
            Some(key) => Store::open_encrypted(&self.path, key),
            None => Store::open(&self.path),
        }
    }
}

impl Store {
    /// Opens (creating if needed) the plain store at `path` and brings its schema up to date.
    /// An encrypted file is refused: it needs [`Store::open_encrypted`].
    pub fn open(path: impl AsRef<Path>) -> Result<Store> {
        let path = path.as_ref();
        if crate::crypt::inspect(path)? == crate::crypt::DatabaseFile::Encrypted {
            return Err(StoreError::WrongKey);
        }
        let conn = Connection::open(path)?;
        Store::init(conn, Some(path.to_path_buf()))
    }

    /// Opens (creating if needed) the encrypted store at `path`. A wrong key is found before
    /// anything is written, and a plain file is refused rather than silently left unencrypted.
    pub fn open_encrypted(path: impl AsRef<Path>, key: &crate::crypt::DbKey) -> Result<Store> {
        let path = path.as_ref();
        if crate::crypt::inspect(path)? == crate::crypt::DatabaseFile::Plain {
            return Err(StoreError::KeyFile(
                "the database is not encrypted yet".into(),
            ));
        }
        let conn = Connection::open(path)?;
        crate::crypt::apply_key(&conn, key)?;
        let mut store = Store::init(conn, Some(path.to_path_buf()))?;
        store.key = Some(key.clone());
        Ok(store)
    }

    /// A private store in memory, for tests and previews.
    pub fn open_in_memory() -> Result<Store> {
        Store::init(Connection::open_in_memory()?, None)
    }

    fn init(mut conn: Connection, path: Option<PathBuf>) -> Result<Store> {
        conn.busy_timeout(Duration::from_secs(5))?;
        // WAL keeps readers and the writer apart; FULL sync makes a committed write survive a
        // power cut, which matters more here than write speed.
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", true)?;
        // Decrypted pages kept: search and the work list touch the same index pages over and
        // over, and each page read from disk costs a decryption.
        conn.pragma_update(None, "cache_size", -i64::from(CACHE_KIB))?;
        migrate(&mut conn)?;
        let device_id = ensure_device(&conn)?;
        let mut store = Store {
            conn,
            device_id,
            path,
            key: None,
            catalogs: Default::default(),
            indicator_cache: Default::default(),
        };
        store.refresh_search_keys()?;
        Ok(store)
    }

    pub fn device_id(&self) -> Uuid {
        self.device_id
    }

    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// The schema version the file is at.
    pub fn schema_version(&self) -> Result<u32> {
        let v: Option<u32> = self
            .conn
            .query_row(
                "SELECT MAX(version) FROM refinery_schema_history",
                [],
                |r| r.get(0),
            )
            .optional()?
            .flatten();
        Ok(v.unwrap_or(0))
    }

    /// Where the database stands: a mark that moves whenever anything is written to it, by this
    /// connection (its count of changed rows) or by any other (SQLite's `data_version`). What
    /// was read at one mark still holds while the mark is the same.
    pub fn write_mark(&self) -> Result<WriteMark> {
        let others: i64 = self
            .conn
            .pragma_query_value(None, "data_version", |r| r.get(0))?;
        Ok(WriteMark {
            others,
            own: self.conn.total_changes(),
        })
    }

    /// Caps this connection's page cache (KiB of decrypted pages). A connection that reads in
    /// bulk once (the reports' dataset) gains nothing from a large cache, and on a 4 GB laptop
    /// every connection's cache is memory the app holds while open.
    pub fn set_cache_kib(&self, kib: u32) -> Result<()> {
        self.conn
            .pragma_update(None, "cache_size", -i64::from(kib))?;
        // Pages beyond the new cap are let go now, not when they are next needed.
        self.conn.execute_batch("PRAGMA shrink_memory")?;
        Ok(())
    }

    /// Trades durability for speed while a large batch is written (the demo builder); call
    /// again with `false` to return to full durability.
    pub fn set_bulk_mode(&self, bulk: bool) -> Result<()> {
        self.conn
            .pragma_update(None, "synchronous", if bulk { "OFF" } else { "FULL" })?;
        Ok(())
    }

    /// Runs a quick integrity check (used after a crash and in tests).
    pub fn integrity_ok(&self) -> Result<bool> {
        let result: String = self
            .conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
        Ok(result == "ok")
    }

    pub(crate) fn count(&self, sql: &str) -> Result<u64> {
        let n: i64 = self.conn.query_row(sql, [], |r| r.get(0))?;
        Ok(n.max(0) as u64)
    }

    pub(crate) fn current_hlc(&self) -> Result<Hlc> {
        let text: String = self
            .conn
            .query_row("SELECT hlc FROM device", [], |r| r.get(0))?;
        text.parse()
            .map_err(|e: jiayi_core::hlc::HlcParseError| StoreError::Corrupt(e.to_string()))
    }
}

/// Brings a bare connection to schema `version` only: used by tests that upgrade from each
/// earlier version.
#[doc(hidden)]
pub fn migrate_to_version(conn: &mut Connection, version: u32) -> Result<()> {
    embedded::migrations::runner()
        .set_target(refinery::Target::Version(version as i32))
        .run(conn)
        .map_err(|e| StoreError::Migration(e.to_string()))?;
    Ok(())
}

fn migrate(conn: &mut Connection) -> Result<()> {
    let runner = embedded::migrations::runner();
    let known = latest_schema_version();
    let has_history: bool = conn.query_row(
        "SELECT COUNT(*) > 0 FROM sqlite_master WHERE name = 'refinery_schema_history'",
        [],
        |r| r.get(0),
    )?;
    let applied: Option<u32> = if has_history {
        conn.query_row(
            "SELECT MAX(version) FROM refinery_schema_history",
            [],
            |r| r.get(0),
        )?
    } else {
        None
    };
    if applied.is_some_and(|v| v > known) {
        return Err(StoreError::TooNew);
    }
    runner
        .set_grouped(false)
        .run(conn)
        .map_err(|e| StoreError::Migration(e.to_string()))?;
    Ok(())
}

fn ensure_device(conn: &Connection) -> Result<Uuid> {
    let existing: Option<String> = conn
        .query_row(
            "SELECT device_id FROM device WHERE singleton = 1",
            [],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(id) = existing {
        return Uuid::parse_str(&id).map_err(|e| StoreError::Corrupt(e.to_string()));
    }
    let id = Uuid::now_v7();
    let now: DateTime<Utc> = Utc::now();
    conn.execute(
        "INSERT INTO device (singleton, device_id, created_at, hlc) VALUES (1, ?1, ?2, ?3)",
        params![id.to_string(), now.to_rfc3339(), Hlc::zero(id).to_string()],
    )?;
    Ok(id)
}
