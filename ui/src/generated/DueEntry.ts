// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.
import type { Anchor } from "./Anchor";
import type { DueStatus } from "./DueStatus";

/**
 * A due or overdue item with what the work list shows beside it.
 */
export type DueEntry = { resident_name: string, household_id: string, village_id: string, village: string, package_name: string, item_name: string, contract_id: string, resident_id: string, package_code: string, item_code: string, status: DueStatus, 
/**
 * Which occurrence is next (1-based) out of `times_per_year`.
 */
occurrence: number, times_per_year: number, delivered: number, 
/**
 * Occurrences whose deadline has passed without a visit.
 */
missed: number, opens_on: string, due_by: string, 
/**
 * What the item counts from, and that anchor's date for this occurrence (none for items
 * spread over the term).
 */
anchor: Anchor, anchored_on: string | null, };
