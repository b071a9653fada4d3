//! The device sync engine against an in-memory server: batching within the advertised limits,
//! acknowledgement only after an answer, resuming after a cut, and recovery after a restore.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;

use jiayi_core::change::{Change, Entity};
use jiayi_sync::engine::{LocalReplica, Transport, keys, sync};
use jiayi_sync::plan::Recovery;
use jiayi_sync::protocol::*;
use jiayi_sync::testing::MemReplica;
use jiayi_sync::{Result, SyncError};
use serde_json::json;
use uuid::Uuid;

const DEVICE: Uuid = Uuid::from_u128(0xD1);
const VILLAGE: Uuid = Uuid::from_u128(0x71);
const FOREIGN_VILLAGE: Uuid = Uuid::from_u128(0x72);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    None,
    /// The request never reaches the server.
    DropRequest,
    /// The server commits, then the answer is lost.
    DropAnswer,
}

/// A server in memory: a log keyed by (device, seq), like the real one.
struct FakeServer {
    epoch: Cell<Uuid>,
    limits: Limits,
    log: RefCell<BTreeMap<(Uuid, u64), Change>>,
    order: RefCell<Vec<(Uuid, u64)>>,
    fault: Cell<Fault>,
    /// Applies `fault` only to the push with this index (0-based).
    fault_at_push: Cell<usize>,
    pushes: Cell<usize>,
    largest_push: Cell<(usize, usize)>,
    now_ms: i64,
}

impl FakeServer {
    fn new(limits: Limits) -> FakeServer {
        FakeServer {
            epoch: Cell::new(Uuid::from_u128(0xE1)),
            limits,
            log: RefCell::default(),
            order: RefCell::default(),
            fault: Cell::new(Fault::None),
            fault_at_push: Cell::new(0),
            pushes: Cell::new(0),
            largest_push: Cell::new((0, 0)),
            now_ms: 1_000_000,
        }
    }

    fn stored_seqs(&self, device: Uuid) -> Vec<u64> {
        self.log
            .borrow()
            .keys()
            .filter(|(d, _)| *d == device)
            .map(|(_, s)| *s)
            .collect()
    }

    /// Loses everything after the first `keep` log entries, like a restore from an older backup.
    fn restore_to(&self, keep: usize) {
        let mut order = self.order.borrow_mut();
        for key in order.drain(keep..) {
            self.log.borrow_mut().remove(&key);
        }
    }
}

impl Transport for FakeServer {
    fn info(&self, seen: &InfoQuery) -> Result<ServerInfo> {
        let high_water = self.order.borrow().len() as u64;
        if seen.shows_a_restore(self.epoch.get(), high_water) {
            // Like the real server: a device saw more of this log than it holds.
            self.epoch
                .set(Uuid::from_u128(self.epoch.get().as_u128() + 0x100));
        }
        Ok(ServerInfo {
            protocol_version: PROTOCOL_VERSION,
            server_epoch: self.epoch.get(),
            server_time_ms: self.now_ms,
            limits: self.limits,
            high_water: self.order.borrow().len() as u64,
            device: DeviceStatus {
                device_id: DEVICE,
                doctor_id: Uuid::nil(),
                team_id: Uuid::nil(),
                villages: vec![VILLAGE],
                role: None,
                stored_through_seq: self.stored_seqs(DEVICE).last().copied().unwrap_or(0),
            },
            recovery_public_key: None,
            update: None,
            township_keys: None,
        })
    }

    fn push(&self, request: &PushRequest) -> Result<PushResponse> {
        let n = self.pushes.get();
        self.pushes.set(n + 1);
        let faulty = n == self.fault_at_push.get();
        if faulty && self.fault.get() == Fault::DropRequest {
            return Err(SyncError::Network("connection refused".into()));
        }
        let bytes = serde_json::to_vec(request).unwrap().len();
        assert!(
            request.changes.len() <= self.limits.max_changes as usize,
            "count limit exceeded"
        );
        assert!(
            bytes as u64 <= self.limits.max_bytes,
            "byte limit exceeded: {bytes}"
        );
        let (c, b) = self.largest_push.get();
        self.largest_push
            .set((c.max(request.changes.len()), b.max(bytes)));
        let mut results = Vec::new();
        for change in &request.changes {
            let key = (change.device_id, change.seq);
            let status = if change.village_id != VILLAGE {
                ChangeStatus::Rejected {
                    reason: Rejection::new(RejectCode::VillageNotInScope),
                }
            } else if self.log.borrow().contains_key(&key) {
                ChangeStatus::Duplicate
            } else {
                self.log.borrow_mut().insert(key, change.clone());
                self.order.borrow_mut().push(key);
                ChangeStatus::Applied
            };
            results.push(ChangeResult {
                seq: change.seq,
                status,
            });
        }
        if faulty && self.fault.get() == Fault::DropAnswer {
            return Err(SyncError::Network("connection reset by peer".into()));
        }
        Ok(PushResponse {
            server_epoch: self.epoch.get(),
            results,
            stored_through_seq: self.stored_seqs(DEVICE).last().copied().unwrap_or(0),
        })
    }

