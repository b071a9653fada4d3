//! The schedule read from the store: contracts' owed items joined with the visits recorded.

use std::collections::HashMap;

use chrono::NaiveDate;
use jiayi_core::catalog::Catalog;
use jiayi_core::contract::{ContractEvent, Term};
use jiayi_core::schedule::plan::{Anchors, owed_by, plan_in_force};
use jiayi_core::schedule::window::{Anchor, ItemSchedule};
use jiayi_core::schedule::{DueItem, OwedItem, ScheduledItem, work_items};
use jiayi_core::term::TermInForce;
use jiayi_core::year::groups::GroupPeriod;
use jiayi_core::year::order::Stamped;
use jiayi_core::year::renewal::term_on;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::Result;
use crate::reference::parse_uuid;
use crate::{ContractRecord, Store};

/// A resident as the work list names them: (name, household, village id, village name).
type Person = (String, Uuid, Uuid, String);

/// A package's item as planning needs it: (package code, item code, times a year, schedule).
type ResolvedItem = (String, String, u32, ItemSchedule);

/// (contract, resident) → (item, day, visits that day) of the visits that fulfilled an item,
/// oldest first for each item.
type DeliveredDays = HashMap<(Uuid, Uuid), Vec<(String, NaiveDate, u32)>>;

/// Contract → who it covers on a day by the year's records ([`Store::coverage_by_year_on`]).
pub type YearCoverage = HashMap<Uuid, Vec<jiayi_core::year::amendment::MemberCoverage>>;

/// What planning reads of a signed contract.
struct SignedTerms {
    term: Term,
    doctor_id: Uuid,
    catalog_version: String,
}

/// A text column borrowed from the row, not copied.
fn text<'r>(row: &'r rusqlite::Row<'_>, column: usize) -> rusqlite::Result<&'r str> {
    row.get_ref(column)?.as_str().map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(column, rusqlite::types::Type::Text, Box::new(e))
    })
}

