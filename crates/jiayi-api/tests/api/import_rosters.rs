//! Rosters as clerks' tools make them (`tests/rosters/`, written by `make_rosters.py` with
//! openpyxl and LibreOffice), imported through the API into a real store file: the exact
//! households and people, the rows skipped, the warnings and errors, what is written.

use std::path::PathBuf;

use jiayi_api::{Api, ImportOutcome, ImportPreview, ImportRequest, IssueScope, Severity};
use jiayi_core::person::Relation::{self, *};

use super::import::{Fixture, day, fixture, id};

fn roster(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/rosters")
        .join(name)
}

fn request(name: &str) -> ImportRequest {
    ImportRequest {
        path: roster(name),
        ..Default::default()
    }
}

/// A member as expected: name, ID number, relation, recorded groups.
type Person = (
    &'static str,
    Option<String>,
    Relation,
    &'static [&'static str],
);

/// A member as found: name, ID number, relation, groups, and (in a preview) no error.
type Found = (String, Option<String>, Relation, Vec<String>, bool);

/// A household as found: its head and its members.
type Household = (String, Vec<Found>);

/// A member as stored: name, ID number, relation, groups.
type Stored = (String, Option<String>, Relation, Vec<String>);

/// The households of a preview: head, then each member's name, ID number, relation, groups
/// and whether they have no error.
fn households(p: &ImportPreview) -> Vec<Household> {
    p.household_list
        .iter()
        .map(|h| {
            let people = h
                .people
                .iter()
                .map(|m| {
                    (
                        m.name.clone(),
                        m.id_number.clone(),
                        m.relation,
                        m.groups.clone(),
                        m.valid,
                    )
                })
                .collect();
            (h.head.clone(), people)
        })
        .collect()
}

fn expected(list: &[(&str, &[Person])]) -> Vec<Household> {
    list.iter()
        .map(|(head, people)| {
            let people = people
                .iter()
                .map(|(name, number, relation, groups)| {
                    (
                        name.to_string(),
                        number.clone(),
                        *relation,
                        groups.iter().map(|g| g.to_string()).collect(),
                        true,
                    )
                })
                .collect();
            (head.to_string(), people)
        })
        .collect()
}

/// The household stored for `head` (found by name), its members as written.
fn stored(api: &Api, head: &str) -> (String, Vec<Stored>) {
    let hits = api.search(head, 5).unwrap();
    let hit = hits
        .iter()
        .find(|h| h.name == head)
        .unwrap_or_else(|| panic!("{head} was not imported"));
    let household = api.household(hit.household_id).unwrap();
    let members = household
        .members
        .iter()
        .map(|m| {
            let groups = m
                .groups
                .iter()
                .filter(|g| !g.is_derived())
                .map(|g| g.code().to_string())
                .collect();
            (m.name.clone(), m.id_number.clone(), m.relation, groups)
        })
        .collect();
    (household.address, members)
}

/// Imports and checks every household written is the one expected, member for member. A
/// pregnancy recorded at registration is kept on the resident, but the household's view shows
/// pregnancy only from a dated period (its start), so it is not compared here.
fn import_and_compare(
    f: &mut Fixture,
    request: &ImportRequest,
    want: &[(&str, &[Person])],
) -> ImportOutcome {
    let before = f.api.status().unwrap();
    let outcome = f.api.import_roster(request, &mut |_| {}).unwrap();
    let people: usize = want.iter().map(|(_, p)| p.len()).sum();
    assert_eq!(
        (outcome.households, outcome.residents),
        (want.len(), people)
    );
    let after = f.api.status().unwrap();
    assert_eq!(after.households, before.households + want.len() as u64);
    assert_eq!(after.residents, before.residents + people as u64);
    for (head, members) in want {
        let (_, got) = stored(&f.api, head);
        let mut got = got;
        let mut members: Vec<Stored> = members
            .iter()
            .map(|(n, i, r, g)| {
                let groups = g
                    .iter()
                    .filter(|g| **g != "pregnant")
                    .map(|g| g.to_string())
                    .collect();
                (n.to_string(), i.clone(), *r, groups)
            })
            .collect();
        got.sort_by(|a, b| a.0.cmp(&b.0));
        members.sort_by(|a, b| a.0.cmp(&b.0));
        assert_eq!(got, members, "household of {head}");
    }
    outcome
}

