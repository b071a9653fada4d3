//! The audit log's hash chain: each entry's hash covers the previous entry's hash and the
//! entry's own fields, so changing, removing or reordering any kept entry breaks every hash
//! after it. Entries name records by id only: no names, ID numbers or vitals (no plaintext
//! health data in the log).

use sha2::{Digest, Sha256};

/// How long entries are kept at least: six months, rounded up.
pub const RETENTION_DAYS: i64 = 183;

/// The hash before the first entry of a log.
pub const GENESIS: [u8; 32] = [0; 32];

/// What an audit entry records: who did what to which record, from which device, when.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditEntry {
    /// RFC 3339 time of the action.
    pub at: String,
    /// Who acted (the doctor bound to the device, or the device's user).
    pub actor: String,
    pub device_id: String,
    /// `read`, `create`, `update`, `delete`, `print`, `export`, `import`, …
    pub action: String,
    /// The kind of record (`household`, `resident`, `contract`, …).
    pub entity: String,
    pub entity_id: String,
}

/// The hash of `entry` chained after `previous`. Fields are length-prefixed so no two
/// different entries can encode alike.
pub fn chain_hash(previous: &[u8; 32], entry: &AuditEntry) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"jiayi-audit-v1");
    h.update(previous);
    for field in [
        &entry.at,
        &entry.actor,
        &entry.device_id,
        &entry.action,
        &entry.entity,
        &entry.entity_id,
    ] {
        h.update((field.len() as u64).to_be_bytes());
        h.update(field.as_bytes());
    }
    h.finalize().into()
}

/// Where a chain breaks: the position (0-based, in order) of the first entry whose stored hash
/// is not the hash of its fields after the previous entry's hash; `None` when it is whole.
/// `anchor` is the hash before the first kept entry (the genesis, or the last pruned entry's).
pub fn first_break<'a>(
    anchor: &[u8; 32],
    entries: impl IntoIterator<Item = (&'a AuditEntry, &'a [u8; 32])>,
) -> Option<usize> {
    let mut previous = *anchor;
    for (i, (entry, stored)) in entries.into_iter().enumerate() {
        if chain_hash(&previous, entry) != *stored {
            return Some(i);
        }
        previous = *stored;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(n: u32) -> AuditEntry {
        AuditEntry {
            at: format!("2026-11-23T08:00:{n:02}+00:00"),
            actor: "杨成山".into(),
            device_id: "dev-1".into(),
            action: "read".into(),
            entity: "household".into(),
            entity_id: format!("hh-{n}"),
        }
    }

    fn chain(entries: &[AuditEntry]) -> Vec<[u8; 32]> {
        let mut prev = GENESIS;
        entries
            .iter()
            .map(|e| {
                prev = chain_hash(&prev, e);
                prev
            })
            .collect()
    }

    #[test]
    fn a_whole_chain_verifies_and_any_change_shows_where() {
        let mut entries: Vec<_> = (0..5).map(entry).collect();
        let hashes = chain(&entries);
        let check = |e: &[AuditEntry], h: &[[u8; 32]]| first_break(&GENESIS, e.iter().zip(h));
        assert_eq!(check(&entries, &hashes), None);

        entries[2].entity_id = "hh-99".into();
        assert_eq!(check(&entries, &hashes), Some(2), "an edited entry");
        entries[2] = entry(2);

        let mut dropped = entries.clone();
        let mut dropped_hashes = hashes.clone();
        dropped.remove(1);
        dropped_hashes.remove(1);
        assert_eq!(check(&dropped, &dropped_hashes), Some(1), "a removed entry");

        let mut swapped = entries.clone();
        let mut swapped_hashes = hashes.clone();
        swapped.swap(3, 4);
        swapped_hashes.swap(3, 4);
        assert_eq!(
            check(&swapped, &swapped_hashes),
            Some(3),
            "reordered entries"
        );
    }

    #[test]
    fn fields_can_not_trade_characters() {
        let a = AuditEntry {
            action: "read".into(),
            entity: "household".into(),
            ..entry(1)
        };
        let b = AuditEntry {
            action: "readh".into(),
            entity: "ousehold".into(),
            ..entry(1)
        };
        assert_ne!(chain_hash(&GENESIS, &a), chain_hash(&GENESIS, &b));
    }

    #[test]
    fn a_chain_pruned_before_an_anchor_still_verifies() {
        let entries: Vec<_> = (0..4).map(entry).collect();
        let hashes = chain(&entries);
        assert_eq!(
            first_break(&hashes[1], entries[2..].iter().zip(&hashes[2..])),
            None
        );
    }
}
