//! Handing a PDF to the system's printing.
//!
//! On Linux (Debian, UOS, Kylin) that is CUPS: `lpstat` lists the printers and the default
//! one, `lp` queues the file and answers with the job's id. A laptop without CUPS, or with no
//! printer set up, gets a message saying so; the document can still be opened in the viewer or
//! queued for the clinic's printer.
//!
//! On Windows the file goes to the shell's "print" verb of the PDF viewer (through PowerShell's
//! `Start-Process -Verb Print`, which sends it to the default printer). That part is written
//! for Windows and is not built on the Linux machines this code is tested on.

use std::path::{Path, PathBuf};
use std::process::Command;

use jiayi_core::Lang;
use serde::{Deserialize, Serialize};

use crate::{ApiError, ApiResult};

#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Printer {
    pub name: String,
    pub is_default: bool,
}

/// A file accepted by the printing system.
#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrintJob {
    /// The printer it went to (empty: the system's default).
    pub printer: String,
    /// The job's id as the system names it (`HP-LaserJet-12`); empty where it names none.
    pub job: String,
}

/// The programs printing goes through: CUPS' own on Linux.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrintSystem {
    pub lpstat: PathBuf,
    pub lp: PathBuf,
    /// The CUPS scheduler to ask (`CUPS_SERVER`: a socket or a host); `None`: the one the
    /// environment names, else the system's.
    pub cups_server: Option<PathBuf>,
}

impl Default for PrintSystem {
    fn default() -> Self {
        PrintSystem {
            lpstat: PathBuf::from("lpstat"),
            lp: PathBuf::from("lp"),
            cups_server: None,
        }
    }
}

/// How a sheet's two sides are used.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Sides {
    /// The printer's own setting.
    #[default]
    AsThePrinterIs,
    OneSided,
    /// Turned over on the long edge (portrait pages, as a booklet is read).
    LongEdge,
    /// Turned over on the short edge.
    ShortEdge,
}

/// Odd or even pages only (printing both sides by hand on a one-sided printer).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageSet {
    Odd,
    Even,
}

/// What the doctor chose for one print: the printer and how the file is printed on it. A
/// choice made in the system's print dialog comes here whole; a print with no dialog names the
/// printer at most ([`PrintChoice::on`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrintChoice {
    /// Empty: the system's default printer.
    pub printer: String,
    pub copies: u32,
    pub collate: bool,
    pub reverse: bool,
    /// Page ranges, first and last page counted from 1 (`u32::MAX`: to the end); empty: every
    /// page.
    pub pages: Vec<(u32, u32)>,
    pub page_set: Option<PageSet>,
    pub sides: Sides,
    /// Pages per sheet; 1 (or 0) leaves the printer's setting.
    pub pages_per_sheet: u32,
}

impl PrintChoice {
    /// One copy of every page on `printer` (the default printer when none or blank is named).
    pub fn on(printer: Option<&str>) -> PrintChoice {
        PrintChoice {
            printer: printer.unwrap_or_default().trim().to_string(),
            copies: 1,
            collate: true,
            reverse: false,
            pages: Vec::new(),
            page_set: None,
            sides: Sides::AsThePrinterIs,
            pages_per_sheet: 1,
        }
    }

    /// The arguments `lp` is called with: the printer when one is named, the choices as CUPS
    /// options, then the file after `--` (a file name starting with a dash is never read as an
    /// option).
    pub fn lp_args(&self, path: &Path) -> Vec<String> {
        let mut args = Vec::new();
        let mut push = |a: &str, b: String| {
            args.push(a.to_string());
            args.push(b);
        };
        let printer = self.printer.trim();
        if !printer.is_empty() {
            push("-d", printer.to_string());
        }
        if self.copies > 1 {
            push("-n", self.copies.to_string());
            push("-o", format!("collate={}", self.collate));
        }
        let ranges: Vec<String> = self
            .pages
            .iter()
            .filter(|(first, last)| *first >= 1 && first <= last)
            .map(|&(first, last)| {
                if first == last {
                    first.to_string()
                } else if last == u32::MAX {
                    format!("{first}-")
                } else {
                    format!("{first}-{last}")
                }
            })
            .collect();
        if !ranges.is_empty() {
            push("-P", ranges.join(","));
        }
        if let Some(set) = self.page_set {
            let set = match set {
                PageSet::Odd => "odd",
                PageSet::Even => "even",
            };
            push("-o", format!("page-set={set}"));
        }
        if self.reverse {
            push("-o", "outputorder=reverse".to_string());
        }
        let sides = match self.sides {
            Sides::AsThePrinterIs => None,
            Sides::OneSided => Some("one-sided"),
            Sides::LongEdge => Some("two-sided-long-edge"),
            Sides::ShortEdge => Some("two-sided-short-edge"),
        };
        if let Some(sides) = sides {
            push("-o", format!("sides={sides}"));
        }
        if self.pages_per_sheet > 1 {
            push("-o", format!("number-up={}", self.pages_per_sheet));
        }
        args.push("--".to_string());
        args.push(path.display().to_string());
        args
    }
}

