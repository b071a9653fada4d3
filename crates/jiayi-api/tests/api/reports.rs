//! Reports through the API on a real store file: the loader's dataset against the core
//! records, figures counted by hand, drill-downs, targets, and Excel files read back.

use chrono::{DateTime, NaiveDate, Utc};
use jiayi_api::{
    Api, ChangeDoctorRequest, DrillDownPageRequest, DrillDownRequest, ExportKind, FixedClock,
    ReportRequest, TerminateRequest, VisitRequest,
};
use jiayi_core::Lang;
use jiayi_core::contract::TerminationReason;
use jiayi_core::household::{Team, TeamMember, TeamRole, Village};
use jiayi_core::id_number::compose;
use jiayi_core::indicators::dataset::{ContractInfo, VisitInfo};
use jiayi_core::indicators::{Level, Targets};
use jiayi_core::person::Relation;
use jiayi_core::time::china_noon;
use jiayi_core::visit::{VisitMode, Vitals};
use jiayi_store::Store;
use jiayi_testkit::{self as kit, Member, contract, household, register_outcome, register_request};
use uuid::Uuid;

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn at(d: NaiveDate) -> DateTime<Utc> {
    china_noon(d)
}

struct Town {
    api: Api,
    dir: tempfile::TempDir,
    /// 张三 (hypertension, head), 李梅, 张小军 in 东庄村; 王五 (diabetes) in 西庄村.
    residents: Vec<Uuid>,
    contract_a: Uuid,
}

fn member(n: u128, name: &str, role: TeamRole) -> TeamMember {
    TeamMember {
        id: Uuid::from_u128(n),
        name: name.into(),
        role,
        phone: "13800000000".into(),
    }
}

fn team(id: u128, name: &str, village: Uuid, members: Vec<TeamMember>) -> Team {
    Team {
        id: Uuid::from_u128(id),
        name: name.into(),
        institution: "青山镇卫生院".into(),
        village_clinic: format!("{name}卫生室"),
        villages: vec![village],
        members,
        service_hotline: "0359-4561120".into(),
        complaint_phone: "0359-4561234".into(),
        service_hours: "8:00-18:00".into(),
    }
}

fn person(name: &str, born: NaiveDate, seq: u16, relation: Relation, groups: &[&str]) -> Member {
    kit::member(name, relation).born(born, seq).groups(groups)
}

fn set_day(api: &mut Api, d: NaiveDate) {
    api.set_clock(Box::new(FixedClock(at(d))));
}

fn sign(api: &mut Api, household: Uuid, members: &[Uuid], on: NaiveDate) -> Uuid {
    set_day(api, on);
    contract(household, members)
        .on(on)
        .without_signatures()
        .sign(api)
        .unwrap()
        .contract_id
}

fn follow_up(api: &mut Api, resident: Uuid, on: NaiveDate, bp: (u16, u16)) {
    set_day(api, on);
    api.record_visit(&kit::follow_up(resident, bp)).unwrap();
}

