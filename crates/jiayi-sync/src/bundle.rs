//! Offline bundles: sync through a file (a USB stick) when there is no network at all.
//!
//! The device writes its pending changes into one file sealed to the township's X25519 key; the
//! server, holding the key file, opens it, authenticates the device token inside exactly as an
//! HTTP request, applies the changes as a push would, and writes a reply (results, colleagues'
//! changes, reference data) encrypted to the device's ephemeral key and signed with the
//! township's Ed25519 key. The device imports a reply only when the signature holds and it
//! answers a request still outstanding (each reply once). A damaged, foreign, forged, replayed
//! or old-format file is refused before anything changes. The cryptography is in
//! [`crate::bundle_seal`].

use jiayi_core::change::Change;
use jiayi_core::data_kind::DataKind;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

pub use crate::bundle_error::{BundleError, BundleResult};
pub use crate::bundle_seal::{
    Direction, HEADER_LEN, Header, MAGIC, OLD_MAGIC, TownshipKeys, TownshipSecret, X25519Secret,
    peek,
};
use crate::bundle_seal::{open_reply, seal_request, verify_reply};
use crate::engine::{LocalReplica, RemoteApply, SyncReport, keys};
use crate::protocol::{ChangeResult, ChangeStatus, DeviceRole, PulledChange, ReferenceData};

/// What a device sends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeviceBundle {
    pub device_id: Uuid,
    /// The device's token: the server checks it against the hash it keeps, as it checks an
    /// HTTP request's, so a revoked or re-enrolled device's file is refused.
    pub token: String,
    pub created_ms: i64,
    /// The device's pull cursor: the reply carries changes after it.
    pub pull_after: u64,
    pub changes: Vec<Change>,
    /// Demo or real, as the `x-jiayi-data` header states it online: a server takes only
    /// bundles of its own kind.
    #[serde(default)]
    pub data_kind: DataKind,
    /// The role the device believes it was enrolled with, when it knows it. The server acts on
    /// the role it enrolled and names it in the reply, which the device then keeps.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<DeviceRole>,
    /// The device's record-number blocks that run low: the reply hands out new ones.
    #[serde(default)]
    pub record_blocks_running_low: Vec<jiayi_core::record_blocks::BlockRunningLow>,
}

/// What the server answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReplyBundle {
    pub device_id: Uuid,
    pub server_epoch: Uuid,
    pub results: Vec<ChangeResult>,
    pub stored_through_seq: u64,
    pub pull_after: u64,
    pub changes: Vec<PulledChange>,
    pub next_cursor: u64,
    pub reference: Option<ReferenceData>,
    /// The role the township enrolled the device with, as `GET /v1/info` names it online.
    #[serde(default)]
    pub role: Option<DeviceRole>,
}

/// The hash the server keeps of a token (hex SHA-256).
pub fn token_hash(token: &str) -> String {
    crate::bundle_seal::hex(&Sha256::digest(token.trim().as_bytes()))
}

/// A request this device wrote and awaits the reply to, with the ephemeral secret that opens it.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Outstanding {
    id: Uuid,
    secret: String,
    created_ms: i64,
}

/// Requests kept outstanding at most (the oldest is forgotten first).
const MAX_OUTSTANDING: usize = 16;
/// Imported replies remembered, to refuse them again.
const MAX_IMPORTED: usize = 256;

fn state_list<T: serde::de::DeserializeOwned>(
    replica: &mut (impl LocalReplica + ?Sized),
    key: &str,
) -> BundleResult<Vec<T>> {
    Ok(replica
        .sync_state(key)
        .map_err(replica_err)?
        .and_then(|v| serde_json::from_str(&v).ok())
        .unwrap_or_default())
}

fn put_state_list<T: Serialize>(
    replica: &mut (impl LocalReplica + ?Sized),
    key: &str,
    list: &[T],
) -> BundleResult<()> {
    let json = serde_json::to_string(list).map_err(|e| BundleError::Replica(e.to_string()))?;
    replica.set_sync_state(key, &json).map_err(replica_err)
}

/// The township's public keys the device holds, if any.
pub fn township_keys(
    replica: &mut (impl LocalReplica + ?Sized),
) -> BundleResult<Option<TownshipKeys>> {
    Ok(replica
        .sync_state(keys::TOWNSHIP_KEYS)
        .map_err(replica_err)?
        .and_then(|v| serde_json::from_str(&v).ok()))
}

/// Keeps the township's public keys (from the enrollment file or `GET /v1/info`). Malformed
/// keys are not kept.
pub fn learn_township_keys(
    replica: &mut (impl LocalReplica + ?Sized),
    township: &TownshipKeys,
) -> BundleResult<()> {
    if township.parse().is_none() {
        return Ok(());
    }
    let json = serde_json::to_string(township).map_err(|e| BundleError::Replica(e.to_string()))?;
    replica
        .set_sync_state(keys::TOWNSHIP_KEYS, &json)
        .map_err(replica_err)
}

