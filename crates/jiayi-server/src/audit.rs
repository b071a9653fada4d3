//! The server's audit log: one hash-chained entry per action (a device's push, pull or
//! reference download; enrollment and revocation; a staff login, dashboard view, drill-down or
//! export). Entries name records by id only — never a name, phone, ID number or any other
//! health data — and chain by the device's rule ([`jiayi_core::audit`]), so the same check
//! finds an edited, removed or reordered entry.

use chrono::{DateTime, Duration, Utc};
use jiayi_core::audit::{AuditEntry, RETENTION_DAYS, first_break};
use jiayi_core::change::Change;
use serde::Serialize;

use crate::error::{Result, ServerError};
use crate::storage::{DeviceScope, Storage};

/// The role of whoever acted from the command line on the server itself.
pub const OPERATOR: &str = "operator";

/// An action about to be logged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEvent {
    /// A device id, an admin user's name, or `operator`.
    pub actor: String,
    /// `doctor`, `team-leader`, `admin` or `operator`.
    pub role: String,
    /// `push`, `pull`, `reference`, `enroll`, `revoke`, `login`, `login-refused`, `logout`,
    /// `dashboard`, `drill-down`, `export`, `bundle`, `user-add`, `audit-prune`, …
    pub action: String,
    /// Where from: `peer 1.2.3.4:5678` (and the device), or `cli`.
    pub origin: String,
    /// Records touched, as `entity:uuid` (ids only).
    pub records: Vec<String>,
}

impl AuditEvent {
    /// An action of an enrolled device, seen from `peer`.
    pub fn device(scope: &DeviceScope, action: &str, peer: &str) -> AuditEvent {
        AuditEvent {
            actor: scope.device_id.to_string(),
            role: scope.role.as_str().into(),
            action: action.into(),
            origin: format!("peer {peer}"),
            records: Vec::new(),
        }
    }

    /// An action of a logged-in (or would-be) health-center user.
    pub fn admin(user: &str, action: &str, peer: &str) -> AuditEvent {
        AuditEvent {
            actor: user.into(),
            role: "admin".into(),
            action: action.into(),
            origin: format!("peer {peer}"),
            records: Vec::new(),
        }
    }

    /// An administrative command run on the server (`jiayi-server enroll`, …).
    pub fn operator(action: &str) -> AuditEvent {
        AuditEvent {
            actor: OPERATOR.into(),
            role: OPERATOR.into(),
            action: action.into(),
            origin: "cli".into(),
            records: Vec::new(),
        }
    }

    /// Adds the records changes touch (ids only: the payload is never looked at).
    pub fn with_changes<'a>(mut self, changes: impl IntoIterator<Item = &'a Change>) -> Self {
        self.records.extend(
            changes
                .into_iter()
                .map(|c| format!("{}:{}", c.entity.as_str(), c.entity_id)),
        );
        self
    }

    pub fn with_records(mut self, records: impl IntoIterator<Item = String>) -> Self {
        self.records.extend(records);
        self
    }

    pub fn with_record(mut self, kind: &str, id: impl std::fmt::Display) -> Self {
        self.records.push(format!("{kind}:{id}"));
        self
    }

    /// The `records` column: ids separated by spaces.
    pub fn records_text(&self) -> String {
        self.records.join(" ")
    }

    /// The entry the chain hashes for this event at `at`.
    pub fn entry(&self, at: &str) -> AuditEntry {
        chain_entry(
            at,
            &self.actor,
            &self.role,
            &self.action,
            &self.origin,
            &self.records_text(),
        )
    }
}

/// The server's columns as the core's chained entry: the origin stands where the device puts
/// its id, the role where it puts a record kind, and the ids touched where it puts one id. Every
/// column is covered, so none can change unseen.
fn chain_entry(
    at: &str,
    actor: &str,
    role: &str,
    action: &str,
    origin: &str,
    records: &str,
) -> AuditEntry {
    AuditEntry {
        at: at.into(),
        actor: actor.into(),
        device_id: origin.into(),
        action: action.into(),
        entity: role.into(),
        entity_id: records.into(),
    }
}

