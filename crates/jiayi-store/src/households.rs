//! Households and residents: registration, reading, duplicate checks, tombstones.

use chrono::NaiveDate;
use jiayi_core::change::{Entity, Op};
use jiayi_core::hlc::Hlc;
use jiayi_core::household::{Household, Resident, ValidHousehold};
use jiayi_core::id_number::IdNumber;
use jiayi_core::person::{PopulationGroup, Relation, Sex};
use jiayi_core::phone::Phone;
use jiayi_core::record_number::{RecordNumber, RecordNumberError};
use jiayi_core::search_keys::name_keys;
use rusqlite::{OptionalExtension, Row, params};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::Store;
use crate::error::{Result, StoreError};
use crate::reference::parse_uuid;
use crate::writer::Writer;

/// A validated household ready to be stored in a village.
pub struct NewHousehold<'a> {
    pub village_id: Uuid,
    pub household: &'a ValidHousehold,
}

/// A household with its members, as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HouseholdRecord {
    pub household: Household,
    pub village_name: String,
    pub members: Vec<Resident>,
}

impl HouseholdRecord {
    pub fn head(&self) -> Option<&Resident> {
        self.members.iter().find(|m| m.relation == Relation::Head)
    }
}

#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DuplicateReason {
    /// The same ID number is already registered, anywhere.
    SameIdNumber,
    /// Someone with the same name and birth date lives in the same village.
    SameNameAndBirthDate,
}

#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DuplicateMatch {
    /// Which member of the form matched.
    pub member_index: usize,
    pub reason: DuplicateReason,
    pub resident_id: Uuid,
    pub name: String,
    pub household_id: Uuid,
    pub village: String,
}

pub(crate) const HOUSEHOLD_FIELDS: [&str; 4] = ["village_id", "group", "address", "record_number"];
const RESIDENT_FIELDS: [&str; 11] = [
    "household_id",
    "name",
    "id_number",
    "id_number_missing",
    "sex",
    "birth_date",
    "phone",
    "relation",
    "groups",
    "record_number",
    "deleted",
];

impl Store {
    /// Registers a household and its members in one transaction. Returns the stored record.
    pub fn register_household(
        &mut self,
        new: NewHousehold<'_>,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<HouseholdRecord> {
        let mut records = self.register_households(&[new], now, &mut |_, _| {})?;
        records
            .pop()
            .ok_or_else(|| StoreError::Corrupt("no household written".into()))
    }

