//! How one incoming change meets the server's current state of its record. Pure, shared by both
//! storage backends, so SQLite and PostgreSQL decide exactly alike.
//!
//! Field-level last writer wins by hybrid logical clock, by the core's one rule
//! ([`jiayi_core::merge`]); here are the server's checks around it (scope, append-only records,
//! payload shape, a household's village). A value that loses goes to the conflict log.

use std::collections::BTreeMap;

use jiayi_core::change::{Change, Entity, Op};
use jiayi_core::hlc::Hlc;
use jiayi_core::merge::{Loss, Versioned, Write, merge};
use jiayi_sync::protocol::RejectCode;
use serde_json::{Map, Value};
use uuid::Uuid;

pub use jiayi_core::merge::DELETED_FIELD;

/// The server's current state of one record.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RecordState {
    pub village_id: Uuid,
    pub payload: Map<String, Value>,
    /// For each field, the clock of the write that set its current value.
    pub field_hlc: BTreeMap<String, Hlc>,
    /// Set when a deletion is the latest write to the record.
    pub deleted: Option<Hlc>,
}

impl RecordState {
    /// `{"field": "hlc", …}` in field order. Written straight into one buffer: every stored
    /// change writes its record's clocks, so this runs once per change in a push.
    pub fn field_hlc_json(&self) -> String {
        use std::io::Write;
        let mut out = Vec::with_capacity(2 + self.field_hlc.len() * 64);
        out.push(b'{');
        for (i, (field, hlc)) in self.field_hlc.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            // Writing to a Vec cannot fail; the clock's text is digits, dashes and hex.
            let _ = serde_json::to_writer(&mut out, field);
            let _ = write!(out, ":\"{hlc}\"");
        }
        out.push(b'}');
        String::from_utf8(out).unwrap_or_else(|_| "{}".into())
    }

    pub fn parse_field_hlc(text: &str) -> Option<BTreeMap<String, Hlc>> {
        let raw: BTreeMap<String, String> = serde_json::from_str(text).ok()?;
        raw.into_iter()
            .map(|(k, v)| v.parse().ok().map(|h| (k, h)))
            .collect()
    }
}

/// A value that lost to a newer one, kept for the conflict log.
pub type Loser = Loss;

#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    /// Store the change and write `state` as the record's new state.
    Store {
        state: RecordState,
        losers: Vec<Loser>,
    },
    Reject(RejectCode),
}

/// Checks a change against the device's villages and the record's current state, and merges it.
/// A household moving out of the device's villages may name a village outside them
/// ([`is_move_out`]); the storage then re-homes the household's records.
pub fn decide(villages: &[Uuid], existing: Option<&RecordState>, change: &Change) -> Decision {
    // Field names are stored as plain text (the conflict log), and PostgreSQL text cannot hold
    // U+0000: refuse them in every backend so both answer alike.
    if change.fields.iter().any(|f| f.contains('\0')) {
        return Decision::Reject(RejectCode::InvalidPayload);
    }
    if !villages.contains(&change.village_id) && !is_move_out(villages, existing, change) {
        return Decision::Reject(RejectCode::VillageNotInScope);
    }
    if let Some(rec) = existing
        && !villages.contains(&rec.village_id)
    {
        return Decision::Reject(RejectCode::RecordNotInScope);
    }
    if change.entity.is_append_only() && (existing.is_some() || change.op == Op::Delete) {
        return Decision::Reject(RejectCode::AppendOnly);
    }
    match change.op {
        Op::Upsert => upsert(existing, change),
        Op::Delete => delete(existing, change),
    }
}

/// Whether `change` moves a household out of a village the device serves: a household upsert
/// that sets `village_id` to the change's village, on a household the server holds in one of
/// `villages`. Such a change may name a village outside the device's scope.
pub fn is_move_out(villages: &[Uuid], existing: Option<&RecordState>, change: &Change) -> bool {
    let Some(rec) = existing else {
        return false;
    };
    change.entity == Entity::Household
        && change.op == Op::Upsert
        && rec.deleted.is_none()
        && villages.contains(&rec.village_id)
        && rec.village_id != change.village_id
        && change.fields.iter().any(|f| f == "village_id")
        && uuid_at(&change.payload, "village_id") == Some(change.village_id)
}

fn uuid_at(payload: &Value, key: &str) -> Option<Uuid> {
    payload
        .get(key)
        .and_then(Value::as_str)
        .and_then(|s| Uuid::parse_str(s).ok())
}

