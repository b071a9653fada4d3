//! The cryptography of offline bundles (format 2).
//!
//! A device's file is sealed to the township's X25519 key: the device makes a fresh ephemeral
//! key pair per file, derives the file key with HKDF-SHA256 from the Diffie-Hellman secret and
//! both public keys, and encrypts with XChaCha20-Poly1305, the header authenticated with the
//! body. Only the holder of the township's key file can open it; the token hashes in the
//! server's database reveal nothing about it.
//!
//! The reply is encrypted the same way to the device's ephemeral public key (from the request's
//! header) with a fresh server-side ephemeral key, names the request, and is signed with the
//! township's Ed25519 key over every byte before the signature. The device keeps the ephemeral
//! secret until the reply is imported, and checks the signature before it reads anything else.
//!
//! Layout: `JYB2` · direction (1 byte) · device id (16) · request id (16) · the sender's
//! ephemeral X25519 public key (32) · nonce (24) · ciphertext and tag · (a reply only) Ed25519
//! signature (64).

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use curve25519_dalek::montgomery::MontgomeryPoint;
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use hkdf::Hkdf;
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use uuid::Uuid;
use zeroize::Zeroizing;

use crate::bundle_error::{BundleError, BundleResult};

/// The current format's first bytes.
pub const MAGIC: &[u8; 4] = b"JYB2";
/// Format 1 (the key derived from the device token's hash): refused, never read.
pub const OLD_MAGIC: &[u8; 4] = b"JYB1";
/// Magic, direction, device, request, ephemeral public key, nonce.
pub const HEADER_LEN: usize = 4 + 1 + 16 + 16 + 32 + 24;
const TAG_LEN: usize = 16;
/// An Ed25519 signature's length.
pub const SIGNATURE_LEN: usize = 64;
/// The shortest format-1 file (its header and tag): shorter files are damaged, whatever
/// their first bytes say.
const OLD_MIN_LEN: usize = 4 + 1 + 16 + 12 + 16;

/// Which way a bundle travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Direction {
    ToServer = 1,
    ToDevice = 2,
}

/// A bundle's header, read before anything in it is trusted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    pub direction: Direction,
    pub device: Uuid,
    /// The request a device's file opens and its reply answers.
    pub request: Uuid,
    /// The sender's ephemeral X25519 public key.
    pub ephemeral: [u8; 32],
    pub nonce: [u8; 24],
}

impl Header {
    fn bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(HEADER_LEN);
        out.extend_from_slice(MAGIC);
        out.push(self.direction as u8);
        out.extend_from_slice(self.device.as_bytes());
        out.extend_from_slice(self.request.as_bytes());
        out.extend_from_slice(&self.ephemeral);
        out.extend_from_slice(&self.nonce);
        out
    }
}

/// An X25519 secret key (clamped when used).
#[derive(Clone)]
pub struct X25519Secret(Zeroizing<[u8; 32]>);

impl X25519Secret {
    pub fn generate() -> BundleResult<X25519Secret> {
        let mut bytes = Zeroizing::new([0u8; 32]);
        getrandom::fill(&mut *bytes).map_err(|_| BundleError::Damaged)?;
        Ok(X25519Secret(bytes))
    }

    pub fn from_bytes(bytes: [u8; 32]) -> X25519Secret {
        X25519Secret(Zeroizing::new(bytes))
    }

    pub fn to_hex(&self) -> Zeroizing<String> {
        Zeroizing::new(hex(&*self.0))
    }

    pub fn from_hex(text: &str) -> Option<X25519Secret> {
        from_hex32(text).map(X25519Secret::from_bytes)
    }

    pub fn public(&self) -> [u8; 32] {
        MontgomeryPoint::mul_base_clamped(*self.0).to_bytes()
    }

    /// The shared secret with `public`; `None` for a low-order point (an all-zero secret).
    fn shared(&self, public: &[u8; 32]) -> Option<Zeroizing<[u8; 32]>> {
        let shared = Zeroizing::new(MontgomeryPoint(*public).mul_clamped(*self.0).to_bytes());
        (shared.iter().any(|b| *b != 0)).then_some(shared)
    }
}

