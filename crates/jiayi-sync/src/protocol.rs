//! The wire types of the sync protocol, shared by the device and the township server.
//!
//! Every type is plain JSON over HTTP. Version 1 lives under `/v1/`. See `docs/sync-protocol.md`.

use jiayi_core::Lang;
use jiayi_core::change::Change;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The protocol version this crate speaks.
pub const PROTOCOL_VERSION: u32 = 1;

/// A device whose clock differs from the server's by more than this is warned.
pub const CLOCK_SKEW_WARNING_MS: i64 = 5 * 60 * 1000;

/// What the server allows in one push.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Limits {
    /// Most changes in one push request.
    pub max_changes: u32,
    /// Most bytes in one push request body (JSON).
    pub max_bytes: u64,
    /// Most changes one pull page returns.
    pub max_pull: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_changes: 500,
            max_bytes: 2 * 1024 * 1024,
            max_pull: 1000,
        }
    }
}

/// `GET /v1/info`: what a device learns before it syncs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ServerInfo {
    pub protocol_version: u32,
    /// Identity of this server's database. It changes when an operator declares the database
    /// restored or replaced; a device that sees a new epoch re-uploads and re-pulls.
    pub server_epoch: Uuid,
    /// Server wall clock in Unix milliseconds, for the clock-skew warning only: ordering never
    /// depends on it.
    pub server_time_ms: i64,
    pub limits: Limits,
    /// Highest cursor of the server's change log.
    pub high_water: u64,
    /// The calling device, as the server knows it.
    pub device: DeviceStatus,
    /// The township's recovery public key (X25519, hex), once the health center made one: the
    /// device seals its data key to it so a forgotten passphrase can be recovered in person.
    /// Absent from older servers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recovery_public_key: Option<String>,
    /// A newer version of the app hosted for the device's platform, when the device said which
    /// version it runs (`InfoQuery::app_version`). Absent otherwise, and from older servers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub update: Option<UpdateOffer>,
    /// The township's public keys for offline bundles (from the server's key file): the device
    /// seals its files to one and checks the replies' signature with the other. Absent from
    /// older servers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub township_keys: Option<crate::bundle_seal::TownshipKeys>,
}

/// A newer version of the desktop app the township hosts for the device's platform: what the
/// doctor is shown before choosing to install it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpdateOffer {
    pub version: String,
    /// The release notes, as the township's administrator gave them.
    #[serde(default)]
    pub notes: String,
    /// The package's size in bytes.
    pub size: u64,
    /// When it was hosted (RFC 3339).
    pub pub_date: String,
}

/// `GET /v1/updates/{target}/{arch}/{current_version}`: the newest package for the platform, in
/// the form the Tauri updater reads (its "dynamic update server" answer); 204 when none is newer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpdateManifest {
    pub version: String,
    pub notes: String,
    /// RFC 3339.
    pub pub_date: String,
    /// Where the package is downloaded from (`/v1/updates/files/{name}` on the same server).
    pub url: String,
    /// The release signer's minisign signature over the package (the `.sig` file's text).
    pub signature: String,
}

/// The calling device's standing on the server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeviceStatus {
    pub device_id: Uuid,
    pub doctor_id: Uuid,
    pub team_id: Uuid,
    /// Villages whose records this device may read and write.
    pub villages: Vec<Uuid>,
    /// The role the device was enrolled with; a server from before roles were sent sends none,
    /// and the device keeps what it knew.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub role: Option<DeviceRole>,
    /// Highest outbox sequence number of this device the server holds. If it is lower than what
    /// the device was told was stored, the server lost data and the device uploads again.
    pub stored_through_seq: u64,
}

/// `POST /v1/push`: outbox entries in sequence order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PushRequest {
    pub device_id: Uuid,
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<ChangeSchema>))]
    pub changes: Vec<Change>,
}

/// The answer to a push: one result per change, in the request's order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PushResponse {
    pub server_epoch: Uuid,
    pub results: Vec<ChangeResult>,
    /// Highest sequence of this device the server holds after the push.
    pub stored_through_seq: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChangeResult {
    pub seq: u64,
    pub status: ChangeStatus,
}

