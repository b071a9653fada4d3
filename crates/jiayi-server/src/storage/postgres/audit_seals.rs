//! The audit chain's seals on PostgreSQL, and the prune that moves the anchor and seals it.

use chrono::{DateTime, Utc};
use postgres::GenericClient;

use super::PgStorage;
use crate::error::Result;
use crate::storage::shared::{hash_from, time_text};
use crate::storage::{AuditSeal, SealAnchor};

pub(super) fn put(client: &mut impl GenericClient, seal: &AuditSeal) -> Result<()> {
    client.execute(
        "INSERT INTO audit_seals (kind, seq, hash, at, mac) VALUES ($1, $2, $3, $4, $5)",
        &[
            &seal.kind,
            &i64::try_from(seal.seq).unwrap_or(i64::MAX),
            &seal.hash.as_slice(),
            &seal.at,
            &seal.mac.as_slice(),
        ],
    )?;
    Ok(())
}

pub(super) fn all(client: &mut impl GenericClient) -> Result<Vec<AuditSeal>> {
    client
        .query(
            "SELECT kind, seq, hash, at, mac FROM audit_seals ORDER BY id",
            &[],
        )?
        .iter()
        .map(|r| {
            Ok(AuditSeal {
                kind: r.get(0),
                seq: r.get::<_, i64>(1) as u64,
                hash: hash_from(r.get::<_, &[u8]>(2))?,
                at: r.get(3),
                mac: hash_from(r.get::<_, &[u8]>(4))?,
            })
        })
        .collect()
}

/// Moves the anchor to the last entry older than `before` (while it is still there, as the
/// anchor's guard wants), seals that place, then removes the entries up to it.
pub(super) fn prune(
    storage: &PgStorage,
    before: DateTime<Utc>,
    seal: &SealAnchor<'_>,
) -> Result<u64> {
    let mut c = storage.client()?;
    let mut tx = c.transaction()?;
    tx.batch_execute("LOCK TABLE audit_log IN SHARE ROW EXCLUSIVE MODE")?;
    let last = tx.query_opt(
        "SELECT seq, hash FROM audit_log WHERE seq = (SELECT MAX(seq) FROM audit_log WHERE at < $1)",
        &[&time_text(before)],
    )?;
    let Some(last) = last else { return Ok(0) };
    let seq: i64 = last.get(0);
    let hash = hash_from(last.get::<_, &[u8]>(1))?;
    tx.execute(
        "UPDATE audit_anchor SET hash = $1, pruned_through = $2 WHERE singleton = 1",
        &[&hash.as_slice(), &seq],
    )?;
    put(&mut tx, &seal(seq as u64, hash))?;
    let n = tx.execute("DELETE FROM audit_log WHERE seq <= $1", &[&seq])?;
    tx.commit()?;
    Ok(n)
}
