//! Enrolling the device with the township server: the address and token checked against the
//! server before they are kept, or the enrollment file the health center wrote.

use jiayi_core::Lang;
use jiayi_core::role::DeviceRole;
use jiayi_store::EnrollmentRecord;
use jiayi_sync::SyncError;
use jiayi_sync::engine::Transport;
use jiayi_sync::enrollment::EnrollmentFile;
use jiayi_sync::http::HttpTransport;
use jiayi_sync::protocol::{
    CLOCK_SKEW_WARNING_MS, DEVICE_CODE_MISMATCH, InfoQuery, PROTOCOL_VERSION, ServerInfo,
};
use uuid::Uuid;

use super::address::check_server_url;
use super::errors::{bundle_error, skew_warning, sync_error};
use super::round::gate;
use super::views::{EnrollOutcome, SyncSettings, VillageRef};
use crate::Api;
use crate::error::{ApiError, ApiResult};

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
            device_code: jiayi_core::short_code::device_code(self.store.device_id()),
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
        self.enroll_pinned(server_url, token, None, None)
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
        let own_code = jiayi_core::short_code::device_code(self.store.device_id());
        // Enrolled by the code read out before the laptop ever connected, the file names the
        // code (the server checks it again when it binds the token); otherwise the device's id.
        let (for_this_laptop, file_code) = match &file.device_code {
            Some(code) => (
                jiayi_core::short_code::names_device(code, self.store.device_id()) == Ok(true),
                code.clone(),
            ),
            None => (
                file.device_id == self.store.device_id(),
                jiayi_core::short_code::device_code(file.device_id),
            ),
        };
        if !for_this_laptop {
            return Err(ApiError::new(
                "enrollment_for_another_device",
                &format!(
                    "该登记文件是为另一台设备（登记码 {file_code}）生成的，本机登记码为 {own_code}。请让卫生院用本机登记码重新登记。"
                ),
                &format!(
                    "This enrollment file was made for another device (code {file_code}); this device's code is {own_code}. Ask the health center to enroll this device's code."
                ),
            )
            .localised(lang));
        }
        let outcome = self.enroll_pinned(
            &file.server,
            &file.token,
            file.ca_pem.as_deref(),
            Some(file.role),
        )?;
        // The keys handed over with the file, by hand, hold over those the server named.
        if let Some(keys) = &file.township_keys {
            jiayi_sync::bundle::learn_township_keys(&mut self.store, keys)
                .map_err(|e| bundle_error(&e, lang))?;
        }
        Ok(outcome)
    }

    fn enroll_pinned(
        &mut self,
        server_url: &str,
        token: &str,
        ca_pem: Option<&str>,
        file_role: Option<DeviceRole>,
    ) -> ApiResult<EnrollOutcome> {
        let lang = self.lang;
        let url = check_server_url(server_url, lang)?;
        let token = token.trim();
        if token.is_empty() || token.contains(char::is_whitespace) {
            return Err(ApiError::new(
                "invalid_token",
                "请填写卫生院登记本机时给出的接入码。",
                "Enter the access code the health center gave when enrolling this computer.",
            )
            .localised(lang));
        }
        let kind = self.store.data_kind().map_err(|e| self.fail(e))?;
        let transport = HttpTransport::with_ca(&url, token, ca_pem)
            .map_err(|e| sync_error(&e, lang))?
            .with_data_kind(kind);
        let asking = InfoQuery {
            device_id: Some(self.store.device_id()),
            ..InfoQuery::default()
        };
        let info = transport.info(&asking).map_err(|e| match e {
            SyncError::Unauthorized(_) => ApiError::new(
                "token_invalid",
                "服务器不认可该接入码（可能输错或已被撤销），请向卫生院核对。",
                "The server does not accept this token (mistyped or revoked); check it with the health center.",
            )
            .localised(lang),
            SyncError::Refused { code, .. } if code == DEVICE_CODE_MISMATCH => {
                let laptop = jiayi_core::short_code::device_code(self.store.device_id());
                ApiError::new(
                    DEVICE_CODE_MISMATCH,
                    &format!(
                        "该接入码是卫生院按另一个登记码签发的，本机登记码为 {laptop}。请把本机登记码读给卫生院，重新登记。"
                    ),
                    &format!(
                        "This token was issued for another device code; this laptop's code is {laptop}. Read this code to the health center and enroll again."
                    ),
                )
                .localised(lang)
            }
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
        // The server's word on the role first; a server from before roles were sent leaves
        // the enrollment file's, and a bare token from such a server a doctor's.
        let role = info.device.role.or(file_role).unwrap_or(DeviceRole::Doctor);
        self.store.put_device_role(role).map_err(|e| self.fail(e))?;
        let _ = crate::recovery::learn_recovery_key(
            &mut self.store,
            info.recovery_public_key.as_deref(),
        );
        if let Some(keys) = &info.township_keys {
            jiayi_sync::bundle::learn_township_keys(&mut self.store, keys)
                .map_err(|e| bundle_error(&e, lang))?;
        }
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
        let (theirs, ours) = (
            jiayi_core::short_code::device_code(info.device.device_id),
            jiayi_core::short_code::device_code(device),
        );
        return Err(ApiError::new(
            "token_other_device",
            &format!(
                "该接入码是为另一台电脑（登记码 {theirs}）签发的。请把本机登记码 {ours} 读给卫生院，重新登记。"
            ),
            &format!(
                "This access code was issued for another computer (code {theirs}). Read this computer's code {ours} to the health center and enroll again."
            ),
        )
        .localised(lang));
    }
    Ok(())
}
