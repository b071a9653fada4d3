use proptest::prelude::*;
use serde_json::json;
use uuid::Uuid;

use super::*;

fn hlc(wall: u64, device: u128) -> Hlc {
    Hlc {
        wall_ms: wall,
        counter: 0,
        device: Uuid::from_u128(device),
    }
}

#[derive(Debug, Clone)]
struct Owned {
    op: Op,
    hlc: Hlc,
    fields: Vec<String>,
    payload: Value,
}

impl Owned {
    fn up(at: Hlc, payload: Value) -> Owned {
        let fields = payload.as_object().unwrap().keys().cloned().collect();
        Owned {
            op: Op::Upsert,
            hlc: at,
            fields,
            payload,
        }
    }
    fn named(at: Hlc, fields: &[&str], payload: Value) -> Owned {
        Owned {
            op: Op::Upsert,
            hlc: at,
            fields: fields.iter().map(|f| f.to_string()).collect(),
            payload,
        }
    }
    fn delete(at: Hlc) -> Owned {
        Owned {
            op: Op::Delete,
            hlc: at,
            fields: vec![],
            payload: Value::Null,
        }
    }
    fn write(&self) -> Write<'_> {
        Write {
            op: self.op,
            hlc: self.hlc,
            fields: &self.fields,
            payload: &self.payload,
        }
    }
}

fn apply_all<'a>(writes: impl IntoIterator<Item = &'a Owned>) -> Versioned {
    writes
        .into_iter()
        .fold(None::<Versioned>, |state, w| {
            Some(merge(state.as_ref(), w.write()).state)
        })
        .unwrap_or_default()
}

#[test]
fn a_later_value_wins_and_an_earlier_one_is_reported_lost() {
    let created = Owned::up(hlc(10, 1), json!({"name": "王芳", "phone": "1"}));
    let later = Owned::named(
        hlc(20, 2),
        &["phone"],
        json!({"name": "王芳", "phone": "2"}),
    );
    let stale = Owned::named(hlc(15, 3), &["phone"], json!({"phone": "3"}));
    let base = merge(None, created.write()).state;
    let after_later = merge(Some(&base), later.write());
    assert!(after_later.lost.is_empty());
    assert_eq!(
        after_later.superseded.len(),
        1,
        "the old phone was replaced"
    );
    let after_stale = merge(Some(&after_later.state), stale.write());
    assert_eq!(
        after_stale.state, after_later.state,
        "a stale write changes nothing"
    );
    assert_eq!(after_stale.lost.len(), 1);
    assert_eq!(after_stale.lost[0].value, json!("3"));
    assert_eq!(after_stale.lost[0].winning_hlc, hlc(20, 2));
}

#[test]
fn a_field_without_a_clock_takes_any_named_write() {
    // A partial change arrives before the record's creation: what it carries unnamed is
    // filler, and the older creation still sets those fields.
    let partial = Owned::named(hlc(20, 2), &["end"], json!({"start": "stale", "end": "x"}));
    let created = Owned::up(hlc(10, 1), json!({"start": "real", "end": null}));
    let state = apply_all([&partial, &created]);
    assert_eq!(state.payload["start"], "real");
    assert_eq!(state.payload["end"], "x");
    assert_eq!(state, apply_all([&created, &partial]));
}

#[test]
fn deletions_against_edits_in_both_orders() {
    let created = Owned::up(hlc(10, 1), json!({"a": 1}));
    let deletion = Owned::delete(hlc(30, 2));
    let older_edit = Owned::named(hlc(20, 3), &["b"], json!({"b": 2}));
    let newer_edit = Owned::named(hlc(40, 3), &["a"], json!({"a": 5}));
    let old_deletion = Owned::delete(hlc(5, 4));

    let deleted = apply_all([&created, &deletion]);
    assert_eq!(deleted.deleted, Some(hlc(30, 2)));
    let edit = merge(Some(&deleted), older_edit.write());
    assert_eq!(
        edit.state.deleted,
        Some(hlc(30, 2)),
        "an older edit does not undelete"
    );
    assert_eq!(
        edit.lost.len(),
        1,
        "the older edit is reported lost to the deletion"
    );
    assert_eq!(
        edit.state,
        apply_all([&created, &older_edit, &deletion]),
        "and kept under it, as if it had come first"
    );
    let back = merge(Some(&edit.state), newer_edit.write()).state;
    assert_eq!(back.deleted, None, "a later edit brings the record back");

    let lost_deletion = merge(Some(&back), old_deletion.write());
    assert_eq!(lost_deletion.state, back);
    assert_eq!(lost_deletion.lost[0].field, DELETED_FIELD);
    let twice = merge(Some(&deleted), old_deletion.write());
    assert!(
        twice.lost.is_empty() && twice.state == deleted,
        "an older deletion of a deleted record changes nothing"
    );
}

/// Random writes to one record: upserts naming some of three fields, and deletions, each with
/// its own clock (clocks never tie: they carry the device).
fn writes() -> impl Strategy<Value = Vec<Owned>> {
    let one = (0u64..40, 0u128..3, any::<bool>(), 1u8..8, 0i64..4).prop_map(
        |(wall, device, deletion, mask, value)| {
            let at = hlc(wall, device);
            if deletion {
                return Owned::delete(at);
            }
            let all = ["a", "b", "c"];
            let named: Vec<&str> = (0..3)
                .filter(|i| mask & (1 << i) != 0)
                .map(|i| all[i])
                .collect();
            // The payload is the whole record as the writer saw it: named fields carry the new
            // value, the others something stale.
            let payload: Map<String, Value> = all
                .iter()
                .map(|f| {
                    let v = if named.contains(f) {
                        json!(value)
                    } else {
                        json!(-1)
                    };
                    (f.to_string(), v)
                })
                .collect();
            Owned::named(at, &named, Value::Object(payload))
        },
    );
    proptest::collection::vec(one, 1..8).prop_map(|mut ws| {
        // One write per clock value: a clock names one write everywhere.
        ws.sort_by_key(|w| w.hlc);
        ws.dedup_by_key(|w| w.hlc);
        ws
    })
}

proptest! {
    #[test]
    fn every_arrival_order_gives_the_same_record(
        (ws, order) in writes().prop_flat_map(|ws| {
            let n = ws.len();
            (Just(ws), Just((0..n).collect::<Vec<_>>()).prop_shuffle())
        })
    ) {
        let in_clock_order = apply_all(&ws);
        let shuffled = apply_all(order.iter().map(|&i| &ws[i]));
        // Filler (unnamed fields) may differ until a named write sets them; named fields,
        // clocks and the deletion never do.
        let named = |v: &Versioned| -> (BTreeMap<String, (Value, Hlc)>, Option<Hlc>) {
            (
                v.field_hlc.iter().map(|(f, h)| (f.clone(), (v.payload[f].clone(), *h))).collect(),
                v.deleted,
            )
        };
        prop_assert_eq!(named(&in_clock_order), named(&shuffled));
    }

    #[test]
    fn applying_a_write_twice_changes_nothing(ws in writes()) {
        let once = apply_all(&ws);
        let last = ws.last().unwrap();
        prop_assert_eq!(merge(Some(&once), last.write()).state, once);
    }

    #[test]
    fn a_deletion_in_force_is_later_than_every_field(ws in writes()) {
        let state = apply_all(&ws);
        if let Some(d) = state.deleted {
            prop_assert!(state.field_hlc.values().all(|h| *h < d));
        }
    }
}
