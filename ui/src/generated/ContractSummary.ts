// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.
import type { ContractStatus } from "./ContractStatus";
import type { Term } from "./Term";
import type { TermInForce } from "./TermInForce";

/**
 * A contract as lists show it.
 */
export type ContractSummary = { id: string, agreement_number: string, 
/**
 * The signed term.
 */
term: Term, 
/**
 * The term in force today, automatic renewals included.
 */
term_in_force: TermInForce | null, status: ContractStatus, in_force: boolean, doctor_id: string, member_ids: Array<string>, verification_code: string, };
