// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.

export type LastSyncError = { code: string, message: string, at: string, };
