//! Sync with the township server, as the doctor sees it: enrolling the device, "Sync now",
//! the sync status in the header, the server's refusals, and the USB-stick bundles.
//!
//! One file per job: the [`views`] the UI receives, the [`errors`] it reads, the [`address`]
//! policy, the [`reference`] documents, [`enrollment`], the [`round`] (written once, used by
//! [`crate::Api::sync_now`] and the background runner in [`crate::autosync`]), the header's
//! [`status`] and refusals, and offline [`bundles`].

mod address;
mod bundles;
mod enrollment;
mod errors;
mod reference;
mod round;
mod status;
mod views;

pub use address::check_server_url;
pub use errors::sync_error;
pub(crate) use round::gate;
pub use round::{run_round, sync_database};
pub use views::{
    BundleExport, EnrollOutcome, LastSyncError, RefusalView, SyncEvent, SyncPhase, SyncProgress,
    SyncSettings, SyncStatusView, SyncSummary, SyncTrigger, VillageRef,
};