impl PrintSystem {
    /// One of CUPS' programs, answering in the C locale (its answers are parsed).
    fn command(&self, program: &Path) -> Command {
        let mut command = Command::new(program);
        command.env("LC_ALL", "C");
        if let Some(server) = &self.cups_server {
            command.env("CUPS_SERVER", server);
        }
        command
    }

    /// The printers CUPS knows, the default first.
    pub fn printers(&self, lang: Lang) -> ApiResult<Vec<Printer>> {
        if cfg!(windows) {
            return Ok(Vec::new());
        }
        let out = self
            .command(&self.lpstat)
            .args(["-p", "-d"])
            .output()
            .map_err(|_| no_print_system(lang))?;
        let text = String::from_utf8_lossy(&out.stdout);
        let printers = parse_lpstat(&text);
        if printers.is_empty() {
            return Err(no_printer(lang));
        }
        Ok(printers)
    }

    /// Sends a PDF to a printer (the default when none is named).
    pub fn send(&self, path: &Path, printer: Option<&str>, lang: Lang) -> ApiResult<PrintJob> {
        self.send_as(path, &PrintChoice::on(printer), lang)
    }

    /// Sends a PDF as the doctor chose to print it.
    pub fn send_as(&self, path: &Path, choice: &PrintChoice, lang: Lang) -> ApiResult<PrintJob> {
        if cfg!(windows) {
            return shell_print(path, lang);
        }
        let out = self
            .command(&self.lp)
            .args(choice.lp_args(path))
            .output()
            .map_err(|_| no_print_system(lang))?;
        if !out.status.success() {
            let said = String::from_utf8_lossy(&out.stderr).trim().to_string();
            return Err(refused(&said, lang));
        }
        let job = parse_lp_job(&String::from_utf8_lossy(&out.stdout)).unwrap_or_default();
        Ok(PrintJob {
            printer: choice.printer.clone(),
            job,
        })
    }
}

/// `lpstat -p -d` in the C locale: `printer NAME is idle. …` per printer, and `system default
/// destination: NAME`.
pub fn parse_lpstat(text: &str) -> Vec<Printer> {
    let default = text
        .lines()
        .find_map(|l| l.strip_prefix("system default destination:"))
        .map(|s| s.trim().to_string());
    let mut printers: Vec<Printer> = text
        .lines()
        .filter_map(|l| l.strip_prefix("printer "))
        .filter_map(|rest| rest.split_whitespace().next())
        .map(|name| Printer {
            name: name.to_string(),
            is_default: default.as_deref() == Some(name),
        })
        .collect();
    printers.sort_by_key(|p| !p.is_default);
    printers
}

/// `lp`'s answer: `request id is NAME-12 (1 file(s))`.
pub fn parse_lp_job(text: &str) -> Option<String> {
    text.lines()
        .find_map(|l| l.trim().strip_prefix("request id is "))
        .and_then(|rest| rest.split_whitespace().next())
        .map(str::to_string)
}

fn no_print_system(lang: Lang) -> ApiError {
    ApiError::invalid(
        "no_print_system",
        "本机没有打印服务（CUPS），无法直接打印。可以在查看器中打开后打印，或加入打印队列，到有打印机的地方再打印",
        "this computer has no printing service (CUPS). Open the file in the viewer to print it, or queue it for a printer",
    )
    .localised(lang)
}

fn no_printer(lang: Lang) -> ApiError {
    ApiError::invalid(
        "no_printer",
        "没有找到打印机，请先在系统中添加打印机。也可以在查看器中打开，或加入打印队列",
        "no printer is set up; add one in the system settings, open the file in the viewer, or queue it",
    )
    .localised(lang)
}

