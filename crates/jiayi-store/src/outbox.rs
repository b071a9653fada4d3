//! The outbox (what sync pushes) and the application of changes pulled from the township.

use chrono::{DateTime, Utc};
use jiayi_core::change::{Change, Entity, Op};
use jiayi_core::hlc::Hlc;
use jiayi_core::household::Resident;
use jiayi_core::merge::{Versioned, Write, merge};
use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::Store;
use crate::error::{Result, StoreError};
use crate::field_history::{self, ChangeOrigin, FieldWrite};
use crate::households::{household_json, resident_json, write_resident_row};
use crate::reference::parse_uuid;

/// What applying a batch of pulled changes did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplyReport {
    pub applied: u32,
    /// Already known (sent by this device, or applied before).
    pub skipped: u32,
    /// Held back because the record has local changes not yet pushed.
    pub deferred: u32,
    /// Always 0 on a pull: a pulled value replacing a local one is an ordinary update, and this
    /// device's writes that lost are logged from the server's push answer
    /// ([`Store::record_lost_writes`]).
    pub conflicts: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConflictRecord {
    pub id: Uuid,
    pub entity: String,
    pub entity_id: Uuid,
    pub field: String,
    pub kept_value: serde_json::Value,
    pub lost_value: serde_json::Value,
    pub kept_hlc: String,
    pub lost_hlc: String,
    pub detected_at: String,
}

