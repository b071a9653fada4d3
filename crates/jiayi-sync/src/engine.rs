//! The device side of a sync round: push the outbox, then pull colleagues' changes.
//!
//! The engine talks to its two ends through traits: [`LocalReplica`] (the device's store) and
//! [`Transport`] (the server), so every failure path is tested without a disk or a network.
//!
//! Safety rules, in the order a round meets them:
//! - a change is marked acknowledged only after the server's answer names it;
//! - the pull cursor is saved only after the pulled changes were applied;
//! - a server that holds less than it once confirmed gets the missing changes again;
//!
//! so a round cut at any point is simply run again, and nothing is lost or stored twice.

use jiayi_core::change::Change;
use jiayi_core::data_kind::DataKind;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::{Result, SyncError};
use crate::plan::{LocalStatus, Recovery, plan, plan_batches};
use crate::protocol::{
    ChangeStatus, InfoQuery, PullResponse, PushRequest, PushResponse, ReferenceData, RejectCode,
    Rejection, ServerInfo,
};

/// Keys the engine keeps in the replica's sync state.
pub mod keys {
    pub const SERVER_EPOCH: &str = "server_epoch";
    pub const ACKED_THROUGH_SEQ: &str = "acked_through_seq";
    pub const PULL_CURSOR: &str = "pull_cursor";
    pub const LAST_SYNC_MS: &str = "last_sync_ms";
    /// The highest high-water mark the server told under the epoch kept: reported with
    /// `GET /v1/info` so a server restored from an older copy notices.
    pub const SEEN_HIGH_WATER: &str = "seen_high_water";
    /// Set while the device is taking back its own changes from the start of the log (its
    /// data was restored from an older copy); cleared when that pull reaches the end.
    pub const PULL_OWN: &str = "pull_own";
    /// The villages the server last named for this device: when they change, changes refused
    /// as outside the device's villages are sent again.
    pub const SCOPE_VILLAGES: &str = "scope_villages";
    /// The township's recovery public key the server last named (hex).
    pub const RECOVERY_PUBLIC_KEY: &str = "recovery_public_key";
    /// The township's public keys for offline bundles (JSON of `bundle::TownshipKeys`).
    pub const TOWNSHIP_KEYS: &str = "township_keys";
    /// Offline-bundle requests awaiting their reply, with their ephemeral secrets (JSON).
    pub const BUNDLE_REQUESTS: &str = "bundle_requests";
    /// Requests whose reply was imported (JSON list of ids): a reply is imported once.
    pub const BUNDLE_IMPORTED: &str = "bundle_imported";
}

/// An error of the device's store, as text: the engine only passes it on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ReplicaError(pub String);

pub type ReplicaResult<T> = std::result::Result<T, ReplicaError>;

/// What applying pulled changes did on the device.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemoteApply {
    pub applied: usize,
    /// Fields where the device kept another value; the store keeps the loser in its conflict log.
    pub conflicts: usize,
    /// Changes held back because their record has local changes not yet pushed. The engine then
    /// keeps its pull cursor before the page, so the next round (which pushes first) sees them
    /// again.
    pub deferred: usize,
}

