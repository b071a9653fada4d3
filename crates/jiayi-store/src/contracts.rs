//! Signed contracts and what happens to them afterwards. Contracts and events are inserted
//! once and never updated.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use chrono::{DateTime, NaiveDate, Utc};
use jiayi_core::change::{Entity, Op};
use jiayi_core::contract::{
    Contract, ContractEvent, ContractEventKind, ContractState, agreement_number,
};
use jiayi_core::hlc::Hlc;
use jiayi_core::year::order::{Stamped, contract_state_on};
use jiayi_core::year::renewal::{TermInForce, term_on};
use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::Store;
use crate::error::{Result, StoreError};
use crate::writer::{Writer, village_of_household};

/// Drawn signatures (PNG) of the resident and the doctor: (resident, doctor).
pub type SignaturePair = (Option<Vec<u8>>, Option<Vec<u8>>);

pub struct NewContract {
    pub contract: Contract,
    /// Canonical AgreementSnapshot JSON; its SHA-256 is `contract.snapshot_sha256`.
    pub snapshot_json: String,
    pub resident_signature: Option<Vec<u8>>,
    pub doctor_signature: Option<Vec<u8>>,
}

pub struct NewContractEvent {
    pub event: ContractEvent,
    pub snapshot_json: Option<String>,
    pub resident_signature: Option<Vec<u8>>,
    pub doctor_signature: Option<Vec<u8>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContractRecord {
    pub contract: Contract,
    /// The contract's events with the clock values they were written with, in clock order.
    pub events: Vec<Stamped<ContractEvent>>,
    pub snapshot_json: String,
}

impl ContractRecord {
    /// The contract's state on a day (the core's rule, events in clock order).
    pub fn state_on(&self, day: NaiveDate) -> ContractState {
        contract_state_on(&self.contract, &self.events, day)
    }

    /// The term in force on a day, automatic renewals included.
    pub fn term_on(&self, day: NaiveDate) -> Option<TermInForce> {
        term_on(&self.contract, &self.events, day)
    }
}

/// An event row read back with its clock value.
fn stamped_event(json: &str, hlc: &str) -> Result<Stamped<ContractEvent>> {
    Ok(Stamped {
        hlc: hlc
            .parse::<Hlc>()
            .map_err(|e| StoreError::Corrupt(e.to_string()))?,
        record: serde_json::from_str(json)?,
    })
}

impl Store {
    /// The next agreement number of this device, reserved inside the signing transaction.
    pub(crate) fn reserve_agreement_number(
        w: &Writer<'_>,
        device_id: Uuid,
        year: i32,
    ) -> Result<String> {
        let seq: i64 = w.tx.query_row(
            "UPDATE device SET agreement_seq = agreement_seq + 1 RETURNING agreement_seq",
            [],
            |r| r.get(0),
        )?;
        Ok(agreement_number(year, device_id, seq as u64))
    }

    /// Stores a signed contract. `build` receives the reserved agreement number and returns the
    /// contract to store, so the number printed is the number kept. `renewal_of` is the event
    /// appended to the contract this one renews. All of it is one transaction.
    pub fn sign_contract(
        &mut self,
        now: DateTime<Utc>,
        year: i32,
        build: impl FnOnce(String) -> Result<NewContract>,
        renewal_of: Option<ContractEvent>,
    ) -> Result<ContractRecord> {
        let device_id = self.device_id;
        let id = self.write(now, |w| {
            let number = Store::reserve_agreement_number(w, device_id, year)?;
            let new = build(number)?;
            insert_contract(w, &new)?;
            if let Some(event) = renewal_of {
                let event = NewContractEvent {
                    event,
                    snapshot_json: None,
                    resident_signature: None,
                    doctor_signature: None,
                };
                insert_event(w, &event)?;
            }
            Ok(new.contract.id)
        })?;
        self.contract(id)
    }

    pub fn add_contract_event(&mut self, now: DateTime<Utc>, new: NewContractEvent) -> Result<()> {
        self.write(now, |w| insert_event(w, &new))
    }

