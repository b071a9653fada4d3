// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.

/**
 * What a column holds.
 */
export type Field = "head_name" | "name" | "id_number" | "sex" | "birth_date" | "phone" | "relation" | "village" | "group" | "address" | "groups" | "household_no" | "record_number";
