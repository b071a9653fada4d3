//! The township's key file: secrets the server needs and its database must not hold.
//!
//! - an X25519 key devices seal their offline bundles to;
//! - an Ed25519 key that signs the bundle replies and the audit checkpoints;
//! - an HMAC-SHA256 key over the audit chain's checkpoints.
//!
//! The file is owner-only (0600), made on first need, never read or written through a symbolic
//! link. It lives beside a SQLite database (`<file>.township-key`), in the working folder with
//! PostgreSQL (`township-key`, where the server keeps its `updates` folder too), or where
//! `--key-file` says. A copy of the database alone can then neither read a device's bundle nor
//! forge a reply or an audit checkpoint.

use std::io::Read;
use std::path::{Path, PathBuf};

use ed25519_dalek::SigningKey;
use hmac::{Hmac, Mac};
use jiayi_sync::bundle::{TownshipKeys, TownshipSecret, X25519Secret};
use jiayi_sync::bundle_seal::from_hex32;
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::{Result, ServerError};

const FIRST_LINE: &str = "jiayi-township-key 1";

/// The township's secrets, read from its key file.
pub struct TownshipKey {
    pub secret: TownshipSecret,
    audit_mac: Zeroizing<[u8; 32]>,
    pub path: PathBuf,
}

impl std::fmt::Debug for TownshipKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TownshipKey")
            .field("path", &self.path)
            .field("public", &self.public())
            .finish_non_exhaustive()
    }
}

/// Where the key file is when `--key-file` names none: beside a SQLite database file, in the
/// working folder with PostgreSQL.
pub fn default_path(db_url: &str) -> PathBuf {
    match db_url.strip_prefix("sqlite://") {
        Some(path) => {
            let mut name = Path::new(path).as_os_str().to_owned();
            name.push(".township-key");
            PathBuf::from(name)
        }
        None => PathBuf::from("township-key"),
    }
}

impl TownshipKey {
    /// Reads the key file at `path`, making it first when there is none.
    pub fn load_or_create(path: &Path) -> Result<TownshipKey> {
        crate::private_file::refuse_link(path)?;
        if !path.exists() {
            let fresh = TownshipKey {
                secret: TownshipSecret::generate()?,
                audit_mac: random_key()?,
                path: path.to_path_buf(),
            };
            match crate::private_file::create_new(path, fresh.file_text().as_bytes()) {
                Ok(()) => return Ok(fresh),
                // Made meanwhile by another command: read that one.
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                Err(e) => {
                    return Err(ServerError::Config(format!(
                        "writing the township key file {}: {e}",
                        path.display()
                    )));
                }
            }
        }
        TownshipKey::load(path)
    }

    /// Reads an existing key file; refuses a link, a file others may read, or a damaged one.
    pub fn load(path: &Path) -> Result<TownshipKey> {
        let text = read_private(path)?;
        let bad = || {
            ServerError::Config(format!(
                "{} is not a township key file (or it is damaged)",
                path.display()
            ))
        };
        let mut lines = text.lines().map(str::trim).filter(|l| !l.starts_with('#'));
        if lines.next() != Some(FIRST_LINE) {
            return Err(bad());
        }
        let (mut bundle, mut signing, mut audit) = (None, None, None);
        for line in lines {
            let Some((name, value)) = line.split_once(' ') else {
                continue;
            };
            let value = from_hex32(value).map(Zeroizing::new);
            match name {
                "bundle" => bundle = value,
                "signing" => signing = value,
                "audit-mac" => audit = value,
                _ => {}
            }
        }
        let (Some(bundle), Some(signing), Some(audit_mac)) = (bundle, signing, audit) else {
            return Err(bad());
        };
        Ok(TownshipKey {
            secret: TownshipSecret {
                bundle: X25519Secret::from_bytes(*bundle),
                signing: SigningKey::from_bytes(&signing),
            },
            audit_mac,
            path: path.to_path_buf(),
        })
    }

    /// The public halves devices receive.
    pub fn public(&self) -> TownshipKeys {
        self.secret.public()
    }

    /// HMAC-SHA256 of `message` under the audit key.
    pub fn audit_mac(&self, message: &[u8]) -> [u8; 32] {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&*self.audit_mac)
            .expect("HMAC takes a key of any length");
        mac.update(message);
        mac.finalize().into_bytes().into()
    }

    /// Whether `tag` is the audit MAC of `message` (compared in constant time).
    pub fn audit_mac_holds(&self, message: &[u8], tag: &[u8]) -> bool {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&*self.audit_mac)
            .expect("HMAC takes a key of any length");
        mac.update(message);
        mac.verify_slice(tag).is_ok()
    }

    fn file_text(&self) -> Zeroizing<String> {
        Zeroizing::new(format!(
            "# The township server's secret keys: offline bundles and the audit chain.\n\
             # Keep it owner-only, outside the database and its backups; a copy belongs in the safe.\n\
             {FIRST_LINE}\nbundle {}\nsigning {}\naudit-mac {}\n",
            self.secret.bundle.to_hex().as_str(),
            hex::encode(self.secret.signing.to_bytes()),
            hex::encode(*self.audit_mac),
        ))
    }
}

fn random_key() -> Result<Zeroizing<[u8; 32]>> {
    let mut key = Zeroizing::new([0u8; 32]);
    getrandom::fill(&mut *key)
        .map_err(|e| ServerError::Config(format!("no randomness for a key: {e}")))?;
    Ok(key)
}

/// Reads an owner-only file, never through a link, refusing one others may read.
fn read_private(path: &Path) -> Result<Zeroizing<String>> {
    let mut file = crate::private_file::open_read(path).map_err(|e| {
        ServerError::Config(format!(
            "reading the township key file {}: {e}",
            path.display()
        ))
    })?;
    if !crate::private_file::is_owner_only(&file)? {
        return Err(ServerError::Config(format!(
            "the township key file {} may be read by others: make it owner-only (chmod 600)",
            path.display()
        )));
    }
    let mut text = Zeroizing::new(String::new());
    file.read_to_string(&mut text)?;
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_file_is_made_once_owner_only_and_read_back_the_same() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("township.db.township-key");
        let made = TownshipKey::load_or_create(&path).unwrap();
        let again = TownshipKey::load_or_create(&path).unwrap();
        assert_eq!(made.public(), again.public());
        assert_eq!(made.audit_mac(b"x"), again.audit_mac(b"x"));
        assert!(again.audit_mac_holds(b"x", &made.audit_mac(b"x")));
        assert!(!again.audit_mac_holds(b"y", &made.audit_mac(b"x")));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
            let err = TownshipKey::load(&path).unwrap_err().to_string();
            assert!(err.contains("chmod 600"), "{err}");
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
            let link = dir.path().join("link");
            std::os::unix::fs::symlink(&path, &link).unwrap();
            assert!(TownshipKey::load_or_create(&link).is_err());
        }
        std::fs::write(dir.path().join("junk"), "hello").unwrap();
        assert!(TownshipKey::load(&dir.path().join("junk")).is_err());
    }

    #[test]
    fn the_default_path_is_beside_a_sqlite_file_and_in_the_working_folder_otherwise() {
        assert_eq!(
            default_path("sqlite:///srv/jiayi/township.db"),
            PathBuf::from("/srv/jiayi/township.db.township-key")
        );
        assert_eq!(
            default_path("postgres://jiayi@localhost/jiayi"),
            PathBuf::from("township-key")
        );
    }
}