    fn pull(&self, after: u64, limit: u32, own: bool) -> Result<PullResponse> {
        let order = self.order.borrow();
        let log = self.log.borrow();
        let page: Vec<PulledChange> = order
            .iter()
            .enumerate()
            .skip(after as usize)
            .take(limit as usize)
            .filter(|(_, k)| own || k.0 != DEVICE)
            .map(|(i, k)| PulledChange {
                cursor: i as u64 + 1,
                change: log[k].clone(),
            })
            .collect();
        let next = (after + u64::from(limit)).min(order.len() as u64);
        Ok(PullResponse {
            server_epoch: self.epoch.get(),
            changes: page,
            next_cursor: next,
            more: next < order.len() as u64,
            high_water: order.len() as u64,
        })
    }

    fn reference(&self) -> Result<ReferenceData> {
        Ok(ReferenceData {
            teams: vec![],
            documents: vec![],
            record_ranges: vec![],
            villages: vec![],
        })
    }
}

fn device_with(n: u64) -> MemReplica {
    let mut r = MemReplica::new(DEVICE);
    for i in 0..n {
        r.write(
            Entity::Resident,
            Uuid::from_u128(1000 + u128::from(i)),
            VILLAGE,
            json!({"name": format!("居民{i}"), "phone": "13800000000"}),
            1_000_000 + i,
        );
    }
    r
}

fn run(replica: &mut MemReplica, server: &FakeServer) -> Result<jiayi_sync::SyncReport> {
    sync(replica, server, server.now_ms, &mut |_| {})
}

fn assert_exactly_once(server: &FakeServer, n: u64) {
    assert_eq!(
        server.stored_seqs(DEVICE),
        (1..=n).collect::<Vec<_>>(),
        "every change stored exactly once"
    );
    assert_eq!(
        server.order.borrow().len() as u64,
        n,
        "no change logged twice"
    );
}

#[test]
fn batches_respect_both_advertised_limits() {
    let one = serde_json::to_vec(&device_with(1).pending(0, 1).unwrap()[0])
        .unwrap()
        .len() as u64;
    // Room for three changes by bytes, five by count: bytes bind.
    let limits = Limits {
        max_changes: 5,
        max_bytes: jiayi_sync::plan::ENVELOPE_BYTES + 3 * (one + 1),
        max_pull: 50,
    };
    let server = FakeServer::new(limits);
    let mut device = device_with(20);
    let report = run(&mut device, &server).unwrap();
    assert_eq!(report.applied, 20);
    assert_eq!(
        server.largest_push.get().0,
        3,
        "the byte limit allows three per request"
    );
    assert_eq!(device.pending_count().unwrap(), 0);
    assert_exactly_once(&server, 20);
}

#[test]
fn nothing_is_marked_before_the_answer_and_a_lost_request_is_resent() {
    let server = FakeServer::new(Limits {
        max_changes: 4,
        ..Limits::default()
    });
    server.fault.set(Fault::DropRequest);
    server.fault_at_push.set(1);
    let mut device = device_with(10);
    let err = run(&mut device, &server).unwrap_err();
    assert!(err.is_retryable());
    assert_eq!(
        device.pending_count().unwrap(),
        6,
        "only the first answered batch left the outbox"
    );
    let report = run(&mut device, &server).unwrap();
    assert_eq!((report.applied, report.duplicates), (6, 0));
    assert_exactly_once(&server, 10);
}

#[test]
fn answer_lost_after_commit_gives_duplicates_not_doubles() {
    let server = FakeServer::new(Limits {
        max_changes: 4,
        ..Limits::default()
    });
    server.fault.set(Fault::DropAnswer);
    server.fault_at_push.set(0);
    let mut device = device_with(10);
    assert!(run(&mut device, &server).is_err());
    assert_eq!(device.pending_count().unwrap(), 10);
    let report = run(&mut device, &server).unwrap();
    assert_eq!((report.duplicates, report.applied), (4, 6));
    assert_exactly_once(&server, 10);
}

#[test]
fn device_dies_between_answer_and_mark() {
    let server = FakeServer::new(Limits::default());
    let mut device = device_with(7);
    device.fail_next_mark = true;
    assert!(matches!(
        run(&mut device, &server),
        Err(SyncError::Replica(_))
    ));
    assert_eq!(device.pending_count().unwrap(), 7);
    let report = run(&mut device, &server).unwrap();
    assert_eq!(report.duplicates, 7);
    assert_exactly_once(&server, 7);
}

