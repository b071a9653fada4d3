//! `jiayi-server update add|list|remove`: the township administrator's side of hosting updates.

use std::path::{Path, PathBuf};

use chrono::Utc;
use clap::Subcommand;

use super::{UpdateShelf, Upload};
use crate::error::{Result, ServerError};
use crate::storage::{AuditEvent, Storage};

#[derive(Debug, Subcommand)]
pub enum UpdateCommand {
    /// Host a package signed by the county's release signer (.deb for Linux, NSIS -setup.exe
    /// for Windows). Refused, with nothing stored: unsigned, wrongly signed, not newer than
    /// the newest hosted for its platform, or not a package.
    Add {
        file: PathBuf,
        /// The signature (default: FILE.sig beside the package).
        #[arg(long)]
        signature: Option<PathBuf>,
        /// What changed, shown to the doctor before installing.
        #[arg(long, default_value = "")]
        notes: String,
        /// The version, when the file name carries none.
        #[arg(long)]
        version: Option<String>,
    },
    /// List the hosted packages.
    List,
    /// Stop offering a version (on every platform) and delete its files.
    Remove { version: String },
}

/// Runs `command` on `shelf`, logging changes in the server's audit log; what to print.
pub fn run(command: UpdateCommand, shelf: &UpdateShelf, store: &dyn Storage) -> Result<String> {
    match command {
        UpdateCommand::Add {
            file,
            signature,
            notes,
            version,
        } => {
            let bytes = std::fs::read(&file).map_err(|e| read_error(&file, e))?;
            let sig_path = signature.unwrap_or_else(|| {
                let mut p = file.as_os_str().to_owned();
                p.push(".sig");
                PathBuf::from(p)
            });
            let sig = match std::fs::read_to_string(&sig_path) {
                Ok(text) => Some(text),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
                Err(e) => return Err(read_error(&sig_path, e)),
            };
            let name = file
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let now = Utc::now();
            let hosted = shelf.add(
                Upload {
                    name: &name,
                    bytes: &bytes,
                    signature: sig.as_deref(),
                    notes: &notes,
                    version: version.as_deref(),
                },
                now,
            )?;
            store.append_audit(
                &AuditEvent::operator("update-add")
                    .with_record("update", format!("{}@{}", hosted.platform, hosted.version)),
                now,
            )?;
            Ok(format!(
                "已上传 {} 版本 {}（{} 字节）：设备下次同步时会看到。\nhosted {} version {} as {}",
                hosted.platform,
                hosted.version,
                hosted.size,
                hosted.platform,
                hosted.version,
                hosted.file_name
            ))
        }
        UpdateCommand::List => {
            let lines: Vec<String> = shelf
                .list()?
                .iter()
                .map(|u| {
                    format!(
                        "{:<16} {:<10} {:>11}  {}  {}",
                        u.platform,
                        u.version,
                        u.size,
                        u.pub_date.format("%Y-%m-%d %H:%M"),
                        u.notes.lines().next().unwrap_or("")
                    )
                })
                .collect();
            Ok(if lines.is_empty() {
                "没有托管的更新。no updates hosted".into()
            } else {
                lines.join("\n")
            })
        }
        UpdateCommand::Remove { version } => {
            let removed = shelf.remove(&version)?;
            if removed.is_empty() {
                return Err(ServerError::NotFound(format!(
                    "没有托管版本 {version} 的更新。no update {version} is hosted"
                )));
            }
            let now = Utc::now();
            store.append_audit(
                &AuditEvent::operator("update-remove").with_records(
                    removed
                        .iter()
                        .map(|u| format!("update:{}@{}", u.platform, u.version)),
                ),
                now,
            )?;
            Ok(removed
                .iter()
                .map(|u| format!("已撤下 {} 版本 {}", u.platform, u.version))
                .collect::<Vec<_>>()
                .join("\n"))
        }
    }
}

fn read_error(path: &Path, e: std::io::Error) -> ServerError {
    ServerError::Invalid(format!("无法读取 {}：{e}", path.display()))
}