impl Store {
    /// Changes not yet acknowledged by the server, in order, after `after_seq`.
    pub fn pending_changes(&self, after_seq: u64, limit: usize) -> Result<Vec<Change>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT seq, change_id, entity, entity_id, op, village_id, hlc, fields, payload FROM outbox
             WHERE acked_at IS NULL AND seq > ?1 ORDER BY seq LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![after_seq as i64, limit as i64], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, String>(6)?,
                r.get::<_, String>(7)?,
                r.get::<_, String>(8)?,
            ))
        })?;
        rows.map(|row| {
            let (seq, change_id, entity, entity_id, op, village_id, hlc, fields, payload) = row?;
            Ok(Change {
                device_id: self.device_id,
                seq: seq as u64,
                change_id: parse_uuid(&change_id)?,
                entity: Entity::parse(&entity)
                    .ok_or_else(|| StoreError::Corrupt(format!("entity {entity}")))?,
                entity_id: parse_uuid(&entity_id)?,
                op: if op == "delete" {
                    Op::Delete
                } else {
                    Op::Upsert
                },
                village_id: parse_uuid(&village_id)?,
                hlc: hlc.parse().map_err(|e: jiayi_core::hlc::HlcParseError| {
                    StoreError::Corrupt(e.to_string())
                })?,
                fields: serde_json::from_str(&fields)?,
                payload: serde_json::from_str(&payload)?,
            })
        })
        .collect()
    }

    pub fn pending_count(&self) -> Result<u64> {
        self.count("SELECT COUNT(*) FROM outbox WHERE acked_at IS NULL")
    }

    /// Marks changes the server confirmed it stored. Marking twice is harmless.
    pub fn mark_acknowledged(&mut self, seqs: &[u64]) -> Result<()> {
        let tx = self.conn.transaction()?;
        {
            let mut stmt = tx.prepare_cached(
                "UPDATE outbox SET acked_at = ?2 WHERE seq = ?1 AND acked_at IS NULL",
            )?;
            let now = Utc::now().to_rfc3339();
            for seq in seqs {
                stmt.execute(params![*seq as i64, now])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Makes every change pending again from `after_seq` on (the server lost what it had
    /// acknowledged, e.g. restored from a backup).
    pub fn requeue_after(&mut self, after_seq: u64) -> Result<u64> {
        Ok(self.conn.execute(
            "UPDATE outbox SET acked_at = NULL WHERE seq > ?1",
            params![after_seq as i64],
        )? as u64)
    }

    /// The highest outbox sequence ever issued on this device.
    pub fn last_seq(&self) -> Result<u64> {
        let seq: Option<i64> = self
            .conn
            .query_row("SELECT MAX(seq) FROM outbox", [], |r| r.get(0))?;
        Ok(seq.unwrap_or(0) as u64)
    }

    pub fn sync_state(&self, key: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row(
                "SELECT value FROM sync_state WHERE key = ?1",
                params![key],
                |r| r.get(0),
            )
            .optional()?)
    }

    pub fn set_sync_state(&mut self, key: &str, value: &str) -> Result<()> {
        self.conn.execute(
            "INSERT INTO sync_state (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![key, value],
        )?;
        Ok(())
    }

    /// Applies changes pulled from the server (other devices', or this device's own taken
    /// back after a restore from an older copy). A record with local changes not yet pushed is
    /// never overwritten: the change is deferred (the server will send the settled state after
    /// this device's push). Otherwise each field takes the value with the later clock, and the
    /// loser is kept in the conflict log when both sides had changed it.
    pub fn apply_remote(&mut self, changes: &[Change], now: DateTime<Utc>) -> Result<ApplyReport> {
        self.write(now, |w| {
            let mut report = ApplyReport::default();
            for change in changes {
                // The server sends this device's own changes only when it asks for them back
                // (its data was restored from an older copy): they merge like any other, and
                // change nothing the device still holds.
                w.observe(&change.hlc);
                let pending: bool = w.tx.query_row(
                    "SELECT EXISTS (SELECT 1 FROM outbox WHERE entity_id = ?1 AND acked_at IS NULL)",
                    params![change.entity_id.to_string()],
                    |r| r.get(0),
                )?;
                if pending && !change.entity.is_append_only() {
                    report.deferred += 1;
                    continue;
                }
                let first_time = w.tx.execute(
                    "INSERT OR IGNORE INTO applied_changes (device_id, seq) VALUES (?1, ?2)",
                    params![change.device_id.to_string(), change.seq as i64],
                )? == 1;
                if !first_time {
                    report.skipped += 1;
                    continue;
                }
                let outcome = match change.entity {
                    Entity::Household => apply_household(w, change)?,
                    Entity::Resident => apply_resident(w, change)?,
                    Entity::Contract => apply_contract(w, change)?,
                    Entity::ContractEvent => apply_event(w, change)?,
                    Entity::Visit => apply_visit(w, change)?,
                    Entity::GroupPeriod => apply_group_period(w, change)?,
                    Entity::MembershipEvent => apply_membership(w, change)?,
                    Entity::ContractAmendment => apply_amendment(w, change)?,
                    Entity::ReferralOut => written_once(crate::referrals::apply_out(w, change)?),
                    Entity::ReferralBack => written_once(crate::referrals::apply_back(w, change)?),
                    Entity::SatisfactionSurvey => written_once(crate::surveys::apply(w, change)?),
                };
                match outcome {
                    Outcome::Applied { conflicts } => {
                        report.applied += 1;
                        report.conflicts += conflicts;
                    }
                    Outcome::Known => report.skipped += 1,
                }
            }
            Ok(report)
        })
    }

    /// Keeps this device's writes that the server stored but that lost to newer values
    /// (its push answer named the fields): the device's real conflicts. The winning value is
    /// the server's, and arrives with the next pull.
    pub fn record_lost_writes(
        &mut self,
        lost: &[(Change, Vec<String>)],
        now: DateTime<Utc>,
    ) -> Result<()> {
        let tx = self.conn.transaction()?;
        {
            let mut stmt = tx.prepare_cached(
                "INSERT INTO conflicts (id, entity, entity_id, field, kept_value, lost_value, kept_hlc, lost_hlc, detected_at)
                 VALUES (?1, ?2, ?3, ?4, 'null', ?5, '', ?6, ?7)",
            )?;
            for (change, fields) in lost {
                for field in fields {
                    let value = change.payload.get(field).cloned().unwrap_or_default();
                    stmt.execute(params![
                        Uuid::now_v7().to_string(),
                        change.entity.as_str(),
                        change.entity_id.to_string(),
                        field,
                        value.to_string(),
                        change.hlc.to_string(),
                        now.to_rfc3339()
                    ])?;
                }
            }
        }
        tx.commit()?;
        Ok(())
    }

    pub fn open_conflicts(&self) -> Result<Vec<ConflictRecord>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, entity, entity_id, field, kept_value, lost_value, kept_hlc, lost_hlc, detected_at
             FROM conflicts WHERE settled_at IS NULL ORDER BY detected_at",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, String>(6)?,
                r.get::<_, String>(7)?,
                r.get::<_, String>(8)?,
            ))
        })?;
        rows.map(|row| {
            let (id, entity, entity_id, field, kept, lost, kept_hlc, lost_hlc, detected_at) = row?;
            Ok(ConflictRecord {
                id: parse_uuid(&id)?,
                entity,
                entity_id: parse_uuid(&entity_id)?,
                field,
                kept_value: serde_json::from_str(&kept)?,
                lost_value: serde_json::from_str(&lost)?,
                kept_hlc,
                lost_hlc,
                detected_at,
            })
        })
        .collect()
    }

    /// Marks a conflict as seen and settled (the kept value stays unless the doctor edits it).
    pub fn settle_conflict(&mut self, id: Uuid, now: DateTime<Utc>) -> Result<()> {
        let n = self.conn.execute(
            "UPDATE conflicts SET settled_at = ?2 WHERE id = ?1 AND settled_at IS NULL",
            params![id.to_string(), now.to_rfc3339()],
        )?;
        if n == 0 {
            return Err(StoreError::NotFound {
                entity: "conflict",
                id: id.to_string(),
            });
        }
        Ok(())
    }
}

