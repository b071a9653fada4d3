//! `jiayi-server audit verify|checkpoint|list|prune`: the administrator's side of the server's
//! audit log.

use std::path::{Path, PathBuf};

use chrono::Utc;
use clap::Subcommand;

use crate::audit_seal::{Checkpoint, check, checkpoint, seal};
use crate::error::{Result, ServerError};
use crate::storage::{AuditEvent, Storage};
use crate::township_key::TownshipKey;

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Check the hash chain from the anchor to the newest entry, the anchor and the checkpoints
    /// sealed with the township key; fails, naming what is wrong, when any does not hold.
    Verify {
        /// Also hold the log to a checkpoint file from `audit checkpoint` (kept off this
        /// server): entries removed up to it, or edited with the chain recomputed, are found.
        #[arg(long)]
        against: Option<PathBuf>,
    },
    /// Seal the newest entry with the township key and write the signed checkpoint (last
    /// entry, its hash, the count, the time) to FILE, to print or keep on another machine.
    Checkpoint {
        #[arg(long)]
        out: PathBuf,
    },
    /// Print entries as JSON lines.
    List {
        /// Entries after this sequence number.
        #[arg(long, default_value_t = 0)]
        after: u64,
        #[arg(long, default_value_t = 100)]
        limit: u32,
    },
    /// Remove the entries older than the retention period (183 days).
    Prune,
}

/// Runs `command` with the township key file at `key_file`; what to print, or an error naming
/// what is wrong.
pub fn run(command: AuditCommand, store: &dyn Storage, key_file: &Path) -> Result<String> {
    match command {
        AuditCommand::Verify { against } => {
            let file = against.as_deref().map(Checkpoint::read).transpose()?;
            // Verifying never makes a key: a missing one is reported, not replaced.
            let key = if key_file.exists() {
                Some(TownshipKey::load(key_file)?)
            } else {
                None
            };
            let problems = check(store, key.as_ref(), file.as_ref())?;
            if !problems.is_empty() {
                return Err(ServerError::Invalid(format!(
                    "audit log not intact:\n- {}",
                    problems.join("\n- ")
                )));
            }
            let v = crate::audit::verify(store)?;
            let mut out = format!(
                "audit log intact: {} entries (pruned through {})",
                v.entries, v.pruned_through
            );
            if v.pending > 0 {
                out += &format!("; {} queued a moment ago, not chained yet", v.pending);
            }
            match (&key, &file) {
                (None, _) => {
                    out += &format!(
                        "\nno township key file at {}: the seals were not checked",
                        key_file.display()
                    )
                }
                (Some(_), Some(f)) => {
                    out += &format!(
                        "; holds to the checkpoint of entry {} ({})",
                        f.last_seq, f.at
                    )
                }
                (Some(_), None) => {}
            }
            Ok(out)
        }
        AuditCommand::Checkpoint { out } => {
            let key = TownshipKey::load_or_create(key_file)?;
            let now = Utc::now();
            store.seal_audit()?;
            let c = checkpoint(store, &key, now)?;
            crate::private_file::write(&out, c.to_json().as_bytes())
                .map_err(|e| ServerError::Invalid(format!("writing {}: {e}", out.display())))?;
            store.append_audit(&AuditEvent::operator("audit-checkpoint"), now)?;
            Ok(format!(
                "checkpoint of entry {} ({} entries) written to {}: keep it off this server",
                c.last_seq,
                c.count,
                out.display()
            ))
        }
        AuditCommand::List { after, limit } => {
            store.seal_audit()?;
            let mut out = Vec::new();
            for entry in store.audit_entries(after, limit)? {
                out.push(serde_json::to_string(&entry)?);
            }
            Ok(out.join("\n"))
        }
        AuditCommand::Prune => {
            let key = TownshipKey::load_or_create(key_file)?;
            let now = Utc::now();
            store.seal_audit()?;
            let n = store.prune_audit(crate::audit::retention_cutoff(now), &|seq, hash| {
                seal(&key, "anchor", seq, hash, now)
            })?;
            store.append_audit(&AuditEvent::operator("audit-prune"), now)?;
            Ok(format!(
                "pruned {n} entries older than {} days",
                jiayi_core::audit::RETENTION_DAYS
            ))
        }
    }
}
