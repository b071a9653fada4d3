//! The indicator dataset read from the store in a few bulk queries (one per table), and the
//! township's indicator targets, kept in the settings table beside the township settings.

use std::collections::HashMap;

use chrono::NaiveDate;
use jiayi_core::contract::Term;
use jiayi_core::indicators::Targets;
use jiayi_core::indicators::dataset::{
    ContractInfo, Dataset, DoctorChange, HouseholdInfo, MemberInfo, OwedSpec, ResidentInfo,
    VillageInfo, VisitInfo, owed_specs, responsible_doctor, team_rows,
};
use jiayi_core::person::PopulationGroup;
use jiayi_core::visit::{
    BP_TARGET_DIASTOLIC, BP_TARGET_SYSTOLIC, GLUCOSE_TARGET_MMOL_L, VisitKind, VisitMode,
};
use jiayi_core::year::renewal::successor_start;
use rusqlite::OptionalExtension;
use uuid::Uuid;

use crate::Store;
use crate::error::{Result, StoreError};
use crate::reference::parse_uuid;

const TARGETS_KEY: &str = "indicator_targets";

/// The dataset last read, with the part versions (migration V5's `data_versions`) and the last
/// visit rowid it was read at.
pub(crate) type DatasetCache = std::cell::RefCell<Option<CachedDataset>>;

pub(crate) struct CachedDataset {
    versions: PartVersions,
    visits_through: i64,
    /// The villages the device was enrolled for when the people were read (see `scope`).
    scope: Option<String>,
    dataset: std::sync::Arc<Dataset>,
}

/// The versions of the dataset's parts; each moves on every write to the part's tables (the
/// visits' only on an update or a deletion: new visits are found by rowid).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct PartVersions {
    reference: i64,
    people: i64,
    contracts: i64,
    visits: i64,
    /// Referrals and surveys (migration V10).
    services: i64,
}

fn parse_date(text: &str) -> Result<NaiveDate> {
    text.parse()
        .map_err(|e| StoreError::Corrupt(format!("bad date '{text}': {e}")))
}

impl Store {
    /// The township's indicator targets; the plans' defaults until the township sets its own.
    pub fn indicator_targets(&self) -> Result<Targets> {
        Ok(self.get_setting(TARGETS_KEY)?.unwrap_or_default())
    }

    pub fn put_indicator_targets(&mut self, targets: &Targets) -> Result<()> {
        self.put_setting(TARGETS_KEY, targets)
    }

    /// The dataset, with only what changed since the last read read again (by this
    /// connection's writes or another's): a report after a visit reads that visit, after a
    /// household edit the register, and reports, drill-downs and exports made one after the
    /// other share one read.
    pub fn indicator_dataset_shared(&self) -> Result<std::sync::Arc<Dataset>> {
        let (versions, visits_through) = self.part_versions()?;
        let scope = self.scope_key()?;
        let mut cache = self.indicator_cache.borrow_mut();
        let Some(cached) = cache.as_mut() else {
            let dataset = std::sync::Arc::new(self.indicator_dataset_through(visits_through)?);
            *cache = Some(CachedDataset {
                versions,
                visits_through,
                scope,
                dataset: dataset.clone(),
            });
            return Ok(dataset);
        };
        let rescoped = cached.scope != scope;
        if !rescoped && cached.versions == versions && cached.visits_through == visits_through {
            return Ok(cached.dataset.clone());
        }
        // Nobody else holds the cached dataset between calls, so this updates it in place.
        let ds = std::sync::Arc::make_mut(&mut cached.dataset);
        let was = cached.versions;
        if was.reference != versions.reference {
            ds.villages.clear();
            ds.teams.clear();
            ds.doctors.clear();
            self.load_reference(ds)?;
        }
        // The year's records join people and contracts (and what a contract owes is read from
        // its catalog, reference data): a change to any of them reads both again.
        if rescoped
            || was.people != versions.people
            || was.contracts != versions.contracts
            || was.reference != versions.reference
        {
            ds.households.clear();
            ds.residents.clear();
            self.load_people(ds)?;
            ds.contracts.clear();
            self.load_contracts(ds)?;
            self.load_year(ds)?;
        }
        if was.services != versions.services {
            self.load_services(ds)?;
        }
        if was.visits != versions.visits || visits_through < cached.visits_through {
            ds.visits.clear();
            self.load_visits(ds, 0, visits_through)?;
        } else if visits_through > cached.visits_through {
            self.load_visits(ds, cached.visits_through, visits_through)?;
        }
        cached.versions = versions;
        cached.visits_through = visits_through;
        cached.scope = scope;
        Ok(cached.dataset.clone())
    }

