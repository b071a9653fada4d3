// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.
import type { BackupView } from "./BackupView";

/**
 * What was written to the stick, checked.
 */
export type UsbOutcome = { backup: BackupView, 
/**
 * How long the backup itself took (the copy and its check come on top).
 */
backup_millis: number, 
/**
 * Said to the doctor: where, what, and that it was read back.
 */
message: string, };
