//! One sync round, written once: reference data, push, pull. [`run_round`] is used by
//! [`crate::Api::sync_now`] and by the background runner; a per-device gate keeps two rounds
//! from running at once, whoever starts them.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use chrono::{DateTime, Utc};
use jiayi_core::Lang;
use jiayi_store::{DbFile, Store};
use jiayi_sync::engine::{Phase, Transport};
use jiayi_sync::http::HttpTransport;
use jiayi_sync::plan::Recovery;
use uuid::Uuid;

use super::errors::{not_enrolled, skew_warning, store_err, sync_error};
use super::reference::{apply_reference, blocks_running_low};
use super::views::{SyncEvent, SyncPhase, SyncProgress, SyncSummary, SyncTrigger};
use crate::Api;
use crate::error::{ApiError, ApiResult};
use crate::status::LAST_SYNC_KEY;

/// Sync-state key of the last failed round: JSON `{code, message_zh, message_en, at}`.
pub const LAST_ERROR_KEY: &str = "last_sync_error";

/// One gate per device: a round holds it from start to end.
pub(crate) fn gate(device: Uuid) -> Arc<Mutex<()>> {
    static GATES: OnceLock<Mutex<HashMap<Uuid, Arc<Mutex<()>>>>> = OnceLock::new();
    let mut gates = GATES
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    gates.entry(device).or_default().clone()
}

pub(super) fn is_syncing(device: Uuid) -> bool {
    matches!(
        gate(device).try_lock(),
        Err(std::sync::TryLockError::WouldBlock)
    )
}

fn phase(p: Phase) -> SyncPhase {
    match p {
        Phase::Push => SyncPhase::Push,
        Phase::Pull => SyncPhase::Pull,
    }
}

fn record_error(store: &mut Store, e: &ApiError, now: DateTime<Utc>) {
    let zh = e.clone().localised(Lang::Zh).message;
    let en = e.clone().localised(Lang::En).message;
    let value = serde_json::json!({"code": e.code, "message_zh": zh, "message_en": en, "at": now.to_rfc3339()});
    // The error itself is what the caller reports; failing to note it must not hide it.
    let _ = store.set_sync_state(LAST_ERROR_KEY, &value.to_string());
}

/// One sync round on `store` with the server it is enrolled with: reference data, push, pull.
/// Waits while another round on the same device runs. The last error and the last successful
/// time are kept for [`Api::sync_status`].
pub fn run_round(
    store: &mut Store,
    lang: Lang,
    now: DateTime<Utc>,
    trigger: SyncTrigger,
    on_event: &(dyn Fn(SyncEvent) + Send + Sync),
) -> ApiResult<SyncSummary> {
    let gate = gate(store.device_id());
    let _held = gate.lock().unwrap_or_else(|p| p.into_inner());
    let enrollment = store
        .enrollment()
        .map_err(|e| store_err(e, lang))?
        .ok_or_else(|| not_enrolled(lang))?;
    let mut transport = HttpTransport::with_ca(
        &enrollment.server_url,
        &enrollment.token,
        enrollment.ca_pem.as_deref(),
    )
    .map_err(|e| sync_error(&e, lang))?
    .with_data_kind(store.data_kind().map_err(|e| store_err(e, lang))?);
    if let Some((version, platform)) = crate::updates::reported_app(store) {
        transport = transport.reporting_app(&version, &platform);
    }
    transport =
        transport.asking_for_blocks(blocks_running_low(store).map_err(|e| store_err(e, lang))?);
    round_with(store, &transport, lang, now, trigger, on_event)
}

/// "Sync now" on its own connection to the database file, so a long round does not hold the
/// caller's `Api` (the desktop shell keeps one behind a mutex for every other command). Shares
/// the per-device gate with [`Api::sync_now`] and the background runner.
pub fn sync_database(
    db: &DbFile,
    lang: Lang,
    on_event: &(dyn Fn(SyncEvent) + Send + Sync),
) -> ApiResult<SyncSummary> {
    let mut store = db.open().map_err(|e| store_err(e, lang))?;
    run_round(&mut store, lang, Utc::now(), SyncTrigger::Manual, on_event)
}

/// A round over any transport (tests use a failing one); the caller holds the gate.
pub(crate) fn round_with(
    store: &mut Store,
    transport: &dyn Transport,
    lang: Lang,
    now: DateTime<Utc>,
    trigger: SyncTrigger,
    on_event: &(dyn Fn(SyncEvent) + Send + Sync),
) -> ApiResult<SyncSummary> {
    on_event(SyncEvent::Started { trigger });
    let result = round_inner(store, transport, lang, now, on_event);
    match &result {
        Ok(summary) => on_event(SyncEvent::Finished {
            trigger,
            summary: summary.clone(),
        }),
        Err(e) => {
            record_error(store, e, now);
            on_event(SyncEvent::Failed {
                trigger,
                error: e.clone(),
                retry_in_secs: None,
            });
        }
    }
    result
}

