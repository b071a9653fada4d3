//! A household that moves to a village another device serves (迁入/迁出): which change is such
//! a move, which records go with the household, and under which name the server writes them
//! into the change log again. Pure, shared by both storage backends, so SQLite and PostgreSQL
//! re-home alike.
//!
//! The doctor who sees the family leave records the move: a household change whose
//! `village_id` names another village is accepted from a device whose scope holds the
//! household's current village. The household's records (its residents, their contracts,
//! contract events, amendments, visits, group periods and membership events) then move with
//! it: their village becomes the new one, and every change the log holds for them in the old
//! village is written to the log again under the new village, after the move itself, so a
//! device of the new village pulls the household with its whole history. Each copy is the
//! original change as it was pushed (same device, number and clock), so a device that already
//! applied it skips it, and merging stays field by field.

use std::collections::BTreeSet;

use jiayi_core::change::{Change, Entity};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::merge::RecordState;

/// A household leaving one village for another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rehome {
    pub household_id: Uuid,
    pub from: Uuid,
    pub to: Uuid,
}

/// The move a stored change makes, if any: the household's record changed village.
pub fn rehome_of(
    change: &Change,
    before: Option<&RecordState>,
    after: &RecordState,
) -> Option<Rehome> {
    let before = before?;
    (change.entity == Entity::Household && before.village_id != after.village_id).then_some(
        Rehome {
            household_id: change.entity_id,
            from: before.village_id,
            to: after.village_id,
        },
    )
}

/// A record the server holds: kind, id and current payload.
pub struct Candidate<'a> {
    pub entity: Entity,
    pub id: Uuid,
    pub payload: &'a Map<String, Value>,
}

