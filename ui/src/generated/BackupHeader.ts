// Generated from the Rust types by src-tauri/scripts/gen-types.sh; do not edit.

/**
 * What a backup says about itself, readable without the passphrase. It names no resident.
 */
export type BackupHeader = { format: number, device_id: string, 
/**
 * The doctor and team the store was enrolled for, when it was.
 */
doctor_id: string | null, doctor_name: string | null, team_name: string | null, made_at: string, schema_version: number, households: number, residents: number, visits: number, 
/**
 * Changes made on the device and not yet acknowledged by the township server.
 */
unsynced: number, body_len: number, 
/**
 * SHA-256 of the body, hex.
 */
body_sha256: string, };