/// What the server did with one change. Every status is final: the device marks the change
/// acknowledged whatever it is, and keeps rejections and conflicts where the user can see them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum ChangeStatus {
    /// Stored and applied to the record.
    Applied,
    /// The server already held this (device, seq): nothing changed.
    Duplicate,
    /// Not stored. The reason says why, in both languages.
    Rejected { reason: Rejection },
    /// Stored, but some fields lost to newer values already on the server (last writer wins by
    /// hybrid logical clock). The losing values are kept in the server's conflict log.
    Conflict { losing_fields: Vec<String> },
}

impl ChangeStatus {
    pub fn is_stored(&self) -> bool {
        !matches!(self, ChangeStatus::Rejected { .. })
    }
}

/// Why a change was refused: a stable code the app can act on, and a message in each language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Rejection {
    pub code: RejectCode,
    pub message_zh: String,
    pub message_en: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RejectCode {
    /// The change's village is not one of the device's villages.
    VillageNotInScope,
    /// The record exists on the server in a village the device may not write.
    RecordNotInScope,
    /// The change names another device than the one the token belongs to.
    WrongDevice,
    /// A signed agreement, agreement event or visit record may be written once, never changed
    /// or deleted.
    AppendOnly,
    /// The payload does not fit the change (not an object for a write, not null for a deletion,
    /// id mismatch, or fields missing from it).
    InvalidPayload,
    /// The change is larger than the server accepts in one request.
    TooLarge,
    /// The server already holds another change under this device and sequence number: the
    /// device's store was probably restored from an old copy and is issuing numbers again.
    SeqReused,
    /// The change's clock is dated further ahead of the server's time than the server accepts
    /// (a device clock set years ahead would otherwise outrank every later edit).
    ClockAhead,
}

impl Rejection {
    pub fn new(code: RejectCode) -> Rejection {
        let (zh, en) = match code {
            RejectCode::VillageNotInScope => (
                "该记录所属的村不在本设备的签约范围内，服务器未保存。",
                "The record's village is not assigned to this device; the server did not store it.",
            ),
            RejectCode::RecordNotInScope => (
                "服务器上的该记录属于本设备无权修改的村，未保存。",
                "On the server this record belongs to a village this device may not change; not stored.",
            ),
            RejectCode::WrongDevice => (
                "变更来自其他设备，与本设备的授权不符，未保存。",
                "The change names another device than the enrolled one; not stored.",
            ),
            RejectCode::AppendOnly => (
                "已签协议和履约记录只能新增，不能修改或删除，未保存。",
                "Signed agreements and visit records can only be added, never changed or deleted; not stored.",
            ),
            RejectCode::InvalidPayload => (
                "变更内容不完整或格式错误，未保存。",
                "The change's content is incomplete or malformed; not stored.",
            ),
            RejectCode::SeqReused => (
                "本设备的变更编号与服务器上已有的记录重复（设备数据可能从旧备份恢复），未保存，请联系卫生院管理员。",
                "The server already holds a different change under this device's sequence number (the device data may have been restored from an old copy); not stored. Contact the health center's administrator.",
            ),
            RejectCode::ClockAhead => (
                "该变更的时间比服务器时间超前太多（请检查本设备的日期和时间），未保存。",
                "The change is dated too far ahead of the server's time (check this device's date and time); not stored.",
            ),
            RejectCode::TooLarge => (
                "单条变更超过服务器允许的大小，未保存。",
                "The change is larger than the server accepts; not stored.",
            ),
        };
        Rejection {
            code,
            message_zh: zh.to_string(),
            message_en: en.to_string(),
        }
    }

    pub fn message(&self, lang: Lang) -> &str {
        lang.pick(&self.message_zh, &self.message_en)
    }
}

/// `GET /v1/info?seen_epoch=&seen_high_water=`: what the device last saw of the server's log —
/// the epoch and the highest high-water mark it was told under it. A server whose log under
/// that epoch ends before it has been restored from an older copy: it takes a new epoch, so
/// every device re-uploads and re-pulls. Both absent before a device's first sync.
///
/// `app_version` and `app_platform` (`linux-x86_64`, `windows-x86_64`) name the app the device
/// runs; with both the server offers a newer hosted version (`ServerInfo::update`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema, utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct InfoQuery {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seen_epoch: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seen_high_water: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_platform: Option<String>,
    /// The asking laptop's own id. A token issued for a 登记码 before the laptop ever
    /// connected is bound to it here, when the code names it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_id: Option<Uuid>,
}

/// The refusal of a token issued for a 登记码 that does not name the asking laptop.
pub const DEVICE_CODE_MISMATCH: &str = "device_code_mismatch";

