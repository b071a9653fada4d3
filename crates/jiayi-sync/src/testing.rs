//! An in-memory device replica, for tests of the sync engine and of the server.
//!
//! It follows the same rules as the device store: an outbox with running sequence numbers,
//! field-level last writer wins by the core's one merge rule (`jiayi_core::merge`), and pulled
//! changes never overwrite a record that still has a pending local write.

use std::collections::{BTreeMap, HashMap, HashSet};

use jiayi_core::change::{Change, Entity, Op};
use jiayi_core::hlc::Hlc;
use jiayi_core::merge::{Versioned, Write, merge};
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::engine::{LocalReplica, RemoteApply, ReplicaError, ReplicaResult};
use crate::protocol::{RejectCode, Rejection};

#[derive(Debug, Clone, Default, PartialEq)]
pub struct MemRecord {
    pub village_id: Uuid,
    pub payload: Map<String, Value>,
    pub field_hlc: BTreeMap<String, Hlc>,
    pub deleted: Option<Hlc>,
}

#[derive(Debug, Clone)]
pub struct MemReplica {
    pub device_id: Uuid,
    clock: Hlc,
    next_seq: u64,
    /// seq → (change, acknowledged)
    pub outbox: BTreeMap<u64, (Change, bool)>,
    pub records: HashMap<(Entity, Uuid), MemRecord>,
    pub state: HashMap<String, String>,
    pub rejections: Vec<(u64, Rejection)>,
    /// This device's writes that lost to newer values, as the server's push answers named
    /// them: (entity id, field, value).
    pub conflicts: Vec<(Uuid, String, Value)>,
    /// Fail the next `mark_acknowledged` call (the device dies between answer and mark).
    pub fail_next_mark: bool,
}

impl MemReplica {
    pub fn new(device_id: Uuid) -> MemReplica {
        MemReplica {
            device_id,
            clock: Hlc::zero(device_id),
            next_seq: 1,
            outbox: BTreeMap::new(),
            records: HashMap::new(),
            state: HashMap::new(),
            rejections: Vec::new(),
            conflicts: Vec::new(),
            fail_next_mark: false,
        }
    }

    /// Writes the given fields of a record (creating it if new) at wall time `now_ms`, and
    /// appends the change to the outbox. Returns the change.
    pub fn write(
        &mut self,
        entity: Entity,
        id: Uuid,
        village_id: Uuid,
        fields: Value,
        now_ms: u64,
    ) -> Change {
        self.clock = self.clock.tick(now_ms);
        let hlc = self.clock;
        let rec = self
            .records
            .entry((entity, id))
            .or_insert_with(|| MemRecord {
                village_id,
                ..MemRecord::default()
            });
        rec.village_id = village_id;
        rec.deleted = None;
        rec.payload
            .insert("id".into(), Value::String(id.to_string()));
        let mut names = Vec::new();
        if let Value::Object(map) = fields {
            for (k, v) in map {
                rec.field_hlc.insert(k.clone(), hlc);
                rec.payload.insert(k.clone(), v);
                names.push(k);
            }
        }
        let change = Change {
            device_id: self.device_id,
            seq: self.next_seq,
            change_id: Uuid::from_u128(
                (self.device_id.as_u128() << 32) ^ u128::from(self.next_seq),
            ),
            entity,
            entity_id: id,
            op: Op::Upsert,
            village_id,
            hlc,
            fields: names,
            payload: Value::Object(rec.payload.clone()),
        };
        self.outbox.insert(self.next_seq, (change.clone(), false));
        self.next_seq += 1;
        change
    }

    pub fn value(&self, entity: Entity, id: Uuid, field: &str) -> Option<&Value> {
        self.records
            .get(&(entity, id))
            .and_then(|r| r.payload.get(field))
    }

    /// The records with unsent field writes in the outbox (a change that sets no field holds
    /// nothing back), collected once per pulled page rather than by a walk of the outbox for
    /// every pulled change: the device store answers the same question from an index.
    fn records_with_pending_changes(&self) -> HashSet<(Entity, Uuid)> {
        self.outbox
            .values()
            .filter(|(c, acked)| !acked && !c.fields.is_empty())
            .map(|(c, _)| (c.entity, c.entity_id))
            .collect()
    }
}

impl LocalReplica for MemReplica {
    fn device_id(&self) -> Uuid {
        self.device_id
    }

    fn pending(&mut self, after_seq: u64, limit: usize) -> ReplicaResult<Vec<Change>> {
        Ok(self
            .outbox
            .range(after_seq + 1..)
            .filter(|(_, (_, acked))| !acked)
            .take(limit)
            .map(|(_, (c, _))| c.clone())
            .collect())
    }

