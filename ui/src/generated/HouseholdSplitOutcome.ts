// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.

export type HouseholdSplitOutcome = { new_household_id: string, amendment_ids: Array<string>, };