impl InfoQuery {
    /// Whether a server with `epoch` and a log ending at `high_water` is behind what this
    /// device was told: the log it handed out was put back to an older copy.
    pub fn shows_a_restore(&self, epoch: Uuid, high_water: u64) -> bool {
        self.seen_epoch == Some(epoch) && self.seen_high_water.is_some_and(|s| s > high_water)
    }
}

/// `GET /v1/pull?after=&limit=`: changes made by other devices in the caller's villages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema, utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct PullQuery {
    /// Return changes with a cursor strictly greater than this (0 for everything).
    pub after: u64,
    pub limit: u32,
    /// Also the caller's own changes: a device whose data was restored from an older copy
    /// takes back what it had uploaded. Left out otherwise.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub own: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PullResponse {
    pub server_epoch: Uuid,
    pub changes: Vec<PulledChange>,
    /// Where the next page starts: the last cursor this page covered (also when every change in
    /// it was filtered out by scope).
    pub next_cursor: u64,
    /// More pages follow.
    pub more: bool,
    pub high_water: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PulledChange {
    pub cursor: u64,
    #[cfg_attr(feature = "openapi", schema(value_type = ChangeSchema))]
    pub change: Change,
}

/// `GET /v1/reference`: what the township distributes to every device.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReferenceData {
    /// Teams with their doctors (JSON of `jiayi_core::household::Team`).
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub teams: Vec<jiayi_core::household::Team>,
    /// The current version of each published document.
    pub documents: Vec<ReferenceDocument>,
    /// The serial range of health-record numbers the township assigned each village
    /// (`jiayi-server record-range`), with the village's code. Every range is sent each time:
    /// a village left out has none. Absent from older servers, which assign none.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub record_ranges: Vec<jiayi_core::record_number::VillageRecordRange>,
    /// The device's villages as the township names them (`jiayi-server villages`), so a new
    /// laptop learns the names and codes of the villages it serves. Absent from older servers.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub villages: Vec<jiayi_core::household::Village>,
}

impl ReferenceData {
    /// The current document of a kind and name, if the township published one.
    pub fn document(&self, kind: ReferenceKind, name: &str) -> Option<&ReferenceDocument> {
        self.documents
            .iter()
            .find(|d| d.kind == kind && d.name == name)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ReferenceKind {
    /// A service package catalog (TOML, `jiayi_core::catalog::Catalog`).
    Catalog,
    /// The township's term policy (TOML).
    TermPolicy,
    /// A versioned register, such as the poverty-registered list.
    Register,
    /// Teams and their doctors (JSON array of `Team`).
    Teams,
}

impl ReferenceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ReferenceKind::Catalog => "catalog",
            ReferenceKind::TermPolicy => "term_policy",
            ReferenceKind::Register => "register",
            ReferenceKind::Teams => "teams",
        }
    }

    pub fn parse(s: &str) -> Option<ReferenceKind> {
        [
            ReferenceKind::Catalog,
            ReferenceKind::TermPolicy,
            ReferenceKind::Register,
            ReferenceKind::Teams,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// One version of a reference document. The app shows which version it holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReferenceDocument {
    pub kind: ReferenceKind,
    /// e.g. "2026" for a catalog, "poverty" for the poverty-registered register.
    pub name: String,
    /// Rises by one with every publication of the same kind and name.
    pub version: u32,
    pub content: String,
    /// RFC 3339 time of publication.
    pub published_at: String,
}

/// An error answered by the server, as JSON with a stable code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiError {
    pub code: String,
    pub message_zh: String,
    pub message_en: String,
}

/// The shape of a change on the wire, for the OpenAPI document only
/// (the real type is `jiayi_core::change::Change`).
#[cfg(feature = "openapi")]
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct ChangeSchema {
    pub device_id: Uuid,
    /// The device's outbox running number; (device_id, seq) identifies the change.
    pub seq: u64,
    pub change_id: Uuid,
    pub entity: EntitySchema,
    pub entity_id: Uuid,
    pub op: OpSchema,
    pub village_id: Uuid,
    /// Hybrid logical clock: `{wall_ms:015}-{counter:08}-{device simple uuid}`.
    #[schema(pattern = "^[0-9]{15}-[0-9]{8}-[0-9a-f]{32}$")]
    pub hlc: String,
    pub fields: Vec<String>,
    /// The whole record after the change; null for a deletion.
    #[schema(value_type = Object)]
    pub payload: serde_json::Value,
}

