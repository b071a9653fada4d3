//! Abuse of the login and of connections: concurrent logins cannot get past the lockout, the
//! password checks running at once stay bounded, one address runs out of failed logins, a
//! password change ends the user's sessions, browsers get the security headers and cross-site
//! posts are refused, and idle or silent sockets cannot starve the server. Every load loop is
//! bounded in count and time, and only 127.0.0.1 is addressed.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use chrono::Utc;
use jiayi_server::web::connection::Timeouts;
use jiayi_server::web::login_guard::LoginLimits;
use jiayi_server::{Running, ServerState};
use jiayi_sync::Transport;
use jiayi_sync::http::HttpTransport;
use jiayi_sync::protocol::Limits;
use jiayi_testkit::pg;
use jiayi_testkit::township::*;

/// A second server on the township's storage, with its own login bounds and time limits.
fn serve(
    t: &Township,
    limits: LoginLimits,
    timeouts: Timeouts,
    tls: Option<std::sync::Arc<rustls::ServerConfig>>,
) -> (Running, ServerState) {
    let mut state =
        ServerState::new(t.storage().clone(), Limits::default()).with_login_limits(limits);
    state.timeouts = timeouts;
    let running = jiayi_server::spawn_with(state.clone(), "127.0.0.1:0", 2, tls).unwrap();
    (running, state)
}

fn generous() -> LoginLimits {
    LoginLimits {
        concurrent_checks: 4,
        busy_wait: Duration::from_secs(120),
        per_address: 10_000,
        address_window: Duration::from_secs(600),
    }
}

/// `n` logins at once (each on its own thread); their statuses.
fn logins_at_once(base: &str, n: usize, name: &str, password: &str) -> Vec<u16> {
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..n)
            .map(|_| s.spawn(|| login(base, name, password).0))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    })
}

fn concurrent_logins_cannot_get_past_the_lockout(t: &Township) {
    // In the storage: of 30 attempts reserved at once, exactly the allowed five get through.
    let storage = t.storage().clone();
    let now = Utc::now();
    let reserved = AtomicUsize::new(0);
    std::thread::scope(|s| {
        for _ in 0..30 {
            s.spawn(|| {
                let attempt = storage
                    .reserve_login(ADMIN_NAME, 5, now, now + chrono::Duration::minutes(15))
                    .unwrap();
                if attempt.is_some() {
                    reserved.fetch_add(1, Ordering::SeqCst);
                }
            });
        }
    });
    assert_eq!(reserved.load(Ordering::SeqCst), 5);
    assert!(
        storage
            .user(ADMIN_NAME)
            .unwrap()
            .unwrap()
            .locked_until
            .is_some()
    );
    // Unlocked again by setting the password (as `user add` does).
    jiayi_server::web::auth::add_user(storage.as_ref(), ADMIN_NAME, "admin", ADMIN_PASSWORD)
        .unwrap();

    // Over HTTP: 30 wrong passwords at once, then the right one is refused: the lock holds.
    let (server, state) = serve(t, generous(), Timeouts::default(), None);
    let base = format!("http://{}", server.addr);
    let statuses = logins_at_once(&base, 30, ADMIN_NAME, "wrong password!");
    assert!(statuses.iter().all(|s| *s == 401), "{statuses:?}");
    let (status, cookie) = login(&base, ADMIN_NAME, ADMIN_PASSWORD);
    assert_eq!((status, cookie), (401, None), "locked after the burst");
    // Every attempt did the same work, one password check, locked or not.
    assert_eq!(state.login_guard.checks(), 31);
    // An unknown name gets the same answer as the locked user.
    let unknown = web_client()
        .post(format!("{base}/login"))
        .form(&[("name", "nobody"), ("password", ADMIN_PASSWORD)])
        .send()
        .unwrap();
    let locked = web_client()
        .post(format!("{base}/login"))
        .form(&[("name", ADMIN_NAME), ("password", ADMIN_PASSWORD)])
        .send()
        .unwrap();
    assert_eq!(unknown.status(), locked.status());
    assert_eq!(unknown.text().unwrap(), locked.text().unwrap());
    server.stop();
}