fn skipped(p: &ImportPreview) -> Vec<(u32, &str)> {
    p.skipped_rows
        .iter()
        .map(|s| (s.row, s.reason.as_str()))
        .collect()
}

fn issues(p: &ImportPreview) -> Vec<(u32, &str, Severity)> {
    p.issues
        .iter()
        .map(|i| (i.row.unwrap_or(0), i.code.as_str(), i.severity))
        .collect()
}

#[test]
fn a_clerks_roster_with_a_title_merged_families_a_total_and_a_footer() {
    let mut f = fixture();
    let request = request("01_clerk_roster.xlsx");
    let preview = f.api.preview_import(&request).unwrap();
    assert_eq!(
        (preview.sheet.as_str(), preview.header_row),
        ("东庄村台账", 3)
    );
    assert_eq!(
        (
            preview.households,
            preview.residents,
            preview.importable_households,
            preview.importable_residents
        ),
        (5, 12, 5, 12)
    );
    assert_eq!(skipped(&preview), [(17, "total"), (19, "footer")]);
    assert!(preview.issues.is_empty(), "{:#?}", preview.issues);
    assert!(preview.can_import);
    let want: &[(&str, &[Person])] = &[
        (
            "张建国",
            &[
                (
                    "张建国",
                    Some(id(1958, 3, 12, 131)),
                    Head,
                    &["hypertension"],
                ),
                ("李秀英", Some(id(1960, 7, 8, 142)), Spouse, &["diabetes"]),
                ("张伟", Some(id(1985, 1, 20, 151)), Child, &[]),
            ],
        ),
        (
            "王芳",
            &[
                ("王芳", Some(id(1972, 5, 5, 162)), Head, &["low_income"]),
                ("刘强", Some(id(1970, 11, 11, 171)), Spouse, &[]),
            ],
        ),
        (
            "赵德明",
            &[
                ("赵德明", Some(id(1945, 9, 19, 111)), Head, &[]),
                ("孙桂兰", Some(id(1948, 2, 2, 122)), Spouse, &[]),
                ("赵小燕", None, Grandchild, &[]),
            ],
        ),
        (
            "陈国华",
            &[
                (
                    "陈国华",
                    Some(id(1966, 12, 1, 133)),
                    Head,
                    &["severe_mental"],
                ),
                ("陈明", Some(id(1990, 4, 4, 135)), Child, &[]),
            ],
        ),
        (
            "周玉兰",
            &[
                (
                    "周玉兰",
                    Some(id(1950, 10, 10, 144)),
                    Head,
                    &["family_planning_special"],
                ),
                ("吴老汉", Some(id(1948, 8, 8, 157)), Spouse, &[]),
            ],
        ),
    ];
    assert_eq!(households(&preview), expected(want));
    let child = &preview.household_list[2].people[2];
    assert_eq!(child.birth_date, Some(day(2020, 6, 1)));
    // The village is the one the title names; the address the merged cell's.
    assert!(preview.household_list.iter().all(|h| h.village == "东庄村"));
    import_and_compare(&mut f, &request, want);
    assert_eq!(stored(&f.api, "王芳").0, "东庄村一组8号");
}

#[test]
fn id_numbers_excel_stored_as_numbers_are_named_and_the_rest_can_be_imported() {
    let mut f = fixture();
    let mut request = request("02_ids_as_numbers.xlsx");
    let preview = f.api.preview_import(&request).unwrap();
    let lost: Vec<(u32, Option<&str>, &str)> = preview
        .issues
        .iter()
        .map(|i| (i.row.unwrap_or(0), i.name.as_deref(), i.code.as_str()))
        .collect();
    assert_eq!(
        lost,
        [
            (3, Some("钱小多"), "id_number_stored_as_number"),
            (5, Some("李小红"), "id_number_stored_as_number"),
            (7, Some("王小二"), "id_number_stored_as_number"),
        ]
    );
    let first = &preview.issues[0];
    assert_eq!(first.scope, IssueScope::Member);
    assert_eq!(first.place, "“Sheet1”第 3 行，“身份证号”列，钱小多");
    assert!(
        first.message.starts_with("Excel 把这个身份证号存成了数字")
            && first.message.contains("请把该列设为文本格式后重新录入"),
        "{}",
        first.message
    );
    assert_eq!(
        (
            preview.households,
            preview.residents,
            preview.members_with_errors
        ),
        (3, 6, 3)
    );
    assert_eq!(preview.importable_households, 0);
    assert!(!preview.can_import);
    let refused = f.api.import_roster(&request, &mut |_| {}).unwrap_err();
    assert_eq!(refused.code, "import_refused");

    request.skip_invalid_members = true;
    let preview = f.api.preview_import(&request).unwrap();
    assert!(preview.can_import);
    let want: &[(&str, &[Person])] = &[
        (
            "钱多多",
            &[("钱多多", Some(id(1965, 9, 19, 311)), Head, &[])],
        ),
        (
            "孙大海",
            &[("孙大海", Some(id(1960, 6, 16, 351)), Head, &[])],
        ),
        // A legacy 15-digit number survives being a number; it is kept in 18 digits.
        ("老王", &[("老王", Some(id(1945, 9, 19, 131)), Head, &[])]),
    ];
    let outcome = import_and_compare(&mut f, &request, want);
    assert_eq!(
        (outcome.skipped_households, outcome.skipped_residents),
        (0, 3)
    );
}

