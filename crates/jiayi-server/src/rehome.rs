//! A household that moves to a village another device serves (迁入/迁出, or a household split
//! off into another village, 分户): which stored change is such a move, which records go with
//! the household, and what the server writes into the change log again for them. Pure, shared
//! by both storage backends, so SQLite and PostgreSQL re-home alike. Whether the move itself
//! is accepted is the merge's scope rule (`merge::is_move_out`).
//!
//! The household's records (its residents, their group periods, visits and membership events
//! in it, its contracts with their events and amendments, its referrals and satisfaction
//! surveys) take the new village, and are handed
//! to the new village's devices after the move itself: each resident as one change holding its
//! current state (its earlier changes may name a household the new devices do not hold), then
//! every other record's changes as they were pushed (same device, number and clock), in log
//! order, so a device that already applied one skips it and merging stays field by field.
//! Records that name something outside the household (a visit for another household's
//! contract, a membership event of another household) stay in the old village.

use std::collections::BTreeSet;

use jiayi_core::change::{Change, Entity, Op};
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

/// A record the server holds in the household's old village.
pub struct Candidate<'a> {
    pub entity: Entity,
    pub id: Uuid,
    pub state: &'a RecordState,
}

/// The household's records among `candidates`: the household itself; its residents; their
/// group periods, their membership events in this household, and their visits that fulfil
/// nothing or one of its contracts; its contracts, their events and amendments; the referrals
/// and surveys recorded for it.
pub fn household_records(
    household_id: Uuid,
    candidates: &[Candidate<'_>],
) -> BTreeSet<(Entity, Uuid)> {
    let of = |e: Entity| candidates.iter().filter(move |c| c.entity == e);
    let residents: BTreeSet<Uuid> = of(Entity::Resident)
        .filter(|c| field_uuid(&c.state.payload, &["household_id"]) == Some(household_id))
        .map(|c| c.id)
        .collect();
    let contracts: BTreeSet<Uuid> = of(Entity::Contract)
        .filter(|c| {
            field_uuid(&c.state.payload, &["contract", "household_id"]) == Some(household_id)
        })
        .map(|c| c.id)
        .collect();
    let mut out: BTreeSet<(Entity, Uuid)> = BTreeSet::new();
    out.insert((Entity::Household, household_id));
    out.extend(residents.iter().map(|id| (Entity::Resident, *id)));
    out.extend(contracts.iter().map(|id| (Entity::Contract, *id)));
    for c in candidates {
        let p = &c.state.payload;
        let belongs = match c.entity {
            Entity::Household | Entity::Resident | Entity::Contract => false,
            Entity::ContractEvent => in_set(&contracts, p, &["event", "contract_id"]),
            Entity::ContractAmendment => in_set(&contracts, p, &["amendment", "contract_id"]),
            Entity::GroupPeriod => in_set(&residents, p, &["resident_id"]),
            Entity::Visit => {
                in_set(&residents, p, &["resident_id"])
                    && match p.get("fulfils") {
                        None | Some(Value::Null) => true,
                        Some(_) => in_set(&contracts, p, &["fulfils", "contract_id"]),
                    }
            }
            Entity::MembershipEvent => {
                in_set(&residents, p, &["event", "resident_id"])
                    && field_uuid(p, &["event", "household_id"]) == Some(household_id)
            }
            // Referrals and surveys name the household they were recorded for.
            Entity::ReferralOut | Entity::ReferralBack | Entity::SatisfactionSurvey => {
                field_uuid(p, &["household_id"]) == Some(household_id)
            }
        };
        if belongs {
            out.insert((c.entity, c.id));
        }
    }
    out
}

/// The name the log writes a move's copies under: a device id no device has, following from
/// the moving change's device and number (which the log holds once), with the copies numbered
/// 1, 2, … after it. No device's stored-through mark moves.
pub fn relay_device(device_id: Uuid, seq: u64) -> Uuid {
    hashed_id(b"jiayi-rehome-v1\0", device_id, seq)
}

/// Whether a logged change of the old village is handed on as it was pushed: one of the
/// household's records other than the household (the move carries it whole) and its residents
/// (handed on as they now are, [`resident_changes`]).
pub fn copies(moved: &BTreeSet<(Entity, Uuid)>, entity: Entity, id: Uuid) -> bool {
    !matches!(entity, Entity::Household | Entity::Resident) && moved.contains(&(entity, id))
}

/// Each moved resident as one change holding its current state: every field it holds, at the
/// newest of their clocks (a deleted resident says so in its `deleted` field). They are the
/// first copies of a move, numbered from 1 under `relay`.
pub fn resident_changes(
    moved: &BTreeSet<(Entity, Uuid)>,
    residents: &[Candidate<'_>],
    relay: Uuid,
    village: Uuid,
) -> Vec<Change> {
    let mut out = Vec::new();
    // In id order, so both backends number them alike.
    let mut held: Vec<&Candidate<'_>> = residents
        .iter()
        .filter(|c| c.entity == Entity::Resident && moved.contains(&(c.entity, c.id)))
        .collect();
    held.sort_by_key(|c| c.id);
    for c in held {
        let Some(hlc) = c
            .state
            .field_hlc
            .values()
            .copied()
            .chain(c.state.deleted)
            .max()
        else {
            continue;
        };
        let mut payload: Map<String, Value> = c.state.payload.clone();
        payload.insert("id".into(), Value::String(c.id.to_string()));
        if c.state.deleted.is_some() {
            payload.insert("deleted".into(), Value::Bool(true));
        }
        let seq = out.len() as u64 + 1;
        out.push(Change {
            device_id: relay,
            seq,
            change_id: hashed_id(b"jiayi-rehome-change-v1\0", relay, seq),
            entity: Entity::Resident,
            entity_id: c.id,
            op: Op::Upsert,
            village_id: village,
            hlc,
            fields: payload.keys().cloned().collect(),
            payload: Value::Object(payload),
        });
    }
    out
}

fn hashed_id(label: &[u8], id: Uuid, n: u64) -> Uuid {
    let mut h = Sha256::new();
    h.update(label);
    h.update(id.as_bytes());
    h.update(n.to_be_bytes());
    let digest = h.finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_custom_bytes(bytes).into_uuid()
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
    use jiayi_core::hlc::Hlc;
    use serde_json::json;

    use super::*;

    const H: Uuid = Uuid::from_u128(0x100);
    const OTHER: Uuid = Uuid::from_u128(0x101);

    fn state(v: Value) -> RecordState {
        let payload = match v {
            Value::Object(m) => m,
            _ => Map::new(),
        };
        let field_hlc = payload
            .keys()
            .map(|k| {
                let hlc = Hlc {
                    wall_ms: k.len() as u64,
                    counter: 0,
                    device: Uuid::from_u128(1),
                };
                (k.clone(), hlc)
            })
            .collect();
        RecordState {
            village_id: Uuid::from_u128(0xA),
            payload,
            field_hlc,
            deleted: None,
        }
    }

    #[test]
    fn the_household_takes_what_names_it_and_leaves_what_names_another() {
        let (r1, r2, c1, c_other) = (
            Uuid::from_u128(0x201),
            Uuid::from_u128(0x202),
            Uuid::from_u128(0x301),
            Uuid::from_u128(0x302),
        );
        let n = Uuid::from_u128;
        let records: Vec<(Entity, Uuid, Value)> = vec![
            (Entity::Household, H, json!({"id": H})),
            (Entity::Household, OTHER, json!({})),
            (
                Entity::Resident,
                r1,
                json!({"household_id": H, "name": "王芳"}),
            ),
            (Entity::Resident, r2, json!({"household_id": OTHER})),
            (
                Entity::Contract,
                c1,
                json!({"contract": {"household_id": H}}),
            ),
            (
                Entity::Contract,
                c_other,
                json!({"contract": {"household_id": OTHER}}),
            ),
            (
                Entity::ContractEvent,
                n(1),
                json!({"event": {"contract_id": c1}}),
            ),
            (
                Entity::ContractAmendment,
                n(2),
                json!({"amendment": {"contract_id": c1}}),
            ),
            (
                Entity::Visit,
                n(3),
                json!({"resident_id": r1, "fulfils": null}),
            ),
            (Entity::Visit, n(4), json!({"resident_id": r2})),
            (Entity::GroupPeriod, n(5), json!({"resident_id": r1})),
            (
                Entity::MembershipEvent,
                n(6),
                json!({"event": {"resident_id": r1, "household_id": H}}),
            ),
            (
                Entity::Visit,
                n(7),
                json!({"resident_id": r1, "fulfils": {"contract_id": c1}}),
            ),
            // Split off another household: her leaving names it, her visit its contract.
            (
                Entity::MembershipEvent,
                n(8),
                json!({"event": {"resident_id": r1, "household_id": OTHER}}),
            ),
            (
                Entity::Visit,
                n(9),
                json!({"resident_id": r1, "fulfils": {"contract_id": c_other}}),
            ),
            (
                Entity::MembershipEvent,
                n(10),
                json!({"event": {"resident_id": r2, "household_id": H}}),
            ),
            (
                Entity::ReferralOut,
                n(11),
                json!({"resident_id": r1, "household_id": H}),
            ),
            (
                Entity::ReferralBack,
                n(12),
                json!({"referral_id": n(11), "household_id": H}),
            ),
            (
                Entity::SatisfactionSurvey,
                n(13),
                json!({"household_id": H}),
            ),
            (
                Entity::SatisfactionSurvey,
                n(14),
                json!({"household_id": OTHER}),
            ),
            (Entity::ReferralOut, n(15), json!({"household_id": OTHER})),
        ];
        let states: Vec<RecordState> = records.iter().map(|(_, _, p)| state(p.clone())).collect();
        let candidates: Vec<Candidate<'_>> = records
            .iter()
            .zip(&states)
            .map(|((entity, id, _), state)| Candidate {
                entity: *entity,
                id: *id,
                state,
            })
            .collect();
        let moved = household_records(H, &candidates);
        let ids: BTreeSet<Uuid> = moved.iter().map(|(_, id)| *id).collect();
        let expected: BTreeSet<Uuid> = [
            H,
            r1,
            c1,
            n(1),
            n(2),
            n(3),
            n(5),
            n(6),
            n(7),
            n(11),
            n(12),
            n(13),
        ]
        .into_iter()
        .collect();
        assert_eq!(ids, expected);
        assert!(
            !copies(&moved, Entity::Household, H),
            "the move carries the household"
        );
        assert!(
            !copies(&moved, Entity::Resident, r1),
            "residents go as they are now"
        );
        assert!(copies(&moved, Entity::Visit, n(3)));
        assert!(copies(&moved, Entity::SatisfactionSurvey, n(13)));

        let relay = relay_device(Uuid::from_u128(1), 7);
        let to = Uuid::from_u128(0xB);
        let residents = resident_changes(&moved, &candidates, relay, to);
        assert_eq!(residents.len(), 1);
        let r = &residents[0];
        assert_eq!(
            (r.entity_id, r.device_id, r.seq, r.village_id),
            (r1, relay, 1, to)
        );
        assert_eq!(
            r.payload,
            json!({"household_id": H, "name": "王芳", "id": r1})
        );
        assert_eq!(
            r.hlc.wall_ms,
            "household_id".len() as u64,
            "the newest field clock"
        );
        assert_eq!(r.fields.len(), 3);
    }

    #[test]
    fn copies_of_two_moves_have_two_names() {
        let d = Uuid::from_u128(1);
        assert_ne!(relay_device(d, 1), relay_device(d, 2));
        assert_eq!(relay_device(d, 1), relay_device(d, 1));
        assert_ne!(relay_device(d, 1), d);
    }
}
