// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.
import type { BackupFailure } from "./BackupFailure";
import type { BackupView } from "./BackupView";

/**
 * What the backup panel shows.
 */
export type BackupStatus = { folder: string, last_backup: BackupView | null, 
/**
 * Set while the newest attempt failed.
 */
last_failure: BackupFailure | null, 
/**
 * Changes since the last backup, and the count that triggers the next one.
 */
changes_since: number, every_changes: number, 
/**
 * The backups in the folder, newest first.
 */
backups: Array<BackupView>, };
