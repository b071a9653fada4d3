//! The doctor's workflows through the API, on a temp-file store with a stopped clock.

use chrono::{DateTime, Days, NaiveDate, Utc};
use jiayi_api::{
    Api, ChangeDoctorRequest, FixedClock, MemberChoice, SignRequest, TerminateRequest, VisitRequest,
};
use jiayi_core::Lang;
use jiayi_core::agreement::{sha256_hex, verification_code};
use jiayi_core::contract::{ContractStatus, TerminationReason};
use jiayi_core::household::{HouseholdInput, Team, TeamMember, TeamRole, Village};
use jiayi_core::person::Relation;
use jiayi_core::time::china_noon;
use jiayi_core::visit::{VisitMode, Vitals};
use jiayi_store::Store;
use jiayi_testkit::{contract, follow_up, head, household, member, register_request, tiny_png};
use uuid::Uuid;

pub(crate) struct Fixture {
    pub(crate) api: Api,
    _dir: tempfile::TempDir,
    team: Team,
}

pub(crate) fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

pub(crate) fn at(d: NaiveDate) -> DateTime<Utc> {
    china_noon(d)
}

pub(crate) fn fixture(today: NaiveDate) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path().join("jiayi.sqlite3")).unwrap();
    let village = Village {
        id: Uuid::now_v7(),
        code: "140822100200".into(),
        name: "东庄村".into(),
        township: "青山镇".into(),
    };
    store.put_village(&village).unwrap();
    let member = |n: u128, name: &str, role| TeamMember {
        id: Uuid::from_u128(n),
        name: name.into(),
        role,
        phone: "13800000000".into(),
    };
    let team = Team {
        id: Uuid::from_u128(100),
        name: "东庄村家庭医生团队".into(),
        institution: "青山镇卫生院".into(),
        village_clinic: "东庄村卫生室".into(),
        villages: vec![village.id],
        members: vec![
            member(1, "赵建国", TeamRole::Leader),
            member(2, "刘医生", TeamRole::FamilyDoctor),
            member(3, "陈护士", TeamRole::Nurse),
            member(4, "孙公卫", TeamRole::PublicHealth),
            member(5, "周医生", TeamRole::FamilyDoctor),
        ],
        service_hotline: "0359-4561120".into(),
        complaint_phone: "0359-4561234".into(),
        service_hours: "8:00-18:00".into(),
    };
    store.put_team(&team).unwrap();
    let api = Api::with_clock(store, Lang::Zh, Box::new(FixedClock(at(today))));
    Fixture {
        api,
        _dir: dir,
        team,
    }
}

fn household_input() -> HouseholdInput {
    household("东庄村", "三组", "东庄村三组5号")
        .member(
            head("张三")
                .born(day(1955, 4, 1), 131)
                .phone("13812345678")
                .groups(&["hypertension"]),
        )
        .member(member("李梅", Relation::Spouse).born(day(1958, 9, 9), 222))
        .member(member("张小军", Relation::Child).born(day(1990, 1, 2), 333))
        .build()
}

pub(crate) fn register(api: &mut Api) -> (Uuid, Vec<Uuid>) {
    jiayi_testkit::register(api, household_input())
}

pub(crate) fn sign(
    api: &mut Api,
    household: Uuid,
    members: &[Uuid],
    paid: &[&str],
) -> jiayi_api::ApiResult<jiayi_api::SignOutcome> {
    contract(household, members).paid_for_first(paid).sign(api)
}

#[test]
fn registering_twice_warns_and_saves_nothing_until_confirmed() {
    let mut f = fixture(day(2026, 3, 1));
    register(&mut f.api);
    let again = f
        .api
        .register_household(&register_request(household_input()))
        .unwrap();
    assert!(!again.saved);
    assert_eq!(
        again.duplicates.len(),
        3,
        "each member is already registered"
    );
    assert_eq!(f.api.status().unwrap().households, 1);
}

#[test]
fn bad_input_names_the_member_and_saves_nothing() {
    let mut f = fixture(day(2026, 3, 1));
    let mut input = household_input();
    input.members[2].id_number = Some("140822199001023339".into());
    let err = f
        .api
        .register_household(&register_request(input))
        .unwrap_err();
    assert_eq!(err.code, "invalid_id_number");
    assert_eq!(err.member_index, Some(2));
    assert!(err.message.contains("校验位"), "{}", err.message);
    assert_eq!(f.api.status().unwrap().households, 0);
    f.api.set_lang(Lang::En);
    let mut input = household_input();
    input.members[0].phone = Some("12345".into());
    let err = f
        .api
        .register_household(&register_request(input))
        .unwrap_err();
    assert_eq!(
        (err.code.as_str(), err.member_index),
        ("invalid_phone", Some(0))
    );
    assert!(
        err.message.starts_with("invalid phone number"),
        "{}",
        err.message
    );
}

