//! The server's side of offline bundles: import a device's file, answer with a reply file.

use chrono::{DateTime, Utc};
use jiayi_sync::bundle::{
    DeviceBundle, Direction, ReplyBundle, key_from_token_hash, open, peek_device, seal,
};
use jiayi_sync::protocol::{Limits, PulledChange};

use crate::error::{Result, ServerError};
use crate::storage::{AuditEvent, Storage};

/// Most colleague changes one reply carries; the rest comes with the next bundle or online sync.
pub const MAX_REPLY_CHANGES: u32 = 20_000;

/// Applies a device's bundle as pushes (each batch atomic and idempotent, like online) and seals
/// the reply. A damaged, foreign or revoked device's bundle is refused before anything is written.
pub fn answer(
    storage: &dyn Storage,
    limits: &Limits,
    bytes: &[u8],
    now: DateTime<Utc>,
) -> Result<Vec<u8>> {
    let (_, device_id) = peek_device(bytes)?;
    let Some((scope, token_hash)) = storage.device_key(device_id)? else {
        return Err(ServerError::Bundle(
            jiayi_sync::bundle::BundleError::Foreign(device_id),
        ));
    };
    let key = key_from_token_hash(&token_hash);
    let json = open(Direction::ToServer, device_id, &key, bytes)?;
    let bundle: DeviceBundle = serde_json::from_slice(&json)
        .map_err(|_| ServerError::Bundle(jiayi_sync::bundle::BundleError::Damaged))?;
    if bundle.device_id != device_id {
        return Err(ServerError::Bundle(
            jiayi_sync::bundle::BundleError::Foreign(bundle.device_id),
        ));
    }
    if let Err(mismatch) = crate::data_kind::admit(storage, &scope, bundle.data_kind)? {
        return Err(ServerError::Invalid(format!(
            "{} ({})",
            mismatch.message_zh(),
            mismatch.message_en()
        )));
    }
    let mut results = Vec::with_capacity(bundle.changes.len());
    let event = |action: &str| {
        let mut e = AuditEvent::device(&scope, action, "");
        e.origin = "offline bundle".into();
        e
    };
    for batch in bundle.changes.chunks(limits.max_changes.max(1) as usize) {
        let audit = event("push").with_changes(batch);
        results.extend(storage.push(&scope, batch, now, &audit)?);
    }
    storage.touch(device_id, now)?;
    let page = storage.pull(&scope, bundle.pull_after, MAX_REPLY_CHANGES)?;
    storage.append_audit(
        &event("pull").with_records(page.changes.iter().map(|c| c.record.clone())),
        now,
    )?;
    let reply = ReplyBundle {
        device_id,
        server_epoch: storage.epoch()?,
        results,
        stored_through_seq: storage.stored_through(device_id)?,
        pull_after: bundle.pull_after,
        changes: page
            .changes
            .into_iter()
            .map(|c| {
                Ok(PulledChange {
                    cursor: c.cursor,
                    change: c.change()?,
                })
            })
            .collect::<Result<_>>()?,
        next_cursor: page.next_cursor,
        reference: Some(crate::device_reference::for_device(
            storage,
            &scope,
            &bundle.record_blocks_running_low,
            "offline bundle",
            now,
        )?),
    };
    Ok(seal(
        Direction::ToDevice,
        device_id,
        &key,
        &serde_json::to_vec(&reply)?,
    )?)
}
