//! The print commands: adapters over `jiayi-api`'s printing. A document is made ready in the
//! data folder's `prints/`, handed to the system's printing, to the viewer, or to a folder the
//! doctor chose, and recorded once handed on. Printing asks the system's print dialog first
//! where there is one (`print_dialog`: GTK's on Linux, then CUPS prints the file as chosen);
//! elsewhere it goes to the shell's print verb (Windows). A printer or viewer that fails is
//! reported with the file's path, so the window shows the problem next to the button and offers
//! the other way; a dialog closed without printing records nothing.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use jiayi_api::{
    ApiError, ApiResult, Document, HandedTo, PreparedPrint, PrintChoice, PrintJob, PrintQueue,
    PrintSystem, Printer, QueueEntry, QueuedPrinted,
};
use jiayi_core::Lang;
use serde::Serialize;
use tauri::{AppHandle, State};
use tauri_plugin_opener::OpenerExt;
use uuid::Uuid;

use crate::print_dialog::{self, Answer};
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
    /// The print dialog was closed without printing.
    cancelled: bool,
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
            cancelled: false,
            problem: None,
        }
    }
}

/// Asks where and how to print: the system's print dialog, opened on `printer` when named. A
/// laptop without CUPS or without any printer is told so at once, not shown an empty dialog.
async fn route(
    app: &AppHandle,
    state: &AppState,
    title: &str,
    printer: Option<&str>,
) -> ApiResult<Answer> {
    if !cfg!(windows) {
        PrintSystem::default().printers(state.lang())?;
    }
    print_dialog::ask(app, title, printer)
        .await
        .map_err(|e| e.localised(state.lang()))
}

/// The file's name, as the printer's queue shows the job.
fn title_of(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default()
}

/// The printers the system knows, the default first; an error when there is no printing
/// service or no printer.
#[tauri::command]
pub async fn printers(state: State<'_, AppState>) -> Reply<Vec<Printer>> {
    PrintSystem::default().printers(state.lang())
}

/// Prints a contract's document as the doctor chooses in the print dialog (opened on `printer`
/// when named).
#[tauri::command]
pub async fn print_document(
    state: State<'_, AppState>,
    app: AppHandle,
    contract_id: Uuid,
    document: Document,
    printer: Option<String>,
) -> Reply<PaperOutcome> {
    let dir = state.prints_dir();
    let prepared = state.api(|api| api.prepare_document(contract_id, document, &dir))?;
    let mut outcome = PaperOutcome::of(&prepared);
    let title = title_of(&prepared.path);
    match route(&app, &state, &title, printer.as_deref()).await {
        Err(problem) => outcome.problem = Some(problem),
        Ok(Answer::Cancelled) => outcome.cancelled = true,
        Ok(Answer::Preview) => return open_prepared(&state, &app, prepared),
        Ok(Answer::Print(choice)) => match send(&state, &prepared.path, &choice) {
            Ok(job) => {
                state.api(|api| api.record_print(&prepared, HandedTo::Printer))?;
                outcome.job = Some(job);
            }
            Err(problem) => outcome.problem = Some(problem),
        },
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

/// Prints one queued document as chosen in the print dialog; a failure (or a dialog closed
/// without printing) comes back in the outcome and the document stays queued.
#[tauri::command]
pub async fn print_queued(
    state: State<'_, AppState>,
    app: AppHandle,
    queue_id: Uuid,
    printer: Option<String>,
) -> Reply<QueuedPrinted> {
    let dir = state.prints_dir();
    let not_printed = |error| QueuedPrinted {
        queue_id,
        path: String::new(),
        job: None,
        error: Some(error),
    };
    let choice = match route(
        &app,
        &state,
        &queued_title(&state, queue_id),
        printer.as_deref(),
    )
    .await
    {
        Ok(Answer::Print(choice)) => choice,
        Ok(Answer::Preview) => {
            let opened = open_queued(state.clone(), app.clone(), queue_id).await?;
            return Ok(QueuedPrinted {
                queue_id,
                path: opened.path,
                job: None,
                error: opened.problem,
            });
        }
        Ok(Answer::Cancelled) => return Ok(not_printed(cancelled(state.lang()))),
        Err(problem) => return Ok(not_printed(problem)),
    };
    let mut path = String::new();
    let printed = state.api(|api| {
        api.print_queued(queue_id, &dir, HandedTo::Printer, |p| {
            path = p.display().to_string();
            send(&state, p, &choice)
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

/// Prints everything waiting, oldest first, on the printer and as chosen once in the print
/// dialog.
#[tauri::command]
pub async fn print_all_queued(
    state: State<'_, AppState>,
    app: AppHandle,
    printer: Option<String>,
) -> Reply<Vec<QueuedPrinted>> {
    let dir = state.prints_dir();
    let waiting = state.api(|api| api.print_queue())?.waiting.len();
    let title = state
        .lang()
        .pick(
            &format!("打印队列（{waiting} 份）"),
            &format!("print queue ({waiting})"),
        )
        .to_string();
    let choice = match route(&app, &state, &title, printer.as_deref()).await? {
        Answer::Print(choice) => choice,
        Answer::Preview => return Err(no_batch_preview(state.lang())),
        Answer::Cancelled => return Err(cancelled(state.lang())),
    };
    state.api(|api| api.print_all_queued(&dir, |p| send(&state, p, &choice)))
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
        cancelled: false,
        problem: None,
    })
}

#[tauri::command]
pub async fn unqueue_print(state: State<'_, AppState>, queue_id: Uuid) -> Reply<()> {
    state.api(|api| api.unqueue_print(queue_id))
}

fn send(state: &AppState, path: &Path, choice: &PrintChoice) -> ApiResult<PrintJob> {
    PrintSystem::default().send_as(path, choice, state.lang())
}

/// A queued document's name for the printer's queue.
fn queued_title(state: &AppState, queue_id: Uuid) -> String {
    state
        .api(|api| api.print_queue())
        .ok()
        .and_then(|q| q.waiting.into_iter().find(|e| e.id == queue_id))
        .map(|e| format!("{} {}", e.agreement_number, e.household_head))
        .unwrap_or_default()
}

fn cancelled(lang: Lang) -> ApiError {
    ApiError::invalid(
        "print_cancelled",
        "已取消打印，文件仍在打印队列中",
        "printing was cancelled; the documents are still queued",
    )
    .localised(lang)
}

fn no_batch_preview(lang: Lang) -> ApiError {
    ApiError::invalid(
        "print_no_batch_preview",
        "全部打印时不能预览：请点某一份旁边的「查看」。文件仍在打印队列中",
        "printing everything cannot be previewed: use View beside one document; they are all still queued",
    )
    .localised(lang)
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
