// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.

export type MemberAddOutcome = { resident_id: string, 
/**
 * The contract in force the member can be added to (offered when not extended now).
 */
contract_id: string | null, amendment_id: string | null, };
