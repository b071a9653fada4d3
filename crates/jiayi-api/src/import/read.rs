//! Step 1, reading: the file's fingerprint and the rows of one sheet, as text.

use std::path::Path;

use jiayi_core::agreement::sha256_hex;
use jiayi_excel::Table;

use crate::error::ApiError;

/// A sheet as read from the file, before anything is made of it.
pub(super) struct SheetRead {
    /// The SHA-256 of the whole file: an import is refused when it changed after the preview.
    pub file_sha256: String,
    pub table: Table,
}

/// Reads `sheet` (the first when none) of the workbook at `path`.
pub(super) fn read_sheet(path: &Path, sheet: Option<&str>) -> Result<SheetRead, ApiError> {
    let bytes = std::fs::read(path).map_err(|e| {
        ApiError::invalid(
            "read_failed",
            &format!("无法读取文件 {}：{e}", path.display()),
            &format!("cannot read {}: {e}", path.display()),
        )
    })?;
    let file_sha256 = sha256_hex(&bytes);
    drop(bytes);
    let table = jiayi_excel::read_sheet(path, sheet)?;
    Ok(SheetRead { file_sha256, table })
}
