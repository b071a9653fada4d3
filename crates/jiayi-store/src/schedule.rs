//! The schedule read from the store: contracts' owed items joined with the visits recorded.

use std::collections::HashMap;

use chrono::NaiveDate;
use jiayi_core::catalog::Catalog;
use jiayi_core::contract::Term;
use jiayi_core::schedule::plan::{Anchors, owed_by, plan_in_force};
use jiayi_core::schedule::window::{Anchor, ItemSchedule};
use jiayi_core::schedule::{DueItem, OwedItem, ScheduledItem, work_items};
use jiayi_core::term::TermInForce;
use jiayi_core::year::groups::GroupPeriod;
use jiayi_core::year::renewal::term_on;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::Store;
use crate::error::Result;
use crate::reference::parse_uuid;

/// A resident as the work list names them: (name, household, village id, village name).
type Person = (String, Uuid, Uuid, String);

/// A package's item as planning needs it: (package code, item code, times a year, schedule).
type ResolvedItem = (String, String, u32, ItemSchedule);

/// (contract, resident, item) → the days visits fulfilled it, with how many that day.
type DeliveredDays = HashMap<(String, String, String), Vec<(NaiveDate, u32)>>;

/// A contract with only what its state on a day depends on (term, doctor, events).
fn planning_contract(id: Uuid, term: Term, doctor_id: Uuid) -> jiayi_core::contract::Contract {
    jiayi_core::contract::Contract {
        id,
        agreement_number: String::new(),
        household_id: Uuid::nil(),
        team_id: Uuid::nil(),
        doctor_id,
        representative_id: Uuid::nil(),
        term,
        members: Vec::new(),
        signed_at: chrono::DateTime::<chrono::Utc>::default(),
        catalog_version: String::new(),
        renews: None,
        snapshot_sha256: String::new(),
    }
}

/// A due or overdue item with what the work list shows beside it.
#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DueEntry {
    #[serde(flatten)]
    pub item: DueItem,
    pub resident_name: String,
    pub household_id: Uuid,
    pub village_id: Uuid,
    pub village: String,
    pub package_name: String,
    pub item_name: String,
}

impl Store {
    /// Every owed item of the contracts in force on `day`, planned from its anchors under the
    /// term in force and fulfilled by the visits recorded for it.
    pub fn owed_items(&self, day: NaiveDate) -> Result<Vec<ScheduledItem>> {
        self.owed_items_of(day, None)
    }

