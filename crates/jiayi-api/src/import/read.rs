//! Step 1, reading: the file's fingerprint and every sheet of it, as text. A `.csv` is read
//! like a workbook of one sheet.

use std::path::Path;

use jiayi_core::agreement::sha256_hex;
use jiayi_excel::{ExcelError, Table};

use crate::error::ApiError;

/// A file as read, before anything is made of it.
pub(super) struct FileRead {
    /// The SHA-256 of the whole file: an import is refused when it changed after the preview.
    pub file_sha256: String,
    pub tables: Vec<Table>,
}

/// Reads every sheet of the workbook (or CSV file) at `path`.
pub(super) fn read_file(path: &Path) -> Result<FileRead, ApiError> {
    let bytes = std::fs::read(path).map_err(|e| {
        ApiError::invalid(
            "read_failed",
            &format!("无法读取文件 {}：{e}", path.display()),
            &format!("cannot read {}: {e}", path.display()),
        )
    })?;
    let file_sha256 = sha256_hex(&bytes);
    drop(bytes);
    let tables = jiayi_excel::read_workbook(path).map_err(|e| unreadable(path, e))?;
    Ok(FileRead {
        file_sha256,
        tables,
    })
}

/// A reading error in the user's words, never the library's.
fn unreadable(path: &Path, e: ExcelError) -> ApiError {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    match e {
        ExcelError::UnknownFormat => ApiError::invalid(
            "unknown_format",
            &format!("无法识别“{name}”的格式：请选择 .xlsx、.xls、.ods 或 .csv 文件"),
            &format!(
                "'{name}' is not a format the import reads: choose a .xlsx, .xls, .ods or .csv file"
            ),
        ),
        ExcelError::Encoding => ApiError::invalid(
            "unknown_encoding",
            &format!("无法识别“{name}”的文字编码：请用 Excel 另存为“CSV UTF-8”或 .xlsx 后再导入"),
            &format!(
                "cannot tell the text encoding of '{name}': save it as 'CSV UTF-8' or .xlsx and import again"
            ),
        ),
        ExcelError::Empty => ApiError::invalid(
            "empty_workbook",
            &format!("“{name}”中没有工作表"),
            &format!("'{name}' has no sheets"),
        ),
        ExcelError::NoSheet(sheet) => ApiError::invalid(
            "no_sheet",
            &format!("“{name}”中没有名为“{sheet}”的工作表"),
            &format!("'{name}' has no sheet named '{sheet}'"),
        ),
        ExcelError::Read(_) | ExcelError::Io(_) | ExcelError::Write(_) => ApiError::invalid(
            "unreadable_file",
            &format!(
                "无法打开“{name}”：文件已损坏，或不是表格文件（请选择 .xlsx、.xls、.ods 或 .csv）"
            ),
            &format!(
                "cannot open '{name}': the file is damaged or not a spreadsheet (.xlsx, .xls, .ods or .csv)"
            ),
        ),
    }
}
