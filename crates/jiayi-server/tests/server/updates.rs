//! App updates hosted by the township: `jiayi-server update add` refusing what a device must
//! never install (leaving nothing stored), the update endpoint answering as the Tauri updater
//! reads it per platform and version, the package served byte for byte, and only to devices.

use std::path::Path;
use std::process::{Command, Output};
use std::sync::Arc;

use jiayi_server::updates::{UpdateShelf, signature};
use jiayi_testkit::township::{Limits, Township, V1};
use jiayi_testkit::updates::{SigningKey, build_deb, build_deb_sized};

fn update(db: &str, dir: &Path, key: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_jiayi-server"))
        .arg("--db")
        .arg(db)
        .arg("--updates-dir")
        .arg(dir)
        .arg("--update-key")
        .arg(key)
        .arg("update")
        .args(args)
        .output()
        .expect("run jiayi-server")
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// The names in the update folder, sorted.
fn stored(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|d| {
            d.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

#[test]
fn update_add_refuses_what_a_device_must_not_install_and_keeps_nothing_of_it() {
    let tmp = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", tmp.path().join("township.db").display());
    let shelf = tmp.path().join("updates");
    let key = SigningKey::generate(&tmp.path().join("county"));
    let other = SigningKey::generate(&tmp.path().join("stranger"));
    let pkgs = tmp.path().join("pkgs");
    std::fs::create_dir_all(&pkgs).unwrap();
    let key_path = key.public_key_path.as_path();

    let v2 = build_deb(&pkgs, "0.2.0", "amd64");
    key.sign(&v2);
    let out = update(
        &db,
        &shelf,
        key_path,
        &["add", v2.to_str().unwrap(), "--notes", "打印更清楚"],
    );
    assert!(
        out.status.success(),
        "a signed newer package is hosted: {}",
        text(&out)
    );
    assert!(text(&out).contains("0.2.0"), "{}", text(&out));
    let hosted = stored(&shelf);
    assert_eq!(
        hosted.len(),
        3,
        "package, signature, description: {hosted:?}"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for name in &hosted {
            let mode = std::fs::metadata(shelf.join(name))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600, "{name} is readable by its owner only");
        }
    }

    let refused = |file: &Path, extra: &[&str], code_words: &str| {
        let mut args = vec!["add", file.to_str().unwrap()];
        args.extend_from_slice(extra);
        let out = update(&db, &shelf, key_path, &args);
        let said = text(&out);
        assert!(
            !out.status.success(),
            "{} must be refused: {said}",
            file.display()
        );
        assert!(
            said.contains(code_words),
            "the refusal says why ({code_words}): {said}"
        );
        assert_eq!(
            stored(&shelf),
            hosted,
            "a refused package leaves nothing stored"
        );
    };

    // No signature at all.
    let v3 = build_deb(&pkgs, "0.3.0", "amd64");
    refused(&v3, &[], "没有签名");
    // Signed by someone else's key.
    let stranger_sig = other.sign(&v3);
    refused(&v3, &[], "签名校验失败");
    std::fs::remove_file(&stranger_sig).unwrap();
    // Signed with the county's key, then changed.
    key.sign(&v3);
    let mut bytes = std::fs::read(&v3).unwrap();
    bytes.push(0);
    let tampered = pkgs.join("jiayi_0.3.0_amd64.tampered.deb");
    std::fs::write(&tampered, &bytes).unwrap();
    std::fs::copy(
        pkgs.join("jiayi_0.3.0_amd64.deb.sig"),
        pkgs.join("jiayi_0.3.0_amd64.tampered.deb.sig"),
    )
    .unwrap();
    refused(&tampered, &["--version", "0.3.0"], "签名校验失败");
    // Older than, and the same as, what is hosted.
    let old = build_deb(&pkgs, "0.1.5", "amd64");
    key.sign(&old);
    refused(&old, &[], "只能上传更新的版本");
    // The older package renamed: read from inside it is still 0.1.5, and a name that claims
    // a newer version is caught out.
    let renamed = pkgs.join("jiayi-latest.deb");
    std::fs::copy(&old, &renamed).unwrap();
    std::fs::copy(
        pkgs.join("jiayi_0.1.5_amd64.deb.sig"),
        pkgs.join("jiayi-latest.deb.sig"),
    )
    .unwrap();
    refused(&renamed, &[], "只能上传更新的版本");
    let posing = pkgs.join("jiayi_0.4.0_amd64.deb");
    std::fs::copy(&old, &posing).unwrap();
    std::fs::copy(
        pkgs.join("jiayi_0.1.5_amd64.deb.sig"),
        pkgs.join("jiayi_0.4.0_amd64.deb.sig"),
    )
    .unwrap();
    refused(&posing, &[], "与安装包内的版本 0.1.5 不一致");
    let same_dir = pkgs.join("again");
    std::fs::create_dir_all(&same_dir).unwrap();
    let same = build_deb(&same_dir, "0.2.0", "amd64");
    key.sign(&same);
    refused(&same, &[], "只能上传更新的版本");
    // Not a package for a known platform, even when signed.
    let appimage = pkgs.join("jiayi_0.3.0_amd64.AppImage");
    std::fs::write(&appimage, b"\x7fELF not an installer").unwrap();
    key.sign(&appimage);
    refused(&appimage, &[], "不是可识别的安装包");
    let fake = pkgs.join("jiayi_0.3.0_amd64.deb.txt.deb");
    std::fs::write(&fake, b"plain text").unwrap();
    key.sign(&fake);
    refused(&fake, &["--version", "0.3.0"], "不是 Debian 软件包");

    // The properly signed 0.3.0 goes in; list shows both; remove takes one away.
    let out = update(&db, &shelf, key_path, &["add", v3.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out));
    let listed = text(&update(&db, &shelf, key_path, &["list"]));
    assert!(
        listed.contains("0.2.0") && listed.contains("0.3.0"),
        "{listed}"
    );
    let out = update(&db, &shelf, key_path, &["remove", "0.3.0"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        stored(&shelf),
        hosted,
        "removing 0.3.0 leaves 0.2.0 as it was"
    );
    let out = update(&db, &shelf, key_path, &["remove", "9.9.9"]);
    assert!(
        !out.status.success(),
        "removing what is not hosted is an error"
    );
}

#[test]
fn the_endpoint_answers_per_platform_and_version_and_serves_the_signed_bytes() {
    let tmp = tempfile::tempdir().unwrap();
    let key = SigningKey::generate(&tmp.path().join("county"));
    let pkgs = tmp.path().join("pkgs");
    std::fs::create_dir_all(&pkgs).unwrap();
    let shelf = UpdateShelf::open(&tmp.path().join("updates"), &key.public_key).unwrap();
    let deb = build_deb(&pkgs, "0.2.0", "amd64");
    let deb_sig = key.sign(&deb);
    let add = |file: &Path, sig: &Path, notes: &str| {
        shelf
            .add(
                jiayi_server::updates::Upload {
                    name: &file.file_name().unwrap().to_string_lossy(),
                    bytes: &std::fs::read(file).unwrap(),
                    signature: Some(&std::fs::read_to_string(sig).unwrap()),
                    notes,
                    version: None,
                },
                chrono::Utc::now(),
            )
            .unwrap()
    };
    add(&deb, &deb_sig, "随访表单加快");
    // The Windows installer: an NSIS build is not made here; a PE-headed file stands for it.
    let exe = pkgs.join("jiayi-desktop_0.3.0_x64-setup.exe");
    std::fs::write(&exe, b"MZ\x90\x00 windows installer stand-in").unwrap();
    let exe_sig = key.sign(&exe);
    add(&exe, &exe_sig, "");

    let mut township = Township::sqlite(Limits::default());
    township.stop();
    township.updates = Some(Arc::new(shelf));
    township.start();
    let device = township.enroll("王医生", &[V1]);
    let client = reqwest::blocking::Client::new();
    let base = township.base();
    let get = |path: &str, token: Option<&str>| {
        let mut request = client.get(format!("{base}{path}"));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().unwrap()
    };
    let token = Some(device.token.as_str());

    assert_eq!(
        get("/v1/updates/linux/x86_64/0.1.0", None).status(),
        401,
        "no token, no answer"
    );
    assert_eq!(
        get("/v1/updates/linux/x86_64/0.1.0", Some("wrong")).status(),
        401
    );
    for (path, newer) in [
        ("/v1/updates/linux/x86_64/0.1.0", Some("0.2.0")),
        ("/v1/updates/linux/x86_64/0.1.9-beta.1", Some("0.2.0")),
        ("/v1/updates/linux/x86_64/0.2.0", None),
        ("/v1/updates/linux/x86_64/0.10.0", None),
        ("/v1/updates/linux/aarch64/0.1.0", None),
        ("/v1/updates/windows/x86_64/0.2.0", Some("0.3.0")),
        ("/v1/updates/windows/x86_64/0.3.0", None),
        ("/v1/updates/linux/x86_64/not-a-version", None),
    ] {
        let response = get(path, token);
        match newer {
            None => assert_eq!(response.status(), 204, "{path}: nothing newer"),
            Some(version) => {
                assert_eq!(response.status(), 200, "{path}");
                let manifest: serde_json::Value = response.json().unwrap();
                assert_eq!(manifest["version"], version, "{path}");
                for field in ["notes", "pub_date", "url", "signature"] {
                    assert!(manifest[field].is_string(), "{path}: {field} in {manifest}");
                }
            }
        }
    }

    let manifest: serde_json::Value = get("/v1/updates/linux/x86_64/0.1.0", token).json().unwrap();
    assert_eq!(manifest["notes"], "随访表单加快");
    let url = manifest["url"].as_str().unwrap();
    assert!(
        url.starts_with(&base),
        "the package comes from the same server: {url}"
    );
    let path = &url[base.len()..];
    assert_eq!(
        get(path, None).status(),
        401,
        "the package too needs the token"
    );
    let download = get(path, token);
    assert_eq!(download.status(), 200);
    let bytes = download.bytes().unwrap();
    assert_eq!(
        bytes.as_ref(),
        std::fs::read(&deb).unwrap(),
        "served byte for byte"
    );
    let key_read = signature::public_key(&key.public_key).unwrap();
    signature::verify(
        &key_read,
        &bytes,
        manifest["signature"].as_str().unwrap(),
        "0.2.0",
    )
    .expect("the signature served verifies with the public key");
    assert_eq!(
        get("/v1/updates/files/township.db", token).status(),
        404,
        "only hosted packages are served"
    );
    assert_eq!(
        get("/v1/updates/files/..%2Ftownship.db", token).status(),
        404
    );

    let openapi: serde_json::Value = client
        .get(format!("{base}/openapi.json"))
        .send()
        .unwrap()
        .json()
        .unwrap();
    for path in [
        "/v1/updates/{target}/{arch}/{current_version}",
        "/v1/updates/files/{name}",
    ] {
        assert!(
            openapi["paths"][path].is_object(),
            "{path} is in the OpenAPI document"
        );
    }
}

#[test]
fn a_large_package_is_streamed_whole_with_its_length_to_devices_at_once() {
    let tmp = tempfile::tempdir().unwrap();
    let key = SigningKey::generate(&tmp.path().join("county"));
    let pkgs = tmp.path().join("pkgs");
    std::fs::create_dir_all(&pkgs).unwrap();
    // Larger than any buffer on the way: 9 MiB that do not compress.
    let deb = build_deb_sized(&pkgs, "0.2.0", "amd64", 9 << 20);
    let sig = key.sign(&deb);
    let expected = std::fs::read(&deb).unwrap();
    assert!(expected.len() > 8 << 20, "{} bytes", expected.len());
    let shelf = UpdateShelf::open(&tmp.path().join("updates"), &key.public_key).unwrap();
    shelf
        .add(
            jiayi_server::updates::Upload {
                name: "jiayi_0.2.0_amd64.deb",
                bytes: &expected,
                signature: Some(&std::fs::read_to_string(&sig).unwrap()),
                notes: "",
                version: None,
            },
            chrono::Utc::now(),
        )
        .unwrap();
    let mut township = Township::sqlite(Limits::default());
    township.stop();
    township.updates = Some(Arc::new(shelf));
    township.start();
    let base = township.base();
    let devices: Vec<String> = (0..4)
        .map(|i| township.enroll(&format!("医生{i}"), &[V1]).token)
        .collect();
    let client = reqwest::blocking::Client::new();
    let manifest: serde_json::Value = client
        .get(format!("{base}/v1/updates/linux/x86_64/0.1.0"))
        .bearer_auth(&devices[0])
        .send()
        .unwrap()
        .json()
        .unwrap();
    let url = manifest["url"].as_str().unwrap().to_string();

    std::thread::scope(|s| {
        for token in &devices {
            let (client, url, expected) = (&client, &url, &expected);
            s.spawn(move || {
                let response = client.get(url).bearer_auth(token).send().unwrap();
                assert_eq!(response.status(), 200);
                assert_eq!(
                    response.content_length(),
                    Some(expected.len() as u64),
                    "the length is announced before the bytes"
                );
                let bytes = response.bytes().unwrap();
                assert!(
                    bytes.as_ref() == expected.as_slice(),
                    "every device gets the package byte for byte ({} of {} bytes)",
                    bytes.len(),
                    expected.len()
                );
            });
        }
    });
    assert_eq!(
        client.get(&url).send().unwrap().status(),
        401,
        "streaming is still behind the device token"
    );
}

/// The peak resident memory of process `pid` (Linux), in bytes.
#[cfg(target_os = "linux")]
fn peak_memory(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let kib: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM in /proc/PID/status");
    kib * 1024
}

#[cfg(target_os = "linux")]
#[test]
fn devices_downloading_at_once_do_not_each_hold_the_package_in_the_servers_memory() {
    use std::io::BufRead;
    let tmp = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", tmp.path().join("township.db").display());
    let shelf = tmp.path().join("updates");
    let key = SigningKey::generate(&tmp.path().join("county"));
    let deb = build_deb_sized(tmp.path(), "0.2.0", "amd64", 9 << 20);
    key.sign(&deb);
    let size = std::fs::metadata(&deb).unwrap().len();
    let out = update(
        &db,
        &shelf,
        &key.public_key_path,
        &["add", deb.to_str().unwrap()],
    );
    assert!(out.status.success(), "{}", text(&out));
    let enrolled = Command::new(env!("CARGO_BIN_EXE_jiayi-server"))
        .args([
            "--db",
            &db,
            "enroll",
            "--doctor",
            "王医生",
            "--team",
            "一组",
        ])
        .args(["--village", &V1.to_string(), "--json"])
        .output()
        .unwrap();
    assert!(enrolled.status.success(), "{}", text(&enrolled));
    let enrolled: serde_json::Value = serde_json::from_slice(&enrolled.stdout).unwrap();
    let token = enrolled["token"].as_str().unwrap().to_string();

    // The real server, in a process of its own whose memory is measured alone.
    let mut server = Command::new(env!("CARGO_BIN_EXE_jiayi-server"))
        .arg("--db")
        .arg(&db)
        .arg("--updates-dir")
        .arg(&shelf)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufReader::new(server.stdout.take().unwrap()).lines();
    let base = lines
        .find_map(|l| {
            l.ok()
                .and_then(|l| l.strip_prefix("listening on ").map(str::to_string))
        })
        .expect("the server listens");
    std::thread::spawn(move || for _ in lines {});
    let client = reqwest::blocking::Client::new();
    let manifest: serde_json::Value = client
        .get(format!("{base}/v1/updates/linux/x86_64/0.1.0"))
        .bearer_auth(&token)
        .send()
        .unwrap()
        .json()
        .unwrap();
    let url = manifest["url"].as_str().unwrap().to_string();

    let before = peak_memory(server.id());
    const DEVICES: u64 = 8;
    std::thread::scope(|s| {
        for _ in 0..DEVICES {
            s.spawn(|| {
                let mut response = client.get(&url).bearer_auth(&token).send().unwrap();
                assert_eq!(response.status(), 200);
                let read = std::io::copy(&mut response, &mut std::io::sink()).unwrap();
                assert_eq!(read, size);
            });
        }
    });
    let grown = peak_memory(server.id()).saturating_sub(before);
    let _ = server.kill();
    let _ = server.wait();
    // Held whole, eight downloads would need eight packages (72 MiB) at once.
    assert!(
        grown < 2 * size,
        "the server's peak memory grew by {grown} bytes for {DEVICES} downloads of {size} bytes"
    );
    eprintln!(
        "{DEVICES} downloads of {size} bytes at once: the server's peak memory grew by {} KiB",
        grown / 1024
    );
}
