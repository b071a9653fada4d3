// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.

/**
 * A village the work list can be narrowed to, with how much work waits there.
 */
export type VillageWork = { id: string, name: string, due: number, overdue: number, renewals: number, unsigned_priority: number, };
