// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.
import type { ApiError } from "./ApiError";
import type { PrintJob } from "./PrintJob";

/**
 * The outcome of one queued document's print: its file, and the job or what went wrong.
 */
export type QueuedPrinted = { queue_id: string, path: string, job: PrintJob | null, error: ApiError | null, };