fn replica_err(e: crate::engine::ReplicaError) -> BundleError {
    BundleError::Replica(e.0)
}

/// Writes every pending change (at most `max_changes`) into a bundle sealed to the township.
/// Nothing is marked: the changes stay pending until the reply is imported. The request's
/// ephemeral secret is kept (in the device's encrypted store) until then.
pub fn export(
    replica: &mut dyn LocalReplica,
    token: &str,
    now_ms: i64,
    max_changes: usize,
) -> BundleResult<Vec<u8>> {
    export_asking_for_blocks(replica, token, now_ms, max_changes, Vec::new())
}

/// [`export`], stating the record-number blocks that run low so the reply hands out new ones.
pub fn export_asking_for_blocks(
    replica: &mut dyn LocalReplica,
    token: &str,
    now_ms: i64,
    max_changes: usize,
    record_blocks_running_low: Vec<jiayi_core::record_blocks::BlockRunningLow>,
) -> BundleResult<Vec<u8>> {
    let (bundle_key, _) = township_keys(replica)?
        .and_then(|k| k.parse())
        .ok_or(BundleError::NoTownshipKey)?;
    let changes = replica.pending(0, max_changes).map_err(replica_err)?;
    let pull_after = replica
        .sync_state(keys::PULL_CURSOR)
        .map_err(replica_err)?
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    let body = DeviceBundle {
        device_id: replica.device_id(),
        token: token.trim().to_string(),
        created_ms: now_ms,
        pull_after,
        changes,
        data_kind: replica.data_kind().map_err(replica_err)?,
        role: replica.device_role().map_err(replica_err)?,
        record_blocks_running_low,
    };
    let json =
        zeroize::Zeroizing::new(serde_json::to_vec(&body).map_err(|_| BundleError::Damaged)?);
    let request = new_request_id()?;
    let (file, ephemeral) = seal_request(&bundle_key, replica.device_id(), request, &json)?;
    let mut outstanding: Vec<Outstanding> = state_list(replica, keys::BUNDLE_REQUESTS)?;
    outstanding.push(Outstanding {
        id: request,
        secret: ephemeral.to_hex().to_string(),
        created_ms: now_ms,
    });
    let excess = outstanding.len().saturating_sub(MAX_OUTSTANDING);
    outstanding.drain(..excess);
    put_state_list(replica, keys::BUNDLE_REQUESTS, &outstanding)?;
    Ok(file)
}

fn new_request_id() -> BundleResult<Uuid> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|_| BundleError::Damaged)?;
    Ok(uuid::Builder::from_random_bytes(bytes).into_uuid())
}

/// Checks a reply for this device: the township's signature, the device, the request still
/// outstanding and not imported before; then decrypts it. Nothing is written.
fn check_reply(
    replica: &mut (impl LocalReplica + ?Sized),
    bytes: &[u8],
) -> BundleResult<(Uuid, ReplyBundle)> {
    let header = peek(bytes)?;
    if header.direction != Direction::ToDevice {
        return Err(BundleError::WrongDirection);
    }
    let (_, signing) = township_keys(replica)?
        .and_then(|k| k.parse())
        .ok_or(BundleError::NoTownshipKey)?;
    let header = verify_reply(&signing, bytes)?;
    let device = replica.device_id();
    if header.device != device {
        return Err(BundleError::Foreign(header.device));
    }
    let imported: Vec<Uuid> = state_list(replica, keys::BUNDLE_IMPORTED)?;
    if imported.contains(&header.request) {
        return Err(BundleError::AlreadyImported(header.request));
    }
    let outstanding: Vec<Outstanding> = state_list(replica, keys::BUNDLE_REQUESTS)?;
    let secret = outstanding
        .iter()
        .find(|o| o.id == header.request)
        .and_then(|o| X25519Secret::from_hex(&o.secret))
        .ok_or(BundleError::UnknownRequest(header.request))?;
    let json = zeroize::Zeroizing::new(open_reply(&header, &secret, bytes)?);
    let reply: ReplyBundle = serde_json::from_slice(&json).map_err(|_| BundleError::Damaged)?;
    if reply.device_id != device {
        return Err(BundleError::Foreign(reply.device_id));
    }
    Ok((header.request, reply))
}

/// The request answered: no longer outstanding, remembered as imported.
fn settle_request(replica: &mut (impl LocalReplica + ?Sized), request: Uuid) -> BundleResult<()> {
    let mut outstanding: Vec<Outstanding> = state_list(replica, keys::BUNDLE_REQUESTS)?;
    outstanding.retain(|o| o.id != request);
    let mut imported: Vec<Uuid> = state_list(replica, keys::BUNDLE_IMPORTED)?;
    imported.push(request);
    let excess = imported.len().saturating_sub(MAX_IMPORTED);
    imported.drain(..excess);
    put_state_list(replica, keys::BUNDLE_IMPORTED, &imported)?;
    put_state_list(replica, keys::BUNDLE_REQUESTS, &outstanding)
}

