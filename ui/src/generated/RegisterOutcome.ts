// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.
import type { DuplicateMatch } from "./DuplicateMatch";
import type { UnprintableName } from "./UnprintableName";

export type RegisterOutcome = { 
/**
 * False when duplicates were found and not confirmed: nothing was saved.
 */
saved: boolean, household_id: string | null, resident_ids: Array<string>, duplicates: Array<DuplicateMatch>, 
/**
 * Names with characters no printer font has: a warning like duplicates, saved when
 * confirmed; such a character prints as its code point.
 */
unprintable: Array<UnprintableName>, };
