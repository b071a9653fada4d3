//! Security on the server: HTTPS with the township CA pinned, roles, the dashboard's login and
//! lockout, and the hash-chained audit log, on SQLite and PostgreSQL.

use std::sync::atomic::Ordering;

use jiayi_core::change::Entity;
use jiayi_server::audit;
use jiayi_sync::error::{INSECURE_ADDRESS, UNTRUSTED_SERVER};
use jiayi_sync::http::HttpTransport;
use jiayi_sync::protocol::{DeviceRole, Limits, RejectCode};
use jiayi_sync::{SyncError, Transport};
use jiayi_testkit::pg;
use jiayi_testkit::township::*;
use serde_json::json;
use uuid::Uuid;

/// A township CA made by `ca init` in a temp folder, for `hosts`.
struct Ca {
    dir: tempfile::TempDir,
    files: jiayi_server::tls::CaFiles,
}

impl Ca {
    fn new(township: &str) -> Ca {
        let dir = tempfile::tempdir().unwrap();
        let files = jiayi_server::tls::ca_init(
            dir.path(),
            &["127.0.0.1".into(), "localhost".into()],
            township,
        )
        .unwrap();
        Ca { dir, files }
    }

    fn pem(&self) -> String {
        std::fs::read_to_string(&self.files.ca_cert).unwrap()
    }

    fn server_config(&self) -> std::sync::Arc<rustls::ServerConfig> {
        jiayi_server::tls::server_config(&self.files.server_cert, &self.files.server_key).unwrap()
    }
}

fn tls_township(ca: &Ca) -> Township {
    Township::sqlite_with(Limits::default(), Some(ca.server_config()))
}

#[test]
fn ca_init_writes_private_keys_and_refuses_to_replace_a_ca() {
    let ca = Ca::new("幸福镇");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for key in [&ca.files.ca_key, &ca.files.server_key] {
            let mode = std::fs::metadata(key).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "{}", key.display());
        }
    }
    assert!(ca.pem().starts_with("-----BEGIN CERTIFICATE-----"));
    assert!(
        jiayi_server::tls::ca_init(ca.dir.path(), &["127.0.0.1".into()], "幸福镇").is_err(),
        "devices pinned the CA: it is never silently replaced"
    );
    assert!(jiayi_server::tls::ca_init(&ca.dir.path().join("x"), &[], "幸福镇").is_err());
}

#[test]
fn sync_over_https_with_the_pinned_ca() {
    let ca = Ca::new("幸福镇");
    let t = tls_township(&ca);
    assert!(t.base().starts_with("https://127.0.0.1:"));
    let mut a = t.device("王医生", &[V1]);
    let mut b = t.device("李医生", &[V1]);
    a.register_households(V1, 3);
    let ta = HttpTransport::with_ca(&t.base(), &a.token, Some(&ca.pem())).unwrap();
    let tb = HttpTransport::with_ca(&t.base(), &b.token, Some(&ca.pem())).unwrap();
    let report = a.sync_via(&ta).unwrap();
    assert_eq!(report.applied, 9);
    b.sync_via(&tb).unwrap();
    assert_eq!(b.replica.records.len(), 9, "the colleague pulled over TLS");
    t.assert_exactly_once(&[&a, &b]);

    // Plain HTTP to the TLS port is no way in.
    let plain = HttpTransport::new(&t.base().replace("https://", "http://"), &a.token).unwrap();
    assert!(plain.info(&Default::default()).is_err());
    // Nor is HTTPS without the township CA.
    let e = HttpTransport::with_ca(&t.base(), &a.token, None)
        .err()
        .expect("https needs a pinned CA");
    assert_eq!(e.code(), INSECURE_ADDRESS);
}

