// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.

/**
 * Why the coverage of one member ends (the whole contract's termination stays a contract event).
 */
export type CoverageEndReason = "death" | "moved_out" | "on_request";
