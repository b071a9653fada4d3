// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.

/**
 * How a township sets agreement terms (a township setting).
 */
export type TermPolicy = "rolling_year" | "calendar_year";
