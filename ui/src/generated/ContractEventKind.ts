// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.
import type { TerminationReason } from "./TerminationReason";

/**
 * What happened to a contract after signing.
 */
export type ContractEventKind = { "type": "doctor_changed", from_doctor_id: string, to_doctor_id: string, effective_on: string, note: string, } | { "type": "terminated", reason: TerminationReason, note: string, effective_on: string, resident_confirmed: boolean, doctor_confirmed: boolean, snapshot_sha256: string, } | { "type": "renewed", new_contract_id: string, automatic: boolean, 
/**
 * The successor's first day: the contract renews by itself up to the day before.
 * Events recorded before this was kept lack it; their successor starts the day after
 * the signed term ([`crate::term::successor_start`]).
 */
successor_starts: string | null, };
