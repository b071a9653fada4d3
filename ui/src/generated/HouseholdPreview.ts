// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.

export type HouseholdPreview = { village: string, address: string, head: string, members: number, 
/**
 * Excel row numbers of its members.
 */
rows: Array<number>, importable: boolean, };
