//! A household's year as stored: group periods, membership events and contract amendments.
//!
//! What these records mean is decided in `jiayi_core::year`; here they are written (one
//! transaction per operation, each record with its outbox row and audit entry) and read back.
//! Membership events and amendments are inserted once; a group period is inserted once and
//! later only given its end, field by field like a resident.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use chrono::{DateTime, NaiveDate, Utc};
use jiayi_core::change::{Entity, Op};
use jiayi_core::household::{Household, Resident};
use jiayi_core::year::amendment::{Amendment, MemberCoverage, covered_on};
use jiayi_core::year::groups::GroupPeriod;
use jiayi_core::year::membership::{MembershipChange, MembershipEvent, events_or_registration};
use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::Store;
use crate::error::{Result, StoreError};
use crate::households::{
    bump_field_clocks, household_json, resident_json, write_household_row, write_resident_row,
};
use crate::reference::parse_uuid;
use crate::writer::{Writer, village_of_household};

/// An amendment with its frozen snapshot and the signatures drawn for it.
#[derive(Debug, Clone, PartialEq)]
pub struct NewAmendment {
    pub amendment: Amendment,
    /// Canonical AmendmentSnapshot JSON; its SHA-256 is `amendment.snapshot_sha256`.
    pub snapshot_json: String,
    pub resident_signature: Option<Vec<u8>>,
    pub doctor_signature: Option<Vec<u8>>,
}

/// An amendment as stored, with its snapshot (for viewing and printing).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AmendmentRecord {
    pub amendment: Amendment,
    pub snapshot_json: String,
    pub resident_signature: Option<Vec<u8>>,
    pub doctor_signature: Option<Vec<u8>>,
}

