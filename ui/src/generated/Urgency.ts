// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.

/**
 * How urgent a referral out is, when the doctor says.
 */
export type Urgency = "routine" | "urgent";
