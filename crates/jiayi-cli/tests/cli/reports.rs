//! `jiayi report`, `jiayi targets` and `jiayi import`, run as a clerk at the health center
//! would run them, on the small demo township.

use std::path::Path;
use std::process::Output;

use serde_json::Value;

use crate::{jiayi, json, small_demo};

fn text(output: &Output) -> String {
    assert!(
        output.status.success(),
        "failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn demo(dir: &Path) -> std::path::PathBuf {
    let db = dir.join("jiayi.sqlite3");
    small_demo(&db);
    db
}

#[test]
fn report_prints_exports_and_drills_down() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("jiayi.sqlite3");
    let built = small_demo(&db);
    let count = |field: &str| built[field].as_u64().unwrap();
    // The 500 registered, with the history's births, less its deaths and moves away.
    let on_register = 500 + count("births") - count("deaths") - count("moved_away");
    let args = ["report", "--period", "2026", "--date", "2026-11-23"];
    let view = json(&jiayi(&db, &[&args[..], &["--json"]].concat()));
    assert_eq!(view["as_of"], "2026-11-23");
    let total = &view["total"]["figures"];
    let signing = total
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "signing")
        .unwrap();
    let denominator = signing["denominator"].as_u64().unwrap();
    assert_eq!(
        denominator, on_register,
        "every demo resident on the register is counted"
    );
    assert!(signing["numerator"].as_u64().unwrap() > 0);
    // Rows per village add up to the total.
    let rows = view["rows"].as_array().unwrap();
    assert!(!rows.is_empty());
    let sum: u64 = rows
        .iter()
        .map(|r| {
            r["figures"]
                .as_array()
                .unwrap()
                .iter()
                .find(|f| f["code"] == "signing")
                .unwrap()["numerator"]
                .as_u64()
                .unwrap()
        })
        .sum();
    assert_eq!(sum, signing["numerator"].as_u64().unwrap());

    let printed = text(&jiayi(&db, &[&args[..], &["--formulas"]].concat()));
    assert!(printed.contains("签约率"));
    assert!(printed.contains("履约率"));
    assert!(printed.contains('÷'), "formulas are printed");
    assert!(printed.contains("全镇合计"));
    assert!(
        printed.contains("服务人次"),
        "services delivered are printed"
    );
    // Per row: the residents answered for and the services delivered, which add up.
    let services: u64 = rows.iter().map(|r| r["services"].as_u64().unwrap()).sum();
    assert_eq!(services, view["total"]["services"].as_u64().unwrap());
    assert!(services > 0, "the demo's visits are counted");

    // The people behind the signing rate of the first village.
    let village = rows[0]["name"].as_str().unwrap();
    let drill = json(&jiayi(
        &db,
        &[
            &args[..],
            &["--indicator", "signing", "--unit", village, "--json"],
        ]
        .concat(),
    ));
    let figure = rows[0]["figures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "signing")
        .unwrap();
    assert_eq!(drill["figure"]["numerator"], figure["numerator"]);
    assert_eq!(
        drill["rows"].as_array().unwrap().len() as u64,
        figure["denominator"].as_u64().unwrap()
    );
    let unknown = jiayi(
        &db,
        &[&args[..], &["--indicator", "signing", "--unit", "月球村"]].concat(),
    );
    assert_eq!(unknown.status.code(), Some(2));

    let xlsx = dir.path().join("report.xlsx");
    let written = json(&jiayi(
        &db,
        &[&args[..], &["--xlsx", xlsx.to_str().unwrap(), "--json"]].concat(),
    ));
    assert!(written["sheets"].as_u64().unwrap() > 20);
    assert!(std::fs::read(&xlsx).unwrap().starts_with(b"PK"));
    let audit = dir.path().join("audit.xlsx");
    let written = json(&jiayi(
        &db,
        &[
            &args[..],
            &[
                "--list",
                "audit",
                "--xlsx",
                audit.to_str().unwrap(),
                "--json",
            ],
        ]
        .concat(),
    ));
    assert_eq!(
        written["rows"].as_u64().unwrap(),
        signing["numerator"].as_u64().unwrap()
    );
    // The signed households not served (只签不约): printed, and written as a workbook.
    let served = total
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "contracts_served")
        .unwrap();
    let not_served =
        served["denominator"].as_u64().unwrap() - served["numerator"].as_u64().unwrap();
    let misses = json(&jiayi(
        &db,
        &[
            &args[..],
            &["--indicator", "contracts_served", "--misses", "--json"],
        ]
        .concat(),
    ));
    let listed = misses["rows"].as_array().unwrap();
    assert_eq!(listed.len() as u64, not_served);
    assert!(listed.iter().all(|r| r["counted"] == false));
    let list_xlsx = dir.path().join("not-served.xlsx");
    let written = json(&jiayi(
        &db,
        &[
            &args[..],
            &[
                "--indicator",
                "contracts_served",
                "--misses",
                "--xlsx",
                list_xlsx.to_str().unwrap(),
                "--json",
            ],
        ]
        .concat(),
    ));
    assert_eq!(written["rows"].as_u64().unwrap(), not_served);
    assert!(std::fs::read(&list_xlsx).unwrap().starts_with(b"PK"));

    let unsigned = text(&jiayi(&db, &[&args[..], &["--list", "unsigned"]].concat()));
    assert!(unsigned.contains("共"));

    let bad = jiayi(&db, &["report", "--period", "2026-13"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("2026-13"));
}

