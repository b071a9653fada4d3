//! Device and session tokens: made at random, stored only as their hash.

use sha2::{Digest, Sha256};
use uuid::Uuid;

/// A new device token: 256 random bits, hex.
pub fn new_token() -> String {
    format!("jy1_{}{}", Uuid::new_v4().simple(), Uuid::new_v4().simple())
}

pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.trim().as_bytes()))
}
