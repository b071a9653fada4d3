// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.

/**
 * What the doctor chose on the restore screen.
 */
export type RestoreRequest = { file: string, 
/**
 * The passphrase the store had when the backup was made.
 */
passphrase: string, 
/**
 * When this laptop's store has unsynced work: back it up first, then restore.
 */
back_up_current_first: boolean, };
