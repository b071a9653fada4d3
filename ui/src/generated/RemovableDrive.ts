// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.

/**
 * A folder the backup panel offers.
 */
export type RemovableDrive = { path: string, label: string, };
