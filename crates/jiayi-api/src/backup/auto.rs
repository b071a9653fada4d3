//! Automatic backups: a plain thread with its own connection that makes one backup when the
//! store is unlocked and another whenever [`super::AUTO_EVERY_CHANGES`] changes have been
//! written since. It only reads the store (besides noting the outcome), so the doctor's work
//! never waits for it; a failure is noted for the sync screen and tried again later.

use std::time::Duration;

use chrono::Utc;
use jiayi_core::Lang;
use jiayi_store::DbFile;

use super::{back_up_now, backup_due};
use crate::background::{Background, Pauses};

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

/// The running automatic backups. Dropping it stops them (a backup in flight finishes).
pub struct AutoBackup {
    runner: Background,
}

impl AutoBackup {
    pub fn start(config: AutoBackupConfig) -> std::io::Result<AutoBackup> {
        let runner = Background::spawn("jiayi-backup", move |pauses| run(config, pauses))?;
        Ok(AutoBackup { runner })
    }

    /// Looks at the outbox now rather than at the next tick.
    pub fn wake(&self) {
        self.runner.wake();
    }

    pub fn stop(self) {
        self.runner.stop();
    }
}

fn run(config: AutoBackupConfig, control: Pauses) {
    if !control.pause(config.first_after) {
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
    while control.pause(wait) {
        wait = config.check_every;
        if backup_due(&store, config.lang).unwrap_or(false)
            && back_up_now(&mut store, &config.db, Utc::now(), config.lang).is_err()
        {
            wait = config.retry_after;
        }
    }
}
