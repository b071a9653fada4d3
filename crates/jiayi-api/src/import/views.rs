//! What the import takes and gives back: the request, the preview with its row-by-row
//! issues, the outcome, and the progress reports.

use std::collections::BTreeMap;
use std::path::PathBuf;

use jiayi_core::person::{Relation, Sex};
use serde::{Deserialize, Serialize};

use super::fields::Field;

/// Which file to read and how. Only `path` is required.
#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", default)]
pub struct ImportRequest {
    pub path: PathBuf,
    /// The sheet's name; when empty, the sheet whose header names the most known columns.
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
    /// Leave out the members with errors and import the rest of their households (a
    /// household whose head has an error stays out). Without it, a member's error keeps their
    /// whole household out.
    #[serde(alias = "skipInvalidMembers")]
    pub skip_invalid_members: bool,
    /// A township's own vocabulary (headers and group words, the form of
    /// `assets/import/columns.toml`), tried before the shipped one.
    pub vocabulary: Option<PathBuf>,
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

/// What an error keeps out of the import.
#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IssueScope {
    /// Only this member: the rest of the household can be imported without them.
    Member,
    /// The whole household (its village, its head).
    Household,
}

#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct RowIssue {
    /// The sheet the row is on.
    pub sheet: String,
    /// The row as Excel numbers it; none for problems with the whole file.
    pub row: Option<u32>,
    /// The column's header, when the problem is in one cell.
    pub column: Option<String>,
    /// The member's name as the row gives it (normalised), when it has one.
    pub name: Option<String>,
    pub severity: Severity,
    pub scope: IssueScope,
    pub code: String,
    /// Sheet, row, column and name, for a person ("“台账”第 7 行，身份证号列，王五").
    pub place: String,
    pub message: String,
}

/// A row below the header that is not a person: a total, a footer, the header repeated.
#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct SkippedRow {
    pub sheet: String,
    pub row: u32,
    /// `total`, `footer`, `repeated_header` or `no_person`.
    pub reason: String,
    pub message: String,
    /// The row's first words, to recognise it.
    pub text: String,
}

/// A member as the import would write them.
#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct PersonPreview {
    pub row: u32,
    pub name: String,
    pub id_number: Option<String>,
    pub sex: Option<Sex>,
    pub birth_date: Option<chrono::NaiveDate>,
    pub relation: Relation,
    /// Group codes, as they would be recorded.
    pub groups: Vec<String>,
    pub record_number: Option<String>,
    /// No error of their own.
    pub valid: bool,
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
    pub people: Vec<PersonPreview>,
    /// Whether it would be imported with the request's choices.
    pub importable: bool,
    /// Members it would be imported with.
    pub importable_members: usize,
}

#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct ImportPreview {
    pub file_sha256: String,
    /// The sheets of the file, in order.
    pub sheets: Vec<String>,
    /// The sheet read.
    pub sheet: String,
    pub header_row: u32,
    pub columns: Vec<ColumnView>,
    /// Rows below the header read as people (skipped rows are in `skipped_rows`).
    pub rows: usize,
    pub households: usize,
    pub residents: usize,
    pub importable_households: usize,
    pub importable_residents: usize,
    pub errors: usize,
    pub warnings: usize,
    /// Members with an error of their own.
    pub members_with_errors: usize,
    /// Households that cannot be imported whole (an error of the household, or of a member).
    pub households_with_errors: usize,
    /// Row by row, in file order.
    pub issues: Vec<RowIssue>,
    /// Rows below the header that were not read as people.
    pub skipped_rows: Vec<SkippedRow>,
    pub household_list: Vec<HouseholdPreview>,
    /// Whether confirming would import: no errors, or errors only where the request chose to
    /// leave members (`skip_invalid_members`) or households (`skip_invalid`) out.
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
    /// Members left out of the file's people (their own errors, or their household's).
    pub skipped_residents: usize,
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
