// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.

/**
 * What an error keeps out of the import.
 */
export type IssueScope = "member" | "household";
