//! Sync without a network: the unsent changes written into a file sealed to the health center's
//! key, and its signed reply imported once.

use std::path::Path;

use jiayi_core::Lang;
use jiayi_sync::bundle;
use jiayi_sync::engine::ReplicaError;

use super::errors::{bundle_error, not_enrolled};
use super::reference::{apply_reference, blocks_running_low};
use super::round::gate;
use super::views::{BundleExport, SyncSummary};
use crate::Api;
use crate::error::{ApiError, ApiResult};

/// Most changes one offline bundle carries; the rest go in the next file.
pub const BUNDLE_MAX_CHANGES: usize = 50_000;

impl Api {
    /// Writes the unsent changes into an encrypted file for the health center (no network).
    /// Nothing is marked sent until the reply is imported.
    pub fn export_bundle(&mut self, path: &Path) -> ApiResult<BundleExport> {
        let lang = self.lang;
        let enrollment = self
            .store
            .enrollment()
            .map_err(|e| self.fail(e))?
            .ok_or_else(|| not_enrolled(lang))?;
        let changes = self
            .store
            .pending_count()
            .map_err(|e| self.fail(e))?
            .min(BUNDLE_MAX_CHANGES as u64);
        let now = self.now();
        let running_low = blocks_running_low(&self.store).map_err(|e| self.fail(e))?;
        let bytes = bundle::export_asking_for_blocks(
            &mut self.store,
            &enrollment.token,
            now.timestamp_millis(),
            BUNDLE_MAX_CHANGES,
            running_low,
        )
        .map_err(|e| bundle_error(&e, lang))?;
        write_atomically(path, &bytes).map_err(|e| file_error(path, &e, lang))?;
        Ok(BundleExport {
            path: path.display().to_string(),
            changes,
            bytes: bytes.len() as u64,
        })
    }

    /// Imports the health center's reply: marks what the server answered, keeps its refusals,
    /// applies colleagues' changes and the reference data. A bad file changes nothing.
    pub fn import_reply_bundle(&mut self, path: &Path) -> ApiResult<SyncSummary> {
        let lang = self.lang;
        self.store
            .enrollment()
            .map_err(|e| self.fail(e))?
            .ok_or_else(|| not_enrolled(lang))?;
        let bytes = std::fs::read(path).map_err(|e| file_error(path, &e, lang))?;
        let now = self.now();
        let gate = gate(self.store.device_id());
        let _held = gate.lock().unwrap_or_else(|p| p.into_inner());
        // The reply's reference data travels inside the signed body; it is applied before the
        // request is settled, so a failure there leaves the reply importable again.
        let (report, reference_updated) =
            bundle::import_reply_then(&mut self.store, &bytes, |store, data| {
                apply_reference(store, data, now).map_err(|e| ReplicaError(e.to_string()))
            })
            .map_err(|e| bundle_error(&e, lang))?;
        if let Some(role) = report.role {
            self.store.put_device_role(role).map_err(|e| self.fail(e))?;
        }
        let pending_after = self.store.pending_count().map_err(|e| self.fail(e))?;
        Ok(SyncSummary::of(
            &report,
            reference_updated,
            pending_after,
            Vec::new(),
            now,
        ))
    }
}

fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    jiayi_store::platform::write_whole(path, bytes)
}

fn file_error(path: &Path, e: &std::io::Error, lang: Lang) -> ApiError {
    ApiError::new(
        "file_error",
        &format!("无法读写文件 {}：{e}", path.display()),
        &format!("Cannot read or write {}: {e}", path.display()),
    )
    .localised(lang)
}