/// One record an operation writes. An operation's records go in one transaction, in order.
#[derive(Clone, Copy)]
pub enum YearWrite<'a> {
    /// A new dated group.
    GroupPeriod(&'a GroupPeriod),
    /// The end (last day in force) given to a group period already stored.
    GroupPeriodEnd {
        id: Uuid,
        end: NaiveDate,
    },
    Membership(&'a MembershipEvent),
    Amendment(&'a NewAmendment),
    /// A new resident (a newborn, a spouse) in a household already registered.
    NewResident(&'a Resident),
    /// A resident's fields as they now are (only the changed fields are sent).
    Resident(&'a Resident),
    /// A household's fields as they now are (moved, renamed group, new address).
    Household(&'a Household),
    /// A household split off another (分户).
    NewHousehold(&'a Household),
    /// What follows for a contract (a termination when the household moves to another team).
    ContractEvent(&'a crate::NewContractEvent),
}

const GROUP_PERIOD_FIELDS: [&str; 6] = ["resident_id", "group", "basis", "start", "end", "id"];

impl Store {
    /// Writes the records of one operation in one transaction: all or nothing.
    pub fn write_year(&mut self, writes: &[YearWrite<'_>], now: DateTime<Utc>) -> Result<()> {
        self.write(now, |w| {
            for write in writes {
                match *write {
                    YearWrite::GroupPeriod(p) => insert_group_period(w, p)?,
                    YearWrite::GroupPeriodEnd { id, end } => end_group_period(w, id, end)?,
                    YearWrite::Membership(e) => insert_membership(w, e)?,
                    YearWrite::Amendment(a) => insert_amendment(w, a)?,
                    YearWrite::NewResident(r) => {
                        let village = village_of_household(w, r.household_id)?;
                        crate::households::insert_resident(w, r, village)?
                    }
                    YearWrite::Resident(r) => update_resident(w, r)?,
                    YearWrite::Household(h) => update_household(w, h)?,
                    YearWrite::NewHousehold(h) => crate::households::insert_household(w, h)?,
                    YearWrite::ContractEvent(e) => crate::contracts::insert_event(w, e)?,
                }
            }
            Ok(())
        })
    }

    /// A resident's group periods, oldest first.
    pub fn group_periods_of(&self, resident_id: Uuid) -> Result<Vec<GroupPeriod>> {
        self.read_json(
            "SELECT json FROM group_periods WHERE resident_id = ?1 ORDER BY start_on, id",
            &resident_id.to_string(),
        )
    }

    /// Every group period of the store.
    pub fn all_group_periods(&self) -> Result<Vec<GroupPeriod>> {
        self.read_json(
            "SELECT json FROM group_periods WHERE ?1 = ?1 ORDER BY resident_id, start_on, id",
            "",
        )
    }

    /// A resident's membership events, in the order they take effect.
    pub fn membership_of(&self, resident_id: Uuid) -> Result<Vec<MembershipEvent>> {
        self.read_json(
            "SELECT json FROM membership_events WHERE resident_id = ?1 ORDER BY effective_on, hlc",
            &resident_id.to_string(),
        )
    }

    /// The membership events of everyone who ever belonged to a household: its residents now
    /// and those whose events name it.
    pub fn membership_of_household(&self, household_id: Uuid) -> Result<Vec<MembershipEvent>> {
        self.read_json(
            "SELECT json FROM membership_events WHERE resident_id IN (
                 SELECT id FROM residents WHERE household_id = ?1
                 UNION SELECT resident_id FROM membership_events WHERE household_id = ?1)
             ORDER BY effective_on, hlc",
            &household_id.to_string(),
        )
    }

    /// Everyone who ever belonged to a household, by their membership events; a resident with
    /// none recorded joined on their birth date (the register's implicit join). What
    /// `covered_on` and `members_on` read for the household.
    pub fn household_membership(&self, household_id: Uuid) -> Result<Vec<MembershipEvent>> {
        let residents = self.residents_of_household_ever(household_id)?;
        let recorded = self.membership_of_household(household_id)?;
        Ok(residents
            .iter()
            .flat_map(|r| events_or_registration(&recorded, r.id, r.household_id, r.birth_date))
            .collect())
    }

    pub fn all_membership_events(&self) -> Result<Vec<MembershipEvent>> {
        self.read_json(
            "SELECT json FROM membership_events WHERE ?1 = ?1 ORDER BY resident_id, effective_on, hlc",
            "",
        )
    }

    /// A contract's amendments, in the order they take effect.
    pub fn amendments_of(&self, contract_id: Uuid) -> Result<Vec<Amendment>> {
        self.read_json(
            "SELECT json FROM contract_amendments WHERE contract_id = ?1 ORDER BY effective_on, hlc",
            &contract_id.to_string(),
        )
    }

    /// The amendments concerning a resident, under any contract.
    pub fn amendments_of_resident(&self, resident_id: Uuid) -> Result<Vec<Amendment>> {
        self.read_json(
            "SELECT json FROM contract_amendments WHERE resident_id = ?1 ORDER BY effective_on, hlc",
            &resident_id.to_string(),
        )
    }

    pub fn all_amendments(&self) -> Result<Vec<Amendment>> {
        self.read_json(
            "SELECT json FROM contract_amendments WHERE ?1 = ?1 ORDER BY contract_id, effective_on, hlc",
            "",
        )
    }

    /// One amendment with its frozen snapshot and signatures.
    pub fn amendment(&self, id: Uuid) -> Result<AmendmentRecord> {
        let row = self
            .conn
            .query_row(
                "SELECT json, snapshot, resident_signature, doctor_signature
                 FROM contract_amendments WHERE id = ?1",
                params![id.to_string()],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, Option<Vec<u8>>>(2)?,
                        r.get::<_, Option<Vec<u8>>>(3)?,
                    ))
                },
            )
            .optional()?
            .ok_or_else(|| StoreError::NotFound {
                entity: "amendment",
                id: id.to_string(),
            })?;
        Ok(AmendmentRecord {
            amendment: serde_json::from_str(&row.0)?,
            snapshot_json: row.1,
            resident_signature: row.2,
            doctor_signature: row.3,
        })
    }

    /// A resident as stored, whether or not they are still a member anywhere (the history of a
    /// resident who died or moved away stays readable).
    pub fn residents_of_household_ever(&self, household_id: Uuid) -> Result<Vec<Resident>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {} FROM residents WHERE deleted_at IS NULL AND (household_id = ?1 OR id IN
                 (SELECT resident_id FROM membership_events WHERE household_id = ?1))
             ORDER BY relation != 'head', birth_date",
            crate::households::RESIDENT_COLUMNS
        ))?;
        stmt.query_map(
            params![household_id.to_string()],
            crate::households::read_resident,
        )?
        .map(|r| r?.into_resident())
        .collect()
    }

    /// Every contract that ever named a resident: signed with them or amended for them.
    pub fn contract_ids_of_resident(&self, resident_id: Uuid) -> Result<Vec<Uuid>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT contract_id FROM contract_members WHERE resident_id = ?1
             UNION SELECT contract_id FROM contract_amendments WHERE resident_id = ?1",
        )?;
        let rows = stmt.query_map(params![resident_id.to_string()], |r| r.get::<_, String>(0))?;
        rows.map(|id| parse_uuid(&id?)).collect()
    }

    /// Who each contract touched by the year's records (amendments, members joining or
    /// leaving its household) covers on a day, with the packages owed: the core's
    /// `covered_on`. Contracts not listed cover their signed members as signed.
    pub fn coverage_by_year_on(
        &self,
        day: NaiveDate,
        household: Option<Uuid>,
    ) -> Result<std::collections::HashMap<Uuid, Vec<MemberCoverage>>> {
        let mut of_household = self
            .conn
            .prepare_cached("SELECT id FROM contracts WHERE household_id = ?1")?;
        self.coverage_with(
            day,
            household,
            |h| {
                let ids =
                    of_household.query_map(params![h.to_string()], |r| r.get::<_, String>(0))?;
                ids.map(|id| parse_uuid(&id?)).collect()
            },
            |id| self.contract(id).map(std::borrow::Cow::Owned),
        )
    }

    /// As [`Store::coverage_by_year_on`] for the whole township, from every contract already
    /// read ([`Store::all_contracts`]) rather than each touched one read again.
    pub fn coverage_by_year_among(
        &self,
        day: NaiveDate,
        contracts: &[crate::ContractRecord],
    ) -> Result<std::collections::HashMap<Uuid, Vec<MemberCoverage>>> {
        let mut by_id = std::collections::HashMap::new();
        let mut by_household: std::collections::HashMap<Uuid, Vec<Uuid>> =
            std::collections::HashMap::new();
        for record in contracts {
            by_id.insert(record.contract.id, record);
            by_household
                .entry(record.contract.household_id)
                .or_default()
                .push(record.contract.id);
        }
        self.coverage_with(
            day,
            None,
            |h| Ok(by_household.get(&h).cloned().unwrap_or_default()),
            |id| {
                by_id
                    .get(&id)
                    .map(|r| std::borrow::Cow::Borrowed(*r))
                    .ok_or_else(|| StoreError::NotFound {
                        entity: "contract",
                        id: id.to_string(),
                    })
            },
        )
    }

    /// The year's coverage, with the contracts of a household and a contract by id found by
    /// the caller (queried one by one, or looked up among those already read).
    fn coverage_with<'c>(
        &self,
        day: NaiveDate,
        household: Option<Uuid>,
        mut contracts_of: impl FnMut(Uuid) -> Result<Vec<Uuid>>,
        contract: impl Fn(Uuid) -> Result<std::borrow::Cow<'c, crate::ContractRecord>>,
    ) -> Result<std::collections::HashMap<Uuid, Vec<MemberCoverage>>> {
        let amendments = self.all_amendments()?;
        let membership = self.all_membership_events()?;
        let mut households: std::collections::BTreeSet<Uuid> =
            membership.iter().map(|e| e.household_id).collect();
        // Only ids are needed here: the household of each resident an event names, and the
        // contracts of each household (read whole below, once each).
        let mut home = self.conn.prepare_cached(
            "SELECT household_id FROM residents WHERE id = ?1 AND deleted_at IS NULL",
        )?;
        for e in &membership {
            let found: Option<String> = home
                .query_row(params![e.resident_id.to_string()], |r| r.get(0))
                .optional()?;
            if let Some(Ok(h)) = found.as_deref().map(parse_uuid) {
                households.insert(h);
            }
        }
        let mut concerned: std::collections::BTreeSet<Uuid> =
            amendments.iter().map(|a| a.contract_id).collect();
        for h in &households {
            concerned.extend(contracts_of(*h)?);
        }
        let mut out = std::collections::HashMap::new();
        let mut memberships: std::collections::HashMap<Uuid, Vec<MembershipEvent>> =
            std::collections::HashMap::new();
        for id in concerned {
            let record = contract(id)?;
            let home = record.contract.household_id;
            if household.is_some_and(|h| h != home) {
                continue;
            }
            let events = match memberships.entry(home) {
                std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
                std::collections::hash_map::Entry::Vacant(e) => {
                    e.insert(self.household_membership(home)?)
                }
            };
            let own: Vec<Amendment> = amendments
                .iter()
                .filter(|a| a.contract_id == id)
                .cloned()
                .collect();
            out.insert(
                id,
                covered_on(&record.contract, &record.events, &own, events, day),
            );
        }
        Ok(out)
    }

    /// Who holds an ID number in the register, if anyone: (resident id, name).
    pub fn resident_with_id_number(&self, id_number: &str) -> Result<Option<(Uuid, String)>> {
        self.conn
            .query_row(
                "SELECT id, name FROM residents WHERE id_number = ?1 AND deleted_at IS NULL LIMIT 1",
                params![id_number],
                |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)),
            )
            .optional()?
            .map(|(id, name)| Ok((parse_uuid(&id)?, name)))
            .transpose()
    }

    fn read_json<T: for<'de> Deserialize<'de>>(&self, sql: &str, arg: &str) -> Result<Vec<T>> {
        let mut stmt = self.conn.prepare_cached(sql)?;
        let rows = stmt.query_map(params![arg], |r| r.get::<_, String>(0))?;
        rows.map(|json| Ok(serde_json::from_str(&json?)?)).collect()
    }
}

