// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.
import type { BackupView } from "./BackupView";

/**
 * A backup just made, and how long it took.
 */
export type BackupOutcome = { backup: BackupView, millis: number, };
