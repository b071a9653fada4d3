//! Who changed which field of a resident or a household, to what, and when (`field_changes`,
//! migration V7): one insert-only row per field a change named, written in the change's own
//! transaction, for local edits and for changes pulled from other devices alike.
//!
//! A record's creation is its registration and writes no rows; each row keeps the value this
//! device held before it, so the first change of a field still shows what was registered.
//! The values are personal data and stay here, in the encrypted store: the audit log names
//! records by id only.

use chrono::{DateTime, Utc};
use jiayi_core::change::Entity;
use jiayi_core::hlc::Hlc;
use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::Store;
use crate::error::{Result, StoreError};
use crate::reference::parse_uuid;
use crate::writer::Writer;

/// Where a recorded change came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeOrigin {
    /// Made on this device.
    Local,
    /// Made on another device and pulled from the township.
    Pulled,
}

/// One field of one record changed, as kept.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldChange {
    /// `resident` or `household`.
    pub entity: String,
    pub entity_id: Uuid,
    /// The resident's name today (none for a household, or a resident no longer stored).
    pub subject_name: Option<String>,
    /// The field's key as the change carries it (`phone`, `name`, `address`…).
    pub field: String,
    pub value: serde_json::Value,
    /// What this device held before the change; none when it did not know.
    pub old_value: Option<serde_json::Value>,
    pub hlc: Hlc,
    /// When the change was made, by its own device's clock (the clock's wall time).
    pub at: DateTime<Utc>,
    pub device_id: Uuid,
    /// The doctor enrolled on the device that made it, when known.
    pub actor_id: Option<String>,
    /// That doctor's name, when a team this device knows lists them.
    pub actor_name: Option<String>,
    pub origin: ChangeOrigin,
    /// The value became the record's when the change was applied (it won the merge).
    pub took_effect: bool,
    /// The value is the record's now: the latest change of this field by the sync clock.
    pub in_force: bool,
}

/// One field's change as a writer records it.
pub(crate) struct FieldWrite<'a> {
    pub field: &'a str,
    pub value: &'a serde_json::Value,
    pub old_value: Option<&'a serde_json::Value>,
    pub took_effect: bool,
}

