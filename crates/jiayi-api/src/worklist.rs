//! The home screen's work list: what is due, which contracts end soon, who is not signed yet.

use std::collections::HashSet;

use chrono::NaiveDate;
use jiayi_core::contract::ContractStatus;
use jiayi_core::person::{PopulationGroup, groups_on};
use jiayi_core::schedule::{DueStatus, needs_renewal_reminder};
use jiayi_store::DueEntry;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{Api, ApiResult};

/// Groups signed first (优先签约): the elderly, the chronic, and the families policy says must
/// all be covered.
pub const PRIORITY_GROUPS: [PopulationGroup; 5] = [
    PopulationGroup::Elderly65,
    PopulationGroup::Hypertension,
    PopulationGroup::Diabetes,
    PopulationGroup::PovertyRegistered,
    PopulationGroup::FamilyPlanningSpecial,
];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RenewalEntry {
    pub contract_id: Uuid,
    pub agreement_number: String,
    pub household_id: Uuid,
    pub representative: String,
    pub village: String,
    pub term_end: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnsignedEntry {
    pub resident_id: Uuid,
    pub name: String,
    pub household_id: Uuid,
    pub village: String,
    pub groups: Vec<PopulationGroup>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkList {
    pub day: NaiveDate,
    pub overdue_count: usize,
    pub due_count: usize,
    pub due: Vec<DueEntry>,
    pub renewals: Vec<RenewalEntry>,
    pub unsigned_priority_count: usize,
    /// The first of them (the list can be long in a new township).
    pub unsigned_priority: Vec<UnsignedEntry>,
}

const UNSIGNED_SHOWN: usize = 200;

impl Api {
    pub fn work_list(&self, day: Option<NaiveDate>) -> ApiResult<WorkList> {
        let day = day.unwrap_or(self.today());
        let due = self.store.due_on(day).map_err(|e| self.fail(e))?;
        let contracts = self.store.all_contracts().map_err(|e| self.fail(e))?;
        let mut covered: HashSet<Uuid> = HashSet::new();
        let mut renewals = Vec::new();
        for record in &contracts {
            let state = record.contract.state_on(&record.events, day);
            if matches!(state.status, ContractStatus::Active) {
                covered.extend(record.contract.members.iter().map(|m| m.resident_id));
                if needs_renewal_reminder(&record.contract.term, state.covered_until, day) {
                    let household = self
                        .store
                        .household(record.contract.household_id)
                        .map_err(|e| self.fail(e))?;
                    let representative = household
                        .members
                        .iter()
                        .find(|m| m.id == record.contract.representative_id)
                        .or(household.head())
                        .map(|m| m.name.clone())
                        .unwrap_or_default();
                    renewals.push(RenewalEntry {
                        contract_id: record.contract.id,
                        agreement_number: record.contract.agreement_number.clone(),
                        household_id: record.contract.household_id,
                        representative,
                        village: household.village_name,
                        term_end: record.contract.term.end,
                    });
                }
            }
        }
        renewals.sort_by_key(|r| r.term_end);
        let mut unsigned: Vec<UnsignedEntry> = self
            .store
            .residents_brief()
            .map_err(|e| self.fail(e))?
            .into_iter()
            .filter(|r| !covered.contains(&r.id))
            .filter_map(|r| {
                let groups = groups_on(&r.groups, r.birth_date, day);
                groups
                    .iter()
                    .any(|g| PRIORITY_GROUPS.contains(g))
                    .then_some(UnsignedEntry {
                        resident_id: r.id,
                        name: r.name,
                        household_id: r.household_id,
                        village: r.village,
                        groups,
                    })
            })
            .collect();
        let unsigned_priority_count = unsigned.len();
        unsigned.truncate(UNSIGNED_SHOWN);
        Ok(WorkList {
            day,
            overdue_count: due
                .iter()
                .filter(|d| d.item.status == DueStatus::Overdue)
                .count(),
            due_count: due
                .iter()
                .filter(|d| d.item.status == DueStatus::Due)
                .count(),
            due,
            renewals,
            unsigned_priority_count,
            unsigned_priority: unsigned,
        })
    }

    /// Due and overdue items only (what `jiayi due` prints).
    pub fn due(&self, day: Option<NaiveDate>) -> ApiResult<Vec<DueEntry>> {
        let day = day.unwrap_or(self.today());
        self.store.due_on(day).map_err(|e| self.fail(e))
    }
}
