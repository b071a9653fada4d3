//! What an uploaded file is: a Debian package for Linux or an NSIS installer for Windows, for
//! which processor, at which version. A Debian package says so itself, in its control file
//! ([`deb`]): the server reads it there and refuses a file whose name (as the Tauri bundler
//! writes it, `jiayi_0.2.0_amd64.deb`) or whose administrator's `--version` says otherwise. An
//! NSIS installer's version is compiled into the installer and not read by the server: it comes
//! from the file name (`jiayi_0.2.0_x64-setup.exe`), or from the administrator when the name
//! carries none; the signature still ties the bytes to the signer.

use semver::Version;

use super::deb;
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

/// The package name the app's Debian package carries (`productName` in `tauri.conf.json`).
pub const DEB_PACKAGE: &str = "jiayi";

/// Recognises `bytes` uploaded as `name`. A Debian package's name, version and processor are
/// read from its control file, and a file name or a `version` (the administrator's) that says
/// otherwise is refused; an NSIS installer's version is not readable without running it, so it
/// comes from the name or from `version`.
pub fn identify(name: &str, bytes: &[u8], version: Option<&str>) -> Result<Package> {
    let lower = name.to_ascii_lowercase();
    let (installer, stem) = if let Some(stem) = lower.strip_suffix(".deb") {
        if !deb::is_deb(bytes) {
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
    let named_arch = arch_of(parts.next().unwrap_or_default());
    let named = parts.next().and_then(|v| Version::parse(v).ok());
    let given = match version {
        Some(v) => Some(Version::parse(v.trim()).map_err(|_| {
            refused(
                "bad_version",
                format!("版本号“{v}”格式不正确，应为 主版本.次版本.修订号，例如 0.2.0。"),
            )
        })?),
        None => None,
    };
    match installer {
        Installer::Deb => from_control(name, bytes, named_arch, named, given),
        Installer::Nsis => {
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
                        format!(
                            "无法从文件名 {name} 读出版本号，请用 --version 指定（例如 0.2.0）。"
                        ),
                    ));
                }
            };
            Ok(Package {
                installer,
                arch: named_arch.unwrap_or("x86_64"),
                version,
            })
        }
    }
}

/// A Debian package as its control file describes it, checked against what its file name
/// (`named_arch`, `named`) and the administrator (`given`) say.
fn from_control(
    name: &str,
    bytes: &[u8],
    named_arch: Option<&'static str>,
    named: Option<Version>,
    given: Option<Version>,
) -> Result<Package> {
    let control = deb::control(bytes).map_err(|e| match e {
        deb::Unreadable::Compression(how) => refused(
            "unreadable_package",
            format!(
                "{name} 的控制信息用 {how} 压缩，服务器只读 gzip 压缩的控制信息（Tauri 打包生成的就是）：\
                 请用 scripts/package.sh 重新打包（或 dpkg-deb -Zgzip），未上传。"
            ),
        ),
        deb::Unreadable::NotDeb | deb::Unreadable::NoControl => refused(
            "unreadable_package",
            format!(
                "{name} 是 Debian 软件包，但读不出其中的软件包名称、版本和处理器类型（control 文件），未上传。"
            ),
        ),
    })?;
    if control.package != DEB_PACKAGE {
        return Err(refused(
            "not_jiayi",
            format!(
                "{name} 是软件包“{}”，不是家医签约（{DEB_PACKAGE}）的安装包，未上传。",
                control.package
            ),
        ));
    }
    let Some(arch) = arch_of(&control.architecture) else {
        return Err(refused(
            "unknown_arch",
            format!(
                "{name} 的处理器类型“{}”不受支持（应为 amd64、arm64 或 i386），未上传。",
                control.architecture
            ),
        ));
    };
    if let Some(named_arch) = named_arch.filter(|a| *a != arch) {
        return Err(refused(
            "arch_mismatch",
            format!(
                "文件名中的处理器类型 {named_arch} 与安装包内的 {arch}（{}）不一致，未上传。",
                control.architecture
            ),
        ));
    }
    let version = Version::parse(&control.version).map_err(|_| {
        refused(
            "bad_version",
            format!(
                "{name} 内的版本号“{}”不是 主版本.次版本.修订号 格式（例如 0.2.0），未上传。",
                control.version
            ),
        )
    })?;
    if let Some(named) = named.filter(|n| *n != version) {
        return Err(refused(
            "version_mismatch",
            format!(
                "文件名中的版本 {named} 与安装包内的版本 {version} 不一致（文件可能被改过名），未上传。"
            ),
        ));
    }
    if let Some(given) = given.filter(|g| *g != version) {
        return Err(refused(
            "version_mismatch",
            format!("--version 给出的 {given} 与安装包内的版本 {version} 不一致，未上传。"),
        ));
    }
    Ok(Package {
        installer: Installer::Deb,
        arch,
        version,
    })
}