fn town() -> Town {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path().join("jiayi.sqlite3")).unwrap();
    let east = Village {
        id: Uuid::from_u128(0xE),
        code: "140822100200".into(),
        name: "东庄村".into(),
        township: "青山镇".into(),
    };
    let west = Village {
        id: Uuid::from_u128(0xF),
        code: "140822100201".into(),
        name: "西庄村".into(),
        township: "青山镇".into(),
    };
    store.put_village(&east).unwrap();
    store.put_village(&west).unwrap();
    store
        .put_team(&team(
            100,
            "东庄团队",
            east.id,
            vec![
                member(1, "赵建国", TeamRole::Leader),
                member(2, "刘医生", TeamRole::FamilyDoctor),
                member(5, "周医生", TeamRole::FamilyDoctor),
            ],
        ))
        .unwrap();
    store
        .put_team(&team(
            200,
            "西庄团队",
            west.id,
            vec![
                member(11, "钱卫民", TeamRole::Leader),
                member(12, "吴医生", TeamRole::FamilyDoctor),
            ],
        ))
        .unwrap();
    let mut settings = store.settings().unwrap();
    settings.township = "青山镇".into();
    store.put_settings(&settings).unwrap();
    let mut api = Api::with_clock(store, Lang::Zh, Box::new(FixedClock(at(day(2025, 12, 20)))));

    let a = register_outcome(
        &mut api,
        household("东庄村", "三组", "东庄村三组5号")
            .member(person(
                "张三",
                day(1955, 4, 1),
                131,
                Relation::Head,
                &["hypertension"],
            ))
            .member(person("李梅", day(1958, 9, 9), 222, Relation::Spouse, &[]))
            .member(person("张小军", day(1990, 1, 2), 333, Relation::Child, &[])),
    );
    let b = register_outcome(
        &mut api,
        household("西庄村", "一组", "西庄村一组1号").member(person(
            "王五",
            day(1960, 3, 3),
            151,
            Relation::Head,
            &["diabetes"],
        )),
    );
    let mut residents = a.resident_ids.clone();
    residents.extend(b.resident_ids.clone());
    let (zhang, li, wang) = (residents[0], residents[1], residents[3]);

    let contract_a = sign(
        &mut api,
        a.household_id.unwrap(),
        &[zhang, li],
        day(2026, 1, 1),
    );
    let contract_b = sign(&mut api, b.household_id.unwrap(), &[wang], day(2026, 3, 1));
    follow_up(&mut api, zhang, day(2026, 2, 1), (150, 95));
    follow_up(&mut api, zhang, day(2026, 5, 1), (130, 80));
    set_day(&mut api, day(2026, 6, 20));
    api.change_doctor(&ChangeDoctorRequest {
        contract_id: contract_a,
        doctor_id: Uuid::from_u128(5),
        effective_on: Some(day(2026, 7, 1)),
        note: String::new(),
    })
    .unwrap();
    follow_up(&mut api, zhang, day(2026, 8, 1), (128, 82));
    set_day(&mut api, day(2026, 9, 20));
    api.terminate(&TerminateRequest {
        contract_id: contract_b,
        reason: TerminationReason::MovedOut,
        note: String::new(),
        effective_on: Some(day(2026, 10, 1)),
        resident_confirmed: true,
        doctor_confirmed: true,
        resident_signature_png: None,
        doctor_signature_png: None,
    })
    .unwrap();
    follow_up(&mut api, zhang, day(2026, 11, 1), (135, 85));
    set_day(&mut api, day(2027, 1, 10));
    Town {
        api,
        dir,
        residents,
        contract_a,
    }
}

fn year() -> ReportRequest {
    ReportRequest {
        period: Some("2026".into()),
        level: Some(Level::Village),
        reference: None,
    }
}

#[test]
fn the_loaded_dataset_matches_the_core_records() {
    let t = town();
    let store = t.api.store();
    let ds = store.indicator_dataset().unwrap();
    assert_eq!(ds.villages.len(), 2);
    assert_eq!(ds.households.len(), 2);
    assert_eq!(ds.residents.len(), 4);
    assert_eq!(ds.residents.iter().filter(|r| r.head).count(), 2);
    let catalog = store.current_catalog().unwrap();
    let mut from_core: Vec<ContractInfo> = store
        .all_contracts()
        .unwrap()
        .iter()
        .map(|r| ContractInfo::from_contract(&r.contract, &r.events, &catalog))
        .collect();
    let mut loaded = ds.contracts.clone();
    from_core.sort_by_key(|c| c.id);
    loaded.sort_by_key(|c| c.id);
    assert_eq!(loaded, from_core);
    let a = loaded.iter().find(|c| c.id == t.contract_a).unwrap();
    assert_eq!(a.doctor_on(day(2026, 7, 1)), Uuid::from_u128(5));
    assert!(
        loaded
            .iter()
            .any(|c| c.terminated_on == Some(day(2026, 10, 1)))
    );

    let mut from_visits: Vec<VisitInfo> = t
        .residents
        .iter()
        .flat_map(|r| store.visits_of_resident(*r).unwrap())
        .map(|v| VisitInfo::from_visit(&v))
        .collect();
    let mut loaded_visits = ds.visits.clone();
    from_visits.sort_by_key(|v| v.on);
    loaded_visits.sort_by_key(|v| v.on);
    assert_eq!(loaded_visits, from_visits);
    assert_eq!(
        loaded_visits
            .iter()
            .map(|v| v.bp_on_target)
            .collect::<Vec<_>>(),
        [Some(false), Some(true), Some(true), Some(true)]
    );
}

