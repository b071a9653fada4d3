// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.
import type { LastSyncError } from "./LastSyncError";
import type { ReferenceVersion } from "./ReferenceVersion";

/**
 * The header's sync line.
 */
export type SyncStatusView = { enrolled: boolean, server_url: string | null, device_id: string, pending_changes: number, last_sync_at: string | null, last_error: LastSyncError | null, 
/**
 * Refusals not yet settled.
 */
open_refusals: number, 
/**
 * A round is running right now (here or in the background runner).
 */
syncing: boolean, 
/**
 * The township documents this device holds, with their versions (e.g. the poverty
 * register).
 */
reference: Array<ReferenceVersion>, };