/// The township's public keys as devices keep them (hex): where their files are sealed to and
/// what signs the replies. They reach the device in the enrollment file and in `GET /v1/info`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TownshipKeys {
    /// X25519: devices seal their bundles to it.
    pub bundle_key: String,
    /// Ed25519: the township signs its replies (and its audit checkpoints) with it.
    pub signing_key: String,
}

impl TownshipKeys {
    /// Both keys, when they are well formed.
    pub fn parse(&self) -> Option<([u8; 32], VerifyingKey)> {
        let bundle = from_hex32(&self.bundle_key)?;
        let signing = VerifyingKey::from_bytes(&from_hex32(&self.signing_key)?).ok()?;
        Some((bundle, signing))
    }
}

/// The township's secret keys (the server's key file, never its database).
pub struct TownshipSecret {
    pub bundle: X25519Secret,
    pub signing: SigningKey,
}

impl TownshipSecret {
    pub fn generate() -> BundleResult<TownshipSecret> {
        let mut seed = Zeroizing::new([0u8; 32]);
        getrandom::fill(&mut *seed).map_err(|_| BundleError::Damaged)?;
        Ok(TownshipSecret {
            bundle: X25519Secret::generate()?,
            signing: SigningKey::from_bytes(&seed),
        })
    }

    pub fn public(&self) -> TownshipKeys {
        TownshipKeys {
            bundle_key: hex(&self.bundle.public()),
            signing_key: hex(self.signing.verifying_key().as_bytes()),
        }
    }

    /// Signs `message` with the township's Ed25519 key.
    pub fn sign(&self, message: &[u8]) -> [u8; SIGNATURE_LEN] {
        self.signing.sign(message).to_bytes()
    }
}

/// Checks an Ed25519 signature by the key `signing`.
pub fn signature_holds(signing: &VerifyingKey, message: &[u8], signature: &[u8]) -> bool {
    let Ok(signature) = <[u8; SIGNATURE_LEN]>::try_from(signature) else {
        return false;
    };
    signing
        .verify(message, &Signature::from_bytes(&signature))
        .is_ok()
}

fn file_key(
    shared: &[u8; 32],
    direction: Direction,
    sender: &[u8; 32],
    recipient: &[u8; 32],
) -> Zeroizing<[u8; 32]> {
    let hk = Hkdf::<Sha256>::new(Some(b"jiayi-bundle-v2"), shared);
    let mut info = Vec::with_capacity(1 + 64);
    info.push(direction as u8);
    info.extend_from_slice(sender);
    info.extend_from_slice(recipient);
    let mut key = Zeroizing::new([0u8; 32]);
    // 32 bytes are always within HKDF-SHA256's reach.
    let _ = hk.expand(&info, &mut *key);
    key
}

fn encrypt(key: &[u8; 32], header: &[u8], body: &[u8], nonce: &[u8; 24]) -> BundleResult<Vec<u8>> {
    XChaCha20Poly1305::new(key.into())
        .encrypt(
            XNonce::from_slice(nonce),
            Payload {
                msg: body,
                aad: header,
            },
        )
        .map_err(|_| BundleError::Damaged)
}

fn random_nonce() -> BundleResult<[u8; 24]> {
    let mut nonce = [0u8; 24];
    getrandom::fill(&mut nonce).map_err(|_| BundleError::Damaged)?;
    Ok(nonce)
}

/// A device's file sealed to the township's X25519 key `township`, and the ephemeral secret the
/// device keeps to open the reply.
pub fn seal_request(
    township: &[u8; 32],
    device: Uuid,
    request: Uuid,
    body: &[u8],
) -> BundleResult<(Vec<u8>, X25519Secret)> {
    let ephemeral = X25519Secret::generate()?;
    let shared = ephemeral
        .shared(township)
        .ok_or(BundleError::NoTownshipKey)?;
    let header = Header {
        direction: Direction::ToServer,
        device,
        request,
        ephemeral: ephemeral.public(),
        nonce: random_nonce()?,
    };
    let key = file_key(&shared, Direction::ToServer, &header.ephemeral, township);
    let mut out = header.bytes();
    let sealed = encrypt(&key, &out, body, &header.nonce)?;
    out.extend_from_slice(&sealed);
    Ok((out, ephemeral))
}

