// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.

/**
 * How the service was delivered.
 */
export type VisitMode = "clinic" | "home" | "phone";