fn a_password_change_ends_every_session(t: &Township) {
    let base = t.base();
    let (_, first) = login(&base, ADMIN_NAME, ADMIN_PASSWORD);
    let (_, second) = login(&base, ADMIN_NAME, ADMIN_PASSWORD);
    let page = |cookie: &str| {
        web_client()
            .get(format!("{base}/dashboard"))
            .header("cookie", cookie)
            .send()
            .unwrap()
            .status()
            .as_u16()
    };
    let (first, second) = (first.unwrap(), second.unwrap());
    assert_eq!((page(&first), page(&second)), (200, 200));
    jiayi_server::web::auth::add_user(
        t.storage().as_ref(),
        ADMIN_NAME,
        "admin",
        "a brand new passphrase",
    )
    .unwrap();
    assert_eq!(
        (page(&first), page(&second)),
        (303, 303),
        "both sessions ended"
    );
    let (status, fresh) = login(&base, ADMIN_NAME, "a brand new passphrase");
    assert_eq!(status, 303);
    assert_eq!(page(&fresh.unwrap()), 200);
}

#[test]
fn sqlite_concurrent_logins_cannot_get_past_the_lockout() {
    concurrent_logins_cannot_get_past_the_lockout(&Township::sqlite(Limits::default()));
}

#[test]
fn sqlite_a_password_change_ends_every_session() {
    a_password_change_ends_every_session(&Township::sqlite(Limits::default()));
}

#[test]
fn postgres_logins_and_sessions() {
    let Some(pg) = pg::PgCluster::start() else {
        return;
    };
    concurrent_logins_cannot_get_past_the_lockout(&Township::on(
        &pg.database("lc_lockout"),
        Limits::default(),
    ));
    a_password_change_ends_every_session(&Township::on(
        &pg.database("lc_sessions"),
        Limits::default(),
    ));
}

#[test]
fn concurrent_password_checks_stay_within_the_bound() {
    let t = Township::sqlite(Limits::default());
    let (server, state) = serve(&t, generous(), Timeouts::default(), None);
    let base = format!("http://{}", server.addr);
    // Unknown names: each login still runs a full (dummy) password check.
    let statuses = logins_at_once(&base, 24, "nobody", "some password");
    assert!(statuses.iter().all(|s| *s == 401), "{statuses:?}");
    assert_eq!(state.login_guard.checks(), 24);
    let peak = state.login_guard.peak_checks();
    assert!(
        (1..=4).contains(&peak),
        "at most 4 checks at once, saw {peak}"
    );
    server.stop();

    // With no time to wait, the excess is told the server is busy.
    let (server, _) = serve(
        &t,
        LoginLimits {
            concurrent_checks: 1,
            busy_wait: Duration::from_millis(1),
            ..generous()
        },
        Timeouts::default(),
        None,
    );
    let base = format!("http://{}", server.addr);
    let statuses = logins_at_once(&base, 12, "nobody", "some password");
    assert!(statuses.contains(&503), "{statuses:?}");
    server.stop();
}

#[test]
fn failed_logins_from_one_address_run_out() {
    let t = Township::sqlite(Limits::default());
    let (server, state) = serve(
        &t,
        LoginLimits {
            per_address: 3,
            ..generous()
        },
        Timeouts::default(),
        None,
    );
    let base = format!("http://{}", server.addr);
    for _ in 0..3 {
        assert_eq!(login(&base, "nobody", "wrong password!").0, 401);
    }
    let refused = web_client()
        .post(format!("{base}/login"))
        .form(&[("name", ADMIN_NAME), ("password", ADMIN_PASSWORD)])
        .send()
        .unwrap();
    assert_eq!(refused.status().as_u16(), 429);
    assert!(refused.text().unwrap().contains("登录失败次数过多"));
    assert_eq!(
        state.login_guard.checks(),
        3,
        "no password checked once refused"
    );
    server.stop();
}

#[test]
fn dashboard_answers_carry_security_headers_and_cross_site_posts_are_refused() {
    let t = Township::sqlite(Limits::default());
    let base = t.base();
    let page = web_client().get(format!("{base}/login")).send().unwrap();
    let h = page.headers();
    let csp = h["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"));
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert!(h.contains_key("referrer-policy"));
    assert!(!h.contains_key("strict-transport-security"), "plain HTTP");

    let post = |origin: Option<(&str, String)>| {
        let mut r = web_client()
            .post(format!("{base}/login"))
            .form(&[("name", ADMIN_NAME), ("password", ADMIN_PASSWORD)]);
        if let Some((name, value)) = origin {
            r = r.header(name, value);
        }
        let response = r.send().unwrap();
        (
            response.status().as_u16(),
            response.headers().contains_key("set-cookie"),
        )
    };
    assert_eq!(
        post(Some(("origin", "https://evil.example".into()))),
        (403, false)
    );
    assert_eq!(post(Some(("origin", "null".into()))), (403, false));
    assert_eq!(
        post(Some(("referer", "https://evil.example/form".into()))),
        (403, false)
    );
    assert_eq!(post(Some(("origin", base.clone()))), (303, true));
    assert_eq!(
        post(Some(("referer", format!("{base}/login")))),
        (303, true)
    );
    let logout = web_client()
        .post(format!("{base}/logout"))
        .header("origin", "https://evil.example")
        .send()
        .unwrap();
    assert_eq!(logout.status().as_u16(), 403);
}