    /// Registers many households in **one** transaction (a roster import): all of them or,
    /// on any failure, none. Each household and member is written by the same row writers
    /// as a single registration, with its outbox row. `progress(done, total)` is called
    /// after each household.
    pub fn register_households(
        &mut self,
        households: &[NewHousehold<'_>],
        now: chrono::DateTime<chrono::Utc>,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<Vec<HouseholdRecord>> {
        let mut villages = std::collections::HashMap::new();
        for new in households {
            if let std::collections::hash_map::Entry::Vacant(slot) = villages.entry(new.village_id)
            {
                slot.insert(self.village(new.village_id)?);
            }
        }
        let records: Vec<HouseholdRecord> = households
            .iter()
            .map(|new| build_record(&villages[&new.village_id], new.household))
            .collect();
        let total = records.len();
        self.write(now, |w| {
            for (done, record) in records.iter().enumerate() {
                insert_household(w, &record.household)?;
                for member in &record.members {
                    insert_resident(w, member, record.household.village_id)?;
                }
                progress(done + 1, total);
            }
            Ok(())
        })?;
        Ok(records)
    }

    /// Replaces a resident's details (name, phone, groups…); only the changed fields go to
    /// the outbox (the year's writer, `YearWrite::Resident`).
    pub fn update_resident(
        &mut self,
        resident: &Resident,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<()> {
        self.write_year(&[crate::YearWrite::Resident(resident)], now)
    }

    /// Marks a resident as removed (moved away for good, registered by mistake): a tombstone.
    pub fn delete_resident(
        &mut self,
        resident_id: Uuid,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<()> {
        let resident = self.resident(resident_id)?;
        let village_id = self.household(resident.household_id)?.household.village_id;
        self.write(now, |w| {
            let hlc = w.tick();
            let field_hlc = bump_field_clocks(&w.tx, "residents", resident_id, &["deleted".to_string()], hlc)?;
            w.tx.execute(
                "UPDATE residents SET deleted_at = ?2, field_hlc = ?3, updated_at = ?2 WHERE id = ?1",
                params![resident_id.to_string(), w.now_text(), field_hlc],
            )?;
            w.tx.execute("DELETE FROM search_keys WHERE resident_id = ?1", params![resident_id.to_string()])?;
            crate::field_history::record_local(
                w,
                Entity::Resident,
                resident_id,
                hlc,
                &["deleted".to_string()],
                &serde_json::json!({ "deleted": false }),
                &serde_json::json!({ "deleted": true }),
            )?;
            w.record_change(Entity::Resident, resident_id, Op::Delete, village_id, hlc, &["deleted"], &serde_json::Value::Null)
        })
    }

    pub fn household(&self, id: Uuid) -> Result<HouseholdRecord> {
        let row = self
            .conn
            .query_row(
                "SELECT h.id, h.village_id, h.grp, h.address, h.record_number, v.name
                 FROM households h JOIN villages v ON v.id = h.village_id
                 WHERE h.id = ?1 AND h.deleted_at IS NULL",
                params![id.to_string()],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get(2)?,
                        r.get(3)?,
                        r.get(4)?,
                        r.get(5)?,
                    ))
                },
            )
            .optional()?
            .ok_or_else(|| StoreError::NotFound {
                entity: "household",
                id: id.to_string(),
            })?;
        let household = Household {
            id: parse_uuid(&row.0)?,
            village_id: parse_uuid(&row.1)?,
            group: row.2,
            address: row.3,
            record_number: row.4,
        };
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {RESIDENT_COLUMNS} FROM residents WHERE household_id = ?1 AND deleted_at IS NULL ORDER BY relation != 'head', birth_date"
        ))?;
        let members = stmt
            .query_map(params![id.to_string()], read_resident)?
            .map(|r| r?.into_resident())
            .collect::<Result<Vec<_>>>()?;
        Ok(HouseholdRecord {
            household,
            village_name: row.5,
            members,
        })
    }

    pub fn resident(&self, id: Uuid) -> Result<Resident> {
        self.conn
            .query_row(
                &format!(
                    "SELECT {RESIDENT_COLUMNS} FROM residents WHERE id = ?1 AND deleted_at IS NULL"
                ),
                params![id.to_string()],
                read_resident,
            )
            .optional()?
            .ok_or_else(|| StoreError::NotFound {
                entity: "resident",
                id: id.to_string(),
            })?
            .into_resident()
    }

    /// Members of a form that look like people already registered.
    pub fn find_duplicates(
        &self,
        village_id: Uuid,
        household: &ValidHousehold,
    ) -> Result<Vec<DuplicateMatch>> {
        let mut found = Vec::new();
        let mut by_id = self.conn.prepare_cached(
            "SELECT r.id, r.name, r.household_id, v.name FROM residents r
             JOIN households h ON h.id = r.household_id JOIN villages v ON v.id = h.village_id
             WHERE r.id_number = ?1 AND r.deleted_at IS NULL",
        )?;
        let mut by_name = self.conn.prepare_cached(
            "SELECT r.id, r.name, r.household_id, v.name FROM residents r
             JOIN households h ON h.id = r.household_id JOIN villages v ON v.id = h.village_id
             WHERE r.name = ?1 AND r.birth_date = ?2 AND h.village_id = ?3 AND r.deleted_at IS NULL",
        )?;
        let read = |r: &Row<'_>| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
            ))
        };
        for (index, member) in household.members.iter().enumerate() {
            let mut rows = Vec::new();
            if let Some(id) = &member.id_number {
                for row in by_id.query_map(params![id.as_str()], read)? {
                    rows.push((DuplicateReason::SameIdNumber, row?));
                }
            }
            if let Some(birth) = member.birth_date {
                for row in by_name.query_map(
                    params![member.name, birth.to_string(), village_id.to_string()],
                    read,
                )? {
                    let row = row?;
                    if !rows.iter().any(|(_, r)| r.0 == row.0) {
                        rows.push((DuplicateReason::SameNameAndBirthDate, row));
                    }
                }
            }
            for (reason, (id, name, household_id, village)) in rows {
                found.push(DuplicateMatch {
                    member_index: index,
                    reason,
                    resident_id: parse_uuid(&id)?,
                    name,
                    household_id: parse_uuid(&household_id)?,
                    village,
                });
            }
        }
        Ok(found)
    }

    /// Households the device shows (see `scope`).
    pub fn household_count(&self) -> Result<u64> {
        self.count(&format!(
            "SELECT COUNT(*) FROM households h WHERE h.deleted_at IS NULL AND {}",
            crate::scope::in_scope("h")
        ))
    }

    /// Residents of the households the device shows.
    pub fn resident_count(&self) -> Result<u64> {
        self.count(&format!(
            "SELECT COUNT(*) FROM residents r JOIN households h ON h.id = r.household_id
             WHERE r.deleted_at IS NULL AND {}",
            crate::scope::in_scope("h")
        ))
    }
}

