//! Recording a visit at the point of care.

use chrono::{DateTime, NaiveDate, Utc};
use jiayi_core::catalog::Catalog;
use jiayi_core::schedule::{OwedItem, next_occurrence};
use jiayi_core::time::china_date;
use jiayi_core::visit::{ItemRef, Visit, VisitKind, VisitMode, Vitals, validate_visit};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{Api, ApiError, ApiResult};

#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct VisitRequest {
    pub resident_id: Uuid,
    /// The service item fulfilled; the contract in force that owes it is found.
    #[serde(default)]
    pub item_code: Option<String>,
    /// Needed when no item is given; otherwise the item's own kind.
    #[serde(default)]
    pub kind: Option<VisitKind>,
    pub mode: VisitMode,
    /// When the service happened, if not now (e.g. entered at the end of a home visit).
    #[serde(default)]
    pub occurred_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub vitals: Vitals,
    #[serde(default)]
    pub notes: String,
}

#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct NextDue {
    pub item_code: String,
    pub occurrence: u32,
    pub opens_on: NaiveDate,
    pub due_by: NaiveDate,
}

#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct VisitOutcome {
    pub visit_id: Uuid,
    pub recorded_at: DateTime<Utc>,
    pub bmi: Option<f64>,
    pub bp_on_target: Option<bool>,
    pub glucose_on_target: Option<bool>,
    /// When the same item is owed next, if it is owed again in the term.
    pub next_due: Option<NextDue>,
}

impl Api {
    pub fn record_visit(&mut self, request: &VisitRequest) -> ApiResult<VisitOutcome> {
        let now = self.now();
        let occurred_at = request.occurred_at.unwrap_or(now);
        validate_visit(&request.vitals, occurred_at, &request.notes, now)
            .map_err(|e| self.fail(e))?;
        let resident = self
            .store
            .resident(request.resident_id)
            .map_err(|e| self.fail(e))?;
        let day = china_date(occurred_at);
        let (fulfils, kind, owed) = match request
            .item_code
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty())
        {
            Some(code) => {
                let (item_ref, kind, owed) = self.find_owed_item(resident.id, code, day)?;
                (Some(item_ref), kind, Some(owed))
            }
            None => {
                let kind = request.kind.ok_or_else(|| {
                    self.fail(ApiError::invalid(
                        "required",
                        "请选择服务项目或服务类型",
                        "choose a service item or a kind of visit",
                    ))
                })?;
                (None, kind, None)
            }
        };
        let visit = Visit {
            id: Uuid::now_v7(),
            resident_id: resident.id,
            doctor_id: None,
            kind,
            mode: request.mode,
            occurred_at,
            recorded_at: now,
            fulfils,
            vitals: request.vitals,
            notes: request.notes.trim().to_string(),
        };
        self.store
            .record_visit(&visit, now)
            .map_err(|e| self.fail(e))?;
        let next_due = match owed {
            Some(owed) => {
                let delivered = self
                    .store
                    .delivered_count(
                        owed.contract_id,
                        owed.resident_id,
                        &owed.item_code,
                        owed.term.start,
                        owed.term.end,
                    )
                    .map_err(|e| self.fail(e))?;
                next_occurrence(&owed, delivered).map(|(occurrence, opens_on, due_by)| NextDue {
                    item_code: owed.item_code.clone(),
                    occurrence,
                    opens_on,
                    due_by,
                })
            }
            None => None,
        };
        Ok(VisitOutcome {
            visit_id: visit.id,
            recorded_at: now,
            bmi: visit.vitals.bmi(),
            bp_on_target: visit.vitals.bp_on_target(),
            glucose_on_target: visit.vitals.glucose_on_target(),
            next_due,
        })
    }

    /// The contract in force on `day` that owes `item_code` to the resident.
    fn find_owed_item(
        &self,
        resident_id: Uuid,
        item_code: &str,
        day: NaiveDate,
    ) -> ApiResult<(ItemRef, VisitKind, OwedItem)> {
        let contracts = self
            .store
            .contracts_of_resident(resident_id)
            .map_err(|e| self.fail(e))?;
        for record in contracts {
            // The term in force on the day: a renewed term owes its items afresh.
            let Some(in_force) = record.term_on(day) else {
                continue;
            };
            let catalog: Catalog = self
                .store
                .catalog(&record.contract.catalog_version)
                .map_err(|e| self.fail(e))?;
            let Some(member) = record
                .contract
                .members
                .iter()
                .find(|m| m.resident_id == resident_id)
            else {
                continue;
            };
            for package_code in &member.package_codes {
                let items = catalog
                    .effective_items(package_code)
                    .map_err(|e| self.fail(e))?;
                if let Some((package, item)) = items.into_iter().find(|(_, i)| i.code == item_code)
                {
                    let item_ref = ItemRef {
                        contract_id: record.contract.id,
                        package_code: package.code.clone(),
                        item_code: item.code.clone(),
                    };
                    let owed = OwedItem {
                        contract_id: record.contract.id,
                        resident_id,
                        package_code: package.code.clone(),
                        item_code: item.code.clone(),
                        times_per_year: item.times_per_year,
                        term: in_force.term,
                        covered_until: in_force.last_day,
                    };
                    return Ok((item_ref, item.visit_kind, owed));
                }
            }
        }
        Err(self.fail(jiayi_core::CoreError::ItemNotInContract))
    }
}
