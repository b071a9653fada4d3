// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.

/**
 * A row below the header that is not a person: a total, a footer, the header repeated.
 */
export type SkippedRow = { sheet: string, row: number, 
/**
 * `total`, `footer`, `repeated_header` or `no_person`.
 */
reason: string, message: string, 
/**
 * The row's first words, to recognise it.
 */
text: string, };
