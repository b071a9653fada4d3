// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.

/**
 * How an unanswered required field is taken from the vitals measured: on target gives the
 * field's first option, off target its second.
 */
export type Derivation = "bp_control" | "glucose_control";
