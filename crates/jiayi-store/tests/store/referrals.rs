//! Referrals and surveys as stored: each written once with its outbox row, applied once on
//! another device, never updated nor deleted, and moving the reports' `services` part.

use chrono::{DateTime, NaiveDate, Utc};
use jiayi_core::change::Entity;
use jiayi_core::household::Village;
use jiayi_core::referral::{ReferralBack, ReferralOut, Urgency};
use jiayi_core::survey::{SatisfactionSurvey, SurveyAnswer};
use jiayi_store::{NewHousehold, Store};
use uuid::Uuid;

use jiayi_testkit::{day, head, household};

use crate::year::{sync, t0, two_devices};

fn d(m: u32, dd: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, m, dd).unwrap()
}

fn records(
    household: Uuid,
    resident: Uuid,
    village: Uuid,
) -> (ReferralOut, ReferralBack, SatisfactionSurvey) {
    let at: DateTime<Utc> = t0();
    let out = ReferralOut {
        id: Uuid::now_v7(),
        resident_id: resident,
        household_id: household,
        village_id: village,
        doctor_id: Some(Uuid::from_u128(2)),
        to_institution: "县人民医院".into(),
        reason: "胸痛待查".into(),
        referred_on: d(3, 1),
        urgency: Some(Urgency::Urgent),
        recorded_at: at,
    };
    let back = ReferralBack {
        id: Uuid::now_v7(),
        referral_id: out.id,
        resident_id: resident,
        household_id: household,
        village_id: village,
        doctor_id: None,
        returned_on: d(3, 8),
        follow_up_plan: "每周随访".into(),
        recorded_at: at,
    };
    let survey = SatisfactionSurvey {
        id: Uuid::now_v7(),
        household_id: household,
        village_id: village,
        contract_id: Uuid::from_u128(9),
        contract_year_start: d(1, 1),
        doctor_id: None,
        answered_by: resident,
        asked_by: Uuid::from_u128(2),
        surveyed_on: d(3, 9),
        questionnaire_version: "2026".into(),
        answers: vec![SurveyAnswer {
            question: "overall".into(),
            choice: "satisfied".into(),
        }],
        points: 2,
        max_points: 2,
        recorded_at: at,
    };
    (out, back, survey)
}

#[test]
fn referrals_and_surveys_travel_once_and_read_back_alike() {
    let (mut a, mut b, household, ids) = two_devices();
    let village = a.household(household).unwrap().household.village_id;
    let (out, back, survey) = records(household, ids[0], village);
    a.record_referral_out(&out, t0()).unwrap();
    a.record_referral_back(&back, t0()).unwrap();
    a.record_survey(&survey, t0()).unwrap();
    let pending = a.pending_changes(0, 100).unwrap();
    let kinds: Vec<Entity> = pending.iter().map(|c| c.entity).collect();
    assert_eq!(
        kinds,
        vec![
            Entity::ReferralOut,
            Entity::ReferralBack,
            Entity::SatisfactionSurvey
        ]
    );
    assert!(pending.iter().all(|c| c.village_id == village));

    let changes = pending.clone();
    let report = sync(&mut a, &mut b, t0());
    assert_eq!((report.applied, report.skipped), (3, 0));
    assert_eq!(
        b.referrals_out_of_household(household).unwrap(),
        vec![out.clone()]
    );
    assert_eq!(
        b.referrals_back_of_household(household).unwrap(),
        vec![back.clone()]
    );
    assert_eq!(b.referrals_back_of(out.id).unwrap(), vec![back]);
    assert_eq!(
        b.surveys_of_household(household).unwrap(),
        vec![survey.clone()]
    );
    assert_eq!(b.referral_out(out.id).unwrap(), out);
    assert_eq!(
        b.pending_count().unwrap(),
        0,
        "a pulled record is not pushed again"
    );

    let again = b.apply_remote(&changes, t0()).unwrap();
    assert_eq!((again.applied, again.skipped), (0, 3), "each change once");
    assert_eq!(b.all_referrals_out().unwrap().len(), 1);
    assert_eq!(b.all_surveys().unwrap().len(), 1);
    assert!(b.referral_out(Uuid::from_u128(5)).is_err());
}

#[test]
fn stored_referrals_and_surveys_are_never_changed_nor_deleted() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("jiayi.sqlite3");
    let mut store = Store::open(&path).unwrap();
    let village = Village {
        id: Uuid::now_v7(),
        code: "140822100201".into(),
        name: "西庄村".into(),
        township: "青山镇".into(),
    };
    store.put_village(&village).unwrap();
    let valid = household("西庄村", "一组", "西庄村一组9号")
        .member(head("李长河").born(day(1958, 4, 2), 11))
        .build()
        .validate(d(3, 10))
        .unwrap();
    let registered = store
        .register_household(
            NewHousehold {
                village_id: village.id,
                household: &valid,
            },
            t0(),
        )
        .unwrap();
    let (out, back, survey) = records(
        registered.household.id,
        registered.members[0].id,
        village.id,
    );
    let services = |conn: &rusqlite::Connection| -> i64 {
        conn.query_row(
            "SELECT version FROM data_versions WHERE part = 'services'",
            [],
            |r| r.get(0),
        )
        .unwrap()
    };
    let conn = rusqlite::Connection::open(&path).unwrap();
    let before = services(&conn);
    store.record_referral_out(&out, t0()).unwrap();
    store.record_referral_back(&back, t0()).unwrap();
    store.record_survey(&survey, t0()).unwrap();
    assert_eq!(services(&conn), before + 3, "every insert moves the part");
    for (table, id) in [
        ("referrals_out", out.id),
        ("referrals_back", back.id),
        ("satisfaction_surveys", survey.id),
    ] {
        let update = conn.execute(
            &format!("UPDATE {table} SET json = '{{}}' WHERE id = ?1"),
            [id.to_string()],
        );
        assert!(update.is_err(), "{table} refuses an update");
        let delete = conn.execute(
            &format!("DELETE FROM {table} WHERE id = ?1"),
            [id.to_string()],
        );
        assert!(delete.is_err(), "{table} refuses a deletion");
    }
    drop(conn);
    assert_eq!(store.referral_out(out.id).unwrap(), out);
}