#[test]
fn signing_freezes_the_agreement_with_its_hash() {
    let mut f = fixture(day(2026, 3, 1));
    let (household, members) = register(&mut f.api);
    let preview = f
        .api
        .preview_agreement(&SignRequest {
            household_id: household,
            guardian: None,
            representative_id: None,
            members: vec![MemberChoice {
                resident_id: members[0],
                paid_packages: vec!["paid_chronic_2".into()],
            }],
            team_id: None,
            doctor_id: None,
            signed_on: None,
            resident_signature_png: None,
            doctor_signature_png: None,
        })
        .unwrap();
    let chronic = preview
        .packages
        .iter()
        .find(|p| p.code == "paid_chronic_2")
        .unwrap();
    assert!(
        chronic.items.iter().any(|i| i.code == "chronic_monitoring"),
        "the review shows the lower tier's items too"
    );
    assert!(
        preview.members[0]
            .package_codes
            .contains(&"basic_hypertension".to_string())
    );
    assert_eq!(
        f.api.status().unwrap().contracts,
        0,
        "a preview saves nothing"
    );

    let signed = sign(&mut f.api, household, &members, &["paid_chronic_2"]).unwrap();
    assert!(signed.agreement_number.starts_with("2026-"));
    assert_eq!(
        (signed.term.start, signed.term.end),
        (day(2026, 3, 1), day(2027, 2, 28))
    );
    let snapshot = f.api.contract_snapshot(signed.contract_id).unwrap();
    assert_eq!(snapshot.agreement_number, signed.agreement_number);
    assert_eq!(
        snapshot.sha256(),
        signed.snapshot_sha256,
        "the stored snapshot matches its hash"
    );
    assert_eq!(
        verification_code(&snapshot.sha256()),
        signed.verification_code
    );
    let png = base64_decode(&tiny_png());
    assert_eq!(
        snapshot.resident_signature_sha256.as_deref(),
        Some(sha256_hex(&png).as_str())
    );
    assert_eq!(snapshot.party_a.family_doctor.name, "刘医生");
    assert_eq!(snapshot.party_b.representative_name, "张三");
    assert_eq!(snapshot.total_price().self_pay_fen, 5000);
}

fn base64_decode(text: &str) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .unwrap()
}

#[test]
fn a_resident_is_covered_by_one_contract_at_a_time() {
    let mut f = fixture(day(2026, 3, 1));
    let (household, members) = register(&mut f.api);
    sign(&mut f.api, household, &members[..1], &[]).unwrap();
    let err = sign(&mut f.api, household, &members, &[]).unwrap_err();
    assert_eq!(err.code, "already_covered");
    assert!(err.message.contains("张三"), "{}", err.message);
    // The others can still sign.
    sign(&mut f.api, household, &members[1..], &[]).unwrap();
}

#[test]
fn numbers_stay_unique_and_signatures_must_be_images() {
    let mut f = fixture(day(2026, 3, 1));
    let (household, members) = register(&mut f.api);
    let a = sign(&mut f.api, household, &members[..1], &[]).unwrap();
    let b = sign(&mut f.api, household, &members[1..2], &[]).unwrap();
    assert_ne!(a.agreement_number, b.agreement_number);
    let mut request = SignRequest {
        household_id: household,
        guardian: None,
        representative_id: None,
        members: vec![MemberChoice {
            resident_id: members[2],
            paid_packages: vec![],
        }],
        team_id: None,
        doctor_id: None,
        signed_on: None,
        resident_signature_png: Some("bm90IGEgcG5n".into()),
        doctor_signature_png: None,
    };
    assert_eq!(
        f.api.sign_contract(&request).unwrap_err().code,
        "invalid_signature"
    );
    request.resident_signature_png = None;
    request.members[0].paid_packages = vec!["basic_general".into()];
    assert_eq!(
        f.api.sign_contract(&request).unwrap_err().code,
        "unknown_package",
        "a basic package cannot be bought"
    );
}

