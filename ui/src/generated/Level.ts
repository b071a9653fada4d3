// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.

/**
 * Level of a report: one row per village, team, doctor, or the township as a whole.
 */
export type Level = "township" | "village" | "team" | "doctor";