fn upsert(existing: Option<&RecordState>, change: &Change) -> Decision {
    let Value::Object(incoming) = &change.payload else {
        return Decision::Reject(RejectCode::InvalidPayload);
    };
    let id_matches = match incoming.get("id") {
        None => true,
        Some(Value::String(s)) => Uuid::parse_str(s).is_ok_and(|u| u == change.entity_id),
        Some(_) => false,
    };
    if !id_matches
        || change.fields.is_empty()
        || change.fields.iter().any(|f| !incoming.contains_key(f))
    {
        return Decision::Reject(RejectCode::InvalidPayload);
    }
    let (mut state, losers) = merged(existing, change);
    let Some(rec) = existing else {
        state.village_id = change.village_id;
        return Decision::Store { state, losers };
    };
    let won_any = state.deleted.is_none()
        && change
            .fields
            .iter()
            .any(|f| state.field_hlc.get(f) == Some(&change.hlc));
    if won_any {
        state.village_id = change.village_id;
    }
    if change.entity == Entity::Household
        && state.payload.get("village_id") != incoming.get("village_id")
    {
        // A move whose village lost to a newer write: the household stays where it is.
        state.village_id = rec.village_id;
    }
    Decision::Store { state, losers }
}

fn delete(existing: Option<&RecordState>, change: &Change) -> Decision {
    if !change.payload.is_null() {
        return Decision::Reject(RejectCode::InvalidPayload);
    }
    let (mut state, losers) = merged(existing, change);
    if existing.is_none() {
        // Deleting what the server never had still travels, so other devices delete it too.
        state.village_id = change.village_id;
    }
    Decision::Store { state, losers }
}

