//! What the import takes and gives back: the request, the preview with its row-by-row
//! issues, the outcome, and the progress reports.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::fields::Field;

/// Which file to read and how. Only `path` is required.
#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", default)]
pub struct ImportRequest {
    pub path: PathBuf,
    /// The sheet's name; the first sheet when empty.
    pub sheet: Option<String>,
    /// The header row as Excel numbers it (1-based); found when empty.
    #[serde(alias = "headerRow")]
    pub header_row: Option<u32>,
    /// Overrides of the guessed mapping: column (header text, letter like "C", or 1-based
    /// number) → field code (`name`, `id_number`, …) or `ignore`.
    pub mapping: BTreeMap<String, String>,
    /// The village of every row when the file has no village column.
    pub village: Option<String>,
    /// Import the households without errors and leave the others out. Without it, any error
    /// stops the import.
    #[serde(alias = "skipInvalid")]
    pub skip_invalid: bool,
    /// The file's SHA-256 from the preview: the import is refused if the file changed since.
    #[serde(alias = "expectedSha256")]
    pub expected_sha256: Option<String>,
}

#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct ColumnView {
    /// 0-based position.
    pub index: usize,
    /// Excel's letter (A, B, … AA).
    pub letter: String,
    pub header: String,
    pub field: Option<Field>,
    pub field_label: Option<String>,
    /// Chosen by an override rather than guessed.
    pub overridden: bool,
}

#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// The household cannot be imported.
    Error,
    /// Imported, but worth a look (e.g. someone of the same name and birth date exists).
    Warning,
}

#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct RowIssue {
    /// The row as Excel numbers it; none for problems with the whole file.
    pub row: Option<u32>,
    /// The column's header, when the problem is in one cell.
    pub column: Option<String>,
    pub severity: Severity,
    pub code: String,
    pub message: String,
}

#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct HouseholdPreview {
    pub village: String,
    pub address: String,
    pub head: String,
    pub members: usize,
    /// Excel row numbers of its members.
    pub rows: Vec<u32>,
    pub importable: bool,
}

#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct ImportPreview {
    pub file_sha256: String,
    pub sheet: String,
    pub header_row: u32,
    pub columns: Vec<ColumnView>,
    pub rows: usize,
    pub households: usize,
    pub residents: usize,
    pub importable_households: usize,
    pub importable_residents: usize,
    pub errors: usize,
    pub warnings: usize,
    /// Row by row, in file order.
    pub issues: Vec<RowIssue>,
    pub household_list: Vec<HouseholdPreview>,
    /// Whether confirming would import (no errors, or `skip_invalid` and something valid).
    pub can_import: bool,
}

#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct ImportOutcome {
    pub imported: bool,
    pub households: usize,
    pub residents: usize,
    pub skipped_households: usize,
    pub preview: ImportPreview,
}

/// Progress of an import, for a progress bar.
#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct ImportProgress {
    pub stage: ImportStage,
    pub done: usize,
    pub total: usize,
}

#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImportStage {
    Reading,
    Checking,
    Writing,
    Done,
}
