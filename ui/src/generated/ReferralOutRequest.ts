// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.
import type { Urgency } from "./Urgency";

export type ReferralOutRequest = { resident_id: string, to_institution: string, reason: string, 
/**
 * The day of the referral; today when not given.
 */
referred_on: string | null, urgency: Urgency | null, 
/**
 * The team member who referred; the visit form's default when not given.
 */
doctor_id: string | null, };
