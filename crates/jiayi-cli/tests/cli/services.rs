//! Two-way referral and the satisfaction survey through the command line: refer out, record
//! the return, take the survey, list both; a second survey in the contract year is refused in
//! Chinese with exit status 2.

use serde_json::json as j;

use crate::{jiayi, json, small_demo};

fn id_number(body17: &str) -> String {
    format!("{body17}{}", jiayi_core::id_number::check_character(body17))
}

#[test]
fn referral_and_survey_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("jiayi.sqlite3");
    small_demo(&db);
    let file = dir.path().join("household.json");
    let household = j!({
        "village": "东庄村", "group": "三组", "address": "东庄村三组15号",
        "members": [
            {"name": "欧阳平", "id_number": id_number("14082219500304017"), "relation": "head"},
            {"name": "欧阳丽", "id_number": id_number("14082219520607028"), "relation": "spouse"}
        ]
    });
    std::fs::write(&file, household.to_string()).unwrap();
    let registered = json(&jiayi(&db, &["register", file.to_str().unwrap(), "--json"]));
    let household = registered["household_id"].as_str().unwrap().to_string();
    let head = registered["resident_ids"][0].as_str().unwrap().to_string();
    let spouse = registered["resident_ids"][1].as_str().unwrap().to_string();
    json(&jiayi(
        &db,
        &[
            "sign",
            "--household",
            &household,
            "--member",
            &head,
            "--member",
            &spouse,
            "--json",
        ],
    ));

    let out = json(&jiayi(
        &db,
        &[
            "referral",
            "out",
            "--resident",
            &head,
            "--to",
            "县人民医院",
            "--reason",
            "胸闷待查",
            "--urgency",
            "urgent",
            "--json",
        ],
    ));
    assert_eq!(out["open"], true);
    assert_eq!(out["urgency"], "urgent");
    let referral = out["referral_id"].as_str().unwrap().to_string();
    let refused = jiayi(
        &db,
        &["referral", "back", "--referral", &referral, "--plan", " "],
    );
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("请填写后续随访计划"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    let back = json(&jiayi(
        &db,
        &[
            "referral",
            "back",
            "--referral",
            &referral,
            "--plan",
            "每周随访一次",
            "--json",
        ],
    ));
    assert_eq!(back["open"], false);
    let listed = jiayi(&db, &["referral", "list", &household]);
    let text = String::from_utf8_lossy(&listed.stdout);
    assert!(
        text.contains("县人民医院") && text.contains("每周随访一次"),
        "{text}"
    );

    let questions = json(&jiayi(&db, &["survey", "questions", "--json"]));
    let mut record = vec![
        "survey".to_string(),
        "record".into(),
        "--household".into(),
        household.clone(),
        "--answered-by".into(),
        spouse.clone(),
        "--json".into(),
    ];
    for q in questions["questions"].as_array().unwrap() {
        let code = q["code"].as_str().unwrap();
        let choice = q["choices"][0]["code"].as_str().unwrap();
        record.extend(["--answer".into(), format!("{code}={choice}")]);
    }
    let args: Vec<&str> = record.iter().map(String::as_str).collect();
    let survey = json(&jiayi(&db, &args));
    assert_eq!(survey["score"], 100.0);
    assert_eq!(survey["answered_by_name"], "欧阳丽");
    let again = jiayi(&db, &args);
    assert_eq!(again.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("每户每个签约年度一次"),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    let surveys = json(&jiayi(&db, &["survey", "list", &household, "--json"]));
    assert_eq!(surveys.as_array().unwrap().len(), 1);
    let bad = jiayi(
        &db,
        &[
            "survey",
            "record",
            "--household",
            &household,
            "--answered-by",
            &spouse,
            "--answer",
            "overall",
        ],
    );
    assert_eq!(bad.status.code(), Some(2));
}
