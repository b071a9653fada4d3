//! Sync by itself when the township server becomes reachable.
//!
//! A plain thread (no async runtime) with its own connection to the device's database file.
//! Each tick it probes the server cheaply (a TCP connect), and runs a round when there is
//! something to push or the last pull is older than `pull_every`. Failures back off
//! exponentially up to `max_backoff`. Rounds share the per-device gate with "Sync now", so two
//! never run at once; a tick that finds the gate taken just waits for the next one.

use std::net::{TcpStream, ToSocketAddrs};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use jiayi_core::Lang;
use jiayi_store::{DbFile, Store};

use crate::background::{Background, Pauses};
use crate::sync::{SyncEvent, SyncTrigger, gate, run_round};

/// How often the runner looks, and how it backs off.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AutoSyncConfig {
    /// The device's database file (the one the app has open) and its key.
    pub db: DbFile,
    pub lang: Lang,
    /// Pause between checks while all is well.
    pub check_every: Duration,
    /// Pull even with nothing to push when the last round is older than this.
    pub pull_every: Duration,
    /// First wait after a failure; doubled on each further failure.
    pub first_backoff: Duration,
    /// Longest wait after failures.
    pub max_backoff: Duration,
    /// Longest a reachability probe may take.
    pub probe_timeout: Duration,
}

impl AutoSyncConfig {
    pub fn new(db: DbFile, lang: Lang) -> AutoSyncConfig {
        AutoSyncConfig {
            db,
            lang,
            check_every: Duration::from_secs(20),
            pull_every: Duration::from_secs(5 * 60),
            first_backoff: Duration::from_secs(15),
            max_backoff: Duration::from_secs(10 * 60),
            probe_timeout: Duration::from_secs(3),
        }
    }
}

/// The wait after `failures` failures in a row: doubling from `first`, never above `max`.
pub fn backoff(failures: u32, first: Duration, max: Duration) -> Duration {
    if failures == 0 {
        return Duration::ZERO;
    }
    let factor = 1u32.checked_shl(failures - 1).unwrap_or(u32::MAX);
    first.checked_mul(factor).unwrap_or(max).min(max)
}

/// The running background sync. Dropping it stops it.
pub struct AutoSync {
    runner: Background,
}

pub type EventSink = Arc<dyn Fn(SyncEvent) + Send + Sync>;

impl AutoSync {
    /// Starts the runner. `on_event` receives every event of the rounds it runs, and
    /// `Unreachable` when the server cannot be reached.
    pub fn start(config: AutoSyncConfig, on_event: EventSink) -> std::io::Result<AutoSync> {
        let runner = Background::spawn("jiayi-autosync", move |pauses| {
            run(config, on_event, pauses)
        })?;
        Ok(AutoSync { runner })
    }

    /// Looks again now (e.g. the doctor just saved a record, or the network came back).
    pub fn wake(&self) {
        self.runner.wake();
    }

    /// Stops the runner and waits for it. A round in flight finishes first (its requests are
    /// bounded by the transport's timeouts).
    pub fn stop(self) {
        self.runner.stop();
    }
}

/// Whether a TCP connection to the server's host and port opens.
pub fn reachable(server_url: &str, timeout: Duration) -> bool {
    let lower = server_url.to_ascii_lowercase();
    let (rest, default_port) = if let Some(r) = lower.strip_prefix("https://") {
        (r, 443)
    } else if let Some(r) = lower.strip_prefix("http://") {
        (r, 80)
    } else {
        return false;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let has_port = if authority.starts_with('[') {
        authority.contains("]:")
    } else {
        authority.contains(':')
    };
    let target = if has_port {
        authority.to_string()
    } else {
        format!("{authority}:{default_port}")
    };
    let Ok(addrs) = target.to_socket_addrs() else {
        return false;
    };
    addrs
        .into_iter()
        .any(|a| TcpStream::connect_timeout(&a, timeout).is_ok())
}

fn run(config: AutoSyncConfig, on_event: EventSink, control: Pauses) {
    let mut store: Option<Store> = None;
    let mut failures = 0u32;
    let mut last_round: Option<Instant> = None;
    loop {
        let wait = match tick(&config, &on_event, &mut store, &mut last_round) {
            Tick::Idle => {
                failures = 0;
                config.check_every
            }
            Tick::Unreachable => {
                failures = failures.saturating_add(1);
                let wait = backoff(failures, config.first_backoff, config.max_backoff);
                on_event(SyncEvent::Unreachable {
                    retry_in_secs: wait.as_secs(),
                });
                wait
            }
            // The round's own Failed event was sent.
            Tick::Failed { permanent } => {
                failures = failures.saturating_add(1);
                if permanent {
                    config.max_backoff
                } else {
                    backoff(failures, config.first_backoff, config.max_backoff)
                }
            }
        };
        if !control.pause(wait) {
            return;
        }
    }
}

enum Tick {
    Idle,
    Unreachable,
    Failed { permanent: bool },
}

fn tick(
    config: &AutoSyncConfig,
    on_event: &EventSink,
    store: &mut Option<Store>,
    last_round: &mut Option<Instant>,
) -> Tick {
    if store.is_none() {
        match config.db.open() {
            Ok(s) => *store = Some(s),
            Err(_) => return Tick::Failed { permanent: false },
        }
    }
    let Some(s) = store.as_mut() else {
        return Tick::Failed { permanent: false };
    };
    let Ok(Some(enrollment)) = s.enrollment() else {
        // Not enrolled: nothing to do until the doctor enrolls.
        return Tick::Idle;
    };
    let pending = s.pending_count().unwrap_or(0);
    let due = last_round.is_none_or(|t| t.elapsed() >= config.pull_every);
    if pending == 0 && !due {
        return Tick::Idle;
    }
    if !reachable(&enrollment.server_url, config.probe_timeout) {
        return Tick::Unreachable;
    }
    // "Sync now" is running: it does the work.
    if gate(s.device_id()).try_lock().is_err() {
        return Tick::Idle;
    }
    let sink = on_event.clone();
    match run_round(s, config.lang, Utc::now(), SyncTrigger::Auto, &move |e| {
        sink(e)
    }) {
        Ok(_) => {
            *last_round = Some(Instant::now());
            Tick::Idle
        }
        Err(e) => Tick::Failed {
            permanent: matches!(
                e.code.as_str(),
                "token_revoked" | "token_other_device" | "not_enrolled" | "sync_protocol"
            ),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_stays_bounded() {
        let first = Duration::from_secs(15);
        let max = Duration::from_secs(600);
        let waits: Vec<u64> = (0..8).map(|n| backoff(n, first, max).as_secs()).collect();
        assert_eq!(waits, vec![0, 15, 30, 60, 120, 240, 480, 600]);
        assert_eq!(backoff(200, first, max), max, "no overflow");
    }

    #[test]
    fn an_unparsable_or_closed_address_is_unreachable() {
        assert!(!reachable("not a url", Duration::from_millis(200)));
        let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = closed.local_addr().unwrap().port();
        assert!(reachable(
            &format!("http://127.0.0.1:{port}"),
            Duration::from_millis(500)
        ));
        drop(closed);
        assert!(!reachable(
            &format!("http://127.0.0.1:{port}/"),
            Duration::from_millis(500)
        ));
    }
}
