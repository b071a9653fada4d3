// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.

/**
 * Declining a contract's renewal (不再续约): a termination on request at the term end, which
 * both parties confirm like any termination.
 */
export type DeclineRenewalRequest = { contract_id: string, note: string, resident_confirmed: boolean, doctor_confirmed: boolean, resident_signature_png: string | null, doctor_signature_png: string | null, };