/// The device's store, as the sync engine needs it.
pub trait LocalReplica {
    fn device_id(&self) -> Uuid;
    /// Whether the replica holds the demo township or real work (see [`DataKind`]).
    fn data_kind(&self) -> ReplicaResult<DataKind> {
        Ok(DataKind::Real)
    }
    /// The role the server last named for the device, when it named one.
    fn device_role(&self) -> ReplicaResult<Option<crate::protocol::DeviceRole>> {
        Ok(None)
    }
    /// Unacknowledged outbox entries with `seq > after_seq`, in sequence order.
    fn pending(&mut self, after_seq: u64, limit: usize) -> ReplicaResult<Vec<Change>>;
    fn pending_count(&mut self) -> ReplicaResult<u64>;
    /// The server answered for these changes: they leave the outbox.
    fn mark_acknowledged(&mut self, seqs: &[u64]) -> ReplicaResult<()>;
    /// The server lost changes it had confirmed: put every own change with `seq > after_seq`
    /// back into the outbox. Returns how many went back.
    fn requeue_after(&mut self, after_seq: u64) -> ReplicaResult<u64>;
    /// Highest own sequence number ever issued (also of changes no longer in the outbox).
    fn issued_seq(&mut self) -> ReplicaResult<u64>;
    /// Number every later change above `n` (the server holds changes up to `n` that this
    /// replica forgot, e.g. after a restore from an older copy). Returns whether it moved.
    fn ensure_seq_above(&mut self, n: u64) -> ReplicaResult<bool>;
    /// Gives the pending change `seq` a new number above every issued one; `None` when no
    /// pending change has that number.
    fn renumber_pending(&mut self, seq: u64) -> ReplicaResult<Option<u64>>;
    /// The server stored these changes but the named fields lost to newer values: keep them in
    /// the device's conflict log. These are the device's real conflicts (a local write lost);
    /// a pulled value replacing a local one is an ordinary update.
    fn record_lost_writes(&mut self, lost: &[(Change, Vec<String>)]) -> ReplicaResult<()>;
    /// The device's villages are now `villages`: every change refused as outside its villages
    /// (`village_not_in_scope`, `record_not_in_scope`) whose village is among them goes back into
    /// the outbox to be sent again, and its refusal is closed (a new refusal reopens it).
    /// Returns how many went back.
    fn resend_refused_in(&mut self, villages: &[Uuid]) -> ReplicaResult<u64>;
    /// The server refused these changes: keep the reasons where the user sees them.
    fn record_rejections(&mut self, rejected: &[(Change, Rejection)]) -> ReplicaResult<()>;
    /// Applies pulled changes: other devices', and this device's own when it asked for them
    /// back (merged like any other, so what it still holds is unchanged). Never overwrites a
    /// record with pending local changes: such changes are reported as deferred. Applying a
    /// change twice is harmless.
    fn apply_remote(&mut self, changes: &[Change]) -> ReplicaResult<RemoteApply>;
    fn sync_state(&mut self, key: &str) -> ReplicaResult<Option<String>>;
    fn set_sync_state(&mut self, key: &str, value: &str) -> ReplicaResult<()>;
}

/// The server, as the sync engine needs it.
pub trait Transport {
    /// `GET /v1/info`, reporting what the device last saw of the server's log.
    fn info(&self, seen: &InfoQuery) -> Result<ServerInfo>;
    fn push(&self, request: &PushRequest) -> Result<PushResponse>;
    /// `GET /v1/pull`: other devices' changes after a cursor, and this device's own too when
    /// `own` (it takes back what it had uploaded after its data was restored from a copy).
    fn pull(&self, after: u64, limit: u32, own: bool) -> Result<PullResponse>;
    fn reference(&self) -> Result<ReferenceData>;
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    Push,
    Pull,
}

/// Progress for the app's progress bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    pub phase: Phase,
    pub done: u64,
    /// Best estimate of the total for this phase.
    pub total: u64,
}

/// What a round did.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SyncReport {
    pub applied: u64,
    pub duplicates: u64,
    pub conflicts: u64,
    pub rejected: Vec<(u64, Rejection)>,
    pub requests: u64,
    pub pulled: u64,
    pub pull_conflicts: u64,
    /// Pulled changes held back for records with unsent local edits; pulled again next round.
    pub pull_deferred: u64,
    pub requeued: u64,
    /// Changes refused as outside the device's villages, sent again because its villages
    /// changed.
    pub resent: u64,
    /// Changes sent again under a new number because the server held another change under
    /// their old one (the device's store had been restored from an older copy).
    pub renumbered: u64,
    pub recovery: Vec<Recovery>,
    /// Device clock minus server clock, when more than five minutes apart.
    pub clock_skew_ms: Option<i64>,
    pub server_epoch: Option<Uuid>,
    /// A newer version of the app the server hosts for this device's platform.
    #[serde(default)]
    pub update: Option<crate::protocol::UpdateOffer>,
    /// The role the server named for this device, for the device to keep.
    #[serde(default)]
    pub role: Option<crate::protocol::DeviceRole>,
}

