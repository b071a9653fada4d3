// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.

export type ExportOutcome = { path: string, sheets: number, 
/**
 * Data rows written (not counting headers and totals).
 */
rows: number, };
