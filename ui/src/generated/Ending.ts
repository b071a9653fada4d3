// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.

/**
 * How the term in force ends.
 */
export type Ending = { 
/**
 * The last day covered.
 */
last_day: string, 
/**
 * Whether the next term follows by itself.
 */
renews: boolean, };
