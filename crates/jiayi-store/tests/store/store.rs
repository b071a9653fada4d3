//! The store on real SQLite files.

use chrono::{DateTime, NaiveDate, Utc};
use jiayi_core::change::{Entity, Op};
use jiayi_core::household::{HouseholdInput, ResidentInput, Village};
use jiayi_core::person::{PopulationGroup, Relation, Sex};
use jiayi_store::{NewHousehold, Store, StoreError, latest_schema_version, migrate_to_version};
use uuid::Uuid;

use jiayi_testkit::{self as kit, day, head, member};

fn now() -> DateTime<Utc> {
    "2026-11-23T02:00:00Z".parse().unwrap()
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
}

fn village(store: &mut Store) -> Village {
    let v = Village {
        id: Uuid::now_v7(),
        code: "140822100200".into(),
        name: "东庄村".into(),
        township: "青山镇".into(),
    };
    store.put_village(&v).unwrap();
    v
}

fn household(village: &Village) -> HouseholdInput {
    kit::household(&village.name, "一组", "东庄村一组8号")
        .member(head("张三").born(day(1958, 3, 4), 131).phone("13812345678"))
        .member(member("李四", Relation::Spouse).born(day(1960, 7, 8), 222))
        .member(
            member("张小宝", Relation::Grandchild)
                .sex(Sex::Male)
                .birth_date("2026-05-01"),
        )
        .build()
}

fn register(store: &mut Store, village: &Village) -> jiayi_store::HouseholdRecord {
    let valid = household(village).validate(today()).unwrap();
    store
        .register_household(
            NewHousehold {
                village_id: village.id,
                household: &valid,
            },
            now(),
        )
        .unwrap()
}

#[test]
fn a_file_store_keeps_what_was_written_and_uses_wal() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("device.sqlite3");
    let (household_id, device_id) = {
        let mut store = Store::open(&path).unwrap();
        let v = village(&mut store);
        (register(&mut store, &v).household.id, store.device_id())
    };
    let store = Store::open(&path).unwrap();
    assert_eq!(
        store.device_id(),
        device_id,
        "the device keeps its identity across restarts"
    );
    let record = store.household(household_id).unwrap();
    assert_eq!(record.members.len(), 3);
    assert_eq!(record.head().unwrap().name, "张三");
    let infant = record.members.iter().find(|m| m.name == "张小宝").unwrap();
    assert!(
        infant.id_number_missing,
        "a resident registered without a number is flagged"
    );
    assert!(
        path.with_file_name("device.sqlite3-wal").exists(),
        "the store runs in WAL mode"
    );
    assert!(store.integrity_ok().unwrap());
}

#[test]
fn every_write_appends_to_the_outbox_in_order() {
    let mut store = Store::open_in_memory().unwrap();
    let v = village(&mut store);
    let record = register(&mut store, &v);
    let changes = store.pending_changes(0, 100).unwrap();
    assert_eq!(changes.len(), 4, "one household and three residents");
    assert_eq!(changes[0].entity, Entity::Household);
    assert!(
        changes
            .windows(2)
            .all(|w| w[0].seq < w[1].seq && w[0].hlc < w[1].hlc),
        "sequence and clock increase"
    );
    assert!(
        changes
            .iter()
            .all(|c| c.village_id == v.id && c.device_id == store.device_id())
    );

    store
        .mark_acknowledged(&[changes[0].seq, changes[1].seq])
        .unwrap();
    assert_eq!(store.pending_count().unwrap(), 2);
    assert_eq!(
        store.pending_changes(0, 100).unwrap()[0].seq,
        changes[2].seq
    );

    let mut head = record.head().unwrap().clone();
    head.groups = vec![PopulationGroup::Hypertension];
    store.update_resident(&head, now()).unwrap();
    let last = store.pending_changes(0, 100).unwrap().pop().unwrap();
    assert_eq!(
        last.fields,
        vec!["groups".to_string()],
        "an edit carries only the fields it changed"
    );

    store.requeue_after(0).unwrap();
    assert_eq!(
        store.pending_count().unwrap(),
        5,
        "a server restored from backup gets everything again"
    );
}

#[test]
fn deletions_are_tombstones() {
    let mut store = Store::open_in_memory().unwrap();
    let v = village(&mut store);
    let record = register(&mut store, &v);
    let spouse = record.members.iter().find(|m| m.name == "李四").unwrap();
    assert_eq!(store.search_residents("李四", 10).unwrap().len(), 1);
    store.delete_resident(spouse.id, now()).unwrap();
    assert!(matches!(
        store.resident(spouse.id),
        Err(StoreError::NotFound { .. })
    ));
    assert!(store.search_residents("李四", 10).unwrap().is_empty());
    let last = store.pending_changes(0, 100).unwrap().pop().unwrap();
    assert_eq!(
        (last.entity, last.op, last.entity_id),
        (Entity::Resident, Op::Delete, spouse.id)
    );
    assert_eq!(store.resident_count().unwrap(), 2);
}