/// A new household's rows, with fresh ids. The household carries no invented record number:
/// the county's numbers are its residents' (`Resident::record_number`).
fn build_record(
    village: &jiayi_core::household::Village,
    valid: &ValidHousehold,
) -> HouseholdRecord {
    let household_id = Uuid::now_v7();
    let household = Household {
        id: household_id,
        village_id: village.id,
        group: valid.group.clone(),
        address: valid.address.clone(),
        record_number: String::new(),
    };
    let members: Vec<Resident> = valid
        .members
        .iter()
        .map(|m| Resident {
            id: Uuid::now_v7(),
            household_id,
            name: m.name.clone(),
            id_number_missing: m.id_number.is_none(),
            id_number: m.id_number.clone(),
            sex: m.sex,
            birth_date: m.birth_date,
            phone: m.phone.clone(),
            relation: m.relation,
            groups: m.groups.clone(),
            record_number: m.record_number.clone(),
        })
        .collect();
    HouseholdRecord {
        household,
        village_name: village.name.clone(),
        members,
    }
}

pub(crate) const RESIDENT_COLUMNS: &str = "id, household_id, name, id_number, id_number_missing, sex, birth_date, phone, relation, groups, record_number";

pub(crate) struct ResidentRow {
    id: String,
    household_id: String,
    name: String,
    id_number: Option<String>,
    id_number_missing: bool,
    sex: String,
    birth_date: Option<String>,
    phone: Option<String>,
    relation: String,
    groups: String,
    record_number: Option<String>,
}

pub(crate) fn read_resident(r: &Row<'_>) -> rusqlite::Result<ResidentRow> {
    Ok(ResidentRow {
        id: r.get(0)?,
        household_id: r.get(1)?,
        name: r.get(2)?,
        id_number: r.get(3)?,
        id_number_missing: r.get(4)?,
        sex: r.get(5)?,
        birth_date: r.get(6)?,
        phone: r.get(7)?,
        relation: r.get(8)?,
        groups: r.get(9)?,
        record_number: r.get(10)?,
    })
}

impl ResidentRow {
    pub(crate) fn into_resident(self) -> Result<Resident> {
        let corrupt = |what: &str, e: String| {
            StoreError::Corrupt(format!("resident {}: {what}: {e}", self.id))
        };
        let far_future = NaiveDate::MAX;
        Ok(Resident {
            id: parse_uuid(&self.id)?,
            household_id: parse_uuid(&self.household_id)?,
            id_number: self
                .id_number
                .as_deref()
                .map(|n| IdNumber::parse(n, far_future))
                .transpose()
                .map_err(|e| corrupt("id_number", e.to_string()))?,
            id_number_missing: self.id_number_missing,
            sex: from_text::<Sex>(&self.sex).map_err(|e| corrupt("sex", e))?,
            birth_date: self
                .birth_date
                .as_deref()
                .map(|d| d.parse::<NaiveDate>())
                .transpose()
                .map_err(|e| corrupt("birth_date", e.to_string()))?,
            phone: self
                .phone
                .as_deref()
                .map(Phone::parse)
                .transpose()
                .map_err(|e| corrupt("phone", e.to_string()))?,
            relation: from_text::<Relation>(&self.relation).map_err(|e| corrupt("relation", e))?,
            groups: serde_json::from_str::<Vec<PopulationGroup>>(&self.groups)
                .map_err(|e| corrupt("groups", e.to_string()))?,
            record_number: self
                .record_number
                .as_deref()
                .map(RecordNumber::parse)
                .transpose()
                .map_err(|e| corrupt("record_number", e.to_string()))?,
            name: self.name,
        })
    }
}

/// Reads a unit enum stored as its serde name.
pub(crate) fn from_text<T: for<'de> Deserialize<'de>>(
    text: &str,
) -> std::result::Result<T, String> {
    serde_json::from_value(serde_json::Value::String(text.to_string())).map_err(|e| e.to_string())
}

