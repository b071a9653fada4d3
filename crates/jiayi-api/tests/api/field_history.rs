//! The household page's change history: each corrected field with who changed it, when, and
//! what it was before.

use chrono::{DateTime, NaiveDate, Utc};
use jiayi_api::{Api, ChangedRecord, FixedClock, HouseholdMove, ResidentEdit};
use jiayi_core::Lang;
use jiayi_core::household::{Team, TeamMember, TeamRole, Village};
use jiayi_core::person::Sex;
use jiayi_core::time::china_noon;
use jiayi_store::{EnrollmentRecord, Store};
use jiayi_testkit::{head, household};
use uuid::Uuid;

fn at(y: i32, m: u32, d: u32) -> DateTime<Utc> {
    china_noon(NaiveDate::from_ymd_opt(y, m, d).unwrap())
}

const DOCTOR: Uuid = Uuid::from_u128(0xd0c);

/// A device enrolled for 刘医生, whose team serves 东庄村, holding one household of one.
fn enrolled_household() -> (Api, tempfile::TempDir, Uuid, Uuid) {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path().join("jiayi.sqlite3")).unwrap();
    let east = Village {
        id: Uuid::now_v7(),
        code: "140822100200".into(),
        name: "东庄村".into(),
        township: "青山镇".into(),
    };
    let west = Village {
        id: Uuid::now_v7(),
        code: "140822100201".into(),
        name: "西庄村".into(),
        township: "青山镇".into(),
    };
    store.put_village(&east).unwrap();
    store.put_village(&west).unwrap();
    store
        .put_team(&Team {
            id: Uuid::from_u128(0x7ea),
            name: "东庄团队".into(),
            institution: "青山镇卫生院".into(),
            village_clinic: "东庄村卫生室".into(),
            villages: vec![east.id, west.id],
            members: vec![TeamMember {
                id: DOCTOR,
                name: "刘医生".into(),
                role: TeamRole::FamilyDoctor,
                phone: "13800000000".into(),
            }],
            service_hotline: String::new(),
            complaint_phone: String::new(),
            service_hours: String::new(),
        })
        .unwrap();
    let device_id = store.device_id();
    store
        .put_enrollment(&EnrollmentRecord {
            server_url: "http://127.0.0.1:1".into(),
            token: "t".into(),
            device_id,
            doctor_id: DOCTOR,
            team_id: Uuid::from_u128(0x7ea),
            villages: vec![east.id],
            server_epoch: Uuid::nil(),
            high_water: 0,
            enrolled_at: at(2026, 1, 5).to_rfc3339(),
            ca_pem: None,
        })
        .unwrap();
    let mut api = Api::with_clock(store, Lang::Zh, Box::new(FixedClock(at(2026, 1, 5))));
    let input = household("东庄村", "三组", "东庄村三组5号")
        .member(head("张三").birth_date("1955-04-01").sex(Sex::Male))
        .build();
    let (household, people) = jiayi_testkit::register(&mut api, input);
    (api, dir, household, people[0])
}

#[test]
fn a_phone_corrected_twice_shows_both_changes_with_what_they_replaced() {
    let (mut api, _dir, household, zhang_san) = enrolled_household();
    assert!(api.field_history(household).unwrap().is_empty());
    for (when, phone) in [
        (at(2026, 3, 1), "13912345678"),
        (at(2026, 6, 1), "13987654321"),
    ] {
        api.set_clock(Box::new(FixedClock(when)));
        api.edit_resident(&ResidentEdit {
            resident_id: zhang_san,
            phone: Some(phone.into()),
            ..ResidentEdit::default()
        })
        .unwrap();
    }

    let history = api.field_history(household).unwrap();
    assert_eq!(history.len(), 2, "one entry per change: {history:?}");
    let (newest, first) = (&history[0], &history[1]);
    for change in &history {
        assert_eq!(change.record, ChangedRecord::Resident);
        assert_eq!(change.record_id, zhang_san);
        assert_eq!(change.member_name.as_deref(), Some("张三"));
        assert_eq!(change.field, "phone");
        assert_eq!(change.doctor_name.as_deref(), Some("刘医生"), "who");
        assert!(change.this_device && change.took_effect);
    }
    assert_eq!(newest.at, at(2026, 6, 1), "newest first");
    assert_eq!(newest.old_value.as_deref(), Some("13912345678"));
    assert_eq!(newest.new_value.as_deref(), Some("13987654321"));
    assert!(!newest.since_registration);
    assert!(newest.in_force);
    assert_eq!(first.at, at(2026, 3, 1));
    assert_eq!(first.old_value, None, "registered without a phone");
    assert_eq!(first.new_value.as_deref(), Some("13912345678"));
    assert!(first.since_registration);
    assert!(!first.in_force, "replaced since");
}

#[test]
fn an_id_number_added_later_is_a_change_of_each_field_it_settles() {
    let (mut api, _dir, household, zhang_san) = enrolled_household();
    api.set_clock(Box::new(FixedClock(at(2026, 2, 1))));
    let number = jiayi_testkit::id_number(NaiveDate::from_ymd_opt(1955, 4, 1).unwrap(), 131);
    api.edit_resident(&ResidentEdit {
        resident_id: zhang_san,
        id_number: Some(number.clone()),
        ..ResidentEdit::default()
    })
    .unwrap();
    let history = api.field_history(household).unwrap();
    let fields: Vec<&str> = history.iter().map(|c| c.field.as_str()).collect();
    assert!(fields.contains(&"id_number"), "{fields:?}");
    assert!(fields.contains(&"id_number_missing"), "{fields:?}");
    let added = history.iter().find(|c| c.field == "id_number").unwrap();
    assert_eq!(added.old_value, None, "registered without a number");
    assert_eq!(added.new_value.as_deref(), Some(number.as_str()));
    let flag = history
        .iter()
        .find(|c| c.field == "id_number_missing")
        .unwrap();
    assert_eq!(
        (flag.old_value.as_deref(), flag.new_value.as_deref()),
        (Some("true"), Some("false"))
    );
}

#[test]
fn a_move_names_the_villages_and_the_address_not_their_ids() {
    let (mut api, _dir, household, _) = enrolled_household();
    api.set_clock(Box::new(FixedClock(at(2026, 4, 1))));
    api.move_household(&HouseholdMove {
        household_id: household,
        village: "西庄村".into(),
        group: Some("一组".into()),
        address: Some("西庄村一组8号".into()),
        on: NaiveDate::from_ymd_opt(2026, 4, 1).unwrap(),
    })
    .unwrap();
    let history = api.field_history(household).unwrap();
    let of = |field: &str| {
        history
            .iter()
            .find(|c| c.field == field)
            .unwrap_or_else(|| panic!("{field} in {history:?}"))
    };
    let village = of("village_id");
    assert_eq!(village.record, ChangedRecord::Household);
    assert_eq!(village.member_name, None);
    assert_eq!(
        (village.old_value.as_deref(), village.new_value.as_deref()),
        (Some("东庄村"), Some("西庄村"))
    );
    assert_eq!(
        (
            of("address").old_value.as_deref(),
            of("address").new_value.as_deref()
        ),
        (Some("东庄村三组5号"), Some("西庄村一组8号"))
    );
    assert_eq!(of("group").new_value.as_deref(), Some("一组"));
}
