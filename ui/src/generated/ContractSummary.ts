// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.
import type { ContractStatus } from "./ContractStatus";
import type { Term } from "./Term";

/**
 * A contract as lists show it.
 */
export type ContractSummary = { id: string, agreement_number: string, term: Term, status: ContractStatus, in_force: boolean, doctor_id: string, member_ids: Array<string>, verification_code: string, };
