//! What the commands share: the data folder, the open API over the local store, the language.

use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use jiayi_api::{Api, ApiError, ApiResult, AutoSync, AutoSyncConfig, EventSink};
use jiayi_core::Lang;

use crate::commands;
use crate::error::{Result, ShellError};
use crate::options::Options;

pub struct AppState {
    pub data_dir: PathBuf,
    pub options: Options,
    lang: Mutex<Lang>,
    /// None until the first start chose demo or empty.
    api: Mutex<Option<Api>>,
    started: Instant,
    ready: AtomicBool,
    /// Syncs by itself whenever the township server is reachable; None until there is a store.
    autosync: Mutex<Option<AutoSync>>,
}

impl AppState {
    /// Opens the store in `data_dir` when there is one. A first start with `--demo` creates the
    /// demo township; without it the UI offers the choice.
    pub fn open(data_dir: PathBuf, options: Options, started: Instant) -> Result<AppState> {
        std::fs::create_dir_all(&data_dir).map_err(|e| ShellError::io(&data_dir, e))?;
        let db = data_dir.join(crate::DATABASE_FILE);
        let api = if db.exists() {
            Some(commands::open_backend(&db, Lang::Zh)?)
        } else if options.demo {
            Some(commands::create_backend(&db, Lang::Zh, true)?)
        } else {
            None
        };
        Ok(AppState {
            data_dir,
            options,
            lang: Mutex::new(Lang::Zh),
            api: Mutex::new(api),
            started,
            ready: AtomicBool::new(false),
            autosync: Mutex::new(None),
        })
    }

    pub fn database(&self) -> PathBuf {
        self.data_dir.join(crate::DATABASE_FILE)
    }

    /// Starts the background sync once there is a store; `events` receives what its rounds do.
    /// An unenrolled device's runner only waits.
    pub fn start_autosync(&self, events: EventSink) {
        let mut slot = self.autosync.lock().unwrap_or_else(|p| p.into_inner());
        if slot.is_some() || !self.is_set_up() {
            return;
        }
        match AutoSync::start(AutoSyncConfig::new(self.database(), self.lang()), events) {
            Ok(runner) => *slot = Some(runner),
            // Sync now and bundles still work; the header shows the last sync time.
            Err(e) => eprintln!("background sync not started: {e}"),
        }
    }

    /// Asks the background sync to look now (after an enrollment, say).
    pub fn wake_autosync(&self) {
        if let Some(runner) = self
            .autosync
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
        {
            runner.wake();
        }
    }

    pub fn prints_dir(&self) -> PathBuf {
        self.data_dir.join("prints")
    }

    /// Excel workbooks the doctor exported (reports, rosters, the audit list).
    pub fn exports_dir(&self) -> PathBuf {
        self.data_dir.join("exports")
    }

    /// Rosters picked for import, kept so the preview and the import read the same file.
    pub fn imports_dir(&self) -> PathBuf {
        self.data_dir.join("imports")
    }

    pub fn lang(&self) -> Lang {
        *self.lang.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn set_lang(&self, lang: Lang) {
        *self.lang.lock().unwrap_or_else(|p| p.into_inner()) = lang;
    }

    pub fn is_set_up(&self) -> bool {
        self.api.lock().unwrap_or_else(|p| p.into_inner()).is_some()
    }

    /// Creates the store on a first start; once there is one, it is kept.
    pub fn set_up(&self, demo: bool) -> Result<()> {
        let mut slot = self.api.lock().unwrap_or_else(|p| p.into_inner());
        if slot.is_none() {
            *slot = Some(commands::create_backend(
                &self.data_dir.join(crate::DATABASE_FILE),
                self.lang(),
                demo,
            )?);
        }
        Ok(())
    }

    /// Runs `f` with the open API in the user's language, or fails with "not set up".
    pub fn with<T>(&self, f: impl FnOnce(&mut Api) -> Result<T>) -> Result<T> {
        let lang = self.lang();
        // A panic in one command must not lock every later one out: the store itself is
        // transactional, so the guard of a poisoned lock is still safe to use.
        let mut slot = self.api.lock().unwrap_or_else(|p| p.into_inner());
        let api = slot.as_mut().ok_or(ShellError::NotSetUp)?;
        if api.lang() != lang {
            api.set_lang(lang);
        }
        f(api)
    }

    /// A read-only API operation, with its error as the UI gets it.
    pub fn api<T>(&self, f: impl FnOnce(&Api) -> ApiResult<T>) -> std::result::Result<T, ApiError> {
        self.with(|api| f(api).map_err(ShellError::from))
            .map_err(|e| e.into_api(self.lang()))
    }

    /// An API operation that writes, with its error as the UI gets it.
    pub fn api_mut<T>(
        &self,
        f: impl FnOnce(&mut Api) -> ApiResult<T>,
    ) -> std::result::Result<T, ApiError> {
        self.with(|api| f(api).map_err(ShellError::from))
            .map_err(|e| e.into_api(self.lang()))
    }

    /// Notes the first time the UI reports the work list interactive; returns milliseconds since
    /// the process started, only that first time.
    pub fn mark_ready(&self) -> Option<u128> {
        if self.ready.swap(true, Ordering::SeqCst) {
            None
        } else {
            Some(self.started.elapsed().as_millis())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn empty_state() -> (tempfile::TempDir, AppState) {
        let dir = tempfile::tempdir().unwrap();
        let state =
            AppState::open(dir.path().join("data"), Options::default(), Instant::now()).unwrap();
        (dir, state)
    }

    #[test]
    fn a_first_start_waits_for_the_choice_and_says_so() {
        let (_dir, state) = empty_state();
        assert!(
            !state.is_set_up(),
            "no database yet: the UI offers demo or empty"
        );
        let e = state.api(|api| api.status()).unwrap_err();
        assert_eq!(e.code, "not_set_up");
        assert_eq!(e.message, "本机数据库尚未建立");
        state.set_lang(Lang::En);
        let e = state.api(|api| api.status()).unwrap_err();
        assert_eq!(
            e.message, "the local database is not set up yet",
            "errors follow the chosen language"
        );
    }

    #[test]
    fn an_empty_store_opens_again_on_the_next_start() {
        let (dir, state) = empty_state();
        state.set_up(false).unwrap();
        state
            .api_mut(|api| api.save_draft("register", r#"{"address":"东村"}"#))
            .unwrap();
        drop(state);
        let again =
            AppState::open(dir.path().join("data"), Options::default(), Instant::now()).unwrap();
        assert!(again.is_set_up(), "the database file is found");
        let draft = again.api(|api| api.draft("register")).unwrap();
        assert_eq!(
            draft.as_deref(),
            Some(r#"{"address":"东村"}"#),
            "a draft survives a restart"
        );
    }

    #[test]
    fn start_up_is_reported_once() {
        let (_dir, state) = empty_state();
        assert!(state.mark_ready().is_some());
        assert!(state.mark_ready().is_none());
    }
}