/// Opens a device's file with the township's key. Nothing is returned unless the whole file is
/// authentic and was sealed to this township.
pub fn open_request(township: &TownshipSecret, bytes: &[u8]) -> BundleResult<(Header, Vec<u8>)> {
    let header = peek(bytes)?;
    if header.direction != Direction::ToServer {
        return Err(BundleError::WrongDirection);
    }
    let shared = township
        .bundle
        .shared(&header.ephemeral)
        .ok_or(BundleError::Damaged)?;
    let key = file_key(
        &shared,
        Direction::ToServer,
        &header.ephemeral,
        &township.bundle.public(),
    );
    let body = XChaCha20Poly1305::new((&*key).into())
        .decrypt(
            XNonce::from_slice(&header.nonce),
            Payload {
                msg: &bytes[HEADER_LEN..],
                aad: &bytes[..HEADER_LEN],
            },
        )
        .map_err(|_| BundleError::Damaged)?;
    Ok((header, body))
}

/// The reply to `request`: encrypted to the device's ephemeral key from the request's header,
/// signed with the township's Ed25519 key over the whole file.
pub fn seal_reply(
    township: &TownshipSecret,
    request: &Header,
    body: &[u8],
) -> BundleResult<Vec<u8>> {
    let ephemeral = X25519Secret::generate()?;
    let shared = ephemeral
        .shared(&request.ephemeral)
        .ok_or(BundleError::Damaged)?;
    let header = Header {
        direction: Direction::ToDevice,
        device: request.device,
        request: request.request,
        ephemeral: ephemeral.public(),
        nonce: random_nonce()?,
    };
    let key = file_key(
        &shared,
        Direction::ToDevice,
        &header.ephemeral,
        &request.ephemeral,
    );
    let mut out = header.bytes();
    let sealed = encrypt(&key, &out, body, &header.nonce)?;
    out.extend_from_slice(&sealed);
    let signature = township.sign(&out);
    out.extend_from_slice(&signature);
    Ok(out)
}

/// Checks a reply's signature by the township key `signing` and returns its header; nothing
/// else in the file is read before this passes.
pub fn verify_reply(signing: &VerifyingKey, bytes: &[u8]) -> BundleResult<Header> {
    let header = peek(bytes)?;
    if header.direction != Direction::ToDevice {
        return Err(BundleError::WrongDirection);
    }
    if bytes.len() < HEADER_LEN + TAG_LEN + SIGNATURE_LEN {
        return Err(BundleError::Damaged);
    }
    let (signed, signature) = bytes.split_at(bytes.len() - SIGNATURE_LEN);
    if !signature_holds(signing, signed, signature) {
        return Err(BundleError::BadSignature);
    }
    Ok(header)
}

/// Decrypts a reply whose signature [`verify_reply`] checked, with the ephemeral secret kept
/// for its request.
pub fn open_reply(
    header: &Header,
    ephemeral: &X25519Secret,
    bytes: &[u8],
) -> BundleResult<Vec<u8>> {
    let shared = ephemeral
        .shared(&header.ephemeral)
        .ok_or(BundleError::Damaged)?;
    let key = file_key(
        &shared,
        Direction::ToDevice,
        &header.ephemeral,
        &ephemeral.public(),
    );
    let end = bytes.len().saturating_sub(SIGNATURE_LEN);
    if end < HEADER_LEN + TAG_LEN {
        return Err(BundleError::Damaged);
    }
    XChaCha20Poly1305::new((&*key).into())
        .decrypt(
            XNonce::from_slice(&header.nonce),
            Payload {
                msg: &bytes[HEADER_LEN..end],
                aad: &bytes[..HEADER_LEN],
            },
        )
        .map_err(|_| BundleError::Damaged)
}

