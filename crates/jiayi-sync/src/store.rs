//! The device's real store (`jiayi_store::Store`) as the sync engine's replica.

use chrono::Utc;
use jiayi_core::change::{Change, Entity};
use jiayi_core::data_kind::DataKind;
use jiayi_store::{NewRefusal, Store};
use uuid::Uuid;

use crate::engine::{LocalReplica, RemoteApply, ReplicaError, ReplicaResult};
use crate::protocol::Rejection;

fn err(e: jiayi_store::StoreError) -> ReplicaError {
    ReplicaError(e.to_string())
}

impl LocalReplica for Store {
    fn device_id(&self) -> Uuid {
        Store::device_id(self)
    }

    fn data_kind(&self) -> ReplicaResult<DataKind> {
        Store::data_kind(self).map_err(err)
    }

    fn device_role(&self) -> ReplicaResult<Option<crate::protocol::DeviceRole>> {
        Store::device_role(self).map_err(err)
    }

    fn pending(&mut self, after_seq: u64, limit: usize) -> ReplicaResult<Vec<Change>> {
        let mut changes = self.pending_changes(after_seq, limit).map_err(err)?;
        changes.iter_mut().for_each(name_visit_fields);
        Ok(changes)
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

    fn issued_seq(&mut self) -> ReplicaResult<u64> {
        Store::issued_seq(self).map_err(err)
    }

    fn ensure_seq_above(&mut self, n: u64) -> ReplicaResult<bool> {
        Store::ensure_seq_above(self, n).map_err(err)
    }

    fn renumber_pending(&mut self, seq: u64) -> ReplicaResult<Option<u64>> {
        Store::renumber_pending(self, seq).map_err(err)
    }

    fn record_lost_writes(&mut self, lost: &[(Change, Vec<String>)]) -> ReplicaResult<()> {
        self.record_lost_writes(lost, Utc::now()).map_err(err)
    }

    fn resend_refused_in(&mut self, villages: &[Uuid]) -> ReplicaResult<u64> {
        self.resend_refused_in(villages, Utc::now()).map_err(err)
    }

    fn record_rejections(&mut self, rejected: &[(Change, Rejection)]) -> ReplicaResult<()> {
        let refusals: Vec<NewRefusal> = rejected
            .iter()
            .map(|(change, reason)| NewRefusal {
                seq: change.seq,
                change_id: change.change_id,
                entity: change.entity.as_str().to_string(),
                entity_id: change.entity_id,
                village_id: change.village_id,
                code: serde_json::to_value(reason.code)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default(),
                message_zh: reason.message_zh.clone(),
                message_en: reason.message_en.clone(),
            })
            .collect();
        self.record_refusals(&refusals, Utc::now()).map_err(err)
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

/// Earlier versions wrote visits with the field list `["visit"]` while the payload is the visit
/// itself; the server refuses a change naming a field its payload lacks. Such changes still in
/// an outbox are sent naming the payload's own fields.
fn name_visit_fields(change: &mut Change) {
    if change.entity != Entity::Visit || change.fields != ["visit"] {
        return;
    }
    if let Some(o) = change.payload.as_object()
        && !o.contains_key("visit")
    {
        change.fields = o.keys().cloned().collect();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiayi_core::change::Op;
    use jiayi_core::hlc::Hlc;

    #[test]
    fn visits_written_by_earlier_versions_name_their_payload_fields() {
        let device = Uuid::from_u128(1);
        let mut change = Change {
            device_id: device,
            seq: 1,
            change_id: Uuid::from_u128(2),
            entity: Entity::Visit,
            entity_id: Uuid::from_u128(3),
            op: Op::Upsert,
            village_id: Uuid::from_u128(4),
            hlc: Hlc::zero(device),
            fields: vec!["visit".into()],
            payload: serde_json::json!({"id": Uuid::from_u128(3), "kind": "follow_up"}),
        };
        name_visit_fields(&mut change);
        assert_eq!(change.fields, vec!["id".to_string(), "kind".to_string()]);
        let mut household = Change {
            entity: Entity::Household,
            fields: vec!["visit".into()],
            ..change.clone()
        };
        name_visit_fields(&mut household);
        assert_eq!(household.fields, vec!["visit".to_string()], "only visits");
    }
}
