// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.
import type { DuplicateReason } from "./DuplicateReason";

export type DuplicateMatch = { 
/**
 * Which member of the form matched.
 */
member_index: number, reason: DuplicateReason, resident_id: string, name: string, household_id: string, village: string, };
