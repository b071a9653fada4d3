//! The county's health-record numbers: set and cleared as a field of the resident, issued from
//! the village's range, refused when there is none or it is used up, printed when signed.

use chrono::{DateTime, NaiveDate, Utc};
use jiayi_api::{Api, Document, FixedClock, ResidentEdit};
use jiayi_core::Lang;
use jiayi_core::household::{Team, TeamMember, TeamRole, Village};
use jiayi_core::person::{Relation, Sex};
use jiayi_core::record_number::VillageRecordRange;
use jiayi_core::time::china_noon;
use jiayi_store::Store;
use jiayi_testkit::{contract, head, household, member};
use uuid::Uuid;

fn at(y: i32, m: u32, d: u32) -> DateTime<Utc> {
    china_noon(NaiveDate::from_ymd_opt(y, m, d).unwrap())
}

const CODE: &str = "140822100200";

/// A household of two in 东庄村, with the village's range `range` when given.
fn setup(range: Option<(u32, u32)>) -> (Api, tempfile::TempDir, Uuid, Vec<Uuid>) {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path().join("jiayi.sqlite3")).unwrap();
    let east = Village {
        id: Uuid::now_v7(),
        code: CODE.into(),
        name: "东庄村".into(),
        township: "青山镇".into(),
    };
    store.put_village(&east).unwrap();
    store
        .put_team(&Team {
            id: Uuid::from_u128(0x7ea),
            name: "东庄团队".into(),
            institution: "青山镇卫生院".into(),
            village_clinic: "东庄村卫生室".into(),
            villages: vec![east.id],
            members: vec![TeamMember {
                id: Uuid::from_u128(0xd0c),
                name: "刘医生".into(),
                role: TeamRole::FamilyDoctor,
                phone: "13800000000".into(),
            }],
            service_hotline: String::new(),
            complaint_phone: String::new(),
            service_hours: String::new(),
        })
        .unwrap();
    if let Some((first, last)) = range {
        store
            .put_record_ranges(&[VillageRecordRange {
                village_id: east.id,
                village_code: CODE.into(),
                first,
                last,
            }])
            .unwrap();
    }
    let mut api = Api::with_clock(store, Lang::Zh, Box::new(FixedClock(at(2026, 3, 5))));
    let input = household("东庄村", "三组", "东庄村三组5号")
        .member(head("张三").birth_date("1955-04-01").sex(Sex::Male))
        .member(
            member("李梅", Relation::Spouse)
                .birth_date("1957-06-01")
                .sex(Sex::Female),
        )
        .build();
    let (household, people) = jiayi_testkit::register(&mut api, input);
    (api, dir, household, people)
}

fn number_edit(resident_id: Uuid, number: &str) -> ResidentEdit {
    ResidentEdit {
        resident_id,
        record_number: Some(number.into()),
        ..ResidentEdit::default()
    }
}

#[test]
fn a_number_typed_by_a_clerk_is_kept_as_a_field_change_and_can_be_cleared() {
    let (mut api, _dir, _, people) = setup(None);
    let edited = api
        .edit_resident(&number_edit(
            people[0],
            "１４０８２２ １００ ２００ ０００４２",
        ))
        .unwrap();
    assert_eq!(edited.record_number.unwrap().as_str(), "14082210020000042");
    let pending = api.store().pending_changes(0, 1000).unwrap();
    let last = pending.last().unwrap();
    assert_eq!(
        last.fields,
        vec!["record_number".to_string()],
        "one field travels"
    );

    let hits = api.search("14082210020000042", 10).unwrap();
    assert_eq!(hits.len(), 1, "the number finds its resident");

    let err = api
        .edit_resident(&number_edit(people[1], "14082210020000042"))
        .unwrap_err();
    assert_eq!(err.code, "record_number_taken");
    assert!(err.message.contains("14082210020000042"), "{}", err.message);

    let err = api
        .edit_resident(&number_edit(people[1], "1408221002"))
        .unwrap_err();
    assert_eq!(err.code, "invalid_record_number");
    assert!(err.message.contains("17位"), "{}", err.message);

    let cleared = api.edit_resident(&number_edit(people[0], "")).unwrap();
    assert!(cleared.record_number.is_none());
}

#[test]
fn numbers_are_issued_from_the_village_range_until_it_is_used_up() {
    let (mut api, _dir, _, people) = setup(Some((41, 42)));
    // A number of the range already entered from the county system is skipped.
    api.edit_resident(&number_edit(people[1], "14082210020000041"))
        .unwrap();
    let issued = api.issue_record_number(people[0]).unwrap();
    assert_eq!(issued.record_number.unwrap().as_str(), "14082210020000042");
    let again = api.issue_record_number(people[0]).unwrap();
    assert_eq!(
        again.record_number.unwrap().as_str(),
        "14082210020000042",
        "a resident who has a number keeps it"
    );

    let input = household("东庄村", "三组", "东庄村三组6号")
        .member(head("王五").birth_date("1960-01-01").sex(Sex::Male))
        .build();
    let (_, others) = jiayi_testkit::register(&mut api, input);
    let err = api.issue_record_number(others[0]).unwrap_err();
    assert_eq!(err.code, "record_range_used_up");
    assert!(err.message.contains("41–42"), "{}", err.message);
}

#[test]
fn without_a_range_issuing_is_refused_with_what_to_do() {
    let (mut api, _dir, _, people) = setup(None);
    let err = api.issue_record_number(people[0]).unwrap_err();
    assert_eq!(err.code, "no_record_range");
    assert!(err.message.contains("乡镇卫生院"), "{}", err.message);
    let mut en = api;
    en.set_lang(Lang::En);
    let err = en.issue_record_number(people[0]).unwrap_err();
    assert!(err.message.contains("no serial range"), "{}", err.message);
}

