//! Two-way referrals as stored: referrals out and referrals back, each inserted once with its
//! outbox row and audit entry, and read back per household. What they mean is decided in
//! `jiayi_core::referral`.

use chrono::{DateTime, Utc};
use jiayi_core::change::{Change, Entity, Op};
use jiayi_core::hlc::Hlc;
use jiayi_core::referral::{ReferralBack, ReferralOut};
use rusqlite::{OptionalExtension, params};
use serde::Serialize;
use uuid::Uuid;

use crate::Store;
use crate::error::{Result, StoreError};
use crate::writer::{Writer, village_of_household};

impl Store {
    /// Records a referral out: the row, its outbox row and its audit entry in one transaction.
    pub fn record_referral_out(
        &mut self,
        referral: &ReferralOut,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.write(now, |w| {
            let village = village_of_household(w, referral.household_id)?;
            let hlc = w.tick();
            write_out_row(w, referral, hlc)?;
            record_whole(w, Entity::ReferralOut, referral.id, village, hlc, referral)
        })
    }

    /// Records a referral back, travelling under the household of the referral it closes.
    pub fn record_referral_back(&mut self, back: &ReferralBack, now: DateTime<Utc>) -> Result<()> {
        self.write(now, |w| {
            let village = village_of_household(w, back.household_id)?;
            let hlc = w.tick();
            write_back_row(w, back, hlc)?;
            record_whole(w, Entity::ReferralBack, back.id, village, hlc, back)
        })
    }

    pub fn referral_out(&self, id: Uuid) -> Result<ReferralOut> {
        let json: String = self
            .conn
            .query_row(
                "SELECT json FROM referrals_out WHERE id = ?1",
                params![id.to_string()],
                |r| r.get(0),
            )
            .optional()?
            .ok_or_else(|| StoreError::NotFound {
                entity: "referral",
                id: id.to_string(),
            })?;
        Ok(serde_json::from_str(&json)?)
    }

    /// A household's referrals out, oldest first.
    pub fn referrals_out_of_household(&self, household_id: Uuid) -> Result<Vec<ReferralOut>> {
        self.json_rows(
            "SELECT json FROM referrals_out WHERE household_id = ?1 ORDER BY referred_on, id",
            &household_id.to_string(),
        )
    }

    /// The referrals back naming one of a household's referrals out, oldest first.
    pub fn referrals_back_of_household(&self, household_id: Uuid) -> Result<Vec<ReferralBack>> {
        self.json_rows(
            "SELECT json FROM referrals_back WHERE household_id = ?1
                 OR referral_id IN (SELECT id FROM referrals_out WHERE household_id = ?1)
             ORDER BY returned_on, id",
            &household_id.to_string(),
        )
    }

    /// The referrals back naming a referral out (two devices may each have recorded one).
    pub fn referrals_back_of(&self, referral_id: Uuid) -> Result<Vec<ReferralBack>> {
        self.json_rows(
            "SELECT json FROM referrals_back WHERE referral_id = ?1 ORDER BY returned_on, id",
            &referral_id.to_string(),
        )
    }

    /// Every referral out the device holds (what the reports count).
    pub fn all_referrals_out(&self) -> Result<Vec<ReferralOut>> {
        self.json_rows(
            "SELECT json FROM referrals_out WHERE ?1 = ?1 ORDER BY referred_on, id",
            "",
        )
    }

    pub fn all_referrals_back(&self) -> Result<Vec<ReferralBack>> {
        self.json_rows(
            "SELECT json FROM referrals_back WHERE ?1 = ?1 ORDER BY returned_on, id",
            "",
        )
    }

    pub(crate) fn json_rows<T: serde::de::DeserializeOwned>(
        &self,
        sql: &str,
        arg: &str,
    ) -> Result<Vec<T>> {
        let mut stmt = self.conn.prepare_cached(sql)?;
        let rows = stmt.query_map(params![arg], |r| r.get::<_, String>(0))?;
        rows.map(|json| Ok(serde_json::from_str(&json?)?)).collect()
    }
}

/// Appends the change of a record written once: the payload is the record itself, so the
/// change sets each of its fields (the server refuses a change naming a field its payload
/// lacks).
pub(crate) fn record_whole(
    w: &Writer<'_>,
    entity: Entity,
    id: Uuid,
    village: Uuid,
    hlc: Hlc,
    record: &impl Serialize,
) -> Result<()> {
    let payload = serde_json::to_value(record)?;
    let fields: Vec<&str> = payload
        .as_object()
        .map(|o| o.keys().map(String::as_str).collect())
        .unwrap_or_default();
    w.record_change(entity, id, Op::Upsert, village, hlc, &fields, &payload)
}

/// Whether a record written once is held already (a pulled copy of it is then known).
pub(crate) fn held(w: &Writer<'_>, table: &str, id: Uuid) -> Result<bool> {
    Ok(w.tx.query_row(
        &format!("SELECT EXISTS (SELECT 1 FROM {table} WHERE id = ?1)"),
        params![id.to_string()],
        |r| r.get(0),
    )?)
}

fn write_out_row(w: &Writer<'_>, r: &ReferralOut, hlc: Hlc) -> Result<()> {
    w.tx.execute(
        "INSERT INTO referrals_out (id, resident_id, household_id, referred_on, json, hlc, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            r.id.to_string(),
            r.resident_id.to_string(),
            r.household_id.to_string(),
            r.referred_on.to_string(),
            serde_json::to_string(r)?,
            hlc.to_string(),
            w.now_text(),
        ],
    )?;
    Ok(())
}

fn write_back_row(w: &Writer<'_>, r: &ReferralBack, hlc: Hlc) -> Result<()> {
    w.tx.execute(
        "INSERT INTO referrals_back (id, referral_id, resident_id, household_id, returned_on, json, hlc, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            r.id.to_string(),
            r.referral_id.to_string(),
            r.resident_id.to_string(),
            r.household_id.to_string(),
            r.returned_on.to_string(),
            serde_json::to_string(r)?,
            hlc.to_string(),
            w.now_text(),
        ],
    )?;
    Ok(())
}

/// Applies a pulled referral out; false when it was held already.
pub(crate) fn apply_out(w: &Writer<'_>, change: &Change) -> Result<bool> {
    if held(w, "referrals_out", change.entity_id)? {
        return Ok(false);
    }
    let referral: ReferralOut = serde_json::from_value(change.payload.clone())?;
    write_out_row(w, &referral, change.hlc)?;
    Ok(true)
}

/// Applies a pulled referral back; false when it was held already.
pub(crate) fn apply_back(w: &Writer<'_>, change: &Change) -> Result<bool> {
    if held(w, "referrals_back", change.entity_id)? {
        return Ok(false);
    }
    let back: ReferralBack = serde_json::from_value(change.payload.clone())?;
    write_back_row(w, &back, change.hlc)?;
    Ok(true)
}
