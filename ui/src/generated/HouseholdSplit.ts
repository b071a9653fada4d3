// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.
import type { SplitMember } from "./SplitMember";

/**
 * Part of a household becoming a household of its own (分户).
 */
export type HouseholdSplit = { household_id: string, 
/**
 * The members who leave, with their relation to the new head.
 */
members: Array<SplitMember>, village: string | null, group: string | null, address: string, on: string, };