/// The processor named in a package's file name or control file, as the updater names it.
fn arch_of(part: &str) -> Option<&'static str> {
    let part = part.strip_suffix("-setup").unwrap_or(part);
    match part {
        "amd64" | "x64" | "x86_64" => Some("x86_64"),
        "arm64" | "aarch64" => Some("aarch64"),
        "i386" | "x86" | "i686" => Some("i686"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::process::Command;

    use super::*;

    /// A real Debian package made by `dpkg-deb` with these control fields, its control archive
    /// compressed with `compression` (`gzip`, as the Tauri bundler does; `xz`, dpkg-deb's own
    /// choice; `none`).
    fn dpkg_deb(
        dir: &Path,
        package: &str,
        version: &str,
        arch: &str,
        compression: &str,
    ) -> Vec<u8> {
        let root = dir.join(format!("{package}-{version}-{arch}-{compression}"));
        std::fs::create_dir_all(root.join("DEBIAN")).unwrap();
        std::fs::create_dir_all(root.join("usr/share/jiayi")).unwrap();
        std::fs::write(
            root.join("DEBIAN/control"),
            format!(
                "Package: {package}\nVersion: {version}\nArchitecture: {arch}\n\
                 Maintainer: Jiayi <jiayi@example.org>\nDescription: 家医签约\n 测试包\n"
            ),
        )
        .unwrap();
        std::fs::write(root.join("usr/share/jiayi/VERSION"), version).unwrap();
        let deb = root.with_extension("deb");
        let out = Command::new("dpkg-deb")
            .args(["--root-owner-group", &format!("-Z{compression}"), "--build"])
            .arg(&root)
            .arg(&deb)
            .output()
            .expect("dpkg-deb");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        std::fs::read(deb).unwrap()
    }

    fn code(r: Result<Package>) -> &'static str {
        match r {
            Err(crate::ServerError::UpdateRefused { code, .. }) => code,
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    fn message(r: Result<Package>) -> String {
        match r {
            Err(crate::ServerError::UpdateRefused { message, .. }) => message,
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn a_debian_package_is_read_from_its_control_file() {
        let tmp = tempfile::tempdir().unwrap();
        let deb = dpkg_deb(tmp.path(), "jiayi", "0.2.0", "amd64", "gzip");
        let p = identify("jiayi_0.2.0_amd64.deb", &deb, None).unwrap();
        assert_eq!(p.platform(), "linux-x86_64");
        assert_eq!(p.version, Version::new(0, 2, 0));
        assert_eq!(p.file_name(), "jiayi-desktop_0.2.0_linux-x86_64.deb");
        // A name without version or processor: the package says both.
        let arm = dpkg_deb(tmp.path(), "jiayi", "0.3.1", "arm64", "gzip");
        let p = identify("jiayi.deb", &arm, None).unwrap();
        assert_eq!(
            (p.platform().as_str(), p.version.to_string().as_str()),
            ("linux-aarch64", "0.3.1")
        );
        // The administrator's version, when it agrees.
        assert_eq!(
            identify("jiayi.deb", &arm, Some("0.3.1")).unwrap().version,
            Version::new(0, 3, 1)
        );
        // An uncompressed control archive reads too.
        let plain = dpkg_deb(tmp.path(), "jiayi", "0.4.0", "amd64", "none");
        assert_eq!(
            identify("jiayi_0.4.0_amd64.deb", &plain, None)
                .unwrap()
                .version,
            Version::new(0, 4, 0)
        );
    }

    #[test]
    fn a_package_whose_name_or_given_version_disagrees_with_its_content_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let old = dpkg_deb(tmp.path(), "jiayi", "0.1.5", "amd64", "gzip");
        // An older package renamed as a newer one.
        let renamed = || identify("jiayi_0.3.0_amd64.deb", &old, None);
        assert_eq!(code(renamed()), "version_mismatch");
        let said = message(renamed());
        assert!(said.contains("0.3.0") && said.contains("0.1.5"), "{said}");
        assert_eq!(
            code(identify("jiayi.deb", &old, Some("0.3.0"))),
            "version_mismatch"
        );
        assert_eq!(
            code(identify("jiayi.deb", &old, Some("new"))),
            "bad_version"
        );
        // Another processor than the name says.
        assert_eq!(
            code(identify("jiayi_0.1.5_arm64.deb", &old, None)),
            "arch_mismatch"
        );
        // Another program, and a processor the app is not built for.
        let other = dpkg_deb(tmp.path(), "jiayi-desktop", "0.2.0", "amd64", "gzip");
        let said = message(identify("jiayi_0.2.0_amd64.deb", &other, None));
        assert!(
            said.contains("jiayi-desktop") && said.contains("不是家医签约"),
            "{said}"
        );
        let all = dpkg_deb(tmp.path(), "jiayi", "0.2.0", "all", "gzip");
        assert_eq!(
            code(identify("jiayi_0.2.0_amd64.deb", &all, None)),
            "unknown_arch"
        );
        // A Debian version that is no semantic version (an epoch).
        let debian = dpkg_deb(tmp.path(), "jiayi", "1:0.2.0", "amd64", "gzip");
        assert_eq!(code(identify("jiayi.deb", &debian, None)), "bad_version");
        // dpkg-deb's own xz: not read, and the way to rebuild is said.
        let xz = dpkg_deb(tmp.path(), "jiayi", "0.2.0", "amd64", "xz");
        let said = message(identify("jiayi_0.2.0_amd64.deb", &xz, None));
        assert!(said.contains("xz") && said.contains("-Zgzip"), "{said}");
    }

    #[test]
    fn an_nsis_installer_takes_its_version_from_the_name_or_the_administrator() {
        let p = identify("Jiayi_1.10.3_x64-setup.exe", b"MZ\x90\0", None).unwrap();
        assert_eq!(p.platform(), "windows-x86_64");
        assert_eq!(p.version, Version::new(1, 10, 3));
        let p = identify("jiayi-setup.exe", b"MZ", Some("0.4.1")).unwrap();
        assert_eq!(p.version, Version::new(0, 4, 1));
        assert_eq!(p.arch, "x86_64");
        assert_eq!(code(identify("jiayi-setup.exe", b"MZ", None)), "no_version");
        assert_eq!(
            code(identify("j_0.2.0_x64-setup.exe", b"MZ", Some("0.3.0"))),
            "version_mismatch"
        );
    }

    #[test]
    fn a_file_that_is_no_package_for_its_ending_is_refused() {
        const DEB_WITHOUT_CONTROL: &[u8] =
            b"!<arch>\ndebian-binary   1700000000  0     0     100644  4         `\n2.0\n";
        assert_eq!(
            code(identify("j_0.2.0_amd64.deb", b"MZ", None)),
            "not_a_package"
        );
        assert_eq!(
            code(identify("j_0.2.0_amd64.deb", DEB_WITHOUT_CONTROL, None)),
            "unreadable_package"
        );
        assert_eq!(
            code(identify("j_0.2.0_x64-setup.exe", DEB_WITHOUT_CONTROL, None)),
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
