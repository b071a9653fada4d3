//! The one merge rule of sync: field-level last writer wins by hybrid logical clock.
//!
//! The server, the device store and the test replica all merge an incoming change into the
//! record they hold with [`merge`], so every machine ends with the same values whatever order
//! the changes arrive in:
//!
//! - each field a change names takes the change's value when the change's clock is later than
//!   the field's (a field with no clock yet takes any value);
//! - a deletion deletes the record when it is later than every field's clock; a deletion older
//!   than some field's value loses (reported under [`DELETED_FIELD`]);
//! - an edit older than the deletion in force is kept under the deletion (so a later undelete
//!   shows the same values everywhere) but reported as lost; an edit later than the deletion
//!   brings the record back.
//!
//! A value that loses is reported, never dropped silently: the caller keeps it in its
//! conflict log.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::change::Op;
use crate::hlc::Hlc;

/// The field name a losing deletion is reported under.
pub const DELETED_FIELD: &str = "_deleted";

/// A record as merging sees it: its fields, each field's clock, and the deletion in force.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Versioned {
    pub payload: Map<String, Value>,
    /// The clock of the write that set each field's value. A field without one (filled in
    /// from a change that did not name it) gives way to any write.
    pub field_hlc: BTreeMap<String, Hlc>,
    /// The deletion in force: later than every field's clock.
    pub deleted: Option<Hlc>,
}

/// One write arriving at a record.
#[derive(Debug, Clone, Copy)]
pub struct Write<'a> {
    pub op: Op,
    pub hlc: Hlc,
    /// The fields the write sets (ignored for a deletion).
    pub fields: &'a [String],
    /// The whole record after the write (`null` for a deletion).
    pub payload: &'a Value,
}

/// A value that lost to a later one.
#[derive(Debug, Clone, PartialEq)]
pub struct Loss {
    pub field: String,
    pub value: Value,
    pub hlc: Hlc,
    pub winning_value: Value,
    pub winning_hlc: Hlc,
}

/// What merging one write did.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Merged {
    pub state: Versioned,
    /// The write's values that lost (to a later value or to a later deletion).
    pub lost: Vec<Loss>,
    /// Values the record held that the write replaced with another value.
    pub superseded: Vec<Loss>,
}

/// Merges `write` into the record `existing` (`None` when the record is new here).
pub fn merge(existing: Option<&Versioned>, write: Write<'_>) -> Merged {
    match write.op {
        Op::Upsert => upsert(existing, write),
        Op::Delete => delete(existing, write),
    }
}

fn upsert(existing: Option<&Versioned>, write: Write<'_>) -> Merged {
    let empty = Map::new();
    let incoming = write.payload.as_object().unwrap_or(&empty);
    let mut out = Merged {
        state: existing.cloned().unwrap_or_default(),
        ..Merged::default()
    };
    let state = &mut out.state;
    let deleted_later = state.deleted.filter(|d| *d > write.hlc);
    for field in write.fields {
        let value = incoming.get(field).cloned().unwrap_or(Value::Null);
        let current = state.field_hlc.get(field).copied();
        let current_value = state.payload.get(field).cloned().unwrap_or(Value::Null);
        match current {
            Some(c) if c > write.hlc => {
                if current_value != value {
                    out.lost.push(Loss {
                        field: field.clone(),
                        value: value.clone(),
                        hlc: write.hlc,
                        winning_value: current_value,
                        winning_hlc: deleted_later.map_or(c, |d| d.max(c)),
                    });
                }
                continue;
            }
            _ => {}
        }
        if let Some(d) = deleted_later {
            out.lost.push(Loss {
                field: field.clone(),
                value: value.clone(),
                hlc: write.hlc,
                winning_value: Value::Null,
                winning_hlc: d,
            });
        }
        if let Some(c) = current
            && current_value != value
        {
            out.superseded.push(Loss {
                field: field.clone(),
                value: current_value,
                hlc: c,
                winning_value: value.clone(),
                winning_hlc: write.hlc,
            });
        }
        state.payload.insert(field.clone(), value);
        state.field_hlc.insert(field.clone(), write.hlc);
    }
    // Fields the write carries without naming them fill a record that lacks them, with no
    // clock of their own, so any named write replaces them.
    for (key, value) in incoming {
        if !state.payload.contains_key(key) {
            state.payload.insert(key.clone(), value.clone());
        }
    }
    if deleted_later.is_none() && !write.fields.is_empty() {
        state.deleted = None;
    }
    out
}

fn delete(existing: Option<&Versioned>, write: Write<'_>) -> Merged {
    let mut out = Merged {
        state: existing.cloned().unwrap_or_default(),
        ..Merged::default()
    };
    let state = &mut out.state;
    if state.deleted.is_some_and(|d| d > write.hlc) {
        // Deleted already, by a later deletion: nothing to do.
        return out;
    }
    let newest_field = state.field_hlc.values().copied().max();
    match newest_field {
        Some(n) if n > write.hlc => out.lost.push(Loss {
            field: DELETED_FIELD.into(),
            value: Value::Bool(true),
            hlc: write.hlc,
            winning_value: Value::Bool(false),
            winning_hlc: n,
        }),
        _ => state.deleted = Some(write.hlc),
    }
    out
}

#[cfg(test)]
mod tests;
