//! What the commands share: the data folder, the open store, the language, the drafts.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use jiayi_core::Lang;

use crate::commands::{self, Backend};
use crate::drafts::Drafts;
use crate::error::{Result, ShellError};
use crate::options::Options;

pub struct AppState {
    pub data_dir: PathBuf,
    pub options: Options,
    pub drafts: Drafts,
    lang: Mutex<Lang>,
    backend: Mutex<Option<Backend>>,
    started: Instant,
    ready: AtomicBool,
}

impl AppState {
    /// Opens the store in `data_dir` when there is one. A first start with `--demo` creates the
    /// demo township; without it the UI offers the choice.
    pub fn open(data_dir: PathBuf, options: Options, started: Instant) -> Result<AppState> {
        std::fs::create_dir_all(&data_dir).map_err(|e| ShellError::io(&data_dir, e))?;
        let db = data_dir.join(crate::DATABASE_FILE);
        let backend = if db.exists() {
            Some(commands::open_backend(&db, &data_dir)?)
        } else if options.demo {
            Some(commands::create_backend(&db, &data_dir, true)?)
        } else {
            None
        };
        Ok(AppState {
            drafts: Drafts::new(data_dir.join("drafts")),
            data_dir,
            options,
            lang: Mutex::new(Lang::Zh),
            backend: Mutex::new(backend),
            started,
            ready: AtomicBool::new(false),
        })
    }

    pub fn database(&self) -> PathBuf {
        self.data_dir.join(crate::DATABASE_FILE)
    }

    pub fn prints_dir(&self) -> PathBuf {
        self.data_dir.join("prints")
    }

    pub fn lang(&self) -> Lang {
        *self.lang.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn set_lang(&self, lang: Lang) {
        *self.lang.lock().unwrap_or_else(|p| p.into_inner()) = lang;
    }

    pub fn is_set_up(&self) -> bool {
        self.backend.lock().unwrap_or_else(|p| p.into_inner()).is_some()
    }

    /// Creates the store on a first start; a second call keeps the existing one.
    pub fn set_up(&self, demo: bool) -> Result<()> {
        let mut slot = self.backend.lock().unwrap_or_else(|p| p.into_inner());
        if slot.is_none() {
            *slot = Some(commands::create_backend(&self.database(), &self.data_dir, demo)?);
        }
        Ok(())
    }

    /// Runs `f` with the open store, or fails with "not set up".
    pub fn with<T, E>(&self, f: impl FnOnce(&mut Backend) -> std::result::Result<T, E>) -> std::result::Result<T, E>
    where
        E: From<ShellError>,
    {
        let mut slot = self.backend.lock().unwrap_or_else(|p| p.into_inner());
        match slot.as_mut() {
            Some(backend) => f(backend),
            None => Err(ShellError::NotSetUp.into()),
        }
    }

    /// Notes the first time the UI reports the work list interactive; returns milliseconds since
    /// the process started, only the first time.
    pub fn mark_ready(&self) -> Option<u128> {
        if self.ready.swap(true, Ordering::SeqCst) {
            None
        } else {
            Some(self.started.elapsed().as_millis())
        }
    }
}

/// True when `path` lies inside `dir` (after resolving both), so the viewer only ever opens
/// files the app itself wrote.
pub fn is_inside(path: &Path, dir: &Path) -> bool {
    match (path.canonicalize(), dir.canonicalize()) {
        (Ok(p), Ok(d)) => p.starts_with(d),
        _ => false,
    }
}
