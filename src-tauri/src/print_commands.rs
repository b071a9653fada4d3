//! The print commands: adapters over `jiayi-api`'s printing. A document is made ready in the
//! data folder's `prints/`, handed to the system's printing (CUPS on Linux, the shell's print
//! verb on Windows), to the viewer, or to a folder the doctor chose, and recorded once handed
//! on. A printer or viewer that fails is reported with the file's path, so the window shows the
//! problem next to the button and offers the other way.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use jiayi_api::{
    ApiError, ApiResult, Document, HandedTo, PreparedPrint, PrintJob, PrintQueue, PrintSystem,
    Printer, QueueEntry, QueuedPrinted,
};
use jiayi_core::Lang;
use serde::Serialize;
use tauri::{AppHandle, State};
use tauri_plugin_opener::OpenerExt;
use uuid::Uuid;

use crate::state::AppState;

type Reply<T> = Result<T, ApiError>;

/// What became of one document: its file, and the print job, the viewer, or what went wrong.
#[derive(Serialize)]
pub struct PaperOutcome {
    path: String,
    /// The day after 补打 when it was printed before.
    reprint_on: Option<NaiveDate>,
    job: Option<PrintJob>,
    opened: bool,
    /// Why it did not reach the printer or the viewer; the file is there all the same.
    problem: Option<ApiError>,
}

impl PaperOutcome {
    fn of(prepared: &PreparedPrint) -> PaperOutcome {
        PaperOutcome {
            path: prepared.path.display().to_string(),
            reprint_on: prepared.reprint_on,
            job: None,
            opened: false,
            problem: None,
        }
    }
}

/// The printers the system knows, the default first; an error when there is no printing
/// service or no printer.
#[tauri::command]
pub async fn printers(state: State<'_, AppState>) -> Reply<Vec<Printer>> {
    PrintSystem::default().printers(state.lang())
}

/// Sends a contract's document to a printer (the default when none is named).
#[tauri::command]
pub async fn print_document(
    state: State<'_, AppState>,
    contract_id: Uuid,
    document: Document,
    printer: Option<String>,
) -> Reply<PaperOutcome> {
    let dir = state.prints_dir();
    let prepared = state.api(|api| api.prepare_document(contract_id, document, &dir))?;
    let mut outcome = PaperOutcome::of(&prepared);
    match send(&state, &prepared.path, printer.as_deref()) {
        Ok(job) => {
            state.api(|api| api.record_print(&prepared, HandedTo::Printer))?;
            outcome.job = Some(job);
        }
        Err(problem) => outcome.problem = Some(problem),
    }
    Ok(outcome)
}

/// Opens a contract's document in the system's PDF viewer.
#[tauri::command]
pub async fn open_document(
    state: State<'_, AppState>,
    app: AppHandle,
    contract_id: Uuid,
    document: Document,
) -> Reply<PaperOutcome> {
    let dir = state.prints_dir();
    let prepared = state.api(|api| api.prepare_document(contract_id, document, &dir))?;
    open_prepared(&state, &app, prepared)
}

/// Saves a contract's document into a folder the doctor chose, once warned that the file
/// holds names and ID numbers unencrypted.
#[tauri::command]
pub async fn save_document_as(
    state: State<'_, AppState>,
    contract_id: Uuid,
    document: Document,
    folder: String,
) -> Reply<String> {
    let folder = PathBuf::from(folder.trim());
    state
        .api(|api| api.save_document_as(contract_id, document, &folder))
        .map(|p| p.display().to_string())
}

/// An amendment's confirmation, opened in the viewer; a viewer that fails is the error.
#[tauri::command]
pub async fn print_amendment(
    state: State<'_, AppState>,
    app: AppHandle,
    amendment_id: Uuid,
) -> Reply<PaperOutcome> {
    let dir = state.prints_dir();
    let prepared = state.api(|api| api.prepare_amendment(amendment_id, &dir))?;
    let mut outcome = open_prepared(&state, &app, prepared)?;
    match outcome.problem.take() {
        Some(problem) => Err(problem),
        None => Ok(outcome),
    }
}

