//! Enrolling a device, as the health center's `jiayi-server enroll` does it: the device named
//! by its full id or by the 登记码 its doctor reads out, enrolled and audited.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::Result;
use crate::device_code::{self, Named};
use crate::storage::{AuditEvent, Enrolled, Enrollment, Storage};
use jiayi_core::short_code;
use jiayi_sync::protocol::DeviceRole;

/// An enrolled device with the code staff read back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EnrolledDevice {
    #[serde(flatten)]
    pub enrolled: Enrolled,
    pub code: String,
    /// Enrolled by a code the server had not met: `device_id` is a placeholder until the
    /// laptop first connects with the token.
    pub awaiting_first_contact: bool,
}

/// Enrolls the device `device` names (a full id or a code; none: the server makes an id).
/// `enrollment.device_id` and `awaiting_code` are set here from `device`.
pub fn enroll(
    storage: &dyn Storage,
    device: Option<&str>,
    mut enrollment: Enrollment,
    role: DeviceRole,
    now: DateTime<Utc>,
) -> Result<EnrolledDevice> {
    let named = device
        .map(|d| device_code::name_for_enrollment(storage, d))
        .transpose()?;
    (enrollment.device_id, enrollment.awaiting_code) = match named {
        None => (None, None),
        Some(Named::Known {
            device_id,
            awaiting_code,
        }) => (Some(device_id), awaiting_code),
        Some(Named::NewByCode(code)) => (None, Some(code)),
    };
    let enrolled = storage.enroll_as(&enrollment, role, now)?;
    storage.append_audit(
        &AuditEvent::operator("enroll").with_record("device", enrolled.device_id),
        now,
    )?;
    let code = enrollment
        .awaiting_code
        .clone()
        .unwrap_or_else(|| short_code::device_code(enrolled.device_id));
    Ok(EnrolledDevice {
        awaiting_first_contact: enrollment.awaiting_code.is_some(),
        enrolled,
        code,
    })
}