/// An entry as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditRecord {
    pub seq: u64,
    pub at: String,
    pub actor: String,
    pub role: String,
    pub action: String,
    pub origin: String,
    pub records: String,
    #[serde(serialize_with = "as_hex")]
    pub hash: [u8; 32],
}

fn as_hex<S: serde::Serializer>(hash: &[u8; 32], s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_str(&hex::encode(hash))
}

impl AuditRecord {
    pub fn entry(&self) -> AuditEntry {
        chain_entry(
            &self.at,
            &self.actor,
            &self.role,
            &self.action,
            &self.origin,
            &self.records,
        )
    }
}

/// A stored hash as 32 bytes, or the row is damaged.
pub(crate) fn hash_from(bytes: &[u8]) -> Result<[u8; 32]> {
    bytes
        .try_into()
        .map_err(|_| ServerError::Corrupt("audit hash is not 32 bytes".into()))
}

/// The outcome of checking the whole chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verified {
    /// Entries checked.
    pub entries: u64,
    /// Entries pruned before the first kept one (after the retention period).
    pub pruned_through: u64,
    /// The sequence number of the first entry that does not chain, when the log was tampered
    /// with: that entry, or one just before it, was edited, removed or moved.
    pub broken_at: Option<u64>,
    /// Entries queued by requests and not chained yet (PostgreSQL: they are chained a moment
    /// after they are written, by the running server or the next check).
    pub pending: u64,
}

/// Entries read per query while checking.
const PAGE: u32 = 5000;

/// Chains what is queued, then checks the whole chain, from the anchor to the newest entry.
pub fn verify(storage: &dyn Storage) -> Result<Verified> {
    storage.seal_audit()?;
    let mut verified = verify_chain(storage)?;
    verified.pending = storage.audit_pending()?;
    Ok(verified)
}

fn verify_chain(storage: &dyn Storage) -> Result<Verified> {
    let (anchor, pruned_through) = storage.audit_anchor()?;
    let mut previous = anchor;
    let mut after = 0;
    let mut entries = 0u64;
    let mut next_seq = pruned_through + 1;
    loop {
        let page = storage.audit_entries(after, PAGE)?;
        let Some(last) = page.last() else { break };
        after = last.seq;
        let chained: Vec<_> = page.iter().map(|r| (r.entry(), r.hash)).collect();
        if let Some(i) = first_break(&previous, chained.iter().map(|(e, h)| (e, h))) {
            return Ok(Verified {
                entries: entries + i as u64,
                pruned_through,
                broken_at: Some(page[i].seq),
                pending: 0,
            });
        }
        // A removed entry keeps the chain whole only if its hash is forged too; a gap in the
        // numbering still shows where it was.
        for (i, r) in page.iter().enumerate() {
            if r.seq != next_seq {
                return Ok(Verified {
                    entries: entries + i as u64,
                    pruned_through,
                    broken_at: Some(r.seq),
                    pending: 0,
                });
            }
            next_seq += 1;
        }
        previous = last.hash;
        entries += page.len() as u64;
    }
    Ok(Verified {
        entries,
        pruned_through,
        broken_at: None,
        pending: 0,
    })
}

/// How often the running server chains queued audit entries.
pub const SEAL_EVERY: std::time::Duration = std::time::Duration::from_millis(250);

/// Chains queued audit entries every [`SEAL_EVERY`] until `stop` resolves, then once more.
pub async fn seal_until(
    storage: crate::storage::DynStorage,
    stop: impl std::future::Future<Output = ()>,
) {
    let seal = |storage: crate::storage::DynStorage| async move {
        match tokio::task::spawn_blocking(move || storage.seal_audit()).await {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => eprintln!("jiayi-server: chaining audit entries: {e}"),
            Err(e) => eprintln!("jiayi-server: chaining audit entries: {e}"),
        }
    };
    tokio::pin!(stop);
    let mut tick = tokio::time::interval(SEAL_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = &mut stop => break,
            _ = tick.tick() => seal(storage.clone()).await,
        }
    }
    seal(storage).await;
}

/// Entries older than this may be pruned.
pub fn retention_cutoff(now: DateTime<Utc>) -> DateTime<Utc> {
    now - Duration::days(RETENTION_DAYS)
}
