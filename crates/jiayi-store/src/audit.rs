//! The device's audit log: an entry for every record written (in the write's own transaction,
//! so a change without its entry cannot be committed) and for reads, prints and exports the
//! API names. The chain rule is the core's (`jiayi_core::audit`); the migration makes the table
//! append-only and keeps entries six months at least.

use chrono::{DateTime, SecondsFormat, Utc};
use jiayi_core::audit::{AuditEntry, RETENTION_DAYS, chain_hash, first_break};
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

use crate::Store;
use crate::error::{Result, StoreError};

/// One kept entry with its place in the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRecord {
    pub seq: i64,
    pub entry: AuditEntry,
    pub hash: [u8; 32],
}

/// What checking the chain found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditCheck {
    /// Entries kept (those older than the retention period may have been pruned).
    pub entries: u64,
    /// The sequence of the first entry whose hash does not follow; none when the chain holds.
    pub broken_at: Option<i64>,
}

/// The actor and device every entry of this store names, and the hash to chain after.
pub(crate) struct Tail {
    actor: String,
    device_id: String,
    last: [u8; 32],
}

fn to_hash(bytes: Vec<u8>) -> Result<[u8; 32]> {
    bytes
        .try_into()
        .map_err(|_| StoreError::Corrupt("an audit hash is not 32 bytes".into()))
}

fn time_text(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Reads who acts on this device and where the chain ends, inside the caller's transaction.
pub(crate) fn tail(conn: &Connection) -> Result<Tail> {
    let device_id: String = conn.query_row("SELECT device_id FROM device", [], |r| r.get(0))?;
    let actor = conn
        .query_row("SELECT doctor_id FROM enrollment", [], |r| {
            r.get::<_, String>(0)
        })
        .optional()?
        .unwrap_or_else(|| "local".to_string());
    let last = conn
        .query_row(
            "SELECT hash FROM audit_log ORDER BY seq DESC LIMIT 1",
            [],
            |r| r.get::<_, Vec<u8>>(0),
        )
        .optional()?;
    let last = match last {
        Some(bytes) => to_hash(bytes)?,
        None => anchor(conn)?,
    };
    Ok(Tail {
        actor,
        device_id,
        last,
    })
}

fn anchor(conn: &Connection) -> Result<[u8; 32]> {
    let bytes: Vec<u8> = conn.query_row("SELECT hash FROM audit_anchor", [], |r| r.get(0))?;
    to_hash(bytes)
}

/// Appends one entry after `tail` and moves the tail on.
pub(crate) fn append(
    conn: &Connection,
    tail: &mut Tail,
    at: DateTime<Utc>,
    action: &str,
    entity: &str,
    entity_id: &str,
) -> Result<()> {
    let entry = AuditEntry {
        at: time_text(at),
        actor: tail.actor.clone(),
        device_id: tail.device_id.clone(),
        action: action.to_string(),
        entity: entity.to_string(),
        entity_id: entity_id.to_string(),
    };
    let hash = chain_hash(&tail.last, &entry);
    conn.execute(
        "INSERT INTO audit_log (at, actor, device_id, action, entity, entity_id, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            entry.at,
            entry.actor,
            entry.device_id,
            entry.action,
            entry.entity,
            entry.entity_id,
            hash.as_slice()
        ],
    )?;
    tail.last = hash;
    Ok(())
}

impl Store {
    /// Notes something done without a write: a record read on screen, a document printed, a
    /// report exported.
    pub fn audit_action(
        &self,
        at: DateTime<Utc>,
        action: &str,
        entity: &str,
        entity_id: &str,
    ) -> Result<()> {
        let tx = self.conn.unchecked_transaction()?;
        let mut tail = tail(&tx)?;
        append(&tx, &mut tail, at, action, entity, entity_id)?;
        tx.commit()?;
        Ok(())
    }

    /// The newest entries first.
    pub fn audit_entries(&self, limit: u32) -> Result<Vec<AuditRecord>> {
        self.read_audit("ORDER BY seq DESC LIMIT ?1", [limit])?
            .into_iter()
            .map(|(seq, entry, hash)| {
                Ok(AuditRecord {
                    seq,
                    entry,
                    hash: to_hash(hash)?,
                })
            })
            .collect()
    }

    /// Recomputes the whole chain from its anchor with the core's rule. A stored hash of the
    /// wrong length breaks the chain there too.
    pub fn verify_audit_chain(&self) -> Result<AuditCheck> {
        let anchor = anchor(&self.conn)?;
        let kept = self.read_audit("ORDER BY seq", [])?;
        let malformed = kept.iter().position(|(_, _, hash)| hash.len() != 32);
        let whole: Vec<(&AuditEntry, [u8; 32])> = kept[..malformed.unwrap_or(kept.len())]
            .iter()
            .filter_map(|(_, entry, hash)| {
                Some((entry, <[u8; 32]>::try_from(hash.as_slice()).ok()?))
            })
            .collect();
        let broken_at = first_break(&anchor, whole.iter().map(|(entry, hash)| (*entry, hash)))
            .or(malformed)
            .map(|i| kept[i].0);
        Ok(AuditCheck {
            entries: kept.len() as u64,
            broken_at,
        })
    }

    /// Entries as stored (sequence, fields, hash bytes), in the order `order` names.
    fn read_audit(
        &self,
        order: &str,
        params: impl rusqlite::Params,
    ) -> Result<Vec<(i64, AuditEntry, Vec<u8>)>> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT seq, at, actor, device_id, action, entity, entity_id, hash FROM audit_log {order}"
        ))?;
        let rows = stmt.query_map(params, |r| {
            Ok((
                r.get(0)?,
                AuditEntry {
                    at: r.get(1)?,
                    actor: r.get(2)?,
                    device_id: r.get(3)?,
                    action: r.get(4)?,
                    entity: r.get(5)?,
                    entity_id: r.get(6)?,
                },
                r.get(7)?,
            ))
        })?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// Removes entries older than the retention period, keeping the chain checkable: the
    /// anchor becomes the last removed entry's hash. Returns how many were removed.
    pub fn prune_audit(&mut self, now: DateTime<Utc>) -> Result<u64> {
        let cutoff = time_text(now - chrono::Duration::days(RETENTION_DAYS + 1));
        let tx = self.conn.transaction()?;
        // Only the oldest run of entries goes: the chain must stay one unbroken piece.
        let first_kept: Option<i64> = tx.query_row(
            "SELECT MIN(seq) FROM audit_log WHERE at >= ?1",
            [&cutoff],
            |r| r.get(0),
        )?;
        let last: Option<(i64, Vec<u8>)> = tx
            .query_row(
                "SELECT seq, hash FROM audit_log WHERE seq < ?1 ORDER BY seq DESC LIMIT 1",
                [first_kept.unwrap_or(i64::MAX)],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let Some((through, hash)) = last else {
            return Ok(0);
        };
        let removed = tx.execute("DELETE FROM audit_log WHERE seq <= ?1", [through])?;
        tx.execute(
            "UPDATE audit_anchor SET hash = ?1, pruned_through = ?2",
            params![to_hash(hash)?.as_slice(), through],
        )?;
        tx.commit()?;
        Ok(removed as u64)
    }
}
