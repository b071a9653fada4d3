//! Two laptops of one village issue health-record numbers offline from one range: each from
//! its own block, handed out by the township, so no number is issued twice; a block running
//! low is followed by a new one at the next sync, online or by bundle.

use chrono::Utc;
use jiayi_api::Api;
use jiayi_core::Lang;
use jiayi_core::household::Village;
use jiayi_core::person::{Relation, Sex};
use jiayi_core::record_number::SerialRange;
use jiayi_server::record_ranges;
use jiayi_store::Store;
use jiayi_sync::protocol::Limits;
use jiayi_testkit::township::{Township, V1};
use jiayi_testkit::{head, household, member};
use uuid::Uuid;

const CODE: &str = "140822100200";

struct Laptop {
    api: Api,
    _dir: tempfile::TempDir,
}

impl Laptop {
    fn enrolled(t: &Township, doctor: &str) -> Laptop {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path().join("jiayi.sqlite3")).unwrap();
        store.put_village(&east()).unwrap();
        let token = t
            .enroll_device(store.device_id(), doctor, "东庄团队", &[V1])
            .token;
        let mut api = Api::new(store, Lang::Zh);
        api.enroll_device(&t.base(), &token).unwrap();
        Laptop { api, _dir: dir }
    }

    /// Registers a household of `size` in 东庄村 and issues each member a number offline.
    fn register_and_number(&mut self, house: u32, size: usize) -> Vec<String> {
        let mut input = household("东庄村", "三组", format!("东庄村三组{house}号")).member(
            head(format!("户主{house}"))
                .birth_date("1960-01-01")
                .sex(Sex::Male),
        );
        for i in 1..size {
            input = input.member(
                member(format!("成员{house}-{i}"), Relation::Child)
                    .birth_date(format!("19{}-02-01", 80 + i))
                    .sex(Sex::Female),
            );
        }
        let (_, people) = jiayi_testkit::register(&mut self.api, input.build());
        people
            .into_iter()
            .map(|p| {
                self.api
                    .issue_record_number(p)
                    .unwrap()
                    .record_number
                    .unwrap()
                    .as_str()
                    .to_string()
            })
            .collect()
    }

    fn block(&self) -> SerialRange {
        self.api.store().record_range(V1).unwrap().unwrap().range()
    }

    fn sync(&mut self) {
        self.api.sync_now(&|_| {}).unwrap();
    }
}

fn east() -> Village {
    Village {
        id: V1,
        code: CODE.into(),
        name: "东庄村".into(),
        township: "青山镇".into(),
    }
}

fn serials(numbers: &[String]) -> Vec<u32> {
    numbers
        .iter()
        .map(|n| n[12..].parse::<u32>().unwrap())
        .collect()
}

