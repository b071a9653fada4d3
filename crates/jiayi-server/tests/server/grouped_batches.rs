//! PostgreSQL's change log writer stores a group of push batches with a few statements for the
//! whole group. The same batches pushed one after the other into a second database must give
//! the same answers, records, conflicts and log: a later batch of a group sees what an earlier
//! one stored (a household a resident names, a record's newer value, a replayed batch's sequence
//! numbers), and a group holding a household's move is written batch by batch.

use std::collections::BTreeSet;
use std::time::Duration;

use chrono::Utc;
use jiayi_core::change::{Change, Entity};
use jiayi_server::storage::{AuditEvent, DeviceScope, DynStorage, Enrollment, Pushed};
use jiayi_sync::testing::MemReplica;
use jiayi_testkit::pg::PgCluster;
use serde_json::json;
use uuid::Uuid;

const V0: Uuid = Uuid::from_u128(0x0006_0000);
const V1: Uuid = Uuid::from_u128(0x0006_0001);
const V2: Uuid = Uuid::from_u128(0x0006_0002);

const WATCHER: Uuid = Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0001);
const OPENER: Uuid = Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0002);
const A: Uuid = Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_000a);
const B: Uuid = Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_000b);
const C: Uuid = Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_000c);

const H1: Uuid = Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0001_0001);
const H2: Uuid = Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0001_0002);
const H3: Uuid = Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0001_0003);
const R1: Uuid = Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0002_0001);
const R2: Uuid = Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0002_0002);

/// The devices, by the same ids in both databases.
fn scopes(storage: &DynStorage) -> Vec<DeviceScope> {
    [
        (WATCHER, "全镇", vec![V0, V1, V2]),
        (OPENER, "先到", vec![V2]),
        (A, "甲医生", vec![V0]),
        (B, "乙医生", vec![V0, V1]),
        (C, "丙医生", vec![V1]),
    ]
    .into_iter()
    .map(|(id, name, villages)| {
        let enrolled = storage
            .enroll(
                &Enrollment {
                    device_id: Some(id),
                    doctor_name: name.into(),
                    team_name: "一组".into(),
                    villages,
                    label: name.into(),
                    awaiting_code: None,
                },
                Utc::now(),
            )
            .unwrap();
        storage.authenticate(&enrolled.token).unwrap().unwrap()
    })
    .collect()
}

/// A group: the opener's batch, which waits at the change log while the others queue behind
/// it, then the batches by device index, in the order they are to be stored.
struct Group {
    opener: Vec<Change>,
    batches: Vec<(usize, Vec<Change>)>,
}

fn household(replica: &mut MemReplica, id: Uuid, village: Uuid, address: &str, at: u64) -> Change {
    replica.write(
        Entity::Household,
        id,
        village,
        json!({"village_id": village, "address": address}),
        at,
    )
}

fn resident(replica: &mut MemReplica, id: Uuid, village: Uuid, household: Uuid, at: u64) -> Change {
    replica.write(
        Entity::Resident,
        id,
        village,
        json!({"village_id": village, "household_id": household, "name": "王秀英"}),
        at,
    )
}

fn groups() -> Vec<Group> {
    let (mut opener, mut a, mut b, mut c) = (
        MemReplica::new(OPENER),
        MemReplica::new(A),
        MemReplica::new(B),
        MemReplica::new(C),
    );
    let a_first = vec![
        household(&mut a, H1, V0, "和平村1号", 1_000),
        household(&mut a, H2, V0, "和平村2号", 1_001),
    ];
    let b_first = vec![
        resident(&mut b, R1, V0, H1, 2_000),
        household(&mut b, H2, V0, "和平村二号（改）", 2_001),
    ];
    // The seq of B's first change again, under another change id.
    let mut reused = b_first[0].clone();
    reused.change_id = Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_00ff_0001);
    let first = Group {
        opener: vec![household(
            &mut opener,
            Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0003_0001),
            V2,
            "东庄1号",
            500,
        )],
        batches: vec![
            (2, a_first.clone()),
            (3, b_first),
            // A replays its batch verbatim while the first is still queued.
            (2, a_first),
            // A resident of C's village naming a household of another village: refused.
            (4, vec![resident(&mut c, R2, V1, H1, 3_000)]),
            // An older edit of a field B has since changed: stored as a conflict it lost.
            (2, vec![household(&mut a, H2, V0, "和平村2号（旧）", 1_500)]),
            (3, vec![reused]),
        ],
    };
    let second = Group {
        opener: vec![household(
            &mut opener,
            Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0003_0002),
            V2,
            "东庄2号",
            600,
        )],
        batches: vec![
            (4, vec![household(&mut c, H3, V1, "新村3号", 3_100)]),
            // H1 moves from village V0 to V1, with its resident.
            (3, vec![household(&mut b, H1, V1, "新村8号", 4_000)]),
            (
                2,
                vec![household(&mut a, H2, V0, "和平村2号（再改）", 5_000)],
            ),
        ],
    };
    vec![first, second]
}

fn push(storage: &DynStorage, scope: &DeviceScope, batch: &[Change]) -> Pushed {
    let audit = AuditEvent::device(scope, "push", "test").with_changes(batch);
    storage
        .push_round(scope, batch, Utc::now(), &audit)
        .expect("push")
}

/// What a push answered, without the epoch (each database has its own).
fn answer(pushed: &Pushed) -> String {
    format!("{:?} through {}", pushed.results, pushed.stored_through)
}

