// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.

/**
 * A reporting period: both days included.
 */
export type Period = { start: string, end: string, };