#[test]
fn a_server_with_another_ca_is_refused_clearly_and_nothing_changes() {
    let ours = Ca::new("幸福镇");
    let theirs = Ca::new("冒充镇");
    let t = tls_township(&ours);
    let impostor = tls_township(&theirs);
    let mut a = t.device("王医生", &[V1]);
    // The impostor knows the token (the worst case): the certificate alone must stop it.
    impostor
        .storage()
        .enroll(
            &jiayi_server::storage::Enrollment {
                device_id: Some(a.id()),
                doctor_name: "王医生".into(),
                team_name: "一组团队".into(),
                villages: vec![V1],
                label: String::new(),
                awaiting_code: None,
            },
            chrono::Utc::now(),
        )
        .unwrap();
    a.register_households(V1, 2);
    let outbox_before = a.replica.outbox.clone();
    let state_before = a.replica.state.clone();
    let transport = HttpTransport::with_ca(&impostor.base(), &a.token, Some(&ours.pem())).unwrap();
    let e = a.sync_via(&transport).expect_err("refused");
    assert_eq!(e.code(), UNTRUSTED_SERVER, "{e}");
    assert!(
        e.to_string().contains("not the township's"),
        "the error says why: {e}"
    );
    assert!(!e.is_retryable());
    assert!(
        e.user_message(jiayi_core::Lang::Zh).contains("证书"),
        "{}",
        e.user_message(jiayi_core::Lang::Zh)
    );
    assert_eq!(a.replica.outbox, outbox_before, "nothing marked sent");
    assert_eq!(a.replica.state, state_before, "no cursor or epoch moved");
    assert!(impostor.log().is_empty(), "the impostor received nothing");
    assert!(t.log().is_empty());
    // The real server still works with the same device.
    let real = HttpTransport::with_ca(&t.base(), &a.token, Some(&ours.pem())).unwrap();
    assert_eq!(a.sync_via(&real).unwrap().applied, 6);
}

#[test]
fn plain_http_off_loopback_is_refused_before_connecting() {
    // 192.0.2.0/24 is reserved for documentation: a connection would hang until the timeout.
    let started = std::time::Instant::now();
    for url in ["http://192.0.2.10:8470", "http://township.example:8470"] {
        let e = HttpTransport::new(url, "jy1_x").err().expect(url);
        assert_eq!(e.code(), INSECURE_ADDRESS);
        assert!(matches!(e, SyncError::Refused { status: 0, .. }));
        assert!(e.user_message(jiayi_core::Lang::En).contains("https"));
    }
    assert!(started.elapsed() < std::time::Duration::from_secs(1));
}

#[test]
fn a_revoked_device_is_refused_over_tls() {
    let ca = Ca::new("幸福镇");
    let t = tls_township(&ca);
    let mut a = t.device("王医生", &[V1]);
    let transport = HttpTransport::with_ca(&t.base(), &a.token, Some(&ca.pem())).unwrap();
    a.sync_via(&transport).unwrap();
    assert!(t.storage().revoke(a.id(), chrono::Utc::now()).unwrap());
    a.register_households(V1, 1);
    let e = a.sync_via(&transport).expect_err("revoked");
    assert!(matches!(e, SyncError::Unauthorized(_)), "{e}");
    assert!(t.log().is_empty());
}

// ---------------------------------------------------------------------------------------------
// Roles, on both backends.

const V4: Uuid = Uuid::from_u128(0x0001_0004);

