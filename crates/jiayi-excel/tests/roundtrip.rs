//! Workbooks written with rust_xlsxwriter and read back with calamine, from real files.

use chrono::NaiveDate;
use jiayi_excel::{Cell, ExcelError, Sheet, read_sheet, read_workbook, workbook_bytes};
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

#[test]
fn every_kind_of_cell_survives_a_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.xlsx");
    let sheets = vec![
        Sheet {
            name: "签约率".into(),
            title: vec!["青山镇 报表".into(), "统计期：2026".into()],
            headers: vec![
                "村".into(),
                "人数".into(),
                "比率".into(),
                "日期".into(),
                "备注".into(),
            ],
            rows: vec![
                vec![
                    "东庄村".into(),
                    Cell::Int(12),
                    Cell::Rate(Some(0.25)),
                    Cell::Date(d(2026, 3, 1)),
                    Cell::Empty,
                ],
                vec![
                    "西庄村".into(),
                    Cell::Int(0),
                    Cell::Rate(None),
                    Cell::Empty,
                    "140822195504011315".into(),
                ],
            ],
            total: Some(vec!["合计".into(), Cell::Int(12), Cell::Rate(Some(0.125))]),
        },
        // The same name again and a name with forbidden characters are made acceptable.
        Sheet {
            name: "签约率".into(),
            headers: vec!["a".into()],
            ..Sheet::default()
        },
        Sheet {
            name: "a/b".into(),
            headers: vec!["a".into()],
            ..Sheet::default()
        },
    ];
    std::fs::write(&path, workbook_bytes(&sheets).unwrap()).unwrap();
    let tables = read_workbook(&path).unwrap();
    let names: Vec<&str> = tables.iter().map(|t| t.sheet.as_str()).collect();
    assert_eq!(names, ["签约率", "签约率(2)", "a_b"]);
    let rows = &tables[0].rows;
    assert_eq!(rows[0], ["青山镇 报表"]);
    assert_eq!(rows[1], ["统计期：2026"]);
    assert!(rows[2].is_empty());
    assert_eq!(rows[3], ["村", "人数", "比率", "日期", "备注"]);
    assert_eq!(rows[4], ["东庄村", "12", "0.25", "2026-03-01"]);
    assert_eq!(rows[5], ["西庄村", "0", "—", "", "140822195504011315"]);
    assert_eq!(rows[6], ["合计", "12", "0.125"]);
    assert_eq!(read_sheet(&path, Some("a_b")).unwrap().rows[0], ["a"]);
    assert!(matches!(
        read_sheet(&path, Some("nope")),
        Err(ExcelError::NoSheet(_))
    ));
}

#[test]
fn a_roster_typed_by_hand_reads_as_text() {
    // Numbers, dates and text as a clerk would type them in Excel.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("roster.xlsx");
    let mut workbook = Workbook::new();
    let ws = workbook.add_worksheet();
    ws.write_string(1, 1, "姓名").unwrap();
    ws.write_string(1, 2, "联系电话").unwrap();
    ws.write_string(1, 3, "出生日期").unwrap();
    ws.write_string(2, 1, "张三").unwrap();
    ws.write_number(2, 2, 13812345678.0).unwrap();
    let date = ExcelDateTime::from_ymd(1955, 4, 1).unwrap();
    ws.write_datetime_with_format(2, 3, &date, &Format::new().set_num_format("yyyy/m/d"))
        .unwrap();
    workbook.save(&path).unwrap();
    let table = read_sheet(&path, None).unwrap();
    // Row and column positions are kept even though the sheet starts at B2.
    assert!(table.rows[0].is_empty());
    assert_eq!(table.rows[1], ["", "姓名", "联系电话", "出生日期"]);
    assert_eq!(table.rows[2], ["", "张三", "13812345678", "1955-04-01"]);
}

#[test]
fn a_file_that_is_not_a_workbook_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.xlsx");
    std::fs::write(&path, b"not a zip").unwrap();
    assert!(matches!(read_workbook(&path), Err(ExcelError::Read(_))));
    assert!(read_workbook(&dir.path().join("missing.xlsx")).is_err());
}
