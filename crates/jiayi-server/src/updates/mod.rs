//! Updates of the desktop app hosted by the township server. The county's release signer signs
//! each package with the updater key; the township's administrator uploads it
//! (`jiayi-server update add`); devices learn of it when they sync and fetch it through the
//! update endpoint, which answers in the form the Tauri updater reads.
//!
//! Packages are kept as files in the server's update folder, not as database rows: a package
//! is tens of megabytes, served whole to every device, and the same folder serves a SQLite and
//! a PostgreSQL server alike. Each package is three files written owner-only: the package under
//! the name it is served as, its `.sig`, and its `.json` description, written last, so a
//! package is hosted exactly when its description exists. [`package`] recognises a file (a
//! Debian package by its own control file, [`deb`]), [`signature`] checks the signer's signature.

pub mod command;
pub mod deb;
pub mod package;
mod refusal;
pub mod signature;

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use jiayi_sync::protocol::UpdateOffer;
use minisign_verify::PublicKey;
use semver::Version;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{Result, ServerError};
use crate::private_file;
use refusal::refused;

/// The longest release notes kept (characters).
pub const MAX_NOTES: usize = 4000;

/// One hosted package, as its `.json` description keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostedUpdate {
    pub version: String,
    /// `linux-x86_64`, `windows-x86_64`.
    pub platform: String,
    /// The name it is stored and served under.
    pub file_name: String,
    pub notes: String,
    pub pub_date: DateTime<Utc>,
    pub size: u64,
    pub sha256: String,
    /// The `.sig` file's text, handed to the updater as it is.
    pub signature: String,
}

impl HostedUpdate {
    fn semver(&self) -> Option<Version> {
        Version::parse(&self.version).ok()
    }

    pub fn offer(&self) -> UpdateOffer {
        UpdateOffer {
            version: self.version.clone(),
            notes: self.notes.clone(),
            size: self.size,
            pub_date: self.pub_date.to_rfc3339(),
        }
    }
}

/// A package the administrator uploads.
pub struct Upload<'a> {
    /// The file's name as the signer made it.
    pub name: &'a str,
    pub bytes: &'a [u8],
    /// The `.sig` file's text; `None` when none was given (refused).
    pub signature: Option<&'a str>,
    pub notes: &'a str,
    /// The version when the file name carries none.
    pub version: Option<&'a str>,
}

/// The update folder and the key packages must be signed with.
pub struct UpdateShelf {
    dir: PathBuf,
    key: PublicKey,
}

