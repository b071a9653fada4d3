// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.

export type ReferralBackRequest = { 
/**
 * The referral out the resident comes back from.
 */
referral_id: string, 
/**
 * The day of the return; today when not given.
 */
returned_on: string | null, follow_up_plan: string, doctor_id: string | null, };
