// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.
import type { ApiError } from "./ApiError";
import type { SyncProgress } from "./SyncProgress";
import type { SyncSummary } from "./SyncSummary";
import type { SyncTrigger } from "./SyncTrigger";

/**
 * What a round reports while it runs, for the desktop shell to forward as events.
 */
export type SyncEvent = { "type": "started", trigger: SyncTrigger, } | { "type": "progress" } & SyncProgress | { "type": "finished", trigger: SyncTrigger, summary: SyncSummary, } | { "type": "failed", trigger: SyncTrigger, error: ApiError, 
/**
 * When the background runner tries again, if it does.
 */
retry_in_secs: number | null, } | { "type": "unreachable", retry_in_secs: number, };
