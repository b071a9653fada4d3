//! The server under load in its own process, and the CPU time each process spent.
//!
//! The crowd's server is the `jiayi-server` binary cargo built for this bench, started with
//! `serve` on 127.0.0.1 port 0 against the round's database; the bench process is only the
//! load generator. CPU time is read per process from `/proc/<pid>/stat`, so the server's cost
//! (and PostgreSQL's backends') is told apart from the simulated devices'.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// Which cores each side may run on (`JIAYI_BENCH_PIN`): unset, both sides share every core,
/// as they are scheduled by default; `split`, the load generator runs on the first core and the
/// server (and PostgreSQL) on the others.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Pinning {
    Shared,
    Split,
}

impl Pinning {
    pub fn from_env() -> Pinning {
        cores();
        match std::env::var("JIAYI_BENCH_PIN").as_deref() {
            Ok("split") => Pinning::Split,
            _ => Pinning::Shared,
        }
    }

    pub fn describe(self) -> String {
        let cores = cores();
        match self {
            Pinning::Shared => format!("none: generator and server share all {cores} cores"),
            Pinning::Split => format!(
                "generator on core 0, server and PostgreSQL on cores 1-{}",
                cores.saturating_sub(1).max(1)
            ),
        }
    }

    /// Pins this process (its threads started from now on) to the generator's cores.
    pub fn pin_generator(self) {
        if self == Pinning::Split {
            set_affinity(std::process::id(), &[0]);
        }
    }

    /// Pins the process `pid` (threads it starts from now on, children it forks) to the
    /// server's cores.
    pub fn pin_server(self, pid: u32) {
        if self == Pinning::Split {
            let others: Vec<usize> = (1..cores()).collect();
            set_affinity(pid, &others);
        }
    }
}

/// The machine's cores, counted once: before this process is pinned, since the count a process
/// is told afterwards is that of its own cores.
fn cores() -> usize {
    static CORES: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// Pins every thread of `pid` to `cores` (`taskset`; threads and children started later
/// inherit it).
fn set_affinity(pid: u32, cores: &[usize]) {
    if cores.is_empty() {
        return;
    }
    let list: Vec<String> = cores.iter().map(usize::to_string).collect();
    let status = Command::new("taskset")
        .args(["-a", "-p", "-c", &list.join(",")])
        .arg(pid.to_string())
        .stdout(Stdio::null())
        .status()
        .expect("taskset");
    assert!(status.success(), "taskset of {pid} failed");
}

/// The `jiayi-server` binary serving one database.
pub struct ServerProcess {
    child: Child,
    url: String,
}

impl ServerProcess {
    /// Starts `jiayi-server --db <db_url> serve --listen 127.0.0.1:0` and waits for the
    /// address it prints. Its key file and update folder go in `dir`.
    pub fn start(db_url: &str, dir: &Path, pinning: Pinning) -> ServerProcess {
        // `JIAYI_BENCH_SERVER` names another build of the server to measure (an earlier
        // version, for a before-and-after in one sitting).
        std::fs::create_dir_all(dir).expect("the server's folder");
        let binary = std::env::var_os("JIAYI_BENCH_SERVER")
            .unwrap_or_else(|| env!("CARGO_BIN_EXE_jiayi-server").into());
        let mut command = match pinning {
            Pinning::Split => {
                let mut taskset = Command::new("taskset");
                taskset.args(["-c", &format!("1-{}", cores().saturating_sub(1).max(1))]);
                taskset.arg(binary);
                taskset
            }
            Pinning::Shared => Command::new(binary),
        };
        command
            .args(["--db", db_url, "serve", "--listen", "127.0.0.1:0"])
            .env("JIAYI_KEY_FILE", dir.join("township-key"))
            .env("JIAYI_UPDATES_DIR", dir.join("updates"))
            .stdout(Stdio::piped());
        let mut child = command.spawn().expect("start jiayi-server");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("the server's first line");
        let url = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("jiayi-server said {line:?}"))
            .to_string();
        ServerProcess { child, url }
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// CPU time the server process has spent so far, all its threads together.
    pub fn cpu(&self) -> Duration {
        process_cpu(self.child.id()).map_or(Duration::ZERO, |t| t.own)
    }

    /// Stops the server as Ctrl-C does (requests in flight finish, the audit sealer's last
    /// pass runs) and waits for it.
    pub fn stop(mut self) {
        let _ = Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status();
        let status = self.child.wait().expect("wait for jiayi-server");
        assert!(status.success(), "jiayi-server ended with {status}");
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A process's CPU time: its own threads', and its children's that it has waited for.
#[derive(Clone, Copy, Default)]
struct Times {
    own: Duration,
    reaped: Duration,
}

/// `/proc/<pid>/stat`'s fields after the command name, or none where it cannot be read.
fn stat_fields(pid: u32) -> Option<Vec<String>> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let (_, after) = stat.rsplit_once(')')?;
    Some(after.split_whitespace().map(str::to_string).collect())
}

/// Clock ticks per second, the unit of `/proc/<pid>/stat`'s times (`getconf CLK_TCK`).
fn ticks_per_second() -> u64 {
    static TICKS: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *TICKS.get_or_init(|| {
        Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
            .filter(|&t| t > 0)
            .unwrap_or(100)
    })
}

fn ticks(n: u64) -> Duration {
    Duration::from_micros(n * 1_000_000 / ticks_per_second())
}

fn process_cpu(pid: u32) -> Option<Times> {
    let f = stat_fields(pid)?;
    // After the name: state(0) ppid(1) ... utime(11) stime(12) cutime(13) cstime(14).
    let n = |i: usize| f.get(i).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    Some(Times {
        own: ticks(n(11) + n(12)),
        reaped: ticks(n(13) + n(14)),
    })
}

/// CPU time of this process (the load generator) so far.
pub fn generator_cpu() -> Duration {
    process_cpu(std::process::id()).map_or(Duration::ZERO, |t| t.own)
}

/// CPU time a PostgreSQL cluster has spent so far: its postmaster's, the backends' it has
/// reaped, and its live children's (the backends, the WAL writer, the checkpointer...).
pub fn cluster_cpu(postmaster: u32) -> Duration {
    let Some(parent) = process_cpu(postmaster) else {
        return Duration::ZERO;
    };
    let children: Duration = children_of(postmaster)
        .into_iter()
        .filter_map(process_cpu)
        .map(|t| t.own)
        .sum();
    parent.own + parent.reaped + children
}

/// The live processes whose parent is `parent` (from `/proc/<pid>/stat`).
fn children_of(parent: u32) -> Vec<u32> {
    std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| entry.file_name().to_str()?.parse::<u32>().ok())
        .filter(|&pid| {
            stat_fields(pid).and_then(|f| f.get(1).and_then(|p| p.parse::<u32>().ok()))
                == Some(parent)
        })
        .collect()
}

/// Pins a running PostgreSQL cluster's postmaster and its present children to the server's
/// cores; backends it forks later inherit the postmaster's cores.
pub fn pin_cluster(pinning: Pinning, postmaster: u32) {
    if pinning != Pinning::Split {
        return;
    }
    pinning.pin_server(postmaster);
    for pid in children_of(postmaster) {
        pinning.pin_server(pid);
    }
}

/// The load averages over 1, 5 and 15 minutes (`/proc/loadavg`).
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}
