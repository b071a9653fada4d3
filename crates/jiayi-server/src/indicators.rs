//! The township's indicators over every device's synced records: the server reads each
//! record's current payload, deserialises it into the core types and builds the same
//! [`Dataset`] a device builds from its own file, so the formulas in `jiayi-core` give the
//! same figures on both sides. Targets are a township setting kept on the server.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use jiayi_core::catalog::Catalog;
use jiayi_core::change::Entity;
use jiayi_core::contract::{Contract, ContractEvent};
use jiayi_core::household::{Household, Resident, Village};
use jiayi_core::indicators::dataset::Records;
use jiayi_core::indicators::dataset::YearRecords;
use jiayi_core::indicators::{Dataset, Targets};
use jiayi_core::visit::Visit;
use jiayi_core::year::amendment::Amendment;
use jiayi_core::year::groups::GroupPeriod;
use jiayi_core::year::membership::MembershipEvent;
use jiayi_core::year::order::Stamped;
use jiayi_sync::protocol::ReferenceKind;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::error::{Result, ServerError};
use crate::merge::RecordState;
use crate::storage::Storage;

/// The settings key the targets are stored under (JSON, fractions).
pub const TARGETS_KEY: &str = "indicator_targets";

/// A dataset and how many stored payloads could not be read into it (shown, never hidden).
#[derive(Debug, Clone, Default)]
pub struct ServerDataset {
    pub dataset: Dataset,
    pub unreadable: usize,
    /// Service item names (Chinese, English) by code, for the lists behind a figure.
    pub item_names: HashMap<String, (String, String)>,
}

/// A payload with the soft-deletion flag residents carry (`"deleted": true`).
#[derive(Deserialize)]
struct Live<T> {
    #[serde(flatten)]
    record: T,
    #[serde(default)]
    deleted: bool,
}

/// Contracts and their events travel with their frozen snapshot and signatures beside them.
#[derive(Deserialize)]
struct ContractPayload {
    contract: Contract,
}

/// A membership event as synced: `{"event": …}`.
#[derive(Deserialize)]
struct MembershipPayload {
    event: MembershipEvent,
}

/// An amendment as synced: `{"amendment": …, "snapshot": …, signatures}`.
#[derive(Deserialize)]
struct AmendmentPayload {
    amendment: Amendment,
}

#[derive(Deserialize)]
struct EventPayload {
    event: ContractEvent,
}

/// Reads every payload of a kind; ones that do not parse are counted, not fatal.
fn read_all<T: DeserializeOwned>(
    storage: &dyn Storage,
    entity: Entity,
    unreadable: &mut usize,
) -> Result<Vec<T>> {
    Ok(read_stamped(storage, entity, unreadable)?
        .into_iter()
        .map(|s| s.record)
        .collect())
}

/// As [`read_all`], each record with the clock value of its latest write (insert-only records
/// such as contract events are written once, all fields with one value).
fn read_stamped<T: DeserializeOwned>(
    storage: &dyn Storage,
    entity: Entity,
    unreadable: &mut usize,
) -> Result<Vec<Stamped<T>>> {
    let rows = storage.live_payloads(entity)?;
    let mut out = Vec::with_capacity(rows.len());
    for (text, field_hlc) in &rows {
        let hlc =
            RecordState::parse_field_hlc(field_hlc).and_then(|fields| fields.into_values().max());
        match (serde_json::from_str::<T>(text), hlc) {
            (Ok(record), Some(hlc)) => out.push(Stamped { hlc, record }),
            _ => *unreadable += 1,
        }
    }
    Ok(out)
}

/// Every catalog version the township published, and the shipped one (devices fall back
/// on it too); the latest publication of a version wins.
fn catalogs(storage: &dyn Storage) -> Result<Vec<Catalog>> {
    let mut out: Vec<Catalog> = Vec::new();
    let shipped = Catalog::default_catalog();
    let published = storage.reference_history(ReferenceKind::Catalog)?;
    for catalog in
        std::iter::once(shipped).chain(published.iter().filter_map(|t| Catalog::from_toml(t).ok()))
    {
        out.retain(|c| c.version != catalog.version);
        out.push(catalog);
    }
    Ok(out)
}

