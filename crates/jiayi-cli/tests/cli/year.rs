//! A household's year through the command line: a diagnosis, a newborn, a death, and what the
//! contract's history and the household's year then show. The binary reads the system clock,
//! so the dates are counted back from today.

use std::path::Path;
use std::process::Output;

use chrono::{Days, NaiveDate, Utc};
use serde_json::{Value, json as j};

use crate::{jiayi, json, small_demo};

fn today() -> NaiveDate {
    jiayi_core::time::china_date(Utc::now())
}

fn days_ago(n: u64) -> String {
    (today() - Days::new(n)).to_string()
}

fn id_number(body17: &str) -> String {
    format!("{body17}{}", jiayi_core::id_number::check_character(body17))
}

fn household_file(dir: &Path) -> String {
    let household = j!({
        "village": "东庄村", "group": "三组", "address": "东庄村三组12号",
        "members": [
            {"name": "司马德", "id_number": id_number("14082219520304017"), "relation": "head"},
            {"name": "柳翠", "id_number": id_number("14082219540607028"), "relation": "spouse"},
            {"name": "司马远", "id_number": id_number("14082219840203037"), "relation": "child"},
            {"name": "姚兰", "id_number": id_number("14082219930815026"), "relation": "child_in_law"}
        ]
    });
    let path = dir.join("household.json");
    std::fs::write(&path, household.to_string()).unwrap();
    path.to_str().unwrap().to_string()
}

/// A drawn signature as the app would save it (a PNG header is all the API checks).
fn signature(dir: &Path) -> String {
    let path = dir.join("signature.png");
    std::fs::write(&path, b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR").unwrap();
    path.to_str().unwrap().to_string()
}

fn refused(output: &Output, expected: &str) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "exit 2: {stderr}");
    assert!(stderr.contains(expected), "'{expected}' in: {stderr}");
}

