// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.

export type VillageRef = { id: string, 
/**
 * The village's name when this device knows it.
 */
name: string | null, };