#[test]
fn the_year_report_counted_by_hand() {
    let t = town();
    let view = t.api.report(&year()).unwrap();
    assert_eq!(view.as_of, day(2026, 12, 31));
    assert_eq!(view.township, "青山镇");
    let total = &view.total;
    let counts = |code: &str| {
        let f = total.figure(code).unwrap_or_else(|| panic!("{code}"));
        (f.numerator, f.denominator)
    };
    // 张三 and 李梅 are covered on 12-31; 王五's contract ended on 10-01; 张小军 never signed.
    assert_eq!(counts("signing"), (2, 4));
    assert_eq!(counts("signing_households"), (1, 2));
    assert_eq!(counts("signing.poverty_registered"), (0, 0));
    // 张三: follow-ups on four days, the last 135/85.
    assert_eq!(counts("hypertension_standard_management"), (1, 1));
    assert_eq!(counts("hypertension_control"), (1, 1));
    // 王五's diabetes is under management though his contract ended; with no follow-up he is
    // not managed to the standard, and he is outside the signed subset.
    assert_eq!(counts("diabetes_standard_management"), (0, 1));
    assert_eq!(counts("diabetes_standard_management.signed"), (0, 0));
    assert_eq!(counts("hypertension_standard_management.signed"), (1, 1));
    // 张三 (71), 李梅 (68), 王五 (66): nobody had the health check.
    assert_eq!(counts("elderly_health_management"), (0, 3));
    let signing = total.figure("signing").unwrap();
    assert_eq!(signing.rate, Some(0.5));
    assert!(signing.formula.contains('÷'));
    assert_eq!(signing.name, "签约率");
    // One row per village, adding up to the total.
    let names: Vec<&str> = view.rows.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["东庄村", "西庄村"]);
    let east = view.rows[0].figure("signing").unwrap();
    assert_eq!((east.numerator, east.denominator), (2, 3));

    // Hypertension follow-ups: four deadlines in the term, four visits in time.
    let drill = t
        .api
        .drill_down(&DrillDownRequest {
            report: year(),
            indicator: "fulfilment".into(),
            unit: None,
            unassigned: false,
        })
        .unwrap();
    let follow_ups: Vec<_> = drill
        .rows
        .iter()
        .filter(|r| r.item_code.as_deref() == Some("hypertension_follow_up"))
        .collect();
    assert_eq!(follow_ups.len(), 4);
    assert!(follow_ups.iter().all(|r| r.counted && r.name == "张三"));
    assert_eq!(follow_ups[0].item_name.as_deref(), Some("高血压随访"));
    let fulfilment = total.figure("fulfilment").unwrap();
    assert_eq!(
        (drill.figure.numerator, drill.figure.denominator),
        (fulfilment.numerator, fulfilment.denominator)
    );
    // The doctor changed on 07-01: signed residents count for the new doctor.
    let by_doctor = t
        .api
        .report(&ReportRequest {
            level: Some(Level::Doctor),
            ..year()
        })
        .unwrap();
    let zhou = by_doctor.rows.iter().find(|r| r.name == "周医生").unwrap();
    assert_eq!(zhou.figure("signing").map(|f| f.numerator), Some(2));
}

#[test]
fn targets_are_kept_in_the_store_and_checked() {
    let t = town();
    let mut api = t.api;
    assert_eq!(api.indicator_targets().unwrap(), Targets::default());
    let mut targets = Targets::default();
    targets.set("signing", Some(0.6));
    api.set_indicator_targets(&targets).unwrap();
    let bad = Targets {
        fulfilment: Some(90.0),
        ..Targets::default()
    };
    assert_eq!(
        api.set_indicator_targets(&bad).unwrap_err().code,
        "bad_target"
    );
    let path = api.store().path().unwrap().to_path_buf();
    drop(api);
    let api = Api::open(&path, Lang::En).unwrap();
    assert_eq!(api.indicator_targets().unwrap().signing, Some(0.6));
    let view = api
        .report(&ReportRequest {
            period: Some("2026".into()),
            reference: Some(day(2027, 1, 10)),
            level: None,
        })
        .unwrap();
    let signing = view.total.figure("signing").unwrap();
    assert_eq!((signing.target, signing.met), (Some(0.6), Some(false)));
    assert_eq!(signing.name, "signing rate");
}

