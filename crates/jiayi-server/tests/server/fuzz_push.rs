//! Property fuzzing of the push path: arbitrary bytes and structurally mutated push requests go
//! through the server's router (the same extractor, decoding, scope checks and storage as a real
//! request) and, fewer of them, through a real server on 127.0.0.1. No request may panic or get
//! a 5xx: every answer is a 4xx with an `ApiError` body, or a 200 with one result per change.
//! Offline bundles given to the server's import are fuzzed the same way.
//!
//! `JIAYI_FUZZ_CASES` sets the number of in-process cases per property (default 1,000; the real
//! server gets a twentieth); see `docs/security-testing.md` for runs at scale.

use std::sync::OnceLock;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use chrono::Utc;
use jiayi_core::change::Entity;
use jiayi_server::storage::Enrolled;
use jiayi_server::{ServerError, ServerState};
use jiayi_sync::bundle::{BundleError, export, learn_township_keys};
use jiayi_sync::bundle_seal::seal_request;
use jiayi_sync::protocol::{ApiError, Limits, PushResponse};
use jiayi_sync::testing::MemReplica;
use jiayi_testkit::fuzz::{Edit, cases, documents, mutate};
use jiayi_testkit::township::{Township, V1, V2};
use proptest::prelude::*;
use serde_json::{Value, json};
use tower::ServiceExt;
use uuid::Uuid;

/// Small limits, so oversized bodies and batches are cheap to make.
const LIMITS: Limits = Limits {
    max_changes: 20,
    max_bytes: 64 * 1024,
    max_pull: 100,
};

struct Fixture {
    township: Township,
    device: Enrolled,
    router: axum::Router,
    runtime: tokio::runtime::Runtime,
    key: jiayi_server::township_key::TownshipKey,
}

/// One township for every case of this test binary.
fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let township = Township::sqlite(LIMITS);
        let device = township.enroll("李医生", &[V1]);
        let router =
            jiayi_server::web::router(ServerState::new(township.storage().clone(), LIMITS));
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("runtime");
        Fixture {
            key: township.township_key(),
            township,
            device,
            router,
            runtime,
        }
    })
}

/// A valid push of `n` changes from the fixture's device (seq chosen by the case).
fn valid_push(seq: u64, n: usize) -> Value {
    let f = fixture();
    let mut replica = MemReplica::new(f.device.device_id);
    let mut changes = Vec::new();
    for i in 0..n {
        let mut c = replica.write(
            if i % 2 == 0 {
                Entity::Household
            } else {
                Entity::Visit
            },
            Uuid::from_u128(0x1000 + (seq as u128 % 64) * 8 + i as u128),
            if i == 2 { V2 } else { V1 },
            json!({"head_name": "王五", "phone": "13800000000", "n": i}),
            1_700_000_000_000 + seq,
        );
        c.seq = seq + i as u64;
        changes.push(serde_json::to_value(c).expect("change as JSON"));
    }
    json!({"device_id": f.device.device_id.to_string(), "changes": changes})
}

/// The checks every answer must pass.
fn check_answer(
    status: StatusCode,
    body: &[u8],
    sent: Option<&Value>,
) -> Result<(), TestCaseError> {
    prop_assert!(
        !status.is_server_error(),
        "server error {status}: {}",
        String::from_utf8_lossy(body)
    );
    if status == StatusCode::OK {
        let answer: PushResponse = serde_json::from_slice(body)
            .map_err(|e| TestCaseError::fail(format!("a 200 that is not a push response: {e}")))?;
        if let Some(changes) = sent.and_then(|v| v["changes"].as_array()) {
            prop_assert_eq!(answer.results.len(), changes.len());
        }
    } else {
        prop_assert!(status.is_client_error(), "unexpected status {}", status);
        let err: ApiError = serde_json::from_slice(body).map_err(|e| {
            TestCaseError::fail(format!(
                "{status} without an ApiError body ({e}): {}",
                String::from_utf8_lossy(body)
            ))
        })?;
        prop_assert!(
            !err.code.is_empty() && !err.message_zh.is_empty() && !err.message_en.is_empty()
        );
    }
    Ok(())
}

