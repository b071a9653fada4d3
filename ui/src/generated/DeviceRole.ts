// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.

export type DeviceRole = "doctor" | "team-leader";