    /// As [`Store::owed_items`], for one household only when `household` is given (a household
    /// page must not pay for planning the whole township).
    pub fn owed_items_of(
        &self,
        day: NaiveDate,
        household: Option<Uuid>,
    ) -> Result<Vec<ScheduledItem>> {
        let household_key = household.map(|h| h.to_string());
        let delivered = self.delivered_since(household_key.as_deref(), day)?;
        let (births, periods) = self.anchor_dates(household)?;
        let events = self.events_by_contract()?;
        // Items of a package under a catalog version, resolved once (tiers included).
        let mut resolved: HashMap<(String, String), Vec<ResolvedItem>> = HashMap::new();
        let mut owed = Vec::new();
        // Read only what planning needs, not each contract's whole JSON.
        let mut stmt = self.conn.prepare_cached(
            "SELECT c.id, c.term_start, c.term_end, json_extract(c.json, '$.term'), c.doctor_id,
                    json_extract(c.json, '$.catalog_version'), m.resident_id, m.packages
             FROM contracts c JOIN contract_members m ON m.contract_id = c.id
             WHERE c.term_start <= ?1 AND (?2 IS NULL OR c.household_id = ?2)",
        )?;
        let signed = stmt.query_map(rusqlite::params![day.to_string(), household_key], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, String>(6)?,
                r.get::<_, String>(7)?,
            ))
        })?;
        // Contracts the year's records touched owe what the core says they cover on the day
        // (members added or gone, packages added), not what was signed.
        let by_year = self.coverage_by_year_on(day, household)?;
        let mut rows = Vec::new();
        let mut shapes: HashMap<String, (String, String, String)> = HashMap::new();
        for row in signed {
            let row = row?;
            if by_year.contains_key(&parse_uuid(&row.0)?) {
                shapes
                    .entry(row.0.clone())
                    .or_insert_with(|| (row.1.clone(), row.2.clone(), row.3.clone()));
                continue;
            }
            rows.push(row);
        }
        for (contract, covered) in &by_year {
            let key = contract.to_string();
            let Some((term, doctor, version)) = shapes.get(&key) else {
                continue; // not started on the day
            };
            for c in covered {
                rows.push((
                    key.clone(),
                    term.clone(),
                    doctor.clone(),
                    version.clone(),
                    c.resident_id.to_string(),
                    serde_json::to_string(&c.package_codes)?,
                ));
            }
        }
        // Contract → the term in force on the day and the one it renewed, if any.
        let mut state_cache: HashMap<String, Option<(TermInForce, Option<TermInForce>)>> =
            HashMap::new();
        for row in rows {
            let (contract_key, term_json, doctor, version, resident_key, packages) = row;
            let contract_id = parse_uuid(&contract_key)?;
            if !state_cache.contains_key(&contract_key) {
                let term: Term = serde_json::from_str(&term_json)?;
                let shell = planning_contract(contract_id, term, parse_uuid(&doctor)?);
                // The term in force on the day, automatic renewals included.
                let events = events.get(&contract_id).map(Vec::as_slice).unwrap_or(&[]);
                let in_force = term_on(&shell, events, day).map(|t| {
                    // The term it renewed, whose open windows it carries on.
                    let previous = (t.renewal > 0)
                        .then(|| term_on(&shell, events, t.term.start - chrono::Days::new(1)))
                        .flatten();
                    (t, previous)
                });
                state_cache.insert(contract_key.clone(), in_force);
            }
            let Some((in_force, previous)) = state_cache[&contract_key] else {
                continue;
            };
            let (term, covered_until) = (in_force.term, in_force.last_day);
            let resident_id = parse_uuid(&resident_key)?;
            let is_head = births.get(&resident_key).is_some_and(|(_, head)| *head);
            // Read only for residents whose items count from something other than the term.
            let anchors = || Anchors {
                birth_date: births
                    .get(&resident_key)
                    .and_then(|(born, _)| born.as_deref())
                    .and_then(|b| NaiveDate::parse_from_str(b, "%Y-%m-%d").ok()),
                periods: periods.get(&resident_id).map(Vec::as_slice).unwrap_or(&[]),
            };
            let codes: Vec<String> = serde_json::from_str(&packages)?;
            for code in codes {
                let key = (version.clone(), code);
                if !resolved.contains_key(&key) {
                    let catalog: Catalog = self.catalog(&version)?;
                    let items = catalog
                        .effective_items(&key.1)?
                        .into_iter()
                        .filter(|(_, item)| item.times_per_year > 0)
                        .map(|(package, item)| {
                            (
                                package.code.clone(),
                                item.code.clone(),
                                item.times_per_year,
                                item.schedule.clone(),
                            )
                        })
                        .collect();
                    resolved.insert(key.clone(), items);
                }
                for (package_code, item_code, times, schedule) in &resolved[&key] {
                    if !owed_by(schedule, is_head) {
                        continue; // owed once per household, by its head
                    }
                    // Visits recorded for the item, one entry per visit, oldest first.
                    let visits: Vec<NaiveDate> = delivered
                        .get(&(
                            contract_key.clone(),
                            resident_key.clone(),
                            item_code.clone(),
                        ))
                        .map(|days| {
                            days.iter()
                                .flat_map(|(on, n)| std::iter::repeat_n(*on, *n as usize))
                                .collect()
                        })
                        .unwrap_or_default();
                    let planned = plan_in_force(
                        schedule,
                        *times,
                        &if schedule.anchor == Anchor::Term {
                            Anchors::default()
                        } else {
                            anchors()
                        },
                        &in_force,
                        previous.as_ref(),
                    );
                    let item = OwedItem {
                        contract_id,
                        resident_id,
                        package_code: package_code.clone(),
                        item_code: item_code.clone(),
                        times_per_year: *times,
                        term,
                        covered_until,
                    };
                    owed.push(ScheduledItem::new(item, planned, &visits, day));
                }
            }
        }
        Ok(owed)
    }

    /// Due and overdue items on `day`, with names, overdue first.
    pub fn due_on(&self, day: NaiveDate) -> Result<Vec<DueEntry>> {
        self.due_of(day, None)
    }

    /// Due and overdue items of one household on `day` (all households when `None`).
    pub fn due_of(&self, day: NaiveDate, household: Option<Uuid>) -> Result<Vec<DueEntry>> {
        self.work_of(day, household, 0)
    }

    /// As [`Store::due_of`], with the items whose window opens within `ahead` days as well
    /// (status upcoming): what a round of visits can take in.
    pub fn work_of(
        &self,
        day: NaiveDate,
        household: Option<Uuid>,
        ahead: u64,
    ) -> Result<Vec<DueEntry>> {
        let owed = self.owed_items_of(day, household)?;
        let due = work_items(&owed, day, ahead);
        let catalog_names = self.item_names()?;
        let people = self.people(household)?;
        let mut out = Vec::with_capacity(due.len());
        for item in due {
            let Some((resident_name, household_id, village_id, village)) =
                people.get(&item.resident_id.to_string())
            else {
                continue; // removed from the register (tombstone): nothing is owed to them here
            };
            let (package_name, item_name) = catalog_names
                .get(&(item.package_code.clone(), item.item_code.clone()))
                .cloned()
                .unwrap_or_else(|| (item.package_code.clone(), item.item_code.clone()));
            out.push(DueEntry {
                item,
                resident_name: resident_name.clone(),
                household_id: *household_id,
                village_id: *village_id,
                village: village.clone(),
                package_name,
                item_name,
            });
        }
        Ok(out)
    }

    /// Resident id → (name, household, village id, village), for every resident on the register
    /// (of one household when given).
    fn people(&self, household: Option<Uuid>) -> Result<HashMap<String, Person>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT r.id, r.name, r.household_id, v.id, v.name FROM residents r
             JOIN households h ON h.id = r.household_id JOIN villages v ON v.id = h.village_id
             WHERE r.deleted_at IS NULL AND (?1 IS NULL OR r.household_id = ?1) AND {}",
            crate::scope::in_scope("h")
        ))?;
        let rows = stmt.query_map([household.map(|h| h.to_string())], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
            ))
        })?;
        let mut map = HashMap::new();
        for row in rows {
            let (id, name, household, village_id, village) = row?;
            map.insert(
                id,
                (
                    name,
                    parse_uuid(&household)?,
                    parse_uuid(&village_id)?,
                    village,
                ),
            );
        }
        Ok(map)
    }

    /// (contract, resident, item) → (day, visits that day) of the visits that fulfilled it
    /// recently enough to fall in a term in force on `day` (a term never runs longer than 15
    /// months, so visits from more than 500 days before cannot).
    fn delivered_since(&self, household: Option<&str>, day: NaiveDate) -> Result<DeliveredDays> {
        let since = day - chrono::Days::new(500);
        let mut stmt = self.conn.prepare_cached(
            "SELECT v.contract_id, v.resident_id, v.item_code, v.occurred_on, COUNT(*) FROM visits v
             JOIN contracts c ON c.id = v.contract_id
             WHERE v.item_code IS NOT NULL AND v.occurred_on >= ?2
               AND (?1 IS NULL OR c.household_id = ?1)
             GROUP BY v.contract_id, v.resident_id, v.item_code, v.occurred_on",
        )?;
        let rows = stmt.query_map(rusqlite::params![household, since.to_string()], |r| {
            Ok((
                (
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                ),
                r.get::<_, String>(3)?,
                r.get::<_, u32>(4)?,
            ))
        })?;
        let mut out: DeliveredDays = HashMap::new();
        for row in rows {
            let (key, on, count) = row?;
            let on = NaiveDate::parse_from_str(&on, "%Y-%m-%d")
                .map_err(|e| crate::error::StoreError::Corrupt(e.to_string()))?;
            out.entry(key).or_default().push((on, count));
        }
        Ok(out)
    }

    /// What residents' items are anchored on: birth dates and dated group periods (of one
    /// household's residents when given).
    #[allow(clippy::type_complexity)]
    fn anchor_dates(
        &self,
        household: Option<Uuid>,
    ) -> Result<(
        HashMap<String, (Option<String>, bool)>,
        HashMap<Uuid, Vec<GroupPeriod>>,
    )> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, birth_date, relation = 'head' FROM residents
             WHERE ?1 IS NULL OR household_id = ?1",
        )?;
        let rows = stmt.query_map([household.map(|h| h.to_string())], |r| {
            Ok((
                r.get::<_, String>(0)?,
                (r.get::<_, Option<String>>(1)?, r.get::<_, bool>(2)?),
            ))
        })?;
        let mut births = HashMap::new();
        for row in rows {
            let (id, born) = row?;
            births.insert(id, born);
        }
        let mut periods: HashMap<Uuid, Vec<GroupPeriod>> = HashMap::new();
        for p in self.all_group_periods()? {
            if household.is_none() || births.contains_key(&p.resident_id.to_string()) {
                periods.entry(p.resident_id).or_default().push(p);
            }
        }
        Ok((births, periods))
    }

    /// Package and item names in the current catalog, by code.
    fn item_names(&self) -> Result<HashMap<(String, String), (String, String)>> {
        let catalog = self.current_catalog()?;
        let mut names = HashMap::new();
        for package in &catalog.packages {
            for item in &package.items {
                names.insert(
                    (package.code.clone(), item.code.clone()),
                    (package.name.clone(), item.name.clone()),
                );
            }
        }
        Ok(names)
    }
}