/// What [`Store::signed_on`] reads, taken from contracts already read whole: the contracts
/// started by `day` that have members, and their members with the packages signed for.
#[allow(clippy::type_complexity)]
fn signed_among(
    day: NaiveDate,
    contracts: &[ContractRecord],
) -> (HashMap<Uuid, SignedTerms>, Vec<(Uuid, Uuid, Vec<String>)>) {
    let mut signed = HashMap::new();
    let mut members = Vec::new();
    for record in contracts {
        let c = &record.contract;
        // A contract with no members plans nothing, whatever the year's records say.
        if c.term.start > day || c.members.is_empty() {
            continue;
        }
        signed.insert(
            c.id,
            SignedTerms {
                term: c.term,
                doctor_id: c.doctor_id,
                catalog_version: c.catalog_version.clone(),
            },
        );
        members.extend(
            c.members
                .iter()
                .map(|m| (c.id, m.resident_id, m.package_codes.clone())),
        );
    }
    (signed, members)
}

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
        let by_year = self.coverage_by_year_on(day, household)?;
        self.owed_items_covered(day, household, &by_year)
    }

    /// As [`Store::owed_items_of`], with the year's coverage on `day` already read (the work
    /// list needs it too, and reads it once).
    pub fn owed_items_covered(
        &self,
        day: NaiveDate,
        household: Option<Uuid>,
        by_year: &YearCoverage,
    ) -> Result<Vec<ScheduledItem>> {
        let (signed, members) = self.signed_on(day, household.map(|h| h.to_string()).as_deref())?;
        let events = self.events_by_contract()?;
        let events = events.iter().map(|(id, e)| (*id, e.as_slice())).collect();
        self.plan_signed(day, household, by_year, &signed, members, &events)
    }

    /// As [`Store::owed_items_covered`] for the whole township, from every contract already
    /// read ([`Store::all_contracts`]): the work list reads them anyway, and planning then reads
    /// no contract again.
    pub fn owed_items_among(
        &self,
        day: NaiveDate,
        by_year: &YearCoverage,
        contracts: &[ContractRecord],
    ) -> Result<Vec<ScheduledItem>> {
        let (signed, members) = signed_among(day, contracts);
        let events = contracts
            .iter()
            .map(|r| (r.contract.id, r.events.as_slice()))
            .collect();
        self.plan_signed(day, None, by_year, &signed, members, &events)
    }

    /// Plans the items of the contracts signed by `day` (`signed`, with their member rows),
    /// under the term each has in force by its events.
    fn plan_signed(
        &self,
        day: NaiveDate,
        household: Option<Uuid>,
        by_year: &YearCoverage,
        signed: &HashMap<Uuid, SignedTerms>,
        members: Vec<(Uuid, Uuid, Vec<String>)>,
        events: &HashMap<Uuid, &[Stamped<ContractEvent>]>,
    ) -> Result<Vec<ScheduledItem>> {
        let household_key = household.map(|h| h.to_string());
        let delivered = self.delivered_since(household_key.as_deref(), day)?;
        let (births, periods) = self.anchor_dates(household)?;
        // Items of a package under a catalog version, resolved once (tiers included).
        let mut resolved: HashMap<(String, String), Vec<ResolvedItem>> = HashMap::new();
        let mut owed = Vec::new();
        // Contracts the year's records touched owe what the core says they cover on the day
        // (members added or gone, packages added), not what was signed.
        let mut rows: Vec<(Uuid, Uuid, Vec<String>)> = members
            .into_iter()
            .filter(|(contract, _, _)| !by_year.contains_key(contract))
            .collect();
        for (contract, covered) in by_year {
            if !signed.contains_key(contract) {
                continue; // not started on the day
            }
            for c in covered {
                rows.push((*contract, c.resident_id, c.package_codes.clone()));
            }
        }
        // Contract → the term in force on the day and the one it renewed, if any.
        let mut state_cache: HashMap<Uuid, Option<(TermInForce, Option<TermInForce>)>> =
            HashMap::new();
        for (contract_id, resident_id, codes) in rows {
            let contract = &signed[&contract_id];
            let state = state_cache.entry(contract_id).or_insert_with(|| {
                let shell = planning_contract(contract_id, contract.term, contract.doctor_id);
                // The term in force on the day, automatic renewals included.
                let events = events.get(&contract_id).copied().unwrap_or(&[]);
                term_on(&shell, events, day).map(|t| {
                    // The term it renewed, whose open windows it carries on.
                    let previous = (t.renewal > 0)
                        .then(|| term_on(&shell, events, t.term.start - chrono::Days::new(1)))
                        .flatten();
                    (t, previous)
                })
            });
            let Some((in_force, previous)) = *state else {
                continue;
            };
            let (term, covered_until) = (in_force.term, in_force.last_day);
            let born = births.get(&resident_id);
            let is_head = born.is_some_and(|(_, head)| *head);
            // Read only for residents whose items count from something other than the term.
            let anchors = || Anchors {
                birth_date: born
                    .and_then(|(born, _)| born.as_deref())
                    .and_then(|b| NaiveDate::parse_from_str(b, "%Y-%m-%d").ok()),
                periods: periods.get(&resident_id).map(Vec::as_slice).unwrap_or(&[]),
            };
            let visits_of_resident = delivered
                .get(&(contract_id, resident_id))
                .map(Vec::as_slice)
                .unwrap_or(&[]);
            for code in codes {
                let key = (contract.catalog_version.clone(), code);
                if !resolved.contains_key(&key) {
                    let catalog: Catalog = self.catalog(&contract.catalog_version)?;
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
                    let visits: Vec<NaiveDate> = visits_of_resident
                        .iter()
                        .filter(|(item, _, _)| item == item_code)
                        .flat_map(|(_, on, n)| std::iter::repeat_n(*on, *n as usize))
                        .collect();
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

    /// The contracts started by `day` (of one household when given), with what planning reads
    /// of each, and their signed members with the packages signed for: each contract's JSON is
    /// read once, not once per member.
    #[allow(clippy::type_complexity)]
    fn signed_on(
        &self,
        day: NaiveDate,
        household: Option<&str>,
    ) -> Result<(HashMap<Uuid, SignedTerms>, Vec<(Uuid, Uuid, Vec<String>)>)> {
        // One household's contracts by its index; the township's in one scan.
        let mut stmt = self.conn.prepare_cached(match household {
            Some(_) => {
                "SELECT id, json_extract(json, '$.term'), doctor_id,
                        json_extract(json, '$.catalog_version')
                 FROM contracts WHERE term_start <= ?1 AND household_id = ?2"
            }
            None => {
                "SELECT id, json_extract(json, '$.term'), doctor_id,
                        json_extract(json, '$.catalog_version')
                 FROM contracts WHERE term_start <= ?1 AND ?2 IS NULL"
            }
        })?;
        let mut rows = stmt.query(rusqlite::params![day.to_string(), household])?;
        let mut signed = HashMap::new();
        while let Some(r) = rows.next()? {
            signed.insert(
                parse_uuid(text(r, 0)?)?,
                SignedTerms {
                    term: serde_json::from_str(text(r, 1)?)?,
                    doctor_id: parse_uuid(text(r, 2)?)?,
                    catalog_version: r.get(3)?,
                },
            );
        }
        // A contract with no member rows plans nothing, whatever the year's records say.
        let mut stmt = self.conn.prepare_cached(match household {
            Some(_) => {
                "SELECT contract_id, resident_id, packages FROM contract_members
                 WHERE contract_id IN (SELECT id FROM contracts WHERE household_id = ?1)"
            }
            None => {
                "SELECT contract_id, resident_id, packages FROM contract_members WHERE ?1 IS NULL"
            }
        })?;
        let mut rows = stmt.query([household])?;
        let mut members = Vec::new();
        let mut with_members = std::collections::HashSet::new();
        while let Some(r) = rows.next()? {
            let contract = parse_uuid(text(r, 0)?)?;
            if !signed.contains_key(&contract) {
                continue;
            }
            with_members.insert(contract);
            members.push((
                contract,
                parse_uuid(text(r, 1)?)?,
                serde_json::from_str(text(r, 2)?)?,
            ));
        }
        signed.retain(|id, _| with_members.contains(id));
        Ok((signed, members))
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
        let by_year = self.coverage_by_year_on(day, household)?;
        self.work_covered(day, household, ahead, &by_year)
    }

    /// As [`Store::work_of`], with the year's coverage on `day` already read.
    pub fn work_covered(
        &self,
        day: NaiveDate,
        household: Option<Uuid>,
        ahead: u64,
        by_year: &YearCoverage,
    ) -> Result<Vec<DueEntry>> {
        let owed = self.owed_items_covered(day, household, by_year)?;
        self.named_work(&owed, day, household, ahead)
    }

    /// As [`Store::work_covered`] for the whole township, from every contract already read
    /// ([`Store::owed_items_among`]).
    pub fn work_among(
        &self,
        day: NaiveDate,
        ahead: u64,
        by_year: &YearCoverage,
        contracts: &[ContractRecord],
    ) -> Result<Vec<DueEntry>> {
        let owed = self.owed_items_among(day, by_year, contracts)?;
        self.named_work(&owed, day, None, ahead)
    }

    /// The items of `owed` due within `ahead` days of `day`, with their residents' and items'
    /// names.
    fn named_work(
        &self,
        owed: &[ScheduledItem],
        day: NaiveDate,
        household: Option<Uuid>,
        ahead: u64,
    ) -> Result<Vec<DueEntry>> {
        let due = work_items(owed, day, ahead);
        let catalog_names = self.item_names()?;
        let people = self.people(household)?;
        let mut out = Vec::with_capacity(due.len());
        for item in due {
            let Some((resident_name, household_id, village_id, village)) =
                people.get(&item.resident_id)
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
    fn people(&self, household: Option<Uuid>) -> Result<HashMap<Uuid, Person>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT r.id, r.name, r.household_id, v.id, v.name FROM residents r
             JOIN households h ON h.id = r.household_id JOIN villages v ON v.id = h.village_id
             WHERE r.deleted_at IS NULL AND (?1 IS NULL OR r.household_id = ?1) AND {}",
            crate::scope::in_scope("h")
        ))?;
        let mut rows = stmt.query([household.map(|h| h.to_string())])?;
        let mut map = HashMap::new();
        while let Some(r) = rows.next()? {
            // An id that is not one is owed nothing: no contract member can name it.
            let Ok(id) = Uuid::parse_str(text(r, 0)?) else {
                continue;
            };
            map.insert(
                id,
                (
                    r.get(1)?,
                    parse_uuid(text(r, 2)?)?,
                    parse_uuid(text(r, 3)?)?,
                    r.get(4)?,
                ),
            );
        }
        Ok(map)
    }

    /// (contract, resident) → (item, day, visits that day) of the visits that fulfilled an item
    /// recently enough to fall in a term in force on `day` (a term never runs longer than 15
    /// months, so visits from more than 500 days before cannot).
    fn delivered_since(&self, household: Option<&str>, day: NaiveDate) -> Result<DeliveredDays> {
        let since = day - chrono::Days::new(500);
        // The township's visits straight from the index (a visit's contract is only looked up
        // by the contracts read, so none needs joining); one household's through its contracts.
        let mut stmt = self.conn.prepare_cached(match household {
            Some(_) => {
                "SELECT v.contract_id, v.resident_id, v.item_code, v.occurred_on, COUNT(*)
                 FROM visits v JOIN contracts c ON c.id = v.contract_id
                 WHERE v.item_code IS NOT NULL AND v.occurred_on >= ?2 AND c.household_id = ?1
                 GROUP BY v.contract_id, v.resident_id, v.item_code, v.occurred_on
                 ORDER BY v.contract_id, v.resident_id, v.item_code, v.occurred_on"
            }
            None => {
                "SELECT contract_id, resident_id, item_code, occurred_on, COUNT(*) FROM visits
                 WHERE item_code IS NOT NULL AND occurred_on >= ?2 AND ?1 IS NULL
                   AND contract_id IS NOT NULL
                 GROUP BY contract_id, resident_id, item_code, occurred_on
                 ORDER BY contract_id, resident_id, item_code, occurred_on"
            }
        })?;
        let mut rows = stmt.query(rusqlite::params![household, since.to_string()])?;
        let mut out: DeliveredDays = HashMap::new();
        while let Some(r) = rows.next()? {
            let on = text(r, 3)?;
            let on = NaiveDate::parse_from_str(on, "%Y-%m-%d")
                .map_err(|e| crate::error::StoreError::Corrupt(e.to_string()))?;
            let Ok(contract) = Uuid::parse_str(text(r, 0)?) else {
                continue; // not an id any contract read has
            };
            let Ok(resident) = Uuid::parse_str(text(r, 1)?) else {
                continue;
            };
            out.entry((contract, resident)).or_default().push((
                text(r, 2)?.to_string(),
                on,
                r.get(4)?,
            ));
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
        HashMap<Uuid, (Option<String>, bool)>,
        HashMap<Uuid, Vec<GroupPeriod>>,
    )> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, birth_date, relation = 'head' FROM residents
             WHERE ?1 IS NULL OR household_id = ?1",
        )?;
        let mut rows = stmt.query([household.map(|h| h.to_string())])?;
        let mut births = HashMap::new();
        while let Some(r) = rows.next()? {
            // An id that is not one is owed nothing: no contract member can name it.
            if let Ok(id) = Uuid::parse_str(text(r, 0)?) {
                births.insert(id, (r.get::<_, Option<String>>(1)?, r.get::<_, bool>(2)?));
            }
        }
        let mut periods: HashMap<Uuid, Vec<GroupPeriod>> = HashMap::new();
        for p in self.all_group_periods()? {
            if household.is_none() || births.contains_key(&p.resident_id) {
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
