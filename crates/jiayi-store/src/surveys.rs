//! Satisfaction surveys as stored: each inserted once with its outbox row and audit entry, and
//! read back per household. What a survey may say is decided in `jiayi_core::survey`.

use chrono::{DateTime, Utc};
use jiayi_core::change::{Change, Entity};
use jiayi_core::hlc::Hlc;
use jiayi_core::survey::SatisfactionSurvey;
use rusqlite::params;
use uuid::Uuid;

use crate::Store;
use crate::error::Result;
use crate::referrals::{held, record_whole};
use crate::writer::{Writer, village_of_household};

impl Store {
    /// Records a survey: the row, its outbox row and its audit entry in one transaction.
    pub fn record_survey(&mut self, survey: &SatisfactionSurvey, now: DateTime<Utc>) -> Result<()> {
        self.write(now, |w| {
            let village = village_of_household(w, survey.household_id)?;
            let hlc = w.tick();
            write_row(w, survey, hlc)?;
            record_whole(
                w,
                Entity::SatisfactionSurvey,
                survey.id,
                village,
                hlc,
                survey,
            )
        })
    }

    /// A household's surveys, oldest first.
    pub fn surveys_of_household(&self, household_id: Uuid) -> Result<Vec<SatisfactionSurvey>> {
        self.json_rows(
            "SELECT json FROM satisfaction_surveys WHERE household_id = ?1
             ORDER BY surveyed_on, id",
            &household_id.to_string(),
        )
    }

    /// Every survey the device holds (what the reports count).
    pub fn all_surveys(&self) -> Result<Vec<SatisfactionSurvey>> {
        self.json_rows(
            "SELECT json FROM satisfaction_surveys WHERE ?1 = ?1 ORDER BY surveyed_on, id",
            "",
        )
    }
}

fn write_row(w: &Writer<'_>, s: &SatisfactionSurvey, hlc: Hlc) -> Result<()> {
    w.tx.execute(
        "INSERT INTO satisfaction_surveys (id, household_id, contract_id, contract_year_start, surveyed_on, json, hlc, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            s.id.to_string(),
            s.household_id.to_string(),
            s.contract_id.to_string(),
            s.contract_year_start.to_string(),
            s.surveyed_on.to_string(),
            serde_json::to_string(s)?,
            hlc.to_string(),
            w.now_text(),
        ],
    )?;
    Ok(())
}

/// Applies a pulled survey; false when it was held already. Two devices may each have surveyed
/// the household offline in one contract year: both are kept as recorded (history is not
/// rewritten) and the reports count the household once.
pub(crate) fn apply(w: &Writer<'_>, change: &Change) -> Result<bool> {
    if held(w, "satisfaction_surveys", change.entity_id)? {
        return Ok(false);
    }
    let survey: SatisfactionSurvey = serde_json::from_value(change.payload.clone())?;
    write_row(w, &survey, change.hlc)?;
    Ok(true)
}
