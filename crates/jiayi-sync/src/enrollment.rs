//! The enrollment file: what the health center hands a device so it can sync with the
//! township server (its address, the device's token and the township's CA certificate).
//!
//! The server writes it (`jiayi-server enroll --out FILE`); the device imports it. It holds a
//! secret (the token), so it travels by hand (USB stick) and is deleted once imported.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::{Result, SyncError};
use crate::protocol::DeviceRole;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EnrollmentFile {
    /// The server's base address, e.g. `https://192.168.1.10:8470`.
    pub server: String,
    /// The device's id; for a laptop enrolled by its 登记码 before it ever connected, the
    /// server's placeholder, and `device_code` names the laptop instead.
    pub device_id: Uuid,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_code: Option<String>,
    /// The device's bearer token (shown only at enrollment).
    pub token: String,
    /// The township CA certificate (PEM) the device pins: with `https` it trusts only this CA.
    /// `None` only for a server on loopback over plain `http` (development).
    #[serde(default)]
    pub ca_pem: Option<String>,
    /// The doctor's name, for the device to show.
    pub doctor: String,
    /// The team's name.
    pub team: String,
    /// The villages the device was enrolled for (a team leader reaches the team's villages too).
    pub villages: Vec<Uuid>,
    #[serde(default)]
    pub role: DeviceRole,
    /// The township's public keys for offline bundles, handed over with the file (absent from
    /// files of older servers: the device then learns them at its first online sync).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub township_keys: Option<crate::bundle_seal::TownshipKeys>,
}

/// Whether a host (as in a URL: a name, an IPv4 address or a bracketed IPv6 address) is this
/// machine: 127.0.0.0/8, `::1`, `localhost`. The one rule for plain http, on the device's
/// address check and in the transport alike. Names under `localhost` are not trusted: only a
/// resolver's goodwill keeps them on this machine.
pub fn is_loopback_host(host: &str) -> bool {
    let bare = host.trim().trim_start_matches('[').trim_end_matches(']');
    match bare.parse::<std::net::IpAddr>() {
        Ok(ip) => ip.is_loopback(),
        Err(_) => bare.eq_ignore_ascii_case("localhost"),
    }
}

/// The transport's rule for a server address, checked without connecting: `https` needs the
/// township CA; plain `http` only to loopback; nothing else.
pub fn check_address(server: &str, ca_pem: Option<&str>) -> Result<()> {
    let server = server.trim();
    let (scheme, rest) = server.split_once("://").ok_or_else(|| {
        SyncError::insecure_address(format!("'{server}' is not a server address"))
    })?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host_port = authority.rsplit('@').next().unwrap_or_default();
    let host = if host_port.starts_with('[') {
        host_port
            .split(']')
            .next()
            .map(|h| format!("{h}]"))
            .unwrap_or_default()
    } else {
        host_port.split(':').next().unwrap_or_default().to_string()
    };
    if host.is_empty() {
        return Err(SyncError::insecure_address(format!(
            "'{server}' names no host"
        )));
    }
    match scheme.to_ascii_lowercase().as_str() {
        "https" if ca_pem.is_some_and(|p| !p.trim().is_empty()) => Ok(()),
        "https" => Err(SyncError::insecure_address(
            "an https server needs the township CA certificate to be pinned",
        )),
        "http" if is_loopback_host(&host) => Ok(()),
        "http" => Err(SyncError::insecure_address(format!(
            "plain http to {server} would send the token and records in clear text; use https"
        ))),
        other => Err(SyncError::insecure_address(format!(
            "unsupported scheme '{other}' in {server}"
        ))),
    }
}

impl EnrollmentFile {
    /// Reads an enrollment file, refusing one that cannot be used to sync.
    pub fn from_json(text: &str) -> Result<EnrollmentFile> {
        let file: EnrollmentFile = serde_json::from_str(text)
            .map_err(|e| SyncError::Protocol(format!("enrollment file: {e}")))?;
        if file.server.trim().is_empty() || file.token.trim().is_empty() {
            return Err(SyncError::Protocol(
                "enrollment file: the server address and the token are required".into(),
            ));
        }
        check_address(&file.server, file.ca_pem.as_deref())?;
        Ok(file)
    }

    pub fn to_json(&self) -> String {
        // A struct of strings, ids and an enum always serialises.
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_refuses_unusable_files() {
        let file = EnrollmentFile {
            server: "https://10.0.0.2:8470".into(),
            device_id: Uuid::from_u128(7),
            device_code: None,
            token: "jy1_x".into(),
            ca_pem: Some("-----BEGIN CERTIFICATE-----".into()),
            doctor: "杨成山".into(),
            team: "一组".into(),
            villages: vec![Uuid::from_u128(1)],
            role: DeviceRole::TeamLeader,
            township_keys: None,
        };
        let text = file.to_json();
        assert!(text.contains("\"deviceId\"") && text.contains("\"caPem\""));
        assert!(text.contains("\"team-leader\""));
        assert_eq!(EnrollmentFile::from_json(&text).unwrap(), file);
        let no_ca = text.replace("\"caPem\"", "\"ignored\"");
        assert!(EnrollmentFile::from_json(&no_ca).is_err());
        assert!(EnrollmentFile::from_json("{}").is_err());
        let http = text.replace("https://10.0.0.2:8470", "http://10.0.0.2:8470");
        assert!(
            EnrollmentFile::from_json(&http).is_err(),
            "clear text off loopback"
        );
    }

    #[test]
    fn addresses() {
        let ca = Some("pem");
        for ok in [
            "http://127.0.0.1:8470",
            "http://localhost",
            "http://[::1]:1/x",
            "https://10.0.0.2:8470",
            "https://user@jiayi.local/",
        ] {
            assert!(check_address(ok, ca).is_ok(), "{ok}");
        }
        for bad in [
            "http://10.0.0.2:8470",
            "http://127.0.0.1.evil.example",
            "http://evil.example/127.0.0.1",
            "http://127.0.0.1@evil.example",
            "ftp://127.0.0.1",
            "127.0.0.1:8470",
            "http://",
        ] {
            assert!(check_address(bad, ca).is_err(), "{bad}");
        }
        assert!(check_address("https://10.0.0.2", None).is_err());
    }
}
