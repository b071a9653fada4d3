//! The month the dashboard's tests look at: one real device with two teams records last
//! month's visits (among them each kind of suspicious data) and syncs them to the township.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, Datelike, Days, Months, NaiveDate, TimeZone, Utc};
use jiayi_api::{Api, Clock, VisitRequest};
use jiayi_core::Lang;
use jiayi_core::household::{Team, TeamMember, TeamRole, Village};
use jiayi_core::person::Relation;
use jiayi_core::time::{china_date, china_offset};
use jiayi_core::visit::{VisitMode, Vitals};
use jiayi_server::storage::Enrollment;
use jiayi_sync::http::HttpTransport;
use jiayi_testkit::township::Township;
use jiayi_testkit::{self as kit, contract, household, register};
use uuid::Uuid;

use crate::indicators::publish_teams;

pub(super) const DOC_A: u128 = 0xDA_0002;
const NURSE_A: u128 = 0xDA_0003;
pub(super) const DOC_B: u128 = 0xDB_0002;
const EAST: u128 = 0xDA_000E;
const WEST: u128 = 0xDB_000E;
const NORTH: u128 = 0xDB_000F;

pub(super) fn id(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

/// A clock the test moves: the device stamps what it enters with it.
struct TestClock(Arc<AtomicI64>);

impl Clock for TestClock {
    fn now(&self) -> DateTime<Utc> {
        DateTime::from_timestamp_millis(self.0.load(Ordering::SeqCst)).unwrap_or_default()
    }
}

/// Local (China Standard Time) `day` at `hour:minute`, as UTC.
fn at(day: NaiveDate, hour: u32, minute: u32) -> DateTime<Utc> {
    china_offset()
        .from_local_datetime(&day.and_hms_opt(hour, minute, 0).unwrap())
        .unwrap()
        .with_timezone(&Utc)
}

/// What the scenario made, for the checks.
pub(super) struct Scenario {
    /// The month the visits are in: last month.
    pub month: NaiveDate,
    /// 东庄村's residents: the three with identical readings, then the one seen at night.
    pub east: Vec<(Uuid, String)>,
    /// A visit of the first of them.
    pub a_visit: Uuid,
}

fn team(n: u128, name: &str, clinic: &str, villages: &[u128], members: Vec<TeamMember>) -> Team {
    Team {
        id: id(n),
        name: name.into(),
        institution: "青山镇卫生院".into(),
        village_clinic: clinic.into(),
        villages: villages.iter().map(|v| id(*v)).collect(),
        members,
        service_hotline: String::new(),
        complaint_phone: String::new(),
        service_hours: String::new(),
    }
}

fn member(n: u128, name: &str, role: TeamRole) -> TeamMember {
    TeamMember {
        id: id(n),
        name: name.into(),
        role,
        phone: "13800000000".into(),
    }
}

/// A device with two teams: 东庄村 alone (刘医生, 孙护士) and 西庄村 with 北坡村 (王医生).
/// Last month, 刘医生 saw three residents with the very same readings one morning and a
/// fourth at 02:30; 王医生 went from 西庄村 to 北坡村 in five minutes and recorded 85 visits
/// on one day; 孙护士 entered ten visits on the month's last evening. The township named
/// 西庄村 and 北坡村 by hand; 东庄村 only has its clinic's name in the teams it published.
pub(super) fn scenario(t: &Township, dir: &Path) -> Scenario {
    let today = china_date(Utc::now());
    let month = (today.with_day(1).unwrap() - Days::new(1))
        .with_day(1)
        .unwrap();
    let day = |d: u32| month.with_day(d).unwrap();
    let last = month + Months::new(1) - Days::new(1);
    let clock = Arc::new(AtomicI64::new(at(day(1), 8, 0).timestamp_millis()));
    let set = |when: DateTime<Utc>| clock.store(when.timestamp_millis(), Ordering::SeqCst);
    let store = jiayi_store::Store::open(dir.join("device.sqlite3")).unwrap();
    let mut api = Api::with_clock(store, Lang::Zh, Box::new(TestClock(clock.clone())));
    let village = |n: u128, code: &str, name: &str| Village {
        id: id(n),
        code: code.into(),
        name: name.into(),
        township: "青山镇".into(),
    };
    let villages = [
        village(EAST, "140822100301", "东庄村"),
        village(WEST, "140822100302", "西庄村"),
        village(NORTH, "140822100303", "北坡村"),
    ];
    let teams = [
        team(
            0xDA_0100,
            "东庄团队",
            "东庄村卫生室",
            &[EAST],
            vec![
                member(DOC_A, "刘医生", TeamRole::FamilyDoctor),
                member(NURSE_A, "孙护士", TeamRole::Nurse),
            ],
        ),
        team(
            0xDB_0100,
            "西北团队",
            "联合卫生室",
            &[WEST, NORTH],
            vec![member(DOC_B, "王医生", TeamRole::FamilyDoctor)],
        ),
    ];
    for v in &villages {
        api.store_mut().put_village(v).unwrap();
    }
    for team in &teams {
        api.store_mut().put_team(team).unwrap();
    }
    let mut seq = 100u16;
    let mut people = |village: &str, names: &[&str]| -> Vec<(Uuid, String)> {
        let mut out = Vec::new();
        for (i, name) in names.iter().enumerate() {
            seq += 1;
            let (household_id, residents) = register(
                &mut api,
                household(village, "一组", format!("{village}一组{}号", i + 1)).member(
                    kit::member(*name, Relation::Head)
                        .born(NaiveDate::from_ymd_opt(1950, 3, 1 + i as u32).unwrap(), seq)
                        .groups(&["hypertension"]),
                ),
            );
            contract(household_id, &residents)
                .on(day(1))
                .without_signatures()
                .sign(&mut api)
                .unwrap();
            out.push((residents[0], name.to_string()));
        }
        out
    };
    let east = people("东庄村", &["张一山", "李二梅", "赵三强", "钱四海"]);
    let west = people("西庄村", &["孙五福"]);
    let north = people("北坡村", &["周六顺"]);
    let mut visit = |resident: Uuid, when: DateTime<Utc>, by: u128, vitals: Vitals| {
        set(when + chrono::Duration::minutes(5));
        api.record_visit(&VisitRequest {
            occurred_at: Some(when),
            served_by: Some(id(by)),
            mode: VisitMode::Home,
            vitals,
            ..kit::follow_up(resident, (0, 0))
        })
        .unwrap()
        .visit_id
    };
    let same = Vitals {
        systolic_mmhg: Some(128),
        diastolic_mmhg: Some(82),
        heart_rate_bpm: Some(76),
        ..Vitals::default()
    };
    let a_visit = visit(east[0].0, at(day(5), 9, 0), DOC_A, same);
    visit(east[1].0, at(day(5), 10, 0), DOC_A, same);
    visit(east[2].0, at(day(5), 11, 0), DOC_A, same);
    let bp = |s: u16| Vitals {
        systolic_mmhg: Some(s),
        diastolic_mmhg: Some(80),
        ..Vitals::default()
    };
    visit(east[3].0, at(day(6), 2, 30), DOC_A, bp(135));
    visit(west[0].0, at(day(7), 9, 0), DOC_B, bp(131));
    visit(north[0].0, at(day(7), 9, 5), DOC_B, bp(132));
    for i in 0..85u32 {
        let minute = 6 * 60 + i * 5;
        visit(
            west[0].0,
            at(day(8), minute / 60, minute % 60),
            DOC_B,
            bp(120 + (i % 20) as u16),
        );
    }
    // 孙护士's ten visits of the month, all entered on its last evening.
    for i in 0..10u32 {
        set(at(last, 20, i));
        api.record_visit(&VisitRequest {
            occurred_at: Some(at(day(10 + i), 10, 0)),
            served_by: Some(id(NURSE_A)),
            mode: VisitMode::Home,
            ..kit::follow_up(east[(i % 4) as usize].0, (125, 80))
        })
        .unwrap();
    }
    set(Utc::now());

    let store = api.store_mut();
    let enrolled = t
        .storage()
        .enroll(
            &Enrollment {
                device_id: Some(store.device_id()),
                doctor_name: "刘医生".into(),
                team_name: "东庄团队".into(),
                villages: villages.iter().map(|v| v.id).collect(),
                label: "刘医生的笔记本".into(),
                awaiting_code: None,
            },
            Utc::now(),
        )
        .unwrap();
    let transport = HttpTransport::new(&t.base(), &enrolled.token).unwrap();
    for _ in 0..20 {
        if store.pending_count().unwrap() == 0 {
            break;
        }
        jiayi_sync::sync(
            store,
            &transport,
            Utc::now().timestamp_millis(),
            &mut |_| {},
        )
        .unwrap();
    }
    assert_eq!(store.pending_count().unwrap(), 0, "everything uploaded");
    publish_teams(t.storage().as_ref(), &teams);
    t.storage().put_villages(&villages[1..]).unwrap();
    Scenario {
        month,
        east,
        a_visit,
    }
}