#[test]
fn search_finds_by_characters_pinyin_id_and_phone() {
    let mut store = Store::open_in_memory().unwrap();
    let v = village(&mut store);
    register(&mut store, &v);
    let names = |q: &str| -> Vec<String> {
        let mut n: Vec<String> = store
            .search_residents(q, 20)
            .unwrap()
            .into_iter()
            .map(|h| h.name)
            .collect();
        n.sort();
        n
    };
    let table: [(&str, &[&str]); 10] = [
        ("张", &["张三", "张小宝"]),
        ("张三", &["张三"]),
        ("三", &["张三"]),
        ("zs", &["张三"]),
        ("zhangsan", &["张三"]),
        ("zhang", &["张三", "张小宝"]),
        ("ZXB", &["张小宝"]),
        ("14082219580304", &["张三"]),
        ("1381234", &["张三"]),
        ("王", &[]),
    ];
    for (query, expected) in table {
        assert_eq!(names(query), expected.to_vec(), "query {query:?}");
    }
}

#[test]
fn duplicates_are_found_by_id_number_and_by_name_and_birth_date() {
    let mut store = Store::open_in_memory().unwrap();
    let v = village(&mut store);
    register(&mut store, &v);
    let mut again = household(&v).validate(today()).unwrap();
    again.members.truncate(1);
    let found = store.find_duplicates(v.id, &again).unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].reason, jiayi_store::DuplicateReason::SameIdNumber);

    let mut same_name = household(&v);
    same_name.members = vec![ResidentInput {
        name: "张小宝".into(),
        sex: Some(Sex::Male),
        birth_date: Some("2026-05-01".into()),
        relation: Some(Relation::Head),
        ..Default::default()
    }];
    let found = store
        .find_duplicates(v.id, &same_name.validate(today()).unwrap())
        .unwrap();
    assert_eq!(
        found[0].reason,
        jiayi_store::DuplicateReason::SameNameAndBirthDate
    );
}

#[test]
fn migrates_from_an_empty_file_and_from_every_earlier_version() {
    let dir = tempfile::tempdir().unwrap();
    let latest = latest_schema_version();
    assert!(latest >= 1);
    for version in 0..=latest {
        let path = dir.path().join(format!("v{version}.sqlite3"));
        if version > 0 {
            let mut conn = rusqlite::Connection::open(&path).unwrap();
            migrate_to_version(&mut conn, version).unwrap();
        }
        let store =
            Store::open(&path).unwrap_or_else(|e| panic!("upgrade from version {version}: {e}"));
        assert_eq!(
            store.schema_version().unwrap(),
            latest,
            "from version {version}"
        );
        assert!(store.integrity_ok().unwrap());
    }
}

#[test]
fn refusals_kept_as_sync_state_by_version_1_move_into_their_table() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v1.sqlite3");
    {
        let mut conn = rusqlite::Connection::open(&path).unwrap();
        migrate_to_version(&mut conn, 1).unwrap();
        conn.execute(
            "INSERT INTO outbox (seq, change_id, entity, entity_id, op, village_id, hlc, fields, payload, created_at, acked_at)
             VALUES (7, 'c7', 'resident', 'r1', 'upsert', 'v2', 'h', '[]', '{}', '2026-11-01T00:00:00Z', '2026-11-02T00:00:00Z')",
            [],
        )
        .unwrap();
        let reason = serde_json::json!({
            "entity": "resident", "entity_id": "r1", "village_id": "v2",
            "reason": {"code": "village_not_in_scope", "message_zh": "不在范围内", "message_en": "not in scope"}
        });
        conn.execute(
            "INSERT INTO sync_state (key, value) VALUES ('rejected:7', ?1), ('pull_cursor', '5')",
            [reason.to_string()],
        )
        .unwrap();
    }
    let store = Store::open(&path).unwrap();
    let refusals = store.refusals(false).unwrap();
    assert_eq!(refusals.len(), 1);
    let r = &refusals[0];
    assert_eq!(
        (
            r.seq,
            r.change_id.as_str(),
            r.code.as_str(),
            r.message_zh.as_str()
        ),
        (7, "c7", "village_not_in_scope", "不在范围内")
    );
    assert_eq!(r.refused_at, "2026-11-02T00:00:00Z");
    assert_eq!(store.sync_state("rejected:7").unwrap(), None);
    assert_eq!(
        store.sync_state("pull_cursor").unwrap().as_deref(),
        Some("5")
    );
}