#[test]
fn a_household_year_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("jiayi.sqlite3");
    small_demo(&db);
    let signature = signature(dir.path());

    let registered = json(&jiayi(
        &db,
        &["register", &household_file(dir.path()), "--json"],
    ));
    let household = registered["household_id"].as_str().unwrap().to_string();
    let ids: Vec<String> = registered["resident_ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    let (head, spouse, son, mother) = (&ids[0], &ids[1], &ids[2], &ids[3]);

    let mut sign = vec!["sign", "--household", &household];
    for id in &ids {
        sign.extend(["--member", id]);
    }
    let signed_on = days_ago(10);
    sign.extend(["--date", &signed_on, "--json"]);
    let signed = json(&jiayi(&db, &sign));
    let number = signed["agreement_number"].as_str().unwrap().to_string();

    // A diagnosis a week ago: the group brings a package the contract lacks, signed for after.
    let diagnosed = json(&jiayi(
        &db,
        &[
            "resident",
            "group",
            son,
            "--add",
            "hypertension",
            "--since",
            &days_ago(7),
            "--json",
        ],
    ));
    assert_eq!(diagnosed["packages_to_add"], j!(["basic_hypertension"]));
    let obligation = json(&jiayi(
        &db,
        &[
            "contract",
            "amend",
            &number,
            "--obligation",
            son,
            "--packages",
            "basic_hypertension",
            "--group",
            "hypertension",
            "--signature",
            &signature,
            "--json",
        ],
    ));
    assert_eq!(obligation["kind"]["type"], "obligation_added");

    // A newborn four days ago, added to the contract with the household's signature.
    let born = days_ago(4);
    let baby = dir.path().join("baby.json");
    std::fs::write(
        &baby,
        j!({"name": "司马小雨", "sex": "female", "birth_date": born, "relation": "grandchild",
            "reason": "birth", "mother_id": mother})
        .to_string(),
    )
    .unwrap();
    let added = json(&jiayi(
        &db,
        &[
            "member",
            "add",
            &household,
            baby.to_str().unwrap(),
            "--signature",
            &signature,
            "--json",
        ],
    ));
    let newborn = added["resident_id"].as_str().unwrap().to_string();
    assert!(added["amendment_id"].is_string(), "{added}");

    // A death two days ago: the doctor records it, coverage ends by itself.
    let died = days_ago(2);
    let left = json(&jiayi(
        &db,
        &[
            "member", "leave", spouse, "--reason", "died", "--on", &died, "--json",
        ],
    ));
    assert_eq!(left["amendment_ids"].as_array().unwrap().len(), 1);

    let history = json(&jiayi(&db, &["contract", "history", &number, "--json"]));
    let entries = history["entries"].as_array().unwrap();
    assert_eq!(entries[0]["type"], "signed");
    assert_eq!(
        entries[0]["on"],
        signed_on.as_str(),
        "the day it was signed for"
    );
    let amendments: Vec<&Value> = entries
        .iter()
        .filter(|e| e["type"] == "amendment")
        .map(|e| &e["amendment"])
        .collect();
    assert!(
        amendments
            .iter()
            .any(|a| a["kind"]["type"] == "member_added"
                && a["kind"]["resident_id"] == newborn.as_str()
                && a["effective_on"] == born.as_str())
    );
    assert!(
        amendments
            .iter()
            .any(|a| a["kind"]["type"] == "coverage_ended"
                && a["kind"]["reason"] == "death"
                && a["effective_on"] == died.as_str())
    );
    let covered: Vec<&str> = history["covered_today"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["resident_id"].as_str().unwrap())
        .collect();
    assert!(covered.contains(&newborn.as_str()) && covered.contains(&head.as_str()));
    assert!(
        !covered.contains(&spouse.as_str()),
        "the deceased is not covered"
    );
    let son_packages = history["covered_today"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["resident_id"] == son.as_str())
        .unwrap()["package_codes"]
        .clone();
    assert!(
        son_packages
            .as_array()
            .unwrap()
            .contains(&j!("basic_hypertension"))
    );

    let text = jiayi(&db, &["contract", "history", &number]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains(&format!("{signed_on}  签约"))
            && text.contains(&format!("{died}  协议变更：柳翠 服务终止（死亡）"))
    );
    assert!(
        text.contains("今日签约成员") && text.contains("司马小雨"),
        "{text}"
    );

    let year = json(&jiayi(&db, &["household", "year", &household, "--json"]));
    let deceased = year
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["resident_id"] == spouse.as_str())
        .unwrap();
    assert_eq!(deceased["member"], false);
    assert_eq!(deceased["left"]["on"], died.as_str());
    assert_eq!(deceased["left"]["reason"]["type"], "died");
    let text = jiayi(&db, &["household", "year", &household]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains(&format!("柳翠  离户 {died} 死亡")), "{text}");
    assert!(text.contains(&format!("{born} 出生入户")), "{text}");
    assert!(
        text.contains(&format!("高血压患者 {}~", days_ago(7))),
        "{text}"
    );

    // Bad input: refused with the reason, exit 2, nothing saved.
    let before = json(&jiayi(&db, &["status", "--json"]));
    let unknown = uuid::Uuid::now_v7().to_string();
    let future = (today() + Days::new(30)).to_string();
    refused(
        &jiayi(&db, &["resident", "group", son, "--add", "hypertensio"]),
        "hypertensio",
    );
    refused(
        &jiayi(
            &db,
            &[
                "resident", "group", head, "--add", "diabetes", "--since", &future,
            ],
        ),
        "晚于今天",
    );
    refused(
        &jiayi(
            &db,
            &[
                "member", "leave", &unknown, "--reason", "died", "--on", &died,
            ],
        ),
        "找不到",
    );
    refused(
        &jiayi(&db, &["member", "leave", head, "--reason", "died"]),
        "缺少 --on",
    );
    refused(
        &jiayi(
            &db,
            &["--lang", "en", "member", "leave", head, "--reason", "died"],
        ),
        "--on is required",
    );
    refused(
        &jiayi(
            &db,
            &["member", "leave", head, "--reason", "died", "--on", &future],
        ),
        "晚于今天",
    );
    refused(
        &jiayi(
            &db,
            &["member", "leave", spouse, "--reason", "died", "--on", &died],
        ),
        "死亡",
    );
    refused(
        &jiayi(
            &db,
            &[
                "contract",
                "amend",
                &number,
                "--end-member",
                mother,
                "--reason",
                "request",
            ],
        ),
        "签字",
    );
    refused(
        &jiayi(&db, &["resident", "edit", "not-an-id", "--name", "某"]),
        "not-an-id",
    );
    let after = json(&jiayi(&db, &["status", "--json"]));
    assert_eq!(before, after, "nothing saved by refused input");
}