struct Outcome {
    answers: Vec<String>,
    log: Vec<(String, String, String)>,
    records: Vec<Vec<Option<String>>>,
    conflicts: Vec<Vec<Option<String>>>,
    /// The devices whose log rows each transaction wrote, in the order the transactions wrote.
    transactions: Vec<BTreeSet<String>>,
}

fn outcome(url: &str, answers: Vec<String>) -> Outcome {
    let mut client = postgres::Client::connect(url, postgres::NoTls).unwrap();
    let rows = |client: &mut postgres::Client, sql: &str, n: usize| -> Vec<Vec<Option<String>>> {
        client
            .query(sql, &[])
            .unwrap()
            .iter()
            .map(|r| (0..n).map(|i| r.get::<_, Option<String>>(i)).collect())
            .collect()
    };
    let log = client
        .query(
            "SELECT device_id, entity_id, body::json->>'change_id' FROM changes ORDER BY cursor",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect();
    let mut transactions: Vec<(i64, BTreeSet<String>)> = Vec::new();
    for r in client
        .query(
            "SELECT MIN(cursor), array_agg(DISTINCT device_id) FROM changes
             GROUP BY xmin::text::bigint ORDER BY 1",
            &[],
        )
        .unwrap()
    {
        transactions.push((r.get(0), r.get::<_, Vec<String>>(1).into_iter().collect()));
    }
    Outcome {
        answers,
        log,
        records: rows(
            &mut client,
            "SELECT entity, entity_id, village_id, payload, field_hlc, deleted_hlc FROM records
             ORDER BY entity, entity_id",
            6,
        ),
        conflicts: rows(
            &mut client,
            "SELECT entity, entity_id, village_id, field, losing_value, losing_hlc, losing_device,
                    winning_value, winning_hlc FROM conflicts ORDER BY id",
            9,
        ),
        transactions: transactions.into_iter().map(|(_, d)| d).collect(),
    }
}

/// Each group's batches pushed one after the other, each answered before the next is sent.
fn one_by_one(url: &str) -> Outcome {
    let storage = jiayi_server::open_storage(url).unwrap();
    let scopes = scopes(&storage);
    let mut answers = Vec::new();
    for group in groups() {
        push(&storage, &scopes[1], &group.opener);
        for (device, batch) in &group.batches {
            answers.push(answer(&push(&storage, &scopes[*device], batch)));
        }
    }
    outcome(url, answers)
}

/// Each group's batches queued behind the opener's while it waits for the change log's turn,
/// in their order, so that the writer takes them as one group.
fn as_groups(url: &str) -> Outcome {
    let storage = jiayi_server::open_storage(url).unwrap();
    let scopes = scopes(&storage);
    let mut answers = Vec::new();
    for group in groups() {
        let mut turn = crate::group_commit::TurnHeld::take(url);
        let opener = crate::group_commit::push_in_thread(&storage, &scopes[1], group.opener);
        turn.until_waited_for();
        let queued: Vec<_> = group
            .batches
            .into_iter()
            .map(|(device, batch)| {
                let pushing = crate::group_commit::push_in_thread(&storage, &scopes[device], batch);
                // Queued one after the other, in this order.
                std::thread::sleep(Duration::from_millis(150));
                pushing
            })
            .collect();
        std::thread::sleep(Duration::from_millis(300));
        turn.release();
        opener.join().unwrap().expect("the opener's push");
        for pushing in queued {
            answers.push(answer(&pushing.join().unwrap().expect("a queued push")));
        }
    }
    outcome(url, answers)
}

#[test]
fn a_group_of_batches_is_stored_as_if_they_came_one_after_the_other() {
    let Some(pg) = PgCluster::start() else {
        return;
    };
    let alone = one_by_one(&pg.database("one_by_one"));
    let grouped = as_groups(&pg.database("as_groups"));

    // The scenario does what it says, one batch after the other.
    let answered = |i: usize| alone.answers[i].as_str();
    assert!(
        answered(2).contains("Duplicate"),
        "the replay: {}",
        answered(2)
    );
    assert!(
        answered(3).contains("VillageNotInScope"),
        "a household of another village: {}",
        answered(3)
    );
    assert!(
        answered(4).contains("Conflict"),
        "the older edit: {}",
        answered(4)
    );
    assert!(
        answered(5).contains("SeqReused"),
        "the reused seq: {}",
        answered(5)
    );
    assert!(
        alone
            .log
            .iter()
            .any(|(device, _, _)| ![OPENER, A, B, C].map(|d| d.to_string()).contains(device)),
        "the move wrote the household's records again under the new village"
    );
    assert!(!alone.conflicts.is_empty());

    // The first group went in one transaction; the second, holding the move, batch by batch.
    let scenario: BTreeSet<String> = [A, B].map(|d| d.to_string()).into_iter().collect();
    assert!(
        grouped.transactions[1].is_superset(&scenario),
        "the first group's batches in one transaction: {:?}",
        grouped.transactions
    );
    assert!(
        grouped.transactions.len() >= 6,
        "the second group's batches each alone: {:?}",
        grouped.transactions
    );

    assert_eq!(grouped.answers, alone.answers, "the same answers");
    assert_eq!(grouped.log, alone.log, "the same log, in the same order");
    assert_eq!(grouped.records, alone.records, "the same records");
    assert_eq!(grouped.conflicts, alone.conflicts, "the same conflicts");
}
