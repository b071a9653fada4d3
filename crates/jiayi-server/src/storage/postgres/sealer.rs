//! PostgreSQL's audit queue: requests queue their entries unchained, and the sealer chains
//! them onto the log in the order they were queued.

use postgres::Client;

use super::PgStorage;
use crate::error::Result;
use crate::storage::shared::hash_from;
use crate::storage::{AuditLogEntry, AuditSealer};

/// An audit entry from a row whose columns 1 to 6 are `at, actor, role, action, origin,
/// records` (column 0 is the queue id or the sequence number).
pub(super) fn audit_record(row: &postgres::Row, seq: u64, hash: [u8; 32]) -> AuditLogEntry {
    AuditLogEntry {
        seq,
        at: row.get(1),
        actor: row.get(2),
        role: row.get(3),
        action: row.get(4),
        origin: row.get(5),
        records: row.get(6),
        hash,
    }
}

/// Entries chained per transaction while sealing.
const SEAL_BATCH: i64 = 5000;

/// Chains queued audit entries onto the log. Sealers take turns on the log's table lock; the
/// requests that queued the entries never do.
fn seal_queued_audit(client: &mut Client) -> Result<u64> {
    let mut sealed = 0;
    loop {
        let mut tx = client.transaction()?;
        tx.batch_execute("LOCK TABLE audit_log IN SHARE ROW EXCLUSIVE MODE")?;
        let queued = tx.query(
            "SELECT id, at, actor, role, action, origin, records FROM audit_pending ORDER BY id LIMIT $1",
            &[&SEAL_BATCH],
        )?;
        if queued.is_empty() {
            return Ok(sealed);
        }
        let anchor = tx.query_one(
            "SELECT hash, pruned_through FROM audit_anchor WHERE singleton = 1",
            &[],
        )?;
        let head = tx.query_opt(
            "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1",
            &[],
        )?;
        let (mut seq, mut previous) = match head {
            Some(r) => (r.get::<_, i64>(0), hash_from(r.get::<_, &[u8]>(1))?),
            None => (
                anchor.get::<_, i64>(1),
                hash_from(anchor.get::<_, &[u8]>(0))?,
            ),
        };
        let mut cols: [Vec<String>; 6] = Default::default();
        let (mut seqs, mut hashes, mut ids) = (Vec::new(), Vec::new(), Vec::new());
        for r in &queued {
            // Sequence number and hash are what this loop gives it.
            let record = audit_record(r, 0, [0; 32]);
            seq += 1;
            previous = jiayi_core::audit::chain_hash(&previous, &record.entry());
            ids.push(r.get::<_, i64>(0));
            seqs.push(seq);
            hashes.push(previous.to_vec());
            for (col, v) in cols.iter_mut().zip([
                record.at,
                record.actor,
                record.role,
                record.action,
                record.origin,
                record.records,
            ]) {
                col.push(v);
            }
        }
        tx.execute(
            "INSERT INTO audit_log (seq, at, actor, role, action, origin, records, hash)
             SELECT * FROM UNNEST($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[],
                                  $6::text[], $7::text[], $8::bytea[])",
            &[
                &seqs, &cols[0], &cols[1], &cols[2], &cols[3], &cols[4], &cols[5], &hashes,
            ],
        )?;
        tx.execute("DELETE FROM audit_pending WHERE id = ANY($1)", &[&ids])?;
        tx.commit()?;
        sealed += queued.len() as u64;
        if (queued.len() as i64) < SEAL_BATCH {
            return Ok(sealed);
        }
    }
}

impl AuditSealer for PgStorage {
    fn seal_audit(&self) -> Result<u64> {
        seal_queued_audit(&mut *self.client()?)
    }

    fn audit_pending(&self) -> Result<u64> {
        let row = self
            .client()?
            .query_one("SELECT COUNT(*) FROM audit_pending", &[])?;
        Ok(row.get::<_, i64>(0) as u64)
    }
}
