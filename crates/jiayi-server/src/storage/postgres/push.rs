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

/// A group of batches that `write_batches` cannot write together: a household moves in one of
/// them (the move reads and rewrites the log around its batch), so each is written alone.
pub(super) fn a_move_goes_alone() -> ServerError {
    ServerError::Invalid("a push that moves a household is written alone".into())
}

/// Writes `batches` inside `tx`, which the caller commits, with a few statements for the whole
/// group, and answers each as if they had come one after the other in this order: a later
/// batch sees an earlier one's records, sequence numbers and stored-through mark.
///
/// The group's records (and devices) are locked first, each by an advisory lock taken in one
/// order. Only the insert into the change log hands out cursors; it takes the turn, the
/// advisory lock `(0, 1)`, whose two-key space the record locks (one 64-bit key) never use, and
/// holds it to the commit. Cursors therefore commit in the order they are handed out, and a
/// pull never skips a change that commits after a higher cursor was seen. Nothing but the
/// batches' own rows is written, so a group that fails leaves nothing once its transaction is
/// rolled back. A batch moving a household is written only alone ([`a_move_goes_alone`]).
pub(super) fn write_batches(
    tx: &mut Transaction<'_>,
    statements: &mut Statements,
    batches: &[&Batch],
) -> Result<Vec<Pushed>> {
    use std::collections::{HashMap, HashSet};
    let mut seqs_of = Vec::with_capacity(batches.len());
    for batch in batches {
        let mut seqs = Vec::with_capacity(batch.changes.len());
        for change in &batch.changes {
            seqs.push(
                i64::try_from(change.seq)
                    .map_err(|_| ServerError::Invalid("seq too large".into()))?,
            );
        }
        seqs_of.push(seqs);
    }
    let devices: Vec<String> = batches
        .iter()
        .map(|b| b.scope.device_id.to_string())
        .collect();
    let nows: Vec<String> = batches.iter().map(|b| time_text(b.now)).collect();
    let all_changes = || batches.iter().flat_map(|b| b.changes.iter());

    let (mut entities, mut ids): (Vec<String>, Vec<String>) = all_changes()
        .map(|c| (c.entity.as_str().to_string(), c.entity_id.to_string()))
        .unzip();
    let mut lock_keys: Vec<String> = entities
        .iter()
        .zip(&ids)
        .map(|(e, i)| format!("{e}:{i}"))
        .collect();
    lock_keys.extend(devices.iter().map(|d| format!("device:{d}")));
    let lock = statements.get(
        tx,
        "SELECT pg_advisory_xact_lock(h) FROM (
           SELECT DISTINCT hashtextextended(k, 0) AS h FROM UNNEST($1::text[]) AS k ORDER BY h
         ) AS keys",
    )?;
    tx.query(&lock, &[&lock_keys])?;

    // One primary-key probe per record: the lateral `LIMIT 1` keeps the planner from a
    // hash join over the whole table. A connection plans a prepared statement once for all
    // later calls, and on a new server it does so while `records` is still nearly empty:
    // a plain join was then planned as a scan of every record, which it stayed as the
    // table grew. The households the records hang off are read too (not locked): a record
    // naming a household of another village is refused (`admission`).
    for household in all_changes().filter_map(crate::admission::household_named) {
        entities.push(jiayi_core::change::Entity::Household.as_str().to_string());
        ids.push(household.to_string());
    }
    let current = statements.get(
        tx,
        "SELECT r.entity, r.entity_id, r.village_id, r.payload, r.field_hlc, r.deleted_hlc
         FROM UNNEST($1::text[], $2::text[]) AS k(entity, entity_id)
         CROSS JOIN LATERAL (
           SELECT * FROM records
           WHERE records.entity = k.entity AND records.entity_id = k.entity_id LIMIT 1
         ) AS r",
    )?;
    let mut records: HashMap<(String, String), RecordState> = HashMap::new();
    for r in tx.query(&current, &[&entities, &ids])? {
        let state = record_from_text(r.get(2), r.get(3), r.get(4), r.get::<_, Option<&str>>(5))?;
        records.insert((r.get(0), r.get(1)), state);
    }

    // In one statement, before the turn on the change log: every batch's audit entry and its
    // device's sync time written; the epoch, each device's stored-through mark and the
    // sequence numbers already stored (with their change ids) read.
    let before = statements.get(
        tx,
        "WITH queued AS (
           INSERT INTO audit_pending (at, actor, role, action, origin, records)
           SELECT at, actor, role, action, origin, records
           FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[])
                WITH ORDINALITY AS a(at, actor, role, action, origin, records, n)
           ORDER BY n
         ), touched AS (
           UPDATE devices SET last_sync_at = t.at
           FROM UNNEST($7::text[], $8::text[]) AS t(id, at) WHERE devices.id = t.id
         ), known AS (
           SELECT k.device_id, k.seq, c.change_id
           FROM UNNEST($9::text[], $10::bigint[]) AS k(device_id, seq)
           CROSS JOIN LATERAL (
             SELECT body::json->>'change_id' AS change_id FROM changes
             WHERE changes.device_id = k.device_id AND changes.seq = k.seq LIMIT 1
           ) AS c
         )
         SELECT (SELECT value FROM meta WHERE key = 'epoch'),
                ARRAY(SELECT (SELECT COALESCE(MAX(seq), 0) FROM changes WHERE device_id = d.id)
                      FROM UNNEST($11::text[]) WITH ORDINALITY AS d(id, n) ORDER BY n),
                ARRAY(SELECT device_id FROM known ORDER BY device_id, seq),
                ARRAY(SELECT seq FROM known ORDER BY device_id, seq),
                ARRAY(SELECT change_id FROM known ORDER BY device_id, seq)",
    )?;
    let column = |f: &dyn Fn(&AuditEvent) -> String| -> Vec<String> {
        batches.iter().map(|b| f(&b.audit)).collect()
    };
    let (touched_ids, touched_at): (Vec<String>, Vec<String>) = batches
        .iter()
        .zip(devices.iter().zip(&nows))
        .filter(|(b, _)| b.touch)
        .map(|(_, (d, at))| (d.clone(), at.clone()))
        .unzip();
    let (asked_devices, asked_seqs): (Vec<String>, Vec<i64>) = devices
        .iter()
        .zip(&seqs_of)
        .flat_map(|(d, seqs)| seqs.iter().map(move |s| (d.clone(), *s)))
        .unzip();
    let distinct_devices: Vec<String> = {
        let mut seen = HashSet::new();
        devices
            .iter()
            .filter(|d| seen.insert(d.as_str()))
            .cloned()
            .collect()
    };
    let before = tx.query_one(
        &before,
        &[
            &nows,
            &column(&|a| a.actor.clone()),
            &column(&|a| a.role.clone()),
            &column(&|a| a.action.clone()),
            &column(&|a| a.origin.clone()),
            &column(&|a| a.records_text()),
            &touched_ids,
            &touched_at,
            &asked_devices,
            &asked_seqs,
            &distinct_devices,
        ],
    )?;
    let epoch = parse_uuid(before.get(0))?;
    let mut stored_through: HashMap<String, u64> = distinct_devices
        .into_iter()
        .zip(before.get::<_, Vec<i64>>(1))
        .map(|(d, seq)| (d, seq as u64))
        .collect();
    // What the log holds from each device by sequence number: read, then what this group's
    // earlier batches store.
    let mut known: HashMap<(String, i64), Option<String>> = before
        .get::<_, Vec<String>>(2)
        .into_iter()
        .zip(before.get::<_, Vec<i64>>(3))
        .zip(before.get::<_, Vec<Option<String>>>(4))
        .collect();

    // Rows to write, in group order: the log's with their batch, the records once each.
    let mut log: Vec<(usize, &Change)> = Vec::new();
    let mut dirty: Vec<(String, String)> = Vec::new();
    let mut dirty_keys: HashSet<(String, String)> = HashSet::new();
    let mut losers: Vec<(usize, String, String, String, crate::merge::Loser)> = Vec::new();
    let mut moves: Vec<super::rehome::Move> = Vec::new();
    let mut answers = Vec::with_capacity(batches.len());
    for (b, (batch, seqs)) in batches.iter().zip(&seqs_of).enumerate() {
        let (scope, device) = (&batch.scope, &devices[b]);
        let mut results = Vec::with_capacity(batch.changes.len());
        let logged_before = log.len();
        let mut in_batch: HashSet<u64> = HashSet::new();
        for (change, seq) in batch.changes.iter().zip(seqs) {
            if change.device_id != scope.device_id {
                results.push(rejected(change.seq, RejectCode::WrongDevice));
                continue;
            }
            if let Some(stored_id) = known.get(&(device.clone(), *seq)) {
                results.push(known_seq(change, stored_id.as_deref()));
                continue;
            }
            if !in_batch.insert(change.seq) {
                let first = log[logged_before..]
                    .iter()
                    .find(|(_, c)| c.seq == change.seq)
                    .map(|(_, c)| c.change_id.to_string());
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
            if let Some(code) = crate::admission::refusal(change, batch.now, household_village) {
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
                            b,
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
                        if batches.len() > 1 {
                            return Err(a_move_goes_alone());
                        }
                        moves.push(super::rehome::decide_move(tx, r, change, &mut records)?);
                    }
                    log.push((b, change));
                }
            }
        }
        let through = stored_through.entry(device.clone()).or_insert(0);
        for (_, change) in &log[logged_before..] {
            *through = (*through).max(change.seq);
            known.insert(
                (device.clone(), change.seq as i64),
                Some(change.change_id.to_string()),
            );
        }
        answers.push(Pushed {
            results,
            epoch,
            stored_through: *through,
        });
    }

    if log.is_empty() {
        return Ok(answers);
    }
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
    let mut loser_cols: [Vec<String>; 10] = Default::default();
    for (b, entity, id, village, l) in &losers {
        for (col, v) in loser_cols.iter_mut().zip([
            entity.clone(),
            id.clone(),
            village.clone(),
            l.field.clone(),
            l.value.to_string(),
            l.hlc.to_string(),
            devices[*b].clone(),
            l.winning_value.to_string(),
            l.winning_hlc.to_string(),
            nows[*b].clone(),
        ]) {
            col.push(v);
        }
    }

    // The records and the conflicts first: they need no cursor, and the records are
    // already this group's alone under its advisory locks.
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
         SELECT * FROM UNNEST($7::text[], $8::text[], $9::text[], $10::text[], $11::text[],
                              $12::text[], $13::text[], $14::text[], $15::text[], $16::text[])",
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
            &loser_cols[9],
        ],
    )?;
    // Then the turn on the change log, for the one insert that hands out cursors and the
    // commit: the shorter the turn, the shorter every other push's wait. The insert takes
    // the turn itself, so no separate statement to take it falls inside the turn; the
    // commit's is the one round trip that does. No row reaches the insert, and so no
    // cursor is drawn, before the join has read `turn`.
    let mut log_cols: [Vec<String>; 6] = Default::default();
    let mut log_seqs = Vec::with_capacity(log.len());
    for (b, change) in &log {
        log_seqs.push(change.seq as i64);
        for (col, v) in log_cols.iter_mut().zip([
            devices[*b].clone(),
            change.entity.as_str().to_string(),
            change.entity_id.to_string(),
            change.village_id.to_string(),
            serde_json::to_string(change)?,
            nows[*b].clone(),
        ]) {
            col.push(v);
        }
    }
    let log_insert = statements.get(
        tx,
        "WITH turn AS (SELECT pg_advisory_xact_lock(0, 1))
         INSERT INTO changes (device_id, seq, entity, entity_id, village_id, body, received_at)
         SELECT d, s, e, i, v, b, r
         FROM turn, UNNEST($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[],
                           $6::text[], $7::text[])
              WITH ORDINALITY AS t(d, s, e, i, v, b, r, n)
         ORDER BY n",
    )?;
    tx.execute(
        &log_insert,
        &[
            &log_cols[0],
            &log_seqs,
            &log_cols[1],
            &log_cols[2],
            &log_cols[3],
            &log_cols[4],
            &log_cols[5],
        ],
    )?;
    if let Some(now) = nows.first() {
        for m in &moves {
            super::rehome::write_move(tx, m, now)?;
        }
    }
    Ok(answers)
}
