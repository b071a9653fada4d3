// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.
import type { ColumnView } from "./ColumnView";
import type { HouseholdPreview } from "./HouseholdPreview";
import type { RowIssue } from "./RowIssue";

export type ImportPreview = { fileSha256: string, sheet: string, headerRow: number, columns: Array<ColumnView>, rows: number, households: number, residents: number, importableHouseholds: number, importableResidents: number, errors: number, warnings: number, 
/**
 * Row by row, in file order.
 */
issues: Array<RowIssue>, householdList: Array<HouseholdPreview>, 
/**
 * Whether confirming would import (no errors, or `skip_invalid` and something valid).
 */
canImport: boolean, };
