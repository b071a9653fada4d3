// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.
import type { ColumnView } from "./ColumnView";
import type { HouseholdPreview } from "./HouseholdPreview";
import type { RowIssue } from "./RowIssue";
import type { SkippedRow } from "./SkippedRow";

export type ImportPreview = { file_sha256: string, 
/**
 * The sheets of the file, in order.
 */
sheets: Array<string>, 
/**
 * The sheet read.
 */
sheet: string, header_row: number, columns: Array<ColumnView>, 
/**
 * Rows below the header read as people (skipped rows are in `skipped_rows`).
 */
rows: number, households: number, residents: number, importable_households: number, importable_residents: number, errors: number, warnings: number, 
/**
 * Members with an error of their own.
 */
members_with_errors: number, 
/**
 * Households that cannot be imported whole (an error of the household, or of a member).
 */
households_with_errors: number, 
/**
 * Row by row, in file order.
 */
issues: Array<RowIssue>, 
/**
 * Rows below the header that were not read as people.
 */
skipped_rows: Array<SkippedRow>, household_list: Array<HouseholdPreview>, 
/**
 * Whether confirming would import: no errors, or errors only where the request chose to
 * leave members (`skip_invalid_members`) or households (`skip_invalid`) out.
 */
can_import: boolean, };
