//! Two-way referral through the API on real store files: a referral out and its return are
//! history (two records, the second naming the first), bad input is refused in Chinese with
//! nothing saved, and the records travel between devices through a real township server and
//! follow a household that moves.

use jiayi_api::{Api, ReferralBackRequest, ReferralOutRequest};
use jiayi_core::Lang;
use jiayi_core::change::Entity;
use jiayi_core::referral::Urgency;
use jiayi_testkit::day;
use jiayi_testkit::township::{Township, V1, V2};
use uuid::Uuid;

use crate::sync::{Device, device_of, register, sign, small, store_at, team, west_team};

const DOCTOR: Uuid = Uuid::from_u128(2);
const NURSE: Uuid = Uuid::from_u128(3);

fn referral_out(resident: Uuid) -> ReferralOutRequest {
    ReferralOutRequest {
        resident_id: resident,
        to_institution: " 县人民医院心内科 ".into(),
        reason: "血压控制不佳，需调整用药".into(),
        referred_on: None,
        urgency: Some(Urgency::Urgent),
        doctor_id: None,
    }
}

fn referral_back(referral: Uuid) -> ReferralBackRequest {
    ReferralBackRequest {
        referral_id: referral,
        returned_on: None,
        follow_up_plan: "每两周上门测量血压，按出院医嘱服药".into(),
        doctor_id: None,
    }
}

/// The outbox's pending changes of one kind.
fn pending_of(api: &Api, entity: Entity) -> usize {
    api.store()
        .pending_changes(0, 10_000)
        .unwrap()
        .iter()
        .filter(|c| c.entity == entity)
        .count()
}

#[test]
fn a_referral_out_and_its_return_are_two_records_and_bad_input_saves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut api = Api::new(store_at(&dir.path().join("jiayi.sqlite3")), Lang::Zh);
    let (household, members) = register(&mut api, "东庄村", 1);
    sign(&mut api, household, &members);

    let refused = |api: &mut Api, request: ReferralOutRequest| {
        let e = api.record_referral_out(&request).unwrap_err();
        (e.code, e.message)
    };
    let (code, message) = refused(
        &mut api,
        ReferralOutRequest {
            to_institution: "  ".into(),
            ..referral_out(members[0])
        },
    );
    assert_eq!(
        (code.as_str(), message.as_str()),
        ("required", "请填写转入机构")
    );
    let (code, message) = refused(
        &mut api,
        ReferralOutRequest {
            referred_on: Some(day(1950, 1, 1)),
            ..referral_out(members[0])
        },
    );
    assert_eq!(code, "invalid_date");
    assert!(message.contains("出生日期"), "{message}");
    let (code, _) = refused(
        &mut api,
        ReferralOutRequest {
            reason: "头晕".repeat(101),
            ..referral_out(members[0])
        },
    );
    assert_eq!(code, "too_long");
    let (code, message) = refused(
        &mut api,
        ReferralOutRequest {
            doctor_id: Some(Uuid::from_u128(99)),
            ..referral_out(members[0])
        },
    );
    assert_eq!(code, "served_by_not_in_team", "{message}");
    assert_eq!(pending_of(&api, Entity::ReferralOut), 0, "nothing saved");

    let out = api.record_referral_out(&referral_out(members[0])).unwrap();
    assert_eq!(out.to_institution, "县人民医院心内科", "kept trimmed");
    assert_eq!(
        (out.doctor_id, out.doctor_name.as_str()),
        (Some(DOCTOR), "刘医生"),
        "the contract's doctor when none is named"
    );
    assert_eq!(out.urgency_label, "紧急");
    assert!(out.open && out.back.is_none());

    let e = api
        .record_referral_back(&ReferralBackRequest {
            returned_on: Some(out.referred_on.pred_opt().unwrap()),
            ..referral_back(out.referral_id)
        })
        .unwrap_err();
    assert_eq!(e.code, "invalid_date");
    assert!(e.message.contains("早于转出日期"), "{}", e.message);
    let e = api
        .record_referral_back(&referral_back(Uuid::from_u128(7)))
        .unwrap_err();
    assert_eq!(e.code, "not_found");
    assert_eq!(e.message, "找不到转出记录");

    let back = api
        .record_referral_back(&ReferralBackRequest {
            doctor_id: Some(NURSE),
            ..referral_back(out.referral_id)
        })
        .unwrap();
    assert!(!back.open);
    let returned = back.back.as_ref().expect("the return");
    assert_eq!(returned.doctor_name, "陈护士");
    let e = api
        .record_referral_back(&referral_back(out.referral_id))
        .unwrap_err();
    assert_eq!(e.code, "referral_closed");

    // A second referral stays open; the list is newest first.
    let second = api
        .record_referral_out(&ReferralOutRequest {
            resident_id: members[1],
            urgency: None,
            ..referral_out(members[1])
        })
        .unwrap();
    let listed = api.household_referrals(household).unwrap();
    assert_eq!(
        listed
            .iter()
            .map(|r| (r.referral_id, r.open))
            .collect::<Vec<_>>(),
        vec![(second.referral_id, true), (out.referral_id, false)]
    );
    assert_eq!(listed[1].back, back.back);
    assert_eq!(listed[0].resident_name, "李梅1");

    // History, not edits: three records, three changes, each in the audit log.
    assert_eq!(pending_of(&api, Entity::ReferralOut), 2);
    assert_eq!(pending_of(&api, Entity::ReferralBack), 1);
    let audited = api.audit_log(100).unwrap();
    for id in [out.referral_id, second.referral_id, returned.back_id] {
        assert!(
            audited.iter().any(|a| a.entry.entity_id == id.to_string()),
            "{id} audited"
        );
    }
    api.set_lang(Lang::En);
    let e = api
        .record_referral_back(&referral_back(out.referral_id))
        .unwrap_err();
    assert_eq!(
        e.message,
        "this referral was already closed by a referral back"
    );
}