#[test]
fn a_visit_fulfils_an_item_and_the_schedule_moves_on() {
    let mut f = fixture(day(2026, 3, 1));
    let (household, members) = register(&mut f.api);
    sign(&mut f.api, household, &members, &[]).unwrap();
    let head = members[0];
    let list = f.api.work_list(Some(day(2026, 3, 2))).unwrap();
    let due_bp = |list: &jiayi_api::WorkList| {
        list.due
            .iter()
            .filter(|d| d.item.resident_id == head && d.item.item_code == "hypertension_follow_up")
            .count()
    };
    assert_eq!(due_bp(&list), 1, "the first quarterly follow-up is due");

    f.api.set_clock(Box::new(FixedClock(at(day(2026, 3, 2)))));
    let outcome = f
        .api
        .record_visit(&VisitRequest {
            notes: "头晕减轻".into(),
            ..follow_up(head, (150, 92))
        })
        .unwrap();
    assert_eq!(outcome.bp_on_target, Some(false));
    assert_eq!(
        outcome.recorded_at,
        at(day(2026, 3, 2)),
        "the device stamps the time"
    );
    let next = outcome.next_due.unwrap();
    assert_eq!((next.occurrence, next.opens_on), (2, day(2026, 5, 31)));
    let list = f.api.work_list(Some(day(2026, 3, 2))).unwrap();
    assert_eq!(due_bp(&list), 0, "done for this quarter");

    let err = f
        .api
        .record_visit(&VisitRequest {
            resident_id: members[2],
            item_code: Some("hypertension_follow_up".into()),
            kind: None,
            mode: VisitMode::Clinic,
            occurred_at: None,
            vitals: Vitals::default(),
            notes: String::new(),
            served_by: None,
            answers: Default::default(),
        })
        .unwrap_err();
    assert_eq!(err.code, "item_not_in_contract");
    let err = f
        .api
        .record_visit(&VisitRequest {
            mode: VisitMode::Clinic,
            ..follow_up(head, (1200, 80))
        })
        .unwrap_err();
    assert_eq!(err.code, "invalid_vitals");
    assert!(err.message.contains("收缩压"), "{}", err.message);
}

#[test]
fn renewal_change_of_doctor_and_termination() {
    let mut f = fixture(day(2026, 3, 1));
    let (household, members) = register(&mut f.api);
    let first = sign(&mut f.api, household, &members, &[]).unwrap();

    // Within the last 30 days the work list reminds the doctor.
    let reminder = f.api.work_list(Some(day(2027, 2, 10))).unwrap();
    assert!(
        reminder
            .renewals
            .iter()
            .any(|r| r.contract_id == first.contract_id)
    );

    // Doctor changes within the team only.
    let other_doctor = f.team.members[4].id;
    f.api
        .change_doctor(&ChangeDoctorRequest {
            contract_id: first.contract_id,
            doctor_id: other_doctor,
            effective_on: None,
            note: String::new(),
        })
        .unwrap();
    assert_eq!(
        f.api.contract_summary(first.contract_id).unwrap().doctor_id,
        other_doctor
    );
    let outsider = f.api.change_doctor(&ChangeDoctorRequest {
        contract_id: first.contract_id,
        doctor_id: Uuid::from_u128(999),
        effective_on: None,
        note: String::new(),
    });
    assert_eq!(outsider.unwrap_err().code, "unknown_doctor");

    // The term ends: the contract renews by itself, nobody acts.
    f.api.set_clock(Box::new(FixedClock(at(day(2027, 3, 2)))));
    let summary = f.api.contract_summary(first.contract_id).unwrap();
    assert_eq!(summary.status, ContractStatus::Active);
    let in_force = summary.term_in_force.expect("renewed by itself");
    assert_eq!(
        (in_force.renewal, in_force.term.start, in_force.term.end),
        (1, day(2027, 3, 1), day(2028, 2, 29))
    );
    assert_eq!(
        f.api.renew_due(day(2027, 3, 2)).unwrap().renewed.len(),
        1,
        "renew-due reports the renewal"
    );

    // A new agreement at renewal (the successor, e.g. with a new team) is allowed after
    // the term end while the contract carries on by itself: it starts the day it is signed,
    // never in the past, and takes over the rest of the renewed term.
    let second = f.api.renew(first.contract_id, false).unwrap();
    assert_eq!(
        (second.term.start, second.term.end),
        (day(2027, 3, 2), day(2028, 2, 29))
    );
    assert_eq!(
        f.api.renew(first.contract_id, false).unwrap_err().code,
        "contract_state",
        "renewed once"
    );
    assert!(
        f.api.renew_due(day(2027, 3, 2)).unwrap().renewed.is_empty(),
        "the successor carries on instead of an automatic renewal"
    );
    assert_eq!(
        f.api.contract_summary(first.contract_id).unwrap().status,
        ContractStatus::Renewed
    );
    assert_eq!(
        f.api
            .contract_snapshot(second.contract_id)
            .unwrap()
            .party_a
            .family_doctor
            .id,
        other_doctor
    );

    // Termination needs both parties.
    let mut request = TerminateRequest {
        contract_id: second.contract_id,
        reason: TerminationReason::MovedOut,
        note: String::new(),
        effective_on: None,
        resident_confirmed: true,
        doctor_confirmed: false,
        resident_signature_png: None,
        doctor_signature_png: None,
    };
    assert_eq!(
        f.api.terminate(&request).unwrap_err().code,
        "confirmation_required"
    );
    request.doctor_confirmed = true;
    let ended = f.api.terminate(&request).unwrap();
    assert_eq!(ended.effective_on, day(2027, 3, 2));
    let summary = f.api.contract_summary(second.contract_id).unwrap();
    assert_eq!(summary.status, ContractStatus::Terminated);
    assert_eq!(
        f.api.terminate(&request).unwrap_err().code,
        "contract_state"
    );
    let after = f.api.work_list(Some(day(2027, 4, 1))).unwrap();
    assert!(
        after
            .due
            .iter()
            .all(|d| d.item.contract_id != second.contract_id),
        "nothing is owed after termination"
    );
    // The household can sign again afterwards.
    f.api
        .set_clock(Box::new(FixedClock(at(day(2027, 3, 2) + Days::new(1)))));
    sign(&mut f.api, household, &members, &[]).unwrap();
}

