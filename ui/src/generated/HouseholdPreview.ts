// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.
import type { PersonPreview } from "./PersonPreview";

export type HouseholdPreview = { village: string, address: string, head: string, members: number, 
/**
 * Excel row numbers of its members.
 */
rows: Array<number>, people: Array<PersonPreview>, 
/**
 * Whether it would be imported with the request's choices.
 */
importable: boolean, 
/**
 * Members it would be imported with.
 */
importable_members: number, };
