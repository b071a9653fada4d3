// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.
import type { IssueScope } from "./IssueScope";
import type { Severity } from "./Severity";

export type RowIssue = { 
/**
 * The sheet the row is on.
 */
sheet: string, 
/**
 * The row as Excel numbers it; none for problems with the whole file.
 */
row: number | null, 
/**
 * The column's header, when the problem is in one cell.
 */
column: string | null, 
/**
 * The member's name as the row gives it (normalised), when it has one.
 */
name: string | null, severity: Severity, scope: IssueScope, code: string, 
/**
 * Sheet, row, column and name, for a person ("“台账”第 7 行，身份证号列，王五").
 */
place: string, message: string, };
