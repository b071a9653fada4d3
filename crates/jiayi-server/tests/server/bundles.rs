//! Offline bundles on a real township (SQLite and PostgreSQL): sealed to the township's key
//! file, answered with a reply the township signs, imported once. A copy of the database alone
//! can neither read a device's file nor forge a reply; a forged, replayed, foreign or altered
//! reply changes nothing on the device.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use jiayi_server::ServerError;
use jiayi_sync::bundle::{self, BundleError, Header, TownshipSecret};
use jiayi_sync::bundle_seal::seal_reply;
use jiayi_sync::engine::LocalReplica;
use jiayi_sync::protocol::Limits;
use jiayi_testkit::pg;
use jiayi_testkit::township::*;
use sha2::{Digest, Sha256};

fn limits() -> Limits {
    Limits {
        max_changes: 10,
        max_bytes: 64 * 1024,
        max_pull: 7,
    }
}

/// What a device holds that a refused reply must leave alone.
fn held(d: &mut Device) -> (u64, Option<String>, Option<String>, Option<String>) {
    (
        d.replica.pending_count().unwrap(),
        d.replica.sync_state("pull_cursor").unwrap(),
        d.replica.sync_state("bundle_requests").unwrap(),
        d.replica.sync_state("bundle_imported").unwrap(),
    )
}

/// A device that holds the township's public keys, as the enrollment file hands them over.
fn offline_device(t: &Township, name: &str) -> Device {
    let mut d = t.device(name, &[V1]);
    bundle::learn_township_keys(&mut d.replica, &t.township_key().public()).unwrap();
    d
}

fn refused(outcome: jiayi_server::Result<Vec<u8>>) -> BundleError {
    match outcome {
        Err(ServerError::Bundle(e)) => e,
        Err(other) => panic!("refused for another reason: {other}"),
        Ok(_) => panic!("accepted"),
    }
}

/// A round trip by bundle, and each kind of bad reply refused with nothing changed.
fn round_trip_and_refusals(t: &Township) {
    let mut a = offline_device(t, "秦医生");
    let mut b = t.device("尤医生", &[V1]);
    b.register_households(V1, 2);
    b.sync(t).unwrap();
    a.register_households(V1, 4);

    // A device with no township key yet says so.
    let mut fresh = t.device("新医生", &[V1]);
    let err = bundle::export(&mut fresh.replica, &fresh.token, 0, 100).unwrap_err();
    assert!(matches!(err, BundleError::NoTownshipKey), "{err}");
    assert!(err.user_message(jiayi_core::Lang::Zh).contains("公钥"));

    let file = bundle::export(&mut a.replica, &a.token, 0, 100_000).unwrap();
    // A damaged copy is refused before anything is written.
    let mut damaged = file.clone();
    let last = damaged.len() - 1;
    damaged[last] ^= 0x40;
    assert!(matches!(
        refused(t.answer_bundle(&damaged)),
        BundleError::Damaged
    ));
    assert_eq!(
        t.log().len(),
        6,
        "only B's online changes are on the server"
    );

    let reply = t.answer_bundle(&file).unwrap();
    // The same file carried in twice is harmless on the server.
    let again = t.answer_bundle(&file).unwrap();
    assert_eq!(t.log().len(), 18);

    // A reply for another device: B (which also holds the keys now) refuses A's reply.
    bundle::learn_township_keys(&mut b.replica, &t.township_key().public()).unwrap();
    let before = held(&mut b);
    let err = bundle::import_reply(&mut b.replica, &reply).unwrap_err();
    assert!(
        matches!(err, BundleError::Foreign(d) if d == a.id()),
        "{err}"
    );
    assert_eq!(held(&mut b), before);

    // A reply forged with a key other than the township's, for A's outstanding request.
    let header = bundle::peek(&file).unwrap();
    let body = serde_json::to_vec(&serde_json::json!({
        "device_id": a.id(), "server_epoch": uuid::Uuid::nil(), "results": [],
        "stored_through_seq": 0, "pull_after": 0, "changes": [], "next_cursor": 0,
        "reference": null
    }))
    .unwrap();
    let forger = TownshipSecret::generate().unwrap();
    let forged = seal_reply(&forger, &header, &body).unwrap();
    let before = held(&mut a);
    let err = bundle::import_reply(&mut a.replica, &forged).unwrap_err();
    assert!(matches!(err, BundleError::BadSignature), "{err}");
    assert!(err.user_message(jiayi_core::Lang::Zh).contains("签名"));
    assert_eq!(held(&mut a), before, "a forged reply marks nothing");

    // A tampered byte anywhere (header, ciphertext, signature) is refused.
    for at in [
        4,
        5,
        30,
        50,
        80,
        bundle::HEADER_LEN + 5,
        reply.len() / 2,
        reply.len() - 1,
    ] {
        let mut bad = reply.clone();
        bad[at] ^= 0x01;
        assert!(
            bundle::import_reply(&mut a.replica, &bad).is_err(),
            "byte {at} altered"
        );
        assert_eq!(held(&mut a), before, "byte {at} altered changed nothing");
    }
    // A reply to a request the device never wrote (signed by the township all the same).
    let stray = seal_reply(
        &t.township_key().secret,
        &Header {
            request: uuid::Uuid::from_u128(77),
            ..header
        },
        &body,
    )
    .unwrap();
    assert!(matches!(
        bundle::import_reply(&mut a.replica, &stray),
        Err(BundleError::UnknownRequest(_))
    ));
    assert_eq!(held(&mut a), before);

    let report = bundle::import_reply(&mut a.replica, &reply).unwrap();
    assert_eq!(
        report.role,
        Some(jiayi_sync::protocol::DeviceRole::Doctor),
        "the reply names the role the township enrolled, as info does online"
    );
    assert_eq!(report.applied, 12);
    assert_eq!(report.pulled, 6, "B's records came back in the reply");
    assert_eq!(a.replica.pending_count().unwrap(), 0);
    // Replayed: the same reply, or the second reply to the same request, is refused as imported.
    let after = held(&mut a);
    for replayed in [&reply, &again] {
        let err = bundle::import_reply(&mut a.replica, replayed).unwrap_err();
        assert!(
            matches!(err, BundleError::AlreadyImported(id) if id == header.request),
            "{err}"
        );
        assert!(
            err.user_message(jiayi_core::Lang::Zh)
                .contains("已经导入过")
        );
        assert_eq!(held(&mut a), after);
    }
    t.assert_exactly_once(&[&a, &b]);

    // Online sync afterwards finds nothing missing.
    let online = a.sync(t).unwrap();
    assert_eq!(
        (
            online.applied,
            online.duplicates,
            online.requeued,
            online.pulled
        ),
        (0, 0, 0, 0)
    );
    // A revoked device's file is refused by its token, as its HTTP requests are.
    assert!(t.storage().revoke(a.id(), chrono::Utc::now()).unwrap());
    a.register_households(V1, 1);
    let file = bundle::export(&mut a.replica, &a.token, 0, 100_000).unwrap();
    assert!(matches!(
        refused(t.answer_bundle(&file)),
        BundleError::TokenRefused
    ));
}