fn village_of_resident(w: &Writer<'_>, resident_id: Uuid) -> Result<Uuid> {
    let household: String =
        w.tx.query_row(
            "SELECT household_id FROM residents WHERE id = ?1",
            params![resident_id.to_string()],
            |r| r.get(0),
        )
        .optional()?
        .ok_or_else(|| StoreError::NotFound {
            entity: "resident",
            id: resident_id.to_string(),
        })?;
    village_of_household(w, parse_uuid(&household)?)
}

/// The record as synced: the core type's own JSON.
pub(crate) fn group_period_json(p: &GroupPeriod) -> Result<serde_json::Value> {
    Ok(serde_json::to_value(p)?)
}

/// Writes a group period row (local or pulled). `hlc` is the creation clock, kept when the row
/// exists already.
pub(crate) fn write_group_period_row(
    w: &Writer<'_>,
    p: &GroupPeriod,
    hlc: jiayi_core::hlc::Hlc,
    field_hlc: &str,
) -> Result<()> {
    w.tx.execute(
        "INSERT INTO group_periods (id, resident_id, grp, start_on, end_on, json, hlc, field_hlc, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9)
         ON CONFLICT (id) DO UPDATE SET resident_id = excluded.resident_id, grp = excluded.grp,
            start_on = excluded.start_on, end_on = excluded.end_on, json = excluded.json,
            field_hlc = excluded.field_hlc, updated_at = excluded.updated_at",
        params![
            p.id.to_string(),
            p.resident_id.to_string(),
            crate::households::to_text(&p.group),
            p.start.to_string(),
            p.end.map(|d| d.to_string()),
            serde_json::to_string(p)?,
            hlc.to_string(),
            field_hlc,
            w.now_text(),
        ],
    )?;
    Ok(())
}

