//! Step 6, the preview: what the checks found, counted and listed household by household,
//! with the request's choices (leave members or households with errors out) applied.

use jiayi_core::household::normalise_name;
use jiayi_core::person::Relation;

use super::fields::Field;
use super::households::Draft;
use super::values::parse_relation;
use super::views::{
    ColumnView, HouseholdPreview, ImportPreview, PersonPreview, RowIssue, Severity, SkippedRow,
};

/// What the preview says about the file and the sheet read.
pub(super) struct SheetSummary {
    pub file_sha256: String,
    pub sheets: Vec<String>,
    pub sheet: String,
    /// As Excel numbers it.
    pub header_row: u32,
    pub columns: Vec<ColumnView>,
    /// Rows below the header read as people.
    pub rows: usize,
    pub skipped_rows: Vec<SkippedRow>,
}

/// The request's choices.
#[derive(Debug, Clone, Copy)]
pub(super) struct Choices {
    /// Leave households that cannot be imported out.
    pub skip_households: bool,
    /// Leave members with errors out and import the rest of their households.
    pub skip_members: bool,
}

/// The preview of checked households. Issues come out in row order, errors before warnings.
pub(super) fn build_preview(
    sheet: SheetSummary,
    drafts: &[Draft],
    mut issues: Vec<RowIssue>,
    choices: Choices,
) -> ImportPreview {
    issues.sort_by_key(|i| (i.row.unwrap_or(0), i.severity == Severity::Warning));
    let errors = issues
        .iter()
        .filter(|i| i.severity == Severity::Error)
        .count();
    let warnings = issues.len() - errors;
    let importable: Vec<&Draft> = drafts
        .iter()
        .filter(|d| d.importable(choices.skip_members))
        .collect();
    let importable_households = importable.len();
    let importable_residents = importable
        .iter()
        .filter_map(|d| d.valid.as_ref())
        .map(|v| v.members.len())
        .sum();
    let all_in = drafts.iter().all(|d| d.importable(choices.skip_members));
    let can_import = importable_households > 0 && (all_in || choices.skip_households);
    ImportPreview {
        file_sha256: sheet.file_sha256,
        sheets: sheet.sheets,
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
        members_with_errors: drafts.iter().flat_map(|d| &d.bad).filter(|b| **b).count(),
        households_with_errors: drafts.iter().filter(|d| d.has_errors()).count(),
        issues,
        skipped_rows: sheet.skipped_rows,
        household_list: drafts
            .iter()
            .map(|d| household_preview(d, choices.skip_members))
            .collect(),
        can_import,
    }
}

fn household_preview(d: &Draft, skip_members: bool) -> HouseholdPreview {
    let importable = d.importable(skip_members);
    let mut kept = d.valid.iter().flat_map(|v| v.members.iter());
    let people: Vec<PersonPreview> = d
        .rows
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let bad = d.bad.get(i).copied().unwrap_or(true);
            let member = if bad { None } else { kept.next() };
            PersonPreview {
                row: r.excel_row,
                name: member
                    .map(|m| m.name.clone())
                    .unwrap_or_else(|| normalise_name(r.get(Field::Name))),
                id_number: member
                    .and_then(|m| m.id_number.as_ref().map(|n| n.as_str().to_string()))
                    .or_else(|| Some(r.get(Field::IdNumber).to_string()).filter(|s| !s.is_empty())),
                sex: member.map(|m| m.sex),
                birth_date: member.and_then(|m| m.birth_date),
                relation: member
                    .map(|m| m.relation)
                    .unwrap_or_else(|| parse_relation(r.get(Field::Relation))),
                groups: member
                    .map(|m| m.groups.iter().map(|g| g.code().to_string()).collect())
                    .unwrap_or_default(),
                record_number: d
                    .record_numbers
                    .get(i)
                    .and_then(|n| n.as_ref().map(|n| n.as_str().to_string())),
                valid: !bad,
            }
        })
        .collect();
    let head = people
        .iter()
        .find(|p| p.relation == Relation::Head)
        .map(|p| p.name.clone())
        .unwrap_or_else(|| normalise_name(d.head_name()));
    HouseholdPreview {
        village: d.village.clone(),
        address: d
            .valid
            .as_ref()
            .map(|v| v.address.clone())
            .unwrap_or_else(|| d.rows[0].get(Field::Address).to_string()),
        head,
        members: d.rows.len(),
        rows: d.rows.iter().map(|r| r.excel_row).collect(),
        people,
        importable,
        importable_members: if importable {
            d.valid.as_ref().map(|v| v.members.len()).unwrap_or(0)
        } else {
            0
        },
    }
}