fn roles(t: &Township) {
    // Team 一组: V1 and V2; team 二组: V3.
    let mut d1 = t.device_as("赵医生", "一组", DeviceRole::Doctor, &[V1]);
    let mut d2 = t.device_as("钱医生", "一组", DeviceRole::Doctor, &[V2]);
    let mut d3 = t.device_as("孙医生", "二组", DeviceRole::Doctor, &[V3]);
    let mut leader = t.device_as("周组长", "一组", DeviceRole::TeamLeader, &[]);
    d1.register_households(V1, 1);
    d2.register_households(V2, 1);
    d3.register_households(V3, 1);
    for d in [&mut d1, &mut d2, &mut d3] {
        assert!(d.sync(t).unwrap().rejected.is_empty());
    }

    // A doctor neither pushes to nor pulls from another village.
    d1.edit(
        Entity::Household,
        Uuid::now_v7(),
        V2,
        json!({"address": "邻村"}),
    );
    let report = d1.sync(t).unwrap();
    assert_eq!(report.rejected.len(), 1);
    assert_eq!(report.rejected[0].1.code, RejectCode::VillageNotInScope);
    assert!(
        d2.replica
            .records
            .keys()
            .all(|k| !d1.replica.records.contains_key(k)),
        "nothing of V2 reached the V1 doctor"
    );

    // The leader reads every village of the team, none of the other team's.
    leader.sync(t).unwrap();
    let villages: std::collections::BTreeSet<_> = leader
        .replica
        .records
        .values()
        .map(|r| r.village_id)
        .collect();
    assert_eq!(villages, [V1, V2].into_iter().collect());
    assert_eq!(leader.replica.records.len(), 6);
    // … may write in them, and not in another team's village.
    leader.edit(
        Entity::Household,
        Uuid::now_v7(),
        V2,
        json!({"address": "二村"}),
    );
    leader.edit(
        Entity::Household,
        Uuid::now_v7(),
        V3,
        json!({"address": "别队"}),
    );
    let report = leader.sync(t).unwrap();
    assert_eq!(report.rejected.len(), 1);
    assert_eq!(report.rejected[0].1.code, RejectCode::VillageNotInScope);

    // The team's reach follows enrollment: a new village enrolled for the team is the leader's
    // too, and the other team's leader sees only its own.
    let mut d4 = t.device_as("吴医生", "一组", DeviceRole::Doctor, &[V4]);
    d4.register_households(V4, 1);
    d4.sync(t).unwrap();
    leader.sync(t).unwrap();
    assert!(leader.replica.records.values().any(|r| r.village_id == V4));
    let mut other = t.device_as("郑组长", "二组", DeviceRole::TeamLeader, &[]);
    other.sync(t).unwrap();
    assert!(other.replica.records.values().all(|r| r.village_id == V3));
    assert_eq!(other.replica.records.len(), 3);

    // A doctor's device still needs a village.
    assert!(
        t.storage()
            .enroll(
                &jiayi_server::storage::Enrollment {
                    device_id: None,
                    doctor_name: "无村".into(),
                    team_name: "一组".into(),
                    villages: vec![],
                    label: String::new(),
                    awaiting_code: None,
                },
                chrono::Utc::now(),
            )
            .is_err()
    );
}

#[test]
fn sqlite_roles() {
    roles(&Township::sqlite(Limits::default()));
}

// ---------------------------------------------------------------------------------------------
// The dashboard's login.