/// The work list is kept between reads (it is the slowest screen to read): what it shows must
/// still be exactly what the store holds after a write by this connection, by another one (a
/// sync round, the background runner, the CLI), on another day, and narrowed to a village.
#[test]
fn the_work_list_kept_between_reads_follows_every_write_to_the_store() {
    let mut f = fixture(day(2026, 3, 1));
    let (household, members) = register(&mut f.api);
    sign(&mut f.api, household, &members, &[]).unwrap();
    let on = Some(day(2026, 3, 2));
    let first = f.api.work_list(on).unwrap();
    assert!(first.due_count + first.overdue_count > 0, "{first:?}");
    assert_eq!(f.api.work_list(on).unwrap(), first, "nothing written");

    let path = f.api.store().path().unwrap().to_path_buf();
    let connection = || {
        Api::with_clock(
            Store::open(&path).unwrap(),
            Lang::Zh,
            Box::new(FixedClock(at(day(2026, 3, 2)))),
        )
    };
    let mut other = connection();
    other
        .record_visit(&follow_up(members[0], (130, 80)))
        .unwrap();
    let after = f.api.work_list(on).unwrap();
    assert_eq!(after, connection().work_list(on).unwrap(), "as read afresh");
    assert_eq!(
        after.due_count + after.overdue_count + 1,
        first.due_count + first.overdue_count,
        "the other connection's visit fulfilled one item"
    );

    // This connection's own write: a household whose head has high blood pressure, not signed.
    jiayi_testkit::register(
        &mut f.api,
        jiayi_testkit::household("东庄村", "一组", "东庄村一组2号")
            .member(
                head("王五")
                    .born(day(1950, 2, 3), 151)
                    .groups(&["hypertension"]),
            )
            .build(),
    );
    let own = f.api.work_list(on).unwrap();
    assert_eq!(own, connection().work_list(on).unwrap(), "as read afresh");
    assert_eq!(
        own.unsigned_priority_count,
        after.unsigned_priority_count + 1,
        "the new household's head is to be signed first"
    );

    let later = Some(day(2026, 9, 1));
    assert_eq!(
        f.api.work_list(later).unwrap(),
        connection().work_list(later).unwrap(),
        "another day is read for that day"
    );
    let village = first.villages[0].id;
    let narrowed = jiayi_api::WorkListQuery {
        day: on,
        village_id: Some(village),
        limit: Some(1),
    };
    let shown = f.api.work_list_for(&narrowed).unwrap();
    assert_eq!(shown, connection().work_list_for(&narrowed).unwrap());
    assert!(
        shown.households.len() <= 1 && shown.due.len() <= 1,
        "{shown:?}"
    );
}