fn insert_group_period(w: &mut Writer<'_>, p: &GroupPeriod) -> Result<()> {
    let village = village_of_resident(w, p.resident_id)?;
    let hlc = w.tick();
    let stored = GroupPeriod { hlc, ..p.clone() };
    write_group_period_row(w, &stored, hlc, "{}")?;
    w.record_change(
        Entity::GroupPeriod,
        p.id,
        Op::Upsert,
        village,
        hlc,
        &GROUP_PERIOD_FIELDS,
        &group_period_json(&stored)?,
    )
}

fn end_group_period(w: &mut Writer<'_>, id: Uuid, end: NaiveDate) -> Result<()> {
    let json: String =
        w.tx.query_row(
            "SELECT json FROM group_periods WHERE id = ?1",
            params![id.to_string()],
            |r| r.get(0),
        )
        .optional()?
        .ok_or_else(|| StoreError::NotFound {
            entity: "group_period",
            id: id.to_string(),
        })?;
    let mut period: GroupPeriod = serde_json::from_str(&json)?;
    period.end = Some(end);
    let village = village_of_resident(w, period.resident_id)?;
    let hlc = w.tick();
    let field_hlc = bump_field_clocks(&w.tx, "group_periods", id, &["end".to_string()], hlc)?;
    let created: String = w.tx.query_row(
        "SELECT hlc FROM group_periods WHERE id = ?1",
        params![id.to_string()],
        |r| r.get(0),
    )?;
    let created = created
        .parse()
        .map_err(|e: jiayi_core::hlc::HlcParseError| StoreError::Corrupt(e.to_string()))?;
    write_group_period_row(w, &period, created, &field_hlc)?;
    w.record_change(
        Entity::GroupPeriod,
        id,
        Op::Upsert,
        village,
        hlc,
        &["end"],
        &group_period_json(&period)?,
    )
}