/// The kinds of record a change may carry (`jiayi_core::change::Entity`), for the OpenAPI
/// document only.
#[cfg(feature = "openapi")]
#[derive(utoipa::ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum EntitySchema {
    Household,
    Resident,
    Contract,
    ContractEvent,
    Visit,
}

/// What a change does to its record (`jiayi_core::change::Op`), for the OpenAPI document only.
#[cfg(feature = "openapi")]
#[derive(utoipa::ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum OpSchema {
    Upsert,
    Delete,
}

/// What an enrolled device may reach on the server. The server decides every request by it;
/// the device offers its tools by it (`jiayi_core::role`, where the type lives).
pub use jiayi_core::role::DeviceRole;

#[cfg(test)]
mod tests {
    use super::*;

    /// An older server's answer (no `update`) and an older device's query (no app version)
    /// still read; an answer without an offer is written without the field.
    #[test]
    fn the_update_offer_leaves_older_peers_compatible() {
        let older = r#"{"protocol_version":1,"server_epoch":"00000000-0000-0000-0000-000000000001",
            "server_time_ms":0,"limits":{"max_changes":1,"max_bytes":4096,"max_pull":1},
            "high_water":0,"device":{"device_id":"00000000-0000-0000-0000-000000000002",
            "doctor_id":"00000000-0000-0000-0000-000000000003",
            "team_id":"00000000-0000-0000-0000-000000000004","villages":[],"stored_through_seq":0}}"#;
        let info: ServerInfo = serde_json::from_str(older).unwrap();
        assert_eq!(info.update, None);
        assert!(!serde_json::to_string(&info).unwrap().contains("update"));
        let query: InfoQuery = serde_json::from_str(r#"{"seen_high_water":3}"#).unwrap();
        assert_eq!((query.app_version, query.app_platform), (None, None));
    }

    /// The push answer written in docs/sync-protocol.md, read as the types read it and written
    /// back exactly as the server writes it.
    #[test]
    fn the_documented_push_answer_is_the_wire_format() {
        let doc = include_str!("../../../docs/sync-protocol.md");
        let section = &doc[doc.find("### `POST /v1/push`").expect("push section")..];
        let block = section
            .split("```json")
            .nth(1)
            .and_then(|b| b.split("```").next())
            .expect("a json block in the push section");
        let documented: serde_json::Value = serde_json::from_str(block).expect("valid JSON");
        let answer: PushResponse =
            serde_json::from_value(documented.clone()).expect("the types read the example");
        assert_eq!(answer.results.len(), 4);
        assert!(matches!(
            answer.results[2].status,
            ChangeStatus::Conflict { ref losing_fields } if losing_fields == &["phone"]
        ));
        assert_eq!(
            serde_json::to_value(&answer).unwrap(),
            documented,
            "the example is what the server writes"
        );
    }

    #[test]
    fn statuses_are_tagged_json_the_app_can_read() {
        let s = serde_json::to_value(ChangeStatus::Rejected {
            reason: Rejection::new(RejectCode::AppendOnly),
        })
        .unwrap();
        assert_eq!(s["status"], "rejected");
        assert_eq!(s["reason"]["code"], "append_only");
        assert!(
            s["reason"]["message_zh"]
                .as_str()
                .unwrap()
                .contains("只能新增")
        );
        let c = serde_json::to_value(ChangeStatus::Conflict {
            losing_fields: vec!["phone".into()],
        })
        .unwrap();
        assert_eq!(
            c,
            serde_json::json!({"status": "conflict", "losing_fields": ["phone"]})
        );
        let back: ChangeStatus = serde_json::from_value(c).unwrap();
        assert!(back.is_stored());
    }

    #[test]
    fn every_reference_kind_round_trips_through_its_name() {
        for k in [
            ReferenceKind::Catalog,
            ReferenceKind::TermPolicy,
            ReferenceKind::Register,
            ReferenceKind::Teams,
        ] {
            assert_eq!(ReferenceKind::parse(k.as_str()), Some(k));
        }
        assert_eq!(ReferenceKind::parse("nope"), None);
    }

    #[test]
    fn rejection_messages_default_to_chinese() {
        let r = Rejection::new(RejectCode::VillageNotInScope);
        assert!(r.message(Lang::Zh).contains("村"));
        assert!(r.message(Lang::En).contains("village"));
    }
}
