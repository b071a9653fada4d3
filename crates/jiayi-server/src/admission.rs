//! What a pushed change must show before it is merged, beyond the village it names (the
//! merge's scope rule): a clock of its own device, dated no further ahead of the server's time
//! than [`MAX_CLOCK_AHEAD_MS`], and a payload whose own village, or whose household's village,
//! is the change's village. Pure, shared by both storage backends, so they refuse alike.

use chrono::{DateTime, Utc};
use jiayi_core::change::{Change, Entity, Op};
use jiayi_sync::protocol::RejectCode;
use serde_json::Value;
use uuid::Uuid;

/// How far ahead of the server's time a change's clock may be dated: one day. A device clock a
/// few hours wrong (a time zone set wrong, a flat clock battery) still syncs; a clock dated
/// years ahead, which would outrank every later edit of the fields it writes, is refused.
pub const MAX_CLOCK_AHEAD_MS: u64 = 24 * 60 * 60 * 1000;

/// The household a record hangs off, as its payload names it: a resident's `household_id`, a
/// contract's `contract.household_id`.
pub fn household_named(change: &Change) -> Option<Uuid> {
    let path: &[&str] = match change.entity {
        Entity::Resident => &["household_id"],
        Entity::Contract => &["contract", "household_id"],
        _ => return None,
    };
    uuid_at(&change.payload, path)
}

/// Why the server refuses `change` before merging it, if it does. `household_village` is the
/// village the server holds the [`household_named`] by the change in (`None` when it names
/// none, or one the server does not hold).
pub fn refusal(
    change: &Change,
    now: DateTime<Utc>,
    household_village: Option<Uuid>,
) -> Option<RejectCode> {
    if change.hlc.device != change.device_id {
        return Some(RejectCode::WrongDevice);
    }
    let now_ms = u64::try_from(now.timestamp_millis()).unwrap_or(0);
    if change.hlc.wall_ms > now_ms.saturating_add(MAX_CLOCK_AHEAD_MS) {
        return Some(RejectCode::ClockAhead);
    }
    if change.op == Op::Delete {
        return None;
    }
    if let Some(named) = change.payload.get("village_id")
        && uuid_of(named) != Some(change.village_id)
    {
        return Some(RejectCode::VillageNotInScope);
    }
    if household_village.is_some_and(|v| v != change.village_id) {
        return Some(RejectCode::VillageNotInScope);
    }
    None
}

fn uuid_of(v: &Value) -> Option<Uuid> {
    v.as_str().and_then(|s| Uuid::parse_str(s).ok())
}

fn uuid_at(payload: &Value, path: &[&str]) -> Option<Uuid> {
    let mut v = payload;
    for key in path {
        v = v.get(key)?;
    }
    uuid_of(v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiayi_core::hlc::Hlc;
    use serde_json::json;

    const DEVICE: Uuid = Uuid::from_u128(1);
    const HERE: Uuid = Uuid::from_u128(10);
    const THERE: Uuid = Uuid::from_u128(11);
    const HOUSEHOLD: Uuid = Uuid::from_u128(20);

    fn now() -> DateTime<Utc> {
        DateTime::from_timestamp_millis(1_800_000_000_000).unwrap()
    }

    fn change(entity: Entity, payload: Value) -> Change {
        Change {
            device_id: DEVICE,
            seq: 1,
            change_id: Uuid::from_u128(2),
            entity,
            entity_id: Uuid::from_u128(3),
            op: Op::Upsert,
            village_id: HERE,
            hlc: Hlc {
                wall_ms: 1_800_000_000_000,
                counter: 0,
                device: DEVICE,
            },
            fields: vec!["x".into()],
            payload,
        }
    }

    #[test]
    fn a_clock_a_day_ahead_passes_and_one_further_is_refused() {
        let mut c = change(Entity::Visit, json!({"x": 1}));
        c.hlc.wall_ms = 1_800_000_000_000 + MAX_CLOCK_AHEAD_MS;
        assert_eq!(refusal(&c, now(), None), None);
        c.hlc.wall_ms += 1;
        assert_eq!(refusal(&c, now(), None), Some(RejectCode::ClockAhead));
        c.hlc.wall_ms = 979_000_000_000_000; // the year 33,000
        assert_eq!(refusal(&c, now(), None), Some(RejectCode::ClockAhead));
    }

    #[test]
    fn a_clock_of_another_device_is_refused() {
        let mut c = change(Entity::Visit, json!({"x": 1}));
        c.hlc.device = Uuid::from_u128(99);
        assert_eq!(refusal(&c, now(), None), Some(RejectCode::WrongDevice));
    }

    #[test]
    fn a_payload_naming_another_village_or_its_household_is_refused() {
        let own = change(Entity::Household, json!({"village_id": HERE}));
        assert_eq!(refusal(&own, now(), None), None);
        let other = change(Entity::Household, json!({"village_id": THERE}));
        assert_eq!(
            refusal(&other, now(), None),
            Some(RejectCode::VillageNotInScope)
        );
        let garbled = change(Entity::Household, json!({"village_id": 7}));
        assert_eq!(
            refusal(&garbled, now(), None),
            Some(RejectCode::VillageNotInScope)
        );
        let resident = change(Entity::Resident, json!({"household_id": HOUSEHOLD}));
        assert_eq!(refusal(&resident, now(), Some(HERE)), None);
        assert_eq!(refusal(&resident, now(), None), None, "not held yet");
        assert_eq!(
            refusal(&resident, now(), Some(THERE)),
            Some(RejectCode::VillageNotInScope)
        );
        let contract = change(
            Entity::Contract,
            json!({"contract": {"household_id": HOUSEHOLD}}),
        );
        assert_eq!(
            refusal(&contract, now(), Some(THERE)),
            Some(RejectCode::VillageNotInScope)
        );
        let mut deletion = change(Entity::Household, Value::Null);
        deletion.op = Op::Delete;
        assert_eq!(refusal(&deletion, now(), None), None);
    }
}
