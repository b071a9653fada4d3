// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.
import type { PopulationGroup } from "./PopulationGroup";
import type { Relation } from "./Relation";
import type { Sex } from "./Sex";

export type CoveredMember = { resident_id: string, name: string, sex: Sex, birth_date: string | null, 
/**
 * Age on the signing day.
 */
age: number | null, id_number: string | null, relation: Relation, groups: Array<PopulationGroup>, package_codes: Array<string>, 
/**
 * The member's health-record number (健康档案编号) when signed. Absent (and not
 * serialised, so earlier snapshots keep their hash) when the member had none.
 */
record_number?: string, };