pub(crate) fn to_text<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        other => format!("{other:?}"),
    }
}

pub(crate) fn household_json(h: &Household) -> serde_json::Value {
    serde_json::json!({
        "id": h.id, "village_id": h.village_id, "group": h.group, "address": h.address,
        "record_number": h.record_number,
    })
}

pub(crate) fn resident_json(r: &Resident, deleted: bool) -> serde_json::Value {
    serde_json::json!({
        "id": r.id, "household_id": r.household_id, "name": r.name,
        "id_number": r.id_number, "id_number_missing": r.id_number_missing, "sex": r.sex,
        "birth_date": r.birth_date, "phone": r.phone, "relation": r.relation, "groups": r.groups,
        "record_number": r.record_number, "deleted": deleted,
    })
}

/// The resident fields that differ between two versions of a resident.
pub(crate) fn changed_resident_fields(before: &Resident, after: &Resident) -> Vec<String> {
    changed_fields(&resident_json(before, false), &resident_json(after, false))
}

fn changed_fields(before: &serde_json::Value, after: &serde_json::Value) -> Vec<String> {
    RESIDENT_FIELDS
        .iter()
        .filter(|f| before.get(**f) != after.get(**f))
        .map(|f| f.to_string())
        .collect()
}

/// Sets the clock of each changed field and returns the record's new field-clock JSON.
///
/// A record's `hlc` column is the clock of its creation, and `field_hlc` holds only the fields
/// changed since, so an untouched record carries one clock, not one per field.
pub(crate) fn bump_field_clocks(
    tx: &rusqlite::Transaction<'_>,
    table: &str,
    id: Uuid,
    fields: &[String],
    hlc: Hlc,
) -> Result<String> {
    let current: String = tx.query_row(
        &format!("SELECT field_hlc FROM {table} WHERE id = ?1"),
        params![id.to_string()],
        |r| r.get(0),
    )?;
    let mut map: serde_json::Map<String, serde_json::Value> = serde_json::from_str(&current)?;
    for f in fields {
        map.insert(f.clone(), serde_json::Value::String(hlc.to_string()));
    }
    Ok(serde_json::Value::Object(map).to_string())
}

pub(crate) fn insert_household(w: &mut Writer<'_>, h: &Household) -> Result<()> {
    let hlc = w.tick();
    w.tx.execute(
        "INSERT INTO households (id, village_id, grp, address, record_number, hlc, field_hlc, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)",
        params![
            h.id.to_string(),
            h.village_id.to_string(),
            h.group,
            h.address,
            h.record_number,
            hlc.to_string(),
            "{}",
            w.now_text()
        ],
    )?;
    w.record_change(
        Entity::Household,
        h.id,
        Op::Upsert,
        h.village_id,
        hlc,
        &HOUSEHOLD_FIELDS,
        &household_json(h),
    )
}

/// Rewrites a household row with its new field clocks (a local edit).
pub(crate) fn write_household_row(w: &Writer<'_>, h: &Household, field_hlc: &str) -> Result<()> {
    w.tx.execute(
        "UPDATE households SET village_id = ?2, grp = ?3, address = ?4, record_number = ?5,
             field_hlc = ?6, updated_at = ?7 WHERE id = ?1",
        params![
            h.id.to_string(),
            h.village_id.to_string(),
            h.group,
            h.address,
            h.record_number,
            field_hlc,
            w.now_text()
        ],
    )?;
    Ok(())
}

pub(crate) fn insert_resident(w: &mut Writer<'_>, r: &Resident, village_id: Uuid) -> Result<()> {
    check_record_number_free(&w.tx, r)?;
    let hlc = w.tick();
    write_resident_row(w, r, hlc, "{}", None)?;
    w.record_change(
        Entity::Resident,
        r.id,
        Op::Upsert,
        village_id,
        hlc,
        &RESIDENT_FIELDS,
        &resident_json(r, false),
    )
}

