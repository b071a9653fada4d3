//! The `jiayi` binary, run as a script or a person would run it.

use std::path::Path;
use std::process::{Command, Output};

use jiayi_testkit::township::Township;

use crate::{jiayi, json, small_demo};

/// The text of a PDF as poppler reads it (the test command installs poppler-utils).
fn pdf_text(path: &Path) -> String {
    let bytes = std::fs::read(path).unwrap();
    assert!(bytes.starts_with(b"%PDF"), "{} is a PDF", path.display());
    let out = Command::new("pdftotext")
        .arg("-enc")
        .arg("UTF-8")
        .arg(path)
        .arg("-")
        .output()
        .expect("pdftotext runs");
    assert!(out.status.success());
    String::from_utf8_lossy(&out.stdout).into_owned()
}

const HOUSEHOLD: &str = r#"{
  "village": "东庄村", "group": "一组", "address": "东庄村一组99号",
  "members": [
    {"name": "欧阳明", "id_number": "140822195503040131", "phone": "138 1234 5678", "relation": "head", "groups": ["hypertension"]},
    {"name": "林秀", "id_number": "140822195806070222", "relation": "spouse"},
    {"name": "欧阳小宝", "sex": "male", "birth_date": "2026-06-01", "relation": "grandchild"}
  ]
}"#;

fn fixed_id(body: &str) -> String {
    // Give the sample numbers their real check character.
    let body17 = &body[..17];
    format!("{body17}{}", jiayi_core::id_number::check_character(body17))
}

fn household_json() -> String {
    HOUSEHOLD
        .replace("140822195503040131", &fixed_id("140822195503040131"))
        .replace("140822195806070222", &fixed_id("140822195806070222"))
}

