//! The server's audit log: one hash-chained entry per action (a device's push, pull or
//! reference download; enrollment and revocation; a staff login, dashboard view, drill-down or
//! export). Entries name records by id only — never a name, phone, ID number or any other
//! health data — and chain by the device's rule ([`jiayi_core::audit`]), so the same check
//! finds an edited, removed or reordered entry.

use chrono::{DateTime, Duration, Utc};
use jiayi_core::audit::{RETENTION_DAYS, first_break};
use serde::Serialize;

use crate::error::Result;
use crate::storage::Storage;

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