/// Records the fields a change named, in the caller's transaction. A row already kept for the
/// same record, field and clock (a change pulled twice) is left as it is.
pub(crate) fn record(
    w: &Writer<'_>,
    entity: Entity,
    entity_id: Uuid,
    hlc: Hlc,
    device_id: Uuid,
    origin: ChangeOrigin,
    fields: &[FieldWrite<'_>],
) -> Result<()> {
    if fields.is_empty() {
        return Ok(());
    }
    let actor: Option<String> = match origin {
        ChangeOrigin::Local => {
            w.tx.query_row("SELECT doctor_id FROM enrollment", [], |r| r.get(0))
                .optional()?
        }
        ChangeOrigin::Pulled => None,
    };
    // The name too, so a doctor who later leaves the team is still named.
    let actor_name = match &actor {
        Some(id) => doctor_names(&w.tx)?.remove(id),
        None => None,
    };
    let mut stmt = w.tx.prepare_cached(
        "INSERT OR IGNORE INTO field_changes (entity, entity_id, field, value, old_value, hlc,
             device_id, actor, actor_name, took_effect, origin, recorded_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    )?;
    for f in fields {
        stmt.execute(params![
            entity.as_str(),
            entity_id.to_string(),
            f.field,
            f.value.to_string(),
            f.old_value.map(|v| v.to_string()),
            hlc.to_string(),
            device_id.to_string(),
            actor,
            actor_name,
            f.took_effect,
            match origin {
                ChangeOrigin::Local => "local",
                ChangeOrigin::Pulled => "pulled",
            },
            w.now_text(),
        ])?;
    }
    Ok(())
}

/// Records a local edit: each changed field with the value before and after.
pub(crate) fn record_local(
    w: &Writer<'_>,
    entity: Entity,
    entity_id: Uuid,
    hlc: Hlc,
    changed: &[String],
    before: &serde_json::Value,
    after: &serde_json::Value,
) -> Result<()> {
    let null = serde_json::Value::Null;
    let writes: Vec<FieldWrite<'_>> = changed
        .iter()
        .map(|f| FieldWrite {
            field: f,
            value: after.get(f).unwrap_or(&null),
            old_value: Some(before.get(f).unwrap_or(&null)),
            took_effect: true,
        })
        .collect();
    record(
        w,
        entity,
        entity_id,
        hlc,
        hlc.device,
        ChangeOrigin::Local,
        &writes,
    )
}

impl Store {
    /// The field changes of a household and of every resident ever in it (members now, those
    /// who left, those removed), newest first by the sync clock.
    pub fn field_history_of_household(&self, household_id: Uuid) -> Result<Vec<FieldChange>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT f.entity, f.entity_id, r.name, f.field, f.value, f.old_value, f.hlc,
                    f.device_id, f.actor, f.actor_name, f.origin, f.took_effect
             FROM field_changes f LEFT JOIN residents r ON f.entity = 'resident' AND r.id = f.entity_id
             WHERE (f.entity = 'household' AND f.entity_id = ?1)
                OR (f.entity = 'resident' AND f.entity_id IN (
                       SELECT id FROM residents WHERE household_id = ?1
                       UNION SELECT resident_id FROM membership_events WHERE household_id = ?1))
             ORDER BY f.hlc DESC, f.field",
        )?;
        let rows = stmt.query_map(params![household_id.to_string()], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, Option<String>>(5)?,
                r.get::<_, String>(6)?,
                r.get::<_, String>(7)?,
                r.get::<_, Option<String>>(8)?,
                r.get::<_, Option<String>>(9)?,
                r.get::<_, String>(10)?,
                r.get::<_, bool>(11)?,
            ))
        })?;
        let names = doctor_names(&self.conn)?;
        let mut seen = std::collections::HashSet::new();
        rows.map(|row| {
            let (entity, id, subject, field, value, old, hlc, device, actor, named, origin, took) =
                row?;
            let hlc: Hlc = hlc
                .parse()
                .map_err(|e: jiayi_core::hlc::HlcParseError| StoreError::Corrupt(e.to_string()))?;
            // Newest first: the first row of a record's field is the one in force.
            let in_force = seen.insert((id.clone(), field.clone()));
            let at = DateTime::<Utc>::from_timestamp_millis(hlc.wall_ms as i64)
                .ok_or_else(|| StoreError::Corrupt(format!("clock {hlc} has no time")))?;
            Ok(FieldChange {
                entity,
                entity_id: parse_uuid(&id)?,
                subject_name: subject,
                field,
                value: serde_json::from_str(&value)?,
                old_value: old.map(|o| serde_json::from_str(&o)).transpose()?,
                hlc,
                at,
                device_id: parse_uuid(&device)?,
                actor_name: actor.as_ref().and_then(|a| names.get(a).cloned()).or(named),
                actor_id: actor,
                origin: if origin == "pulled" {
                    ChangeOrigin::Pulled
                } else {
                    ChangeOrigin::Local
                },
                took_effect: took,
                in_force,
            })
        })
        .collect()
    }
}

/// Doctors' names by id, from the teams this device knows.
fn doctor_names(conn: &rusqlite::Connection) -> Result<std::collections::HashMap<String, String>> {
    let mut stmt = conn.prepare_cached("SELECT json FROM teams")?;
    let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
    let mut names = std::collections::HashMap::new();
    for json in rows {
        let team: jiayi_core::household::Team = serde_json::from_str(&json?)?;
        names.extend(team.members.into_iter().map(|m| (m.id.to_string(), m.name)));
    }
    Ok(names)
}
