// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.
import type { ColumnView } from "./ColumnView";
import type { HouseholdPreview } from "./HouseholdPreview";
import type { RowIssue } from "./RowIssue";

export type ImportPreview = { file_sha256: string, sheet: string, header_row: number, columns: Array<ColumnView>, rows: number, households: number, residents: number, importable_households: number, importable_residents: number, errors: number, warnings: number, 
/**
 * Row by row, in file order.
 */
issues: Array<RowIssue>, household_list: Array<HouseholdPreview>, 
/**
 * Whether confirming would import (no errors, or `skip_invalid` and something valid).
 */
can_import: boolean, };
