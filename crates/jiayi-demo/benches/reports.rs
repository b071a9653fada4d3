//! Township reports at the demo township's size (21 villages, 6,480 households, 26,990
//! residents, a year of contracts and visits).
//!
//! Run with `cargo bench -p jiayi-demo --bench reports`. It builds the demo into a temporary
//! file, then times: loading the indicator dataset from SQLite, computing every indicator at
//! each level, the whole `Api::report` call (load + compute + names), a drill-down, the Excel
//! export, and importing a 5,000-row roster (preview, then the confirmed import). Budgets:
//! all indicators ≤ 200 ms; a 5,000-row import ≤ 5 s.

use std::time::{Duration, Instant};

use chrono::NaiveDate;
use jiayi_api::{Api, DrillDownRequest, ImportRequest, ReportRequest};
use jiayi_core::Lang;
use jiayi_core::indicators::{Level, Params, Period, Targets, compute};
use jiayi_demo::{DemoSize, build_demo};

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

fn report(name: &str, mut samples: Vec<Duration>) {
    samples.sort();
    println!(
        "{name:<44} n={:<3} p50={:>9.2} ms  p95={:>9.2} ms  max={:>9.2} ms",
        samples.len(),
        percentile(&samples, 0.50).as_secs_f64() * 1e3,
        percentile(&samples, 0.95).as_secs_f64() * 1e3,
        samples.last().unwrap().as_secs_f64() * 1e3,
    );
}

