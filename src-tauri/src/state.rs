//! What the commands share: the data folder, the open API over the local store, the language.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use chrono::Utc;
use jiayi_api::{
    Api, ApiError, ApiResult, AutoBackup, AutoBackupConfig, AutoSync, AutoSyncConfig, BackupView,
    EventSink, ImportRequest, RestoreRequest, VaultState, VaultStatus, change_passphrase,
    create_vault, open_vault, protect_plain_vault, restore_backup, vault_status,
};
use jiayi_core::Lang;
use jiayi_store::DbFile;

use crate::chosen_files::ChosenFiles;
use crate::error::{Result, ShellError};
use crate::options::Options;

pub struct AppState {
    pub data_dir: PathBuf,
    pub options: Options,
    lang: Mutex<Lang>,
    /// The open store: None until the passphrase unlocks it, and again once the app locks.
    /// Shared with the thread that reads the work list ahead after an unlock.
    api: Arc<Mutex<Option<Api>>>,
    /// A second connection for search as you type: a keystroke never waits behind a long
    /// command (the work list, a report, an import) holding the main one. WAL lets it read
    /// while the main connection writes. Shared with the thread that warms it once the work
    /// list is read.
    reader: Arc<Mutex<Option<Api>>>,
    /// A third connection for the indicators (reports, drill-downs, workbooks), opened when the
    /// first of them is asked for. It keeps the indicator dataset between reports; a doctor who
    /// never opens a report never holds the whole township in memory.
    reports: Mutex<Option<Api>>,
    /// The database and its key while unlocked, for connections of their own ("Sync now").
    db: Mutex<Option<DbFile>>,
    /// Whether the store is open, answered without the main connection: the work list read
    /// ahead holds that for a while after an unlock, and the lock screen must not wait for it.
    unlocked: AtomicBool,
    started: Instant,
    ready: AtomicBool,
    lock_screen_seen: AtomicBool,
    /// When the passphrase arrived, for timing unlock to work list.
    unlock_started: Mutex<Option<Instant>>,
    /// Syncs by itself whenever the township server is reachable; runs only while unlocked.
    autosync: Mutex<Option<AutoSync>>,
    /// Backs the store up a while after the unlock and every few dozen changes.
    autobackup: Mutex<Option<AutoBackup>>,
    /// The unlock with a passphrase given at start, running beside the window's start.
    startup: Mutex<Option<std::thread::JoinHandle<()>>>,
    /// The version this app runs (its package's), reported at sync so the township offers a
    /// newer one.
    app_version: Mutex<String>,
    /// The files the user picked for import, as kept in `imports/`: the only ones read.
    chosen: ChosenFiles,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic in one command must not lock every later one out: the store itself is
    // transactional, so the guard of a poisoned lock is still safe to use.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl AppState {
    /// The state of a starting app: the store stays locked until the passphrase is given, by
    /// the lock screen or, for automation, to [`AppState::start_with_passphrase`].
    pub fn open(data_dir: PathBuf, options: Options, started: Instant) -> Result<AppState> {
        jiayi_store::platform::create_private_dir(&data_dir)
            .map_err(|e| ShellError::io(&data_dir, e))?;
        Ok(AppState {
            data_dir,
            options,
            lang: Mutex::new(Lang::Zh),
            api: Arc::new(Mutex::new(None)),
            reader: Arc::new(Mutex::new(None)),
            reports: Mutex::new(None),
            db: Mutex::new(None),
            unlocked: AtomicBool::new(false),
            started,
            ready: AtomicBool::new(false),
            lock_screen_seen: AtomicBool::new(false),
            unlock_started: Mutex::new(None),
            autosync: Mutex::new(None),
            autobackup: Mutex::new(None),
            startup: Mutex::new(None),
            app_version: Mutex::new(env!("CARGO_PKG_VERSION").to_string()),
            chosen: ChosenFiles::default(),
        })
    }