#[test]
fn an_instructions_sheet_before_the_roster_and_household_numbers() {
    let mut f = fixture();
    let request = request("03_instructions_first.xlsx");
    let preview = f.api.preview_import(&request).unwrap();
    assert_eq!(preview.sheets, ["填表说明", "花名册"]);
    assert_eq!((preview.sheet.as_str(), preview.header_row), ("花名册", 1));
    assert_eq!(
        issues(&preview),
        [(6, "birth_month_only", Severity::Warning)]
    );
    let baby = &preview.household_list[1].people[1];
    assert_eq!(
        (baby.name.as_str(), baby.birth_date),
        ("黄宝宝", Some(day(2023, 3, 1)))
    );
    let want: &[(&str, &[Person])] = &[
        (
            "郑成功",
            &[
                ("郑成功", Some(id(1962, 2, 2, 211)), Head, &[]),
                ("林淑芬", Some(id(1963, 3, 3, 222)), Spouse, &[]),
                ("郑小龙", Some(id(1995, 5, 5, 231)), Child, &[]),
            ],
        ),
        (
            "黄海",
            &[
                ("黄海", Some(id(1980, 8, 8, 241)), Head, &[]),
                ("黄宝宝", None, Child, &[]),
            ],
        ),
        ("何静", &[("何静", Some(id(1988, 1, 15, 252)), Head, &[])]),
    ];
    assert_eq!(households(&preview), expected(want));
    import_and_compare(&mut f, &request, want);
    // The health-record numbers are stored on the residents, and a second import of another
    // roster naming one of them is refused for that member.
    let hits = f.api.search("14082210020200003", 5).unwrap();
    assert_eq!(
        hits.iter().map(|h| h.name.as_str()).collect::<Vec<_>>(),
        ["黄海"]
    );
    let zheng = f.api.search("郑成功", 1).unwrap();
    let household = f.api.household(zheng[0].household_id).unwrap();
    let numbers: Vec<Option<&str>> = household
        .members
        .iter()
        .map(|m| m.record_number.as_deref())
        .collect();
    assert!(
        numbers.contains(&Some("14082210020200001"))
            && numbers.contains(&Some("14082210020200002"))
    );
    let again = f.api.preview_import(&request).unwrap();
    assert!(
        again
            .issues
            .iter()
            .any(|i| i.row == Some(2) && i.code == "record_number_taken"),
        "{:#?}",
        again.issues
    );
}

#[test]
fn a_gbk_csv_with_a_totals_line_and_a_sex_the_id_number_contradicts() {
    let mut f = fixture();
    let request = request("04_gbk.csv");
    let preview = f.api.preview_import(&request).unwrap();
    assert_eq!(preview.header_row, 1);
    assert_eq!(skipped(&preview), [(6, "total")]);
    assert_eq!(issues(&preview), [(5, "sex_mismatch", Severity::Warning)]);
    assert_eq!(
        preview.issues[0].message,
        "性别“女”与身份证号不符，按身份证号记为男"
    );
    let want: &[(&str, &[Person])] = &[
        (
            "冯志强",
            &[
                ("冯志强", Some(id(1975, 4, 4, 311)), Head, &["hypertension"]),
                ("冯丽", Some(id(2005, 6, 6, 322)), Child, &[]),
            ],
        ),
        (
            "褚红梅",
            &[
                ("褚红梅", Some(id(1982, 9, 9, 342)), Head, &["pregnant"]),
                ("卫东", Some(id(1980, 1, 1, 351)), Spouse, &[]),
            ],
        ),
    ];
    assert_eq!(households(&preview), expected(want));
    import_and_compare(&mut f, &request, want);
}

