// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.
import type { DueEntry } from "./DueEntry";

/**
 * One household's stop on a round: everything its members are owed on the day.
 */
export type HouseholdRound = { household_id: string, 
/**
 * The head's name (户主), or the first member owed something when there is no head.
 */
head: string, village_id: string, village: string, 
/**
 * Villager group (村民小组).
 */
group: string, address: string, overdue: number, due: number, upcoming: number, 
/**
 * Overdue first, then due, then upcoming; by deadline within each.
 */
items: Array<DueEntry>, };