    /// A passphrase given at start (standard input): creates, encrypts or unlocks the store,
    /// whichever the data folder needs.
    pub fn start_with_passphrase(&self, passphrase: &str) -> Result<()> {
        match self.vault_status()?.state {
            VaultState::New => self.create_store(passphrase, passphrase, self.options.demo),
            VaultState::Plain => self.protect_store(passphrase, passphrase),
            VaultState::Encrypted => self.unlock(passphrase).map(|notice| {
                if let Some(notice) = notice {
                    eprintln!("{notice}");
                }
            }),
        }
    }

    /// Keeps the thread that unlocks with a passphrase given at start, while the window opens.
    pub fn set_startup(&self, thread: std::thread::JoinHandle<()>) {
        *lock(&self.startup) = Some(thread);
    }

    /// Waits for that unlock to end (the lock screen must not ask for what is being unlocked).
    pub fn wait_for_startup(&self) {
        let thread = lock(&self.startup).take();
        if let Some(thread) = thread {
            let _ = thread.join();
        }
    }

    pub fn database(&self) -> PathBuf {
        self.data_dir.join(crate::DATABASE_FILE)
    }

    pub fn vault_status(&self) -> Result<VaultStatus> {
        Ok(vault_status(&self.database(), Utc::now(), self.lang())?)
    }

    /// First start: the passphrase, then the demo township or an empty store.
    pub fn create_store(&self, passphrase: &str, confirmation: &str, demo: bool) -> Result<()> {
        let db = create_vault(&self.database(), passphrase, confirmation, self.lang())?;
        let api = open_api(&db, self.lang(), demo)?;
        self.opened(api, db);
        Ok(())
    }

    /// A store from before encryption: encrypted in place under the new passphrase.
    pub fn protect_store(&self, passphrase: &str, confirmation: &str) -> Result<()> {
        let db = protect_plain_vault(&self.database(), passphrase, confirmation, self.lang())?;
        let api = Api::open_file(&db, self.lang())?;
        self.opened(api, db);
        Ok(())
    }

    /// The lock screen's passphrase. Once unlocked, another unlock changes nothing. Returns
    /// what the doctor must be told (a change of passphrase cut off earlier was finished).
    pub fn unlock(&self, passphrase: &str) -> Result<Option<String>> {
        if self.is_unlocked() {
            return Ok(None);
        }
        let started = Instant::now();
        *lock(&self.unlock_started) = Some(started);
        let unlocked = open_vault(&self.database(), passphrase, Utc::now(), self.lang())?;
        let derived = unlocked.key_after;
        let opened = started.elapsed();
        let notice = unlocked.notice.clone();
        self.opened(unlocked.api, unlocked.db);
        // Timings only: where an unlock's time goes (start-up measurements read this line).
        eprintln!(
            "unlock: key derived after {} ms, store open after {} ms, connections ready after {} ms",
            derived.as_millis(),
            opened.as_millis(),
            started.elapsed().as_millis()
        );
        Ok(notice)
    }

    /// Changes the passphrase: every connection is closed first (the store is re-encrypted into
    /// a new file), then the store reopens under the new key. On a refusal the store reopens
    /// under the key it had, which still opens it.
    pub fn change_passphrase(&self, old: &str, new: &str, confirmation: &str) -> Result<()> {
        let db = self.db_file()?;
        self.lock();
        match change_passphrase(
            &self.database(),
            old,
            new,
            confirmation,
            Utc::now(),
            self.lang(),
        ) {
            Ok(changed) => {
                let api = Api::open_file(&changed.db, self.lang())?;
                self.opened(api, changed.db);
                Ok(())
            }
            Err(refused) => {
                if let Ok(api) = Api::open_file(&db, self.lang()) {
                    self.opened(api, db);
                }
                Err(refused.into())
            }
        }
    }

    /// The version the app's package carries (the bundle's, which a release may set apart
    /// from the crate's).
    pub fn set_app_version(&self, version: &str) {
        *lock(&self.app_version) = version.to_string();
    }

