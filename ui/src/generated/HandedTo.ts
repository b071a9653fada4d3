// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.

/**
 * Where a printed document went.
 */
export type HandedTo = "printer" | "viewer" | "saved";
