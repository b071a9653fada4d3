//! What sync shows the doctor: the round's events and summary, the enrollment, the header's
//! sync line, the server's refusals and the bundles written.

use chrono::{DateTime, Utc};
use jiayi_store::ReferenceVersion;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::ApiError;

/// What started a round.
#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SyncTrigger {
    Manual,
    Auto,
}

#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SyncPhase {
    Push,
    Pull,
    Reference,
}

/// For the header's progress bar.
#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct SyncProgress {
    pub phase: SyncPhase,
    pub done: u64,
    pub total: u64,
}

/// What a round reports while it runs, for the desktop shell to forward as events.
#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(
    tag = "type",
    rename_all = "snake_case",
    rename_all_fields = "snake_case"
)]
pub enum SyncEvent {
    Started {
        trigger: SyncTrigger,
    },
    Progress(SyncProgress),
    Finished {
        trigger: SyncTrigger,
        summary: SyncSummary,
    },
    Failed {
        trigger: SyncTrigger,
        error: ApiError,
        /// When the background runner tries again, if it does.
        retry_in_secs: Option<u64>,
    },
    /// The background runner could not reach the server; nothing was attempted.
    Unreachable {
        retry_in_secs: u64,
    },
}

/// What a round did.
#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct SyncSummary {
    /// Changes the server answered for.
    pub pushed: u64,
    pub applied: u64,
    pub duplicates: u64,
    /// Refused by the server (see [`crate::Api::refusals`]).
    pub refused: u64,
    /// Stored, but some fields lost to newer values on the server.
    pub conflicts: u64,
    /// Colleagues' changes received.
    pub pulled: u64,
    /// Received changes where this device kept its own newer value.
    pub pull_conflicts: u64,
    /// Township reference documents (catalog, register, teams, term policy) newly applied.
    pub reference_updated: u64,
    /// Confirmed changes sent again because the server had lost them.
    pub requeued: u64,
    /// Changes sent under a new number (this device's data was restored from an older copy).
    pub renumbered: u64,
    /// Changes still waiting after the round (held back or made meanwhile).
    pub pending_after: u64,
    /// Things the doctor should know that did not stop the round (clock skew, recovery).
    pub warnings: Vec<ApiError>,
    pub finished_at: String,
}

impl SyncSummary {
    /// What a round (or an imported reply bundle) did, for the doctor.
    pub(super) fn of(
        report: &jiayi_sync::SyncReport,
        reference_updated: u64,
        pending_after: u64,
        warnings: Vec<ApiError>,
        now: DateTime<Utc>,
    ) -> SyncSummary {
        let refused = report.rejected.len() as u64;
        SyncSummary {
            pushed: report.applied + report.duplicates + report.conflicts + refused,
            applied: report.applied,
            duplicates: report.duplicates,
            refused,
            conflicts: report.conflicts,
            pulled: report.pulled,
            pull_conflicts: report.pull_conflicts,
            reference_updated,
            requeued: report.requeued,
            renumbered: report.renumbered,
            pending_after,
            warnings,
            finished_at: now.to_rfc3339(),
        }
    }
}

/// The device's enrollment, without the token.
#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct SyncSettings {
    pub device_id: Uuid,
    /// The device's 登记码 (`K7PQ-M3XZ`): what is read out to the health center.
    pub device_code: String,
    pub enrolled: bool,
    pub server_url: Option<String>,
    pub doctor_id: Option<Uuid>,
    pub team_id: Option<Uuid>,
    pub villages: Vec<VillageRef>,
    pub enrolled_at: Option<String>,
}

#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct VillageRef {
    pub id: Uuid,
    /// The village's name when this device knows it.
    pub name: Option<String>,
}

#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct EnrollOutcome {
    pub settings: SyncSettings,
    /// E.g. the device clock is more than five minutes off the server's.
    pub warnings: Vec<ApiError>,
}

#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct LastSyncError {
    pub code: String,
    pub message: String,
    pub at: String,
}

/// The header's sync line.
#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct SyncStatusView {
    pub enrolled: bool,
    pub server_url: Option<String>,
    pub device_id: Uuid,
    pub pending_changes: u64,
    pub last_sync_at: Option<String>,
    pub last_error: Option<LastSyncError>,
    /// Refusals not yet settled.
    pub open_refusals: u64,
    /// A round is running right now (here or in the background runner).
    pub syncing: bool,
    /// The township documents this device holds, with their versions (e.g. the poverty
    /// register).
    pub reference: Vec<ReferenceVersion>,
}

/// A refused change as the doctor reads it.
#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct RefusalView {
    pub id: i64,
    pub seq: u64,
    pub entity: String,
    /// The kind of record in the user's language (居民, 家庭, 签约协议…).
    pub entity_label: String,
    pub entity_id: String,
    /// The resident's name, the household's head and address, the agreement number.
    pub record_name: Option<String>,
    pub village_name: Option<String>,
    pub code: String,
    /// Why, in the user's language.
    pub message: String,
    pub refused_at: String,
    pub read: bool,
    pub settled: bool,
}

#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct BundleExport {
    pub path: String,
    pub changes: u64,
    pub bytes: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_snake_case_json() {
        let e = SyncEvent::Progress(SyncProgress {
            phase: SyncPhase::Push,
            done: 3,
            total: 10,
        });
        assert_eq!(
            serde_json::to_value(&e).unwrap(),
            serde_json::json!({"type": "progress", "phase": "push", "done": 3, "total": 10})
        );
        let e = SyncEvent::Unreachable { retry_in_secs: 30 };
        assert_eq!(
            serde_json::to_value(&e).unwrap(),
            serde_json::json!({"type": "unreachable", "retry_in_secs": 30})
        );
    }
}
