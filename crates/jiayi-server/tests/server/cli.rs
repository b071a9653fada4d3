//! The `jiayi-server` command: the township CA, enrollment files, users, the audit log, and the
//! refusal to serve clear text on the network.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use jiayi_sync::enrollment::EnrollmentFile;
use jiayi_sync::protocol::DeviceRole;

fn run(db: &str, args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_jiayi-server"))
        .arg("--db")
        .arg(db)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run jiayi-server");
    if let Some(text) = stdin
        && let Some(mut input) = child.stdin.take()
    {
        input.write_all(text.as_bytes()).unwrap();
    }
    child.wait_with_output().unwrap()
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn ca_enrollment_file_users_audit_and_no_clear_text_on_the_network() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("township.db").display());
    let tls = dir.path().join("tls");
    let tls_dir = tls.display().to_string();
    ok(&run(
        &db,
        &[
            "ca",
            "init",
            "--dir",
            &tls_dir,
            "--host",
            "192.168.1.10",
            "--host",
            "jiayi.local",
        ],
        None,
    ));
    let ca = tls.join("ca.pem").display().to_string();
    let out_file = dir.path().join("device.json");
    let village = "00000000-0000-0000-0000-000000010001";
    let stdout = ok(&run(
        &db,
        &[
            "enroll",
            "--doctor",
            "王医生",
            "--team",
            "一组",
            "--village",
            village,
            "--server",
            "https://192.168.1.10:8470/",
            "--ca",
            &ca,
            "--out",
            &out_file.display().to_string(),
        ],
        None,
    ));
    let file = EnrollmentFile::from_json(&std::fs::read_to_string(&out_file).unwrap()).unwrap();
    assert_eq!(file.server, "https://192.168.1.10:8470");
    assert_eq!(file.role, DeviceRole::Doctor);
    assert_eq!(file.villages, vec![village.parse::<uuid::Uuid>().unwrap()]);
    assert_eq!(
        file.ca_pem.as_deref(),
        Some(std::fs::read_to_string(&ca).unwrap().as_str())
    );
    assert!(
        stdout.contains(&file.token),
        "the token is printed as before"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&out_file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "the file holds the token");
    }
    // A clear-text address off loopback is refused before anyone is enrolled.
    let refused = run(
        &db,
        &[
            "enroll",
            "--doctor",
            "李医生",
            "--team",
            "一组",
            "--village",
            village,
            "--server",
            "http://192.168.1.10:8470",
            "--out",
            "/dev/null",
        ],
        None,
    );
    assert!(!refused.status.success());
    let devices = ok(&run(&db, &["devices"], None));
    assert!(!devices.contains("李医生"));
    // A team leader needs no village.
    ok(&run(
        &db,
        &[
            "enroll",
            "--doctor",
            "周组长",
            "--team",
            "一组",
            "--role",
            "team-leader",
        ],
        None,
    ));

    ok(&run(
        &db,
        &["user", "add", "--name", "张主任", "--role", "admin"],
        Some("a long enough password\n"),
    ));
    assert!(
        !run(&db, &["user", "add", "--name", "x"], Some("short\n"))
            .status
            .success()
    );

    let verified = ok(&run(&db, &["audit", "verify"], None));
    assert!(verified.contains("intact: 3 entries"), "{verified}");
    let listed = ok(&run(&db, &["audit", "list"], None));
    let actions: Vec<String> = listed
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["action"].to_string())
        .collect();
    assert_eq!(actions, ["\"enroll\"", "\"enroll\"", "\"user-add\""]);
    assert!(!listed.contains("a long enough password") && !listed.contains(&file.token));
    ok(&run(&db, &["audit", "prune"], None));

    // Clear text on the network is refused; on loopback it is fine (checked by binding only).
    let served = run(&db, &["serve", "--listen", "0.0.0.0:0"], None);
    assert!(!served.status.success());
    assert!(String::from_utf8_lossy(&served.stderr).contains("refusing plain HTTP"));
}

/// `enroll --out` makes the enrollment file owner-only even over an existing world-readable
/// file, refuses a symbolic link before any device is enrolled, and the database the command
/// created is owner-only too.
#[cfg(unix)]
#[test]
fn enrollment_files_and_the_database_are_owner_only_and_links_are_refused() {
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let dir = tempfile::tempdir().unwrap();
    let db_path = dir.path().join("township.db");
    let db = format!("sqlite://{}", db_path.display());
    let enroll = |out: &std::path::Path| {
        run(
            &db,
            &[
                "enroll",
                "--doctor",
                "王医生",
                "--team",
                "一组",
                "--village",
                "00000000-0000-0000-0000-000000010001",
                "--server",
                "http://127.0.0.1:8470",
                "--out",
                &out.display().to_string(),
            ],
            None,
        )
    };
    let existing = dir.path().join("device.json");
    std::fs::write(&existing, "an older file").unwrap();
    std::fs::set_permissions(&existing, std::fs::Permissions::from_mode(0o644)).unwrap();
    ok(&enroll(&existing));
    assert_eq!(mode(&existing), 0o600, "the token's file is tightened");
    assert!(EnrollmentFile::from_json(&std::fs::read_to_string(&existing).unwrap()).is_ok());
    assert_eq!(mode(&db_path), 0o600, "the database holds health records");

    let elsewhere = dir.path().join("shared.txt");
    std::fs::write(&elsewhere, "not for tokens").unwrap();
    let link = dir.path().join("link.json");
    std::os::unix::fs::symlink(&elsewhere, &link).unwrap();
    let refused = enroll(&link);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("symbolic link"));
    assert_eq!(
        std::fs::read_to_string(&elsewhere).unwrap(),
        "not for tokens"
    );
    let devices = ok(&run(&db, &["devices"], None));
    let listed: serde_json::Value = serde_json::from_str(&devices).unwrap();
    assert_eq!(
        listed.as_array().map(Vec::len),
        Some(1),
        "nobody was enrolled for the refused file"
    );

    // A database left world-readable is tightened when the server opens it.
    std::fs::set_permissions(&db_path, std::fs::Permissions::from_mode(0o644)).unwrap();
    ok(&run(&db, &["devices"], None));
    assert_eq!(mode(&db_path), 0o600);
}