impl UpdateShelf {
    /// The folder at `dir` (made, owner-only, when the first package is added); `public_key` is the `.pub` file's
    /// text ([`signature::SHIPPED_PUBLIC_KEY`] unless a test or a county brings its own).
    pub fn open(dir: &Path, public_key: &str) -> Result<UpdateShelf> {
        let key = signature::public_key(public_key)?;
        Ok(UpdateShelf {
            dir: dir.to_path_buf(),
            key,
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Checks and stores a package. Refuses, storing nothing: a package without a signature,
    /// with a signature the key does not verify, a file that is no package for a known
    /// platform, a version not newer than the newest hosted for its platform.
    pub fn add(&self, upload: Upload<'_>, now: DateTime<Utc>) -> Result<HostedUpdate> {
        let package = package::identify(upload.name, upload.bytes, upload.version)?;
        let Some(sig) = upload.signature.filter(|s| !s.trim().is_empty()) else {
            return Err(refused(
                "unsigned",
                format!(
                    "{} 没有签名（缺少 .sig 文件），设备不会安装未签名的安装包，未上传。",
                    upload.name
                ),
            ));
        };
        let version = package.version.to_string();
        signature::verify(&self.key, upload.bytes, sig, &version)?;
        let platform = package.platform();
        if let Some(newest) = self.newest(&platform)?
            && newest.semver().is_some_and(|v| v >= package.version)
        {
            return Err(refused(
                "not_newer",
                format!(
                    "{platform} 已有版本 {}，只能上传更新的版本（{version} 不比它新），未上传。",
                    newest.version
                ),
            ));
        }
        let notes: String = upload.notes.trim().chars().take(MAX_NOTES).collect();
        let hosted = HostedUpdate {
            version,
            platform,
            file_name: package.file_name(),
            notes,
            pub_date: now,
            size: upload.bytes.len() as u64,
            sha256: hex::encode(Sha256::digest(upload.bytes)),
            signature: sig.trim().to_string(),
        };
        if !self.dir.exists() {
            std::fs::create_dir_all(&self.dir)?;
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                std::fs::set_permissions(&self.dir, std::fs::Permissions::from_mode(0o700))?;
            }
        }
        let path = self.dir.join(&hosted.file_name);
        let written = (|| -> Result<()> {
            private_file::write(&path, upload.bytes)?;
            private_file::write(&sig_path(&path), hosted.signature.as_bytes())?;
            // The description last: until it exists the package is not hosted.
            let part = described(&path, ".json.part");
            private_file::write(&part, &serde_json::to_vec_pretty(&hosted)?)?;
            std::fs::rename(&part, described(&path, ".json"))?;
            Ok(())
        })();
        if let Err(e) = written {
            let _ = std::fs::remove_file(&path);
            let _ = std::fs::remove_file(sig_path(&path));
            let _ = std::fs::remove_file(described(&path, ".json.part"));
            return Err(e);
        }
        Ok(hosted)
    }

    /// Every hosted package, by platform and then version.
    pub fn list(&self) -> Result<Vec<HostedUpdate>> {
        let mut all = Vec::new();
        let entries = match std::fs::read_dir(&self.dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(all),
            Err(e) => return Err(e.into()),
        };
        for entry in entries {
            let path = entry?.path();
            if path.extension().is_some_and(|e| e == "json") {
                let text = std::fs::read(&path)?;
                let hosted: HostedUpdate = serde_json::from_slice(&text).map_err(|e| {
                    ServerError::Corrupt(format!("update description {}: {e}", path.display()))
                })?;
                all.push(hosted);
            }
        }
        all.sort_by(|a, b| {
            (a.platform.as_str(), a.semver()).cmp(&(b.platform.as_str(), b.semver()))
        });
        Ok(all)
    }

    /// The newest package hosted for `platform`.
    pub fn newest(&self, platform: &str) -> Result<Option<HostedUpdate>> {
        Ok(self
            .list()?
            .into_iter()
            .filter(|u| u.platform == platform)
            .max_by_key(|u| u.semver()))
    }

    /// The newest package for `platform` when it is newer than `current` (a version that does
    /// not read as one gets nothing: the device is told of nothing it cannot compare).
    pub fn offer_for(&self, platform: &str, current: &str) -> Result<Option<HostedUpdate>> {
        let Ok(current) = Version::parse(current.trim()) else {
            return Ok(None);
        };
        Ok(self
            .newest(platform)?
            .filter(|u| u.semver().is_some_and(|v| v > current)))
    }

    /// Withdraws `version` on every platform; what was removed.
    pub fn remove(&self, version: &str) -> Result<Vec<HostedUpdate>> {
        let removed: Vec<HostedUpdate> = self
            .list()?
            .into_iter()
            .filter(|u| u.version == version.trim())
            .collect();
        for u in &removed {
            let path = self.dir.join(&u.file_name);
            // The description first: the package stops being offered before its file goes.
            std::fs::remove_file(described(&path, ".json"))?;
            let _ = std::fs::remove_file(sig_path(&path));
            let _ = std::fs::remove_file(&path);
        }
        Ok(removed)
    }

    /// The hosted package named `name`, opened for reading, with its length (only a name a
    /// description gives: nothing else in the folder is served). The open file stays the
    /// package it was while it is read, even if the package is withdrawn meanwhile.
    pub fn open_package(&self, name: &str) -> Result<Option<(HostedUpdate, std::fs::File, u64)>> {
        let Some(hosted) = self.list()?.into_iter().find(|u| u.file_name == name) else {
            return Ok(None);
        };
        let file = match std::fs::File::open(self.dir.join(&hosted.file_name)) {
            Ok(file) => file,
            // Withdrawn between reading its description and opening it.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        let len = file.metadata()?.len();
        Ok(Some((hosted, file, len)))
    }
}

fn sig_path(path: &Path) -> PathBuf {
    described(path, ".sig")
}

fn described(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// The update folder a server uses when none is named: beside a SQLite database file
/// (`<file>.updates`), `updates` in the working folder for PostgreSQL.
pub fn default_dir(db_url: &str) -> PathBuf {
    match db_url.strip_prefix("sqlite://") {
        Some(path) => described(Path::new(path), ".updates"),
        None => PathBuf::from("updates"),
    }
}
