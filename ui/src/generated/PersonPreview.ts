// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.
import type { Relation } from "./Relation";
import type { Sex } from "./Sex";

/**
 * A member as the import would write them.
 */
export type PersonPreview = { row: number, name: string, id_number: string | null, sex: Sex | null, birth_date: string | null, relation: Relation, 
/**
 * Group codes, as they would be recorded.
 */
groups: Array<string>, record_number: string | null, 
/**
 * No error of their own.
 */
valid: boolean, };
