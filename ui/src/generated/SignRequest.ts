// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.
import type { GuardianSignatory } from "./GuardianSignatory";
import type { MemberChoice } from "./MemberChoice";

export type SignRequest = { household_id: string, 
/**
 * Who signs for the household (the head, or a member able to represent the head).
 */
representative_id: string | null, 
/**
 * A guardian (监护人) who signs instead of a member, e.g. for a household of minors or of
 * a member who cannot sign; member of the household or not.
 */
guardian?: GuardianSignatory, members: Array<MemberChoice>, 
/**
 * Defaults to the team serving the household's village.
 */
team_id: string | null, 
/**
 * Defaults to the team's family doctor.
 */
doctor_id: string | null, 
/**
 * Defaults to today.
 */
signed_on: string | null, 
/**
 * Drawn signatures as PNG, base64.
 */
resident_signature_png: string | null, doctor_signature_png: string | null, };
