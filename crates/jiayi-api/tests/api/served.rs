//! Who served at a visit and how: the person is checked against the team answering for the
//! resident that day, reports count services per team member by who served, and only
//! face-to-face follow-ups count toward standard management.

use chrono::NaiveDate;
use jiayi_api::{Api, FixedClock, ReportRequest, VisitRequest};
use jiayi_core::Lang;
use jiayi_core::household::{Team, TeamMember, TeamRole, Village};
use jiayi_core::indicators::Level;
use jiayi_core::person::Relation;
use jiayi_core::time::china_noon;
use jiayi_core::visit::VisitMode;
use jiayi_store::Store;
use jiayi_testkit::{self as kit, contract, household, register_outcome};
use uuid::Uuid;

const LEADER: u128 = 1;
const DOCTOR: u128 = 2;
const NURSE: u128 = 3;
const PUBLIC_HEALTH: u128 = 4;
const OTHER_TEAMS_NURSE: u128 = 13;

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn id(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

fn team(n: u128, name: &str, village: Uuid, members: &[(u128, &str, TeamRole)]) -> Team {
    Team {
        id: id(n),
        name: name.into(),
        institution: "青山镇卫生院".into(),
        village_clinic: format!("{name}卫生室"),
        villages: vec![village],
        members: members
            .iter()
            .map(|(m, name, role)| TeamMember {
                id: id(*m),
                name: (*name).into(),
                role: *role,
                phone: "13800000000".into(),
            })
            .collect(),
        service_hotline: String::new(),
        complaint_phone: String::new(),
        service_hours: String::new(),
    }
}

/// 东庄村 with its team (leader, family doctor, nurse, public-health worker) and 西庄村 with
/// another; 张三, hypertensive, signed on 2026-01-01 in 东庄村.
fn town() -> (Api, tempfile::TempDir, Uuid, Uuid) {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path().join("jiayi.sqlite3")).unwrap();
    let (east, west) = (id(0xE), id(0xF));
    for (v, code, name) in [
        (east, "140822100200", "东庄村"),
        (west, "140822100201", "西庄村"),
    ] {
        store
            .put_village(&Village {
                id: v,
                code: code.into(),
                name: name.into(),
                township: "青山镇".into(),
            })
            .unwrap();
    }
    store
        .put_team(&team(
            100,
            "东庄团队",
            east,
            &[
                (LEADER, "赵建国", TeamRole::Leader),
                (DOCTOR, "刘医生", TeamRole::FamilyDoctor),
                (NURSE, "孙护士", TeamRole::Nurse),
                (PUBLIC_HEALTH, "钱公卫", TeamRole::PublicHealth),
            ],
        ))
        .unwrap();
    store
        .put_team(&team(
            200,
            "西庄团队",
            west,
            &[
                (11, "吴医生", TeamRole::FamilyDoctor),
                (OTHER_TEAMS_NURSE, "郑护士", TeamRole::Nurse),
            ],
        ))
        .unwrap();
    let mut api = Api::with_clock(
        store,
        Lang::Zh,
        Box::new(FixedClock(china_noon(day(2025, 12, 20)))),
    );
    let registered = register_outcome(
        &mut api,
        household("东庄村", "三组", "东庄村三组5号").member(
            kit::member("张三", Relation::Head)
                .born(day(1955, 4, 1), 131)
                .groups(&["hypertension"]),
        ),
    );
    let (household_id, zhang) = (registered.household_id.unwrap(), registered.resident_ids[0]);
    api.set_clock(Box::new(FixedClock(china_noon(day(2026, 1, 1)))));
    contract(household_id, &[zhang])
        .on(day(2026, 1, 1))
        .without_signatures()
        .sign(&mut api)
        .unwrap();
    (api, dir, household_id, zhang)
}

fn visit(
    api: &mut Api,
    resident: Uuid,
    on: NaiveDate,
    mode: VisitMode,
    served_by: Option<u128>,
) -> jiayi_api::ApiResult<jiayi_api::VisitOutcome> {
    api.set_clock(Box::new(FixedClock(china_noon(on))));
    api.record_visit(&VisitRequest {
        mode,
        served_by: served_by.map(id),
        ..kit::follow_up(resident, (130, 80))
    })
}

/// Per team member (name, residents answered for, services delivered), the township's services,
/// and the hypertension standard management (numerator, denominator), for 2026.
type DoctorRows = (Vec<(String, u64, u64)>, u64, (u64, u64));