    fn opened(&self, mut api: Api, db: DbFile) {
        if let Err(e) = api.store().set_cache_kib(MAIN_CACHE_KIB) {
            eprintln!("the store keeps its default page cache: {e}");
        }
        let version = lock(&self.app_version).clone();
        if let Err(e) = api.set_app_release(&version, &jiayi_api::updates::this_platform()) {
            // Only the update offer depends on it: the app works on without.
            eprintln!("could not note the app's version: {e}");
        }
        // Without its own connection search still works, on the main one.
        let reader = Api::open_file(&db, self.lang()).ok();
        if let Some(reader) = &reader {
            // Search reads the search keys and the residents, not the whole file.
            let _ = reader.store().set_cache_kib(SEARCH_CACHE_KIB);
        }
        self.clean_prints();
        *lock(&self.api) = Some(api);
        self.unlocked.store(true, Ordering::SeqCst);
        *lock(&self.reader) = reader;
        *lock(&self.reports) = None;
        *lock(&self.db) = Some(db);
        self.prepare_work_list();
    }

    /// The work list is the first thing shown after an unlock and the longest to read: it is
    /// read now, while the window mounts its screens, and the screen's request finds it read.
    /// Search's pages are warmed after it, not before: on two cores they would compete, and
    /// nobody searches before the list is on screen.
    fn prepare_work_list(&self) {
        let (main, reader) = (Arc::clone(&self.api), Arc::clone(&self.reader));
        let spawned = std::thread::Builder::new()
            .name("work-list".into())
            .spawn(move || {
                if let Some(api) = lock(&main).as_ref()
                    && let Err(e) = api.prepare_work_list()
                {
                    eprintln!("the work list could not be read ahead: {e}");
                }
                if let Some(reader) = lock(&reader).as_ref() {
                    reader.warm_search();
                }
            });
        if let Err(e) = spawned {
            eprintln!("the work list is not read ahead: {e}");
        }
    }

    /// Idle or on request: the store is closed, the key wiped from memory and background sync
    /// stopped. The UI keeps the open form; the next unlock carries on with it.
    pub fn lock(&self) {
        self.unlocked.store(false, Ordering::SeqCst);
        if let Some(runner) = lock(&self.autosync).take() {
            runner.stop();
        }
        if let Some(runner) = lock(&self.autobackup).take() {
            runner.stop();
        }
        *lock(&self.db) = None;
        *lock(&self.reader) = None;
        *lock(&self.reports) = None;
        *lock(&self.api) = None;
    }

    pub fn is_unlocked(&self) -> bool {
        self.unlocked.load(Ordering::SeqCst)
    }

    /// The database and its key, for a connection of its own; fails while locked.
    pub fn db_file(&self) -> Result<DbFile> {
        lock(&self.db).clone().ok_or_else(|| self.locked_error())
    }

    fn locked_error(&self) -> ShellError {
        if self.database().exists() {
            ShellError::Locked
        } else {
            ShellError::NotSetUp
        }
    }

    /// Starts the background sync while the store is open; `events` receives what its rounds
    /// do. An unenrolled device's runner only waits.
    pub fn start_autosync(&self, events: EventSink) {
        let mut slot = lock(&self.autosync);
        if slot.is_some() {
            return;
        }
        let Ok(db) = self.db_file() else {
            return;
        };
        match AutoSync::start(AutoSyncConfig::new(db, self.lang()), events) {
            Ok(runner) => *slot = Some(runner),
            // Sync now and bundles still work; the header shows the last sync time.
            Err(e) => eprintln!("background sync not started: {e}"),
        }
    }

