// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.

/**
 * Which workbook to write.
 */
export type ExportKind = "report" | "signed" | "unsigned" | "audit";
