//! A private CUPS scheduler in a temp folder for the length of a test, reached through its own
//! socket: a program started with `CUPS_SERVER` set to [`PrivateCups::server`] (`lp`, `lpstat`,
//! GTK's print dialog) sees this scheduler's printers and no other. Its printers write every job
//! to a folder, exactly as a printer would have received it, with the job's title, copies and
//! options beside it, so a test reads what was printed and how.
//!
//! `cupsd` and `lpadmin` come from the `cups-daemon` and `cups-client` packages. Without them a
//! test fails when `CI` is set and is skipped, loudly, on a developer's machine.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::ci::{is_root, missing_tool};

/// How long the scheduler may take to start, and a job to reach its printer.
const PATIENCE: Duration = Duration::from_secs(30);

/// The backend every printer of the scheduler uses: the job's file into the folder its device URI
/// names (`tofile:/folder`), the job's title, copies and options in a note written first, so a
/// job file that exists is whole.
const BACKEND: &str = r#"#!/bin/sh
if [ $# -eq 0 ]; then echo 'direct tofile "Unknown" "Jobs into a folder"'; exit 0; fi
dir="${DEVICE_URI#tofile:}"
printf 'title=%s\ncopies=%s\noptions=%s\n' "$3" "$4" "$5" > "$dir/job-$1.txt"
if [ -n "$6" ]; then cat "$6"; else cat; fi > "$dir/.job-$1"
mv "$dir/.job-$1" "$dir/job-$1.out"
"#;

pub struct PrivateCups {
    dir: tempfile::TempDir,
    cupsd: Child,
}

/// A job as the printer received it.
#[derive(Debug, Clone)]
pub struct ReceivedJob {
    pub id: u32,
    pub printer: String,
    pub title: String,
    pub copies: u32,
    /// The job's options as CUPS hands them to a printer (`page-ranges=1-2 sides=… …`).
    pub options: String,
    pub bytes: Vec<u8>,
}

fn find(name: &str) -> Option<PathBuf> {
    let on_path = std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .map(|d| d.join(name))
        .collect::<Vec<_>>();
    ["/usr/sbin", "/usr/bin", "/sbin"]
        .iter()
        .map(|d| Path::new(d).join(name))
        .chain(on_path)
        .find(|p| p.is_file())
}

fn make_dir(path: &Path, mode: u32) {
    std::fs::create_dir_all(path).expect("cups folder");
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

impl PrivateCups {
    /// Starts a scheduler with no printers. When CUPS is not installed: panics in CI (`CI` set),
    /// else returns `None` after saying loudly which test is skipped and what is missing.
    pub fn start() -> Option<PrivateCups> {
        let (Some(cupsd), Some(_)) = (find("cupsd"), find("lpadmin")) else {
            missing_tool(
                "CUPS",
                "no cupsd or lpadmin (apt-get install -y cups-daemon cups-client)",
            );
            return None;
        };
        let dir = tempfile::Builder::new()
            .prefix("jiayi-cups-")
            .tempdir()
            .expect("temp dir");
        let root = dir.path();
        // The scheduler runs its backends as `lp`: the folders it writes are open to it.
        make_dir(root, 0o755);
        for sub in ["spool", "cache", "state", "log", "jobs"] {
            make_dir(&root.join(sub), 0o777);
        }
        make_dir(&root.join("conf"), 0o755);
        make_dir(&root.join("bin/backend"), 0o755);
        for part in [
            "filter", "daemon", "cgi-bin", "notifier", "monitor", "driver",
        ] {
            let system = Path::new("/usr/lib/cups").join(part);
            if system.exists() {
                std::os::unix::fs::symlink(&system, root.join("bin").join(part)).expect("link");
            }
        }
        let backend = root.join("bin/backend/tofile");
        std::fs::write(&backend, BACKEND).expect("backend");
        std::fs::set_permissions(&backend, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        let socket = root.join("cups.sock");
        std::fs::write(
            root.join("conf/cupsd.conf"),
            format!(
                "Listen {}\nLogLevel info\nWebInterface No\nBrowsing No\nDefaultAuthType None\n\
                 <Location />\n  Order allow,deny\n  Allow all\n</Location>\n\
                 <Location /admin>\n  Order allow,deny\n  Allow all\n</Location>\n",
                socket.display()
            ),
        )
        .expect("cupsd.conf");
        let user = if is_root() { "User lp\nGroup lp\n" } else { "" };
        std::fs::write(
            root.join("conf/cups-files.conf"),
            format!(
                "FileDevice Yes\n{user}ServerRoot {r}/conf\nServerBin {r}/bin\nRequestRoot {r}/spool\n\
                 CacheDir {r}/cache\nStateDir {r}/state\nTempDir {r}/spool\n\
                 AccessLog {r}/log/access_log\nErrorLog {r}/log/error_log\nPageLog {r}/log/page_log\n",
                r = root.display()
            ),
        )
        .expect("cups-files.conf");
        let cupsd = Command::new(cupsd)
            .arg("-f")
            .arg("-c")
            .arg(root.join("conf/cupsd.conf"))
            .arg("-s")
            .arg(root.join("conf/cups-files.conf"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start cupsd");
        let cups = PrivateCups { dir, cupsd };
        let deadline = Instant::now() + PATIENCE;
        while !cups.answers() {
            assert!(
                Instant::now() < deadline,
                "the private CUPS scheduler did not start: {}",
                cups.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Some(cups)
    }

    /// The scheduler's socket: what `CUPS_SERVER` must name.
    pub fn server(&self) -> PathBuf {
        self.dir.path().join("cups.sock")
    }

    /// The environment a program needs to print here.
    pub fn env(&self) -> (&'static str, String) {
        ("CUPS_SERVER", self.server().display().to_string())
    }

    fn answers(&self) -> bool {
        self.server().exists()
            && Command::new("lpstat")
                .arg("-r")
                .env("CUPS_SERVER", self.server())
                .env("LC_ALL", "C")
                .output()
                .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("is running"))
    }

    /// The scheduler's error log, to explain a failure.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("log/error_log")).unwrap_or_default()
    }

    /// Adds a printer taking jobs at once; `default` makes it the system's default.
    pub fn add_printer(&self, name: &str, default: bool) {
        let jobs = self.dir.path().join("jobs").join(name);
        make_dir(&jobs, 0o777);
        let run = |args: &[&str]| {
            let out = Command::new("lpadmin")
                .args(args)
                .env("CUPS_SERVER", self.server())
                .env("LC_ALL", "C")
                .output()
                .expect("lpadmin");
            assert!(
                out.status.success(),
                "lpadmin {args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        };
        run(&[
            "-p",
            name,
            "-v",
            &format!("tofile:{}", jobs.display()),
            "-E",
        ]);
        if default {
            run(&["-d", name]);
        }
    }

    /// Every job the printers have received so far, by id.
    pub fn received(&self) -> Vec<ReceivedJob> {
        let mut jobs = Vec::new();
        let printers = std::fs::read_dir(self.dir.path().join("jobs"))
            .into_iter()
            .flatten();
        for printer in printers.flatten() {
            let name = printer.file_name().to_string_lossy().to_string();
            for file in std::fs::read_dir(printer.path())
                .into_iter()
                .flatten()
                .flatten()
            {
                let file_name = file.file_name().to_string_lossy().to_string();
                let Some(id) = file_name
                    .strip_prefix("job-")
                    .and_then(|r| r.strip_suffix(".out"))
                    .and_then(|id| id.parse().ok())
                else {
                    continue;
                };
                let note = std::fs::read_to_string(printer.path().join(format!("job-{id}.txt")))
                    .unwrap_or_default();
                let field = |key: &str| {
                    note.lines()
                        .find_map(|l| l.strip_prefix(&format!("{key}=")))
                        .unwrap_or_default()
                        .to_string()
                };
                jobs.push(ReceivedJob {
                    id,
                    printer: name.clone(),
                    title: field("title"),
                    copies: field("copies").parse().unwrap_or(0),
                    options: field("options"),
                    bytes: std::fs::read(file.path()).unwrap_or_default(),
                });
            }
        }
        jobs.sort_by_key(|j| j.id);
        jobs
    }

    /// Waits until the printers have received `count` jobs in all, and returns them.
    pub fn wait_for_jobs(&self, count: usize) -> Vec<ReceivedJob> {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let jobs = self.received();
            if jobs.len() >= count {
                return jobs;
            }
            assert!(
                Instant::now() < deadline,
                "{} of {count} jobs reached the printers within {PATIENCE:?}: {}",
                jobs.len(),
                self.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for PrivateCups {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.cupsd.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.cupsd.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.cupsd.kill();
        let _ = self.cupsd.wait();
    }
}
