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
}

impl Default for PrintSystem {
    fn default() -> Self {
        PrintSystem {
            lpstat: PathBuf::from("lpstat"),
            lp: PathBuf::from("lp"),
        }
    }
}

impl PrintSystem {
    /// The arguments `lp` is called with: a printer when one is named, the file after `--`
    /// (a file name starting with a dash is never read as an option).
    pub fn lp_args(path: &Path, printer: Option<&str>) -> Vec<String> {
        let mut args = Vec::new();
        if let Some(printer) = printer.map(str::trim).filter(|p| !p.is_empty()) {
            args.push("-d".to_string());
            args.push(printer.to_string());
        }
        args.push("--".to_string());
        args.push(path.display().to_string());
        args
    }

    /// The printers CUPS knows, the default first.
    pub fn printers(&self, lang: Lang) -> ApiResult<Vec<Printer>> {
        if cfg!(windows) {
            return Ok(Vec::new());
        }
        let out = Command::new(&self.lpstat)
            .args(["-p", "-d"])
            .env("LC_ALL", "C")
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
        if cfg!(windows) {
            return shell_print(path, lang);
        }
        let out = Command::new(&self.lp)
            .args(Self::lp_args(path, printer))
            .env("LC_ALL", "C")
            .output()
            .map_err(|_| no_print_system(lang))?;
        if !out.status.success() {
            let said = String::from_utf8_lossy(&out.stderr).trim().to_string();
            return Err(refused(&said, lang));
        }
        let job = parse_lp_job(&String::from_utf8_lossy(&out.stdout)).unwrap_or_default();
        Ok(PrintJob {
            printer: printer.unwrap_or_default().trim().to_string(),
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
            PrintSystem::lp_args(path, Some("HP_LaserJet")),
            ["-d", "HP_LaserJet", "--", "/data/prints/-agreement.pdf"]
        );
        assert_eq!(
            PrintSystem::lp_args(path, Some("  ")),
            ["--", "/data/prints/-agreement.pdf"]
        );
    }

    #[test]
    fn without_cups_the_doctor_is_told_in_chinese() {
        let missing = PrintSystem {
            lpstat: PathBuf::from("/nonexistent/lpstat"),
            lp: PathBuf::from("/nonexistent/lp"),
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