#[test]
fn an_xls_and_an_ods_saved_by_libreoffice() {
    let mut f = fixture();
    let xls = request("05_libreoffice.xls");
    let preview = f.api.preview_import(&xls).unwrap();
    assert_eq!(
        (preview.header_row, preview.errors, preview.warnings),
        (2, 0, 0)
    );
    let want: &[(&str, &[Person])] = &[
        (
            "蒋大山",
            &[
                (
                    "蒋大山",
                    Some(id(1955, 5, 15, 411)),
                    Head,
                    &["hypertension"],
                ),
                ("沈梅", Some(id(1957, 7, 17, 422)), Spouse, &[]),
            ],
        ),
        (
            "韩立",
            &[
                ("韩立", Some(id(1978, 8, 18, 431)), Head, &[]),
                ("杨柳", Some(id(1980, 10, 20, 442)), Spouse, &["pregnant"]),
                ("韩小雪", Some(id(2010, 12, 12, 462)), Child, &[]),
            ],
        ),
    ];
    assert_eq!(households(&preview), expected(want));
    import_and_compare(&mut f, &xls, want);
    assert_eq!(stored(&f.api, "韩立").0, "东庄村四组9号");

    let ods = request("06_libreoffice.ods");
    let preview = f.api.preview_import(&ods).unwrap();
    assert_eq!(
        (preview.header_row, preview.errors, preview.warnings),
        (2, 0, 0)
    );
    // The merged village is missing from this file: the title names it.
    let want: &[(&str, &[Person])] = &[
        (
            "朱一",
            &[
                ("朱一", Some(id(1960, 1, 1, 511)), Head, &["disabled"]),
                ("秦二", Some(id(1962, 2, 2, 522)), Spouse, &[]),
            ],
        ),
        (
            "许三",
            &[("许三", Some(id(1970, 3, 3, 531)), Head, &["low_income"])],
        ),
        (
            "尤四",
            &[
                ("尤四", Some(id(1985, 4, 4, 542)), Head, &[]),
                ("尤小五", Some(id(2015, 5, 5, 551)), Child, &[]),
            ],
        ),
    ];
    assert_eq!(households(&preview), expected(want));
    assert!(preview.household_list.iter().all(|h| h.village == "西庄村"));
    import_and_compare(&mut f, &ods, want);
    assert_eq!(stored(&f.api, "尤小五").0, "西庄村五组3号");
}