#[tauri::command]
pub async fn queue_print(
    state: State<'_, AppState>,
    contract_id: Uuid,
    document: Document,
) -> Reply<QueueEntry> {
    state.api(|api| api.queue_print(contract_id, document))
}

#[tauri::command]
pub async fn print_queue(state: State<'_, AppState>) -> Reply<PrintQueue> {
    state.api(|api| api.print_queue())
}

/// Sends one queued document to a printer; a failure comes back in the outcome and the
/// document stays queued.
#[tauri::command]
pub async fn print_queued(
    state: State<'_, AppState>,
    queue_id: Uuid,
    printer: Option<String>,
) -> Reply<QueuedPrinted> {
    let dir = state.prints_dir();
    let mut path = String::new();
    let printed = state.api(|api| {
        api.print_queued(queue_id, &dir, HandedTo::Printer, |p| {
            path = p.display().to_string();
            send(&state, p, printer.as_deref())
        })
    });
    Ok(match printed {
        Ok((_, job)) => QueuedPrinted {
            queue_id,
            path,
            job: Some(job),
            error: None,
        },
        Err(error) => QueuedPrinted {
            queue_id,
            path,
            job: None,
            error: Some(error),
        },
    })
}

/// Sends everything waiting to a printer, oldest first.
#[tauri::command]
pub async fn print_all_queued(
    state: State<'_, AppState>,
    printer: Option<String>,
) -> Reply<Vec<QueuedPrinted>> {
    let dir = state.prints_dir();
    state.api(|api| api.print_all_queued(&dir, |p| send(&state, p, printer.as_deref())))
}

/// Opens one queued document in the viewer; opened, it counts as printed from the queue.
#[tauri::command]
pub async fn open_queued(
    state: State<'_, AppState>,
    app: AppHandle,
    queue_id: Uuid,
) -> Reply<PaperOutcome> {
    let dir = state.prints_dir();
    let (path, opened) = state.api(|api| {
        api.print_queued(queue_id, &dir, HandedTo::Viewer, |p| {
            open_path(&state, &app, p)
        })
    })?;
    Ok(PaperOutcome {
        path: path.display().to_string(),
        reprint_on: None,
        job: None,
        opened,
        problem: None,
    })
}

#[tauri::command]
pub async fn unqueue_print(state: State<'_, AppState>, queue_id: Uuid) -> Reply<()> {
    state.api(|api| api.unqueue_print(queue_id))
}

fn send(state: &AppState, path: &Path, printer: Option<&str>) -> ApiResult<PrintJob> {
    PrintSystem::default().send(path, printer, state.lang())
}

/// Opens a prepared document and records it when the viewer took it.
fn open_prepared(
    state: &AppState,
    app: &AppHandle,
    prepared: PreparedPrint,
) -> Reply<PaperOutcome> {
    let mut outcome = PaperOutcome::of(&prepared);
    match open_path(state, app, &prepared.path) {
        Ok(opened) => {
            state.api(|api| api.record_print(&prepared, HandedTo::Viewer))?;
            outcome.opened = opened;
        }
        Err(problem) => outcome.problem = Some(problem),
    }
    Ok(outcome)
}

/// Asks the system's viewer to open a file; `Ok(false)` when the viewer is switched off
/// (automated runs), an error the window shows when the viewer could not be started.
fn open_path(state: &AppState, app: &AppHandle, path: &Path) -> ApiResult<bool> {
    if state.options.no_viewer {
        return Ok(false);
    }
    let shown = path.display().to_string();
    app.opener()
        .open_path(&shown, None::<&str>)
        .map(|()| true)
        .map_err(|e| viewer_failed(&shown, &e.to_string(), state.lang()))
}

fn viewer_failed(path: &str, why: &str, lang: Lang) -> ApiError {
    ApiError::invalid(
        "viewer_failed",
        &format!("无法打开查看器（{why}）。文件已保存在 {path}"),
        &format!("the viewer could not be opened ({why}); the file is at {path}"),
    )
    .localised(lang)
}