/// The indicator dataset of everything the devices have synced.
pub fn dataset(storage: &dyn Storage) -> Result<ServerDataset> {
    let mut unreadable = 0;
    let households: Vec<Household> =
        read_all::<Live<Household>>(storage, Entity::Household, &mut unreadable)?
            .into_iter()
            .filter(|h| !h.deleted)
            .map(|h| h.record)
            .collect();
    let live: HashSet<_> = households.iter().map(|h| h.id).collect();
    // Removed members and members of a removed household are off the register.
    let residents: Vec<Resident> =
        read_all::<Live<Resident>>(storage, Entity::Resident, &mut unreadable)?
            .into_iter()
            .filter(|r| !r.deleted && live.contains(&r.record.household_id))
            .map(|r| r.record)
            .collect();
    let contracts: Vec<Contract> =
        read_all::<ContractPayload>(storage, Entity::Contract, &mut unreadable)?
            .into_iter()
            .map(|p| p.contract)
            .collect();
    let events: Vec<Stamped<ContractEvent>> =
        read_stamped::<EventPayload>(storage, Entity::ContractEvent, &mut unreadable)?
            .into_iter()
            .map(|p| Stamped {
                hlc: p.hlc,
                record: p.record.event,
            })
            .collect();
    let visits: Vec<Visit> = read_all(storage, Entity::Visit, &mut unreadable)?;
    let periods: Vec<GroupPeriod> = read_all(storage, Entity::GroupPeriod, &mut unreadable)?;
    let membership: Vec<MembershipEvent> =
        read_all::<MembershipPayload>(storage, Entity::MembershipEvent, &mut unreadable)?
            .into_iter()
            .map(|p| p.event)
            .collect();
    let amendments: Vec<Amendment> =
        read_all::<AmendmentPayload>(storage, Entity::ContractAmendment, &mut unreadable)?
            .into_iter()
            .map(|p| p.amendment)
            .collect();
    let referrals_out: Vec<jiayi_core::referral::ReferralOut> =
        read_all(storage, Entity::ReferralOut, &mut unreadable)?;
    let referrals_back: Vec<jiayi_core::referral::ReferralBack> =
        read_all(storage, Entity::ReferralBack, &mut unreadable)?;
    let surveys: Vec<jiayi_core::survey::SatisfactionSurvey> =
        read_all(storage, Entity::SatisfactionSurvey, &mut unreadable)?;
    let teams = storage.reference()?.teams;
    let villages = villages_with_records(storage.villages()?, &households);
    let catalogs = catalogs(storage)?;
    let dataset = Dataset::from_records(&Records {
        villages: &villages,
        teams: &teams,
        households: &households,
        residents: &residents,
        contracts: &contracts,
        events: &events,
        visits: &visits,
        catalogs: &catalogs,
        year: YearRecords {
            periods: &periods,
            membership: &membership,
            amendments: &amendments,
        },
        referrals_out: &referrals_out,
        referrals_back: &referrals_back,
        surveys: &surveys,
    });
    let mut item_names = HashMap::new();
    for catalog in catalogs.iter().rev() {
        for item in catalog.packages.iter().flat_map(|p| &p.items) {
            item_names
                .entry(item.code.clone())
                .or_insert_with(|| (item.name.clone(), item.name_en.clone()));
        }
    }
    Ok(ServerDataset {
        dataset,
        unreadable,
        item_names,
    })
}

/// The dataset last read for the dashboard, kept until something it is read from moves.
#[derive(Default)]
pub struct DatasetCache(Mutex<Option<(DatasetKey, Arc<ServerDataset>)>>);

/// What a dataset was read at: the change log's identity and high-water mark (every synced
/// record), and the reference data that does not move that mark (the villages the township
/// named, the documents it published).
#[derive(Debug, Clone, PartialEq)]
struct DatasetKey {
    epoch: uuid::Uuid,
    high_water: u64,
    villages: Vec<Village>,
    documents: Vec<(ReferenceKind, String, u32)>,
}