#[test]
fn dates_in_every_form_group_words_and_a_bad_member_in_a_good_household() {
    let mut f = fixture();
    let mut request = request("07_dates_groups_bad_member.xlsx");
    let preview = f.api.preview_import(&request).unwrap();
    use Severity::{Error as E, Warning as W};
    assert_eq!(
        issues(&preview),
        [
            (7, "birth_month_only", W),
            (10, "invalid_id_number", E),
            (11, "group_not_for_sex", E),
            (12, "unknown_group", W),
            (13, "duplicate_record_number", E),
            (13, "sex_mismatch", W),
            (13, "birth_date_mismatch", W),
        ]
    );
    let scopes: Vec<IssueScope> = preview
        .issues
        .iter()
        .filter(|i| i.severity == E)
        .map(|i| i.scope)
        .collect();
    assert_eq!(
        scopes,
        [
            IssueScope::Member,
            IssueScope::Member,
            IssueScope::Household
        ]
    );
    let head_error = preview
        .issues
        .iter()
        .find(|i| i.row == Some(13) && i.severity == E)
        .unwrap();
    assert_eq!(
        head_error.message,
        "健康档案编号与第 2 行（曹大）重复（户主有误，整户暂不能导入）"
    );
    assert_eq!(
        head_error.place,
        "“2026年台账”第 13 行，“健康档案编号”列，金花"
    );
    let cao = &preview.household_list[0].people;
    let births: Vec<Option<chrono::NaiveDate>> = cao.iter().map(|p| p.birth_date).collect();
    assert_eq!(
        births,
        [
            Some(day(1950, 1, 1)),
            Some(day(1952, 3, 4)),
            Some(day(1975, 6, 7)),
            Some(day(2012, 8, 9)),
            Some(day(2017, 9, 22)),
            Some(day(2019, 5, 1)),
            Some(day(1977, 7, 7)),
        ]
    );
    assert_eq!(
        (preview.members_with_errors, preview.households_with_errors),
        (3, 2)
    );
    assert_eq!(preview.importable_households, 1);
    assert!(!preview.can_import);

    // Leaving the members out is not enough: 金花's household has an error of its head.
    request.skip_invalid_members = true;
    let preview = f.api.preview_import(&request).unwrap();
    assert_eq!(
        (preview.importable_households, preview.importable_residents),
        (2, 9)
    );
    assert!(!preview.can_import);
    request.skip_invalid = true;
    let want: &[(&str, &[Person])] = &[
        (
            "曹大",
            &[
                ("曹大", Some(id(1950, 1, 1, 611)), Head, &["hypertension"]),
                ("曹二", None, Spouse, &["low_income"]),
                ("曹三", None, Child, &["severe_mental"]),
                ("曹四", None, Grandchild, &[]),
                ("曹五", None, Grandchild, &["disabled"]),
                ("曹六", None, Grandchild, &[]),
                ("曹七", Some(id(1977, 7, 7, 622)), ChildInLaw, &[]),
            ],
        ),
        (
            "严正",
            &[
                ("严正", Some(id(1968, 6, 6, 631)), Head, &[]),
                ("严小妹", Some(id(2000, 2, 2, 662)), Child, &[]),
            ],
        ),
    ];
    let outcome = import_and_compare(&mut f, &request, want);
    assert_eq!(
        (outcome.skipped_households, outcome.skipped_residents),
        (1, 4)
    );
    assert!(f.api.search("金花", 5).unwrap().is_empty());
    assert!(f.api.search("华丽", 5).unwrap().is_empty());
}

#[test]
fn a_townships_vocabulary_adds_its_own_words() {
    let f = fixture();
    let words = f.dir.path().join("our-words.toml");
    std::fs::write(&words, "[groups]\n\"火星病\" = [\"disabled\"]\n").unwrap();
    let mut request = request("07_dates_groups_bad_member.xlsx");
    request.vocabulary = Some(words.clone());
    let preview = f.api.preview_import(&request).unwrap();
    assert!(preview.issues.iter().all(|i| i.code != "unknown_group"));
    let girl = &preview.household_list[1].people[3];
    assert_eq!(
        (girl.name.as_str(), girl.groups.as_slice()),
        ("严小妹", &["disabled".to_string()][..])
    );
    std::fs::write(&words, "[groups]\n\"火星病\" = [\"martian\"]\n").unwrap();
    let e = f.api.preview_import(&request).unwrap_err();
    assert_eq!(e.code, "bad_vocabulary");
    assert!(e.message.contains("火星病"), "{}", e.message);
}

#[test]
fn files_that_are_not_rosters_are_refused_in_chinese() {
    let f = fixture();
    let broken = f.dir.path().join("坏的.xlsx");
    std::fs::write(&broken, b"PK\x03\x04 not really a workbook").unwrap();
    let e = f
        .api
        .preview_import(&ImportRequest {
            path: broken,
            ..Default::default()
        })
        .unwrap_err();
    assert_eq!(e.code, "unreadable_file");
    assert!(
        e.message.starts_with("无法打开“坏的.xlsx”"),
        "{}",
        e.message
    );
    let other = f.dir.path().join("名单.docx");
    std::fs::write(&other, b"x").unwrap();
    let e = f
        .api
        .preview_import(&ImportRequest {
            path: other,
            ..Default::default()
        })
        .unwrap_err();
    assert_eq!(e.code, "unknown_format");
    let notes = f.dir.path().join("说明.csv");
    std::fs::write(&notes, "填表说明\n请按要求填写\n").unwrap();
    let e = f
        .api
        .preview_import(&ImportRequest {
            path: notes,
            ..Default::default()
        })
        .unwrap_err();
    assert_eq!(e.code, "no_header");
    assert!(e.message.contains("“说明”"), "{}", e.message);
}