fn refused(said: &str, lang: Lang) -> ApiError {
    ApiError::invalid(
        "print_refused",
        &format!("打印机没有接受文件：{said}"),
        &format!("the printer did not take the file: {said}"),
    )
    .localised(lang)
}

/// Windows: the shell's "print" verb of the program that opens PDFs.
#[cfg(windows)]
fn shell_print(path: &Path, lang: Lang) -> ApiResult<PrintJob> {
    let literal = path.display().to_string().replace('\'', "''");
    let status = Command::new("powershell")
        .args([
            "-NoProfile",
            "-NonInteractive",
            "-Command",
            &format!("Start-Process -FilePath '{literal}' -Verb Print"),
        ])
        .status()
        .map_err(|_| no_print_system(lang))?;
    if status.success() {
        Ok(PrintJob {
            printer: String::new(),
            job: String::new(),
        })
    } else {
        Err(refused("Start-Process -Verb Print", lang))
    }
}

#[cfg(not(windows))]
fn shell_print(_path: &Path, lang: Lang) -> ApiResult<PrintJob> {
    Err(no_print_system(lang))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printers_come_from_lpstat_with_the_default_first() {
        let text = "printer Brother_HL is idle.  enabled since Mon 07 Dec 2026 09:00:00\n\
                    printer HP_LaserJet is idle.  enabled since Mon 07 Dec 2026 09:00:00\n\
                    system default destination: HP_LaserJet\n";
        assert_eq!(
            parse_lpstat(text),
            vec![
                Printer {
                    name: "HP_LaserJet".into(),
                    is_default: true
                },
                Printer {
                    name: "Brother_HL".into(),
                    is_default: false
                },
            ]
        );
        assert!(parse_lpstat("lpstat: No destinations added.\n").is_empty());
    }

    #[test]
    fn the_job_id_is_read_from_lps_answer() {
        assert_eq!(
            parse_lp_job("request id is HP_LaserJet-12 (1 file(s))\n").as_deref(),
            Some("HP_LaserJet-12")
        );
        assert_eq!(parse_lp_job("something else"), None);
    }

    #[test]
    fn lp_gets_the_printer_and_the_file_after_a_double_dash() {
        let path = Path::new("/data/prints/-agreement.pdf");
        assert_eq!(
            PrintChoice::on(Some("HP_LaserJet")).lp_args(path),
            ["-d", "HP_LaserJet", "--", "/data/prints/-agreement.pdf"]
        );
        assert_eq!(
            PrintChoice::on(Some("  ")).lp_args(path),
            ["--", "/data/prints/-agreement.pdf"]
        );
    }

    #[test]
    fn a_dialog_choice_becomes_cups_options() {
        let path = Path::new("/data/prints/agreement.pdf");
        let choice = PrintChoice {
            copies: 2,
            collate: false,
            reverse: true,
            pages: vec![(1, 1), (3, 4), (0, 2), (5, 4), (7, u32::MAX)],
            page_set: Some(PageSet::Odd),
            sides: Sides::LongEdge,
            pages_per_sheet: 2,
            ..PrintChoice::on(Some("卫生院打印机"))
        };
        assert_eq!(
            choice.lp_args(path),
            [
                "-d",
                "卫生院打印机",
                "-n",
                "2",
                "-o",
                "collate=false",
                "-P",
                "1,3-4,7-",
                "-o",
                "page-set=odd",
                "-o",
                "outputorder=reverse",
                "-o",
                "sides=two-sided-long-edge",
                "-o",
                "number-up=2",
                "--",
                "/data/prints/agreement.pdf"
            ],
            "ranges that start before page 1 or end before they start are left out"
        );
    }

    #[test]
    fn without_cups_the_doctor_is_told_in_chinese() {
        let missing = PrintSystem {
            lpstat: PathBuf::from("/nonexistent/lpstat"),
            lp: PathBuf::from("/nonexistent/lp"),
            cups_server: None,
        };
        let e = missing.printers(Lang::Zh).unwrap_err();
        assert_eq!(e.code, "no_print_system");
        assert!(e.message.contains("没有打印服务"), "{}", e.message);
        let e = missing
            .send(Path::new("/tmp/a.pdf"), None, Lang::Zh)
            .unwrap_err();
        assert_eq!(e.code, "no_print_system");
    }
}
