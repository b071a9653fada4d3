// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.
import type { LeftView } from "./LeftView";
import type { PopulationGroup } from "./PopulationGroup";
import type { Relation } from "./Relation";
import type { Sex } from "./Sex";

export type MemberView = { id: string, name: string, relation: Relation, sex: Sex, birth_date: string | null, age: number | null, id_number: string | null, id_number_missing: boolean, phone: string | null, 
/**
 * Recorded groups plus the ones derived from age today.
 */
groups: Array<PopulationGroup>, 
/**
 * The county's health-record number (健康档案编号), when the member has one.
 */
record_number?: string, 
/**
 * The agreement covering the member today, if any.
 */
covered_by: string | null, 
/**
 * No longer a member (died, moved away, moved to another household): since when and why.
 */
left: LeftView | null, };
