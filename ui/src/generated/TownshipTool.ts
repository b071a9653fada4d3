// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.

/**
 * A tool of the township's rather than of one doctor's.
 */
export type TownshipTool = "set_targets" | "roster_export";
