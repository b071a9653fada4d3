//! Importing rosters from real .xlsx files into a real store file: the guessed mapping and
//! its overrides, the row-by-row report, duplicates, confirmation, and all-or-nothing writes.

use chrono::NaiveDate;
use jiayi_api::{Api, Field, FixedClock, ImportProgress, ImportRequest, ImportStage, Severity};
use jiayi_core::Lang;
use jiayi_core::household::{Team, TeamMember, TeamRole, Village};
use jiayi_core::id_number::compose;
use jiayi_core::person::Relation;
use jiayi_core::time::china_noon;
use jiayi_excel::{Cell, Sheet, workbook_bytes};
use jiayi_store::Store;
use jiayi_testkit::{head, household, register};
use uuid::Uuid;

pub(super) fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

pub(super) fn id(y: i32, m: u32, d: u32, seq: u16) -> String {
    compose("140822", day(y, m, d), seq)
}

pub(super) struct Fixture {
    pub api: Api,
    pub dir: tempfile::TempDir,
}

/// A township of two villages (东庄村 140822100201, 西庄村 140822100202) on 2026-11-23, where
/// 钱老汉 is already registered.
pub(super) fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path().join("jiayi.sqlite3")).unwrap();
    for (n, name) in [(1u128, "东庄村"), (2, "西庄村")] {
        let village = Village {
            id: Uuid::from_u128(n),
            code: format!("14082210020{n}"),
            name: name.into(),
            township: "青山镇".into(),
        };
        store.put_village(&village).unwrap();
        store
            .put_team(&Team {
                id: Uuid::from_u128(100 + n),
                name: format!("{name}团队"),
                institution: "青山镇卫生院".into(),
                village_clinic: format!("{name}卫生室"),
                villages: vec![village.id],
                members: vec![TeamMember {
                    id: Uuid::from_u128(200 + n),
                    name: "刘医生".into(),
                    role: TeamRole::FamilyDoctor,
                    phone: "13800000000".into(),
                }],
                service_hotline: String::new(),
                complaint_phone: String::new(),
                service_hours: String::new(),
            })
            .unwrap();
    }
    let mut api = Api::with_clock(
        store,
        Lang::Zh,
        Box::new(FixedClock(china_noon(day(2026, 11, 23)))),
    );
    // Already registered: 钱老汉, whose number appears again in the roster.
    register(
        &mut api,
        household("西庄村", "一组", "西庄村一组1号")
            .member(head("钱老汉").id_number(id(1950, 2, 2, 151))),
    );
    Fixture { api, dir }
}

const HEADERS: [&str; 12] = jiayi_testkit::ROSTER_HEADERS;

fn row(cells: [&str; 12]) -> Vec<Cell> {
    cells.iter().map(|c| Cell::Text(c.to_string())).collect()
}

/// Writes a roster with a title line above the header, as township files have.
fn roster(f: &Fixture, name: &str, headers: &[&str], rows: Vec<Vec<Cell>>) -> std::path::PathBuf {
    let path = f.dir.path().join(name);
    let sheet = Sheet {
        name: "台账".into(),
        title: vec!["青山镇居民健康档案台账".into()],
        headers: headers.iter().map(|h| h.to_string()).collect(),
        rows,
        total: None,
    };
    std::fs::write(&path, workbook_bytes(&[sheet]).unwrap()).unwrap();
    path
}

