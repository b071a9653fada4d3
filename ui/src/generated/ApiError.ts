// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.

export type ApiError = { 
/**
 * Stable, machine-readable (the UI acts on it; unknown codes get a generic treatment).
 */
code: string, 
/**
 * For a person, in their language.
 */
message: string, 
/**
 * Which row of a form the error is about, when it is about one.
 */
member_index: number | null, };