/// One sync round. `now_ms` is the device's wall clock, used only for the skew warning and the
/// "last sync" time; `progress` is called after every request.
pub fn sync(
    replica: &mut dyn LocalReplica,
    transport: &dyn Transport,
    now_ms: i64,
    progress: &mut dyn FnMut(Progress),
) -> Result<SyncReport> {
    let known_epoch = state_uuid(replica, keys::SERVER_EPOCH)?;
    let seen = InfoQuery {
        seen_epoch: known_epoch,
        seen_high_water: known_epoch
            .map(|_| state_u64(replica, keys::SEEN_HIGH_WATER))
            .transpose()?,
        device_id: Some(replica.device_id()),
        ..InfoQuery::default()
    };
    let info = transport.info(&seen)?;
    if info.device.device_id != replica.device_id() {
        return Err(SyncError::Protocol(format!(
            "token belongs to device {}, this device is {}",
            info.device.device_id,
            replica.device_id()
        )));
    }
    let local = LocalStatus {
        known_epoch,
        acked_through_seq: state_u64(replica, keys::ACKED_THROUGH_SEQ)?,
        pull_cursor: state_u64(replica, keys::PULL_CURSOR)?,
        issued_seq: replica.issued_seq().map_err(replica_err)?,
        now_ms,
    };
    let round = plan(&local, &info);
    let mut report = SyncReport {
        recovery: round.recovery.clone(),
        clock_skew_ms: round.clock_skew_ms,
        server_epoch: Some(info.server_epoch),
        update: info.update.clone(),
        role: info.device.role,
        ..SyncReport::default()
    };
    if let Some(after) = round.requeue_after {
        report.requeued = replica.requeue_after(after).map_err(replica_err)?;
        set_state(replica, keys::ACKED_THROUGH_SEQ, &after.to_string())?;
    }
    if let Some(floor) = round.raise_seq_to {
        replica.ensure_seq_above(floor).map_err(replica_err)?;
    }
    if round.pull_from != local.pull_cursor {
        set_state(replica, keys::PULL_CURSOR, &round.pull_from.to_string())?;
    }
    set_state(replica, keys::SERVER_EPOCH, &info.server_epoch.to_string())?;
    if let Some(recovery) = &info.recovery_public_key {
        set_state(replica, keys::RECOVERY_PUBLIC_KEY, recovery)?;
    }
    if let Some(township) = &info.township_keys
        && township.parse().is_some()
    {
        let json =
            serde_json::to_string(township).map_err(|e| SyncError::Protocol(e.to_string()))?;
        set_state(replica, keys::TOWNSHIP_KEYS, &json)?;
    }
    let seen_before = if known_epoch == Some(info.server_epoch) {
        seen.seen_high_water.unwrap_or(0)
    } else {
        0
    };
    set_state(
        replica,
        keys::SEEN_HIGH_WATER,
        &seen_before.max(info.high_water).to_string(),
    )?;

    if round.pull_own {
        set_state(replica, keys::PULL_OWN, "1")?;
    }
    let mut villages = info.device.villages.clone();
    villages.sort();
    let scope = serde_json::to_string(&villages).map_err(|e| SyncError::Protocol(e.to_string()))?;
    if replica
        .sync_state(keys::SCOPE_VILLAGES)
        .map_err(replica_err)?
        .as_deref()
        != Some(&scope)
    {
        // Enrolled for other villages: what was refused as outside them may now be in.
        report.resent = replica.resend_refused_in(&villages).map_err(replica_err)?;
        set_state(replica, keys::SCOPE_VILLAGES, &scope)?;
    }
    push_all(replica, transport, &info, &mut report, progress)?;
    let mut pull_from = round.pull_from;
    let mut own = replica
        .sync_state(keys::PULL_OWN)
        .map_err(replica_err)?
        .as_deref()
        == Some("1");
    if report.renumbered > 0 && !own {
        // The server held other changes under this device's numbers: its data was restored
        // from an older copy made before them, so take them back too.
        report.recovery.push(Recovery::DeviceBehind {
            server_seq: info.device.stored_through_seq,
            device_seq: local.issued_seq,
        });
        set_state(replica, keys::PULL_OWN, "1")?;
        set_state(replica, keys::PULL_CURSOR, "0")?;
        own = true;
        pull_from = 0;
    }
    let finished = pull_all(
        replica,
        transport,
        &info,
        PullFrom {
            cursor: pull_from,
            own,
        },
        &mut report,
        progress,
    )?;
    if own && finished {
        set_state(replica, keys::PULL_OWN, "0")?;
    }
    set_state(replica, keys::LAST_SYNC_MS, &now_ms.to_string())?;
    Ok(report)
}