/// Sends a request through the router in-process.
fn call(
    method: Method,
    uri: &str,
    content_type: Option<&str>,
    token: Option<&str>,
    body: Vec<u8>,
) -> (StatusCode, Vec<u8>) {
    let f = fixture();
    let mut req = Request::builder().method(method).uri(uri);
    if let Some(ct) = content_type {
        req = req.header(header::CONTENT_TYPE, ct);
    }
    if let Some(t) = token {
        req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    let req = req.body(Body::from(body)).expect("request");
    f.runtime.block_on(async {
        let resp = f.router.clone().oneshot(req).await.expect("infallible");
        let status = resp.status();
        let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
            .await
            .expect("body");
        (status, bytes.to_vec())
    })
}

fn push_in_process(body: Vec<u8>) -> (StatusCode, Vec<u8>) {
    let token = fixture().device.token.clone();
    call(
        Method::POST,
        "/v1/push",
        Some("application/json"),
        Some(&token),
        body,
    )
}

// ----- JSON mutation -----

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        Just(json!(u64::MAX)),
        Just(json!(i64::MAX as u64 + 1)),
        Just(json!(-1)),
        Just(json!(1.5e300)),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        ".{0,24}".prop_map(Value::String),
        Just(json!("not-a-uuid")),
        Just(json!("00000000-0000-0000-0000-000000000000")),
        Just(json!(Uuid::from_u128(0xBAD).to_string())),
        Just(json!(V2.to_string())),
        prop::sample::select(vec![
            "household",
            "resident",
            "contract",
            "contract_event",
            "visit",
            "spaceship",
            "upsert",
            "delete",
            "drop"
        ])
        .prop_map(|s| json!(s)),
        Just(json!("000001700000000-00000000-zzzz")),
        Just(json!(
            "999999999999999999999-99999999999-0000000000000000000000000000000d"
        )),
        Just(json!("a\u{0}b")),
        (0usize..40_000).prop_map(|n| Value::String("长".repeat(n))),
    ]
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        4 => (any::<usize>(), documents(leaf())).prop_map(|(i, v)| Edit::Replace(i, v)),
        2 => any::<usize>().prop_map(Edit::Remove),
        // Deeper documents are sent as text (`TextDamage::Deep`): building them as values here
        // would only test this file's own recursion.
        1 => (any::<usize>(), 1usize..140).prop_map(|(i, d)| Edit::Nest(i, d)),
        1 => any::<usize>().prop_map(Edit::Duplicate),
    ]
}

/// Text-level damage of a serialised request.
#[derive(Debug, Clone)]
enum TextDamage {
    Truncate(usize),
    Flip(usize, u8),
    Insert(usize, String),
    /// Wraps the value starting at a byte in `depth` arrays (closed at the end of the text).
    Deep(usize, usize),
}

fn text_damage() -> impl Strategy<Value = TextDamage> {
    prop_oneof![
        any::<usize>().prop_map(TextDamage::Truncate),
        (any::<usize>(), 1u8..=255).prop_map(|(i, m)| TextDamage::Flip(i, m)),
        (
            any::<usize>(),
            prop::sample::select(vec![
                "{", "}", "[", "]", ",", "\"", ":", "\\u0000", "\\ud800", "1e999", "-0", "NaN",
                "null"
            ])
            .prop_map(str::to_string)
        )
            .prop_map(|(i, s)| TextDamage::Insert(i, s)),
        (
            any::<usize>(),
            prop_oneof![100usize..200, Just(100_000usize)]
        )
            .prop_map(|(i, d)| TextDamage::Deep(i, d)),
    ]
}

fn damage_text(mut bytes: Vec<u8>, d: &TextDamage) -> Vec<u8> {
    let n = bytes.len().max(1);
    match d {
        TextDamage::Truncate(i) => bytes.truncate(i % n),
        TextDamage::Flip(i, m) => {
            if !bytes.is_empty() {
                bytes[i % n] ^= m;
            }
        }
        TextDamage::Insert(i, s) => {
            let at = i % (bytes.len() + 1);
            bytes.splice(at..at, s.bytes());
        }
        TextDamage::Deep(i, depth) => {
            let at = i % (bytes.len() + 1);
            bytes.splice(at..at, std::iter::repeat_n(b'[', *depth));
            bytes.extend(std::iter::repeat_n(b']', *depth));
        }
    }
    bytes
}

