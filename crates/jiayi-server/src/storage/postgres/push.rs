//! A push batch, written: the records locked by advisory locks and merged, and the change
//! log's insert taking its turn (in the transaction of the change log's writer, `group_commit`).

use chrono::{DateTime, Utc};
use jiayi_core::change::Change;
use jiayi_sync::protocol::RejectCode;

use postgres::Transaction;

use super::PgStorage;
use super::pool::Statements;
use crate::error::{Result, ServerError};
use crate::merge::{Decision, RecordState, decide};
use crate::storage::shared::{
    known_seq, parse_uuid, record_from_text, rejected, stored_result, time_text,
};
use crate::storage::{AuditEvent, DeviceScope, Pushed};

impl PgStorage {
    /// Stores one batch: handed to the change log's writer (`group_commit`), which stores it
    /// with the batches other devices pushed meanwhile in one transaction, and answered once
    /// that transaction has committed.
    pub(super) fn store_batch(
        &self,
        scope: &DeviceScope,
        changes: &[Change],
        now: DateTime<Utc>,
        audit: &AuditEvent,
        touch: bool,
    ) -> Result<Pushed> {
        self.writer.store(Batch {
            scope: scope.clone(),
            changes: changes.to_vec(),
            now,
            audit: audit.clone(),
            touch,
        })
    }
}

/// A device's push batch on its way to the change log.
pub(super) struct Batch {
    pub scope: DeviceScope,
    pub changes: Vec<Change>,
    pub now: DateTime<Utc>,
    pub audit: AuditEvent,
    /// Whether the device's last sync time is set (a push round, not a bundle's push).
    pub touch: bool,
}

