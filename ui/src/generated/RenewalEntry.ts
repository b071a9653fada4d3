// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.

export type RenewalEntry = { contract_id: string, agreement_number: string, household_id: string, representative: string, village_id: string, village: string, term_end: string, };