    /// Starts the automatic backups while the store is open. The first comes a minute after
    /// the unlock, so it never competes with the way to the work list.
    pub fn start_autobackup(&self) {
        let mut slot = lock(&self.autobackup);
        if slot.is_some() {
            return;
        }
        let Ok(db) = self.db_file() else {
            return;
        };
        let config = AutoBackupConfig {
            first_after: std::time::Duration::from_secs(60),
            ..AutoBackupConfig::new(db, self.lang())
        };
        match AutoBackup::start(config) {
            Ok(runner) => *slot = Some(runner),
            // "Back up now" still works; the sync page shows no recent backup.
            Err(e) => eprintln!("automatic backups not started: {e}"),
        }
    }

    /// Restores a backup as this laptop's store and opens it: from the lock screen of a new
    /// install, or over the unlocked store (which is closed first and kept aside). A refusal
    /// leaves the store as it was; an unlocked one is opened again.
    pub fn restore_backup(&self, request: &RestoreRequest) -> Result<BackupView> {
        let current = lock(&self.db).clone();
        if current.is_some() {
            self.lock();
        }
        let restored = restore_backup(
            &self.database(),
            current.as_ref(),
            request,
            Utc::now(),
            self.lang(),
        );
        match restored {
            Ok(outcome) => {
                let api = Api::open_file(&outcome.unlocked.db, self.lang())?;
                self.opened(api, outcome.unlocked.db);
                Ok(outcome.backup)
            }
            Err(e) => {
                if let Some(db) = current {
                    let api = Api::open_file(&db, self.lang())?;
                    self.opened(api, db);
                }
                Err(e.into())
            }
        }
    }

    /// Asks the background sync to look now (after an enrollment, say).
    pub fn wake_autosync(&self) {
        if let Some(runner) = lock(&self.autosync).as_ref() {
            runner.wake();
        }
    }

    /// Printed documents (owner-only), kept [`jiayi_api::PRINTS_KEPT_DAYS`] days.
    pub fn prints_dir(&self) -> PathBuf {
        self.data_dir.join("prints")
    }

    /// At every unlock: the prints folder made private and files older than a week removed.
    fn clean_prints(&self) {
        let dir = self.prints_dir();
        let lang = self.lang();
        let cleaned = jiayi_api::prepare_prints_dir(&dir, lang)
            .and_then(|()| jiayi_api::clean_prints(&dir, std::time::SystemTime::now(), lang));
        if let Err(e) = cleaned {
            // Printing still works; the old files wait for the next unlock.
            eprintln!("printed files not cleaned: {e}");
        }
    }

    /// Excel workbooks the doctor exported (reports, rosters, the audit list).
    pub fn exports_dir(&self) -> PathBuf {
        self.data_dir.join("exports")
    }

    /// Rosters picked for import, kept so the preview and the import read the same file.
    pub fn imports_dir(&self) -> PathBuf {
        self.data_dir.join("imports")
    }

    /// Keeps the bytes of a roster the user picked (`name` as picked) in `imports/`; the path
    /// it is kept under is the only one a preview or an import may then name.
    pub fn stage_import(&self, name: &str, bytes: &[u8]) -> std::result::Result<PathBuf, ApiError> {
        let dir = self.imports_dir();
        let kept = self.api(|api| api.stage_import_file(name, bytes, &dir))?;
        self.chosen.remember(&kept);
        Ok(kept)
    }

    /// Refuses an import or preview naming a file the user did not pick in this app.
    pub fn check_import(&self, request: &ImportRequest) -> std::result::Result<(), ApiError> {
        self.chosen
            .check(request)
            .map_err(|e| e.into_api(self.lang()))
    }

    pub fn lang(&self) -> Lang {
        *lock(&self.lang)
    }

    pub fn set_lang(&self, lang: Lang) {
        *lock(&self.lang) = lang;
    }

    /// Runs `f` with the open API in the user's language, or fails with "locked" / "not set up".
    pub fn with<T>(&self, f: impl FnOnce(&mut Api) -> Result<T>) -> Result<T> {
        let lang = self.lang();
        let mut slot = lock(&self.api);
        let api = match slot.as_mut() {
            Some(api) => api,
            None => {
                drop(slot);
                return Err(self.locked_error());
            }
        };
        if api.lang() != lang {
            api.set_lang(lang);
        }
        f(api)
    }