pub(crate) fn insert_membership(w: &mut Writer<'_>, e: &MembershipEvent) -> Result<()> {
    let village = village_of_household(w, e.household_id)?;
    let hlc = w.tick();
    let stored = MembershipEvent { hlc, ..e.clone() };
    write_membership_row(w, &stored)?;
    w.record_change(
        Entity::MembershipEvent,
        e.id,
        Op::Upsert,
        village,
        hlc,
        &["event"],
        &serde_json::json!({ "event": stored }),
    )
}

pub(crate) fn write_membership_row(w: &Writer<'_>, e: &MembershipEvent) -> Result<()> {
    let change = match e.change {
        MembershipChange::Joined { .. } => "joined",
        MembershipChange::Left { .. } => "left",
    };
    w.tx.execute(
        "INSERT INTO membership_events (id, resident_id, household_id, effective_on, change, json, hlc, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            e.id.to_string(),
            e.resident_id.to_string(),
            e.household_id.to_string(),
            e.effective_on.to_string(),
            change,
            serde_json::to_string(e)?,
            e.hlc.to_string(),
            w.now_text(),
        ],
    )?;
    Ok(())
}

pub(crate) fn insert_amendment(w: &mut Writer<'_>, new: &NewAmendment) -> Result<()> {
    let a = &new.amendment;
    let household: String =
        w.tx.query_row(
            "SELECT household_id FROM contracts WHERE id = ?1",
            params![a.contract_id.to_string()],
            |r| r.get(0),
        )
        .optional()?
        .ok_or_else(|| StoreError::NotFound {
            entity: "contract",
            id: a.contract_id.to_string(),
        })?;
    let village = village_of_household(w, parse_uuid(&household)?)?;
    let hlc = w.tick();
    let stored = NewAmendment {
        amendment: Amendment { hlc, ..a.clone() },
        ..new.clone()
    };
    write_amendment_row(w, &stored)?;
    w.record_change(
        Entity::ContractAmendment,
        a.id,
        Op::Upsert,
        village,
        hlc,
        &["amendment"],
        &amendment_payload(&stored),
    )
}

pub(crate) fn amendment_payload(new: &NewAmendment) -> serde_json::Value {
    serde_json::json!({
        "amendment": new.amendment,
        "snapshot": new.snapshot_json,
        "resident_signature": new.resident_signature.as_ref().map(|b| BASE64.encode(b)),
        "doctor_signature": new.doctor_signature.as_ref().map(|b| BASE64.encode(b)),
    })
}