fn doctor_rows(api: &mut Api) -> DoctorRows {
    api.set_clock(Box::new(FixedClock(china_noon(day(2027, 1, 10)))));
    let report = api
        .report(&ReportRequest {
            period: Some("2026".into()),
            level: Some(Level::Doctor),
            reference: None,
        })
        .unwrap();
    let rows = report
        .rows
        .iter()
        .map(|r| {
            let residents = r.figure("signing").map_or(0, |f| f.denominator);
            (r.name.clone(), residents, r.services)
        })
        .collect();
    let managed = report
        .total
        .figure("hypertension_standard_management")
        .unwrap();
    (
        rows,
        report.total.services,
        (managed.numerator, managed.denominator),
    )
}

#[test]
fn services_count_for_who_served_and_phone_follow_ups_not_for_standard_management() {
    let (mut api, _dir, household_id, zhang) = town();

    // The form proposes the contract's doctor (no doctor is enrolled on this device).
    let offered = api.visit_team(zhang, Some(day(2026, 2, 1))).unwrap();
    assert_eq!(offered.team_name, "东庄团队");
    assert_eq!(offered.members.len(), 4, "every role may serve");
    assert_eq!(offered.default_member, Some(id(DOCTOR)));
    assert!(
        offered
            .members
            .iter()
            .any(|m| m.id == id(NURSE) && m.role_label == "护士")
    );

    // Two home follow-ups by the nurse, one at the clinic by the doctor (the default), one by
    // phone by the doctor: three face-to-face days, not the four of standard management.
    visit(
        &mut api,
        zhang,
        day(2026, 2, 1),
        VisitMode::Home,
        Some(NURSE),
    )
    .unwrap();
    visit(
        &mut api,
        zhang,
        day(2026, 5, 1),
        VisitMode::Home,
        Some(NURSE),
    )
    .unwrap();
    visit(&mut api, zhang, day(2026, 8, 1), VisitMode::Clinic, None).unwrap();
    visit(
        &mut api,
        zhang,
        day(2026, 11, 1),
        VisitMode::Phone,
        Some(DOCTOR),
    )
    .unwrap();

    // A nurse of another team is refused, in both languages, and nothing is saved.
    let before = api.store().visit_count().unwrap();
    let refused = visit(
        &mut api,
        zhang,
        day(2026, 11, 2),
        VisitMode::Home,
        Some(OTHER_TEAMS_NURSE),
    )
    .unwrap_err();
    assert_eq!(refused.code, "served_by_not_in_team");
    assert!(refused.message.contains("东庄团队"), "{}", refused.message);
    assert_eq!(api.store().visit_count().unwrap(), before, "nothing saved");
    api.set_lang(Lang::En);
    let refused = visit(&mut api, zhang, day(2026, 11, 2), VisitMode::Home, Some(99)).unwrap_err();
    assert!(
        refused.message.contains("not a member"),
        "{}",
        refused.message
    );
    api.set_lang(Lang::Zh);
    assert_eq!(api.store().visit_count().unwrap(), before, "nothing saved");

    // 刘医生 answers for 张三 and delivered two services; 孙护士 answers for nobody and
    // delivered two.
    let (rows, total, managed) = doctor_rows(&mut api);
    assert_eq!(
        rows,
        vec![("刘医生".to_string(), 1, 2), ("孙护士".to_string(), 0, 2),],
        "residents answered for and services delivered, per team member"
    );
    assert_eq!(total, 4);
    assert_eq!(managed, (0, 1), "the phone follow-up does not count");

    // The household page shows who served and how.
    let listed = api.household_visits(household_id).unwrap();
    let shown: Vec<(&str, &str, &str)> = listed
        .iter()
        .map(|v| {
            (
                v.served_by_name.as_str(),
                v.served_by_role.as_str(),
                v.mode_label.as_str(),
            )
        })
        .collect();
    assert_eq!(
        shown,
        vec![
            ("刘医生", "家庭医生", "电话"),
            ("刘医生", "家庭医生", "门诊"),
            ("孙护士", "护士", "入户"),
            ("孙护士", "护士", "入户"),
        ],
        "newest first"
    );

    // A fourth face-to-face follow-up, by the public-health worker: now standard managed.
    visit(
        &mut api,
        zhang,
        day(2026, 12, 1),
        VisitMode::Home,
        Some(PUBLIC_HEALTH),
    )
    .unwrap();
    let (rows, total, managed) = doctor_rows(&mut api);
    assert_eq!(total, 5);
    assert_eq!(managed, (1, 1));
    assert!(rows.contains(&("钱公卫".to_string(), 0, 1)), "{rows:?}");
}
