// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.

/**
 * Why a member joins an existing household.
 */
export type JoinKind = "birth" | "marriage" | "adoption" | "moved_in";
