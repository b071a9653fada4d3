//! Sync with the township server, as the doctor sees it: enrolling the device, "Sync now",
//! the sync status in the header, the server's refusals, and the USB-stick bundles.
//!
//! One round is written once ([`run_round`]) and used by [`Api::sync_now`] and by the
//! background runner in [`crate::autosync`]. A per-device gate keeps two rounds from running
//! at once, whoever starts them.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock};

use chrono::{DateTime, Utc};
use jiayi_core::Lang;
use jiayi_core::household::Team;
use jiayi_store::{DbFile, EnrollmentRecord, ReferenceVersion, Store};
use jiayi_sync::SyncError;
use jiayi_sync::bundle::{self, BundleError};
use jiayi_sync::engine::{Phase, Transport};
use jiayi_sync::enrollment::EnrollmentFile;
use jiayi_sync::http::HttpTransport;
use jiayi_sync::protocol::{
    CLOCK_SKEW_WARNING_MS, PROTOCOL_VERSION, ReferenceData, ReferenceKind, ServerInfo,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{Api, ApiError, ApiResult};

/// Sync-state key of the last failed round: JSON `{code, message_zh, message_en, at}`.
pub const LAST_ERROR_KEY: &str = "last_sync_error";

/// Most changes one offline bundle carries; the rest go in the next file.
pub const BUNDLE_MAX_CHANGES: usize = 50_000;

/// What started a round.
#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum SyncTrigger {
    Manual,
    Auto,
}

#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum SyncPhase {
    Push,
    Pull,
    Reference,
}

