// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.

export type FieldType = "choice" | "multi_choice" | "number" | "text" | "date" | "yes_no";
