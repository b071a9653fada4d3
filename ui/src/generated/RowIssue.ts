// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.
import type { Severity } from "./Severity";

export type RowIssue = { 
/**
 * The row as Excel numbers it; none for problems with the whole file.
 */
row: number | null, 
/**
 * The column's header, when the problem is in one cell.
 */
column: string | null, severity: Severity, code: string, message: string, };
