// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.

/**
 * Which file to read and how. Only `path` is required.
 */
export type ImportRequest = { path: string, 
/**
 * The sheet's name; when empty, the sheet whose header names the most known columns.
 */
sheet: string | null, 
/**
 * The header row as Excel numbers it (1-based); found when empty.
 */
header_row: number | null, 
/**
 * Overrides of the guessed mapping: column (header text, letter like "C", or 1-based
 * number) → field code (`name`, `id_number`, …) or `ignore`.
 */
mapping: { [key in string]: string }, 
/**
 * The village of every row when the file has no village column.
 */
village: string | null, 
/**
 * Import the households without errors and leave the others out. Without it, any error
 * stops the import.
 */
skip_invalid: boolean, 
/**
 * Leave out the members with errors and import the rest of their households (a
 * household whose head has an error stays out). Without it, a member's error keeps their
 * whole household out.
 */
skip_invalid_members: boolean, 
/**
 * A township's own vocabulary (headers and group words, the form of
 * `assets/import/columns.toml`), tried before the shipped one.
 */
vocabulary: string | null, 
/**
 * The file's SHA-256 from the preview: the import is refused if the file changed since.
 */
expected_sha256: string | null, };