pub(crate) fn write_amendment_row(w: &Writer<'_>, new: &NewAmendment) -> Result<()> {
    let a = &new.amendment;
    let kind = match &a.kind {
        jiayi_core::year::amendment::AmendmentKind::MemberAdded { .. } => "member_added",
        jiayi_core::year::amendment::AmendmentKind::CoverageEnded { .. } => "coverage_ended",
        jiayi_core::year::amendment::AmendmentKind::ObligationAdded { .. } => "obligation_added",
    };
    w.tx.execute(
        "INSERT INTO contract_amendments (id, contract_id, resident_id, effective_on, kind, json, snapshot,
                                          snapshot_sha256, resident_signature, doctor_signature, hlc, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        params![
            a.id.to_string(),
            a.contract_id.to_string(),
            a.kind.resident_id().to_string(),
            a.effective_on.to_string(),
            kind,
            serde_json::to_string(a)?,
            new.snapshot_json,
            a.snapshot_sha256,
            new.resident_signature,
            new.doctor_signature,
            a.hlc.to_string(),
            w.now_text(),
        ],
    )?;
    Ok(())
}

fn update_resident(w: &mut Writer<'_>, resident: &Resident) -> Result<()> {
    let before = read_resident_in(w, resident.id)?;
    let changed = crate::households::changed_resident_fields(&before, resident);
    if changed.is_empty() {
        return Ok(());
    }
    if changed.iter().any(|f| f == "record_number") {
        crate::households::check_record_number_free(&w.tx, resident)?;
    }
    let village = village_of_household(w, resident.household_id)?;
    let hlc = w.tick();
    let field_hlc = bump_field_clocks(&w.tx, "residents", resident.id, &changed, hlc)?;
    write_resident_row(w, resident, hlc, &field_hlc, None)?;
    let after = resident_json(resident, false);
    crate::field_history::record_local(
        w,
        Entity::Resident,
        resident.id,
        hlc,
        &changed,
        &resident_json(&before, false),
        &after,
    )?;
    let fields: Vec<&str> = changed.iter().map(String::as_str).collect();
    w.record_change(
        Entity::Resident,
        resident.id,
        Op::Upsert,
        village,
        hlc,
        &fields,
        &after,
    )
}

fn read_resident_in(w: &Writer<'_>, id: Uuid) -> Result<Resident> {
    w.tx.query_row(
        &format!(
            "SELECT {} FROM residents WHERE id = ?1 AND deleted_at IS NULL",
            crate::households::RESIDENT_COLUMNS
        ),
        params![id.to_string()],
        crate::households::read_resident,
    )
    .optional()?
    .ok_or_else(|| StoreError::NotFound {
        entity: "resident",
        id: id.to_string(),
    })?
    .into_resident()
}

fn update_household(w: &mut Writer<'_>, household: &Household) -> Result<()> {
    let before: serde_json::Value =
        w.tx.query_row(
            "SELECT id, village_id, grp, address, record_number FROM households
             WHERE id = ?1 AND deleted_at IS NULL",
            params![household.id.to_string()],
            |r| {
                Ok(serde_json::json!({
                    "id": r.get::<_, String>(0)?, "village_id": r.get::<_, String>(1)?,
                    "group": r.get::<_, String>(2)?, "address": r.get::<_, String>(3)?,
                    "record_number": r.get::<_, String>(4)?,
                }))
            },
        )
        .optional()?
        .ok_or_else(|| StoreError::NotFound {
            entity: "household",
            id: household.id.to_string(),
        })?;
    let after = household_json(household);
    let changed: Vec<String> = crate::households::HOUSEHOLD_FIELDS
        .iter()
        .filter(|f| before.get(**f) != after.get(**f))
        .map(|f| f.to_string())
        .collect();
    if changed.is_empty() {
        return Ok(());
    }
    let hlc = w.tick();
    let field_hlc = bump_field_clocks(&w.tx, "households", household.id, &changed, hlc)?;
    write_household_row(w, household, &field_hlc)?;
    crate::field_history::record_local(
        w,
        Entity::Household,
        household.id,
        hlc,
        &changed,
        &before,
        &after,
    )?;
    let fields: Vec<&str> = changed.iter().map(String::as_str).collect();
    // The change belongs to the village the household now lives in.
    w.record_change(
        Entity::Household,
        household.id,
        Op::Upsert,
        household.village_id,
        hlc,
        &fields,
        &after,
    )
}
