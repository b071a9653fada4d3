//! `jiayi print`: the agreement, the termination, the contact card, the renewal notice and an
//! amendment as PDFs, and a village's cards on A4 sheets.

use std::path::PathBuf;

use clap::Subcommand;
use jiayi_api::{Api, ApiError, Document, file_safe};
use jiayi_core::Lang;
use uuid::Uuid;

use crate::contract_id;

#[derive(Subcommand)]
pub enum PrintCommand {
    /// The service agreement, two copies (clinic and household) in one PDF.
    Agreement(PrintOne),
    /// The termination confirmation of a terminated contract.
    Termination(PrintOne),
    /// The contact card of one household.
    Card(PrintOne),
    /// The notice that the contract renewed by itself (续约告知书), for its latest renewal.
    RenewalNotice(PrintOne),
    /// An amendment (协议变更确认书), both copies on one sheet.
    Amendment {
        /// The amendment's id (as `contract history` lists it).
        amendment: String,
        #[arg(long)]
        out: Option<PathBuf>,
        /// Open the PDF with the system viewer.
        #[arg(long)]
        open: bool,
    },
    /// The contact cards of every signed household of a village, on A4 sheets for duplex printing.
    Cards {
        /// Village name or code.
        #[arg(long)]
        village: String,
        #[arg(long)]
        out: Option<PathBuf>,
        /// Open the PDF with the system viewer.
        #[arg(long)]
        open: bool,
    },
}

#[derive(clap::Args)]
pub struct PrintOne {
    /// Contract id or agreement number.
    contract: String,
    /// Where to write the PDF (default: a file named after the agreement in the current folder).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Open the PDF with the system viewer.
    #[arg(long)]
    open: bool,
}

/// Writes the document asked for, prints where it went and opens it when asked.
pub fn print(api: &Api, document: PrintCommand, lang: Lang) -> Result<(), ApiError> {
    let (path, open) = match document {
        PrintCommand::Agreement(one) => print_one(api, one, Document::Agreement)?,
        PrintCommand::Termination(one) => print_one(api, one, Document::Termination)?,
        PrintCommand::Card(one) => print_one(api, one, Document::ContactCard)?,
        PrintCommand::RenewalNotice(one) => print_one(api, one, Document::RenewalNotice)?,
        PrintCommand::Amendment {
            amendment,
            out,
            open,
        } => {
            let id = Uuid::parse_str(amendment.trim()).map_err(|_| {
                ApiError::invalid(
                    "invalid_id",
                    &format!("“{amendment}”不是变更记录编号"),
                    &format!("'{amendment}' is not an amendment id"),
                )
                .localised(lang)
            })?;
            let path = match out {
                Some(path) => {
                    api.write_file(&path, &api.render_amendment(id)?)?;
                    path
                }
                None => api.write_amendment(id, std::path::Path::new("."))?,
            };
            (path, open)
        }
        PrintCommand::Cards { village, out, open } => {
            let (bytes, count) = api.render_village_cards(&village)?;
            let path = out.unwrap_or_else(|| {
                PathBuf::from(format!("contact-cards-{}.pdf", file_safe(&village)))
            });
            api.write_file(&path, &bytes)?;
            eprintln!("{count} {}", lang.pick("户的联系卡", "households' cards"));
            (path, open)
        }
    };
    println!("{}", path.display());
    if open {
        open_in_viewer(&path, lang);
    }
    Ok(())
}

fn print_one(api: &Api, one: PrintOne, document: Document) -> Result<(PathBuf, bool), ApiError> {
    let id = contract_id(api, &one.contract)?;
    let path = match one.out {
        Some(path) => {
            api.write_file(&path, &api.render_document(id, document)?)?;
            path
        }
        None => api.write_document(id, document, std::path::Path::new("."))?,
    };
    Ok((path, one.open))
}

/// Hands the file to the desktop's viewer; a machine without one just keeps the file.
fn open_in_viewer(path: &std::path::Path, lang: Lang) {
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else if cfg!(target_os = "windows") {
        "explorer"
    } else {
        "xdg-open"
    };
    if std::process::Command::new(opener)
        .arg(path)
        .spawn()
        .is_err()
    {
        eprintln!(
            "{}",
            lang.pick(
                "无法打开查看器，文件已保存",
                "no viewer could be opened; the file is saved"
            )
        );
    }
}
