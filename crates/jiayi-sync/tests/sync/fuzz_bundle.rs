//! Property fuzzing of offline bundles on the device's side: arbitrary bytes, truncated and
//! bit-flipped real bundles, replies for another device, to another request, signed by another
//! key, and well-signed replies with hostile content go through `peek`, `open_request` and
//! `import_reply` without a panic; every refusal is a clear `BundleError` and leaves the
//! device's data as it was.
//!
//! `JIAYI_FUZZ_CASES` sets the number of cases per property (default 1,000); see
//! `docs/security-testing.md` for runs at scale.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use ed25519_dalek::SigningKey;
use jiayi_core::change::Entity;
use jiayi_sync::bundle::{
    BundleError, Header, MAGIC, ReplyBundle, TownshipSecret, X25519Secret, export, import_reply,
    learn_township_keys, peek,
};
use jiayi_sync::bundle_seal::{open_request, seal_reply};
use jiayi_sync::protocol::{ChangeResult, ChangeStatus, PulledChange, RejectCode, Rejection};
use jiayi_sync::testing::MemReplica;
use proptest::prelude::*;
use serde_json::{Value, json};
use uuid::Uuid;

use jiayi_testkit::fuzz::{Edit, cases, documents, mutate};

const DEVICE: Uuid = Uuid::from_u128(0xD1);
const OTHER: Uuid = Uuid::from_u128(0xD2);
const VILLAGE: Uuid = Uuid::from_u128(0x71);
const TOKEN: &str = "device-token-for-fuzzing";

/// The township's keys (fixed, so a failing case repeats).
fn township() -> &'static TownshipSecret {
    static KEY: OnceLock<TownshipSecret> = OnceLock::new();
    KEY.get_or_init(|| TownshipSecret {
        bundle: X25519Secret::from_bytes([7; 32]),
        signing: SigningKey::from_bytes(&[9; 32]),
    })
}

/// A device holding the township's keys, with three pending changes.
fn replica() -> MemReplica {
    let mut r = MemReplica::new(DEVICE);
    learn_township_keys(&mut r, &township().public()).expect("keys");
    for i in 0..3u128 {
        r.write(
            Entity::Household,
            Uuid::from_u128(0x100 + i),
            VILLAGE,
            json!({"head_name": format!("户主{i}"), "address": "一组"}),
            1_700_000_000_000 + i as u64,
        );
    }
    r
}

/// A device that wrote its bundle and waits for the reply: the device, the header the reply
/// answers and the file.
fn waiting() -> (MemReplica, Header, Vec<u8>) {
    let mut r = replica();
    let file = export(&mut r, TOKEN, 1_700_000_001_000, 1000).expect("export");
    let header = peek(&file).expect("header");
    (r, header, file)
}

/// What a device keeps that a refused import must not touch.
fn snapshot(r: &MemReplica) -> String {
    let state: BTreeMap<_, _> = r.state.iter().collect();
    let mut records: Vec<String> = r
        .records
        .iter()
        .map(|(k, v)| format!("{k:?}{v:?}"))
        .collect();
    records.sort();
    format!("{:?}|{state:?}|{:?}|{records:?}", r.outbox, r.rejections)
}

/// A real reply for `replica()`: results for its changes and a colleague's change.
fn reply_json() -> Value {
    let r = replica();
    let mut colleague = MemReplica::new(OTHER);
    let change = colleague.write(
        Entity::Resident,
        Uuid::from_u128(0x200),
        VILLAGE,
        json!({"name": "张三", "household_id": Uuid::from_u128(0x100).to_string()}),
        1_700_000_000_500,
    );
    let results = r
        .outbox
        .keys()
        .map(|seq| ChangeResult {
            seq: *seq,
            status: if *seq == 2 {
                ChangeStatus::Rejected {
                    reason: Rejection::new(RejectCode::VillageNotInScope),
                }
            } else {
                ChangeStatus::Applied
            },
        })
        .collect();
    serde_json::to_value(ReplyBundle {
        device_id: DEVICE,
        server_epoch: Uuid::from_u128(0xE1),
        results,
        stored_through_seq: 3,
        pull_after: 0,
        changes: vec![PulledChange { cursor: 7, change }],
        next_cursor: 7,
        reference: None,
        role: None,
    })
    .expect("reply as JSON")
}

