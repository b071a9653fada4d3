// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.

/**
 * What the lock screen has to offer.
 */
export type VaultState = "new" | "plain" | "encrypted";