/// A record as stored: its fields, the clocks of fields changed since creation, the creation
/// clock that every other field carries, and whether it is deleted (a deletion's clock is kept
/// under the field `deleted`).
struct LocalRecord {
    record: serde_json::Value,
    clocks: serde_json::Map<String, serde_json::Value>,
    base: Hlc,
    deleted: bool,
}

/// A pulled change merged into the local record, ready to be written back.
struct MergedRecord {
    record: serde_json::Value,
    clocks: serde_json::Map<String, serde_json::Value>,
    deleted: bool,
}

/// The field a record's deletion is kept under on the device (a resident's `deleted`).
const DELETED: &str = "deleted";

fn parse_hlc(text: &str) -> Result<Hlc> {
    text.parse()
        .map_err(|e: jiayi_core::hlc::HlcParseError| StoreError::Corrupt(e.to_string()))
}

enum Outcome {
    Applied { conflicts: u32 },
    Known,
}

/// The outcome of applying a record written once: applied, or held already.
fn written_once(applied: bool) -> Outcome {
    if applied {
        Outcome::Applied { conflicts: 0 }
    } else {
        Outcome::Known
    }
}

impl LocalRecord {
    fn clock_of(&self, field: &str) -> Hlc {
        self.clocks
            .get(field)
            .and_then(|v| v.as_str())
            .and_then(|s| s.parse().ok())
            .unwrap_or(self.base)
    }

    /// The record as the core's merge sees it: every field with its clock.
    fn versioned(&self) -> Versioned {
        let mut payload = self.record.as_object().cloned().unwrap_or_default();
        payload.remove(DELETED);
        let field_hlc = payload
            .keys()
            .map(|k| (k.clone(), self.clock_of(k)))
            .collect();
        Versioned {
            payload,
            field_hlc,
            deleted: self.deleted.then(|| self.clock_of(DELETED)),
        }
    }
}