#[test]
fn bad_requests_are_refused_in_the_users_language() {
    let t = town();
    let err = t
        .api
        .report(&ReportRequest {
            period: Some("2026-13".into()),
            ..Default::default()
        })
        .unwrap_err();
    assert_eq!(err.code, "bad_period");
    assert!(err.message.contains("2026-13"));
    let err = t
        .api
        .report(&ReportRequest {
            period: Some("2027-06".into()),
            ..Default::default()
        })
        .unwrap_err();
    assert_eq!(err.code, "period_in_future");
    let err = t
        .api
        .drill_down(&DrillDownRequest {
            report: year(),
            indicator: "happiness".into(),
            unit: None,
            unassigned: false,
        })
        .unwrap_err();
    assert_eq!(err.code, "unknown_indicator");
}

#[test]
fn results_serialise_in_snake_case() {
    let t = town();
    let view = t.api.report(&year()).unwrap();
    let json = serde_json::to_value(&view).unwrap();
    assert_eq!(json["period_label"], "2026");
    assert_eq!(json["as_of"], "2026-12-31");
    assert!(
        json["periodLabel"].is_null(),
        "one field style: no camelCase key"
    );
    assert!(json["total"]["figures"][0]["formula"].is_string());
    assert!(json["targets"]["key_chronic"].is_number());
}

#[test]
fn the_report_workbook_reads_back() {
    let t = town();
    let path = t.dir.path().join("out").join("report.xlsx");
    let written = t.api.export_report_xlsx(&year(), &path).unwrap();
    assert_eq!(
        written.sheets,
        1 + jiayi_core::indicators::IndicatorKind::all().len()
    );
    assert!(path.exists());
    let tables = jiayi_excel::read_workbook(&path).unwrap();
    assert_eq!(tables[0].sheet, "汇总");
    assert!(tables[0].rows[0][0].contains("青山镇"));
    let signing = tables.iter().find(|t| t.sheet == "签约率").unwrap();
    let header = signing
        .rows
        .iter()
        .position(|r| r.first().map(String::as_str) == Some("村"))
        .unwrap();
    assert_eq!(signing.rows[header][1..4], ["分子", "分母", "比率"]);
    let east = &signing.rows[header + 1];
    assert_eq!(east[..4], ["东庄村", "2", "3", "0.6666666666666666"]);
    let total = &signing.rows[header + 3];
    assert_eq!(total[..5], ["全镇合计", "2", "4", "0.5", "0.3"]);
    assert_eq!(total[5], "达标");
    // The formula is on the sheet, above the table.
    assert!(
        signing
            .rows
            .iter()
            .take(header)
            .any(|r| r.iter().any(|c| c.contains("÷")))
    );
    // Sheet names stay within Excel's 31 characters even in English.
    let mut api = t.api;
    api.set_lang(Lang::En);
    let en = t.dir.path().join("report-en.xlsx");
    api.export_report_xlsx(&year(), &en).unwrap();
    let tables = jiayi_excel::read_workbook(&en).unwrap();
    assert!(tables.iter().all(|t| t.sheet.chars().count() <= 31));
    assert_eq!(tables.len(), written.sheets);
}

#[test]
fn rosters_and_the_audit_list_read_back() {
    let t = town();
    let signed = t.dir.path().join("signed.xlsx");
    let out = t.api.export_roster_xlsx(&year(), true, &signed).unwrap();
    assert_eq!(out.rows, 2);
    let table = jiayi_excel::read_sheet(&signed, None).unwrap();
    let names: Vec<&str> = table
        .rows
        .iter()
        .filter(|r| r.first().map(String::as_str) == Some("东庄村"))
        .map(|r| r[1].as_str())
        .collect();
    assert_eq!(names.len(), 2);
    assert!(names.contains(&"张三") && names.contains(&"李梅"));
    let zhang = table
        .rows
        .iter()
        .find(|r| r.get(1).map(String::as_str) == Some("张三"))
        .unwrap();
    // ID numbers stay text (no lost digits), dates are real dates.
    assert_eq!(zhang[2], compose("140822", day(1955, 4, 1), 131));
    assert_eq!(zhang[3], "1955-04-01");
    assert_eq!(zhang[7], "周医生");

    let unsigned = t.dir.path().join("unsigned.xlsx");
    assert_eq!(
        t.api
            .export_roster_xlsx(&year(), false, &unsigned)
            .unwrap()
            .rows,
        2
    );

    let audit = t.dir.path().join("audit.xlsx");
    t.api.export_audit_xlsx(&year(), &audit).unwrap();
    let table = jiayi_excel::read_sheet(&audit, None).unwrap();
    let zhang = table
        .rows
        .iter()
        .find(|r| r.get(2).map(String::as_str) == Some("张三"))
        .unwrap();
    assert!(zhang[11].contains("高血压随访 4/4"), "{zhang:?}");
    let list = t.api.audit_list(&year()).unwrap();
    let row = list.iter().find(|r| r.name == "张三").unwrap();
    assert_eq!(zhang[8], row.items_due.to_string());
    assert_eq!(zhang[9], row.items_delivered.to_string());
    let total = table.rows.last().unwrap();
    assert_eq!(total[0], "合计");
}

