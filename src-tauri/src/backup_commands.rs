//! The backup panel's and the restore screen's commands: adapters over `jiayi-api`'s backup
//! operations. Backups run on their own connection off the async runtime, so the window and
//! every other command keep going meanwhile.

use std::path::{Path, PathBuf};

use chrono::Utc;
use jiayi_api::{
    ApiError, ApiResult, BackupOutcome, BackupStatus, BackupView, RemovableDrive, RestoreRequest,
    UsbOutcome,
};
use jiayi_core::Lang;
use jiayi_store::{DbFile, Store};
use tauri::{AppHandle, Manager, State};

use crate::events::sync_events;
use crate::state::AppState;

type Reply<T> = Result<T, ApiError>;

fn interrupted(lang: Lang) -> ApiError {
    ApiError::new(
        "interrupted",
        "操作被中断，请重试",
        "the operation was interrupted; try again",
    )
    .localised(lang)
}

/// Runs `work` on a connection of its own to the open store, off the async runtime.
async fn on_own_connection<T: Send + 'static>(
    state: &AppState,
    work: impl FnOnce(&mut Store, &DbFile, Lang) -> ApiResult<T> + Send + 'static,
) -> Reply<T> {
    let lang = state.lang();
    let db = state.db_file().map_err(|e| e.into_api(lang))?;
    tauri::async_runtime::spawn_blocking(move || {
        let mut store = db.open().map_err(|e| ApiError::from_store(e, lang))?;
        work(&mut store, &db, lang)
    })
    .await
    .map_err(|_| interrupted(lang))?
}

#[tauri::command]
pub async fn backup_status(state: State<'_, AppState>) -> Reply<BackupStatus> {
    let database = state.database();
    state.api(|api| jiayi_api::backup_status(api.store(), &database, api.lang()))
}

#[tauri::command]
pub async fn back_up_now(state: State<'_, AppState>) -> Reply<BackupOutcome> {
    on_own_connection(&state, |store, db, lang| {
        jiayi_api::back_up_now(store, db, Utc::now(), lang)
    })
    .await
}

#[tauri::command]
pub async fn removable_drives() -> Reply<Vec<RemovableDrive>> {
    Ok(jiayi_api::removable_drives())
}

/// A fresh backup written into `folder` (a USB stick) and read back.
#[tauri::command]
pub async fn backup_to_folder(state: State<'_, AppState>, folder: String) -> Reply<UsbOutcome> {
    on_own_connection(&state, move |store, db, lang| {
        jiayi_api::write_to_folder(store, db, Path::new(folder.trim()), Utc::now(), lang)
    })
    .await
}

/// Backups the restore screen offers: on removable drives, then in this laptop's folder.
#[tauri::command]
pub async fn find_backups(state: State<'_, AppState>) -> Reply<Vec<BackupView>> {
    let local = jiayi_api::backups_dir(&state.database());
    let lang = state.lang();
    tauri::async_runtime::spawn_blocking(move || {
        let mut found = jiayi_api::backups_on_drives();
        found.extend(jiayi_api::list_backups(&local));
        found
    })
    .await
    .map_err(|_| interrupted(lang))
}

/// Reads a backup through and checks it, before the passphrase is asked for.
#[tauri::command]
pub async fn inspect_backup(state: State<'_, AppState>, file: String) -> Reply<BackupView> {
    let lang = state.lang();
    let file = PathBuf::from(file.trim());
    tauri::async_runtime::spawn_blocking(move || jiayi_api::inspect_backup(&file, lang))
        .await
        .map_err(|_| interrupted(lang))?
}

/// Restores a backup as this laptop's store, then opens it as unlocked.
#[tauri::command]
pub async fn restore_from_backup(app: AppHandle, request: RestoreRequest) -> Reply<BackupView> {
    let lang = app.state::<AppState>().lang();
    tauri::async_runtime::spawn_blocking(move || {
        let state = app.state::<AppState>();
        let restored = state
            .restore_backup(&request)
            .map_err(|e| e.into_api(state.lang()));
        if state.is_unlocked() {
            state.start_autosync(sync_events(&app));
            state.start_autobackup();
        }
        restored
    })
    .await
    .map_err(|_| interrupted(lang))?
}
