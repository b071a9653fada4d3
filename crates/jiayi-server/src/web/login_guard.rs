//! What keeps logins from taking the server down: at most a few password checks (Argon2id,
//! 19 MiB each) run at once, a login that finds them all busy waits briefly and is then
//! answered "busy", and each client address has a budget of failed logins per window.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// How logins are bounded (beside the per-user lockout of `LoginPolicy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginLimits {
    /// Password checks that run at once.
    pub concurrent_checks: usize,
    /// How long a login waits for a check to free before it is answered "busy".
    pub busy_wait: Duration,
    /// Failed logins (and logins under way) one address may have in a window.
    pub per_address: u32,
    pub address_window: Duration,
}

impl Default for LoginLimits {
    fn default() -> Self {
        LoginLimits {
            concurrent_checks: 4,
            busy_wait: Duration::from_secs(2),
            per_address: 30,
            address_window: Duration::from_secs(10 * 60),
        }
    }
}

/// Why a login was turned away before its password was checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TurnedAway {
    /// Every check slot stayed taken for the whole wait.
    Busy,
    /// The address used up its failed logins for the window.
    TooMany,
}

struct Window {
    start: Instant,
    used: u32,
}

/// The server's login bounds, shared by every request.
pub struct LoginGuard {
    limits: LoginLimits,
    slots: std::sync::Arc<Semaphore>,
    running: AtomicUsize,
    peak: AtomicUsize,
    checks: AtomicUsize,
    addresses: Mutex<HashMap<IpAddr, Window>>,
}

/// A login admitted: its address's budget is held until it ends, and its check slot.
pub struct Admitted {
    address: Option<IpAddr>,
    _slot: OwnedSemaphorePermit,
}

impl LoginGuard {
    pub fn new(limits: LoginLimits) -> LoginGuard {
        LoginGuard {
            limits,
            slots: std::sync::Arc::new(Semaphore::new(limits.concurrent_checks.max(1))),
            running: AtomicUsize::new(0),
            peak: AtomicUsize::new(0),
            checks: AtomicUsize::new(0),
            addresses: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one of the address's attempts, then a check slot (waiting up to `busy_wait`).
    pub async fn admit(&self, address: Option<IpAddr>) -> Result<Admitted, TurnedAway> {
        if let Some(ip) = address {
            let mut map = self.addresses.lock().unwrap_or_else(|e| e.into_inner());
            let now = Instant::now();
            map.retain(|_, w| now.duration_since(w.start) < self.limits.address_window);
            let window = map.entry(ip).or_insert(Window {
                start: now,
                used: 0,
            });
            if window.used >= self.limits.per_address {
                return Err(TurnedAway::TooMany);
            }
            window.used += 1;
        }
        let slot = tokio::time::timeout(self.limits.busy_wait, self.slots.clone().acquire_owned())
            .await
            .ok()
            .and_then(Result::ok);
        match slot {
            Some(slot) => Ok(Admitted {
                address,
                _slot: slot,
            }),
            None => {
                self.give_back(address);
                Err(TurnedAway::Busy)
            }
        }
    }

    /// Ends an admitted login; a successful one gives its attempt back to the address.
    pub fn finish(&self, admitted: Admitted, succeeded: bool) {
        if succeeded {
            self.give_back(admitted.address);
        }
    }

    fn give_back(&self, address: Option<IpAddr>) {
        if let Some(ip) = address {
            let mut map = self.addresses.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(w) = map.get_mut(&ip) {
                w.used = w.used.saturating_sub(1);
            }
        }
    }

    /// Runs one password check, counted.
    pub fn check<T>(&self, f: impl FnOnce() -> T) -> T {
        let now = self.running.fetch_add(1, Ordering::SeqCst) + 1;
        self.peak.fetch_max(now, Ordering::SeqCst);
        self.checks.fetch_add(1, Ordering::SeqCst);
        let out = f();
        self.running.fetch_sub(1, Ordering::SeqCst);
        out
    }

    /// The most password checks that ran at once so far.
    pub fn peak_checks(&self) -> usize {
        self.peak.load(Ordering::SeqCst)
    }

    /// Password checks run so far (dummy checks for unknown and locked users included).
    pub fn checks(&self) -> usize {
        self.checks.load(Ordering::SeqCst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_address_runs_out_of_failed_logins_and_a_success_gives_one_back() {
        let guard = LoginGuard::new(LoginLimits {
            per_address: 2,
            ..LoginLimits::default()
        });
        let ip: Option<IpAddr> = Some([127, 0, 0, 1].into());
        let first = guard.admit(ip).await.unwrap();
        guard.finish(first, false);
        let second = guard.admit(ip).await.unwrap();
        assert_eq!(guard.admit(ip).await.err(), Some(TurnedAway::TooMany));
        guard.finish(second, true);
        assert!(
            guard.admit(ip).await.is_ok(),
            "the success gave its attempt back"
        );
        assert!(guard.admit(Some([127, 0, 0, 2].into())).await.is_ok());
    }

    #[tokio::test]
    async fn a_login_waits_for_a_slot_then_is_busy() {
        let guard = LoginGuard::new(LoginLimits {
            concurrent_checks: 1,
            busy_wait: Duration::from_millis(50),
            ..LoginLimits::default()
        });
        let held = guard.admit(None).await.unwrap();
        assert_eq!(guard.admit(None).await.err(), Some(TurnedAway::Busy));
        guard.finish(held, false);
        assert!(guard.admit(None).await.is_ok());
    }
}
