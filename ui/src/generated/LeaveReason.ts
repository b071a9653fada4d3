// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.

export type LeaveReason = { "type": "moved_out", destination: string, } | { "type": "died" } | { "type": "moved_to_household", household_id: string, };
