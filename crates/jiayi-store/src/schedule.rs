//! The schedule read from the store: contracts' owed items joined with the visits recorded.

use std::collections::HashMap;

use chrono::NaiveDate;
use jiayi_core::catalog::Catalog;
use jiayi_core::contract::ContractStatus;
use jiayi_core::schedule::{DueItem, OwedItem, due_list};
use rusqlite::params;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::Store;
use crate::contracts::ContractRecord;
use crate::error::Result;
use crate::reference::parse_uuid;

/// A due or overdue item with what the work list shows beside it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DueEntry {
    #[serde(flatten)]
    pub item: DueItem,
    pub resident_name: String,
    pub household_id: Uuid,
    pub village: String,
    pub package_name: String,
    pub item_name: String,
}

impl Store {
    /// Every owed item of the contracts in force on `day`, each with the visits recorded for it
    /// during its term.
    pub fn owed_items(&self, day: NaiveDate) -> Result<Vec<(OwedItem, u32)>> {
        let contracts = self.all_contracts()?;
        let delivered = self.delivered_counts()?;
        let mut catalogs: HashMap<String, Catalog> = HashMap::new();
        let mut owed = Vec::new();
        for ContractRecord { contract, events, .. } in contracts {
            let state = contract.state_on(&events, day);
            if !matches!(state.status, ContractStatus::Active) {
                continue;
            }
            if !catalogs.contains_key(&contract.catalog_version) {
                let catalog = self.catalog(&contract.catalog_version)?;
                catalogs.insert(contract.catalog_version.clone(), catalog);
            }
            let catalog = &catalogs[&contract.catalog_version];
            for member in &contract.members {
                for code in &member.package_codes {
                    for (package, item) in catalog.effective_items(code)? {
                        if item.times_per_year == 0 {
                            continue;
                        }
                        let key = (contract.id, member.resident_id, item.code.clone());
                        let count = delivered
                            .get(&key)
                            .map(|days| days.iter().filter(|d| contract.term.contains(**d)).count() as u32)
                            .unwrap_or(0);
                        owed.push((
                            OwedItem {
                                contract_id: contract.id,
                                resident_id: member.resident_id,
                                package_code: package.code.clone(),
                                item_code: item.code.clone(),
                                times_per_year: item.times_per_year,
                                term: contract.term,
                                covered_until: state.covered_until,
                            },
                            count,
                        ));
                    }
                }
            }
        }
        Ok(owed)
    }

    /// Due and overdue items on `day`, with names, overdue first.
    pub fn due_on(&self, day: NaiveDate) -> Result<Vec<DueEntry>> {
        let owed = self.owed_items(day)?;
        let due = due_list(owed.iter().map(|(item, n)| (item, *n)), day);
        let catalog_names = self.item_names()?;
        let mut people = self.conn.prepare_cached(
            "SELECT r.name, r.household_id, v.name FROM residents r
             JOIN households h ON h.id = r.household_id JOIN villages v ON v.id = h.village_id WHERE r.id = ?1",
        )?;
        let mut out = Vec::with_capacity(due.len());
        for item in due {
            let (resident_name, household_id, village): (String, String, String) =
                people.query_row(params![item.resident_id.to_string()], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
            let (package_name, item_name) = catalog_names
                .get(&(item.package_code.clone(), item.item_code.clone()))
                .cloned()
                .unwrap_or_else(|| (item.package_code.clone(), item.item_code.clone()));
            out.push(DueEntry { item, resident_name, household_id: parse_uuid(&household_id)?, village, package_name, item_name });
        }
        Ok(out)
    }

    /// (contract, resident, item) → the days visits fulfilled it.
    fn delivered_counts(&self) -> Result<HashMap<(Uuid, Uuid, String), Vec<NaiveDate>>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT contract_id, resident_id, item_code, occurred_on FROM visits
             WHERE contract_id IS NOT NULL AND item_code IS NOT NULL",
        )?;
        let mut map: HashMap<(Uuid, Uuid, String), Vec<NaiveDate>> = HashMap::new();
        let rows = stmt.query_map([], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get::<_, String>(3)?))
        })?;
        for row in rows {
            let (contract, resident, item, day) = row?;
            let day: NaiveDate = day.parse().map_err(|e| crate::StoreError::Corrupt(format!("visit day: {e}")))?;
            map.entry((parse_uuid(&contract)?, parse_uuid(&resident)?, item)).or_default().push(day);
        }
        Ok(map)
    }

    /// Package and item names in the current catalog, by code.
    fn item_names(&self) -> Result<HashMap<(String, String), (String, String)>> {
        let catalog = self.current_catalog()?;
        let mut names = HashMap::new();
        for package in &catalog.packages {
            for item in &package.items {
                names.insert((package.code.clone(), item.code.clone()), (package.name.clone(), item.name.clone()));
            }
        }
        Ok(names)
    }
}