fn time<T>(n: usize, mut f: impl FnMut() -> T) -> Vec<Duration> {
    (0..n)
        .map(|_| {
            let started = Instant::now();
            std::hint::black_box(f());
            started.elapsed()
        })
        .collect()
}

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
    let path = dir.path().join("demo.sqlite3");
    let mut api = Api::open(&path, Lang::Zh).unwrap();
    let summary = build_demo(&mut api, 2026, DemoSize::FULL, today).unwrap();
    println!(
        "demo township built in {:.1} s: {} households, {} residents, {} contracts, {} visits",
        summary.seconds, summary.households, summary.residents, summary.contracts, summary.visits
    );
    api.set_clock(Box::new(jiayi_api::FixedClock(
        jiayi_core::time::china_noon(today),
    )));

    let ds = api.indicator_dataset().unwrap();
    println!(
        "dataset: {} residents, {} contracts, {} visits",
        ds.residents.len(),
        ds.contracts.len(),
        ds.visits.len()
    );
    report(
        "load the dataset from SQLite",
        time(10, || api.store().indicator_dataset().unwrap()),
    );
    let year = Params {
        period: Period::parse("2026").unwrap(),
        reference: today,
    };
    let month = Params {
        period: Period::parse("2026-10").unwrap(),
        reference: today,
    };
    for (label, params) in [("year", year), ("month", month)] {
        for level in [Level::Township, Level::Village, Level::Doctor] {
            report(
                &format!("compute all indicators ({label}, {level:?})"),
                time(10, || compute(&ds, &params, &Targets::default(), level)),
            );
        }
    }
    let request = ReportRequest {
        period: Some("2026".into()),
        level: Some(Level::Village),
        reference: Some(today),
    };
    // After a write only the part of the dataset it touched is read again.
    let mut after_setting = Vec::new();
    for i in 0..10 {
        api.store_mut().put_setting("bench", &i).unwrap();
        after_setting.extend(time(1, || api.report(&request).unwrap()));
    }
    report("Api::report after a settings write", after_setting);
    let signed: Vec<uuid::Uuid> = ds
        .contracts
        .iter()
        .flat_map(|c| c.members.iter().map(|m| m.resident_id))
        .take(10)
        .collect();
    let mut after_visit = Vec::new();
    for resident in &signed {
        api.record_visit(&jiayi_api::VisitRequest {
            resident_id: *resident,
            item_code: None,
            kind: Some(jiayi_core::visit::VisitKind::HomeVisit),
            mode: jiayi_core::visit::VisitMode::Home,
            occurred_at: None,
            vitals: Default::default(),
            notes: "随访".into(),
            served_by: None,
            answers: Default::default(),
        })
        .unwrap();
        after_visit.extend(time(1, || api.report(&request).unwrap()));
    }
    report("Api::report after recording a visit", after_visit);
    let mut after_edit = Vec::new();
    for (i, resident) in signed.iter().enumerate() {
        let mut person = api.store().resident(*resident).unwrap();
        person.phone = Some(jiayi_core::phone::Phone::parse(&format!("1390000{i:04}")).unwrap());
        api.store_mut()
            .update_resident(&person, jiayi_core::time::china_noon(today))
            .unwrap();
        after_edit.extend(time(1, || api.report(&request).unwrap()));
    }
    report("Api::report after editing a resident", after_edit);
    let mut cold = Vec::new();
    for _ in 0..5 {
        let fresh = Api::open(&path, Lang::Zh).unwrap();
        cold.extend(time(1, || fresh.report(&request).unwrap()));
    }
    report("Api::report on a just-opened store (whole read)", cold);
    // The same on an encrypted copy, as the app opens it after the passphrase.
    let encrypted = dir.path().join("demo-encrypted.sqlite3");
    std::fs::copy(&path, &encrypted).unwrap();
    let (_, key) =
        jiayi_store::KeyFile::create("青山镇卫生院演示口令", Default::default()).unwrap();
    jiayi_store::crypt::encrypt_in_place(&encrypted, &key).unwrap();
    let db = jiayi_store::DbFile::encrypted(&encrypted, key);
    let mut cold_encrypted = Vec::new();
    for _ in 0..5 {
        let fresh = Api::open_file(&db, Lang::Zh).unwrap();
        cold_encrypted.extend(time(1, || fresh.report(&request).unwrap()));
    }
    report(
        "Api::report on a just-opened encrypted store",
        cold_encrypted,
    );
    report(
        "Api::report again (dataset reused)",
        time(10, || api.report(&request).unwrap()),
    );
    report(
        "Api::drill_down (fulfilment, township)",
        time(5, || {
            api.drill_down(&DrillDownRequest {
                report: request.clone(),
                indicator: "fulfilment".into(),
                unit: None,
                unassigned: false,
            })
            .unwrap()
        }),
    );
    let xlsx = dir.path().join("report.xlsx");
    report(
        "export the report workbook (.xlsx)",
        time(3, || api.export_report_xlsx(&request, &xlsx).unwrap()),
    );
    let audit = dir.path().join("audit.xlsx");
    report(
        "export the audit list (.xlsx)",
        time(3, || api.export_audit_xlsx(&request, &audit).unwrap()),
    );

    // A roster of 5,000 residents in 1,250 households of four, in the demo's villages, with
    // ID numbers from another county so that none is already registered.
    let roster = dir.path().join("roster.xlsx");
    let villages = api.villages().unwrap();
    let mut rows = Vec::new();
    for h in 0..1250u32 {
        let village = &villages[h as usize % villages.len()].name;
        let head = format!("导入户{h}");
        for (m, relation) in ["户主", "配偶", "子", "孙女"].iter().enumerate() {
            let born =
                NaiveDate::from_ymd_opt(1950 + (m as i32) * 20, 1 + h % 12, 1 + h % 28).unwrap();
            let id = jiayi_core::id_number::compose(
                "140823",
                born,
                ((h * 4 + m as u32) % 999) as u16 + 1,
            );
            let name = if m == 0 {
                head.clone()
            } else {
                format!("{head}家{m}")
            };
            rows.push(vec![
                jiayi_excel::Cell::Text(head.clone()),
                jiayi_excel::Cell::Text(name),
                jiayi_excel::Cell::Text(id),
                jiayi_excel::Cell::Text(relation.to_string()),
                jiayi_excel::Cell::Text(village.clone()),
                jiayi_excel::Cell::Text(format!("{}组", 1 + h % 6)),
                jiayi_excel::Cell::Text(if m == 0 {
                    "高血压".into()
                } else {
                    String::new()
                }),
            ]);
        }
    }
    let sheet = jiayi_excel::Sheet {
        name: "台账".into(),
        title: vec![],
        headers: [
            "户主姓名",
            "姓名",
            "身份证号",
            "与户主关系",
            "村",
            "组",
            "人群分类",
        ]
        .map(String::from)
        .to_vec(),
        rows,
        total: None,
    };
    std::fs::write(&roster, jiayi_excel::workbook_bytes(&[sheet]).unwrap()).unwrap();
    let request = ImportRequest {
        path: roster,
        ..Default::default()
    };
    let mut preview = None;
    report(
        "import preview, 5,000 rows (read + check)",
        time(3, || preview = Some(api.preview_import(&request).unwrap())),
    );
    let preview = preview.unwrap();
    assert_eq!(
        (preview.residents, preview.errors),
        (5000, 0),
        "{:?}",
        preview.issues.first()
    );
    let mut updates = 0usize;
    let started = Instant::now();
    let outcome = api.import_roster(&request, &mut |_| updates += 1).unwrap();
    report(
        "import confirmed, 5,000 rows (one transaction)",
        vec![started.elapsed()],
    );
    assert_eq!(outcome.residents, 5000);
    println!("progress callbacks during the import: {updates}");
}