#[test]
fn idle_and_slow_sockets_are_closed_and_health_still_answers() {
    let t = Township::sqlite(Limits::default());
    let timeouts = Timeouts {
        first_byte: Duration::from_secs(1),
        header_read: Duration::from_secs(2),
        idle: Duration::from_secs(2),
        handshakes_per_address: 8,
    };
    let (server, _) = serve(&t, generous(), timeouts, None);
    let started = Instant::now();
    let idle: Vec<TcpStream> = (0..600)
        .map(|_| TcpStream::connect(server.addr).unwrap())
        .collect();
    // Slow headers: a byte at a time, never finished.
    let mut slow: Vec<TcpStream> = (0..20)
        .map(|_| {
            let mut s = TcpStream::connect(server.addr).unwrap();
            s.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\n").unwrap();
            s
        })
        .collect();
    let health = || {
        let began = Instant::now();
        let ok = web_client()
            .get(format!("http://{}/health", server.addr))
            .timeout(Duration::from_secs(5))
            .send()
            .is_ok_and(|r| r.status().as_u16() == 200);
        (ok, began.elapsed())
    };
    let (ok, took) = health();
    assert!(
        ok && took < Duration::from_secs(5),
        "with 620 idle sockets: {took:?}"
    );
    for _ in 0..5 {
        for s in &mut slow {
            let _ = s.write_all(b"X");
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    // Every idle and slow socket was closed by the server, well within the bound.
    let closed = |s: &TcpStream| {
        s.set_read_timeout(Some(Duration::from_secs(3))).unwrap();
        let mut buf = [0u8; 512];
        let mut reader = s;
        loop {
            match reader.read(&mut buf) {
                Ok(0) => return true,
                Ok(_) => continue, // an error answer before closing
                Err(e) => {
                    return matches!(
                        e.kind(),
                        std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::BrokenPipe
                    );
                }
            }
        }
    };
    assert!(idle.iter().all(closed), "idle sockets closed");
    assert!(slow.iter().all(closed), "slow headers cut off");
    assert!(started.elapsed() < Duration::from_secs(30));
    let (ok, took) = health();
    assert!(ok && took < Duration::from_secs(5), "{took:?}");
    server.stop();
}

#[test]
fn silent_connections_do_not_starve_tls_handshakes() {
    let dir = tempfile::tempdir().unwrap();
    let (t, files) = Township::https(Limits::default(), dir.path());
    let config = jiayi_server::tls::server_config(&files.server_cert, &files.server_key).unwrap();
    let timeouts = Timeouts {
        first_byte: Duration::from_secs(1),
        ..Timeouts::default()
    };
    let (server, _) = serve(&t, generous(), timeouts, Some(config));
    let device = t.enroll("王医生", &[V1]);
    let ca = std::fs::read_to_string(&files.ca_cert).unwrap();
    let transport = HttpTransport::with_ca(
        &format!("https://{}", server.addr),
        &device.token,
        Some(&ca),
    )
    .unwrap();
    // 300 connections that never say a word: more than the 64 handshake slots.
    let silent: Vec<TcpStream> = (0..300)
        .map(|_| TcpStream::connect(server.addr).unwrap())
        .collect();
    let began = Instant::now();
    let answered = loop {
        if transport.info(&Default::default()).is_ok() {
            break true;
        }
        if began.elapsed() > Duration::from_secs(8) {
            break false;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    assert!(
        answered,
        "a device got through within {:?} (silent clients held 10 s slots before)",
        began.elapsed()
    );
    drop(silent);
    server.stop();
}

#[test]
fn answers_over_tls_ask_browsers_to_keep_to_https() {
    use tower::ServiceExt;
    let t = Township::sqlite(Limits::default());
    let mut state = ServerState::new(t.storage().clone(), Limits::default());
    let plain = jiayi_server::web::router(state.clone());
    state.secure_cookies = true; // as `serve_tls` sets it
    let tls = jiayi_server::web::router(state);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let hsts = |router: axum::Router| {
        runtime.block_on(async {
            let request = axum::http::Request::get("/login")
                .body(axum::body::Body::empty())
                .unwrap();
            let response = router.oneshot(request).await.unwrap();
            response
                .headers()
                .get("strict-transport-security")
                .map(|v| v.to_str().unwrap().to_string())
        })
    };
    assert_eq!(hsts(tls).as_deref(), Some("max-age=31536000"));
    assert_eq!(hsts(plain), None);
}