fn push_all(
    replica: &mut dyn LocalReplica,
    transport: &dyn Transport,
    info: &ServerInfo,
    report: &mut SyncReport,
    progress: &mut dyn FnMut(Progress),
) -> Result<()> {
    let total = replica.pending_count().map_err(replica_err)?;
    let page = (info.limits.max_changes.max(1) as usize) * 4;
    let mut done = 0u64;
    let mut after = 0u64;
    let mut renumbered = std::collections::HashSet::new();
    // Every pass sends or sets aside at least one change, and a change is renumbered (and so
    // met again) at most once, so `2 * total + 1` passes always suffice; the bound only guards
    // against a store that keeps returning the same rows.
    for _ in 0..=(2 * total) {
        let changes = replica.pending(after, page).map_err(replica_err)?;
        let Some(last) = changes.last() else { break };
        after = last.seq;
        let sizes: Vec<u64> = changes
            .iter()
            .map(encoded_size)
            .collect::<std::result::Result<_, _>>()
            .map_err(|e| SyncError::Protocol(e.to_string()))?;
        let cut = plan_batches(&sizes, &info.limits);
        if !cut.too_large.is_empty() {
            let rejected: Vec<(Change, Rejection)> = cut
                .too_large
                .iter()
                .map(|&i| (changes[i].clone(), Rejection::new(RejectCode::TooLarge)))
                .collect();
            replica.record_rejections(&rejected).map_err(replica_err)?;
            let seqs: Vec<u64> = rejected.iter().map(|(c, _)| c.seq).collect();
            replica.mark_acknowledged(&seqs).map_err(replica_err)?;
            report
                .rejected
                .extend(rejected.into_iter().map(|(c, r)| (c.seq, r)));
            done += seqs.len() as u64;
        }
        for range in cut.batches {
            let batch = &changes[range];
            let request = PushRequest {
                device_id: replica.device_id(),
                changes: batch.to_vec(),
            };
            let response = transport.push(&request)?;
            report.requests += 1;
            settle(replica, batch, &response, report, &mut renumbered)?;
            done += batch.len() as u64;
            progress(Progress {
                phase: Phase::Push,
                done,
                total: total.max(done),
            });
        }
    }
    Ok(())
}

/// Takes the server's answer for one batch: checks it names exactly the changes sent, keeps the
/// rejections, then marks the batch acknowledged.
fn settle(
    replica: &mut dyn LocalReplica,
    batch: &[Change],
    response: &PushResponse,
    report: &mut SyncReport,
    renumbered: &mut std::collections::HashSet<Uuid>,
) -> Result<()> {
    if response.results.len() != batch.len()
        || response
            .results
            .iter()
            .zip(batch)
            .any(|(r, c)| r.seq != c.seq)
    {
        return Err(SyncError::Protocol(format!(
            "push answer names {} results for {} changes, or in another order",
            response.results.len(),
            batch.len()
        )));
    }
    let mut rejected = Vec::new();
    let mut lost = Vec::new();
    for (result, change) in response.results.iter().zip(batch) {
        match &result.status {
            ChangeStatus::Applied => report.applied += 1,
            ChangeStatus::Duplicate => report.duplicates += 1,
            ChangeStatus::Conflict { losing_fields } => {
                report.conflicts += 1;
                lost.push((change.clone(), losing_fields.clone()));
            }
            ChangeStatus::Rejected { reason }
                if reason.code == RejectCode::SeqReused && renumbered.insert(change.change_id) =>
            {
                // The server holds another change under this number, so this one is new to it:
                // send it again under a fresh number rather than refuse new work.
                if replica
                    .renumber_pending(change.seq)
                    .map_err(replica_err)?
                    .is_some()
                {
                    report.renumbered += 1;
                } else {
                    rejected.push((change.clone(), reason.clone()));
                }
            }
            ChangeStatus::Rejected { reason } => rejected.push((change.clone(), reason.clone())),
        }
    }
    if !lost.is_empty() {
        replica.record_lost_writes(&lost).map_err(replica_err)?;
    }
    if !rejected.is_empty() {
        replica.record_rejections(&rejected).map_err(replica_err)?;
        report
            .rejected
            .extend(rejected.into_iter().map(|(c, r)| (c.seq, r)));
    }
    let seqs: Vec<u64> = batch.iter().map(|c| c.seq).collect();
    replica.mark_acknowledged(&seqs).map_err(replica_err)?;
    let acked = state_u64(replica, keys::ACKED_THROUGH_SEQ)?;
    let stored = batch
        .iter()
        .zip(&response.results)
        .filter(|(_, r)| r.status.is_stored())
        .map(|(c, _)| c.seq)
        .max()
        .unwrap_or(0)
        .max(acked);
    if stored > acked {
        set_state(replica, keys::ACKED_THROUGH_SEQ, &stored.to_string())?;
    }
    Ok(())
}

