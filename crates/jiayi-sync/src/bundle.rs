//! Offline bundles: sync through a file (a USB stick) when there is no network at all.
//!
//! The device writes its pending changes into one encrypted file; the server imports it, applies
//! the changes exactly as a push would, and writes a reply (results, colleagues' changes,
//! reference data) that the device imports. Both files are sealed with ChaCha20-Poly1305 under a
//! key derived from the device's token, and the header (kind, device) is authenticated too: a
//! damaged file, a foreign device's file or a file of the wrong direction is refused before
//! anything changes.
//!
//! Layout: `JYB1` · kind (1 byte) · device id (16 bytes) · nonce (12 bytes) · ciphertext+tag.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use jiayi_core::Lang;
use jiayi_core::change::Change;
use jiayi_core::data_kind::DataKind;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::engine::{LocalReplica, RemoteApply, SyncReport, keys};
use crate::protocol::{ChangeResult, ChangeStatus, PulledChange, ReferenceData};

pub const MAGIC: &[u8; 4] = b"JYB1";
const HEADER_LEN: usize = 4 + 1 + 16 + 12;

/// Which way a bundle travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Direction {
    ToServer = 1,
    ToDevice = 2,
}

/// What a device sends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeviceBundle {
    pub device_id: Uuid,
    pub created_ms: i64,
    /// The device's pull cursor: the reply carries changes after it.
    pub pull_after: u64,
    pub changes: Vec<Change>,
    /// Demo or real: a server takes only bundles of its own kind. Bundles from before this
    /// field existed come from real stores.
    #[serde(default)]
    pub data_kind: DataKind,
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
}

#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    /// Truncated, altered, or sealed with another key.
    #[error("the bundle is damaged or was not made for this device")]
    Damaged,
    /// Made by or for another device than the one importing it.
    #[error("the bundle belongs to device {0}")]
    Foreign(Uuid),
    /// A reply where a device bundle was expected, or the other way round.
    #[error("the bundle travels the other way")]
    WrongDirection,
    #[error("local store: {0}")]
    Replica(String),
}

impl BundleError {
    pub fn user_message(&self, lang: Lang) -> &'static str {
        match self {
            BundleError::Damaged => lang.pick(
                "同步包已损坏或不是为本设备制作的，未做任何更改。",
                "The sync file is damaged or was not made for this device; nothing was changed.",
            ),
            BundleError::Foreign(_) => lang.pick(
                "该同步包属于其他设备，未做任何更改。",
                "The sync file belongs to another device; nothing was changed.",
            ),
            BundleError::WrongDirection => lang.pick(
                "这是发往另一方的同步包，未做任何更改。",
                "This sync file is meant for the other side; nothing was changed.",
            ),
            BundleError::Replica(_) => lang.pick(
                "本机数据库出错，导入已停止。",
                "The local database failed; the import stopped.",
            ),
        }
    }
}

pub type BundleResult<T> = std::result::Result<T, BundleError>;

/// The hash the server keeps of a token (hex SHA-256).
pub fn token_hash(token: &str) -> String {
    hex_lower(&Sha256::digest(token.trim().as_bytes()))
}

/// The bundle key both sides derive: the device from its token, the server from the token's hash.
pub fn key_from_token_hash(token_hash: &str) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"jiayi-bundle-v1\0");
    h.update(token_hash.as_bytes());
    h.finalize().into()
}

