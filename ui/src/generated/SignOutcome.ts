// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.
import type { Term } from "./Term";

export type SignOutcome = { contract_id: string, agreement_number: string, term: Term, snapshot_sha256: string, verification_code: string, };
