//! What an uploaded file is: a Debian package for Linux or an NSIS installer for Windows, for
//! which processor, at which version. The version comes from the file name as the Tauri bundler
//! writes it (`jiayi-desktop_0.2.0_amd64.deb`, `jiayi-desktop_0.2.0_x64-setup.exe`), or from the
//! administrator when the name carries none.

use semver::Version;

use super::refusal::refused;
use crate::error::Result;

/// The platforms the app is packaged for, named as the Tauri updater names them
/// (`{target}-{arch}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Installer {
    /// A `.deb` (Debian, UOS, Kylin), installed with `dpkg -i`.
    Deb,
    /// An NSIS `-setup.exe` (Windows), run in passive mode.
    Nsis,
}

impl Installer {
    pub fn target(self) -> &'static str {
        match self {
            Installer::Deb => "linux",
            Installer::Nsis => "windows",
        }
    }

    /// The ending of the file the server keeps and serves.
    pub fn suffix(self) -> &'static str {
        match self {
            Installer::Deb => ".deb",
            Installer::Nsis => "-setup.exe",
        }
    }
}

/// A file recognised as a package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Package {
    pub installer: Installer,
    /// `x86_64`, `aarch64`, `i686` (the updater's names).
    pub arch: &'static str,
    pub version: Version,
}

impl Package {
    /// `linux-x86_64`, `windows-x86_64`: the key the device asks under.
    pub fn platform(&self) -> String {
        platform(self.installer.target(), self.arch)
    }

    /// The name the server keeps the file under and serves it as: one per platform and version.
    pub fn file_name(&self) -> String {
        format!(
            "jiayi-desktop_{}_{}{}",
            self.version,
            self.platform(),
            self.installer.suffix()
        )
    }
}

pub fn platform(target: &str, arch: &str) -> String {
    format!("{target}-{arch}")
}

/// Recognises `bytes` uploaded as `name`; `version` is the administrator's when the name carries
/// none (or to confirm the name's).
pub fn identify(name: &str, bytes: &[u8], version: Option<&str>) -> Result<Package> {
    let lower = name.to_ascii_lowercase();
    let (installer, stem) = if let Some(stem) = lower.strip_suffix(".deb") {
        if !is_deb(bytes) {
            return Err(refused(
                "not_a_package",
                format!("{name} 的文件名是 .deb，但内容不是 Debian 软件包，未上传。"),
            ));
        }
        (Installer::Deb, stem)
    } else if let Some(stem) = lower.strip_suffix("-setup.exe") {
        if !bytes.starts_with(b"MZ") {
            return Err(refused(
                "not_a_package",
                format!("{name} 的文件名是 -setup.exe，但内容不是 Windows 安装程序，未上传。"),
            ));
        }
        (Installer::Nsis, stem)
    } else {
        return Err(refused(
            "unknown_package_type",
            format!(
                "{name} 不是可识别的安装包：Linux 请上传 .deb 文件，Windows 请上传 NSIS 安装程序（-setup.exe）。"
            ),
        ));
    };
    let mut parts = stem.rsplitn(3, '_');
    let arch_part = parts.next().unwrap_or_default();
    let version_part = parts.next();
    let arch = arch_of(arch_part).unwrap_or("x86_64");
    let named = version_part.and_then(|v| Version::parse(v).ok());
    let given = match version {
        Some(v) => Some(Version::parse(v.trim()).map_err(|_| {
            refused(
                "bad_version",
                format!("版本号“{v}”格式不正确，应为 主版本.次版本.修订号，例如 0.2.0。"),
            )
        })?),
        None => None,
    };
    let version = match (named, given) {
        (Some(n), Some(g)) if n != g => {
            return Err(refused(
                "version_mismatch",
                format!("文件名中的版本 {n} 与 --version 给出的 {g} 不一致，未上传。"),
            ));
        }
        (Some(v), _) | (None, Some(v)) => v,
        (None, None) => {
            return Err(refused(
                "no_version",
                format!("无法从文件名 {name} 读出版本号，请用 --version 指定（例如 0.2.0）。"),
            ));
        }
    };
    Ok(Package {
        installer,
        arch,
        version,
    })
}

/// The processor named in a package's file name, as the updater names it.
fn arch_of(part: &str) -> Option<&'static str> {
    let part = part.strip_suffix("-setup").unwrap_or(part);
    match part {
        "amd64" | "x64" | "x86_64" => Some("x86_64"),
        "arm64" | "aarch64" => Some("aarch64"),
        "i386" | "x86" | "i686" => Some("i686"),
        _ => None,
    }
}

/// A Debian package is an `ar` archive whose first member is `debian-binary`.
fn is_deb(bytes: &[u8]) -> bool {
    bytes.starts_with(b"!<arch>\n") && bytes.get(8..21) == Some(b"debian-binary".as_slice())
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEB: &[u8] =
        b"!<arch>\ndebian-binary   1700000000  0     0     100644  4         `\n2.0\n";

    #[test]
    fn names_as_the_bundler_writes_them() {
        let p = identify("jiayi-desktop_0.2.0_amd64.deb", DEB, None).unwrap();
        assert_eq!(p.platform(), "linux-x86_64");
        assert_eq!(p.version, Version::new(0, 2, 0));
        assert_eq!(p.file_name(), "jiayi-desktop_0.2.0_linux-x86_64.deb");
        let p = identify("Jiayi_1.10.3_x64-setup.exe", b"MZ\x90\0", None).unwrap();
        assert_eq!(p.platform(), "windows-x86_64");
        assert_eq!(p.version, Version::new(1, 10, 3));
        let p = identify("jiayi_0.3.0_arm64.deb", DEB, None).unwrap();
        assert_eq!(p.platform(), "linux-aarch64");
    }

    #[test]
    fn the_version_given_when_the_name_has_none_and_never_against_it() {
        let p = identify("jiayi.deb", DEB, Some("0.4.1")).unwrap();
        assert_eq!(p.version, Version::new(0, 4, 1));
        assert_eq!(p.arch, "x86_64");
        let code = |r: Result<Package>| match r {
            Err(crate::ServerError::UpdateRefused { code, .. }) => code,
            other => panic!("expected a refusal, got {other:?}"),
        };
        assert_eq!(code(identify("jiayi.deb", DEB, None)), "no_version");
        assert_eq!(code(identify("jiayi.deb", DEB, Some("new"))), "bad_version");
        assert_eq!(
            code(identify("j_0.2.0_amd64.deb", DEB, Some("0.3.0"))),
            "version_mismatch"
        );
        assert_eq!(
            code(identify("j_0.2.0_amd64.deb", b"MZ", None)),
            "not_a_package"
        );
        assert_eq!(
            code(identify("j_0.2.0_x64-setup.exe", DEB, None)),
            "not_a_package"
        );
        assert_eq!(
            code(identify("j_0.2.0.AppImage", b"\x7fELF", None)),
            "unknown_package_type"
        );
        assert_eq!(
            code(identify("j_0.2.0.msi", b"MZ", None)),
            "unknown_package_type"
        );
    }
}
