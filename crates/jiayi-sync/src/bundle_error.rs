//! Why an offline bundle was refused, in words the doctor and the health center read.

use jiayi_core::Lang;
use uuid::Uuid;

#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    /// Truncated, altered, or sealed with another key.
    #[error("the bundle is damaged or was not made for this device")]
    Damaged,
    /// Made by or for another device than the one importing it.
    #[error("the bundle belongs to device {0}")]
    Foreign(Uuid),
    /// A reply where a device bundle was expected, or the other way round.
    #[error("the bundle travels the other way")]
    WrongDirection,
    /// A file of format 1, whose key the server's database revealed: never read.
    #[error("the bundle has the old format 1")]
    OldFormat,
    /// The device does not hold the township's public keys yet.
    #[error("the device has no township bundle key yet")]
    NoTownshipKey,
    /// A reply whose signature is not the township's (forged, or altered on the way).
    #[error("the reply's signature is not the township's")]
    BadSignature,
    /// A reply to a request this device does not have outstanding.
    #[error("the reply answers request {0}, which this device has not outstanding")]
    UnknownRequest(Uuid),
    /// A reply imported before.
    #[error("the reply to request {0} was imported already")]
    AlreadyImported(Uuid),
    /// The device's token in the file is not accepted (revoked, or the device enrolled again).
    #[error("the device token in the bundle is not accepted")]
    TokenRefused,
    #[error("local store: {0}")]
    Replica(String),
}

impl BundleError {
    pub fn user_message(&self, lang: Lang) -> &'static str {
        match self {
            BundleError::Damaged => lang.pick(
                "同步包已损坏或不是为本设备制作的，未做任何更改。",
                "The sync file is damaged or was not made for this device; nothing was changed.",
            ),
            BundleError::Foreign(_) => lang.pick(
                "该同步包属于其他设备，未做任何更改。",
                "The sync file belongs to another device; nothing was changed.",
            ),
            BundleError::WrongDirection => lang.pick(
                "这是发往另一方的同步包，未做任何更改。",
                "This sync file is meant for the other side; nothing was changed.",
            ),
            BundleError::OldFormat => lang.pick(
                "这是旧版软件制作的同步包，已不再读取：请用新版软件重新导出同步包，未做任何更改。",
                "This sync file has the old format, which is no longer read: export it again with the current app; nothing was changed.",
            ),
            BundleError::NoTownshipKey => lang.pick(
                "本机还没有卫生院的同步包公钥，无法制作同步包：请先联网同步一次，或重新导入卫生院的设备登记文件。",
                "This device does not have the health center's sync-file key yet: sync online once, or import the health center's enrollment file again.",
            ),
            BundleError::BadSignature => lang.pick(
                "回执未通过卫生院签名校验（文件被改动，或不是本乡镇卫生院签发的），未做任何更改。",
                "The reply does not carry the health center's valid signature (altered, or not issued by this township); nothing was changed.",
            ),
            BundleError::UnknownRequest(_) => lang.pick(
                "该回执不是对本机尚待回复的同步包的答复，未做任何更改。",
                "This reply does not answer a sync file this device is waiting on; nothing was changed.",
            ),
            BundleError::AlreadyImported(_) => lang.pick(
                "该回执已经导入过，无需再次导入，未做任何更改。",
                "This reply was imported already; nothing was changed.",
            ),
            BundleError::TokenRefused => lang.pick(
                "卫生院不认可同步包中的接入码（设备已被撤销或已重新登记），未做任何更改。",
                "The health center does not accept the device token in the file (revoked, or enrolled again); nothing was changed.",
            ),
            BundleError::Replica(_) => lang.pick(
                "本机数据库出错，导入已停止。",
                "The local database failed; the import stopped.",
            ),
        }
    }
}

pub type BundleResult<T> = std::result::Result<T, BundleError>;