#[test]
fn the_agreement_and_card_print_the_numbers_frozen_at_signing() {
    let (mut api, _dir, household_id, people) = setup(Some((1, 100)));
    api.issue_record_number(people[0]).unwrap();
    api.edit_resident(&number_edit(people[1], "14082210020000077"))
        .unwrap();
    let signed = contract(household_id, &people).sign(&mut api).unwrap();
    let snapshot = api.contract_snapshot(signed.contract_id).unwrap();
    assert_eq!(
        snapshot.health_record_number, "14082210020000001",
        "the head's"
    );
    let text = pdf_text(
        &api.render_document(signed.contract_id, Document::Agreement)
            .unwrap(),
    );
    assert!(text.contains("14082210020000001"), "{text}");
    assert!(text.contains("14082210020000077"), "{text}");
    let card = pdf_text(
        &api.render_document(signed.contract_id, Document::ContactCard)
            .unwrap(),
    );
    assert!(card.contains("14082210020000001"), "{card}");

    // A number changed later leaves the signed agreement as it was.
    api.edit_resident(&number_edit(people[0], "14082210020000099"))
        .unwrap();
    let again = api.contract_snapshot(signed.contract_id).unwrap();
    assert_eq!(again.health_record_number, "14082210020000001");
}

#[test]
fn without_numbers_the_agreement_leaves_the_field_blank() {
    let (mut api, _dir, household_id, people) = setup(None);
    let signed = contract(household_id, &people).sign(&mut api).unwrap();
    let snapshot = api.contract_snapshot(signed.contract_id).unwrap();
    assert_eq!(snapshot.health_record_number, "", "nothing is made up");
    assert!(snapshot.members.iter().all(|m| m.record_number.is_none()));
}

fn pdf_text(bytes: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("doc.pdf");
    std::fs::write(&path, bytes).unwrap();
    let out = std::process::Command::new("pdftotext")
        .args(["-layout".as_ref(), path.as_os_str(), "-".as_ref()])
        .output()
        .expect("pdftotext (poppler-utils) is installed");
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

/// The range the township's administrator sets reaches an enrolled device with its next sync,
/// and the device issues from it offline; a withdrawn range is withdrawn on the device too.
fn a_range_set_at_the_township_reaches_the_device(t: &jiayi_testkit::township::Township) {
    use jiayi_testkit::township::V1;
    let storage = t.storage().as_ref();
    storage
        .put_villages(&[Village {
            id: V1,
            code: CODE.into(),
            name: "东庄村".into(),
            township: "青山镇".into(),
        }])
        .unwrap();
    jiayi_server::record_ranges::set_record_range(
        storage,
        V1,
        Some(jiayi_core::record_number::SerialRange {
            first: 301,
            last: 400,
        }),
    )
    .unwrap();

    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path().join("jiayi.sqlite3")).unwrap();
    store
        .put_village(&Village {
            id: V1,
            code: CODE.into(),
            name: "东庄村".into(),
            township: "青山镇".into(),
        })
        .unwrap();
    let token = t
        .enroll_device(store.device_id(), "刘医生", "东庄团队", &[V1])
        .token;
    let mut api = Api::new(store, Lang::Zh);
    api.enroll_device(&t.base(), &token).unwrap();
    let input = household("东庄村", "三组", "东庄村三组5号")
        .member(head("张三").birth_date("1955-04-01").sex(Sex::Male))
        .build();
    let (_, people) = jiayi_testkit::register(&mut api, input);
    assert_eq!(
        api.issue_record_number(people[0]).unwrap_err().code,
        "no_record_range",
        "before the sync the device holds no range"
    );
    api.sync_now(&|_| {}).unwrap();
    let issued = api.issue_record_number(people[0]).unwrap();
    assert_eq!(issued.record_number.unwrap().as_str(), "14082210020000301");

    jiayi_server::record_ranges::set_record_range(storage, V1, None).unwrap();
    api.sync_now(&|_| {}).unwrap();
    assert_eq!(api.store().record_range(V1).unwrap(), None);
}

#[test]
fn sqlite_a_range_set_at_the_township_reaches_the_device() {
    let t = jiayi_testkit::township::Township::sqlite(jiayi_sync::protocol::Limits::default());
    a_range_set_at_the_township_reaches_the_device(&t);
}

#[test]
fn postgres_a_range_set_at_the_township_reaches_the_device() {
    let Some(pg) = jiayi_testkit::pg::PgCluster::start() else {
        return;
    };
    let t = jiayi_testkit::township::Township::on(
        &pg.database("record_ranges"),
        jiayi_sync::protocol::Limits::default(),
    );
    a_range_set_at_the_township_reaches_the_device(&t);
}

#[test]
fn the_township_refuses_a_range_for_an_unnamed_village_or_a_bad_range() {
    let t = jiayi_testkit::township::Township::sqlite(jiayi_sync::protocol::Limits::default());
    let storage = t.storage().as_ref();
    let unnamed = jiayi_server::record_ranges::set_record_range(
        storage,
        jiayi_testkit::township::V1,
        Some(jiayi_core::record_number::SerialRange { first: 1, last: 9 }),
    );
    assert!(unnamed.is_err());
    storage
        .put_villages(&[Village {
            id: jiayi_testkit::township::V1,
            code: CODE.into(),
            name: "东庄村".into(),
            township: "青山镇".into(),
        }])
        .unwrap();
    let backwards = jiayi_server::record_ranges::set_record_range(
        storage,
        jiayi_testkit::township::V1,
        Some(jiayi_core::record_number::SerialRange { first: 9, last: 1 }),
    );
    assert!(backwards.is_err());
    assert!(
        jiayi_server::record_ranges::record_ranges(storage)
            .unwrap()
            .is_empty()
    );
}
