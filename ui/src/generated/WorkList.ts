// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.
import type { DueEntry } from "./DueEntry";
import type { HouseholdRound } from "./HouseholdRound";
import type { RenewalEntry } from "./RenewalEntry";
import type { UnsignedEntry } from "./UnsignedEntry";
import type { VillageWork } from "./VillageWork";

export type WorkList = { day: string, 
/**
 * The village the lists are narrowed to, if any.
 */
village_id: string | null, overdue_count: number, due_count: number, 
/**
 * Items whose window opens within the next 14 days (`UPCOMING_DAYS`).
 */
upcoming_count: number, 
/**
 * The most urgent items: overdue first, then by deadline; at most `limit` of them.
 */
due: Array<DueEntry>, 
/**
 * Households with something overdue, due or upcoming, each with all its members' items:
 * a round's stops, most urgent first, a village's groups together; at most `limit`.
 */
households: Array<HouseholdRound>, household_count: number, renewal_count: number, 
/**
 * Contracts whose term ends within 30 days (soonest first), then those that renewed by
 * themselves in the last 30 days (latest first); at most `limit` of them.
 */
renewals: Array<RenewalEntry>, unsigned_priority_count: number, 
/**
 * The first of them (the list can be long in a new township).
 */
unsigned_priority: Array<UnsignedEntry>, 
/**
 * Every village with work waiting, for the village selector.
 */
villages: Array<VillageWork>, };
