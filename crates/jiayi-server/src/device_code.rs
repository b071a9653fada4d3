//! Devices named by the 登记码 staff are read out (`K7PQ-M3XZ`, `jiayi_core::short_code`) as
//! well as by their full id: the device list shows each code, and the commands that name a
//! device the server knows take either.

use serde::Serialize;
use uuid::Uuid;

use crate::storage::{DeviceRow, Storage};
use crate::{Result, ServerError};
use jiayi_core::Lang;
use jiayi_core::short_code;

/// A device as the device list shows it: its code first.
#[derive(Debug, Clone, Serialize)]
pub struct ListedDevice {
    pub code: String,
    #[serde(flatten)]
    pub device: DeviceRow,
}

pub fn listed(rows: Vec<DeviceRow>) -> Vec<ListedDevice> {
    rows.into_iter()
        .map(|device| ListedDevice {
            code: short_code::device_code(device.device_id),
            device,
        })
        .collect()
}

/// The device a full id or a code names. A code must name exactly one device the server has
/// enrolled; a full id is taken as it is (a new device is enrolled by its full id or by the
/// enrollment file).
pub fn resolve(storage: &dyn Storage, text: &str) -> Result<Uuid> {
    if let Ok(id) = Uuid::parse_str(text.trim()) {
        return Ok(id);
    }
    let known = storage.devices()?;
    resolve_among(&known, text)
}

fn resolve_among(known: &[DeviceRow], text: &str) -> Result<Uuid> {
    let mut named = Vec::new();
    for row in known {
        match short_code::names_device(text, row.device_id) {
            Ok(true) => named.push(row.device_id),
            Ok(false) => {}
            Err(e) => return Err(ServerError::Invalid(e.message(Lang::Zh))),
        }
    }
    named.sort();
    named.dedup();
    match named[..] {
        [one] => Ok(one),
        [] => Err(ServerError::Invalid(format!(
            "登记码 {} 不属于本服务器登记过的设备；新设备请用本机“同步”页上的完整设备编号登记，或用登记文件。",
            short_code::normalise(text, short_code::DEVICE_DATA_CHARS).unwrap_or_default()
        ))),
        _ => Err(ServerError::Invalid(
            "该登记码对应多台设备，请用完整设备编号。".into(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiayi_core::role::DeviceRole;

    fn row(id: Uuid) -> DeviceRow {
        DeviceRow {
            device_id: id,
            label: String::new(),
            doctor_name: "刘医生".into(),
            team_name: "一组".into(),
            role: DeviceRole::Doctor,
            villages: vec![],
            enrolled_at: String::new(),
            revoked_at: None,
            last_sync_at: None,
            stored_through_seq: 0,
        }
    }

    #[test]
    fn a_code_names_the_device_it_was_made_from() {
        let a = Uuid::from_u128(0x0190_f0a2_7b1c_7d3e_8f4a_1b2c_3d4e_5f60);
        let b = Uuid::from_u128(0x0190_f0a2_7b1c_7d3e_8f4a_1b2c_3d4e_5f61);
        let known = [row(a), row(b)];
        let code = short_code::device_code(b);
        assert_eq!(resolve_among(&known, &code).unwrap(), b);
        assert_eq!(resolve_among(&known, &code.to_lowercase()).unwrap(), b);
        let listed = listed(known.to_vec());
        assert_eq!(listed[1].code, code);
        let json = serde_json::to_value(&listed[1]).unwrap();
        assert_eq!(json["code"], code.as_str());
        assert_eq!(json["device_id"], b.to_string());
    }

    #[test]
    fn a_misread_or_unknown_code_is_refused_in_chinese() {
        let a = Uuid::from_u128(7);
        let known = [row(a)];
        let code = short_code::device_code(a);
        let mut swapped: Vec<char> = code.chars().collect();
        swapped.swap(0, 1);
        let swapped: String = swapped.into_iter().collect();
        if swapped != code {
            let err = resolve_among(&known, &swapped).unwrap_err().to_string();
            assert!(err.contains("校验位"), "{err}");
        }
        let other = short_code::device_code(Uuid::from_u128(8));
        let err = resolve_among(&known, &other).unwrap_err().to_string();
        assert!(err.contains("不属于"), "{err}");
    }
}