#[test]
fn restored_server_gets_the_lost_changes_again() {
    let server = FakeServer::new(Limits::default());
    let mut device = device_with(10);
    run(&mut device, &server).unwrap();
    server.restore_to(4);
    let report = run(&mut device, &server).unwrap();
    assert_eq!(report.requeued, 6);
    assert!(
        report.recovery.contains(&Recovery::NewEpoch),
        "the device saw more of the log than the server holds: the server takes a new epoch"
    );
    assert_eq!(report.applied, 6);
    assert_exactly_once(&server, 10);
    // A later round finds nothing to do.
    let again = run(&mut device, &server).unwrap();
    assert_eq!((again.applied, again.duplicates, again.requeued), (0, 0, 0));
}

#[test]
fn new_epoch_reuploads_and_pulls_from_the_start() {
    let server = FakeServer::new(Limits::default());
    let mut device = device_with(5);
    run(&mut device, &server).unwrap();
    server.restore_to(0);
    server.epoch.set(Uuid::from_u128(0xE2));
    let report = run(&mut device, &server).unwrap();
    assert!(report.recovery.contains(&Recovery::NewEpoch));
    assert_eq!(report.applied, 5);
    assert_eq!(
        device.state.get(keys::SERVER_EPOCH).unwrap(),
        &Uuid::from_u128(0xE2).to_string()
    );
    assert_exactly_once(&server, 5);
}

#[test]
fn rejected_changes_are_kept_with_their_reason_not_resent() {
    let server = FakeServer::new(Limits::default());
    let mut device = device_with(2);
    device.write(
        Entity::Household,
        Uuid::from_u128(5),
        FOREIGN_VILLAGE,
        json!({"address": "外村"}),
        2_000_000,
    );
    let report = run(&mut device, &server).unwrap();
    assert_eq!(report.rejected.len(), 1);
    assert_eq!(report.rejected[0].0, 3);
    assert_eq!(device.rejections[0].1.code, RejectCode::VillageNotInScope);
    assert_eq!(device.pending_count().unwrap(), 0);
    assert_eq!(server.stored_seqs(DEVICE), vec![1, 2]);
}

#[test]
fn pull_pages_through_colleagues_changes_and_resumes_from_the_cursor() {
    let server = FakeServer::new(Limits {
        max_pull: 3,
        ..Limits::default()
    });
    // A colleague's 8 changes already on the server.
    let colleague = Uuid::from_u128(0xD2);
    let mut other = MemReplica::new(colleague);
    for i in 0..8u64 {
        let c = other.write(
            Entity::Household,
            Uuid::from_u128(500 + u128::from(i)),
            VILLAGE,
            json!({"address": i}),
            10 + i,
        );
        server.log.borrow_mut().insert((colleague, c.seq), c);
        server.order.borrow_mut().push((colleague, i + 1));
    }
    let mut device = device_with(0);
    let report = run(&mut device, &server).unwrap();
    assert_eq!(report.pulled, 8);
    assert_eq!(
        device.state.get(keys::PULL_CURSOR).map(String::as_str),
        Some("8")
    );
    assert_eq!(device.records.len(), 8);
    let again = run(&mut device, &server).unwrap();
    assert_eq!(again.pulled, 0, "the cursor was kept");
}

#[test]
fn clock_far_off_is_reported() {
    let server = FakeServer::new(Limits::default());
    let mut device = device_with(1);
    let device_clock = server.now_ms - 10 * 60_000;
    let report = sync(&mut device, &server, device_clock, &mut |_| {}).unwrap();
    assert_eq!(report.clock_skew_ms, Some(-10 * 60_000));
}

#[test]
fn oversized_change_is_set_aside_with_a_reason() {
    let server = FakeServer::new(Limits {
        max_bytes: 600,
        ..Limits::default()
    });
    let mut device = device_with(1);
    device.write(
        Entity::Household,
        Uuid::from_u128(9),
        VILLAGE,
        json!({"address": "很长".repeat(400)}),
        3_000_000,
    );
    device.write(
        Entity::Household,
        Uuid::from_u128(10),
        VILLAGE,
        json!({"address": "短"}),
        3_000_001,
    );
    let report = run(&mut device, &server).unwrap();
    assert_eq!(
        report
            .rejected
            .iter()
            .map(|(s, r)| (*s, r.code))
            .collect::<Vec<_>>(),
        vec![(2, RejectCode::TooLarge)]
    );
    assert_eq!(server.stored_seqs(DEVICE), vec![1, 3]);
    assert_eq!(device.pending_count().unwrap(), 0);
}