fn hex_lower(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Seals `body` for `device` in the given direction.
pub fn seal(
    direction: Direction,
    device: Uuid,
    key: &[u8; 32],
    body: &[u8],
) -> BundleResult<Vec<u8>> {
    let mut nonce = [0u8; 12];
    getrandom::fill(&mut nonce).map_err(|_| BundleError::Damaged)?;
    let mut out = Vec::with_capacity(HEADER_LEN + body.len() + 16);
    out.extend_from_slice(MAGIC);
    out.push(direction as u8);
    out.extend_from_slice(device.as_bytes());
    out.extend_from_slice(&nonce);
    let cipher = ChaCha20Poly1305::new(Key::from_slice(key));
    let sealed = cipher
        .encrypt(
            Nonce::from_slice(&nonce),
            Payload {
                msg: body,
                aad: &out[..HEADER_LEN],
            },
        )
        .map_err(|_| BundleError::Damaged)?;
    out.extend_from_slice(&sealed);
    Ok(out)
}

/// Reads the device a bundle names, without trusting anything yet.
pub fn peek_device(bytes: &[u8]) -> BundleResult<(Direction, Uuid)> {
    if bytes.len() < HEADER_LEN + 16 || &bytes[..4] != MAGIC {
        return Err(BundleError::Damaged);
    }
    let direction = match bytes[4] {
        1 => Direction::ToServer,
        2 => Direction::ToDevice,
        _ => return Err(BundleError::Damaged),
    };
    let device = Uuid::from_slice(&bytes[5..21]).map_err(|_| BundleError::Damaged)?;
    Ok((direction, device))
}

/// Checks and decrypts a bundle. Nothing is returned unless the whole file is authentic.
pub fn open(
    direction: Direction,
    device: Uuid,
    key: &[u8; 32],
    bytes: &[u8],
) -> BundleResult<Vec<u8>> {
    let (dir, named) = peek_device(bytes)?;
    if dir != direction {
        return Err(BundleError::WrongDirection);
    }
    if named != device {
        return Err(BundleError::Foreign(named));
    }
    let cipher = ChaCha20Poly1305::new(Key::from_slice(key));
    cipher
        .decrypt(
            Nonce::from_slice(&bytes[21..HEADER_LEN]),
            Payload {
                msg: &bytes[HEADER_LEN..],
                aad: &bytes[..HEADER_LEN],
            },
        )
        .map_err(|_| BundleError::Damaged)
}

fn replica_err(e: crate::engine::ReplicaError) -> BundleError {
    BundleError::Replica(e.0)
}

/// Writes every pending change (at most `max_changes`) into a sealed bundle. Nothing is marked:
/// the changes stay pending until the reply is imported.
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
    let changes = replica.pending(0, max_changes).map_err(replica_err)?;
    let pull_after = replica
        .sync_state(keys::PULL_CURSOR)
        .map_err(replica_err)?
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    let body = DeviceBundle {
        device_id: replica.device_id(),
        created_ms: now_ms,
        pull_after,
        changes,
        data_kind: replica.data_kind().map_err(replica_err)?,
        record_blocks_running_low,
    };
    let json = serde_json::to_vec(&body).map_err(|_| BundleError::Damaged)?;
    seal(
        Direction::ToServer,
        replica.device_id(),
        &key_from_token_hash(&token_hash(token)),
        &json,
    )
}

/// Imports the server's reply: marks the answered changes, keeps refusals, applies colleagues'
/// changes and moves the pull cursor. A bad file changes nothing.
pub fn import_reply(
    replica: &mut dyn LocalReplica,
    token: &str,
    bytes: &[u8],
) -> BundleResult<SyncReport> {
    let device = replica.device_id();
    let json = open(
        Direction::ToDevice,
        device,
        &key_from_token_hash(&token_hash(token)),
        bytes,
    )?;
    let reply: ReplyBundle = serde_json::from_slice(&json).map_err(|_| BundleError::Damaged)?;
    if reply.device_id != device {
        return Err(BundleError::Foreign(reply.device_id));
    }
    let mut report = SyncReport {
        server_epoch: Some(reply.server_epoch),
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
        let changes: Vec<Change> = reply.changes.into_iter().map(|p| p.change).collect();
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

    #[test]
    fn sealed_bundles_open_only_with_the_right_key_device_and_direction() {
        let device = Uuid::from_u128(5);
        let key = key_from_token_hash(&token_hash("jy1_secret"));
        let sealed = seal(Direction::ToServer, device, &key, b"{\"x\":1}").unwrap();
        assert_eq!(
            open(Direction::ToServer, device, &key, &sealed).unwrap(),
            b"{\"x\":1}"
        );
        let other_key = key_from_token_hash(&token_hash("jy1_other"));
        assert!(matches!(
            open(Direction::ToServer, device, &other_key, &sealed),
            Err(BundleError::Damaged)
        ));
        assert!(matches!(
            open(Direction::ToDevice, device, &key, &sealed),
            Err(BundleError::WrongDirection)
        ));
        assert!(matches!(
            open(Direction::ToServer, Uuid::from_u128(6), &key, &sealed),
            Err(BundleError::Foreign(_))
        ));
        for i in [0, 4, 10, 30, sealed.len() - 1] {
            let mut bad = sealed.clone();
            bad[i] ^= 0x01;
            assert!(
                open(Direction::ToServer, device, &key, &bad).is_err(),
                "flipped byte {i} is noticed"
            );
        }
        assert!(matches!(
            open(Direction::ToServer, device, &key, &sealed[..20]),
            Err(BundleError::Damaged)
        ));
        assert!(
            BundleError::Damaged
                .user_message(Lang::Zh)
                .contains("未做任何更改")
        );
    }

    #[test]
    fn token_hash_matches_what_the_server_keeps() {
        // SHA-256 of "abc".
        assert_eq!(
            token_hash(" abc\n"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
