// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.
import type { Relation } from "./Relation";

/**
 * Party B (乙方): the household, represented by its head or a member able to sign for it.
 */
export type PartyB = { household_id: string, representative_name: string, representative_id_number: string | null, 
/**
 * Relation of the representative to the head (`head` when the head signs).
 */
representative_relation: Relation, 
/**
 * Set when a guardian (监护人) signed for the household, e.g. "祖母" for a household of
 * minors: the representative fields then name the guardian. Absent (and not serialised,
 * so earlier snapshots keep their hash) when a member signed.
 */
guardian_relation?: string, head_name: string, village: string, group: string, address: string, phone: string | null, };