/// Merges a pulled change into the local record by the core's one rule
/// ([`jiayi_core::merge`]) and keeps every field it names in the field history. A pulled value
/// that replaces a local one is an ordinary update, not a conflict: records with unsent local
/// writes are never merged into (their pulled changes wait, see [`Store::apply_remote`]), and a
/// local write that lost is reported by the server's answer to the push.
fn merge_fields(
    w: &crate::writer::Writer<'_>,
    entity: Entity,
    entity_id: Uuid,
    local: Option<LocalRecord>,
    change: &Change,
) -> Result<MergedRecord> {
    let current = local.as_ref().map(LocalRecord::versioned);
    // A resident handed on deleted carries `deleted: true` as a field: it deletes at its clock.
    let deletes_by_field = change.op == Op::Upsert
        && change.fields.iter().any(|f| f == DELETED)
        && change.payload.get(DELETED) == Some(&serde_json::Value::Bool(true));
    let fields: Vec<String> = change
        .fields
        .iter()
        .filter(|f| *f != DELETED)
        .cloned()
        .collect();
    let mut payload = change.payload.clone();
    if let Some(o) = payload.as_object_mut() {
        o.remove(DELETED);
    }
    let write = |op| Write {
        op,
        hlc: change.hlc,
        fields: &fields,
        payload: if op == Op::Delete {
            &serde_json::Value::Null
        } else {
            &payload
        },
    };
    let mut merged = merge(current.as_ref(), write(change.op));
    if deletes_by_field {
        merged = merge(Some(&merged.state), write(Op::Delete));
    }
    let state = merged.state;
    let deleted = state.deleted.is_some();
    // Residents' and households' fields are kept in their history, whichever value wins.
    if matches!(entity, Entity::Resident | Entity::Household) {
        let before = current.as_ref().map(|c| &c.payload);
        let null = serde_json::Value::Null;
        let writes: Vec<FieldWrite<'_>> = fields
            .iter()
            .map(|field| FieldWrite {
                field,
                value: payload.get(field).unwrap_or(&null),
                old_value: Some(before.and_then(|b| b.get(field)).unwrap_or(&null)),
                took_effect: state.field_hlc.get(field) == Some(&change.hlc),
            })
            .collect();
        if local.is_some() {
            field_history::record(
                w,
                entity,
                entity_id,
                change.hlc,
                change.device_id,
                ChangeOrigin::Pulled,
                &writes,
            )?;
        }
    }
    let mut clocks: serde_json::Map<String, serde_json::Value> = state
        .field_hlc
        .iter()
        .map(|(k, h)| (k.clone(), serde_json::Value::String(h.to_string())))
        .collect();
    if let Some(d) = state.deleted {
        clocks.insert(DELETED.into(), serde_json::Value::String(d.to_string()));
    }
    Ok(MergedRecord {
        record: serde_json::Value::Object(state.payload),
        clocks,
        deleted,
    })
}

fn apply_household(w: &mut crate::writer::Writer<'_>, change: &Change) -> Result<Outcome> {
    let id = change.entity_id.to_string();
    type Row = (String, String, String, String, String, String, String, bool);
    let local: Option<Row> = w
        .tx
        .query_row(
            "SELECT id, village_id, grp, address, record_number, field_hlc, hlc, deleted_at IS NOT NULL
             FROM households WHERE id = ?1",
            params![id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?)),
        )
        .optional()?;
    let local = local
        .map(
            |(id, village_id, group, address, record_number, clocks, base, deleted)| -> Result<_> {
                let household = jiayi_core::household::Household {
                    id: parse_uuid(&id)?,
                    village_id: parse_uuid(&village_id)?,
                    group,
                    address,
                    record_number,
                };
                Ok(LocalRecord {
                    record: household_json(&household),
                    clocks: serde_json::from_str(&clocks)?,
                    base: parse_hlc(&base)?,
                    deleted,
                })
            },
        )
        .transpose()?;
    let merged = merge_fields(w, Entity::Household, change.entity_id, local, change)?;
    if merged.record.get("village_id").is_none() {
        // A deletion of a household this device never held: nothing to keep.
        return Ok(Outcome::Known);
    }
    let h: jiayi_core::household::Household = serde_json::from_value(merged.record)?;
    let deleted_at = merged.deleted.then(|| w.now_text());
    // A household of a village this laptop has not been told of yet (the township's reference
    // data, which names the device's villages, comes after the pull): the village is kept
    // under its id until the reference data names it, so no pulled household is refused.
    let village = h.village_id.to_string();
    w.tx.execute(
        "INSERT INTO villages (id, code, name, township) VALUES (?1, ?1, ?2, '')
         ON CONFLICT DO NOTHING",
        params![village, format!("村 {}", &village[..8])],
    )?;
    w.tx.execute(
        "INSERT INTO households (id, village_id, grp, address, record_number, hlc, field_hlc, created_at, updated_at, deleted_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8, ?9)
         ON CONFLICT (id) DO UPDATE SET village_id = excluded.village_id, grp = excluded.grp, address = excluded.address,
            record_number = excluded.record_number, field_hlc = excluded.field_hlc,
            updated_at = excluded.updated_at, deleted_at = excluded.deleted_at",
        params![
            h.id.to_string(),
            h.village_id.to_string(),
            h.group,
            h.address,
            h.record_number,
            change.hlc.to_string(),
            serde_json::Value::Object(merged.clocks).to_string(),
            w.now_text(),
            deleted_at
        ],
    )?;
    Ok(Outcome::Applied { conflicts: 0 })
}

