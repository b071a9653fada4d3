// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.
import type { ResidentInput } from "./ResidentInput";

export type HouseholdInput = { 
/**
 * Village name or code.
 */
village: string, group: string, address: string, members: Array<ResidentInput>, };
