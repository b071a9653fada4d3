// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.

/**
 * What an item's windows are counted from.
 */
export type Anchor = "term" | "birth" | "pregnancy" | "delivery" | "diagnosis" | "treatment";
