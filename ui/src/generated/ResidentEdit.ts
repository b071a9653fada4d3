// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.
import type { Relation } from "./Relation";
import type { Sex } from "./Sex";

/**
 * Corrections to a resident: only the fields given change. An empty phone clears it.
 */
export type ResidentEdit = { resident_id: string, name: string | null, sex: Sex | null, 
/**
 * `YYYY-MM-DD` (or as typed on forms).
 */
birth_date: string | null, phone: string | null, 
/**
 * Adding the number later clears the "no number" flag.
 */
id_number: string | null, relation: Relation | null, 
/**
 * The county's 17-digit health-record number (健康档案编号); empty clears it.
 */
record_number: string | null, };
