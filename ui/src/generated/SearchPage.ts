// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.
import type { ResidentHit } from "./ResidentHit";

/**
 * One page of residents matching what was typed, with how many match in all.
 */
export type SearchPage = { 
/**
 * Exact matches (the whole name, ID number, phone or record number) first and all of
 * them, then the others up to the limit.
 */
hits: Array<ResidentHit>, 
/**
 * How many residents match; when `total_capped`, at least this many.
 */
total: number, 
/**
 * The count stopped at [`COUNT_CAP`]: counting every resident behind one typed letter
 * would cost more than the search itself.
 */
total_capped: boolean, };