/// The format-1 key: SHA-256 of a label and the token hash the server stores.
fn old_key(stored_token_hash: &str) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"jiayi-bundle-v1\0");
    h.update(stored_token_hash.as_bytes());
    h.finalize().into()
}

/// A format-1 file (`JYB1` · direction · device · nonce · ciphertext), sealed with `key`.
fn old_file(direction: u8, device: uuid::Uuid, key: &[u8; 32], body: &[u8]) -> Vec<u8> {
    let mut out = b"JYB1".to_vec();
    out.push(direction);
    out.extend_from_slice(device.as_bytes());
    out.extend_from_slice(&[3u8; 12]);
    let sealed = ChaCha20Poly1305::new(Key::from_slice(key))
        .encrypt(
            Nonce::from_slice(&[3u8; 12]),
            Payload {
                msg: body,
                aad: &out,
            },
        )
        .unwrap();
    out.extend_from_slice(&sealed);
    out
}

/// Everything the database holds about a device does not open its file, and a reply made with
/// it is refused; format-1 files are refused on both sides with their own message.
fn the_database_alone_neither_reads_nor_forges(t: &Township) {
    let mut a = offline_device(t, "韩医生");
    a.register_households(V1, 2);
    let file = bundle::export(&mut a.replica, &a.token, 0, 100).unwrap();
    let (_, stored_hash) = t.storage().device_key(a.id()).unwrap().expect("device");
    assert_eq!(
        stored_hash,
        bundle::token_hash(&a.token),
        "what the database holds"
    );

    // The old derivation from the stored hash opens nothing, whatever is taken for the nonce.
    let key = old_key(&stored_hash);
    let cipher = ChaCha20Poly1305::new(Key::from_slice(&key));
    for (nonce_at, body_at) in [
        (21, 33),
        (37 + 32, bundle::HEADER_LEN),
        (69, bundle::HEADER_LEN),
    ] {
        let opened = cipher.decrypt(
            Nonce::from_slice(&file[nonce_at..nonce_at + 12]),
            Payload {
                msg: &file[body_at..],
                aad: &file[..body_at],
            },
        );
        assert!(opened.is_err(), "the stored token hash opens the file");
    }
    // Nor does the token itself, or any of the stored data, appear in the file.
    let text = String::from_utf8_lossy(&file);
    assert!(!text.contains(&a.token) && !text.contains(&stored_hash));
    // On SQLite the database file holds none of the key file's secrets.
    if t.db_url.starts_with("sqlite://") {
        let key_text = std::fs::read_to_string(&t.key_path).unwrap();
        let db = std::fs::read(t.sqlite_path()).unwrap();
        let db = String::from_utf8_lossy(&db);
        for line in key_text.lines().filter(|l| !l.starts_with('#')) {
            if let Some((_, secret)) = line.split_once(' ') {
                assert!(!db.contains(secret), "a township secret is in the database");
            }
        }
    }

    // A reply forged with the old key (format 1) is refused as an old file, nothing changed.
    let forged = old_file(2, a.id(), &key, b"{}");
    let before = held(&mut a);
    let err = bundle::import_reply(&mut a.replica, &forged).unwrap_err();
    assert!(matches!(err, BundleError::OldFormat), "{err}");
    assert!(err.user_message(jiayi_core::Lang::Zh).contains("旧版"));
    assert_eq!(held(&mut a), before);
    // An old device file is refused by the server the same way, before anything is written.
    let old = old_file(1, a.id(), &key, b"{}");
    assert!(matches!(
        refused(t.answer_bundle(&old)),
        BundleError::OldFormat
    ));
    assert!(t.log().is_empty());
    // The genuine file still goes through.
    let reply = t.answer_bundle(&file).unwrap();
    assert_eq!(
        bundle::import_reply(&mut a.replica, &reply)
            .unwrap()
            .applied,
        6
    );
}