#[test]
fn households_move_split_and_change_head() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("jiayi.sqlite3");
    small_demo(&db);
    let registered = json(&jiayi(
        &db,
        &["register", &household_file(dir.path()), "--json"],
    ));
    let household = registered["household_id"].as_str().unwrap().to_string();
    let ids: Vec<String> = registered["resident_ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    let (son, mother) = (&ids[2], &ids[3]);
    let on = days_ago(1);

    let edited = json(&jiayi(
        &db,
        &["resident", "edit", son, "--phone", "13912345678", "--json"],
    ));
    assert_eq!(edited["phone"], "13912345678");
    let changes = json(&jiayi(&db, &["household", "changes", &household, "--json"]));
    assert_eq!(changes[0]["field"], "phone");
    assert_eq!(changes[0]["new_value"], "13912345678");
    assert_eq!(changes[0]["since_registration"], true);
    let text = jiayi(&db, &["household", "changes", &household]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("电话: 登记时："), "{text}");
    assert!(text.contains("→ 13912345678"), "{text}");

    let split = json(&jiayi(
        &db,
        &[
            "household",
            "split",
            &household,
            "--members",
            &format!("{son}:head,{mother}:spouse"),
            "--address",
            "东庄村三组13号",
            "--on",
            &on,
            "--json",
        ],
    ));
    let new_household = split["new_household_id"].as_str().unwrap().to_string();
    let head = json(&jiayi(
        &db,
        &[
            "household",
            "head",
            &new_household,
            "--new-head",
            mother,
            "--relation",
            &format!("{son}:spouse"),
            "--json",
        ],
    ));
    let members = head["members"].as_array().unwrap();
    assert!(
        members
            .iter()
            .any(|m| m["name"] == "姚兰" && m["relation"] == "head")
    );
    let year = json(&jiayi(&db, &["household", "year", &household, "--json"]));
    let gone = year
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["resident_id"] == son.as_str())
        .unwrap();
    assert_eq!(gone["left"]["reason"]["type"], "moved_to_household");

    let moved = json(&jiayi(
        &db,
        &[
            "household",
            "move",
            &new_household,
            "--village",
            "西河村",
            "--on",
            &on,
            "--json",
        ],
    ));
    assert!(moved["village_id"].is_string());
    let shown = json(&jiayi(&db, &["household", &new_household, "--json"]));
    assert_eq!(shown["village"], "西河村");
}

#[test]
fn groups_recorded_at_registration_end_and_others_start() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("jiayi.sqlite3");
    small_demo(&db);
    let file = dir.path().join("household.json");
    let household = j!({
        "village": "东庄村", "group": "二组", "address": "东庄村二组3号",
        "members": [
            {"name": "诸葛谨", "id_number": id_number("14082219600304015"), "relation": "head",
             "groups": ["hypertension", "poverty_registered"]},
            {"name": "黄月", "id_number": id_number("14082219960607022"), "relation": "spouse",
             "groups": ["pregnant"]}
        ]
    });
    std::fs::write(&file, household.to_string()).unwrap();
    let registered = json(&jiayi(&db, &["register", file.to_str().unwrap(), "--json"]));
    let household = registered["household_id"].as_str().unwrap().to_string();
    let head = registered["resident_ids"][0].as_str().unwrap().to_string();
    let mother = registered["resident_ids"][1].as_str().unwrap().to_string();
    let day = days_ago(3);

    for args in [
        vec![
            "resident", "group", &head, "--add", "diabetes", "--since", &day,
        ],
        vec![
            "resident",
            "group",
            &head,
            "--end",
            "poverty_registered",
            "--on",
            &day,
        ],
        vec!["resident", "group", &mother, "--delivered", &day],
    ] {
        let out = jiayi(&db, &args);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let text = jiayi(&db, &["household", "year", &household]);
    let text = String::from_utf8_lossy(&text.stdout);
    for expected in [
        format!("2型糖尿病患者 {day}~"),
        "高血压患者 （登记时）~".to_string(),
        format!("~{day}"),
        format!("产妇 {day}~"),
    ] {
        assert!(text.contains(&expected), "{expected} in {text}");
    }
}

#[test]
fn a_guardian_signs_for_two_children_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("jiayi.sqlite3");
    small_demo(&db);
    let household = j!({
        "village": "东庄村", "group": "四组", "address": "东庄村四组8号",
        "members": [
            {"name": "欧阳朗", "id_number": id_number("14082220120304017"), "relation": "head"},
            {"name": "欧阳晴", "id_number": id_number("14082220150607028"), "relation": "sibling"}
        ]
    });
    let path = dir.path().join("children.json");
    std::fs::write(&path, household.to_string()).unwrap();
    let registered = json(&jiayi(&db, &["register", path.to_str().unwrap(), "--json"]));
    let household = registered["household_id"].as_str().unwrap().to_string();
    let ids: Vec<String> = registered["resident_ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    let base = [
        "sign",
        "--household",
        &household,
        "--member",
        &ids[0],
        "--member",
        &ids[1],
    ];

    refused(&jiayi(&db, &base), "欧阳朗");
    let mut relation_missing = base.to_vec();
    relation_missing.extend(["--guardian", "欧阳秀"]);
    let output = jiayi(&db, &relation_missing);
    assert_eq!(
        output.status.code(),
        Some(2),
        "clap refuses a guardian without a relation"
    );

    let mut by_guardian = base.to_vec();
    by_guardian.extend([
        "--guardian",
        "欧阳秀",
        "--guardian-relation",
        "祖母",
        "--preview",
    ]);
    let preview = json(&jiayi(&db, &by_guardian));
    assert_eq!(preview["party_b"]["representative_name"], "欧阳秀");
    assert_eq!(preview["party_b"]["guardian_relation"], "祖母");
    by_guardian.pop();
    by_guardian.push("--json");
    let signed = json(&jiayi(&db, &by_guardian));
    assert!(signed["agreement_number"].as_str().is_some(), "{signed}");
}