#[test]
fn a_file_from_a_newer_version_is_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("future.sqlite3");
    drop(Store::open(&path).unwrap());
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute(
            "INSERT INTO refinery_schema_history (version, name, applied_on, checksum) VALUES (999, 'future', '2030', '0')",
            [],
        )
        .unwrap();
    }
    let before = std::fs::read(&path).unwrap();
    assert!(matches!(Store::open(&path), Err(StoreError::TooNew)));
    assert_eq!(
        std::fs::read(&path).unwrap(),
        before,
        "a refused file is not changed"
    );
}

#[test]
fn a_garbage_file_is_refused_with_an_error_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("garbage.sqlite3");
    std::fs::write(
        &path,
        b"this is not a database, just some text that someone saved here",
    )
    .unwrap();
    let err = Store::open(&path).err().expect("garbage is refused");
    assert!(!err.message(jiayi_core::Lang::Zh).is_empty());
}

#[test]
fn visits_stored_before_version_8_keep_their_mode_and_who_served() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v7.sqlite3");
    let doctor = uuid::Uuid::from_u128(31);
    {
        let mut conn = rusqlite::Connection::open(&path).unwrap();
        migrate_to_version(&mut conn, 7).unwrap();
        // The rows alone matter here, not the residents they point to.
        conn.execute_batch("PRAGMA foreign_keys = OFF").unwrap();
        // Two visits as version 7 wrote them: the payload named the doctor as `doctor_id`
        // (the demo filled it, the app left it empty).
        for (id, mode, who) in [
            ("v1", "phone", serde_json::json!(doctor)),
            ("v2", "home", serde_json::Value::Null),
        ] {
            let json = serde_json::json!({
                "id": uuid::Uuid::now_v7(), "resident_id": uuid::Uuid::from_u128(51),
                "doctor_id": who, "kind": "hypertension_follow_up", "mode": mode,
                "occurred_at": "2026-11-23T02:00:00Z", "recorded_at": "2026-11-23T02:00:00Z",
                "fulfils": null, "vitals": {}, "notes": ""
            });
            conn.execute(
                "INSERT INTO visits (id, resident_id, kind, occurred_at, occurred_on, recorded_at, json, hlc)
                 VALUES (?1, 'r', 'hypertension_follow_up', '2026-11-23T02:00:00Z', '2026-11-23',
                         '2026-11-23T02:00:00Z', ?2, 'h')",
                rusqlite::params![id, json.to_string()],
            )
            .unwrap();
        }
    }
    drop(Store::open(&path).unwrap());
    let conn = rusqlite::Connection::open(&path).unwrap();
    let rows: Vec<(String, Option<String>, Option<String>)> = conn
        .prepare("SELECT id, mode, served_by FROM visits ORDER BY id")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        rows,
        vec![
            ("v1".into(), Some("phone".into()), Some(doctor.to_string())),
            ("v2".into(), Some("home".into()), None),
        ],
        "the new columns are filled from the payloads"
    );
}

#[test]
fn a_household_is_named_for_a_contract_line_as_its_record_names_it() {
    let mut store = Store::open_in_memory().unwrap();
    let v = village(&mut store);
    let record = register(&mut store, &v);
    let spouse = record.members.iter().find(|m| m.name == "李四").unwrap();
    let naming = store
        .household_naming(record.household.id, spouse.id)
        .unwrap();
    assert_eq!(
        (naming.village_id, naming.village.as_str()),
        (v.id, "东庄村")
    );
    assert_eq!(naming.member.as_deref(), Some("李四"));
    assert_eq!(
        naming.head.as_deref(),
        Some(record.head().unwrap().name.as_str())
    );
    let stranger = store
        .household_naming(record.household.id, Uuid::now_v7())
        .unwrap();
    assert_eq!(
        stranger.member, None,
        "someone not on the register is not named"
    );
    assert!(matches!(
        store.household_naming(Uuid::now_v7(), spouse.id),
        Err(StoreError::NotFound { .. })
    ));
}

#[test]
fn a_connection_with_a_smaller_page_cache_reads_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("device.sqlite3");
    let mut store = Store::open(&path).unwrap();
    let v = village(&mut store);
    let id = register(&mut store, &v).household.id;
    let small = Store::open(&path).unwrap();
    small.set_cache_kib(256).unwrap();
    assert_eq!(small.household(id).unwrap(), store.household(id).unwrap());
}
