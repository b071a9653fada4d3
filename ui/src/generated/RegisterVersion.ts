// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.

export type RegisterVersion = { name: string, version: string, received_at: string, entries: number, };
