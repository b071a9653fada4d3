//! The hot paths: a push batch stored in one transaction, a pull page read on the reader, and
//! the audit entry chained inside the caller's transaction.

use chrono::{DateTime, Utc};
use jiayi_core::change::Change;
use jiayi_sync::protocol::ChangeResult;
use rusqlite::{Connection, OptionalExtension, params};
use uuid::Uuid;

use super::SqliteStorage;
use crate::error::{Result, ServerError};
use crate::merge::RecordState;
use crate::storage::shared::{
    cursor_param, hash_from, known_seq, page, record_from_text, rejected, stored_result, time_text,
};
use crate::storage::{AuditEvent, DeviceScope, PullPage, StoredChange};

/// Appends an audit entry inside the caller's transaction (SQLite has one writer at a time, so
/// the chain's head cannot move underneath).
pub(super) fn append_audit_in(conn: &Connection, event: &AuditEvent, at: &str) -> Result<()> {
    let (anchor, pruned): (Vec<u8>, i64) = conn.query_row(
        "SELECT hash, pruned_through FROM audit_anchor WHERE singleton = 1",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let head: Option<(i64, Vec<u8>)> = conn
        .prepare_cached("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let (seq, previous) = match head {
        Some((seq, hash)) => (seq + 1, hash_from(&hash)?),
        None => (pruned + 1, hash_from(&anchor)?),
    };
    let hash = jiayi_core::audit::chain_hash(&previous, &event.entry(at));
    conn.prepare_cached(
        "INSERT INTO audit_log (seq, at, actor, role, action, origin, records, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![
        seq,
        at,
        event.actor,
        event.role,
        event.action,
        event.origin,
        event.records_text(),
        hash.to_vec()
    ])?;
    Ok(())
}

pub(super) fn load_record(
    conn: &Connection,
    entity: &str,
    id: &str,
) -> Result<Option<RecordState>> {
    let mut st = conn.prepare_cached(
        "SELECT village_id, payload, field_hlc, deleted_hlc FROM records WHERE entity = ?1 AND entity_id = ?2",
    )?;
    let row = st
        .query_row([entity, id], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, Option<String>>(3)?,
            ))
        })
        .optional()?;
    row.map(|(v, p, f, d)| record_from_text(&v, &p, &f, d.as_deref()))
        .transpose()
}

/// Moves a household's records to its new village and hands them to its devices through the
/// log, after the move (see [`crate::rehome`]).
fn rehome_in(
    conn: &Connection,
    r: crate::rehome::Rehome,
    moving: &Change,
    now: &str,
) -> Result<()> {
    use crate::rehome::{Candidate, copies, household_records, relay_device, resident_changes};
    use jiayi_core::change::Entity;
    let from = r.from.to_string();
    let to = r.to.to_string();
    let mut held = Vec::new();
    {
        let mut st = conn.prepare_cached(
            "SELECT entity, entity_id, village_id, payload, field_hlc, deleted_hlc FROM records
             WHERE village_id = ?1",
        )?;
        let rows = st.query_map([&from], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, String>(2)?,
                row.get::<_, String>(3)?,
                row.get::<_, String>(4)?,
                row.get::<_, Option<String>>(5)?,
            ))
        })?;
        for row in rows {
            let (entity, id, village, payload, clocks, deleted) = row?;
            let (Some(entity), Ok(id)) = (Entity::parse(&entity), Uuid::parse_str(&id)) else {
                continue;
            };
            held.push((
                entity,
                id,
                record_from_text(&village, &payload, &clocks, deleted.as_deref())?,
            ));
        }
    }
    let candidates: Vec<Candidate<'_>> = held
        .iter()
        .map(|(entity, id, state)| Candidate {
            entity: *entity,
            id: *id,
            state,
        })
        .collect();
    let moved = household_records(r.household_id, &candidates);
    let mut home = conn.prepare_cached(
        "UPDATE records SET village_id = ?3 WHERE entity = ?1 AND entity_id = ?2",
    )?;
    for (entity, id) in &moved {
        home.execute(params![entity.as_str(), id.to_string(), to])?;
    }
    let relay = relay_device(moving.device_id, moving.seq);
    let mut handed: Vec<(String, String, String)> = Vec::new();
    for c in resident_changes(&moved, &candidates, relay, r.to) {
        handed.push((
            c.entity.as_str().to_string(),
            c.entity_id.to_string(),
            serde_json::to_string(&c)?,
        ));
    }
    {
        let mut st = conn.prepare_cached(
            "SELECT entity, entity_id, body FROM changes WHERE village_id = ?1 ORDER BY cursor",
        )?;
        let rows = st.query_map([&from], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, String>(2)?,
            ))
        })?;
        for row in rows {
            let (entity, id, body) = row?;
            let (Some(kind), Ok(uuid)) = (Entity::parse(&entity), Uuid::parse_str(&id)) else {
                continue;
            };
            if copies(&moved, kind, uuid) {
                handed.push((entity, id, body));
            }
        }
    }
    let relay = relay.to_string();
    let mut log = conn.prepare_cached(
        "INSERT INTO changes (device_id, seq, entity, entity_id, village_id, body, received_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    for (n, (entity, id, body)) in handed.iter().enumerate() {
        log.execute(params![relay, n as i64 + 1, entity, id, to, body, now])?;
    }
    Ok(())
}

