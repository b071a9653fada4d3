//! The serial ranges of health-record numbers (健康档案编号) the township assigns its villages:
//! kept as a township setting, sent to every device with the reference data, from which a
//! device issues numbers offline (`jiayi_core::record_number::issue_next`). Each device
//! receives only its own block of a village's range (`jiayi_core::record_blocks`), handed out
//! here and kept, so two devices of one village never issue the same number.

use std::collections::BTreeMap;
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use jiayi_core::record_blocks::{
    BlockRunningLow, DEFAULT_BLOCK_SIZE, DeviceBlock, MIN_BLOCK_SIZE, block_for_device,
};
use jiayi_core::record_number::{SerialRange, VillageRecordRange};
use uuid::Uuid;

use crate::error::{Result, ServerError};
use crate::storage::shared::{RECORD_RANGES_KEY, record_ranges_from};
use crate::storage::{AuditEvent, DeviceScope, Storage};

/// The settings key of the blocks handed out: JSON, village id → blocks in the order given.
pub const RECORD_BLOCKS_KEY: &str = "record_blocks";
/// The settings key of the block size the township chose (absent: the default).
pub const RECORD_BLOCK_SIZE_KEY: &str = "record_block_size";

/// Handing out is read, choose, write: one at a time in this process, so two devices asking
/// at once cannot both be given the same stretch.
static HANDING_OUT: Mutex<()> = Mutex::new(());

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

/// Every block handed out, by village.
pub fn record_blocks(storage: &dyn Storage) -> Result<BTreeMap<Uuid, Vec<DeviceBlock>>> {
    match storage.setting(RECORD_BLOCKS_KEY)? {
        Some(text) => serde_json::from_str(&text)
            .map_err(|e| ServerError::Corrupt(format!("record blocks: {e}"))),
        None => Ok(BTreeMap::new()),
    }
}

/// The size of the blocks handed out from now on.
pub fn block_size(storage: &dyn Storage) -> Result<u32> {
    Ok(storage
        .setting(RECORD_BLOCK_SIZE_KEY)?
        .and_then(|s| s.parse().ok())
        .unwrap_or(DEFAULT_BLOCK_SIZE))
}

/// Sets the size of the blocks handed out from now on (blocks already given keep theirs).
pub fn set_block_size(storage: &dyn Storage, size: u32) -> Result<()> {
    if !(MIN_BLOCK_SIZE..=jiayi_core::record_number::MAX_SERIAL).contains(&size) {
        return Err(ServerError::Invalid(format!(
            "a block holds {MIN_BLOCK_SIZE} to {} serials, not {size}",
            jiayi_core::record_number::MAX_SERIAL
        )));
    }
    storage.put_setting(RECORD_BLOCK_SIZE_KEY, &size.to_string())
}

/// What one device receives of the ranges: for each of its villages that has a range, the
/// device's own block, handed out now if it has none there or said its block runs low.
/// Each block handed out is kept and written to the audit log (`origin` says how the device
/// asked).
pub fn device_blocks(
    storage: &dyn Storage,
    scope: &DeviceScope,
    running_low: &[BlockRunningLow],
    origin: &str,
    now: DateTime<Utc>,
) -> Result<Vec<VillageRecordRange>> {
    let ranges: Vec<VillageRecordRange> = record_ranges(storage)?
        .into_iter()
        .filter(|r| scope.villages.contains(&r.village_id))
        .collect();
    if ranges.is_empty() {
        return Ok(Vec::new());
    }
    let _one_at_a_time = HANDING_OUT.lock().unwrap_or_else(|p| p.into_inner());
    let mut blocks = record_blocks(storage)?;
    let size = block_size(storage)?;
    let mut given_now = Vec::new();
    let mut held = Vec::new();
    for range in ranges {
        let of_village = blocks.entry(range.village_id).or_default();
        let low = running_low
            .iter()
            .find(|w| w.village_id == range.village_id)
            .map(|w| w.first);
        let Some((block, new)) =
            block_for_device(range.range(), of_village, scope.device_id, low, size)
        else {
            continue;
        };
        if new {
            of_village.push(DeviceBlock {
                device_id: scope.device_id,
                first: block.first,
                last: block.last,
            });
            given_now.push(format!(
                "record-block:{}:{:05}-{:05}",
                range.village_id, block.first, block.last
            ));
        }
        held.push(VillageRecordRange {
            first: block.first,
            last: block.last,
            ..range
        });
    }
    if !given_now.is_empty() {
        storage.put_setting(RECORD_BLOCKS_KEY, &serde_json::to_string(&blocks)?)?;
        let mut event = AuditEvent::device(scope, "record-block", "").with_records(given_now);
        event.origin = origin.to_string();
        storage.append_audit(&event, now)?;
    }
    Ok(held)
}

/// Every range with its village's code and the blocks handed out of it, one line each, and
/// the block size: what `jiayi-server record-range` prints.
pub fn listing(storage: &dyn Storage) -> Result<String> {
    use std::fmt::Write;
    let blocks = record_blocks(storage)?;
    let mut out = String::new();
    for r in record_ranges(storage)? {
        let _ = writeln!(
            out,
            "{}  {}  {:05}-{:05}",
            r.village_id, r.village_code, r.first, r.last
        );
        for b in blocks.get(&r.village_id).into_iter().flatten() {
            let _ = writeln!(
                out,
                "    device {}  {:05}-{:05}",
                b.device_id, b.first, b.last
            );
        }
    }
    let _ = writeln!(out, "block size {}", block_size(storage)?);
    Ok(out)
}