fn apply_resident(w: &mut crate::writer::Writer<'_>, change: &Change) -> Result<Outcome> {
    let local =
        w.tx.query_row(
            &format!(
                "SELECT {}, field_hlc, deleted_at IS NOT NULL AS deleted, hlc FROM residents
                 WHERE id = ?1",
                crate::households::RESIDENT_COLUMNS
            ),
            params![change.entity_id.to_string()],
            |r| {
                Ok((
                    crate::households::read_resident(r)?,
                    r.get::<_, String>("field_hlc")?,
                    r.get::<_, bool>("deleted")?,
                    r.get::<_, String>("hlc")?,
                ))
            },
        )
        .optional()?;
    let local = local
        .map(|(row, clocks, deleted, base)| -> Result<_> {
            let resident = row.into_resident()?;
            Ok(LocalRecord {
                record: resident_json(&resident, deleted),
                clocks: serde_json::from_str(&clocks)?,
                base: parse_hlc(&base)?,
                deleted,
            })
        })
        .transpose()?;
    if local.is_none() && change.op == Op::Delete {
        // A deletion of a resident this device never held: nothing to keep.
        return Ok(Outcome::Known);
    }
    let merged = merge_fields(w, Entity::Resident, change.entity_id, local, change)?;
    let mut record = merged.record;
    if let Some(o) = record.as_object_mut() {
        o.insert(DELETED.into(), serde_json::Value::Bool(merged.deleted));
    }
    let resident: Resident = serde_json::from_value(record)?;
    let now = w.now_text();
    write_resident_row(
        w,
        &resident,
        change.hlc,
        &serde_json::Value::Object(merged.clocks).to_string(),
        merged.deleted.then_some(now.as_str()),
    )?;
    Ok(Outcome::Applied { conflicts: 0 })
}

fn decode_signature(payload: &serde_json::Value, key: &str) -> Result<Option<Vec<u8>>> {
    use base64::Engine;
    match payload.get(key).and_then(|v| v.as_str()) {
        None => Ok(None),
        Some(text) => base64::engine::general_purpose::STANDARD
            .decode(text)
            .map(Some)
            .map_err(|e| StoreError::Corrupt(format!("{key}: {e}"))),
    }
}

fn exists(w: &crate::writer::Writer<'_>, table: &str, id: Uuid) -> Result<bool> {
    Ok(w.tx.query_row(
        &format!("SELECT EXISTS (SELECT 1 FROM {table} WHERE id = ?1)"),
        params![id.to_string()],
        |r| r.get(0),
    )?)
}