/// The dataset kept between reports is read again part by part after writes: after each kind
/// of write, through this connection or another, it equals a whole fresh read.
#[test]
fn the_dataset_kept_between_reports_matches_a_fresh_read_after_every_kind_of_write() {
    let mut t = town();
    let path = t.api.store().path().unwrap().to_path_buf();
    let check = |api: &Api, after: &str| {
        let kept = api.indicator_dataset().unwrap();
        let fresh = Store::open(&path).unwrap().indicator_dataset().unwrap();
        assert_eq!(*kept, fresh, "after {after}");
    };
    check(&t.api, "the first read");
    let zhang = t.residents[0];

    follow_up(&mut t.api, zhang, day(2026, 12, 5), (126, 80));
    check(&t.api, "a visit");
    let mut li = t.api.store().resident(t.residents[1]).unwrap();
    li.name = "李梅花".into();
    li.groups
        .push(jiayi_core::person::PopulationGroup::Diabetes);
    t.api
        .store_mut()
        .update_resident(&li, at(day(2027, 1, 10)))
        .unwrap();
    check(&t.api, "a resident edit");
    let household = t.api.store().resident(t.residents[2]).unwrap().household_id;
    sign(&mut t.api, household, &[t.residents[2]], day(2027, 1, 10));
    check(&t.api, "a contract signed");
    let mut renamed = t.api.store().villages().unwrap()[0].clone();
    renamed.name = format!("{}（新）", renamed.name);
    t.api.store_mut().put_village(&renamed).unwrap();
    check(&t.api, "a village renamed");

    // Another connection: a visit added, then a visit removed (a repair by hand).
    let mut other = Api::with_clock(
        Store::open(&path).unwrap(),
        Lang::Zh,
        Box::new(FixedClock(at(day(2027, 1, 10)))),
    );
    other
        .record_visit(&VisitRequest {
            resident_id: t.residents[3],
            item_code: None,
            kind: Some(jiayi_core::visit::VisitKind::HomeVisit),
            mode: VisitMode::Home,
            occurred_at: None,
            vitals: Vitals::default(),
            notes: String::new(),
            served_by: None,
            answers: Default::default(),
        })
        .unwrap();
    check(&t.api, "a visit through another connection");
    let removed = rusqlite::Connection::open(&path)
        .unwrap()
        .execute(
            "DELETE FROM visits WHERE rowid = (SELECT MIN(rowid) FROM visits)",
            [],
        )
        .unwrap();
    assert_eq!(removed, 1);
    check(&t.api, "a visit deleted");
    follow_up(&mut t.api, zhang, day(2026, 12, 9), (124, 78));
    check(&t.api, "a visit after the deletion");
}

#[test]
fn a_write_after_a_report_shows_in_the_next_one() {
    let mut t = town();
    let signing = |api: &Api| {
        let view = api.report(&year()).unwrap();
        let f = view.total.figure("signing").unwrap().clone();
        (f.numerator, f.denominator)
    };
    assert_eq!(signing(&t.api), (2, 4));
    assert_eq!(signing(&t.api), (2, 4)); // read once, counted twice
    let newcomer = |name: &str, seq| {
        register_request(
            household("西庄村", "二组", format!("西庄村二组{seq}号")).member(person(
                name,
                day(1980, 1, 1),
                seq,
                Relation::Head,
                &[],
            )),
        )
    };
    t.api.register_household(&newcomer("新来", 171)).unwrap();
    assert_eq!(signing(&t.api), (2, 5));
    // A write through another connection to the same file is seen too.
    let path = t.api.store().path().unwrap().to_path_buf();
    let mut other = Api::with_clock(
        Store::open(&path).unwrap(),
        Lang::Zh,
        Box::new(FixedClock(at(day(2027, 1, 10)))),
    );
    other.register_household(&newcomer("又来", 191)).unwrap();
    assert_eq!(signing(&t.api), (2, 6));
}

