// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.
import type { SyncPhase } from "./SyncPhase";

/**
 * For the header's progress bar.
 */
export type SyncProgress = { phase: SyncPhase, done: number, total: number, };