#[test]
fn targets_are_shown_and_set() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("jiayi.sqlite3");
    let shown = json(&jiayi(&db, &["targets", "--json"]));
    assert_eq!(shown["fulfilment"], 0.9);
    let set = json(&jiayi(
        &db,
        &[
            "targets",
            "--set",
            "fulfilment=92%",
            "--set",
            "control=0.6",
            "--json",
        ],
    ));
    assert_eq!(set["fulfilment"], 0.92);
    assert_eq!(set["control"], 0.6);
    assert_eq!(
        json(&jiayi(&db, &["targets", "--json"]))["fulfilment"],
        0.92
    );
    let bad = jiayi(&db, &["targets", "--set", "fulfilment=150%"]);
    assert_eq!(bad.status.code(), Some(2));
    let reset = json(&jiayi(&db, &["targets", "--reset", "--json"]));
    assert_eq!(reset["fulfilment"], 0.9);
}

#[test]
fn import_previews_then_imports_with_yes() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo(dir.path());
    // A roster written by the app's own exporter: the unsigned residents' list has the
    // columns 村 / 姓名 / 身份证号 …, so re-importing it finds them all registered already.
    let unsigned = dir.path().join("unsigned.xlsx");
    json(&jiayi(
        &db,
        &[
            "report",
            "--period",
            "2026",
            "--date",
            "2026-11-23",
            "--list",
            "unsigned",
            "--xlsx",
            unsigned.to_str().unwrap(),
            "--json",
        ],
    ));
    let preview = jiayi(
        &db,
        &[
            "import",
            unsigned.to_str().unwrap(),
            "--mapping",
            "人群分类=ignore",
            "--json",
        ],
    );
    assert_eq!(preview.status.code(), Some(2), "errors refuse the import");
    let report: Value = serde_json::from_slice(&preview.stdout).unwrap();
    assert!(
        report["issues"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["code"] == "already_registered")
    );
    assert_eq!(report["importable_households"], 0);

    // A new household, typed in a roster with Chinese headers.
    let csv_like = dir.path().join("new.xlsx");
    let body = |b: &str| format!("{b}{}", jiayi_core::id_number::check_character(b));
    let (head_id, spouse_id) = (body("14082219600101011"), body("14082219620202022"));
    let rows = vec![
        vec!["东庄村", "一组", "陈大", "陈大", "户主", &head_id, "高血压"],
        vec!["东庄村", "一组", "陈大", "陈二", "配偶", &spouse_id, ""],
    ];
    let sheet = jiayi_excel::Sheet {
        name: "台账".into(),
        title: vec![],
        headers: [
            "村",
            "组",
            "户主姓名",
            "姓名",
            "与户主关系",
            "身份证号",
            "人群分类",
        ]
        .map(String::from)
        .to_vec(),
        rows: rows
            .into_iter()
            .map(|r| {
                r.into_iter()
                    .map(|c| jiayi_excel::Cell::Text(c.to_string()))
                    .collect()
            })
            .collect(),
        total: None,
    };
    std::fs::write(&csv_like, jiayi_excel::workbook_bytes(&[sheet]).unwrap()).unwrap();
    let before = json(&jiayi(&db, &["status", "--json"]))["residents"]
        .as_u64()
        .unwrap();
    let preview = jiayi(&db, &["import", csv_like.to_str().unwrap()]);
    let out = text(&preview);
    assert!(out.contains("户主姓名"), "{out}");
    assert!(String::from_utf8_lossy(&preview.stderr).contains("--yes"));
    assert_eq!(
        json(&jiayi(&db, &["status", "--json"]))["residents"]
            .as_u64()
            .unwrap(),
        before
    );
    let done = json(&jiayi(
        &db,
        &["import", csv_like.to_str().unwrap(), "--yes", "--json"],
    ));
    assert_eq!(done["residents"], 2);
    assert_eq!(
        json(&jiayi(&db, &["status", "--json"]))["residents"]
            .as_u64()
            .unwrap(),
        before + 2
    );
    let hits = json(&jiayi(&db, &["search", "陈二", "--json"]));
    assert_eq!(hits.as_array().unwrap().len(), 1);
}