#[test]
fn a_drill_down_comes_a_page_at_a_time_with_the_figure_in_full() {
    let t = town();
    let drill = DrillDownRequest {
        report: year(),
        indicator: "signing".into(),
        unit: None,
        unassigned: false,
    };
    let page = |offset: u32, limit: Option<u32>, counted: Option<bool>| {
        t.api
            .drill_down_page(&DrillDownPageRequest {
                drill: drill.clone(),
                offset,
                limit,
                counted,
            })
            .unwrap()
    };
    // Four residents: 2 signed; the figure is always the whole township's.
    let first = page(0, Some(3), None);
    assert_eq!((first.figure.numerator, first.figure.denominator), (2, 4));
    assert_eq!(first.matching, 4);
    assert_eq!(first.rows.len(), 3);
    // Those still missing come first.
    assert!(!first.rows[0].counted && !first.rows[1].counted && first.rows[2].counted);
    let rest = page(3, Some(3), None);
    assert_eq!((rest.offset, rest.rows.len()), (3, 1));
    let mut names: Vec<String> = first
        .rows
        .iter()
        .chain(&rest.rows)
        .map(|r| r.name.clone())
        .collect();
    names.sort();
    assert_eq!(names, ["张三", "张小军", "李梅", "王五"]);
    // Filters: only the signed, only the missing; a page past the end is empty.
    let signed = page(0, None, Some(true));
    assert_eq!(signed.matching, 2);
    assert!(signed.rows.iter().all(|r| r.counted));
    assert_eq!(page(0, None, Some(false)).matching, 2);
    assert!(page(10, None, None).rows.is_empty());
    // A limit of 0 or a huge one is brought into range, never a panic.
    assert_eq!(page(0, Some(0), None).rows.len(), 1);
    assert_eq!(page(0, Some(u32::MAX), None).rows.len(), 4);
}

#[test]
fn workbooks_are_written_into_a_folder_named_for_the_period() {
    let t = town();
    let dir = t.dir.path().join("exports");
    for (kind, stem) in [
        (ExportKind::Report, "report"),
        (ExportKind::Signed, "signed"),
        (ExportKind::Unsigned, "unsigned"),
        (ExportKind::Audit, "audit"),
    ] {
        let out = t.api.export_xlsx_into(kind, &year(), &dir).unwrap();
        assert_eq!(out.path, dir.join(format!("{stem}-2026.xlsx")));
        assert!(!jiayi_excel::read_workbook(&out.path).unwrap().is_empty());
    }
    let signed = jiayi_excel::read_workbook(&dir.join("signed-2026.xlsx")).unwrap();
    assert!(signed[0].rows.iter().any(|r| r.iter().any(|c| c == "张三")));
    let range = ReportRequest {
        period: Some("2026-01-01..2026-06-30".into()),
        ..year()
    };
    let out = t
        .api
        .export_xlsx_into(ExportKind::Report, &range, &dir)
        .unwrap();
    assert_eq!(out.path, dir.join("report-2026-01-01__2026-06-30.xlsx"));
}

#[test]
fn a_roster_picked_in_the_app_is_kept_in_its_folder() {
    let t = town();
    let dir = t.dir.path().join("imports");
    let path = t
        .api
        .stage_import_file("东庄村 台账.XLSX", b"PK-bytes", &dir)
        .unwrap();
    assert_eq!(path, dir.join("东庄村_台账.xlsx"));
    assert_eq!(std::fs::read(&path).unwrap(), b"PK-bytes");
    // Names that try to leave the folder stay in it.
    let path = t
        .api
        .stage_import_file("../../etc/x.xlsx", b"PK", &dir)
        .unwrap();
    assert_eq!(path.parent(), Some(dir.as_path()));
    for (name, bytes) in [
        ("roster.docx", &b"x"[..]),
        ("roster", b"x"),
        ("empty.xlsx", b""),
    ] {
        let err = t.api.stage_import_file(name, bytes, &dir).unwrap_err();
        assert!(
            ["not_a_roster_file", "bad_file_size"].contains(&err.code.as_str()),
            "{name}: {err:?}"
        );
        assert!(
            err.message
                .chars()
                .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
        );
    }
}
