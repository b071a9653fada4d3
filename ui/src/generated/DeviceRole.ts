// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.

/**
 * The role a device was enrolled with.
 */
export type DeviceRole = "doctor" | "team-leader";