#[test]
fn a_day_of_work_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("jiayi.sqlite3");
    let demo = small_demo(&db);
    assert_eq!(demo["residents"], 500);

    let settings = json(&jiayi(
        &db,
        &["settings", "--term-policy", "calendar_year", "--json"],
    ));
    assert_eq!(settings["term_policy"], "calendar_year");
    let wrong = jiayi(&db, &["settings", "--term-policy", "forever"]);
    assert_eq!(wrong.status.code(), Some(2));

    let file = dir.path().join("household.json");
    std::fs::write(&file, household_json()).unwrap();
    let registered = json(&jiayi(&db, &["register", file.to_str().unwrap(), "--json"]));
    let ids = registered["resident_ids"].as_array().unwrap();
    assert_eq!(ids.len(), 3);
    let household = registered["household_id"].as_str().unwrap().to_string();
    let head = ids[0].as_str().unwrap().to_string();

    // Registering the same people again is refused with a warning; nothing is saved.
    let again = jiayi(&db, &["register", file.to_str().unwrap()]);
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("重复"));

    let hits = json(&jiayi(&db, &["search", "oym", "--json"]));
    let hit = &hits.as_array().unwrap()[0];
    assert_eq!(hit["name"], "欧阳明");
    for key in [
        "id",
        "name",
        "sex",
        "birth_date",
        "id_number",
        "phone",
        "household_id",
        "village",
    ] {
        assert!(hit.get(key).is_some(), "search output has {key}");
    }
    assert_eq!(hit["household_id"].as_str().unwrap(), household);

    let signed = json(&jiayi(
        &db,
        &[
            "sign",
            "--household",
            &household,
            "--member",
            &format!("{head}:paid_chronic_1"),
            "--json",
        ],
    ));
    let number = signed["agreement_number"].as_str().unwrap().to_string();
    assert!(
        signed["term"]["end"].as_str().unwrap().ends_with("-12-31"),
        "the township's term policy applies"
    );
    assert_eq!(signed["term"]["policy"], "calendar_year");
    assert_eq!(signed["verification_code"].as_str().unwrap().len(), 14);

    // The agreement as the household gets it: a real PDF with the Chinese text and the numbers.
    let agreement = dir.path().join("agreement.pdf");
    let printed = jiayi(
        &db,
        &[
            "print",
            "agreement",
            &number,
            "--out",
            agreement.to_str().unwrap(),
        ],
    );
    assert!(
        printed.status.success(),
        "{}",
        String::from_utf8_lossy(&printed.stderr)
    );
    let text = pdf_text(&agreement);
    for expected in [
        number.as_str(),
        "欧阳明",
        &fixed_id("140822195503040131"),
        "高血压",
    ] {
        assert!(text.contains(expected), "the agreement shows {expected}");
    }
    let cards = dir.path().join("cards.pdf");
    let printed = jiayi(
        &db,
        &[
            "print",
            "cards",
            "--village",
            "东庄村",
            "--out",
            cards.to_str().unwrap(),
        ],
    );
    assert!(
        printed.status.success(),
        "{}",
        String::from_utf8_lossy(&printed.stderr)
    );
    assert!(pdf_text(&cards).contains("欧阳明"));

    let visit = json(&jiayi(
        &db,
        &[
            "visit",
            "--resident",
            &head,
            "--item",
            "hypertension_follow_up",
            "--systolic",
            "132",
            "--diastolic",
            "84",
            "--json",
        ],
    ));
    assert_eq!(visit["bp_on_target"], true);
    assert!(visit["next_due"]["due_by"].is_string());

    // Who served: someone outside the team answering for 欧阳明 is refused, naming the team;
    // that team's nurse is accepted.
    let visit_by = |who: &str| {
        jiayi(
            &db,
            &[
                "visit",
                "--resident",
                &head,
                "--kind",
                "home_visit",
                "--served-by",
                who,
                "--json",
            ],
        )
    };
    let outsider = visit_by("00000000-0000-0000-0000-000000000099");
    assert_eq!(outsider.status.code(), Some(2));
    let message = String::from_utf8_lossy(&outsider.stderr).into_owned();
    assert!(message.contains("服务人员"), "{message}");
    let team_name = message
        .split_once('（')
        .and_then(|(_, rest)| rest.split_once('）'))
        .map(|(name, _)| name.to_string())
        .expect("the team is named");
    let teams = json(&jiayi(&db, &["teams", "--json"]));
    let nurse = teams
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == team_name.as_str())
        .and_then(|t| {
            t["members"]
                .as_array()
                .unwrap()
                .iter()
                .find(|m| m["role"] == "nurse")
        })
        .map(|m| m["id"].as_str().unwrap().to_string())
        .expect("the team has a nurse");
    let by_nurse = visit_by(&nurse);
    assert!(
        by_nurse.status.success(),
        "{}",
        String::from_utf8_lossy(&by_nurse.stderr)
    );

    let due = json(&jiayi(&db, &["due", "--json"]));
    assert!(
        due.as_array()
            .unwrap()
            .iter()
            .any(|d| d["resident_name"] == "欧阳明" && d["item_code"] == "chronic_monitoring")
    );

    let refused = jiayi(
        &db,
        &[
            "terminate",
            &number,
            "--reason",
            "moved_out",
            "--resident-confirmed",
        ],
    );
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("双方"));
    let ended = json(&jiayi(
        &db,
        &[
            "terminate",
            &number,
            "--reason",
            "moved_out",
            "--resident-confirmed",
            "--doctor-confirmed",
            "--json",
        ],
    ));
    assert!(ended["snapshot_sha256"].as_str().unwrap().len() == 64);

    // Renewal is automatic: renew-due only reports (the same twice) and writes nothing.
    let pending = json(&jiayi(&db, &["status", "--json"]))["pending_changes"].clone();
    let once = json(&jiayi(
        &db,
        &["renew-due", "--date", "2028-02-01", "--json"],
    ));
    let twice = json(&jiayi(
        &db,
        &["renew-due", "--date", "2028-02-01", "--json"],
    ));
    assert_eq!(once, twice);
    assert!(!once["renewed"].as_array().unwrap().is_empty());
    assert_eq!(
        json(&jiayi(&db, &["status", "--json"]))["pending_changes"],
        pending
    );
    let listed = jiayi(&db, &["renew-due", "--date", "2028-02-01"]);
    assert!(String::from_utf8_lossy(&listed.stdout).contains("次自动续约"));
    // A terminated contract has no renewal left to decline.
    let declined = jiayi(
        &db,
        &[
            "terminate",
            &number,
            "--decline-renewal",
            "--resident-confirmed",
            "--doctor-confirmed",
        ],
    );
    assert_eq!(declined.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&declined.stderr).contains("已解约"));

    let termination = dir.path().join("termination.pdf");
    let printed = jiayi(
        &db,
        &[
            "print",
            "termination",
            &number,
            "--out",
            termination.to_str().unwrap(),
        ],
    );
    assert!(
        printed.status.success(),
        "{}",
        String::from_utf8_lossy(&printed.stderr)
    );
    assert!(pdf_text(&termination).contains(&number));

    let status = json(&jiayi(&db, &["status", "--json"]));
    assert_eq!(status["households"], 121);
    assert!(status["pending_changes"].as_u64().unwrap() > 0);
}

