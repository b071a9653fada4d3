//! What one device receives as reference data: the documents with registers cut to its
//! villages (`reference_scope`), and its own blocks of its villages' record-number ranges
//! (`record_ranges`), a new block where it said one runs low.

use chrono::{DateTime, Utc};
use jiayi_core::record_blocks::BlockRunningLow;
use jiayi_sync::protocol::ReferenceData;

use crate::error::Result;
use crate::storage::{DeviceScope, Storage};

/// The reference data for `scope`'s device; `origin` says how it asked, for the audit log of
/// any block handed out.
pub fn for_device(
    storage: &dyn Storage,
    scope: &DeviceScope,
    running_low: &[BlockRunningLow],
    origin: &str,
    now: DateTime<Utc>,
) -> Result<ReferenceData> {
    let mut data = crate::reference_scope::for_device(storage, scope)?;
    data.record_ranges =
        crate::record_ranges::device_blocks(storage, scope, running_low, origin, now)?;
    Ok(data)
}
