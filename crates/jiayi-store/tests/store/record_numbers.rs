//! Health-record numbers: unique among live residents, searchable, and the village ranges the
//! device issues from.

use chrono::{DateTime, NaiveDate, Utc};
use jiayi_core::household::{HouseholdInput, Village};
use jiayi_core::person::Relation;
use jiayi_core::record_number::{RecordNumber, VillageRecordRange};
use jiayi_store::{NewHousehold, Store, StoreError, YearWrite, migrate_to_version};
use uuid::Uuid;

use jiayi_testkit::{self as kit, day, head, member};

fn now() -> DateTime<Utc> {
    "2026-11-23T02:00:00Z".parse().unwrap()
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
}

fn setup(store: &mut Store) -> (Village, jiayi_store::HouseholdRecord) {
    let v = Village {
        id: Uuid::now_v7(),
        code: "140822100200".into(),
        name: "东庄村".into(),
        township: "青山镇".into(),
    };
    store.put_village(&v).unwrap();
    let input: HouseholdInput = kit::household(&v.name, "一组", "东庄村一组8号")
        .member(head("张三").born(day(1958, 3, 4), 131))
        .member(member("李四", Relation::Spouse).born(day(1960, 7, 8), 222))
        .build();
    let valid = input.validate(today()).unwrap();
    let record = store
        .register_household(
            NewHousehold {
                village_id: v.id,
                household: &valid,
            },
            now(),
        )
        .unwrap();
    (v, record)
}

fn give(
    store: &mut Store,
    resident: &jiayi_core::household::Resident,
    number: &str,
) -> jiayi_store::Result<()> {
    let mut r = resident.clone();
    r.record_number = Some(RecordNumber::parse(number).unwrap());
    store.write_year(&[YearWrite::Resident(&r)], now())
}

#[test]
fn a_new_household_gets_no_invented_number() {
    let mut store = Store::open_in_memory().unwrap();
    let (_, record) = setup(&mut store);
    assert_eq!(record.household.record_number, "", "no number is made up");
    assert!(record.members.iter().all(|m| m.record_number.is_none()));
}

#[test]
fn a_number_is_stored_searchable_and_unique_among_live_residents() {
    let mut store = Store::open_in_memory().unwrap();
    let (_, record) = setup(&mut store);
    let (zhang, li) = (&record.members[0], &record.members[1]);
    give(&mut store, zhang, "14082210020000007").unwrap();
    let stored = store.resident(zhang.id).unwrap();
    assert_eq!(stored.record_number.unwrap().as_str(), "14082210020000007");

    let hits = store.search_residents("1408221002000000", 10).unwrap();
    assert_eq!(hits.len(), 1, "a prefix of the number finds its resident");
    assert_eq!(hits[0].id, zhang.id);
    assert_eq!(
        store
            .search_residents("１４０８２２１００２００００００７", 10)
            .unwrap()
            .len(),
        1
    );

    let err = give(&mut store, li, "14082210020000007").unwrap_err();
    assert!(matches!(err, StoreError::Domain(_)), "{err}");
    assert_eq!(err.code(), "record_number_taken");
    assert!(
        store.resident(li.id).unwrap().record_number.is_none(),
        "nothing was written"
    );

    // Cleared, the number is free again for another resident.
    let mut cleared = store.resident(zhang.id).unwrap();
    cleared.record_number = None;
    store
        .write_year(&[YearWrite::Resident(&cleared)], now())
        .unwrap();
    assert!(
        store
            .search_residents("14082210020000007", 10)
            .unwrap()
            .is_empty()
    );
    give(&mut store, li, "14082210020000007").unwrap();
    assert_eq!(
        store
            .resident_with_record_number("14082210020000007")
            .unwrap(),
        Some(li.id)
    );
}

#[test]
fn the_numbers_used_in_a_village_and_its_range_are_read_back() {
    let mut store = Store::open_in_memory().unwrap();
    let (v, record) = setup(&mut store);
    give(&mut store, &record.members[0], "14082210020000002").unwrap();
    give(&mut store, &record.members[1], "14082210020100001").unwrap();
    assert_eq!(
        store.record_numbers_with_prefix(&v.code).unwrap(),
        vec!["14082210020000002".to_string()]
    );
    assert_eq!(store.record_range(v.id).unwrap(), None);
    let range = VillageRecordRange {
        village_id: v.id,
        village_code: v.code.clone(),
        first: 1,
        last: 500,
    };
    store
        .put_record_ranges(std::slice::from_ref(&range))
        .unwrap();
    assert_eq!(store.record_range(v.id).unwrap(), Some(range));
    store.put_record_ranges(&[]).unwrap();
    assert_eq!(
        store.record_range(v.id).unwrap(),
        None,
        "a withdrawn range is gone"
    );
}

#[test]
fn a_store_at_version_7_upgrades_past_the_missing_8() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v7.sqlite3");
    {
        let mut conn = rusqlite::Connection::open(&path).unwrap();
        migrate_to_version(&mut conn, 7).unwrap();
    }
    let mut store = Store::open(&path).unwrap();
    assert!(store.schema_version().unwrap() >= 9);
    let (_, record) = setup(&mut store);
    give(&mut store, &record.members[0], "14082210020000003").unwrap();
}
