// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.
import type { QueueEntry } from "./QueueEntry";

/**
 * What waits, oldest first, and what was printed from the queue today, latest first.
 */
export type PrintQueue = { waiting: Array<QueueEntry>, printed_today: Array<QueueEntry>, };