fn sealed_reply(header: &Header) -> Vec<u8> {
    let body = serde_json::to_vec(&reply_json()).expect("reply bytes");
    seal_reply(township(), header, &body).expect("seal")
}

/// Imports `bytes` into `r`; a refusal must be a bundle error and change nothing.
fn import_checked(r: &mut MemReplica, bytes: &[u8]) -> Result<(), BundleError> {
    let before = snapshot(r);
    let outcome = import_reply(r, bytes);
    if let Err(e) = &outcome {
        assert!(
            !matches!(e, BundleError::Replica(_)),
            "the in-memory device cannot fail: {e}"
        );
        assert_eq!(
            snapshot(r),
            before,
            "a refused bundle changed the device ({e})"
        );
        assert!(!e.user_message(jiayi_core::Lang::Zh).is_empty());
    }
    outcome.map(|_| ())
}

/// Imports `bytes` into a device waiting for another reply.
fn import_fresh(bytes: &[u8]) -> Result<(), BundleError> {
    import_checked(&mut waiting().0, bytes)
}

#[derive(Debug, Clone)]
enum Damage {
    Truncate(usize),
    Flip(usize, u8),
    Append(Vec<u8>),
    Splice(usize, Vec<u8>),
}

fn damage() -> impl Strategy<Value = Damage> {
    prop_oneof![
        any::<usize>().prop_map(Damage::Truncate),
        (any::<usize>(), 1u8..=255).prop_map(|(i, m)| Damage::Flip(i, m)),
        prop::collection::vec(any::<u8>(), 1..64).prop_map(Damage::Append),
        (any::<usize>(), prop::collection::vec(any::<u8>(), 1..32))
            .prop_map(|(i, b)| Damage::Splice(i, b)),
    ]
}

fn apply(bytes: &[u8], d: &Damage) -> Vec<u8> {
    let mut out = bytes.to_vec();
    if out.is_empty() {
        return out;
    }
    match d {
        Damage::Truncate(i) => out.truncate(i % out.len()),
        Damage::Flip(i, mask) => {
            let n = out.len();
            out[i % n] ^= mask;
        }
        Damage::Append(extra) => out.extend_from_slice(extra),
        Damage::Splice(i, b) => {
            let at = i % out.len();
            let end = (at + b.len()).min(out.len());
            out.splice(at..end, b.iter().copied());
        }
    }
    out
}

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        Just(json!(u64::MAX)),
        Just(json!(-1)),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        ".{0,24}".prop_map(Value::String),
        Just(json!("not-a-uuid")),
        Just(json!(Uuid::from_u128(0xD2).to_string())),
        Just(json!("upsert")),
        Just(json!("delete")),
        Just(json!("applied")),
        Just(json!("spaceship")),
        (0usize..5000).prop_map(|n| Value::String("长".repeat(n))),
    ]
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        3 => (any::<usize>(), documents(leaf())).prop_map(|(i, v)| Edit::Replace(i, v)),
        2 => any::<usize>().prop_map(Edit::Remove),
        1 => (any::<usize>(), 1usize..200).prop_map(|(i, d)| Edit::Nest(i, d)),
    ]
}

#[test]
fn a_real_reply_imports_once_and_every_truncation_of_it_is_refused() {
    let (mut r, header, _) = waiting();
    let sealed = sealed_reply(&header);
    for len in 0..sealed.len() {
        assert!(
            import_checked(&mut r, &sealed[..len]).is_err(),
            "truncated to {len}"
        );
    }
    assert!(import_checked(&mut r, &sealed).is_ok());
    assert!(matches!(
        import_checked(&mut r, &sealed),
        Err(BundleError::AlreadyImported(id)) if id == header.request
    ));
}

