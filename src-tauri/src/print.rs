//! Printing: the frozen agreement and the contact card as PDF files in the data folder, opened
//! in the system viewer. The layout is jiayi-print's; this module only picks the snapshot and
//! signatures, writes the file and hands it to the viewer.

use std::path::{Path, PathBuf};

use jiayi_api::Api;
use jiayi_core::Lang;
use jiayi_print::Signatures;
use serde::Serialize;
use uuid::Uuid;

use crate::error::{Result, ShellError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Document {
    Agreement,
    ContactCard,
}

#[derive(Debug, Clone, Serialize)]
pub struct PrintOutcome {
    pub path: PathBuf,
    /// False when the viewer is switched off (tests) or could not be started.
    pub opened: bool,
}

/// Renders `document` for the contract and writes it under `dir`; returns the file.
pub fn write(api: &Api, contract_id: Uuid, document: Document, lang: Lang, dir: &Path) -> Result<PathBuf> {
    let snapshot = api.contract_snapshot(contract_id)?;
    let bytes = match document {
        Document::Agreement => {
            let (resident_png, doctor_png) =
                api.store().contract_signatures(contract_id).map_err(|e| ShellError::Api(e.into()))?;
            jiayi_print::render_agreement(&snapshot, &Signatures { resident_png, doctor_png }, lang)?
        }
        Document::ContactCard => jiayi_print::render_card(&snapshot, lang)?,
    };
    std::fs::create_dir_all(dir).map_err(|e| ShellError::io(dir, e))?;
    let kind = match document {
        Document::Agreement => "agreement",
        Document::ContactCard => "contact-card",
    };
    let path = dir.join(format!("{kind}-{}.pdf", file_safe(&snapshot.agreement_number)));
    let tmp = path.with_extension("pdf.tmp");
    std::fs::write(&tmp, &bytes).map_err(|e| ShellError::io(&tmp, e))?;
    std::fs::rename(&tmp, &path).map_err(|e| ShellError::io(&path, e))?;
    Ok(path)
}

/// Keeps letters, digits and dashes of an agreement number for a file name.
fn file_safe(text: &str) -> String {
    let s: String = text.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' }).collect();
    if s.is_empty() { "unnumbered".into() } else { s }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agreement_numbers_make_safe_file_names() {
        assert_eq!(file_safe("2026-A1B2-000123"), "2026-A1B2-000123");
        assert_eq!(file_safe("../x y"), "___x_y");
        assert_eq!(file_safe(""), "unnumbered");
    }
}