#[test]
fn offline_bundles_on_sqlite() {
    round_trip_and_refusals(&Township::sqlite(limits()));
    the_database_alone_neither_reads_nor_forges(&Township::sqlite(limits()));
}

#[test]
fn offline_bundles_on_postgres() {
    let Some(pg) = pg::PgCluster::start() else {
        return;
    };
    round_trip_and_refusals(&Township::on(&pg.database("bundles_round"), limits()));
    the_database_alone_neither_reads_nor_forges(&Township::on(
        &pg.database("bundles_copy"),
        limits(),
    ));
}

/// The server's `bundle` command with its key file beside the database: made owner-only at
/// first need, the same key the enrollment file names.
#[test]
fn the_bundle_command_reads_the_key_file_the_enrollment_file_names() {
    let dir = tempfile::tempdir().unwrap();
    let db_path = dir.path().join("township.db");
    let db = format!("sqlite://{}", db_path.display());
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_jiayi-server"))
            .arg("--db")
            .arg(&db)
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let enrollment = dir.path().join("device.json");
    let village = V1.to_string();
    let out = run(&[
        "enroll",
        "--doctor",
        "杨成山",
        "--team",
        "一组",
        "--village",
        &village,
        "--server",
        "http://127.0.0.1:8470",
        "--json",
        "--out",
        enrollment.to_str().unwrap(),
    ]);
    let enrolled: serde_json::Value = serde_json::from_str(&out).unwrap();
    let key_file = dir.path().join("township.db.township-key");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key_file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "the key file is owner-only");
    }
    let file = jiayi_sync::enrollment::EnrollmentFile::from_json(
        &std::fs::read_to_string(&enrollment).unwrap(),
    )
    .unwrap();
    let keys = file
        .township_keys
        .expect("the enrollment file names the keys");
    let key = jiayi_server::township_key::TownshipKey::load(&key_file).unwrap();
    assert_eq!(keys, key.public());

    let device: uuid::Uuid = enrolled["device_id"].as_str().unwrap().parse().unwrap();
    let mut replica = jiayi_sync::testing::MemReplica::new(device);
    bundle::learn_township_keys(&mut replica, &keys).unwrap();
    let mut d = Device {
        replica,
        token: enrolled["token"].as_str().unwrap().to_string(),
        now_ms: 1_700_000_000_000,
    };
    d.register_households(V1, 1);
    let to_server = dir.path().join("device.jyb");
    let reply_path = dir.path().join("reply.jyb");
    std::fs::write(
        &to_server,
        bundle::export(&mut d.replica, &d.token, 0, 100).unwrap(),
    )
    .unwrap();
    run(&[
        "bundle",
        "--in",
        to_server.to_str().unwrap(),
        "--out",
        reply_path.to_str().unwrap(),
    ]);
    let reply = std::fs::read(&reply_path).unwrap();
    let report = bundle::import_reply(&mut d.replica, &reply).unwrap();
    assert_eq!(report.applied, 3);
    assert_eq!(d.replica.pending_count().unwrap(), 0);
}