/// Reads a file's header without trusting anything yet; a format-1 file is refused as such.
pub fn peek(bytes: &[u8]) -> BundleResult<Header> {
    if bytes.len() >= OLD_MIN_LEN && bytes.starts_with(OLD_MAGIC) {
        return Err(BundleError::OldFormat);
    }
    if bytes.len() < HEADER_LEN + TAG_LEN || !bytes.starts_with(MAGIC) {
        return Err(BundleError::Damaged);
    }
    let direction = match bytes[4] {
        1 => Direction::ToServer,
        2 => Direction::ToDevice,
        _ => return Err(BundleError::Damaged),
    };
    let uuid = |at: usize| Uuid::from_slice(&bytes[at..at + 16]).map_err(|_| BundleError::Damaged);
    let mut ephemeral = [0u8; 32];
    ephemeral.copy_from_slice(&bytes[37..69]);
    let mut nonce = [0u8; 24];
    nonce.copy_from_slice(&bytes[69..HEADER_LEN]);
    Ok(Header {
        direction,
        device: uuid(5)?,
        request: uuid(21)?,
        ephemeral,
        nonce,
    })
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// 32 bytes from 64 hex digits.
pub fn from_hex32(text: &str) -> Option<[u8; 32]> {
    let text = text.trim();
    if text.len() != 64 || !text.is_ascii() {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_opens_only_with_the_township_key_and_a_reply_only_with_the_ephemeral_one() {
        let township = TownshipSecret::generate().unwrap();
        let (bundle_key, signing) = township.public().parse().unwrap();
        let device = Uuid::from_u128(5);
        let request = Uuid::from_u128(9);
        let (file, ephemeral) = seal_request(&bundle_key, device, request, b"{\"x\":1}").unwrap();
        let (header, body) = open_request(&township, &file).unwrap();
        assert_eq!((header.device, header.request), (device, request));
        assert_eq!(body, b"{\"x\":1}");
        let stranger = TownshipSecret::generate().unwrap();
        assert!(matches!(
            open_request(&stranger, &file),
            Err(BundleError::Damaged)
        ));

        let reply = seal_reply(&township, &header, b"{\"y\":2}").unwrap();
        let checked = verify_reply(&signing, &reply).unwrap();
        assert_eq!(checked.request, request);
        assert_eq!(
            open_reply(&checked, &ephemeral, &reply).unwrap(),
            b"{\"y\":2}"
        );
        let other = X25519Secret::generate().unwrap();
        assert!(open_reply(&checked, &other, &reply).is_err());
        let (_, stranger_signing) = stranger.public().parse().unwrap();
        assert!(matches!(
            verify_reply(&stranger_signing, &reply),
            Err(BundleError::BadSignature)
        ));
        for i in [0, 4, 10, 30, 60, 80, HEADER_LEN + 3, reply.len() - 1] {
            let mut bad = reply.clone();
            bad[i] ^= 0x01;
            assert!(
                verify_reply(&signing, &bad).is_err(),
                "flipped byte {i} is noticed"
            );
        }
        assert!(matches!(
            verify_reply(&signing, &file),
            Err(BundleError::WrongDirection)
        ));
        assert!(matches!(
            open_request(&township, &reply),
            Err(BundleError::WrongDirection)
        ));
    }

    #[test]
    fn format_one_files_are_refused_as_such_and_short_ones_as_damaged() {
        let mut old = b"JYB1".to_vec();
        old.resize(200, 7);
        assert!(matches!(peek(&old), Err(BundleError::OldFormat)));
        assert!(matches!(
            peek(b"JYB1 not really"),
            Err(BundleError::Damaged)
        ));
        assert!(matches!(peek(b""), Err(BundleError::Damaged)));
    }

    #[test]
    fn keys_round_trip_through_hex() {
        let secret = X25519Secret::generate().unwrap();
        let again = X25519Secret::from_hex(&secret.to_hex()).unwrap();
        assert_eq!(secret.public(), again.public());
        assert!(from_hex32("zz").is_none());
        assert!(X25519Secret::from_hex(&"é".repeat(32)).is_none());
    }
}
