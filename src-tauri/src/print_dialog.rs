//! The system's print dialog. On Linux that is GTK's, the dialog every desktop program on
//! Debian, UOS and Kylin prints through: the doctor picks the printer, the copies, the pages and
//! both sides there, and the choice comes back as a [`PrintChoice`] that CUPS prints the
//! document's PDF with (`PrintSystem::send_as`). What reaches the printer is exactly the file the
//! app made; the dialog only decides where and how.
//!
//! GTK shows the dialog through a print operation. The operation is stopped as soon as the
//! choice is made (its `begin-print`), before it renders anything, so GTK never sends a job of its
//! own. The dialog's 预览 opens the document in the viewer instead of GTK's previewer. The dialog
//! lists CUPS' printers only: GTK's "print to file" would write names and ID numbers wherever the
//! dialog points, without the warning 另存到U盘 gives. It opens on the printer chosen last
//! (kept while the app runs), or on the one the caller names.
//!
//! Elsewhere (Windows) there is no dialog here: [`ask`] answers at once with a print on the
//! named printer, as before.

use jiayi_api::{ApiError, PrintChoice};
use tauri::AppHandle;

/// What the doctor did with the dialog.
pub enum Answer {
    Print(PrintChoice),
    /// 预览: the document is to be shown in the viewer.
    Preview,
    Cancelled,
}

/// Shows the print dialog over the app's window, titled with the document's name, and waits
/// for the doctor's answer (however long the dialog stays open).
#[cfg(target_os = "linux")]
pub async fn ask(app: &AppHandle, title: &str, printer: Option<&str>) -> Result<Answer, ApiError> {
    use tauri::Manager;

    let (tx, rx) = std::sync::mpsc::channel();
    let window = app.get_webview_window("main");
    let (title, printer) = (title.to_string(), printer.map(str::to_string));
    app.run_on_main_thread(move || {
        let parent = window.and_then(|w| w.gtk_window().ok());
        gtk_dialog::show(parent, &title, printer.as_deref(), tx);
    })
    .map_err(|e| dialog_failed(&e.to_string()))?;
    tauri::async_runtime::spawn_blocking(move || rx.recv())
        .await
        .map_err(|e| dialog_failed(&e.to_string()))?
        // The operation went away without an answer: nothing was printed.
        .unwrap_or(Ok(Answer::Cancelled))
}

/// No dialog to ask with: a print on `printer`, as the caller named it.
#[cfg(not(target_os = "linux"))]
pub async fn ask(
    _app: &AppHandle,
    _title: &str,
    printer: Option<&str>,
) -> Result<Answer, ApiError> {
    Ok(Answer::Print(PrintChoice::on(printer)))
}

fn dialog_failed(why: &str) -> ApiError {
    ApiError::invalid(
        "print_dialog_failed",
        &format!("无法打开打印对话框（{why}）。可以在查看器中打开后打印，或加入打印队列"),
        &format!(
            "the print dialog could not be opened ({why}); open the file in the viewer or queue it"
        ),
    )
}

#[cfg(target_os = "linux")]
mod gtk_dialog {
    use std::cell::RefCell;
    use std::rc::Rc;
    use std::sync::mpsc::Sender;

    use gtk::prelude::*;
    use gtk::{PageSet, PrintDuplex, PrintOperation, PrintOperationAction, PrintPages};
    use jiayi_api::{ApiError, PrintChoice, Sides};

    use super::{Answer, dialog_failed};

    thread_local! {
        /// The settings of the last print, so the next dialog opens on the same printer.
        static LAST: RefCell<Option<gtk::PrintSettings>> = const { RefCell::new(None) };
    }

