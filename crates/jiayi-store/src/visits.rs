//! Visit records: inserted once, with the time the device stamped.

use chrono::{DateTime, NaiveDate, Utc};
use jiayi_core::change::{Entity, Op};
use jiayi_core::time::china_date;
use jiayi_core::visit::Visit;
use rusqlite::params;

use crate::Store;
use crate::error::Result;
use crate::households::to_text;

impl Store {
    pub fn record_visit(&mut self, visit: &Visit, now: DateTime<Utc>) -> Result<()> {
        let household = self.resident(visit.resident_id)?.household_id;
        let village_id = self.household(household)?.household.village_id;
        self.write(now, |w| {
            let hlc = w.tick();
            insert_visit_row(&w.tx, visit, hlc)?;
            // The payload is the visit itself, so the change sets each of its fields (the
            // server refuses a change naming a field its payload lacks).
            let payload = serde_json::to_value(visit)?;
            let fields: Vec<&str> = payload
                .as_object()
                .map(|o| o.keys().map(String::as_str).collect())
                .unwrap_or_default();
            w.record_change(
                Entity::Visit,
                visit.id,
                Op::Upsert,
                village_id,
                hlc,
                &fields,
                &payload,
            )
        })
    }

    pub fn visits_of_resident(&self, resident_id: uuid::Uuid) -> Result<Vec<Visit>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT json FROM visits WHERE resident_id = ?1 ORDER BY occurred_at DESC",
        )?;
        let rows = stmt.query_map(params![resident_id.to_string()], |r| r.get::<_, String>(0))?;
        rows.map(|j| Ok(serde_json::from_str(&j?)?)).collect()
    }

    /// Visits that fulfil an item of a contract between two days (inclusive).
    pub fn delivered_count(
        &self,
        contract_id: uuid::Uuid,
        resident_id: uuid::Uuid,
        item_code: &str,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<u32> {
        Ok(self.conn.query_row(
            "SELECT COUNT(*) FROM visits WHERE contract_id = ?1 AND resident_id = ?2 AND item_code = ?3
             AND occurred_on BETWEEN ?4 AND ?5",
            params![contract_id.to_string(), resident_id.to_string(), item_code, from.to_string(), to.to_string()],
            |r| r.get(0),
        )?)
    }

    pub fn visit_count(&self) -> Result<u64> {
        self.count("SELECT COUNT(*) FROM visits")
    }
}

/// Writes a visit row; used for visits recorded here and for visits pulled from other devices.
pub(crate) fn insert_visit_row(
    tx: &rusqlite::Transaction<'_>,
    visit: &Visit,
    hlc: jiayi_core::hlc::Hlc,
) -> Result<()> {
    tx.execute(
        "INSERT INTO visits (id, resident_id, contract_id, item_code, kind, occurred_at, occurred_on, recorded_at, json, hlc,
                             mode, served_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        params![
            visit.id.to_string(),
            visit.resident_id.to_string(),
            visit.fulfils.as_ref().map(|f| f.contract_id.to_string()),
            visit.fulfils.as_ref().map(|f| f.item_code.clone()),
            to_text(&visit.kind),
            visit.occurred_at.to_rfc3339(),
            china_date(visit.occurred_at).to_string(),
            visit.recorded_at.to_rfc3339(),
            serde_json::to_string(visit)?,
            hlc.to_string(),
            to_text(&visit.mode),
            visit.served_by.map(|id| id.to_string()),
        ],
    )?;
    Ok(())
}