/// Where a round's pull starts, and whether it takes the device's own changes too.
struct PullFrom {
    cursor: u64,
    own: bool,
}

/// Pulls pages until the log's end; whether it got there (not held back by local edits).
fn pull_all(
    replica: &mut dyn LocalReplica,
    transport: &dyn Transport,
    info: &ServerInfo,
    start: PullFrom,
    report: &mut SyncReport,
    progress: &mut dyn FnMut(Progress),
) -> Result<bool> {
    let limit = info.limits.max_pull.max(1);
    let from = start.cursor;
    let mut cursor = from;
    // Each page moves the cursor forward by at least one, and the log held `high_water` entries
    // when the round began; pages written meanwhile are picked up by the next round.
    let max_pages = info.high_water.saturating_sub(from) / u64::from(limit) + 2;
    for _ in 0..max_pages {
        let page = transport.pull(cursor, limit, start.own)?;
        report.requests += 1;
        if page.server_epoch != info.server_epoch {
            return Err(SyncError::Protocol(
                "server epoch changed during the round".into(),
            ));
        }
        if page.next_cursor < cursor || (page.more && page.next_cursor == cursor) {
            return Err(SyncError::Protocol(format!(
                "pull cursor did not advance ({cursor} -> {})",
                page.next_cursor
            )));
        }
        if !page.changes.is_empty() {
            let changes: Vec<Change> = page.changes.into_iter().map(|p| p.change).collect();
            let applied = replica.apply_remote(&changes).map_err(replica_err)?;
            report.pulled += changes.len() as u64;
            report.pull_conflicts += applied.conflicts as u64;
            if applied.deferred > 0 {
                // Local edits were made while syncing: keep the cursor before this page so the
                // next round, after pushing them, applies the held-back changes.
                report.pull_deferred += applied.deferred as u64;
                return Ok(false);
            }
        }
        cursor = page.next_cursor;
        set_state(replica, keys::PULL_CURSOR, &cursor.to_string())?;
        if page.high_water > info.high_water {
            let seen = state_u64(replica, keys::SEEN_HIGH_WATER)?;
            if page.high_water > seen {
                set_state(replica, keys::SEEN_HIGH_WATER, &page.high_water.to_string())?;
            }
        }
        progress(Progress {
            phase: Phase::Pull,
            done: cursor,
            total: page.high_water.max(cursor),
        });
        if !page.more {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Bytes `change` takes as JSON, counted as it is written rather than written into a buffer.
fn encoded_size(change: &Change) -> serde_json::Result<u64> {
    struct Counter(u64);
    impl std::io::Write for Counter {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0 += bytes.len() as u64;
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut counter = Counter(0);
    serde_json::to_writer(&mut counter, change)?;
    Ok(counter.0)
}

fn replica_err(e: ReplicaError) -> SyncError {
    SyncError::Replica(e.0)
}

fn set_state(replica: &mut dyn LocalReplica, key: &str, value: &str) -> Result<()> {
    replica.set_sync_state(key, value).map_err(replica_err)
}

fn state_u64(replica: &mut dyn LocalReplica, key: &str) -> Result<u64> {
    match replica.sync_state(key).map_err(replica_err)? {
        None => Ok(0),
        Some(v) => v
            .trim()
            .parse()
            .map_err(|_| SyncError::Replica(format!("sync state {key} = '{v}' is not a number"))),
    }
}

fn state_uuid(replica: &mut dyn LocalReplica, key: &str) -> Result<Option<Uuid>> {
    match replica.sync_state(key).map_err(replica_err)? {
        None => Ok(None),
        Some(v) => Uuid::parse_str(v.trim())
            .map(Some)
            .map_err(|_| SyncError::Replica(format!("sync state {key} = '{v}' is not an id"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::MemReplica;
    use jiayi_core::change::Entity;

    #[test]
    fn a_change_is_counted_at_the_size_it_is_sent_at() {
        let mut replica = MemReplica::new(Uuid::from_u128(1));
        let change = replica.write(
            Entity::Household,
            Uuid::from_u128(2),
            Uuid::from_u128(3),
            serde_json::json!({"address": "幸福村\"一\"号\n", "group": "三组"}),
            1_700_000_000_000,
        );
        assert_eq!(
            encoded_size(&change).unwrap(),
            serde_json::to_vec(&change).unwrap().len() as u64
        );
    }
}