#[test]
fn dashboard_login_sessions_and_lockout() {
    let t = Township::sqlite(Limits::default());
    let base = t.base();
    let response = web_client()
        .get(format!("{base}/dashboard"))
        .send()
        .unwrap();
    assert_eq!(response.status().as_u16(), 303);
    assert_eq!(response.headers()["location"], "/login");
    let form = web_client().get(format!("{base}/login")).send().unwrap();
    assert_eq!(form.status().as_u16(), 200);
    assert!(form.text().unwrap().contains("type=\"password\""));

    // A good login: a session cookie the page script cannot read nor other sites send.
    let cookie_header = web_client()
        .post(format!("{base}/login"))
        .form(&[("name", ADMIN_NAME), ("password", ADMIN_PASSWORD)])
        .send()
        .unwrap()
        .headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_string();
    for flag in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age="] {
        assert!(cookie_header.contains(flag), "{cookie_header}");
    }
    let cookie = cookie_header.split(';').next().unwrap().to_string();
    let page = |cookie: &str| {
        web_client()
            .get(format!("{base}/dashboard"))
            .header("cookie", cookie)
            .send()
            .unwrap()
            .status()
            .as_u16()
    };
    assert_eq!(page(&cookie), 200);
    let (_, html) = admin_get(&format!("{base}/dashboard"));
    assert!(
        html.contains("action=\"/logout\""),
        "the page offers to log out"
    );
    assert_eq!(page("jiayi_session=jy1_forged"), 303);

    // Five wrong passwords lock the user; the sixth attempt is refused even with the right one,
    // with the answer a wrong password or an unknown name gets.
    for i in 0..5 {
        let (status, cookie) = login(&base, ADMIN_NAME, "wrong password!");
        assert!(cookie.is_none());
        assert_eq!(status, 401, "attempt {}", i + 1);
    }
    let (status, cookie) = login(&base, ADMIN_NAME, ADMIN_PASSWORD);
    assert_eq!(status, 401, "locked even with the right password");
    assert!(cookie.is_none());
    let user = t.storage().user(ADMIN_NAME).unwrap().unwrap();
    assert!(user.locked_until.is_some(), "the lockout is stored");
    // Unknown names are answered like wrong passwords.
    assert_eq!(login(&base, "nobody", ADMIN_PASSWORD).0, 401);

    // Still locked after 14 minutes; free after 15.
    t.clock_ahead.store(14 * 60, Ordering::SeqCst);
    assert_eq!(login(&base, ADMIN_NAME, ADMIN_PASSWORD).0, 401);
    t.clock_ahead.store(15 * 60 + 1, Ordering::SeqCst);
    let (status, fresh) = login(&base, ADMIN_NAME, ADMIN_PASSWORD);
    assert_eq!(status, 303);
    let fresh = fresh.unwrap();
    assert_eq!(page(&fresh), 200);

    // Sessions expire (8 hours).
    t.clock_ahead.store(9 * 3600, Ordering::SeqCst);
    assert_eq!(page(&fresh), 303);

    // Logging out ends the session on the server.
    t.clock_ahead.store(15 * 60 + 1, Ordering::SeqCst);
    let out = web_client()
        .post(format!("{base}/logout"))
        .header("cookie", &fresh)
        .send()
        .unwrap();
    assert_eq!(out.status().as_u16(), 303);
    assert_eq!(page(&fresh), 303);

    // Every attempt is in the audit log, without the password.
    t.storage().seal_audit().unwrap();
    let entries = t.storage().audit_entries(0, 1000).unwrap();
    let actions: Vec<_> = entries.iter().map(|e| e.action.as_str()).collect();
    for action in [
        "login",
        "login-refused",
        "login-locked",
        "dashboard",
        "logout",
    ] {
        assert!(actions.contains(&action), "{action} logged: {actions:?}");
    }
    let text = serde_json::to_string(&entries).unwrap();
    assert!(!text.contains(ADMIN_PASSWORD) && !text.contains("wrong password"));
}

#[test]
fn the_openapi_document_stays_valid() {
    let t = Township::sqlite(Limits::default());
    let spec: serde_json::Value = web_client()
        .get(format!("{}/openapi.json", t.base()))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert!(spec["paths"]["/dashboard"]["get"].is_object());
    assert!(spec["components"]["securitySchemes"]["admin_session"].is_object());
    assert!(spec["components"]["securitySchemes"]["admin_key"].is_null());
    let text = spec.to_string();
    assert!(
        !text.contains("\"admin_key\""),
        "no route refers to the old key"
    );
}

// ---------------------------------------------------------------------------------------------
// The audit log, on both backends.

/// Runs SQL straight on the township's database, past the server.
fn raw(t: &Township, sql: &str) -> Result<u64, String> {
    if t.db_url.starts_with("sqlite://") {
        let conn = rusqlite::Connection::open(t.sqlite_path()).map_err(|e| e.to_string())?;
        conn.execute_batch(sql).map_err(|e| e.to_string())?;
        Ok(conn.changes())
    } else {
        let mut c =
            postgres::Client::connect(&t.db_url, postgres::NoTls).map_err(|e| e.to_string())?;
        c.execute(sql, &[]).map_err(|e| e.to_string())
    }
}

