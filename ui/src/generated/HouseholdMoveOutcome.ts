// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.

export type HouseholdMoveOutcome = { village_id: string, 
/**
 * Contracts ended because the new village is served by another team: the household
 * signs with that team.
 */
terminated: Array<string>, };
