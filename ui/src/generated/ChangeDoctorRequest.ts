// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.

export type ChangeDoctorRequest = { contract_id: string, doctor_id: string, effective_on: string | null, note: string, };