/// Writes one batch inside `tx`, which the caller commits. The batch's records (and the device)
/// are locked first, each by an advisory lock taken in one order. Only the insert into the
/// change log hands out cursors; it takes the turn, the advisory lock `(0, 1)`, whose two-key
/// space the record locks (one 64-bit key) never use, and holds it to the commit. Cursors
/// therefore commit in the order they are handed out, and a pull never skips a change that
/// commits after a higher cursor was seen. Nothing but the batch's own rows is written, so a
/// batch that fails leaves nothing once its transaction is rolled back.
pub(super) fn write_batch(
    tx: &mut Transaction<'_>,
    statements: &mut Statements,
    batch: &Batch,
) -> Result<Pushed> {
    use std::collections::{HashMap, HashSet};
    let Batch {
        scope,
        changes,
        now,
        audit,
        touch,
    } = batch;
    let (at, touch) = (*now, *touch);
    let now = time_text(at);
    let device = scope.device_id.to_string();
    let mut seqs = Vec::with_capacity(changes.len());
    for change in changes {
        seqs.push(
            i64::try_from(change.seq).map_err(|_| ServerError::Invalid("seq too large".into()))?,
        );
    }
    let entities: Vec<String> = changes
        .iter()
        .map(|c| c.entity.as_str().to_string())
        .collect();
    let ids: Vec<String> = changes.iter().map(|c| c.entity_id.to_string()).collect();
    let mut lock_keys: Vec<String> = entities
        .iter()
        .zip(&ids)
        .map(|(e, i)| format!("{e}:{i}"))
        .collect();
    lock_keys.push(format!("device:{device}"));

    let lock = statements.get(
        tx,
        "SELECT pg_advisory_xact_lock(h) FROM (
           SELECT DISTINCT hashtextextended(k, 0) AS h FROM UNNEST($1::text[]) AS k ORDER BY h
         ) AS keys",
    )?;
    tx.query(&lock, &[&lock_keys])?;
    let mut records: HashMap<(String, String), RecordState> = HashMap::new();
    // One primary-key probe per record: the lateral `LIMIT 1` keeps the planner from a
    // hash join over the whole table. A connection plans a prepared statement once for all
    // later calls, and on a new server it does so while `records` is still nearly empty:
    // a plain join was then planned as a scan of every record, which it stayed as the
    // table grew.
    let current = statements.get(
        tx,
        "SELECT r.entity, r.entity_id, r.village_id, r.payload, r.field_hlc, r.deleted_hlc
         FROM UNNEST($1::text[], $2::text[]) AS k(entity, entity_id)
         CROSS JOIN LATERAL (
           SELECT * FROM records
           WHERE records.entity = k.entity AND records.entity_id = k.entity_id LIMIT 1
         ) AS r",
    )?;
    // The households the batch's records hang off are read too (not locked): a record
    // naming a household of another village is refused (`admission`).
    let (mut read_entities, mut read_ids) = (entities.clone(), ids.clone());
    for household in changes.iter().filter_map(crate::admission::household_named) {
        read_entities.push(jiayi_core::change::Entity::Household.as_str().to_string());
        read_ids.push(household.to_string());
    }
    for r in tx.query(&current, &[&read_entities, &read_ids])? {
        let state = record_from_text(r.get(2), r.get(3), r.get(4), r.get::<_, Option<&str>>(5))?;
        records.insert((r.get(0), r.get(1)), state);
    }
    // In one statement: the audit entry and the device's sync time written; the epoch, the
    // stored-through mark and the batch's sequence numbers already stored (with their
    // change ids) read. All before the turn on the change log.
    let before = statements.get(
        tx,
        "WITH queued AS (
           INSERT INTO audit_pending (at, actor, role, action, origin, records)
           VALUES ($1, $3, $4, $5, $6, $7)
         ), touched AS (
           UPDATE devices SET last_sync_at = $1 WHERE id = $2 AND $8
         ), known AS (
           SELECT seq, body::json->>'change_id' AS change_id FROM changes
           WHERE device_id = $2 AND seq = ANY($9)
         )
         SELECT (SELECT value FROM meta WHERE key = 'epoch'),
                (SELECT COALESCE(MAX(seq), 0) FROM changes WHERE device_id = $2),
                ARRAY(SELECT seq FROM known ORDER BY seq),
                ARRAY(SELECT change_id FROM known ORDER BY seq)",
    )?;
    let before = tx.query_one(
        &before,
        &[
            &now,
            &device,
            &audit.actor,
            &audit.role,
            &audit.action,
            &audit.origin,
            &audit.records_text(),
            &touch,
            &seqs,
        ],
    )?;
    let epoch = parse_uuid(before.get(0))?;
    let mut stored_through = before.get::<_, i64>(1) as u64;
    let known: HashMap<i64, Option<String>> = before
        .get::<_, Vec<i64>>(2)
        .into_iter()
        .zip(before.get::<_, Vec<Option<String>>>(3))
        .collect();

    let mut results = Vec::with_capacity(changes.len());
    let mut in_batch: HashSet<u64> = HashSet::new();
    // Rows to write, in batch order.
    let mut log: Vec<&Change> = Vec::new();
    let mut dirty: Vec<(String, String)> = Vec::new();
    let mut dirty_keys: HashSet<(String, String)> = HashSet::new();
    let mut losers: Vec<(String, String, String, crate::merge::Loser)> = Vec::new();
    let mut moves: Vec<super::rehome::Move> = Vec::new();
    for (change, seq) in changes.iter().zip(&seqs) {
        if change.device_id != scope.device_id {
            results.push(rejected(change.seq, RejectCode::WrongDevice));
            continue;
        }
        if let Some(stored_id) = known.get(seq) {
            results.push(known_seq(change, stored_id.as_deref()));
            continue;
        }
        if !in_batch.insert(change.seq) {
            let first = log
                .iter()
                .find(|c| c.seq == change.seq)
                .map(|c| c.change_id.to_string());
            results.push(known_seq(change, first.as_deref()));
            continue;
        }
        let household_village = crate::admission::household_named(change).and_then(|h| {
            records
                .get(&(
                    jiayi_core::change::Entity::Household.as_str().to_string(),
                    h.to_string(),
                ))
                .map(|r| r.village_id)
        });
        if let Some(code) = crate::admission::refusal(change, at, household_village) {
            in_batch.remove(&change.seq);
            results.push(rejected(change.seq, code));
            continue;
        }
        let key = (
            change.entity.as_str().to_string(),
            change.entity_id.to_string(),
        );
        match decide(&scope.villages, records.get(&key), change) {
            Decision::Reject(code) => {
                in_batch.remove(&change.seq);
                results.push(rejected(change.seq, code));
            }
            Decision::Store {
                state,
                losers: lost,
            } => {
                results.push(stored_result(change.seq, &lost));
                for l in lost {
                    losers.push((
                        key.0.clone(),
                        key.1.clone(),
                        state.village_id.to_string(),
                        l,
                    ));
                }
                if dirty_keys.insert(key.clone()) {
                    dirty.push(key.clone());
                }
                let rehome = crate::rehome::rehome_of(change, records.get(&key), &state);
                records.insert(key, state);
                if let Some(r) = rehome {
                    moves.push(super::rehome::decide_move(tx, r, change, &mut records)?);
                }
                log.push(change);
            }
        }
    }

    if log.is_empty() {
        return Ok(Pushed {
            results,
            epoch,
            stored_through,
        });
    }
    let mut bodies = Vec::with_capacity(log.len());
    for change in &log {
        bodies.push(serde_json::to_string(change)?);
    }
    let col = |f: &dyn Fn(&Change) -> String| log.iter().map(|c| f(c)).collect::<Vec<String>>();
    let log_seqs: Vec<i64> = log.iter().map(|c| c.seq as i64).collect();
    stored_through = stored_through.max(log.iter().map(|c| c.seq).max().unwrap_or(0));

    let mut record_cols: [Vec<String>; 5] = Default::default();
    let mut deleted = Vec::new();
    for key in &dirty {
        let Some(state) = records.get(key) else {
            continue;
        };
        for (col, v) in record_cols.iter_mut().zip([
            key.0.clone(),
            key.1.clone(),
            state.village_id.to_string(),
            serde_json::to_string(&state.payload)?,
            state.field_hlc_json(),
        ]) {
            col.push(v);
        }
        deleted.push(state.deleted.map(|h| h.to_string()));
    }
    let mut loser_cols: [Vec<String>; 9] = Default::default();
    for (entity, id, village, l) in &losers {
        for (col, v) in loser_cols.iter_mut().zip([
            entity.clone(),
            id.clone(),
            village.clone(),
            l.field.clone(),
            l.value.to_string(),
            l.hlc.to_string(),
            device.clone(),
            l.winning_value.to_string(),
            l.winning_hlc.to_string(),
        ]) {
            col.push(v);
        }
    }

    // The records and the conflicts first: they need no cursor, and the records are
    // already this push's alone under its advisory locks.
    let merge = statements.get(
        tx,
        "WITH merged AS (
           INSERT INTO records (entity, entity_id, village_id, payload, field_hlc, deleted_hlc)
           SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::text[],
                                $6::text[])
           ON CONFLICT (entity, entity_id) DO UPDATE SET village_id = excluded.village_id,
             payload = excluded.payload, field_hlc = excluded.field_hlc,
             deleted_hlc = excluded.deleted_hlc, last_cursor = NULL
         )
         INSERT INTO conflicts (entity, entity_id, village_id, field, losing_value, losing_hlc,
           losing_device, winning_value, winning_hlc, created_at)
         SELECT a, b, c, d, e, f, g, h, i, $16
         FROM UNNEST($7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[],
                     $13::text[], $14::text[], $15::text[]) AS t(a, b, c, d, e, f, g, h, i)",
    )?;
    tx.execute(
        &merge,
        &[
            &record_cols[0],
            &record_cols[1],
            &record_cols[2],
            &record_cols[3],
            &record_cols[4],
            &deleted,
            &loser_cols[0],
            &loser_cols[1],
            &loser_cols[2],
            &loser_cols[3],
            &loser_cols[4],
            &loser_cols[5],
            &loser_cols[6],
            &loser_cols[7],
            &loser_cols[8],
            &now,
        ],
    )?;
    // Then the turn on the change log, for the one insert that hands out cursors and the
    // commit: the shorter the turn, the shorter every other push's wait. The insert takes
    // the turn itself, so no separate statement to take it falls inside the turn; the
    // commit's is the one round trip that does. No row reaches the insert, and so no
    // cursor is drawn, before the join has read `turn`.
    let log_insert = statements.get(
        tx,
        "WITH turn AS (SELECT pg_advisory_xact_lock(0, 1))
         INSERT INTO changes (device_id, seq, entity, entity_id, village_id, body, received_at)
         SELECT $1, s, e, i, v, b, $7
         FROM turn, UNNEST($2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[])
              WITH ORDINALITY AS t(s, e, i, v, b, n)
         ORDER BY n",
    )?;
    tx.execute(
        &log_insert,
        &[
            &device,
            &log_seqs,
            &col(&|c| c.entity.as_str().to_string()),
            &col(&|c| c.entity_id.to_string()),
            &col(&|c| c.village_id.to_string()),
            &bodies,
            &now,
        ],
    )?;
    for m in &moves {
        super::rehome::write_move(tx, m, &now)?;
    }
    Ok(Pushed {
        results,
        epoch,
        stored_through,
    })
}