/// Excel rows: title 1, blank 2, header 3, data from 4.
fn messy_roster(f: &Fixture) -> std::path::PathBuf {
    let a1 = id(1955, 4, 1, 131);
    let a2 = id(1958, 9, 9, 222);
    let mut bad = id(1970, 1, 1, 311);
    bad.pop();
    bad.push(if id(1970, 1, 1, 311).ends_with('0') {
        '1'
    } else {
        '0'
    });
    let rows = vec![
        // 4-6: a good household of three (the child has no number yet).
        row([
            "1",
            "张三",
            "张三",
            "男",
            &a1,
            "",
            "13812345678",
            "户主",
            "东庄村",
            "三组",
            "东庄村三组5号",
            "高血压、脱贫户",
        ]),
        row([
            "2",
            "张三",
            "李梅",
            "女",
            &a2,
            "1958/9/9",
            "",
            "妻子",
            "东庄村",
            "三组",
            "东庄村三组5号",
            "",
        ]),
        row([
            "3",
            "张三",
            "张小宝",
            "男",
            "",
            "2024-05-01",
            "",
            "孙子",
            "东庄村",
            "三组",
            "东庄村三组5号",
            "",
        ]),
        // 7-8: a wrong check character and a bad phone number.
        row([
            "4",
            "王五",
            "王五",
            "男",
            &bad,
            "",
            "",
            "户主",
            "东庄村",
            "一组",
            "东庄村一组2号",
            "",
        ]),
        row([
            "5",
            "王五",
            "王小",
            "女",
            &id(2000, 3, 3, 322),
            "",
            "12345",
            "女儿",
            "东庄村",
            "一组",
            "东庄村一组2号",
            "",
        ]),
        // 9: the same number as row 4, in another household.
        row([
            "6",
            "赵六",
            "赵六",
            "男",
            &a1,
            "",
            "",
            "户主",
            "东庄村",
            "二组",
            "东庄村二组9号",
            "",
        ]),
        // 10: already registered in the store.
        row([
            "7",
            "钱老汉",
            "钱老汉",
            "男",
            &id(1950, 2, 2, 151),
            "",
            "",
            "户主",
            "西庄村",
            "一组",
            "西庄村一组1号",
            "",
        ]),
        // 11: an unknown village and an unknown group word.
        row([
            "8",
            "孙七",
            "孙七",
            "女",
            &id(1980, 8, 8, 422),
            "",
            "",
            "户主",
            "南庄村",
            "一组",
            "南庄村1号",
            "火星人",
        ]),
        // 12: empty, skipped.
        row(["", "", "", "", "", "", "", "", "", "", "", ""]),
        // 13-14: a second good household, in the other village.
        row([
            "9",
            "周八",
            "周八",
            "男",
            &id(1966, 6, 6, 511),
            "",
            "",
            "户主",
            "西庄村",
            "二组",
            "",
            "糖尿病",
        ]),
        row([
            "10",
            "周八",
            "吴九",
            "女",
            &id(1968, 8, 1, 522),
            "",
            "",
            "配偶",
            "西庄村",
            "二组",
            "",
            "",
        ]),
    ];
    roster(f, "roster.xlsx", &HEADERS, rows)
}

fn outbox_len(api: &Api) -> u64 {
    api.status().unwrap().pending_changes
}

