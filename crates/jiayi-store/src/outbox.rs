//! The outbox (what sync pushes) and the application of changes pulled from the township.

use chrono::{DateTime, Utc};
use jiayi_core::change::{Change, Entity, Op};
use jiayi_core::hlc::Hlc;
use jiayi_core::household::Resident;
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
    /// Fields where another value won; the losing value is in the conflict log.
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

    /// Applies changes made on other devices. A record with local changes not yet pushed is
    /// never overwritten: the change is deferred (the server will send the settled state after
    /// this device's push). Otherwise each field takes the value with the later clock, and the
    /// loser is kept in the conflict log when both sides had changed it.
    pub fn apply_remote(&mut self, changes: &[Change], now: DateTime<Utc>) -> Result<ApplyReport> {
        let device_id = self.device_id;
        self.write(now, |w| {
            let mut report = ApplyReport::default();
            for change in changes {
                if change.device_id == device_id {
                    report.skipped += 1;
                    continue;
                }
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

/// A record as stored: its fields, the clocks of fields changed since creation, and the
/// creation clock that every other field carries.
struct LocalRecord {
    record: serde_json::Value,
    clocks: serde_json::Map<String, serde_json::Value>,
    base: Hlc,
}

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

/// Field-level merge: for each field the change set, the later clock wins.
fn merge_fields(
    w: &crate::writer::Writer<'_>,
    entity: Entity,
    entity_id: Uuid,
    local: Option<LocalRecord>,
    change: &Change,
) -> Result<(
    serde_json::Value,
    serde_json::Map<String, serde_json::Value>,
    u32,
)> {
    let Some(LocalRecord {
        mut record,
        mut clocks,
        base,
    }) = local
    else {
        return Ok((change.payload.clone(), serde_json::Map::new(), 0));
    };
    let mut conflicts = 0;
    // Residents' and households' fields are kept in their history, whichever value wins.
    let keeps_history = matches!(entity, Entity::Resident | Entity::Household);
    let mut history: Vec<(String, serde_json::Value, serde_json::Value, bool)> = Vec::new();
    for field in &change.fields {
        let local_clock: Option<Hlc> = clocks
            .get(field)
            .and_then(|v| v.as_str())
            .and_then(|s| s.parse().ok())
            .or(Some(base));
        let remote_value = change
            .payload
            .get(field)
            .cloned()
            .unwrap_or(serde_json::Value::Null);
        let local_value = record
            .get(field)
            .cloned()
            .unwrap_or(serde_json::Value::Null);
        if local_value == remote_value {
            if keeps_history {
                history.push((field.clone(), remote_value, local_value, true));
            }
            continue;
        }
        let remote_wins = local_clock.is_none_or(|c| change.hlc > c);
        if keeps_history {
            history.push((
                field.clone(),
                remote_value.clone(),
                local_value.clone(),
                remote_wins,
            ));
        }
        let (kept, lost, kept_clock, lost_clock) = if remote_wins {
            (
                remote_value.clone(),
                local_value,
                change.hlc.to_string(),
                local_clock.map(|c| c.to_string()).unwrap_or_default(),
            )
        } else {
            (
                local_value,
                remote_value.clone(),
                local_clock.map(|c| c.to_string()).unwrap_or_default(),
                change.hlc.to_string(),
            )
        };
        if local_clock.is_some() {
            conflicts += 1;
            w.tx.execute(
                "INSERT INTO conflicts (id, entity, entity_id, field, kept_value, lost_value, kept_hlc, lost_hlc, detected_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![
                    Uuid::now_v7().to_string(),
                    entity.as_str(),
                    entity_id.to_string(),
                    field,
                    kept.to_string(),
                    lost.to_string(),
                    kept_clock,
                    lost_clock,
                    w.now_text()
                ],
            )?;
        }
        if remote_wins {
            if let Some(obj) = record.as_object_mut() {
                obj.insert(field.clone(), remote_value);
            }
            clocks.insert(
                field.clone(),
                serde_json::Value::String(change.hlc.to_string()),
            );
        }
    }
    let writes: Vec<FieldWrite<'_>> = history
        .iter()
        .map(|(field, value, old, took_effect)| FieldWrite {
            field,
            value,
            old_value: Some(old),
            took_effect: *took_effect,
        })
        .collect();
    field_history::record(
        w,
        entity,
        entity_id,
        change.hlc,
        change.device_id,
        ChangeOrigin::Pulled,
        &writes,
    )?;
    Ok((record, clocks, conflicts))
}

fn apply_household(w: &mut crate::writer::Writer<'_>, change: &Change) -> Result<Outcome> {
    let id = change.entity_id.to_string();
    type Row = (String, String, String, String, String, String, String);
    let local: Option<Row> = w
        .tx
        .query_row(
            "SELECT id, village_id, grp, address, record_number, field_hlc, hlc FROM households WHERE id = ?1",
            params![id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?)),
        )
        .optional()?;
    let local = local
        .map(
            |(id, village_id, group, address, record_number, clocks, base)| -> Result<_> {
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
                })
            },
        )
        .transpose()?;
    let (record, clocks, conflicts) =
        merge_fields(w, Entity::Household, change.entity_id, local, change)?;
    let h: jiayi_core::household::Household = serde_json::from_value(record)?;
    let deleted_at = (change.op == Op::Delete).then(|| w.now_text());
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
            serde_json::Value::Object(clocks).to_string(),
            w.now_text(),
            deleted_at
        ],
    )?;
    Ok(Outcome::Applied { conflicts })
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
            })
        })
        .transpose()?;
    if change.op == Op::Delete {
        let Some(LocalRecord {
            mut record,
            mut clocks,
            ..
        }) = local
        else {
            return Ok(Outcome::Known);
        };
        let was_deleted = record.get("deleted") == Some(&serde_json::Value::Bool(true));
        if let Some(obj) = record.as_object_mut() {
            obj.insert("deleted".into(), serde_json::Value::Bool(true));
        }
        clocks.insert(
            "deleted".into(),
            serde_json::Value::String(change.hlc.to_string()),
        );
        let resident: Resident = serde_json::from_value(record)?;
        let now = w.now_text();
        write_resident_row(
            w,
            &resident,
            change.hlc,
            &serde_json::Value::Object(clocks).to_string(),
            Some(&now),
        )?;
        field_history::record(
            w,
            Entity::Resident,
            change.entity_id,
            change.hlc,
            change.device_id,
            ChangeOrigin::Pulled,
            &[FieldWrite {
                field: "deleted",
                value: &serde_json::Value::Bool(true),
                old_value: Some(&serde_json::Value::Bool(was_deleted)),
                took_effect: true,
            }],
        )?;
        return Ok(Outcome::Applied { conflicts: 0 });
    }
    let (record, clocks, conflicts) =
        merge_fields(w, Entity::Resident, change.entity_id, local, change)?;
    let deleted = record
        .get("deleted")
        .and_then(|v| v.as_bool())
        .unwrap_or(false);
    let resident: Resident = serde_json::from_value(record)?;
    let now = w.now_text();
    write_resident_row(
        w,
        &resident,
        change.hlc,
        &serde_json::Value::Object(clocks).to_string(),
        deleted.then_some(now.as_str()),
    )?;
    Ok(Outcome::Applied { conflicts })
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
            })
        })
        .transpose()?;
    let created = match &local {
        Some(l) => l.base,
        None => change.hlc,
    };
    let (record, clocks, conflicts) =
        merge_fields(w, Entity::GroupPeriod, change.entity_id, local, change)?;
    let period: jiayi_core::year::groups::GroupPeriod = serde_json::from_value(record)?;
    crate::year::write_group_period_row(
        w,
        &period,
        created,
        &serde_json::Value::Object(clocks).to_string(),
    )?;
    Ok(Outcome::Applied { conflicts })
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