/// For the header's progress bar.
#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
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
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
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
pub struct SyncSummary {
    /// Changes the server answered for.
    pub pushed: u64,
    pub applied: u64,
    pub duplicates: u64,
    /// Refused by the server (see [`Api::refusals`]).
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
    fn of(
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
pub struct SyncSettings {
    pub device_id: Uuid,
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
pub struct VillageRef {
    pub id: Uuid,
    /// The village's name when this device knows it.
    pub name: Option<String>,
}

#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EnrollOutcome {
    pub settings: SyncSettings,
    /// E.g. the device clock is more than five minutes off the server's.
    pub warnings: Vec<ApiError>,
}

#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LastSyncError {
    pub code: String,
    pub message: String,
    pub at: String,
}

/// The header's sync line.
#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
pub struct BundleExport {
    pub path: String,
    pub changes: u64,
    pub bytes: u64,
}

/// One gate per device: a round holds it from start to end.
pub(crate) fn gate(device: Uuid) -> Arc<Mutex<()>> {
    static GATES: OnceLock<Mutex<HashMap<Uuid, Arc<Mutex<()>>>>> = OnceLock::new();
    let mut gates = GATES
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    gates.entry(device).or_default().clone()
}

fn is_syncing(device: Uuid) -> bool {
    matches!(
        gate(device).try_lock(),
        Err(std::sync::TryLockError::WouldBlock)
    )
}

fn localised(e: ApiError, lang: Lang) -> ApiError {
    e.localised(lang)
}

fn store_err(e: jiayi_store::StoreError, lang: Lang) -> ApiError {
    ApiError::from_store(e, lang)
}

/// The error a failed round shows.
pub fn sync_error(e: &SyncError, lang: Lang) -> ApiError {
    let code = match e {
        SyncError::Network(_) => "server_unreachable",
        SyncError::Server { .. } => "server_error",
        SyncError::Unauthorized(_) => "token_revoked",
        // Refused before anything was sent: a server the township's CA did not sign (a wrong
        // server or a man in the middle), or an address that would go out in clear text.
        SyncError::Refused { code, .. } if code == jiayi_sync::error::UNTRUSTED_SERVER => {
            jiayi_sync::error::UNTRUSTED_SERVER
        }
        SyncError::Refused { code, .. } if code == jiayi_sync::error::INSECURE_ADDRESS => {
            jiayi_sync::error::INSECURE_ADDRESS
        }
        SyncError::Refused { .. } => "sync_refused",
        SyncError::Protocol(_) => "sync_protocol",
        SyncError::Replica(_) => "local_store",
    };
    ApiError::new(code, e.user_message(Lang::Zh), e.user_message(Lang::En)).localised(lang)
}

fn bundle_error(e: &BundleError, lang: Lang) -> ApiError {
    let code = match e {
        BundleError::Damaged => "bundle_damaged",
        BundleError::Foreign(_) => "bundle_foreign",
        BundleError::WrongDirection => "bundle_wrong_direction",
        BundleError::Replica(_) => "local_store",
    };
    ApiError::new(code, e.user_message(Lang::Zh), e.user_message(Lang::En)).localised(lang)
}

fn not_enrolled(lang: Lang) -> ApiError {
    ApiError::new(
        "not_enrolled",
        "本设备尚未登记到乡镇服务器，请先在“同步设置”中填写服务器地址和登记令牌。",
        "This device is not enrolled with a township server yet; enter the server address and enrollment token in the sync settings first.",
    )
    .localised(lang)
}

fn skew_warning(skew_ms: i64, lang: Lang) -> ApiError {
    let minutes = (skew_ms.abs() + 59_999) / 60_000;
    let (zh, en) = if skew_ms > 0 {
        (
            format!(
                "本机时钟比乡镇服务器快约 {minutes} 分钟，请校准电脑时间（记录顺序不受影响）。"
            ),
            format!(
                "This computer's clock is about {minutes} min ahead of the township server; please set the time (record order is unaffected)."
            ),
        )
    } else {
        (
            format!(
                "本机时钟比乡镇服务器慢约 {minutes} 分钟，请校准电脑时间（记录顺序不受影响）。"
            ),
            format!(
                "This computer's clock is about {minutes} min behind the township server; please set the time (record order is unaffected)."
            ),
        )
    };
    ApiError::new("clock_skew", &zh, &en).localised(lang)
}

/// Checks a server address: https anywhere, plain http only to this computer.
pub fn check_server_url(url: &str, lang: Lang) -> ApiResult<String> {
    let url = url.trim().trim_end_matches('/').to_string();
    let lower = url.to_ascii_lowercase();
    let bad = || {
        ApiError::new(
            "invalid_server_url",
            "服务器地址格式不对，应类似 https://wsy.example.cn 或 https://10.1.2.3:8470。",
            "The server address is not valid; it should look like https://wsy.example.cn or https://10.1.2.3:8470.",
        )
        .localised(lang)
    };
    let (secure, rest) = if let Some(rest) = lower.strip_prefix("https://") {
        (true, rest)
    } else if let Some(rest) = lower.strip_prefix("http://") {
        (false, rest)
    } else {
        return Err(bad());
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.is_empty() || authority.contains('@') || authority.contains(char::is_whitespace) {
        return Err(bad());
    }
    let host = if let Some(v6) = authority.strip_prefix('[') {
        match v6.split_once(']') {
            Some((h, _)) => h,
            None => return Err(bad()),
        }
    } else {
        authority.rsplit_once(':').map_or(authority, |(h, _)| h)
    };
    if host.is_empty() {
        return Err(bad());
    }
    if !secure && !jiayi_sync::enrollment::is_loopback_host(host) {
        return Err(ApiError::new(
            "insecure_server_url",
            "为保护居民信息，只能通过 https:// 连接乡镇服务器（http:// 仅限本机测试）。",
            "To protect residents' data the township server must be reached over https:// (plain http:// only for this computer).",
        )
        .localised(lang));
    }
    Ok(url)
}

/// Applies the township's reference documents newer than those held. Returns how many.
pub(crate) fn apply_reference(
    store: &mut Store,
    data: &ReferenceData,
    now: DateTime<Utc>,
) -> jiayi_store::Result<u64> {
    let mut updated = 0;
    for doc in &data.documents {
        let kind = doc.kind.as_str();
        if store.reference_version(kind, &doc.name)? >= doc.version {
            continue;
        }
        match doc.kind {
            ReferenceKind::Catalog => {
                store.put_catalog(&doc.content, now)?;
            }
            ReferenceKind::Register => {
                let entries = register_entries(&doc.content);
                store.put_register(&doc.name, &doc.version.to_string(), &entries, now)?;
            }
            ReferenceKind::TermPolicy => {
                if let Some(policy) = term_policy(&doc.content) {
                    let mut settings = store.settings()?;
                    settings.term_policy = policy;
                    store.put_settings(&settings)?;
                }
            }
            ReferenceKind::Teams => {
                let teams: Vec<Team> = serde_json::from_str(&doc.content)?;
                put_teams(store, &teams)?;
            }
        }
        store.put_reference_version(kind, &doc.name, doc.version, &doc.published_at, now)?;
        updated += 1;
    }
    if data.document(ReferenceKind::Teams, "all").is_none() && !data.teams.is_empty() {
        put_teams(store, &data.teams)?;
    }
    Ok(updated)
}

/// Teams name villages; only those this device knows are linked (the rest are not its work).
fn put_teams(store: &mut Store, teams: &[Team]) -> jiayi_store::Result<()> {
    let known: Vec<Uuid> = store.villages()?.into_iter().map(|v| v.id).collect();
    for team in teams {
        let mut team = team.clone();
        team.villages.retain(|v| known.contains(v));
        store.put_team(&team)?;
    }
    Ok(())
}

/// A register is CSV with the ID number in the first column; a header line is skipped.
fn register_entries(content: &str) -> Vec<String> {
    content
        .lines()
        .filter_map(|line| line.split(',').next())
        .map(|s| s.trim().trim_matches('"').to_ascii_uppercase())
        .filter(|s| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit() || c == 'X'))
        .collect()
}

fn term_policy(content: &str) -> Option<jiayi_core::contract::TermPolicy> {
    content.lines().find_map(|line| {
        let (key, value) = line.split_once('=')?;
        if key.trim() != "policy" {
            return None;
        }
        serde_json::from_value(serde_json::Value::String(
            value.trim().trim_matches('"').to_string(),
        ))
        .ok()
    })
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

/// One sync round on `store` with the server it is enrolled with: push, pull, reference data.
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
    let transport = HttpTransport::with_ca(
        &enrollment.server_url,
        &enrollment.token,
        enrollment.ca_pem.as_deref(),
    )
    .map_err(|e| sync_error(&e, lang))?;
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

fn round_inner(
    store: &mut Store,
    transport: &dyn Transport,
    lang: Lang,
    now: DateTime<Utc>,
    on_event: &(dyn Fn(SyncEvent) + Send + Sync),
) -> ApiResult<SyncSummary> {
    let report = jiayi_sync::sync(store, transport, now.timestamp_millis(), &mut |p| {
        on_event(SyncEvent::Progress(SyncProgress {
            phase: phase(p.phase),
            done: p.done,
            total: p.total,
        }))
    })
    .map_err(|e| sync_error(&e, lang))?;
    let data = transport.reference().map_err(|e| sync_error(&e, lang))?;
    let total = data.documents.len() as u64;
    let reference_updated = apply_reference(store, &data, now).map_err(|e| store_err(e, lang))?;
    on_event(SyncEvent::Progress(SyncProgress {
        phase: SyncPhase::Reference,
        done: total,
        total,
    }));
    let mut warnings = Vec::new();
    if let Some(skew) = report.clock_skew_ms {
        warnings.push(skew_warning(skew, lang));
    }
    if report.requeued > 0 || report.renumbered > 0 {
        warnings.push(
            ApiError::new(
                "server_recovered",
                "乡镇服务器曾从备份恢复，本机已重新上传服务器缺少的记录。",
                "The township server was restored from a backup; this device uploaded again what it was missing.",
            )
            .localised(lang),
        );
    }
    store
        .set_sync_state(crate::status::LAST_SYNC_KEY, &now.to_rfc3339())
        .map_err(|e| store_err(e, lang))?;
    store
        .set_sync_state(LAST_ERROR_KEY, "")
        .map_err(|e| store_err(e, lang))?;
    let pending_after = store.pending_count().map_err(|e| store_err(e, lang))?;
    Ok(SyncSummary::of(
        &report,
        reference_updated,
        pending_after,
        warnings,
        now,
    ))
}

fn entity_label(entity: &str, lang: Lang) -> String {
    let (zh, en) = match entity {
        "household" => ("家庭", "household"),
        "resident" => ("居民", "resident"),
        "contract" => ("签约协议", "agreement"),
        "contract_event" => ("协议变更", "agreement event"),
        "visit" => ("服务记录", "visit"),
        other => (other, other),
    };
    lang.pick(zh, en).to_string()
}

fn check_info(info: &ServerInfo, device: Uuid, lang: Lang) -> ApiResult<()> {
    if info.protocol_version != PROTOCOL_VERSION {
        return Err(ApiError::new(
            "protocol_version",
            "服务器的同步协议版本与本软件不一致，请更新软件或联系卫生院。",
            "The server speaks another sync protocol version; update the app or contact the health center.",
        )
        .localised(lang));
    }
    if info.device.device_id != device {
        return Err(ApiError::new(
            "token_other_device",
            &format!(
                "该令牌是为另一台设备（{}）签发的。请在卫生院用本机编号 {device} 重新登记。",
                info.device.device_id
            ),
            &format!(
                "This token was issued for another device ({}). Enroll this device with its id {device} at the health center.",
                info.device.device_id
            ),
        )
        .localised(lang));
    }
    Ok(())
}

impl Api {
    fn sync_settings_of(&self, e: Option<&EnrollmentRecord>) -> ApiResult<SyncSettings> {
        let villages = match e {
            None => Vec::new(),
            Some(e) => e
                .villages
                .iter()
                .map(|id| VillageRef {
                    id: *id,
                    name: self.store.village(*id).ok().map(|v| v.name),
                })
                .collect(),
        };
        Ok(SyncSettings {
            device_id: self.store.device_id(),
            enrolled: e.is_some(),
            server_url: e.map(|e| e.server_url.clone()),
            doctor_id: e.map(|e| e.doctor_id),
            team_id: e.map(|e| e.team_id),
            villages,
            enrolled_at: e.map(|e| e.enrolled_at.clone()),
        })
    }

    /// The device's id (what the health center enrolls) and its enrollment, without the token.
    pub fn sync_settings(&self) -> ApiResult<SyncSettings> {
        let e = self.store.enrollment().map_err(|e| self.fail(e))?;
        self.sync_settings_of(e.as_ref())
    }

    /// Checks the address and token against the server, then keeps them. Nothing is kept when
    /// the check fails. Over https this needs the township CA: use [`Api::enroll_from_file`].
    pub fn enroll_device(&mut self, server_url: &str, token: &str) -> ApiResult<EnrollOutcome> {
        self.enroll_pinned(server_url, token, None)
    }

    /// Enrolls from the enrollment file the health center wrote (`jiayi-server enroll --out`):
    /// the server's address, this device's token and the township CA the device then trusts,
    /// and nothing else, for every later sync.
    pub fn enroll_from_file(&mut self, json: &str) -> ApiResult<EnrollOutcome> {
        let lang = self.lang;
        let file = EnrollmentFile::from_json(json).map_err(|e| match e {
            SyncError::Protocol(_) => ApiError::new(
                "invalid_enrollment_file",
                "这不是卫生院给出的设备登记文件，或文件已损坏。",
                "This is not an enrollment file from the health center, or it is damaged.",
            )
            .localised(lang),
            other => sync_error(&other, lang),
        })?;
        if file.device_id != self.store.device_id() {
            return Err(ApiError::new(
                "enrollment_for_another_device",
                &format!(
                    "该登记文件是为另一台设备（{}）生成的，本机编号为 {}。请让卫生院用本机编号重新登记。",
                    file.device_id,
                    self.store.device_id()
                ),
                &format!(
                    "This enrollment file was made for another device ({}); this device is {}. Ask the health center to enroll this device's id.",
                    file.device_id,
                    self.store.device_id()
                ),
            )
            .localised(lang));
        }
        self.enroll_pinned(&file.server, &file.token, file.ca_pem.as_deref())
    }

    fn enroll_pinned(
        &mut self,
        server_url: &str,
        token: &str,
        ca_pem: Option<&str>,
    ) -> ApiResult<EnrollOutcome> {
        let lang = self.lang;
        let url = check_server_url(server_url, lang)?;
        let token = token.trim();
        if token.is_empty() || token.contains(char::is_whitespace) {
            return Err(ApiError::new(
                "invalid_token",
                "请填写卫生院登记设备时给出的令牌。",
                "Enter the token the health center gave when enrolling this device.",
            )
            .localised(lang));
        }
        let transport =
            HttpTransport::with_ca(&url, token, ca_pem).map_err(|e| sync_error(&e, lang))?;
        let info = transport.info().map_err(|e| match e {
            SyncError::Unauthorized(_) => ApiError::new(
                "token_invalid",
                "服务器不认可该令牌（可能输错或已被撤销），请向卫生院核对。",
                "The server does not accept this token (mistyped or revoked); check it with the health center.",
            )
            .localised(lang),
            other => sync_error(&other, lang),
        })?;
        check_info(&info, self.store.device_id(), lang)?;
        let now = self.now();
        let record = EnrollmentRecord {
            server_url: url,
            token: token.to_string(),
            device_id: info.device.device_id,
            doctor_id: info.device.doctor_id,
            team_id: info.device.team_id,
            villages: info.device.villages.clone(),
            server_epoch: info.server_epoch,
            high_water: info.high_water,
            enrolled_at: now.to_rfc3339(),
            ca_pem: ca_pem.map(str::to_string),
        };
        self.store
            .put_enrollment(&record)
            .map_err(|e| self.fail(e))?;
        let mut warnings = Vec::new();
        let skew = now.timestamp_millis() - info.server_time_ms;
        if skew.abs() > CLOCK_SKEW_WARNING_MS {
            warnings.push(skew_warning(skew, lang));
        }
        Ok(EnrollOutcome {
            settings: self.sync_settings_of(Some(&record))?,
            warnings,
        })
    }

    /// Forgets the server address and token. Records and unsent changes stay on the device.
    pub fn forget_enrollment(&mut self) -> ApiResult<bool> {
        let gate = gate(self.store.device_id());
        let _held = gate.lock().unwrap_or_else(|p| p.into_inner());
        self.store.clear_enrollment().map_err(|e| self.fail(e))
    }

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

    pub fn sync_status(&self) -> ApiResult<SyncStatusView> {
        let s = &self.store;
        let fail = |e| self.fail(e);
        let enrollment = s.enrollment().map_err(fail)?;
        let last_error = s
            .sync_state(LAST_ERROR_KEY)
            .map_err(fail)?
            .and_then(|v| serde_json::from_str::<serde_json::Value>(&v).ok())
            .and_then(|v| {
                let text = |k: &str| v.get(k).and_then(|x| x.as_str()).map(str::to_string);
                Some(LastSyncError {
                    code: text("code")?,
                    message: if self.lang == Lang::En {
                        text("message_en")?
                    } else {
                        text("message_zh")?
                    },
                    at: text("at").unwrap_or_default(),
                })
            });
        Ok(SyncStatusView {
            enrolled: enrollment.is_some(),
            server_url: enrollment.map(|e| e.server_url),
            device_id: s.device_id(),
            pending_changes: s.pending_count().map_err(fail)?,
            last_sync_at: s
                .sync_state(crate::status::LAST_SYNC_KEY)
                .map_err(fail)?
                .filter(|v| !v.is_empty()),
            last_error,
            open_refusals: s.open_refusal_count().map_err(fail)?,
            syncing: is_syncing(s.device_id()),
            reference: s.reference_versions().map_err(fail)?,
        })
    }

    /// The server's refusals, newest first; settled ones only with `include_settled`.
    pub fn refusals(&self, include_settled: bool) -> ApiResult<Vec<RefusalView>> {
        let lang = self.lang;
        Ok(self
            .store
            .refusals(include_settled)
            .map_err(|e| self.fail(e))?
            .into_iter()
            .map(|r| RefusalView {
                id: r.id,
                seq: r.seq,
                entity_label: entity_label(&r.entity, lang),
                entity: r.entity,
                entity_id: r.entity_id,
                record_name: r.record_name,
                village_name: r.village_name,
                code: r.code,
                message: lang.pick(&r.message_zh, &r.message_en).to_string(),
                refused_at: r.refused_at,
                read: r.read_at.is_some(),
                settled: r.settled_at.is_some(),
            })
            .collect())
    }

    /// The doctor has seen the list.
    pub fn mark_refusals_read(&mut self) -> ApiResult<u64> {
        let now = self.now();
        self.store.mark_refusals_read(now).map_err(|e| self.fail(e))
    }

    /// The doctor has dealt with a refusal (corrected the record, or asked the health center).
    pub fn settle_refusal(&mut self, id: i64) -> ApiResult<()> {
        let now = self.now();
        self.store.settle_refusal(id, now).map_err(|e| match e {
            jiayi_store::StoreError::NotFound { .. } => {
                ApiError::not_found("该拒收记录", "The refusal").localised(self.lang)
            }
            other => self.fail(other),
        })
    }

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
        let bytes = bundle::export(
            &mut self.store,
            &enrollment.token,
            now.timestamp_millis(),
            BUNDLE_MAX_CHANGES,
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
        let enrollment = self
            .store
            .enrollment()
            .map_err(|e| self.fail(e))?
            .ok_or_else(|| not_enrolled(lang))?;
        let bytes = std::fs::read(path).map_err(|e| file_error(path, &e, lang))?;
        let now = self.now();
        let gate = gate(self.store.device_id());
        let _held = gate.lock().unwrap_or_else(|p| p.into_inner());
        let report = bundle::import_reply(&mut self.store, &enrollment.token, &bytes)
            .map_err(|e| bundle_error(&e, lang))?;
        // The reply's reference data travels inside the sealed body.
        let reference_updated =
            match reply_reference(&enrollment.token, self.store.device_id(), &bytes) {
                Some(data) => {
                    apply_reference(&mut self.store, &data, now).map_err(|e| self.fail(e))?
                }
                None => 0,
            };
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

fn reply_reference(token: &str, device: Uuid, bytes: &[u8]) -> Option<ReferenceData> {
    let key = bundle::key_from_token_hash(&bundle::token_hash(token));
    let json = bundle::open(bundle::Direction::ToDevice, device, &key, bytes).ok()?;
    serde_json::from_slice::<bundle::ReplyBundle>(&json)
        .ok()?
        .reference
}

fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = path.with_extension("part");
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)
}

fn file_error(path: &Path, e: &std::io::Error, lang: Lang) -> ApiError {
    localised(
        ApiError::new(
            "file_error",
            &format!("无法读写文件 {}：{e}", path.display()),
            &format!("Cannot read or write {}: {e}", path.display()),
        ),
        lang,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_addresses_plain_http_only_on_this_computer() {
        for ok in [
            "https://wsy.example.cn",
            "https://10.1.2.3:8470/",
            "http://127.0.0.1:8470",
            "http://localhost:9000",
            "http://[::1]:8470",
            "HTTPS://WSY.EXAMPLE.CN",
        ] {
            assert!(check_server_url(ok, Lang::Zh).is_ok(), "{ok}");
        }
        for (bad, code) in [
            ("http://10.1.2.3:8470", "insecure_server_url"),
            ("http://wsy.example.cn", "insecure_server_url"),
            ("http://127.0.0.1.evil.cn", "insecure_server_url"),
            ("ftp://wsy.example.cn", "invalid_server_url"),
            ("wsy.example.cn", "invalid_server_url"),
            ("https://", "invalid_server_url"),
            ("http://user@127.0.0.1", "invalid_server_url"),
        ] {
            let e = check_server_url(bad, Lang::Zh).unwrap_err();
            assert_eq!(e.code, code, "{bad}");
        }
        let e = check_server_url("http://10.0.0.1", Lang::Zh).unwrap_err();
        assert!(e.message.contains("https://"), "{}", e.message);
    }

    #[test]
    fn registers_keep_id_numbers_and_skip_the_header() {
        assert_eq!(
            register_entries(
                "id_number,name\n110101199003074477,王某\n\n11010119900307447x,李某\n"
            ),
            vec!["110101199003074477", "11010119900307447X"]
        );
    }

    #[test]
    fn term_policy_documents_are_read() {
        assert_eq!(
            term_policy("policy = \"calendar_year\"\n"),
            Some(jiayi_core::contract::TermPolicy::CalendarYear)
        );
        assert_eq!(term_policy("other = 1"), None);
    }

    #[test]
    fn events_are_camel_case_json() {
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
            serde_json::json!({"type": "unreachable", "retryInSecs": 30})
        );
    }

    #[test]
    fn clock_skew_is_told_in_minutes() {
        let w = skew_warning(-6 * 60_000, Lang::Zh);
        assert_eq!(w.code, "clock_skew");
        assert!(w.message.contains("慢约 6 分钟"), "{}", w.message);
    }
}
