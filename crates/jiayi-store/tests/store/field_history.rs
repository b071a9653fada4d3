//! Who changed which field of a resident or a household, and when: kept for local edits and
//! for changes pulled from other devices, once each, never rewritten.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use jiayi_core::household::{Team, TeamMember, TeamRole, Village};
use jiayi_core::phone::Phone;
use jiayi_store::{ChangeOrigin, EnrollmentRecord, NewHousehold, Store, YearWrite};
use serde_json::json;
use uuid::Uuid;

use jiayi_testkit::{day, head, household};

fn t0() -> DateTime<Utc> {
    "2026-11-23T02:00:00Z".parse().unwrap()
}

const DOCTOR: Uuid = Uuid::from_u128(0xd0c);

/// Two devices holding the same household; `a` is enrolled for a doctor its team names.
fn two_devices() -> (Store, Store, Uuid, Uuid) {
    two_devices_from(Store::open_in_memory().unwrap())
}

fn two_devices_from(mut a: Store) -> (Store, Store, Uuid, Uuid) {
    let village = Village {
        id: Uuid::now_v7(),
        code: "140822100200".into(),
        name: "东庄村".into(),
        township: "青山镇".into(),
    };
    let mut b = Store::open_in_memory().unwrap();
    for s in [&mut a, &mut b] {
        s.put_village(&village).unwrap();
        s.put_team(&Team {
            id: Uuid::from_u128(0x7ea),
            name: "东庄村团队".into(),
            institution: "青山镇卫生院".into(),
            village_clinic: "东庄村卫生室".into(),
            villages: vec![village.id],
            members: vec![TeamMember {
                id: DOCTOR,
                name: "李医生".into(),
                role: TeamRole::FamilyDoctor,
                phone: "13800000000".into(),
            }],
            service_hotline: String::new(),
            complaint_phone: String::new(),
            service_hours: String::new(),
        })
        .unwrap();
    }
    a.put_enrollment(&EnrollmentRecord {
        server_url: "http://127.0.0.1:1".into(),
        token: "t".into(),
        device_id: a.device_id(),
        doctor_id: DOCTOR,
        team_id: Uuid::from_u128(0x7ea),
        villages: vec![village.id],
        server_epoch: Uuid::nil(),
        high_water: 0,
        enrolled_at: t0().to_rfc3339(),
        ca_pem: None,
    })
    .unwrap();
    let input = household("东庄村", "二组", "东庄村二组3号")
        .member(head("王大山").born(day(1950, 2, 3), 11))
        .build();
    let valid = input
        .validate(NaiveDate::from_ymd_opt(2026, 11, 23).unwrap())
        .unwrap();
    let record = a
        .register_household(
            NewHousehold {
                village_id: village.id,
                household: &valid,
            },
            t0(),
        )
        .unwrap();
    sync(&mut a, &mut b, t0());
    (a, b, record.household.id, record.members[0].id)
}

fn sync(from: &mut Store, to: &mut Store, at: DateTime<Utc>) -> jiayi_store::ApplyReport {
    let changes = from.pending_changes(0, 1000).unwrap();
    let seqs: Vec<u64> = changes.iter().map(|c| c.seq).collect();
    from.mark_acknowledged(&seqs).unwrap();
    to.apply_remote(&changes, at).unwrap()
}

#[test]
fn registration_writes_no_history_and_an_edit_keeps_what_it_replaced() {
    let (mut a, _b, household_id, id) = two_devices();
    assert!(
        a.field_history_of_household(household_id)
            .unwrap()
            .is_empty(),
        "a record's creation is its registration, not a change"
    );
    let mut r = a.resident(id).unwrap();
    r.phone = Some(Phone::parse("13912345678").unwrap());
    r.name = "王大珊".into();
    a.update_resident(&r, t0() + Duration::minutes(5)).unwrap();

    let history = a.field_history_of_household(household_id).unwrap();
    let fields: Vec<&str> = history.iter().map(|c| c.field.as_str()).collect();
    assert_eq!(fields, ["name", "phone"], "one row per changed field");
    let name = &history[0];
    assert_eq!(name.value, json!("王大珊"));
    assert_eq!(name.old_value, Some(json!("王大山")));
    assert_eq!(name.subject_name.as_deref(), Some("王大珊"));
    assert_eq!(name.device_id, a.device_id());
    assert_eq!(name.actor_id, Some(DOCTOR.to_string()));
    assert_eq!(
        name.actor_name.as_deref(),
        Some("李医生"),
        "the team names the enrolled doctor"
    );
    assert_eq!(name.origin, ChangeOrigin::Local);
    assert_eq!(name.at, t0() + Duration::minutes(5));
    assert!(name.in_force && name.took_effect);
    assert_eq!(history[1].old_value, Some(serde_json::Value::Null));

    // The doctor leaves the team: the change still names them.
    let mut team = a.teams().unwrap().remove(0);
    team.members.clear();
    a.put_team(&team).unwrap();
    let history = a.field_history_of_household(household_id).unwrap();
    assert_eq!(history[0].actor_name.as_deref(), Some("李医生"));
}

