//! The township's recovery key through the `jiayi-server` command, on SQLite and PostgreSQL:
//! made once, its private half in a file only the owner reads, its public half served to
//! devices; and `recover` run on a doctor's store with the right and a wrong key.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use jiayi_sync::engine::Transport;
use jiayi_sync::http::HttpTransport;
use jiayi_testkit::township::{Limits, Township, V1};

fn server(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_jiayi-server"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run jiayi-server");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Makes the key with the command on the database at `db_url` and checks a device is told it.
fn made_and_served(db_url: &str, dir: &Path) -> String {
    let out_file = dir.join("township-recovery.key");
    let out = server(
        &[
            "--db",
            db_url,
            "recovery-key",
            "init",
            "--out",
            out_file.to_str().unwrap(),
        ],
        "",
    );
    assert!(out.status.success(), "{}", text(&out));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&out_file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "the private half is the owner's only");
    }
    let again = server(
        &[
            "--db",
            db_url,
            "recovery-key",
            "init",
            "--out",
            dir.join("second.key").to_str().unwrap(),
        ],
        "",
    );
    assert!(!again.status.success(), "a township has one recovery key");
    assert!(!dir.join("second.key").exists());

    let t = Township::on(db_url, Limits::default());
    let public = jiayi_server::recovery::public_key(t.storage().as_ref())
        .unwrap()
        .expect("kept in the server");
    assert!(text(&out).contains(&public));
    assert!(
        !std::fs::read_to_string(&out_file)
            .unwrap()
            .contains(&public),
        "the file holds the private half"
    );
    let enrolled = t.enroll("李医生", &[V1]);
    let info = HttpTransport::new(&t.base(), &enrolled.token)
        .unwrap()
        .info(&Default::default())
        .unwrap();
    assert_eq!(info.recovery_public_key.as_deref(), Some(public.as_str()));
    public
}

#[test]
fn the_recovery_key_is_made_once_and_served_on_sqlite_and_postgres() {
    let dir = tempfile::tempdir().unwrap();
    let sqlite = format!("sqlite://{}", dir.path().join("server.db").display());
    made_and_served(&sqlite, dir.path());
    let Some(pg) = jiayi_testkit::pg::PgCluster::start() else {
        return;
    };
    let pg_dir = dir.path().join("pg");
    std::fs::create_dir(&pg_dir).unwrap();
    made_and_served(&pg.database("recovery_key"), &pg_dir);
}

#[test]
fn recover_sets_a_new_passphrase_with_the_right_key_and_nothing_with_a_wrong_one() {
    use jiayi_core::Lang;
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("jiayi.sqlite3");
    let db = jiayi_api::create_vault(&store, "青山镇东庄村卫生室", "青山镇东庄村卫生室", Lang::Zh)
        .unwrap();
    let township = jiayi_store::RecoverySecretKey::generate();
    let opened = db.open().unwrap();
    opened
        .seal_to_recovery_key(&township.public_key().to_hex())
        .unwrap();
    drop(opened);
    let right = dir.path().join("right.key");
    let wrong = dir.path().join("wrong.key");
    std::fs::write(&right, township.to_file_text().as_bytes()).unwrap();
    std::fs::write(
        &wrong,
        jiayi_store::RecoverySecretKey::generate()
            .to_file_text()
            .as_bytes(),
    )
    .unwrap();
    let key_file = jiayi_store::KeyFile::path_for(&store);
    let before = std::fs::read(&key_file).unwrap();
    let recover = |key: &Path, input: &str| {
        server(
            &[
                "recover",
                "--store",
                store.to_str().unwrap(),
                "--recovery-key",
                key.to_str().unwrap(),
            ],
            input,
        )
    };

    let refused = recover(&wrong, "西庄村卫生室新口令\n西庄村卫生室新口令\n");
    assert!(!refused.status.success());
    assert!(text(&refused).contains("恢复密钥"), "{}", text(&refused));
    assert_eq!(std::fs::read(&key_file).unwrap(), before, "nothing changed");

    let done = recover(&right, "西庄村卫生室新口令\n西庄村卫生室新口令\n");
    assert!(done.status.success(), "{}", text(&done));
    let now = chrono::Utc::now();
    assert!(jiayi_api::unlock_vault(&store, "青山镇东庄村卫生室", now, Lang::Zh).is_err());
    let unlocked = jiayi_api::unlock_vault(&store, "西庄村卫生室新口令", now, Lang::Zh).unwrap();
    assert_eq!(
        unlocked.db.key, db.key,
        "the same data key: nothing re-encrypted"
    );
}
