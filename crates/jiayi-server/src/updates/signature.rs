//! The release signer's signature over a package: minisign, wrapped in base64 as the Tauri
//! signer writes the `.sig` file and the public key, and checked exactly as the app's updater
//! checks it before installing.

use base64::Engine;
use minisign_verify::{PublicKey, Signature};

use super::refusal::refused;
use crate::error::Result;

/// The public key that ships with the server (the same one the app carries).
pub const SHIPPED_PUBLIC_KEY: &str = include_str!("../../../../assets/update/jiayi-update.pub");

/// Reads a public key as `tauri signer generate` writes it (base64 of the minisign text).
pub fn public_key(text: &str) -> Result<PublicKey> {
    decode(text)
        .and_then(|t| PublicKey::decode(&t).ok())
        .ok_or_else(|| {
            refused(
                "bad_public_key",
                "更新公钥文件无法读取（应为 tauri signer generate 生成的 .pub 文件）。".to_string(),
            )
        })
}

/// Checks `signature` (the `.sig` file's text) over `bytes` with `key`. When the signer named
/// the version in the signed comment (`tauri signer sign --app-version`), it must be `version`.
pub fn verify(key: &PublicKey, bytes: &[u8], signature: &str, version: &str) -> Result<()> {
    let signature = decode(signature)
        .and_then(|t| Signature::decode(&t).ok())
        .ok_or_else(|| {
            refused(
                "bad_signature",
                "签名文件格式不正确（应为 tauri signer sign 生成的 .sig 文件），未上传。"
                    .to_string(),
            )
        })?;
    key.verify(bytes, &signature, true).map_err(|_| {
        refused(
            "wrong_signature",
            "签名校验失败：安装包不是用本系统的发布密钥签名的，或签名后被改动过，未上传。"
                .to_string(),
        )
    })?;
    let signed = signature
        .trusted_comment()
        .split('\t')
        .find_map(|field| field.strip_prefix("version:"));
    match signed {
        Some(signed) if signed.trim() != version => Err(refused(
            "signed_version_mismatch",
            format!("签名是为版本 {signed} 做的，但安装包是版本 {version}，未上传。"),
        )),
        _ => Ok(()),
    }
}

fn decode(text: &str) -> Option<String> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(text.trim())
        .ok()?;
    String::from_utf8(bytes).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_key_reads() {
        public_key(SHIPPED_PUBLIC_KEY).expect("the shipped public key");
    }

    #[test]
    fn a_key_or_signature_that_is_not_one_is_refused() {
        assert!(public_key("not base64!").is_err());
        let key = public_key(SHIPPED_PUBLIC_KEY).unwrap();
        match verify(&key, b"bytes", "bm90IGEgc2lnbmF0dXJl", "0.2.0") {
            Err(crate::ServerError::UpdateRefused { code, .. }) => {
                assert_eq!(code, "bad_signature")
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
    }
}