    pub fn contract(&self, id: Uuid) -> Result<ContractRecord> {
        let row: Option<(String, String)> = self
            .conn
            .query_row(
                "SELECT json, snapshot FROM contracts WHERE id = ?1",
                params![id.to_string()],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let (json, snapshot_json) = row.ok_or_else(|| StoreError::NotFound {
            entity: "contract",
            id: id.to_string(),
        })?;
        let contract: Contract = serde_json::from_str(&json)?;
        let events = self.contract_events(id)?;
        Ok(ContractRecord {
            contract,
            events,
            snapshot_json,
        })
    }

    pub fn contract_by_number(&self, agreement_number: &str) -> Result<ContractRecord> {
        let id: Option<String> = self
            .conn
            .query_row(
                "SELECT id FROM contracts WHERE agreement_number = ?1",
                params![agreement_number.trim()],
                |r| r.get(0),
            )
            .optional()?;
        let id = id.ok_or_else(|| StoreError::NotFound {
            entity: "contract",
            id: agreement_number.to_string(),
        })?;
        self.contract(crate::reference::parse_uuid(&id)?)
    }

    /// The drawn signatures kept with a contract (PNG).
    pub fn contract_signatures(&self, id: Uuid) -> Result<SignaturePair> {
        Ok(self.conn.query_row(
            "SELECT resident_signature, doctor_signature FROM contracts WHERE id = ?1",
            params![id.to_string()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?)
    }

    /// The stored termination confirmation of a contract and its signatures, if terminated.
    pub fn termination_record(&self, contract_id: Uuid) -> Result<Option<(String, SignaturePair)>> {
        Ok(self
            .conn
            .query_row(
                "SELECT snapshot, resident_signature, doctor_signature FROM contract_events
                 WHERE contract_id = ?1 AND kind = 'terminated' AND snapshot IS NOT NULL",
                params![contract_id.to_string()],
                |r| Ok((r.get(0)?, (r.get(1)?, r.get(2)?))),
            )
            .optional()?)
    }

    /// A contract's events in clock order, each with its clock value.
    pub fn contract_events(&self, contract_id: Uuid) -> Result<Vec<Stamped<ContractEvent>>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT json, hlc FROM contract_events WHERE contract_id = ?1 ORDER BY hlc, id",
        )?;
        let rows = stmt.query_map(params![contract_id.to_string()], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })?;
        rows.map(|row| {
            let (json, hlc) = row?;
            stamped_event(&json, &hlc)
        })
        .collect()
    }

    /// Every contract's events in clock order, by contract.
    pub fn events_by_contract(
        &self,
    ) -> Result<std::collections::HashMap<Uuid, Vec<Stamped<ContractEvent>>>> {
        let mut map: std::collections::HashMap<Uuid, Vec<Stamped<ContractEvent>>> =
            std::collections::HashMap::new();
        let mut stmt = self
            .conn
            .prepare_cached("SELECT json, hlc FROM contract_events ORDER BY hlc, id")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
        for row in rows {
            let (json, hlc) = row?;
            let event = stamped_event(&json, &hlc)?;
            map.entry(event.record.contract_id).or_default().push(event);
        }
        Ok(map)
    }

    pub fn contracts_of_household(&self, household_id: Uuid) -> Result<Vec<ContractRecord>> {
        let ids = self.ids(
            "SELECT id FROM contracts WHERE household_id = ?1 ORDER BY term_start",
            &household_id.to_string(),
        )?;
        ids.into_iter().map(|id| self.contract(id)).collect()
    }

    /// Contracts that cover a resident, newest first.
    pub fn contracts_of_resident(&self, resident_id: Uuid) -> Result<Vec<ContractRecord>> {
        let ids = self.ids(
            "SELECT c.id FROM contracts c JOIN contract_members m ON m.contract_id = c.id
             WHERE m.resident_id = ?1 ORDER BY c.term_start DESC",
            &resident_id.to_string(),
        )?;
        ids.into_iter().map(|id| self.contract(id)).collect()
    }

    /// Every contract with its events (for schedules and renewals).
    pub fn all_contracts(&self) -> Result<Vec<ContractRecord>> {
        let mut events = self.events_by_contract()?;
        let mut stmt = self
            .conn
            .prepare_cached("SELECT json FROM contracts ORDER BY term_start, id")?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
        rows.map(|json| {
            let contract: Contract = serde_json::from_str(&json?)?;
            let events = events.remove(&contract.id).unwrap_or_default();
            // The snapshot is not needed for planning; read it with `contract()` when printing.
            Ok(ContractRecord {
                contract,
                events,
                snapshot_json: String::new(),
            })
        })
        .collect()
    }

