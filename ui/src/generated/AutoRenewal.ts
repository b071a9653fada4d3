// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.
import type { Term } from "./Term";

/**
 * A renewal that happened by itself at a term end.
 */
export type AutoRenewal = { 
/**
 * [`renewal_id`] of the contract and the term start.
 */
id: string, contract_id: string, renewal: number, term: Term, };
