//! The audit chain's seals on SQLite, and the prune that moves the anchor and seals it.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};

use super::SqliteStorage;
use crate::error::Result;
use crate::storage::shared::{hash_from, time_text};
use crate::storage::{AuditSeal, SealAnchor};

pub(super) fn put(conn: &Connection, seal: &AuditSeal) -> Result<()> {
    conn.execute(
        "INSERT INTO audit_seals (kind, seq, hash, at, mac) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            seal.kind,
            i64::try_from(seal.seq).unwrap_or(i64::MAX),
            seal.hash.as_slice(),
            seal.at,
            seal.mac.as_slice()
        ],
    )?;
    Ok(())
}

pub(super) fn all(conn: &Connection) -> Result<Vec<AuditSeal>> {
    let mut st = conn.prepare("SELECT kind, seq, hash, at, mac FROM audit_seals ORDER BY id")?;
    let rows = st.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, i64>(1)?,
            r.get::<_, Vec<u8>>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, Vec<u8>>(4)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (kind, seq, hash, at, mac) = row?;
        out.push(AuditSeal {
            kind,
            seq: seq as u64,
            hash: hash_from(&hash)?,
            at,
            mac: hash_from(&mac)?,
        });
    }
    Ok(out)
}

/// Moves the anchor to the last entry older than `before` (while it is still there, as the
/// anchor's guard wants), seals that place, then removes the entries up to it.
pub(super) fn prune(
    storage: &SqliteStorage,
    before: DateTime<Utc>,
    seal: &SealAnchor<'_>,
) -> Result<u64> {
    let mut conn = storage.conn();
    let tx = conn.transaction()?;
    let last: Option<(i64, Vec<u8>)> = tx
        .query_row(
            "SELECT seq, hash FROM audit_log WHERE seq = (SELECT MAX(seq) FROM audit_log WHERE at < ?1)",
            [time_text(before)],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let Some((seq, hash)) = last else {
        return Ok(0);
    };
    tx.execute(
        "UPDATE audit_anchor SET hash = ?1, pruned_through = ?2 WHERE singleton = 1",
        params![hash, seq],
    )?;
    put(&tx, &seal(seq as u64, hash_from(&hash)?))?;
    let n = tx.execute("DELETE FROM audit_log WHERE seq <= ?1", [seq])?;
    tx.commit()?;
    Ok(n as u64)
}
