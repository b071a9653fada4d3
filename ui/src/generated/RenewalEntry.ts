// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.
import type { RenewalKind } from "./RenewalKind";

export type RenewalEntry = { kind: RenewalKind, contract_id: string, agreement_number: string, household_id: string, representative: string, village_id: string, village: string, 
/**
 * The term in force: its first day, its last day, and which renewal it is (0 = signed).
 */
term_start: string, term_end: string, renewal: number, 
/**
 * The last day covered in this term (before `term_end` when a termination takes effect).
 */
last_day: string, 
/**
 * Whether the next term follows by itself after `last_day`.
 */
renews: boolean, };
