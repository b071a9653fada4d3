//! The server's side of "demo and real data never meet" (the rule is
//! [`jiayi_core::data_kind::check_pairing`]): whether this server is a demo (training) township,
//! and the refusal a device of the other kind gets.

use chrono::Utc;
use jiayi_core::data_kind::{DataKind, KindMismatch, check_pairing};

use crate::error::{Result, ServerError};
use crate::storage::{AuditEvent, DeviceScope, Storage};

/// The settings key the server's kind is kept under.
pub const SETTING: &str = "township.data_kind";

/// This server's kind; a server never marked is the real township's.
pub fn server_kind(storage: &dyn Storage) -> Result<DataKind> {
    kind_from_setting(storage.setting(SETTING)?)
}

/// The kind kept in the setting [`SETTING`] (`None`: never marked, the real township's).
pub fn kind_from_setting(setting: Option<String>) -> Result<DataKind> {
    match setting {
        None => Ok(DataKind::Real),
        Some(json) => serde_json::from_str(&json).map_err(|e| {
            ServerError::Corrupt(format!("the setting {SETTING} is not a data kind: {e}"))
        }),
    }
}

/// Makes this server a demo township or a real one. Only while it holds no device's records:
/// demo records would otherwise count as real work, or real ones sit on a training server.
pub fn set_server_kind(storage: &dyn Storage, kind: DataKind) -> Result<()> {
    if server_kind(storage)? == kind {
        return Ok(());
    }
    if storage.high_water()? > 0 {
        return Err(ServerError::Invalid(
            "this server already holds records; only an empty server can be made a demo or a real \
             township (服务器已有记录，只有空服务器才能切换演示/正式)"
                .into(),
        ));
    }
    storage.put_setting(SETTING, &serde_json::to_string(&kind)?)?;
    storage.append_audit(
        &AuditEvent::operator("data-kind").with_record("township", kind.as_str()),
        Utc::now(),
    )
}

/// Whether a device stating `device` may sync with this server of kind `server`; a refusal is
/// noted in the audit log.
pub fn admit(
    storage: &dyn Storage,
    scope: &DeviceScope,
    device: DataKind,
    server: DataKind,
) -> Result<std::result::Result<(), KindMismatch>> {
    let verdict = check_pairing(device, server);
    if let Err(mismatch) = verdict {
        storage.append_audit(
            &AuditEvent::device(scope, "refused", "").with_record("data_kind", mismatch.code()),
            Utc::now(),
        )?;
    }
    Ok(verdict)
}
