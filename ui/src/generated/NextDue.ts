// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.

export type NextDue = { item_code: string, occurrence: number, opens_on: string, due_by: string, };
