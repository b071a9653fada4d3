//! The audit chain anchored outside the database.
//!
//! The hash chain alone shows an edited, removed or reordered entry only while the entries
//! after it are left alone: whoever holds the database can remove the newest entries, edit the
//! anchor row, or edit an entry and recompute every hash after it. So:
//!
//! - **seals**: the places a prune moved the anchor to, and each checkpoint, are kept in the
//!   database with an HMAC-SHA256 under a key held only in the township key file; without the
//!   key nobody can make or move one;
//! - **checkpoints**: `audit checkpoint --out FILE` writes the last entry's sequence number and
//!   hash, the count of entries, the time, signed with the township's Ed25519 key, as a small
//!   JSON file to print or keep on another machine; `audit verify --against FILE` holds the
//!   database to it.
//!
//! [`check`] names every problem it finds; an empty list means the log is whole as far as the
//! seals and the checkpoint file reach.

use std::path::Path;

use chrono::{DateTime, Utc};
use ed25519_dalek::VerifyingKey;
use jiayi_sync::bundle_seal::{from_hex32, signature_holds};
use serde::{Deserialize, Serialize};

use crate::error::{Result, ServerError};
use crate::storage::{AuditSeal, Storage};
use crate::township_key::TownshipKey;

const CHECKPOINT_FORMAT: &str = "jiayi-audit-checkpoint 1";

/// A checkpoint as written to its file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    pub format: String,
    /// The last entry's sequence number.
    pub last_seq: u64,
    /// Its hash (hex).
    pub last_hash: String,
    /// Entries in the log from the anchor through the last one.
    pub count: u64,
    /// The last pruned sequence number then.
    pub pruned_through: u64,
    /// When it was taken (RFC 3339, UTC).
    pub at: String,
    /// The township's Ed25519 public key (hex) that signed it.
    pub signing_key: String,
    /// Ed25519 signature (hex) over [`Checkpoint::signed_text`].
    pub signature: String,
}

impl Checkpoint {
    /// What the signature covers: every field but the signature, one a line.
    pub fn signed_text(&self) -> String {
        format!(
            "{}\n{}\n{}\n{}\n{}\n{}\n{}\n",
            self.format,
            self.last_seq,
            self.last_hash,
            self.count,
            self.pruned_through,
            self.at,
            self.signing_key
        )
    }

    pub fn to_json(&self) -> String {
        // A struct of numbers and strings always serialises.
        serde_json::to_string_pretty(self).unwrap_or_default() + "\n"
    }

    pub fn read(path: &Path) -> Result<Checkpoint> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| ServerError::Invalid(format!("reading {}: {e}", path.display())))?;
        serde_json::from_str(&text).map_err(|_| {
            ServerError::Invalid(format!(
                "{} is not an audit checkpoint file",
                path.display()
            ))
        })
    }
}

/// The text a seal's MAC covers.
fn seal_text(kind: &str, seq: u64, hash: &[u8; 32], at: &str) -> String {
    format!(
        "jiayi-audit-seal 1\n{kind}\n{seq}\n{}\n{at}\n",
        hex::encode(hash)
    )
}

/// A seal of `kind` over the entry `seq` with hash `hash`, MAC'd with the township key.
pub fn seal(
    key: &TownshipKey,
    kind: &str,
    seq: u64,
    hash: [u8; 32],
    now: DateTime<Utc>,
) -> AuditSeal {
    let at = now.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let mac = key.audit_mac(seal_text(kind, seq, &hash, &at).as_bytes());
    AuditSeal {
        kind: kind.into(),
        seq,
        hash,
        at,
        mac,
    }
}

fn seal_holds(key: &TownshipKey, s: &AuditSeal) -> bool {
    key.audit_mac_holds(seal_text(&s.kind, s.seq, &s.hash, &s.at).as_bytes(), &s.mac)
}

/// Chains what is queued, checks the whole chain, seals its last entry in the database and
/// returns the signed checkpoint of it. Refuses a log that does not verify.
pub fn checkpoint(
    storage: &dyn Storage,
    key: &TownshipKey,
    now: DateTime<Utc>,
) -> Result<Checkpoint> {
    let (anchor_hash, pruned_through) = storage.audit_anchor()?;
    if storage.audit_seals()?.is_empty() && pruned_through > 0 {
        // A log pruned before seals existed: its anchor is sealed as it stands, once.
        storage.put_audit_seal(&seal(key, "anchor", pruned_through, anchor_hash, now))?;
    }
    let problems = check(storage, Some(key), None)?;
    if !problems.is_empty() {
        return Err(ServerError::Invalid(format!(
            "no checkpoint of a log that does not verify: {}",
            problems.join("; ")
        )));
    }
    let last = last_entry(storage)?.ok_or_else(|| {
        ServerError::Invalid("the audit log is empty: nothing to checkpoint".into())
    })?;
    storage.put_audit_seal(&seal(key, "checkpoint", last.0, last.1, now))?;
    let mut c = Checkpoint {
        format: CHECKPOINT_FORMAT.into(),
        last_seq: last.0,
        last_hash: hex::encode(last.1),
        count: last.0 - pruned_through,
        pruned_through,
        at: now.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        signing_key: key.public().signing_key,
        signature: String::new(),
    };
    c.signature = hex::encode(key.secret.sign(c.signed_text().as_bytes()));
    Ok(c)
}

