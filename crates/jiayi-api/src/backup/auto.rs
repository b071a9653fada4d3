//! Automatic backups: a plain thread with its own connection that makes one backup when the
//! store is unlocked and another whenever [`super::AUTO_EVERY_CHANGES`] changes have been
//! written since. It only reads the store (besides noting the outcome), so the doctor's work
//! never waits for it; a failure is noted for the sync screen and tried again later.

use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use chrono::Utc;
use jiayi_core::Lang;
use jiayi_store::DbFile;

use super::{back_up_now, backup_due};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AutoBackupConfig {
    pub db: DbFile,
    pub lang: Lang,
    /// Wait before the first backup (the unlock's).
    pub first_after: Duration,
    /// Pause between looks at the outbox.
    pub check_every: Duration,
    /// Wait after a failed backup before the next try.
    pub retry_after: Duration,
}

impl AutoBackupConfig {
    pub fn new(db: DbFile, lang: Lang) -> AutoBackupConfig {
        AutoBackupConfig {
            db,
            lang,
            first_after: Duration::ZERO,
            check_every: Duration::from_secs(20),
            retry_after: Duration::from_secs(5 * 60),
        }
    }
}

#[derive(Default)]
struct Control {
    stop: bool,
    wake: bool,
}

type Shared = Arc<(Mutex<Control>, Condvar)>;

/// The running automatic backups. Dropping it stops them (a backup in flight finishes).
pub struct AutoBackup {
    control: Shared,
    thread: Option<JoinHandle<()>>,
}

impl AutoBackup {
    pub fn start(config: AutoBackupConfig) -> std::io::Result<AutoBackup> {
        let control: Shared = Arc::default();
        let shared = control.clone();
        let thread = std::thread::Builder::new()
            .name("jiayi-backup".into())
            .spawn(move || run(config, shared))?;
        Ok(AutoBackup {
            control,
            thread: Some(thread),
        })
    }

    /// Looks at the outbox now rather than at the next tick.
    pub fn wake(&self) {
        let (lock, cv) = &*self.control;
        lock.lock().unwrap_or_else(|p| p.into_inner()).wake = true;
        cv.notify_all();
    }

    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        let (lock, cv) = &*self.control;
        lock.lock().unwrap_or_else(|p| p.into_inner()).stop = true;
        cv.notify_all();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for AutoBackup {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// Waits up to `d`; false when asked to stop.
fn pause(control: &Shared, d: Duration) -> bool {
    let (lock, cv) = &**control;
    let deadline = Instant::now() + d;
    let mut c = lock.lock().unwrap_or_else(|p| p.into_inner());
    loop {
        if c.stop {
            return false;
        }
        if c.wake {
            c.wake = false;
            return true;
        }
        let now = Instant::now();
        if now >= deadline {
            return true;
        }
        c = cv
            .wait_timeout(c, deadline - now)
            .unwrap_or_else(|p| p.into_inner())
            .0;
    }
}

fn run(config: AutoBackupConfig, control: Shared) {
    if !pause(&control, config.first_after) {
        return;
    }
    let Ok(mut store) = config.db.open() else {
        return;
    };
    // The unlock's backup.
    let mut wait = match back_up_now(&mut store, &config.db, Utc::now(), config.lang) {
        Ok(_) => config.check_every,
        Err(_) => config.retry_after,
    };
    while pause(&control, wait) {
        wait = config.check_every;
        if backup_due(&store, config.lang).unwrap_or(false)
            && back_up_now(&mut store, &config.db, Utc::now(), config.lang).is_err()
        {
            wait = config.retry_after;
        }
    }
}