#[test]
fn a_reply_for_another_device_request_or_signer_is_refused() {
    let (mut r, header, file) = waiting();
    let body = serde_json::to_vec(&reply_json()).expect("reply bytes");
    let theirs = seal_reply(
        township(),
        &Header {
            device: OTHER,
            ..header
        },
        &body,
    )
    .expect("seal");
    assert!(matches!(import_checked(&mut r, &theirs), Err(BundleError::Foreign(d)) if d == OTHER));
    // Sealed for this device but naming another one inside.
    let mut inner = reply_json();
    inner["device_id"] = json!(OTHER.to_string());
    let lying = seal_reply(
        township(),
        &header,
        &serde_json::to_vec(&inner).expect("bytes"),
    )
    .expect("seal");
    assert!(matches!(import_checked(&mut r, &lying), Err(BundleError::Foreign(d)) if d == OTHER));
    // A request this device never made.
    let unknown = Uuid::from_u128(0xABC);
    let stray = seal_reply(
        township(),
        &Header {
            request: unknown,
            ..header
        },
        &body,
    )
    .expect("seal");
    assert!(matches!(
        import_checked(&mut r, &stray),
        Err(BundleError::UnknownRequest(id)) if id == unknown
    ));
    // Signed by another key than the township's.
    let forger = TownshipSecret::generate().expect("keys");
    let forged = seal_reply(&forger, &header, &body).expect("seal");
    assert!(matches!(
        import_checked(&mut r, &forged),
        Err(BundleError::BadSignature)
    ));
    // The device's own outgoing bundle is not a reply.
    assert!(matches!(
        import_checked(&mut r, &file),
        Err(BundleError::WrongDirection)
    ));
    assert!(import_checked(&mut r, &sealed_reply(&header)).is_ok());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_are_refused(bytes in prop::collection::vec(any::<u8>(), 0..256), magic in any::<bool>()) {
        let mut bytes = bytes;
        if magic {
            // Past the magic, so the header and the cipher get exercised too.
            bytes.splice(0..bytes.len().min(4), MAGIC.iter().copied());
        }
        let _ = peek(&bytes);
        prop_assert!(open_request(township(), &bytes).is_err());
        prop_assert!(import_fresh(&bytes).is_err());
    }

    #[test]
    fn damaged_real_bundles_are_refused(damages in prop::collection::vec(damage(), 1..4)) {
        let (mut r, header, device) = waiting();
        let reply = sealed_reply(&header);
        let mut bad_reply = reply.clone();
        let mut bad_device = device.clone();
        for d in &damages {
            bad_reply = apply(&bad_reply, d);
            bad_device = apply(&bad_device, d);
        }
        if bad_reply != reply {
            prop_assert!(import_checked(&mut r, &bad_reply).is_err());
        }
        if bad_device != device {
            let _ = peek(&bad_device);
            prop_assert!(open_request(township(), &bad_device).is_err());
        }
    }

    #[test]
    fn sealed_replies_with_hostile_content_never_panic(edits in prop::collection::vec(edit(), 1..5)) {
        let (mut r, header, _) = waiting();
        let body = serde_json::to_vec(&mutate(reply_json(), &edits)).expect("bytes");
        let sealed = seal_reply(township(), &header, &body).expect("seal");
        let _ = import_checked(&mut r, &sealed);
    }

    #[test]
    fn sealed_replies_of_arbitrary_bytes_are_refused(body in prop::collection::vec(any::<u8>(), 0..512)) {
        let (mut r, header, _) = waiting();
        let sealed = seal_reply(township(), &header, &body).expect("seal");
        let _ = import_checked(&mut r, &sealed);
    }
}