    /// Search as you type, and the header's status, on the reader connection when there is one.
    pub fn search<T>(
        &self,
        f: impl FnOnce(&Api) -> ApiResult<T>,
    ) -> std::result::Result<T, ApiError> {
        self.on_side(&self.reader, f)
    }

    /// Reports, drill-downs and workbooks, on the reports connection (opened on first use while
    /// unlocked).
    pub fn reports<T>(
        &self,
        f: impl FnOnce(&Api) -> ApiResult<T>,
    ) -> std::result::Result<T, ApiError> {
        {
            let mut slot = lock(&self.reports);
            if slot.is_none()
                && let Some(db) = lock(&self.db).as_ref()
            {
                *slot = Api::open_file(db, self.lang()).ok();
                if let Some(reports) = slot.as_ref() {
                    // The dataset is read in one pass and then kept: pages cached besides it
                    // would be read again only by the next change.
                    let _ = reports.store().set_cache_kib(REPORTS_CACHE_KIB);
                }
            }
        }
        self.on_side(&self.reports, f)
    }

    /// `f` on a side connection, or on the main one when the side one could not be opened.
    fn on_side<T>(
        &self,
        side: &Mutex<Option<Api>>,
        f: impl FnOnce(&Api) -> ApiResult<T>,
    ) -> std::result::Result<T, ApiError> {
        let lang = self.lang();
        let mut slot = lock(side);
        match slot.as_mut() {
            Some(reader) => {
                if reader.lang() != lang {
                    reader.set_lang(lang);
                }
                f(reader).map_err(|e| ShellError::from(e).into_api(lang))
            }
            None => {
                drop(slot);
                self.api(f)
            }
        }
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

    /// Milliseconds from the passphrase to now, once per unlock.
    pub fn since_unlock(&self) -> Option<u128> {
        lock(&self.unlock_started)
            .take()
            .map(|t| t.elapsed().as_millis())
    }

    /// Milliseconds since the process started, the first time the UI asks what to show.
    pub fn mark_lock_screen(&self) -> Option<u128> {
        (!self.lock_screen_seen.swap(true, Ordering::SeqCst))
            .then(|| self.started.elapsed().as_millis())
    }

    /// Milliseconds since the process started, while the work list has not yet been shown.
    pub fn starting_for(&self) -> Option<u128> {
        (!self.ready.load(Ordering::SeqCst)).then(|| self.started.elapsed().as_millis())
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

/// Page cache of the main connection (KiB): the pages a household, a form or a visit reads. The
/// work list, which reads the most, is kept read until the next write (`Api::work_list_for`),
/// so it no longer needs its pages kept between reads: 16 MiB held 8 MiB more of the app's
/// memory and started the work list no sooner.
const MAIN_CACHE_KIB: u32 = 8 * 1024;

/// Page cache of the search connection (KiB): the search keys' index and the residents it
/// names, not the whole file.
const SEARCH_CACHE_KIB: u32 = 8 * 1024;

/// Page cache of the reports connection (KiB): it reads the dataset in one pass.
const REPORTS_CACHE_KIB: u32 = 2 * 1024;

/// Seed of the demo township: the same township on every machine, so training material matches.
const DEMO_SEED: u64 = 20_260_101;

/// Creates the store; with `demo`, fills it with the demo township as of today.
fn open_api(db: &DbFile, lang: Lang, demo: bool) -> Result<Api> {
    let mut api = Api::open_file(db, lang)?;
    if demo {
        let today = api.today();
        let summary =
            jiayi_demo::build_demo(&mut api, DEMO_SEED, jiayi_demo::DemoSize::FULL, today)?;
        eprintln!(
            "demo township: {} villages, {} households, {} residents, {} contracts, {} visits in {:.1} s",
            summary.villages,
            summary.households,
            summary.residents,
            summary.contracts,
            summary.visits,
            summary.seconds
        );
    }
    Ok(api)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PASSPHRASE: &str = "东庄村卫生室口令";

    fn fresh(dir: &tempfile::TempDir) -> AppState {
        AppState::open(dir.path().join("data"), Options::default(), Instant::now()).unwrap()
    }

    #[test]
    fn a_first_start_waits_for_a_passphrase_and_says_so() {
        let dir = tempfile::tempdir().unwrap();
        let state = fresh(&dir);
        assert!(!state.is_unlocked());
        assert_eq!(state.vault_status().unwrap().state, VaultState::New);
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
    fn a_locked_store_refuses_commands_and_unlocks_with_its_form_draft_intact() {
        let dir = tempfile::tempdir().unwrap();
        let state = fresh(&dir);
        state.create_store(PASSPHRASE, PASSPHRASE, false).unwrap();
        state
            .api_mut(|api| api.save_draft("register", r#"{"address":"东村"}"#))
            .unwrap();
        state.lock();
        assert!(state.db_file().is_err(), "the key left with the lock");
        let e = state.api(|api| api.status()).unwrap_err();
        assert_eq!(e.code, "locked");
        assert_eq!(e.message, "已锁定，请输入口令解锁");
        let wrong = state
            .unlock("东庄村卫生所口令")
            .unwrap_err()
            .into_api(Lang::Zh);
        assert_eq!(wrong.code, "wrong_passphrase");
        state.unlock(PASSPHRASE).unwrap();
        let draft = state.api(|api| api.draft("register")).unwrap();
        assert_eq!(draft.as_deref(), Some(r#"{"address":"东村"}"#));
        drop(state);

        let again = fresh(&dir);
        assert_eq!(again.vault_status().unwrap().state, VaultState::Encrypted);
        assert_eq!(again.api(|api| api.status()).unwrap_err().code, "locked");
        again.unlock(PASSPHRASE).unwrap();
        assert!(again.db_file().unwrap().key.is_some());
    }

    #[test]
    fn a_passphrase_given_at_start_unlocks_or_creates_the_store() {
        let dir = tempfile::tempdir().unwrap();
        let open = || {
            let state = fresh(&dir);
            state.start_with_passphrase(PASSPHRASE).map(|()| state)
        };
        assert!(open().unwrap().is_unlocked(), "created");
        assert!(open().unwrap().is_unlocked(), "unlocked");
    }

    #[test]
    fn an_import_reads_only_a_roster_the_user_picked_in_the_app() {
        let dir = tempfile::tempdir().unwrap();
        let state = fresh(&dir);
        state.create_store(PASSPHRASE, PASSPHRASE, false).unwrap();
        let elsewhere = dir.path().join("elsewhere.csv");
        std::fs::write(&elsewhere, "姓名,与户主关系\n张三,户主\n").unwrap();
        let named = ImportRequest {
            path: elsewhere.clone(),
            ..ImportRequest::default()
        };
        let refused = state.check_import(&named).unwrap_err();
        assert_eq!(refused.code, "file_not_chosen");
        assert_eq!(
            refused.message,
            "只能导入在本应用中选择的文件，请重新选择文件"
        );

        let kept = state
            .stage_import("花名册.csv", &std::fs::read(&elsewhere).unwrap())
            .unwrap();
        assert!(kept.starts_with(state.imports_dir()));
        let picked = ImportRequest {
            path: kept,
            ..ImportRequest::default()
        };
        state.check_import(&picked).unwrap();
        assert!(
            state.check_import(&named).is_err(),
            "the same bytes elsewhere are still refused"
        );
    }

    /// Runs `ask` while another thread holds the main connection, and returns its answer, or
    /// `None` when it did not come within 30 s (it waited for the main connection).
    fn answer_while_main_is_held<T: Send>(
        state: &AppState,
        ask: impl FnOnce(&AppState) -> T + Send,
    ) -> Option<T> {
        let (held_tx, held_rx) = std::sync::mpsc::channel();
        let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
        let (answer_tx, answer_rx) = std::sync::mpsc::channel();
        std::thread::scope(|scope| {
            scope.spawn(move || {
                state
                    .with(|_| {
                        held_tx.send(()).unwrap();
                        // Bounded: released below, or a minute passes.
                        let _ = release_rx.recv_timeout(std::time::Duration::from_secs(60));
                        Ok(())
                    })
                    .unwrap();
            });
            held_rx.recv().unwrap();
            scope.spawn(move || answer_tx.send(ask(state)).unwrap());
            let answer = answer_rx.recv_timeout(std::time::Duration::from_secs(30));
            release_tx.send(()).unwrap();
            answer.ok()
        })
    }

    #[test]
    fn search_answers_while_a_long_command_holds_the_main_connection() {
        let dir = tempfile::tempdir().unwrap();
        let state = fresh(&dir);
        state.create_store(PASSPHRASE, PASSPHRASE, false).unwrap();
        let search = |state: &AppState| state.search(|api| api.search("zh", 20)).map(|h| h.len());
        assert_eq!(
            answer_while_main_is_held(&state, search)
                .expect("search waited for the main connection"),
            Ok(0)
        );
        state.lock();
        assert_eq!(
            search(&state).unwrap_err().code,
            "locked",
            "the reader closes with the lock"
        );
    }

    #[test]
    fn reports_answer_on_their_own_connection_and_close_with_the_lock() {
        let dir = tempfile::tempdir().unwrap();
        let state = fresh(&dir);
        state.create_store(PASSPHRASE, PASSPHRASE, false).unwrap();
        let report = |state: &AppState| {
            state
                .reports(|api| api.report(&jiayi_api::ReportRequest::default()))
                .map(|r| r.rows.len())
        };
        assert_eq!(
            answer_while_main_is_held(&state, report)
                .expect("a report waited for the main connection"),
            Ok(0)
        );
        state.lock();
        assert_eq!(
            report(&state).unwrap_err().code,
            "locked",
            "the reports connection closes with the lock"
        );
    }

    #[test]
    fn a_new_install_restores_a_backup_and_a_refused_restore_keeps_the_store_open() {
        let dir = tempfile::tempdir().unwrap();
        let state = fresh(&dir);
        state.create_store(PASSPHRASE, PASSPHRASE, false).unwrap();
        let db = state.db_file().unwrap();
        let device = db.open().unwrap().device_id();
        let made =
            jiayi_api::back_up_now(&mut db.open().unwrap(), &db, Utc::now(), Lang::Zh).unwrap();
        let request = |passphrase: &str| RestoreRequest {
            file: made.backup.path.clone(),
            passphrase: passphrase.into(),
            back_up_current_first: false,
        };
        let wrong = state
            .restore_backup(&request("东庄村卫生所口令"))
            .unwrap_err()
            .into_api(Lang::Zh);
        assert_eq!(wrong.code, "wrong_passphrase");
        assert!(
            state.is_unlocked(),
            "the store it did not replace is open again"
        );

        let other = tempfile::tempdir().unwrap();
        let new_install = fresh(&other);
        assert_eq!(new_install.vault_status().unwrap().state, VaultState::New);
        let restored = new_install.restore_backup(&request(PASSPHRASE)).unwrap();
        assert_eq!(restored.device_id, device);
        assert!(new_install.is_unlocked());
        assert_eq!(
            new_install.api(|api| api.status()).unwrap().device_id,
            device
        );
    }

    #[test]
    fn start_up_is_reported_once() {
        let dir = tempfile::tempdir().unwrap();
        let state = fresh(&dir);
        assert!(state.mark_ready().is_some());
        assert!(state.mark_ready().is_none());
    }
}
