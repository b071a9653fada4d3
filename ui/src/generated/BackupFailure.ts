// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.

/**
 * The last backup's failure, as the sync screen shows it.
 */
export type BackupFailure = { code: string, message: string, at: string, };
