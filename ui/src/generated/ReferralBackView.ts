// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.

/**
 * A referral back as the household page shows it.
 */
export type ReferralBackView = { back_id: string, returned_on: string, follow_up_plan: string, doctor_id: string | null, doctor_name: string, recorded_at: string, };
