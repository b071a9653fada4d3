//! The serial ranges of health-record numbers (健康档案编号) the township assigns its villages:
//! kept as a township setting, sent to every device with the reference data, from which a
//! device issues numbers offline (`jiayi_core::record_number::issue_next`).

use std::collections::BTreeMap;

use jiayi_core::record_number::{SerialRange, VillageRecordRange};
use uuid::Uuid;

use crate::error::{Result, ServerError};
use crate::storage::Storage;
use crate::storage::shared::{RECORD_RANGES_KEY, record_ranges_from};

/// Gives a named village a range (`Some`) or withdraws its range (`None`). A village's numbers
/// start with its 12-digit code, so ranges of different villages never meet.
pub fn set_record_range(
    storage: &dyn Storage,
    village_id: Uuid,
    range: Option<SerialRange>,
) -> Result<()> {
    let village = storage
        .villages()?
        .into_iter()
        .find(|v| v.id == village_id)
        .ok_or_else(|| {
            ServerError::NotFound(format!(
                "village {village_id} is not named: add it with `jiayi-server villages --file`"
            ))
        })?;
    if village.code.len() != 12 || !village.code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ServerError::Invalid(format!(
            "village {} has the code '{}': health-record numbers need a 12-digit village code",
            village.name, village.code
        )));
    }
    let mut ranges: BTreeMap<Uuid, SerialRange> = match storage.setting(RECORD_RANGES_KEY)? {
        Some(text) => serde_json::from_str(&text)?,
        None => BTreeMap::new(),
    };
    match range {
        Some(r) => {
            let r = SerialRange::new(r.first, r.last)
                .map_err(|e| ServerError::Invalid(e.to_string()))?;
            ranges.insert(village_id, r);
        }
        None => {
            ranges.remove(&village_id);
        }
    }
    storage.put_setting(RECORD_RANGES_KEY, &serde_json::to_string(&ranges)?)
}

/// Every village's range, with the village's code, by code.
pub fn record_ranges(storage: &dyn Storage) -> Result<Vec<VillageRecordRange>> {
    let setting = storage.setting(RECORD_RANGES_KEY)?;
    record_ranges_from(&storage.villages()?, setting.as_deref())
}
