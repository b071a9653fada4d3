// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.

export type JoinReason = { "type": "registered" } | { "type": "birth", mother_id: string, } | { "type": "marriage" } | { "type": "adoption" } | { "type": "moved_in", from: string, };
