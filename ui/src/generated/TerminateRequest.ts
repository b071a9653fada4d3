// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.
import type { TerminationReason } from "./TerminationReason";

export type TerminateRequest = { contract_id: string, reason: TerminationReason, note: string, effective_on: string | null, resident_confirmed: boolean, doctor_confirmed: boolean, resident_signature_png: string | null, doctor_signature_png: string | null, };
