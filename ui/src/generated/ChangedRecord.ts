// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.

/**
 * Which kind of record a field change concerns.
 */
export type ChangedRecord = "household" | "resident";