    pub fn contract_count(&self) -> Result<u64> {
        self.count("SELECT COUNT(*) FROM contracts")
    }

    fn ids(&self, sql: &str, arg: &str) -> Result<Vec<Uuid>> {
        let mut stmt = self.conn.prepare_cached(sql)?;
        let rows = stmt.query_map(params![arg], |r| r.get::<_, String>(0))?;
        rows.map(|id| crate::reference::parse_uuid(&id?)).collect()
    }
}

fn contract_payload(new: &NewContract) -> Result<serde_json::Value> {
    Ok(serde_json::json!({
        "contract": new.contract,
        "snapshot": new.snapshot_json,
        "resident_signature": new.resident_signature.as_ref().map(|b| BASE64.encode(b)),
        "doctor_signature": new.doctor_signature.as_ref().map(|b| BASE64.encode(b)),
    }))
}

pub(crate) fn insert_contract(w: &mut Writer<'_>, new: &NewContract) -> Result<()> {
    let c = &new.contract;
    let village_id = village_of_household(w, c.household_id)?;
    let hlc = w.tick();
    w.tx.execute(
        "INSERT INTO contracts (id, agreement_number, household_id, team_id, doctor_id, term_start, term_end,
                                signed_at, renews, json, snapshot, snapshot_sha256, resident_signature,
                                doctor_signature, hlc)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
        params![
            c.id.to_string(),
            c.agreement_number,
            c.household_id.to_string(),
            c.team_id.to_string(),
            c.doctor_id.to_string(),
            c.term.start.to_string(),
            c.term.end.to_string(),
            c.signed_at.to_rfc3339(),
            c.renews.map(|id| id.to_string()),
            serde_json::to_string(c)?,
            new.snapshot_json,
            c.snapshot_sha256,
            new.resident_signature,
            new.doctor_signature,
            hlc.to_string(),
        ],
    )?;
    for member in &c.members {
        w.tx.execute(
            "INSERT INTO contract_members (contract_id, resident_id, packages) VALUES (?1, ?2, ?3)",
            params![
                c.id.to_string(),
                member.resident_id.to_string(),
                serde_json::to_string(&member.package_codes)?
            ],
        )?;
    }
    w.record_change(
        Entity::Contract,
        c.id,
        Op::Upsert,
        village_id,
        hlc,
        &["contract"],
        &contract_payload(new)?,
    )
}

pub(crate) fn insert_event(w: &mut Writer<'_>, new: &NewContractEvent) -> Result<()> {
    let e = &new.event;
    let household: String =
        w.tx.query_row(
            "SELECT household_id FROM contracts WHERE id = ?1",
            params![e.contract_id.to_string()],
            |r| r.get(0),
        )
        .optional()?
        .ok_or_else(|| StoreError::NotFound {
            entity: "contract",
            id: e.contract_id.to_string(),
        })?;
    let village_id = village_of_household(w, crate::reference::parse_uuid(&household)?)?;
    let hlc = w.tick();
    let kind = match &e.kind {
        ContractEventKind::DoctorChanged { .. } => "doctor_changed",
        ContractEventKind::Terminated { .. } => "terminated",
        ContractEventKind::Renewed { .. } => "renewed",
    };
    w.tx.execute(
        "INSERT INTO contract_events (id, contract_id, at, kind, json, snapshot, resident_signature, doctor_signature, hlc)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            e.id.to_string(),
            e.contract_id.to_string(),
            e.at.to_rfc3339(),
            kind,
            serde_json::to_string(e)?,
            new.snapshot_json,
            new.resident_signature,
            new.doctor_signature,
            hlc.to_string(),
        ],
    )?;
    let payload = serde_json::json!({
        "event": e,
        "snapshot": new.snapshot_json,
        "resident_signature": new.resident_signature.as_ref().map(|b| BASE64.encode(b)),
        "doctor_signature": new.doctor_signature.as_ref().map(|b| BASE64.encode(b)),
    });
    w.record_change(
        Entity::ContractEvent,
        e.id,
        Op::Upsert,
        village_id,
        hlc,
        &["event"],
        &payload,
    )
}
