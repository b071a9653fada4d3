//! A household moving to a village another device serves, in a push: its records found when
//! the move is decided, and after the batch's own rows, moved and their changes written into
//! the log again under the new village (see [`crate::rehome`]). Moves are rare, so these
//! statements are not prepared once per connection.

use std::collections::{BTreeSet, HashMap};

use jiayi_core::change::{Change, Entity};
use postgres::Transaction;
use uuid::Uuid;

use crate::error::Result;
use crate::merge::RecordState;
use crate::rehome::{Candidate, Rehome, copies, household_records, relay_device};

/// A move decided in a batch, with the records that go with the household.
pub(super) struct Move {
    pub rehome: Rehome,
    pub moved: BTreeSet<(Entity, Uuid)>,
    pub device_id: Uuid,
    pub seq: u64,
}

type Key = (String, String);

/// The household's records, from the database and from the batch's records not written yet
/// (fresher); those of the batch are given the new village at once, so a later change in the
/// batch is checked against where they now live.
pub(super) fn decide_move(
    tx: &mut Transaction<'_>,
    rehome: Rehome,
    change: &Change,
    batch: &mut HashMap<Key, RecordState>,
) -> Result<Move> {
    let from = rehome.from.to_string();
    let mut held: HashMap<Key, serde_json::Map<String, serde_json::Value>> = HashMap::new();
    for row in tx.query(
        "SELECT entity, entity_id, payload FROM records WHERE village_id = $1",
        &[&from],
    )? {
        if let Ok(serde_json::Value::Object(p)) = serde_json::from_str(row.get::<_, &str>(2)) {
            held.insert((row.get(0), row.get(1)), p);
        }
    }
    for (key, state) in batch.iter() {
        if state.village_id == rehome.from {
            held.insert(key.clone(), state.payload.clone());
        } else {
            held.remove(key);
        }
    }
    let parsed: Vec<(Entity, Uuid, &serde_json::Map<String, serde_json::Value>)> = held
        .iter()
        .filter_map(|((e, i), p)| Some((Entity::parse(e)?, Uuid::parse_str(i).ok()?, p)))
        .collect();
    let candidates: Vec<Candidate<'_>> = parsed
        .iter()
        .map(|(entity, id, payload)| Candidate {
            entity: *entity,
            id: *id,
            payload,
        })
        .collect();
    let moved = household_records(rehome.household_id, &candidates);
    for (entity, id) in &moved {
        if let Some(state) = batch.get_mut(&(entity.as_str().to_string(), id.to_string())) {
            state.village_id = rehome.to;
        }
    }
    Ok(Move {
        rehome,
        moved,
        device_id: change.device_id,
        seq: change.seq,
    })
}

/// After the batch's rows are in the log (inside the turn): the records moved, and their
/// changes of the old village written again under the new one, in cursor order.
pub(super) fn write_move(tx: &mut Transaction<'_>, m: &Move, now: &str) -> Result<()> {
    let (entities, ids): (Vec<String>, Vec<String>) = m
        .moved
        .iter()
        .map(|(e, i)| (e.as_str().to_string(), i.to_string()))
        .unzip();
    let to = m.rehome.to.to_string();
    tx.execute(
        "UPDATE records SET village_id = $3
         FROM UNNEST($1::text[], $2::text[]) AS k(entity, entity_id)
         WHERE records.entity = k.entity AND records.entity_id = k.entity_id",
        &[&entities, &ids, &to],
    )?;
    let mut copied: [Vec<String>; 3] = Default::default();
    for row in tx.query(
        "SELECT entity, entity_id, body FROM changes WHERE village_id = $1 ORDER BY cursor",
        &[&m.rehome.from.to_string()],
    )? {
        let (entity, id): (String, String) = (row.get(0), row.get(1));
        let (Some(kind), Ok(uuid)) = (Entity::parse(&entity), Uuid::parse_str(&id)) else {
            continue;
        };
        if copies(&m.moved, kind, uuid) {
            copied[0].push(entity);
            copied[1].push(id);
            copied[2].push(row.get(2));
        }
    }
    if copied[0].is_empty() {
        return Ok(());
    }
    let seqs: Vec<i64> = (1..=copied[0].len() as i64).collect();
    tx.execute(
        "INSERT INTO changes (device_id, seq, entity, entity_id, village_id, body, received_at)
         SELECT $1, s, e, i, $5, b, $6
         FROM UNNEST($2::bigint[], $3::text[], $4::text[], $7::text[]) WITH ORDINALITY AS t(s, e, i, b, n)
         ORDER BY n",
        &[
            &relay_device(m.device_id, m.seq).to_string(),
            &seqs,
            &copied[0],
            &copied[1],
            &to,
            &now,
            &copied[2],
        ],
    )?;
    Ok(())
}