#[test]
fn the_preview_reports_every_row_and_writes_nothing() {
    let f = fixture();
    let path = messy_roster(&f);
    let before = (f.api.status().unwrap().residents, outbox_len(&f.api));
    let preview = f
        .api
        .preview_import(&ImportRequest {
            path: path.clone(),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(preview.header_row, 3);
    let fields: Vec<Option<Field>> = preview.columns.iter().map(|c| c.field).collect();
    assert_eq!(
        fields,
        [
            None,
            Some(Field::HeadName),
            Some(Field::Name),
            Some(Field::Sex),
            Some(Field::IdNumber),
            Some(Field::BirthDate),
            Some(Field::Phone),
            Some(Field::Relation),
            Some(Field::Village),
            Some(Field::Group),
            Some(Field::Address),
            Some(Field::Groups),
        ]
    );
    assert_eq!(
        (preview.rows, preview.households, preview.residents),
        (10, 6, 10)
    );
    let errors: Vec<(Option<u32>, Option<&str>, &str)> = preview
        .issues
        .iter()
        .filter(|i| i.severity == Severity::Error)
        .map(|i| (i.row, i.column.as_deref(), i.code.as_str()))
        .collect();
    assert_eq!(
        errors,
        [
            (Some(7), Some("身份证号"), "invalid_id_number"),
            (Some(8), Some("联系电话"), "invalid_phone"),
            (Some(9), Some("身份证号"), "duplicate_in_file"),
            (Some(10), Some("身份证号"), "already_registered"),
            (Some(11), Some("村"), "unknown_village"),
        ],
        "{:#?}",
        preview.issues
    );
    let dup = preview
        .issues
        .iter()
        .find(|i| i.code == "duplicate_in_file")
        .unwrap();
    // 赵六 is his household's head: his error keeps the household out, and says so.
    assert_eq!(
        dup.message,
        "身份证号与第 4 行（张三）重复（户主有误，整户暂不能导入）"
    );
    assert_eq!(dup.scope, jiayi_api::IssueScope::Household);
    assert_eq!(dup.place, "“台账”第 9 行，“身份证号”列，赵六");
    // An unknown group word is a warning: the member is imported without it.
    let unknown = preview
        .issues
        .iter()
        .find(|i| i.code == "unknown_group")
        .unwrap();
    assert_eq!(
        (unknown.row, unknown.severity, unknown.name.as_deref()),
        (Some(11), Severity::Warning, Some("孙七"))
    );
    assert_eq!(
        (preview.importable_households, preview.importable_residents),
        (2, 5)
    );
    assert!(!preview.can_import);
    let zhang = &preview.household_list[0];
    assert_eq!(
        (zhang.head.as_str(), zhang.members, zhang.importable),
        ("张三", 3, true)
    );
    assert_eq!(zhang.rows, [4, 5, 6]);
    // Progress while checking ends with every household checked.
    let mut seen: Vec<ImportProgress> = Vec::new();
    f.api
        .preview_import_with_progress(
            &ImportRequest {
                path,
                ..Default::default()
            },
            &mut |p| seen.push(p),
        )
        .unwrap();
    assert_eq!(seen.first().map(|p| p.stage), Some(ImportStage::Reading));
    let last = seen.last().unwrap();
    assert_eq!(
        (last.stage, last.done, last.total),
        (ImportStage::Checking, 6, 6)
    );
    // Nothing was written.
    assert_eq!(
        (f.api.status().unwrap().residents, outbox_len(&f.api)),
        before
    );
}

#[test]
fn errors_stop_the_import_unless_the_valid_households_are_chosen() {
    let mut f = fixture();
    let path = messy_roster(&f);
    let before = (f.api.status().unwrap().residents, outbox_len(&f.api));
    let mut request = ImportRequest {
        path,
        ..Default::default()
    };
    let err = f.api.import_roster(&request, &mut |_| {}).unwrap_err();
    assert_eq!(err.code, "import_refused");
    assert!(err.message.contains("5 处错误"), "{}", err.message);
    assert_eq!(
        (f.api.status().unwrap().residents, outbox_len(&f.api)),
        before
    );

    request.skip_invalid = true;
    let mut seen: Vec<ImportProgress> = Vec::new();
    let outcome = f
        .api
        .import_roster(&request, &mut |p| seen.push(p))
        .unwrap();
    assert!(outcome.imported);
    assert_eq!(
        (
            outcome.households,
            outcome.residents,
            outcome.skipped_households
        ),
        (2, 5, 4)
    );
    let writing: Vec<(usize, usize)> = seen
        .iter()
        .filter(|p| p.stage == ImportStage::Writing)
        .map(|p| (p.done, p.total))
        .collect();
    assert_eq!(writing, [(1, 2), (2, 2)]);
    assert_eq!(seen.last().unwrap().stage, ImportStage::Done);
    // Five residents and two households, each with its outbox row for sync.
    assert_eq!(f.api.status().unwrap().residents, before.0 + 5);
    assert_eq!(outbox_len(&f.api), before.1 + 7);
    let hits = f.api.search("张小宝", 5).unwrap();
    assert_eq!(hits.len(), 1);
    let household = f.api.household(hits[0].household_id).unwrap();
    assert_eq!(household.members.len(), 3);
    assert_eq!(household.address, "东庄村三组5号");
    let head = household.members.iter().find(|m| m.name == "张三").unwrap();
    assert_eq!(head.relation, Relation::Head);
    let codes: Vec<&str> = head.groups.iter().map(|g| g.code()).collect();
    assert!(codes.contains(&"hypertension") && codes.contains(&"poverty_registered"));
    assert!(
        head.phone
            .as_deref()
            .is_some_and(|p| p.replace(' ', "") == "13812345678")
    );
    // The address of a household with no address column value is the village and group.
    let zhou = f.api.search("周八", 5).unwrap();
    assert_eq!(
        f.api.household(zhou[0].household_id).unwrap().address,
        "西庄村二组"
    );
    // Importing the same file again finds everyone already registered.
    let again = f.api.preview_import(&request).unwrap();
    assert_eq!(again.importable_households, 0);
    assert!(!again.can_import);
}

#[test]
fn a_failure_while_writing_leaves_nothing() {
    let mut f = fixture();
    let path = roster(
        &f,
        "good.xlsx",
        &HEADERS,
        vec![
            row([
                "1",
                "甲",
                "甲",
                "男",
                &id(1961, 1, 1, 11),
                "",
                "",
                "户主",
                "东庄村",
                "一组",
                "1号",
                "",
            ]),
            row([
                "2",
                "乙",
                "乙",
                "男",
                &id(1962, 1, 1, 11),
                "",
                "",
                "户主",
                "东庄村",
                "一组",
                "2号",
                "",
            ]),
            row([
                "3",
                "丙",
                "丙",
                "男",
                &id(1963, 1, 1, 11),
                "",
                "",
                "户主",
                "东庄村",
                "一组",
                "3号",
                "",
            ]),
        ],
    );
    let before = (
        f.api.status().unwrap().households,
        f.api.status().unwrap().residents,
        outbox_len(&f.api),
    );
    // The third household's insert fails inside the transaction.
    let db = f.api.store().path().unwrap().to_path_buf();
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute_batch(
        "CREATE TRIGGER fail_third BEFORE INSERT ON residents WHEN NEW.name = '丙'
         BEGIN SELECT RAISE(ABORT, 'disk trouble'); END;",
    )
    .unwrap();
    let mut progress = 0;
    let err = f
        .api
        .import_roster(
            &ImportRequest {
                path,
                ..Default::default()
            },
            &mut |p| {
                if p.stage == ImportStage::Writing {
                    progress = p.done;
                }
            },
        )
        .unwrap_err();
    assert_eq!(err.code, "store_error");
    assert_eq!(
        progress, 2,
        "two households were written before the failure"
    );
    let after = (
        f.api.status().unwrap().households,
        f.api.status().unwrap().residents,
        outbox_len(&f.api),
    );
    assert_eq!(after, before);
    assert!(f.api.search("甲", 5).unwrap().is_empty());
}

#[test]
fn overrides_move_fields_and_a_village_can_be_given() {
    let mut f = fixture();
    // No village column; the head's name is under 户主, the phone under an unknown header,
    // and a remarks column that must not be read as anything.
    let headers = [
        "户主",
        "居民姓名",
        "公民身份号码",
        "与户主关系",
        "联系人手机号",
        "备注",
    ];
    let path = roster(
        &f,
        "override.xlsx",
        &headers,
        vec![
            [
                "李四",
                "李四",
                &id(1972, 2, 2, 13),
                "户主",
                "13912345678",
                "高血压",
            ],
            ["李四", "李小四", &id(1999, 9, 9, 23), "儿子", "", ""],
        ]
        .into_iter()
        .map(|r| r.iter().map(|c| Cell::Text(c.to_string())).collect())
        .collect(),
    );
    let mut request = ImportRequest {
        path,
        ..Default::default()
    };
    let err = f.api.preview_import(&request).unwrap_err();
    assert_eq!(err.code, "bad_mapping"); // no village column and none given
    request.village = Some("东庄村".into());
    let preview = f.api.preview_import(&request).unwrap();
    let field = |h: &str| {
        preview
            .columns
            .iter()
            .find(|c| c.header == h)
            .unwrap()
            .field
    };
    assert_eq!(field("户主"), Some(Field::HeadName));
    assert_eq!(field("联系人手机号"), Some(Field::Phone));
    assert_eq!(field("备注"), None);
    // 备注 holds group words in this file: map it by letter; and unmap the phone by name.
    request.mapping.insert("F".into(), "groups".into());
    request
        .mapping
        .insert("联系人手机号".into(), "ignore".into());
    let preview = f.api.preview_import(&request).unwrap();
    let column = |h: &str| {
        preview
            .columns
            .iter()
            .find(|c| c.header == h)
            .unwrap()
            .clone()
    };
    assert_eq!(
        (column("备注").field, column("备注").overridden),
        (Some(Field::Groups), true)
    );
    assert_eq!(column("联系人手机号").field, None);
    assert_eq!(preview.errors, 0, "{:?}", preview.issues);
    let outcome = f.api.import_roster(&request, &mut |_| {}).unwrap();
    assert_eq!(outcome.residents, 2);
    let hits = f.api.search("李四", 5).unwrap();
    let household = f.api.household(hits[0].household_id).unwrap();
    let head = household.members.iter().find(|m| m.name == "李四").unwrap();
    assert_eq!(head.phone, None);
    assert!(head.groups.iter().any(|g| g.code() == "hypertension"));

    request.mapping.insert("Z".into(), "name".into());
    assert_eq!(
        f.api.preview_import(&request).unwrap_err().code,
        "bad_mapping"
    );
    request.mapping.remove("Z");
    request.mapping.insert("备注".into(), "shoe_size".into());
    assert_eq!(
        f.api.preview_import(&request).unwrap_err().code,
        "bad_mapping"
    );
}

#[test]
fn a_file_changed_after_the_preview_is_not_imported() {
    let mut f = fixture();
    let path = roster(
        &f,
        "changing.xlsx",
        &HEADERS,
        vec![row([
            "1",
            "甲",
            "甲",
            "男",
            &id(1961, 1, 1, 11),
            "",
            "",
            "户主",
            "东庄村",
            "一组",
            "1号",
            "",
        ])],
    );
    let preview = f
        .api
        .preview_import(&ImportRequest {
            path: path.clone(),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(preview.file_sha256.len(), 64);
    roster(
        &f,
        "changing.xlsx",
        &HEADERS,
        vec![row([
            "1",
            "乙",
            "乙",
            "男",
            &id(1962, 1, 1, 11),
            "",
            "",
            "户主",
            "东庄村",
            "一组",
            "2号",
            "",
        ])],
    );
    let err = f
        .api
        .import_roster(
            &ImportRequest {
                path,
                expected_sha256: Some(preview.file_sha256),
                ..Default::default()
            },
            &mut |_| {},
        )
        .unwrap_err();
    assert_eq!(err.code, "file_changed");
    assert!(f.api.search("乙", 5).unwrap().is_empty());
}

#[test]
fn messages_in_english_on_request() {
    let mut f = fixture();
    f.api.set_lang(Lang::En);
    let path = messy_roster(&f);
    let preview = f
        .api
        .preview_import(&ImportRequest {
            path,
            ..Default::default()
        })
        .unwrap();
    let dup = preview
        .issues
        .iter()
        .find(|i| i.code == "duplicate_in_file")
        .unwrap();
    assert_eq!(
        dup.message,
        "the same ID number as row 4 (张三) (the head's row: the household cannot be imported until it is corrected)"
    );
    assert_eq!(dup.place, "sheet '台账' row 9, column '身份证号', 赵六");
    let village = preview
        .issues
        .iter()
        .find(|i| i.code == "unknown_village")
        .unwrap();
    assert!(village.message.contains("南庄村"));
    assert_eq!(preview.columns[2].field_label.as_deref(), Some("name"));
    let missing = f
        .api
        .preview_import(&ImportRequest {
            path: f.dir.path().join("missing.xlsx"),
            ..Default::default()
        })
        .unwrap_err();
    assert_eq!(missing.code, "read_failed");
}