#[test]
fn bad_input_exits_2_with_a_clear_message_and_saves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("jiayi.sqlite3");
    json(&jiayi(
        &db,
        &["demo", "--size", "small", "--date", "2026-11-23", "--json"],
    ));
    let before = json(&jiayi(&db, &["status", "--json"]))["residents"].clone();
    let file = dir.path().join("bad.json");
    std::fs::write(
        &file,
        household_json().replace(&fixed_id("140822195806070222"), "140822195806070229"),
    )
    .unwrap();

    let zh = jiayi(&db, &["register", file.to_str().unwrap()]);
    assert_eq!(zh.status.code(), Some(2));
    let message = String::from_utf8_lossy(&zh.stderr);
    assert!(
        message.contains("身份证号码有误") && message.contains("校验位"),
        "{message}"
    );

    let en = jiayi(&db, &["--lang", "en", "register", file.to_str().unwrap()]);
    assert_eq!(en.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&en.stderr).contains("check character"),
        "{}",
        String::from_utf8_lossy(&en.stderr)
    );

    std::fs::write(&file, "{\"village\": \"东庄村\", \"members\": [").unwrap();
    let broken = jiayi(&db, &["register", file.to_str().unwrap()]);
    assert_eq!(broken.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&broken.stderr).contains("JSON"));

    let unknown_village = household_json().replace("东庄村\", \"group", "不存在村\", \"group");
    std::fs::write(&file, unknown_village).unwrap();
    let nowhere = jiayi(&db, &["register", file.to_str().unwrap()]);
    assert_eq!(nowhere.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&nowhere.stderr).contains("找不到"));

    let after = json(&jiayi(&db, &["status", "--json"]))["residents"].clone();
    assert_eq!(before, after, "nothing was saved");
}

