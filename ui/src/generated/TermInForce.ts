// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.
import type { Term } from "./Term";

/**
 * The term of a contract in force on a day.
 */
export type TermInForce = { term: Term, 
/**
 * 0 for the signed term, 1 for the first renewal, and so on.
 */
renewal: number, 
/**
 * The day before an effective termination, when one falls in this term.
 */
last_day: string, };
