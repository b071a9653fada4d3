// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.

/**
 * A backup file as the screen shows it.
 */
export type BackupView = { path: string, file_name: string, size_bytes: number, device_id: string, 
/**
 * The doctor the store was enrolled for, when it was.
 */
doctor_id: string | null, doctor_name: string | null, team_name: string | null, made_at: string, households: number, residents: number, visits: number, unsynced: number, };
