// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.
import type { ReferralBackView } from "./ReferralBackView";
import type { Urgency } from "./Urgency";

/**
 * A referral out with its return, if it came back.
 */
export type ReferralRow = { referral_id: string, resident_id: string, resident_name: string, to_institution: string, reason: string, referred_on: string, urgency: Urgency | null, 
/**
 * The urgency in the user's language (empty when not given).
 */
urgency_label: string, doctor_id: string | null, doctor_name: string, recorded_at: string, 
/**
 * Still open today: referred out, not back.
 */
open: boolean, back: ReferralBackView | null, };