/// The household's records among `candidates` (the records of its old village): the household
/// itself, its residents, their group periods, membership events and visits, its contracts and
/// their events and amendments, and membership events naming the household.
pub fn household_records(
    household_id: Uuid,
    candidates: &[Candidate<'_>],
) -> BTreeSet<(Entity, Uuid)> {
    let of = |e: Entity| candidates.iter().filter(move |c| c.entity == e);
    let residents: BTreeSet<Uuid> = of(Entity::Resident)
        .filter(|c| field_uuid(c.payload, &["household_id"]) == Some(household_id))
        .map(|c| c.id)
        .collect();
    let contracts: BTreeSet<Uuid> = of(Entity::Contract)
        .filter(|c| field_uuid(c.payload, &["contract", "household_id"]) == Some(household_id))
        .map(|c| c.id)
        .collect();
    let mut out: BTreeSet<(Entity, Uuid)> = BTreeSet::new();
    out.insert((Entity::Household, household_id));
    out.extend(residents.iter().map(|id| (Entity::Resident, *id)));
    out.extend(contracts.iter().map(|id| (Entity::Contract, *id)));
    for c in candidates {
        let belongs = match c.entity {
            Entity::Household | Entity::Resident | Entity::Contract => false,
            Entity::ContractEvent => in_set(&contracts, c.payload, &["event", "contract_id"]),
            Entity::ContractAmendment => {
                in_set(&contracts, c.payload, &["amendment", "contract_id"])
            }
            Entity::Visit | Entity::GroupPeriod => in_set(&residents, c.payload, &["resident_id"]),
            Entity::MembershipEvent => {
                in_set(&residents, c.payload, &["event", "resident_id"])
                    || field_uuid(c.payload, &["event", "household_id"]) == Some(household_id)
            }
        };
        if belongs {
            out.insert((c.entity, c.id));
        }
    }
    out
}

/// The name the log writes the copies made for one move under: a device id no device has,
/// following from the moving change's device and number (which the log holds once), with the
/// copies numbered 1, 2, … after it. Pulls hand the copies out like any change; the copies'
/// bodies still name the device that made each change.
pub fn relay_device(device_id: Uuid, seq: u64) -> Uuid {
    let mut h = Sha256::new();
    h.update(b"jiayi-rehome-v1\0");
    h.update(device_id.as_bytes());
    h.update(seq.to_be_bytes());
    let digest = h.finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_custom_bytes(bytes).into_uuid()
}

/// Whether a logged change of the old village is copied for the move: one of the household's
/// records, except the household's own earlier changes (the move carries the household whole,
/// and a device of the new village may not know the old village the earlier ones name).
pub fn copies(moved: &BTreeSet<(Entity, Uuid)>, entity: Entity, id: Uuid) -> bool {
    entity != Entity::Household && moved.contains(&(entity, id))
}

fn in_set(set: &BTreeSet<Uuid>, payload: &Map<String, Value>, path: &[&str]) -> bool {
    field_uuid(payload, path).is_some_and(|id| set.contains(&id))
}

fn field_uuid(payload: &Map<String, Value>, path: &[&str]) -> Option<Uuid> {
    let (first, rest) = path.split_first()?;
    let mut v = payload.get(*first)?;
    for key in rest {
        v = v.get(key)?;
    }
    v.as_str().and_then(|s| Uuid::parse_str(s).ok())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const H: Uuid = Uuid::from_u128(0x100);

    fn obj(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(m) => m,
            _ => Map::new(),
        }
    }

    #[test]
    fn the_household_takes_its_residents_contracts_and_everything_hanging_off_them() {
        let r1 = Uuid::from_u128(0x201);
        let other_resident = Uuid::from_u128(0x202);
        let c1 = Uuid::from_u128(0x301);
        let records = vec![
            (Entity::Household, H, json!({"id": H})),
            (Entity::Household, Uuid::from_u128(0x101), json!({})),
            (Entity::Resident, r1, json!({"household_id": H})),
            (
                Entity::Resident,
                other_resident,
                json!({"household_id": Uuid::from_u128(0x101)}),
            ),
            (
                Entity::Contract,
                c1,
                json!({"contract": {"household_id": H}}),
            ),
            (
                Entity::ContractEvent,
                Uuid::from_u128(1),
                json!({"event": {"contract_id": c1}}),
            ),
            (
                Entity::ContractAmendment,
                Uuid::from_u128(2),
                json!({"amendment": {"contract_id": c1}}),
            ),
            (
                Entity::Visit,
                Uuid::from_u128(3),
                json!({"resident_id": r1}),
            ),
            (
                Entity::Visit,
                Uuid::from_u128(4),
                json!({"resident_id": other_resident}),
            ),
            (
                Entity::GroupPeriod,
                Uuid::from_u128(5),
                json!({"resident_id": r1}),
            ),
            (
                Entity::MembershipEvent,
                Uuid::from_u128(6),
                json!({"event": {"resident_id": r1}}),
            ),
            (
                Entity::MembershipEvent,
                Uuid::from_u128(7),
                json!({"event": {"resident_id": other_resident, "household_id": H}}),
            ),
        ];
        let payloads: Vec<Map<String, Value>> =
            records.iter().map(|(_, _, p)| obj(p.clone())).collect();
        let candidates: Vec<Candidate<'_>> = records
            .iter()
            .zip(&payloads)
            .map(|((entity, id, _), payload)| Candidate {
                entity: *entity,
                id: *id,
                payload,
            })
            .collect();
        let moved = household_records(H, &candidates);
        let ids: BTreeSet<Uuid> = moved.iter().map(|(_, id)| *id).collect();
        let expected: BTreeSet<Uuid> = [H, r1, c1]
            .into_iter()
            .chain((1..=3).map(Uuid::from_u128))
            .chain((5..=7).map(Uuid::from_u128))
            .collect();
        assert_eq!(ids, expected);
        assert!(
            !copies(&moved, Entity::Household, H),
            "the move carries the household"
        );
        assert!(copies(&moved, Entity::Resident, r1));
    }

    #[test]
    fn copies_of_two_moves_have_two_names() {
        let d = Uuid::from_u128(1);
        assert_ne!(relay_device(d, 1), relay_device(d, 2));
        assert_eq!(relay_device(d, 1), relay_device(d, 1));
        assert_ne!(relay_device(d, 1), d);
    }
}
