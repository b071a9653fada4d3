// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.

/**
 * A household moving to another village or group of the township (迁入/迁出 within it).
 */
export type HouseholdMove = { household_id: string, 
/**
 * Village name or code.
 */
village: string, group: string | null, address: string | null, on: string, };