// ----- regressions -----

#[test]
fn unreadable_requests_get_an_api_error_not_plain_text() {
    let token = fixture().device.token.clone();
    for (ct, body, expected) in [
        (
            Some("application/json"),
            b"{".to_vec(),
            StatusCode::BAD_REQUEST,
        ),
        (
            Some("application/json"),
            br#"{"device_id": 5}"#.to_vec(),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            Some("text/plain"),
            b"{}".to_vec(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
        (None, b"{}".to_vec(), StatusCode::UNSUPPORTED_MEDIA_TYPE),
        (
            Some("application/json"),
            vec![b' '; 200 * 1024],
            StatusCode::PAYLOAD_TOO_LARGE,
        ),
    ] {
        let (status, body) = call(Method::POST, "/v1/push", ct, Some(&token), body);
        assert_eq!(status, expected, "{}", String::from_utf8_lossy(&body));
        let err: ApiError = serde_json::from_slice(&body).expect("an ApiError body");
        assert!(!err.message_zh.is_empty());
        if expected == StatusCode::UNPROCESSABLE_ENTITY {
            // The refusal names the field that did not read.
            assert!(
                String::from_utf8_lossy(&body).contains("device_id"),
                "{}",
                String::from_utf8_lossy(&body)
            );
        }
    }
    let (status, body) = call(
        Method::GET,
        "/v1/pull?after=x&limit=-1",
        None,
        Some(&token),
        vec![],
    );
    assert_eq!(status, StatusCode::BAD_REQUEST);
    serde_json::from_slice::<ApiError>(&body).expect("an ApiError body");
}

#[test]
fn a_deeply_nested_body_is_a_client_error() {
    let depth = 60_000;
    let mut push = serde_json::to_string(&valid_push(1, 1)).expect("text");
    let at = push.find("\"payload\":").expect("payload") + "\"payload\":".len();
    push.insert_str(at, &"[".repeat(depth));
    let end = push.rfind('}').expect("end");
    push.insert_str(end, &"]".repeat(depth));
    let (status, body) = push_in_process(push.into_bytes());
    assert!(status.is_client_error(), "{status}");
    serde_json::from_slice::<ApiError>(&body).expect("an ApiError body");
}

#[test]
fn a_cursor_beyond_i64_pulls_nothing() {
    // A colleague's change this device could pull (a wrapped cursor would return it).
    let f = fixture();
    let colleague = f.township.enroll("周医生", &[V1]);
    let mut replica = MemReplica::new(colleague.device_id);
    let change = replica.write(
        Entity::Household,
        Uuid::from_u128(0x7777),
        V1,
        json!({"a": 1}),
        1,
    );
    let scope = f
        .township
        .storage()
        .authenticate(&colleague.token)
        .expect("auth")
        .expect("scope");
    f.township
        .storage()
        .push(
            &scope,
            &[change],
            Utc::now(),
            &jiayi_server::storage::AuditEvent::operator("test"),
        )
        .expect("push");
    let token = f.device.token.clone();
    let (status, body) = call(
        Method::GET,
        "/v1/pull?after=0&limit=100",
        None,
        Some(&token),
        vec![],
    );
    assert_eq!(status, StatusCode::OK);
    let page: Value = serde_json::from_slice(&body).expect("json");
    assert!(page["changes"].as_array().is_some_and(|c| !c.is_empty()));
    let (status, body) = call(
        Method::GET,
        &format!("/v1/pull?after={}&limit=10", u64::MAX),
        None,
        Some(&token),
        vec![],
    );
    assert_eq!(status, StatusCode::OK);
    let page: Value = serde_json::from_slice(&body).expect("json");
    assert_eq!(page["changes"], json!([]));
}

#[test]
fn a_seq_beyond_i64_is_a_client_error() {
    let mut push = valid_push(1, 1);
    push["changes"][0]["seq"] = json!(u64::MAX);
    let (status, body) = push_in_process(serde_json::to_vec(&push).expect("bytes"));
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "{}",
        String::from_utf8_lossy(&body)
    );
}

// ----- properties -----

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bodies_get_a_client_error(body in prop::collection::vec(any::<u8>(), 0..512)) {
        let (status, answer) = push_in_process(body);
        check_answer(status, &answer, None)?;
    }

    #[test]
    fn mutated_push_requests_never_fail_the_server(seq in 1u64..5_000, n in 1usize..4, edits in prop::collection::vec(edit(), 1..5)) {
        let push = mutate(valid_push(seq, n), &edits);
        let (status, answer) = push_in_process(serde_json::to_vec(&push).expect("bytes"));
        check_answer(status, &answer, Some(&push))?;
    }

    #[test]
    fn damaged_push_text_never_fails_the_server(seq in 1u64..5_000, damages in prop::collection::vec(text_damage(), 1..4)) {
        let mut body = serde_json::to_vec(&valid_push(seq, 2)).expect("bytes");
        for d in &damages {
            body = damage_text(body, d);
        }
        let (status, answer) = push_in_process(body);
        check_answer(status, &answer, None)?;
    }

    #[test]
    fn hostile_pull_queries_never_fail_the_server(query in "[a-z=&%0-9.+-]{0,40}", after in any::<u64>(), limit in any::<i64>()) {
        let token = fixture().device.token.clone();
        for uri in [format!("/v1/pull?{query}"), format!("/v1/pull?after={after}&limit={limit}")] {
            let (status, body) = call(Method::GET, &uri, None, Some(&token), vec![]);
            prop_assert!(!status.is_server_error(), "{} {}: {}", uri, status, String::from_utf8_lossy(&body));
            if status != StatusCode::OK {
                prop_assert!(serde_json::from_slice::<ApiError>(&body).is_ok());
            }
        }
    }
}