/// What the doctor is told a recovery was: the server's data put back to an older copy, or
/// this device's own (then the server was fine, and gave back what the copy lacked).
fn recovery_warnings(report: &jiayi_sync::engine::SyncReport, lang: Lang) -> Vec<ApiError> {
    let device_restored = report
        .recovery
        .iter()
        .any(|r| matches!(r, Recovery::DeviceBehind { .. }))
        || report.renumbered > 0;
    let server_restored = report.recovery.iter().any(|r| {
        matches!(
            r,
            Recovery::NewEpoch | Recovery::ServerBehind { .. } | Recovery::CursorAhead { .. }
        )
    });
    let mut warnings = Vec::new();
    if device_restored {
        warnings.push(
            ApiError::new(
                "device_restored",
                "本机数据是从较早的副本恢复的：已从乡镇服务器取回本机此前上传的记录，之后的新工作已用新编号上传，没有丢失。",
                "This device's data was restored from an older copy: the records it had uploaded were fetched back from the township server, and later work was uploaded under new numbers; nothing was lost.",
            )
            .localised(lang),
        );
    }
    if server_restored || (report.requeued > 0 && !device_restored) {
        warnings.push(
            ApiError::new(
                "server_recovered",
                "乡镇服务器曾从备份恢复，本机已重新上传服务器缺少的记录。",
                "The township server was restored from a backup; this device uploaded again what it was missing.",
            )
            .localised(lang),
        );
    }
    warnings
}

fn round_inner(
    store: &mut Store,
    transport: &dyn Transport,
    lang: Lang,
    now: DateTime<Utc>,
    on_event: &(dyn Fn(SyncEvent) + Send + Sync),
) -> ApiResult<SyncSummary> {
    // The township's reference data first: the records pulled next name its teams and villages,
    // which a laptop new to the township learns here.
    let data = transport.reference().map_err(|e| sync_error(&e, lang))?;
    let total = data.documents.len() as u64;
    let reference_updated = apply_reference(store, &data, now).map_err(|e| store_err(e, lang))?;
    on_event(SyncEvent::Progress(SyncProgress {
        phase: SyncPhase::Reference,
        done: total,
        total,
    }));
    let report = jiayi_sync::sync(store, transport, now.timestamp_millis(), &mut |p| {
        on_event(SyncEvent::Progress(SyncProgress {
            phase: phase(p.phase),
            done: p.done,
            total: p.total,
        }))
    })
    .map_err(|e| sync_error(&e, lang))?;
    crate::updates::keep_offer(store, report.update.as_ref()).map_err(|e| store_err(e, lang))?;
    if let Some(role) = report.role {
        store
            .put_device_role(role)
            .map_err(|e| store_err(e, lang))?;
    }
    let mut warnings = Vec::new();
    if let Some(skew) = report.clock_skew_ms {
        warnings.push(skew_warning(skew, lang));
    }
    warnings.extend(recovery_warnings(&report, lang));
    store
        .set_sync_state(LAST_SYNC_KEY, &now.to_rfc3339())
        .map_err(|e| store_err(e, lang))?;
    store
        .set_sync_state(LAST_ERROR_KEY, "")
        .map_err(|e| store_err(e, lang))?;
    // The engine kept the recovery key the server named; a failure shows in the lock status.
    let _ = crate::recovery::learn_recovery_key(store, None);
    let pending_after = store.pending_count().map_err(|e| store_err(e, lang))?;
    Ok(SyncSummary::of(
        &report,
        reference_updated,
        pending_after,
        warnings,
        now,
    ))
}

impl Api {
    /// "Sync now": one round, reporting progress through `on_event`. The callback must not
    /// start another round or forget the enrollment (both wait for this round to end).
    pub fn sync_now(
        &mut self,
        on_event: &(dyn Fn(SyncEvent) + Send + Sync),
    ) -> ApiResult<SyncSummary> {
        let now = self.now();
        run_round(
            &mut self.store,
            self.lang,
            now,
            SyncTrigger::Manual,
            on_event,
        )
    }

    /// A round over a given transport (for tests that cut the connection).
    #[doc(hidden)]
    pub fn sync_via(
        &mut self,
        transport: &dyn Transport,
        on_event: &(dyn Fn(SyncEvent) + Send + Sync),
    ) -> ApiResult<SyncSummary> {
        let now = self.now();
        let gate = gate(self.store.device_id());
        let _held = gate.lock().unwrap_or_else(|p| p.into_inner());
        round_with(
            &mut self.store,
            transport,
            self.lang,
            now,
            SyncTrigger::Manual,
            on_event,
        )
    }
}
