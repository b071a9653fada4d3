//! The key file's envelope: the database's random data key, wrapped under a key derived from
//! the passphrase (XChaCha20-Poly1305) and sealed to the township's recovery key (an X25519
//! sealed box, which only the holder of the recovery private key can open).
//!
//! Everything these functions return for the key file is ciphertext, hex-encoded.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use crypto_box::aead::OsRng;
use crypto_box::{PublicKey, SecretKey};
use zeroize::Zeroizing;

use crate::crypt::DbKey;
use crate::error::{Result, StoreError};

/// Bound to every wrapped key, so a wrapped key cannot be passed off as any other ciphertext.
const WRAP_LABEL: &[u8] = b"jiayi data key v2";
const NONCE_LEN: usize = 24;

/// The first line of a recovery private key file.
const SECRET_FILE_HEADER: &str = "jiayi recovery private key v1";

/// `dek` encrypted under `kek`: a random nonce and the ciphertext, hex.
pub(crate) fn wrap(kek: &DbKey, dek: &DbKey) -> Result<String> {
    let cipher = XChaCha20Poly1305::new(kek.bytes().into());
    let nonce = crate::crypt::random_bytes::<NONCE_LEN>()?;
    let sealed = cipher
        .encrypt(
            XNonce::from_slice(&nonce),
            Payload {
                msg: dek.bytes(),
                aad: WRAP_LABEL,
            },
        )
        .map_err(|_| StoreError::KeyFile("the data key could not be wrapped".into()))?;
    let mut out = nonce.to_vec();
    out.extend_from_slice(&sealed);
    Ok(hex::encode(out))
}

/// The data key inside `wrapped` if `kek` is the key it was wrapped under; `None` if not (a
/// wrong passphrase). A malformed value is an error: the file was damaged or edited.
pub(crate) fn unwrap(kek: &DbKey, wrapped: &str) -> Result<Option<DbKey>> {
    let bytes =
        hex::decode(wrapped).map_err(|_| StoreError::KeyFile("a wrapped key is not hex".into()))?;
    if bytes.len() != NONCE_LEN + 32 + 16 {
        return Err(StoreError::KeyFile(
            "a wrapped key has the wrong length".into(),
        ));
    }
    let (nonce, sealed) = bytes.split_at(NONCE_LEN);
    let cipher = XChaCha20Poly1305::new(kek.bytes().into());
    let opened = cipher.decrypt(
        XNonce::from_slice(nonce),
        Payload {
            msg: sealed,
            aad: WRAP_LABEL,
        },
    );
    Ok(opened
        .ok()
        .map(|plain| DbKey::from_slice(&Zeroizing::new(plain))))
}

/// The township's recovery public key: what the server hands to devices at enrollment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecoveryPublicKey(PublicKey);

impl RecoveryPublicKey {
    pub fn parse(text: &str) -> Result<RecoveryPublicKey> {
        let bytes: [u8; 32] = hex::decode(text.trim())
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| {
                StoreError::KeyFile("the recovery public key is not 32 hex bytes".into())
            })?;
        Ok(RecoveryPublicKey(PublicKey::from_bytes(bytes)))
    }

    pub fn to_hex(&self) -> String {
        hex::encode(self.0.as_bytes())
    }

    /// `dek` sealed to this key, hex: only the private half opens it.
    pub(crate) fn seal(&self, dek: &DbKey) -> Result<String> {
        self.0
            .seal(&mut OsRng, dek.bytes())
            .map(hex::encode)
            .map_err(|_| StoreError::KeyFile("the data key could not be sealed".into()))
    }
}

/// The township's recovery private key. Kept offline (a USB stick in the health center's safe);
/// it never prints and is wiped from memory when dropped.
pub struct RecoverySecretKey(SecretKey);

impl std::fmt::Debug for RecoverySecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RecoverySecretKey(..)")
    }
}

impl RecoverySecretKey {
    pub fn generate() -> RecoverySecretKey {
        RecoverySecretKey(SecretKey::generate(&mut OsRng))
    }

    pub fn public_key(&self) -> RecoveryPublicKey {
        RecoveryPublicKey(self.0.public_key())
    }

    /// The private key file's text: a header line, then the key in hex.
    pub fn to_file_text(&self) -> Zeroizing<String> {
        let bytes = Zeroizing::new(self.0.to_bytes());
        Zeroizing::new(format!("{SECRET_FILE_HEADER}\n{}\n", hex::encode(*bytes)))
    }

    pub fn from_file_text(text: &str) -> Result<RecoverySecretKey> {
        let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
        let not_a_key = || StoreError::KeyFile("this file is not a recovery private key".into());
        if lines.next() != Some(SECRET_FILE_HEADER) {
            return Err(not_a_key());
        }
        let decoded = Zeroizing::new(
            hex::decode(lines.next().ok_or_else(not_a_key)?).map_err(|_| not_a_key())?,
        );
        let bytes: Zeroizing<[u8; 32]> =
            Zeroizing::new(decoded.as_slice().try_into().map_err(|_| not_a_key())?);
        Ok(RecoverySecretKey(SecretKey::from_bytes(*bytes)))
    }

    /// The data key inside `sealed`, or `None` when it was sealed to another key.
    pub(crate) fn unseal(&self, sealed: &str) -> Result<Option<DbKey>> {
        let bytes = hex::decode(sealed)
            .map_err(|_| StoreError::KeyFile("a sealed key is not hex".into()))?;
        Ok(self
            .0
            .unseal(&bytes)
            .ok()
            .filter(|plain| plain.len() == 32)
            .map(|plain| DbKey::from_slice(&Zeroizing::new(plain))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wrapped_key_opens_only_with_its_key() {
        let (kek, dek, other) = (
            DbKey::random().unwrap(),
            DbKey::random().unwrap(),
            DbKey::random().unwrap(),
        );
        let wrapped = wrap(&kek, &dek).unwrap();
        assert_eq!(unwrap(&kek, &wrapped).unwrap(), Some(dek.clone()));
        assert_eq!(unwrap(&other, &wrapped).unwrap(), None);
        assert_ne!(
            wrap(&kek, &dek).unwrap(),
            wrapped,
            "every wrap has its own nonce"
        );
        let mut tampered = hex::decode(&wrapped).unwrap();
        tampered[30] ^= 1;
        assert_eq!(unwrap(&kek, &hex::encode(tampered)).unwrap(), None);
        assert!(unwrap(&kek, "zz").is_err());
    }

    #[test]
    fn a_sealed_key_opens_only_with_the_private_half() {
        let township = RecoverySecretKey::generate();
        let stranger = RecoverySecretKey::generate();
        let dek = DbKey::random().unwrap();
        let sealed = township.public_key().seal(&dek).unwrap();
        assert_eq!(township.unseal(&sealed).unwrap(), Some(dek));
        assert_eq!(stranger.unseal(&sealed).unwrap(), None);
        let again = RecoverySecretKey::from_file_text(&township.to_file_text()).unwrap();
        assert_eq!(again.public_key(), township.public_key());
        assert_eq!(
            RecoveryPublicKey::parse(&township.public_key().to_hex()).unwrap(),
            township.public_key()
        );
        assert!(RecoverySecretKey::from_file_text("hello").is_err());
        assert_eq!(format!("{township:?}"), "RecoverySecretKey(..)");
    }
}
