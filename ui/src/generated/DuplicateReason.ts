// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.

export type DuplicateReason = "same_id_number" | "same_name_and_birth_date";
