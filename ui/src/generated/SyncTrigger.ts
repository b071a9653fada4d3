// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.

/**
 * What started a round.
 */
export type SyncTrigger = "manual" | "auto";