/// The core's one merge rule ([`jiayi_core::merge`]) applied to the server's record.
fn merged(existing: Option<&RecordState>, change: &Change) -> (RecordState, Vec<Loser>) {
    let current = existing.map(|rec| Versioned {
        payload: rec.payload.clone(),
        field_hlc: rec.field_hlc.clone(),
        deleted: rec.deleted,
    });
    let out = merge(
        current.as_ref(),
        Write {
            op: change.op,
            hlc: change.hlc,
            fields: &change.fields,
            payload: &change.payload,
        },
    );
    let state = RecordState {
        village_id: existing.map(|r| r.village_id).unwrap_or_default(),
        payload: out.state.payload,
        field_hlc: out.state.field_hlc,
        deleted: out.state.deleted,
    };
    (state, out.lost)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const V: Uuid = Uuid::from_u128(0x71);
    const ID: Uuid = Uuid::from_u128(0x1D);

    fn hlc(wall: u64, device: u128) -> Hlc {
        Hlc {
            wall_ms: wall,
            counter: 0,
            device: Uuid::from_u128(device),
        }
    }

    #[test]
    fn a_field_name_with_a_nul_character_is_refused() {
        let c = change(
            Entity::Household,
            Op::Upsert,
            hlc(10, 1),
            &["a\0b"],
            json!({"a\0b": 1}),
        );
        assert!(matches!(
            decide(&[V], None, &c),
            Decision::Reject(RejectCode::InvalidPayload)
        ));
    }

    fn change(entity: Entity, op: Op, at: Hlc, fields: &[&str], payload: Value) -> Change {
        Change {
            device_id: at.device,
            seq: 1,
            change_id: Uuid::from_u128(99),
            entity,
            entity_id: ID,
            op,
            village_id: V,
            hlc: at,
            fields: fields.iter().map(|s| s.to_string()).collect(),
            payload,
        }
    }

    fn stored(d: Decision) -> (RecordState, Vec<Loser>) {
        match d {
            Decision::Store { state, losers } => (state, losers),
            Decision::Reject(code) => panic!("rejected: {code:?}"),
        }
    }

    fn resident(phone: &str, at: Hlc) -> RecordState {
        let c = change(
            Entity::Resident,
            Op::Upsert,
            at,
            &["name", "phone"],
            json!({"name": "王芳", "phone": phone}),
        );
        stored(decide(&[V], None, &c)).0
    }

    #[test]
    fn rejections() {
        let up = |e| change(e, Op::Upsert, hlc(5, 1), &["a"], json!({"a": 1}));
        type Case = (
            &'static str,
            Vec<Uuid>,
            Option<RecordState>,
            Change,
            RejectCode,
        );
        let cases: Vec<Case> = vec![
            (
                "foreign_village",
                vec![Uuid::from_u128(1)],
                None,
                up(Entity::Household),
                RejectCode::VillageNotInScope,
            ),
            (
                "record_lives_in_a_foreign_village",
                vec![V],
                Some(RecordState {
                    village_id: Uuid::from_u128(1),
                    ..RecordState::default()
                }),
                up(Entity::Household),
                RejectCode::RecordNotInScope,
            ),
            (
                "contract_written_twice",
                vec![V],
                Some(resident("1", hlc(1, 1))),
                up(Entity::Contract),
                RejectCode::AppendOnly,
            ),
            (
                "visit_deleted",
                vec![V],
                None,
                change(Entity::Visit, Op::Delete, hlc(5, 1), &[], Value::Null),
                RejectCode::AppendOnly,
            ),
            (
                "field_missing_from_payload",
                vec![V],
                None,
                change(
                    Entity::Resident,
                    Op::Upsert,
                    hlc(5, 1),
                    &["phone"],
                    json!({"name": "x"}),
                ),
                RejectCode::InvalidPayload,
            ),
            (
                "payload_not_an_object",
                vec![V],
                None,
                change(Entity::Resident, Op::Upsert, hlc(5, 1), &["a"], json!([1])),
                RejectCode::InvalidPayload,
            ),
            (
                "id_mismatch",
                vec![V],
                None,
                change(
                    Entity::Resident,
                    Op::Upsert,
                    hlc(5, 1),
                    &["id"],
                    json!({"id": Uuid::from_u128(5)}),
                ),
                RejectCode::InvalidPayload,
            ),
            (
                "delete_with_payload",
                vec![V],
                None,
                change(
                    Entity::Resident,
                    Op::Delete,
                    hlc(5, 1),
                    &[],
                    json!({"a": 1}),
                ),
                RejectCode::InvalidPayload,
            ),
        ];
        for (name, villages, existing, c, code) in cases {
            assert_eq!(
                decide(&villages, existing.as_ref(), &c),
                Decision::Reject(code),
                "case {name}"
            );
        }
    }

    #[test]
    fn newer_write_wins_field_by_field_and_older_values_are_kept_as_losers() {
        let base = resident("13800000001", hlc(10, 1));
        // Device 2 changes the phone later: wins.
        let later = change(
            Entity::Resident,
            Op::Upsert,
            hlc(20, 2),
            &["phone"],
            json!({"name": "王芳", "phone": "13900000002"}),
        );
        let (after_later, losers) = stored(decide(&[V], Some(&base), &later));
        assert!(losers.is_empty());
        assert_eq!(after_later.payload["phone"], "13900000002");
        assert_eq!(after_later.payload["name"], "王芳");
        // Device 3 wrote the phone earlier but arrives last: loses, and its value is kept.
        let stale = change(
            Entity::Resident,
            Op::Upsert,
            hlc(15, 3),
            &["phone"],
            json!({"name": "王芳", "phone": "13700000003"}),
        );
        let (after_stale, losers) = stored(decide(&[V], Some(&after_later), &stale));
        assert_eq!(after_stale, after_later, "a stale write changes nothing");
        assert_eq!(losers.len(), 1);
        assert_eq!(
            (losers[0].field.as_str(), &losers[0].value),
            ("phone", &json!("13700000003"))
        );
        assert_eq!(losers[0].winning_hlc, hlc(20, 2));
    }

    #[test]
    fn order_of_arrival_does_not_change_the_result() {
        let base = resident("1", hlc(10, 1));
        let a = change(
            Entity::Resident,
            Op::Upsert,
            hlc(30, 2),
            &["phone"],
            json!({"phone": "A"}),
        );
        let b = change(
            Entity::Resident,
            Op::Upsert,
            hlc(30, 3),
            &["phone", "name"],
            json!({"phone": "B", "name": "李"}),
        );
        let ab = stored(decide(
            &[V],
            Some(&stored(decide(&[V], Some(&base), &a)).0),
            &b,
        ))
        .0;
        let ba = stored(decide(
            &[V],
            Some(&stored(decide(&[V], Some(&base), &b)).0),
            &a,
        ))
        .0;
        assert_eq!(ab, ba);
        assert_eq!(
            ab.payload["phone"], "B",
            "same wall time: the higher device id wins"
        );
    }

    #[test]
    fn deletion_against_newer_edit_and_edit_against_newer_deletion() {
        let base = resident("1", hlc(10, 1));
        let del = change(Entity::Resident, Op::Delete, hlc(20, 2), &[], Value::Null);
        let (gone, _) = stored(decide(&[V], Some(&base), &del));
        assert_eq!(gone.deleted, Some(hlc(20, 2)));
        let old_edit = change(
            Entity::Resident,
            Op::Upsert,
            hlc(15, 3),
            &["phone"],
            json!({"phone": "2"}),
        );
        let (still_gone, losers) = stored(decide(&[V], Some(&gone), &old_edit));
        assert_eq!(still_gone.deleted, Some(hlc(20, 2)));
        assert_eq!(losers.len(), 1);
        let old_delete = change(Entity::Resident, Op::Delete, hlc(5, 3), &[], Value::Null);
        let (kept, losers) = stored(decide(&[V], Some(&base), &old_delete));
        assert_eq!(kept.deleted, None);
        assert_eq!(losers[0].field, DELETED_FIELD);
    }

    #[test]
    fn field_clocks_round_trip_as_json() {
        let base = resident("1", hlc(10, 1));
        assert_eq!(
            RecordState::parse_field_hlc(&base.field_hlc_json()),
            Some(base.field_hlc.clone())
        );
        assert_eq!(RecordState::parse_field_hlc("{\"a\":\"bad\"}"), None);

        // Field names that need escaping write as serde_json writes them.
        let mut odd = base.clone();
        odd.field_hlc.insert("名\"字\\\n".into(), hlc(11, 2));
        let as_serde: BTreeMap<&String, String> = odd
            .field_hlc
            .iter()
            .map(|(k, v)| (k, v.to_string()))
            .collect();
        assert_eq!(
            odd.field_hlc_json(),
            serde_json::to_string(&as_serde).unwrap()
        );
        assert_eq!(
            RecordState::parse_field_hlc(&odd.field_hlc_json()),
            Some(odd.field_hlc.clone())
        );
    }
    const H: Uuid = Uuid::from_u128(0x100);

    fn move_change(village: Uuid, fields: &[&str]) -> Change {
        Change {
            device_id: Uuid::from_u128(1),
            seq: 7,
            change_id: Uuid::from_u128(2),
            entity: Entity::Household,
            entity_id: H,
            op: Op::Upsert,
            village_id: village,
            hlc: Hlc {
                wall_ms: 10,
                counter: 0,
                device: Uuid::from_u128(1),
            },
            fields: fields.iter().map(|f| f.to_string()).collect(),
            payload: json!({"id": H, "village_id": village, "group": "一组"}),
        }
    }

    #[test]
    fn a_move_out_needs_the_household_in_scope_and_its_village_field_set() {
        const OLD: Uuid = Uuid::from_u128(0xA);
        const NEW: Uuid = Uuid::from_u128(0xB);
        let rec = RecordState {
            village_id: OLD,
            ..RecordState::default()
        };
        let cases = [
            (
                "moves",
                vec![OLD],
                Some(&rec),
                move_change(NEW, &["village_id"]),
                true,
            ),
            (
                "not_held",
                vec![OLD],
                None,
                move_change(NEW, &["village_id"]),
                false,
            ),
            (
                "old_not_in_scope",
                vec![NEW],
                Some(&rec),
                move_change(NEW, &["village_id"]),
                false,
            ),
            (
                "village_not_set",
                vec![OLD],
                Some(&rec),
                move_change(NEW, &["group"]),
                false,
            ),
            (
                "stays",
                vec![OLD],
                Some(&rec),
                move_change(OLD, &["village_id"]),
                false,
            ),
        ];
        for (name, villages, existing, change, expected) in cases {
            assert_eq!(
                is_move_out(&villages, existing, &change),
                expected,
                "case {name}"
            );
        }
        let mut other = move_change(NEW, &["village_id"]);
        other.payload = json!({"id": H, "village_id": OLD});
        assert!(
            !is_move_out(&[OLD], Some(&rec), &other),
            "payload disagrees with the change"
        );
    }

    #[test]
    fn a_household_lives_where_its_village_field_says() {
        const OLD: Uuid = Uuid::from_u128(0xA);
        const NEW: Uuid = Uuid::from_u128(0xB);
        let created = Change {
            village_id: OLD,
            payload: json!({"id": H, "village_id": OLD, "group": "三组"}),
            hlc: hlc(5, 1),
            fields: vec!["id".into(), "village_id".into(), "group".into()],
            ..move_change(OLD, &[])
        };
        let (home, _) = stored(decide(&[OLD], None, &created));
        let moved = Change {
            hlc: hlc(10, 1),
            ..move_change(NEW, &["village_id"])
        };
        let (after_move, _) = stored(decide(&[OLD], Some(&home), &moved));
        assert_eq!(after_move.village_id, NEW, "the move out is accepted");
        // A device that still sees the household in the old village edits its group: the
        // household stays where its village field says.
        let stale = Change {
            village_id: OLD,
            hlc: hlc(20, 2),
            payload: json!({"id": H, "village_id": OLD, "group": "一组"}),
            ..move_change(OLD, &["group"])
        };
        let (after_stale, _) = stored(decide(&[OLD, NEW], Some(&after_move), &stale));
        assert_eq!(after_stale.payload["group"], "一组");
        assert_eq!(after_stale.village_id, NEW);
    }
}
