// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.

/**
 * What the doctor is told after a group change.
 */
export type GroupOutcome = { period_ids: Array<string>, 
/**
 * The amendment written with it, if any.
 */
amendment_id: string | null, 
/**
 * Packages the group brings that the contract does not hold yet (an amendment to offer).
 */
packages_to_add: Array<string>, contract_id: string | null, };