fn apply_contract(w: &mut crate::writer::Writer<'_>, change: &Change) -> Result<Outcome> {
    if exists(w, "contracts", change.entity_id)? {
        return Ok(Outcome::Known);
    }
    let contract: jiayi_core::contract::Contract =
        serde_json::from_value(change.payload["contract"].clone())?;
    let snapshot_json = change.payload["snapshot"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let new = crate::NewContract {
        contract,
        snapshot_json,
        resident_signature: decode_signature(&change.payload, "resident_signature")?,
        doctor_signature: decode_signature(&change.payload, "doctor_signature")?,
    };
    insert_remote(w, |w| crate::contracts::insert_contract(w, &new))?;
    Ok(Outcome::Applied { conflicts: 0 })
}

fn apply_event(w: &mut crate::writer::Writer<'_>, change: &Change) -> Result<Outcome> {
    if exists(w, "contract_events", change.entity_id)? {
        return Ok(Outcome::Known);
    }
    let event = serde_json::from_value(change.payload["event"].clone())?;
    let new = crate::NewContractEvent {
        event,
        snapshot_json: change.payload["snapshot"].as_str().map(str::to_string),
        resident_signature: decode_signature(&change.payload, "resident_signature")?,
        doctor_signature: decode_signature(&change.payload, "doctor_signature")?,
    };
    insert_remote(w, |w| crate::contracts::insert_event(w, &new))?;
    // Keep the clock value the event was written with: events apply in that order everywhere.
    w.tx.execute(
        "UPDATE contract_events SET hlc = ?1 WHERE id = ?2",
        params![change.hlc.to_string(), change.entity_id.to_string()],
    )?;
    Ok(Outcome::Applied { conflicts: 0 })
}

fn apply_visit(w: &mut crate::writer::Writer<'_>, change: &Change) -> Result<Outcome> {
    if exists(w, "visits", change.entity_id)? {
        return Ok(Outcome::Known);
    }
    let visit: jiayi_core::visit::Visit = serde_json::from_value(change.payload.clone())?;
    crate::visits::insert_visit_row(&w.tx, &visit, change.hlc)?;
    Ok(Outcome::Applied { conflicts: 0 })
}

fn apply_group_period(w: &mut crate::writer::Writer<'_>, change: &Change) -> Result<Outcome> {
    let local: Option<(String, String, String)> =
        w.tx.query_row(
            "SELECT json, field_hlc, hlc FROM group_periods WHERE id = ?1",
            params![change.entity_id.to_string()],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let local = local
        .map(|(json, clocks, base)| -> Result<_> {
            Ok(LocalRecord {
                record: serde_json::from_str(&json)?,
                clocks: serde_json::from_str(&clocks)?,
                base: parse_hlc(&base)?,
                deleted: false,
            })
        })
        .transpose()?;
    let created = match &local {
        Some(l) => l.base,
        None => change.hlc,
    };
    if local.is_none() && change.op == Op::Delete {
        return Ok(Outcome::Known);
    }
    let merged = merge_fields(w, Entity::GroupPeriod, change.entity_id, local, change)?;
    let period: jiayi_core::year::groups::GroupPeriod = serde_json::from_value(merged.record)?;
    crate::year::write_group_period_row(
        w,
        &period,
        created,
        &serde_json::Value::Object(merged.clocks).to_string(),
    )?;
    Ok(Outcome::Applied { conflicts: 0 })
}

fn apply_membership(w: &mut crate::writer::Writer<'_>, change: &Change) -> Result<Outcome> {
    if exists(w, "membership_events", change.entity_id)? {
        return Ok(Outcome::Known);
    }
    let event: jiayi_core::year::membership::MembershipEvent =
        serde_json::from_value(change.payload["event"].clone())?;
    crate::year::write_membership_row(w, &event)?;
    Ok(Outcome::Applied { conflicts: 0 })
}

fn apply_amendment(w: &mut crate::writer::Writer<'_>, change: &Change) -> Result<Outcome> {
    if exists(w, "contract_amendments", change.entity_id)? {
        return Ok(Outcome::Known);
    }
    let new = crate::year::NewAmendment {
        amendment: serde_json::from_value(change.payload["amendment"].clone())?,
        snapshot_json: change.payload["snapshot"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        resident_signature: decode_signature(&change.payload, "resident_signature")?,
        doctor_signature: decode_signature(&change.payload, "doctor_signature")?,
    };
    crate::year::write_amendment_row(w, &new)?;
    Ok(Outcome::Applied { conflicts: 0 })
}

/// Inserts a record received from elsewhere with the writers used locally, then removes the
/// outbox row they appended: a pulled record is not this device's change to push.
fn insert_remote(
    w: &mut crate::writer::Writer<'_>,
    insert: impl FnOnce(&mut crate::writer::Writer<'_>) -> Result<()>,
) -> Result<()> {
    let before: i64 =
        w.tx.query_row("SELECT COALESCE(MAX(seq), 0) FROM outbox", [], |r| r.get(0))?;
    insert(w)?;
    w.tx.execute("DELETE FROM outbox WHERE seq > ?1", params![before])?;
    Ok(())
}
