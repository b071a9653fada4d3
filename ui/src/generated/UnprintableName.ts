// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.

/**
 * A member's name with characters that cannot be printed.
 */
export type UnprintableName = { member_index: number, name: string, 
/**
 * The characters as they will print: `[U+XXXX]`.
 */
characters: Array<string>, 
/**
 * The warning in the user's language.
 */
message: string, };