    /// The enrollment's villages as stored: enrolling for other villages changes which
    /// households the figures count.
    fn scope_key(&self) -> Result<Option<String>> {
        Ok(self
            .conn
            .prepare_cached("SELECT villages FROM enrollment")?
            .query_row([], |r| r.get(0))
            .optional()?)
    }

    /// The parts' versions and the last visit's rowid, read before the data: a write landing
    /// in between is read in and then read again next time, never missed.
    fn part_versions(&self) -> Result<(PartVersions, i64)> {
        let mut versions = PartVersions::default();
        let mut stmt = self
            .conn
            .prepare_cached("SELECT part, version FROM data_versions")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let version: i64 = r.get(1)?;
            match r.get_ref(0)?.as_str().unwrap_or_default() {
                "reference" => versions.reference = version,
                "people" => versions.people = version,
                "contracts" => versions.contracts = version,
                "visits" => versions.visits = version,
                "services" => versions.services = version,
                _ => {}
            }
        }
        let visits_through: i64 = self
            .conn
            .prepare_cached("SELECT COALESCE(MAX(rowid), 0) FROM visits")?
            .query_row([], |r| r.get(0))?;
        Ok((versions, visits_through))
    }

    /// Everything the indicators are computed from, read in bulk.
    pub fn indicator_dataset(&self) -> Result<Dataset> {
        self.indicator_dataset_through(i64::MAX)
    }

    fn indicator_dataset_through(&self, visits_through: i64) -> Result<Dataset> {
        let mut ds = Dataset::default();
        self.load_reference(&mut ds)?;
        self.load_people(&mut ds)?;
        self.load_contracts(&mut ds)?;
        self.load_year(&mut ds)?;
        self.load_visits(&mut ds, 0, visits_through)?;
        self.load_services(&mut ds)?;
        Ok(ds)
    }

    /// Referrals out and back and satisfaction surveys, whole (they are few beside visits).
    fn load_services(&self, ds: &mut Dataset) -> Result<()> {
        ds.referrals_out = self.all_referrals_out()?;
        ds.referrals_back = self.all_referrals_back()?;
        ds.surveys = self.all_surveys()?;
        Ok(())
    }

    fn load_reference(&self, ds: &mut Dataset) -> Result<()> {
        let teams = self.teams()?;
        let mut team_of_village: HashMap<Uuid, Uuid> = HashMap::new();
        {
            let mut stmt = self
                .conn
                .prepare_cached("SELECT village_id, team_id FROM team_villages ORDER BY team_id")?;
            let rows =
                stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
            for row in rows {
                let (village, team) = row?;
                // The first team by id, as `team_for_village` picks it.
                team_of_village
                    .entry(parse_uuid(&village)?)
                    .or_insert(parse_uuid(&team)?);
            }
        }
        for team in &teams {
            let (info, doctors) = team_rows(team);
            ds.teams.push(info);
            ds.doctors.extend(doctors);
        }
        for village in self.villages()? {
            let team_id = team_of_village.get(&village.id).copied();
            let doctor_id = team_id
                .and_then(|t| teams.iter().find(|team| team.id == t))
                .and_then(responsible_doctor);
            ds.villages.push(VillageInfo {
                id: village.id,
                code: village.code,
                name: village.name,
                team_id,
                doctor_id,
            });
        }
        Ok(())
    }

    fn load_people(&self, ds: &mut Dataset) -> Result<()> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT h.id, h.village_id FROM households h WHERE h.deleted_at IS NULL AND {}",
            crate::scope::in_scope("h")
        ))?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
        for row in rows {
            let (id, village) = row?;
            ds.households.push(HouseholdInfo {
                id: parse_uuid(&id)?,
                village_id: parse_uuid(&village)?,
            });
        }
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT r.id, r.household_id, r.name, r.id_number, r.birth_date, r.groups, r.relation = 'head'
             FROM residents r JOIN households h ON h.id = r.household_id
             WHERE r.deleted_at IS NULL AND h.deleted_at IS NULL AND {}",
            crate::scope::in_scope("h")
        ))?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, Option<String>>(3)?,
                r.get::<_, Option<String>>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, bool>(6)?,
            ))
        })?;
        for row in rows {
            let (id, household, name, id_number, birth, groups, head) = row?;
            let groups: Vec<PopulationGroup> = if groups == "[]" {
                Vec::new()
            } else {
                serde_json::from_str(&groups)?
            };
            ds.residents.push(ResidentInfo {
                id: parse_uuid(&id)?,
                household_id: parse_uuid(&household)?,
                name,
                id_number,
                birth_date: birth.as_deref().map(parse_date).transpose()?,
                groups,
                head,
                periods: Vec::new(),
                membership: Vec::new(),
            });
        }
        Ok(())
    }

    fn load_contracts(&self, ds: &mut Dataset) -> Result<()> {
        // Terminations, changes of doctor and successors signed at renewal, in clock order.
        let mut terminated: HashMap<String, NaiveDate> = HashMap::new();
        // A successor's first day as recorded (older events lack it).
        let mut successors: HashMap<String, Option<NaiveDate>> = HashMap::new();
        let mut changes: HashMap<String, Vec<DoctorChange>> = HashMap::new();
        let mut stmt = self.conn.prepare_cached(
            "SELECT contract_id, kind,
                    COALESCE(json_extract(json, '$.kind.effective_on'),
                             json_extract(json, '$.kind.successor_starts')),
                    json_extract(json, '$.kind.to_doctor_id')
             FROM contract_events WHERE kind IN ('terminated', 'doctor_changed', 'renewed')
             ORDER BY hlc, id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, Option<String>>(3)?,
            ))
        })?;
        for row in rows {
            let (contract, kind, effective, doctor) = row?;
            if kind == "renewed" {
                let starts = effective.as_deref().map(parse_date).transpose()?;
                successors.insert(contract, starts);
                continue;
            }
            let effective = parse_date(effective.as_deref().unwrap_or_default())?;
            if kind == "terminated" {
                terminated.insert(contract, effective);
            } else if let Some(doctor) = doctor {
                changes.entry(contract).or_default().push(DoctorChange {
                    effective_on: effective,
                    doctor_id: parse_uuid(&doctor)?,
                });
            }
        }

        // Members with their packages; the items are resolved once per catalog and choice.
        let mut members: HashMap<String, Vec<(String, String)>> = HashMap::new();
        let mut stmt = self
            .conn
            .prepare_cached("SELECT contract_id, resident_id, packages FROM contract_members")?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
            ))
        })?;
        for row in rows {
            let (contract, resident, packages) = row?;
            members
                .entry(contract)
                .or_default()
                .push((resident, packages));
        }

        let mut resolved: HashMap<(String, String), Vec<OwedSpec>> = HashMap::new();
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, agreement_number, household_id, team_id, doctor_id,
                    json_extract(json, '$.term'), json_extract(json, '$.catalog_version')
             FROM contracts ORDER BY term_start, id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, String>(6)?,
            ))
        })?;
        for row in rows {
            let (id, number, household, team, doctor, term, version) = row?;
            let term: Term = serde_json::from_str(&term)?;
            let mut infos = Vec::new();
            for (resident, packages) in members.remove(&id).unwrap_or_default() {
                let key = (version.clone(), packages);
                if !resolved.contains_key(&key) {
                    let codes: Vec<String> = serde_json::from_str(&key.1)?;
                    let items = match self.catalog(&version) {
                        Ok(catalog) => owed_specs(&catalog, &codes),
                        // A catalog this device never received: nothing can be scheduled.
                        Err(StoreError::NotFound { .. }) => Vec::new(),
                        Err(e) => return Err(e),
                    };
                    resolved.insert(key.clone(), items);
                }
                infos.push(MemberInfo {
                    resident_id: parse_uuid(&resident)?,
                    items: resolved[&key].clone(),
                    spans: Vec::new(),
                });
            }
            ds.contracts.push(ContractInfo {
                id: parse_uuid(&id)?,
                agreement_number: number,
                household_id: parse_uuid(&household)?,
                team_id: parse_uuid(&team)?,
                doctor_id: parse_uuid(&doctor)?,
                term,
                terminated_on: terminated.get(&id).copied(),
                successor_from: successors
                    .get(&id)
                    .map(|starts| successor_start(&term, *starts)),
                doctor_changes: changes.remove(&id).unwrap_or_default(),
                members: infos,
            });
        }
        Ok(())
    }

    /// Adds group periods, membership and amendments (`Dataset::add_year`, the rule the server
    /// uses too). Only the contracts they concern are read whole.
    fn load_year(&self, ds: &mut Dataset) -> Result<()> {
        let periods = self.all_group_periods()?;
        let membership = self.all_membership_events()?;
        let amendments = self.all_amendments()?;
        let mut concerned: std::collections::BTreeSet<Uuid> =
            amendments.iter().map(|a| a.contract_id).collect();
        if !membership.is_empty() {
            let mut households: std::collections::HashSet<Uuid> =
                membership.iter().map(|e| e.household_id).collect();
            let moved: std::collections::HashSet<Uuid> =
                membership.iter().map(|e| e.resident_id).collect();
            households.extend(
                ds.residents
                    .iter()
                    .filter(|r| moved.contains(&r.id))
                    .map(|r| r.household_id),
            );
            concerned.extend(
                ds.contracts
                    .iter()
                    .filter(|c| households.contains(&c.household_id))
                    .map(|c| c.id),
            );
        }
        let mut contracts = Vec::new();
        let mut events = Vec::new();
        let mut catalogs: Vec<jiayi_core::catalog::Catalog> = Vec::new();
        for id in concerned {
            let record = self.contract(id)?;
            let version = &record.contract.catalog_version;
            if !catalogs.iter().any(|c| &c.version == version) {
                match self.catalog(version) {
                    Ok(catalog) => catalogs.push(catalog),
                    Err(StoreError::NotFound { .. }) => {}
                    Err(e) => return Err(e),
                }
            }
            events.extend(record.events);
            contracts.push(record.contract);
        }
        ds.add_year(
            &contracts,
            &events,
            &jiayi_core::indicators::dataset::YearRecords {
                periods: &periods,
                membership: &membership,
                amendments: &amendments,
            },
            &catalogs,
        );
        Ok(())
    }

    /// Appends the visits with a rowid in `(after, through]`, in rowid order.
    fn load_visits(&self, ds: &mut Dataset, after: i64, through: i64) -> Result<()> {
        let mut kinds: HashMap<String, VisitKind> = HashMap::new();
        let mut stmt = self.conn.prepare_cached(
            "SELECT resident_id, contract_id, item_code, kind, occurred_on,
                    -- Readings decide control only on chronic follow-ups: read them there.
                    CASE WHEN kind IN ('hypertension_follow_up', 'diabetes_follow_up')
                         THEN json_extract(json, '$.vitals.systolic_mmhg') END,
                    CASE WHEN kind IN ('hypertension_follow_up', 'diabetes_follow_up')
                         THEN json_extract(json, '$.vitals.diastolic_mmhg') END,
                    CASE WHEN kind IN ('hypertension_follow_up', 'diabetes_follow_up')
                         THEN json_extract(json, '$.vitals.fasting_glucose_mmol_l') END,
                    mode, served_by
             FROM visits WHERE rowid > ?1 AND rowid <= ?2 ORDER BY rowid",
        )?;
        // Text is read in place (no copy per row): this table is the largest.
        let text = |r: &rusqlite::Row<'_>, i: usize| -> Result<Option<String>> {
            Ok(r.get_ref(i)?
                .as_str_or_null()
                .map_err(|e| StoreError::Corrupt(e.to_string()))?
                .map(str::to_string))
        };
        let mut rows = stmt.query([after, through])?;
        while let Some(r) = rows.next()? {
            let str_at = |i: usize| -> Result<&str> {
                r.get_ref(i)?
                    .as_str()
                    .map_err(|e| StoreError::Corrupt(e.to_string()))
            };
            let kind_text = str_at(3)?;
            let kind = match kinds.get(kind_text) {
                Some(k) => *k,
                None => {
                    let parsed: VisitKind =
                        serde_json::from_value(serde_json::Value::String(kind_text.to_string()))?;
                    kinds.insert(kind_text.to_string(), parsed);
                    parsed
                }
            };
            let systolic: Option<i64> = r.get(5)?;
            let diastolic: Option<i64> = r.get(6)?;
            let glucose: Option<f64> = r.get(7)?;
            // The same rule as `Vitals::bp_on_target` and `glucose_on_target`.
            let bp_on_target = systolic.zip(diastolic).map(|(s, d)| {
                s < i64::from(BP_TARGET_SYSTOLIC) && d < i64::from(BP_TARGET_DIASTOLIC)
            });
            let contract = r
                .get_ref(1)?
                .as_str_or_null()
                .map_err(|e| StoreError::Corrupt(e.to_string()))?;
            let mode = match r
                .get_ref(8)?
                .as_str_or_null()
                .map_err(|e| StoreError::Corrupt(e.to_string()))?
            {
                Some("phone") => VisitMode::Phone,
                Some("home") => VisitMode::Home,
                // Written by V8 from every payload; a row it could not read counts as face to face.
                _ => VisitMode::Clinic,
            };
            let served_by = r
                .get_ref(9)?
                .as_str_or_null()
                .map_err(|e| StoreError::Corrupt(e.to_string()))?
                .map(parse_uuid)
                .transpose()?;
            ds.visits.push(VisitInfo {
                resident_id: parse_uuid(str_at(0)?)?,
                contract_id: contract.map(parse_uuid).transpose()?,
                item_code: text(r, 2)?,
                kind,
                mode,
                served_by,
                on: parse_date(str_at(4)?)?,
                bp_on_target,
                glucose_on_target: glucose.map(|g| g < GLUCOSE_TARGET_MMOL_L),
            });
        }
        Ok(())
    }
}
