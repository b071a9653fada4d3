// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.

/**
 * Why a member leaves.
 */
export type LeaveKind = "died" | "moved_out" | "moved_to_household";