fn two_laptops_of_one_village_never_issue_the_same_number(t: &Township) {
    let storage = t.storage().as_ref();
    storage.put_villages(&[east()]).unwrap();
    record_ranges::set_record_range(
        storage,
        V1,
        Some(SerialRange {
            first: 1,
            last: 100,
        }),
    )
    .unwrap();
    record_ranges::set_block_size(storage, 10).unwrap();

    let mut doctor = Laptop::enrolled(t, "刘医生");
    let mut nurse = Laptop::enrolled(t, "王护士");
    doctor.sync();
    nurse.sync();
    assert_eq!(doctor.block(), SerialRange { first: 1, last: 10 });
    assert_eq!(
        nurse.block(),
        SerialRange {
            first: 11,
            last: 20
        }
    );

    // A day offline: both register and number people of the same village.
    let mut issued = doctor.register_and_number(1, 9);
    assert_eq!(serials(&issued), (1..=9).collect::<Vec<_>>());
    issued.extend(nurse.register_and_number(2, 3));
    assert_eq!(serials(&issued[9..]), vec![11, 12, 13]);

    // The doctor's block ran low (one left): the sync brings a new one; the nurse keeps hers.
    doctor.sync();
    nurse.sync();
    assert_eq!(
        doctor.block(),
        SerialRange {
            first: 21,
            last: 30
        }
    );
    assert_eq!(
        nurse.block(),
        SerialRange {
            first: 11,
            last: 20
        }
    );
    // Syncing again without using more changes nothing.
    doctor.sync();
    assert_eq!(
        doctor.block(),
        SerialRange {
            first: 21,
            last: 30
        }
    );
    issued.extend(doctor.register_and_number(3, 2));
    assert_eq!(serials(&issued[12..]), vec![21, 22]);

    // The nurse, still without a network, runs low and asks by bundle at the health center.
    issued.extend(nurse.register_and_number(4, 6));
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("nurse.jyb");
    nurse.api.export_bundle(&out).unwrap();
    let reply = jiayi_server::bundle::answer(
        storage,
        &t.township_key(),
        &Limits::default(),
        &std::fs::read(&out).unwrap(),
        Utc::now(),
    )
    .unwrap();
    let reply_path = dir.path().join("reply.jyb");
    std::fs::write(&reply_path, reply).unwrap();
    nurse.api.import_reply_bundle(&reply_path).unwrap();
    assert_eq!(
        nurse.block(),
        SerialRange {
            first: 31,
            last: 40
        }
    );
    issued.extend(nurse.register_and_number(5, 1));
    assert_eq!(serials(&issued[issued.len() - 1..]), vec![31]);

    let mut distinct = issued.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(
        distinct.len(),
        issued.len(),
        "no number issued twice: {issued:?}"
    );

    // Both laptops end up knowing every number, each once.
    nurse.sync();
    doctor.sync();
    nurse.sync();
    for laptop in [&doctor, &nurse] {
        let mut known = laptop.api.store().record_numbers_with_prefix(CODE).unwrap();
        known.sort();
        assert_eq!(known, distinct);
    }

    // The township sees who holds which block, and each handing-out is in its audit log.
    let listing = record_ranges::listing(storage).unwrap();
    assert!(listing.contains("00001-00100"), "{listing}");
    for block in ["00001-00010", "00011-00020", "00021-00030", "00031-00040"] {
        assert!(listing.contains(block), "{block} in {listing}");
    }
    assert!(listing.contains("block size 10"), "{listing}");
    storage.seal_audit().unwrap();
    let handed: Vec<_> = storage
        .audit_entries(0, 10_000)
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "record-block")
        .collect();
    assert_eq!(handed.len(), 4, "{handed:?}");
    assert!(handed.iter().any(|e| e.origin == "offline bundle"));
}

#[test]
fn sqlite_two_laptops_of_one_village_never_issue_the_same_number() {
    let t = Township::sqlite(Limits::default());
    two_laptops_of_one_village_never_issue_the_same_number(&t);
}

#[test]
fn postgres_two_laptops_of_one_village_never_issue_the_same_number() {
    let Some(pg) = jiayi_testkit::pg::PgCluster::start() else {
        return;
    };
    let t = Township::on(&pg.database("record_blocks"), Limits::default());
    two_laptops_of_one_village_never_issue_the_same_number(&t);
}

#[test]
fn devices_asking_at_once_get_blocks_that_do_not_meet() {
    let t = Township::sqlite(Limits::default());
    let storage = t.storage();
    storage.put_villages(&[east()]).unwrap();
    record_ranges::set_record_range(
        storage.as_ref(),
        V1,
        Some(SerialRange {
            first: 1,
            last: 99_999,
        }),
    )
    .unwrap();
    record_ranges::set_block_size(storage.as_ref(), 100).unwrap();
    let devices: Vec<Uuid> = (0..8).map(|_| Uuid::now_v7()).collect();
    for (i, d) in devices.iter().enumerate() {
        t.enroll_device(*d, &format!("医生{i}"), "东庄团队", &[V1]);
    }
    let scopes: Vec<_> = devices
        .iter()
        .map(|d| storage.device_key(*d).unwrap().unwrap().0)
        .collect();
    let held: Vec<SerialRange> = std::thread::scope(|s| {
        let handles: Vec<_> = scopes
            .iter()
            .map(|scope| {
                s.spawn(move || {
                    let ranges = record_ranges::device_blocks(
                        storage.as_ref(),
                        scope,
                        &[],
                        "test",
                        Utc::now(),
                    )
                    .unwrap();
                    ranges[0].range()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for (i, x) in held.iter().enumerate() {
        assert_eq!(x.size(), 100);
        for y in &held[i + 1..] {
            assert!(x.last < y.first || y.last < x.first, "{x:?} meets {y:?}");
        }
    }
    assert_eq!(
        record_ranges::record_blocks(storage.as_ref()).unwrap()[&V1].len(),
        8,
        "every block handed out is kept"
    );
}

#[test]
fn a_block_size_out_of_bounds_is_refused() {
    let t = Township::sqlite(Limits::default());
    assert!(record_ranges::set_block_size(t.storage().as_ref(), 0).is_err());
    assert!(record_ranges::set_block_size(t.storage().as_ref(), 100_000).is_err());
    assert_eq!(
        record_ranges::block_size(t.storage().as_ref()).unwrap(),
        500
    );
}
