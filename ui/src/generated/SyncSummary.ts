// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.
import type { ApiError } from "./ApiError";

/**
 * What a round did.
 */
export type SyncSummary = { 
/**
 * Changes the server answered for.
 */
pushed: number, applied: number, duplicates: number, 
/**
 * Refused by the server (see [`crate::Api::refusals`]).
 */
refused: number, 
/**
 * Stored, but some fields lost to newer values on the server.
 */
conflicts: number, 
/**
 * Colleagues' changes received.
 */
pulled: number, 
/**
 * Received changes where this device kept its own newer value.
 */
pull_conflicts: number, 
/**
 * Township reference documents (catalog, register, teams, term policy) newly applied.
 */
reference_updated: number, 
/**
 * Confirmed changes sent again because the server had lost them.
 */
requeued: number, 
/**
 * Changes sent under a new number (this device's data was restored from an older copy).
 */
renumbered: number, 
/**
 * Changes still waiting after the round (held back or made meanwhile).
 */
pending_after: number, 
/**
 * Things the doctor should know that did not stop the round (clock skew, recovery).
 */
warnings: Array<ApiError>, finished_at: string, };
