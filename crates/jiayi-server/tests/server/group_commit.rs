//! PostgreSQL's group commit: several devices' push batches written by the change log's one
//! writer in one transaction. Each change is stored once, cursors are handed out without gaps
//! and committed in their order (a pull running all along misses nothing), a group really
//! holds several devices' batches, and a batch that fails inside a group fails alone, leaving
//! the other batches of its group stored once.

use std::collections::{BTreeMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use chrono::Utc;
use jiayi_core::change::{Change, Entity};
use jiayi_server::storage::{AuditEvent, DeviceScope, DynStorage, Enrollment, Pushed};
use jiayi_sync::engine::LocalReplica;
use jiayi_sync::protocol::ChangeStatus;
use jiayi_sync::testing::MemReplica;
use jiayi_testkit::pg::PgCluster;
use serde_json::json;
use uuid::Uuid;

const VILLAGES: [Uuid; 3] = [
    Uuid::from_u128(0x0005_0001),
    Uuid::from_u128(0x0005_0002),
    Uuid::from_u128(0x0005_0003),
];

fn enroll(storage: &DynStorage, name: &str, villages: &[Uuid]) -> (DeviceScope, MemReplica) {
    let enrolled = storage
        .enroll(
            &Enrollment {
                device_id: None,
                doctor_name: name.into(),
                team_name: "一组".into(),
                villages: villages.to_vec(),
                label: name.into(),
                awaiting_code: None,
            },
            Utc::now(),
        )
        .unwrap();
    let scope = storage
        .authenticate(&enrolled.token)
        .unwrap()
        .expect("the new token is known");
    (scope, MemReplica::new(enrolled.device_id))
}

/// `batches` batches of `per_batch` new households in `village`.
fn batches(
    replica: &mut MemReplica,
    village: Uuid,
    batches: usize,
    per_batch: usize,
) -> Vec<Vec<Change>> {
    for i in 0..batches * per_batch {
        replica.write(
            Entity::Household,
            Uuid::now_v7(),
            village,
            json!({"village_id": village, "address": format!("和平村{i}号")}),
            1_000 + i as u64,
        );
    }
    let all = replica.pending(0, usize::MAX).unwrap();
    all.chunks(per_batch).map(<[Change]>::to_vec).collect()
}

fn push(storage: &DynStorage, scope: &DeviceScope, batch: &[Change]) -> Pushed {
    let audit = AuditEvent::device(scope, "push", "test").with_changes(batch);
    storage
        .push_round(scope, batch, Utc::now(), &audit)
        .expect("push")
}

/// Every change in the log, in cursor order, as a device in every village pulls it.
fn pull_everything(storage: &DynStorage, watcher: &DeviceScope, from: u64) -> Vec<(u64, Uuid)> {
    let mut seen = Vec::new();
    let mut cursor = from;
    loop {
        let page = storage.pull(watcher, cursor, 500).unwrap();
        for c in &page.changes {
            let change: Change = serde_json::from_str(&c.body).unwrap();
            seen.push((c.cursor, change.change_id));
        }
        cursor = page.next_cursor;
        if !page.more {
            return seen;
        }
    }
}

fn cluster_and_storage(name: &str) -> Option<(PgCluster, DynStorage, String)> {
    let pg = PgCluster::start()?;
    let url = pg.database(name);
    let storage = jiayi_server::open_storage(&url).unwrap();
    Some((pg, storage, url))
}

#[test]
fn many_devices_pushing_at_once_store_each_change_once_with_cursors_in_commit_order() {
    let Some((_pg, storage, _url)) = cluster_and_storage("crowd_once") else {
        return;
    };
    let (watcher, _) = enroll(&storage, "全镇", &VILLAGES);
    let devices: Vec<(DeviceScope, Vec<Vec<Change>>)> = (0..16)
        .map(|i| {
            let village = VILLAGES[i % VILLAGES.len()];
            let (scope, mut replica) = enroll(&storage, &format!("医生{i}"), &[village]);
            let batches = batches(&mut replica, village, 5, 20);
            (scope, batches)
        })
        .collect();
    let expected: HashSet<Uuid> = devices
        .iter()
        .flat_map(|(_, b)| b.iter().flatten().map(|c| c.change_id))
        .collect();

    // A device pulls all along, page after page, as the pull protocol does: a change committed
    // later with a lower cursor than one it already passed would be missed for good.
    let done = Arc::new(AtomicBool::new(false));
    let puller = {
        let (storage, watcher, done) = (storage.clone(), watcher.clone(), done.clone());
        std::thread::spawn(move || {
            let mut seen = Vec::new();
            let deadline = Instant::now() + Duration::from_secs(120);
            loop {
                let finished = done.load(Ordering::SeqCst);
                let from = seen.last().map_or(0, |&(cursor, _)| cursor);
                seen.extend(pull_everything(&storage, &watcher, from));
                if finished || Instant::now() > deadline {
                    return seen;
                }
            }
        })
    };
    let start = Arc::new(Barrier::new(devices.len()));
    let pushers: Vec<_> = devices
        .into_iter()
        .map(|(scope, batches)| {
            let (storage, start) = (storage.clone(), start.clone());
            std::thread::spawn(move || {
                start.wait();
                for batch in &batches {
                    let pushed = push(&storage, &scope, batch);
                    assert!(
                        pushed
                            .results
                            .iter()
                            .all(|r| r.status == ChangeStatus::Applied),
                        "every change is applied: {:?}",
                        pushed.results
                    );
                    assert_eq!(pushed.stored_through, batch.last().unwrap().seq);
                }
            })
        })
        .collect();
    for p in pushers {
        p.join().expect("pusher");
    }
    done.store(true, Ordering::SeqCst);
    let pulled_along = puller.join().expect("puller");

    let log = pull_everything(&storage, &watcher, 0);
    assert_eq!(log.len(), expected.len(), "each change stored once");
    let ids: HashSet<Uuid> = log.iter().map(|&(_, id)| id).collect();
    assert_eq!(ids, expected, "every change stored");
    let cursors: Vec<u64> = log.iter().map(|&(c, _)| c).collect();
    assert_eq!(
        cursors,
        (1..=expected.len() as u64).collect::<Vec<_>>(),
        "cursors handed out without gaps, in order"
    );
    assert_eq!(
        pulled_along, log,
        "a pull running during the pushes saw every change, in cursor order"
    );
    assert_eq!(storage.high_water().unwrap(), expected.len() as u64);
}

/// A session of its own holding the change log's turn, so that the writer's next group waits
/// at its first insert into the log while more batches queue behind it.
pub(crate) struct TurnHeld(postgres::Client);

impl TurnHeld {
    pub(crate) fn take(url: &str) -> TurnHeld {
        let mut client = postgres::Client::connect(url, postgres::NoTls).unwrap();
        client
            .batch_execute("SELECT pg_advisory_lock(0, 1)")
            .unwrap();
        TurnHeld(client)
    }

    /// Waits (boundedly) until a transaction waits for the turn.
    pub(crate) fn until_waited_for(&mut self) {
        for _ in 0..500 {
            let waiting: i64 = self
                .0
                .query_one(
                    "SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted",
                    &[],
                )
                .unwrap()
                .get(0);
            if waiting > 0 {
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        panic!("no push waited for the change log's turn");
    }

    pub(crate) fn release(mut self) {
        self.0
            .batch_execute("SELECT pg_advisory_unlock(0, 1)")
            .unwrap();
    }
}

/// Starts a thread pushing `batch` for `scope`; it answers with the push's own result.
pub(crate) fn push_in_thread(
    storage: &DynStorage,
    scope: &DeviceScope,
    batch: Vec<Change>,
) -> std::thread::JoinHandle<jiayi_server::Result<Pushed>> {
    let (storage, scope) = (storage.clone(), scope.clone());
    std::thread::spawn(move || {
        let audit = AuditEvent::device(&scope, "push", "test").with_changes(&batch);
        storage.push_round(&scope, &batch, Utc::now(), &audit)
    })
}

/// Change ids by the transaction that wrote them to the log.
fn log_transactions(url: &str) -> BTreeMap<String, HashSet<String>> {
    let mut client = postgres::Client::connect(url, postgres::NoTls).unwrap();
    let mut by_transaction: BTreeMap<String, HashSet<String>> = BTreeMap::new();
    for row in client
        .query("SELECT xmin::text, device_id FROM changes", &[])
        .unwrap()
    {
        by_transaction
            .entry(row.get(0))
            .or_default()
            .insert(row.get(1));
    }
    by_transaction
}

#[test]
fn the_batches_queued_behind_a_commit_are_written_in_one_transaction() {
    let Some((_pg, storage, url)) = cluster_and_storage("crowd_group") else {
        return;
    };
    let (watcher, _) = enroll(&storage, "全镇", &VILLAGES);
    let (first, mut first_replica) = enroll(&storage, "先到", &[VILLAGES[0]]);
    let first_batch = batches(&mut first_replica, VILLAGES[0], 1, 10).remove(0);
    let mut turn = TurnHeld::take(&url);
    let first_push = push_in_thread(&storage, &first, first_batch);
    turn.until_waited_for();
    let queued: Vec<_> = (0..12)
        .map(|i| {
            let village = VILLAGES[i % VILLAGES.len()];
            let (scope, mut replica) = enroll(&storage, &format!("医生{i}"), &[village]);
            let batch = batches(&mut replica, village, 1, 10).remove(0);
            push_in_thread(&storage, &scope, batch)
        })
        .collect();
    // The pushes queue behind the waiting one within a moment; the wait is generous.
    std::thread::sleep(Duration::from_millis(500));
    turn.release();
    first_push.join().unwrap().expect("the first push");
    for q in queued {
        let pushed = q.join().unwrap().expect("a queued push");
        assert!(
            pushed
                .results
                .iter()
                .all(|r| r.status == ChangeStatus::Applied)
        );
    }

    let transactions = log_transactions(&url);
    let devices_per_transaction: Vec<usize> = transactions.values().map(HashSet::len).collect();
    assert_eq!(
        devices_per_transaction.iter().sum::<usize>(),
        13,
        "each device's batch in one transaction: {devices_per_transaction:?}"
    );
    assert!(
        devices_per_transaction.iter().any(|&n| n >= 12),
        "the batches queued behind the commit went together: {devices_per_transaction:?}"
    );
    let log = pull_everything(&storage, &watcher, 0);
    assert_eq!(log.len(), 130, "each change stored once");
    let cursors: Vec<u64> = log.iter().map(|&(c, _)| c).collect();
    assert_eq!(cursors, (1..=130).collect::<Vec<_>>());
}

#[test]
fn a_batch_failing_inside_a_group_fails_alone_and_the_others_are_stored_once() {
    let Some((_pg, storage, url)) = cluster_and_storage("crowd_failing") else {
        return;
    };
    let village = VILLAGES[0];
    let (watcher, _) = enroll(&storage, "全镇", &VILLAGES);
    let (first, mut first_replica) = enroll(&storage, "先到", &[village]);
    let first_batch = batches(&mut first_replica, village, 1, 5).remove(0);
    let (good_before, mut before_replica) = enroll(&storage, "之前", &[village]);
    let before_batch = batches(&mut before_replica, village, 1, 5).remove(0);
    let (bad, mut bad_replica) = enroll(&storage, "坏批", &[village]);
    let bad_batch = batches(&mut bad_replica, village, 1, 5).remove(0);
    let (good_after, mut after_replica) = enroll(&storage, "之后", &[village]);
    let after_batch = batches(&mut after_replica, village, 1, 5).remove(0);

    // A stored record the bad batch changes, damaged so that reading it fails: the batch
    // fails after its locks and reads, inside the group's transaction.
    let damaged = &bad_batch[2];
    let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    client
        .execute(
            "INSERT INTO records (entity, entity_id, village_id, payload, field_hlc)
             VALUES ($1, $2, $3, 'not json', 'not json')",
            &[
                &damaged.entity.as_str(),
                &damaged.entity_id.to_string(),
                &village.to_string(),
            ],
        )
        .unwrap();

    let mut turn = TurnHeld::take(&url);
    let first_push = push_in_thread(&storage, &first, first_batch);
    turn.until_waited_for();
    // Queued in this order behind the waiting push: a good batch, the bad one, a good one.
    let before = push_in_thread(&storage, &good_before, before_batch.clone());
    std::thread::sleep(Duration::from_millis(200));
    let failing = push_in_thread(&storage, &bad, bad_batch);
    std::thread::sleep(Duration::from_millis(200));
    let after = push_in_thread(&storage, &good_after, after_batch.clone());
    std::thread::sleep(Duration::from_millis(300));
    turn.release();

    first_push.join().unwrap().expect("the first push");
    let failed = failing.join().unwrap();
    assert!(failed.is_err(), "the bad batch fails: {failed:?}");
    for (pushed, batch) in [(before, &before_batch), (after, &after_batch)] {
        let pushed = pushed.join().unwrap().expect("a good batch of the group");
        assert!(
            pushed
                .results
                .iter()
                .all(|r| r.status == ChangeStatus::Applied)
        );
        assert_eq!(pushed.stored_through, batch.last().unwrap().seq);
    }

    let log = pull_everything(&storage, &watcher, 0);
    let ids: Vec<Uuid> = log.iter().map(|&(_, id)| id).collect();
    let once: HashSet<Uuid> = ids.iter().copied().collect();
    assert_eq!(ids.len(), once.len(), "no change stored twice");
    assert_eq!(
        ids.len(),
        15,
        "the first batch and both good batches, whole"
    );
    for change in before_batch.iter().chain(&after_batch) {
        assert!(once.contains(&change.change_id));
    }
    assert_eq!(
        storage.stored_through(bad.device_id).unwrap(),
        0,
        "nothing of the failing batch is stored"
    );
    assert!(
        log.windows(2).all(|w| w[0].0 < w[1].0),
        "cursors strictly increase"
    );
    // The good batches are stored as if they came alone: the same push again is answered as
    // already stored, changing nothing.
    let again = push(&storage, &good_before, &before_batch);
    assert!(
        again
            .results
            .iter()
            .all(|r| r.status == ChangeStatus::Duplicate)
    );
    assert_eq!(pull_everything(&storage, &watcher, 0).len(), 15);
}

/// A township's server and its PostgreSQL on one machine talk through PostgreSQL's Unix socket
/// (the socket folder as the URL's host): the pool, the change log's writer and the migrations
/// all connect that way, and no connection goes through TCP.
#[test]
fn a_server_on_the_database_machine_reaches_postgresql_through_its_unix_socket() {
    let Some(pg) = PgCluster::start() else {
        return;
    };
    let url = pg.socket_database("over_socket");
    assert!(!url.contains("127.0.0.1"), "{url}");
    let storage = jiayi_server::open_storage(&url).unwrap();
    let (watcher, _) = enroll(&storage, "全镇", &VILLAGES);
    let (scope, mut replica) = enroll(&storage, "医生", &[VILLAGES[0]]);
    let sent = batches(&mut replica, VILLAGES[0], 3, 10);
    for batch in &sent {
        let pushed = push(&storage, &scope, batch);
        assert!(
            pushed
                .results
                .iter()
                .all(|r| r.status == ChangeStatus::Applied)
        );
    }
    let seen = pull_everything(&storage, &watcher, 0);
    assert_eq!(seen.len(), 30);

    let mut admin = postgres::Client::connect(&pg.url("postgres"), postgres::NoTls).unwrap();
    let row = admin
        .query_one(
            "SELECT count(*) FILTER (WHERE client_addr IS NULL AND client_port = -1),
                    count(*) FILTER (WHERE client_addr IS NOT NULL)
             FROM pg_stat_activity WHERE datname = 'over_socket'",
            &[],
        )
        .unwrap();
    let (socket, tcp): (i64, i64) = (row.get(0), row.get(1));
    assert!(
        socket >= 2,
        "the pool and the writer on the socket: {socket}"
    );
    assert_eq!(tcp, 0, "no connection to the database over TCP");
}

/// A server that starts serving opens its pooled connections and the change log writer's
/// before the first device syncs: the first crowd after a restart does not wait for them.
#[test]
fn a_server_opens_its_database_connections_when_it_starts_serving() {
    let Some(pg) = PgCluster::start() else {
        return;
    };
    let url = pg.database("warmed");
    let _township = jiayi_testkit::township::Township::on(&url, Default::default());
    let mut admin = postgres::Client::connect(&pg.url("postgres"), postgres::NoTls).unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let open: i64 = admin
            .query_one(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = 'warmed'",
                &[],
            )
            .unwrap()
            .get(0);
        // The pool's eight and the writer's, besides whatever the test's own storage opened.
        if open >= 9 {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{open} connections open with no device synced"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}
