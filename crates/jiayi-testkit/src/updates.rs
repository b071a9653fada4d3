//! Update packages as the county's release signer makes them: a real `.deb` built with
//! `dpkg-deb`, signed with a throwaway key pair made by the Tauri signer
//! (`ui/node_modules/.bin/tauri signer generate|sign`), as a release is signed.

use std::path::{Path, PathBuf};
use std::process::Command;

fn tauri_cli() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../ui/node_modules/.bin/tauri")
}

fn run(command: &mut Command) -> String {
    let out = command.output().expect("run a packaging tool");
    assert!(
        out.status.success(),
        "{command:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A signing key pair (no password) in a folder of its own.
pub struct SigningKey {
    pub private_key: String,
    /// The `.pub` file's text, as the app and the server read it.
    pub public_key: String,
    pub public_key_path: PathBuf,
}

impl SigningKey {
    /// A new key pair made by `tauri signer generate` in `dir`.
    pub fn generate(dir: &Path) -> SigningKey {
        std::fs::create_dir_all(dir).expect("key folder");
        let key = dir.join("update.key");
        run(Command::new(tauri_cli())
            .args(["signer", "generate", "--ci", "-p", "", "-w"])
            .arg(&key));
        let public_key_path = dir.join("update.key.pub");
        SigningKey {
            private_key: std::fs::read_to_string(&key).expect("private key"),
            public_key: std::fs::read_to_string(&public_key_path).expect("public key"),
            public_key_path,
        }
    }

    /// Signs `file` with `tauri signer sign`, which writes `<file>.sig`; its path.
    pub fn sign(&self, file: &Path) -> PathBuf {
        run(Command::new(tauri_cli())
            .args(["signer", "sign", "-p", "", "-k", &self.private_key])
            .arg(file));
        let mut sig = file.as_os_str().to_owned();
        sig.push(".sig");
        PathBuf::from(sig)
    }
}

/// A tiny real Debian package `jiayi` at `version` for `arch` (`amd64`), built with
/// `dpkg-deb --build` into `dir` under the name the Tauri bundler gives it.
pub fn build_deb(dir: &Path, version: &str, arch: &str) -> PathBuf {
    build_deb_sized(dir, version, arch, 16)
}

/// A real Debian package `jiayi` at `version` for `arch` whose one file holds `payload` bytes
/// that do not compress (a package about as large as `payload`), built with `dpkg-deb --build`
/// into `dir` as `jiayi_<version>_<arch>.deb`. Compressed with gzip, as the Tauri bundler
/// compresses (dpkg-deb's own default, xz, is not what the server reads).
pub fn build_deb_sized(dir: &Path, version: &str, arch: &str, payload: usize) -> PathBuf {
    let root = dir.join(format!("pkg-{version}-{arch}"));
    std::fs::create_dir_all(root.join("DEBIAN")).expect("package folder");
    std::fs::create_dir_all(root.join("usr/share/jiayi")).expect("package folder");
    std::fs::write(
        root.join("DEBIAN/control"),
        format!(
            "Package: jiayi\nVersion: {version}\nArchitecture: {arch}\n\
             Maintainer: Jiayi <jiayi@example.org>\nDescription: Jiayi test package\n"
        ),
    )
    .expect("control file");
    std::fs::write(root.join("usr/share/jiayi/VERSION"), format!("{version}\n")).expect("payload");
    std::fs::write(root.join("usr/share/jiayi/payload"), noise(payload)).expect("payload");
    let deb = dir.join(format!("jiayi_{version}_{arch}.deb"));
    run(Command::new("dpkg-deb")
        .args(["--root-owner-group", "-Zgzip", "--build"])
        .arg(&root)
        .arg(&deb));
    deb
}

/// `n` bytes that look random (xorshift), the same each time.
fn noise(n: usize) -> Vec<u8> {
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..n)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect()
}
