//! 打印 asks the system's print dialog (GTK's), and the printer chosen there gets the document's
//! PDF as the app made it; a dialog closed without printing prints and records nothing; the
//! next dialog opens on the printer chosen last. The printers are a private CUPS scheduler's,
//! whose printers write each job to a folder.

use jiayi_desktop_tests::{NativeWindow, Result};
use jiayi_testkit::cups::PrivateCups;

use super::{App, pdf_at, pdf_text};

/// The print dialog's title, in the languages the test machine may run in.
const PRINT_DIALOG: &str = "^(Print|打印)$";

/// Where the dialog's printer rows are, from its top left corner (GTK's default theme and fonts
/// on Debian 12; the screenshots show them).
const FIRST_PRINTER: (u32, u32) = (300, 86);
const SECOND_PRINTER: (u32, u32) = (300, 109);

/// Whether the dialog's printer row at `at` is the selected one (GTK's selection blue). Also
/// tells when the dialog is ready: it selects a printer once CUPS has listed them.
fn selected(dialog: &NativeWindow, at: (u32, u32)) -> bool {
    dialog
        .pixel(at.0, at.1)
        .is_ok_and(|(r, g, b)| b > 180 && r < 120 && g < 180)
}

#[test]
#[ignore = "needs a display, tauri-driver and a built app: src-tauri/scripts/e2e.sh"]
fn printing_asks_the_system_print_dialog_and_the_chosen_printer_gets_the_pdf() -> Result<()> {
    let Some(cups) = PrivateCups::start() else {
        return Ok(());
    };
    cups.add_printer("Clinic-HP", true);
    cups.add_printer("Office-Brother", false);
    let data = tempfile::tempdir()?;
    let mut app = App::start_with_env("print-dialog", data.path(), &[cups.env()])?;
    let s = &app.session;
    s.click_on("[data-test=round-stop] [data-test=round-open]")?;
    s.wait("[data-test=household] [data-test=contract]")?;
    let agreement = "[data-test=contract] [data-test=print-agreement]";
    let card = "[data-test=contract] [data-test=print-card]";

    // 打印: GTK's dialog over the app, on the default printer; the doctor picks the other one.
    s.click_on(agreement)?;
    let dialog = NativeWindow::wait(PRINT_DIALOG)?;
    dialog.wait_until("the default printer selected", |d| {
        selected(d, FIRST_PRINTER)
    })?;
    app.shot("dialog-open")?;
    dialog.click(SECOND_PRINTER.0, SECOND_PRINTER.1)?;
    dialog.wait_until("the second printer selected", |d| {
        selected(d, SECOND_PRINTER)
    })?;
    app.shot("dialog-other-printer")?;
    dialog.press_until_closed("Return")?;
    let s = &app.session;
    let line = s.wait_text("[data-test=printed-agreement]", "Office-Brother-")?;
    assert!(line.contains("已送到打印机 Office-Brother"), "{line}");
    let jobs = cups.wait_for_jobs(1);
    assert_eq!(
        jobs[0].printer, "Office-Brother",
        "the printer chosen in the dialog"
    );
    let file = pdf_at(&line);
    assert_eq!(
        jobs[0].bytes,
        std::fs::read(&file)?,
        "the printer gets the PDF the app made"
    );
    assert!(pdf_text(&file)?.contains("服务协议书"));
    app.shot("printed")?;

    // Closed without printing: said so, nothing printed, nothing recorded (no 补打 next time).
    let s = &app.session;
    s.click_on(card)?;
    let dialog = NativeWindow::wait(PRINT_DIALOG)?;
    dialog.press_until_closed("Escape")?;
    let s = &app.session;
    s.wait_text("[data-test=printed-card]", "已取消，没有打印")?;
    app.shot("cancelled")?;
    std::thread::sleep(std::time::Duration::from_secs(1));
    assert_eq!(
        cups.received().len(),
        1,
        "a cancelled dialog prints nothing"
    );

    // The next dialog opens on the printer chosen last: printed at once, it goes there.
    let s = &app.session;
    s.click_on(card)?;
    let dialog = NativeWindow::wait(PRINT_DIALOG)?;
    dialog.wait_until("the printer chosen last selected", |d| {
        selected(d, SECOND_PRINTER)
    })?;
    dialog.press_until_closed("Return")?;
    let s = &app.session;
    let line = s.wait_text("[data-test=printed-card]", "Office-Brother-")?;
    assert!(
        !line.contains("补打"),
        "the cancelled print was not recorded: {line}"
    );
    let jobs = cups.wait_for_jobs(2);
    assert_eq!(jobs[1].printer, "Office-Brother");
    assert!(pdf_text(&pdf_at(&line))?.contains("家庭医生联系卡"));
    app.quit()
}
