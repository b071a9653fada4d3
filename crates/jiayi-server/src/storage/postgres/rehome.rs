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
use crate::rehome::{Candidate, Rehome, copies, household_records, relay_device, resident_changes};
use crate::storage::shared::record_from_text;

/// A move decided in a batch, with the records that go with the household.
pub(super) struct Move {
    pub rehome: Rehome,
    pub moved: BTreeSet<(Entity, Uuid)>,
    /// The log rows' device id for the move's copies.
    pub relay: Uuid,
    /// The residents as they are when the move is decided, handed on first.
    pub residents: Vec<Change>,
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
    let mut held: HashMap<Key, RecordState> = HashMap::new();
    for row in tx.query(
        "SELECT entity, entity_id, village_id, payload, field_hlc, deleted_hlc FROM records
         WHERE village_id = $1",
        &[&from],
    )? {
        let state = record_from_text(row.get(2), row.get(3), row.get(4), row.get(5))?;
        held.insert((row.get(0), row.get(1)), state);
    }
    for (key, state) in batch.iter() {
        if state.village_id == rehome.from {
            held.insert(key.clone(), state.clone());
        } else {
            held.remove(key);
        }
    }
    let candidates: Vec<Candidate<'_>> = held
        .iter()
        .filter_map(|((e, i), state)| {
            Some(Candidate {
                entity: Entity::parse(e)?,
                id: Uuid::parse_str(i).ok()?,
                state,
            })
        })
        .collect();
    let moved = household_records(rehome.household_id, &candidates);
    let relay = relay_device(change.device_id, change.seq);
    let residents = resident_changes(&moved, &candidates, relay, rehome.to);
    for (entity, id) in &moved {
        if let Some(state) = batch.get_mut(&(entity.as_str().to_string(), id.to_string())) {
            state.village_id = rehome.to;
        }
    }
    Ok(Move {
        rehome,
        moved,
        relay,
        residents,
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
    for c in &m.residents {
        copied[0].push(c.entity.as_str().to_string());
        copied[1].push(c.entity_id.to_string());
        copied[2].push(serde_json::to_string(c)?);
    }
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
            &m.relay.to_string(),
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
