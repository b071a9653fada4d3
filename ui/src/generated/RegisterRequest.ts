// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.
import type { ResidentInput } from "./ResidentInput";

export type RegisterRequest = { 
/**
 * The doctor saw the duplicate warning and registers anyway.
 */
confirm_duplicates: boolean, 
/**
 * Village name or code.
 */
village: string, group: string, address: string, members: Array<ResidentInput>, };
