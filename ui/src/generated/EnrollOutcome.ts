// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.
import type { ApiError } from "./ApiError";
import type { SyncSettings } from "./SyncSettings";

export type EnrollOutcome = { settings: SyncSettings, 
/**
 * E.g. the device clock is more than five minutes off the server's.
 */
warnings: Array<ApiError>, };
