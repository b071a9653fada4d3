// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.

/**
 * What the work list is asked for: a day, one village or all, and how many rows per list.
 */
export type WorkListQuery = { day: string | null, village_id: string | null, 
/**
 * Rows per list; `None` means [`ROWS_SHOWN`].
 */
limit: number | null, };