    /// Shows the dialog (on the main thread); `answer` gets the doctor's answer once.
    pub fn show(
        parent: Option<gtk::ApplicationWindow>,
        title: &str,
        printer: Option<&str>,
        answer: Sender<Result<Answer, ApiError>>,
    ) {
        if let Some(settings) = gtk::Settings::default() {
            settings.set_gtk_print_backends(Some("cups"));
        }
        let settings = LAST
            .with(|last| last.borrow().as_ref().and_then(|s| s.copy()))
            .unwrap_or_default();
        if let Some(printer) = printer.map(str::trim).filter(|p| !p.is_empty()) {
            settings.set_printer(printer);
        }
        let operation = PrintOperation::builder()
            .job_name(title)
            .allow_async(true)
            .print_settings(&settings)
            .build();
        let chosen: Rc<RefCell<Option<Answer>>> = Rc::default();

        let on_begin = chosen.clone();
        operation.connect_begin_print(move |operation, _| {
            if let Some(settings) = operation.print_settings() {
                *on_begin.borrow_mut() = Some(Answer::Print(choice_of(&settings)));
                LAST.with(|last| *last.borrow_mut() = settings.copy());
            }
            // The file is made already: GTK is not to render or send anything.
            operation.cancel();
        });

        let on_preview = chosen.clone();
        operation.connect_preview(move |_, preview, context, _| {
            *on_preview.borrow_mut() = Some(Answer::Preview);
            // GTK requires a drawing surface once a preview is handled, though nothing is drawn.
            if let Ok(surface) = gtk::cairo::ImageSurface::create(gtk::cairo::Format::ARgb32, 1, 1)
                && let Ok(cairo) = gtk::cairo::Context::new(&surface)
            {
                context.set_cairo_context(&cairo, 72.0, 72.0);
            }
            let preview = preview.clone();
            gtk::glib::idle_add_local_once(move || preview.end_preview());
            true
        });

        // Sent once: `done` comes after the dialog closed, whatever the doctor did.
        let sender = Rc::new(RefCell::new(Some(answer)));
        let on_done = sender.clone();
        operation.connect_done(move |_, _| {
            if let Some(answer) = on_done.borrow_mut().take() {
                let chosen = chosen.borrow_mut().take().unwrap_or(Answer::Cancelled);
                let _ = answer.send(Ok(chosen));
            }
        });

        if let Err(e) = operation.run(PrintOperationAction::PrintDialog, parent.as_ref())
            && let Some(answer) = sender.borrow_mut().take()
        {
            let _ = answer.send(Err(dialog_failed(&e.to_string())));
        }
    }

    /// The dialog's settings as what CUPS is asked to do.
    fn choice_of(settings: &gtk::PrintSettings) -> PrintChoice {
        let pages = match settings.print_pages() {
            PrintPages::Ranges => settings
                .page_ranges()
                .iter()
                .map(|range| {
                    // GTK counts pages from 0, and an open end ("3-") as an end before the start.
                    let first = u32::try_from(range.start()).unwrap_or(0) + 1;
                    let last = u32::try_from(range.end())
                        .map(|end| end + 1)
                        .ok()
                        .filter(|last| *last >= first)
                        .unwrap_or(u32::MAX);
                    (first, last)
                })
                .collect(),
            _ => Vec::new(),
        };
        PrintChoice {
            printer: settings
                .printer()
                .map(|p| p.to_string())
                .unwrap_or_default(),
            copies: u32::try_from(settings.n_copies()).unwrap_or(1).max(1),
            collate: settings.is_collate(),
            reverse: settings.is_reverse(),
            pages,
            page_set: match settings.page_set() {
                PageSet::Even => Some(jiayi_api::PageSet::Even),
                PageSet::Odd => Some(jiayi_api::PageSet::Odd),
                _ => None,
            },
            // Only a side the dialog set: unset reads as one-sided, which would override a
            // printer set to print both sides.
            sides: match settings.get("duplex").is_some().then(|| settings.duplex()) {
                Some(PrintDuplex::Simplex) => Sides::OneSided,
                Some(PrintDuplex::Horizontal) => Sides::LongEdge,
                Some(PrintDuplex::Vertical) => Sides::ShortEdge,
                _ => Sides::AsThePrinterIs,
            },
            pages_per_sheet: u32::try_from(settings.number_up()).unwrap_or(1),
        }
    }
}