/// Enroll, sync, status, refusals and bundles against a real township server on 127.0.0.1.
#[test]
fn sync_commands_against_a_township_server() {
    use jiayi_server::storage::Enrollment;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("jiayi.sqlite3");
    let mut township = Township::sqlite(jiayi_sync_limits());
    let storage = township.storage().clone();

    // Before enrolling: a clear refusal, exit status 2.
    let out = jiayi(&db, &["sync"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("尚未登记"));
    let out = jiayi(
        &db,
        &["enroll", "--server", "http://10.1.2.3:8470", "--token", "x"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("https://"));

    json(&jiayi(
        &db,
        &["demo", "--size", "small", "--date", "2026-11-23", "--json"],
    ));
    let status = json(&jiayi(&db, &["sync-status", "--json"]));
    assert_eq!(status["enrolled"], false);
    let pending = status["pending_changes"].as_u64().unwrap();
    assert!(pending > 500, "{pending}");
    let device: uuid::Uuid = status["device_id"].as_str().unwrap().parse().unwrap();
    let teams = json(&jiayi(&db, &["teams", "--json"]));
    let villages: Vec<uuid::Uuid> = teams
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|t| t["villages"].as_array().unwrap().clone())
        .map(|v| v.as_str().unwrap().parse().unwrap())
        .collect();
    let enrolled = storage
        .enroll(
            &Enrollment {
                device_id: Some(device),
                doctor_name: "刘医生".into(),
                team_name: "东庄团队".into(),
                villages,
                label: "cli".into(),
                awaiting_code: None,
            },
            chrono::Utc::now(),
        )
        .unwrap();

    let enroll = [
        "enroll",
        "--server",
        &township.base(),
        "--token",
        &enrolled.token,
    ];
    // The demo township is refused by the real township's server, then taken by a demo one.
    let out = jiayi(&db, &enroll);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("演示数据"));
    township.make_demo();
    let out = jiayi(&db, &enroll);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("已登记到"));

    let out = jiayi(&db, &["sync"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains(&format!("上传 {pending}/{pending}")),
        "{stderr}"
    );
    assert!(stdout.contains("同步完成"), "{stdout}");
    assert!(stdout.contains("仍待同步 0 条"), "{stdout}");
    let status = json(&jiayi(&db, &["sync-status", "--json"]));
    assert_eq!(status["pending_changes"], 0);
    assert!(status["last_sync_at"].is_string());
    let refusals = jiayi(&db, &["refusals"]);
    assert!(
        String::from_utf8_lossy(&refusals.stdout).contains("没有被拒收的修改"),
        "{}",
        String::from_utf8_lossy(&refusals.stdout)
    );

    // A file that is not a reply is refused and changes nothing.
    let garbage = dir.path().join("garbage.jyb");
    std::fs::write(&garbage, b"JYB1 not really").unwrap();
    let out = jiayi(&db, &["bundle", "import", garbage.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("已损坏"));
    let export = dir.path().join("device.jyb");
    let out = json(&jiayi(
        &db,
        &["bundle", "export", export.to_str().unwrap(), "--json"],
    ));
    assert_eq!(out["changes"], 0);
    assert!(export.exists());

    assert!(storage.revoke(device, chrono::Utc::now()).unwrap());
    let out = jiayi(&db, &["sync"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("重新登记"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = jiayi(&db, &["--lang", "en", "sync-status"]);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("last sync failed"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    township.stop();
}

fn jiayi_sync_limits() -> jiayi_sync::protocol::Limits {
    jiayi_sync::protocol::Limits {
        max_changes: 200,
        max_bytes: 2 * 1024 * 1024,
        max_pull: 500,
    }
}

/// `jiayi` with the passphrase on standard input.
fn jiayi_with_passphrase(db: &Path, passphrase: &str, args: &[&str]) -> Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_jiayi"))
        .arg("--db")
        .arg(db)
        .arg("--passphrase-stdin")
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    writeln!(child.stdin.take().unwrap(), "{passphrase}").unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn a_plain_database_is_protected_in_place_and_then_needs_its_passphrase() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("jiayi.sqlite3");
    let out = jiayi(&db, &["demo", "--size", "small", "--date", "2026-11-23"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let before = json(&jiayi(&db, &["status", "--json"]));

    let out = jiayi_with_passphrase(&db, "青山镇东庄村卫生室", &["protect"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "数据库已加密，每条记录都已核对"
    );

    let locked = jiayi(&db, &["status"]);
    assert_eq!(locked.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&locked.stderr).contains("--passphrase-stdin"),
        "the message says what to do"
    );
    let wrong = jiayi_with_passphrase(&db, "青山镇东庄村卫生所", &["status"]);
    assert_eq!(wrong.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("口令不对"));

    let after = json(&jiayi_with_passphrase(
        &db,
        "青山镇东庄村卫生室",
        &["status", "--json"],
    ));
    for field in ["households", "residents", "contracts", "visits"] {
        assert_eq!(after[field], before[field], "{field} kept");
    }

    // `jiayi passwd`: old, new and new again on standard input.
    let passwd = |lines: &str| {
        use std::io::Write;
        let mut child = Command::new(env!("CARGO_BIN_EXE_jiayi"))
            .arg("--db")
            .arg(&db)
            .arg("passwd")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        write!(child.stdin.take().unwrap(), "{lines}").unwrap();
        child.wait_with_output().unwrap()
    };
    let wrong = passwd("青山镇东庄村卫生所\n西庄村卫生室新口令\n西庄村卫生室新口令\n");
    assert_eq!(wrong.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("口令不对"));
    let changed = passwd("青山镇东庄村卫生室\n西庄村卫生室新口令\n西庄村卫生室新口令\n");
    assert!(
        changed.status.success(),
        "{}",
        String::from_utf8_lossy(&changed.stderr)
    );
    assert!(String::from_utf8_lossy(&changed.stdout).contains("口令已修改"));
    let old = jiayi_with_passphrase(&db, "青山镇东庄村卫生室", &["status"]);
    assert_eq!(old.status.code(), Some(2));
    let renewed = json(&jiayi_with_passphrase(
        &db,
        "西庄村卫生室新口令",
        &["status", "--json"],
    ));
    for field in ["households", "residents", "contracts", "visits"] {
        assert_eq!(
            renewed[field], before[field],
            "{field} kept through the change"
        );
    }
}

/// `jiayi` with lines on standard input.
fn jiayi_with_lines(db: &Path, lines: &[&str], args: &[&str]) -> Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_jiayi"))
        .arg("--db")
        .arg(db)
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    for line in lines {
        writeln!(input, "{line}").unwrap();
    }
    drop(input);
    child.wait_with_output().unwrap()
}

#[test]
fn a_backup_written_to_a_folder_restores_as_a_new_store() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("a").join("jiayi.sqlite3");
    std::fs::create_dir_all(db.parent().unwrap()).unwrap();
    let passphrase = "青山镇东庄村卫生室";
    let status = json(&jiayi_with_passphrase(
        &db,
        passphrase,
        &["status", "--json"],
    ));
    let stick = dir.path().join("stick");
    std::fs::create_dir(&stick).unwrap();
    let written = jiayi_with_passphrase(
        &db,
        passphrase,
        &["backup", "--out", stick.to_str().unwrap()],
    );
    assert!(
        written.status.success(),
        "{}",
        String::from_utf8_lossy(&written.stderr)
    );
    assert!(String::from_utf8_lossy(&written.stdout).contains("读回核对无误"));
    let file = std::fs::read_dir(&stick)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();

    let new_laptop = dir.path().join("b").join("jiayi.sqlite3");
    std::fs::create_dir_all(new_laptop.parent().unwrap()).unwrap();
    let wrong = jiayi_with_lines(
        &new_laptop,
        &["不是这个口令不是这个口令"],
        &["restore", file.to_str().unwrap()],
    );
    assert_eq!(wrong.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("口令不对"));
    assert!(!new_laptop.exists(), "nothing written");
    let restored = jiayi_with_lines(
        &new_laptop,
        &[passphrase],
        &["restore", file.to_str().unwrap()],
    );
    assert!(
        restored.status.success(),
        "{}",
        String::from_utf8_lossy(&restored.stderr)
    );
    assert!(String::from_utf8_lossy(&restored.stdout).contains("已从备份恢复"));
    let again = json(&jiayi_with_passphrase(
        &new_laptop,
        passphrase,
        &["status", "--json"],
    ));
    assert_eq!(
        again["device_id"], status["device_id"],
        "the backed-up device"
    );

    let truncated = dir.path().join("truncated.jiayi-backup");
    let bytes = std::fs::read(&file).unwrap();
    std::fs::write(&truncated, &bytes[..100]).unwrap();
    let refused = jiayi_with_lines(
        &new_laptop,
        &[passphrase, passphrase],
        &["restore", truncated.to_str().unwrap()],
    );
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("备份文件已损坏或不完整"));
}