/// Imports the server's reply: marks the answered changes, keeps refusals, applies colleagues'
/// changes and moves the pull cursor. A bad, forged, foreign or replayed file changes nothing.
pub fn import_reply(replica: &mut dyn LocalReplica, bytes: &[u8]) -> BundleResult<SyncReport> {
    import_reply_then(replica, bytes, |_, _| Ok(0)).map(|(report, _)| report)
}

/// [`import_reply`], handing the reply's reference data to `reference` before the request is
/// settled (a failure there leaves the reply importable again); returns what it returned too.
pub fn import_reply_then<R: LocalReplica + ?Sized>(
    replica: &mut R,
    bytes: &[u8],
    reference: impl FnOnce(&mut R, &ReferenceData) -> crate::engine::ReplicaResult<u64>,
) -> BundleResult<(SyncReport, u64)> {
    let (request, reply) = check_reply(replica, bytes)?;
    let report = apply_reply(replica, &reply)?;
    let updated = match &reply.reference {
        Some(data) => reference(replica, data).map_err(replica_err)?,
        None => 0,
    };
    settle_request(replica, request)?;
    Ok((report, updated))
}

fn apply_reply<R: LocalReplica + ?Sized>(
    replica: &mut R,
    reply: &ReplyBundle,
) -> BundleResult<SyncReport> {
    let mut report = SyncReport {
        server_epoch: Some(reply.server_epoch),
        role: reply.role,
        ..SyncReport::default()
    };
    let pending = replica.pending(0, usize::MAX).map_err(replica_err)?;
    let mut rejected = Vec::new();
    let mut acked = Vec::new();
    for r in &reply.results {
        let Some(change) = pending.iter().find(|c| c.seq == r.seq) else {
            continue;
        };
        match &r.status {
            ChangeStatus::Applied => report.applied += 1,
            ChangeStatus::Duplicate => report.duplicates += 1,
            ChangeStatus::Conflict { .. } => report.conflicts += 1,
            ChangeStatus::Rejected { reason } => rejected.push((change.clone(), reason.clone())),
        }
        acked.push(r.seq);
    }
    if !rejected.is_empty() {
        replica.record_rejections(&rejected).map_err(replica_err)?;
        report.rejected = rejected.into_iter().map(|(c, r)| (c.seq, r)).collect();
    }
    replica.mark_acknowledged(&acked).map_err(replica_err)?;
    let known_epoch = replica
        .sync_state(keys::SERVER_EPOCH)
        .map_err(replica_err)?;
    let same_epoch = known_epoch
        .as_deref()
        .is_none_or(|e| e == reply.server_epoch.to_string());
    let acked_through: u64 = replica
        .sync_state(keys::ACKED_THROUGH_SEQ)
        .map_err(replica_err)?
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    if same_epoch && reply.stored_through_seq > acked_through {
        replica
            .set_sync_state(
                keys::ACKED_THROUGH_SEQ,
                &reply.stored_through_seq.to_string(),
            )
            .map_err(replica_err)?;
    }
    if !reply.changes.is_empty() {
        let changes: Vec<Change> = reply.changes.iter().map(|p| p.change.clone()).collect();
        let RemoteApply {
            conflicts,
            deferred,
            ..
        } = replica.apply_remote(&changes).map_err(replica_err)?;
        report.pulled = changes.len() as u64;
        report.pull_conflicts = conflicts as u64;
        report.pull_deferred = deferred as u64;
    }
    let cursor: u64 = replica
        .sync_state(keys::PULL_CURSOR)
        .map_err(replica_err)?
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    // Move the cursor only when the reply continues where the device stood, nothing was held
    // back, and the server is the one the device knows; otherwise the next online round sorts it out.
    if same_epoch
        && report.pull_deferred == 0
        && reply.pull_after == cursor
        && reply.next_cursor > cursor
    {
        replica
            .set_sync_state(keys::PULL_CURSOR, &reply.next_cursor.to_string())
            .map_err(replica_err)?;
    }
    if known_epoch.is_none() {
        replica
            .set_sync_state(keys::SERVER_EPOCH, &reply.server_epoch.to_string())
            .map_err(replica_err)?;
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiayi_core::Lang;

    #[test]
    fn token_hash_matches_what_the_server_keeps() {
        // SHA-256 of "abc".
        assert_eq!(
            token_hash(" abc\n"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn every_refusal_says_nothing_was_changed() {
        for e in [
            BundleError::Damaged,
            BundleError::Foreign(Uuid::nil()),
            BundleError::WrongDirection,
            BundleError::OldFormat,
            BundleError::BadSignature,
            BundleError::UnknownRequest(Uuid::nil()),
            BundleError::AlreadyImported(Uuid::nil()),
            BundleError::TokenRefused,
        ] {
            assert!(e.user_message(Lang::Zh).contains("未做任何更改"), "{e}");
        }
        assert!(
            BundleError::NoTownshipKey
                .user_message(Lang::Zh)
                .contains("联网同步")
        );
    }
}