#[test]
fn a_referral_recorded_on_one_device_comes_back_on_another() {
    let t = Township::sqlite(small());
    let mut a = Device::new(&t, "刘医生", &[V1]);
    let mut b = Device::new(&t, "周医生", &[V1]);
    let (household, members) = register(&mut a.api, "东庄村", 1);
    sign(&mut a.api, household, &members);
    let out = a
        .api
        .record_referral_out(&referral_out(members[0]))
        .unwrap();
    a.sync().unwrap();

    let pulled = b.sync().unwrap();
    assert_eq!(pulled.refused, 0);
    let on_b = b.api.household_referrals(household).unwrap();
    assert_eq!(on_b.len(), 1);
    assert_eq!(on_b[0].referral_id, out.referral_id);
    assert!(on_b[0].open);

    // The colleague records the return; the first device learns of it.
    b.api
        .record_referral_back(&referral_back(out.referral_id))
        .unwrap();
    assert_eq!(b.sync().unwrap().refused, 0);
    a.sync().unwrap();
    let on_a = a.api.household_referrals(household).unwrap();
    assert!(!on_a[0].open, "closed by the colleague's return");
    let e = a
        .api
        .record_referral_back(&referral_back(out.referral_id))
        .unwrap_err();
    assert_eq!(e.code, "referral_closed");
    // Pulled again, nothing is applied twice.
    assert_eq!(a.sync().unwrap().pulled, 0);
}

fn a_household_moving_takes_its_referrals_and_surveys(t: &Township) {
    let mut east = device_of(t, "刘医生", &team(), V1);
    let mut west = device_of(t, "周医生", &west_team(), V2);
    let (household, members) = register(&mut east.api, "东庄村", 1);
    sign(&mut east.api, household, &members);
    let out = east
        .api
        .record_referral_out(&referral_out(members[0]))
        .unwrap();
    east.api
        .record_referral_back(&referral_back(out.referral_id))
        .unwrap();
    let survey = east
        .api
        .record_survey(&crate::surveys::all_satisfied(
            &east.api, household, members[0],
        ))
        .unwrap();
    east.sync().unwrap();
    west.sync().unwrap();
    assert!(west.api.household_referrals(household).is_err());

    let today = east.api.today();
    east.api
        .move_household(&jiayi_api::HouseholdMove {
            household_id: household,
            village: "西庄村".into(),
            group: None,
            address: Some("西庄村一组8号".into()),
            on: today,
        })
        .unwrap();
    assert_eq!(east.sync().unwrap().refused, 0);
    west.sync().unwrap();

    let referrals = west.api.household_referrals(household).unwrap();
    assert_eq!(referrals.len(), 1, "the referral followed the household");
    assert!(referrals[0].back.is_some(), "and its return");
    let surveys = west.api.household_surveys(household).unwrap();
    assert_eq!(
        surveys.iter().map(|s| s.survey_id).collect::<Vec<_>>(),
        vec![survey.survey_id]
    );
}

#[test]
fn a_household_moving_takes_its_referrals_and_surveys_on_sqlite() {
    a_household_moving_takes_its_referrals_and_surveys(&Township::sqlite(small()));
}

#[test]
fn a_household_moving_takes_its_referrals_and_surveys_on_postgres() {
    let Some(pg) = jiayi_testkit::pg::PgCluster::start() else {
        return;
    };
    a_household_moving_takes_its_referrals_and_surveys(&Township::on(
        &pg.database("services"),
        small(),
    ));
}