/// The newest entry's sequence number and hash.
fn last_entry(storage: &dyn Storage) -> Result<Option<(u64, [u8; 32])>> {
    let mut after = storage.audit_anchor()?.1;
    let mut last = None;
    loop {
        let page = storage.audit_entries(after, 5000)?;
        let Some(l) = page.last() else { break };
        after = l.seq;
        last = Some((l.seq, l.hash));
    }
    Ok(last)
}

/// The entry `seq`'s hash, when it is in the log.
fn entry_hash(storage: &dyn Storage, seq: u64) -> Result<Option<[u8; 32]>> {
    Ok(storage
        .audit_entries(seq.saturating_sub(1), 1)?
        .into_iter()
        .find(|e| e.seq == seq)
        .map(|e| e.hash))
}

/// Every problem with the log: the chain, the anchor and the checkpoints sealed in the database
/// (with the key), and the checkpoint `file` (when given). Empty when all hold.
pub fn check(
    storage: &dyn Storage,
    key: Option<&TownshipKey>,
    file: Option<&Checkpoint>,
) -> Result<Vec<String>> {
    let mut problems = Vec::new();
    let v = crate::audit::verify(storage)?;
    if let Some(seq) = v.broken_at {
        problems.push(format!(
            "the chain breaks at entry {seq}: it or the entry before it was edited, removed or moved, or the anchor was edited ({} entries verify before it)",
            v.entries
        ));
    }
    let (anchor_hash, pruned_through) = storage.audit_anchor()?;
    let last = last_entry(storage)?.map_or(pruned_through, |(seq, _)| seq);
    let seals = storage.audit_seals()?;
    if let Some(key) = key {
        for s in seals.iter().filter(|s| !seal_holds(key, s)) {
            problems.push(format!(
                "the {} seal of entry {} fails its MAC: it was made or edited without the township key",
                s.kind, s.seq
            ));
        }
        let genesis = pruned_through == 0 && anchor_hash == [0; 32];
        let sealed = seals.iter().any(|s| {
            s.kind == "anchor"
                && s.seq == pruned_through
                && s.hash == anchor_hash
                && seal_holds(key, s)
        });
        if !genesis && !sealed {
            problems.push(format!(
                "the anchor (entries pruned through {pruned_through}) was not put there by `audit prune`: it was edited"
            ));
        }
        for s in seals
            .iter()
            .filter(|s| s.kind == "checkpoint" && seal_holds(key, s))
        {
            problems.extend(against_point(
                storage,
                "a checkpoint",
                s.seq,
                &s.hash,
                pruned_through,
                last,
            )?);
        }
    }
    if let Some(file) = file {
        problems.extend(against_file(storage, key, file, pruned_through, last)?);
    }
    Ok(problems)
}

/// What is wrong with the log at a checkpointed entry `seq` of hash `hash`.
fn against_point(
    storage: &dyn Storage,
    what: &str,
    seq: u64,
    hash: &[u8; 32],
    pruned_through: u64,
    last: u64,
) -> Result<Option<String>> {
    if seq < pruned_through {
        return Ok(None);
    }
    let found = if seq == pruned_through {
        Some(storage.audit_anchor()?.0)
    } else {
        entry_hash(storage, seq)?
    };
    Ok(match found {
        None if seq > last => Some(format!(
            "entries were removed from the end: {what} names entry {seq}, the log ends at {last}"
        )),
        None => Some(format!("entry {seq}, which {what} names, was removed")),
        Some(h) if h != *hash => Some(format!(
            "entry {seq} differs from {what}: entries up to it were edited and the chain recomputed"
        )),
        Some(_) => None,
    })
}

fn against_file(
    storage: &dyn Storage,
    key: Option<&TownshipKey>,
    file: &Checkpoint,
    pruned_through: u64,
    last: u64,
) -> Result<Vec<String>> {
    let mut problems = Vec::new();
    let signer = from_hex32(&file.signing_key).and_then(|k| VerifyingKey::from_bytes(&k).ok());
    let signed = file.format == CHECKPOINT_FORMAT
        && signer.is_some_and(|k| {
            hex::decode(&file.signature)
                .is_ok_and(|sig| signature_holds(&k, file.signed_text().as_bytes(), &sig))
        });
    if !signed {
        problems.push("the checkpoint file's signature does not hold: the file was altered".into());
        return Ok(problems);
    }
    if let Some(key) = key
        && key.public().signing_key != file.signing_key
    {
        problems.push("the checkpoint file was signed by another key than this township's".into());
        return Ok(problems);
    }
    let Some(hash) = from_hex32(&file.last_hash) else {
        problems.push("the checkpoint file names no hash".into());
        return Ok(problems);
    };
    problems.extend(against_point(
        storage,
        "the checkpoint file",
        file.last_seq,
        &hash,
        pruned_through,
        last,
    )?);
    // The chain's numbering is checked whole, so the entries before the checkpoint can only
    // have gone with the anchor, which moves forward only.
    if pruned_through < file.pruned_through {
        problems.push(format!(
            "the anchor went back from entry {} to {pruned_through}: it was edited",
            file.pruned_through
        ));
    }
    Ok(problems)
}