impl DatasetKey {
    fn read(storage: &dyn Storage) -> Result<DatasetKey> {
        Ok(DatasetKey {
            epoch: storage.epoch()?,
            high_water: storage.high_water()?,
            villages: storage.villages()?,
            documents: storage
                .reference()?
                .documents
                .into_iter()
                .map(|d| (d.kind, d.name, d.version))
                .collect(),
        })
    }
}

impl DatasetCache {
    /// The dataset, read again only when a device synced something or the township changed
    /// its reference data since the last read: page views and drill-downs between syncs share
    /// one read. The key is read before the data, so a push landing in between is read in
    /// and then read again next time, never missed.
    pub fn dataset(&self, storage: &dyn Storage) -> Result<Arc<ServerDataset>> {
        let key = DatasetKey::read(storage)?;
        if let Some((at, kept)) = &*self.0.lock().unwrap_or_else(|p| p.into_inner())
            && *at == key
        {
            return Ok(kept.clone());
        }
        let fresh = Arc::new(dataset(storage)?);
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = Some((key, fresh.clone()));
        Ok(fresh)
    }
}

/// The named villages, and a nameless entry for every other village households live in, so
/// their residents still count toward the team that serves the village.
fn villages_with_records(mut named: Vec<Village>, households: &[Household]) -> Vec<Village> {
    let mut known: HashSet<_> = named.iter().map(|v| v.id).collect();
    for h in households {
        if known.insert(h.village_id) {
            named.push(Village {
                id: h.village_id,
                code: String::new(),
                name: String::new(),
                township: String::new(),
            });
        }
    }
    named
}

/// The township's targets; the plans' defaults until the township sets its own.
pub fn targets(storage: &dyn Storage) -> Result<Targets> {
    match storage.setting(TARGETS_KEY)? {
        None => Ok(Targets::default()),
        Some(text) => serde_json::from_str(&text)
            .map_err(|e| ServerError::Corrupt(format!("stored targets: {e}"))),
    }
}

/// Reads a target as typed: `0.92`, `92%` or `none`.
pub fn parse_target(text: &str) -> Option<Option<f64>> {
    let text = text.trim();
    if text.eq_ignore_ascii_case("none") {
        return Some(None);
    }
    let value = match text.strip_suffix('%') {
        Some(pct) => pct.trim().parse::<f64>().ok()? / 100.0,
        None => text.parse::<f64>().ok()?,
    };
    (value.is_finite() && (0.0..=1.0).contains(&value)).then_some(Some(value))
}

/// Applies `key=value` assignments (all or none) and stores the result.
pub fn set_targets(storage: &dyn Storage, assignments: &[String]) -> Result<Targets> {
    let mut targets = targets(storage)?;
    for assignment in assignments {
        let Some((key, value)) = assignment.split_once('=') else {
            return Err(ServerError::Invalid(format!(
                "'{assignment}' is not key=value"
            )));
        };
        let Some(value) = parse_target(value) else {
            return Err(ServerError::Invalid(format!(
                "target '{}' must be a fraction 0..1, a percentage or none",
                value.trim()
            )));
        };
        if !targets.set(key, value) {
            return Err(ServerError::Invalid(format!(
                "unknown target '{}'; keys: {}",
                key.trim(),
                Targets::KEYS.join(", ")
            )));
        }
    }
    storage.put_setting(TARGETS_KEY, &serde_json::to_string(&targets)?)?;
    Ok(targets)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_are_read_as_fractions_or_percentages() {
        assert_eq!(parse_target("0.92"), Some(Some(0.92)));
        assert_eq!(parse_target(" 92% "), Some(Some(0.92)));
        assert_eq!(parse_target("none"), Some(None));
        assert_eq!(parse_target("92"), None);
        assert_eq!(parse_target("NaN"), None);
        assert_eq!(parse_target("-0.1"), None);
        assert_eq!(parse_target(""), None);
    }
}