fn bypass_guards(t: &Township) {
    if t.db_url.starts_with("sqlite://") {
        raw(
            t,
            "DROP TRIGGER audit_log_never_updated; DROP TRIGGER audit_log_kept_six_months;",
        )
        .unwrap();
    } else {
        raw(t, "ALTER TABLE audit_log DISABLE TRIGGER USER").unwrap();
    }
}

/// Every string in the devices' payloads that could identify a person or hold health data.
fn plaintexts(devices: &[&Device]) -> Vec<String> {
    fn walk(v: &serde_json::Value, out: &mut Vec<String>) {
        match v {
            serde_json::Value::String(s)
                if Uuid::parse_str(s).is_err() && s.chars().count() >= 2 =>
            {
                out.push(s.clone())
            }
            serde_json::Value::Array(a) => a.iter().for_each(|v| walk(v, out)),
            serde_json::Value::Object(m) => m.values().for_each(|v| walk(v, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    for d in devices {
        for (change, _) in d.replica.outbox.values() {
            walk(&change.payload, &mut out);
        }
    }
    out.sort();
    out.dedup();
    out
}

fn audit_log(t: &Township) {
    let mut a = t.device("王医生", &[V1]);
    let mut b = t.device("李医生", &[V1]);
    a.register_households(V1, 3);
    a.edit(
        Entity::Visit,
        Uuid::now_v7(),
        V1,
        json!({"kind": "hypertension_follow_up", "notes": "血压 132/84，头晕"}),
    );
    a.edit(
        Entity::Resident,
        Uuid::now_v7(),
        V1,
        json!({"name": "马秀英", "id_number": "110101195001011234", "phone": "13912345678"}),
    );
    a.sync(t).unwrap();
    b.sync(t).unwrap();
    let (status, _) = admin_get(&format!("{}/dashboard", t.base()));
    assert_eq!(status, 200);
    let storage = t.storage().as_ref();

    // The running server chains what requests queued by itself, a moment later.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while storage.audit_pending().unwrap() > 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "queued audit entries were not chained"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }

    // One entry per action, naming the records by id.
    let entries = storage.audit_entries(0, 10_000).unwrap();
    assert!(entries.len() >= 6, "{entries:?}");
    let push = entries
        .iter()
        .find(|e| e.action == "push" && e.actor == a.id().to_string())
        .expect("the push is logged");
    assert_eq!(push.role, "doctor");
    assert!(
        push.origin.starts_with("peer 127.0.0.1:"),
        "{}",
        push.origin
    );
    for (change, _) in a.replica.outbox.values() {
        assert!(
            entries
                .iter()
                .any(|e| e.records.contains(&change.entity_id.to_string())),
            "record {} logged",
            change.entity_id
        );
    }
    // The colleague's pull names each record it was handed, as `entity:id`.
    let pulled: Vec<&str> = entries
        .iter()
        .filter(|e| e.action == "pull" && e.actor == b.id().to_string())
        .flat_map(|e| e.records.split(' '))
        .collect();
    for (change, _) in a.replica.outbox.values() {
        let record = format!("{}:{}", change.entity.as_str(), change.entity_id);
        assert!(pulled.contains(&record.as_str()), "{record} in {pulled:?}");
    }
    assert!(
        entries
            .iter()
            .any(|e| e.action == "dashboard" && e.role == "admin")
    );

    // No plaintext health data anywhere in the log.
    let text = serde_json::to_string(&entries).unwrap();
    let secrets = plaintexts(&[&a, &b]);
    assert!(
        secrets.iter().any(|s| s == "马秀英"),
        "the check looks at names"
    );
    for s in &secrets {
        assert!(
            !text.contains(s.as_str()),
            "'{s}' leaked into the audit log"
        );
    }

    let whole = audit::verify(storage).unwrap();
    assert_eq!(whole.broken_at, None);
    assert_eq!(whole.entries, entries.len() as u64);
    let key = t.township_key();
    let now = chrono::Utc::now();
    assert_eq!(
        storage
            .prune_audit(audit::retention_cutoff(now), &|seq, hash| {
                jiayi_server::audit_seal::seal(&key, "anchor", seq, hash, now)
            })
            .unwrap(),
        0
    );

    // The guards refuse edits and early removal.
    assert!(raw(t, "UPDATE audit_log SET action = 'nothing' WHERE seq = 2").is_err());
    assert!(raw(t, "DELETE FROM audit_log WHERE seq = 2").is_err());
    if !t.db_url.starts_with("sqlite://") {
        assert!(raw(t, "TRUNCATE audit_log").is_err());
    }
    assert_eq!(audit::verify(storage).unwrap().broken_at, None);

    // Past the guards, an edit shows at the edited entry …
    bypass_guards(t);
    assert_eq!(
        raw(
            t,
            "UPDATE audit_log SET records = records || ' household:x' WHERE seq = 3"
        )
        .unwrap(),
        1
    );
    assert_eq!(audit::verify(storage).unwrap().broken_at, Some(3));
    // … and a removal at the entry after it, even when the edit above is first put back.
    let before = entries.iter().find(|e| e.seq == 3).unwrap();
    raw(
        t,
        &format!(
            "UPDATE audit_log SET records = '{}' WHERE seq = 3",
            before.records
        ),
    )
    .unwrap();
    assert_eq!(audit::verify(storage).unwrap().broken_at, None);
    raw(t, "DELETE FROM audit_log WHERE seq = 4").unwrap();
    assert_eq!(audit::verify(storage).unwrap().broken_at, Some(5));
    // A removed newest entry leaves no later hash to break, so the check above cannot see it:
    // that is what the guards and the database's own backups are for.
}

#[test]
fn sqlite_audit_log() {
    audit_log(&Township::sqlite(Limits::default()));
}

#[test]
fn postgres_roles_and_audit_log() {
    let Some(pg) = pg::PgCluster::start() else {
        return;
    };
    roles(&Township::on(&pg.database("sec_roles"), Limits::default()));
    audit_log(&Township::on(&pg.database("sec_audit"), Limits::default()));
    audit_queue(&jiayi_server::open_storage(&pg.database("sec_queue")).unwrap());
}

/// On PostgreSQL an entry waits in a queue until it is chained: it is counted as pending,
/// chained in the order it was queued, and the check covers it once chained.
fn audit_queue(storage: &jiayi_server::storage::DynStorage) {
    let now = chrono::Utc::now();
    for action in ["enroll", "revoke", "user-add"] {
        storage
            .append_audit(&jiayi_server::storage::AuditEvent::operator(action), now)
            .unwrap();
    }
    assert_eq!(storage.audit_pending().unwrap(), 3);
    assert!(storage.audit_entries(0, 100).unwrap().is_empty());
    let verified = audit::verify(storage.as_ref()).unwrap();
    assert_eq!(
        (verified.entries, verified.pending, verified.broken_at),
        (3, 0, None)
    );
    let actions: Vec<String> = storage
        .audit_entries(0, 100)
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(actions, ["enroll", "revoke", "user-add"]);
    assert_eq!(storage.seal_audit().unwrap(), 0, "nothing is chained twice");
    storage
        .append_audit(
            &jiayi_server::storage::AuditEvent::operator("audit-prune"),
            now,
        )
        .unwrap();
    assert_eq!(storage.seal_audit().unwrap(), 1);
    assert_eq!(audit::verify(storage.as_ref()).unwrap().entries, 4);
}
