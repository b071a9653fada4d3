// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.
import type { Relation } from "./Relation";

/**
 * Party B (乙方): the household, represented by its head or a member able to sign for it.
 */
export type PartyB = { household_id: string, representative_name: string, representative_id_number: string | null, 
/**
 * Relation of the representative to the head (`head` when the head signs).
 */
representative_relation: Relation, head_name: string, village: string, group: string, address: string, phone: string | null, };
