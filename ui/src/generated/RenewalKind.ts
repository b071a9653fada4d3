// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.

/**
 * Why a contract is on the renewal list.
 */
export type RenewalKind = "renewed" | "ending";