/// Writes a resident row (local edits and changes pulled from other devices). `hlc` is the
/// creation clock and is kept when the row exists already.
pub(crate) fn write_resident_row(
    w: &Writer<'_>,
    r: &Resident,
    hlc: Hlc,
    field_hlc: &str,
    deleted_at: Option<&str>,
) -> Result<()> {
    w.tx.execute(
        "INSERT INTO residents (id, household_id, name, id_number, id_number_missing, sex, birth_date, phone,
                                relation, groups, hlc, field_hlc, created_at, updated_at, deleted_at, record_number)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?13, ?14, ?15)
         ON CONFLICT (id) DO UPDATE SET household_id = excluded.household_id, name = excluded.name,
            id_number = excluded.id_number, id_number_missing = excluded.id_number_missing, sex = excluded.sex,
            birth_date = excluded.birth_date, phone = excluded.phone, relation = excluded.relation,
            groups = excluded.groups, field_hlc = excluded.field_hlc,
            updated_at = excluded.updated_at, deleted_at = excluded.deleted_at,
            record_number = excluded.record_number",
        params![
            r.id.to_string(),
            r.household_id.to_string(),
            r.name,
            r.id_number.as_ref().map(|n| n.as_str().to_string()),
            r.id_number_missing,
            to_text(&r.sex),
            r.birth_date.map(|d| d.to_string()),
            r.phone.as_ref().map(|p| p.as_str().to_string()),
            to_text(&r.relation),
            serde_json::to_string(&r.groups)?,
            hlc.to_string(),
            field_hlc,
            w.now_text(),
            deleted_at,
            r.record_number.as_ref().map(|n| n.as_str().to_string()),
        ],
    )?;
    w.tx.execute(
        "DELETE FROM search_keys WHERE resident_id = ?1",
        params![r.id.to_string()],
    )?;
    if deleted_at.is_none() {
        write_search_keys(&w.tx, r)?;
    }
    Ok(())
}

pub(crate) fn write_search_keys(tx: &rusqlite::Transaction<'_>, r: &Resident) -> Result<()> {
    let mut stmt =
        tx.prepare_cached("INSERT OR IGNORE INTO search_keys (key, resident_id) VALUES (?1, ?2)")?;
    let id = r.id.to_string();
    for key in name_keys(&r.name) {
        stmt.execute(params![key, id])?;
    }
    if let Some(number) = &r.id_number {
        stmt.execute(params![number.as_str(), id])?;
    }
    if let Some(phone) = &r.phone {
        stmt.execute(params![phone.digits(), id])?;
    }
    if let Some(number) = &r.record_number {
        stmt.execute(params![number.as_str(), id])?;
    }
    Ok(())
}

/// Refuses a local write that gives a resident a health-record number another live resident
/// holds. Pulled changes are not checked: the township's record is stored as it comes.
pub(crate) fn check_record_number_free(tx: &rusqlite::Transaction<'_>, r: &Resident) -> Result<()> {
    let Some(number) = &r.record_number else {
        return Ok(());
    };
    let other: Option<String> = tx
        .query_row(
            "SELECT id FROM residents WHERE record_number = ?1 AND id != ?2 AND deleted_at IS NULL LIMIT 1",
            params![number.as_str(), r.id.to_string()],
            |row| row.get(0),
        )
        .optional()?;
    match other {
        Some(_) => Err(StoreError::Domain(jiayi_core::CoreError::RecordNumber(
            RecordNumberError::Taken(number.to_string()),
        ))),
        None => Ok(()),
    }
}

/// A resident as lists need them: who, where, which groups.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResidentBrief {
    pub id: Uuid,
    pub name: String,
    pub birth_date: Option<NaiveDate>,
    pub groups: Vec<PopulationGroup>,
    pub household_id: Uuid,
    pub village_id: Uuid,
    pub village: String,
}

impl Store {
    /// Every resident, briefly (for work lists and indicators).
    pub fn residents_brief(&self) -> Result<Vec<ResidentBrief>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT r.id, r.name, r.birth_date, r.groups, r.household_id, h.village_id, v.name
             FROM residents r JOIN households h ON h.id = r.household_id JOIN villages v ON v.id = h.village_id
             WHERE r.deleted_at IS NULL AND h.deleted_at IS NULL AND {}",
            crate::scope::in_scope("h")
        ))?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, String>(6)?,
            ))
        })?;
        rows.map(|row| {
            let (id, name, birth, groups, household, village_id, village) = row?;
            Ok(ResidentBrief {
                id: parse_uuid(&id)?,
                name,
                birth_date: birth
                    .map(|b| b.parse())
                    .transpose()
                    .map_err(|e| StoreError::Corrupt(format!("birth date: {e}")))?,
                groups: if groups == "[]" {
                    Vec::new()
                } else {
                    serde_json::from_str(&groups)?
                },
                household_id: parse_uuid(&household)?,
                village_id: parse_uuid(&village_id)?,
                village,
            })
        })
        .collect()
    }
}
