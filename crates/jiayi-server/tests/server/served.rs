//! Services per team member on the township server: a device records follow-ups by the nurse
//! and by the doctor, syncs them, and the server counts each person's services as the device
//! does, on SQLite and PostgreSQL; the dashboard's doctor rows show them.

use chrono::{Datelike, NaiveDate, Utc};
use jiayi_api::{Api, ReportRequest, VisitRequest};
use jiayi_core::Lang;
use jiayi_core::household::{Team, TeamMember, TeamRole, Village};
use jiayi_core::indicators::{IndicatorKind, Level, Params, Period, compute};
use jiayi_core::person::Relation;
use jiayi_core::time::{china_date, china_noon};
use jiayi_core::visit::VisitMode;
use jiayi_sync::protocol::Limits;
use jiayi_testkit::township::{Township, admin_get};
use jiayi_testkit::{self as kit, contract, household, register_outcome};
use uuid::Uuid;

use crate::indicators::{enrolled_transport, publish_teams};

const DOCTOR: u128 = 0x5E_0002;
const NURSE: u128 = 0x5E_0003;

fn id(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

/// (member, residents answered for, services delivered) per team member of the team, and the
/// hypertension standard management (numerator, denominator), from the device and the server.
type PerMember = (Vec<(Uuid, u64, u64)>, (u64, u64));

fn per_member_of_device(api: &Api, period: &str) -> PerMember {
    let report = api
        .report(&ReportRequest {
            period: Some(period.into()),
            level: Some(Level::Doctor),
            reference: None,
        })
        .unwrap();
    let mut rows: Vec<(Uuid, u64, u64)> = report
        .rows
        .iter()
        .filter_map(|r| {
            let residents = r.figure("signing").map_or(0, |f| f.denominator);
            Some((r.id?, residents, r.services))
        })
        .collect();
    rows.sort();
    let managed = report
        .total
        .figure("hypertension_standard_management")
        .unwrap();
    (rows, (managed.numerator, managed.denominator))
}

fn per_member_of_server(t: &Township, period: &str) -> PerMember {
    let server = jiayi_server::indicators::dataset(t.storage().as_ref()).unwrap();
    assert_eq!(server.unreadable, 0, "every payload reads");
    let params = Params {
        period: Period::parse(period).unwrap(),
        reference: china_date(Utc::now()),
    };
    let report = compute(&server.dataset, &params, &Default::default(), Level::Doctor);
    let mut rows: Vec<(Uuid, u64, u64)> = report
        .units
        .iter()
        .filter_map(|u| {
            let residents = u
                .figure(IndicatorKind::Signing)
                .map_or(0, |f| f.denominator);
            Some((u.id?, residents, u.services))
        })
        .collect();
    rows.sort();
    let total = compute(
        &server.dataset,
        &params,
        &Default::default(),
        Level::Township,
    );
    let managed = total
        .total
        .figure(IndicatorKind::HypertensionStandardManagement)
        .unwrap();
    (rows, (managed.numerator, managed.denominator))
}

fn services_per_member(t: &Township) {
    let dir = tempfile::tempdir().unwrap();
    let mut api = Api::open(dir.path().join("device.sqlite3"), Lang::Zh).unwrap();
    let village = Village {
        id: id(0x5E_000E),
        code: "140822100299".into(),
        name: "南庄村".into(),
        township: "青山镇".into(),
    };
    let member = |n: u128, name: &str, role: TeamRole| TeamMember {
        id: id(n),
        name: name.into(),
        role,
        phone: "13800000000".into(),
    };
    let team = Team {
        id: id(0x5E_0100),
        name: "南庄团队".into(),
        institution: "青山镇卫生院".into(),
        village_clinic: "南庄村卫生室".into(),
        villages: vec![village.id],
        members: vec![
            member(DOCTOR, "刘医生", TeamRole::FamilyDoctor),
            member(NURSE, "孙护士", TeamRole::Nurse),
        ],
        service_hotline: String::new(),
        complaint_phone: String::new(),
        service_hours: String::new(),
    };
    api.store_mut().put_village(&village).unwrap();
    api.store_mut().put_team(&team).unwrap();

    // 张三, hypertensive, signed on 1 January; four follow-ups since, before today.
    let year = china_date(Utc::now()).year();
    let day = |m: u32, d: u32| NaiveDate::from_ymd_opt(year, m, d).unwrap();
    let registered = register_outcome(
        &mut api,
        household("南庄村", "一组", "南庄村一组1号").member(
            kit::member("张三", Relation::Head)
                .born(NaiveDate::from_ymd_opt(1955, 4, 1).unwrap(), 131)
                .groups(&["hypertension"]),
        ),
    );
    let zhang = registered.resident_ids[0];
    contract(registered.household_id.unwrap(), &[zhang])
        .on(day(1, 1))
        .without_signatures()
        .sign(&mut api)
        .unwrap();
    // The nurse twice at home, the doctor (the default) once at the clinic and once by phone.
    for (on, mode, served_by) in [
        (day(1, 10), VisitMode::Home, Some(id(NURSE))),
        (day(1, 20), VisitMode::Home, Some(id(NURSE))),
        (day(2, 1), VisitMode::Clinic, None),
        (day(2, 10), VisitMode::Phone, Some(id(DOCTOR))),
    ] {
        api.record_visit(&VisitRequest {
            mode,
            served_by,
            occurred_at: Some(china_noon(on)),
            ..kit::follow_up(zhang, (130, 80))
        })
        .unwrap();
    }

    let store = api.store_mut();
    let transport = enrolled_transport(t, store);
    jiayi_sync::sync(
        store,
        &transport,
        Utc::now().timestamp_millis(),
        &mut |_| {},
    )
    .unwrap();
    assert_eq!(store.pending_count().unwrap(), 0, "everything uploaded");
    publish_teams(t.storage().as_ref(), &store.teams().unwrap());
    t.storage()
        .put_villages(std::slice::from_ref(&village))
        .unwrap();

    let period = year.to_string();
    let expected: PerMember = (vec![(id(DOCTOR), 1, 2), (id(NURSE), 0, 2)], (0, 1));
    assert_eq!(
        per_member_of_device(&api, &period),
        expected,
        "the device: the doctor answers for 张三, each delivered two; the phone call does not \
         count toward standard management"
    );
    assert_eq!(
        per_member_of_server(t, &period),
        expected,
        "the server agrees"
    );

    let (status, html) = admin_get(&format!(
        "{}/dashboard?period={period}&level=doctor",
        t.base()
    ));
    assert_eq!(status, 200, "{html}");
    let nurse_row = html
        .split("<tr>")
        .find(|row| row.contains("孙护士"))
        .expect("the nurse has a row");
    assert!(
        nurse_row.contains("<td class=\"num services\">2</td>"),
        "{nurse_row}"
    );
    assert!(html.contains("服务人次"));
}

#[test]
fn sqlite_server_counts_services_per_team_member() {
    services_per_member(&Township::sqlite(Limits::default()));
}

#[test]
fn postgres_server_counts_services_per_team_member() {
    let Some(pg) = jiayi_testkit::pg::PgCluster::start() else {
        return;
    };
    services_per_member(&Township::on(&pg.database("served"), Limits::default()));
}