/// The same mutated requests over real HTTP, against a server on 127.0.0.1 port 0.
#[test]
fn mutated_push_requests_over_http_never_fail_the_server() {
    let f = fixture();
    let url = format!("{}/v1/push", f.township.base());
    let client = reqwest::blocking::Client::new();
    let strategy = (1u64..5_000, 1usize..4, prop::collection::vec(edit(), 0..5));
    let config = ProptestConfig {
        cases: (cases() / 20).max(50),
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    let accepted = std::sync::atomic::AtomicUsize::new(0);
    let mut runner = proptest::test_runner::TestRunner::new(config);
    runner
        .run(&strategy, |(seq, n, edits)| {
            let push = mutate(valid_push(seq, n), &edits);
            let resp = client
                .post(&url)
                .bearer_auth(&f.device.token)
                .header(header::CONTENT_TYPE.as_str(), "application/json")
                .body(serde_json::to_vec(&push).expect("bytes"))
                .send()
                .map_err(|e| TestCaseError::fail(format!("request failed: {e}")))?;
            let status = StatusCode::from_u16(resp.status().as_u16()).expect("status");
            let body = resp
                .bytes()
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            if status == StatusCode::OK {
                accepted.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
            check_answer(status, &body, Some(&push))
        })
        .expect("no request over HTTP may fail the server");
    // Some cases carry no edit, so the merge and storage are reached, not only the decoding.
    assert!(accepted.into_inner() > 0, "no push was ever accepted");
}

// ----- the server's bundle import -----

/// The fixture device's real bundle with three changes.
fn real_bundle() -> Vec<u8> {
    let f = fixture();
    let mut replica = MemReplica::new(f.device.device_id);
    learn_township_keys(&mut replica, &f.key.public()).expect("keys");
    for i in 0..3u128 {
        replica.write(
            Entity::Household,
            Uuid::from_u128(0x9000 + i),
            V1,
            json!({"head_name": "赵六"}),
            1_700_000_000_000,
        );
    }
    export(&mut replica, &f.device.token, 1_700_000_000_000, 100).expect("export")
}

/// A refusal must be about the bundle or the request, never a storage failure.
fn import(bytes: &[u8]) -> Result<(), TestCaseError> {
    let f = fixture();
    match jiayi_server::bundle::answer(
        f.township.storage().as_ref(),
        &f.key,
        &LIMITS,
        bytes,
        Utc::now(),
    ) {
        Ok(_) | Err(ServerError::Bundle(_)) | Err(ServerError::Invalid(_)) => Ok(()),
        Err(other) => Err(TestCaseError::fail(format!(
            "bundle import failed inside: {other}"
        ))),
    }
}

#[test]
fn a_real_bundle_imports_and_foreign_ones_are_refused() {
    let f = fixture();
    let storage = f.township.storage();
    jiayi_server::bundle::answer(
        storage.as_ref(),
        &f.key,
        &LIMITS,
        &real_bundle(),
        Utc::now(),
    )
    .expect("import");
    // An unknown device, and a known one with a guessed token: the token is what counts.
    let stranger = Uuid::from_u128(0x5757);
    let mut r = MemReplica::new(stranger);
    learn_township_keys(&mut r, &f.key.public()).expect("keys");
    r.write(
        Entity::Household,
        Uuid::from_u128(1),
        V1,
        json!({"a": 1}),
        1,
    );
    let theirs = export(&mut r, "another-token", 1, 10).expect("export");
    assert!(matches!(
        jiayi_server::bundle::answer(storage.as_ref(), &f.key, &LIMITS, &theirs, Utc::now()),
        Err(ServerError::Bundle(BundleError::TokenRefused))
    ));
    // The right device's token in another device's file.
    let theirs = export(&mut r, &f.device.token, 1, 10).expect("export");
    assert!(matches!(
        jiayi_server::bundle::answer(storage.as_ref(), &f.key, &LIMITS, &theirs, Utc::now()),
        Err(ServerError::Bundle(BundleError::Foreign(d))) if d == stranger
    ));
    let mut r = MemReplica::new(f.device.device_id);
    learn_township_keys(&mut r, &f.key.public()).expect("keys");
    r.write(
        Entity::Household,
        Uuid::from_u128(1),
        V1,
        json!({"a": 1}),
        1,
    );
    let forged = export(&mut r, "a-guessed-token", 1, 10).expect("export");
    assert!(matches!(
        jiayi_server::bundle::answer(storage.as_ref(), &f.key, &LIMITS, &forged, Utc::now()),
        Err(ServerError::Bundle(BundleError::TokenRefused))
    ));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn damaged_bundles_are_refused_by_the_server(damages in prop::collection::vec(text_damage(), 1..4)) {
        let real = real_bundle();
        let mut bad = real.clone();
        for d in &damages {
            bad = damage_text(bad, d);
        }
        if bad != real {
            let f = fixture();
            let outcome = jiayi_server::bundle::answer(f.township.storage().as_ref(), &f.key, &LIMITS, &bad, Utc::now());
            prop_assert!(matches!(outcome, Err(ServerError::Bundle(_))), "{:?}", outcome.map(|_| ()));
        }
    }

    #[test]
    fn arbitrary_bytes_are_refused_by_the_server(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        import(&bytes)?;
    }

    #[test]
    fn authentic_bundles_with_hostile_content_never_fail_the_server(seq in 1u64..5_000, edits in prop::collection::vec(edit(), 1..5)) {
        let f = fixture();
        let push = valid_push(seq, 2);
        let body = json!({
            "device_id": f.device.device_id.to_string(),
            "token": f.device.token,
            "created_ms": 1_700_000_000_000i64,
            "pull_after": 0,
            "changes": push["changes"],
        });
        let body = serde_json::to_vec(&mutate(body, &edits)).expect("bytes");
        let (bundle_key, _) = f.key.public().parse().expect("keys");
        let (sealed, _) = seal_request(&bundle_key, f.device.device_id, Uuid::from_u128(seq as u128), &body).expect("seal");
        import(&sealed)?;
    }
}