    fn pending_count(&mut self) -> ReplicaResult<u64> {
        Ok(self.outbox.values().filter(|(_, acked)| !acked).count() as u64)
    }

    fn mark_acknowledged(&mut self, seqs: &[u64]) -> ReplicaResult<()> {
        if std::mem::take(&mut self.fail_next_mark) {
            return Err(ReplicaError("device switched off before the mark".into()));
        }
        for s in seqs {
            if let Some(entry) = self.outbox.get_mut(s) {
                entry.1 = true;
            }
        }
        Ok(())
    }

    fn requeue_after(&mut self, after_seq: u64) -> ReplicaResult<u64> {
        let mut n = 0;
        for (_, entry) in self.outbox.range_mut(after_seq + 1..) {
            if entry.1 {
                entry.1 = false;
                n += 1;
            }
        }
        Ok(n)
    }

    fn issued_seq(&mut self) -> ReplicaResult<u64> {
        Ok(self.next_seq - 1)
    }

    fn ensure_seq_above(&mut self, n: u64) -> ReplicaResult<bool> {
        if self.next_seq > n {
            return Ok(false);
        }
        self.next_seq = n + 1;
        Ok(true)
    }

    fn renumber_pending(&mut self, seq: u64) -> ReplicaResult<Option<u64>> {
        match self.outbox.get(&seq) {
            Some((_, false)) => {}
            _ => return Ok(None),
        }
        let (mut change, acked) = self.outbox.remove(&seq).expect("checked above");
        let next = self.next_seq;
        self.next_seq += 1;
        change.seq = next;
        self.outbox.insert(next, (change, acked));
        Ok(Some(next))
    }

    fn record_lost_writes(&mut self, lost: &[(Change, Vec<String>)]) -> ReplicaResult<()> {
        for (change, fields) in lost {
            for field in fields {
                let value = change.payload.get(field).cloned().unwrap_or(Value::Null);
                self.conflicts
                    .push((change.entity_id, field.clone(), value));
            }
        }
        Ok(())
    }

    fn resend_refused_in(&mut self, villages: &[Uuid]) -> ReplicaResult<u64> {
        let mut resent = 0;
        let outbox = &mut self.outbox;
        self.rejections.retain(|(seq, reason)| {
            let in_scope = matches!(
                reason.code,
                RejectCode::VillageNotInScope | RejectCode::RecordNotInScope
            ) && outbox
                .get(seq)
                .is_some_and(|(c, _)| villages.contains(&c.village_id));
            if in_scope && let Some(entry) = outbox.get_mut(seq) {
                entry.1 = false;
                resent += 1;
                return false;
            }
            true
        });
        Ok(resent)
    }

    fn record_rejections(&mut self, rejected: &[(Change, Rejection)]) -> ReplicaResult<()> {
        self.rejections
            .extend(rejected.iter().map(|(c, r)| (c.seq, r.clone())));
        Ok(())
    }

    fn apply_remote(&mut self, changes: &[Change]) -> ReplicaResult<RemoteApply> {
        let mut out = RemoteApply::default();
        let pending = self.records_with_pending_changes();
        for c in changes {
            self.clock = self.clock.observe(&c.hlc, c.hlc.wall_ms);
            if !c.entity.is_append_only() && pending.contains(&(c.entity, c.entity_id)) {
                out.deferred += 1;
                continue;
            }
            let rec = self
                .records
                .entry((c.entity, c.entity_id))
                .or_insert_with(|| MemRecord {
                    village_id: c.village_id,
                    ..MemRecord::default()
                });
            let current = Versioned {
                payload: std::mem::take(&mut rec.payload),
                field_hlc: std::mem::take(&mut rec.field_hlc),
                deleted: rec.deleted,
            };
            let merged = merge(
                Some(&current),
                Write {
                    op: c.op,
                    hlc: c.hlc,
                    fields: &c.fields,
                    payload: &c.payload,
                },
            );
            rec.payload = merged.state.payload;
            rec.field_hlc = merged.state.field_hlc;
            rec.deleted = merged.state.deleted;
            out.applied += 1;
        }
        Ok(out)
    }

    fn sync_state(&mut self, key: &str) -> ReplicaResult<Option<String>> {
        Ok(self.state.get(key).cloned())
    }

    fn set_sync_state(&mut self, key: &str, value: &str) -> ReplicaResult<()> {
        self.state.insert(key.to_string(), value.to_string());
        Ok(())
    }
}
