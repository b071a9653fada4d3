//! Step 6, the preview: what the checks found, counted and listed household by household.

use jiayi_core::person::Relation;

use super::fields::Field;
use super::households::Draft;
use super::values::parse_relation;
use super::views::{ColumnView, HouseholdPreview, ImportPreview, RowIssue, Severity};

/// What the preview says about the sheet itself.
pub(super) struct SheetSummary {
    pub file_sha256: String,
    pub sheet: String,
    /// As Excel numbers it.
    pub header_row: u32,
    pub columns: Vec<ColumnView>,
    /// Rows below the header that are not empty.
    pub rows: usize,
}

/// The preview of checked households. Issues come out in row order, errors before warnings.
pub(super) fn build_preview(
    sheet: SheetSummary,
    drafts: &[Draft],
    mut issues: Vec<RowIssue>,
    skip_invalid: bool,
) -> ImportPreview {
    issues.sort_by_key(|i| (i.row.unwrap_or(0), i.severity == Severity::Warning));
    let errors = issues
        .iter()
        .filter(|i| i.severity == Severity::Error)
        .count();
    let warnings = issues.len() - errors;
    let importable: Vec<&Draft> = drafts.iter().filter(|d| !d.errors).collect();
    let importable_households = importable.len();
    let importable_residents = importable.iter().map(|d| d.rows.len()).sum();
    let household_list = drafts.iter().map(household_preview).collect();
    let can_import = importable_households > 0 && (errors == 0 || skip_invalid);
    ImportPreview {
        file_sha256: sheet.file_sha256,
        sheet: sheet.sheet,
        header_row: sheet.header_row,
        columns: sheet.columns,
        rows: sheet.rows,
        households: drafts.len(),
        residents: drafts.iter().map(|d| d.rows.len()).sum(),
        importable_households,
        importable_residents,
        errors,
        warnings,
        issues,
        household_list,
        can_import,
    }
}

fn household_preview(d: &Draft) -> HouseholdPreview {
    HouseholdPreview {
        village: d.village.clone(),
        address: d
            .valid
            .as_ref()
            .map(|v| v.address.clone())
            .unwrap_or_else(|| d.rows[0].get(Field::Address).to_string()),
        head: d
            .rows
            .iter()
            .find(|r| {
                parse_relation(r.get(Field::Relation)) == Relation::Head
                    || (!r.get(Field::HeadName).is_empty()
                        && r.get(Field::HeadName) == r.get(Field::Name))
            })
            .map(|r| r.get(Field::Name).to_string())
            .unwrap_or_else(|| d.head_in_key().to_string()),
        members: d.rows.len(),
        rows: d.rows.iter().map(|r| r.excel_row).collect(),
        importable: !d.errors,
    }
}
