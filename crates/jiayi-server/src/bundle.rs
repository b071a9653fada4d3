//! The server's side of offline bundles: open a device's file with the township key, answer with
//! a reply encrypted to the device's ephemeral key and signed by the township.

use chrono::{DateTime, Utc};
use jiayi_sync::bundle::{BundleError, DeviceBundle, ReplyBundle};
use jiayi_sync::bundle_seal::{open_request, seal_reply};
use jiayi_sync::protocol::{Limits, PulledChange};
use zeroize::Zeroizing;

use crate::error::{Result, ServerError};
use crate::storage::{AuditEvent, Storage};
use crate::township_key::TownshipKey;

/// Most colleague changes one reply carries; the rest comes with the next bundle or online sync.
pub const MAX_REPLY_CHANGES: u32 = 20_000;

/// Applies a device's bundle as pushes (each batch atomic and idempotent, like online) and seals
/// the reply. A damaged, old-format, foreign or revoked device's bundle is refused before
/// anything is written.
pub fn answer(
    storage: &dyn Storage,
    township: &TownshipKey,
    limits: &Limits,
    bytes: &[u8],
    now: DateTime<Utc>,
) -> Result<Vec<u8>> {
    let (header, json) = open_request(&township.secret, bytes)?;
    let json = Zeroizing::new(json);
    let bundle: DeviceBundle =
        serde_json::from_slice(&json).map_err(|_| ServerError::Bundle(BundleError::Damaged))?;
    if bundle.device_id != header.device {
        return Err(ServerError::Bundle(BundleError::Foreign(bundle.device_id)));
    }
    // The token inside is checked against the stored hash exactly as an HTTP request's.
    let Some(scope) = storage.authenticate(&bundle.token)? else {
        return Err(ServerError::Bundle(BundleError::TokenRefused));
    };
    if scope.device_id != header.device {
        return Err(ServerError::Bundle(BundleError::Foreign(header.device)));
    }
    let server_kind = crate::data_kind::server_kind(storage)?;
    if let Err(mismatch) = crate::data_kind::admit(storage, &scope, bundle.data_kind, server_kind)?
    {
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
    let device_id = scope.device_id;
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
        role: Some(scope.role),
        reference: Some(crate::device_reference::for_device(
            storage,
            &scope,
            &bundle.record_blocks_running_low,
            "offline bundle",
            now,
        )?),
    };
    let body = Zeroizing::new(serde_json::to_vec(&reply)?);
    Ok(seal_reply(&township.secret, &header, &body)?)
}