/// The doctor edits a record while a round is pulling: the pulled change for it is held back,
/// the cursor stays before it, and the next round (which pushes the edit first) applies it.
struct EditsDuringPull {
    inner: MemReplica,
    edit: Option<(Uuid, serde_json::Value)>,
}

impl LocalReplica for EditsDuringPull {
    fn device_id(&self) -> Uuid {
        self.inner.device_id
    }
    fn pending(
        &mut self,
        after: u64,
        limit: usize,
    ) -> jiayi_sync::engine::ReplicaResult<Vec<Change>> {
        self.inner.pending(after, limit)
    }
    fn pending_count(&mut self) -> jiayi_sync::engine::ReplicaResult<u64> {
        self.inner.pending_count()
    }
    fn mark_acknowledged(&mut self, seqs: &[u64]) -> jiayi_sync::engine::ReplicaResult<()> {
        self.inner.mark_acknowledged(seqs)
    }
    fn requeue_after(&mut self, after: u64) -> jiayi_sync::engine::ReplicaResult<u64> {
        self.inner.requeue_after(after)
    }
    fn issued_seq(&mut self) -> jiayi_sync::engine::ReplicaResult<u64> {
        self.inner.issued_seq()
    }
    fn ensure_seq_above(&mut self, n: u64) -> jiayi_sync::engine::ReplicaResult<bool> {
        self.inner.ensure_seq_above(n)
    }
    fn renumber_pending(&mut self, seq: u64) -> jiayi_sync::engine::ReplicaResult<Option<u64>> {
        self.inner.renumber_pending(seq)
    }
    fn record_lost_writes(
        &mut self,
        lost: &[(Change, Vec<String>)],
    ) -> jiayi_sync::engine::ReplicaResult<()> {
        self.inner.record_lost_writes(lost)
    }
    fn resend_refused_in(&mut self, villages: &[Uuid]) -> jiayi_sync::engine::ReplicaResult<u64> {
        self.inner.resend_refused_in(villages)
    }
    fn record_rejections(
        &mut self,
        r: &[(Change, Rejection)],
    ) -> jiayi_sync::engine::ReplicaResult<()> {
        self.inner.record_rejections(r)
    }
    fn apply_remote(
        &mut self,
        changes: &[Change],
    ) -> jiayi_sync::engine::ReplicaResult<jiayi_sync::engine::RemoteApply> {
        if let Some((id, fields)) = self.edit.take() {
            self.inner
                .write(Entity::Household, id, VILLAGE, fields, 9_000_000);
        }
        self.inner.apply_remote(changes)
    }
    fn sync_state(&mut self, key: &str) -> jiayi_sync::engine::ReplicaResult<Option<String>> {
        self.inner.sync_state(key)
    }
    fn set_sync_state(&mut self, key: &str, value: &str) -> jiayi_sync::engine::ReplicaResult<()> {
        self.inner.set_sync_state(key, value)
    }
}

#[test]
fn a_pulled_change_over_an_edit_made_during_the_round_is_applied_next_round() {
    let server = FakeServer::new(Limits::default());
    let household = Uuid::from_u128(0xAB);
    let colleague = Uuid::from_u128(0xD2);
    let mut other = MemReplica::new(colleague);
    let c = other.write(
        Entity::Household,
        household,
        VILLAGE,
        json!({"address": "一组3号", "group": "一组"}),
        10,
    );
    server.log.borrow_mut().insert((colleague, c.seq), c);
    server.order.borrow_mut().push((colleague, 1));

    let mut device = EditsDuringPull {
        inner: MemReplica::new(DEVICE),
        edit: Some((household, json!({"group": "二组"}))),
    };
    let first = sync(&mut device, &server, server.now_ms, &mut |_| {}).unwrap();
    assert_eq!(first.pull_deferred, 1);
    assert_eq!(
        device
            .inner
            .state
            .get(keys::PULL_CURSOR)
            .map(String::as_str),
        None,
        "cursor kept before the page"
    );
    let second = sync(&mut device, &server, server.now_ms, &mut |_| {}).unwrap();
    assert_eq!((second.applied, second.pull_deferred), (1, 0));
    assert_eq!(
        device.inner.value(Entity::Household, household, "address"),
        Some(&json!("一组3号"))
    );
    assert_eq!(
        device.inner.value(Entity::Household, household, "group"),
        Some(&json!("二组")),
        "the later local edit stays"
    );
    // The log now also holds the device's own edit (cursor 2), which the pull steps over.
    assert_eq!(
        device
            .inner
            .state
            .get(keys::PULL_CURSOR)
            .map(String::as_str),
        Some("2")
    );
}
