//! Devices named by the 登记码 staff are read out (`K7PQ-M3XZ`, `jiayi_core::short_code`) as
//! well as by their full id: the device list shows each code, and the commands that name a
//! device take either. A code the server has not met enrolls a new laptop: the server makes a
//! placeholder id that waits for the code, and the laptop's first connection binds it
//! ([`bind_on_first_contact`]).

use serde::Serialize;
use uuid::Uuid;

use crate::storage::{DeviceRow, Storage};
use crate::{Result, ServerError};
use jiayi_core::Lang;
use jiayi_core::short_code::{self, DEVICE_DATA_CHARS};

/// A device as the device list shows it: its code first.
#[derive(Debug, Clone, Serialize)]
pub struct ListedDevice {
    pub code: String,
    /// Enrolled by code and not connected yet: `device_id` is the server's placeholder.
    pub awaiting_first_contact: bool,
    #[serde(flatten)]
    pub device: DeviceRow,
}

pub fn listed(rows: Vec<DeviceRow>) -> Vec<ListedDevice> {
    rows.into_iter()
        .map(|device| ListedDevice {
            code: code_of(&device),
            awaiting_first_contact: device.awaiting_code.is_some(),
            device,
        })
        .collect()
}

/// The code a row answers to: the one it waits for, or its id's.
fn code_of(row: &DeviceRow) -> String {
    row.awaiting_code
        .clone()
        .unwrap_or_else(|| short_code::device_code(row.device_id))
}

/// What a device named for enrollment is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Named {
    /// A full id, or the code of a device the server knows (a placeholder still waiting
    /// included, with the code it waits for).
    Known {
        device_id: Uuid,
        awaiting_code: Option<String>,
    },
    /// The code of a laptop the server has never met.
    NewByCode(String),
}

/// The device a full id or a code names, for enrollment.
pub fn name_for_enrollment(storage: &dyn Storage, text: &str) -> Result<Named> {
    if let Ok(id) = Uuid::parse_str(text.trim()) {
        return Ok(Named::Known {
            device_id: id,
            awaiting_code: None,
        });
    }
    let code = read_code(text)?;
    let known = storage.devices()?;
    Ok(match among(&known, &code)? {
        Some(row) => Named::Known {
            device_id: row.device_id,
            awaiting_code: row.awaiting_code.clone(),
        },
        None => Named::NewByCode(code),
    })
}

/// The device a full id or a code names, among those the server enrolled (to revoke it).
pub fn resolve(storage: &dyn Storage, text: &str) -> Result<Uuid> {
    if let Ok(id) = Uuid::parse_str(text.trim()) {
        return Ok(id);
    }
    let known = storage.devices()?;
    resolve_among(&known, text)
}

/// A typed code as people write it, or why it does not read (in Chinese).
fn read_code(text: &str) -> Result<String> {
    short_code::decode(text, DEVICE_DATA_CHARS)
        .map(|bits| short_code::encode(bits, DEVICE_DATA_CHARS))
        .map_err(|e| ServerError::Invalid(e.message(Lang::Zh)))
}

fn resolve_among(known: &[DeviceRow], text: &str) -> Result<Uuid> {
    let code = read_code(text)?;
    match among(known, &code)? {
        Some(row) => Ok(row.device_id),
        None => Err(ServerError::Invalid(format!(
            "登记码 {code} 不属于本服务器登记过的设备。"
        ))),
    }
}

/// The one row that answers to `code` (as [`read_code`] writes it); an error when several do.
fn among<'a>(known: &'a [DeviceRow], code: &str) -> Result<Option<&'a DeviceRow>> {
    let mut named: Vec<&DeviceRow> = Vec::new();
    for row in known {
        if code_of(row) == code && !named.iter().any(|r| r.device_id == row.device_id) {
            named.push(row);
        }
    }
    match named[..] {
        [] => Ok(None),
        [one] => Ok(Some(one)),
        _ => Err(ServerError::Invalid(
            "该登记码对应多台设备，请用完整设备编号。".into(),
        )),
    }
}

/// Why a laptop's first contact did not bind the enrollment made for a code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BindRefusal {
    /// The app did not say which laptop it is (an older app).
    Unnamed { code: String },
    /// The laptop's own code is another one: the token was handed to the wrong laptop, or
    /// the code was misheard at enrollment.
    OtherLaptop { code: String, laptop: String },
}

impl BindRefusal {
    pub fn code(&self) -> &'static str {
        jiayi_sync::protocol::DEVICE_CODE_MISMATCH
    }

    pub fn message_zh(&self) -> String {
        match self {
            BindRefusal::Unnamed { code } => format!(
                "该接入码是为登记码 {code} 的电脑签发的，本软件版本无法确认本机登记码，请更新软件后重新登记。"
            ),
            BindRefusal::OtherLaptop { code, laptop } => format!(
                "该接入码是为登记码 {code} 的电脑签发的，本机登记码为 {laptop}。请核对“同步”页上的登记码，在卫生院用本机登记码重新登记。"
            ),
        }
    }

    pub fn message_en(&self) -> String {
        match self {
            BindRefusal::Unnamed { code } => format!(
                "This token was issued for the device with code {code}; this version of the app cannot confirm its code. Update the app and enroll again."
            ),
            BindRefusal::OtherLaptop { code, laptop } => format!(
                "This token was issued for the device with code {code}; this laptop's code is {laptop}. Check the code on the sync screen and enroll this laptop's code at the health center."
            ),
        }
    }
}

/// At a device's first request with its token: when the token was issued for a code
/// (`awaiting`, [`Storage::awaiting_code`]), binds it to the laptop that named itself `claimed`
/// if the code names that laptop. Returns the device's id from now on (`placeholder` unchanged
/// when it was not waiting).
pub fn bind_on_first_contact(
    storage: &dyn Storage,
    placeholder: Uuid,
    awaiting: Option<String>,
    claimed: Option<Uuid>,
) -> Result<std::result::Result<Uuid, BindRefusal>> {
    let Some(code) = awaiting else {
        return Ok(Ok(placeholder));
    };
    let Some(laptop) = claimed else {
        return Ok(Err(BindRefusal::Unnamed { code }));
    };
    if short_code::names_device(&code, laptop) != Ok(true) {
        return Ok(Err(BindRefusal::OtherLaptop {
            code,
            laptop: short_code::device_code(laptop),
        }));
    }
    storage.bind_awaiting(placeholder, laptop)?;
    Ok(Ok(laptop))
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
            awaiting_code: None,
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
        // A code that waits for its laptop is found by the code, not by the placeholder's id.
        let mut waiting = row(Uuid::from_u128(9));
        waiting.awaiting_code = Some(other.clone());
        assert_eq!(
            resolve_among(&[waiting], &other).unwrap(),
            Uuid::from_u128(9)
        );
    }
}
