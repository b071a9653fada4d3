//! The SQLite file: opened (and migrated), with its writer and its reader connection.

use std::sync::{Mutex, MutexGuard};

use jiayi_sync::protocol::DeviceRole;
use rusqlite::{Connection, OptionalExtension};
use uuid::Uuid;

use crate::error::Result;
use crate::storage::log_watch::{LogMark, LogWatch, restored};
use crate::storage::shared::parse_uuid;

mod embedded {
    refinery::embed_migrations!("../../migrations/server-sqlite");
}

pub struct SqliteStorage {
    conn: Mutex<Connection>,
    /// A second connection for the hot reads (authentication, cursors, pulls): in WAL mode it
    /// reads committed data while the writer works, so devices do not queue behind pushes.
    reader: Mutex<Connection>,
    /// The log's high-water mark beside the file, to notice a restored copy.
    pub(super) log_watch: Option<LogWatch>,
}

impl SqliteStorage {
    pub fn open(path: &str) -> Result<SqliteStorage> {
        // Health records: the file and its journal files are readable by the owner only.
        crate::private_file::restrict_database(std::path::Path::new(path))?;
        let mut conn = Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        embedded::migrations::runner()
            .set_grouped(false)
            .run(&mut conn)?;
        let has_epoch: Option<String> = conn
            .query_row("SELECT value FROM meta WHERE key = 'epoch'", [], |r| {
                r.get(0)
            })
            .optional()?;
        if has_epoch.is_none() {
            conn.execute(
                "INSERT INTO meta (key, value) VALUES ('epoch', ?1)",
                [Uuid::new_v4().to_string()],
            )?;
        }
        let log_watch = LogWatch::beside(path);
        if let Some(watch) = &log_watch {
            notice_a_restored_copy(&conn, watch)?;
        }
        let reader = Connection::open(path)?;
        reader.busy_timeout(std::time::Duration::from_secs(10))?;
        reader.pragma_update(None, "query_only", "ON")?;
        Ok(SqliteStorage {
            conn: Mutex::new(conn),
            reader: Mutex::new(reader),
            log_watch,
        })
    }

    /// Writes the log's high-water mark beside the file (before a push commits).
    pub(super) fn mark_log(&self, conn: &Connection) -> Result<()> {
        let Some(watch) = &self.log_watch else {
            return Ok(());
        };
        watch.record(log_mark(conn)?)
    }

    pub(super) fn reader(&self) -> MutexGuard<'_, Connection> {
        self.reader.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(super) fn conn(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave a half-done transaction behind (rusqlite
        // rolls back on drop), so a poisoned lock is safe to take over.
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(super) fn villages(conn: &Connection, device: &str) -> Result<Vec<Uuid>> {
        let mut st = conn.prepare_cached(
            "SELECT village_id FROM device_villages WHERE device_id = ?1 ORDER BY village_id",
        )?;
        let rows = st.query_map([device], |r| r.get::<_, String>(0))?;
        rows.map(|r| parse_uuid(&r?)).collect()
    }

    /// The villages a device reaches (see [`DeviceScope::villages`](crate::storage::DeviceScope::villages)).
    pub(super) fn scope_villages(
        conn: &Connection,
        device: &str,
        team: &str,
        role: DeviceRole,
    ) -> Result<Vec<Uuid>> {
        if role == DeviceRole::Doctor {
            return Self::villages(conn, device);
        }
        let mut st = conn.prepare_cached(
            "SELECT DISTINCT dv.village_id FROM device_villages dv JOIN devices d ON d.id = dv.device_id
             WHERE dv.device_id = ?1 OR (d.team_id = ?2 AND d.revoked_at IS NULL)
             ORDER BY dv.village_id",
        )?;
        let rows = st.query_map([device, team], |r| r.get::<_, String>(0))?;
        rows.map(|r| parse_uuid(&r?)).collect()
    }
}

/// The epoch and the highest cursor of the log in this database.
pub(super) fn log_mark(conn: &Connection) -> Result<LogMark> {
    let epoch: String = conn.query_row("SELECT value FROM meta WHERE key = 'epoch'", [], |r| {
        r.get(0)
    })?;
    let high_water: i64 =
        conn.query_row("SELECT COALESCE(MAX(cursor), 0) FROM changes", [], |r| {
            r.get(0)
        })?;
    Ok(LogMark {
        epoch: parse_uuid(&epoch)?,
        high_water: high_water as u64,
    })
}

/// At start: a database whose log ends before the mark beside it (cursors already handed out)
/// is an older copy put back; it takes a new epoch so every device re-uploads and re-pulls.
fn notice_a_restored_copy(conn: &Connection, watch: &LogWatch) -> Result<()> {
    let mark = log_mark(conn)?;
    let seen = watch.read()?;
    let mark = if restored(seen, mark.epoch, mark.high_water) {
        let epoch = Uuid::new_v4();
        conn.execute(
            "UPDATE meta SET value = ?1 WHERE key = 'epoch'",
            [epoch.to_string()],
        )?;
        eprintln!(
            "jiayi-server: the change log ends at {} but cursors up to {} were handed out \
             (restored from an older copy): new epoch {epoch}, devices upload again and re-pull",
            mark.high_water,
            seen.map_or(0, |m| m.high_water)
        );
        LogMark { epoch, ..mark }
    } else {
        mark
    };
    watch.record(mark)
}
