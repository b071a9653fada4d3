//! A private PostgreSQL cluster in a temp folder, on a loopback port, for the length of a test.
//! PostgreSQL refuses to run as root, so as root the cluster runs as the `postgres` user.
//!
//! The tools are looked for in `PG_BIN` when set, else in `/usr/lib/postgresql/<version>/bin`
//! (the newest), else on `PATH`. Without them a test fails when `CI` is set (a CI run must not
//! pass without its PostgreSQL tests) and is skipped, loudly, on a developer's machine.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::ci::{is_root, missing_tool};

pub struct PgCluster {
    dir: tempfile::TempDir,
    bin: PathBuf,
    as_postgres: bool,
    pub port: u16,
}

fn has_tools(dir: &Path) -> bool {
    dir.join("initdb").is_file() && dir.join("pg_ctl").is_file()
}

/// The folder holding `initdb` and `pg_ctl`, or what is missing.
fn find_bin() -> Result<PathBuf, String> {
    if let Some(dir) = std::env::var_os("PG_BIN") {
        let dir = PathBuf::from(dir);
        return if has_tools(&dir) {
            Ok(dir)
        } else {
            Err(format!("PG_BIN={} holds no initdb/pg_ctl", dir.display()))
        };
    }
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|p| has_tools(p))
        .collect();
    found.sort();
    if let Some(dir) = found.pop() {
        return Ok(dir);
    }
    std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .find(|p| has_tools(p))
        .ok_or_else(|| {
            "no initdb/pg_ctl in /usr/lib/postgresql/*/bin or on PATH (apt-get install -y postgresql, or set PG_BIN)".to_string()
        })
}

/// `runuser`, also when `PATH` leaves out the sbin folders.
fn runuser() -> PathBuf {
    ["/usr/sbin/runuser", "/sbin/runuser"]
        .into_iter()
        .map(PathBuf::from)
        .find(|p| p.is_file())
        .unwrap_or_else(|| PathBuf::from("runuser"))
}

impl PgCluster {
    /// Starts a cluster. When PostgreSQL is not installed: panics in CI (`CI` set), else returns
    /// `None` after saying loudly which test is skipped and what is missing.
    ///
    /// The cluster does not flush its log to disk (`fsync=off`, `synchronous_commit=off`): a
    /// test's database need not survive a crash of the machine, and tests run faster.
    pub fn start() -> Option<PgCluster> {
        PgCluster::start_with(false)
    }

    /// Starts a cluster that flushes its log at every commit, as a township's PostgreSQL does
    /// (PostgreSQL's own defaults): for measurements, where a commit's cost includes the flush.
    pub fn start_durable() -> Option<PgCluster> {
        PgCluster::start_with(true)
    }

    fn start_with(durable: bool) -> Option<PgCluster> {
        let bin = match find_bin() {
            Ok(bin) => bin,
            Err(missing) => {
                missing_tool("PostgreSQL", &missing);
                return None;
            }
        };
        let dir = tempfile::Builder::new()
            .prefix("jiayi-pg-")
            .tempdir()
            .expect("temp dir");
        let as_postgres = is_root();
        if as_postgres {
            let ok = Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(dir.path())
                .status()
                .expect("chown");
            assert!(ok.success(), "chown of the cluster folder failed");
        }
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").expect("free port");
            l.local_addr().expect("addr").port()
        };
        let cluster = PgCluster {
            dir,
            bin,
            as_postgres,
            port,
        };
        let data = cluster.data();
        cluster.run(
            "initdb",
            &[
                "-D",
                &data,
                "-A",
                "trust",
                "-U",
                "postgres",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
            ],
        );
        let flushing = if durable {
            ""
        } else {
            " -c fsync=off -c synchronous_commit=off"
        };
        let opts = format!(
            "-p {port} -c listen_addresses=127.0.0.1 -k {}{flushing} -c max_connections=100",
            cluster.dir.path().display()
        );
        let log = cluster.dir.path().join("server.log").display().to_string();
        cluster.run(
            "pg_ctl",
            &[
                "-D", &data, "-l", &log, "-o", &opts, "-w", "-t", "60", "start",
            ],
        );
        Some(cluster)
    }

    fn data(&self) -> String {
        self.dir.path().join("data").display().to_string()
    }

    fn run(&self, tool: &str, args: &[&str]) {
        let exe = self.bin.join(tool);
        let output = if self.as_postgres {
            Command::new(runuser())
                .args(["-u", "postgres", "--"])
                .arg(&exe)
                .args(args)
                .current_dir("/")
                .output()
        } else {
            Command::new(&exe).args(args).output()
        }
        .unwrap_or_else(|e| panic!("running {}: {e}", exe.display()));
        assert!(
            output.status.success(),
            "{tool} failed: {}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }

    /// A fresh database in the cluster; returns its URL.
    pub fn database(&self, name: &str) -> String {
        let mut admin = postgres::Client::connect(&self.url("postgres"), postgres::NoTls)
            .expect("connect to cluster");
        admin
            .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .expect("drop database");
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .expect("create database");
        self.url(name)
    }

    pub fn url(&self, db: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{db}", self.port)
    }

    /// The URL of database `db` through the cluster's Unix socket rather than loopback TCP, as a
    /// server on the same machine connects (the socket folder as the host, percent-encoded).
    pub fn socket_url(&self, db: &str) -> String {
        let folder: String = self
            .dir
            .path()
            .display()
            .to_string()
            .chars()
            .map(|c| match c {
                '/' => "%2F".to_string(),
                c => c.to_string(),
            })
            .collect();
        format!("postgres://postgres@{folder}:{}/{db}", self.port)
    }

    /// [`PgCluster::database`], reached through the Unix socket ([`PgCluster::socket_url`]).
    pub fn socket_database(&self, name: &str) -> String {
        self.database(name);
        self.socket_url(name)
    }

    /// Copies database `from` into a new database `to` (a backup), through `pg_dump | psql`-free
    /// SQL: PostgreSQL's own template copy.
    pub fn copy_database(&self, from: &str, to: &str) {
        let mut admin = postgres::Client::connect(&self.url("postgres"), postgres::NoTls)
            .expect("connect to cluster");
        admin
            .batch_execute(&format!("DROP DATABASE IF EXISTS {to} WITH (FORCE)"))
            .expect("drop copy");
        // The source may still show a closing session for a moment after the server stopped.
        let mut last = None;
        for _ in 0..50 {
            match admin.batch_execute(&format!("CREATE DATABASE {to} TEMPLATE {from}")) {
                Ok(()) => return,
                Err(e) => last = Some(e),
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        panic!("copying database {from}: {last:?}");
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// The process id of the cluster's postmaster, the parent of every backend
    /// (`postmaster.pid`'s first line).
    pub fn postmaster_pid(&self) -> Option<u32> {
        std::fs::read_to_string(self.dir.path().join("data").join("postmaster.pid"))
            .ok()?
            .lines()
            .next()?
            .trim()
            .parse()
            .ok()
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        let data = self.data();
        let exe = self.bin.join("pg_ctl");
        let _ = if self.as_postgres {
            Command::new(runuser())
                .args(["-u", "postgres", "--"])
                .arg(&exe)
                .args(["-D", &data, "-m", "immediate", "stop"])
                .current_dir("/")
                .output()
        } else {
            Command::new(&exe)
                .args(["-D", &data, "-m", "immediate", "stop"])
                .output()
        };
    }
}