#[test]
fn a_household_edit_is_kept_with_the_household() {
    let (mut a, _b, household_id, _) = two_devices();
    let mut h = a.household(household_id).unwrap().household;
    h.address = "东庄村二组5号".into();
    a.write_year(&[YearWrite::Household(&h)], t0() + Duration::minutes(1))
        .unwrap();
    let history = a.field_history_of_household(household_id).unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].entity, "household");
    assert_eq!(history[0].field, "address");
    assert_eq!(history[0].old_value, Some(json!("东庄村二组3号")));
    assert_eq!(history[0].value, json!("东庄村二组5号"));
}

#[test]
fn a_pulled_change_is_kept_with_its_device_once() {
    let (mut a, mut b, household_id, id) = two_devices();
    let mut r = a.resident(id).unwrap();
    r.phone = Some(Phone::parse("13912345678").unwrap());
    a.update_resident(&r, t0() + Duration::minutes(1)).unwrap();
    let changes = a.pending_changes(0, 100).unwrap();
    b.apply_remote(&changes, t0() + Duration::minutes(2))
        .unwrap();

    let history = b.field_history_of_household(household_id).unwrap();
    assert_eq!(history.len(), 1, "{history:?}");
    let phone = &history[0];
    assert_eq!(phone.field, "phone");
    assert_eq!(phone.value, json!("13912345678"));
    assert_eq!(phone.old_value, Some(serde_json::Value::Null));
    assert_eq!(
        phone.device_id,
        a.device_id(),
        "named by the device that made it"
    );
    assert_ne!(phone.device_id, b.device_id());
    assert_eq!(phone.origin, ChangeOrigin::Pulled);
    assert_eq!(
        phone.at,
        t0() + Duration::minutes(1),
        "when it was made, not pulled"
    );
    assert!(phone.took_effect && phone.in_force);

    // Pulled again (the server resent it, a bundle read twice): nothing new.
    b.apply_remote(&changes, t0() + Duration::minutes(3))
        .unwrap();
    assert_eq!(b.field_history_of_household(household_id).unwrap().len(), 1);
}

#[test]
fn a_pulled_change_that_loses_the_merge_is_kept_but_not_in_force() {
    let (mut a, mut b, household_id, id) = two_devices();
    // a edits first, b later; b pushes and settles, then a's older edit arrives at b.
    let mut on_a = a.resident(id).unwrap();
    on_a.phone = Some(Phone::parse("13900000001").unwrap());
    a.update_resident(&on_a, t0() + Duration::minutes(1))
        .unwrap();
    let mut on_b = b.resident(id).unwrap();
    on_b.phone = Some(Phone::parse("13900000002").unwrap());
    b.update_resident(&on_b, t0() + Duration::minutes(2))
        .unwrap();
    let from_b = b.pending_changes(0, 100).unwrap();
    let seqs: Vec<u64> = from_b.iter().map(|c| c.seq).collect();
    b.mark_acknowledged(&seqs).unwrap();
    sync(&mut a, &mut b, t0() + Duration::minutes(3));

    let history = b.field_history_of_household(household_id).unwrap();
    assert_eq!(history.len(), 2, "{history:?}");
    assert_eq!(history[0].value, json!("13900000002"), "newest first");
    assert!(history[0].in_force);
    assert_eq!(history[1].value, json!("13900000001"));
    assert_eq!(history[1].device_id, a.device_id());
    assert!(
        !history[1].took_effect && !history[1].in_force,
        "the older clock lost"
    );
    assert_eq!(
        b.resident(id).unwrap().phone.unwrap().as_str(),
        "13900000002"
    );
}

#[test]
fn a_removed_resident_is_in_the_history() {
    let (mut a, _b, household_id, id) = two_devices();
    a.delete_resident(id, t0() + Duration::minutes(1)).unwrap();
    let history = a.field_history_of_household(household_id).unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].field, "deleted");
    assert_eq!(history[0].value, json!(true));
}

#[test]
fn history_rows_are_never_updated() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("device.sqlite3");
    {
        let (mut a, _b, _household_id, id) = two_devices_from(Store::open(&path).unwrap());
        let mut r = a.resident(id).unwrap();
        r.name = "王大珊".into();
        a.update_resident(&r, t0() + Duration::minutes(1)).unwrap();
    }
    let conn = rusqlite::Connection::open(&path).unwrap();
    let err = conn
        .execute("UPDATE field_changes SET value = '\"王小山\"'", [])
        .unwrap_err();
    assert!(
        err.to_string().contains("never changed"),
        "history is insert-only: {err}"
    );
}
