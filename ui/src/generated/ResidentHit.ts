// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.

export type ResidentHit = { id: string, name: string, sex: string, birth_date: string | null, id_number: string | null, phone: string | null, household_id: string, village: string, address: string, };