impl SqliteStorage {
    /// Stores a batch in one transaction, with its audit entry chained at once.
    pub(super) fn store_batch(
        &self,
        scope: &DeviceScope,
        changes: &[Change],
        now: DateTime<Utc>,
        audit: &AuditEvent,
    ) -> Result<Vec<ChangeResult>> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let at = now;
        let now = time_text(now);
        let device = scope.device_id.to_string();
        let mut results = Vec::with_capacity(changes.len());
        {
            let mut dup = tx.prepare_cached(
                "SELECT json_extract(body, '$.change_id') FROM changes WHERE device_id = ?1 AND seq = ?2",
            )?;
            let mut log = tx.prepare_cached(
                "INSERT INTO changes (device_id, seq, entity, entity_id, village_id, body, received_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?;
            let mut save = tx.prepare_cached(
                "INSERT INTO records (entity, entity_id, village_id, payload, field_hlc, deleted_hlc, last_cursor)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT (entity, entity_id) DO UPDATE SET village_id = excluded.village_id,
                   payload = excluded.payload, field_hlc = excluded.field_hlc,
                   deleted_hlc = excluded.deleted_hlc, last_cursor = excluded.last_cursor",
            )?;
            let mut lose = tx.prepare_cached(
                "INSERT INTO conflicts (entity, entity_id, village_id, field, losing_value, losing_hlc, losing_device,
                   winning_value, winning_hlc, cursor, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            )?;
            for change in changes {
                if change.device_id != scope.device_id {
                    results.push(rejected(
                        change.seq,
                        jiayi_sync::protocol::RejectCode::WrongDevice,
                    ));
                    continue;
                }
                let seq = i64::try_from(change.seq)
                    .map_err(|_| ServerError::Invalid("seq too large".into()))?;
                let known: Option<Option<String>> = dup
                    .query_row(params![device, seq], |r| r.get(0))
                    .optional()?;
                if let Some(stored_id) = known {
                    results.push(known_seq(change, stored_id.as_deref()));
                    continue;
                }
                let household_village = match crate::admission::household_named(change) {
                    Some(h) => load_record(&tx, "household", &h.to_string())?.map(|r| r.village_id),
                    None => None,
                };
                if let Some(code) = crate::admission::refusal(change, at, household_village) {
                    results.push(rejected(change.seq, code));
                    continue;
                }
                let entity = change.entity.as_str();
                let entity_id = change.entity_id.to_string();
                let existing = load_record(&tx, entity, &entity_id)?;
                match crate::merge::decide(&scope.villages, existing.as_ref(), change) {
                    crate::merge::Decision::Reject(code) => {
                        results.push(rejected(change.seq, code))
                    }
                    crate::merge::Decision::Store { state, losers } => {
                        let village = change.village_id.to_string();
                        log.execute(params![
                            device,
                            seq,
                            entity,
                            entity_id,
                            village,
                            serde_json::to_string(change)?,
                            now
                        ])?;
                        let cursor = tx.last_insert_rowid();
                        if let Some(r) = crate::rehome::rehome_of(change, existing.as_ref(), &state)
                        {
                            rehome_in(&tx, r, change, &now)?;
                        }
                        save.execute(params![
                            entity,
                            entity_id,
                            state.village_id.to_string(),
                            serde_json::to_string(&state.payload)?,
                            state.field_hlc_json(),
                            state.deleted.map(|h| h.to_string()),
                            cursor
                        ])?;
                        for l in &losers {
                            lose.execute(params![
                                entity,
                                entity_id,
                                state.village_id.to_string(),
                                l.field,
                                l.value.to_string(),
                                l.hlc.to_string(),
                                device,
                                l.winning_value.to_string(),
                                l.winning_hlc.to_string(),
                                cursor,
                                now
                            ])?;
                        }
                        results.push(stored_result(change.seq, &losers));
                    }
                }
            }
        }
        append_audit_in(&tx, audit, &now)?;
        if results.iter().any(|r| r.status.is_stored()) {
            self.mark_log(&tx)?;
        }
        tx.commit()?;
        Ok(results)
    }

    /// One page of changes in the device's villages by other devices, read on the reader.
    pub(super) fn read_page(
        &self,
        scope: &DeviceScope,
        after: u64,
        limit: u32,
    ) -> Result<PullPage> {
        let conn = self.reader();
        let high_water: i64 =
            conn.query_row("SELECT COALESCE(MAX(cursor), 0) FROM changes", [], |r| {
                r.get(0)
            })?;
        let mut st = conn.prepare_cached(
            "SELECT c.cursor, c.entity, c.entity_id, c.body FROM changes c
             WHERE c.cursor > ?2 AND c.cursor <= ?3 AND c.device_id <> ?1
               AND c.village_id IN (SELECT value FROM json_each(?5))
             ORDER BY c.cursor LIMIT ?4",
        )?;
        let villages: Vec<String> = scope.villages.iter().map(Uuid::to_string).collect();
        let rows = st.query_map(
            params![
                scope.left_out_of_pull().to_string(),
                cursor_param(after),
                high_water,
                limit,
                serde_json::to_string(&villages)?
            ],
            |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                ))
            },
        )?;
        let mut changes = Vec::new();
        for row in rows {
            let (cursor, entity, id, body) = row?;
            changes.push(StoredChange::new(cursor, &entity, &id, body));
        }
        Ok(page(changes, after, limit, high_water as u64))
    }
}
