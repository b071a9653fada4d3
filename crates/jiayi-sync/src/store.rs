//! The device's real store (`jiayi_store::Store`) as the sync engine's replica.

use chrono::Utc;
use jiayi_core::change::Change;
use jiayi_store::Store;
use uuid::Uuid;

use crate::engine::{LocalReplica, RemoteApply, ReplicaError, ReplicaResult};
use crate::protocol::Rejection;

/// Prefix of the sync-state keys that keep the server's refusals, one per change:
/// `rejected:<seq>` → JSON `{entity, entity_id, village_id, reason}`.
pub const REJECTED_PREFIX: &str = "rejected:";

fn err(e: jiayi_store::StoreError) -> ReplicaError {
    ReplicaError(e.to_string())
}

impl LocalReplica for Store {
    fn device_id(&self) -> Uuid {
        Store::device_id(self)
    }

    fn pending(&mut self, after_seq: u64, limit: usize) -> ReplicaResult<Vec<Change>> {
        self.pending_changes(after_seq, limit).map_err(err)
    }

    fn pending_count(&mut self) -> ReplicaResult<u64> {
        Store::pending_count(self).map_err(err)
    }

    fn mark_acknowledged(&mut self, seqs: &[u64]) -> ReplicaResult<()> {
        Store::mark_acknowledged(self, seqs).map_err(err)
    }

    fn requeue_after(&mut self, after_seq: u64) -> ReplicaResult<u64> {
        Store::requeue_after(self, after_seq).map_err(err)
    }

    fn record_rejections(&mut self, rejected: &[(Change, Rejection)]) -> ReplicaResult<()> {
        for (change, reason) in rejected {
            let value = serde_json::json!({
                "entity": change.entity,
                "entity_id": change.entity_id,
                "village_id": change.village_id,
                "reason": reason,
            });
            self.set_sync_state(
                &format!("{REJECTED_PREFIX}{}", change.seq),
                &value.to_string(),
            )
            .map_err(err)?;
        }
        Ok(())
    }

    fn apply_remote(&mut self, changes: &[Change]) -> ReplicaResult<RemoteApply> {
        let report = Store::apply_remote(self, changes, Utc::now()).map_err(err)?;
        Ok(RemoteApply {
            applied: report.applied as usize,
            conflicts: report.conflicts as usize,
            deferred: report.deferred as usize,
        })
    }

    fn sync_state(&mut self, key: &str) -> ReplicaResult<Option<String>> {
        Store::sync_state(self, key).map_err(err)
    }

    fn set_sync_state(&mut self, key: &str, value: &str) -> ReplicaResult<()> {
        Store::set_sync_state(self, key, value).map_err(err)
    }
}
